//! Windows-format minidumps (`MDMP`), whatever OS wrote them.
//!
//! The `minidump` crate reads the streams from our own mapped bytes. Its
//! Memory64List reader is strict (one range past the end of the file rejects
//! the whole list, which is exactly what a truncated full dump looks like), so
//! when a memory stream fails to parse we walk its descriptors ourselves and
//! keep every range that is present. Module, thread and memory-info streams
//! only label regions; losing one costs labels, never bytes.

use super::{ContainerKind, MemoryMap, ProcessInfo, Region, RegionKind};
use crate::bytes::{le_u32, le_u64};
use minidump::{
    Minidump, MinidumpMemory64List, MinidumpMemoryInfoList, MinidumpMemoryList, MinidumpModuleList,
    MinidumpStream, MinidumpThreadList,
};

/// Most memory descriptors read from one stream; full dumps of large
/// processes have tens of thousands. The rest of the file is still scanned,
/// without addresses. Each range costs a region, so this bounds memory.
const MAX_DESCRIPTORS: u64 = 1 << 18;
/// Most entries read from one labelling stream (threads, modules, memory
/// info); a stream declaring more is not handed to the parser, whose lists
/// would grow with the file.
const MAX_LABELS: u64 = 1 << 18;
/// Most directory entries read; a real dump has a few dozen streams. A
/// header declaring more is walked by hand, since the crate would index
/// every entry the file can hold.
const MAX_STREAMS: u64 = 1 << 12;
const MEMORY_INFO_LIST_STREAM: u32 = 16;
const MEMORY_LIST_STREAM: u32 = 5;
const MEMORY64_LIST_STREAM: u32 = 9;
const MEM_IMAGE: u32 = 0x100_0000;
const MEM_MAPPED: u32 = 0x4_0000;
const MEM_PRIVATE: u32 = 0x2_0000;

/// A labelled address range from the module, thread or memory-info streams.
struct Label {
    start: u64,
    end: u64,
    kind: RegionKind,
    name: Option<String>,
    perms: Option<String>,
}

/// Parse a minidump. Never fails: an unreadable header falls back to our own
/// directory walk, and a dump with no readable directory to a raw scan.
pub fn map(bytes: &[u8]) -> MemoryMap {
    let mut warnings = Vec::new();
    let mut regions = Vec::new();
    let mut labels = Vec::new();
    let mut process = None;
    let mut incomplete = Vec::new();
    let declared_streams = le_u32(bytes, 8).map_or(0, u64::from);
    let has_memory64;
    let parsed = if declared_streams > MAX_STREAMS {
        Err(format!(
            "the header declares {declared_streams} streams, more than the {MAX_STREAMS} keysweep reads"
        ))
    } else {
        Minidump::read(bytes).map_err(|e| e.to_string())
    };
    match parsed {
        Ok(dump) => {
            memory_regions(&dump, bytes, &mut regions, &mut warnings, &mut incomplete);
            collect_labels(&dump, bytes, &mut labels, &mut process, &mut warnings);
            let streams: Vec<_> = dump
                .all_streams()
                .map(|d| (d.stream_type, (d.location.rva, d.location.data_size)))
                .collect();
            has_memory64 = streams.iter().any(|s| s.0 == MEMORY64_LIST_STREAM);
            regions.extend(stream_regions(&streams));
        }
        Err(e) => {
            warnings.push(format!(
                "minidump header or directory rejected ({e}); walking the directory directly"
            ));
            let streams = directory(bytes, &mut warnings);
            has_memory64 = streams.iter().any(|s| s.0 == MEMORY64_LIST_STREAM);
            for &(stream_type, location) in &streams {
                walk_memory_stream(
                    bytes,
                    stream_type,
                    location,
                    &mut regions,
                    &mut warnings,
                    &mut incomplete,
                );
            }
            regions.extend(stream_regions(&streams));
        }
    }
    if regions.is_empty() {
        warnings.push(
            "no memory ranges found; the whole file was scanned without addresses".to_string(),
        );
    }
    label_regions(&mut regions, labels);
    if let Some(why) = memory_missing(&regions, has_memory64) {
        incomplete.push(why);
    }
    MemoryMap {
        container: ContainerKind::Minidump,
        regions,
        warnings,
        process,
        incomplete,
        unreadable: Vec::new(),
        dump: None,
        utf16be_text: Vec::new(),
    }
}

