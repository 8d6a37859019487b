//! Containers: recognise what a file is (by magic bytes, never by its name) and
//! describe it as a [`MemoryMap`], the list of [`Region`]s every finding is
//! attributed to.
//!
//! Every container parser is a fallback chain: typed parse, then our own
//! tolerant walk, then a raw scan. A broken container never loses the file: the
//! worst outcome is a raw scan plus a warning.

pub mod elf_core;
pub mod executable;
pub mod hprof;
pub mod lime;
pub mod macho_core;
pub mod minidump;
pub mod process;
pub mod windows_kernel;

use crate::model::{ContainerKind, ProcessInfo, RegionKind};

/// One contiguous run of file bytes and what the container says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// Offset of the first byte in the file.
    pub file_offset: u64,
    /// Number of bytes present in the file.
    pub len: u64,
    /// Virtual address of the first byte in the dumped process, when known.
    pub vaddr: Option<u64>,
    /// What the memory was used for.
    pub kind: RegionKind,
    /// Module or mapped-file name, or the stream or note a metadata region holds.
    pub name: Option<String>,
    /// Protection as `rwx` letters, when the container records it.
    pub perms: Option<String>,
}

impl Region {
    /// One past the last file offset of this region (saturating, so hostile sizes cannot wrap).
    pub fn file_end(&self) -> u64 {
        self.file_offset.saturating_add(self.len)
    }
}

/// The result of parsing a container: its regions plus what went wrong on the way.
#[derive(Debug, Clone)]
pub struct MemoryMap {
    /// Which parser produced this map (a container that failed to parse becomes `Raw`).
    pub container: ContainerKind,
    /// Regions sorted by file offset, not overlapping, covering every byte of the file.
    pub regions: Vec<Region>,
    /// Problems the parser recovered from; each one is reported with the input.
    pub warnings: Vec<String>,
    /// The dumped process, when the container names it.
    pub process: Option<ProcessInfo>,
    /// What the container says was not captured or is not in the file (a
    /// core cut short, a minidump without heap memory): each makes the
    /// input's coverage partial.
    pub incomplete: Vec<String>,
    /// Why nothing in the file could be read (an encrypted dump): each makes
    /// the input's coverage none.
    pub unreadable: Vec<String>,
    /// What a system dump records of itself (kind, bug check).
    pub dump: Option<crate::model::DumpInfo>,
    /// File ranges known to hold UTF-16 big-endian text (Java `char[]` in a
    /// heap dump), sorted and disjoint: the text detectors read them as such.
    pub utf16be_text: Vec<std::ops::Range<u64>>,
}

impl MemoryMap {
    /// The map of a file scanned as plain bytes.
    pub fn raw(file_len: u64, container: ContainerKind, warnings: Vec<String>) -> MemoryMap {
        let regions = if file_len == 0 {
            Vec::new()
        } else {
            vec![Region {
                file_offset: 0,
                len: file_len,
                vaddr: None,
                kind: RegionKind::Unknown,
                name: None,
                perms: None,
            }]
        };
        MemoryMap {
            container,
            regions,
            warnings,
            process: None,
            incomplete: Vec::new(),
            unreadable: Vec::new(),
            dump: None,
            utf16be_text: Vec::new(),
        }
    }

    /// The region holding a file offset.
    pub fn region_at(&self, offset: u64) -> Option<&Region> {
        let idx = self.regions.partition_point(|r| r.file_end() <= offset);
        self.regions.get(idx).filter(|r| r.file_offset <= offset)
    }

    /// Virtual address of a file offset, when its region has one.
    pub fn address_of(&self, offset: u64) -> Option<u64> {
        let region = self.region_at(offset)?;
        region.vaddr?.checked_add(offset - region.file_offset)
    }

    /// Count of regions that hold process memory (not container metadata).
    pub fn memory_region_count(&self) -> usize {
        self.regions
            .iter()
            .filter(|r| r.kind != RegionKind::Metadata)
            .count()
    }
}

