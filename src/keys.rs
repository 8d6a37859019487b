//! Parsed private keys: what they are, whether their maths holds, and which
//! public key they belong to.
//!
//! Every detector that decodes key material ends here, so that the same key
//! found as PEM, DER or inside an OpenSSH container gets the same identity: the
//! SHA-256 of its public key's SubjectPublicKeyInfo DER, which is what
//! `openssl pkey -pubout -outform DER | sha256sum` prints.

use crate::model::{KeyInfo, Severity};
use der::Encode;
use der::asn1::{AnyRef, BitString, ObjectIdentifier, UintRef};
use num_bigint::BigUint;
use num_integer::Integer;
use num_traits::One;
use sha2::{Digest, Sha256};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

/// Algorithm or curve OID: rsaEncryption.
pub const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// Algorithm or curve OID: RSASSA-PSS.
pub const OID_RSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
/// Algorithm or curve OID: id-ecPublicKey.
pub const OID_EC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// Algorithm or curve OID: id-dsa.
pub const OID_DSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10040.4.1");
/// Algorithm or curve OID: Ed25519 (RFC 8410).
pub const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
/// Algorithm or curve OID: X25519 (RFC 8410).
pub const OID_X25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.110");
/// Algorithm or curve OID: Ed448 (RFC 8410).
pub const OID_ED448: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.113");
/// Algorithm or curve OID: X448 (RFC 8410).
pub const OID_X448: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.111");
/// Algorithm or curve OID: the P-256 curve.
pub const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
/// Algorithm or curve OID: the P-384 curve.
pub const OID_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
/// Algorithm or curve OID: the P-521 curve.
pub const OID_P521: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");
/// Algorithm or curve OID: the secp256k1 curve.
pub const OID_SECP256K1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.10");

/// Largest DSA prime p whose key is checked (FIPS 186 goes to 3072 bits).
const MAX_DSA_P_BITS: u64 = 8192;
/// Largest DSA subgroup order q whose key is checked (FIPS 186: 256 bits).
const MAX_DSA_Q_BITS: u64 = 512;

/// Largest RSA modulus we do arithmetic on; bigger claims are hostile or exotic.
const MAX_RSA_BITS: u64 = 16384;

/// How far a key's claim to be real has been checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Validation {
    /// The maths holds: p*q == n and the exponents agree, or d*G == Q.
    Valid,
    /// Structure parsed but there is nothing we can check it against yet.
    Unverified(String),
    /// The structure parsed and the maths does not hold.
    Failed(String),
}

/// A decoded key: its contract-level description plus its identity.
#[derive(Debug, Clone)]
pub struct ParsedKey {
    /// The finding `kind` (`rsa-private-key`, `encrypted-private-key`, ...).
    pub kind: &'static str,
    /// The contract-level description.
    pub info: KeyInfo,
    /// How far the key was checked.
    pub validation: Validation,
    /// SubjectPublicKeyInfo DER of the public half, when it is known.
    pub spki: Option<Vec<u8>>,
    /// For symmetric keys: SHA-256 of the secret bytes, their only identity.
    pub secret_fingerprint: Option<String>,
}

impl ParsedKey {
    /// A key description; `info.validated` and `info.note` follow from `validation`.
    pub fn new(
        kind: &'static str,
        algorithm: &str,
        validation: Validation,
        spki: Option<Vec<u8>>,
    ) -> ParsedKey {
        let note = match &validation {
            Validation::Valid => None,
            Validation::Unverified(why) | Validation::Failed(why) => Some(why.clone()),
        };
        ParsedKey {
            kind,
            info: KeyInfo {
                algorithm: algorithm.to_string(),
                bits: None,
                curve: None,
                validated: validation == Validation::Valid,
                encrypted: false,
                truncated: false,
                note,
                kid: None,
                jwk_thumbprint: None,
                schedule: None,
            },
            validation,
            spki,
            secret_fingerprint: None,
        }
    }

