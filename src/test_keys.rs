//! Keys that are public by design: test and example keys that libraries
//! ship and standards print. Finding one is not a leak, so such findings
//! are marked `test_key` and reported at low severity, never high or
//! critical, instead of drowning the keys that matter.
//!
//! Each entry is a fingerprint as findings give it (SHA-256 of the public
//! key's SubjectPublicKeyInfo, or of the key bytes for symmetric keys).

/// (fingerprint, what the key is).
const PUBLIC_TEST_KEYS: &[(&str, &str)] = &[
    // OpenSSL's `openssl speed` RSA keys (apps/testrsa.h), built into the openssl program
    (
        "0ea7caf9dd07fd79fe22ceb5efbbd7d4445d231e92ee1bf3b2a022eaffb00495",
        "OpenSSL speed test RSA-1024 key",
    ),
    (
        "a6fdc2c6d07aa877e3ac360c2ce5efb69ab7dce2fd8df3c1bce0564b17114bc2",
        "OpenSSL speed test RSA-2048 key",
    ),
    (
        "01e67e56244b43b668e2b9a697daaafcfb501fa78de2fcc4aa32bdae6dd94af6",
        "OpenSSL speed test RSA-3072 key",
    ),
    (
        "adadc3246bb4830551c6da143d7462727967bda53059ae6f152323b0aba69595",
        "OpenSSL speed test RSA-4096 key",
    ),
    (
        "d2d8c7d1de1e118e810c15eb7f8d9560a433e15cd55eac52aade81d6669cf133",
        "OpenSSL speed test RSA-7680 key",
    ),
    (
        "cebf59a465ccd9c42a7f7f6a789cc741d43cacbc502587ed1c5f0f4e445f1c39",
        "OpenSSL speed test RSA-15360 key",
    ),
    // the example keys of the JOSE RFCs, which libraries test with and
    // samples copy as "development keys"
    (
        "6fd13c2435a361e7c588cd17f55f5ad3df0177a66c1727a6a200845f4d7ab88c",
        "RFC 7515 appendix A.2 example RSA-2048 key",
    ),
    (
        "2bd1bb0c44a897c30a7aa0991cde38d8062fe441de50da0f46825344f602e827",
        "RFC 7515 appendix A.3 example P-256 key",
    ),
    (
        "06e3fd8fda29bb60ab59557de61edb0aecdb231134be30e75b455f8e1b792fa9",
        "RFC 8037 appendix A (RFC 8032 test 1) example Ed25519 key",
    ),
    // FIPS-197 appendix C example keys (00 01 02 ...), used by AES self-tests
    (
        "be45cb2605bf36bebde684841a28f0fd43c69850a3dce5fedba69928ee3a8991",
        "FIPS-197 example AES-128 key",
    ),
    (
        "1d64add2a6388367c9bc2d1f1b384b069a6ef382cdaaa89771dd103e28613a25",
        "FIPS-197 example AES-192 key",
    ),
    (
        "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd",
        "FIPS-197 example AES-256 key",
    ),
    // NIST SP 800-38A appendix F example keys
    (
        "d4ffb8b77f7d6b26196e9a070e983f6701a4c42dec813d4de1a535d20a7df536",
        "SP 800-38A example AES-128 key",
    ),
    (
        "80fa5ff8e512e1d12f60c27d305e47fb19daa5f0aad3f32c9dd5145309e38d54",
        "SP 800-38A example AES-192 key",
    ),
    (
        "b93c72b74bc8487d29827005f80d635918f91bc22b14d7ed05714d58f96702dd",
        "SP 800-38A example AES-256 key",
    ),
];

/// What a key is, when it is one of the keys public by design.
pub fn public_test_key(fingerprint: &str) -> Option<&'static str> {
    PUBLIC_TEST_KEYS
        .iter()
        .find(|(fp, _)| *fp == fingerprint)
        .map(|(_, what)| *what)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The AES entries are the SHA-256 of the published key bytes.
    #[test]
    fn aes_entries_are_the_published_keys() {
        let fips128: Vec<u8> = (0u8..16).collect();
        let fp = crate::keys::sha256_hex(&fips128);
        assert_eq!(public_test_key(&fp), Some("FIPS-197 example AES-128 key"));
        let sp800_38a = [
            0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6, 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf,
            0x4f, 0x3c,
        ];
        let fp = crate::keys::sha256_hex(&sp800_38a);
        assert_eq!(public_test_key(&fp), Some("SP 800-38A example AES-128 key"));
        assert_eq!(public_test_key(&"0".repeat(64)), None);
    }

    /// The JOSE entries are the fingerprints of the RFCs' example JWKs, as
    /// keysweep computes them from the keys themselves.
    #[test]
    fn jose_entries_are_the_rfc_example_keys() {
        let jwk = |text: &str| {
            let obj: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(text).unwrap();
            let spki = crate::formats::jwk::public_spki(&obj).unwrap();
            public_test_key(&crate::keys::sha256_hex(&spki))
        };
        let ec = r#"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#;
        assert_eq!(jwk(ec), Some("RFC 7515 appendix A.3 example P-256 key"));
        let ed =
            r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#;
        assert!(jwk(ed).is_some_and(|w| w.contains("RFC 8037")));
        let n = "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
        let rsa = format!(r#"{{"kty":"RSA","e":"AQAB","n":"{n}"}}"#);
        assert!(jwk(&rsa).is_some_and(|w| w.contains("A.2")));
    }
}
