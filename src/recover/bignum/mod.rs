//! RSA keys as running programs hold them: numbers stored as limb arrays.
//!
//! Once OpenSSL (or BoringSSL, or most bignum libraries) has loaded a key, the
//! PEM and DER are gone and n, p, q and d live only as arrays of machine words,
//! least significant first; on a little-endian machine that is simply the
//! number's little-endian bytes, whether the limbs are 32 or 64 bits wide.
//! Two independent ways lead to those arrays:
//!
//! - **BIGNUM records.** OpenSSL's `struct bignum_st { BN_ULONG *d; int top;
//!   int dmax; int neg; int flags; }` is found by its shape (a key-sized `top`,
//!   `top <= dmax`, `neg == 0`, small flags, 64- or 32-bit pointers), and its
//!   pointer is followed through the dump's address map to the limbs. Few
//!   records pass, whatever the data, and each names its number exactly.
//! - **Layout-free windows.** A key number copied to several places (the key
//!   object, Montgomery contexts, blinding) is a run of at least 64
//!   random-looking bytes that occurs twice, and random data has no repeats,
//!   so repeats are what the search looks for. It does not remember every
//!   position: within each stretch of random-looking bytes it keeps the
//!   *anchors*, the position of the smallest 16-byte hash in every window of
//!   13 consecutive 4-byte steps (a minimizer scheme, about one position in
//!   seven). Every copy of a number has its first 64 bytes in one such window,
//!   so every copy yields the same anchor at the same distance from the
//!   number's start, and a number starts at most 48 bytes before an anchor
//!   whose hash repeats. Stretches longer than [`MAX_SEGMENT`] (a page of
//!   random, compressed or encrypted data, not a heap of allocations) and runs
//!   of non-zero words longer than [`MAX_RUN`] are not searched this way; the
//!   BIGNUM path still covers them. When a file holds more anchors than
//!   [`MAX_ANCHORS`], those with the smallest hashes are kept: the same
//!   anchors wherever they lie and whatever order chunks finish in, and every
//!   copy of a number together.
//!
//! Candidates of every origin meet in one pool keyed by value. Pairs of
//! prime-sized values are matched against modulus-sized values by their low
//! 64 bits first (`p0 * q0 == n0 mod 2^64`, a few nanoseconds a pair), then
//! exactly (`p * q == n`), then p and q must pass Miller-Rabin. The key is
//! rebuilt from n, p, q and the public exponent whose private exponent is
//! also found in memory (65537 assumed when none is), and fingerprinted like
//! any other RSA key.

mod pool;
mod rebuild;
mod records;
mod smallest;
mod symcrypt;

use pool::*;
pub use pool::{Order, Site};
pub(crate) use pool::{Pool, Pooled, java_ints_to_le, looks_random};
pub use rebuild::{Outcome, Recovered, probable_prime, recover};
pub(crate) use rebuild::{rebuild, recover_with_pool};
pub use records::Record;
use records::*;
pub use smallest::Smallest;
use smallest::place_key;
pub use symcrypt::SymcryptKey;
use symcrypt::*;

use super::DumpKeyHasher;
use super::address::AddressIndex;
use crate::keys::{self, ParsedKey, Validation};
use memchr::memmem;
use num_bigint::BigUint;
use num_integer::Integer;
use num_traits::{One, Zero};
use std::collections::HashMap;
use std::ops::Range;

/// Prime sizes searched, in bytes: RSA-1024 to RSA-4096 (and RSA-6144/8192
/// through BIGNUM records, which are not limited to these).
pub const PRIME_BYTES: [usize; 5] = [64, 96, 128, 192, 256];

/// Window sizes the layout-free search reads: every prime size and every modulus size.
pub(super) const WINDOW_BYTES: [usize; 7] = [64, 96, 128, 192, 256, 384, 512];

/// Longest run of non-zero 32-bit words the layout-free search reads; longer
/// runs are high-entropy data (random, compressed, encrypted), not a heap.
pub const MAX_RUN: usize = 64 << 10;

/// Longest stretch of random-looking bytes the layout-free search reads: a
/// key's numbers are allocations of at most 512 bytes, and even a 4096-bit
/// key's eight numbers side by side fit; a page of random bytes does not.
pub const MAX_SEGMENT: usize = 3 << 10;

/// Consecutive 4-byte steps in one minimizer window: a 64-byte number (the
/// smallest searched) spans 13 positions of 16 bytes.
pub(super) const ANCHOR_WINDOW: usize = 13;

