//! Correlation: prime-sized values paired against moduli, then each key
//! rebuilt from n, p, q and an exponent, checked and fingerprinted.

use super::*;

/// An RSA key rebuilt from memory.
#[derive(Debug, Clone)]
pub struct Recovered {
    /// The rebuilt key: fingerprint, size, validation.
    pub key: ParsedKey,
    /// Where each named component was seen (`n`, `p`, `q`, `d`, and `bignum n`
    /// etc. for the records), file offsets with their byte order.
    pub components: Vec<(&'static str, Site)>,
    /// PKCS#1 DER of the rebuilt key (the secret).
    pub pkcs1_der: Vec<u8>,
    /// Public exponent used, and whether its private exponent was seen in memory.
    pub e_confirmed: bool,
}

/// Per-file outcome of the correlation.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Recovered keys, one per modulus.
    pub keys: Vec<Recovered>,
    /// Limits that were reached, for the file's warnings.
    pub warnings: Vec<String>,
}

/// Correlate one file's collected candidates into RSA keys.
pub fn recover(bytes: &[u8], index: &AddressIndex, collected: Collected) -> Outcome {
    recover_with_pool(bytes, index, collected).0
}

/// [`recover`], also handing back the candidate pool with the file's
/// anchors, which the known-key search reuses.
pub(crate) fn recover_with_pool(
    bytes: &[u8],
    index: &AddressIndex,
    collected: Collected,
) -> (Outcome, Pool) {
    // (records and objects are kept by a hash of their place, then read in
    // file order so each number's first site is its first copy)
    let (mut records, records_dropped) = collected.records.finish();
    records.sort_unstable_by_key(|(_, r)| r.file_offset);
    let (mut anchors, anchors_dropped) = collected.anchors.finish();
    // copies of one number in file order, so the sites kept are the same every run
    anchors.sort_unstable();
    let (mut symcrypt, symcrypt_dropped) = collected.symcrypt.finish();
    symcrypt.sort_unstable_by_key(|(_, k)| k.file_offset);
    let mut pool = Pool {
        passes_left: std::cell::Cell::new(MAX_EXPONENT_PASSES),
        ..Pool::default()
    };
    let mut outcome = Outcome::default();
    // BIGNUM records: follow each pointer to its limbs
    for (_, r) in &records {
        let len = r.top as usize * r.limb as usize;
        let Some(range) = index.file_range(r.limbs, len as u64) else {
            continue;
        };
        let Some(limbs) = bytes.get(range.clone()) else {
            continue;
        };
        // the top limb is non-zero in a well-formed BIGNUM
        if limbs
            .get(len - r.limb as usize..)
            .is_none_or(|t| t.iter().all(|&b| b == 0))
        {
            continue;
        }
        pool.add(
            limbs,
            Site {
                file_offset: range.start as u64,
                len: len as u32,
                order: Order::Le,
                record: Some(r.file_offset),
            },
        );
    }
    // layout-free windows before anchors whose 16 bytes repeat elsewhere in
    // the file, taken in hash order (not file order) so a full pool does not
    // favour any place
    let mut tried: std::collections::HashSet<u64, DumpKeyHasher> = Default::default();
    let mut i = 0;
    while i < anchors.len() {
        let mut j = i + 1;
        while j < anchors.len() && anchors[j].0 == anchors[i].0 {
            j += 1;
        }
        if j - i >= 2 {
            for &(_, off) in anchors.get(i..j.min(i + MAX_SITES)).unwrap_or_default() {
                for start in number_starts(off) {
                    if tried.insert(start) {
                        windows_at(bytes, start, &mut pool);
                    }
                }
            }
        }
        i = j;
    }
    pool.anchors = anchors;
    if anchors_dropped + pool.overflow > 0 {
        outcome.warnings.push(format!(
            "layout-free RSA search reached its limits ({} candidates dropped, chosen by hash, not by place); keys held only in the dropped places may be missed",
            anchors_dropped + pool.overflow
        ));
    }
    if records_dropped > 0 {
        outcome.warnings.push(format!(
            "{records_dropped} BIGNUM-shaped records over the cap of {MAX_RECORDS} were dropped (chosen by a hash of their place); keys whose only records were dropped may be missed"
        ));
    }
    if symcrypt_dropped > 0 {
        outcome.warnings.push(format!(
            "{symcrypt_dropped} SymCrypt-shaped key objects over the cap of {MAX_SYMCRYPT} were dropped (chosen by a hash of their place); keys held only in them may be missed"
        ));
    }
    outcome.keys = pair(bytes, &pool, &mut outcome.warnings);
    let mut budget = SYMCRYPT_DIVISIONS;
    for (_, k) in &symcrypt {
        if let Some(r) = symcrypt_key(bytes, &pool, k, &mut budget)
            && !outcome.keys.iter().any(|o| o.key.spki == r.key.spki)
        {
            outcome.keys.push(r);
        }
    }
    if budget == 0 {
        outcome.warnings.push(format!(
            "the search inside {} SymCrypt-shaped key objects stopped after {SYMCRYPT_DIVISIONS} tests",
            symcrypt.len()
        ));
    }
    for key in &mut outcome.keys {
        find_key_objects(bytes, index, key);
    }
    (outcome, pool)
}

