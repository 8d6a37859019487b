//! Layers: what an input holds beneath its wrappers, recognised by content
//! (never by file name) and peeled up to a depth: compressed streams (gzip,
//! zstd, xz, lz4, bzip2), archives (tar, zip: each member its own input,
//! `ARCHIVE!MEMBER`), Ubuntu apport `.crash` files, Sentry envelopes and
//! Breakpad/Crashpad multipart upload bodies. What is left is a leaf: bytes
//! the container parsers and the engine read.
//!
//! Decoded streams are spooled to a private temporary file (whole zero pages
//! left as holes) and mapped, so memory stays bounded however large a member
//! is; decoding stops at [`Limits`], and whatever could not be decoded lowers
//! the leaf's [`Coverage`].

mod apport;
mod archive;
mod compress;
mod spool;
mod upload;

pub use compress::Compression;
pub use spool::{Spool, write_sparse_at};

use crate::model::{Coverage, CoverageStatus};
use memmap2::Mmap;
use std::ops::Range;
use std::sync::Arc;

/// Default cap on the bytes decoded from one input.
pub const DEFAULT_MAX_DECODED: u64 = 64 << 30;
/// Default cap on how many times larger than what it was decoded from a
/// stream may grow (past [`RATIO_FLOOR`]).
pub const DEFAULT_MAX_RATIO: u64 = 100;
/// Decoded bytes a stream may reach before the ratio cap applies: small,
/// highly compressible dumps (mostly zero pages) are never stopped by it.
pub const RATIO_FLOOR: u64 = 256 << 20;
/// Default depth of wrappers peeled (`zip` of `tar.zst` of a core is 3).
pub const DEFAULT_MAX_DEPTH: usize = 4;

/// What peeling may cost: decompression bombs stop here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most bytes decoded from one input, over all its layers.
    pub max_decoded: u64,
    /// Most a stream may expand, as decoded bytes per input byte, once it
    /// has decoded [`RATIO_FLOOR`] bytes.
    pub max_ratio: u64,
    /// Most wrappers peeled inside one another.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_decoded: DEFAULT_MAX_DECODED,
            max_ratio: DEFAULT_MAX_RATIO,
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }
}

/// A range of a read-only mapping: the input file itself, a member inside
/// it, or a spooled decoded stream. Cloning shares the mapping.
#[derive(Clone, Default)]
pub struct Bytes {
    map: Option<Arc<Mmap>>,
    range: Range<usize>,
}

impl Bytes {
    /// All of `map`.
    pub fn whole(map: Mmap) -> Bytes {
        let len = map.len();
        Bytes {
            map: Some(Arc::new(map)),
            range: 0..len,
        }
    }

    /// A copy of `data` in an anonymous mapping (for tests and fuzzing,
    /// where the bytes are not a file).
    pub fn copied(data: &[u8]) -> std::io::Result<Bytes> {
        if data.is_empty() {
            return Ok(Bytes::default());
        }
        let mut map = memmap2::MmapMut::map_anon(data.len())?;
        map.copy_from_slice(data);
        Ok(Bytes::whole(map.make_read_only()?))
    }

    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        self.map
            .as_deref()
            .and_then(|m| m.get(self.range.clone()))
            .unwrap_or_default()
    }

    /// Bytes in all.
    pub fn len(&self) -> usize {
        self.range.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.range.is_empty()
    }

    /// A part of these bytes (clamped to them).
    pub fn slice(&self, r: Range<usize>) -> Bytes {
        let end = r.end.min(self.range.len());
        let start = r.start.min(end);
        Bytes {
            map: self.map.clone(),
            range: self.range.start + start..self.range.start + end,
        }
    }

    /// Drop the pages of `r` (a range of these bytes) from this process once
    /// they are scanned (see [`crate::input::release`]).
    pub fn release(&self, r: Range<usize>) {
        if let Some(map) = &self.map {
            let start = self.range.start + r.start.min(self.range.len());
            let end = self.range.start + r.end.min(self.range.len());
            crate::input::release(map, start..end);
        }
    }
}

/// One thing to scan, found beneath an input's wrappers.
pub struct Leaf {
    /// The input's name, with `!MEMBER` for each archive member on the way.
    pub name: String,
    /// The wrappers peeled, outermost first.
    pub layers: Vec<String>,
    /// The bytes beneath them.
    pub bytes: Bytes,
    /// What peeling could not see.
    pub coverage: Coverage,
    /// What peeling recovered from.
    pub warnings: Vec<String>,
}

