//! The data model: the types the JSON contract (`docs/json-contract.md`)
//! describes, and nothing else. Every layer above (containers, detectors,
//! recoveries, the engine, reporters) speaks in these types; this module
//! depends on none of them, so the contract has one home and a reporter can
//! be written knowing only this file.

use serde::{Deserialize, Serialize};

// ---- How urgent a finding is ----------------------------------------------------------

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

// ---- How the bytes of a secret are stored ---------------------------------------------

/// How the bytes of a finding are encoded in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// One byte a character (ASCII or UTF-8 text).
    Ascii,
    /// Two bytes a character, low byte first: how Windows keeps strings.
    Utf16le,
    /// Two bytes a character, high byte first: how Java heap dumps keep `char[]`.
    Utf16be,
    /// Binary structures (DER, key blobs).
    Binary,
    /// A number as little-endian limbs (how bignum libraries keep keys).
    #[serde(rename = "bignum-le")]
    BignumLe,
    /// A number as big-endian bytes outside any serialised structure.
    #[serde(rename = "bignum-be")]
    BignumBe,
    /// A Java `BigInteger` magnitude: 32-bit words most significant first.
    #[serde(rename = "bignum-java")]
    BignumJava,
}

impl Encoding {
    /// The name used in every report.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Ascii => "ascii",
            Encoding::Utf16le => "utf16le",
            Encoding::Utf16be => "utf16be",
            Encoding::Binary => "binary",
            Encoding::BignumLe => "bignum-le",
            Encoding::BignumBe => "bignum-be",
            Encoding::BignumJava => "bignum-java",
        }
    }
}

// ---- What kind of file a finding came from, and where in the process it sat -----------

/// What kind of file a memory map came from; it decides how addresses are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ContainerKind {
    /// Windows-format minidump (`MDMP`), written on Windows, Linux or macOS.
    Minidump,
    /// ELF core file (`ET_CORE`), as written by the Linux kernel or gdb's `gcore`.
    ElfCore,
    /// An executable or library file (ELF, PE or Mach-O) on disk: all of it
    /// is a module's image, so `--exclude-region module` leaves out the test
    /// keys built into programs.
    Executable,
    /// A Windows kernel crash dump (`PAGEDUMP`, `PAGEDU64`): its pages are
    /// scanned as plain bytes (kernel dumps are not parsed yet), so its
    /// coverage is partial, or none when dump encryption made it ciphertext.
    WindowsKernelDump,
    /// A LiME physical memory image: ranges at physical addresses.
    Lime,
    /// A Mach-O core (`MH_CORE`), as macOS writes for a crashed process.
    MachOCore,
    /// A running Linux process (`--pid`), read through /proc.
    Process,
    /// A Java heap dump (HPROF): primitive arrays as regions at their ids.
    Hprof,
    /// Anything else: scanned as plain bytes, without addresses.
    Raw,
}

impl ContainerKind {
    /// The name used in every report.
    pub fn name(self) -> &'static str {
        match self {
            ContainerKind::Minidump => "minidump",
            ContainerKind::ElfCore => "elf-core",
            ContainerKind::Executable => "executable",
            ContainerKind::WindowsKernelDump => "windows-kernel-dump",
            ContainerKind::Lime => "lime",
            ContainerKind::MachOCore => "mach-o-core",
            ContainerKind::Process => "process",
            ContainerKind::Hprof => "hprof",
            ContainerKind::Raw => "raw",
        }
    }
}

/// Where in the process a region sat, so responders can tell a live heap copy
/// from a test key compiled into a library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum RegionKind {
    /// A thread's stack.
    Stack,
    /// Heap: private read-write memory the program allocated.
    Heap,
    /// An executable or library image.
    Module,
    /// A mapping of some other file.
    MappedFile,
    /// Anonymous memory of unknown use.
    Anonymous,
    /// Bytes of the dump file outside any memory region: headers, notes, streams.
    Metadata,
    /// Nothing is known about these bytes (raw files).
    Unknown,
}

impl RegionKind {
    /// The name used in every report.
    pub fn name(self) -> &'static str {
        match self {
            RegionKind::Stack => "stack",
            RegionKind::Heap => "heap",
            RegionKind::Module => "module",
            RegionKind::MappedFile => "mapped-file",
            RegionKind::Anonymous => "anonymous",
            RegionKind::Metadata => "metadata",
            RegionKind::Unknown => "unknown",
        }
    }
}

