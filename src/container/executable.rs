//! Executables and libraries scanned as files (ELF of type relocatable,
//! executable or shared object). Every byte is region `module`, so
//! `--exclude-region module` drops a build artifact's compiled-in test keys;
//! an ELF file's sections become regions of their own (`.rodata`, `.data`),
//! with their load address and `rwx` letters, so a finding says where in the
//! binary the key sits; PE sections (`.data`, `.rdata`) and Mach-O sections
//! (`__DATA,__const`) likewise, at their load addresses. What the section
//! table does not cover (headers, tables, a stripped or corrupt file) is one
//! more `module` region.

use super::{ContainerKind, MemoryMap, Region, RegionKind, rwx};
use goblin::container::Ctx;
use goblin::elf::section_header::{SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE, SHT_NOBITS, SectionHeader};

/// Most sections read from one file; real binaries have well under a hundred.
const MAX_SECTIONS: usize = 4096;

/// Longest section name kept.
const MAX_NAME: usize = 64;

/// The memory map of an executable or library file whose format is `format`.
pub fn map(bytes: &[u8], format: &'static str) -> MemoryMap {
    let len = bytes.len() as u64;
    let mut warnings = Vec::new();
    let sections = match format {
        "ELF" => elf_sections(bytes),
        "PE" => pe_sections(bytes),
        "Mach-O" => macho_sections(bytes),
        _ => Ok(Vec::new()),
    }
    .unwrap_or_else(|why| {
        warnings.push(format!(
            "{format} section table unreadable ({why}); the file is one module region"
        ));
        Vec::new()
    });
    let mut map = super::normalize(
        MemoryMap {
            container: ContainerKind::Executable,
            regions: sections,
            warnings,
            process: None,
            incomplete: Vec::new(),
            unreadable: Vec::new(),
            dump: None,
            utf16be_text: Vec::new(),
        },
        len,
    );
    // (the gaps normalize fills are metadata: here they are the file's own bytes)
    for r in &mut map.regions {
        if r.kind != RegionKind::Module {
            r.kind = RegionKind::Module;
            r.name = Some(format!("{format} file"));
        }
    }
    map
}

/// The sections of an ELF file that occupy file bytes, as module regions.
fn elf_sections(bytes: &[u8]) -> Result<Vec<Region>, String> {
    let header = goblin::elf::Elf::parse_header(bytes).map_err(|e| e.to_string())?;
    let ctx = Ctx::new(
        header.container().map_err(|e| e.to_string())?,
        header.endianness().map_err(|e| e.to_string())?,
    );
    let shoff = usize::try_from(header.e_shoff).map_err(|_| "section table offset too large")?;
    if shoff == 0 {
        return Ok(Vec::new());
    }
    let entry = SectionHeader::size(ctx);
    let mut count = usize::from(header.e_shnum);
    if count == 0 {
        // 0xff00 sections or more: the count is in section 0's sh_size
        let first = SectionHeader::parse_from(bytes, shoff, 1, ctx).map_err(|e| e.to_string())?;
        count = first
            .first()
            .map_or(0, |s| usize::try_from(s.sh_size).unwrap_or(usize::MAX));
    }
    let fits = bytes.len().saturating_sub(shoff) / entry.max(1);
    let count = count.min(fits).min(MAX_SECTIONS);
    if count == 0 {
        return Err("the section table lies past the end of the file".to_string());
    }
    let headers = SectionHeader::parse_from(bytes, shoff, count, ctx).map_err(|e| e.to_string())?;
    let names = headers
        .get(usize::from(header.e_shstrndx))
        .filter(|s| s.sh_type != SHT_NOBITS)
        .and_then(|s| {
            let from = usize::try_from(s.sh_offset).ok()?;
            let to = from.checked_add(usize::try_from(s.sh_size).ok()?)?;
            bytes.get(from..to)
        });
    let name_of = |sh: &SectionHeader| -> Option<String> {
        let table = names?;
        let tail = table.get(sh.sh_name..)?;
        let end = memchr::memchr(0, tail)?.min(MAX_NAME);
        let name = &tail[..end];
        (!name.is_empty() && name.iter().all(|b| b.is_ascii_graphic()))
            .then(|| String::from_utf8_lossy(name).into_owned())
    };
    let mut regions: Vec<Region> = headers
        .iter()
        .filter(|sh| sh.sh_type != SHT_NOBITS && sh.sh_size > 0 && sh.sh_offset > 0)
        .map(|sh| {
            let flags = sh.sh_flags;
            let loaded = flags & u64::from(SHF_ALLOC) != 0;
            Region {
                file_offset: sh.sh_offset,
                len: sh.sh_size,
                vaddr: (loaded && sh.sh_addr != 0).then_some(sh.sh_addr),
                kind: RegionKind::Module,
                name: name_of(sh),
                perms: loaded.then(|| {
                    rwx(
                        true,
                        flags & u64::from(SHF_WRITE) != 0,
                        flags & u64::from(SHF_EXECINSTR) != 0,
                    )
                }),
            }
        })
        .collect();
    regions.sort_by_key(|r| r.file_offset);
    Ok(regions)
}

