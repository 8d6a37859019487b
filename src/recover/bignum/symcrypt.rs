//! SymCrypt RSA key objects (Windows CNG, libsymcrypt): found by their
//! header, the key's numbers read from inside the same allocation.

use super::*;

/// The header of a SymCrypt `SYMCRYPT_RSAKEY` (SymCrypt's
/// `symcrypt_internal.h`, checked on a real process with libsymcrypt 103):
/// `fAlgorithmInfo, cbTotalSize, hasPrivateKey, nSetBitsOfModulus,
/// nBitsOfModulus, nDigitsOfModulus, nPubExp, nPrimes, nBitsOfPrimes[2],
/// nDigitsOfPrimes[2], nMaxDigitsOfPrimes`, then the public exponent as a
/// u64. The key's numbers (little-endian digit arrays) follow inside the
/// same `cbTotalSize`-byte allocation. Windows CNG's `KRSM` objects point
/// at one of these.
#[derive(Debug, Clone, Copy)]
pub struct SymcryptKey {
    /// File offset of the header.
    pub file_offset: u64,
    /// Bytes of the whole key object.
    pub total: u32,
    /// Modulus size in bits.
    pub bits: u32,
    /// Size of each prime in bits.
    pub prime_bits: [u32; 2],
    /// The public exponent.
    pub e: u64,
}

/// Most SymCrypt key objects one file contributes.
pub(super) const MAX_SYMCRYPT: usize = 256;

/// Most `n mod p` tests the SymCrypt objects of one file get (a real object
/// needs a few dozen; shaped noise cannot make the search quadratic).
pub(super) const SYMCRYPT_DIVISIONS: usize = 1 << 16;

/// Largest SymCrypt key object read (an RSA-16384 key object is under 32 KiB).
pub(super) const MAX_SYMCRYPT_BYTES: u32 = 128 << 10;

/// A SymCrypt RSA key header at `at`, if the words there have its shape.
/// (It belongs to the chunk whose range holds its nBitsOfModulus word, where
/// the caller found it.)
pub(super) fn symcrypt_at(unit: &[u8], base: u64, at: usize, out: &mut Collected) {
    let w = |i: usize| u32_at(unit, at + 4 * i);
    let (Some(total), Some(private), Some(set_bits), Some(bits), Some(n_pub), Some(n_primes)) =
        (w(1), w(2), w(3), w(4), w(6), w(7))
    else {
        return;
    };
    let (Some(pb0), Some(pb1)) = (w(8), w(9)) else {
        return;
    };
    let plausible = private == 1
        && (1024..=16384).contains(&bits)
        && set_bits == bits
        && n_pub == 1
        && n_primes == 2
        && pb0 + pb1 >= bits
        && pb0 + pb1 <= bits + 1
        && pb0.abs_diff(pb1) <= 64
        && (total as u64) >= 4 * u64::from(bits) / 8
        && total <= MAX_SYMCRYPT_BYTES;
    if !plausible {
        return;
    }
    // the public exponent: the first non-zero u64 after nMaxDigitsOfPrimes, 8-aligned
    let e = (13..18)
        .filter_map(|i| {
            let off = at + 4 * i;
            off.is_multiple_of(8).then(|| u64_at(unit, off)).flatten()
        })
        .find(|&v| v != 0)
        .unwrap_or(65537);
    let file_offset = base + at as u64;
    out.symcrypt.push(
        place_key(file_offset),
        SymcryptKey {
            file_offset,
            total,
            bits,
            prime_bits: [pb0, pb1],
            e,
        },
    );
}

/// Rebuild the key a SymCrypt RSA key object holds: inside its allocation,
/// the modulus is a window of exactly `bits` bits and a prime a window that
/// divides it (each allocation is a few KiB: a few thousand divisions at most).
pub(super) fn symcrypt_key(
    bytes: &[u8],
    pool: &Pool,
    k: &SymcryptKey,
    budget: &mut usize,
) -> Option<Recovered> {
    let start = usize::try_from(k.file_offset).ok()?;
    let alloc = bytes.get(start..start.checked_add(k.total as usize)?.min(bytes.len()))?;
    let n_len = (k.bits as usize).div_ceil(8);
    let site = |off: usize, len: usize| Site {
        file_offset: (start + off) as u64,
        len: len as u32,
        order: Order::Le,
        record: None,
    };
    let mut moduli = Vec::new();
    // SymCrypt aligns its digit arrays (SYMCRYPT_ASYM_ALIGN, 32 bytes on
    // x86-64) inside a 16-aligned allocation: 16-byte steps find them all
    for off in (0..alloc.len().saturating_sub(n_len - 1)).step_by(16) {
        let w = alloc.get(off..off + n_len)?;
        // odd, and its top byte holds the modulus' top bit
        let top_bit = (k.bits - 1) % 8;
        if w.first().is_none_or(|b| b & 1 == 0) || w.last().is_none_or(|&b| b >> top_bit != 1) {
            continue;
        }
        let v = BigUint::from_bytes_le(w);
        if v.bits() == u64::from(k.bits) && v.is_odd() && looks_random(w) {
            moduli.push((off, v));
        }
    }
    for (n_off, n) in moduli.iter().take(4) {
        for &pbits in &k.prime_bits {
            let p_len = (pbits as usize).div_ceil(8);
            for off in (0..alloc.len().saturating_sub(p_len - 1)).step_by(4) {
                let Some(w) = alloc.get(off..off + p_len) else {
                    continue;
                };
                let top_bit = (pbits - 1) % 8;
                if w.first().is_none_or(|b| b & 1 == 0)
                    || w.last().is_none_or(|&b| b >> top_bit != 1)
                    || !looks_random(w)
                {
                    continue;
                }
                if *budget == 0 {
                    return None;
                }
                *budget -= 1;
                let p = BigUint::from_bytes_le(w);
                if p.bits() != u64::from(pbits) || p.is_one() || !(n % &p).is_zero() {
                    continue;
                }
                let q = n / &p;
                if p == q || !probable_prime(&p) || !probable_prime(&q) {
                    continue;
                }
                let q_le = q.to_bytes_le();
                let q_sites: Vec<Site> = memmem::find(alloc, &q_le)
                    .map(|o| site(o, q_le.len()))
                    .into_iter()
                    .collect();
                let pooled = |value: BigUint, sites: Vec<Site>| Pooled {
                    value,
                    sites,
                    from_record: false,
                };
                let mut r = rebuild(
                    bytes,
                    Some(pool),
                    n,
                    &pooled(p, vec![site(off, p_len)]),
                    &pooled(q, q_sites),
                    &pooled(n.clone(), vec![site(*n_off, n_len)]),
                    Some(k.e),
                )?;
                r.components.push((
                    "SymCrypt RSA key object",
                    Site {
                        file_offset: k.file_offset,
                        len: k.total,
                        order: Order::Le,
                        record: None,
                    },
                ));
                return Some(r);
            }
        }
    }
    None
}
