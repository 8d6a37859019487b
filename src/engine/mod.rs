//! The scan engine: compiled once, shared by every worker. It splits each
//! file's memory map into units (runs of regions contiguous in the file and in
//! memory) and units into chunks, runs the prefilter over each chunk in
//! parallel, and hands each candidate to its detector.
//!
//! A chunk only decides which candidates it owns (those whose anchor starts in
//! it); detectors read the whole run of file bytes around a candidate (units
//! that follow each other in the file, whatever their addresses), so a key
//! straddling a chunk seam, or a region boundary that a corrupt dump put in
//! the wrong place, is seen whole and found exactly once. The recoveries,
//! which follow addresses, read one unit. Files that cannot be mapped are
//! read in bounded chunks that carry the detectors' window as overlap.

pub mod attribute;
pub mod config;
mod jobs;
pub mod prefilter;

pub use config::{AesAlignment, DEFAULT_CHUNK, DEFAULT_MAX_PER_RULE, EngineConfig};

use crate::container::MemoryMap;
use crate::detect::pattern::PatternDetector;
use crate::detect::{Candidate, Detection, Detector, Family, Secret};
use crate::model::Encoding;
use crate::recover::{Recovery, bignum::Collected};
use jobs::{Jobs, PieceView};
use prefilter::{Hit, Prefilter};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::io::Read;
use std::ops::Range;

/// A detection placed in the file.
#[derive(Debug, Clone)]
pub struct Located {
    /// Offset in the file of the detection's first byte.
    pub file_offset: u64,
    /// What was found.
    pub detection: Detection,
}

/// Per-scan counters, summed over workers.
#[derive(Debug, Default, Clone)]
pub struct ScanStats {
    /// Bytes scanned.
    pub bytes: u64,
    /// Prefilter hits handed to detectors.
    pub candidates: u64,
    /// What the file's warnings say: findings left out past the per-rule
    /// limit, and the limits the recoveries reached.
    pub warnings: Vec<String>,
    /// Searches cut short by their limits: each makes the coverage partial.
    pub incomplete: Vec<String>,
    /// Findings left out of the report, by rule, past the per-rule limit.
    pub dropped: BTreeMap<&'static str, u64>,
}

impl ScanStats {
    fn add(&mut self, other: ScanStats) {
        self.bytes += other.bytes;
        self.candidates += other.candidates;
        self.warnings.extend(other.warnings);
        for (rule, n) in other.dropped {
            *self.dropped.entry(rule).or_default() += n;
        }
    }
}

