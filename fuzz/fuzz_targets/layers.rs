//! Peeling the wrappers of arbitrary bytes (compressed streams, tar and zip
//! archives, apport files, envelopes, multipart bodies) with small limits:
//! never panics, never decodes past its limit, and every leaf's container
//! parses.
#![no_main]
use keysweep::layers::{self, Bytes, Limits};
use keysweep::model::Coverage;
use libfuzzer_sys::fuzz_target;

/// Decoded bytes allowed per input here (small, so bombs end quickly).
const MAX_DECODED: u64 = 8 << 20;

fuzz_target!(|data: &[u8]| {
    let Ok(bytes) = Bytes::copied(data) else {
        return;
    };
    let limits = Limits {
        max_decoded: MAX_DECODED,
        max_ratio: 100,
        max_depth: 4,
    };
    let mut decoded = 0u64;
    layers::peel("input", bytes, &limits, Coverage::default(), &mut |leaf| {
        assert!(leaf.layers.len() <= 8, "{:?}", leaf.layers);
        if leaf
            .layers
            .iter()
            .any(|l| !matches!(l.as_str(), "tar" | "zip" | "envelope" | "multipart"))
        {
            decoded += leaf.bytes.len() as u64;
        }
        let _ = keysweep::container::map_container(leaf.bytes.as_slice());
    });
    // members read in place are slices of the input; what was decoded is capped
    assert!(
        decoded <= MAX_DECODED + data.len() as u64 * 4,
        "{decoded} bytes decoded"
    );
});
