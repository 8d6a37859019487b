//! OpenPGP secret-key packets (RFC 4880 section 5.5.3, RFC 9580), as found in the
//! body of a `PGP PRIVATE KEY BLOCK`.
//!
//! The primary key's public material gives the fingerprint (as the SPKI of the
//! same key, so that it matches what the key is elsewhere); when the secret
//! part is not passphrase-protected it is validated against it.

use crate::keys::{self, Curve, ParsedKey, Validation};
use num_bigint::BigUint;

const TAG_SECRET_KEY: u8 = 5;
const TAG_SECRET_SUBKEY: u8 = 7;
const OID_ED25519_LEGACY: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0xda, 0x47, 0x0f, 0x01];

struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.buf.len() {
            return None;
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Some(head)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    /// An MPI: a 16-bit bit count and the big-endian bytes.
    fn mpi(&mut self) -> Option<&'a [u8]> {
        let bits = self.take(2)?;
        let bits = usize::from(u16::from_be_bytes([bits[0], bits[1]]));
        self.take(bits.div_ceil(8))
    }
}

/// The first packet of an OpenPGP message: `(tag, body)`.
fn first_packet(data: &[u8]) -> Option<(u8, &[u8])> {
    packet_header(data).map(|(tag, header, len)| {
        let body = &data[header..];
        // a block cut short keeps what is there
        (tag, body.get(..len).unwrap_or(body))
    })
}

/// A packet header: `(tag, header length, declared body length)`.
fn packet_header(data: &[u8]) -> Option<(u8, usize, usize)> {
    let mut r = Reader { buf: data };
    let head = r.u8()?;
    if head & 0x80 == 0 {
        return None;
    }
    let (tag, len) = if head & 0x40 != 0 {
        let tag = head & 0x3f;
        let o1 = usize::from(r.u8()?);
        let len = match o1 {
            0..=191 => o1,
            192..=223 => ((o1 - 192) << 8) + usize::from(r.u8()?) + 192,
            255 => {
                let b = r.take(4)?;
                u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize
            }
            _ => return None, // partial lengths are not used for key packets
        };
        (tag, len)
    } else {
        let tag = (head >> 2) & 0x0f;
        let len = match head & 3 {
            0 => usize::from(r.u8()?),
            1 => {
                let b = r.take(2)?;
                usize::from(u16::from_be_bytes([b[0], b[1]]))
            }
            2 => {
                let b = r.take(4)?;
                u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize
            }
            _ => r.buf.len(),
        };
        (tag, len)
    };
    Some((tag, data.len() - r.buf.len(), len))
}

/// A whole v4 secret-key or secret-subkey packet at `data[0]`, as programs
/// hold OpenPGP keys in memory once the armour is gone: `(length, key)`.
/// Only packets whose body is entirely present are read.
pub fn secret_key_packet_at(data: &[u8]) -> Option<(usize, ParsedKey)> {
    let (tag, header, len) = packet_header(data)?;
    if tag != TAG_SECRET_KEY && tag != TAG_SECRET_SUBKEY || !(40..=1 << 16).contains(&len) {
        return None;
    }
    let total = header.checked_add(len)?;
    let body = data.get(header..total)?;
    if body.first() != Some(&4) {
        return None;
    }
    let key = parse(data.get(..total)?).ok()?;
    // a structure that decodes to nothing checkable is not evidence enough in binary memory
    key.spki.as_ref()?;
    Some((total, key))
}

/// Decode the primary secret key of an OpenPGP transferable secret key.
pub fn parse(data: &[u8]) -> Result<ParsedKey, String> {
    let (tag, body) = first_packet(data).ok_or("not an OpenPGP packet")?;
    if tag != TAG_SECRET_KEY && tag != TAG_SECRET_SUBKEY {
        return Err(format!(
            "first OpenPGP packet has tag {tag}, not a secret key"
        ));
    }
    let mut r = Reader { buf: body };
    let err = || "OpenPGP secret-key packet truncated or malformed".to_string();
    let version = r.u8().ok_or_else(err)?;
    if version != 4 {
        return Ok(unsupported(&format!(
            "OpenPGP v{version} key packet not decoded"
        )));
    }
    r.take(4).ok_or_else(err)?; // creation time
    let algo = r.u8().ok_or_else(err)?;
    match algo {
        1..=3 => rsa(&mut r).ok_or_else(err),
        22 => eddsa(&mut r).ok_or_else(err),
        19 => ecdsa(&mut r).ok_or_else(err),
        18 => ecdh(&mut r).ok_or_else(err),
        other => Ok(unsupported(&format!(
            "OpenPGP public-key algorithm {other} not decoded"
        ))),
    }
}

