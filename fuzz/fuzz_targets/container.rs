//! Container parsing (minidump, ELF core, raw) of arbitrary bytes: never
//! panics, and the map it returns covers the file exactly once, in order.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let map = keysweep::container::map_container(data);
    let mut cursor = 0u64;
    for r in &map.regions {
        assert_eq!(r.file_offset, cursor, "regions are contiguous and sorted");
        assert!(r.len > 0);
        cursor = r.file_end();
    }
    assert_eq!(
        cursor,
        data.len() as u64,
        "every byte belongs to one region"
    );
});
