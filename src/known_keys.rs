//! Known keys (`--known-keys FILE`): public keys a responder is looking for,
//! such as an identity provider's published signing keys. Any private-key
//! finding whose fingerprint is one of them is marked with the entry's name
//! (JWK `kid`, certificate subject, or file) and raised to critical.
//!
//! Accepted files: PEM `PUBLIC KEY` (SPKI), `RSA PUBLIC KEY` (PKCS#1) and
//! `CERTIFICATE` blocks (any number per file), DER SPKI or certificates, and
//! JWK or JWK Set documents (`{"keys": [...]}`).

use crate::formats::der::DerPrefix;
use crate::formats::jwk;
use crate::keys::{self, Curve};
use crate::model::{Finding, Severity};
use anyhow::Context;
use base64::Engine as _;
use std::collections::HashMap;
use std::path::Path;

/// Fingerprints of known public keys, each with a name for reports.
#[derive(Debug, Default, Clone)]
pub struct KnownKeys {
    by_fingerprint: HashMap<String, String>,
    targets: Vec<KnownTarget>,
}

/// A known public key in the form the in-memory search needs: RSA modulus
/// and exponent, or EC curve and point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KnownPublic {
    /// An RSA public key.
    Rsa {
        /// The modulus.
        n: num_bigint::BigUint,
        /// The public exponent.
        e: num_bigint::BigUint,
    },
    /// An EC public key on a curve keysweep does arithmetic on.
    Ec {
        /// The curve.
        curve: Curve,
        /// The point, uncompressed SEC1 (`04 || X || Y`).
        point: Vec<u8>,
    },
}

/// A known key the in-memory search looks for the private half of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownTarget {
    /// The name reports give it (`kid ...`, `CN=...`, file).
    pub name: String,
    /// Its public half.
    pub public: KnownPublic,
}

impl KnownKeys {
    /// Read every file; a file from which no public key can be read is an error naming it.
    pub fn load(paths: &[std::path::PathBuf]) -> anyhow::Result<KnownKeys> {
        let mut known = KnownKeys::default();
        for path in paths {
            let bytes = std::fs::read(path)
                .with_context(|| format!("reading known keys {}", path.display()))?;
            if known.add_document(&bytes, path) == 0 {
                anyhow::bail!(
                    "{}: no public key, certificate or JWK found",
                    path.display()
                );
            }
        }
        Ok(known)
    }

    /// Add the keys of one document (PEM, DER or JWK text) named `name`.
    pub fn add_document(&mut self, bytes: &[u8], name: &Path) -> usize {
        let found = keys_in(bytes, name);
        let count = found.len();
        for (spki, name) in found {
            let spki = normalize_spki(&spki);
            if let Some(public) = public_of(&spki) {
                self.targets.push(KnownTarget {
                    name: name.clone(),
                    public,
                });
            }
            self.by_fingerprint.insert(keys::sha256_hex(&spki), name);
        }
        count
    }

    /// Number of known public keys.
    pub fn len(&self) -> usize {
        self.by_fingerprint.len()
    }

    /// Whether no key is known.
    pub fn is_empty(&self) -> bool {
        self.by_fingerprint.is_empty()
    }

    /// The RSA and EC keys among them, for the search of their private halves in memory.
    pub fn targets(&self) -> &[KnownTarget] {
        &self.targets
    }

    /// Mark a finding whose key is known.
    pub fn mark(&self, f: &mut Finding) {
        if let Some(name) = f
            .fingerprint
            .as_ref()
            .and_then(|fp| self.by_fingerprint.get(fp))
        {
            f.known_key = Some(name.clone());
            f.severity = Severity::Critical;
        }
    }
}

