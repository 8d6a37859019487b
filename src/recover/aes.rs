//! AES key schedules: what a live AES context holds once the raw key bytes
//! are gone. OpenSSL, AES-NI code and most libraries expand the key once and
//! keep the round keys; the first `Nk` words of an encryption schedule are the
//! key itself, and the rest follow from it by FIPS-197's recurrence, so an
//! exact re-expansion tells a schedule from noise with no false positives.
//!
//! Layouts checked, for AES-128, -192 and -256:
//! - encryption schedules (`w[0..4*(Nr+1)]`), and decryption schedules for
//!   the equivalent inverse cipher (round keys in reverse order, InvMixColumns
//!   applied to the middle rounds), which AES-NI and OpenSSL's
//!   `AES_set_decrypt_key` keep;
//! - each in FIPS-197 byte order (x86-64 OpenSSL, AES-NI) and with every
//!   32-bit word byte-swapped (portable C code that builds words with
//!   big-endian loads on a little-endian machine).
//!
//! The search runs at every 4-byte-aligned address (every byte behind
//! `--aes-unaligned`). A vectorisable filter first tests one XOR relation per
//! layout that every schedule satisfies whatever its byte order
//! (`w[i] = w[i-Nk] ^ w[i-1]`, which InvMixColumns preserves because it is
//! linear per word); only the rare positions that pass are re-expanded, with
//! an early exit at the first wrong word.

use crate::detect::Detection;
use crate::keys::{ParsedKey, Validation, hex, sha256_hex};
use crate::model::Encoding;
use crate::model::KeyInfo;
use crate::model::Severity;
use std::ops::Range;

const SBOX: [u8; 256] = {
    // Computed at compile time from the field inverse and the affine map, so no table is typed in.
    let mut sbox = [0u8; 256];
    let mut p: u8 = 1;
    let mut q: u8 = 1;
    loop {
        // p walks the multiplicative group by 3, q by 3^-1
        p = p ^ (p << 1) ^ (if p & 0x80 != 0 { 0x1b } else { 0 });
        q ^= q << 1;
        q ^= q << 2;
        q ^= q << 4;
        if q & 0x80 != 0 {
            q ^= 0x09;
        }
        let x = q ^ q.rotate_left(1) ^ q.rotate_left(2) ^ q.rotate_left(3) ^ q.rotate_left(4);
        sbox[p as usize] = x ^ 0x63;
        if p == 1 {
            break;
        }
    }
    sbox[0] = 0x63;
    sbox
};

const RCON: [u32; 10] = [
    0x0100_0000,
    0x0200_0000,
    0x0400_0000,
    0x0800_0000,
    0x1000_0000,
    0x2000_0000,
    0x4000_0000,
    0x8000_0000,
    0x1b00_0000,
    0x3600_0000,
];

fn sub_word(w: u32) -> u32 {
    let b = w.to_be_bytes();
    u32::from_be_bytes([
        SBOX[b[0] as usize],
        SBOX[b[1] as usize],
        SBOX[b[2] as usize],
        SBOX[b[3] as usize],
    ])
}

fn xtime(b: u8) -> u8 {
    (b << 1) ^ if b & 0x80 != 0 { 0x1b } else { 0 }
}

/// MixColumns on one column (a word, first row in the high byte): undoes the
/// InvMixColumns a decryption schedule applied to its middle rounds.
fn mix_column(w: u32) -> u32 {
    let [a0, a1, a2, a3] = w.to_be_bytes();
    let mul3 = |b: u8| xtime(b) ^ b;
    u32::from_be_bytes([
        xtime(a0) ^ mul3(a1) ^ a2 ^ a3,
        a0 ^ xtime(a1) ^ mul3(a2) ^ a3,
        a0 ^ a1 ^ xtime(a2) ^ mul3(a3),
        mul3(a0) ^ a1 ^ a2 ^ xtime(a3),
    ])
}

