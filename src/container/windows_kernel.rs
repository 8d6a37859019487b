//! Windows kernel crash dumps (`MEMORY.DMP`: `PAGEDUMP` or `PAGEDU64`).
//! A 64-bit full dump (dump type 1: a physical memory run list in the
//! header, the pages after it) or bitmap dump (type 5: an `SDMP`/`FDMP`
//! header whose bitmap says which physical pages follow) becomes regions at
//! physical addresses (layout as the `kdmp-parser` crate documents it).
//! Pages are not attributed to processes (no page-table walk), so findings
//! carry physical addresses. Other dump types and 32-bit dumps are scanned
//! as plain bytes, which makes their coverage partial. A dump written with
//! Windows dump encryption (`DumpEncryptionEnabled`) keeps its header but
//! its pages are ciphertext: nothing in it can be read without the key
//! protector's private key, so its coverage is none. Encryption is
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
    let dump_type = le_u32(bytes, DUMP_TYPE).unwrap_or(0);
    // (the 32-bit DUMP_HEADER32 keeps the bug check at 0x28, after eleven
    // 32-bit fields; the 64-bit header at 0x38)
    let bug_check = le_u32(bytes, if bits == 64 { 0x38 } else { 0x28 });
    map.dump = Some(crate::model::DumpInfo {
        kind: match (bits, dump_type) {
            (64, 1) => "full".to_string(),
            (64, 5) => "bitmap".to_string(),
            (64, 6) => "live-kernel-memory".to_string(),
            (64, 8) => "kernel-memory".to_string(),
            (64, 9) => "kernel-and-user-memory".to_string(),
            (64, 10) => "complete-memory".to_string(),
            (64, t) => format!("type {t}"),
            // (the 32-bit header's dump type is not read: its offset differs)
            _ => "32-bit".to_string(),
        },
        bug_check: bug_check.map(|c| format!("{c:#010x}")),
    });
    let parsed = match (bits, dump_type) {
        (64, 1) => full_runs(bytes),
        (64, 5) => bitmap_pages(bytes),
        _ => Err(format!("dump type {dump_type} is not parsed yet")),
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

/// Offset of the dump type in a 64-bit header.
const DUMP_TYPE: usize = 0xf98;

/// Offset of the physical memory descriptor in a 64-bit header.
const PHYSICAL_MEMORY: usize = 0x88;

/// Bytes of a 64-bit header; a full dump's pages follow it.
const HEADER64: u64 = 0x2000;

/// Most regions one dump becomes (a bitmap can alternate page by page).
const MAX_REGIONS: usize = 1 << 20;

/// A full dump's runs: (base page, page count) pairs in the header's
/// descriptor, the pages stored after the header in run order.
fn full_runs(bytes: &[u8]) -> Result<(Vec<Region>, Vec<String>), String> {
    let runs = le_u32(bytes, PHYSICAL_MEMORY).ok_or("header cut short")? as usize;
    // the descriptor has room for 42 runs in its 700 bytes
    let room = (700 - 16) / 16;
    if runs > room {
        return Err(format!(
            "its run list claims {runs} runs, more than the header holds"
        ));
    }
    let mut regions = Vec::new();
    let mut at = HEADER64;
    for i in 0..runs {
        let entry = PHYSICAL_MEMORY + 16 + 16 * i;
        let (Some(base), Some(count)) = (le_u64(bytes, entry), le_u64(bytes, entry + 8)) else {
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

/// A bitmap dump's pages: bit i of the bitmap set means physical page i is
/// present, stored at `first_page` plus 4096 times the bits set before it.
fn bitmap_pages(bytes: &[u8]) -> Result<(Vec<Region>, Vec<String>), String> {
    let h = HEADER64 as usize;
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
