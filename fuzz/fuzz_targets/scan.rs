//! The full scan (prefilter and every detector) of arbitrary bytes, as a raw
//! file and as whatever container they claim to be, with small chunks so
//! that seams fall everywhere: never panics, and every detection lies inside
//! the input.
#![no_main]
use keysweep::container::{ContainerKind, MemoryMap, map_container};
use keysweep::detect::default_detectors;
use keysweep::engine::Engine;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static ENGINE: OnceLock<Engine> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let engine = ENGINE.get_or_init(|| {
        Engine::new(default_detectors())
            .unwrap()
            .with_chunk_size(257)
    });
    for map in [
        MemoryMap::raw(data.len() as u64, ContainerKind::Raw, Vec::new()),
        map_container(data),
    ] {
        let (found, _) = engine.scan_mapped(data, &map);
        for f in found {
            assert!(f.file_offset as usize + f.detection.len <= data.len());
        }
    }
    let (streamed, _) = engine.scan_reader(&mut &data[..]).unwrap();
    for f in streamed {
        assert!(f.file_offset as usize + f.detection.len <= data.len());
    }
});