/// Memory outside thread stacks under which a dump without a Memory64List
/// counts as holding no heap: Breakpad-style dumps keep stacks and 256-byte
/// snippets around pointers, a few KiB in all.
const MIN_HEAP_BYTES: u64 = 64 << 10;

/// Why a dump's memory cannot hold the heap, if it cannot: no memory at
/// all, or (without a full-memory Memory64List) little beyond thread stacks.
fn memory_missing(regions: &[Region], has_memory64: bool) -> Option<String> {
    let memory = || regions.iter().filter(|r| r.vaddr.is_some());
    if memory().next().is_none() {
        return Some(
            "the minidump holds no process memory: only its streams were scanned".to_string(),
        );
    }
    let beyond_stacks: u64 = memory()
        .filter(|r| r.kind != RegionKind::Stack)
        .map(|r| r.len)
        .sum();
    (!has_memory64 && beyond_stacks < MIN_HEAP_BYTES).then(|| {
        format!(
            "the minidump holds thread stacks and only {beyond_stacks} bytes of other memory (no full-memory list): most of the heap is not in the dump, and keys there cannot be seen"
        )
    })
}

fn memory_regions(
    dump: &Minidump<&[u8]>,
    bytes: &[u8],
    regions: &mut Vec<Region>,
    warnings: &mut Vec<String>,
    incomplete: &mut Vec<String>,
) {
    // The crate reads every descriptor a list declares; past our cap the
    // walker reads the first ones and the bytes of the rest stay metadata.
    let walk = |regions: &mut Vec<Region>,
                warnings: &mut Vec<String>,
                incomplete: &mut Vec<String>,
                ty| {
        if let Some(loc) = stream_location(dump, ty) {
            walk_memory_stream(bytes, ty, loc, regions, warnings, incomplete);
        }
    };
    let declared = declared_count(dump, bytes, MEMORY_LIST_STREAM);
    if declared.is_some_and(|n| n > MAX_DESCRIPTORS) {
        walk(regions, warnings, incomplete, MEMORY_LIST_STREAM);
    } else {
        match dump.get_stream::<MinidumpMemoryList>() {
            Ok(list) => {
                let before = regions.len();
                for m in list.iter() {
                    regions.push(memory_region(
                        u64::from(m.desc.memory.rva),
                        m.size,
                        m.base_address,
                    ));
                }
                // the crate drops descriptors whose data is not in the file; say so
                let kept = (regions.len() - before) as u64;
                if let Some(declared) = declared.filter(|&d| d > kept) {
                    let why = format!(
                        "MemoryList: {} of {declared} ranges point outside the file (truncated or corrupt dump) and were skipped",
                        declared - kept
                    );
                    warnings.push(why.clone());
                    incomplete.push(why);
                }
            }
            Err(minidump::Error::StreamNotFound) => {}
            Err(e) => {
                warnings.push(format!(
                    "MemoryListStream rejected by parser ({e}); reading its descriptors directly"
                ));
                walk(regions, warnings, incomplete, MEMORY_LIST_STREAM);
            }
        }
    }
    if declared_count(dump, bytes, MEMORY64_LIST_STREAM).is_some_and(|n| n > MAX_DESCRIPTORS) {
        walk(regions, warnings, incomplete, MEMORY64_LIST_STREAM);
        return;
    }
    match dump.get_stream::<MinidumpMemory64List>() {
        Ok(list) => {
            for m in list.iter() {
                // The crate hands out slices of our own buffer: their position is the file offset.
                let offset = (m.bytes.as_ptr() as usize).wrapping_sub(bytes.as_ptr() as usize);
                regions.push(memory_region(
                    offset as u64,
                    m.bytes.len() as u64,
                    m.base_address,
                ));
            }
        }
        Err(minidump::Error::StreamNotFound) => {}
        Err(e) => {
            warnings.push(format!(
                "Memory64ListStream rejected by parser ({e}); reading its descriptors directly"
            ));
            walk(regions, warnings, incomplete, MEMORY64_LIST_STREAM);
        }
    }
}

