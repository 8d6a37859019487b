//! The prefilter: one search over every byte for every detector's anchors, in
//! ASCII and (for text detectors) UTF-16LE. It may report candidates a
//! detector then rejects, but it never misses one: every secret a detector
//! reports contains one of its anchors.
//!
//! The search is SIMD multi-literal matching (aho-corasick's packed "Teddy"
//! searcher). Teddy sorts patterns into buckets by their first bytes, and a
//! bucket that mixes text anchors (whose UTF-16LE forms hold zero bytes) with
//! binary anchors (which start with small bytes) matches runs of zeros
//! everywhere: measured, 28 mixed anchors in 8 buckets ran at 0.28 GB/s. The
//! 16-bucket (AVX2) variant keeps them apart and searches everything in one
//! pass (11 GB/s). Where it is not available, the anchors are searched as a
//! text group and a binary group (14 and 16 GB/s each) that take turns over
//! blocks small enough to stay in the CPU cache. A group the packed searcher
//! cannot take at all falls back to an Aho-Corasick automaton.

use crate::detect::{Detector, utf16le};
use crate::model::Encoding;
use aho_corasick::packed;
use aho_corasick::{AhoCorasick, AhoCorasickKind, Input, MatchKind, Span};

/// Which detector and encoding a pattern stands for.
#[derive(Debug, Clone, Copy)]
pub struct PatternOwner {
    /// Index of the detector in the engine.
    pub detector: usize,
    /// Index of the anchor among the detector's anchors.
    pub anchor: usize,
    /// The form searched: ASCII, UTF-16LE or binary.
    pub encoding: Encoding,
}

/// A candidate position in a buffer.
#[derive(Debug, Clone, Copy)]
pub struct Hit {
    /// Offset of the match's first byte in the buffer.
    pub pos: usize,
    /// Which anchor matched.
    pub owner: PatternOwner,
}

/// Bytes searched by every group in turn (fits in a core's L2 cache).
const BLOCK: usize = 128 * 1024;

/// Patterns a packed searcher is given at most when a set must be cut up
/// (aho-corasick's packed Teddy searchers take 128 at most).
const PACKED_SLICE: usize = 128;

/// One group of anchors with its searcher.
struct Group {
    searcher: Searcher,
    owners: Vec<PatternOwner>,
}

enum Searcher {
    Packed(packed::Searcher),
    Automaton(AhoCorasick),
}

impl Group {
    /// A group searched by the packed SIMD searcher, `fat` forcing its
    /// 16-bucket AVX2 variant; `None` when the packed searcher cannot take it.
    /// `limited` keeps the searcher's own limit of 64 patterns; without it, it
    /// takes up to 128.
    fn packed(
        patterns: &[Vec<u8>],
        owners: &[PatternOwner],
        fat: Option<bool>,
        limited: bool,
    ) -> Option<Group> {
        let searcher = packed::Config::new()
            .match_kind(packed::MatchKind::LeftmostFirst)
            .only_teddy_fat(fat)
            .heuristic_pattern_limits(limited)
            .builder()
            .extend(patterns)
            .build()?;
        Some(Group {
            searcher: Searcher::Packed(searcher),
            owners: owners.to_vec(),
        })
    }

    /// A group searched by the packed searcher if it can, else by an automaton.
    fn build(
        patterns: Vec<Vec<u8>>,
        owners: Vec<PatternOwner>,
    ) -> Result<Group, aho_corasick::BuildError> {
        if let Some(group) = Group::packed(&patterns, &owners, None, false) {
            return Ok(group);
        }
        Group::automaton(patterns, owners)
    }

    /// Groups for a large set. The packed searcher refuses more than 64
    /// patterns by default (verification grows with the patterns sharing a
    /// bucket), but measured on this project's text anchors (86 patterns:
    /// keywords in ASCII and UTF-16LE) one pass over all of them beat two
    /// passes of half as many (0.28 s against 0.33 s a GiB), so a set is only
    /// cut into slices beyond the 128 patterns the searcher takes at most
    /// (each slice it still cannot take gets an automaton).
    fn build_all(
        patterns: Vec<Vec<u8>>,
        owners: Vec<PatternOwner>,
    ) -> Result<Vec<Group>, aho_corasick::BuildError> {
        if let Some(group) = Group::packed(&patterns, &owners, None, true) {
            return Ok(vec![group]);
        }
        if patterns.len() <= PACKED_SLICE {
            return Ok(vec![Group::build(patterns, owners)?]);
        }
        // Teddy's filter is as long as its group's shortest pattern (up to 3
        // bytes): slicing by length keeps the few short keywords from
        // weakening the filter of every group
        let mut order: Vec<usize> = (0..patterns.len()).collect();
        order.sort_by_key(|&i| (patterns[i].len().min(4), i));
        let patterns: Vec<Vec<u8>> = order.iter().map(|&i| patterns[i].clone()).collect();
        let owners: Vec<PatternOwner> = order.iter().map(|&i| owners[i]).collect();
        patterns
            .chunks(PACKED_SLICE)
            .zip(owners.chunks(PACKED_SLICE))
            .map(|(p, o)| Group::build(p.to_vec(), o.to_vec()))
            .collect()
    }