/// A section's name as a report shows it: printable ASCII, bounded.
fn printable_name(raw: &[u8]) -> Option<String> {
    let end = memchr::memchr(0, raw).unwrap_or(raw.len()).min(MAX_NAME);
    let name = &raw[..end];
    (!name.is_empty() && name.iter().all(|b| b.is_ascii_graphic()))
        .then(|| String::from_utf8_lossy(name).into_owned())
}

/// The sections of a PE file (EXE, DLL, SYS, EFI) that occupy file bytes,
/// at their load addresses (image base plus RVA).
fn pe_sections(bytes: &[u8]) -> Result<Vec<Region>, String> {
    use goblin::pe::section_table::{
        IMAGE_SCN_MEM_EXECUTE, IMAGE_SCN_MEM_READ, IMAGE_SCN_MEM_WRITE,
    };
    let header = goblin::pe::header::Header::parse(bytes).map_err(|e| e.to_string())?;
    let image_base = header
        .optional_header
        .map_or(0, |o| o.windows_fields.image_base);
    // the section table follows the signature, the COFF header and the optional header
    let mut at = (header.dos_header.pe_pointer as usize)
        .checked_add(4 + goblin::pe::header::SIZEOF_COFF_HEADER)
        .and_then(|a| a.checked_add(usize::from(header.coff_header.size_of_optional_header)))
        .ok_or("section table offset overflows")?;
    let table = header
        .coff_header
        .sections(bytes, &mut at)
        .map_err(|e| e.to_string())?;
    let mut regions: Vec<Region> = table
        .iter()
        .take(MAX_SECTIONS)
        .filter(|s| s.size_of_raw_data > 0 && s.pointer_to_raw_data > 0)
        .map(|s| {
            let c = s.characteristics;
            Region {
                file_offset: u64::from(s.pointer_to_raw_data),
                len: u64::from(s.size_of_raw_data),
                vaddr: image_base.checked_add(u64::from(s.virtual_address)),
                kind: RegionKind::Module,
                name: s
                    .real_name
                    .as_deref()
                    .and_then(|n| printable_name(n.as_bytes()))
                    .or_else(|| printable_name(&s.name)),
                perms: Some(rwx(
                    c & IMAGE_SCN_MEM_READ != 0,
                    c & IMAGE_SCN_MEM_WRITE != 0,
                    c & IMAGE_SCN_MEM_EXECUTE != 0,
                )),
            }
        })
        .collect();
    regions.sort_by_key(|r| r.file_offset);
    Ok(regions)
}

