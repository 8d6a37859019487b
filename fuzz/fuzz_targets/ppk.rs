//! The PuTTY PPK decoder on arbitrary text: it never panics and a key it
//! accepts lies inside it.
#![no_main]
use keysweep::formats::ppk;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(p) = ppk::parse(data) {
        assert!(p.chars <= data.len());
    }
});