    /// Record a (new) validation outcome, keeping `info` in step.
    pub fn set_validation(&mut self, validation: Validation) {
        self.info.validated = validation == Validation::Valid;
        self.info.note = match &validation {
            Validation::Valid => None,
            Validation::Unverified(why) | Validation::Failed(why) => {
                Some(why.clone()).filter(|w| !w.is_empty())
            }
        };
        self.validation = validation;
    }

    /// A key whose body is ciphertext: only its wrapping is known.
    pub fn encrypted(algorithm: &str, note: String) -> ParsedKey {
        let mut key = ParsedKey::new(
            "encrypted-private-key",
            algorithm,
            Validation::Unverified(note),
            None,
        );
        key.info.encrypted = true;
        key
    }

    /// The same key found with its secret part encrypted: its public
    /// identity (SPKI, size, curve) stays, the secret is not checked.
    pub fn into_encrypted(mut self, note: String) -> ParsedKey {
        self.kind = "encrypted-private-key";
        self.info.encrypted = true;
        self.set_validation(Validation::Unverified(note));
        self
    }

    /// Lowercase hex SHA-256 of the SubjectPublicKeyInfo DER (of the secret
    /// bytes for symmetric keys).
    pub fn fingerprint(&self) -> Option<String> {
        self.spki
            .as_deref()
            .map(sha256_hex)
            .or_else(|| self.secret_fingerprint.clone())
    }
}

/// Grade a key by how sure we are that it is usable: a validated plaintext key
/// is critical; a plausible one we could not check, or one cut off that still
/// tells which key it was, is high; a passphrase-protected key, or a fragment
/// that no longer says which key it belonged to, is medium; a structure whose
/// maths fails is low.
pub fn severity_for(key: &ParsedKey) -> Severity {
    if key.info.encrypted || (key.info.truncated && key.spki.is_none()) {
        return Severity::Medium;
    }
    match key.validation {
        Validation::Valid => Severity::Critical,
        Validation::Unverified(_) => Severity::High,
        Validation::Failed(_) => Severity::Low,
    }
}

/// Lowercase hex SHA-256, the one fingerprint format of the JSON contract.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// PBKDF2 rounds of [`guess_resistant_fingerprint`].
pub const SLOW_FINGERPRINT_ROUNDS: u32 = 10_000;

/// The fingerprint of a secret a person chose (a password, a value assigned
/// to a `secret` field): lowercase hex PBKDF2-HMAC-SHA256 with a fixed salt
/// and [`SLOW_FINGERPRINT_ROUNDS`] rounds. Deterministic, so the same
/// secret has the same fingerprint in every file and run (grouping and
/// baselines keep working), but each guess at it costs ten thousand hash
/// rounds instead of one: a report cannot be turned back into its
/// passwords by running a dictionary through SHA-256. A keyed hash (HMAC
/// with a key per baseline) was the other choice; it would stop matching
/// across baselines and need a key kept next to the report.
pub fn guess_resistant_fingerprint(secret: &[u8]) -> String {
    thread_local! {
        static SEEN: std::cell::RefCell<std::collections::HashMap<[u8; 32], String>> =
            Default::default();
    }
    let key: [u8; 32] = Sha256::digest(secret).into();
    if let Some(fp) = SEEN.with(|s| s.borrow().get(&key).cloned()) {
        return fp;
    }
    let mut out = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(
        secret,
        b"keysweep/secret-fingerprint/v1",
        SLOW_FINGERPRINT_ROUNDS,
        &mut out,
    );
    let fp = hex(&out);
    SEEN.with(|s| {
        let mut s = s.borrow_mut();
        if s.len() < 1 << 14 {
            s.insert(key, fp.clone());
        }
    });
    fp
}