pub(super) fn low64(v: &BigUint) -> u64 {
    v.iter_u64_digits().next().unwrap_or(0)
}

/// Pair prime-sized values whose product is a pooled modulus.
pub(super) fn pair(bytes: &[u8], pool: &Pool, warnings: &mut Vec<String>) -> Vec<Recovered> {
    let mut out: Vec<Recovered> = Vec::new();
    let mut done: Vec<BigUint> = Vec::new();
    for p_bytes in PRIME_BYTES {
        let bits = (p_bytes * 8) as u64;
        let mut primes: Vec<&Pooled> = pool
            .values
            .iter()
            .filter(|v| v.value.bits() > bits - 8 && v.value.bits() <= bits && v.value.is_odd())
            .collect();
        let mut moduli: HashMap<u64, Vec<&Pooled>, DumpKeyHasher> = HashMap::default();
        for v in &pool.values {
            let b = v.value.bits();
            if b > 2 * bits - 8 && b <= 2 * bits && v.value.is_odd() {
                moduli.entry(low64(&v.value)).or_default().push(v);
            }
        }
        if primes.len() < 2 || moduli.is_empty() {
            continue;
        }
        if primes.len() > MAX_PAIRED {
            // keep the best-attested: found through records, or seen most often
            primes.sort_by_key(|v| std::cmp::Reverse((v.from_record, v.sites.len())));
            warnings.push(format!(
                "{} candidate {}-bit primes; only the {MAX_PAIRED} best attested were paired",
                primes.len(),
                bits
            ));
            primes.truncate(MAX_PAIRED);
        }
        let lows: Vec<u64> = primes.iter().map(|p| low64(&p.value)).collect();
        for a in 0..primes.len() {
            for b in a + 1..primes.len() {
                let Some(ns) = moduli.get(&lows[a].wrapping_mul(lows[b])) else {
                    continue;
                };
                for n in ns {
                    let (p, q) = (&primes[a].value, &primes[b].value);
                    if done.contains(&n.value) {
                        continue;
                    }
                    if p * q != n.value || !probable_prime(p) || !probable_prime(q) {
                        continue;
                    }
                    if let Some(r) =
                        rebuild(bytes, Some(pool), &n.value, primes[a], primes[b], n, None)
                    {
                        done.push(n.value.clone());
                        out.push(r);
                    }
                }
            }
        }
    }
    out
}