/// Where a peel is: the name so far, the layers so far, and what they
/// could not see; each leaf starts from it.
#[derive(Clone)]
struct At {
    name: String,
    layers: Vec<String>,
    coverage: Coverage,
    warnings: Vec<String>,
}

impl At {
    /// One layer deeper, the same member.
    fn inside(&self, layer: &str) -> At {
        let mut at = self.clone();
        at.layers.push(layer.to_string());
        at
    }

    /// One layer deeper, in member `member` of it.
    fn member(&self, layer: &str, member: &str) -> At {
        let mut at = self.inside(layer);
        at.name = format!("{}!{member}", self.name);
        at
    }

    fn leaf(self, bytes: Bytes) -> Leaf {
        Leaf {
            name: self.name,
            layers: self.layers,
            bytes,
            coverage: self.coverage,
            warnings: self.warnings,
        }
    }
}

/// Decoded bytes spent so far for one input, against [`Limits::max_decoded`].
struct Budget {
    limits: Limits,
    decoded: u64,
}

/// Peel `bytes`, the input named `name` (of which `coverage` says what
/// reading it could not see), handing each leaf to `emit` as soon as it is
/// found (so spooled members are scanned and dropped one at a time).
pub fn peel(
    name: &str,
    bytes: Bytes,
    limits: &Limits,
    coverage: Coverage,
    emit: &mut dyn FnMut(Leaf),
) {
    let at = At {
        name: name.to_string(),
        layers: Vec::new(),
        coverage,
        warnings: Vec::new(),
    };
    let mut budget = Budget {
        limits: *limits,
        decoded: 0,
    };
    peel_at(at, bytes, 0, &mut budget, emit);
}

/// What a wrapper layer is.
enum Wrapper {
    Compressed(Compression),
    Tar,
    Zip,
    Apport,
    Envelope,
    Multipart,
}

fn sniff(b: &[u8]) -> Option<Wrapper> {
    if let Some(c) = Compression::sniff(b) {
        Some(Wrapper::Compressed(c))
    } else if archive::is_tar(b) {
        Some(Wrapper::Tar)
    } else if archive::is_zip(b) {
        Some(Wrapper::Zip)
    } else if apport::is_apport(b) {
        Some(Wrapper::Apport)
    } else if upload::is_envelope(b) {
        Some(Wrapper::Envelope)
    } else if upload::is_multipart(b) {
        Some(Wrapper::Multipart)
    } else {
        None
    }
}

fn peel_at(
    mut at: At,
    bytes: Bytes,
    depth: usize,
    budget: &mut Budget,
    emit: &mut dyn FnMut(Leaf),
) {
    let Some(wrapper) = sniff(bytes.as_slice()) else {
        return emit(at.leaf(bytes));
    };
    if depth >= budget.limits.max_depth {
        at.coverage.lower(
            CoverageStatus::Partial,
            format!(
                "wrappers nested deeper than {} layers (--max-depth); the rest was scanned as raw bytes",
                budget.limits.max_depth
            ),
        );
        return emit(at.leaf(bytes));
    }
    match wrapper {
        Wrapper::Compressed(c) => {
            let at = at.inside(c.name());
            match decompress(c, bytes.as_slice(), budget) {
                Ok((decoded, coverage)) => {
                    let mut at = at;
                    at.coverage.merge(&coverage);
                    peel_at(at, decoded, depth + 1, budget, emit)
                }
                Err(e) => emit(spool_failed(at, &e)),
            }
        }
        Wrapper::Tar => archive::tar_members(&at, &bytes, depth, budget, emit),
        Wrapper::Zip => archive::zip_members(&at, &bytes, depth, budget, emit),
        Wrapper::Apport => apport::members(&at, &bytes, depth, budget, emit),
        Wrapper::Envelope => upload::envelope_items(&at, &bytes, depth, budget, emit),
        Wrapper::Multipart => upload::multipart_parts(&at, &bytes, depth, budget, emit),
    }
}

/// The leaf for a stream that could not be spooled (no writable temporary
/// directory, a full disk): nothing beneath it was seen.
fn spool_failed(at: At, e: &std::io::Error) -> Leaf {
    let mut at = at;
    at.coverage.lower(
        CoverageStatus::None,
        format!("could not write the decoded stream to a temporary file: {e}"),
    );
    at.leaf(Bytes::default())
}

