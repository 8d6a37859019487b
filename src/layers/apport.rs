//! Ubuntu apport `.crash` files: RFC 822-style `Key: value` fields, values
//! continued on lines that start with a space. A binary field (`CoreDump:
//! base64`) is continued by lines each base64-encoded on its own: the first
//! a gzip header, the later ones pieces of one raw-deflate stream, the last
//! with the gzip trailer, so their decoded bytes joined are one gzip stream
//! (older files: a zlib stream). Each binary field is a member
//! (`FILE!CoreDump`); the text fields together are the member `FILE!fields`,
//! scanned for tokens (`ProcEnviron`, `ProcCmdline`, ...).

use super::{At, Budget, Bytes, Leaf, Spool, decode_to_spool, peel_at, spool_failed};
use crate::model::CoverageStatus;
use base64::Engine as _;
use std::cell::Cell;
use std::io::{self, BufRead, Read};
use std::ops::Range;
use std::rc::Rc;

/// Whether `b` is an apport report: its first field is `ProblemType`.
pub(super) fn is_apport(b: &[u8]) -> bool {
    b.starts_with(b"ProblemType: ")
}

/// The lines of `data` as byte ranges, without their line ends.
fn lines(data: &[u8]) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut pos = 0;
    std::iter::from_fn(move || {
        if pos >= data.len() {
            return None;
        }
        let end = memchr::memchr(b'\n', &data[pos..]).map_or(data.len(), |i| pos + i);
        let line = pos..end;
        pos = end + 1;
        Some(line)
    })
}

/// The binary fields and the text of all the others.
pub(super) fn members(
    at: &At,
    bytes: &Bytes,
    depth: usize,
    budget: &mut Budget,
    emit: &mut dyn FnMut(Leaf),
) {
    let data = bytes.as_slice();
    let mut text = match Spool::new() {
        Ok(s) => s,
        Err(e) => return emit(spool_failed(at.member("apport", "fields"), &e)),
    };
    let mut text_error = None;
    // the binary field being read: its name and the range of its continuation lines
    let mut binary: Option<(String, Range<usize>)> = None;
    let mut finished = Vec::new();
    for line in lines(data) {
        let l = &data[line.clone()];
        if l.starts_with(b" ") {
            if let Some((_, range)) = &mut binary {
                if range.start == range.end {
                    range.start = line.start;
                }
                range.end = line.end;
                continue;
            }
        } else if let Some(done) = binary.take() {
            finished.push(done);
        }
        if let Some(key) = l
            .strip_suffix(b": base64")
            .or_else(|| l.strip_suffix(b": base64\r"))
        {
            let key = String::from_utf8_lossy(key).into_owned();
            binary = Some((key, line.end..line.end));
            continue;
        }
        let write = text.write(l).and_then(|_| text.write(b"\n"));
        if let Err(e) = write {
            text_error.get_or_insert(e);
        }
    }
    finished.extend(binary);
    for (key, range) in finished {
        binary_member(at, &key, &data[range], depth, budget, emit);
    }
    let fields = at.member("apport", "fields");
    match text_error {
        Some(e) => emit(spool_failed(fields, &e)),
        None => match text.finish() {
            Ok(b) => emit(fields.leaf(b)),
            Err(e) => emit(spool_failed(fields, &e)),
        },
    }
}

/// Decode one binary field from its continuation lines.
fn binary_member(
    at: &At,
    key: &str,
    lines_text: &[u8],
    depth: usize,
    budget: &mut Budget,
    emit: &mut dyn FnMut(Leaf),
) {
    let consumed = Rc::new(Cell::new(0u64));
    let mut decoded_lines = Base64Lines {
        data: lines_text,
        pos: 0,
        buf: Vec::new(),
        at: 0,
        consumed: consumed.clone(),
        error: None,
    };
    let gzip = decoded_lines
        .fill_buf()
        .is_ok_and(|b| b.starts_with(&[0x1f, 0x8b]));
    let (layer, reader): (&str, Box<dyn Read + '_>) = if gzip {
        (
            "gzip",
            Box::new(flate2::bufread::MultiGzDecoder::new(decoded_lines)),
        )
    } else {
        (
            "zlib",
            Box::new(flate2::bufread::ZlibDecoder::new(decoded_lines)),
        )
    };
    let member = at.member("apport", key).inside(layer);
    match decode_to_spool(Ok(reader), budget, &|| consumed.get()) {
        Ok((spooled, coverage)) => {
            let mut member = member;
            member.coverage.merge(&coverage);
            if spooled.is_empty() && member.coverage.status == CoverageStatus::Full {
                member
                    .coverage
                    .lower(CoverageStatus::None, "the field holds no data");
            }
            peel_at(member, spooled, depth + 1, budget, emit);
        }
        Err(e) => emit(spool_failed(member, &e)),
    }
}

/// The bytes of base64 lines, each decoded on its own, as one stream.
struct Base64Lines<'a> {
    data: &'a [u8],
    pos: usize,
    buf: Vec<u8>,
    at: usize,
    consumed: Rc<Cell<u64>>,
    error: Option<String>,
}

impl BufRead for Base64Lines<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.at >= self.buf.len() && self.pos < self.data.len() {
            let rest = &self.data[self.pos..];
            let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
            let line = rest[..end].trim_ascii();
            self.pos += end + 1;
            self.consumed.set(self.consumed.get() + end as u64 + 1);
            self.buf.clear();
            self.at = 0;
            if let Err(e) =
                base64::engine::general_purpose::STANDARD.decode_vec(line, &mut self.buf)
            {
                self.error = Some(e.to_string());
                self.pos = self.data.len();
            }
        }
        if self.at >= self.buf.len()
            && let Some(e) = self.error.take()
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("a line is not base64: {e}"),
            ));
        }
        Ok(&self.buf[self.at..])
    }

    fn consume(&mut self, amt: usize) {
        self.at = (self.at + amt).min(self.buf.len());
    }
}

impl Read for Base64Lines<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}
