//! Linux ELF core files: PT_LOAD segments become regions, NT_FILE names the
//! mapped files, NT_PRSTATUS gives the pid and each thread's stack pointer.
//!
//! goblin parses the header, program headers and notes, but only through the
//! light entry points: `Elf::parse` also wants the section headers that gdb
//! writes at the very end of a core, so a truncated core would be lost. Every
//! offset a header names is checked against the file before it is used.

use super::{ContainerKind, MemoryMap, Region, RegionKind};
use goblin::container::{Container, Ctx};
use goblin::elf::header::Header;
use goblin::elf::note::{NT_FILE, NT_PRPSINFO, NT_PRSTATUS, NoteDataIterator};
use goblin::elf::program_header::{PT_LOAD, PT_NOTE, ProgramHeader};

/// Most program headers read from one core; a core of a real process has a
/// few thousand. Beyond this the rest of the file is still scanned as metadata.
const MAX_SEGMENTS: usize = 1 << 18;
/// Most notes read from one PT_NOTE segment.
const MAX_NOTES: usize = 1 << 16;
/// PN_XNUM: e_phnum value meaning "the real count is in section 0's sh_info".
const PN_XNUM: u16 = 0xffff;
const EM_386: u16 = 3;
const EM_X86_64: u16 = 62;
const EM_AARCH64: u16 = 183;

/// One file mapping from NT_FILE.
struct FileMapping {
    start: u64,
    end: u64,
    /// Offset in the file, in pages.
    page_offset: u64,
    name: String,
}

/// What the notes tell about the process.
#[derive(Default)]
struct NoteInfo {
    files: Vec<FileMapping>,
    stack_pointers: Vec<u64>,
    pid: Option<u32>,
    command: Option<String>,
}

/// Parse an ELF core. Never fails: what cannot be parsed becomes a warning and
/// the bytes are left to the raw scan of the gaps.
pub fn map(bytes: &[u8]) -> MemoryMap {
    let mut warnings = Vec::new();
    let header = match goblin::elf::Elf::parse_header(bytes) {
        Ok(h) => h,
        Err(e) => {
            warnings.push(format!("ELF header unreadable ({e}); scanned as raw bytes"));
            return MemoryMap::raw(bytes.len() as u64, ContainerKind::ElfCore, warnings);
        }
    };
    let ctx = match (header.container(), header.endianness()) {
        (Ok(c), Ok(e)) => Ctx::new(c, e),
        _ => {
            warnings.push("ELF class or byte order invalid; scanned as raw bytes".to_string());
            return MemoryMap::raw(bytes.len() as u64, ContainerKind::ElfCore, warnings);
        }
    };
    let phdrs = program_headers(bytes, &header, ctx, &mut warnings);
    let notes = read_notes(bytes, &phdrs, ctx, header.e_machine, &mut warnings);

    let mut regions = Vec::new();
    // A mapped file is a module (executable or library) when any of its
    // mappings is executable, or when its first page, dumped as cores do for
    // ELF files, starts with the ELF magic: gcore leaves unmodified text
    // segments out entirely, so the first test alone would miss them.
    // lookups per segment are indexed: a core may have hundreds of
    // thousands of segments, threads and mapped files
    let files = FileIndex::new(&notes.files);
    let mut stack_pointers = notes.stack_pointers.clone();
    stack_pointers.sort_unstable();
    let mut module_files: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for ph in phdrs.iter().filter(|p| p.p_type == PT_LOAD) {
        let Some(f) = files.at(ph.p_vaddr) else {
            continue;
        };
        let elf_header = f.page_offset == 0
            && ph.p_vaddr == f.start
            && usize::try_from(ph.p_offset)
                .ok()
                .and_then(|o| bytes.get(o..o.checked_add(4)?))
                .is_some_and(|magic| magic == b"\x7fELF");
        if ph.is_executable() || elf_header {
            module_files.insert(&f.name);
        }
    }
    let mut past_eof = 0u64;
    for ph in phdrs
        .iter()
        .filter(|p| p.p_type == PT_LOAD && p.p_filesz > 0)
    {
        let file_len = bytes.len() as u64;
        let end = ph.p_offset.saturating_add(ph.p_filesz);
        if end > file_len {
            past_eof += 1;
        }
        let perms = super::rwx(ph.is_read(), ph.is_write(), ph.is_executable());
        let vaddr_end = ph.p_vaddr.saturating_add(ph.p_memsz.max(ph.p_filesz));
        // a stack pointer inside the segment: the first one at or after its start
        let first = stack_pointers.partition_point(|&sp| sp < ph.p_vaddr);
        let stack = stack_pointers.get(first).is_some_and(|&sp| sp < vaddr_end);
        let file = files.at(ph.p_vaddr);
        let kind = super::process_region_kind(
            stack,
            file.map(|f| f.name.as_str()),
            file.is_some_and(|f| module_files.contains(&f.name.as_str())),
            ph.is_write(),
        );
        regions.push(Region {
            file_offset: ph.p_offset,
            len: ph.p_filesz,
            vaddr: Some(ph.p_vaddr),
            kind,
            name: file.map(|f| f.name.clone()),
            perms: Some(perms),
        });
    }
    for ph in phdrs.iter().filter(|p| p.p_type == PT_NOTE) {
        regions.push(Region {
            file_offset: ph.p_offset,
            len: ph.p_filesz,
            vaddr: None,
            kind: RegionKind::Metadata,
            name: Some("notes (PT_NOTE: registers, process and file information)".to_string()),
            perms: None,
        });
    }
    if past_eof > 0 {
        // (normalising the map makes the coverage partial for them)
        warnings.push(format!(
            "{past_eof} PT_LOAD segment(s) extend past the end of the file (truncated core); the bytes present were scanned"
        ));
    }
    MemoryMap {
        container: ContainerKind::ElfCore,
        regions,
        warnings,
        process: super::ProcessInfo::new(notes.pid, notes.command),
        incomplete: Vec::new(),
        unreadable: Vec::new(),
        dump: None,
        utf16be_text: Vec::new(),
    }
}

