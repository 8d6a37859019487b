//! Executables and libraries scanned as files (ELF of type relocatable,
//! executable or shared object). Every byte is region `module`, so
//! `--exclude-region module` drops a build artifact's compiled-in test keys;
//! an ELF file's sections become regions of their own (`.rodata`, `.data`),
//! with their load address and `rwx` letters, so a finding says where in the
//! binary the key sits. What the section table does not cover (headers,
//! tables, a stripped or corrupt file) is one more `module` region.

use super::{ContainerKind, MemoryMap, Region, RegionKind};
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
    let sections = if format == "ELF" {
        elf_sections(bytes).unwrap_or_else(|why| {
            warnings.push(format!(
                "ELF section table unreadable ({why}); the file is one module region"
            ));
            Vec::new()
        })
    } else {
        Vec::new()
    };
    let mut map = super::normalize(
        MemoryMap {
            container: ContainerKind::Executable,
            regions: sections,
            warnings,
            process: None,
            incomplete: Vec::new(),
            unreadable: Vec::new(),
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
                    let w = if flags & u64::from(SHF_WRITE) != 0 {
                        'w'
                    } else {
                        '-'
                    };
                    let x = if flags & u64::from(SHF_EXECINSTR) != 0 {
                        'x'
                    } else {
                        '-'
                    };
                    format!("r{w}{x}")
                }),
            }
        })
        .collect();
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
}
