//! The ASN.1 private-key structures: PKCS#1 `RSAPrivateKey`, SEC1
//! `ECPrivateKey`, OpenSSL's DSA key, PKCS#8 `PrivateKeyInfo` and
//! `EncryptedPrivateKeyInfo`. Each decoder returns a [`KeyError`] that
//! formats only when printed: the DER scan tries them at every candidate.

use crate::keys::{
    Curve, Edwards, OID_DSA, OID_EC, OID_ED448, OID_ED25519, OID_RSA, OID_RSA_PSS, OID_X448,
    OID_X25519, ParsedKey, Validation, dsa_key, ec_key, ed25519_key, rsa_spki, spki_der,
    validate_rsa,
};
use der::asn1::{AnyRef, ObjectIdentifier, UintRef};
use der::{Decode, Encode, Reader as _, Tagged as _};
use num_bigint::BigUint;
use spki::AlgorithmIdentifierOwned;
use std::fmt;

/// Why bytes are not a usable key structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyError {
    /// The bytes do not decode as this structure.
    Der {
        /// What was expected (`PKCS#1 RSA key`, ...).
        structure: &'static str,
        /// The DER decoder's reason.
        source: der::Error,
    },
    /// The structure decodes, but a field the key needs is malformed.
    Field(&'static str),
}

impl KeyError {
    /// A mapper from a DER error to "not a `structure`".
    fn not(structure: &'static str) -> impl Fn(der::Error) -> KeyError + Copy {
        move |source| KeyError::Der { structure, source }
    }
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Der { structure, source } => {
                let article = if structure.starts_with(['E', 'O']) {
                    "an"
                } else {
                    "a"
                };
                write!(f, "not {article} {structure}: {source}")
            }
            KeyError::Field(what) => f.write_str(what),
        }
    }
}

impl std::error::Error for KeyError {}

fn big(u: &UintRef<'_>) -> BigUint {
    BigUint::from_bytes_be(u.as_bytes())
}

/// PKCS#1 `RSAPrivateKey`: check p*q == n and that d, dp, dq and qinv agree.
pub fn pkcs1(der: &[u8]) -> Result<ParsedKey, KeyError> {
    let key = pkcs1::RsaPrivateKey::from_der(der).map_err(KeyError::not("PKCS#1 RSA key"))?;
    let n = big(&key.modulus);
    let bits = n.bits();
    let spki = rsa_spki(key.modulus.as_bytes(), key.public_exponent.as_bytes());
    let validation = if key.other_prime_infos.is_some() {
        Validation::Unverified("multi-prime RSA key; primes not checked".to_string())
    } else {
        validate_rsa(
            &n,
            &big(&key.public_exponent),
            &big(&key.private_exponent),
            &big(&key.prime1),
            &big(&key.prime2),
            [
                &big(&key.exponent1),
                &big(&key.exponent2),
                &big(&key.coefficient),
            ],
        )
    };
    let mut parsed = ParsedKey::new("rsa-private-key", "rsa", validation, spki);
    parsed.info.bits = u32::try_from(bits).ok();
    Ok(parsed)
}

/// SEC1 `ECPrivateKey` (PEM label `EC PRIVATE KEY`). `outer_curve` comes from
/// a PKCS#8 wrapper, which names the curve outside.
pub fn sec1(der: &[u8], outer_curve: Option<Curve>) -> Result<ParsedKey, KeyError> {
    let key = sec1::EcPrivateKey::from_der(der).map_err(KeyError::not("SEC1 EC key"))?;
    let named = key
        .parameters
        .and_then(|p| p.named_curve())
        .as_ref()
        .and_then(Curve::from_oid);
    let curve = named.or(outer_curve).or_else(|| {
        // no parameters: the stored public point tells the curve, if one derives it
        let public = key.public_key?;
        [Curve::P256, Curve::Secp256k1, Curve::P384, Curve::P521]
            .into_iter()
            .find(|c| {
                c.public_point(key.private_key)
                    .and_then(|d| Some(d == c.uncompressed(public)?))
                    == Some(true)
            })
    });
    Ok(ec_key(curve, key.private_key, key.public_key))
}

/// OpenSSL's DSA private key: `SEQUENCE { 0, p, q, g, y, x }`; checks y == g^x mod p.
pub fn dsa_openssl(der: &[u8]) -> Result<ParsedKey, KeyError> {
    dsa_openssl_der(der).map_err(KeyError::not("OpenSSL DSA key"))
}