/// Which of the two round-key orders a schedule is kept in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Round keys 0..=Nr, as FIPS-197 expands them.
    Encrypt,
    /// Equivalent inverse cipher: round keys Nr..=0, middle ones through InvMixColumns.
    Decrypt,
}

/// One schedule shape: key size and direction (byte order is tried separately).
#[derive(Debug, Clone, Copy)]
struct Shape {
    nk: usize,
    direction: Direction,
    /// Word offsets (a, b, c) with `w[a] == w[b] ^ w[c]` in every schedule of this shape.
    filter: (usize, usize, usize),
}

impl Shape {
    fn rounds(self) -> usize {
        self.nk + 6
    }

    fn words(self) -> usize {
        4 * (self.rounds() + 1)
    }

    fn bytes(self) -> usize {
        4 * self.words()
    }

    /// Where encryption-schedule word `j` sits in this layout, and whether it
    /// went through InvMixColumns.
    fn position(self, j: usize) -> (usize, bool) {
        match self.direction {
            Direction::Encrypt => (j, false),
            Direction::Decrypt => {
                let (round, col) = (j / 4, j % 4);
                let nr = self.rounds();
                (4 * (nr - round) + col, round != 0 && round != nr)
            }
        }
    }

    fn new(nk: usize, direction: Direction) -> Shape {
        let mut shape = Shape {
            nk,
            direction,
            filter: (0, 0, 0),
        };
        // the first linear recurrence whose three words are transformed alike
        for j in nk..shape.words() {
            if j % nk == 0 || (nk == 8 && j % nk == 4) {
                continue;
            }
            let (a, ta) = shape.position(j);
            let (b, tb) = shape.position(j - 1);
            let (c, tc) = shape.position(j - nk);
            if ta == tb && tb == tc {
                shape.filter = (a, b, c);
                break;
            }
        }
        shape
    }
}

/// How a schedule's words are laid out in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WordOrder {
    Fips,
    Swapped,
}

/// A verified schedule, in coordinates of the scanned slice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// Offset of the schedule's first byte.
    pub offset: usize,
    /// Bytes the schedule spans.
    pub len: usize,
    /// The AES key.
    pub key: Vec<u8>,
    /// `encrypt`, `decrypt`, `encrypt-word-swapped` or `decrypt-word-swapped`.
    pub layout: &'static str,
}

/// Finds AES key schedules; built once per scan.
pub struct AesFinder {
    shapes: Vec<Shape>,
    byte_aligned: bool,
}

/// `c - b` of each shape's filter relation `w[b+1] == w[b] ^ w[c]`:
/// encryption schedules of 4, 6 and 8 key words, then decryption ones
/// (checked against the shapes by a test).
const FILTER_DELTAS: [isize; 6] = [-3, -5, -7, 5, 3, 9];

/// The rule that reports recovered schedules.
pub const RULE_ID: &str = "aes-key-schedule";

/// Positions filtered per block: sized to stay in L1 with its words.
const BLOCK: usize = 2048;

/// The filter runs on `SAMPLE_RUN` consecutive positions of every
/// `SAMPLE_PERIOD` (a fifth of the work of trying every position).
const SAMPLE_PERIOD: usize = 20;
const SAMPLE_RUN: usize = 4;

/// Positions checked exactly on either side of a sampled hit: a schedule's
/// filter position lies this close to any position of it where a relation holds.
const SAMPLE_REACH: usize = 64;

/// Where the search looks for a schedule's first word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AesAlignment {
    /// At 4-aligned addresses, where every allocator puts them (the default).
    #[default]
    Aligned,
    /// At every byte offset (`--aes-unaligned`): for memory images whose
    /// offsets and addresses disagree; about 4 times the work.
    EveryByte,
}

impl AesFinder {
    /// A finder for every key size and layout; [`AesAlignment::EveryByte`]
    /// also tries the three unaligned phases (four times the work).
    pub fn new(alignment: AesAlignment) -> AesFinder {
        let mut shapes = Vec::new();
        for direction in [Direction::Encrypt, Direction::Decrypt] {
            for nk in [4, 6, 8] {
                shapes.push(Shape::new(nk, direction));
            }
        }
        AesFinder {
            shapes,
            byte_aligned: alignment == AesAlignment::EveryByte,
        }
    }

