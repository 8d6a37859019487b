//! Archives: tar (POSIX and GNU) and zip. Each member is an input of its
//! own, named `ARCHIVE!MEMBER`. Stored members are read in place; deflated
//! zip members are decoded from their bytes in place (the zip crate only
//! lists them), to a spool within the input's budget, so the expansion
//! ratio is measured on what the decoder actually read.

use super::{At, Budget, Bytes, Leaf, decode_to_spool, peel_at, spool_failed};
use crate::model::CoverageStatus;
use std::io::Cursor;

/// Whether `b` starts with a tar header (`ustar` magic and a valid checksum).
pub(super) fn is_tar(b: &[u8]) -> bool {
    let Some(header) = b.get(..512) else {
        return false;
    };
    if &header[257..262] != b"ustar" {
        return false;
    }
    // the checksum: the header's bytes summed with its checksum field as spaces
    let stored = std::str::from_utf8(&header[148..156])
        .ok()
        .map(|s| s.trim_matches(|c: char| c == '\0' || c == ' '))
        .and_then(|s| u32::from_str_radix(s, 8).ok());
    let sum: u32 = header
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u32::from(b)
            }
        })
        .sum();
    stored == Some(sum)
}

/// Whether `b` starts with a zip local file header (or is an empty zip).
pub(super) fn is_zip(b: &[u8]) -> bool {
    b.starts_with(b"PK\x03\x04") || b.starts_with(b"PK\x05\x06")
}

/// Each regular member of a tar archive.
pub(super) fn tar_members(
    at: &At,
    bytes: &Bytes,
    depth: usize,
    budget: &mut Budget,
    emit: &mut dyn FnMut(Leaf),
) {
    let data = bytes.as_slice();
    let mut archive = tar::Archive::new(Cursor::new(data));
    let entries = match archive.entries_with_seek() {
        Ok(e) => e,
        Err(e) => return archive_unreadable(at, "tar", &e.to_string(), emit),
    };
    let mut last = String::new();
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                return archive_cut_off(at, "tar", &last, &e.to_string(), emit);
            }
        };
        let name = entry
            .path()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| String::from_utf8_lossy(&entry.path_bytes()).into_owned());
        last = name.clone();
        let kind = entry.header().entry_type();
        if !(kind.is_file() || kind.is_gnu_sparse()) {
            continue;
        }
        let member = at.member("tar", &name);
        if kind.is_gnu_sparse() {
            // a sparse member's data is not contiguous: read it expanded
            // (no compression: the expansion ratio does not apply)
            match decode_to_spool(Ok(&mut entry), budget, &|| u64::MAX) {
                Ok((spooled, coverage)) => {
                    let mut member = member;
                    member.coverage.merge(&coverage);
                    peel_at(member, spooled, depth + 1, budget, emit);
                }
                Err(e) => emit(spool_failed(member, &e)),
            }
            continue;
        }
        let start = usize::try_from(entry.raw_file_position()).unwrap_or(usize::MAX);
        let size = usize::try_from(entry.size()).unwrap_or(usize::MAX);
        let end = start.saturating_add(size);
        let mut member = member;
        if end > data.len() {
            member.coverage.lower(
                CoverageStatus::Partial,
                format!(
                    "the member is cut off by the end of the archive ({} of {size} bytes present)",
                    data.len().saturating_sub(start)
                ),
            );
        }
        peel_at(member, bytes.slice(start..end), depth + 1, budget, emit);
    }
}

/// Each file member of a zip archive.
pub(super) fn zip_members(
    at: &At,
    bytes: &Bytes,
    depth: usize,
    budget: &mut Budget,
    emit: &mut dyn FnMut(Leaf),
) {
    let data = bytes.as_slice();
    let mut archive = match zip::ZipArchive::new(Cursor::new(data)) {
        Ok(a) => a,
        Err(e) => return archive_unreadable(at, "zip", &e.to_string(), emit),
    };
    for i in 0..archive.len() {
        let (name, is_file, encrypted, method, start, size) = match archive.by_index_raw(i) {
            Ok(f) => (
                f.name().to_string(),
                f.is_file(),
                f.encrypted(),
                f.compression(),
                f.data_start().and_then(|s| usize::try_from(s).ok()),
                usize::try_from(f.compressed_size()).unwrap_or(usize::MAX),
            ),
            Err(e) => {
                let mut member = at.member("zip", &format!("#{i}"));
                member.coverage.lower(
                    CoverageStatus::None,
                    format!("zip member {i} is unreadable: {e}"),
                );
                emit(member.leaf(Bytes::default()));
                continue;
            }
        };
        if !is_file {
            continue;
        }
        let mut member = at.member("zip", &name);
        if encrypted {
            member.coverage.lower(
                CoverageStatus::None,
                "the member is encrypted; its contents were not scanned",
            );
            emit(member.leaf(Bytes::default()));
            continue;
        }
        if method == zip::CompressionMethod::Stored
            && let Some(start) = start
        {
            let end = start.saturating_add(size);
            if end > data.len() {
                member.coverage.lower(
                    CoverageStatus::Partial,
                    "the member is cut off by the end of the archive",
                );
            }
            peel_at(member, bytes.slice(start..end), depth + 1, budget, emit);
            continue;
        }
        let deflated = method == zip::CompressionMethod::Deflated;
        let Some(start) = start.filter(|_| deflated) else {
            member.coverage.lower(
                CoverageStatus::None,
                format!("the member is compressed with {method:?}, which keysweep does not decode"),
            );
            emit(member.leaf(Bytes::default()));
            continue;
        };
        let end = start.saturating_add(size).min(data.len());
        let raw = data.get(start.min(end)..end).unwrap_or_default();
        match super::decompress_with(raw, budget, |input| {
            Ok(Box::new(flate2::bufread::DeflateDecoder::new(input)))
        }) {
            Ok((spooled, coverage)) => {
                member.coverage.merge(&coverage);
                peel_at(member, spooled, depth + 1, budget, emit);
            }
            Err(e) => emit(spool_failed(member, &e)),
        }
    }
}

/// The one leaf of an archive none of whose members could be read.
fn archive_unreadable(at: &At, kind: &str, why: &str, emit: &mut dyn FnMut(Leaf)) {
    let mut at = at.inside(kind);
    at.coverage.lower(
        CoverageStatus::None,
        format!("the {kind} archive is unreadable: {why}"),
    );
    emit(at.leaf(Bytes::default()));
}

/// The leaf saying an archive ended in a damaged header after `last`.
fn archive_cut_off(at: &At, kind: &str, last: &str, why: &str, emit: &mut dyn FnMut(Leaf)) {
    let mut at = at.inside(kind);
    let after = if last.is_empty() {
        "at its start".to_string()
    } else {
        format!("after member {last}")
    };
    at.coverage.lower(
        CoverageStatus::Partial,
        format!("the {kind} archive is truncated or corrupt {after} ({why}); later members were not seen"),
    );
    emit(at.leaf(Bytes::default()));
}
