//! `--format text`: for people. Grouped by file, one line a secret, then a
//! summary. Every string that came from a dump is sanitised first, so a
//! crafted module name cannot drive the terminal.

use super::ReportSink;
use crate::model::Finding;
use crate::model::{CoverageStatus, InputRecord, Summary};
use std::io::{self, Write};

/// Writes a readable report as files finish.
pub struct TextSink<W: Write> {
    out: W,
    color: bool,
}

impl<W: Write> TextSink<W> {
    /// `color`: use ANSI colours (resolved from `--color` and `NO_COLOR` by the caller).
    pub fn new(out: W, color: bool) -> Self {
        TextSink { out, color }
    }

    /// `text` in the colour of `sgr` (an ANSI Select Graphic Rendition code), when colours are on.
    fn paint(&self, sgr: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{sgr}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

fn severity_sgr(s: crate::model::Severity) -> &'static str {
    match s {
        crate::model::Severity::Critical => "1;31",
        crate::model::Severity::High => "31",
        crate::model::Severity::Medium => "33",
        crate::model::Severity::Low => "36",
    }
}

/// Replace control characters (escape sequences included) by `\u{..}` escapes.
pub fn sanitize(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_unicode().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect()
}

fn location(f: &Finding) -> String {
    let mut s = f.region.kind.name().to_string();
    if let Some(name) = &f.region.name {
        s.push(' ');
        s.push_str(&sanitize(name));
    }
    if let Some(addr) = &f.address {
        s.push_str(" @ ");
        s.push_str(addr);
    }
    s
}

impl<W: Write> ReportSink for TextSink<W> {
    fn file(&mut self, input: &InputRecord, findings: &[Finding]) -> io::Result<()> {
        let path = sanitize(&input.path);
        if let Some(reason) = &input.skipped {
            return writeln!(self.out, "{path}: skipped: {}", sanitize(reason));
        }
        if let Some(err) = &input.error {
            let label = self.paint("1;31", "error");
            writeln!(self.out, "{path}: {label}: {}", sanitize(err))?;
        }
        let full = input.coverage.status == CoverageStatus::Full;
        if findings.is_empty() && input.warnings.is_empty() && (full || input.error.is_some()) {
            return Ok(());
        }
        if input.error.is_none() {
            let layers = if input.layers.is_empty() {
                input.container.map_or("-", |c| c.name()).to_string()
            } else {
                input.layers.join("/")
            };
            let header = self.paint("1", &path);
            let process = input
                .process
                .as_ref()
                .map(|p| {
                    let name = p.name.as_deref().map(sanitize).unwrap_or_default();
                    match p.pid {
                        Some(pid) if !name.is_empty() => format!(", process {name} pid {pid}"),
                        Some(pid) => format!(", pid {pid}"),
                        None => format!(", process {name}"),
                    }
                })
                .unwrap_or_default();
            let dump = input
                .dump
                .as_ref()
                .map(|d| match &d.bug_check {
                    Some(code) => {
                        format!(", {} dump, bug check {}", sanitize(&d.kind), sanitize(code))
                    }
                    None => format!(", {} dump", sanitize(&d.kind)),
                })
                .unwrap_or_default();
            writeln!(
                self.out,
                "{header} ({}, {} regions, {} bytes{process}{dump})",
                sanitize(&layers),
                input.regions,
                input.size
            )?;
            if !full {
                let label = self.paint(
                    "33",
                    &format!("coverage {}", input.coverage.status.as_str()),
                );
                for why in &input.coverage.reasons {
                    writeln!(self.out, "  {label}: {}", sanitize(why))?;
                }
            }
        }
        for w in &input.warnings {
            let label = self.paint("33", "warning");
            writeln!(self.out, "  {label}: {}", sanitize(w))?;
        }
        for f in findings {
            let key = f.key.as_ref();
            let mark = match key {
                Some(k) if k.validated => "validated",
                Some(k) if k.truncated => "truncated",
                Some(k) if k.encrypted => "encrypted",
                Some(_) => "not validated",
                // tokens and credentials: the pattern matched, nothing more to check
                None if f.token.as_ref().is_some_and(|t| t.expired) => "expired",
                None => "matched",
            };
            let fp = f
                .fingerprint
                .as_deref()
                .map_or(String::from("-"), |h| h.chars().take(16).collect());
            let severity = self.paint(
                severity_sgr(f.severity),
                &format!("{:<8}", f.severity.as_str()),
            );
            let known = f
                .known_key
                .as_deref()
                .map(|k| format!(" KNOWN KEY {}", sanitize(k)))
                .unwrap_or_default()
                + if f.test_key {
                    " TEST KEY (public by design)"
                } else {
                    ""
                };
            writeln!(
                self.out,
                "  {severity} {} [{mark}]{known} {} offset {:#x} ({}) fp {fp} {} (rule {})",
                f.kind,
                location(f),
                f.offset,
                f.encoding.name(),
                sanitize(&f.preview),
                sanitize(&f.rule_id)
            )?;
            if let Some(secret) = &f.secret {
                writeln!(self.out, "{}", sanitize(secret).replace("\\u{a}", "\n"))?;
            }
        }
        Ok(())
    }

    fn finish(&mut self, s: &Summary) -> io::Result<()> {
        if !s.secrets.is_empty() {
            writeln!(
                self.out,
                "\n{} distinct secret(s) in {} finding(s):",
                s.secrets.len(),
                s.findings
            )?;
            for d in &s.secrets {
                let what = [
                    d.algorithm.clone(),
                    d.bits.map(|b| format!("{b} bits")),
                    d.curve.clone(),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
                let fp: String = d.fingerprint.chars().take(16).collect();
                let severity = self.paint(severity_sgr(d.severity), d.severity.as_str());
                writeln!(
                    self.out,
                    "  {:>4}x {severity} {}{} fp {fp} in {} file(s), first {} offset {:#x}{}",
                    d.occurrences,
                    d.kind,
                    if what.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", sanitize(&what))
                    },
                    d.files.len(),
                    sanitize(&d.first.path),
                    d.first.offset,
                    d.first
                        .address
                        .as_deref()
                        .map(|a| format!(" @ {a} ({})", d.first.region.name()))
                        .unwrap_or_default()
                )?;
            }
        }
        let mb = s.bytes_scanned as f64 / 1e6;
        let rate = if s.elapsed_seconds > 0.0 {
            mb / s.elapsed_seconds
        } else {
            0.0
        };
        writeln!(
            self.out,
            "\n{} file(s), {:.1} MB scanned in {:.2} s ({:.0} MB/s); {} finding(s): {} critical, {} high, {} medium, {} low ({} left out by filters, {} known from the baseline); {} file(s) with errors, {} skipped; coverage: {} full, {} partial, {} none",
            s.files,
            mb,
            s.elapsed_seconds,
            rate,
            s.findings,
            s.by_severity.critical,
            s.by_severity.high,
            s.by_severity.medium,
            s.by_severity.low,
            s.findings_filtered,
            s.findings_baselined,
            s.files_with_errors,
            s.files_skipped,
            s.coverage.full,
            s.coverage.partial,
            s.coverage.none
        )?;
        self.out.flush()
    }
}
