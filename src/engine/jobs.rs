//! How a mapped file is cut into work: units (regions contiguous in the
//! file and in memory), runs (units touching in the file), pieces of at
//! most one chunk, groups of small pieces one task scans, and each piece's
//! view of its bytes in file, run and unit coordinates.

use crate::container::MemoryMap;
use std::ops::Range;

/// Most bytes of small pieces one task scans together (a larger piece is a
/// task of its own).
const GROUP_BYTES: usize = 1 << 20;

/// The work of one mapped scan: the units and runs of the file, pieces of
/// at most one chunk, and the groups of consecutive pieces (index ranges into
/// `pieces`) that one task scans.
#[derive(Default)]
pub(super) struct Jobs {
    /// The file's units (see [`units`]), in file order.
    pub(super) units: Vec<Range<usize>>,
    /// The file's runs, in file order: units that touch or overlap in the
    /// file, whatever their addresses say, joined. Detectors read the whole
    /// run because the file is what leaks: a key whose bytes go on from one
    /// region into the next is in the file whole, and when a corrupt size
    /// field has moved every later region's boundary (a Memory64List stores
    /// its ranges back to back), most keys straddle a wrong boundary. In a
    /// sound dump a key does not continue into unrelated memory, so a
    /// detection that validates never comes from joining them.
    pub(super) runs: Vec<Range<usize>>,
    pub(super) pieces: Vec<Piece>,
    pub(super) groups: Vec<Range<usize>>,
}

impl Jobs {
    /// The run and the unit around `piece`.
    pub(super) fn around(&self, piece: &Piece) -> Option<(&Range<usize>, &Range<usize>)> {
        Some((self.runs.get(piece.run)?, self.units.get(piece.unit)?))
    }
}

/// File bytes one task owns, with what its scan may read around them
/// (indexes into [`Jobs`]: a dump may have hundreds of thousands of pieces).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Piece {
    /// The run of file bytes the detectors read (see [`Jobs::runs`]).
    pub(super) run: usize,
    /// The unit the recoveries read.
    pub(super) unit: usize,
    /// The bytes whose candidates this piece reports (at most a chunk).
    pub(super) owned: Range<usize>,
}

/// One piece's bytes in the three coordinate systems a mapped scan meets:
/// the file, the run (every file-adjacent byte the detectors may read) and
/// the unit (the memory-contiguous part the recoveries read). Offsets are
/// kept relative to the run, and converted only here.
pub(super) struct PieceView<'a> {
    /// The run's bytes.
    pub(super) run: &'a [u8],
    /// File offset of `run[0]`.
    pub(super) run_start: usize,
    /// The bytes the piece reports candidates for, as a range of `run`.
    pub(super) owned: Range<usize>,
    /// The piece's unit, as a range of `run`.
    pub(super) unit: Range<usize>,
    /// Address of the unit's first byte, when the container knows it.
    pub(super) unit_addr: Option<u64>,
}

impl<'a> PieceView<'a> {
    /// The view of `piece`, or `None` when the map points outside `bytes`.
    pub(super) fn new(
        bytes: &'a [u8],
        map: &MemoryMap,
        jobs: &Jobs,
        piece: &Piece,
    ) -> Option<Self> {
        let (run, unit) = jobs.around(piece)?;
        let run_bytes = bytes.get(run.clone())?;
        let view = PieceView {
            run: run_bytes,
            run_start: run.start,
            owned: piece.owned.start - run.start..piece.owned.end - run.start,
            unit: unit.start - run.start..unit.end - run.start,
            unit_addr: map.address_of(unit.start as u64),
        };
        run_bytes.get(view.unit.clone())?;
        Some(view)
    }

    /// The unit's bytes.
    pub(super) fn unit_bytes(&self) -> &'a [u8] {
        self.run.get(self.unit.clone()).unwrap_or_default()
    }

    /// File offset of the unit's first byte.
    pub(super) fn unit_file_offset(&self) -> u64 {
        (self.run_start + self.unit.start) as u64
    }

    /// A range of the run, as a range of the unit.
    pub(super) fn run_to_unit(&self, span: Range<usize>) -> Range<usize> {
        span.start - self.unit.start..span.end - self.unit.start
    }

    /// An offset in the unit, as an offset in the run.
    pub(super) fn unit_to_run(&self, offset: usize) -> usize {
        offset + self.unit.start
    }

    /// An offset in the run, as a file offset.
    pub(super) fn file_offset(&self, offset: usize) -> u64 {
        (self.run_start + offset) as u64
    }
}

