//! The JWK decoder on any JSON object the fuzzer writes: it never panics,
//! whatever members, types and sizes the object has.
#![no_main]
use keysweep::formats::jwk;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(serde_json::Value::Object(obj)) = serde_json::from_slice(data) {
        let _ = jwk::parse(&obj);
        let _ = jwk::public_spki(&obj);
    }
});