/// Protection letters (`r-x`), as every container reports them.
pub(crate) fn rwx(read: bool, write: bool, exec: bool) -> String {
    let flag = |on: bool, c: char| if on { c } else { '-' };
    format!("{}{}{}", flag(read, 'r'), flag(write, 'w'), flag(exec, 'x'))
}

/// What a mapping of a process is, from what a core or /proc records of it:
/// a thread's stack, a module's image, another mapped file, or anonymous
/// memory (heap when writable).
pub(crate) fn process_region_kind(
    stack: bool,
    file: Option<&str>,
    module: bool,
    writable: bool,
) -> RegionKind {
    match file {
        _ if stack => RegionKind::Stack,
        Some(_) if module => RegionKind::Module,
        Some(_) => RegionKind::MappedFile,
        None if writable => RegionKind::Heap,
        None => RegionKind::Anonymous,
    }
}

/// A range of physical memory (LiME images, Windows kernel dumps): named so,
/// at its physical address.
pub(crate) fn physical_region(file_offset: u64, len: u64, address: u64) -> Region {
    Region {
        file_offset,
        len,
        vaddr: Some(address),
        kind: RegionKind::Unknown,
        name: Some("physical memory".to_string()),
        perms: None,
    }
}

/// Recognise a container by its first bytes.
pub fn sniff(bytes: &[u8]) -> ContainerKind {
    if bytes.starts_with(b"MDMP") || bytes.starts_with(b"PMDM") {
        ContainerKind::Minidump
    } else if is_elf_core(bytes) {
        ContainerKind::ElfCore
    } else if macho_core::is_macho_core(bytes) {
        ContainerKind::MachOCore
    } else if executable_format(bytes).is_some() {
        ContainerKind::Executable
    } else if windows_kernel::is_kernel_dump(bytes) {
        ContainerKind::WindowsKernelDump
    } else if lime::is_lime(bytes) {
        ContainerKind::Lime
    } else if hprof::is_hprof(bytes) {
        ContainerKind::Hprof
    } else {
        ContainerKind::Raw
    }
}

/// The format of an executable or library file (not a core): ELF of type
/// relocatable, executable or shared object; PE (`MZ` with a `PE\0\0`
/// header where `e_lfanew` says); Mach-O, 32 or 64 bits, either byte order.
fn executable_format(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x7fELF") {
        let t = bytes.get(16..18)?;
        let e_type = match bytes.get(5)? {
            1 => u16::from_le_bytes([t[0], t[1]]),
            2 => u16::from_be_bytes([t[0], t[1]]),
            _ => return None,
        };
        return (1..=3).contains(&e_type).then_some("ELF");
    }
    if bytes.starts_with(b"MZ") {
        let pe = crate::bytes::le_u32(bytes, 0x3c)? as usize;
        return (bytes.get(pe..pe.checked_add(4)?)? == b"PE\0\0").then_some("PE");
    }
    const MACHO: [[u8; 4]; 4] = [
        [0xfe, 0xed, 0xfa, 0xce],
        [0xce, 0xfa, 0xed, 0xfe],
        [0xfe, 0xed, 0xfa, 0xcf],
        [0xcf, 0xfa, 0xed, 0xfe],
    ];
    MACHO
        .iter()
        .any(|m| bytes.starts_with(m))
        .then_some("Mach-O")
}

fn is_elf_core(bytes: &[u8]) -> bool {
    if !bytes.starts_with(b"\x7fELF") {
        return false;
    }
    // e_type sits at offset 16 in both classes, in the file's byte order (EI_DATA).
    match (bytes.get(5), bytes.get(16..18)) {
        (Some(1), Some(t)) => u16::from_le_bytes([t[0], t[1]]) == 4,
        (Some(2), Some(t)) => u16::from_be_bytes([t[0], t[1]]) == 4,
        _ => false,
    }
}

/// Parse `bytes` as whatever container it is and return its memory map.
///
/// Never fails: a container that cannot be parsed at all becomes one raw
/// region, with a warning saying why.
pub fn map_container(bytes: &[u8]) -> MemoryMap {
    map_container_releasing(bytes, &|_| {})
}