/// Keep the first `max` items of each rule (by offset), counting the rest in
/// `dropped`. Cheap when no rule is over its limit.
fn cap_per_rule<T>(
    found: &mut Vec<T>,
    max: usize,
    key: impl Fn(&T) -> (&'static str, u64),
    dropped: &mut BTreeMap<&'static str, u64>,
) {
    if found.len() <= max {
        return;
    }
    let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    for f in found.iter() {
        *counts.entry(key(f).0).or_default() += 1;
    }
    if counts.values().all(|&n| n <= max) {
        return;
    }
    found.sort_by_key(|f| key(f).1);
    counts.clear();
    found.retain(|f| {
        let rule = key(f).0;
        let kept = counts.entry(rule).or_default();
        if *kept < max {
            *kept += 1;
            true
        } else {
            *dropped.entry(rule).or_default() += 1;
            false
        }
    });
}

/// Rule and file offset of a located finding, for [`cap_per_rule`].
fn located_key(l: &Located) -> (&'static str, u64) {
    (l.detection.rule_id, l.file_offset)
}

/// Rule and unit offset of a detection (all of one unit), for [`cap_per_rule`].
fn detection_key(d: &Detection) -> (&'static str, u64) {
    (d.rule_id, d.start as u64)
}

/// The per-rule limit held on a list that grows as a scan goes: checked only
/// once the list has doubled since the last check, so the list never holds
/// more than about twice what the limit keeps, for a few passes over it.
#[derive(Default)]
struct RuleLimit {
    check_at: usize,
    dropped: BTreeMap<&'static str, u64>,
}

impl RuleLimit {
    fn hold<T>(&mut self, found: &mut Vec<T>, max: usize, key: impl Fn(&T) -> (&'static str, u64)) {
        if found.len() >= self.check_at.max(max) {
            self.hold_now(found, max, key);
        }
    }

    fn hold_now<T>(
        &mut self,
        found: &mut Vec<T>,
        max: usize,
        key: impl Fn(&T) -> (&'static str, u64),
    ) {
        cap_per_rule(found, max, key, &mut self.dropped);
        self.check_at = found.len().saturating_mul(2);
    }
}

/// The immutable engine: detectors plus the prefilter built from their anchors.
pub struct Engine {
    detectors: Vec<Box<dyn Detector>>,
    prefilter: Prefilter,
    recovery: Recovery,
    chunk: usize,
    skip_zero_pages: bool,
    max_per_rule: usize,
}

/// Per-worker buffers, reused across chunks.
#[derive(Default)]
struct Scratch {
    hits: Vec<Hit>,
    detect: crate::detect::Scratch,
    found: Vec<Detection>,
    spans: Vec<Range<usize>>,
    /// The per-rule limit on `found`.
    limit: RuleLimit,
}

/// Bytes checked at a time for [`live_spans`]: a memory page.
const PAGE: usize = 4096;

/// Bytes at the end of a run of zero pages that are still scanned: whatever
/// starts with zero bytes (an anchor like OpenPGP's `00 11 01 00 01`, the
/// schedule of an all-zero AES key) and runs on into the next page starts
/// this close to it. Longer than every anchor and every AES schedule.
const ZERO_TAIL: usize = 256;

/// The parts of `owned` (a range of `unit`) worth scanning: everything but
/// whole pages of zero bytes, less the last [`ZERO_TAIL`] bytes of each run
/// of them. Dumps are full of zero pages (untouched heap, stacks, bss) and
/// nothing a detector or recovery reports can start inside one: no anchor is
/// all zeros, RSA numbers and key schedules are runs of non-zero words.
fn live_spans(unit: &[u8], owned: Range<usize>, out: &mut Vec<Range<usize>>) {
    out.clear();
    let owned_end = owned.end.min(unit.len());
    let mut span_start = owned.start;
    let mut zeros_from: Option<usize> = None;
    let close = |zeros: Range<usize>, span_start: &mut usize, out: &mut Vec<Range<usize>>| {
        let skip_end = zeros.end.saturating_sub(ZERO_TAIL);
        if skip_end > zeros.start {
            if zeros.start > *span_start {
                out.push(*span_start..zeros.start);
            }
            *span_start = skip_end;
        }
    };
    let mut pos = owned.start;
    while pos < owned_end {
        let end = pos.saturating_add(PAGE).min(owned_end);
        let zero = end - pos == PAGE && unit.get(pos..end).is_some_and(is_zero);
        match (zero, zeros_from) {
            (true, None) => zeros_from = Some(pos),
            (false, Some(from)) => {
                close(from..pos, &mut span_start, out);
                zeros_from = None;
            }
            _ => {}
        }
        pos = end;
    }
    if let Some(from) = zeros_from {
        close(from..owned_end, &mut span_start, out);
    }
    if span_start < owned.end {
        out.push(span_start..owned.end);
    }
}

/// Whether every byte is zero (64 bytes at a time, which the compiler turns
/// into vector ORs; a page of data stops at its first non-zero block).
fn is_zero(bytes: &[u8]) -> bool {
    let mut blocks = bytes.chunks_exact(64);
    blocks.all(|b| b.iter().fold(0u8, |acc, &x| acc | x) == 0)
        && blocks.remainder().iter().all(|&x| x == 0)
}

impl Engine {
    /// The engine `config` describes: the anchor detectors of its families
    /// (the tokens family with its rule set's patterns), the prefilter built
    /// from their anchors, and the recoveries, which have no anchor.
    pub fn new(config: &EngineConfig) -> anyhow::Result<Engine> {
        let mut detectors = crate::detect::detectors(&config.families);
        if config.runs(Family::Tokens) {
            let patterns = config.rules.patterns()?;
            if !patterns.is_empty() {
                detectors.push(Box::new(PatternDetector::new(patterns)));
            }
        }
        let prefilter = Prefilter::new(&detectors)?;
        Ok(Engine {
            detectors,
            prefilter,
            recovery: Recovery::new(&config.families, config.aes_alignment, &config.known_keys),
            chunk: config.chunk_size.max(1),
            skip_zero_pages: config.skip_zero_pages,
            max_per_rule: config.max_findings_per_rule.unwrap_or(usize::MAX).max(1),
        })
    }

    /// Every rule id the engine's detectors can report.
    pub fn rule_ids(&self) -> Vec<&'static str> {
        let mut ids: Vec<&'static str> = self
            .detectors
            .iter()
            .flat_map(|d| d.rule_ids().iter().copied())
            .collect();
        ids.extend(self.recovery.rule_ids());
        ids
    }

    /// The literals the prefilter searches (see [`prefilter::searched_literals`]).
    pub fn searched_literals(&self) -> Vec<Vec<u8>> {
        prefilter::searched_literals(&self.detectors)
    }

    /// Bytes of context a detector may need around an anchor, in the widest encoding.
    pub fn context(&self) -> (usize, usize) {
        let before = self
            .detectors
            .iter()
            .map(|d| d.window().0)
            .max()
            .unwrap_or(0);
        let after = self
            .detectors
            .iter()
            .map(|d| d.window().1)
            .max()
            .unwrap_or(0);
        let after =
            (after * 2 + self.prefilter.longest_pattern()).max(if self.recovery.is_active() {
                crate::recover::CONTEXT_AFTER
            } else {
                0
            });
        (before * 2, after)
    }

    /// Scan a mapped file whose regions are described by `map`, in parallel.
    /// Results are sorted by file offset, one per (offset, rule).
    pub fn scan_mapped(&self, bytes: &[u8], map: &MemoryMap) -> (Vec<Located>, ScanStats) {
        self.scan_mapped_with(bytes, map, &|_| {})
    }

    /// [`Engine::scan_mapped`], calling `done` with each chunk's byte range of
    /// `bytes` once it is scanned, so the caller can drop those pages from the
    /// process (a 16 GiB dump must not stay resident). Detectors may still read
    /// a released range afterwards; that only faults it back in.
    pub fn scan_mapped_with(
        &self,
        bytes: &[u8],
        map: &MemoryMap,
        done: &(dyn Fn(Range<usize>) + Sync),
    ) -> (Vec<Located>, ScanStats) {
        let jobs = Jobs::plan(map, bytes.len(), self.chunk);
        // results are merged as groups finish (a reduce, not a collect), so
        // the recoveries' per-chunk candidates never pile up for the whole file
        let (mut found, mut stats, collected) = jobs
            .groups
            .par_iter()
            .map_init(Scratch::default, |scratch, group| {
                let mut group_out = GroupOutcome::default();
                let mut cap_at = self.max_per_rule;
                let pieces = jobs.pieces.get(group.clone()).unwrap_or_default();
                for piece in pieces {
                    let Some(view) = PieceView::new(bytes, map, &jobs, piece) else {
                        continue;
                    };
                    self.scan_piece(&view, scratch, &mut group_out);
                    // a group of many small pieces keeps to the per-rule limit as it goes
                    let GroupOutcome { located, stats, .. } = &mut group_out;
                    if located.len() > cap_at {
                        cap_per_rule(located, self.max_per_rule, located_key, &mut stats.dropped);
                        cap_at = cap_at.max(located.len().saturating_mul(2));
                    }
                }
                if let (Some(first), Some(last)) = (pieces.first(), pieces.last()) {
                    done(first.owned.start..last.owned.end);
                }
                (group_out.located, group_out.stats, group_out.collected)
            })
            .reduce(
                || (Vec::new(), ScanStats::default(), Collected::default()),
                |(mut f1, mut s1, mut c1), (f2, s2, c2)| {
                    f1.extend(f2);
                    s1.add(s2);
                    cap_per_rule(&mut f1, self.max_per_rule, located_key, &mut s1.dropped);
                    c1.merge(c2);
                    (f1, s1, c1)
                },
            );
        let (recovered, warnings) = self.recovery.finish(bytes, map, collected);
        found.extend(
            recovered
                .into_iter()
                .map(|(file_offset, detection)| Located {
                    file_offset,
                    detection,
                }),
        );
        stats.warnings = warnings.clone();
        stats.incomplete = warnings;
        if !map.utf16be_text.is_empty() {
            // (a little-endian reading of big-endian text is a misreading)
            found.retain(|l| {
                l.detection.encoding != Encoding::Utf16le
                    || !in_ranges(&map.utf16be_text, l.file_offset)
            });
            let (be, be_stats) = self.scan_utf16be(bytes, &map.utf16be_text);
            found.extend(be);
            stats.candidates += be_stats.candidates;
            for (rule, n) in be_stats.dropped {
                *stats.dropped.entry(rule).or_default() += n;
            }
        }
        self.finish_found(found, stats)
    }

    /// Scan text held as UTF-16BE (Java `char[]`): each range's character
    /// pairs are swapped into a buffer that the text detectors read as
    /// UTF-16LE. Swapping keeps every byte's offset, so what they find is
    /// placed in the file as it is and reported as `utf16be`.
    fn scan_utf16be(&self, bytes: &[u8], ranges: &[Range<u64>]) -> (Vec<Located>, ScanStats) {
        let (before, after) = self.context();
        let pieces = utf16be_pieces(ranges, bytes.len(), before, after);
        pieces
            .par_iter()
            .map_init(
                || (Scratch::default(), Vec::new()),
                |(scratch, swapped), (window, owned)| {
                    let Some(src) = bytes.get(window.clone()) else {
                        return (Vec::new(), ScanStats::default());
                    };
                    swapped.clear();
                    swapped.extend(src.chunks_exact(2).flat_map(|c| [c[1], c[0]]));
                    let own = owned.start - window.start..owned.end - window.start;
                    let candidates = self.scan_owned(swapped, own, scratch, |_, _| {});
                    let stats = ScanStats {
                        candidates,
                        dropped: std::mem::take(&mut scratch.limit.dropped),
                        ..ScanStats::default()
                    };
                    let found = scratch
                        .found
                        .drain(..)
                        .filter(|d| d.encoding == Encoding::Utf16le)
                        .map(|mut d| {
                            d.encoding = Encoding::Utf16be;
                            for c in &mut d.components {
                                if c.encoding == Encoding::Utf16le {
                                    c.encoding = Encoding::Utf16be;
                                }
                            }
                            Located {
                                file_offset: (window.start + d.start) as u64,
                                detection: d,
                            }
                        })
                        .collect();
                    (found, stats)
                },
            )
            .reduce(
                || (Vec::new(), ScanStats::default()),
                |(mut f1, mut s1), (f2, s2)| {
                    f1.extend(f2);
                    s1.add(s2);
                    cap_per_rule(&mut f1, self.max_per_rule, located_key, &mut s1.dropped);
                    (f1, s1)
                },
            )
    }

    /// Scan one piece: the detectors over its owned bytes (reading the whole
    /// run around them), the recoveries over the same spans of its unit;
    /// what they find goes into `out` at file offsets.
    fn scan_piece(&self, view: &PieceView<'_>, scratch: &mut Scratch, out: &mut GroupOutcome) {
        let unit_bytes = view.unit_bytes();
        let collected = &mut out.collected;
        let candidates = self.scan_owned(view.run, view.owned.clone(), scratch, |span, found| {
            // recoveries follow addresses: they read one unit, and what
            // they find is moved to run offsets
            let from = found.len();
            self.recovery.sweep(
                unit_bytes,
                view.unit_file_offset(),
                view.unit_addr,
                view.run_to_unit(span),
                found,
                collected,
            );
            for d in found.iter_mut().skip(from) {
                d.start = view.unit_to_run(d.start);
            }
        });
        out.stats.add(ScanStats {
            bytes: view.owned.len() as u64,
            candidates,
            dropped: std::mem::take(&mut scratch.limit.dropped),
            ..ScanStats::default()
        });
        out.located.extend(scratch.found.drain(..).map(|d| Located {
            file_offset: view.file_offset(d.start),
            detection: d,
        }));
    }

    /// Deduplicate, apply the per-rule limit and say what it left out.
    fn finish_found(&self, found: Vec<Located>, mut stats: ScanStats) -> (Vec<Located>, ScanStats) {
        let mut found = dedup(found);
        cap_per_rule(
            &mut found,
            self.max_per_rule,
            located_key,
            &mut stats.dropped,
        );
        for (rule, n) in &stats.dropped {
            stats.warnings.push(format!(
                "{n} more findings of rule {rule} not listed (at most {} a rule in one file: --max-findings-per-rule)",
                self.max_per_rule
            ));
        }
        (found, stats)
    }

    /// Scan a stream of `len` bytes (a file that cannot be mapped), reading
    /// bounded chunks with the detectors' context kept on both sides.
    pub fn scan_reader(&self, reader: &mut dyn Read) -> std::io::Result<(Vec<Located>, ScanStats)> {
        let (before, after) = self.context();
        let mut scratch = Scratch::default();
        let mut stats = ScanStats::default();
        let mut found = Vec::new();
        let mut buf: Vec<u8> = Vec::new();
        // file offset of buf[0], and how many leading bytes of buf are context already scanned
        let mut base = 0u64;
        let mut kept = 0usize;
        let mut eof = false;
        let mut found_limit = RuleLimit::default();
        while !eof || buf.len() > kept {
            let want = kept + self.chunk + after;
            let mut filled = buf.len();
            buf.resize(want.max(filled), 0);
            while filled < want && !eof {
                let n = match reader.read(&mut buf[filled..want]) {
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                };
                filled += n;
                eof = n == 0;
            }
            buf.truncate(filled);
            let owned_end = if eof {
                buf.len()
            } else {
                (kept + self.chunk).min(buf.len())
            };
            if owned_end <= kept {
                break;
            }
            stats.candidates +=
                self.scan_owned(&buf, kept..owned_end, &mut scratch, |span, found| {
                    // streams have no address map: only what needs none (AES schedules)
                    self.recovery.sweep_stream(&buf, base, span, found);
                });
            stats.bytes += (owned_end - kept) as u64;
            for mut d in scratch.found.drain(..) {
                // the buffer is gone after this chunk: keep the secret as text
                if d.secret == Secret::Span {
                    let span = buf.get(d.start..d.start.saturating_add(d.len));
                    d.secret = Secret::Text(d.secret.text(span.unwrap_or_default(), d.encoding));
                }
                found.push(Located {
                    file_offset: base + d.start as u64,
                    detection: d,
                });
            }
            found_limit.hold(&mut found, self.max_per_rule, located_key);
            // keep `before` bytes of context ahead of the next owned range
            let drop = owned_end.saturating_sub(before);
            buf.drain(..drop);
            base += drop as u64;
            kept = owned_end - drop;
        }
        for (rule, n) in scratch.limit.dropped.into_iter().chain(found_limit.dropped) {
            *stats.dropped.entry(rule).or_default() += n;
        }
        Ok(self.finish_found(found, stats))
    }

    /// The parts of `owned` to scan: [`live_spans`], or all of it.
    fn live_spans(&self, unit: &[u8], owned: Range<usize>, out: &mut Vec<Range<usize>>) {
        if self.skip_zero_pages {
            live_spans(unit, owned, out);
        } else {
            out.clear();
            out.push(owned);
        }
    }

    /// Scan `owned` (a range of `unit`): its live spans through the
    /// prefilter and detectors and through `recover` (the recoveries that
    /// apply to this kind of input), leaving in `scratch.found` what they
    /// report, held to the per-rule limit. Returns the candidates confirmed.
    fn scan_owned(
        &self,
        unit: &[u8],
        owned: Range<usize>,
        scratch: &mut Scratch,
        mut recover: impl FnMut(Range<usize>, &mut Vec<Detection>),
    ) -> u64 {
        let mut spans = std::mem::take(&mut scratch.spans);
        self.live_spans(unit, owned, &mut spans);
        scratch.limit.check_at = 0;
        let mut candidates = 0;
        for span in &spans {
            candidates += self.scan_unit(unit, span.clone(), scratch);
            if self.recovery.is_active() {
                recover(span.clone(), &mut scratch.found);
            }
        }
        scratch.spans = spans;
        scratch
            .limit
            .hold_now(&mut scratch.found, self.max_per_rule, detection_key);
        candidates
    }

    /// Prefilter `owned` (a range of `unit`) and confirm each candidate
    /// against the whole unit, a slice at a time so that the candidates of a
    /// range stuffed with anchors, and what they find, stay bounded. Returns
    /// the number of candidates.
    fn scan_unit(&self, unit: &[u8], owned: Range<usize>, scratch: &mut Scratch) -> u64 {
        scratch.detect.clear();
        let mut candidates = 0u64;
        let mut from = owned.start;
        while from < owned.end {
            let to = from.saturating_add(CONFIRM_SLICE).min(owned.end);
            scratch.hits.clear();
            self.prefilter.hits(unit, from..to, &mut scratch.hits);
            candidates += scratch.hits.len() as u64;
            for hit in &scratch.hits {
                let Some(detector) = self.detectors.get(hit.owner.detector) else {
                    continue;
                };
                let candidate = Candidate {
                    unit,
                    pos: hit.pos,
                    anchor: hit.owner.anchor,
                    encoding: hit.owner.encoding,
                };
                detector.confirm(&candidate, &mut scratch.detect, &mut scratch.found);
            }
            scratch
                .limit
                .hold(&mut scratch.found, self.max_per_rule, detection_key);
            from = to;
        }
        candidates
    }
}

/// Whether `offset` lies in one of `ranges` (sorted, disjoint).
fn in_ranges(ranges: &[Range<u64>], offset: u64) -> bool {
    let i = ranges.partition_point(|r| r.end <= offset);
    ranges.get(i).is_some_and(|r| r.start <= offset)
}

/// Most bytes of UTF-16BE text swapped and scanned at once.
const UTF16BE_PIECE: usize = 4 << 20;

/// The (window, owned) file ranges in which [`Engine::scan_utf16be`] swaps
/// and scans `ranges` (a container joins ranges that lie close together):
/// each cut into pieces of [`UTF16BE_PIECE`] bytes, each window holding the
/// detectors' context around what it owns, within its range, and starting
/// on a character.
fn utf16be_pieces(
    ranges: &[Range<u64>],
    len: usize,
    before: usize,
    after: usize,
) -> Vec<(Range<usize>, Range<usize>)> {
    let before = before + before % 2;
    let mut pieces = Vec::new();
    for r in ranges {
        let start = usize::try_from(r.start).unwrap_or(usize::MAX).min(len);
        let end = usize::try_from(r.end).unwrap_or(usize::MAX).min(len);
        let end = end - (end.saturating_sub(start) % 2);
        let mut at = start;
        while at < end {
            let owned = at..(at + UTF16BE_PIECE).min(end);
            let from = at - before.min(at - start);
            let to = owned.end.saturating_add(after).min(end);
            let to = to - (to - from) % 2;
            pieces.push((from..to, owned.clone()));
            at = owned.end;
        }
    }
    pieces
}

/// Bytes prefiltered before their candidates are confirmed: at most this
/// many candidates are held at once.
const CONFIRM_SLICE: usize = 256 << 10;

/// One finding per (offset, rule), in file order, without findings nested
/// inside a larger one that describes the same key (the PKCS#1 key inside a
/// PKCS#8 wrapper, the SEC1 key inside PKCS#8, the encrypted key bags inside
/// a PKCS#12 file). A plaintext key inside a PKCS#12 file is its own finding.
fn dedup(mut found: Vec<Located>) -> Vec<Located> {
    // at one place, the most severe rule first: a secret that a specific
    // token rule and a generic assignment rule both match is reported once,
    // by the specific rule
    found.sort_by(|a, b| {
        (
            a.file_offset,
            std::cmp::Reverse(a.detection.len),
            std::cmp::Reverse(a.detection.severity),
            a.detection.rule_id,
        )
            .cmp(&(
                b.file_offset,
                std::cmp::Reverse(b.detection.len),
                std::cmp::Reverse(b.detection.severity),
                b.detection.rule_id,
            ))
    });
    found.dedup_by(|a, b| {
        a.file_offset == b.file_offset && a.detection.rule_id == b.detection.rule_id
    });
    let mut kept: Vec<Located> = Vec::with_capacity(found.len());
    for f in found {
        let end = f.file_offset + f.detection.len as u64;
        let nested = kept.iter().rev().take(8).any(|outer| {
            let outer_end = outer.file_offset + outer.detection.len as u64;
            outer.file_offset <= f.file_offset
                && end <= outer_end
                && (f.detection.fingerprint.is_none()
                    || f.detection.fingerprint == outer.detection.fingerprint
                    // a PKCS#8 wrapper holds exactly one key: what is inside is that key
                    || outer.detection.rule_id == "der-pkcs8-private-key")
        });
        if !nested {
            kept.push(f);
        }
    }
    kept
}

/// What the pieces of one group found: detections at file offsets, counters,
/// and the recoveries' candidates to correlate once per file.
#[derive(Default)]
struct GroupOutcome {
    located: Vec<Located>,
    stats: ScanStats,
    collected: Collected,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default engine configuration, running `families`.
    fn config(families: &[Family]) -> EngineConfig {
        EngineConfig::builtin().unwrap().only(families)
    }
    use crate::container::MemoryMap;
    use crate::detect::utf16le;
    use crate::model::ContainerKind;
    use crate::model::Encoding;
    use crate::testutil::{heap_region, minidump_map, noise};

    const KEY: &str = include_str!("../../fixtures/keys/rsa2048-pkcs1.pem");
    const EC_KEY: &str = include_str!("../../fixtures/keys/ec-p256-sec1.pem");

    fn scan_all_ways(engine: &Engine, bytes: &[u8]) -> Vec<Vec<(u64, Encoding, Option<String>)>> {
        let map = MemoryMap::raw(bytes.len() as u64, ContainerKind::Raw, Vec::new());
        let summarize = |found: Vec<Located>| {
            found
                .into_iter()
                .map(|l| (l.file_offset, l.detection.encoding, l.detection.fingerprint))
                .collect::<Vec<_>>()
        };
        let mapped = summarize(engine.scan_mapped(bytes, &map).0);
        let streamed = summarize(engine.scan_reader(&mut &bytes[..]).unwrap().0);
        vec![mapped, streamed]
    }

    /// One expectation, every strategy: a key planted at many offsets and in
    /// both encodings, across chunk seams, is found once at the right offset
    /// whether the buffer is mapped or streamed, whatever the chunk size.
    #[test]
    fn planted_keys_found_once_across_seams_and_strategies() {
        let expected_fp = crate::detect::pem::fingerprint_of(KEY.as_bytes()).unwrap();
        for chunk in [4096usize, 4099, 1 << 16, DEFAULT_CHUNK] {
            let engine = Engine::new(&EngineConfig {
                chunk_size: chunk,
                ..config(&Family::KEY_FORMATS)
            })
            .unwrap();
            for (i, offset) in [0usize, 1, 4000, 4090, 4095, 4096, 8191, 20000, 65535]
                .into_iter()
                .enumerate()
            {
                for encoding in [Encoding::Ascii, Encoding::Utf16le] {
                    let planted = match encoding {
                        Encoding::Utf16le => utf16le(KEY.as_bytes()),
                        _ => KEY.as_bytes().to_vec(),
                    };
                    let mut bytes = noise(offset + planted.len() + 5000, 99 + i as u64);
                    bytes[offset..offset + planted.len()].copy_from_slice(&planted);
                    for found in scan_all_ways(&engine, &bytes) {
                        assert_eq!(
                            found,
                            vec![(offset as u64, encoding, Some(expected_fp.clone()))],
                            "chunk {chunk} offset {offset} {encoding:?}"
                        );
                    }
                }
            }
        }
    }

    /// Plant `line` at each offset (after a NUL, so it is a line of its own
    /// whatever the noise), in both encodings, and scan it in chunks of
    /// several sizes, mapped and streamed: `secret` is found once, starting
    /// `secret_at` characters into the line.
    fn assert_found_once_across_seams(
        line: &str,
        secret: &str,
        secret_at: usize,
        offsets: &[usize],
    ) {
        use crate::detect::Family;
        let fp = crate::keys::sha256_hex(secret.as_bytes());
        for chunk in [4096usize, 4099, 1 << 16] {
            let engine = Engine::new(&EngineConfig {
                chunk_size: chunk,
                ..config(&[Family::Tokens])
            })
            .unwrap();
            for &offset in offsets {
                for encoding in [Encoding::Ascii, Encoding::Utf16le] {
                    let planted = match encoding {
                        Encoding::Utf16le => utf16le(line.as_bytes()),
                        _ => line.as_bytes().to_vec(),
                    };
                    let mut bytes = noise(offset + planted.len() + 5000, offset as u64 + 7);
                    if offset > 0 {
                        bytes[offset - 1] = 0;
                    }
                    bytes[offset..offset + planted.len()].copy_from_slice(&planted);
                    let stride = if encoding == Encoding::Utf16le { 2 } else { 1 };
                    let at = (offset + secret_at * stride) as u64;
                    for found in scan_all_ways(&engine, &bytes) {
                        assert_eq!(
                            found,
                            vec![(at, encoding, Some(fp.clone()))],
                            "chunk {chunk} offset {offset} {encoding:?}"
                        );
                    }
                }
            }
        }
    }

    /// A token planted across chunk seams, in both encodings, mapped and
    /// streamed: found once, at its secret's offset, whatever the chunk.
    #[test]
    fn tokens_found_once_across_seams_and_strategies() {
        // built at run time so that this test binary holds no literal token
        let token = format!("{}_{}", "ghp", "Zx81Lp0QmWv2Rt7YcBn5Ks3Ha9UeDq4Fj6Gw");
        let line = format!("GITHUB_TOKEN={token}\n");
        assert_found_once_across_seams(&line, &token, 13, &[0, 4080, 4090, 4095, 8190, 20000]);
    }

    /// A keyword the prefilter finds through a substring it shares with other
    /// keywords (`ecret`, 7 characters into `clientSecret`), with the keyword
    /// and its anchor on either side of a seam and at the very start of the
    /// file: found once, at its secret's offset.
    #[test]
    fn shared_anchor_keywords_found_once_across_seams() {
        use crate::detect::Family;
        let secret = format!("{}{}", "05Ngeyw_ZyDkOnlu", "jBc4T~2WqbN5CorN");
        let line = format!("clientSecret: {secret}\n");
        assert_found_once_across_seams(&line, &secret, 14, &[0, 4085, 4090, 4095, 8180, 20000]);
        // the shared substring alone (no keyword around it) finds nothing
        let engine = Engine::new(&config(&[Family::Tokens])).unwrap();
        let near_miss = format!("clientXecret: {secret} Secret: {secret} client_secre {secret}");
        for bytes in [near_miss.as_bytes().to_vec(), utf16le(near_miss.as_bytes())] {
            for found in scan_all_ways(&engine, &bytes) {
                assert!(found.is_empty(), "{found:?}");
            }
        }
    }

    /// The same key as configuration files, source code and Windows programs
    /// keep it: CRLF, no line breaks, `\n` escapes inside JSON, indented YAML.
    #[test]
    fn line_break_styles_do_not_matter() {
        let engine = Engine::new(&config(&Family::KEY_FORMATS)).unwrap();
        let fp = crate::detect::pem::fingerprint_of(KEY.as_bytes());
        let trimmed = KEY.trim_end();
        let variants = [
            trimmed.replace('\n', "\r\n"),
            trimmed.replace('\n', ""),
            trimmed.replace('\n', "\r\r\n"),
            format!(
                "{{\"private_key\": \"{}\\n\", \"kid\": \"x\"}}",
                trimmed.replace('\n', "\\n")
            ),
            format!("key: |\n  {}\nnext: 1", trimmed.replace('\n', "\n  ")),
        ];
        for v in variants {
            for bytes in [v.as_bytes().to_vec(), utf16le(v.as_bytes())] {
                let map = MemoryMap::raw(bytes.len() as u64, ContainerKind::Raw, Vec::new());
                let (found, _) = engine.scan_mapped(&bytes, &map);
                assert_eq!(found.len(), 1, "{v}");
                let d = &found[0].detection;
                assert_eq!(d.fingerprint, fp, "{v}");
                assert!(d.key.as_ref().unwrap().validated, "{v}");
            }
        }
    }

    /// The same for one key of every other family: binary DER, a CNG blob, a
    /// binary OpenSSH key, an OpenPGP packet, a JWK and a PPK (text ones in
    /// both encodings), at odd offsets across chunk seams, mapped and streamed.
    #[test]
    fn every_family_found_once_across_seams() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/keys");
        let files: [(&str, bool); 7] = [
            ("der/rsa2048-pkcs1.der", false),
            ("der/ec-p384-pkcs8.der", false),
            ("blob/cng-ecdsa-p256.blob", false),
            ("blob/openssh-ed25519.bin", false),
            ("blob/pgp-ed25519.gpg", false),
            ("jwk/ec-p256.jwk", true),
            ("zoo/putty-ed25519-v3.ppk", true),
        ];
        for chunk in [4096usize, 4099] {
            let engine = Engine::new(&EngineConfig {
                chunk_size: chunk,
                ..config(&Family::KEY_FORMATS)
            })
            .unwrap();
            for (file, text) in files {
                let key = std::fs::read(format!("{dir}/{file}")).unwrap();
                let alone = {
                    let map = MemoryMap::raw(key.len() as u64, ContainerKind::Raw, Vec::new());
                    engine.scan_mapped(&key, &map).0
                };
                assert_eq!(alone.len(), 1, "{file}");
                let fp = alone[0].detection.fingerprint.clone();
                let mut forms = vec![(key.clone(), alone[0].detection.encoding)];
                if text {
                    forms.push((utf16le(&key), Encoding::Utf16le));
                }
                for (bytes, encoding) in forms {
                    for offset in [1usize, 4093, 4095, 4097, 8191] {
                        let mut hay = noise(offset + bytes.len() + 4099, offset as u64 + 3);
                        hay[offset..offset + bytes.len()].copy_from_slice(&bytes);
                        for found in scan_all_ways(&engine, &hay) {
                            assert_eq!(
                                found,
                                vec![(offset as u64, encoding, fp.clone())],
                                "{file} chunk {chunk} offset {offset} {encoding:?}"
                            );
                        }
                    }
                }
            }
        }
    }

    /// Leaving out zero pages changes no result: keys of every family, an AES
    /// schedule and a token placed just before, at and just after the end of
    /// a run of zero pages (an all-zero AES key's schedule starts with 16 zero
    /// bytes inside the run) are found the same with and without the skip.
    #[test]
    fn zero_page_skip_changes_no_result() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/keys");
        let mut items: Vec<Vec<u8>> = [
            "der/rsa2048-pkcs1.der",
            "blob/cng-ecdsa-p256.blob",
            "blob/pgp-ed25519.gpg",
            "jwk/ec-p256.jwk",
        ]
        .iter()
        .map(|f| std::fs::read(format!("{dir}/{f}")).unwrap())
        .collect();
        items.push(utf16le(EC_KEY.as_bytes()));
        let key: Vec<u8> = (0u8..16).map(|b| b.wrapping_mul(37) ^ 0xc5).collect();
        items.push(crate::recover::aes::expand_key(&key));
        items.push(crate::recover::aes::expand_key(&[0u8; 16]));
        items.push(
            format!(
                "token={}_{}\n",
                "ghp", "Zx81Lp0QmWv2Rt7YcBn5Ks3Ha9UeDq4Fj6Gw"
            )
            .into_bytes(),
        );
        let skipping = Engine::new(&EngineConfig {
            chunk_size: 4096,
            ..config(&Family::ALL)
        })
        .unwrap();
        let whole = Engine::new(&EngineConfig {
            chunk_size: 4096,
            skip_zero_pages: false,
            ..config(&Family::ALL)
        })
        .unwrap();
        for (i, item) in items.iter().enumerate() {
            let aes = i == 5;
            // (an all-zero key is no secret: only compared, never required)
            let required = i != 6;
            for shift in [-300isize, -16, -4, -1, 0, 3, 4, 300] {
                // noise, three zero pages, the item around their end, noise
                let mut hay = noise(2 * PAGE, i as u64 + 11);
                hay.extend(vec![0u8; 3 * PAGE]);
                hay.extend(noise(3 * PAGE, i as u64 + 12));
                let at = (5 * PAGE as isize + shift) as usize;
                hay[at..at + item.len()].copy_from_slice(item);
                let with = scan_all_ways(&skipping, &hay);
                let without = scan_all_ways(&whole, &hay);
                assert_eq!(with, without, "item {i} shift {shift}");
                // (schedules are looked for at 4-aligned addresses only)
                if required && (!aes || shift % 4 == 0) {
                    assert!(!with[0].is_empty(), "item {i} shift {shift}: nothing found");
                }
            }
        }
        // and the skip does skip: a zero run leaves only its tail
        let mut spans = Vec::new();
        let hay = [noise(100, 1), vec![0u8; 4 * PAGE], noise(100, 2)].concat();
        live_spans(&hay, 0..hay.len(), &mut spans);
        let scanned: usize = spans.iter().map(|r| r.len()).sum();
        assert!(scanned <= 200 + PAGE + ZERO_TAIL, "{spans:?}");
        live_spans(&hay, 0..50, &mut spans);
        assert_eq!(spans, vec![0..50]);
    }

    /// Keywords packed back to back (each rule's search answers the hits
    /// that follow from what it already found): thousands of distinct tokens
    /// in a row are each found once at their offset, in both encodings and
    /// across seams; the per-rule limit keeps the first ones and counts the
    /// rest; keywords without a value find nothing, and a run of secret-like
    /// text far longer than the search window is reported a bounded number
    /// of times, not once per keyword in it.
    #[test]
    fn dense_keywords_are_each_found_once_and_capped() {
        use crate::detect::Family;
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let mut text = Vec::new();
        let mut offsets = Vec::new();
        for i in 0..3000usize {
            let body: String = (0..36)
                .map(|k| char::from(alphabet[(i * 7 + k * k * 13 + (i >> 3) * k) % alphabet.len()]))
                .collect();
            text.extend_from_slice(b" ");
            offsets.push(text.len());
            text.extend_from_slice(format!("{}_{body}", "ghp").as_bytes());
        }
        text.push(b'\n');
        for (bytes, stride) in [(text.clone(), 1), (utf16le(&text), 2)] {
            let all = Engine::new(&EngineConfig {
                chunk_size: 4099,
                max_findings_per_rule: None,
                ..config(&[Family::Tokens])
            })
            .unwrap();
            for found in scan_all_ways(&all, &bytes) {
                let at: Vec<u64> = found.iter().map(|f| f.0).collect();
                let want: Vec<u64> = offsets.iter().map(|&o| (o * stride) as u64).collect();
                let first_difference = at.iter().zip(&want).position(|(a, b)| a != b);
                assert!(
                    at == want,
                    "stride {stride}: {} found of {}, first difference at {first_difference:?}",
                    at.len(),
                    want.len()
                );
            }
            let capped = Engine::new(&EngineConfig {
                chunk_size: 4099,
                ..config(&[Family::Tokens])
            })
            .unwrap();
            let map = MemoryMap::raw(bytes.len() as u64, ContainerKind::Raw, Vec::new());
            let (found, stats) = capped.scan_mapped(&bytes, &map);
            assert_eq!(found.len(), DEFAULT_MAX_PER_RULE);
            assert_eq!(found[0].file_offset, (offsets[0] * stride) as u64);
            assert_eq!(stats.dropped.values().sum::<u64>(), 2000);
            assert!(
                stats
                    .warnings
                    .iter()
                    .any(|w| w.contains("2000 more findings"))
            );
            let (found, stats) = capped.scan_reader(&mut &bytes[..]).unwrap();
            assert_eq!(
                (found.len(), stats.dropped.values().sum::<u64>()),
                (1000, 2000)
            );
        }
        let engine = Engine::new(&config(&[Family::Tokens])).unwrap();
        let flood = b"password=".repeat(50_000);
        for found in scan_all_ways(&engine, &flood) {
            assert!(found.is_empty());
        }
        // one keyword, then 100 000 characters a password may hold
        let mut long = b"password=".to_vec();
        long.extend((0..100_000usize).map(|i| alphabet[(i * i + 7 * i) % alphabet.len()]));
        long.extend(b"password=".repeat(1000));
        for found in scan_all_ways(&engine, &long) {
            assert!((1..=20).contains(&found.len()), "{}", found.len());
            assert_eq!(found[0].0, 9);
        }
    }

    #[test]
    fn many_keys_back_to_back_are_all_found() {
        let engine = Engine::new(&EngineConfig {
            chunk_size: 1000,
            ..config(&Family::KEY_FORMATS)
        })
        .unwrap();
        let mut bytes = Vec::new();
        let mut offsets = Vec::new();
        for i in 0..20 {
            bytes.extend(noise(i * 7, i as u64 + 1));
            offsets.push(bytes.len() as u64);
            if i % 2 == 0 {
                bytes.extend_from_slice(EC_KEY.as_bytes());
            } else {
                bytes.extend(utf16le(EC_KEY.as_bytes()));
            }
        }
        for found in scan_all_ways(&engine, &bytes) {
            assert_eq!(found.iter().map(|f| f.0).collect::<Vec<_>>(), offsets);
        }
    }

    #[test]
    fn key_cut_by_unit_end_is_truncated_and_keeps_its_identity() {
        let engine = Engine::new(&config(&Family::KEY_FORMATS)).unwrap();
        let cut = &KEY.as_bytes()[..900];
        let map = MemoryMap::raw(cut.len() as u64, ContainerKind::Raw, Vec::new());
        let (found, _) = engine.scan_mapped(cut, &map);
        assert_eq!(found.len(), 1);
        let key = found[0].detection.key.clone().unwrap();
        assert!(key.truncated && !key.validated);
        assert_eq!(
            found[0].detection.fingerprint,
            crate::detect::pem::fingerprint_of(KEY.as_bytes())
        );
        // too little left: a header and a few characters are not worth a finding
        let stub = &KEY.as_bytes()[..60];
        let (found, _) =
            engine.scan_mapped(stub, &MemoryMap::raw(60, ContainerKind::Raw, Vec::new()));
        assert!(found.is_empty());
    }

    /// Damaged copies of every fixture key (cut anywhere, bytes replaced)
    /// never panic; the engine reports or rejects them.
    #[test]
    fn damaged_keys_never_panic() {
        let engine = Engine::new(&config(&Family::KEY_FORMATS)).unwrap();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/keys");
        let mut seed = 7u64;
        let zoo = std::fs::read_dir(format!("{dir}/zoo")).unwrap();
        for entry in std::fs::read_dir(dir).unwrap().chain(zoo) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                continue;
            }
            let text = std::fs::read(path).unwrap();
            for cut in (0..text.len()).step_by(7) {
                let bytes = &text[..cut];
                let map = MemoryMap::raw(bytes.len() as u64, ContainerKind::Raw, Vec::new());
                let _ = engine.scan_mapped(bytes, &map);
            }
            for _ in 0..200 {
                let mut bytes = text.clone();
                for _ in 0..3 {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    let i = (seed % bytes.len() as u64) as usize;
                    let alphabet = b"AZaz09+/=-\\n:\r \0";
                    bytes[i] = alphabet[(seed >> 40) as usize % alphabet.len()];
                }
                let map = MemoryMap::raw(bytes.len() as u64, ContainerKind::Raw, Vec::new());
                let _ = engine.scan_mapped(&bytes, &map);
                let wide = utf16le(&bytes);
                let map = MemoryMap::raw(wide.len() as u64, ContainerKind::Raw, Vec::new());
                let _ = engine.scan_mapped(&wide, &map);
            }
        }
    }

    /// Buffers stuffed with anchors, BEGIN and END lines, in both encodings:
    /// every candidate is rejected, and the work per candidate stays
    /// proportional to its own text (a regression here makes this test take
    /// minutes instead of milliseconds; no timing is asserted).
    #[test]
    fn anchor_stuffing_is_rejected_cheaply() {
        let engine = Engine::new(&config(&Family::KEY_FORMATS)).unwrap();
        let patterns: [&[u8]; 8] = [
            b"-----BEGIN PRIVATE KEY-----\n",
            b"-----END PRIVATE KEY-----",
            b"PRIVATE KEY ",
            b"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n",
            b"\"kty\":\"RSA\",",
            b"{\"kty\":\"oct\",\"k\":\"AAAA\"",
            b"RSA2KDBMECS2openssh-key-v1\0",
            b"\x02\x01\x00\x30\x02\x01\x01\x04",
        ];
        for pattern in patterns {
            let ascii: Vec<u8> = pattern.iter().copied().cycle().take(1 << 20).collect();
            for (wide, bytes) in [(true, utf16le(&ascii)), (false, ascii)] {
                let map = MemoryMap::raw(bytes.len() as u64, ContainerKind::Raw, Vec::new());
                let (found, stats) = engine.scan_mapped(&bytes, &map);
                assert!(found.is_empty());
                // binary anchors are not searched in UTF-16LE text
                let binary = pattern.starts_with(b"RSA2") || pattern.starts_with(b"\x02");
                if !(wide && binary) {
                    assert!(
                        stats.candidates > 10_000,
                        "{}",
                        String::from_utf8_lossy(pattern)
                    );
                }
            }
        }
    }

    #[test]
    fn noise_and_empty_input_give_nothing() {
        let engine = Engine::new(&EngineConfig {
            chunk_size: 1 << 16,
            ..config(&Family::KEY_FORMATS)
        })
        .unwrap();
        for found in scan_all_ways(&engine, &noise(4 << 20, 5)) {
            assert!(found.is_empty());
        }
        for found in scan_all_ways(&engine, &[]) {
            assert!(found.is_empty());
        }
    }

    /// Keys whose bytes go on from one region into the next in the file,
    /// though not in memory (how a corrupt Memory64List size shows every
    /// later key), are found whole with their fingerprints, as in a raw file,
    /// at their file offsets and whatever the chunking; a recovery in the
    /// second region still reports its own file offset.
    #[test]
    fn keys_straddling_region_boundaries_found_whole() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/keys");
        let items: Vec<Vec<u8>> = vec![
            KEY.as_bytes().to_vec(),
            utf16le(EC_KEY.as_bytes()),
            std::fs::read(format!("{dir}/der/rsa2048-pkcs1.der")).unwrap(),
            std::fs::read(format!("{dir}/jwk/ec-p256.jwk")).unwrap(),
        ];
        let aes_key: Vec<u8> = (0u8..16).map(|b| b.wrapping_mul(53) ^ 0x3a).collect();
        let schedule = crate::recover::aes::expand_key(&aes_key);
        let boundary = 3 * PAGE + 8;
        for (i, item) in items.iter().enumerate() {
            for before in [1usize, 17, item.len() / 2, item.len() - 1] {
                let mut hay = noise(6 * PAGE, i as u64 + 40);
                let at = boundary - before;
                hay[at..at + item.len()].copy_from_slice(item);
                let aes_at = 5 * PAGE;
                hay[aes_at..aes_at + schedule.len()].copy_from_slice(&schedule);
                let map = minidump_map(vec![
                    heap_region(0, boundary as u64, 0x10_0000),
                    heap_region(
                        boundary as u64,
                        (hay.len() - boundary) as u64,
                        0x7700_0000 - boundary as u64,
                    ),
                ]);
                let raw = MemoryMap::raw(hay.len() as u64, ContainerKind::Raw, Vec::new());
                for chunk in [4096usize, DEFAULT_CHUNK] {
                    let engine = Engine::new(&EngineConfig {
                        chunk_size: chunk,
                        ..config(&Family::ALL)
                    })
                    .unwrap();
                    let summary = |found: Vec<Located>| {
                        found
                            .into_iter()
                            .map(|l| (l.file_offset, l.detection.rule_id, l.detection.fingerprint))
                            .collect::<Vec<_>>()
                    };
                    let split = summary(engine.scan_mapped(&hay, &map).0);
                    let whole = summary(engine.scan_mapped(&hay, &raw).0);
                    let what =
                        format!("item {i}, {before} bytes before the boundary, chunk {chunk}");
                    assert_eq!(split, whole, "{what}");
                    assert!(
                        split
                            .iter()
                            .any(|(o, _, fp)| *o == at as u64 && fp.is_some()),
                        "{what}: {split:?}"
                    );
                    assert!(
                        split
                            .iter()
                            .any(|(o, rule, _)| *o == aes_at as u64 && rule.contains("aes")),
                        "{what}: {split:?}"
                    );
                }
            }
        }
    }

    /// Text in UTF-16BE ranges (Java `char[]`) is found at its offsets as
    /// `utf16be`, including a token that ends its range, a key across a
    /// piece seam of a long range and two ranges a record header apart;
    /// no misread `utf16le` copy is reported; the same bytes outside the
    /// ranges give no UTF-16BE finding.
    #[test]
    fn utf16be_ranges_are_read_as_text() {
        let engine = Engine::new(&config(&[Family::Pem, Family::Tokens])).unwrap();
        let be = |ascii: &[u8]| -> Vec<u8> { ascii.iter().flat_map(|&b| [0, b]).collect() };
        let token = b"ghp_UssFMEHP3M4V5hbWitsITvNsUHbDwxRV0Lic";
        let mut bytes = noise(1000, 3);
        let mut ranges = Vec::new();
        let mut expect = Vec::new();
        // a token filling its range, then one after an 18-byte record header
        for _ in 0..2 {
            let at = bytes.len() as u64;
            bytes.extend(be(token));
            ranges.push(at..bytes.len() as u64);
            expect.push((at, "github-token"));
            bytes.extend([0x23; 18]);
        }
        // a long range with the key across the first piece seam
        bytes.extend(noise(77, 4));
        let long = bytes.len();
        bytes.extend(be(&vec![b'x'; UTF16BE_PIECE / 2 - 300]));
        expect.push((bytes.len() as u64, "pem-rsa-private-key"));
        bytes.extend(be(KEY.as_bytes()));
        bytes.extend(be(&vec![b'y'; 5000]));
        ranges.push(long as u64..bytes.len() as u64);
        let plain = bytes.len();
        bytes.extend(be(token));
        let mut map = MemoryMap::raw(bytes.len() as u64, ContainerKind::Raw, Vec::new());
        map.utf16be_text = ranges;
        let (found, _) = engine.scan_mapped(&bytes, &map);
        let got: Vec<(u64, &str)> = found
            .iter()
            .filter(|l| l.detection.encoding == Encoding::Utf16be)
            .map(|l| (l.file_offset, l.detection.rule_id))
            .collect();
        assert_eq!(got, expect);
        let pem = found
            .iter()
            .find(|l| l.detection.rule_id == "pem-rsa-private-key")
            .unwrap();
        assert_eq!(pem.detection.len, KEY.trim_end().len() * 2);
        assert!(
            found.iter().all(
                |l| l.detection.encoding != Encoding::Utf16le || l.file_offset as usize > plain
            ),
            "{found:#?}"
        );
        // without the ranges, no UTF-16BE reading
        let map = MemoryMap::raw(bytes.len() as u64, ContainerKind::Raw, Vec::new());
        let (found, _) = engine.scan_mapped(&bytes, &map);
        assert!(
            found
                .iter()
                .all(|l| l.detection.encoding != Encoding::Utf16be)
        );
    }
}
