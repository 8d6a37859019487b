//! Reports: receivers of per-file results that know nothing of threads or
//! scanning. The engine's output is pushed into a [`ReportSink`] one file at a
//! time, in input order, then the summary closes it.

pub mod json;
pub mod jsonl;
pub mod sarif;
pub mod text;

use crate::container::{ContainerKind, ProcessInfo};
use crate::finding::{Finding, Severity};
use serde::{Deserialize, Serialize};
use std::io;

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
    /// Problems recovered from: the file was still scanned.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Why the file could not be scanned completely.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Why the path was deliberately left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
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
            warnings: Vec::new(),
            error,
            skipped,
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
        self.bytes_scanned += input.bytes_scanned;
        self.findings += findings.len();
        for f in findings {
            self.by_severity.add(f.severity);
        }
    }
}

/// A receiver of scan results.
pub trait ReportSink {
    /// One input's record and its findings, in input order.
    fn file(&mut self, input: &InputRecord, findings: &[Finding]) -> io::Result<()>;
    /// The end of the scan.
    fn finish(&mut self, summary: &Summary) -> io::Result<()>;
}
