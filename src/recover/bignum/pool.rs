//! The pool every candidate number of one file meets in, keyed by value,
//! with the places each was seen.

use super::*;

/// Byte order of a number in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Order {
    /// Least significant byte first: limb arrays on little-endian machines.
    Le,
    /// Most significant byte first: serialised integers.
    Be,
    /// Big-endian bytes in base64url text (a JWK's `n`, `x`).
    Base64url,
    /// 32-bit words most significant first, each little-endian: the `int[]
    /// mag` of a Java `BigInteger` on a little-endian machine.
    JavaInts,
}

/// A number's little-endian bytes from its Java `int[]` magnitude bytes
/// (and back: the conversion is its own inverse on whole words).
pub(crate) fn java_ints_to_le(w: &[u8]) -> Vec<u8> {
    w.chunks(4).rev().flat_map(|c| c.iter().copied()).collect()
}

/// Where one copy of a number was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Site {
    /// File offset of the number's first byte.
    pub file_offset: u64,
    /// Bytes it spans.
    pub len: u32,
    /// Its byte order.
    pub order: Order,
    /// File offset of the BIGNUM record pointing at it, when found that way.
    pub record: Option<u64>,
}

/// A number seen in memory, with every place it was seen (up to a few).
#[derive(Debug, Clone)]
pub(crate) struct Pooled {
    pub(crate) value: BigUint,
    pub(crate) sites: Vec<Site>,
    pub(crate) from_record: bool,
}

pub(super) const MAX_SITES: usize = 8;

/// Every candidate number of one file, keyed by value.
#[derive(Default)]
pub(crate) struct Pool {
    pub(super) by_value: HashMap<Vec<u8>, usize, DumpKeyHasher>,
    pub(crate) values: Vec<Pooled>,
    pub(super) overflow: u64,
    /// The file's anchors, (hash, file offset) sorted: where a number seen
    /// once can be looked up by its value without another pass.
    pub(crate) anchors: Vec<(u64, u64)>,
    /// Whole-file passes still allowed for private exponents the anchors do
    /// not place (a pass a key would make CPU grow with keys times bytes).
    pub(super) passes_left: std::cell::Cell<u32>,
}

/// Whole-file passes a file gets to confirm public exponents.
pub(super) const MAX_EXPONENT_PASSES: u32 = 4;

impl Pool {
    /// Where `value` (its bytes as they lie in memory) sits, found through
    /// the anchor its first 64 bytes give, if its stretch was searched.
    pub(super) fn locate(&self, bytes: &[u8], value: &[u8]) -> Option<u64> {
        let (k, hash) = first_anchor(value)?;
        let from = self.anchors.partition_point(|&(h, _)| h < hash);
        self.anchors
            .get(from..)?
            .iter()
            .take_while(|&&(h, _)| h == hash)
            .filter_map(|&(_, at)| at.checked_sub(4 * k as u64))
            .find(|&start| {
                usize::try_from(start)
                    .ok()
                    .and_then(|s| bytes.get(s..s.checked_add(value.len())?))
                    == Some(value)
            })
    }
}

/// The anchor of a number's first minimizer window: its index (in 4-byte
/// steps from the number's start) and hash.
fn first_anchor(value: &[u8]) -> Option<(usize, u64)> {
    (0..ANCHOR_WINDOW)
        .filter_map(|k| {
            let w = value.get(4 * k..4 * k + 16)?;
            random16(w).then(|| (hash16(w), k))
        })
        .min()
        .map(|(h, k)| (k, h))
}

impl Pool {
    /// Add a number given as little-endian bytes.
    pub(super) fn add(&mut self, le: &[u8], site: Site) {
        let trimmed_len = le.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        let Some(le) = le.get(..trimmed_len) else {
            return;
        };
        if !looks_random(le) {
            return;
        }
        if let Some(&i) = self.by_value.get(le) {
            if let Some(p) = self.values.get_mut(i) {
                p.from_record |= site.record.is_some();
                let room = p.sites.len() < MAX_SITES;
                match p
                    .sites
                    .iter_mut()
                    .find(|s| s.file_offset == site.file_offset && s.order == site.order)
                {
                    Some(s) => s.record = s.record.or(site.record),
                    None if room => p.sites.push(site),
                    None => {}
                }
            }
            return;
        }
        if self.values.len() >= MAX_VALUES {
            self.overflow += 1;
            return;
        }
        self.by_value.insert(le.to_vec(), self.values.len());
        self.values.push(Pooled {
            value: BigUint::from_bytes_le(le),
            sites: vec![site],
            from_record: site.record.is_some(),
        });
    }
}

/// Key numbers look random: enough distinct byte values, no repeated words.
pub(crate) fn looks_random(le: &[u8]) -> bool {
    if le.len() < 24 {
        return false;
    }
    let mut seen = [false; 256];
    le.iter().for_each(|&b| seen[b as usize] = true);
    let distinct = seen.iter().filter(|&&s| s).count() as f64;
    // 80% of what uniformly random bytes of this length give on average
    let expected = 256.0 * (1.0 - (255.0f64 / 256.0).powi(le.len() as i32));
    if distinct < 0.8 * expected {
        return false;
    }
    let words: Vec<u64> = le
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().unwrap_or_default()))
        .collect();
    !words.windows(2).any(|w| w[0] == w[1])
}

/// Read every window size in every byte order at a repeated start.
pub(super) fn windows_at(bytes: &[u8], off: u64, pool: &mut Pool) {
    let Ok(at) = usize::try_from(off) else { return };
    for len in WINDOW_BYTES {
        let Some(w) = bytes.get(at..at + len) else {
            break;
        };
        let (first, last) = (w[0], w[len - 1]);
        // a modulus has its top two bits' worth set; a prime its top bit
        // (sizes that can be a modulus only need its top two bits' worth)
        let min_top = if len < 128 { 0x80 } else { 0x40 };
        if first & 1 == 1 && last >= min_top {
            pool.add(
                w,
                Site {
                    file_offset: off,
                    len: len as u32,
                    order: Order::Le,
                    record: None,
                },
            );
        }
        if first >= min_top && last & 1 == 1 {
            let le: Vec<u8> = w.iter().rev().copied().collect();
            pool.add(
                &le,
                Site {
                    file_offset: off,
                    len: len as u32,
                    order: Order::Be,
                    record: None,
                },
            );
        }
        // Java: the least significant word last, its low byte first; the
        // most significant word first, its top byte fourth
        if w[len - 4] & 1 == 1 && w[3] >= min_top {
            pool.add(
                &java_ints_to_le(w),
                Site {
                    file_offset: off,
                    len: len as u32,
                    order: Order::JavaInts,
                    record: None,
                },
            );
        }
    }
}
