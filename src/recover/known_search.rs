//! The private halves of known public keys (`--known-keys`), searched for in
//! any in-memory form. A known RSA modulus is looked for as big-endian bytes,
//! little-endian limbs and base64url text; around each copy, among the
//! numbers the bignum search pooled, and at every window start of the file's
//! heap-like data, prime-sized windows in both byte orders are tested as
//! factors (`n mod p == 0`). A known EC point is looked for by its X
//! coordinate; windows near it and pooled scalar-sized numbers (BIGNUM
//! records of 4, 6 or 9 limbs) are tested as the private scalar (`d*G == Q`).
//! Every test is counted against a per-file budget, so the search stays
//! bounded whatever the dump holds.

use super::DumpKeyHasher;
use super::bignum::{self, Order, Pool, Pooled, Site};
use crate::keys::{Curve, ParsedKey};
use crate::known_keys::{KnownPublic, KnownTarget};
use memchr::memmem;
use num_bigint::BigUint;
use num_integer::Integer;
use num_traits::Zero;
use std::collections::HashSet;

/// Most `n mod p` tests a file gets per known RSA key (about a microsecond each).
pub const MAX_DIVISIONS: usize = 1 << 20;

/// Most scalar multiplications a file gets per known EC key (tens of microseconds each).
pub const MAX_SCALAR_TESTS: usize = 1 << 14;

/// Bytes searched on each side of a copy of a known modulus or point.
const NEAR: usize = 64 << 10;
const NEAR_EC: usize = 4 << 10;

/// Copies of a public value considered, per key.
const MAX_HITS: usize = 16;

/// What the search recovered for one known key.
pub enum KnownFind {
    /// An RSA key, rebuilt from its modulus and a factor.
    Rsa(bignum::Recovered),
    /// An EC private scalar and where it and the public point were seen.
    Ec {
        /// The key (validated against the known point).
        key: ParsedKey,
        /// The scalar, big-endian, padded to the curve size.
        scalar: Vec<u8>,
        /// Copies of the scalar, then of the public X coordinate.
        components: Vec<(&'static str, Site)>,
    },
}

/// Search `bytes` for the private half of each target; warnings say which budgets ran out.
pub(crate) fn search(
    bytes: &[u8],
    targets: &[KnownTarget],
    pool: &Pool,
    starts: &[u64],
    already: &[String],
    warnings: &mut Vec<String>,
) -> Vec<KnownFind> {
    let mut out = Vec::new();
    for t in targets {
        match &t.public {
            KnownPublic::Rsa { n, e } => {
                let fp = crate::keys::rsa_spki(&n.to_bytes_be(), &e.to_bytes_be())
                    .map(|s| crate::keys::sha256_hex(&s));
                if fp.as_ref().is_some_and(|fp| already.contains(fp)) {
                    continue;
                }
                if let Some(r) = search_rsa(bytes, n, pool, starts, &t.name, warnings) {
                    out.push(KnownFind::Rsa(r));
                }
            }
            KnownPublic::Ec { curve, point } => {
                let fp = crate::keys::ec_spki(*curve, point).map(|s| crate::keys::sha256_hex(&s));
                if fp.as_ref().is_some_and(|fp| already.contains(fp)) {
                    continue;
                }
                if let Some(f) = search_ec(bytes, *curve, point, pool, &t.name, warnings) {
                    out.push(f);
                }
            }
        }
    }
    out
}

/// A 64-bit digest of a window: what the searches remember of the windows
/// they tested (8 bytes each, however long the window), so a million tests
/// stay in a few megabytes.
fn digest(window: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    window.hash(&mut h);
    h.finish()
}

/// Every copy (up to [`MAX_HITS`]) of a value in its given forms.
fn copies(bytes: &[u8], forms: &[(Vec<u8>, Order)]) -> Vec<Site> {
    let mut sites = Vec::new();
    for (needle, order) in forms {
        if needle.len() < 16 {
            continue;
        }
        for at in memmem::find_iter(bytes, needle).take(MAX_HITS) {
            sites.push(Site {
                file_offset: at as u64,
                len: needle.len() as u32,
                order: *order,
                record: None,
            });
        }
    }
    sites
}

fn base64url(bytes: &[u8]) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(bytes)
        .into_bytes()
}

/// Windows of `len` bytes at 4-byte steps within `NEAR` of each site.
fn near(bytes: &[u8], sites: &[Site], len: usize, reach: usize) -> Vec<usize> {
    let mut offs: Vec<usize> = Vec::new();
    for s in sites {
        let at = s.file_offset as usize;
        let from = at.saturating_sub(reach) & !3;
        let to = (at + s.len as usize + reach).min(bytes.len().saturating_sub(len));
        offs.extend((from..=to).step_by(4));
    }
    offs.sort_unstable();
    offs.dedup();
    offs
}

