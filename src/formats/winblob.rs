//! Windows key blobs: CryptoAPI PRIVATEKEYBLOB (`RSA2`, numbers little-endian)
//! and PVK files, CNG BCRYPT_RSAPRIVATE_BLOB / BCRYPT_RSAFULLPRIVATE_BLOB
//! (`RSA2` / `RSA3`, numbers big-endian), BCRYPT_ECCPRIVATE_BLOB (`ECS2/4/6`,
//! `ECK2/4/6`) and BCRYPT_KEY_DATA_BLOB (`KDBM`, symmetric keys).
//!
//! Header fields must agree with the sizes present before any number is read;
//! RSA keys are then validated (p*q == n and the exponents), EC scalars
//! checked against the stored point.

use crate::keys::{self, Curve, ParsedKey, Validation};
use num_bigint::BigUint;

/// A blob recognised at an offset: what it spans and what it holds.
#[derive(Debug)]
pub struct Blob {
    /// Bytes the blob spans.
    pub len: usize,
    /// The rule that reports this blob.
    pub rule_id: &'static str,
    /// The key it holds.
    pub key: ParsedKey,
}

fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    crate::bytes::le_u32(b, off)
}

/// Consecutive fields of the given sizes from `off`, or `None` if they are not all there.
fn fields<'a>(b: &'a [u8], mut off: usize, sizes: &[usize]) -> Option<Vec<&'a [u8]>> {
    sizes
        .iter()
        .map(|&n| {
            let f = b.get(off..off.checked_add(n)?)?;
            off += n;
            Some(f)
        })
        .collect()
}

fn le(bytes: &[u8]) -> BigUint {
    BigUint::from_bytes_le(bytes)
}

fn be(bytes: &[u8]) -> BigUint {
    BigUint::from_bytes_be(bytes)
}

fn rsa_key(n: &BigUint, e: &BigUint, validation: Validation) -> ParsedKey {
    let spki = keys::rsa_spki(&n.to_bytes_be(), &e.to_bytes_be());
    let mut key = ParsedKey::new("rsa-private-key", "rsa", validation, spki);
    key.info.bits = u32::try_from(n.bits()).ok();
    key
}

/// A CryptoAPI PRIVATEKEYBLOB: BLOBHEADER (`07 02 00 00`, ALG_ID), RSAPUBKEY
/// (`RSA2`, bitlen, pubexp), then n, p, q, dp, dq, qinv, d little-endian.
pub fn capi_rsa(b: &[u8]) -> Option<Blob> {
    if b.get(..4)? != [0x07, 0x02, 0x00, 0x00] || b.get(8..12)? != b"RSA2" {
        return None;
    }
    let alg = u32_at(b, 4)?;
    if alg != 0xa400 && alg != 0x2400 {
        return None;
    }
    let bits = u32_at(b, 12)? as usize;
    if !bits.is_multiple_of(64) || !(512..=16384).contains(&bits) {
        return None;
    }
    let e = BigUint::from(u32_at(b, 16)?);
    let (full, half) = (bits / 8, bits / 16);
    let f = fields(b, 20, &[full, half, half, half, half, half, full])?;
    let (n, p, q, dp, dq, qinv, d) = (
        le(f[0]),
        le(f[1]),
        le(f[2]),
        le(f[3]),
        le(f[4]),
        le(f[5]),
        le(f[6]),
    );
    let validation = keys::validate_rsa(&n, &e, &d, &p, &q, [&dp, &dq, &qinv]);
    if validation != Validation::Valid && n.bits() + 8 < bits as u64 {
        return None; // a header in front of bytes that are not a key
    }
    let len = 20 + 2 * full + 5 * half;
    Some(Blob {
        len,
        rule_id: "capi-rsa-private-key-blob",
        key: rsa_key(&n, &e, validation),
    })
}

/// A PVK file: magic `1e f1 b5 b0`, reserved, key type, encrypted flag, salt
/// and key lengths, salt, then a PRIVATEKEYBLOB (ciphertext when encrypted).
pub fn pvk(b: &[u8]) -> Option<Blob> {
    if b.get(..4)? != [0x1e, 0xf1, 0xb5, 0xb0] || u32_at(b, 4)? != 0 {
        return None;
    }
    let key_type = u32_at(b, 8)?;
    let encrypted = u32_at(b, 12)?;
    let salt_len = u32_at(b, 16)? as usize;
    let key_len = u32_at(b, 20)? as usize;
    if !(1..=2).contains(&key_type)
        || encrypted > 1
        || salt_len > 64
        || !(20..=1 << 16).contains(&key_len)
    {
        return None;
    }
    let body_at = 24 + salt_len;
    let body = b.get(body_at..body_at.checked_add(key_len)?)?;
    let len = body_at + key_len;
    if encrypted == 1 {
        let mut key =
            ParsedKey::encrypted("rsa", "PVK file with a password-encrypted key".to_string());
        // only the BLOBHEADER stays plaintext: the RSAPUBKEY's bit length
        // is ciphertext unless its magic reads clear
        key.info.bits = u32_at(body, 12)
            .filter(|bits| body.get(8..12) == Some(b"RSA2") && (512..=16384).contains(bits));
        return Some(Blob {
            len,
            rule_id: "capi-pvk-private-key",
            key,
        });
    }
    let inner = capi_rsa(body)?;
    Some(Blob {
        len,
        rule_id: "capi-pvk-private-key",
        key: inner.key,
    })
}