/// [`map_container`], handing `release` each range of `bytes` that a
/// container reads through whole (a Java heap dump's records) once it is
/// done with it, so the caller can drop those pages: a heap dump of many
/// GiB must not stay resident while it is walked.
pub fn map_container_releasing(
    bytes: &[u8],
    release: &dyn Fn(std::ops::Range<usize>),
) -> MemoryMap {
    let len = bytes.len() as u64;
    let map = match sniff(bytes) {
        ContainerKind::Minidump => minidump::map(bytes),
        ContainerKind::ElfCore => elf_core::map(bytes),
        ContainerKind::Executable => {
            return executable::map(bytes, executable_format(bytes).unwrap_or("executable"));
        }
        ContainerKind::WindowsKernelDump => return windows_kernel::map(bytes),
        ContainerKind::Lime => return lime::map(bytes),
        ContainerKind::Hprof => return hprof::map(bytes, release),
        ContainerKind::MachOCore => return macho_core::map(bytes),
        // (never sniffed: a process is read by pid, not from a file)
        ContainerKind::Process => return MemoryMap::raw(len, ContainerKind::Raw, Vec::new()),
        ContainerKind::Raw => match embedded(bytes) {
            Some(at) => map_at(bytes, at),
            None => return MemoryMap::raw(len, ContainerKind::Raw, Vec::new()),
        },
    };
    normalize(map, len)
}

/// How far into a file a dump header is looked for when the file does not
/// start with one: upload wrappers and custom headers put a few KiB first.
const EMBEDDED_REACH: usize = 64 << 10;