fn dsa_openssl_der(der: &[u8]) -> Result<ParsedKey, der::Error> {
    let mut reader = der::SliceReader::new(der)?;
    let ints: Result<Vec<UintRef<'_>>, der::Error> = der::Reader::sequence(&mut reader, |r| {
        let version: u8 = r.decode()?;
        if version != 0 {
            return Err(der::ErrorKind::Value {
                tag: der::Tag::Integer,
            }
            .into());
        }
        (0..5).map(|_| r.decode::<UintRef<'_>>()).collect()
    });
    let [p, q, g, y, x] = <[UintRef<'_>; 5]>::try_from(ints?).map_err(|_| {
        der::Error::from(der::ErrorKind::Length {
            tag: der::Tag::Sequence,
        })
    })?;
    Ok(dsa_key(
        p.as_bytes(),
        q.as_bytes(),
        g.as_bytes(),
        Some(y.as_bytes()),
        x.as_bytes(),
    ))
}

/// PKCS#8 `PrivateKeyInfo` / `OneAsymmetricKey` (PEM label `PRIVATE KEY`).
/// The SPKI reuses the wrapper's AlgorithmIdentifier, as OpenSSL does.
pub fn pkcs8(der: &[u8]) -> Result<ParsedKey, KeyError> {
    let info = pkcs8::PrivateKeyInfo::from_der(der).map_err(KeyError::not("PKCS#8 key"))?;
    let oid = info.algorithm.oid;
    let octets = |bytes: &[u8]| {
        der::asn1::OctetStringRef::from_der(bytes)
            .map(|o| o.as_bytes().to_vec())
            .ok()
    };
    let parsed = match oid {
        OID_RSA | OID_RSA_PSS => {
            let mut key = pkcs1(info.private_key)?;
            if oid == OID_RSA_PSS {
                // RSASSA-PSS keys keep their own algorithm identifier in the SPKI
                let alg = owned_algorithm(&info.algorithm);
                let rsa = pkcs1::RsaPrivateKey::from_der(info.private_key)
                    .map_err(KeyError::not("PKCS#1 RSA key"))?;
                let public = pkcs1::RsaPublicKey {
                    modulus: rsa.modulus,
                    public_exponent: rsa.public_exponent,
                };
                key.spki = alg.and_then(|a| spki_der(a, &public.to_der().ok()?));
                key.info.algorithm = "rsa-pss".to_string();
            }
            key
        }
        OID_EC => {
            let curve = info
                .algorithm
                .parameters_oid()
                .ok()
                .as_ref()
                .and_then(Curve::from_oid);
            sec1(info.private_key, curve)?
        }
        OID_ED25519 => {
            let seed = octets(info.private_key)
                .ok_or(KeyError::Field("Ed25519 key is not an OCTET STRING"))?;
            unchecked_bytes_look_random(&seed, info.public_key)?;
            ed25519_key(&seed, info.public_key)
        }
        OID_X25519 => {
            let secret = octets(info.private_key)
                .ok_or(KeyError::Field("X25519 key is not an OCTET STRING"))?;
            unchecked_bytes_look_random(&secret, info.public_key)?;
            Edwards::X25519.key(&secret, info.public_key)
        }
        OID_ED448 => {
            let seed = octets(info.private_key)
                .ok_or(KeyError::Field("Ed448 key is not an OCTET STRING"))?;
            unchecked_bytes_look_random(&seed, info.public_key)?;
            Edwards::Ed448.key(&seed, info.public_key)
        }
        OID_X448 => {
            let secret = octets(info.private_key)
                .ok_or(KeyError::Field("X448 key is not an OCTET STRING"))?;
            unchecked_bytes_look_random(&secret, info.public_key)?;
            Edwards::X448.key(&secret, info.public_key)
        }
        OID_DSA => {
            let params = info
                .algorithm
                .parameters
                .ok_or(KeyError::Field("DSA key without parameters"))?;
            let (p, q, g) =
                dsa_params(params).ok_or(KeyError::Field("DSA parameters malformed"))?;
            let x = der::asn1::UintRef::from_der(info.private_key)
                .map_err(KeyError::not("DSA private x"))?;
            dsa_key(&p, &q, &g, None, x.as_bytes())
        }
        other => ParsedKey::new(
            "private-key",
            &other.to_string(),
            Validation::Unverified(format!("algorithm {other} is not one keysweep validates")),
            None,
        ),
    };
    Ok(parsed)
}

/// A key of these curves is any string of bytes, so without a stored public
/// key to check it against nothing says it is one: it is reported only when
/// its bytes look like a secret, not like the data that follows a constant
/// PKCS#8 prefix in a program's memory (zeros, pointers).
fn unchecked_bytes_look_random(secret: &[u8], public: Option<&[u8]>) -> Result<(), KeyError> {
    if public.is_some() || crate::keys::looks_like_key_bytes(secret) {
        Ok(())
    } else {
        Err(KeyError::Field(
            "the key bytes look like zeros or pointers, not a secret, and no public key says otherwise",
        ))
    }
}

fn owned_algorithm(alg: &spki::AlgorithmIdentifierRef<'_>) -> Option<AlgorithmIdentifierOwned> {
    AlgorithmIdentifierOwned::from_der(&alg.to_der().ok()?).ok()
}

