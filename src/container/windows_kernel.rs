//! Windows kernel crash dumps (`MEMORY.DMP`: `PAGEDUMP` or `PAGEDU64`).
//! Pages become regions at physical addresses, laid out as the
//! `kdmp-parser` crate reads them: a full dump (type 1, 32- or 64-bit: a
//! physical memory run list in the header, the pages after it), a bitmap
//! dump (64-bit types 5 and 6: an `SDMP`/`FDMP` header whose bitmap says
//! which physical pages follow) and the newer kernel, kernel-and-user and
//! complete memory dumps (64-bit types 8, 9, 10: an `RDMP` header with a
//! list of page-frame ranges). Pages are not attributed to processes (no
//! page-table walk), so findings carry physical addresses. Other types are
//! scanned as plain bytes, which makes their coverage partial. A dump
//! written with Windows dump encryption (`DumpEncryptionEnabled`) keeps its
//! header but its pages are ciphertext: nothing in it can be read without
//! the key protector's private key, so its coverage is none. Encryption is
//! recognised by what it leaves: the sampled pages after the header are all
//! uniformly random, which real memory (zero pages, code, structures,
//! text) never is.

use super::{ContainerKind, MemoryMap, Region};
use crate::bytes::{le_u32, le_u64};

/// Whether `bytes` begin like a Windows kernel dump (32- or 64-bit header).
pub fn is_kernel_dump(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PAGEDUMP") || bytes.starts_with(b"PAGEDU64")
}

/// Pages sampled, evenly spread after the header, to tell ciphertext.
const SAMPLES: usize = 64;

/// Bytes of one sample.
const PAGE: usize = 4096;

/// The map of a kernel dump: one raw region, with why it is not complete.
pub fn map(bytes: &[u8]) -> MemoryMap {
    let bits = if bytes.starts_with(b"PAGEDU64") {
        64
    } else {
        32
    };
    let mut map = MemoryMap::raw(
        bytes.len() as u64,
        ContainerKind::WindowsKernelDump,
        Vec::new(),
    );
    if looks_encrypted(bytes, bits) {
        map.unreadable.push(format!(
            "a {bits}-bit Windows kernel dump whose pages are all random bytes: written with dump encryption, it can be read only after decryption with the key protector's private key (KernelDumpDecrypt)"
        ));
        return map;
    }
    let layout = if bits == 64 { &HEADER_64 } else { &HEADER_32 };
    let dump_type = le_u32(bytes, layout.dump_type).unwrap_or(0);
    let bug_check = le_u32(bytes, layout.bug_check);
    map.dump = Some(crate::model::DumpInfo {
        kind: match dump_type {
            1 => "full".to_string(),
            2 => "kernel-summary".to_string(),
            4 => "triage".to_string(),
            5 => "bitmap".to_string(),
            6 => "live-kernel-memory".to_string(),
            8 => "kernel-memory".to_string(),
            9 => "kernel-and-user-memory".to_string(),
            10 => "complete-memory".to_string(),
            t => format!("type {t}"),
        },
        bug_check: bug_check.map(|c| format!("{c:#010x}")),
    });
    let parsed = match (bits, dump_type) {
        (_, 1) => full_runs(bytes, layout),
        (64, 5 | 6) => bitmap_pages(bytes),
        (64, 8..=10) => pfn_ranges(bytes),
        _ => Err(format!("dump type {dump_type} is not parsed")),
    };
    match parsed {
        Ok((regions, notes)) => {
            map.regions = regions;
            map.incomplete.extend(notes);
            super::normalize(map, bytes.len() as u64)
        }
        Err(why) => {
            map.incomplete.push(format!(
                "a {bits}-bit Windows kernel dump: its pages were scanned as plain bytes, without addresses ({why})"
            ));
            map
        }
    }
}

/// Where a header keeps what is read of it.
struct HeaderLayout {
    /// Bytes of the header; a full dump's pages follow it.
    size: u64,
    /// Offset of the dump type.
    dump_type: usize,
    /// Offset of the bug check code.
    bug_check: usize,
    /// Offset of the physical memory descriptor (its run count first).
    runs: usize,
    /// Offset of its first run.
    first_run: usize,
    /// Bytes of one run: base page and page count, 32- or 64-bit each.
    run_size: usize,
}

/// `DUMP_HEADER64`.
const HEADER_64: HeaderLayout = HeaderLayout {
    size: 0x2000,
    dump_type: 0xf98,
    bug_check: 0x38,
    runs: 0x88,
    first_run: 0x88 + 16,
    run_size: 16,
};

/// `DUMP_HEADER32`.
const HEADER_32: HeaderLayout = HeaderLayout {
    size: 0x1000,
    dump_type: 0xf88,
    bug_check: 0x28,
    runs: 0x64,
    first_run: 0x64 + 8,
    run_size: 8,
};

/// Bytes of the physical memory descriptor in either header.
const DESCRIPTOR: usize = 700;

/// Most regions one dump becomes (a bitmap can alternate page by page).
const MAX_REGIONS: usize = 1 << 20;