/// The offset of a minidump or ELF core header within the first
/// [`EMBEDDED_REACH`] bytes, when the file does not start with one.
fn embedded(bytes: &[u8]) -> Option<usize> {
    let head = &bytes[..bytes.len().min(EMBEDDED_REACH)];
    // a minidump's signature with its version (MINIDUMP_VERSION, 0xa793)
    let minidump = memchr::memmem::find(head, b"MDMP\x93\xa7");
    let core = memchr::memmem::find_iter(head, b"\x7fELF").find(|&i| is_elf_core(&bytes[i..]));
    match (minidump, core) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The map of a dump that starts at `at`: its regions placed at file
/// offsets, the bytes before it left to metadata (by [`normalize`]).
fn map_at(bytes: &[u8], at: usize) -> MemoryMap {
    let inner = &bytes[at..];
    let mut map = match sniff(inner) {
        ContainerKind::Minidump => minidump::map(inner),
        _ => elf_core::map(inner),
    };
    for r in &mut map.regions {
        r.file_offset = r.file_offset.saturating_add(at as u64);
    }
    map.warnings.push(format!(
        "the {} starts at offset {at} of the file; the bytes before it were scanned as metadata",
        map.container.name()
    ));
    map
}

/// Make a parser's regions safe to scan: clip them to the file, drop empty
/// ones, resolve overlaps, and fill every gap with a metadata region so that
/// each byte of the file is scanned exactly once. Total region bytes can
/// therefore never exceed the file size, whatever a hostile descriptor list
/// claims.
///
/// Overlaps are resolved so that no key is cut where a region was clipped:
/// memory ranges that overlap in the file become one region (a key spanning
/// the overlap stays whole), and metadata such as a stream whose size reaches
/// into memory bytes yields those bytes to the memory range.
pub fn normalize(mut map: MemoryMap, file_len: u64) -> MemoryMap {
    let mut cut = 0usize;
    let (memory, named): (Vec<Region>, Vec<Region>) = std::mem::take(&mut map.regions)
        .into_iter()
        .filter_map(|mut r| {
            let past_end = r.file_end() > file_len;
            if past_end && r.kind != RegionKind::Metadata {
                cut += 1;
            }
            if r.file_offset >= file_len {
                return None;
            }
            r.len = r.len.min(file_len - r.file_offset);
            (r.len > 0).then_some(r)
        })
        .partition(|r| r.kind != RegionKind::Metadata);
    if cut > 0 {
        map.incomplete.push(format!(
            "{cut} memory range(s) extend past the end of the file (a truncated dump): their missing bytes were not seen"
        ));
    }
    let (memory, conflicts) = merge_overlaps(memory);
    if conflicts > 0 {
        map.warnings.push(format!(
            "{conflicts} memory ranges share file bytes with others at different addresses; \
             each such group is scanned once as one region, without addresses"
        ));
    }
    let (named, _) = merge_overlaps(named);

    let mut out: Vec<Region> = Vec::with_capacity(
        (memory.len().saturating_add(named.len()))
            .saturating_mul(2)
            .saturating_add(1)
            .min(1 << 20),
    );
    let mut cursor = 0u64;
    let mut next_named = 0usize;
    for r in memory {
        fill_gap(cursor..r.file_offset, &named, &mut next_named, &mut out);
        cursor = r.file_end();
        out.push(r);
    }
    fill_gap(cursor..file_len, &named, &mut next_named, &mut out);
    map.regions = out;
    map
}

/// Sort regions by file offset and merge those that overlap into one: the
/// first keeps its description and, when a later one maps the same file
/// bytes to other addresses, loses its address. Returns the merged regions
/// and how many merges disagreed on addresses (a copy of the same bytes at
/// the same address, like a thread stack listed twice, is not a conflict).
fn merge_overlaps(mut regions: Vec<Region>) -> (Vec<Region>, usize) {
    regions.sort_by_key(|r| (r.file_offset, std::cmp::Reverse(r.len)));
    let mut out: Vec<Region> = Vec::with_capacity(regions.len());
    let mut conflicts = 0usize;
    for r in regions {
        match out.last_mut() {
            Some(last) if r.file_offset < last.file_end() => {
                if let (Some(a), Some(b)) = (last.vaddr, r.vaddr)
                    && a.checked_add(r.file_offset - last.file_offset) != Some(b)
                {
                    last.vaddr = None;
                    conflicts += 1;
                }
                if r.file_end() > last.file_end() {
                    last.len = r.file_end() - last.file_offset;
                }
            }
            _ => out.push(r),
        }
    }
    (out, conflicts)
}

/// Cover `gap` (file bytes no memory range holds) with the parts of the named
/// metadata regions (streams, notes) that fall in it, and unnamed metadata
/// regions between them. `named` is sorted and free of overlaps; `next` is
/// where the search for the next gap starts.
fn fill_gap(gap: std::ops::Range<u64>, named: &[Region], next: &mut usize, out: &mut Vec<Region>) {
    while named.get(*next).is_some_and(|r| r.file_end() <= gap.start) {
        *next += 1;
    }
    let mut at = gap.start;
    let mut i = *next;
    while at < gap.end {
        match named.get(i) {
            Some(r) if r.file_offset < gap.end => {
                let start = r.file_offset.max(at);
                if start > at {
                    out.push(metadata_region(at, start - at));
                }
                let end = r.file_end().min(gap.end);
                out.push(Region {
                    file_offset: start,
                    len: end - start,
                    ..r.clone()
                });
                at = end;
                i += 1;
            }
            _ => {
                out.push(metadata_region(at, gap.end - at));
                at = gap.end;
            }
        }
    }
}

fn metadata_region(file_offset: u64, len: u64) -> Region {
    Region {
        file_offset,
        len,
        vaddr: None,
        kind: RegionKind::Metadata,
        name: None,
        perms: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testutil::heap_region as region;

    #[test]
    fn normalize_fills_gaps_clips_and_merges_overlaps() {
        let map = MemoryMap {
            container: ContainerKind::Minidump,
            regions: vec![
                region(100, 50, 0x1000),
                region(120, 100, 0x5000),
                region(900, 500, 0x9000),
            ],
            warnings: vec![],
            process: None,
            incomplete: Vec::new(),
            unreadable: Vec::new(),
            dump: None,
            utf16be_text: Vec::new(),
        };
        let map = normalize(map, 1000);
        let spans: Vec<_> = map
            .regions
            .iter()
            .map(|r| (r.file_offset, r.len, r.kind))
            .collect();
        assert_eq!(
            spans,
            vec![
                (0, 100, RegionKind::Metadata),
                (100, 120, RegionKind::Heap),
                (220, 680, RegionKind::Metadata),
                (900, 100, RegionKind::Heap),
            ]
        );
        // the two overlapping ranges disagree on addresses: neither is trusted
        assert_eq!(map.address_of(110), None);
        assert_eq!(map.address_of(160), None);
        assert_eq!(map.address_of(950), Some(0x9000 + 50));
        assert_eq!(map.address_of(50), None);
        assert_eq!(map.warnings.len(), 1);
        assert_eq!(map.region_at(999).map(|r| r.file_offset), Some(900));
        assert!(map.region_at(1000).is_none());
    }

    #[test]
    fn copies_of_the_same_memory_merge_quietly_and_keep_their_addresses() {
        let map = MemoryMap {
            container: ContainerKind::Minidump,
            regions: vec![
                region(100, 50, 0x1000),
                region(100, 50, 0x1000),
                region(120, 60, 0x1014),
            ],
            warnings: vec![],
            process: None,
            incomplete: Vec::new(),
            unreadable: Vec::new(),
            dump: None,
            utf16be_text: Vec::new(),
        };
        let map = normalize(map, 200);
        assert_eq!(map.regions.len(), 3);
        assert_eq!((map.regions[1].file_offset, map.regions[1].len), (100, 80));
        assert_eq!(map.address_of(170), Some(0x1000 + 70));
        assert!(map.warnings.is_empty());
    }

    #[test]
    fn a_stream_reaching_into_memory_yields_those_bytes_to_it() {
        let stream = |off: u64, len: u64, name: &str| Region {
            file_offset: off,
            len,
            vaddr: None,
            kind: RegionKind::Metadata,
            name: Some(name.to_string()),
            perms: None,
        };
        // a stream whose size was made to run over a memory range and past it
        let map = MemoryMap {
            container: ContainerKind::Minidump,
            regions: vec![
                stream(10, 500, "ModuleListStream"),
                region(100, 50, 0x1000),
                stream(300, 20, "ThreadListStream"),
                region(400, 50, 0x2000),
            ],
            warnings: vec![],
            process: None,
            incomplete: Vec::new(),
            unreadable: Vec::new(),
            dump: None,
            utf16be_text: Vec::new(),
        };
        let map = normalize(map, 600);
        let spans: Vec<_> = map
            .regions
            .iter()
            .map(|r| (r.file_offset, r.len, r.kind, r.name.as_deref()))
            .collect();
        let (meta, heap, modules) = (
            RegionKind::Metadata,
            RegionKind::Heap,
            Some("ModuleListStream"),
        );
        assert_eq!(
            spans,
            vec![
                (0, 10, meta, None),
                (10, 90, meta, modules),
                (100, 50, heap, None),
                (150, 250, meta, modules),
                (400, 50, heap, None),
                (450, 60, meta, modules),
                (510, 90, meta, None),
            ]
        );
        assert_eq!(map.address_of(120), Some(0x1000 + 20));
        assert!(map.warnings.is_empty());
    }

    #[test]
    fn sniff_by_magic_only() {
        assert_eq!(sniff(b"MDMP\x93\xa7\0\0"), ContainerKind::Minidump);
        let mut elf = vec![0u8; 64];
        elf[..4].copy_from_slice(b"\x7fELF");
        elf[5] = 1;
        elf[16] = 4;
        assert_eq!(sniff(&elf), ContainerKind::ElfCore);
        elf[16] = 2; // an executable, not a core: all of it a module
        assert_eq!(sniff(&elf), ContainerKind::Executable);
        let map = map_container(&elf);
        assert!(map.regions.iter().all(|r| r.kind == RegionKind::Module));
        let mut pe = vec![0u8; 0x90];
        pe[..2].copy_from_slice(b"MZ");
        pe[0x3c] = 0x80;
        pe[0x80..0x84].copy_from_slice(b"PE\0\0");
        assert_eq!(sniff(&pe), ContainerKind::Executable);
        assert_eq!(sniff(b"MZ and nothing else"), ContainerKind::Raw);
        assert_eq!(
            sniff(&[0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1]),
            ContainerKind::Executable
        );
        assert_eq!(sniff(b""), ContainerKind::Raw);
    }
}
