//! The Windows key-blob decoders (CryptoAPI, PVK, CNG RSA, ECC and key-data
//! blobs) on arbitrary bytes: they never panic and a blob they accept lies
//! inside them.
#![no_main]
use keysweep::formats::winblob;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for parse in [
        winblob::capi_rsa,
        winblob::pvk,
        winblob::cng_rsa,
        winblob::cng_ecc,
        winblob::cng_key_data,
    ] {
        if let Some(b) = parse(data) {
            assert!(b.len <= data.len());
        }
    }
});