/// Runs of regions that are contiguous in the file and, where addresses are
/// known, in memory: what the recoveries, which follow pointers and
/// alignments by address, may read as one.
pub(super) fn units(map: &MemoryMap, file_len: usize) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    let mut prev: Option<(u64, Option<u64>)> = None; // (file end, memory end) of the previous region
    for r in &map.regions {
        let (Ok(start), Ok(end)) = (
            usize::try_from(r.file_offset),
            usize::try_from(r.file_end()),
        ) else {
            continue;
        };
        let end = end.min(file_len);
        if start >= end {
            continue;
        }
        let continues = match (prev, r.vaddr) {
            (Some((fe, None)), None) => fe == r.file_offset,
            (Some((fe, Some(me))), Some(v)) => fe == r.file_offset && me == v,
            _ => false,
        };
        match out.last_mut() {
            Some(last) if continues => last.end = end,
            _ => out.push(start..end),
        }
        prev = Some((r.file_end(), r.vaddr.map(|v| v.saturating_add(r.len))));
    }
    out
}

impl Jobs {
    /// Cut the map's units into chunk-sized pieces and gather consecutive
    /// small pieces into groups of up to `GROUP_BYTES`: a dump of a million
    /// tiny ranges then costs a few hundred tasks and page releases, not a
    /// million of each, and a dump of many mid-sized regions still spreads
    /// over many cores.
    pub(super) fn plan(map: &MemoryMap, file_len: usize, chunk: usize) -> Jobs {
        let group_max = chunk.min(GROUP_BYTES);
        let mut units = units(map, file_len);
        units.sort_by_key(|u| (u.start, u.end));
        let mut jobs = Jobs::default();
        let mut group_start = 0usize;
        let mut group_bytes = 0usize;
        for (index, unit) in units.iter().enumerate() {
            // a unit touching or overlapping the run before it joins that run
            match jobs.runs.last_mut() {
                Some(run) if unit.start <= run.end => run.end = run.end.max(unit.end),
                _ => jobs.runs.push(unit.clone()),
            }
            let run = jobs.runs.len() - 1;
            let mut start = unit.start;
            while start < unit.end {
                let end = start.saturating_add(chunk).min(unit.end);
                if group_bytes > 0 && group_bytes + (end - start) > group_max {
                    jobs.groups.push(group_start..jobs.pieces.len());
                    group_start = jobs.pieces.len();
                    group_bytes = 0;
                }
                jobs.pieces.push(Piece {
                    run,
                    unit: index,
                    owned: start..end,
                });
                group_bytes += end - start;
                start = end;
            }
        }
        if group_start < jobs.pieces.len() {
            jobs.groups.push(group_start..jobs.pieces.len());
        }
        jobs.units = units;
        jobs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{heap_region, minidump_map};

    /// Tiny ranges are scanned in groups of about `GROUP_BYTES`, large ones
    /// in chunk-sized pieces of their own, and together the pieces own each
    /// byte once, in file order.
    #[test]
    fn small_pieces_are_grouped_and_large_ones_stand_alone() {
        use crate::container::Region;
        use crate::model::RegionKind;
        let tiny = 100_000usize;
        let big = 40usize << 20;
        let mut regions: Vec<Region> = (0..tiny)
            .map(|i| heap_region(16 * i as u64, 16, 0x1000_0000 + 0x2000 * i as u64))
            .collect();
        regions.push(Region {
            file_offset: 16 * tiny as u64,
            len: big as u64,
            vaddr: None,
            kind: RegionKind::Unknown,
            name: None,
            perms: None,
        });
        let file_len = 16 * tiny + big;
        let map = minidump_map(regions);
        let jobs = Jobs::plan(&map, file_len, super::super::DEFAULT_CHUNK);
        assert_eq!(jobs.pieces.len(), tiny + 3); // 40 MiB in 16 MiB pieces
        let mut at = 0;
        for piece in &jobs.pieces {
            assert_eq!(piece.owned.start, at);
            assert_eq!(jobs.runs[piece.run], 0..file_len); // all of it follows on in the file
            at = piece.owned.end;
        }
        assert_eq!(at, file_len);
        // 1.6 MB of tiny ranges in two groups, then one group per big piece
        let sizes: Vec<usize> = jobs.groups.iter().map(|g| g.len()).collect();
        assert_eq!(sizes, vec![65_536, tiny - 65_536, 1, 1, 1]);
    }
}
