//! `--format json`: one document, written when the scan ends.

use super::ReportSink;
use crate::model::Finding;
use crate::model::{InputRecord, Summary, Tool};
use serde::{Deserialize, Serialize};
use std::io::{self, Write};

/// The whole JSON report, as written and as read back (baselines, tests).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct JsonReport {
    /// The tool that wrote the report.
    pub tool: Tool,
    /// Every finding, grouped by input.
    pub findings: Vec<Finding>,
    /// One record per input path.
    pub inputs: Vec<InputRecord>,
    /// The closing totals.
    pub summary: Summary,
}

/// Collects everything, then writes one pretty-printed document.
pub struct JsonSink<W: Write> {
    out: W,
    findings: Vec<Finding>,
    inputs: Vec<InputRecord>,
}

impl<W: Write> JsonSink<W> {
    /// A sink writing to `out` when the scan ends.
    pub fn new(out: W) -> Self {
        JsonSink {
            out,
            findings: Vec::new(),
            inputs: Vec::new(),
        }
    }
}

impl<W: Write> ReportSink for JsonSink<W> {
    fn file(&mut self, input: &InputRecord, findings: &[Finding]) -> io::Result<()> {
        self.inputs.push(input.clone());
        self.findings.extend_from_slice(findings);
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        let report = JsonReport {
            tool: Tool::this(),
            findings: std::mem::take(&mut self.findings),
            inputs: std::mem::take(&mut self.inputs),
            summary: summary.clone(),
        };
        serde_json::to_writer_pretty(&mut self.out, &report)?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}
