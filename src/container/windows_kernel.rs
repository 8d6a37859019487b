//! Windows kernel crash dumps (`MEMORY.DMP`: `PAGEDUMP` or `PAGEDU64`),
//! recognised so their coverage is told truthfully. Their physical pages are
//! scanned as plain bytes (serialised keys, schedules and tokens are found;
//! without page-table walking there are no virtual addresses or processes),
//! which makes the coverage partial. A dump written with Windows dump
//! encryption (`DumpEncryptionEnabled`) keeps its header but its pages are
//! ciphertext: nothing in it can be read without the key protector's private
//! key, so its coverage is none. Encryption is recognised by what it leaves:
//! the sampled pages after the header are all uniformly random, which real
//! memory (zero pages, code, structures, text) never is.

use super::{ContainerKind, MemoryMap};

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
    } else {
        map.incomplete.push(format!(
            "a {bits}-bit Windows kernel dump: its pages were scanned as plain bytes, without virtual addresses, processes or modules (kernel dumps are not parsed yet)"
        ));
    }
    map
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