/// The mapped files of NT_FILE, sorted by start address for lookups.
struct FileIndex<'a> {
    by_start: Vec<&'a FileMapping>,
}

impl<'a> FileIndex<'a> {
    fn new(files: &'a [FileMapping]) -> Self {
        let mut by_start: Vec<&FileMapping> = files.iter().collect();
        // (stable: of mappings starting at one address, the first listed wins)
        by_start.sort_by_key(|f| f.start);
        FileIndex { by_start }
    }

    /// The mapping holding `vaddr`: the last one starting at or before it.
    fn at(&self, vaddr: u64) -> Option<&'a FileMapping> {
        let after = self.by_start.partition_point(|f| f.start <= vaddr);
        let f = *self.by_start.get(after.checked_sub(1)?)?;
        (vaddr < f.end).then_some(f)
    }
}

/// Program headers, tolerating a table cut short by the end of the file and
/// the PN_XNUM extension for more than 65534 segments.
fn program_headers(
    bytes: &[u8],
    header: &Header,
    ctx: Ctx,
    warnings: &mut Vec<String>,
) -> Vec<ProgramHeader> {
    let entsize = ProgramHeader::size(ctx);
    let mut count = usize::from(header.e_phnum);
    if header.e_phnum == PN_XNUM {
        match section0_info(bytes, header, ctx) {
            Some(n) => count = n as usize,
            None => {
                warnings.push("e_phnum is PN_XNUM but section header 0 is unreadable".to_string())
            }
        }
    }
    let Ok(phoff) = usize::try_from(header.e_phoff) else {
        warnings.push("program header offset out of range".to_string());
        return Vec::new();
    };
    let available = bytes.len().saturating_sub(phoff) / entsize.max(1);
    if count > available {
        warnings.push(format!(
            "core names {count} program headers but only {available} fit in the file; reading those"
        ));
        count = available;
    }
    if count > MAX_SEGMENTS {
        warnings.push(format!(
            "{count} program headers; keysweep reads the first {MAX_SEGMENTS}, and the bytes of the other segments are scanned without addresses"
        ));
        count = MAX_SEGMENTS;
    }
    match ProgramHeader::parse(bytes, phoff, count, ctx) {
        Ok(p) => p,
        Err(e) => {
            warnings.push(format!("program headers unreadable ({e})"));
            Vec::new()
        }
    }
}

/// `sh_info` of section header 0, where PN_XNUM cores keep the segment count.
fn section0_info(bytes: &[u8], header: &Header, ctx: Ctx) -> Option<u32> {
    let shoff = usize::try_from(header.e_shoff).ok()?;
    // sh_info follows sh_name, sh_type, sh_flags, sh_addr, sh_offset, sh_size, sh_link.
    let off = match ctx.container {
        Container::Big => shoff.checked_add(44)?,
        Container::Little => shoff.checked_add(28)?,
    };
    let b = bytes.get(off..off.checked_add(4)?)?;
    let raw = [b[0], b[1], b[2], b[3]];
    Some(if ctx.le.is_little() {
        u32::from_le_bytes(raw)
    } else {
        u32::from_be_bytes(raw)
    })
}

