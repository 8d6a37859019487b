//! The one prefilter pass: a single Aho-Corasick automaton over every
//! detector's anchors, in ASCII and (for text detectors) UTF-16LE. It may
//! report candidates a detector then rejects, but it never misses one: every
//! secret a detector reports contains one of its anchors.

use crate::detect::{Detector, Encoding, utf16le};
use aho_corasick::{AhoCorasick, AhoCorasickKind, Input, MatchKind};

/// Which detector and encoding a pattern stands for.
#[derive(Debug, Clone, Copy)]
pub struct PatternOwner {
    pub detector: usize,
    pub anchor: usize,
    pub encoding: Encoding,
}

/// The compiled automaton plus the owner of each pattern.
pub struct Prefilter {
    automaton: AhoCorasick,
    owners: Vec<PatternOwner>,
    longest: usize,
}

/// A candidate position in a buffer.
#[derive(Debug, Clone, Copy)]
pub struct Hit {
    pub pos: usize,
    pub owner: PatternOwner,
}

impl Prefilter {
    /// Compile the anchors of all detectors.
    pub fn new(detectors: &[Box<dyn Detector>]) -> Result<Prefilter, aho_corasick::BuildError> {
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        let mut owners = Vec::new();
        for (detector, d) in detectors.iter().enumerate() {
            for (anchor, &a) in d.anchors().iter().enumerate() {
                if d.is_text() {
                    patterns.push(a.to_vec());
                    owners.push(PatternOwner {
                        detector,
                        anchor,
                        encoding: Encoding::Ascii,
                    });
                    patterns.push(utf16le(a));
                    owners.push(PatternOwner {
                        detector,
                        anchor,
                        encoding: Encoding::Utf16le,
                    });
                } else {
                    patterns.push(a.to_vec());
                    owners.push(PatternOwner {
                        detector,
                        anchor,
                        encoding: Encoding::Binary,
                    });
                }
            }
        }
        let longest = patterns.iter().map(Vec::len).max().unwrap_or(0);
        let automaton = AhoCorasick::builder()
            // Leftmost-first lets the automaton use its SIMD (Teddy) prefilter;
            // restarting one byte after each match (below) keeps every match
            // that starts at a different position, which is all we need.
            .match_kind(MatchKind::LeftmostFirst)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&patterns)?;
        Ok(Prefilter {
            automaton,
            owners,
            longest,
        })
    }

    /// Length of the longest pattern: a chunk must extend this far past its
    /// owned range (less one byte) so that no match straddling a seam is lost.
    pub fn longest_pattern(&self) -> usize {
        self.longest
    }

    /// Every match starting in `owned` (a range of `hay`), overlapping ones included.
    pub fn hits(&self, hay: &[u8], owned: std::ops::Range<usize>, out: &mut Vec<Hit>) {
        let end = owned
            .end
            .saturating_add(self.longest.saturating_sub(1))
            .min(hay.len());
        let Some(window) = hay.get(owned.start..end) else {
            return;
        };
        let mut at = 0;
        while at < window.len() {
            let Some(m) = self.automaton.find(Input::new(window).range(at..)) else {
                break;
            };
            let pos = owned.start + m.start();
            at = m.start() + 1;
            if pos >= owned.end {
                break;
            }
            if let Some(&owner) = self.owners.get(m.pattern().as_usize()) {
                out.push(Hit { pos, owner });
            }
        }
    }
}
