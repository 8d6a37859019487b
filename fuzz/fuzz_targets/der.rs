//! The DER private-key decoder (PKCS#1, OpenSSL DSA, PKCS#8, SEC1,
//! EncryptedPrivateKeyInfo, PKCS#12) on arbitrary bytes: it never panics and
//! a structure it accepts lies inside them.
#![no_main]
use keysweep::formats::der;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(k) = der::private_key_at(data) {
        assert!(k.len <= data.len());
    }
});
