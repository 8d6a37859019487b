//! Crash-report uploads: Sentry envelopes (a JSON header line, then items,
//! each a JSON header line carrying its `length` and the payload) and
//! Breakpad/Crashpad `multipart/form-data` bodies (the minidump in the
//! `upload_file_minidump` part). Every item or part is a member, named by
//! its file name or field name (`BODY!upload_file_minidump`), read in place.

use super::{At, Budget, Bytes, Leaf, peel_at};
use crate::model::CoverageStatus;
use memchr::memmem;

/// Longest header line read (an envelope or item header is a small JSON object).
const MAX_HEADER: usize = 64 << 10;

/// The first line of `b` (without its `\n`), if it is short enough to be a header.
fn header_line(b: &[u8]) -> Option<&[u8]> {
    let end = memchr::memchr(b'\n', b.get(..MAX_HEADER.min(b.len()))?)?;
    Some(&b[..end])
}

fn json_object(line: &[u8]) -> Option<serde_json::Map<String, serde_json::Value>> {
    match serde_json::from_slice(line).ok()? {
        serde_json::Value::Object(o) => Some(o),
        _ => None,
    }
}

/// Whether `b` is a Sentry envelope: a JSON object line, then an item
/// header line naming its `type`.
pub(super) fn is_envelope(b: &[u8]) -> bool {
    if !b.starts_with(b"{") {
        return false;
    }
    let Some(first) = header_line(b) else {
        return false;
    };
    if json_object(first).is_none() {
        return false;
    }
    header_line(&b[first.len() + 1..])
        .and_then(json_object)
        .is_some_and(|item| item.get("type").is_some_and(|t| t.is_string()))
}

/// Each item of an envelope.
pub(super) fn envelope_items(
    at: &At,
    bytes: &Bytes,
    depth: usize,
    budget: &mut Budget,
    emit: &mut dyn FnMut(Leaf),
) {
    let data = bytes.as_slice();
    let Some(first) = header_line(data) else {
        return;
    };
    let mut pos = first.len() + 1;
    let mut index = 0usize;
    while pos < data.len() {
        let Some(header) = header_line(&data[pos..]).and_then(json_object) else {
            // blank lines between items are allowed; anything else ends the envelope
            if data[pos] == b'\n' {
                pos += 1;
                continue;
            }
            let mut rest = at.member("envelope", &format!("#{index}"));
            rest.coverage.lower(
                CoverageStatus::Partial,
                format!("the envelope has an unreadable item header at offset {pos}; the bytes from there were scanned as raw bytes"),
            );
            emit(rest.leaf(bytes.slice(pos..data.len())));
            return;
        };
        let header_len = memchr::memchr(b'\n', &data[pos..]).unwrap_or(0) + 1;
        let start = pos + header_len;
        let declared = header.get("length").and_then(|l| l.as_u64());
        let end = match declared {
            Some(len) => start.saturating_add(usize::try_from(len).unwrap_or(usize::MAX)),
            None => memchr::memchr(b'\n', &data[start.min(data.len())..])
                .map_or(data.len(), |i| start + i),
        };
        let name = ["filename", "type"]
            .iter()
            .find_map(|k| header.get(*k).and_then(|v| v.as_str()))
            .map_or_else(|| format!("#{index}"), str::to_string);
        let mut member = at.member("envelope", &name);
        if end > data.len() {
            member.coverage.lower(
                CoverageStatus::Partial,
                "the item is cut off by the end of the envelope",
            );
        }
        peel_at(member, bytes.slice(start..end), depth + 1, budget, emit);
        pos = end.saturating_add(1);
        index += 1;
    }
}

/// The boundary line of a multipart body (`--BOUNDARY`), if `b` is one:
/// the boundary, then a part header naming a form field.
fn multipart_boundary(b: &[u8]) -> Option<&[u8]> {
    if !b.starts_with(b"--") {
        return None;
    }
    let line = header_line(b)?;
    let boundary = line.strip_suffix(b"\r").unwrap_or(line);
    if boundary.len() < 3
        || boundary.len() > 200
        || boundary.iter().any(|c| c.is_ascii_whitespace())
    {
        return None;
    }
    let next = header_line(&b[line.len() + 1..])?;
    next.to_ascii_lowercase()
        .starts_with(b"content-disposition: form-data")
        .then_some(boundary)
}

/// Whether `b` is a `multipart/form-data` body.
pub(super) fn is_multipart(b: &[u8]) -> bool {
    multipart_boundary(b).is_some()
}

/// Each part of a multipart body.
pub(super) fn multipart_parts(
    at: &At,
    bytes: &Bytes,
    depth: usize,
    budget: &mut Budget,
    emit: &mut dyn FnMut(Leaf),
) {
    let data = bytes.as_slice();
    let Some(boundary) = multipart_boundary(data) else {
        return;
    };
    let delimiter: Vec<u8> = [b"\r\n".as_slice(), boundary].concat();
    let finder = memmem::Finder::new(&delimiter);
    // each part starts after a boundary line
    let mut pos = boundary.len();
    let mut index = 0usize;
    loop {
        // after the boundary: `--` ends the body, a line end starts a part
        let rest = &data[pos.min(data.len())..];
        if rest.starts_with(b"--") || rest.is_empty() {
            return;
        }
        let line_end = memchr::memchr(b'\n', rest).map_or(data.len(), |i| pos + i + 1);
        let Some(headers_end) =
            memmem::find(&data[line_end.min(data.len())..], b"\r\n\r\n").map(|i| line_end + i + 4)
        else {
            return;
        };
        let headers = String::from_utf8_lossy(&data[line_end..headers_end]);
        let name = part_name(&headers).unwrap_or_else(|| format!("#{index}"));
        let (end, next) = match finder.find(&data[headers_end..]) {
            Some(i) => (headers_end + i, headers_end + i + delimiter.len()),
            None => (data.len(), data.len()),
        };
        let mut member = at.member("multipart", &name);
        if next >= data.len() {
            member.coverage.lower(
                CoverageStatus::Partial,
                "the body ends before the part's closing boundary (truncated upload?)",
            );
        }
        peel_at(
            member,
            bytes.slice(headers_end..end),
            depth + 1,
            budget,
            emit,
        );
        if next >= data.len() {
            return;
        }
        pos = next;
        index += 1;
    }
}

/// The form field a part's headers name (`name="..."`).
fn part_name(headers: &str) -> Option<String> {
    let disposition = headers
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))?;
    let start = disposition
        .find(" name=\"")
        .or_else(|| disposition.find(";name=\""))?
        + 7;
    let end = disposition[start..].find('"')? + start;
    Some(disposition[start..end].to_string())
}
