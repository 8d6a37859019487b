//! Reading DER from memory: element headers checked against the bytes that
//! are actually there, the head of a structure whose tail was cut off, and the
//! recognition of a private-key structure at a given offset (PKCS#1, PKCS#8 /
//! OneAsymmetricKey, SEC1, OpenSSL DSA, EncryptedPrivateKeyInfo, PKCS#12).

use super::pkcs;
use crate::keys::{self, ParsedKey};

/// `n` and `e` from the start of a (possibly cut-off) PKCS#1 key, or a PKCS#8
/// wrapper around one.
pub fn rsa_public_prefix(der: &[u8], pkcs8: bool) -> Option<(&[u8], &[u8])> {
    let mut r = DerPrefix { buf: der };
    r.header(0x30)?;
    r.integer()?; // version
    if pkcs8 {
        let alg = r.element(0x30)?;
        // rsaEncryption, or this is not an RSA key
        memchr::memmem::find(alg, &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01])?;
        r.header(0x04)?;
        r.header(0x30)?;
        r.integer()?;
    }
    let n = r.integer()?;
    let e = r.integer()?;
    let strip = |v: &'_ [u8]| -> usize { v.iter().take_while(|&&b| b == 0).count() };
    Some((&n[strip(n)..], &e[strip(e)..]))
}

/// Just enough DER to walk the head of a structure whose tail may be missing.
pub struct DerPrefix<'a> {
    /// The bytes not read yet.
    pub buf: &'a [u8],
}

impl<'a> DerPrefix<'a> {
    /// Read a tag and length; returns the declared length.
    pub fn header(&mut self, tag: u8) -> Option<usize> {
        let (&t, rest) = self.buf.split_first()?;
        if t != tag {
            return None;
        }
        let (&l0, mut rest) = rest.split_first()?;
        let len = if l0 < 0x80 {
            usize::from(l0)
        } else {
            let n = usize::from(l0 & 0x7f);
            if n == 0 || n > 4 || rest.len() < n {
                return None;
            }
            let v = rest[..n]
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            rest = &rest[n..];
            v
        };
        self.buf = rest;
        Some(len)
    }

    /// A whole element's content; fails if it is not all there.
    pub fn element(&mut self, tag: u8) -> Option<&'a [u8]> {
        let len = self.header(tag)?;
        if len > self.buf.len() {
            return None;
        }
        let (v, rest) = self.buf.split_at(len);
        self.buf = rest;
        Some(v)
    }

    /// An INTEGER's content bytes, whole.
    pub fn integer(&mut self) -> Option<&'a [u8]> {
        self.element(0x02)
    }
}

/// Largest DER private-key structure considered (a PKCS#12 file with a
/// certificate chain is tens of KiB; an RSA-16384 key about 9 KiB).
pub const MAX_DER: usize = 1 << 20;

/// A private-key structure recognised at an offset.
#[derive(Debug)]
pub struct DerKey {
    /// Bytes the structure spans (up to the end of the bytes given, when cut off).
    pub len: usize,
    /// The rule that reports this structure.
    pub rule_id: &'static str,
    /// The key it holds.
    pub key: ParsedKey,
}

/// PKCS#7 `data` and `signedData` content types, which open a PFX's authSafe.
const OID_PKCS7_DATA: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01,
];
const OID_PKCS7_SIGNED: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02,
];
/// PBES2, PBES1 (two), and the PKCS#12 PBE family prefix.
const PBE_OIDS: [&[u8]; 4] = [
    &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0d],
    &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x03],
    &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0a],
    &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01],
];

