//! JSON Web Keys (RFC 7517) with private members: RSA (`d`, `p`, `q`, `dp`,
//! `dq`, `qi`), EC (`d`), OKP (`d`) and symmetric `oct` keys (`k`). The
//! public members give the key's fingerprint, the same SPKI SHA-256 as in any
//! other encoding, and its RFC 7638 thumbprint.

use crate::keys::{self, Curve, Edwards, ParsedKey, Validation};
use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use num_bigint::BigUint;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// A JWK holding secret material.
#[derive(Debug)]
pub struct Jwk {
    /// The rule that reports this JWK.
    pub rule_id: &'static str,
    /// The key it holds.
    pub key: ParsedKey,
}

fn b64url() -> GeneralPurpose {
    let config = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    GeneralPurpose::new(&base64::alphabet::URL_SAFE, config)
}

fn member<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    obj.get(name)?.as_str()
}

fn bytes(obj: &Map<String, Value>, name: &str) -> Option<Vec<u8>> {
    b64url().decode(member(obj, name)?).ok()
}

/// RFC 7638: SHA-256 of the required public members, in lexicographic order,
/// without white space; base64url without padding.
fn thumbprint(obj: &Map<String, Value>, names: &[&str]) -> Option<String> {
    let mut canonical = Map::new();
    for &n in names {
        canonical.insert(n.to_string(), Value::String(member(obj, n)?.to_string()));
    }
    // serde_json keeps keys sorted (BTreeMap), so this is the canonical form
    let json = serde_json::to_string(&Value::Object(canonical)).ok()?;
    Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(json.as_bytes())))
}

/// The curve a JWK `crv` names, for `kty` EC.
fn ec_curve(name: &str) -> Option<Curve> {
    match name {
        "P-256" => Some(Curve::P256),
        "P-384" => Some(Curve::P384),
        "P-521" => Some(Curve::P521),
        "secp256k1" => Some(Curve::Secp256k1),
        _ => None,
    }
}

/// The curve a JWK `crv` names, for `kty` OKP.
fn okp_curve(name: &str) -> Option<Edwards> {
    match name {
        "Ed25519" => Some(Edwards::Ed25519),
        "X25519" => Some(Edwards::X25519),
        "Ed448" => Some(Edwards::Ed448),
        "X448" => Some(Edwards::X448),
        _ => None,
    }
}

/// The SubjectPublicKeyInfo DER of a JWK's public members (RSA, EC, OKP),
/// private members or not: how `--known-keys` reads a published JWKS.
pub fn public_spki(obj: &Map<String, Value>) -> Option<Vec<u8>> {
    match member(obj, "kty")? {
        "RSA" => keys::rsa_spki(&bytes(obj, "n")?, &bytes(obj, "e")?),
        "EC" => {
            let curve = ec_curve(member(obj, "crv")?)?;
            let mut point = vec![0x04];
            point.extend(bytes(obj, "x")?);
            point.extend(bytes(obj, "y")?);
            keys::ec_spki(curve, &point)
        }
        "OKP" => okp_curve(member(obj, "crv")?)?.spki(&bytes(obj, "x")?),
        _ => None,
    }
}

/// Interpret a JSON object as a JWK; `None` unless it holds secret material.
pub fn parse(obj: &Map<String, Value>) -> Option<Jwk> {
    let kty = member(obj, "kty")?;
    let (rule_id, mut key, thumb_members): (_, _, &[&str]) = match kty {
        "RSA" => {
            let (n, e) = (bytes(obj, "n")?, bytes(obj, "e")?);
            let d = bytes(obj, "d")?;
            let big = |v: &[u8]| BigUint::from_bytes_be(v);
            let validation = match (bytes(obj, "p"), bytes(obj, "q")) {
                (Some(p), Some(q)) => {
                    let crt = [bytes(obj, "dp"), bytes(obj, "dq"), bytes(obj, "qi")]
                        .map(|v| big(&v.unwrap_or_default()));
                    keys::validate_rsa(
                        &big(&n),
                        &big(&e),
                        &big(&d),
                        &big(&p),
                        &big(&q),
                        [&crt[0], &crt[1], &crt[2]],
                    )
                }
                _ => Validation::Unverified(
                    "private exponent without the primes; not checked".to_string(),
                ),
            };
            let mut key =
                ParsedKey::new("rsa-private-key", "rsa", validation, keys::rsa_spki(&n, &e));
            key.info.bits = u32::try_from(big(&n).bits()).ok();
            ("jwk-private-key", key, &["e", "kty", "n"])
        }
        "EC" => {
            let curve = ec_curve(member(obj, "crv")?)?;
            let d = bytes(obj, "d")?;
            let mut point = vec![0x04];
            point.extend(bytes(obj, "x")?);
            point.extend(bytes(obj, "y")?);
            (
                "jwk-private-key",
                keys::ec_key(Some(curve), &d, Some(&point)),
                &["crv", "kty", "x", "y"],
            )
        }
        "OKP" => {
            let curve = okp_curve(member(obj, "crv")?)?;
            let d = bytes(obj, "d")?;
            let x = bytes(obj, "x");
            (
                "jwk-private-key",
                curve.key(&d, x.as_deref()),
                &["crv", "kty", "x"],
            )
        }
        "oct" => {
            let k = bytes(obj, "k")?;
            if k.len() < 16 {
                return None;
            }
            let mut key = ParsedKey::new(
                "symmetric-key",
                "symmetric",
                Validation::Unverified(
                    "a symmetric key cannot be validated on its own".to_string(),
                ),
                None,
            );
            key.info.bits = u32::try_from(k.len() * 8).ok();
            key.secret_fingerprint = Some(keys::sha256_hex(&k));
            ("jwk-symmetric-key", key, &["k", "kty"])
        }
        _ => return None,
    };
    key.info.kid = member(obj, "kid").map(str::to_string);
    key.info.jwk_thumbprint = thumbprint(obj, thumb_members);
    Some(Jwk { rule_id, key })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7638 section 3.1's example key and thumbprint.
    #[test]
    fn rfc7638_thumbprint() {
        let json = r#"{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}"#;
        let obj: Map<String, Value> = serde_json::from_str(json).unwrap();
        assert_eq!(
            thumbprint(&obj, &["e", "kty", "n"]).unwrap(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
        // public only: not a finding
        assert!(parse(&obj).is_none());
    }
}
