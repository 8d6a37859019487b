//! Attribution: a detection at a file offset becomes a [`Finding`], placed
//! in its region of the memory map, with its address and its components'
//! places, and its secret kept only when the report will print it.

use crate::container::MemoryMap;
use crate::detect::{Detection, Secret};
use crate::model::{ComponentInfo, Finding, RegionInfo, RegionKind, hex_address};

/// The finding of a detection: attribute it at `file_offset` to its region
/// in `map`. `file` holds the scanned bytes, from which a secret is read
/// only now, for a report that prints it or a finding with no fingerprint
/// (`None` for a stream already gone: its secrets were kept as text).
pub fn finding(
    path: &str,
    file_offset: u64,
    d: Detection,
    map: &MemoryMap,
    file: Option<&[u8]>,
    show_secrets: bool,
) -> Finding {
    let region = map.region_at(file_offset);
    let secret = || {
        let start = usize::try_from(file_offset).ok()?;
        let span = file?.get(start..start.checked_add(d.len)?)?;
        Some(d.secret.text(span, d.encoding))
    };
    let secret_text = match &d.secret {
        Secret::Text(t) => Some(t.clone()),
        Secret::Span if show_secrets || d.fingerprint.is_none() => secret(),
        Secret::Span => None,
    };
    // a secret a person chose is fingerprinted so that it cannot be guessed back
    let fingerprint = if matches!(d.kind, "password" | "secret") {
        secret_text
            .as_deref()
            .map(|t| crate::keys::guess_resistant_fingerprint(t.as_bytes()))
    } else {
        d.fingerprint.clone()
    };
    // a key that is public by design is no leak: low, and marked so
    let test_key = fingerprint
        .as_deref()
        .and_then(crate::test_keys::public_test_key)
        .is_some();
    let identity = fingerprint.clone().unwrap_or_else(|| {
        crate::keys::sha256_hex(secret_text.as_deref().unwrap_or_default().as_bytes())
    });
    let components = d
        .components
        .iter()
        .map(|c| {
            let r = map.region_at(c.file_offset);
            ComponentInfo {
                name: c.name.to_string(),
                offset: c.file_offset,
                length: c.len,
                encoding: c.encoding,
                address: map.address_of(c.file_offset).map(hex_address),
                region: r.map_or(RegionKind::Unknown, |r| r.kind),
                region_name: r.and_then(|r| r.name.clone()),
            }
        })
        .collect();
    let id = finding_id(path, d.rule_id, file_offset, &identity);
    Finding {
        id,
        rule_id: d.rule_id.to_string(),
        kind: d.kind.to_string(),
        severity: if test_key {
            crate::model::Severity::Low
        } else {
            d.severity
        },
        test_key,
        path: path.to_string(),
        offset: file_offset,
        length: d.len as u64,
        encoding: d.encoding,
        container: map.container,
        address: map.address_of(file_offset).map(hex_address),
        region: RegionInfo {
            kind: region.map_or(RegionKind::Unknown, |r| r.kind),
            name: region.and_then(|r| r.name.clone()),
            perms: region.and_then(|r| r.perms.clone()),
            start: region.and_then(|r| r.vaddr).map(hex_address),
            file_offset: region.map_or(0, |r| r.file_offset),
        },
        key: d.key,
        fingerprint,
        known_key: None,
        components,
        token: d.token,
        preview: d.preview,
        identity,
        secret: secret_text.filter(|_| show_secrets),
    }
}

/// A finding's id: the first 128 bits (hex) of the SHA-256 of its path,
/// rule, offset and identity (fingerprint, or hash of the secret), each
/// followed by a NUL byte.
pub fn finding_id(path: &str, rule_id: &str, offset: u64, identity: &str) -> String {
    let offset = offset.to_string();
    let mut bytes = Vec::with_capacity(path.len() + rule_id.len() + identity.len() + 24);
    for part in [path, rule_id, &offset, identity] {
        bytes.extend_from_slice(part.as_bytes());
        bytes.push(0);
    }
    let mut id = crate::keys::sha256_hex(&bytes);
    id.truncate(32);
    id
}