    /// Whether every byte is a start already (no phase to add).
    pub fn every_byte(&self) -> bool {
        self.byte_aligned
    }

    /// Largest schedule, in bytes: the context a chunk needs past its end.
    pub const MAX_LEN: usize = 240;

    /// Every schedule starting in `owned` (a range of `unit`), at positions
    /// whose address is 4-aligned given that `unit[phase]` is, or at every
    /// byte when configured so.
    pub fn find(&self, unit: &[u8], owned: Range<usize>, phase: usize, out: &mut Vec<Schedule>) {
        let phases: &[usize] = if self.byte_aligned {
            &[0, 1, 2, 3]
        } else {
            &[0]
        };
        let mut words = Vec::with_capacity(BLOCK + 64);
        for &extra in phases {
            let phase = (phase + extra) % 4;
            // first position >= owned.start with the right phase
            let mut pos = owned.start + (phase + 4 - owned.start % 4) % 4;
            while pos < owned.end {
                let n = ((owned.end - pos).div_ceil(4)).min(BLOCK);
                self.block(unit, pos, n, &mut words, out);
                pos += 4 * n;
            }
        }
        out.sort_by_key(|s| s.offset);
    }

    /// Filter `n` positions starting at `pos`, 4 bytes apart, and verify the survivors.
    ///
    /// Every shape's filter relation has the form `w[b+1] == w[b] ^ w[c]`,
    /// that is `t[i] == w[i + c - b]` with `t[i] = w[i] ^ w[i+1]`: one XOR a
    /// position serves all six shapes, whose offsets `c - b` are
    /// [`FILTER_DELTAS`]. Words before the block are kept as a margin so the
    /// negative offsets stay inside the array.
    fn block(
        &self,
        unit: &[u8],
        pos: usize,
        n: usize,
        words: &mut Vec<u32>,
        out: &mut Vec<Schedule>,
    ) {
        const MARGIN: usize = 8;
        let word_at = |p: usize| {
            unit.get(p..p + 4)
                .map_or(0, |c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        };
        words.clear();
        words.extend(
            (1..=MARGIN)
                .rev()
                .map(|j| pos.checked_sub(4 * j).map_or(0, word_at)),
        );
        words.extend(
            unit.get(pos..)
                .unwrap_or_default()
                .chunks_exact(4)
                .take(n + 60)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])),
        );
        if words.len() < MARGIN + 44 {
            return;
        }
        // a schedule is 44 to 60 non-zero words in a row, so it covers a
        // whole aligned group of 22: a block without one non-zero group
        // (zero pages, pointer-rich heap) cannot hold a schedule
        if !words[MARGIN..]
            .chunks_exact(22)
            .any(|g| g.iter().all(|&w| w != 0))
        {
            return;
        }
        // relation positions i: base k = i - MARGIN - b for b in 4..=44
        let lo = MARGIN + 4;
        let hi = (MARGIN + n + 44).min(words.len().saturating_sub(10));
        if hi <= lo {
            return;
        }
        let len = hi - lo;
        let w = words.as_slice();
        let (Some(w0), Some(w1)) = (w.get(lo..hi), w.get(lo + 1..hi + 1)) else {
            return;
        };
        let shifted = |d: isize| w.get((lo as isize + d) as usize..(hi as isize + d) as usize);
        let [d0, d1, d2, d3, d4, d5] = FILTER_DELTAS;
        let (Some(a), Some(b), Some(c), Some(d), Some(e), Some(f)) = (
            shifted(d0),
            shifted(d1),
            shifted(d2),
            shifted(d3),
            shifted(d4),
            shifted(d5),
        ) else {
            return;
        };
        let hit_at = |k: usize| relation(w0[k], w1[k], [a[k], b[k], c[k], d[k], e[k], f[k]]);
        // The filter is tried on SAMPLE_RUN positions of every SAMPLE_PERIOD
        // only: the relation holds at most positions of a schedule, and at
        // some position of every residue class modulo SAMPLE_PERIOD (checked
        // for every layout by a test), so one sampled run always falls on it.
        // Around a sampled hit every position is then checked exactly.
        let mut done_to = 0;
        let mut k0 = 0;
        while k0 < len {
            let run_end = (k0 + SAMPLE_RUN).min(len);
            let any = if run_end - k0 == SAMPLE_RUN {
                // four lanes at once (the compiler keeps them in one vector)
                let lanes = |s: &[u32]| -> [u32; SAMPLE_RUN] {
                    s.get(k0..k0 + SAMPLE_RUN)
                        .and_then(|x| x.try_into().ok())
                        .unwrap_or([0; SAMPLE_RUN])
                };
                let (x, y) = (lanes(w0), lanes(w1));
                let (la, lb, lc, ld, le, lf) =
                    (lanes(a), lanes(b), lanes(c), lanes(d), lanes(e), lanes(f));
                (0..SAMPLE_RUN).fold(0, |any, l| {
                    any | relation(x[l], y[l], [la[l], lb[l], lc[l], ld[l], le[l], lf[l]])
                })
            } else {
                (k0..run_end).fold(0, |acc, k| acc | hit_at(k))
            };
            if any != 0 {
                let from = k0.saturating_sub(SAMPLE_REACH).max(done_to);
                let to = (run_end + SAMPLE_REACH).min(len);
                for k in from..to {
                    if hit_at(k) == 0 {
                        continue;
                    }
                    let i = lo + k;
                    for shape in &self.shapes {
                        let (_, b, c) = shape.filter;
                        let Some(base) = (i - MARGIN).checked_sub(b) else {
                            continue;
                        };
                        let related = w.get(i + c - b).is_some_and(|&z| z == w[i] ^ w[i + 1]);
                        if base < n
                            && related
                            && let Some(s) =
                                w.get(MARGIN + base..).and_then(|ws| verify(*shape, ws))
                        {
                            out.push(Schedule {
                                offset: pos + 4 * base,
                                ..s
                            });
                        }
                    }
                }
                done_to = to;
            }
            k0 += SAMPLE_PERIOD;
        }
    }

    /// Turn schedules into detections with the key redacted.
    pub fn detections(schedules: Vec<Schedule>, out: &mut Vec<Detection>) {
        for s in schedules {
            out.push(detection(s));
        }
    }
}