fn read_notes(
    bytes: &[u8],
    phdrs: &[ProgramHeader],
    ctx: Ctx,
    machine: u16,
    warnings: &mut Vec<String>,
) -> NoteInfo {
    let mut info = NoteInfo::default();
    // each segment once, however many headers point at it, and at most
    // MAX_NOTES notes over all of them
    let mut seen = std::collections::HashSet::new();
    let mut budget = MAX_NOTES;
    let mut malformed_file_note = false;
    for ph in phdrs.iter().filter(|p| p.p_type == PT_NOTE) {
        let (Ok(start), Ok(size)) = (usize::try_from(ph.p_offset), usize::try_from(ph.p_filesz))
        else {
            continue;
        };
        if !seen.insert((start, size)) || budget == 0 {
            continue;
        }
        let Some(end) = start.checked_add(size).filter(|&e| e <= bytes.len()) else {
            warnings.push(
                "PT_NOTE segment extends past the end of the file; notes skipped".to_string(),
            );
            continue;
        };
        let iter = NoteDataIterator {
            data: bytes,
            size: end,
            offset: start,
            ctx: (4, ctx),
        };
        for note in iter.take(budget) {
            budget -= 1;
            let note = match note {
                Ok(n) => n,
                Err(e) => {
                    warnings.push(format!(
                        "corrupt note in PT_NOTE at offset {start:#x} ({e}); later notes skipped"
                    ));
                    break;
                }
            };
            if note.name != "CORE" {
                continue;
            }
            match note.n_type {
                NT_PRSTATUS => {
                    if let Some((pid, sp)) = prstatus(note.desc, machine, ctx) {
                        info.pid.get_or_insert(pid);
                        if let Some(sp) = sp {
                            info.stack_pointers.push(sp);
                        }
                    }
                }
                NT_PRPSINFO => info.command = prpsinfo_name(note.desc, ctx),
                NT_FILE => match nt_file(note.desc, ctx) {
                    Some(files) => info.files = files,
                    None if !malformed_file_note => {
                        malformed_file_note = true;
                        warnings.push("NT_FILE note is malformed; file names unknown".to_string())
                    }
                    None => {}
                },
                _ => {}
            }
        }
    }
    info
}

fn word(desc: &[u8], index: usize, ctx: Ctx) -> Option<u64> {
    let size = if ctx.container.is_big() { 8 } else { 4 };
    let off = index.checked_mul(size)?;
    let b = desc.get(off..off.checked_add(size)?)?;
    let mut a = [0u8; 8];
    if ctx.le.is_little() {
        a[..size].copy_from_slice(b);
        Some(u64::from_le_bytes(a))
    } else {
        a[8 - size..].copy_from_slice(b);
        Some(u64::from_be_bytes(a))
    }
}

/// NT_FILE: `count, page_size, {start, end, pgoff}[count], names...`.
fn nt_file(desc: &[u8], ctx: Ctx) -> Option<Vec<FileMapping>> {
    let count = usize::try_from(word(desc, 0, ctx)?).ok()?;
    let wsize = if ctx.container.is_big() { 8 } else { 4 };
    // each entry needs three words plus at least a NUL for its name
    if count > desc.len() / (3 * wsize + 1) {
        return None;
    }
    let names_off = (2 + 3 * count) * wsize;
    let mut names = desc.get(names_off..)?.split(|&b| b == 0);
    // as many labels as segments at most; the rest would label nothing
    let kept = count.min(MAX_SEGMENTS);
    let mut files = Vec::with_capacity(kept);
    for i in 0..kept {
        let start = word(desc, 2 + 3 * i, ctx)?;
        let end = word(desc, 3 + 3 * i, ctx)?;
        let page_offset = word(desc, 4 + 3 * i, ctx)?;
        let name = String::from_utf8_lossy(names.next()?).into_owned();
        files.push(FileMapping {
            start,
            end,
            page_offset,
            name,
        });
    }
    Some(files)
}

/// pid and stack pointer from `struct elf_prstatus`, for the machines whose
/// register layout we know (x86-64, i386, AArch64).
fn prstatus(desc: &[u8], machine: u16, ctx: Ctx) -> Option<(u32, Option<u64>)> {
    let big = ctx.container.is_big();
    // siginfo (3 ints), cursig + pad, sigpend, sighold: longs
    let pid_off = if big { 32 } else { 24 };
    let pid = crate::bytes::le_u32(desc, pid_off)?;
    let sp = match (machine, big) {
        // pr_reg starts after pid, ppid, pgrp, sid and four timevals
        (EM_X86_64, true) => crate::bytes::le_u64(desc, 112 + 19 * 8),
        (EM_AARCH64, true) => crate::bytes::le_u64(desc, 112 + 31 * 8),
        (EM_386, false) => crate::bytes::le_u32(desc, 72 + 15 * 4).map(u64::from),
        _ => None,
    };
    Some((pid, sp))
}

/// `pr_fname` (16 bytes) from `struct elf_prpsinfo`.
fn prpsinfo_name(desc: &[u8], ctx: Ctx) -> Option<String> {
    let off = if ctx.container.is_big() { 40 } else { 28 };
    let raw = desc.get(off..off + 16)?;
    let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
    let name = String::from_utf8_lossy(&raw[..end]).into_owned();
    (!name.is_empty()).then_some(name)
}