    /// An Aho-Corasick automaton: the fallback where SIMD is unavailable.
    fn automaton(
        patterns: Vec<Vec<u8>>,
        owners: Vec<PatternOwner>,
    ) -> Result<Group, aho_corasick::BuildError> {
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&patterns)?;
        Ok(Group {
            searcher: Searcher::Automaton(automaton),
            owners,
        })
    }

    /// Matches starting in `hay[from..owned_end]`, searching up to `hay.len()`.
    /// Restarting one byte after each match keeps every match that starts at
    /// a different position, overlapping ones included.
    fn hits(&self, hay: &[u8], from: usize, owned_end: usize, out: &mut Vec<Hit>) {
        let mut at = from;
        while at < owned_end {
            let found = match &self.searcher {
                Searcher::Packed(p) => p
                    .find_in(hay, Span::from(at..hay.len()))
                    .map(|m| (m.start(), m.pattern())),
                Searcher::Automaton(a) => a
                    .find(Input::new(hay).range(at..))
                    .map(|m| (m.start(), m.pattern())),
            };
            let Some((start, pattern)) = found else { break };
            if start >= owned_end {
                break;
            }
            if let Some(&owner) = self.owners.get(pattern.as_usize()) {
                out.push(Hit { pos: start, owner });
            }
            at = start + 1;
        }
    }
}

/// Patterns and, for each, whose anchor it is.
type PatternSet = (Vec<Vec<u8>>, Vec<PatternOwner>);

/// Every pattern the prefilter searches for `detectors`: text anchors in
/// ASCII and UTF-16LE, then binary anchors.
fn patterns(detectors: &[Box<dyn Detector>]) -> (PatternSet, PatternSet) {
    let mut text = PatternSet::default();
    let mut binary = PatternSet::default();
    for (detector, d) in detectors.iter().enumerate() {
        for (anchor, &a) in d.anchors().iter().enumerate() {
            let owner = |encoding| PatternOwner {
                detector,
                anchor,
                encoding,
            };
            if d.is_text() {
                text.0.push(a.to_vec());
                text.1.push(owner(Encoding::Ascii));
                text.0.push(utf16le(a));
                text.1.push(owner(Encoding::Utf16le));
            } else {
                binary.0.push(a.to_vec());
                binary.1.push(owner(Encoding::Binary));
            }
        }
    }
    (text, binary)
}