/// A full dump's runs: (base page, page count) pairs in the header's
/// descriptor, the pages stored after the header in run order.
fn full_runs(bytes: &[u8], layout: &HeaderLayout) -> Result<(Vec<Region>, Vec<String>), String> {
    let runs = le_u32(bytes, layout.runs).ok_or("header cut short")? as usize;
    let room = (DESCRIPTOR - (layout.first_run - layout.runs)) / layout.run_size;
    if runs > room {
        return Err(format!(
            "its run list claims {runs} runs, more than the header holds"
        ));
    }
    let read = |at: usize| -> Option<u64> {
        if layout.run_size == 16 {
            le_u64(bytes, at)
        } else {
            le_u32(bytes, at).map(u64::from)
        }
    };
    let half = layout.run_size / 2;
    let mut regions = Vec::new();
    let mut at = layout.size;
    for i in 0..runs {
        let entry = layout.first_run + layout.run_size * i;
        let (Some(base), Some(count)) = (read(entry), read(entry + half)) else {
            return Err("header cut short".to_string());
        };
        let (Some(len), Some(address)) = (count.checked_mul(4096), base.checked_mul(4096)) else {
            return Err(format!("run {i} is too large"));
        };
        regions.push(super::physical_region(at, len, address));
        at = at.saturating_add(len);
    }
    Ok((regions, Vec::new()))
}

/// The page-frame ranges of an `RDMP` dump (types 8, 9, 10): after a
/// 0x30-byte header at 0x2000 (marker 0x40, `RDMP`, `DUMP`, metadata size,
/// first page offset), (first page frame, page count) pairs up to the end
/// of the metadata or a zero frame; the pages are stored from the first
/// page offset in range order.
fn pfn_ranges(bytes: &[u8]) -> Result<(Vec<Region>, Vec<String>), String> {
    let h = HEADER_64.size as usize;
    let header = bytes.get(h..h + 0x30).ok_or("RDMP header cut short")?;
    if le_u32(header, 0) != Some(0x40) || &header[4..8] != b"RDMP" || &header[8..12] != b"DUMP" {
        return Err("no RDMP header".to_string());
    }
    let (Some(metadata), Some(first_page)) = (le_u64(header, 0x10), le_u64(header, 0x18)) else {
        return Err("RDMP header cut short".to_string());
    };
    let end = usize::try_from(metadata)
        .ok()
        .and_then(|m| (h + 0x20).checked_add(m))
        .filter(|&end| end <= bytes.len())
        .ok_or("the RDMP page-frame list runs past the end of the file")?;
    let mut regions: Vec<Region> = Vec::new();
    let mut notes = Vec::new();
    let mut stored = first_page;
    let mut at = h + 0x30;
    while at + 16 <= end {
        let (Some(pfn), Some(count)) = (le_u64(bytes, at), le_u64(bytes, at + 8)) else {
            break;
        };
        if pfn == 0 {
            break;
        }
        let (Some(len), Some(address)) = (count.checked_mul(4096), pfn.checked_mul(4096)) else {
            return Err(format!("the page-frame range at offset {at} is too large"));
        };
        if regions.len() >= MAX_REGIONS {
            notes.push(format!(
                "more than {MAX_REGIONS} page-frame ranges: the pages after offset {stored} are scanned without addresses"
            ));
            break;
        }
        regions.push(super::physical_region(stored, len, address));
        stored = stored.saturating_add(len);
        at += 16;
    }
    Ok((regions, notes))
}

/// A bitmap dump's pages: bit i of the bitmap set means physical page i is
/// present, stored at `first_page` plus 4096 times the bits set before it.
fn bitmap_pages(bytes: &[u8]) -> Result<(Vec<Region>, Vec<String>), String> {
    let h = HEADER_64.size as usize;
    let signature = bytes.get(h..h + 8).ok_or("bitmap header cut short")?;
    if !(signature == b"SDMPDUMP" || signature == b"FDMPDUMP") {
        return Err("no SDMP/FDMP bitmap header".to_string());
    }
    let (Some(first_page), Some(pages)) = (le_u64(bytes, h + 0x20), le_u64(bytes, h + 0x30)) else {
        return Err("bitmap header cut short".to_string());
    };
    let bitmap_at = h + 0x38;
    let bitmap_len = usize::try_from(pages.div_ceil(8)).map_err(|_| "bitmap too large")?;
    let bitmap = bitmap_at
        .checked_add(bitmap_len)
        .and_then(|end| bytes.get(bitmap_at..end))
        .ok_or("the page bitmap runs past the end of the file")?;
    let mut regions: Vec<Region> = Vec::new();
    let mut notes = Vec::new();
    let mut stored = first_page;
    for (i, &b) in bitmap.iter().enumerate() {
        if b == 0 {
            continue;
        }
        for bit in 0..8u64 {
            if b & (1 << bit) == 0 {
                continue;
            }
            let page = i as u64 * 8 + bit;
            let address = page * 4096;
            let full = regions.len() >= MAX_REGIONS;
            match regions.last_mut() {
                Some(r)
                    if r.vaddr.and_then(|v| v.checked_add(r.len)) == Some(address)
                        && r.file_end() == stored =>
                {
                    r.len += 4096
                }
                _ if full => {
                    notes.push(format!(
                        "more than {MAX_REGIONS} runs of physical pages: the pages after offset {stored} are scanned without addresses"
                    ));
                    return Ok((regions, notes));
                }
                _ => regions.push(super::physical_region(stored, 4096, address)),
            }
            stored = stored.saturating_add(4096);
        }
    }
    Ok((regions, notes))
}