/// Most anchors one file keeps for the repeat test (16 bytes each, up to
/// 36 MB held while collecting); beyond it the smallest hashes are kept, so
/// the choice does not depend on place.
pub const MAX_ANCHORS: usize = 2 << 20;

/// Most BIGNUM records one file contributes.
pub const MAX_RECORDS: usize = 1 << 18;

/// Most distinct candidate values one file pools.
pub const MAX_VALUES: usize = 1 << 16;

/// Most prime-sized values paired per size: pairs grow with the square.
pub const MAX_PAIRED: usize = 4096;

/// BIGNUM `top` values (in 64-bit limbs) of key numbers: 512- to 8192-bit.
pub(super) const TOPS_64: [u32; 9] = [8, 12, 16, 24, 32, 48, 64, 96, 128];

/// BIGNUM `top` values (64-bit limbs) of EC private scalars: P-256, P-384, P-521.
pub(super) const EC_TOPS_64: [u32; 3] = [4, 6, 9];

/// What a 32-bit word up to 16384 may be: bit 1 an RSA number's BIGNUM
/// `top` in 64-bit limbs, bit 2 in 32-bit limbs, bits 4 and 8 the same for EC
/// scalars, bit 16 a SymCrypt RSA key's `nBitsOfModulus` (a multiple of 512
/// from 1024). The last entry stands for every larger value (nothing).
pub(super) static TOP_KINDS: [u8; 16386] = {
    let mut t = [0u8; 16386];
    let mut bits = 1024;
    while bits <= 16384 {
        t[bits] |= 16;
        bits += 512;
    }
    let mut i = 0;
    while i < TOPS_64.len() {
        t[TOPS_64[i] as usize] |= 1;
        t[2 * TOPS_64[i] as usize] |= 2;
        i += 1;
    }
    let mut i = 0;
    while i < EC_TOPS_64.len() {
        t[EC_TOPS_64[i] as usize] |= 4;
        // P-521 in 32-bit limbs is 17 words, not 18
        let w32 = if EC_TOPS_64[i] == 9 {
            17
        } else {
            2 * EC_TOPS_64[i]
        };
        t[w32 as usize] |= 8;
        i += 1;
    }
    t
};

/// What one chunk of a file contributes; merged per file. Each kind of
/// candidate is capped by key, never first-come: anchors by their hash (so
/// copies of a number are kept or dropped together), records and SymCrypt
/// objects by a hash of their place (so those kept are spread over the file).
#[derive(Debug)]
pub struct Collected {
    /// File offsets of anchors, keyed by the hash of their 16 bytes.
    pub anchors: Smallest<u64>,
    /// Candidate BIGNUM records.
    pub records: Smallest<Record>,
    /// Candidate SymCrypt RSA key objects.
    pub symcrypt: Smallest<SymcryptKey>,
    /// Reused per stretch: its positions' keys, and their running minima.
    scratch: (Vec<u128>, Vec<u128>),
}

impl Default for Collected {
    fn default() -> Self {
        Collected {
            anchors: Smallest::new(MAX_ANCHORS),
            records: Smallest::new(MAX_RECORDS),
            symcrypt: Smallest::new(MAX_SYMCRYPT),
            scratch: (Vec::new(), Vec::new()),
        }
    }
}

impl Collected {
    /// Add another chunk's findings, keeping the caps.
    pub fn merge(&mut self, other: Collected) {
        self.anchors.merge(other.anchors);
        self.records.merge(other.records);
        self.symcrypt.merge(other.symcrypt);
    }
}

/// Where a number with an anchor at `anchor` may start: up to
/// `ANCHOR_WINDOW - 1` steps before it (the anchor lies in its first 64 bytes).
pub(crate) fn number_starts(anchor: u64) -> impl Iterator<Item = u64> {
    (0..ANCHOR_WINDOW as u64).filter_map(move |k| anchor.checked_sub(4 * k))
}

pub(super) fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

pub(super) fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

pub(super) fn hash16(b: &[u8]) -> u64 {
    let lo = u64::from_le_bytes(b[..8].try_into().unwrap_or_default());
    let hi = u64::from_le_bytes(b[8..16].try_into().unwrap_or_default());
    (lo ^ hi.rotate_left(29)).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ hi
}

