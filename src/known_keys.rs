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
    /// Read every file, and every file of every folder (walked in sorted
    /// order); an entry that is not a usable key is an error naming the
    /// file and the entry, so a key never silently goes unsearched.
    pub fn load(paths: &[std::path::PathBuf]) -> anyhow::Result<KnownKeys> {
        let mut known = KnownKeys::default();
        let mut files = Vec::new();
        for path in paths {
            collect_files(path, &mut files)
                .with_context(|| format!("reading known keys {}", path.display()))?;
        }
        for path in files {
            let bytes = std::fs::read(&path)
                .with_context(|| format!("reading known keys {}", path.display()))?;
            match known.add_document(&bytes, &path) {
                Ok(0) => anyhow::bail!("{}: no public key found", path.display()),
                Ok(_) => {}
                Err(e) => anyhow::bail!("{}: {e}", path.display()),
            }
        }
        Ok(known)
    }

    /// Add the keys of one document (PEM, DER, JWK, or OpenSSH public key
    /// lines) named `name`; an entry that is not a key is an error.
    pub fn add_document(&mut self, bytes: &[u8], name: &Path) -> Result<usize, String> {
        let found = keys_in(bytes, name)?;
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
        Ok(count)
    }

    /// Every known key: its fingerprint and name, sorted by name.
    pub fn entries(&self) -> Vec<(&str, &str)> {
        let mut all: Vec<(&str, &str)> = self
            .by_fingerprint
            .iter()
            .map(|(fp, name)| (fp.as_str(), name.as_str()))
            .collect();
        all.sort_by(|a, b| (a.1, a.0).cmp(&(b.1, b.0)));
        all
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

/// The files at `path`: itself, or every file beneath it, sorted.
fn collect_files(path: &Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    if !std::fs::metadata(path)?.is_dir() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<_> = std::fs::read_dir(path)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for e in entries {
        collect_files(&e, out)?;
    }
    Ok(())
}

/// Every public key in a document: `(SPKI DER, name)`, or what is wrong
/// with the first entry that is not one.
fn keys_in(bytes: &[u8], path: &Path) -> Result<Vec<(Vec<u8>, String)>, String> {
    let file = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let text = String::from_utf8_lossy(bytes);
    let trimmed = text.trim_start();
    // JSON: a JWK Set or one JWK; every entry must be a public key
    if trimmed.starts_with('{') {
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| format!("not valid JSON: {e}"))?;
        let list: Vec<&serde_json::Value> = match value.get("keys").and_then(|k| k.as_array()) {
            Some(keys) => keys.iter().collect(),
            None => vec![&value],
        };
        let mut out = Vec::new();
        for (i, v) in list.into_iter().enumerate() {
            let kid = v.get("kid").and_then(|k| k.as_str());
            let entry = kid.map_or_else(
                || format!("key {}", i + 1),
                |k| format!("key {} (kid {k})", i + 1),
            );
            let spki = v.as_object().and_then(jwk::public_spki).ok_or_else(|| {
                format!("{entry}: not an RSA, EC or OKP public key keysweep can read")
            })?;
            out.push((
                spki,
                kid.map_or_else(|| format!("{file} key {}", i + 1), |k| format!("kid {k}")),
            ));
        }
        return Ok(out);
    }
    // OpenSSH public keys, one a line (`ssh-ed25519 AAAA... comment`)
    if trimmed.starts_with("ssh-") || trimmed.starts_with("ecdsa-sha2-") {
        let mut out = Vec::new();
        for (i, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let mut fields = line.split_whitespace();
            let (_, blob) = (fields.next(), fields.next());
            let comment = fields.collect::<Vec<_>>().join(" ");
            let spki = blob
                .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
                .and_then(|b| crate::formats::openssh::from_public_blob(&b).ok())
                .and_then(|k| k.spki)
                .ok_or_else(|| format!("line {}: not an OpenSSH public key", i + 1))?;
            let name = if comment.is_empty() {
                format!("{file} line {}", i + 1)
            } else {
                comment
            };
            out.push((spki, name));
        }
        return Ok(out);
    }
    // PEM blocks: public keys, certificates, and private keys (their public half)
    if text.contains("-----BEGIN ") {
        let mut out = Vec::new();
        let mut rest = text.as_ref();
        let mut n = 0;
        while let Some(start) = rest.find("-----BEGIN ") {
            n += 1;
            let after = &rest[start + 11..];
            let label = after
                .find("-----")
                .map(|e| &after[..e])
                .ok_or(format!("PEM block {n}: BEGIN line cut off"))?;
            let body = &after[label.len() + 5..];
            let end = body
                .find("-----END ")
                .ok_or(format!("PEM block {n} ({label}): no END line (truncated?)"))?;
            let b64: String = body[..end].chars().filter(|c| !c.is_whitespace()).collect();
            rest = body[end..].get(9..).unwrap_or_default();
            let der = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|e| format!("PEM block {n} ({label}): body is not base64 ({e})"))?;
            let bad = |what: &str| format!("PEM block {n} ({label}): {what}");
            let spki = match label {
                "PUBLIC KEY" => {
                    spki_checked(&der).ok_or_else(|| bad("not a SubjectPublicKeyInfo"))?
                }
                "RSA PUBLIC KEY" => {
                    pkcs1_public(&der).ok_or_else(|| bad("not a PKCS#1 public key"))?
                }
                "CERTIFICATE" | "TRUSTED CERTIFICATE" => {
                    let (spki, subject) =
                        certificate_spki(&der).ok_or_else(|| bad("not an X.509 certificate"))?;
                    out.push((
                        spki,
                        subject.unwrap_or_else(|| format!("{file} certificate {n}")),
                    ));
                    continue;
                }
                l if l.ends_with("PRIVATE KEY") => private_public_half(label, &der)
                    .ok_or_else(|| bad("no public key can be derived from it"))?,
                _ => return Err(bad("not a public key, certificate or private key")),
            };
            out.push((spki, format!("{file} {} {n}", label.to_ascii_lowercase())));
        }
        return Ok(out);
    }
    // DER: a certificate or a bare SPKI
    if let Some((spki, subject)) = certificate_spki(bytes) {
        return Ok(vec![(spki, subject.unwrap_or(file))]);
    }
    spki_checked(bytes)
        .map(|spki| vec![(spki, file)])
        .ok_or_else(|| "no public key, certificate, JWK or OpenSSH public key found".to_string())
}

/// `der` if it is a SubjectPublicKeyInfo.
fn spki_checked(der: &[u8]) -> Option<Vec<u8>> {
    use der::Decode;
    spki::SubjectPublicKeyInfoRef::from_der(der).ok()?;
    Some(der.to_vec())
}

/// The public key of a private key in PEM `label` form.
fn private_public_half(label: &str, der: &[u8]) -> Option<Vec<u8>> {
    use crate::formats::pkcs;
    let key = match label {
        "RSA PRIVATE KEY" => pkcs::pkcs1(der).ok()?,
        "EC PRIVATE KEY" => pkcs::sec1(der, None).ok()?,
        "DSA PRIVATE KEY" => pkcs::dsa_openssl(der).ok()?,
        "OPENSSH PRIVATE KEY" => crate::formats::openssh::parse(der).ok()?,
        _ => pkcs::pkcs8(der).ok()?,
    };
    key.spki
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
