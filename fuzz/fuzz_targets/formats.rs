//! Every key-format decoder on arbitrary bytes: DER structures, OpenSSH,
//! OpenPGP, PuTTY, Windows blobs, Java keystores and JWK objects. Never
//! panics; a structure it accepts lies inside the input.
#![no_main]
use keysweep::formats::{der, jks, jwk, openssh, pgp, ppk, winblob};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(k) = der::private_key_at(data) {
        assert!(k.len <= data.len());
    }
    if let Ok((_, len)) = openssh::parse_prefix(data) {
        assert!(len <= data.len());
    }
    let _ = pgp::parse(data);
    if let Some((len, _)) = pgp::secret_key_packet_at(data) {
        assert!(len <= data.len());
    }
    if let Some(p) = ppk::parse(data) {
        assert!(p.chars <= data.len());
    }
    for parse in [
        winblob::capi_rsa,
        winblob::pvk,
        winblob::cng_rsa,
        winblob::cng_ecc,
        winblob::cng_key_data,
        jks::keystore,
    ] {
        if let Some(b) = parse(data) {
            assert!(b.len <= data.len());
        }
    }
    if let Ok(serde_json::Value::Object(obj)) = serde_json::from_slice(data) {
        let _ = jwk::parse(&obj);
        let _ = jwk::public_spki(&obj);
    }
});