/// Which process a dump came from, so responders can tell dumps apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessInfo {
    /// Process id at dump time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    /// Executable or command name as the dump records it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// What a system dump records of itself: which kind of dump it is and why
/// it was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DumpInfo {
    /// The dump's own kind: for a Windows kernel dump `full`, `bitmap`,
    /// `kernel-memory`, `kernel-and-user-memory`, `complete-memory`,
    /// `live-kernel-memory`, `type N`, or `32-bit`.
    pub kind: String,
    /// The bug check code that stopped the system (`0x000000e2` for a
    /// manually initiated crash), when the dump records one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bug_check: Option<String>,
}

impl ProcessInfo {
    /// `None` when the container told us nothing.
    pub fn new(pid: Option<u32>, name: Option<String>) -> Option<ProcessInfo> {
        (pid.is_some() || name.is_some()).then_some(ProcessInfo { pid, name })
    }
}

// ---- One finding ----------------------------------------------------------------------

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
    /// Stable id of this finding: the same secret found by the same rule at
    /// the same offset of the same path always has the same id, so a
    /// ledger fed by retried tasks can drop duplicates.
    #[serde(default)]
    pub id: String,
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
    /// True for a key that is public by design (a library's test key, a
    /// standard's example key): reported at low severity, not a leak.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub test_key: bool,
    /// For keys rebuilt from parts in memory: every part and where it sat.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<ComponentInfo>,
    /// For tokens (JWTs): algorithm, key id, issuer and expiry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<TokenInfo>,
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

impl Drop for Finding {
    /// The secret a report printed is wiped once the finding is done with.
    fn drop(&mut self) {
        if let Some(secret) = &mut self.secret {
            zeroize::Zeroize::zeroize(secret);
        }
    }
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

// ---- What a finding says about a key or a token ---------------------------------------

/// What a finding says about the key: the `key` object of the JSON contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyInfo {
    /// `rsa`, `ec`, `dsa`, `ed25519`, `x25519`, `ed448`, `x448`, or what an encrypted container names.
    pub algorithm: String,
    /// Modulus or prime size, for RSA and DSA.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bits: Option<u32>,
    /// Curve name for EC keys (`P-256`, `P-384`, `P-521`, `secp256k1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub curve: Option<String>,
    /// True only when the key's maths was checked and holds.
    pub validated: bool,
    /// True when the key is protected by a passphrase (its body is ciphertext).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub encrypted: bool,
    /// True when the encoding was cut off before its end.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
    /// Why the key is not validated, or what protects it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The key id a JWK carries (`kid`), which identity providers publish.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// RFC 7638 JWK thumbprint (SHA-256, base64url), for keys found as JWK.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwk_thumbprint: Option<String>,
    /// For AES keys recovered from a key schedule: `encrypt`, `decrypt`,
    /// `encrypt-word-swapped` or `decrypt-word-swapped`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
}

/// What a JWT says about itself: the `token` object of a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenInfo {
    /// The signing algorithm from the header (`RS256`, `HS256`, `none`, ...).
    pub alg: String,
    /// The header's key id: which signing key made it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// The issuer claim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// The expiry claim, seconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// True when `exp` lies in the past at scan time.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub expired: bool,
}

// ---- Per input and per scan -----------------------------------------------------------

/// The tool that wrote a report.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Tool {
    /// `keysweep`.
    pub name: String,
    /// The crate version.
    pub version: String,
}

impl Tool {
    /// This build of keysweep.
    pub fn this() -> Tool {
        Tool {
            name: env!("CARGO_PKG_NAME").to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// What happened to one input path.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct InputRecord {
    /// The path as given or found.
    pub path: String,
    /// Which container parser read it; absent when it was never opened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<ContainerKind>,
    /// File size in bytes.
    pub size: u64,
    /// Memory regions the container describes (0 for raw files).
    pub regions: usize,
    /// Bytes scanned.
    pub bytes_scanned: u64,
    /// Findings reported.
    pub findings: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The dumped process, when the container names it.
    pub process: Option<ProcessInfo>,
    /// What a system dump says of itself (a Windows kernel dump's type and
    /// bug check), when the container records it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dump: Option<DumpInfo>,
    /// Problems recovered from: the file was still scanned.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Why the file could not be scanned completely.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Why the path was deliberately left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// The wrappers peeled and the container read, outermost first
    /// (`["zstd", "tar", "elf-core"]`); empty when nothing was read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub layers: Vec<String>,
    /// How completely the input was seen.
    #[serde(default)]
    pub coverage: Coverage,
}

/// How completely an input was seen: `full` only when every byte beneath
/// every wrapper was decoded and scanned, with no search cut short.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CoverageStatus {
    /// Everything was seen.
    #[default]
    Full,
    /// Something was seen, something was not: the reasons say what.
    Partial,
    /// Nothing could be decoded.
    None,
}

impl CoverageStatus {
    /// The name used in every report.
    pub fn as_str(self) -> &'static str {
        match self {
            CoverageStatus::Full => "full",
            CoverageStatus::Partial => "partial",
            CoverageStatus::None => "none",
        }
    }
}