/// The entry count a list stream declares in its own header, read before
/// the crate parses the list so a hostile count never sizes an allocation.
fn declared_count(dump: &Minidump<&[u8]>, bytes: &[u8], stream_type: u32) -> Option<u64> {
    let (rva, _) = stream_location(dump, stream_type)?;
    let rva = rva as usize;
    match stream_type {
        MEMORY64_LIST_STREAM => le_u64(bytes, rva),
        // MINIDUMP_MEMORY_INFO_LIST: SizeOfHeader, SizeOfEntry, NumberOfEntries (u64)
        MEMORY_INFO_LIST_STREAM => le_u64(bytes, rva.checked_add(8)?),
        _ => le_u32(bytes, rva).map(u64::from),
    }
}

/// A labelling stream parsed by the crate, unless it declares more entries
/// than keysweep reads: then a warning says its labels are lost, and it
/// counts as absent.
fn label_stream<'a, S: MinidumpStream<'a>>(
    dump: &'a Minidump<'a, &'a [u8]>,
    bytes: &[u8],
    warnings: &mut Vec<String>,
) -> Result<S, minidump::Error> {
    match declared_count(dump, bytes, S::STREAM_TYPE) {
        Some(n) if n > MAX_LABELS => {
            warnings.push(format!(
                "{} declares {n} entries, more than the {MAX_LABELS} keysweep reads; its labels were not applied",
                stream_name(S::STREAM_TYPE)
            ));
            Err(minidump::Error::StreamNotFound)
        }
        _ => dump.get_stream::<S>(),
    }
}

/// Metadata regions naming the streams, so a finding outside process memory
/// says which stream held it (command line, environment, thread contexts).
fn stream_regions(streams: &[(u32, (u32, u32))]) -> Vec<Region> {
    streams
        .iter()
        .map(|&(ty, (rva, size))| Region {
            file_offset: u64::from(rva),
            len: u64::from(size),
            vaddr: None,
            kind: RegionKind::Metadata,
            name: Some(stream_name(ty)),
            perms: None,
        })
        .collect()
}

/// A stream's name as Microsoft and Breakpad call it.
fn stream_name(ty: u32) -> String {
    let name = match ty {
        3 => "ThreadListStream",
        4 => "ModuleListStream",
        5 => "MemoryListStream",
        6 => "ExceptionStream",
        7 => "SystemInfoStream",
        8 => "ThreadExListStream",
        9 => "Memory64ListStream",
        0xc => "HandleDataStream",
        0xe => "UnloadedModuleListStream",
        0xf => "MiscInfoStream",
        0x10 => "MemoryInfoListStream",
        0x11 => "ThreadInfoListStream",
        0x13 => "TokenStream",
        0x18 => "ThreadNamesStream",
        0x4767_0001 => "BreakpadInfo",
        0x4767_0002 => "BreakpadAssertionInfo",
        0x4767_0003 => "LinuxCpuInfo",
        0x4767_0004 => "LinuxProcStatus",
        0x4767_0005 => "LinuxLsbRelease",
        0x4767_0006 => "LinuxCmdLine",
        0x4767_0007 => "LinuxEnviron",
        0x4767_0008 => "LinuxAuxv",
        0x4767_0009 => "LinuxMaps",
        0x4767_000a => "LinuxDsoDebug",
        0x4350_0001 => "CrashpadInfo",
        other => return format!("stream {other:#x}"),
    };
    name.to_string()
}