/// Exact check of one shape at the start of `w` (raw little-endian loads), in both byte orders.
/// 1 when the filter relation holds at a position: `x ^ y` (the word there
/// and the next) equals one of the six shapes' related words, and neither
/// word is zero (zero words are everywhere in heaps, where a pointer next to
/// a zero repeats itself; round keys are never zero). Branch-free, so runs
/// of positions compile to vector code.
#[inline(always)]
fn relation(x: u32, y: u32, related: [u32; 6]) -> u32 {
    let t = x ^ y;
    let live = (x != 0) & (y != 0);
    let hit = related.iter().fold(false, |hit, &z| hit | (t == z));
    u32::from(live & hit)
}

fn verify(shape: Shape, w: &[u32]) -> Option<Schedule> {
    let raw = w.get(..shape.words())?;
    for order in [WordOrder::Fips, WordOrder::Swapped] {
        // canonical word: first byte in memory is the high byte
        let word = |i: usize| -> Option<u32> {
            let (p, mixed) = shape.position(i);
            let v = *raw.get(p)?;
            let v = match order {
                WordOrder::Fips => v.swap_bytes(),
                WordOrder::Swapped => v,
            };
            Some(if mixed { mix_column(v) } else { v })
        };
        if let Some(key) = expand_matches(shape.nk, shape.words(), word) {
            let layout = match (shape.direction, order) {
                (Direction::Encrypt, WordOrder::Fips) => "encrypt",
                (Direction::Decrypt, WordOrder::Fips) => "decrypt",
                (Direction::Encrypt, WordOrder::Swapped) => "encrypt-word-swapped",
                (Direction::Decrypt, WordOrder::Swapped) => "decrypt-word-swapped",
            };
            return Some(Schedule {
                offset: 0,
                len: shape.bytes(),
                key,
                layout,
            });
        }
    }
    None
}

