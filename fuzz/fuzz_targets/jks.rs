//! The Java keystore decoder (JKS, JCEKS) on arbitrary bytes: it never
//! panics and a keystore it accepts lies inside them.
#![no_main]
use keysweep::formats::jks;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(b) = jks::keystore(data) {
        assert!(b.len <= data.len());
    }
});