/// The literal byte strings the prefilter for `detectors` searches, each
/// once: what a literal-search tool must look for to do the same first pass
/// (`keysweep rules anchors`, used by the comparison harness).
pub fn searched_literals(detectors: &[Box<dyn Detector>]) -> Vec<Vec<u8>> {
    let (text, binary) = patterns(detectors);
    let mut out: Vec<Vec<u8>> = Vec::new();
    for p in text.0.into_iter().chain(binary.0) {
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// The compiled anchor groups.
pub struct Prefilter {
    groups: Vec<Group>,
    longest: usize,
}

impl Prefilter {
    /// Compile the anchors of all detectors: text anchors (and their UTF-16LE
    /// forms) in one group, binary anchors in another.
    pub fn new(detectors: &[Box<dyn Detector>]) -> Result<Prefilter, aho_corasick::BuildError> {
        Prefilter::build(detectors, true)
    }

    /// `single_pass: false` forces the two-group search (tests use it to
    /// check both strategies on a machine where one pass is possible).
    fn build(
        detectors: &[Box<dyn Detector>],
        single_pass: bool,
    ) -> Result<Prefilter, aho_corasick::BuildError> {
        let (text, binary) = patterns(detectors);
        let longest = text
            .0
            .iter()
            .chain(&binary.0)
            .map(Vec::len)
            .max()
            .unwrap_or(0);
        // One pass if the 16-bucket searcher (AVX2) takes every anchor at once:
        // with twice as many buckets, text and binary anchors stop sharing
        // (measured on 28 anchors: 11 GB/s, against 0.28 GB/s with 8 buckets).
        // (a single kind of anchor is best left to the searcher's own choice)
        if single_pass && !text.0.is_empty() && !binary.0.is_empty() {
            let all: Vec<Vec<u8>> = text.0.iter().chain(&binary.0).cloned().collect();
            let all_owners: Vec<PatternOwner> = text.1.iter().chain(&binary.1).copied().collect();
            if let Some(group) = Group::packed(&all, &all_owners, Some(true), true) {
                return Ok(Prefilter {
                    groups: vec![group],
                    longest,
                });
            }
        }
        let mut groups = Vec::new();
        for (patterns, owners) in [text, binary] {
            if !patterns.is_empty() {
                groups.extend(Group::build_all(patterns, owners)?);
            }
        }
        Ok(Prefilter { groups, longest })
    }

    /// Length of the longest pattern: a chunk must extend this far past its
    /// owned range (less one byte) so that no match straddling a seam is lost.
    pub fn longest_pattern(&self) -> usize {
        self.longest
    }

    /// Every match starting in `owned` (a range of `hay`), overlapping ones
    /// included, in no particular order.
    pub fn hits(&self, hay: &[u8], owned: std::ops::Range<usize>, out: &mut Vec<Hit>) {
        let owned_end = owned.end.min(hay.len());
        let mut block = owned.start;
        while block < owned_end {
            let block_end = block.saturating_add(BLOCK).min(owned_end);
            let search_end = block_end
                .saturating_add(self.longest.saturating_sub(1))
                .min(hay.len());
            let Some(window) = hay.get(..search_end) else {
                return;
            };
            for group in &self.groups {
                group.hits(window, block, block_end, out);
            }
            block = block_end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::default_detectors;

    /// Every anchor position, found the slow obvious way.
    fn naive(detectors: &[Box<dyn Detector>], hay: &[u8]) -> Vec<(usize, usize, usize, Encoding)> {
        let mut out = Vec::new();
        for (d, det) in detectors.iter().enumerate() {
            for (a, &anchor) in det.anchors().iter().enumerate() {
                let mut forms = vec![(
                    anchor.to_vec(),
                    if det.is_text() {
                        Encoding::Ascii
                    } else {
                        Encoding::Binary
                    },
                )];
                if det.is_text() {
                    forms.push((utf16le(anchor), Encoding::Utf16le));
                }
                for (bytes, enc) in forms {
                    for pos in memchr::memmem::find_iter(hay, &bytes) {
                        out.push((pos, d, a, enc));
                    }
                }
            }
        }
        out.sort_by_key(|h| (h.0, h.1, h.2, h.3 as u8));
        out
    }

    /// One expectation, every strategy: single pass and two groups, whole
    /// buffer and ranges cut across block boundaries, against a naive search.
    #[test]
    fn prefilter_matches_naive_search_in_every_strategy() {
        check_against_naive(&default_detectors());
    }

    /// The same with every family's anchors, the token rules' keywords
    /// included (more patterns than one packed searcher takes by default):
    /// still at most one text pass and one binary pass where AVX2 exists.
    #[test]
    fn prefilter_with_token_keywords_matches_naive_search() {
        let mut detectors = crate::detect::detectors(&crate::detect::Family::ALL);
        let rules = crate::rules::builtin()
            .unwrap()
            .iter()
            .filter(|r| r.is_pattern())
            .map(|r| r.compile().unwrap())
            .collect();
        detectors.push(Box::new(crate::detect::pattern::PatternDetector::new(
            rules,
        )));
        check_against_naive(&detectors);
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            let pf = Prefilter::new(&detectors).unwrap();
            assert!(pf.groups.len() <= 2, "{} groups", pf.groups.len());
        }
    }

    fn check_against_naive(detectors: &[Box<dyn Detector>]) {
        let mut hay = vec![0u8; 40 * BLOCK + 1000];
        let mut seed = 1u64;
        for b in hay.iter_mut().skip(BLOCK / 2).take(BLOCK) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            *b = seed as u8;
        }
        // every anchor, in every form, across its own block seam and once more elsewhere
        let mut at = 100;
        let mut seam = BLOCK;
        for det in detectors {
            for &anchor in det.anchors() {
                let mut forms = vec![anchor.to_vec()];
                if det.is_text() {
                    forms.push(utf16le(anchor));
                }
                for bytes in forms {
                    // (across seams while there are seams left)
                    if seam < hay.len() - BLOCK {
                        let pos = seam - bytes.len() / 2 - (at % 3);
                        hay[pos..pos + bytes.len()].copy_from_slice(&bytes);
                        seam += BLOCK;
                    }
                    hay[at..at + bytes.len()].copy_from_slice(&bytes);
                    at += bytes.len() + 7;
                }
            }
        }
        let expected = naive(detectors, &hay);
        assert!(expected.len() >= 56, "{}", expected.len());
        for single in [true, false] {
            let pf = Prefilter::build(detectors, single).unwrap();
            for cut in [hay.len(), BLOCK + 3, 1000] {
                let mut hits = Vec::new();
                let mut start = 0;
                while start < hay.len() {
                    let end = (start + cut).min(hay.len());
                    pf.hits(&hay, start..end, &mut hits);
                    start = end;
                }
                let mut got: Vec<_> = hits
                    .iter()
                    .map(|h| (h.pos, h.owner.detector, h.owner.anchor, h.owner.encoding))
                    .collect();
                got.sort_by_key(|h| (h.0, h.1, h.2, h.3 as u8));
                assert_eq!(got, expected, "single pass {single}, ranges of {cut}");
            }
        }
    }
}
