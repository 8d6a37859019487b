//! `--format jsonl`: one JSON object a line, written as each file finishes,
//! tagged with `"type"`: `finding`, `input` or `summary`.

use super::ReportSink;
use crate::model::Finding;
use crate::model::{InputRecord, Summary, Tool};
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct Line<'a, T: Serialize> {
    r#type: &'static str,
    #[serde(flatten)]
    inner: &'a T,
}

#[derive(Serialize)]
struct SummaryLine<'a> {
    tool: Tool,
    #[serde(flatten)]
    summary: &'a Summary,
}

/// Streams lines; flushes after every file so a consumer sees progress.
pub struct JsonlSink<W: Write> {
    out: W,
}

impl<W: Write> JsonlSink<W> {
    /// A sink streaming lines to `out`.
    pub fn new(out: W) -> Self {
        JsonlSink { out }
    }

    fn line<T: Serialize>(&mut self, r#type: &'static str, inner: &T) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, &Line { r#type, inner })?;
        self.out.write_all(b"\n")
    }
}

impl<W: Write> ReportSink for JsonlSink<W> {
    fn file(&mut self, input: &InputRecord, findings: &[Finding]) -> io::Result<()> {
        for f in findings {
            self.line("finding", f)?;
        }
        self.line("input", input)?;
        self.out.flush()
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        self.line(
            "summary",
            &SummaryLine {
                tool: Tool::this(),
                summary,
            },
        )?;
        self.out.flush()
    }
}