/// Whether bytes could be a random secret: a dozen distinct byte values at
/// least, and no 8-byte word (little-endian) below 2^48, the shape of a
/// user-space pointer or a small number. 32 random bytes fail this about
/// once in 16 000.
pub fn looks_like_key_bytes(secret: &[u8]) -> bool {
    let mut seen = [false; 256];
    secret.iter().for_each(|&b| seen[usize::from(b)] = true);
    let distinct = seen.iter().filter(|&&s| s).count();
    let pointer_like = secret.chunks_exact(8).any(|w| {
        let v = u64::from_le_bytes(w.try_into().unwrap_or([0xff; 8]));
        v < 1 << 48
    });
    distinct >= 12.min(secret.len()) && !pointer_like
}

/// Lowercase hex of a byte string.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// SubjectPublicKeyInfo DER from an algorithm identifier and the public key bits.
pub fn spki_der(algorithm: AlgorithmIdentifierOwned, public_key: &[u8]) -> Option<Vec<u8>> {
    let spki = SubjectPublicKeyInfoOwned {
        algorithm,
        subject_public_key: BitString::from_bytes(public_key).ok()?,
    };
    spki.to_der().ok()
}

fn algorithm(oid: ObjectIdentifier, parameters: Option<der::Any>) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned { oid, parameters }
}

/// RSA public key identity: SPKI with rsaEncryption and NULL parameters.
pub fn rsa_spki(n: &[u8], e: &[u8]) -> Option<Vec<u8>> {
    let public = pkcs1::RsaPublicKey {
        modulus: UintRef::new(n).ok()?,
        public_exponent: UintRef::new(e).ok()?,
    };
    let alg = algorithm(OID_RSA, Some(der::Any::from(AnyRef::NULL)));
    spki_der(alg, &public.to_der().ok()?)
}

/// The RSA maths: n = p*q, e*d = 1 mod lcm(p-1, q-1), and the CRT values when present.
pub fn validate_rsa(
    n: &BigUint,
    e: &BigUint,
    d: &BigUint,
    p: &BigUint,
    q: &BigUint,
    crt: [&BigUint; 3],
) -> Validation {
    let one = BigUint::one();
    // Bound the arithmetic before doing any: hostile fields can be megabits long.
    let n_bits = n.bits();
    if n_bits > MAX_RSA_BITS {
        return Validation::Unverified(format!(
            "{n_bits}-bit modulus is larger than keysweep checks"
        ));
    }
    if p.bits() + q.bits() > n_bits + 1 || e.bits() > n_bits || d.bits() > n_bits {
        return Validation::Failed("field sizes do not fit the modulus".to_string());
    }
    if *p <= one || *q <= one || p * q != *n {
        return Validation::Failed("p*q != n".to_string());
    }
    let (p1, q1) = (p - &one, q - &one);
    let lambda = p1.lcm(&q1);
    if (e * d) % &lambda != one {
        return Validation::Failed("e*d != 1 mod lcm(p-1, q-1)".to_string());
    }
    let [dp, dq, qinv] = crt;
    let zero = BigUint::default();
    let crt_present = *dp != zero || *dq != zero || *qinv != zero;
    if crt_present && (*dp != d % &p1 || *dq != d % &q1 || (qinv * q) % p != one) {
        return Validation::Failed(
            "CRT exponents or coefficient do not match the primes".to_string(),
        );
    }
    Validation::Valid
}

/// The RSA maths for formats that store p, q and iqmp = q^-1 mod p but not
/// the CRT exponents (OpenSSH, PuTTY); all numbers big-endian.
pub fn validate_rsa_iqmp(
    n: &[u8],
    e: &[u8],
    d: &[u8],
    p: &[u8],
    q: &[u8],
    iqmp: &[u8],
) -> Validation {
    let big = BigUint::from_bytes_be;
    let zero = BigUint::default();
    let (bp, bq) = (big(p), big(q));
    let v = validate_rsa(&big(n), &big(e), &big(d), &bp, &bq, [&zero, &zero, &zero]);
    // validate_rsa has checked p > 1, so the remainder is defined
    if v == Validation::Valid && (big(iqmp) * &bq) % &bp != BigUint::one() {
        return Validation::Failed("iqmp is not q^-1 mod p".to_string());
    }
    v
}