/// Rebuild the whole key from n, p and q: find e by finding its d in memory.
pub(crate) fn rebuild(
    bytes: &[u8],
    pool: Option<&Pool>,
    n: &BigUint,
    p: &Pooled,
    q: &Pooled,
    n_pooled: &Pooled,
    e_hint: Option<u64>,
) -> Option<Recovered> {
    let one = BigUint::one();
    let (p1, q1) = (&p.value - &one, &q.value - &one);
    let lambda = p1.lcm(&q1);
    let phi = &p1 * &q1;
    // the private exponent of the right e is in memory (the key object holds
    // it): look it up among the pooled numbers, else in one pass over the file
    let mut candidates: Vec<(BigUint, BigUint)> = Vec::new();
    let mut exponents: Vec<u64> = e_hint.into_iter().collect();
    exponents.extend(
        [65537u64, 3, 5, 17, 37]
            .iter()
            .filter(|e| Some(**e) != e_hint),
    );
    for e in exponents {
        let e = BigUint::from(e);
        for m in [&lambda, &phi] {
            if let Some(d) = mod_inverse(&e, m) {
                candidates.push((e.clone(), d));
            }
        }
    }
    let mut chosen: Option<(BigUint, BigUint, Option<Site>)> = pool.and_then(|pool| {
        candidates.iter().find_map(|(e, d)| {
            let i = *pool.by_value.get(&d.to_bytes_le())?;
            let site = pool.values.get(i)?.sites.first().copied();
            Some((e.clone(), d.clone(), site))
        })
    });
    // held once: placed through its anchor, little- or big-endian
    if chosen.is_none()
        && let Some(pool) = pool
    {
        chosen = candidates.iter().find_map(|(e, d)| {
            let mut le = d.to_bytes_le();
            le.resize(le.len().div_ceil(4) * 4, 0);
            [
                (d.to_bytes_le(), Order::Le),
                (d.to_bytes_be(), Order::Be),
                (java_ints_to_le(&le), Order::JavaInts),
            ]
            .into_iter()
            .find_map(|(form, order)| {
                let at = pool.locate(bytes, &form)?;
                let site = Site {
                    file_offset: at,
                    len: form.len() as u32,
                    order,
                    record: None,
                };
                Some((e.clone(), d.clone(), Some(site)))
            })
        });
    }
    let pass_allowed = || {
        pool.is_none_or(|pool| {
            let left = pool.passes_left.get();
            pool.passes_left.set(left.saturating_sub(1));
            left > 0
        })
    };
    if chosen.is_none() && pass_allowed() {
        chosen = find_any_number(bytes, &candidates)
            .map(|(i, site)| (candidates[i].0.clone(), candidates[i].1.clone(), Some(site)));
    }
    let e_confirmed = chosen.is_some();
    let (e, d, d_site) = match chosen {
        Some(c) => c,
        None => {
            let e = BigUint::from(e_hint.unwrap_or(65537));
            let d = mod_inverse(&e, &lambda)?;
            (e, d, None)
        }
    };
    let zero = BigUint::zero();
    let validation = keys::validate_rsa(n, &e, &d, &p.value, &q.value, [&zero, &zero, &zero]);
    if validation != Validation::Valid {
        return None;
    }
    let spki = keys::rsa_spki(&n.to_bytes_be(), &e.to_bytes_be());
    let mut key = ParsedKey::new("rsa-private-key", "rsa", Validation::Valid, spki);
    key.info.bits = u32::try_from(n.bits()).ok();
    if !e_confirmed {
        key.info.note = Some(
            "public exponent assumed to be 65537: no matching private exponent was found in memory"
                .to_string(),
        );
    }
    let mut components = Vec::new();
    for (name, pooled) in [("n", n_pooled), ("p", p), ("q", q)] {
        for s in &pooled.sites {
            components.push((name, *s));
        }
    }
    if let Some(s) = d_site {
        components.push(("d", s));
    }
    let pkcs1_der = pkcs1_der(n, &e, &d, &p.value, &q.value)?;
    Some(Recovered {
        key,
        components,
        pkcs1_der,
        e_confirmed,
    })
}

/// Key objects holding the key: places that point at the BIGNUM record of n
/// and, within the next eight pointers, at the records of p and q (OpenSSL's
/// `struct rsa_st` holds n, e, d, p, q, dmp1, dmq1, iqmp in a row; other
/// versions shift the run but keep it). Each becomes an `RSA object` component.
pub(super) fn find_key_objects(bytes: &[u8], index: &AddressIndex, key: &mut Recovered) {
    let record_addrs = |name: &str| -> Vec<u64> {
        key.components
            .iter()
            .filter(|(n, _)| *n == name)
            .filter_map(|(_, s)| s.record.and_then(|r| index.address_of(r)))
            .collect()
    };
    let (ns, ps, qs) = (record_addrs("n"), record_addrs("p"), record_addrs("q"));
    let mut objects = Vec::new();
    for n_rec in ns {
        for at in memmem::find_iter(bytes, &n_rec.to_le_bytes()).take(16) {
            let slots: Vec<u64> = (1..8).filter_map(|i| u64_at(bytes, at + 8 * i)).collect();
            if slots.iter().any(|s| ps.contains(s)) && slots.iter().any(|s| qs.contains(s)) {
                objects.push(Site {
                    file_offset: at as u64,
                    len: 64,
                    order: Order::Le,
                    record: None,
                });
            }
        }
    }
    for o in objects.into_iter().take(MAX_SITES) {
        key.components.push(("RSA object", o));
    }
}

