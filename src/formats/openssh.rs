//! OpenSSH `openssh-key-v1` private keys (PROTOCOL.key).
//!
//! The public key sits unencrypted in front of the private section, so even an
//! encrypted key gets a fingerprint. Unencrypted keys are validated against it.

use crate::keys::{self, Curve, ParsedKey, Validation};
use num_bigint::BigUint;

const MAGIC: &[u8] = b"openssh-key-v1\0";

/// Bounds-checked reader of SSH wire types.
pub(crate) struct Wire<'a> {
    pub(crate) buf: &'a [u8],
}

impl<'a> Wire<'a> {
    pub(crate) fn u32(&mut self) -> Option<u32> {
        let (head, rest) = self.buf.split_first_chunk::<4>()?;
        self.buf = rest;
        Some(u32::from_be_bytes(*head))
    }

    pub(crate) fn string(&mut self) -> Option<&'a [u8]> {
        let len = self.u32()? as usize;
        if len > self.buf.len() {
            return None;
        }
        let (s, rest) = self.buf.split_at(len);
        self.buf = rest;
        Some(s)
    }

    /// An mpint without its sign byte.
    pub(crate) fn mpint(&mut self) -> Option<&'a [u8]> {
        let s = self.string()?;
        let skip = s.iter().take_while(|&&b| b == 0).count();
        s.get(skip..)
    }
}

/// Decode an `openssh-key-v1` blob (the base64-decoded body of an
/// `OPENSSH PRIVATE KEY` PEM block).
pub fn parse(blob: &[u8]) -> Result<ParsedKey, String> {
    parse_prefix(blob).map(|(key, _)| key)
}

/// Decode an `openssh-key-v1` structure at the start of `blob` (which may
/// continue with unrelated bytes, as in memory); returns the key and how many
/// bytes the structure spans.
pub fn parse_prefix(blob: &[u8]) -> Result<(ParsedKey, usize), String> {
    let rest = blob
        .strip_prefix(MAGIC)
        .ok_or("missing openssh-key-v1 magic")?;
    let mut w = Wire { buf: rest };
    let err = || "openssh-key-v1 structure truncated or malformed".to_string();
    let cipher = w.string().ok_or_else(err)?;
    let _kdf = w.string().ok_or_else(err)?;
    let _kdf_options = w.string().ok_or_else(err)?;
    let count = w.u32().ok_or_else(err)?;
    if count != 1 {
        return Err(format!(
            "{count} keys in one openssh-key-v1 container; only single-key files are decoded"
        ));
    }
    let public_blob = w.string().ok_or_else(err)?;
    let private = w.string().ok_or_else(err)?;
    let span = blob.len() - w.buf.len();
    let mut key = from_public_blob(public_blob)?;
    if cipher != b"none" {
        let cipher = String::from_utf8_lossy(cipher).into_owned();
        return Ok((
            key.into_encrypted(format!("private section encrypted with {cipher}")),
            span,
        ));
    }
    let mut p = Wire { buf: private };
    let (c1, c2) = (p.u32().ok_or_else(err)?, p.u32().ok_or_else(err)?);
    if c1 != c2 {
        return Err("checkints differ: private section is corrupt".to_string());
    }
    let key_type = p.string().ok_or_else(err)?;
    let validated = validate_private(key_type, &mut p, &key).ok_or_else(err)?;
    key.set_validation(validated);
    Ok((key, span))
}