/// Whether every sampled page after the header is uniformly random (at
/// least [`SAMPLES`] / 2 pages to judge from).
fn looks_encrypted(bytes: &[u8], bits: u32) -> bool {
    let header = if bits == 64 { 0x2000 } else { 0x1000 };
    let Some(body) = bytes.get(header..) else {
        return false;
    };
    let pages = body.len() / PAGE;
    if pages < SAMPLES / 2 {
        return false;
    }
    let step = pages / SAMPLES.min(pages);
    (0..SAMPLES.min(pages)).all(|i| {
        let at = i * step * PAGE;
        body.get(at..at + PAGE).is_some_and(random_page)
    })
}

/// A page of uniformly random bytes: every byte value present about as
/// often as chance gives, neither less evenly (memory, text, most
/// compressed data) nor more evenly (counters, tables) than 4096 random
/// bytes ever are.
fn random_page(page: &[u8]) -> bool {
    let mut counts = [0u32; 256];
    page.iter().for_each(|&b| counts[b as usize] += 1);
    let expected = page.len() as f64 / 256.0;
    let chi2: f64 = counts
        .iter()
        .map(|&c| (f64::from(c) - expected).powi(2) / expected)
        .sum();
    // 255 degrees of freedom: mean 255, standard deviation about 22.6
    (150.0..400.0).contains(&chi2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CoverageStatus;
    use crate::testutil::noise;

    fn header(bits: u32) -> Vec<u8> {
        let mut b = if bits == 64 {
            b"PAGEDU64".to_vec()
        } else {
            b"PAGEDUMP".to_vec()
        };
        b.resize(if bits == 64 { 0x2000 } else { 0x1000 }, 0);
        b
    }

    #[test]
    fn plain_and_encrypted_kernel_dumps() {
        for bits in [32, 64] {
            // memory-like pages: zeros, text and pointers among random ones
            let mut plain = header(bits);
            for i in 0..256u64 {
                match i % 4 {
                    0 => plain.extend(noise(PAGE, i)),
                    1 => plain.extend(std::iter::repeat_n(0u8, PAGE)),
                    2 => plain.extend(b"MmPagedPool ".iter().cycle().take(PAGE)),
                    _ => (0..PAGE / 8).for_each(|k| {
                        plain.extend((0xffff_f800_0000_0000u64 + k as u64 * 16).to_le_bytes())
                    }),
                }
            }
            let map = super::super::map_container(&plain);
            assert_eq!(map.container, ContainerKind::WindowsKernelDump);
            assert!(
                map.unreadable.is_empty() && map.incomplete.len() == 1,
                "{bits}"
            );
            let mut encrypted = header(bits);
            encrypted.extend(noise(256 * PAGE, 9));
            let map = super::super::map_container(&encrypted);
            assert_eq!(map.unreadable.len(), 1, "{bits}");
            // too short to judge: plain, partial
            let mut short = header(bits);
            short.extend(noise(8 * PAGE, 9));
            assert!(map_container_status(&short) == CoverageStatus::Partial);
        }
    }

    /// Every parsed dump type over noise (run lists, bitmaps and range
    /// lists of random values) and cut anywhere: a map, never a panic.
    #[test]
    fn damaged_headers_of_every_type_never_panic() {
        for bits in [32, 64] {
            let layout = if bits == 64 { &HEADER_64 } else { &HEADER_32 };
            for dump_type in [1u32, 5, 6, 8, 9, 10] {
                for seed in 0..16 {
                    let mut b = header(bits);
                    b[..layout.size as usize].copy_from_slice(&noise(layout.size as usize, seed));
                    b[..8].copy_from_slice(if bits == 64 { b"PAGEDU64" } else { b"PAGEDUMP" });
                    b[layout.dump_type..layout.dump_type + 4]
                        .copy_from_slice(&dump_type.to_le_bytes());
                    let mut body = noise(3 * PAGE, seed + 100);
                    body[4..12].copy_from_slice(b"RDMPDUMP");
                    body[..4].copy_from_slice(&0x40u32.to_le_bytes());
                    b.extend(body);
                    for cut in [b.len(), b.len() / 2, layout.size as usize + 20] {
                        let map = map(&b[..cut]);
                        assert_eq!(map.container, ContainerKind::WindowsKernelDump);
                    }
                }
            }
        }
    }

    fn map_container_status(bytes: &[u8]) -> CoverageStatus {
        let map = super::super::map_container(bytes);
        if !map.unreadable.is_empty() {
            CoverageStatus::None
        } else if !map.incomplete.is_empty() {
            CoverageStatus::Partial
        } else {
            CoverageStatus::Full
        }
    }
}