fn unsupported(why: &str) -> ParsedKey {
    ParsedKey::new(
        "pgp-private-key",
        "pgp",
        Validation::Unverified(why.to_string()),
        None,
    )
}

/// After the public fields: the S2K usage octet; 0 means the secret MPIs follow in clear.
fn secret_in_clear(r: &mut Reader<'_>) -> Option<bool> {
    Some(r.u8()? == 0)
}

fn protected(key: ParsedKey) -> ParsedKey {
    key.into_encrypted("secret key material is passphrase-protected".to_string())
}

fn rsa(r: &mut Reader<'_>) -> Option<ParsedKey> {
    let (n, e) = (r.mpi()?, r.mpi()?);
    let spki = keys::rsa_spki(n, e);
    let mut key = ParsedKey::new(
        "rsa-private-key",
        "rsa",
        Validation::Unverified(String::new()),
        spki,
    );
    key.info.bits = u32::try_from(BigUint::from_bytes_be(n).bits()).ok();
    if !secret_in_clear(r)? {
        return Some(protected(key));
    }
    let (d, p, q, _u) = (r.mpi()?, r.mpi()?, r.mpi()?, r.mpi()?);
    let big = BigUint::from_bytes_be;
    let zero = BigUint::default();
    key.set_validation(keys::validate_rsa(
        &big(n),
        &big(e),
        &big(d),
        &big(p),
        &big(q),
        [&zero, &zero, &zero],
    ));
    Some(key)
}

fn curve_oid<'a>(r: &mut Reader<'a>) -> Option<&'a [u8]> {
    let len = usize::from(r.u8()?);
    r.take(len)
}

fn eddsa(r: &mut Reader<'_>) -> Option<ParsedKey> {
    let oid = curve_oid(r)?;
    let point = r.mpi()?;
    if oid != OID_ED25519_LEGACY {
        return Some(unsupported("EdDSA curve other than Ed25519"));
    }
    let public = point.strip_prefix(&[0x40])?;
    let spki = keys::spki_der(
        spki::AlgorithmIdentifierOwned {
            oid: keys::OID_ED25519,
            parameters: None,
        },
        public,
    );
    let key = ParsedKey::new(
        "ed25519-private-key",
        "ed25519",
        Validation::Unverified(String::new()),
        spki,
    );
    if !secret_in_clear(r)? {
        return Some(protected(key));
    }
    let seed = left_pad(r.mpi()?, 32)?;
    Some(keys::ed25519_key(&seed, Some(public)))
}

const OID_CV25519: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x97, 0x55, 0x01, 0x05, 0x01];

/// ECDH (algorithm 18) on Curve25519: the secret MPI is the X25519 scalar
/// in big-endian order (RFC 4880bis); other curves are not decoded.
fn ecdh(r: &mut Reader<'_>) -> Option<ParsedKey> {
    let oid = curve_oid(r)?;
    let point = r.mpi()?;
    let _kdf = {
        let len = usize::from(r.u8()?);
        r.take(len)?
    };
    if oid != OID_CV25519 {
        return Some(unsupported("ECDH curve other than Curve25519"));
    }
    let public = point.strip_prefix(&[0x40])?;
    let spki = keys::spki_der(
        spki::AlgorithmIdentifierOwned {
            oid: keys::OID_X25519,
            parameters: None,
        },
        public,
    );
    let key = ParsedKey::new(
        "x25519-private-key",
        "x25519",
        Validation::Unverified(String::new()),
        spki,
    );
    if !secret_in_clear(r)? {
        return Some(protected(key));
    }
    let mut native = left_pad(r.mpi()?, 32)?;
    native.reverse();
    Some(keys::Edwards::X25519.key(&native, Some(public)))
}

fn ecdsa(r: &mut Reader<'_>) -> Option<ParsedKey> {
    let oid = curve_oid(r)?;
    let point = r.mpi()?;
    let curve = match oid {
        [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07] => Curve::P256,
        [0x2b, 0x81, 0x04, 0x00, 0x22] => Curve::P384,
        [0x2b, 0x81, 0x04, 0x00, 0x23] => Curve::P521,
        _ => return Some(unsupported("ECDSA curve not decoded")),
    };
    let mut key = ParsedKey::new(
        "ec-private-key",
        "ec",
        Validation::Unverified(String::new()),
        keys::ec_spki(curve, point),
    );
    key.info.curve = Some(curve.name().to_string());
    if !secret_in_clear(r)? {
        return Some(protected(key));
    }
    keys::ec_key_from_integer(curve, r.mpi()?, Some(point))
}

fn left_pad(bytes: &[u8], width: usize) -> Option<Vec<u8>> {
    let pad = width.checked_sub(bytes.len())?;
    let mut out = vec![0u8; pad];
    out.extend_from_slice(bytes);
    Some(out)
}