/// Collect window starts and BIGNUM records in `owned` (a range of `unit`,
/// whose first byte is at file offset `base`); `phase` is the offset in
/// `unit` of a 4-aligned address, `addr8` of an 8-aligned one.
pub fn collect(
    unit: &[u8],
    base: u64,
    owned: Range<usize>,
    (phase, addr8): (usize, usize),
    ec_scalars: bool,
    out: &mut Collected,
) {
    let wanted: u8 = if ec_scalars { 0x1f } else { 0x13 };
    let first = owned.start + (phase + 4 - owned.start % 4) % 4;
    if first >= owned.end {
        return;
    }
    // the run of non-zero words containing `first` may have begun before it
    let mut run_start = first;
    while run_start >= 4 && first - run_start < MAX_RUN + 4 {
        match u32_at(unit, run_start - 4) {
            Some(w) if w != 0 => run_start -= 4,
            _ => break,
        }
    }
    let mut pos = first;
    while pos < owned.end {
        // fast path: sixteen words that are neither zero nor small (random
        // data, text, code) need nothing but the run to go on; sixteen zero
        // words end it
        let mut slow_end = owned.end.min(pos + 64);
        if pos + 64 <= owned.end
            && let Some(b) = unit.get(pos..pos + 64)
        {
            let words = block_words(b);
            // (no early exit: the compiler turns this into a few vector ops)
            let (mut small, mut any) = (0u32, 0u32);
            for w in words {
                small |= u32::from(w & 0xffff_fe00 == 0);
                any |= w;
            }
            let small = small != 0;
            if !small {
                pos += 64;
                continue;
            }
            if any == 0 {
                if pos >= run_start + 64 {
                    run_done(unit, base, run_start..pos, first..owned.end, out);
                }
                pos += 64;
                run_start = pos;
                continue;
            }
            slow_end = pos + 64;
        }
        if slow_end == pos + 64
            && let Some(b) = unit.get(pos..pos + 64)
        {
            // a mixed block (heap data): bit masks of its zero words and of
            // its words that may be a BIGNUM `top`, then only those words
            let words = block_words(b);
            let (mut zeros, mut tops) = (0u32, 0u32);
            for (i, &w) in words.iter().enumerate() {
                zeros |= u32::from(w == 0) << i;
                let kinds = TOP_KINDS[w.min(16385) as usize] & wanted;
                tops |= u32::from(kinds != 0) << i;
            }
            while tops != 0 {
                let i = tops.trailing_zeros() as usize;
                tops &= tops - 1;
                let at = pos + 4 * i;
                let w = u32_at(unit, at).unwrap_or(0);
                let kinds = TOP_KINDS[w.min(16385) as usize] & wanted;
                word_hit(unit, base, at, kinds, addr8, out);
            }
            if zeros != 0 {
                // only the run that began before this block can be long enough
                let first_zero = pos + 4 * zeros.trailing_zeros() as usize;
                if first_zero >= run_start + 64 {
                    run_done(unit, base, run_start..first_zero, first..owned.end, out);
                }
                run_start = pos + 4 * (32 - zeros.leading_zeros() as usize);
            }
            pos += 64;
            continue;
        }
        // the tail of the owned range: word by word
        while pos < slow_end {
            let Some(w) = u32_at(unit, pos) else {
                pos = owned.end;
                break;
            };
            if w == 0 {
                // runs shorter than the smallest window hold nothing
                if pos >= run_start + 64 {
                    run_done(unit, base, run_start..pos, first..owned.end, out);
                }
                run_start = pos + 4;
            } else {
                let kinds = TOP_KINDS[w.min(16385) as usize] & wanted;
                word_hit(unit, base, pos, kinds, addr8, out);
            }
            pos += 4;
        }
    }
    // the last run may go on past the owned range
    if run_start < owned.end {
        let mut end = pos;
        while end - run_start <= MAX_RUN {
            match u32_at(unit, end) {
                Some(x) if x != 0 => end += 4,
                _ => break,
            }
        }
        run_done(unit, base, run_start..end, first..owned.end, out);
    }
}

/// The sixteen little-endian words of a 64-byte block.
pub(super) fn block_words(b: &[u8]) -> [u32; 16] {
    let mut words = [0u32; 16];
    for (w, c) in words.iter_mut().zip(b.chunks_exact(4)) {
        *w = u32::from_le_bytes(c.try_into().unwrap_or([0; 4]));
    }
    words
}