/// The coverage verdict of one input and why it is not `full`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coverage {
    /// The verdict.
    pub status: CoverageStatus,
    /// What was not seen, one reason each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
}

impl Coverage {
    /// Lower the verdict to at most `status` (a `none` stays `none`), saying why.
    pub fn lower(&mut self, status: CoverageStatus, reason: impl Into<String>) {
        self.status = self.status.max(status);
        let reason = reason.into();
        if !self.reasons.contains(&reason) {
            self.reasons.push(reason);
        }
    }

    /// Fold in what another step saw.
    pub fn merge(&mut self, other: &Coverage) {
        self.status = self.status.max(other.status);
        for r in &other.reasons {
            if !self.reasons.contains(r) {
                self.reasons.push(r.clone());
            }
        }
    }
}

/// Inputs by coverage verdict.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CoverageCounts {
    /// Inputs seen completely.
    pub full: usize,
    /// Inputs seen in part.
    pub partial: usize,
    /// Inputs of which nothing could be decoded (or that were left out).
    pub none: usize,
}

impl InputRecord {
    /// A record for a path that was not scanned.
    pub fn not_scanned(
        path: String,
        error: Option<String>,
        skipped: Option<String>,
    ) -> InputRecord {
        InputRecord {
            path,
            container: None,
            size: 0,
            regions: 0,
            bytes_scanned: 0,
            findings: 0,
            process: None,
            dump: None,
            warnings: Vec::new(),
            coverage: Coverage {
                status: CoverageStatus::None,
                reasons: error.iter().chain(&skipped).cloned().collect(),
            },
            error,
            skipped,
            layers: Vec::new(),
        }
    }
}

/// Counts by severity.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct BySeverity {
    /// Critical findings.
    pub critical: usize,
    /// High findings.
    pub high: usize,
    /// Medium findings.
    pub medium: usize,
    /// Low findings.
    pub low: usize,
}

impl BySeverity {
    /// Count one finding.
    pub fn add(&mut self, s: Severity) {
        match s {
            Severity::Critical => self.critical += 1,
            Severity::High => self.high += 1,
            Severity::Medium => self.medium += 1,
            Severity::Low => self.low += 1,
        }
    }
}

/// The closing totals of a scan.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    /// Files opened and scanned (completely or not).
    pub files: usize,
    /// Inputs that could not be scanned completely.
    pub files_with_errors: usize,
    /// Paths left out on purpose.
    pub files_skipped: usize,
    /// Bytes scanned.
    pub bytes_scanned: u64,
    /// Findings reported.
    pub findings: usize,
    /// Findings left out by `--min-severity`, `--exclude-region` or `--disable-rule`.
    pub findings_filtered: usize,
    /// Findings suppressed because the `--baseline` report already had them.
    pub findings_baselined: usize,
    /// Reported findings by severity.
    pub by_severity: BySeverity,
    /// Inputs by coverage verdict.
    #[serde(default)]
    pub coverage: CoverageCounts,
    /// Each distinct secret reported, once: the same key or token found in
    /// many places is one entry with its count, in the order first found.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<DistinctSecret>,
    /// Each `--known-keys` key, whether its private half was found.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub known_keys: Vec<KnownKeyStatus>,
    /// Where each secret's entry is in `secrets`, by identity.
    #[serde(skip)]
    pub secret_index: std::collections::HashMap<String, usize>,
    /// Wall-clock time of the scan.
    pub elapsed_seconds: f64,
}