/// Most bytes of module names (UTF-16) a dump may hold before its module
/// list is left unread: the parser decodes every name, and a crafted dump
/// can point thousands of modules at one huge name.
const MAX_MODULE_NAME_BYTES: u64 = 8 << 20;

/// Longest module name kept (it is copied into every region and finding of
/// the module).
const MAX_NAME_CHARS: usize = 1024;

/// The bytes the module list's names claim, read from the raw entries
/// (`MINIDUMP_MODULE`: 108 bytes, `ModuleNameRva` at offset 20) before the
/// parser decodes them.
fn module_name_bytes(dump: &Minidump<&[u8]>, bytes: &[u8]) -> u64 {
    const MODULE_LIST_STREAM: u32 = 4;
    let Some((rva, _)) = stream_location(dump, MODULE_LIST_STREAM) else {
        return 0;
    };
    let rva = rva as usize;
    let count = le_u32(bytes, rva).unwrap_or(0) as usize;
    (0..count.min(MAX_LABELS as usize))
        .map_while(|i| {
            let entry = rva.checked_add(4)?.checked_add(i.checked_mul(108)?)?;
            let name = le_u32(bytes, entry.checked_add(20)?)? as usize;
            le_u32(bytes, name).map(u64::from)
        })
        .sum()
}

/// A name as regions and findings carry it: at most [`MAX_NAME_CHARS`].
fn short_name(name: &str) -> String {
    match name.char_indices().nth(MAX_NAME_CHARS) {
        Some((cut, _)) => format!("{}…", &name[..cut]),
        None => name.to_string(),
    }
}

fn stream_location(dump: &Minidump<&[u8]>, stream_type: u32) -> Option<(u32, u32)> {
    dump.all_streams()
        .find(|d| d.stream_type == stream_type)
        .map(|d| (d.location.rva, d.location.data_size))
}

fn memory_region(file_offset: u64, len: u64, vaddr: u64) -> Region {
    Region {
        file_offset,
        len,
        vaddr: Some(vaddr),
        kind: RegionKind::Unknown,
        name: None,
        perms: None,
    }
}

/// Say why a memory list yields fewer descriptors than it declares: the
/// stream or file ends first, or keysweep's cap on ranges is reached.
fn capped_warning(
    list: &str,
    declared: u64,
    fit: u64,
    read: u64,
    warnings: &mut Vec<String>,
    incomplete: &mut Vec<String>,
) {
    if read < declared.min(fit) {
        warnings.push(format!(
            "{list} declares {declared} ranges; keysweep reads {MAX_DESCRIPTORS} ranges per dump, and the bytes of the other {} are scanned without addresses",
            declared.min(fit) - read
        ));
    } else if read < declared {
        let why = format!("{list} names {declared} ranges, {read} descriptors readable");
        warnings.push(why.clone());
        incomplete.push(why);
    }
}

/// Our own directory walk: `(stream type, (rva, size))` for each entry that fits in the file.
fn directory(bytes: &[u8], warnings: &mut Vec<String>) -> Vec<(u32, (u32, u32))> {
    let (Some(count), Some(rva)) = (le_u32(bytes, 8), le_u32(bytes, 12)) else {
        warnings.push("minidump header truncated".to_string());
        return Vec::new();
    };
    let fit = (bytes.len().saturating_sub(rva as usize) / 12) as u64;
    let count = u64::from(count).min(fit).min(MAX_STREAMS);
    (0..count as usize)
        .filter_map(|i| {
            let off = (rva as usize).checked_add(i * 12)?;
            Some((
                le_u32(bytes, off)?,
                (le_u32(bytes, off + 8)?, le_u32(bytes, off + 4)?),
            ))
        })
        .collect()
}