/// Named curves we can do arithmetic on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    /// NIST P-256 (secp256r1).
    P256,
    /// NIST P-384 (secp384r1).
    P384,
    /// NIST P-521 (secp521r1).
    P521,
    /// secp256k1 (Bitcoin's curve).
    Secp256k1,
}

impl Curve {
    /// The curve a named-curve OID stands for.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Curve> {
        match *oid {
            OID_P256 => Some(Curve::P256),
            OID_P384 => Some(Curve::P384),
            OID_P521 => Some(Curve::P521),
            OID_SECP256K1 => Some(Curve::Secp256k1),
            _ => None,
        }
    }

    /// The curve of an SSH `ecdsa-sha2-*` key.
    pub fn from_ssh_name(name: &[u8]) -> Option<Curve> {
        match name {
            b"nistp256" => Some(Curve::P256),
            b"nistp384" => Some(Curve::P384),
            b"nistp521" => Some(Curve::P521),
            _ => None,
        }
    }

    /// The curve's named-curve OID.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            Curve::P256 => OID_P256,
            Curve::P384 => OID_P384,
            Curve::P521 => OID_P521,
            Curve::Secp256k1 => OID_SECP256K1,
        }
    }

    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
            Curve::P521 => "P-521",
            Curve::Secp256k1 => "secp256k1",
        }
    }

    /// d*G as an uncompressed SEC1 point, or `None` when d is not a valid scalar.
    pub fn public_point(self, scalar: &[u8]) -> Option<Vec<u8>> {
        self.uncompressed_point(PointSource::Scalar(scalar))
    }

    /// Bytes of a private scalar (and of each point coordinate).
    pub fn scalar_len(self) -> usize {
        match self {
            Curve::P256 | Curve::Secp256k1 => 32,
            Curve::P384 => 48,
            Curve::P521 => 66,
        }
    }

    /// A SEC1 point (compressed or not) in uncompressed form, if it is on the curve.
    pub fn public_point_from_sec1(self, point: &[u8]) -> Option<Vec<u8>> {
        self.uncompressed(point)
    }

    /// Whether `point` (SEC1 encoding) is a point of this curve.
    pub fn is_on_curve(self, point: &[u8]) -> bool {
        self.uncompressed(point).is_some()
    }

    /// Decompress or normalise a SEC1 point to its uncompressed form.
    pub fn uncompressed(self, point: &[u8]) -> Option<Vec<u8>> {
        self.uncompressed_point(PointSource::Encoded(point))
    }

    fn uncompressed_point(self, source: PointSource<'_>) -> Option<Vec<u8>> {
        fn on<C>(source: PointSource<'_>) -> Option<Vec<u8>>
        where
            C: elliptic_curve::CurveArithmetic,
            elliptic_curve::AffinePoint<C>:
                elliptic_curve::sec1::FromEncodedPoint<C> + elliptic_curve::sec1::ToEncodedPoint<C>,
            elliptic_curve::FieldBytesSize<C>: elliptic_curve::sec1::ModulusSize,
        {
            use elliptic_curve::sec1::ToEncodedPoint;
            let public = match source {
                PointSource::Scalar(d) => elliptic_curve::SecretKey::<C>::from_slice(d)
                    .ok()?
                    .public_key(),
                PointSource::Encoded(p) => {
                    elliptic_curve::PublicKey::<C>::from_sec1_bytes(p).ok()?
                }
            };
            Some(
                public
                    .as_affine()
                    .to_encoded_point(false)
                    .as_bytes()
                    .to_vec(),
            )
        }
        match self {
            Curve::P256 => on::<p256::NistP256>(source),
            Curve::P384 => on::<p384::NistP384>(source),
            Curve::P521 => on::<p521::NistP521>(source),
            Curve::Secp256k1 => on::<k256::Secp256k1>(source),
        }
    }
}

