//! Virtual addresses to file bytes: how pointers found in a dump are followed.

use crate::container::MemoryMap;
use crate::model::RegionKind;
use std::ops::Range;

/// The dump's memory regions sorted by virtual address.
pub struct AddressIndex {
    /// (first address, length, file offset), sorted, non-overlapping in the file.
    spans: Vec<(u64, u64, u64)>,
}

impl AddressIndex {
    /// Index every region of `map` that has an address.
    pub fn new(map: &MemoryMap) -> AddressIndex {
        let mut spans: Vec<(u64, u64, u64)> = map
            .regions
            .iter()
            .filter(|r| r.kind != RegionKind::Metadata)
            .filter_map(|r| Some((r.vaddr?, r.len, r.file_offset)))
            .collect();
        spans.sort_unstable();
        AddressIndex { spans }
    }

    /// The file bytes holding `len` bytes at address `addr`, when they are all
    /// in the dump (possibly across regions contiguous in memory and file).
    pub fn file_range(&self, addr: u64, len: u64) -> Option<Range<usize>> {
        let idx = self.spans.partition_point(|&(start, _, _)| start <= addr);
        let mut i = idx.checked_sub(1)?;
        let &(start, span_len, file) = self.spans.get(i)?;
        if addr >= start.checked_add(span_len)? {
            return None;
        }
        let first = file.checked_add(addr - start)?;
        let want_end = addr.checked_add(len)?;
        let (mut mem_end, mut file_end) = (start + span_len, file + span_len);
        while mem_end < want_end {
            i += 1;
            let &(next, next_len, next_file) = self.spans.get(i)?;
            if next != mem_end || next_file != file_end {
                return None;
            }
            mem_end = mem_end.checked_add(next_len)?;
            file_end = file_end.checked_add(next_len)?;
        }
        let s = usize::try_from(first).ok()?;
        let e = usize::try_from(first.checked_add(len)?).ok()?;
        Some(s..e)
    }

    /// The address of a file offset, when a region with an address holds it.
    pub fn address_of(&self, file_offset: u64) -> Option<u64> {
        self.spans
            .iter()
            .find(|&&(_, len, file)| file <= file_offset && file_offset - file < len)
            .map(|&(start, _, file)| start + (file_offset - file))
    }

    /// Whether the dump has any addressed memory at all.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
}