/// Read a MemoryList or Memory64List stream by hand, keeping every range that
/// lies (even partly) inside the file.
fn walk_memory_stream(
    bytes: &[u8],
    stream_type: u32,
    (rva, size): (u32, u32),
    regions: &mut Vec<Region>,
    warnings: &mut Vec<String>,
    incomplete: &mut Vec<String>,
) {
    let rva = rva as usize;
    let stream_end = rva.saturating_add(size as usize).min(bytes.len());
    let file_len = bytes.len() as u64;
    let before = regions.len();
    // the cap holds for all the memory lists of a dump together
    let budget = MAX_DESCRIPTORS.saturating_sub(before as u64);
    let mut past_eof = 0u64;
    match stream_type {
        MEMORY_LIST_STREAM => {
            let Some(count) = le_u32(bytes, rva) else {
                return;
            };
            // some writers pad the count to 8 bytes
            let first = if size as u64 == 8 + 16 * u64::from(count) {
                rva + 8
            } else {
                rva + 4
            };
            let fit = (stream_end.saturating_sub(first) / 16) as u64;
            let n = u64::from(count).min(fit).min(budget);
            capped_warning("MemoryList", u64::from(count), fit, n, warnings, incomplete);
            for i in 0..n as usize {
                let off = first + i * 16;
                let (Some(start), Some(len), Some(data_rva)) = (
                    le_u64(bytes, off),
                    le_u32(bytes, off + 8),
                    le_u32(bytes, off + 12),
                ) else {
                    break;
                };
                if u64::from(data_rva) + u64::from(len) > file_len {
                    past_eof += 1;
                }
                regions.push(memory_region(u64::from(data_rva), u64::from(len), start));
            }
        }
        MEMORY64_LIST_STREAM => {
            let (Some(count), Some(base_rva)) = (le_u64(bytes, rva), le_u64(bytes, rva + 8)) else {
                return;
            };
            let fit = (stream_end.saturating_sub(rva + 16) / 16) as u64;
            let n = count.min(fit).min(budget);
            capped_warning("Memory64List", count, fit, n, warnings, incomplete);
            let mut data_off = base_rva;
            for i in 0..n as usize {
                let off = rva + 16 + i * 16;
                let (Some(start), Some(len)) = (le_u64(bytes, off), le_u64(bytes, off + 8)) else {
                    break;
                };
                if data_off >= file_len {
                    past_eof += n - i as u64;
                    break;
                }
                if data_off.saturating_add(len) > file_len {
                    past_eof += 1;
                }
                regions.push(memory_region(data_off, len, start));
                data_off = data_off.saturating_add(len);
            }
        }
        _ => {}
    }
    if past_eof > 0 {
        warnings.push(format!(
            "{past_eof} memory range(s) lie past the end of the file (truncated dump); the {} range(s) present were scanned",
            regions.len() - before
        ));
    }
}

