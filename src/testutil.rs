//! Helpers the unit tests share.

/// Deterministic noise (xorshift64), so a failing test reproduces exactly.
pub fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 24) as u8
        })
        .collect()
}

/// A heap region at `vaddr`, for memory maps the tests build by hand.
pub fn heap_region(file_offset: u64, len: u64, vaddr: u64) -> crate::container::Region {
    crate::container::Region {
        file_offset,
        len,
        vaddr: Some(vaddr),
        kind: crate::model::RegionKind::Heap,
        name: None,
        perms: None,
    }
}

/// A minidump's memory map of `regions`, for maps the tests build by hand.
pub fn minidump_map(regions: Vec<crate::container::Region>) -> crate::container::MemoryMap {
    crate::container::MemoryMap {
        container: crate::model::ContainerKind::Minidump,
        regions,
        warnings: Vec::new(),
        process: None,
        incomplete: Vec::new(),
        unreadable: Vec::new(),
        dump: None,
        utf16be_text: Vec::new(),
    }
}