/// Every public key in a file: `(SPKI DER, name)`.
fn keys_in(bytes: &[u8], path: &Path) -> Vec<(Vec<u8>, String)> {
    let file = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut out = Vec::new();
    // JSON: a JWK Set or one JWK
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) {
        let list: Vec<&serde_json::Value> = match value.get("keys").and_then(|k| k.as_array()) {
            Some(keys) => keys.iter().collect(),
            None => vec![&value],
        };
        for (i, v) in list.into_iter().enumerate() {
            if let Some(obj) = v.as_object()
                && let Some(spki) = jwk::public_spki(obj)
            {
                let kid = obj.get("kid").and_then(|k| k.as_str());
                out.push((
                    spki,
                    kid.map_or_else(|| format!("{file} key {}", i + 1), |k| format!("kid {k}")),
                ));
            }
        }
        return out;
    }
    // PEM blocks
    let text = String::from_utf8_lossy(bytes);
    let mut rest = text.as_ref();
    let mut n = 0;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + 11..];
        let Some(label_end) = after.find("-----") else {
            break;
        };
        let label = &after[..label_end];
        let body_start = &after[label_end + 5..];
        let Some(end) = body_start.find("-----END ") else {
            break;
        };
        let b64: String = body_start[..end]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        rest = body_start[end..].get(9..).unwrap_or_default();
        let Ok(der) = base64::engine::general_purpose::STANDARD.decode(b64) else {
            continue;
        };
        n += 1;
        let spki = match label {
            "PUBLIC KEY" => Some((der, format!("{file} public key {n}"))),
            "RSA PUBLIC KEY" => pkcs1_public(&der).map(|s| (s, format!("{file} public key {n}"))),
            "CERTIFICATE" | "TRUSTED CERTIFICATE" => certificate_spki(&der).map(|(s, subject)| {
                (
                    s,
                    subject.unwrap_or_else(|| format!("{file} certificate {n}")),
                )
            }),
            _ => None,
        };
        out.extend(spki);
    }
    if out.is_empty() && bytes.first() == Some(&0x30) {
        // DER: a certificate or a bare SPKI
        if let Some((spki, subject)) = certificate_spki(bytes) {
            out.push((spki, subject.unwrap_or(file)));
        } else {
            out.push((bytes.to_vec(), file));
        }
    }
    out
}

fn pkcs1_public(der: &[u8]) -> Option<Vec<u8>> {
    use der::Decode;
    let key = pkcs1::RsaPublicKey::from_der(der).ok()?;
    keys::rsa_spki(key.modulus.as_bytes(), key.public_exponent.as_bytes())
}

/// The SubjectPublicKeyInfo of an X.509 certificate, and its subject's CN.
fn certificate_spki(der: &[u8]) -> Option<(Vec<u8>, Option<String>)> {
    let mut r = DerPrefix { buf: der };
    r.header(0x30)?; // Certificate
    r.header(0x30)?; // TBSCertificate
    if r.buf.first() == Some(&0xa0) {
        r.element(0xa0)?; // version
    }
    r.integer()?; // serial
    r.element(0x30)?; // signature algorithm
    r.element(0x30)?; // issuer
    r.element(0x30)?; // validity
    let subject = r.element(0x30)?;
    let before = r.buf;
    r.element(0x30)?; // subjectPublicKeyInfo
    let spki = before.get(..before.len() - r.buf.len())?.to_vec();
    Some((spki, common_name(subject)))
}

/// `CN=...` from a Name, if there is one.
fn common_name(name: &[u8]) -> Option<String> {
    let at = memchr::memmem::find(name, &[0x06, 0x03, 0x55, 0x04, 0x03])? + 5;
    let mut r = DerPrefix {
        buf: name.get(at..)?,
    };
    let tag = *r.buf.first()?;
    let value = r.element(tag)?;
    Some(format!("CN={}", String::from_utf8_lossy(value)))
}

/// The RSA modulus and exponent, or the EC curve and point, of an SPKI.
fn public_of(spki: &[u8]) -> Option<KnownPublic> {
    use der::Decode;
    let parsed = spki::SubjectPublicKeyInfoRef::from_der(spki).ok()?;
    let key = parsed.subject_public_key.raw_bytes();
    if parsed.algorithm.oid == keys::OID_RSA || parsed.algorithm.oid == keys::OID_RSA_PSS {
        let rsa = pkcs1::RsaPublicKey::from_der(key).ok()?;
        return Some(KnownPublic::Rsa {
            n: num_bigint::BigUint::from_bytes_be(rsa.modulus.as_bytes()),
            e: num_bigint::BigUint::from_bytes_be(rsa.public_exponent.as_bytes()),
        });
    }
    if parsed.algorithm.oid == keys::OID_EC {
        let curve = Curve::from_oid(&parsed.algorithm.parameters_oid().ok()?)?;
        let point = curve.public_point_from_sec1(key)?;
        return Some(KnownPublic::Ec { curve, point });
    }
    None
}

/// EC public keys in compressed form are re-encoded uncompressed, as
/// keysweep fingerprints every key, so that both encodings match.
fn normalize_spki(spki: &[u8]) -> Vec<u8> {
    use der::Decode;
    let Ok(parsed) = spki::SubjectPublicKeyInfoRef::from_der(spki) else {
        return spki.to_vec();
    };
    if parsed.algorithm.oid != keys::OID_EC {
        return spki.to_vec();
    }
    let curve = parsed
        .algorithm
        .parameters_oid()
        .ok()
        .as_ref()
        .and_then(Curve::from_oid);
    let point = parsed.subject_public_key.raw_bytes();
    match curve {
        Some(c) if point.first() != Some(&0x04) => c
            .public_point_from_sec1(point)
            .and_then(|p| keys::ec_spki(c, &p))
            .unwrap_or_else(|| spki.to_vec()),
        _ => spki.to_vec(),
    }
}