/// The word at `at` is of `kinds` (a [`TOP_KINDS`] entry): look for the
/// structures it may belong to.
pub(super) fn word_hit(
    unit: &[u8],
    base: u64,
    at: usize,
    kinds: u8,
    addr8: usize,
    out: &mut Collected,
) {
    // a SymCrypt RSA key's nBitsOfModulus is its header's fifth word
    if kinds & 16 != 0
        && let Some(header) = at.checked_sub(16)
    {
        symcrypt_at(unit, base, header, out);
    }
    // BIGNUM `top` field: 64-bit record at at-8, 32-bit record at at-4
    if kinds & 5 != 0 && at >= 8 && (at - 8) % 8 == addr8 % 8 {
        record_at(unit, base, at - 8, 8, out);
    }
    if kinds & 10 != 0 && at >= 4 {
        record_at(unit, base, at - 4, 4, out);
    }
}

/// A run of non-zero words ended: search it for anchors in `owned` if it is
/// short enough to be heap data (longer runs are high-entropy data: code,
/// compressed or random bytes).
pub(super) fn run_done(
    unit: &[u8],
    base: u64,
    run: Range<usize>,
    owned: Range<usize>,
    out: &mut Collected,
) {
    let len = run.end.saturating_sub(run.start);
    let mine = run.start.max(owned.start)..run.end.min(owned.end);
    if !mine.is_empty() && (64..=MAX_RUN).contains(&len) {
        anchors_in(unit, base, run, mine, out);
    }
}

/// Whether 16 bytes could lie inside a key number: at most two zero bytes
/// and a byte with its top bit set (pointers, small integers and text fail;
/// random bytes fail about once in 30 000 positions).
pub(super) fn random16(w: &[u8]) -> bool {
    let Ok(b) = <[u8; 16]>::try_from(w) else {
        return false;
    };
    let x = u128::from_le_bytes(b);
    const LOW7: u128 = 0x7f7f_7f7f_7f7f_7f7f_7f7f_7f7f_7f7f_7f7f;
    const TOP: u128 = !LOW7;
    // a byte's top bit is set here if the byte is non-zero (no carries cross bytes)
    let nonzero = ((x & LOW7) + LOW7) | x;
    let zeros = !nonzero & TOP;
    // at most two bits set: clearing the lowest twice leaves nothing
    // (no popcount: the baseline x86-64 target has none)
    let third = zeros & zeros.wrapping_sub(1);
    third & third.wrapping_sub(1) == 0 && x & TOP != 0
}

/// Anchors of one short run that lie in `mine`: the run is cut into
/// stretches of random-looking positions (a stretch ends at four
/// non-random positions in a row), and in every stretch of 64 bytes up to
/// [`MAX_SEGMENT`], each window of [`ANCHOR_WINDOW`] positions contributes
/// the position of its smallest hash (non-random positions never win).
pub(super) fn anchors_in(
    unit: &[u8],
    base: u64,
    run: Range<usize>,
    mine: Range<usize>,
    out: &mut Collected,
) {
    let mut segment: Option<(usize, usize)> = None; // (first, last random position)
    let mut s = run.start;
    while s + 16 <= run.end {
        // a stretch already too long to search (a page of random bytes) only
        // needs its end found: four non-random positions in a row always
        // include the fourth position ahead, so probing that one suffices
        if let Some((first, last)) = &mut segment
            && *last + 16 - *first > MAX_SEGMENT
            && s == *last + 4
            && unit.get(s + 12..s + 28).is_some_and(random16)
        {
            *last = s + 12;
            s += 16;
            continue;
        }
        let random = unit.get(s..s + 16).is_some_and(random16);
        match (&mut segment, random) {
            (Some((_, last)), true) => *last = s,
            (None, true) => segment = Some((s, s)),
            (Some((first, last)), false) if s - *last >= 16 => {
                segment_anchors(unit, base, *first..*last + 4, &mine, out);
                segment = None;
            }
            _ => {}
        }
        s += 4;
    }
    if let Some((first, last)) = segment {
        segment_anchors(unit, base, first..last + 4, &mine, out);
    }
}

