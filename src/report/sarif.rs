//! `--format sarif`: SARIF 2.1.0 for code-scanning dashboards. Rules come
//! from the rule files (descriptions, help, references); each result carries
//! its byte region in the file, the memory address and region in properties,
//! and a partial fingerprint keyed to the key's identity rather than to a
//! line, so the same key in a new dump is recognised as the same result.

use super::ReportSink;
use crate::model::{CoverageStatus, InputRecord, Summary, Tool};
use crate::model::{Finding, Severity};
use crate::rules::Rule;
use serde_json::{Value, json};
use std::io::{self, Write};

/// Collects results, writes one SARIF log at the end.
pub struct SarifSink<W: Write> {
    out: W,
    rules: Vec<Rule>,
    results: Vec<Value>,
    notifications: Vec<Value>,
}

impl<W: Write> SarifSink<W> {
    /// A sink writing a SARIF log to `out`, describing `rules`.
    pub fn new(out: W, rules: Vec<Rule>) -> Self {
        SarifSink {
            out,
            rules,
            results: Vec::new(),
            notifications: Vec::new(),
        }
    }
}

/// SARIF levels: critical and high keys are errors, medium warnings, low notes.
/// SARIF tags of a rule: unique, as the schema requires (a rule whose kind
/// is `secret` must not say so twice).
fn tags(kind: &str) -> Vec<&str> {
    let mut tags = vec!["security", "secret"];
    if !tags.contains(&kind) {
        tags.push(kind);
    }
    tags
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// GitHub code scanning's `security-severity` score for a severity.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
    }
}

/// A URI reference for a path: relative paths stay relative (forward
/// slashes), absolute ones become `file://` URIs; reserved bytes are
/// percent-encoded.
pub fn path_uri(path: &str) -> String {
    let mut encoded = String::with_capacity(path.len());
    for b in path.bytes() {
        let keep = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/');
        if keep {
            encoded.push(char::from(b));
        } else if b == b'\\' {
            encoded.push('/');
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    if path.starts_with('/') {
        format!("file://{encoded}")
    } else {
        encoded
    }
}

impl<W: Write> SarifSink<W> {
    fn rule_index(&self, id: &str) -> Option<usize> {
        self.rules.iter().position(|r| r.id == id)
    }
}

impl<W: Write> ReportSink for SarifSink<W> {
    fn file(&mut self, input: &InputRecord, findings: &[Finding]) -> io::Result<()> {
        let uri = path_uri(&input.path);
        let location = json!([{ "physicalLocation": { "artifactLocation": { "uri": uri } } }]);
        if let Some(error) = &input.error {
            self.notifications.push(json!({
                "level": "error",
                "message": { "text": format!("{}: {error}", input.path) },
                "locations": location,
            }));
        }
        if input.coverage.status != CoverageStatus::Full
            && input.error.is_none()
            && input.skipped.is_none()
        {
            let level = if input.coverage.status == CoverageStatus::None {
                "error"
            } else {
                "warning"
            };
            self.notifications.push(json!({
                "level": level,
                "message": { "text": format!(
                    "{}: coverage {}: {}",
                    input.path,
                    input.coverage.status.as_str(),
                    input.coverage.reasons.join("; ")
                ) },
                "locations": location,
            }));
        }
        for w in &input.warnings {
            self.notifications.push(json!({
                "level": "warning",
                "message": { "text": format!("{}: {w}", input.path) },
                "locations": location,
            }));
        }
        for f in findings {
            let where_ = match (&f.address, &f.region.name) {
                (Some(a), Some(n)) => format!(" at {a} ({} {n})", f.region.kind.name()),
                (Some(a), None) => format!(" at {a} ({})", f.region.kind.name()),
                _ => format!(" ({})", f.region.kind.name()),
            };
            let validated = f.key.as_ref().is_some_and(|k| k.validated);
            let text = format!(
                "{} {}{where_}, offset {:#x}{}. Fingerprint {}.",
                if validated {
                    "Validated"
                } else {
                    "Unvalidated"
                },
                f.kind,
                f.offset,
                if f.encoding.name() == "binary" {
                    String::new()
                } else {
                    format!(", {}", f.encoding.name())
                },
                f.fingerprint.as_deref().unwrap_or("unknown"),
            );
            let mut result = json!({
                "ruleId": f.rule_id,
                "level": level(f.severity),
                "message": { "text": text },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri },
                        "region": { "byteOffset": f.offset, "byteLength": f.length },
                    }
                }],
                "partialFingerprints": { "keysweepKeyIdentity/v1": f.identity },
                "properties": {
                    "severity": f.severity.as_str(),
                    "kind": f.kind,
                    "encoding": f.encoding.name(),
                    "container": f.container.name(),
                    "regionKind": f.region.kind.name(),
                    "preview": f.preview,
                },
            });
            if let Some(i) = self.rule_index(&f.rule_id) {
                result["ruleIndex"] = json!(i);
            }
            let props = &mut result["properties"];
            if let Some(a) = &f.address {
                props["address"] = json!(a);
            }
            if let Some(n) = &f.region.name {
                props["regionName"] = json!(n);
            }
            if let Some(fp) = &f.fingerprint {
                props["fingerprint"] = json!(fp);
            }
            if let Some(k) = &f.key {
                props["validated"] = json!(k.validated);
                props["algorithm"] = json!(k.algorithm);
            }
            self.results.push(result);
        }
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        let tool = Tool::this();
        let rules: Vec<Value> = self
            .rules
            .iter()
            .map(|r| {
                let references = r.references.join("; ");
                json!({
                    "id": r.id,
                    "name": r.name.replace(|c: char| !c.is_ascii_alphanumeric(), ""),
                    "shortDescription": { "text": r.name },
                    "fullDescription": { "text": r.description },
                    "help": {
                        "text": format!("{}\n\nReferences: {references}", r.description),
                        "markdown": format!("{}\n\n**References:** {references}", r.description),
                    },
                    "defaultConfiguration": { "level": level(r.severity) },
                    "properties": {
                        "tags": tags(&r.kind),
                        "precision": "very-high",
                        "security-severity": security_severity(r.severity),
                    },
                })
            })
            .collect();
        let log = json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {
                    "driver": {
                        "name": tool.name,
                        "version": tool.version,
                        "semanticVersion": tool.version,
                        "rules": rules,
                    }
                },
                "invocations": [{
                    "executionSuccessful": summary.files_with_errors == 0,
                    "toolExecutionNotifications": std::mem::take(&mut self.notifications),
                }],
                "results": std::mem::take(&mut self.results),
                "properties": {
                    "filesScanned": summary.files,
                    "bytesScanned": summary.bytes_scanned,
                    "findingsFiltered": summary.findings_filtered,
                    "coverage": summary.coverage,
                },
            }],
        });
        serde_json::to_writer_pretty(&mut self.out, &log)?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::path_uri;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(path_uri("dumps/a b.dmp"), "dumps/a%20b.dmp");
        assert_eq!(path_uri("/var/crash/core.12"), "file:///var/crash/core.12");
        assert_eq!(path_uri("x#1?.core"), "x%231%3F.core");
    }
}
