//! The known-key search (`--known-keys`): the private halves of an RSA
//! modulus and an EC point, published as a JWK Set and a certificate, looked
//! for in arbitrary bytes as a raw file and as whatever container they claim
//! to be, behind the bignum recovery that pools its candidates. It never
//! panics, and every recovered key and every component of it lies inside
//! the input.
//!
//! Kept apart from `scan` because its scalar multiplications (up to
//! `MAX_SCALAR_TESTS` per input) took two thirds of `scan`'s time and so
//! slowed every other path it fuzzes; here only the bignum family runs, so
//! each run spends its time on this search.
#![no_main]
use keysweep::container::{ContainerKind, MemoryMap, map_container};
use keysweep::detect::Family;
use keysweep::engine::Engine;
use keysweep::known::KnownKeys;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static ENGINE: OnceLock<Engine> = OnceLock::new();
static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    // one thread, the fuzzing thread itself: see `scan`
    let pool = POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .use_current_thread()
            .build()
            .unwrap()
    });
    pool.install(|| search_every_way(data));
});

fn search_every_way(data: &[u8]) {
    let engine = ENGINE.get_or_init(|| {
        let mut known = KnownKeys::default();
        known.add_document(
            include_bytes!("../../fixtures/keys/known/idp-jwks.json"),
            std::path::Path::new("jwks"),
        );
        known.add_document(
            include_bytes!("../../fixtures/keys/known/ec-p256-cert.pem"),
            std::path::Path::new("cert"),
        );
        Engine::for_families(&[Family::Bignum], false)
            .unwrap()
            .with_known_keys(known.targets())
            .with_chunk_size(257)
    });
    for map in [
        MemoryMap::raw(data.len() as u64, ContainerKind::Raw, Vec::new()),
        map_container(data),
    ] {
        let (found, _) = engine.scan_mapped(data, &map);
        for f in found {
            assert!(f.file_offset as usize + f.detection.len <= data.len());
            for c in &f.detection.components {
                assert!(c.file_offset + c.len <= data.len() as u64);
            }
        }
    }
}