/// Re-expand the key formed by the first `nk` words and compare every later
/// word, stopping at the first mismatch; the key bytes when all match.
fn expand_matches(nk: usize, total: usize, word: impl Fn(usize) -> Option<u32>) -> Option<Vec<u8>> {
    let mut w = [0u32; 60];
    for (i, slot) in w.iter_mut().enumerate().take(nk) {
        *slot = word(i)?;
    }
    for i in nk..total.min(60) {
        let mut t = w[i - 1];
        if i % nk == 0 {
            t = sub_word(t.rotate_left(8)) ^ RCON[(i / nk - 1).min(9)];
        } else if nk == 8 && i % nk == 4 {
            t = sub_word(t);
        }
        w[i] = w[i - nk] ^ t;
        if word(i)? != w[i] {
            return None;
        }
    }
    // a key whose bytes take four values or fewer is a constant pattern, not a secret
    let key: Vec<u8> = w[..nk].iter().flat_map(|x| x.to_be_bytes()).collect();
    let mut seen = [false; 256];
    key.iter().for_each(|&b| seen[b as usize] = true);
    (seen.iter().filter(|&&s| s).count() > 4).then_some(key)
}

fn detection(s: Schedule) -> Detection {
    let bits = (s.key.len() * 8) as u32;
    let mut key = ParsedKey::new("aes-key", "aes", Validation::Valid, None);
    key.info.bits = Some(bits);
    key.secret_fingerprint = Some(sha256_hex(&s.key));
    let info = KeyInfo {
        schedule: Some(s.layout.to_string()),
        ..key.info
    };
    let direction = if s.layout.starts_with("decrypt") {
        "decryption"
    } else {
        "encryption"
    };
    let order = if s.layout.ends_with("word-swapped") {
        ", words byte-swapped"
    } else {
        ""
    };
    Detection {
        start: s.offset,
        len: s.len,
        encoding: Encoding::Binary,
        rule_id: RULE_ID,
        kind: "aes-key",
        severity: Severity::High,
        key: Some(info),
        fingerprint: key.secret_fingerprint,
        preview: format!("AES-{bits} {direction} key schedule{order} (key redacted)"),
        secret: crate::detect::Secret::Text(hex(&s.key)),
        components: Vec::new(),
        token: None,
    }
}

/// The schedule FIPS-197 expands from `key` (16, 24 or 32 bytes), as bytes in
/// FIPS order; for tests and benchmarks that plant schedules.
pub fn expand_key(key: &[u8]) -> Vec<u8> {
    let nk = key.len() / 4;
    let total = 4 * (nk + 7);
    let mut w = vec![0u32; total];
    for (i, c) in key.chunks_exact(4).enumerate() {
        w[i] = u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
    }
    for i in nk..total {
        let mut t = w[i - 1];
        if i % nk == 0 {
            t = sub_word(t.rotate_left(8)) ^ RCON[i / nk - 1];
        } else if nk == 8 && i % nk == 4 {
            t = sub_word(t);
        }
        w[i] = w[i - nk] ^ t;
    }
    w.iter().flat_map(|x| x.to_be_bytes()).collect()
}

