//! Reports: receivers of per-file results that know nothing of threads or
//! scanning. The engine's output is pushed into a [`ReportSink`] one file at a
//! time, in input order, then the summary closes it.

pub mod json;
pub mod jsonl;
pub mod sarif;
pub mod text;

use crate::model::{Finding, InputRecord, Summary};
use std::io;

/// A receiver of scan results.
pub trait ReportSink {
    /// One input's record and its findings, in input order.
    fn file(&mut self, input: &InputRecord, findings: &[Finding]) -> io::Result<()>;
    /// The end of the scan.
    fn finish(&mut self, summary: &Summary) -> io::Result<()>;
}
