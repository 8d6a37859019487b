//! LiME memory images (Linux Memory Extractor, and AVML's LiME-compatible
//! output): a sequence of ranges, each a 32-byte header (magic `EMiL`,
//! version, first and last physical address, inclusive) followed by the
//! range's bytes. Each range becomes a region at its physical address.
//! Physical images hold a process's pages wherever the kernel put them, so
//! a key that crosses a page boundary is usually split across the image:
//! such keys are a known limit of physical images.

use super::{ContainerKind, MemoryMap};
use crate::bytes::{le_u32, le_u64};

/// The range header magic, `EMiL` in the file.
pub const MAGIC: u32 = 0x4C69_4D45;

/// Bytes of one range header.
const HEADER: u64 = 32;

/// Most ranges read; a machine has a few dozen.
const MAX_RANGES: usize = 1 << 16;

/// Whether `bytes` begin like a LiME image.
pub fn is_lime(bytes: &[u8]) -> bool {
    le_u32(bytes, 0) == Some(MAGIC) && le_u32(bytes, 4).is_some_and(|v| (1..=2).contains(&v))
}

/// The map of a LiME image: a region per range, headers as metadata.
pub fn map(bytes: &[u8]) -> MemoryMap {
    let len = bytes.len() as u64;
    let mut map = MemoryMap::raw(0, ContainerKind::Lime, Vec::new());
    let mut at = 0u64;
    while at < len {
        if map.regions.len() >= MAX_RANGES {
            map.incomplete.push(format!(
                "more than {MAX_RANGES} LiME ranges: the rest of the image, from offset {at}, is scanned without addresses"
            ));
            break;
        }
        let header = usize::try_from(at).ok().and_then(|a| {
            Some((
                le_u32(bytes, a)?,
                le_u64(bytes, a + 8)?,
                le_u64(bytes, a + 16)?,
            ))
        });
        let Some((magic, first, last)) = header else {
            map.incomplete.push(format!(
                "the LiME image ends inside a range header at offset {at} (a truncated image)"
            ));
            break;
        };
        if magic != MAGIC || last < first {
            map.incomplete.push(format!(
                "no valid LiME range header at offset {at} (corrupt image): the rest is scanned without addresses"
            ));
            break;
        }
        let size = (last - first).saturating_add(1);
        map.regions
            .push(super::physical_region(at + HEADER, size, first));
        at = at.saturating_add(HEADER).saturating_add(size);
    }
    super::normalize(map, len)
}