fn dsa_params(params: AnyRef<'_>) -> Option<(Vec<u8>, Vec<u8>, Vec<u8>)> {
    if params.tag() != der::Tag::Sequence {
        return None;
    }
    let mut reader = der::SliceReader::new(params.value()).ok()?;
    let p: UintRef<'_> = der::Reader::decode(&mut reader).ok()?;
    let q: UintRef<'_> = der::Reader::decode(&mut reader).ok()?;
    let g: UintRef<'_> = der::Reader::decode(&mut reader).ok()?;
    Some((
        p.as_bytes().to_vec(),
        q.as_bytes().to_vec(),
        g.as_bytes().to_vec(),
    ))
}

/// PKCS#8 `EncryptedPrivateKeyInfo`: only the encryption scheme can be read.
/// Read with plain DER rather than a PKCS#5 implementation, so that every
/// scheme (PBES2 with any cipher, PBES1, PKCS#12 PBE) is recognised, including
/// ones no Rust crate decrypts.
pub fn encrypted_pkcs8(der: &[u8]) -> Result<ParsedKey, KeyError> {
    let bad = KeyError::not("EncryptedPrivateKeyInfo");
    let mut reader = der::SliceReader::new(der).map_err(bad)?;
    let (scheme, data_len) = reader
        .sequence(|r| {
            let alg: spki::AlgorithmIdentifierRef<'_> = r.decode()?;
            let data: der::asn1::OctetStringRef<'_> = r.decode()?;
            Ok((alg, data.as_bytes().len()))
        })
        .map_err(bad)?;
    if data_len == 0 {
        return Err(KeyError::Field("EncryptedPrivateKeyInfo holds no data"));
    }
    let name = if scheme.oid == OID_PBES2 {
        let cipher = scheme.parameters.and_then(pbes2_cipher);
        format!(
            "PBES2 with {}",
            cipher.map_or("an unreadable cipher".to_string(), |c| cipher_name(&c))
        )
    } else {
        cipher_name(&scheme.oid)
    };
    Ok(ParsedKey::encrypted(
        "pkcs8-encrypted",
        format!("encrypted with {name}"),
    ))
}

const OID_PBES2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.13");

/// The encryption scheme OID of PBES2 parameters `{ kdf AlgorithmIdentifier, cipher AlgorithmIdentifier }`.
fn pbes2_cipher(params: AnyRef<'_>) -> Option<ObjectIdentifier> {
    if params.tag() != der::Tag::Sequence {
        return None;
    }
    let mut reader = der::SliceReader::new(params.value()).ok()?;
    let _kdf: spki::AlgorithmIdentifierRef<'_> = reader.decode().ok()?;
    let cipher: spki::AlgorithmIdentifierRef<'_> = reader.decode().ok()?;
    Some(cipher.oid)
}

fn cipher_name(oid: &ObjectIdentifier) -> String {
    match oid.to_string().as_str() {
        "2.16.840.1.101.3.4.1.2" => "aes-128-cbc".to_string(),
        "2.16.840.1.101.3.4.1.22" => "aes-192-cbc".to_string(),
        "2.16.840.1.101.3.4.1.42" => "aes-256-cbc".to_string(),
        "1.2.840.113549.3.7" => "des-ede3-cbc".to_string(),
        "1.3.14.3.2.7" => "des-cbc".to_string(),
        "1.2.840.113549.1.5.3" => "PBES1 MD5 and DES-CBC".to_string(),
        "1.2.840.113549.1.5.10" => "PBES1 SHA-1 and DES-CBC".to_string(),
        "1.2.840.113549.1.12.1.3" => "PKCS#12 PBE SHA-1 and 3-key triple DES".to_string(),
        "1.2.840.113549.1.12.1.6" => "PKCS#12 PBE SHA-1 and 40-bit RC2".to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// X25519 PKCS#8 without a public key: the 16-byte prefix libraries keep
    /// as a constant, then 32 bytes. Zeros and a pointer after it (what the
    /// constant is followed by in a Python process) are not a key; random
    /// bytes are.
    #[test]
    fn x25519_without_public_key_must_look_random() {
        let prefix = [
            0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22,
            0x04, 0x20,
        ];
        let mut junk = prefix.to_vec();
        junk.extend([0u8; 24]);
        junk.extend(0x0000_7f3a_1c2b_4d50u64.to_le_bytes());
        assert!(pkcs8(&junk).is_err());
        let mut key = prefix.to_vec();
        key.extend((0u8..32).map(|i| i.wrapping_mul(97).wrapping_add(0x9d)));
        let parsed = pkcs8(&key).expect("random bytes are a key");
        assert_eq!(parsed.info.algorithm, "x25519");
    }
}
