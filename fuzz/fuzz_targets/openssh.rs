//! The openssh-key-v1 decoder on arbitrary bytes: it never panics and a key
//! it accepts lies inside them.
#![no_main]
use keysweep::formats::openssh;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((_, len)) = openssh::parse_prefix(data) {
        assert!(len <= data.len());
    }
});