/// Where a public point comes from: derived from a private scalar, or decoded.
#[derive(Clone, Copy)]
enum PointSource<'a> {
    Scalar(&'a [u8]),
    Encoded(&'a [u8]),
}

/// EC public key identity: SPKI with id-ecPublicKey, the named curve, and the uncompressed point.
pub fn ec_spki(curve: Curve, point: &[u8]) -> Option<Vec<u8>> {
    let params = der::Any::encode_from(&curve.oid()).ok()?;
    spki_der(algorithm(OID_EC, Some(params)), point)
}

/// An EC private scalar on a named curve, checked against the public point when one is stored.
pub fn ec_key(curve: Option<Curve>, scalar: &[u8], stored_public: Option<&[u8]>) -> ParsedKey {
    let Some(curve) = curve else {
        return ParsedKey::new(
            "ec-private-key",
            "ec",
            Validation::Unverified("curve not named or not supported".to_string()),
            None,
        );
    };
    let derived = curve.public_point(scalar);
    let (validation, point) = match (&derived, stored_public) {
        (None, _) => (
            Validation::Failed("private scalar is zero or not below the curve order".to_string()),
            None,
        ),
        (Some(d), Some(stored)) => match curve.uncompressed(stored) {
            Some(s) if s == *d => (Validation::Valid, Some(s)),
            Some(s) => (
                Validation::Failed("stored public point is not d*G".to_string()),
                Some(s),
            ),
            None => (
                Validation::Failed("stored public point is not on the curve".to_string()),
                derived.clone(),
            ),
        },
        (Some(d), None) => (Validation::Valid, Some(d.clone())),
    };
    let spki = point.and_then(|p| ec_spki(curve, &p));
    let mut parsed = ParsedKey::new("ec-private-key", "ec", validation, spki);
    parsed.info.curve = Some(curve.name().to_string());
    parsed
}

/// An EC key whose scalar is stored as a minimal big-endian integer (SSH and
/// OpenPGP MPIs), left-padded to the curve's size; `None` if it is too long.
pub fn ec_key_from_integer(
    curve: Curve,
    scalar: &[u8],
    stored_public: Option<&[u8]>,
) -> Option<ParsedKey> {
    let mut padded = vec![0u8; curve.scalar_len().checked_sub(scalar.len())?];
    padded.extend_from_slice(scalar);
    Some(ec_key(Some(curve), &padded, stored_public))
}

/// The curves whose public key is a function of the secret bytes alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edwards {
    /// Ed25519 signing keys (RFC 8032).
    Ed25519,
    /// X25519 key agreement (RFC 7748).
    X25519,
    /// Ed448 signing keys (RFC 8032).
    Ed448,
    /// X448 key agreement (RFC 7748).
    X448,
}

impl Edwards {
    fn names(self) -> (&'static str, &'static str, ObjectIdentifier) {
        match self {
            Edwards::Ed25519 => ("ed25519-private-key", "ed25519", OID_ED25519),
            Edwards::X25519 => ("x25519-private-key", "x25519", OID_X25519),
            Edwards::Ed448 => ("ed448-private-key", "ed448", OID_ED448),
            Edwards::X448 => ("x448-private-key", "x448", OID_X448),
        }
    }