/// Recognise a DER private-key structure starting at `bytes[0]`: PKCS#1,
/// OpenSSL DSA, PKCS#8 / OneAsymmetricKey, SEC1, EncryptedPrivateKeyInfo or
/// PKCS#12. Every length is checked against the bytes present before
/// anything is parsed. A structure cut off by the end of `bytes` is reported
/// only when it still tells which key it was (an RSA modulus that survived).
/// `None` means "not a private key", including structures that do not parse.
pub fn private_key_at(bytes: &[u8]) -> Option<DerKey> {
    let mut r = DerPrefix { buf: bytes };
    let content_len = r.header(0x30)?;
    let header_len = bytes.len() - r.buf.len();
    if !(8..=MAX_DER).contains(&content_len) {
        return None;
    }
    let total = header_len + content_len;
    let body = r.buf;
    let complete = total <= bytes.len();
    let exact = bytes.get(..total);

    let shape = match body.first()? {
        0x02 => {
            let mut c = DerPrefix { buf: body };
            let version = c.integer()?;
            match (version, c.buf.first()?) {
                ([0], 0x02) => Shape::Pkcs1OrDsa,
                ([0] | [1], 0x30) => Shape::Pkcs8,
                ([1], 0x04) => Shape::Sec1,
                ([3], 0x30) => Shape::Pkcs12,
                _ => return None,
            }
        }
        0x30 => {
            let mut c = DerPrefix { buf: body };
            let alg = c.element(0x30)?;
            let oid = DerPrefix { buf: alg }.element(0x06)?;
            if !PBE_OIDS.iter().any(|p| oid.starts_with(p)) || c.buf.first() != Some(&0x04) {
                return None;
            }
            Shape::Encrypted
        }
        _ => return None,
    };

    if !complete {
        let pkcs8 = match shape {
            Shape::Pkcs1OrDsa => false,
            Shape::Pkcs8 => true,
            _ => return None,
        };
        let (n, e) = rsa_public_prefix(bytes, pkcs8)?;
        let mut key = ParsedKey::new(
            "rsa-private-key",
            "rsa",
            keys::Validation::Unverified(format!(
                "structure cut off after {} of {total} bytes",
                bytes.len()
            )),
            keys::rsa_spki(n, e),
        );
        key.info.truncated = true;
        key.info.bits = u32::try_from(num_bigint::BigUint::from_bytes_be(n).bits()).ok();
        let rule_id = if pkcs8 {
            "der-pkcs8-private-key"
        } else {
            "der-pkcs1-rsa-private-key"
        };
        return Some(DerKey {
            len: bytes.len(),
            rule_id,
            key,
        });
    }
    let der = exact?;
    let (rule_id, key) = match shape {
        Shape::Pkcs1OrDsa => match pkcs::pkcs1(der) {
            Ok(key) => ("der-pkcs1-rsa-private-key", key),
            Err(_) => ("der-dsa-private-key", pkcs::dsa_openssl(der).ok()?),
        },
        Shape::Pkcs8 => ("der-pkcs8-private-key", pkcs::pkcs8(der).ok()?),
        // a bare scalar with no curve and no public point says too little to report
        Shape::Sec1 => (
            "der-sec1-ec-private-key",
            pkcs::sec1(der, None).ok().filter(|k| k.spki.is_some())?,
        ),
        Shape::Encrypted => (
            "der-encrypted-private-key",
            pkcs::encrypted_pkcs8(der).ok()?,
        ),
        Shape::Pkcs12 => {
            // version 3, then a ContentInfo of type data or signedData
            let head = body.get(..body.len().min(24))?;
            if memchr::memmem::find(head, OID_PKCS7_DATA).is_none()
                && memchr::memmem::find(head, OID_PKCS7_SIGNED).is_none()
            {
                return None;
            }
            let mut key = ParsedKey::new(
                "pkcs12",
                "pkcs12",
                keys::Validation::Unverified(
                    "PKCS#12 container: its keys are protected by the file's password".to_string(),
                ),
                None,
            );
            key.info.encrypted = true;
            ("der-pkcs12", key)
        }
    };
    Some(DerKey {
        len: total,
        rule_id,
        key,
    })
}

#[derive(Debug, Clone, Copy)]
enum Shape {
    Pkcs1OrDsa,
    Pkcs8,
    Sec1,
    Encrypted,
    Pkcs12,
}