/// Minimizer anchors of one stretch (`positions`, 4 bytes apart, each the
/// start of 16 bytes) that lie in `mine`.
fn segment_anchors(
    unit: &[u8],
    base: u64,
    positions: Range<usize>,
    mine: &Range<usize>,
    out: &mut Collected,
) {
    let count = positions.len() / 4;
    let bytes = positions.len() + 12;
    if !(64..=MAX_SEGMENT).contains(&bytes) || count < ANCHOR_WINDOW {
        return;
    }
    let (mut keys, mut prefix) = std::mem::take(&mut out.scratch);
    // a position's key: its hash (MAX where its 16 bytes cannot be in a
    // number) above its index, so the smallest key is the leftmost smallest hash
    keys.clear();
    keys.extend((0..count).map(|i| {
        let at = positions.start + 4 * i;
        let hash = match unit.get(at..at + 16) {
            Some(w) if random16(w) => hash16(w),
            _ => u64::MAX,
        };
        (u128::from(hash) << 32) | i as u128
    }));
    // sliding-window minimum without branches (van Herk / Gil-Werman):
    // minima from the start of each block of ANCHOR_WINDOW keys, and from each
    // key to its block's end; a window spans at most two blocks
    prefix.clear();
    prefix.extend_from_slice(&keys);
    for i in 1..count {
        if i % ANCHOR_WINDOW != 0 {
            prefix[i] = prefix[i].min(prefix[i - 1]);
        }
    }
    for i in (0..count.saturating_sub(1)).rev() {
        if (i + 1) % ANCHOR_WINDOW != 0 {
            keys[i] = keys[i].min(keys[i + 1]);
        }
    }
    let mut last_anchor = usize::MAX;
    for i in 0..=count - ANCHOR_WINDOW {
        let key = keys[i].min(prefix[i + ANCHOR_WINDOW - 1]);
        let (hash, best) = ((key >> 32) as u64, (key as u32) as usize);
        if best != last_anchor && hash != u64::MAX {
            last_anchor = best;
            let at = positions.start + 4 * best;
            if mine.contains(&at) {
                out.anchors.push(hash, base + at as u64);
            }
        }
    }
    out.scratch = (keys, prefix);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::MemoryMap;
    use crate::model::ContainerKind;
    use crate::testutil::noise;
    use der::Decode;

    const PEM: &str = include_str!("../../../fixtures/keys/rsa2048-pkcs1.pem");

    /// n, p, q, d of the fixture key, little-endian, and its openssl fingerprint.
    fn key() -> (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>, String) {
        use base64::Engine as _;
        let body: String = PEM.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap();
        let k = pkcs1::RsaPrivateKey::from_der(&der).unwrap();
        let le = |u: der::asn1::UintRef<'_>| BigUint::from_bytes_be(u.as_bytes()).to_bytes_le();
        let fp = crate::detect::pem::fingerprint_of(PEM.as_bytes()).unwrap();
        (
            le(k.modulus),
            le(k.prime1),
            le(k.prime2),
            le(k.private_exponent),
            fp,
        )
    }

    /// A heap-like buffer: short runs of noise between zero words.
    fn heap(len: usize, seed: u64) -> Vec<u8> {
        let mut b = noise(len, seed);
        for (i, chunk) in b.chunks_mut(48).enumerate() {
            if i % 3 != 2 {
                chunk[..8].fill(0);
            }
        }
        b
    }

    /// One region at `vaddr` covering the whole buffer.
    fn map_at(len: usize, vaddr: u64) -> MemoryMap {
        let mut map = MemoryMap::raw(len as u64, ContainerKind::ElfCore, Vec::new());
        map.regions = vec![crate::testutil::heap_region(0, len as u64, vaddr)];
        map
    }

    fn run(bytes: &[u8], map: &MemoryMap, chunk: usize) -> Outcome {
        let mut all = Collected::default();
        let mut start = 0;
        while start < bytes.len() {
            let end = (start + chunk).min(bytes.len());
            let mut c = Collected::default();
            let addr = map.address_of(0).unwrap_or(0);
            collect(
                bytes,
                0,
                start..end,
                (((4 - addr % 4) % 4) as usize, ((8 - addr % 8) % 8) as usize),
                false,
                &mut c,
            );
            all.merge(c);
            start = end;
        }
        recover(bytes, &AddressIndex::new(map), all)
    }

    fn put(b: &mut [u8], at: usize, v: &[u8]) {
        b[at..at + v.len()].copy_from_slice(v);
    }

    /// A number with a zero word on each side, as an allocation of its own holds it.
    fn put_alone(b: &mut [u8], at: usize, v: &[u8]) {
        put(b, at - 8, &[0; 8]);
        put(b, at, v);
        put(b, at + v.len(), &[0; 8]);
    }

    /// A 64-bit BIGNUM record: d, top, dmax, neg, flags.
    fn record64(limbs: u64, top: u32, flags: u32) -> Vec<u8> {
        let mut r = limbs.to_le_bytes().to_vec();
        for v in [top, top, 0, flags] {
            r.extend_from_slice(&v.to_le_bytes());
        }
        r
    }

    /// Single copies of n, p and q, reachable only through BIGNUM records:
    /// the layout-free search cannot see them (nothing repeats), the records can.
    #[test]
    fn bignum_records_are_followed_to_single_copies() {
        let (n, p, q, d, fp) = key();
        let vaddr = 0x5555_0000_0000u64;
        let mut b = heap(1 << 16, 1);
        let (n_at, p_at, q_at, d_at) = (0x2000, 0x3000, 0x3400, 0x5000);
        for (at, v) in [(n_at, &n), (p_at, &p), (q_at, &q), (d_at, &d)] {
            put_alone(&mut b, at, v);
        }
        for (i, (at, limbs)) in [(n_at, 32), (p_at, 16), (q_at, 16)].into_iter().enumerate() {
            put(
                &mut b,
                0x8000 + 64 * i,
                &record64(vaddr + at as u64, limbs, 1),
            );
        }
        // without the records, nothing: single copies are not candidates
        let mut bare = b.clone();
        bare[0x8000..0x8100].fill(0);
        assert!(run(&bare, &map_at(bare.len(), vaddr), 4096).keys.is_empty());
        for chunk in [4096, 1 << 20] {
            let out = run(&b, &map_at(b.len(), vaddr), chunk);
            assert_eq!(out.keys.len(), 1, "chunk {chunk}");
            let k = &out.keys[0];
            assert_eq!(k.key.fingerprint().unwrap(), fp);
            assert!(k.e_confirmed, "d is in memory, so e = 65537 is confirmed");
            let at = |name: &str| -> Vec<u64> {
                k.components
                    .iter()
                    .filter(|(c, _)| *c == name)
                    .map(|(_, s)| s.file_offset)
                    .collect()
            };
            assert_eq!(at("n"), vec![n_at as u64]);
            assert_eq!(at("d"), vec![d_at as u64]);
            assert!(
                k.components
                    .iter()
                    .all(|(c, s)| *c == "d" || s.record.is_some())
            );
        }
    }

    /// A record that straddles a chunk seam (its pointer in one chunk, its
    /// `top` in the next) is found all the same.
    #[test]
    fn records_across_chunk_seams() {
        let (n, p, q, _, fp) = key();
        let vaddr = 0x5555_0000_0000u64;
        let mut b = heap(1 << 16, 9);
        let (n_at, p_at, q_at) = (0x2000, 0x3000, 0x3400);
        for (at, v) in [(n_at, &n), (p_at, &p), (q_at, &q)] {
            put_alone(&mut b, at, v);
        }
        // each record's `top` is the first word of a 4 KiB chunk
        for (i, (at, limbs)) in [(n_at, 32), (p_at, 16), (q_at, 16)].into_iter().enumerate() {
            put(
                &mut b,
                0x8000 + 0x1000 * i - 8,
                &record64(vaddr + at as u64, limbs, 1),
            );
        }
        let out = run(&b, &map_at(b.len(), vaddr), 4096);
        assert_eq!(out.keys.len(), 1);
        assert_eq!(out.keys[0].key.fingerprint().unwrap(), fp);
    }

    /// 32-bit processes: 4-byte limbs and 20-byte records with 32-bit pointers.
    #[test]
    fn thirty_two_bit_records() {
        let (n, p, q, _, fp) = key();
        let vaddr = 0x0804_0000u64;
        let mut b = heap(1 << 15, 2);
        for (i, (at, v)) in [(0x1000usize, &n), (0x1800, &p), (0x1c00, &q)]
            .into_iter()
            .enumerate()
        {
            put(&mut b, at - 4, &[0; 4]);
            put(&mut b, at, v);
            put(&mut b, at + v.len(), &[0; 4]);
            let mut rec = ((vaddr + at as u64) as u32).to_le_bytes().to_vec();
            for f in [(v.len() / 4) as u32, (v.len() / 4) as u32, 0, 0] {
                rec.extend_from_slice(&f.to_le_bytes());
            }
            put(&mut b, 0x4004 + 32 * i, &rec);
        }
        let out = run(&b, &map_at(b.len(), vaddr), 1 << 20);
        assert_eq!(out.keys.len(), 1);
        assert_eq!(out.keys[0].key.fingerprint().unwrap(), fp);
        assert!(!out.keys[0].e_confirmed);
        assert!(
            out.keys[0]
                .key
                .info
                .note
                .as_deref()
                .unwrap()
                .contains("65537")
        );
    }

    /// No records and no addresses, but every number twice: found little- and
    /// big-endian and in Java `BigInteger` word order, at 4-byte (not
    /// 8-byte) alignment, across chunk seams.
    #[test]
    fn layout_free_search_needs_repeats_not_structures() {
        let (n, p, q, _, fp) = key();
        for order in [Order::Le, Order::Be, Order::JavaInts] {
            let conv = |v: &Vec<u8>| -> Vec<u8> {
                match order {
                    Order::Le => v.clone(),
                    Order::JavaInts => java_ints_to_le(v),
                    _ => v.iter().rev().copied().collect(),
                }
            };
            let mut b = heap(1 << 16, 3);
            for (at, v) in [
                (0x1004, &n),
                (0x1204, &p),
                (0x1404, &q),
                (0x8804, &n),
                (0x9004, &p),
                (0x9404, &q),
            ] {
                put(&mut b, at - 4, &[0; 4]);
                put(&mut b, at, &conv(v));
                put(&mut b, at + v.len(), &[0; 4]);
            }
            for chunk in [4096, 4100, 1 << 20] {
                let out = run(
                    &b,
                    &MemoryMap::raw(b.len() as u64, ContainerKind::Raw, Vec::new()),
                    chunk,
                );
                assert_eq!(out.keys.len(), 1, "{order:?} chunk {chunk}");
                assert_eq!(out.keys[0].key.fingerprint().unwrap(), fp);
                assert!(out.keys[0].components.iter().all(|(_, s)| s.order == order));
                assert_eq!(out.keys[0].components.len(), 6);
            }
        }
    }

    /// A number held twice in a page-sized stretch of random bytes is not
    /// searched (a page of random data is not a heap); in a stretch of its
    /// own, and next to 2 KiB of other random bytes, it is.
    #[test]
    fn stretches_longer_than_a_segment_are_not_searched() {
        let (n, p, q, _, fp) = key();
        let raw = |b: &[u8]| MemoryMap::raw(b.len() as u64, ContainerKind::Raw, Vec::new());
        for (pad, found) in [(0usize, true), (2 << 10, true), (4 << 10, false)] {
            let mut b = vec![0u8; 1 << 16];
            let mut at = 0x100;
            for copy in 0..2 {
                for v in [&n, &p, &q] {
                    put(&mut b, at, &noise(pad, at as u64 + copy));
                    put(&mut b, at + pad, v);
                    at += pad + v.len() + 8;
                }
            }
            let out = run(&b, &raw(&b), 1 << 20);
            assert_eq!(
                out.keys.len(),
                usize::from(found),
                "{pad} bytes of noise before each number"
            );
            if found {
                assert_eq!(out.keys[0].key.fingerprint().unwrap(), fp);
            }
        }
    }

    /// More prime-sized candidates than [`MAX_PAIRED`] (repeated noise, as
    /// the `scan` fuzzer first built in its session 26): the pairing stops at
    /// the cap, says so, and keeps the best-attested candidates, so a key
    /// whose numbers are held three times still comes out of the crowd. With
    /// these two noise seeds the key is lost when the ranking is taken out
    /// (the candidates are then cut in pool order).
    #[test]
    fn pairing_cap_keeps_the_best_attested_primes() {
        let (n, p, q, d, fp) = key();
        for seed in [11, 17] {
            // two 20 KiB blocks of noise without zero bytes (in 2 KiB
            // allocations: longer stretches are not searched), each held twice
            let mut b = Vec::new();
            for block_seed in [seed, seed + 1] {
                let mut block: Vec<u8> =
                    noise(20 << 10, block_seed).iter().map(|x| x | 1).collect();
                for gap in block.chunks_mut(2 << 10) {
                    gap[..8].fill(0);
                }
                for _ in 0..2 {
                    b.extend_from_slice(&block);
                    b.extend_from_slice(&[0; 8]);
                }
            }
            let key_at = b.len() + 8;
            b.resize(key_at + 0x1000, 0);
            for (i, v) in [&n, &p, &q, &n, &p, &q, &n, &p, &q, &d]
                .into_iter()
                .enumerate()
            {
                put_alone(&mut b, key_at + 8 + 0x180 * i, v);
            }
            let map = MemoryMap::raw(b.len() as u64, ContainerKind::Raw, Vec::new());
            let out = run(&b, &map, 1 << 20);
            let capped: Vec<usize> = out
                .warnings
                .iter()
                .filter(|w| {
                    w.ends_with(&format!("only the {MAX_PAIRED} best attested were paired"))
                })
                .filter_map(|w| w.split(' ').next()?.parse().ok())
                .collect();
            assert!(
                capped.len() >= 3 && capped.iter().all(|&c| c > MAX_PAIRED),
                "seed {seed}: the pairing cap was not reached: {:?}",
                out.warnings
            );
            assert!(
                !out.warnings.iter().any(|w| w.contains("dropped")),
                "seed {seed}: the pool overflowed, which is not what this tests"
            );
            assert_eq!(out.keys.len(), 1, "seed {seed}: {:?}", out.warnings);
            assert_eq!(out.keys[0].key.fingerprint().unwrap(), fp);
        }
    }

    /// What must not become a key: primes whose product is not the modulus,
    /// degenerate repeated patterns, random data, records pointing nowhere.
    #[test]
    fn negatives() {
        let (n, p, q, _, _) = key();
        let mut q2 = BigUint::from_bytes_le(&q);
        q2 += 2u32;
        let q2 = q2.to_bytes_le();
        let mut b = heap(1 << 16, 4);
        for (at, v) in [
            (0x1000, &n),
            (0x1200, &p),
            (0x1400, &q2),
            (0x8800, &n),
            (0x9000, &p),
            (0x9400, &q2),
        ] {
            put_alone(&mut b, at, v);
        }
        let raw = |b: &[u8]| MemoryMap::raw(b.len() as u64, ContainerKind::Raw, Vec::new());
        assert!(run(&b, &raw(&b), 1 << 20).keys.is_empty());
        let ff = vec![0xffu8; 1 << 16];
        assert!(run(&ff, &raw(&ff), 1 << 20).keys.is_empty());
        let repeated: Vec<u8> = noise(64, 5).repeat(1024);
        assert!(run(&repeated, &raw(&repeated), 1 << 20).keys.is_empty());
        let random = noise(4 << 20, 6);
        let out = run(&random, &raw(&random), 1 << 20);
        assert!(out.keys.is_empty());
        // records whose pointers leave the dump or whose sizes are absurd
        let mut r = heap(1 << 14, 7);
        put(&mut r, 0x100, &record64(u64::MAX - 7, 32, 0));
        put(&mut r, 0x200, &record64(0x1000, 16, 0));
        put(&mut r, 0x300, &record64(0x5555_0000_0ff8, 16, 0));
        let out = run(&r, &map_at(r.len(), 0x5555_0000_0000), 4096);
        assert!(out.keys.is_empty());
    }

    /// SymCrypt-shaped headers over noise (and one claiming a huge object):
    /// no key, and the work stays bounded by the object size cap.
    #[test]
    fn symcrypt_shaped_noise_is_not_a_key() {
        let mut b = heap(1 << 18, 8);
        for (i, at) in (0x1000..0x30000).step_by(0x1000).enumerate() {
            let total: u32 = if i == 0 { u32::MAX } else { 0xda0 };
            let words = [
                0x1001u32, total, 1, 2048, 2048, 4, 1, 2, 1024, 1024, 2, 2, 2, 0,
            ];
            for (k, w) in words.iter().enumerate() {
                put(&mut b, at + 4 * k, &w.to_le_bytes());
            }
            put(&mut b, at + 56, &65537u64.to_le_bytes());
        }
        let out = run(&b, &map_at(b.len(), 0x5555_0000_0000), 1 << 16);
        assert!(out.keys.is_empty());
    }

    #[test]
    fn miller_rabin() {
        let (_, p, q, _, _) = key();
        assert!(probable_prime(&BigUint::from_bytes_le(&p)));
        assert!(probable_prime(&BigUint::from_bytes_le(&q)));
        let pq = BigUint::from_bytes_le(&p) * BigUint::from_bytes_le(&q);
        assert!(!probable_prime(&pq));
        // 2^1024 + 1 fools trial division and base-2 Fermat, not Miller-Rabin
        let f = (BigUint::one() << 1024u32) + 1u32;
        assert!(!probable_prime(&f));
        assert!(probable_prime(&BigUint::from(65537u32)));
        // Carmichael numbers fool Fermat, not Miller-Rabin
        assert!(!probable_prime(&BigUint::from(561u32)));
        assert!(!probable_prime(&BigUint::from(41041u32)));
    }
}