    /// The public key of `secret`, or `None` when it has the wrong length.
    fn public(self, secret: &[u8]) -> Option<Vec<u8>> {
        Some(match self {
            Edwards::Ed25519 => {
                let seed = <[u8; 32]>::try_from(secret).ok()?;
                ed25519_dalek::SigningKey::from_bytes(&seed)
                    .verifying_key()
                    .to_bytes()
                    .to_vec()
            }
            Edwards::X25519 => {
                let k = <[u8; 32]>::try_from(secret).ok()?;
                x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from(k))
                    .to_bytes()
                    .to_vec()
            }
            // RFC 8032 section 5.2.5: a 57-byte seed
            Edwards::Ed448 => ed448_goldilocks_plus::SigningKey::try_from(secret)
                .ok()?
                .verifying_key()
                .to_bytes()
                .to_vec(),
            // RFC 7748: public = clamp(k) * u(5)
            Edwards::X448 => {
                let mut k = <[u8; 56]>::try_from(secret).ok()?;
                k[0] &= 252;
                k[55] |= 128;
                let scalar = ed448_goldilocks_plus::Scalar::from_bytes(&k);
                (&ed448_goldilocks_plus::MontgomeryPoint::GENERATOR * &scalar)
                    .0
                    .to_vec()
            }
        })
    }

    /// The SPKI DER of a public key on this curve.
    pub fn spki(self, public: &[u8]) -> Option<Vec<u8>> {
        spki_der(algorithm(self.names().2, None), public)
    }

    /// The key of `secret`, checked against a stored public key when there is one.
    pub fn key(self, secret: &[u8], stored_public: Option<&[u8]>) -> ParsedKey {
        let (kind, alg, oid) = self.names();
        let Some(public) = self.public(secret) else {
            let why = format!("a {}-byte secret is the wrong size for {alg}", secret.len());
            return ParsedKey::new(kind, alg, Validation::Failed(why), None);
        };
        let validation = match stored_public {
            Some(p) if p != public.as_slice() => {
                Validation::Failed("stored public key does not match the secret".to_string())
            }
            _ => Validation::Valid,
        };
        ParsedKey::new(
            kind,
            alg,
            validation,
            spki_der(algorithm(oid, None), &public),
        )
    }
}

/// Ed25519 from its 32-byte seed: the public key is derived.
pub fn ed25519_key(seed: &[u8], stored_public: Option<&[u8]>) -> ParsedKey {
    Edwards::Ed25519.key(seed, stored_public)
}

/// A DSA key from its domain parameters and private x; y is derived when absent.
pub fn dsa_key(p: &[u8], q: &[u8], g: &[u8], stored_y: Option<&[u8]>, x: &[u8]) -> ParsedKey {
    let (bp, bq, bg, bx) = (
        BigUint::from_bytes_be(p),
        BigUint::from_bytes_be(q),
        BigUint::from_bytes_be(g),
        BigUint::from_bytes_be(x),
    );
    let bits = bp.bits();
    // bound the modular exponentiation (its cost grows with the bits of p
    // times those of x): real groups have p of at most 3072 bits and q of at
    // most 256; larger ones are reported without the check
    if bits > MAX_DSA_P_BITS || bq.bits() > MAX_DSA_Q_BITS {
        let mut parsed = ParsedKey::new(
            "dsa-private-key",
            "dsa",
            Validation::Unverified(format!(
                "{bits}-bit p or {}-bit q is larger than keysweep checks",
                bq.bits()
            )),
            None,
        );
        parsed.info.bits = u32::try_from(bits).ok();
        return parsed;
    }
    // x must be below q, q and g below p
    if bp <= BigUint::one() || bq >= bp || bg >= bp || bx >= bq {
        return ParsedKey::new(
            "dsa-private-key",
            "dsa",
            Validation::Failed("DSA parameters or x out of range".into()),
            None,
        );
    }
    let y = bg.modpow(&bx, &bp);
    let validation = match stored_y {
        Some(s) if BigUint::from_bytes_be(s) != y => {
            Validation::Failed("y != g^x mod p".to_string())
        }
        _ if bx == BigUint::default() => Validation::Failed("x is zero".to_string()),
        _ => Validation::Valid,
    };
    let spki = dsa_spki(p, q, g, &y.to_bytes_be());
    let mut parsed = ParsedKey::new("dsa-private-key", "dsa", validation, spki);
    parsed.info.bits = u32::try_from(bits).ok();
    parsed
}

