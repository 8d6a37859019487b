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
use keysweep::detect::Family;
use keysweep::engine::{Engine, EngineConfig};
use keysweep::known_keys::KnownKeys;
use keysweep_fuzz::{on_fuzzing_thread, scan_raw_and_as_container};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static ENGINE: OnceLock<Engine> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    on_fuzzing_thread(|| {
        let engine = ENGINE.get_or_init(|| {
            let mut known = KnownKeys::default();
            let _ = known.add_document(
                include_bytes!("../../fixtures/keys/known/idp-jwks.json"),
                std::path::Path::new("jwks"),
            );
            let _ = known.add_document(
                include_bytes!("../../fixtures/keys/known/ec-p256-cert.pem"),
                std::path::Path::new("cert"),
            );
            Engine::new(&EngineConfig {
                known_keys: known.targets().to_vec(),
                chunk_size: 257,
                ..EngineConfig::builtin().unwrap().only(&[Family::Bignum])
            })
            .unwrap()
        });
        scan_raw_and_as_container(engine, data);
    });
});