impl Summary {
    /// Fold one input's outcome into the totals.
    pub fn add(&mut self, input: &InputRecord, findings: &[Finding]) {
        if input.skipped.is_some() {
            self.files_skipped += 1;
        } else {
            self.files += usize::from(input.container.is_some());
        }
        if input.error.is_some() {
            self.files_with_errors += 1;
        }
        match input.coverage.status {
            CoverageStatus::Full => self.coverage.full += 1,
            CoverageStatus::Partial => self.coverage.partial += 1,
            CoverageStatus::None => self.coverage.none += 1,
        }
        self.bytes_scanned += input.bytes_scanned;
        self.findings += findings.len();
        for f in findings {
            self.by_severity.add(f.severity);
            self.add_secret(f);
        }
    }

    /// Count a finding under its distinct secret.
    fn add_secret(&mut self, f: &Finding) {
        match self.secret_index.get(&f.identity) {
            Some(&i) => {
                let s = &mut self.secrets[i];
                s.occurrences += 1;
                s.severity = s.severity.max(f.severity);
                if s.files.last() != Some(&f.path) && !s.files.contains(&f.path) {
                    s.files.push(f.path.clone());
                }
            }
            None => {
                self.secret_index
                    .insert(f.identity.clone(), self.secrets.len());
                self.secrets.push(DistinctSecret {
                    fingerprint: f.identity.clone(),
                    kind: f.kind.clone(),
                    algorithm: f.key.as_ref().map(|k| k.algorithm.clone()),
                    bits: f.key.as_ref().and_then(|k| k.bits),
                    curve: f.key.as_ref().and_then(|k| k.curve.clone()),
                    severity: f.severity,
                    occurrences: 1,
                    files: vec![f.path.clone()],
                    first: SecretPlace {
                        path: f.path.clone(),
                        offset: f.offset,
                        address: f.address.clone(),
                        region: f.region.kind,
                    },
                });
            }
        }
    }

    /// Fold in the totals of another summary (of other inputs).
    pub fn merge(&mut self, other: &Summary) {
        self.files += other.files;
        self.files_with_errors += other.files_with_errors;
        self.files_skipped += other.files_skipped;
        self.bytes_scanned += other.bytes_scanned;
        self.findings += other.findings;
        self.findings_filtered += other.findings_filtered;
        self.findings_baselined += other.findings_baselined;
        let (a, b) = (&mut self.by_severity, &other.by_severity);
        a.critical += b.critical;
        a.high += b.high;
        a.medium += b.medium;
        a.low += b.low;
        self.coverage.full += other.coverage.full;
        self.coverage.partial += other.coverage.partial;
        self.coverage.none += other.coverage.none;
        for s in &other.secrets {
            match self.secret_index.get(&s.fingerprint) {
                Some(&i) => {
                    let mine = &mut self.secrets[i];
                    mine.occurrences += s.occurrences;
                    mine.severity = mine.severity.max(s.severity);
                    for f in &s.files {
                        if !mine.files.contains(f) {
                            mine.files.push(f.clone());
                        }
                    }
                }
                None => {
                    self.secret_index
                        .insert(s.fingerprint.clone(), self.secrets.len());
                    self.secrets.push(s.clone());
                }
            }
        }
    }
}

/// A `--known-keys` key and whether the scan found its private half, so
/// "not in these dumps" cannot be mistaken for "never loaded".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownKeyStatus {
    /// Its name: `kid ...`, `CN=...`, or the file and position.
    pub label: String,
    /// Its fingerprint (SHA-256 of the SubjectPublicKeyInfo).
    pub fingerprint: String,
    /// Whether any finding is its private half.
    pub found: bool,
    /// How many findings are.
    pub occurrences: usize,
}

/// One distinct secret of a scan, with every place it was reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistinctSecret {
    /// The findings' fingerprint (for a secret without one, the SHA-256 of
    /// the secret as found): what groups them.
    pub fingerprint: String,
    /// What the secret is.
    pub kind: String,
    /// The key's algorithm, for key material.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<String>,
    /// The key's size, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bits: Option<u32>,
    /// The key's curve, for EC keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub curve: Option<String>,
    /// The highest severity it was reported at.
    pub severity: Severity,
    /// Findings of it.
    pub occurrences: usize,
    /// Every input it was found in, in order.
    pub files: Vec<String>,
    /// Where it was first found.
    pub first: SecretPlace,
}

/// Where a secret was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretPlace {
    /// The input.
    pub path: String,
    /// Offset of the finding.
    pub offset: u64,
    /// Its address in the dumped process, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// What the memory it sat in was used for.
    pub region: RegionKind,
}