/// DSA public key identity: SPKI with id-dsa, `Dss-Parms {p, q, g}` and INTEGER y.
pub fn dsa_spki(p: &[u8], q: &[u8], g: &[u8], y: &[u8]) -> Option<Vec<u8>> {
    let (p, q, g) = (
        UintRef::new(p).ok()?,
        UintRef::new(q).ok()?,
        UintRef::new(g).ok()?,
    );
    let mut inner = Vec::new();
    for v in [p, q, g] {
        v.encode_to_vec(&mut inner).ok()?;
    }
    let params = der::Any::new(der::Tag::Sequence, inner).ok()?;
    let y = UintRef::new(y).ok()?.to_der().ok()?;
    spki_der(algorithm(OID_DSA, Some(params)), &y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rsa_validation_rejects_wrong_primes() {
        let p = BigUint::from(61u32);
        let q = BigUint::from(53u32);
        let n = BigUint::from(3233u32);
        let e = BigUint::from(17u32);
        let d = BigUint::from(413u32); // e*d = 1 mod lcm(60, 52) = 780
        let zero = BigUint::default();
        assert_eq!(
            validate_rsa(&n, &e, &d, &p, &q, [&zero, &zero, &zero]),
            Validation::Valid
        );
        let n2 = BigUint::from(3234u32);
        assert!(matches!(
            validate_rsa(&n2, &e, &d, &p, &q, [&zero, &zero, &zero]),
            Validation::Failed(_)
        ));
        let d2 = BigUint::from(414u32);
        assert!(matches!(
            validate_rsa(&n, &e, &d2, &p, &q, [&zero, &zero, &zero]),
            Validation::Failed(_)
        ));
    }

    #[test]
    fn hostile_field_sizes_are_rejected_before_arithmetic() {
        let n = BigUint::from(3233u32);
        let huge = BigUint::one() << 400_000u32;
        let small = BigUint::from(3u32);
        let zero = BigUint::default();
        let started = std::time::Instant::now();
        let v = validate_rsa(&n, &small, &small, &huge, &huge, [&zero, &zero, &zero]);
        assert!(matches!(v, Validation::Failed(_)));
        let big_n = BigUint::one() << 20_000u32;
        let v = validate_rsa(
            &big_n,
            &small,
            &small,
            &small,
            &small,
            [&zero, &zero, &zero],
        );
        assert!(matches!(v, Validation::Unverified(_)));
        // DSA with a megabit exponent must not run a modular exponentiation
        let p = BigUint::from(23u32).to_bytes_be();
        let q = BigUint::from(11u32).to_bytes_be();
        let g = BigUint::from(4u32).to_bytes_be();
        let key = dsa_key(&p, &q, &g, None, &huge.to_bytes_be());
        assert!(matches!(key.validation, Validation::Failed(_)));
        assert!(started.elapsed().as_secs() < 5);
    }

    #[test]
    fn ed25519_rfc8032_vector() {
        // RFC 8032 section 7.1, test 1
        let seed = hex_bytes("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
        let key = ed25519_key(&seed, None);
        assert_eq!(key.validation, Validation::Valid);
        let spki = key.spki.unwrap();
        assert!(
            hex(&spki)
                .ends_with("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        );
    }

    #[test]
    fn ed448_and_x448_rfc_vectors() {
        // RFC 8032 section 7.4, "Blank"
        let seed = hex_bytes(
            "6c82a562cb808d10d632be89c8513ebf6c929f34ddfa8c9f63c9960ef6e348a3528c8a3fcc2f044e39a3fc5b94492f8f032e7549a20098f95b",
        );
        let key = Edwards::Ed448.key(&seed, None);
        assert_eq!(key.validation, Validation::Valid);
        assert!(hex(&key.spki.unwrap()).ends_with(
            "5fd7449b59b461fd2ce787ec616ad46a1da1342485a70e1f8a0ea75d80e96778edf124769b46c7061bd6783df1e50f6cd1fa1abeafe8256180"
        ));
        // RFC 7748 section 6.2, Alice
        let secret = hex_bytes(
            "9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b",
        );
        let key = Edwards::X448.key(&secret, None);
        assert!(hex(&key.spki.unwrap()).ends_with(
            "9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0"
        ));
    }

    fn hex_bytes(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }
}