/// The equivalent-inverse-cipher schedule for `key`, FIPS byte order.
pub fn expand_decrypt_key(key: &[u8]) -> Vec<u8> {
    let enc = expand_key(key);
    let rounds: Vec<&[u8]> = enc.chunks_exact(16).collect();
    let nr = rounds.len() - 1;
    let mut out = Vec::with_capacity(enc.len());
    for r in 0..=nr {
        let src = rounds[nr - r];
        for c in src.chunks_exact(4) {
            let w = u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
            let w = if r == 0 || r == nr {
                w
            } else {
                inv_mix_column(w)
            };
            out.extend_from_slice(&w.to_be_bytes());
        }
    }
    out
}

fn inv_mix_column(w: u32) -> u32 {
    // InvMixColumns = MixColumns^3 (MixColumns has order 4)
    mix_column(mix_column(mix_column(w)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::noise;

    #[test]
    fn filter_deltas_match_the_shapes() {
        let finder = AesFinder::new(AesAlignment::Aligned);
        let deltas: Vec<isize> = finder
            .shapes
            .iter()
            .map(|s| {
                let (a, b, c) = s.filter;
                assert_eq!(a, b + 1, "{s:?}");
                assert!((4..=44).contains(&b), "{s:?}");
                c as isize - b as isize
            })
            .collect();
        assert_eq!(deltas, FILTER_DELTAS);
    }

    #[test]
    fn sbox_and_fips197_vectors() {
        assert_eq!(SBOX[0x00], 0x63);
        assert_eq!(SBOX[0x01], 0x7c);
        assert_eq!(SBOX[0x53], 0xed);
        assert_eq!(SBOX[0xff], 0x16);
        // FIPS-197 appendix A.1: the last round key of 2b7e1516...
        let key = hex_bytes("2b7e151628aed2a6abf7158809cf4f3c");
        let sched = expand_key(&key);
        assert_eq!(hex(&sched[160..176]), "d014f9a8c9ee2589e13f0cc8b6630ca6");
        // A.3 (AES-256), w[59]
        let key = hex_bytes("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
        assert_eq!(hex(&expand_key(&key)[236..240]), "706c631e");
        // A.2 (AES-192), w[51]
        let key = hex_bytes("8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b");
        assert_eq!(hex(&expand_key(&key)[204..208]), "01002202");
        // MixColumns test column from FIPS-197 §5.1.3 literature: db 13 53 45 -> 8e 4d a1 bc
        assert_eq!(mix_column(0xdb135345), 0x8e4da1bc);
        assert_eq!(inv_mix_column(0x8e4da1bc), 0xdb135345);
    }

    fn hex_bytes(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn swap_words(b: &[u8]) -> Vec<u8> {
        b.chunks_exact(4)
            .flat_map(|c| [c[3], c[2], c[1], c[0]])
            .collect()
    }

    /// Every size, direction and word order, planted at odd 4-aligned
    /// offsets in noise, is found once with its key; nothing else is.
    #[test]
    fn every_layout_is_found_exactly() {
        let finder = AesFinder::new(AesAlignment::Aligned);
        for (i, len) in [16usize, 24, 32].into_iter().enumerate() {
            let key = noise(len, 7 + i as u64);
            let layouts: [(&str, Vec<u8>); 4] = [
                ("encrypt", expand_key(&key)),
                ("decrypt", expand_decrypt_key(&key)),
                ("encrypt-word-swapped", swap_words(&expand_key(&key))),
                (
                    "decrypt-word-swapped",
                    swap_words(&expand_decrypt_key(&key)),
                ),
            ];
            for (layout, sched) in layouts {
                // every residue of the filter's sampling period, and block seams
                let offsets = (0..SAMPLE_PERIOD).map(|j| 4096 + 4 * j);
                for at in [0usize, 4, 4092, 8196, 4 * BLOCK - 8]
                    .into_iter()
                    .chain(offsets)
                {
                    let mut buf = noise(at + sched.len() + 300, 1234);
                    buf[at..at + sched.len()].copy_from_slice(&sched);
                    let mut out = Vec::new();
                    finder.find(&buf, 0..buf.len(), 0, &mut out);
                    assert_eq!(out.len(), 1, "{len} {layout} at {at}: {out:?}");
                    assert_eq!(out[0].offset, at);
                    assert_eq!(out[0].key, key);
                    assert_eq!(out[0].layout, layout);
                    assert_eq!(out[0].len, sched.len());
                }
            }
        }
    }

    /// The sampled filter cannot miss: in every layout the filter relation
    /// holds (for one of the six deltas) at positions of every residue class
    /// modulo the sampling period, so a sampled run of positions always
    /// contains one, wherever the schedule starts.
    #[test]
    fn filter_relation_holds_in_every_sampling_phase() {
        let key = noise(32, 99);
        for len in [16usize, 24, 32] {
            let k = &key[..len];
            for sched in [
                expand_key(k),
                expand_decrypt_key(k),
                swap_words(&expand_key(k)),
                swap_words(&expand_decrypt_key(k)),
            ] {
                let w: Vec<u32> = sched
                    .chunks_exact(4)
                    .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect();
                let holds: Vec<usize> = (0..w.len() - 1)
                    .filter(|&j| {
                        let t = w[j] ^ w[j + 1];
                        FILTER_DELTAS.iter().any(|&d| {
                            let at = j as isize + d;
                            at >= 0 && w.get(at as usize) == Some(&t)
                        })
                    })
                    .collect();
                for phase in 0..SAMPLE_PERIOD {
                    assert!(
                        holds
                            .iter()
                            .any(|&j| (phase + j) % SAMPLE_PERIOD < SAMPLE_RUN),
                        "{len}-byte key, phase {phase}: {holds:?}"
                    );
                }
                // and a sampled hit lies within reach of every position of it
                assert!(w.len() <= SAMPLE_REACH);
            }
        }
    }

    #[test]
    fn unaligned_only_behind_the_flag() {
        let key = noise(16, 3);
        let sched = expand_key(&key);
        let mut buf = noise(1000, 5);
        buf[101..101 + 176].copy_from_slice(&sched);
        let mut out = Vec::new();
        AesFinder::new(AesAlignment::Aligned).find(&buf, 0..buf.len(), 0, &mut out);
        assert!(out.is_empty());
        AesFinder::new(AesAlignment::EveryByte).find(&buf, 0..buf.len(), 0, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].offset, 101);
        // the phase says which offsets are aligned addresses
        out.clear();
        AesFinder::new(AesAlignment::Aligned).find(&buf, 0..buf.len(), 1, &mut out);
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn owned_range_decides_and_flipped_bits_reject() {
        let key = noise(32, 9);
        let mut sched = expand_key(&key);
        let mut buf = vec![0u8; 4096];
        buf[1000..1240].copy_from_slice(&sched);
        let mut out = Vec::new();
        let finder = AesFinder::new(AesAlignment::Aligned);
        finder.find(&buf, 0..1000, 0, &mut out);
        assert!(
            out.is_empty(),
            "a schedule is owned by the range it starts in"
        );
        finder.find(&buf, 1000..1004, 0, &mut out);
        assert_eq!(out.len(), 1);
        sched[200] ^= 1;
        buf[1000..1240].copy_from_slice(&sched);
        out.clear();
        finder.find(&buf, 0..buf.len(), 0, &mut out);
        assert!(
            out.is_empty(),
            "exact check: one flipped bit is not a schedule"
        );
    }

    #[test]
    fn no_false_positives_on_noise_and_patterns() {
        let finder = AesFinder::new(AesAlignment::EveryByte);
        let mut out = Vec::new();
        let buf = noise(8 << 20, 77);
        finder.find(&buf, 0..buf.len(), 0, &mut out);
        let zeros = vec![0u8; 1 << 20];
        finder.find(&zeros, 0..zeros.len(), 0, &mut out);
        let ramp: Vec<u8> = (0..1 << 20).map(|i: u32| (i % 251) as u8).collect();
        finder.find(&ramp, 0..ramp.len(), 0, &mut out);
        assert!(out.is_empty(), "{out:?}");
    }
}
