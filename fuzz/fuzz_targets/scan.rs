//! The full scan with the default options (prefilter, every detector, the
//! AES and bignum recoveries; the known-key search has its own target,
//! `known`) of arbitrary bytes, as a raw file and as whatever container they
//! claim to be, with small chunks so that seams fall everywhere, and through
//! the streaming reader: never panics, and every detection and every
//! component of a rebuilt key lies inside the input. The engine runs on the
//! fuzzing thread alone (see `on_fuzzing_thread`).
#![no_main]
use keysweep::engine::{Engine, EngineConfig};
use keysweep_fuzz::{assert_inside, on_fuzzing_thread, scan_raw_and_as_container};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static ENGINE: OnceLock<Engine> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    on_fuzzing_thread(|| {
        let engine = ENGINE.get_or_init(|| {
            Engine::new(&EngineConfig {
                chunk_size: 257,
                ..EngineConfig::builtin().unwrap()
            })
            .unwrap()
        });
        scan_raw_and_as_container(engine, data);
        let (streamed, _) = engine.scan_reader(&mut &data[..]).unwrap();
        assert_inside(&streamed, data.len());
    });
});
