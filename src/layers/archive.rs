//! Archives: tar (POSIX and GNU) and zip. Each member is an input of its
//! own, named `ARCHIVE!MEMBER`. Stored members are read in place; deflated
//! zip members are decoded from their bytes in place (the zip crate only
//! lists them), to a spool within the input's budget, so the expansion
//! ratio is measured on what the decoder actually read.

use super::{At, Budget, Bytes, Leaf, decode_to_spool, peel_at, spool_failed};
use crate::model::CoverageStatus;
use std::io::Cursor;

/// Most members read from one archive: each is an input of its own, with a
/// record in the report, so a crafted archive of a million empty files
/// cannot grow the report (or, for zip, the parsed central directory)
/// without bound.
const MAX_MEMBERS: usize = 1 << 16;

/// The leaf saying an archive has more members than are read.
fn too_many_members(at: &At, kind: &str, emit: &mut dyn FnMut(Leaf)) {
    let mut at = at.inside(kind);
    at.coverage.lower(
        CoverageStatus::Partial,
        format!("the {kind} archive has more than {MAX_MEMBERS} members; the rest were not read"),
    );
    emit(at.leaf(Bytes::default()));
}

/// The member count a zip's end-of-central-directory record declares (the
/// zip64 count when it has one), read before the central directory is
/// parsed.
fn zip_declared_members(b: &[u8]) -> Option<u64> {
    // the record is 22 bytes plus a comment of up to 64 KiB, at the end
    let tail = &b[b.len().saturating_sub(22 + (1 << 16))..];
    let eocd = memchr::memmem::rfind(tail, b"PK\x05\x06")?;
    let total = u64::from(u16::from_le_bytes(
        tail.get(eocd + 10..eocd + 12)?.try_into().ok()?,
    ));
    if total != 0xffff {
        return Some(total);
    }
    // zip64: its end-of-central-directory record, found through its locator
    let locator = memchr::memmem::rfind(&tail[..eocd], b"PK\x06\x07")?;
    let at = u64::from_le_bytes(tail.get(locator + 8..locator + 16)?.try_into().ok()?);
    let record = b.get(usize::try_from(at).ok()?..)?;
    record.starts_with(b"PK\x06\x06").then_some(())?;
    Some(u64::from_le_bytes(record.get(32..40)?.try_into().ok()?))
}

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
    for (n, entry) in entries.enumerate() {
        if n >= MAX_MEMBERS {
            return too_many_members(at, "tar", emit);
        }
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
    if let Some(n) = zip_declared_members(data).filter(|&n| n > MAX_MEMBERS as u64) {
        let mut at = at.inside("zip");
        at.coverage.lower(
            CoverageStatus::None,
            format!("the zip archive declares {n} members, more than the {MAX_MEMBERS} keysweep reads; none were read"),
        );
        return emit(at.leaf(Bytes::default()));
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zip_member_counts_are_read_before_the_directory() {
        // an empty zip: the end record alone
        let mut eocd = b"PK\x05\x06".to_vec();
        eocd.extend([0u8; 6]);
        eocd.extend(3u16.to_le_bytes());
        eocd.extend([0u8; 10]);
        assert_eq!(zip_declared_members(&eocd), Some(3));
        // zip64: 0xffff in the end record, the count in the zip64 record
        let mut z = b"PK\x06\x06".to_vec();
        z.extend([0u8; 28]);
        z.extend(1_000_000u64.to_le_bytes());
        z.extend([0u8; 16]);
        z.extend(b"PK\x06\x07");
        z.extend([0u8; 4]);
        z.extend(0u64.to_le_bytes());
        z.extend([0u8; 4]);
        z.extend(b"PK\x05\x06");
        z.extend([0u8; 6]);
        z.extend(0xffffu16.to_le_bytes());
        z.extend([0u8; 10]);
        assert_eq!(zip_declared_members(&z), Some(1_000_000));
        assert_eq!(zip_declared_members(b"not a zip"), None);
    }
}
