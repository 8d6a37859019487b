//! The private halves of known public keys (`--known-keys`), searched for in
//! any in-memory form. A known RSA modulus is looked for as big-endian bytes,
//! little-endian limbs and base64url text; around each copy, among the
//! numbers the bignum search pooled, and before every anchor of the file's
//! random-looking stretches (see [`super::bignum`]), prime-sized windows in both byte orders are tested as
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
use std::borrow::Cow;
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

/// Search `bytes` for the private half of each target; warnings say which budgets ran out.
pub(crate) fn search(
    bytes: &[u8],
    targets: &[KnownTarget],
    pool: &Pool,
    already: &[String],
    warnings: &mut Vec<String>,
) -> Vec<KnownFind> {
    let mut found: Vec<Option<KnownFind>> = targets.iter().map(|_| None).collect();
    let mut open_rsa: Vec<OpenRsa> = Vec::new();
    for (i, t) in targets.iter().enumerate() {
        match &t.public {
            KnownPublic::Rsa { n, e } => {
                let fp = crate::keys::rsa_spki(&n.to_bytes_be(), &e.to_bytes_be())
                    .map(|s| crate::keys::sha256_hex(&s));
                if fp.as_ref().is_some_and(|fp| already.contains(fp)) {
                    continue;
                }
                let Some(key) = OpenRsa::new(i, n, &t.name, bytes) else {
                    continue;
                };
                match near_factor(bytes, &key) {
                    Some(p) => found[i] = rebuild_rsa(bytes, pool, &key, &p).map(KnownFind::Rsa),
                    None => open_rsa.push(key),
                }
            }
            KnownPublic::Ec { curve, point } => {
                let fp = crate::keys::ec_spki(*curve, point).map(|s| crate::keys::sha256_hex(&s));
                if fp.as_ref().is_some_and(|fp| already.contains(fp)) {
                    continue;
                }
                found[i] = search_ec(bytes, *curve, point, pool, &t.name, warnings);
            }
        }
    }
    // keys of one factor size share the walk over pooled numbers and window
    // starts: each candidate is filtered and converted once, then divided
    // into every open modulus
    open_rsa.sort_by_key(|k| k.p_len);
    for group in open_rsa.chunk_by(|a, b| a.p_len == b.p_len) {
        for (k, p) in shared_factors(bytes, group, pool, warnings) {
            found[k.index] = rebuild_rsa(bytes, pool, k, &p).map(KnownFind::Rsa);
        }
    }
    found.into_iter().flatten().collect()
}

/// A known RSA modulus whose private half is still being looked for.
struct OpenRsa<'a> {
    index: usize,
    n: &'a BigUint,
    name: &'a str,
    p_len: usize,
    sites: Vec<Site>,
}

impl<'a> OpenRsa<'a> {
    fn new(index: usize, n: &'a BigUint, name: &'a str, bytes: &[u8]) -> Option<Self> {
        let p_len = n.bits().div_ceil(8) as usize / 2;
        if p_len < 32 || n.is_even() {
            return None;
        }
        let be = n.to_bytes_be();
        let sites = copies(
            bytes,
            &[
                (n.to_bytes_le(), Order::Le),
                (be.clone(), Order::Be),
                (base64url(&be), Order::Base64url),
            ],
        );
        Some(OpenRsa {
            index,
            n,
            name,
            p_len,
            sites,
        })
    }
}

/// A factor candidate's little-endian bytes, if it could be a prime factor:
/// odd, top bit set, random-looking, and not tested before.
fn factor_candidate(le: &[u8], tried: &mut HashSet<u64, DumpKeyHasher>) -> Option<BigUint> {
    if le.first()? & 1 == 0 || *le.last()? < 0x80 || !bignum::looks_random(le) {
        return None;
    }
    tried.insert(digest(le)).then(|| BigUint::from_bytes_le(le))
}

/// The window at `at` in both byte orders, as little-endian candidates. The
/// byte-reversed copy is made only when it could pass [`factor_candidate`]'s
/// first checks (odd low byte, top bit set): most windows fail them.
fn windows_at(bytes: &[u8], at: usize, len: usize) -> [Option<Cow<'_, [u8]>>; 2] {
    let Some(w) = bytes.get(at..at.saturating_add(len)) else {
        return [None, None];
    };
    let reversed = (w.last().is_some_and(|b| b & 1 == 1) && w.first().is_some_and(|&b| b >= 0x80))
        .then(|| Cow::Owned(w.iter().rev().copied().collect()));
    [Some(Cow::Borrowed(w)), reversed]
}

/// A factor of `key.n` among the windows near the copies of `key.n`.
fn near_factor(bytes: &[u8], key: &OpenRsa) -> Option<BigUint> {
    let mut tried: HashSet<u64, DumpKeyHasher> = HashSet::default();
    for at in near(bytes, &key.sites, key.p_len, NEAR) {
        for w in windows_at(bytes, at, key.p_len).into_iter().flatten() {
            if let Some(p) = factor_candidate(&w, &mut tried)
                && (key.n % &p).is_zero()
            {
                return Some(p);
            }
        }
    }
    None
}

/// Factors of the `group`'s moduli (all of one factor size) among pooled
/// numbers, then before every anchor of the file's random-looking stretches
/// (in hash order, so the budget favours no place). At most
/// [`MAX_DIVISIONS`] candidates are tested, each against every modulus still
/// open.
fn shared_factors<'k, 'a>(
    bytes: &[u8],
    group: &'k [OpenRsa<'a>],
    pool: &Pool,
    warnings: &mut Vec<String>,
) -> Vec<(&'k OpenRsa<'a>, BigUint)> {
    let p_len = group[0].p_len;
    let mut open: Vec<&OpenRsa> = group.iter().collect();
    let mut out = Vec::new();
    let mut tried: HashSet<u64, DumpKeyHasher> = HashSet::default();
    let mut tests = 0usize;
    let mut test = |le: &[u8], open: &mut Vec<&'k OpenRsa<'a>>, tests: &mut usize| {
        let Some(p) = factor_candidate(le, &mut tried) else {
            return;
        };
        *tests += 1;
        if let Some(i) = open.iter().position(|k| (k.n % &p).is_zero()) {
            out.push((open.swap_remove(i), p));
        }
    };
    for v in &pool.values {
        if open.is_empty() {
            break;
        }
        let le = v.value.to_bytes_le();
        if le.len() == p_len {
            test(&le, &mut open, &mut tests);
        }
    }
    'walk: for &(_, anchor) in &pool.anchors {
        for at in bignum::number_starts(anchor) {
            if open.is_empty() {
                break 'walk;
            }
            if tests >= MAX_DIVISIONS {
                for k in &open {
                    warnings.push(format!(
                        "known key {}: the search for a prime factor stopped after {MAX_DIVISIONS} tests",
                        k.name
                    ));
                }
                break 'walk;
            }
            for w in windows_at(bytes, at as usize, p_len).into_iter().flatten() {
                test(&w, &mut open, &mut tests);
            }
        }
    }
    out
}

/// The RSA key of `key.n` rebuilt from its factor `p`, with where its parts lie.
fn rebuild_rsa(bytes: &[u8], pool: &Pool, key: &OpenRsa, p: &BigUint) -> Option<bignum::Recovered> {
    let n = key.n;
    let q = n / p;
    if *p == q || !bignum::probable_prime(p) || !bignum::probable_prime(&q) {
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
        sites: key.sites.clone(),
        from_record: false,
    };
    bignum::rebuild(
        bytes,
        Some(pool),
        n,
        &pooled(p),
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