/// A CNG BCRYPT_RSAPRIVATE_BLOB (`RSA2`: e, n, p, q) or
/// BCRYPT_RSAFULLPRIVATE_BLOB (`RSA3`: also dp, dq, qinv, d), big-endian.
pub fn cng_rsa(b: &[u8]) -> Option<Blob> {
    let full = match b.get(..4)? {
        b"RSA2" => false,
        b"RSA3" => true,
        _ => return None,
    };
    let bits = u32_at(b, 4)? as usize;
    let (cb_e, cb_n, cb_p, cb_q) = (
        u32_at(b, 8)? as usize,
        u32_at(b, 12)? as usize,
        u32_at(b, 16)? as usize,
        u32_at(b, 20)? as usize,
    );
    if !(512..=16384).contains(&bits)
        || cb_n != bits.div_ceil(8)
        || !(1..=8).contains(&cb_e)
        || cb_p == 0
        || cb_q == 0
        || cb_p > cb_n
        || cb_q > cb_n
    {
        return None;
    }
    let mut sizes = vec![cb_e, cb_n, cb_p, cb_q];
    if full {
        sizes.extend([cb_p, cb_q, cb_p, cb_n]);
    }
    let f = fields(b, 24, &sizes)?;
    let (e, n, p, q) = (be(f[0]), be(f[1]), be(f[2]), be(f[3]));
    let len = 24 + sizes.iter().sum::<usize>();
    let validation = if full {
        keys::validate_rsa(&n, &e, &be(f[7]), &p, &q, [&be(f[4]), &be(f[5]), &be(f[6])])
    } else if p.bits() + q.bits() <= n.bits() + 1 && &p * &q == n && p > BigUint::from(1u32) {
        Validation::Valid
    } else {
        Validation::Failed("p*q != n".to_string())
    };
    if validation != Validation::Valid && n.bits() + 8 < bits as u64 {
        return None;
    }
    let rule_id = if full {
        "cng-rsa-full-private-key-blob"
    } else {
        "cng-rsa-private-key-blob"
    };
    Some(Blob {
        len,
        rule_id,
        key: rsa_key(&n, &e, validation),
    })
}

/// A CNG BCRYPT_ECCPRIVATE_BLOB: magic (`ECS2/4/6` ECDSA, `ECK2/4/6` ECDH),
/// cbKey, then X, Y and d big-endian.
pub fn cng_ecc(b: &[u8]) -> Option<Blob> {
    let magic = b.get(..4)?;
    let curve = match magic {
        b"ECS2" | b"ECK2" => Curve::P256,
        b"ECS4" | b"ECK4" => Curve::P384,
        b"ECS6" | b"ECK6" => Curve::P521,
        _ => return None,
    };
    let width = curve.scalar_len();
    if u32_at(b, 4)? as usize != width {
        return None;
    }
    let f = fields(b, 8, &[width, width, width])?;
    let mut point = vec![0x04];
    point.extend_from_slice(f[0]);
    point.extend_from_slice(f[1]);
    // the stored point must be on the curve: otherwise these are not a key's bytes
    if !curve.is_on_curve(&point) {
        return None;
    }
    let key = keys::ec_key(Some(curve), f[2], Some(&point));
    Some(Blob {
        len: 8 + 3 * width,
        rule_id: "cng-ecc-private-key-blob",
        key,
    })
}

/// A CNG BCRYPT_KEY_DATA_BLOB (`KDBM`, version 1, cbKeyData, key): a symmetric
/// key, identified by the SHA-256 of its bytes.
pub fn cng_key_data(b: &[u8]) -> Option<Blob> {
    if b.get(..4)? != b"KDBM" || u32_at(b, 4)? != 1 {
        return None;
    }
    let n = u32_at(b, 8)? as usize;
    if !matches!(n, 16 | 24 | 32) {
        return None;
    }
    let secret = b.get(12..12 + n)?;
    // an all-zero or near-constant buffer is an uninitialised blob, not a key
    let mut distinct = [false; 256];
    secret.iter().for_each(|&x| distinct[usize::from(x)] = true);
    if distinct.iter().filter(|&&d| d).count() < n / 2 {
        return None;
    }
    let mut key = ParsedKey::new(
        "symmetric-key",
        "symmetric",
        Validation::Unverified("a symmetric key cannot be validated on its own".to_string()),
        None,
    );
    key.info.bits = u32::try_from(n * 8).ok();
    key.secret_fingerprint = Some(keys::sha256_hex(secret));
    Some(Blob {
        len: 12 + n,
        rule_id: "cng-key-data-blob",
        key,
    })
}