/// The key as its public half describes it, validation pending.
pub(crate) fn from_public_blob(blob: &[u8]) -> Result<ParsedKey, String> {
    let mut w = Wire { buf: blob };
    let err = || "SSH public key blob malformed".to_string();
    let key_type = w.string().ok_or_else(err)?;
    let pending = || Validation::Unverified("private section not checked".to_string());
    match key_type {
        b"ssh-ed25519" => {
            let public = w.string().ok_or_else(err)?;
            let spki = keys::spki_der(
                spki::AlgorithmIdentifierOwned {
                    oid: keys::OID_ED25519,
                    parameters: None,
                },
                public,
            );
            Ok(ParsedKey::new(
                "ed25519-private-key",
                "ed25519",
                pending(),
                spki,
            ))
        }
        b"ssh-rsa" => {
            let e = w.mpint().ok_or_else(err)?;
            let n = w.mpint().ok_or_else(err)?;
            let mut key = ParsedKey::new("rsa-private-key", "rsa", pending(), keys::rsa_spki(n, e));
            key.info.bits = u32::try_from(BigUint::from_bytes_be(n).bits()).ok();
            Ok(key)
        }
        t if t.starts_with(b"ecdsa-sha2-") => {
            let curve_name = w.string().ok_or_else(err)?;
            let point = w.string().ok_or_else(err)?;
            let curve = Curve::from_ssh_name(curve_name).ok_or("unsupported ECDSA curve")?;
            let mut key = ParsedKey::new(
                "ec-private-key",
                "ec",
                pending(),
                keys::ec_spki(curve, point),
            );
            key.info.curve = Some(curve.name().to_string());
            Ok(key)
        }
        b"ssh-dss" => {
            let (p, q, g, y) = (w.mpint(), w.mpint(), w.mpint(), w.mpint());
            let (Some(p), Some(q), Some(g), Some(y)) = (p, q, g, y) else {
                return Err(err());
            };
            let mut key = ParsedKey::new(
                "dsa-private-key",
                "dsa",
                pending(),
                keys::dsa_spki(p, q, g, y),
            );
            key.info.bits = u32::try_from(BigUint::from_bytes_be(p).bits()).ok();
            Ok(key)
        }
        other => Ok(ParsedKey::new(
            "private-key",
            &String::from_utf8_lossy(other),
            Validation::Unverified("SSH key type not decoded".to_string()),
            None,
        )),
    }
}

/// Check the private fields against the public key; `None` when they are malformed.
fn validate_private(key_type: &[u8], p: &mut Wire<'_>, key: &ParsedKey) -> Option<Validation> {
    let public_spki = key.spki.clone();
    let derived = match key_type {
        b"ssh-ed25519" => {
            let _public = p.string()?;
            let secret = p.string()?;
            let seed = secret.get(..32)?;
            keys::ed25519_key(seed, secret.get(32..))
        }
        b"ssh-rsa" => {
            let (n, e, d, iqmp, pp, q) = (
                p.mpint()?,
                p.mpint()?,
                p.mpint()?,
                p.mpint()?,
                p.mpint()?,
                p.mpint()?,
            );
            let v = keys::validate_rsa_iqmp(n, e, d, pp, q, iqmp);
            ParsedKey::new("rsa-private-key", "rsa", v, keys::rsa_spki(n, e))
        }
        t if t.starts_with(b"ecdsa-sha2-") => {
            let curve = Curve::from_ssh_name(p.string()?)?;
            let point = p.string()?;
            keys::ec_key_from_integer(curve, p.mpint()?, Some(point))?
        }
        b"ssh-dss" => {
            let (pp, q, g, y, x) = (p.mpint()?, p.mpint()?, p.mpint()?, p.mpint()?, p.mpint()?);
            keys::dsa_key(pp, q, g, Some(y), x)
        }
        _ => {
            return Some(Validation::Unverified(
                "SSH key type not decoded".to_string(),
            ));
        }
    };
    Some(match derived.validation {
        Validation::Valid if derived.spki != public_spki => {
            Validation::Failed("private key does not match the stored public key".to_string())
        }
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string(out: &mut Vec<u8>, s: &[u8]) {
        out.extend_from_slice(&(s.len() as u32).to_be_bytes());
        out.extend_from_slice(s);
    }

    /// A hostile key with p = 0 (and garbage elsewhere) is reported as not
    /// validating; nothing divides by zero.
    #[test]
    fn rsa_key_with_zero_prime_fails_validation_without_panicking() {
        let (n, e) = (vec![0xc5u8; 128], vec![1u8, 0, 1]);
        let mut public = Vec::new();
        string(&mut public, b"ssh-rsa");
        string(&mut public, &e);
        string(&mut public, &n);
        let mut private = vec![1, 2, 3, 4, 1, 2, 3, 4];
        string(&mut private, b"ssh-rsa");
        for field in [
            &n[..],
            &e[..],
            &[7u8; 128][..],
            &[3u8][..],
            &[][..],
            &[5u8; 64][..],
        ] {
            string(&mut private, field); // n, e, d, iqmp, p (empty: zero), q
        }
        string(&mut private, b"comment");
        let mut blob = MAGIC.to_vec();
        string(&mut blob, b"none");
        string(&mut blob, b"none");
        string(&mut blob, b"");
        blob.extend_from_slice(&1u32.to_be_bytes());
        string(&mut blob, &public);
        string(&mut blob, &private);
        let key = parse(&blob).unwrap();
        assert!(matches!(key.validation, Validation::Failed(_)));
        assert!(!key.info.validated);
    }
}