/// Spool what `reader` decodes (or say why its header did not decode),
/// within the budget; `consumed` tells how many input bytes the decoder has
/// read so far, for the expansion ratio. An I/O error is the spool's; the
/// decoder's own errors (a truncated or corrupt stream) end the stream with a
/// partial coverage.
fn decode_to_spool<R: std::io::Read>(
    reader: std::io::Result<R>,
    budget: &mut Budget,
    consumed: &dyn Fn() -> u64,
) -> std::io::Result<(Bytes, Coverage)> {
    let mut coverage = Coverage::default();
    let mut spool = Spool::new()?;
    match reader {
        Ok(mut decoder) => {
            copy_within_budget(&mut decoder, &mut spool, budget, consumed, &mut coverage)?
        }
        Err(e) => coverage.lower(
            CoverageStatus::None,
            format!("the stream's header does not decode: {e}"),
        ),
    }
    Ok((spool.finish()?, coverage))
}

/// Spool a stream (standard input, a pipe) so that it can be read as its
/// container, up to the decoded-size limit.
pub fn spool_stream(
    reader: &mut dyn std::io::Read,
    limits: &Limits,
) -> std::io::Result<(Bytes, Coverage)> {
    let mut budget = Budget {
        limits: *limits,
        decoded: 0,
    };
    // (a stream is not compressed: the expansion ratio does not apply)
    decode_to_spool(Ok(reader), &mut budget, &|| u64::MAX)
}

/// Spool what compression `c` decodes from `input`.
fn decompress(
    c: Compression,
    input: &[u8],
    budget: &mut Budget,
) -> std::io::Result<(Bytes, Coverage)> {
    decompress_with(input, budget, |counted| c.decoder(counted))
}

/// Spool what the decoder `open` builds over `input` decodes, counting the
/// input bytes it reads for the expansion ratio.
fn decompress_with<'a>(
    input: &'a [u8],
    budget: &mut Budget,
    open: impl FnOnce(Counted<'a>) -> std::io::Result<Box<dyn std::io::Read + 'a>>,
) -> std::io::Result<(Bytes, Coverage)> {
    let counter = std::rc::Rc::new(std::cell::Cell::new(0u64));
    let counted = Counted {
        rest: input,
        consumed: counter.clone(),
    };
    decode_to_spool(open(counted), budget, &|| counter.get())
}

/// Copy `reader` into `spool` until it ends, fails, or the budget is spent;
/// `consumed` tells how many input bytes the decoder has read (for the ratio).
fn copy_within_budget(
    reader: &mut dyn std::io::Read,
    spool: &mut Spool,
    budget: &mut Budget,
    consumed: &dyn Fn() -> u64,
    coverage: &mut Coverage,
) -> std::io::Result<()> {
    let mut buf = vec![0u8; 1 << 20];
    let start = spool.len();
    loop {
        let room = budget.limits.max_decoded.saturating_sub(budget.decoded);
        if room == 0 {
            coverage.lower(
                CoverageStatus::Partial,
                format!(
                    "decoded-size limit reached ({} bytes, --max-decoded-size): the rest of the stream was not decoded",
                    budget.limits.max_decoded
                ),
            );
            return Ok(());
        }
        let want = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let n = match reader.read(&mut buf[..want]) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                let status = if spool.len() == start {
                    CoverageStatus::None
                } else {
                    CoverageStatus::Partial
                };
                coverage.lower(
                    status,
                    format!(
                        "the stream is truncated or corrupt after {} decoded bytes ({e})",
                        spool.len() - start
                    ),
                );
                return Ok(());
            }
        };
        spool.write(&buf[..n])?;
        budget.decoded += n as u64;
        let decoded = spool.len() - start;
        if decoded > RATIO_FLOOR && decoded / consumed().max(1) > budget.limits.max_ratio {
            coverage.lower(
                CoverageStatus::Partial,
                format!(
                    "the stream expands more than {}:1 (--max-expansion; a decompression bomb?): decoding stopped after {decoded} bytes",
                    budget.limits.max_ratio
                ),
            );
            return Ok(());
        }
    }
}

/// A reader over a slice that counts what it has handed out, so the
/// expansion ratio can be measured while a decoder owns the reader.
pub(crate) struct Counted<'a> {
    rest: &'a [u8],
    consumed: std::rc::Rc<std::cell::Cell<u64>>,
}

impl std::io::Read for Counted<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.rest.read(buf)?;
        self.consumed.set(self.consumed.get() + n as u64);
        Ok(n)
    }
}

impl std::io::BufRead for Counted<'_> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        Ok(self.rest)
    }

    fn consume(&mut self, amt: usize) {
        let amt = amt.min(self.rest.len());
        self.rest = &self.rest[amt..];
        self.consumed.set(self.consumed.get() + amt as u64);
    }
}
