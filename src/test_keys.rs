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
    // RFC 9500 "Standard PKC Test Keys", meant for X.509 examples and tests
    // (and copied into library examples: Go's crypto/rsa prints testRSA2048)
    (
        "8fb6bad671cfe698393c453357da61b56d757ab8c0f3fb9c87f2849e63131878",
        "RFC 9500 testRSA2048 key",
    ),
    (
        "b2b04340cfaee616ec9c2c62d261b208e54bb197498df52e8cadede23ac0ba5e",
        "RFC 9500 testECCP256 key",
    ),
    (
        "c4c10105a0be0ed4dd3354428dc38a9bfee64da141ce16e75c94eda272f9dd3a",
        "RFC 9500 testECCP384 key",
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

    /// The RFC 9500 entries are the fingerprints of the RFC's PEM keys.
    #[test]
    fn rfc9500_entries_are_the_rfc_keys() {
        let p256 = "-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIObLW92AqkWunJXowVR2Z5/+yVPBaFHnEedDk5WJxk/BoAoGCCqGSM49
AwEHoUQDQgAEQiVI+I+3gv+17KN0RFLHKh5Vj71vc75eSOkyMsxFxbFsTNEMTLjV
uKFxOelIgsiZJXKZNCX0FBmrfpCkKklCcg==
-----END EC PRIVATE KEY-----
";
        let p384 = "-----BEGIN EC PRIVATE KEY-----
MIGkAgEBBDDiVjMo36v2gYhga5EyQoHB1YpEVkMbCdUQs1/syfMHyhgihG+iZxNx
qagbrA41dJ2gBwYFK4EEACKhZANiAARbCQG4hSMpbrkZ1Q/6GpyzdLxNQJWGKCv+
yhGx2VrbtUc0r1cL+CtyKM8ia89MJd28/jsaOtOUMO/3Y+HWjS4VHZFyC3eVtY2m
s0Y5YTqPubWo2kjGdHEX+ZGehCTzfsg=
-----END EC PRIVATE KEY-----
";
        let rsa2048 = "-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEAsPnoGUOnrpiSqt4XynxA+HRP7S+BSObI6qJ7fQAVSPtRkqso
tWxQYLEYzNEx5ZSHTGypibVsJylvCfuToDTfMul8b/CZjP2Ob0LdpYrNH6l5hvFE
89FU1nZQF15oVLOpUgA7wGiHuEVawrGfey92UE68mOyUVXGweJIVDdxqdMoPvNNU
l86BU02vlBiESxOuox+dWmuVV7vfYZ79Toh/LUK43YvJh+rhv4nKuF7iHjVjBd9s
B6iDjj70HFldzOQ9r8SRI+9NirupPTkF5AKNe6kUhKJ1luB7S27ZkvB3tSTT3P59
3VVJvnzOjaA1z6Cz+4+eRvcysqhrRgFlwI9TEwIDAQABAoIBAEEYiyDP29vCzx/+
dS3LqnI5BjUuJhXUnc6AWX/PCgVAO+8A+gZRgvct7PtZb0sM6P9ZcLrweomlGezI
FrL0/6xQaa8bBr/ve/a8155OgcjFo6fZEw3Dz7ra5fbSiPmu4/b/kvrg+Br1l77J
aun6uUAs1f5B9wW+vbR7tzbT/mxaUeDiBzKpe15GwcvbJtdIVMa2YErtRjc1/5B2
BGVXyvlJv0SIlcIEMsHgnAFOp1ZgQ08aDzvilLq8XVMOahAhP1O2A3X8hKdXPyrx
IVWE9bS9ptTo+eF6eNl+d7htpKGEZHUxinoQpWEBTv+iOoHsVunkEJ3vjLP3lyI/
fY0NQ1ECgYEA3RBXAjgvIys2gfU3keImF8e/TprLge1I2vbWmV2j6rZCg5r/AS0u
pii5CvJ5/T5vfJPNgPBy8B/yRDs+6PJO1GmnlhOkG9JAIPkv0RBZvR0PMBtbp6nT
Y3yo1lwamBVBfY6rc0sLTzosZh2aGoLzrHNMQFMGaauORzBFpY5lU50CgYEAzPHl
u5DI6Xgep1vr8QvCUuEesCOgJg8Yh1UqVoY/SmQh6MYAv1I9bLGwrb3WW/7kqIoD
fj0aQV5buVZI2loMomtU9KY5SFIsPV+JuUpy7/+VE01ZQM5FdY8wiYCQiVZYju9X
Wz5LxMNoz+gT7pwlLCsC4N+R8aoBk404aF1gum8CgYAJ7VTq7Zj4TFV7Soa/T1eE
k9y8a+kdoYk3BASpCHJ29M5R2KEA7YV9wrBklHTz8VzSTFTbKHEQ5W5csAhoL5Fo
qoHzFFi3Qx7MHESQb9qHyolHEMNx6QdsHUn7rlEnaTTyrXh3ifQtD6C0yTmFXUIS
CW9wKApOrnyKJ9nI0HcuZQKBgQCMtoV6e9VGX4AEfpuHvAAnMYQFgeBiYTkBKltQ
XwozhH63uMMomUmtSG87Sz1TmrXadjAhy8gsG6I0pWaN7QgBuFnzQ/HOkwTm+qKw
AsrZt4zeXNwsH7QXHEJCFnCmqw9QzEoZTrNtHJHpNboBuVnYcoueZEJrP8OnUG3r
UjmopwKBgAqB2KYYMUqAOvYcBnEfLDmyZv9BTVNHbR2lKkMYqv5LlvDaBxVfilE0
2riO4p6BaAdvzXjKeRrGNEKoHNBpOSfYCOM16NjL8hIZB1CaV3WbT5oY+jp7Mzd5
7d56RZOE+ERK2uz/7JX9VSsM/LbH9pJibd4e8mikDS9ntciqOH/3
-----END RSA PRIVATE KEY-----
";
        for (pem, name) in [
            (p256, "testECCP256"),
            (p384, "testECCP384"),
            (rsa2048, "testRSA2048"),
        ] {
            let fp = crate::detect::pem::fingerprint_of(pem.as_bytes()).unwrap();
            assert!(
                public_test_key(&fp).is_some_and(|w| w.contains(name)),
                "{name}"
            );
        }
    }
}