/// The first place in `bytes` where one of the candidates' second numbers
/// (private exponents) sits, little- or big-endian: one pass for all of them.
pub(super) fn find_any_number(
    bytes: &[u8],
    candidates: &[(BigUint, BigUint)],
) -> Option<(usize, Site)> {
    let mut patterns: Vec<(Vec<u8>, usize, Order)> = Vec::new();
    for (i, (_, d)) in candidates.iter().enumerate() {
        let le = d.to_bytes_le();
        if le.len() < 32 {
            continue;
        }
        patterns.push((d.to_bytes_be(), i, Order::Be));
        patterns.push((le, i, Order::Le));
    }
    // a short prefix of each keeps the automaton small and SIMD-searchable
    let searcher = aho_corasick::packed::Config::new()
        .builder()
        .extend(patterns.iter().map(|p| &p.0[..16]))
        .build()?;
    for m in searcher.find_iter(bytes) {
        let Some((pat, i, order)) = patterns.get(m.pattern().as_usize()) else {
            continue;
        };
        if bytes.get(m.start()..m.start() + pat.len()) == Some(pat.as_slice()) {
            return Some((
                *i,
                Site {
                    file_offset: m.start() as u64,
                    len: pat.len() as u32,
                    order: *order,
                    record: None,
                },
            ));
        }
    }
    None
}

pub(super) fn mod_inverse(a: &BigUint, m: &BigUint) -> Option<BigUint> {
    use num_bigint::BigInt;
    let (a, m) = (BigInt::from(a.clone()), BigInt::from(m.clone()));
    let g = a.extended_gcd(&m);
    if !g.gcd.is_one() {
        return None;
    }
    g.x.mod_floor(&m).to_biguint()
}

/// Miller-Rabin with bases 2 and 3. It only runs on exact p*q == n matches
/// of key-sized numbers found in memory, where chance is already excluded;
/// it rejects degenerate factorisations (a composite "prime"), and each base
/// costs a full modular exponentiation (milliseconds for 2048-bit primes).
pub fn probable_prime(n: &BigUint) -> bool {
    let one = BigUint::one();
    let two = BigUint::from(2u32);
    if *n < two || n.is_even() {
        return *n == two;
    }
    let n1 = n - &one;
    let s = n1.trailing_zeros().unwrap_or(0);
    let d = &n1 >> s;
    'bases: for a in [2u32, 3] {
        let a = BigUint::from(a);
        if a >= *n {
            continue;
        }
        let mut x = a.modpow(&d, n);
        if x == one || x == n1 {
            continue;
        }
        for _ in 1..s {
            x = x.modpow(&two, n);
            if x == n1 {
                continue 'bases;
            }
        }
        return false;
    }
    true
}

pub(super) fn pkcs1_der(
    n: &BigUint,
    e: &BigUint,
    d: &BigUint,
    p: &BigUint,
    q: &BigUint,
) -> Option<Vec<u8>> {
    use der::Encode;
    let one = BigUint::one();
    let dp = d % (p - &one);
    let dq = d % (q - &one);
    let qinv = mod_inverse(q, p)?;
    let parts: Vec<Vec<u8>> = [n, e, d, p, q, &dp, &dq, &qinv]
        .iter()
        .map(|v| v.to_bytes_be())
        .collect();
    fn uint(b: &[u8]) -> Option<der::asn1::UintRef<'_>> {
        der::asn1::UintRef::new(b).ok()
    }
    let key = pkcs1::RsaPrivateKey {
        modulus: uint(&parts[0])?,
        public_exponent: uint(&parts[1])?,
        private_exponent: uint(&parts[2])?,
        prime1: uint(&parts[3])?,
        prime2: uint(&parts[4])?,
        exponent1: uint(&parts[5])?,
        exponent2: uint(&parts[6])?,
        coefficient: uint(&parts[7])?,
        other_prime_infos: None,
    };
    key.to_der().ok()
}