/// Module images, thread stacks and memory-info types, to name each region.
fn collect_labels(
    dump: &Minidump<&[u8]>,
    bytes: &[u8],
    labels: &mut Vec<Label>,
    process: &mut Option<ProcessInfo>,
    warnings: &mut Vec<String>,
) {
    match label_stream::<MinidumpThreadList>(dump, bytes, warnings) {
        Ok(threads) => {
            for t in &threads.threads {
                let start = t.raw.stack.start_of_memory_range;
                let end = start.saturating_add(u64::from(t.raw.stack.memory.data_size));
                let name = Some(format!("thread {}", t.raw.thread_id));
                labels.push(Label {
                    start,
                    end,
                    kind: RegionKind::Stack,
                    name,
                    perms: None,
                });
            }
        }
        Err(minidump::Error::StreamNotFound) => {}
        Err(e) => warnings.push(format!(
            "ThreadListStream unreadable ({e}); stacks not labelled"
        )),
    }
    let names = module_name_bytes(dump, bytes);
    let modules = if names > MAX_MODULE_NAME_BYTES {
        warnings.push(format!(
            "ModuleListStream's module names hold {names} bytes, more than the {MAX_MODULE_NAME_BYTES} keysweep reads; modules not labelled"
        ));
        Err(minidump::Error::StreamNotFound)
    } else {
        label_stream::<MinidumpModuleList>(dump, bytes, warnings)
    };
    match modules {
        Ok(modules) => {
            for m in modules.iter() {
                let start = m.raw.base_of_image;
                let end = start.saturating_add(u64::from(m.raw.size_of_image));
                labels.push(Label {
                    start,
                    end,
                    kind: RegionKind::Module,
                    name: Some(short_name(&m.name)),
                    perms: None,
                });
            }
            if let Some(main) = modules.main_module() {
                let name = main
                    .name
                    .rsplit(['/', '\\'])
                    .next()
                    .unwrap_or(&main.name)
                    .to_string();
                *process = ProcessInfo::new(None, Some(name));
            }
        }
        Err(minidump::Error::StreamNotFound) => {}
        Err(e) => warnings.push(format!(
            "ModuleListStream unreadable ({e}); modules not labelled"
        )),
    }
    match label_stream::<MinidumpMemoryInfoList>(dump, bytes, warnings) {
        Ok(infos) => {
            for info in infos.iter() {
                let raw = &info.raw;
                let kind = match raw._type {
                    MEM_IMAGE => RegionKind::Module,
                    MEM_MAPPED => RegionKind::MappedFile,
                    MEM_PRIVATE if raw.protection & 0xcc != 0 => RegionKind::Heap,
                    MEM_PRIVATE => RegionKind::Anonymous,
                    _ => RegionKind::Unknown,
                };
                let end = raw.base_address.saturating_add(raw.region_size);
                let perms = Some(protection_letters(raw.protection).to_string());
                labels.push(Label {
                    start: raw.base_address,
                    end,
                    kind,
                    name: None,
                    perms,
                });
            }
        }
        Err(minidump::Error::StreamNotFound) => {}
        Err(e) => warnings.push(format!(
            "MemoryInfoListStream unreadable ({e}); protections unknown"
        )),
    }
}

/// Windows PAGE_* protection as `rwx` letters.
fn protection_letters(protect: u32) -> &'static str {
    match protect & 0xff {
        0x02 => "r--",
        0x04 | 0x08 => "rw-",
        0x10 => "--x",
        0x20 => "r-x",
        0x40 | 0x80 => "rwx",
        _ => "---",
    }
}

/// Name a memory range by the labels covering its first byte: a thread stack
/// wins over a module, a module over the memory-info type; protection comes
/// from memory info. Each stream's labels are sorted once, so each lookup is a
/// binary search whatever number of descriptors a hostile dump carries.
fn label_regions(regions: &mut [Region], labels: Vec<Label>) {
    let mut stacks = Vec::new();
    let mut modules = Vec::new();
    let mut infos = Vec::new();
    for label in labels {
        match (label.kind, &label.perms) {
            (_, Some(_)) => infos.push(label),
            (RegionKind::Stack, None) => stacks.push(label),
            _ => modules.push(label),
        }
    }
    for list in [&mut stacks, &mut modules, &mut infos] {
        list.sort_by_key(|l| l.start);
    }
    for region in regions {
        let Some(addr) = region.vaddr else { continue };
        let info = covering(&infos, addr);
        let label = covering(&stacks, addr)
            .or_else(|| covering(&modules, addr))
            .or(info);
        if let Some(label) = label {
            region.kind = label.kind;
            region.name = label.name.clone();
        }
        region.perms = info.and_then(|l| l.perms.clone());
    }
}

/// The label of a sorted, non-overlapping list that covers `addr`.
fn covering(list: &[Label], addr: u64) -> Option<&Label> {
    let i = list.partition_point(|l| l.start <= addr).checked_sub(1)?;
    list.get(i).filter(|l| addr < l.end)
}