fn search_rsa(
    bytes: &[u8],
    n: &BigUint,
    pool: &Pool,
    starts: &[u64],
    name: &str,
    warnings: &mut Vec<String>,
) -> Option<bignum::Recovered> {
    let n_len = n.bits().div_ceil(8) as usize;
    let p_len = n_len / 2;
    if p_len < 32 || n.is_even() {
        return None;
    }
    let be = n.to_bytes_be();
    let n_sites = copies(
        bytes,
        &[
            (n.to_bytes_le(), Order::Le),
            (be.clone(), Order::Be),
            (base64url(&be), Order::Base64url),
        ],
    );
    let mut tests = 0usize;
    let mut tried: HashSet<u64, DumpKeyHasher> = HashSet::default();
    let mut test = |le: &[u8], tests: &mut usize| -> Option<BigUint> {
        // a factor is odd, has its top bit set, and looks random
        if le.first()? & 1 == 0 || *le.last()? < 0x80 || !bignum::looks_random(le) {
            return None;
        }
        if !tried.insert(digest(le)) {
            return None;
        }
        *tests += 1;
        let p = BigUint::from_bytes_le(le);
        (n % &p).is_zero().then_some(p)
    };
    let windows_at = |at: usize| -> [Option<Vec<u8>>; 2] {
        let w = bytes.get(at..at + p_len);
        [
            w.map(<[u8]>::to_vec),
            w.map(|w| w.iter().rev().copied().collect()),
        ]
    };
    let mut factor: Option<BigUint> = None;
    // near the copies of n, then pooled numbers, then every window start
    'search: {
        for at in near(bytes, &n_sites, p_len, NEAR) {
            for w in windows_at(at).into_iter().flatten() {
                if let Some(p) = test(&w, &mut tests) {
                    factor = Some(p);
                    break 'search;
                }
            }
        }
        for v in &pool.values {
            let le = v.value.to_bytes_le();
            if le.len() == p_len
                && let Some(p) = test(&le, &mut tests)
            {
                factor = Some(p);
                break 'search;
            }
        }
        for &at in starts {
            if tests >= MAX_DIVISIONS {
                warnings.push(format!(
                    "known key {name}: the search for a prime factor stopped after {MAX_DIVISIONS} tests"
                ));
                break 'search;
            }
            for w in windows_at(at as usize).into_iter().flatten() {
                if let Some(p) = test(&w, &mut tests) {
                    factor = Some(p);
                    break 'search;
                }
            }
        }
    }
    let p = factor?;
    let q = n / &p;
    if p == q || !bignum::probable_prime(&p) || !bignum::probable_prime(&q) {
        return None;
    }
    let pooled = |v: &BigUint| Pooled {
        value: v.clone(),
        sites: copies(
            bytes,
            &[(v.to_bytes_le(), Order::Le), (v.to_bytes_be(), Order::Be)],
        ),
        from_record: false,
    };
    let n_pooled = Pooled {
        value: n.clone(),
        sites: n_sites,
        from_record: false,
    };
    bignum::rebuild(
        bytes,
        Some(pool),
        n,
        &pooled(&p),
        &pooled(&q),
        &n_pooled,
        None,
    )
}

fn search_ec(
    bytes: &[u8],
    curve: Curve,
    point: &[u8],
    pool: &Pool,
    name: &str,
    warnings: &mut Vec<String>,
) -> Option<KnownFind> {
    let len = curve.scalar_len();
    let x = point.get(1..1 + len)?;
    let x_sites = copies(
        bytes,
        &[
            (x.iter().rev().copied().collect(), Order::Le),
            (x.to_vec(), Order::Be),
        ],
    );
    let mut tests = 0usize;
    let mut tried: HashSet<u64, DumpKeyHasher> = HashSet::default();
    let mut test = |be: &[u8]| -> bool {
        if tests >= MAX_SCALAR_TESTS || !bignum::looks_random(be) || !tried.insert(digest(be)) {
            return false;
        }
        tests += 1;
        curve.public_point(be).as_deref() == Some(point)
    };
    let mut scalar: Option<Vec<u8>> = None;
    'search: {
        for v in &pool.values {
            let b = v.value.to_bytes_be();
            if b.len() + 2 >= len && b.len() <= len {
                let mut padded = vec![0u8; len - b.len()];
                padded.extend_from_slice(&b);
                if test(&padded) {
                    scalar = Some(padded);
                    break 'search;
                }
            }
        }
        for at in near(bytes, &x_sites, len, NEAR_EC) {
            let Some(w) = bytes.get(at..at + len) else {
                continue;
            };
            let le: Vec<u8> = w.iter().rev().copied().collect();
            for cand in [w.to_vec(), le] {
                if test(&cand) {
                    scalar = Some(cand);
                    break 'search;
                }
            }
        }
    }
    if scalar.is_none() && tests >= MAX_SCALAR_TESTS {
        warnings.push(format!(
            "known key {name}: the search for the private scalar stopped after {MAX_SCALAR_TESTS} tests"
        ));
    }
    let scalar = scalar?;
    let key = crate::keys::ec_key(Some(curve), &scalar, Some(point));
    let v = BigUint::from_bytes_be(&scalar);
    let mut components: Vec<(&'static str, Site)> = Vec::new();
    let trimmed_le = v.to_bytes_le();
    for s in copies(
        bytes,
        &[(trimmed_le, Order::Le), (scalar.clone(), Order::Be)],
    ) {
        components.push(("d", s));
    }
    for s in x_sites {
        components.push(("public point x", s));
    }
    Some(KnownFind::Ec {
        key,
        scalar,
        components,
    })
}
