//! PuTTY private key files (PPK v2 and v3). The public key sits in clear
//! (SSH wire format), so every PPK gets a fingerprint; an unencrypted one holds
//! its private values in clear and is validated against the public half.

use super::openssh::{Wire, from_public_blob};
use crate::keys::{self, Curve, Edwards, ParsedKey, Validation};
use base64::Engine as _;

/// A decoded PPK: the key and how many characters of text it spans.
#[derive(Debug)]
pub struct Ppk {
    /// The key it holds.
    pub key: ParsedKey,
    /// Characters of text the file spans.
    pub chars: usize,
}

/// Parse a PPK starting at `text[0]` (`PuTTY-User-Key-File-`); `None` when
/// the text is not a whole, well-formed file.
pub fn parse(text: &[u8]) -> Option<Ppk> {
    let mut lines = Lines { text, pos: 0 };
    let header = lines.next()?;
    let rest = header.strip_prefix(b"PuTTY-User-Key-File-")?;
    let (version, key_type) = split_field(rest)?;
    if version != b"2" && version != b"3" {
        return None;
    }
    let mut encryption: &[u8] = b"none";
    let mut public = None;
    let mut private = None;
    let mut mac_seen = false;
    while let Some(line) = lines.next() {
        let (name, value) = split_field(line)?;
        match name {
            b"Encryption" => encryption = value,
            b"Public-Lines" => public = Some(lines.base64_block(value)?),
            b"Private-Lines" => private = Some(lines.base64_block(value)?),
            b"Private-MAC" => {
                mac_seen = true;
                break;
            }
            _ => {} // Comment, Key-Derivation, Argon2-*
        }
    }
    let (public, private) = (public?, private?);
    if !mac_seen {
        return None;
    }
    let mut key = from_public_blob(&public).ok()?;
    if encryption != b"none" {
        let cipher = String::from_utf8_lossy(encryption).into_owned();
        let enc = key.into_encrypted(format!("PPK private part encrypted with {cipher}"));
        return Some(Ppk {
            key: enc,
            chars: lines.pos,
        });
    }
    let validation = validate(key_type, &public, &private, &key)
        .unwrap_or_else(|| Validation::Failed("private part malformed".to_string()));
    key.set_validation(validation);
    Some(Ppk {
        key,
        chars: lines.pos,
    })
}

/// `Name: value` (one space after the colon).
fn split_field(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let colon = line.iter().position(|&b| b == b':')?;
    let value = line.get(colon + 1..)?;
    Some((&line[..colon], value.strip_prefix(b" ").unwrap_or(value)))
}

struct Lines<'a> {
    text: &'a [u8],
    pos: usize,
}

impl<'a> Lines<'a> {
    fn next(&mut self) -> Option<&'a [u8]> {
        let rest = self.text.get(self.pos..)?;
        if rest.is_empty() {
            return None;
        }
        let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        self.pos += (end + 1).min(rest.len());
        let line = &rest[..end];
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    }

    /// `count` lines of base64, decoded together.
    fn base64_block(&mut self, count: &[u8]) -> Option<Vec<u8>> {
        let n: usize = std::str::from_utf8(count).ok()?.trim().parse().ok()?;
        if n == 0 || n > 512 {
            return None;
        }
        let mut b64 = Vec::new();
        for _ in 0..n {
            b64.extend_from_slice(self.next()?);
        }
        base64::engine::general_purpose::STANDARD.decode(&b64).ok()
    }
}

/// Check the clear private part against the public key.
fn validate(key_type: &[u8], public: &[u8], private: &[u8], key: &ParsedKey) -> Option<Validation> {
    let mut pubw = Wire { buf: public };
    pubw.string()?; // key type
    let mut p = Wire { buf: private };
    let derived = match key_type {
        b"ssh-ed25519" => {
            let public_key = pubw.string()?;
            Edwards::Ed25519.key(p.string()?, Some(public_key))
        }
        b"ssh-rsa" => {
            let (e, n) = (pubw.mpint()?, pubw.mpint()?);
            let (d, pp, q, iqmp) = (p.mpint()?, p.mpint()?, p.mpint()?, p.mpint()?);
            let v = keys::validate_rsa_iqmp(n, e, d, pp, q, iqmp);
            return Some(v);
        }
        t if t.starts_with(b"ecdsa-sha2-") => {
            let curve = Curve::from_ssh_name(pubw.string()?)?;
            let point = pubw.string()?;
            keys::ec_key_from_integer(curve, p.mpint()?, Some(point))?
        }
        b"ssh-dss" => {
            let (pp, q, g, y) = (pubw.mpint()?, pubw.mpint()?, pubw.mpint()?, pubw.mpint()?);
            keys::dsa_key(pp, q, g, Some(y), p.mpint()?)
        }
        _ => {
            return Some(Validation::Unverified(
                "PPK key type not decoded".to_string(),
            ));
        }
    };
    Some(match derived.validation {
        Validation::Valid if derived.spki != key.spki => {
            Validation::Failed("private part does not match the public key".to_string())
        }
        other => other,
    })
}