/// The sections of a Mach-O file that occupy file bytes (zero-fill sections
/// have none), named `SEGMENT,section` as Apple's tools print them, with the
/// protection of their segment.
fn macho_sections(bytes: &[u8]) -> Result<Vec<Region>, String> {
    use goblin::mach::constants::{
        S_GB_ZEROFILL, S_THREAD_LOCAL_ZEROFILL, S_ZEROFILL, SECTION_TYPE,
    };
    let macho = goblin::mach::MachO::parse_lossy(bytes, 0).map_err(|e| e.to_string())?;
    let mut regions = Vec::new();
    for segment in macho.segments.iter() {
        let prot = segment.initprot;
        for (section, _) in segment.sections().map_err(|e| e.to_string())? {
            let kind = section.flags & SECTION_TYPE;
            if section.offset == 0
                || section.size == 0
                || [S_ZEROFILL, S_GB_ZEROFILL, S_THREAD_LOCAL_ZEROFILL].contains(&kind)
            {
                continue;
            }
            let name = match (
                printable_name(&section.segname),
                printable_name(&section.sectname),
            ) {
                (Some(seg), Some(sect)) => Some(format!("{seg},{sect}")),
                (seg, sect) => sect.or(seg),
            };
            regions.push(Region {
                file_offset: u64::from(section.offset),
                len: section.size,
                vaddr: (section.addr != 0).then_some(section.addr),
                kind: RegionKind::Module,
                name,
                perms: Some(rwx(prot & 1 != 0, prot & 2 != 0, prot & 4 != 0)),
            });
            if regions.len() >= MAX_SECTIONS {
                break;
            }
        }
    }
    regions.sort_by_key(|r| r.file_offset);
    Ok(regions)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stripped system binary every Linux machine has (section headers kept).
    const REAL_ELF: &str = "/bin/ls";

    fn covers_whole_file(map: &MemoryMap, len: u64) {
        let mut at = 0;
        for r in &map.regions {
            assert_eq!(r.file_offset, at, "{:?}", map.regions);
            assert_eq!(r.kind, RegionKind::Module);
            at = r.file_end();
        }
        assert_eq!(at, len);
    }

    /// A real system binary: its sections are named regions with their load
    /// addresses and permissions.
    #[test]
    fn elf_sections_are_named_module_regions() {
        let bytes = std::fs::read(REAL_ELF).unwrap();
        let map = super::super::map_container(&bytes);
        assert_eq!(map.container, ContainerKind::Executable);
        covers_whole_file(&map, bytes.len() as u64);
        let text = map
            .regions
            .iter()
            .find(|r| r.name.as_deref() == Some(".text"))
            .unwrap();
        assert_eq!(text.perms.as_deref(), Some("r-x"));
        assert!(text.vaddr.is_some());
        let rodata = map
            .regions
            .iter()
            .find(|r| r.name.as_deref() == Some(".rodata"))
            .unwrap();
        assert_eq!(rodata.perms.as_deref(), Some("r--"));
        assert!(map.warnings.is_empty(), "{:?}", map.warnings);
    }

    /// A section table that is corrupt or absent leaves one module region
    /// over the whole file, with a warning when there was a table to read.
    #[test]
    fn corrupt_section_tables_still_cover_the_file() {
        let good = std::fs::read(REAL_ELF).unwrap();
        let shoff_at = 0x28; // e_shoff of an ELF64 header
        let shnum_at = 0x3c;
        let mut cases = Vec::new();
        let mut past_end = good.clone();
        past_end[shoff_at..shoff_at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
        cases.push(past_end);
        let mut huge_count = good.clone();
        huge_count[shnum_at..shnum_at + 2].copy_from_slice(&0u16.to_le_bytes());
        cases.push(huge_count);
        let mut truncated = good.clone();
        truncated.truncate(good.len() - 100);
        cases.push(truncated);
        let mut wild = good[..4096.min(good.len())].to_vec();
        let shoff = (wild.len() as u64 - 64).to_le_bytes();
        wild[shoff_at..shoff_at + 8].copy_from_slice(&shoff);
        let n = wild.len();
        wild[n - 64..].fill(0xff);
        cases.push(wild);
        for bytes in cases {
            let map = super::super::map_container(&bytes);
            assert_eq!(map.container, ContainerKind::Executable);
            covers_whole_file(&map, bytes.len() as u64);
        }
    }

    fn put(b: &mut [u8], at: usize, v: &[u8]) {
        b[at..at + v.len()].copy_from_slice(v);
    }

    /// A PE32+ image as a linker lays it out: DOS header, PE signature,
    /// COFF and optional headers, a `.text` and a `.data` section.
    fn pe_image() -> Vec<u8> {
        let mut b = vec![0u8; 0xc00];
        put(&mut b, 0, b"MZ");
        put(&mut b, 0x3c, &0x80u32.to_le_bytes());
        put(&mut b, 0x80, b"PE\0\0");
        // COFF: x86-64, two sections, a 240-byte optional header, executable
        put(&mut b, 0x84, &0x8664u16.to_le_bytes());
        put(&mut b, 0x86, &2u16.to_le_bytes());
        put(&mut b, 0x94, &240u16.to_le_bytes());
        put(&mut b, 0x96, &0x22u16.to_le_bytes());
        let opt = 0x98;
        put(&mut b, opt, &0x20bu16.to_le_bytes());
        put(&mut b, opt + 24, &0x1_4000_0000u64.to_le_bytes());
        put(&mut b, opt + 32, &0x1000u32.to_le_bytes());
        put(&mut b, opt + 36, &0x200u32.to_le_bytes());
        put(&mut b, opt + 56, &0x3000u32.to_le_bytes());
        put(&mut b, opt + 60, &0x200u32.to_le_bytes());
        put(&mut b, opt + 68, &3u16.to_le_bytes());
        put(&mut b, opt + 108, &16u32.to_le_bytes());
        let sections = opt + 240;
        for (i, (name, va, size, raw, chars)) in [
            (
                b".text\0\0\0",
                0x1000u32,
                0x200u32,
                0x200u32,
                0x6000_0020u32,
            ),
            (b".data\0\0\0", 0x2000, 0x800, 0x400, 0xc000_0040),
        ]
        .into_iter()
        .enumerate()
        {
            let at = sections + 40 * i;
            put(&mut b, at, name);
            put(&mut b, at + 8, &size.to_le_bytes());
            put(&mut b, at + 12, &va.to_le_bytes());
            put(&mut b, at + 16, &size.to_le_bytes());
            put(&mut b, at + 20, &raw.to_le_bytes());
            put(&mut b, at + 36, &chars.to_le_bytes());
        }
        b
    }

    /// A 64-bit Mach-O executable: a `__TEXT` segment (r-x) with `__text`,
    /// a `__DATA` segment (rw-) with `__data` and a zero-fill `__bss`.
    fn macho_image() -> Vec<u8> {
        let mut b = vec![0u8; 0x3000];
        let segment = |name: &[u8],
                       vmaddr: u64,
                       fileoff: u64,
                       prot: u32,
                       sections: &[(&[u8], u64, u32, u32)]| {
            let mut c = Vec::new();
            c.extend(0x19u32.to_le_bytes());
            c.extend((72 + 80 * sections.len() as u32).to_le_bytes());
            let mut n = [0u8; 16];
            n[..name.len()].copy_from_slice(name);
            c.extend(n);
            c.extend(vmaddr.to_le_bytes());
            c.extend(0x1000u64.to_le_bytes());
            c.extend(fileoff.to_le_bytes());
            c.extend(0x1000u64.to_le_bytes());
            c.extend(prot.to_le_bytes());
            c.extend(prot.to_le_bytes());
            c.extend((sections.len() as u32).to_le_bytes());
            c.extend(0u32.to_le_bytes());
            for (sect, addr, offset, flags) in sections {
                let mut s = [0u8; 16];
                s[..sect.len()].copy_from_slice(sect);
                c.extend(s);
                c.extend(n);
                c.extend(addr.to_le_bytes());
                c.extend(0x400u64.to_le_bytes());
                c.extend(offset.to_le_bytes());
                c.extend([0u8; 8]);
                c.extend(0u32.to_le_bytes());
                c.extend(flags.to_le_bytes());
                c.extend([0u8; 12]);
            }
            c
        };
        let text = segment(
            b"__TEXT",
            0x1_0000_0000,
            0,
            5,
            &[(b"__text", 0x1_0000_0800, 0x800, 0x8000_0400)],
        );
        let data = segment(
            b"__DATA",
            0x1_0000_1000,
            0x1000,
            3,
            &[
                (b"__data", 0x1_0000_1000, 0x1000, 0),
                (b"__bss", 0x1_0000_1400, 0, 1),
            ],
        );
        put(&mut b, 0, &0xfeed_facfu32.to_le_bytes());
        put(&mut b, 4, &0x0100_0007u32.to_le_bytes());
        put(&mut b, 8, &3u32.to_le_bytes());
        put(&mut b, 12, &2u32.to_le_bytes());
        put(&mut b, 16, &2u32.to_le_bytes());
        put(
            &mut b,
            20,
            &((text.len() + data.len()) as u32).to_le_bytes(),
        );
        put(&mut b, 32, &text);
        put(&mut b, 32 + text.len(), &data);
        b
    }

    /// PE and Mach-O files: each section that holds file bytes is a named
    /// module region at its load address with its protection; the rest of
    /// the file is a module region too.
    #[test]
    fn pe_and_macho_sections_are_named_module_regions() {
        let pe = pe_image();
        let map = super::super::map_container(&pe);
        assert_eq!(map.container, ContainerKind::Executable);
        assert!(map.warnings.is_empty(), "{:?}", map.warnings);
        covers_whole_file(&map, pe.len() as u64);
        let data = map.region_at(0x500).unwrap();
        assert_eq!(data.name.as_deref(), Some(".data"));
        assert_eq!(data.perms.as_deref(), Some("rw-"));
        assert_eq!(map.address_of(0x500), Some(0x1_4000_2100));
        let text = map.region_at(0x200).unwrap();
        assert_eq!(
            (text.name.as_deref(), text.perms.as_deref()),
            (Some(".text"), Some("r-x"))
        );

        let macho = macho_image();
        let map = super::super::map_container(&macho);
        assert_eq!(map.container, ContainerKind::Executable);
        assert!(map.warnings.is_empty(), "{:?}", map.warnings);
        covers_whole_file(&map, macho.len() as u64);
        let data = map.region_at(0x1100).unwrap();
        assert_eq!(data.name.as_deref(), Some("__DATA,__data"));
        assert_eq!(data.perms.as_deref(), Some("rw-"));
        assert_eq!(map.address_of(0x1100), Some(0x1_0000_1100));
        let text = map.region_at(0x900).unwrap();
        assert_eq!(
            (text.name.as_deref(), text.perms.as_deref()),
            (Some("__TEXT,__text"), Some("r-x"))
        );
        assert!(
            !map.regions
                .iter()
                .any(|r| r.name.as_deref() == Some("__DATA,__bss"))
        );

        // damaged tables: a warning and the whole file one module region
        for (mut bytes, at) in [(pe_image(), 0x86usize), (macho_image(), 16)] {
            put(&mut bytes, at, &0xffffu16.to_le_bytes());
            let map = super::super::map_container(&bytes);
            covers_whole_file(&map, bytes.len() as u64);
        }
    }
}
