//! Findings: what the reports carry for each secret, attributed to its file,
//! offset and place in the dumped process. The fields are the JSON contract
//! documented in `docs/json-contract.md`.

use crate::container::{ContainerKind, MemoryMap, RegionKind};
use crate::detect::{Detection, Encoding};
use crate::keys::{KeyInfo, ParsedKey, Validation};
use serde::{Deserialize, Serialize};

/// How urgent a finding is. Ordered: `Critical` is the greatest.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A structure whose maths fails: damaged, or not a key.
    Low,
    /// Passphrase-protected, or a fragment that no longer tells which key it was.
    Medium,
    /// Plausible but not checkable, or cut off with its identity intact.
    High,
    /// A usable key whose maths was checked (or a known key).
    Critical,
}

impl Severity {
    /// All severities, most urgent first.
    pub const ALL: [Severity; 4] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ];

    /// The name used in every report.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }
}

/// Grade a key by how sure we are that it is usable: a validated plaintext key
/// is critical; a plausible one we could not check, or one cut off that still
/// tells which key it was, is high; a passphrase-protected key, or a fragment
/// that no longer says which key it belonged to, is medium; a structure whose
/// maths fails is low.
pub fn severity_for(key: &ParsedKey) -> Severity {
    if key.info.encrypted || (key.info.truncated && key.spki.is_none()) {
        return Severity::Medium;
    }
    match key.validation {
        Validation::Valid => Severity::Critical,
        Validation::Unverified(_) => Severity::High,
        Validation::Failed(_) => Severity::Low,
    }
}

/// Where in the process a finding sat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionInfo {
    /// What the memory was used for.
    pub kind: RegionKind,
    /// Module or mapped file, thread, or stream name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `rwx` letters, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub perms: Option<String>,
    /// Virtual address of the region's first byte, `0x` hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// File offset of the region's first byte.
    pub file_offset: u64,
}

/// One secret at one place in one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    /// Stable id of the rule that reported it.
    pub rule_id: String,
    /// What the secret is.
    pub kind: String,
    /// How urgent it is.
    pub severity: Severity,
    /// The input path as given (or as found under a given directory).
    pub path: String,
    /// Byte offset in the file where the secret starts.
    pub offset: u64,
    /// Bytes it spans in the file.
    pub length: u64,
    /// ASCII, UTF-16LE or binary.
    pub encoding: Encoding,
    /// The container parser that read the file.
    pub container: ContainerKind,
    /// Virtual address in the dumped process, `0x` hex, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Where in the file and process it sat.
    pub region: RegionInfo,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// What the key is, for key material.
    pub key: Option<KeyInfo>,
    /// SHA-256 (lowercase hex) of the public key's SubjectPublicKeyInfo DER.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// The `--known-keys` entry this key matches (kid, certificate CN, or file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known_key: Option<String>,
    /// For keys rebuilt from parts in memory: every part and where it sat.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<ComponentInfo>,
    /// For tokens (JWTs): algorithm, key id, issuer and expiry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<crate::detect::pattern::TokenInfo>,
    /// Redacted description, safe to print and share.
    pub preview: String,
    /// The secret itself, only with `--show-secrets`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// A stable identity for tools that track findings across runs (SARIF
    /// partial fingerprints): the fingerprint, or else the SHA-256 of the
    /// secret as found. Not part of the JSON contract.
    #[serde(skip)]
    pub identity: String,
}

/// One part of a key rebuilt from memory, placed in the file and the process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentInfo {
    /// What the part is: `n`, `p`, `q`, `d`, or the BIGNUM record of one.
    pub name: String,
    /// Byte offset in the file.
    pub offset: u64,
    /// Bytes it spans.
    pub length: u64,
    /// How it is stored (`bignum-le`, `bignum-be`, `binary`).
    pub encoding: Encoding,
    /// Virtual address in the dumped process, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// What the memory it sat in was used for.
    pub region: RegionKind,
    /// Module, mapped file or thread of that region, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region_name: Option<String>,
}

/// Hex form used for addresses in every report.
pub fn hex_address(addr: u64) -> String {
    format!("{addr:#x}")
}

impl Finding {
    /// Attribute a detection at `file_offset` to its region in `map`.
    pub fn new(
        path: &str,
        file_offset: u64,
        d: Detection,
        map: &MemoryMap,
        show_secrets: bool,
    ) -> Finding {
        let region = map.region_at(file_offset);
        let identity = d
            .fingerprint
            .clone()
            .unwrap_or_else(|| crate::keys::sha256_hex(d.secret.as_bytes()));
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
        Finding {
            rule_id: d.rule_id.to_string(),
            kind: d.kind.to_string(),
            severity: d.severity,
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
            fingerprint: d.fingerprint,
            known_key: None,
            components,
            token: d.token,
            preview: d.preview,
            identity,
            secret: show_secrets.then_some(d.secret),
        }
    }
}
