//! What happens to each input's outcome between the scan and the report, as
//! a chain of small stages, each wrapping the next and ending in the
//! reporter: put back in input order, known keys marked, the policy flags
//! and the baseline applied, totals counted, the progress line cleared.
//! Each stage adds its own counts to the summary on the way to the reporter.

use crate::baseline::Baseline;
use crate::config::Policy;
use crate::known_keys::KnownKeys;
use crate::model::{Finding, InputRecord, Summary};
use crate::progress;
use crate::report::ReportSink;
use std::collections::BTreeMap;
use std::io;

/// One step between the scan and the report.
pub trait Stage {
    /// One input's record and findings; what the stage keeps goes on.
    fn file(&mut self, record: InputRecord, findings: Vec<Finding>) -> io::Result<()>;
    /// The end of the scan: the stage adds its counts to `summary` and
    /// passes it on.
    fn finish(&mut self, summary: &mut Summary) -> io::Result<()>;
}

/// The reporter, at the end of the chain.
pub struct Report(pub Box<dyn ReportSink>);

impl Stage for Report {
    fn file(&mut self, record: InputRecord, findings: Vec<Finding>) -> io::Result<()> {
        self.0.file(&record, &findings)
    }

    fn finish(&mut self, summary: &mut Summary) -> io::Result<()> {
        self.0.finish(summary)
    }
}

/// Holds outcomes that finish early until every input before them has
/// passed, so the report lists inputs in the order they were given.
pub struct InputOrder<S> {
    next: usize,
    pending: BTreeMap<usize, Vec<(InputRecord, Vec<Finding>)>>,
    inner: S,
}

impl<S: Stage> InputOrder<S> {
    /// Inputs are numbered from 0.
    pub fn new(inner: S) -> Self {
        InputOrder {
            next: 0,
            pending: BTreeMap::new(),
            inner,
        }
    }

    /// The outcomes of input number `index` (one for a plain file, one
    /// per member of an archive), in their order.
    pub fn put(
        &mut self,
        index: usize,
        outcomes: Vec<(InputRecord, Vec<Finding>)>,
    ) -> io::Result<()> {
        self.pending.insert(index, outcomes);
        while let Some(outcomes) = self.pending.remove(&self.next) {
            self.next += 1;
            for (record, findings) in outcomes {
                self.inner.file(record, findings)?;
            }
        }
        Ok(())
    }

    /// The end of the scan.
    pub fn finish(&mut self, summary: &mut Summary) -> io::Result<()> {
        self.inner.finish(summary)
    }
}

/// Marks findings of a `--known-keys` key with its name (and raises them
/// to critical), and says at the end which known keys were found.
pub struct MarkKnownKeys<'a, S> {
    known: &'a KnownKeys,
    found: std::collections::HashMap<String, usize>,
    inner: S,
}

impl<'a, S: Stage> MarkKnownKeys<'a, S> {
    /// Mark findings of `known` before `inner`.
    pub fn new(known: &'a KnownKeys, inner: S) -> Self {
        MarkKnownKeys {
            known,
            found: std::collections::HashMap::new(),
            inner,
        }
    }
}

impl<S: Stage> Stage for MarkKnownKeys<'_, S> {
    fn file(&mut self, record: InputRecord, mut findings: Vec<Finding>) -> io::Result<()> {
        for f in &mut findings {
            self.known.mark(f);
            if f.known_key.is_some()
                && let Some(fp) = &f.fingerprint
            {
                *self.found.entry(fp.clone()).or_default() += 1;
            }
        }
        self.inner.file(record, findings)
    }

    fn finish(&mut self, summary: &mut Summary) -> io::Result<()> {
        summary.known_keys = self
            .known
            .entries()
            .into_iter()
            .map(|(fp, label)| {
                let occurrences = self.found.get(fp).copied().unwrap_or(0);
                crate::model::KnownKeyStatus {
                    label: label.to_string(),
                    fingerprint: fp.to_string(),
                    found: occurrences > 0,
                    occurrences,
                }
            })
            .collect();
        self.inner.finish(summary)
    }
}

/// Leaves out the findings `keep` rejects, counting them into one field of
/// the summary: the policy flags (`findings_filtered`) and the baseline
/// (`findings_baselined`) are two of these.
pub struct Filter<K, S> {
    keep: K,
    left_out: usize,
    count: fn(&mut Summary) -> &mut usize,
    inner: S,
}

impl<K: FnMut(&Finding) -> bool, S: Stage> Filter<K, S> {
    /// Keep what `keep` accepts, count the rest into `count`, before `inner`.
    pub fn new(keep: K, count: fn(&mut Summary) -> &mut usize, inner: S) -> Self {
        Filter {
            keep,
            left_out: 0,
            count,
            inner,
        }
    }
}

impl<K: FnMut(&Finding) -> bool, S: Stage> Stage for Filter<K, S> {
    fn file(&mut self, mut record: InputRecord, findings: Vec<Finding>) -> io::Result<()> {
        let before = findings.len();
        let kept: Vec<Finding> = findings.into_iter().filter(|f| (self.keep)(f)).collect();
        self.left_out += before - kept.len();
        record.findings = kept.len();
        self.inner.file(record, kept)
    }

    fn finish(&mut self, summary: &mut Summary) -> io::Result<()> {
        *(self.count)(summary) += self.left_out;
        self.inner.finish(summary)
    }
}

/// The stage applying the policy flags ([`Policy`]).
pub fn policy_filter<S: Stage>(policy: &Policy, inner: S) -> impl Stage {
    Filter::new(
        |f: &Finding| policy.reports(f),
        |s| &mut s.findings_filtered,
        inner,
    )
}

/// The stage leaving out what an earlier report (`--baseline`) already had.
pub fn baseline_filter<S: Stage>(baseline: Option<&Baseline>, inner: S) -> impl Stage {
    Filter::new(
        move |f: &Finding| baseline.is_none_or(|b| !b.contains(f)),
        |s| &mut s.findings_baselined,
        inner,
    )
}

/// Counts what is reported: files, errors, findings by severity.
pub struct Tally<S> {
    totals: Summary,
    inner: S,
}

impl<S: Stage> Tally<S> {
    /// Count what reaches `inner`.
    pub fn new(inner: S) -> Self {
        Tally {
            totals: Summary::default(),
            inner,
        }
    }
}

impl<S: Stage> Stage for Tally<S> {
    fn file(&mut self, record: InputRecord, findings: Vec<Finding>) -> io::Result<()> {
        self.totals.add(&record, &findings);
        self.inner.file(record, findings)
    }

    fn finish(&mut self, summary: &mut Summary) -> io::Result<()> {
        summary.merge(&self.totals);
        self.inner.finish(summary)
    }
}

/// Keeps the progress line on standard error out of the report's way: it
/// is cleared before each input is written, and stopped when the scan ends.
pub struct ClearProgress<S> {
    line: Option<progress::Reporter>,
    inner: S,
}

impl<S: Stage> ClearProgress<S> {
    /// Clear `line` (when shown) before `inner` writes.
    pub fn new(line: Option<progress::Reporter>, inner: S) -> Self {
        ClearProgress { line, inner }
    }
}

impl<S: Stage> Stage for ClearProgress<S> {
    fn file(&mut self, record: InputRecord, findings: Vec<Finding>) -> io::Result<()> {
        if let Some(line) = &self.line {
            line.clear_line();
        }
        self.inner.file(record, findings)
    }

    fn finish(&mut self, summary: &mut Summary) -> io::Result<()> {
        self.line = None;
        self.inner.finish(summary)
    }
}

/// Says each input error on standard error, one line each, so a CI log
/// explains a failed run even when the report went to a file.
pub struct ErrorLines<S> {
    /// Print nothing (`-q`).
    pub quiet: bool,
    /// The next stage.
    pub inner: S,
}

impl<S: Stage> Stage for ErrorLines<S> {
    fn file(&mut self, record: InputRecord, findings: Vec<Finding>) -> io::Result<()> {
        if let Some(error) = record.error.as_deref().filter(|_| !self.quiet) {
            eprintln!(
                "keysweep: {}: {}",
                crate::report::text::sanitize(&record.path),
                crate::report::text::sanitize(error)
            );
        }
        self.inner.file(record, findings)
    }

    fn finish(&mut self, summary: &mut Summary) -> io::Result<()> {
        self.inner.finish(summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ContainerKind, Severity};

    /// Records what reaches the end of the chain.
    #[derive(Default)]
    struct Collect {
        files: Vec<(String, usize)>,
        summary: Option<Summary>,
    }

    impl Stage for &mut Collect {
        fn file(&mut self, record: InputRecord, findings: Vec<Finding>) -> io::Result<()> {
            assert_eq!(record.findings, findings.len());
            self.files.push((record.path, findings.len()));
            Ok(())
        }

        fn finish(&mut self, summary: &mut Summary) -> io::Result<()> {
            self.summary = Some(summary.clone());
            Ok(())
        }
    }

    fn record(path: &str, findings: usize) -> InputRecord {
        let mut r = InputRecord::not_scanned(path.to_string(), None, None);
        r.container = Some(ContainerKind::Raw);
        r.findings = findings;
        r
    }

    fn finding(severity: Severity, rule: &str) -> Finding {
        serde_json::from_value(serde_json::json!({
            "rule_id": rule, "kind": "secret", "severity": severity, "path": "p",
            "offset": 0, "length": 1, "encoding": "ascii", "container": "raw",
            "region": {"kind": "unknown", "file_offset": 0}, "preview": "x"
        }))
        .unwrap()
    }

    #[test]
    fn outcomes_come_out_in_input_order_filtered_and_counted() {
        let policy = Policy {
            min_severity: Some(Severity::High),
            ..Policy::default()
        };
        let mut out = Collect::default();
        {
            let mut chain = InputOrder::new(policy_filter(&policy, Tally::new(&mut out)));
            let two = vec![
                finding(Severity::Low, "a"),
                finding(Severity::Critical, "b"),
            ];
            chain.put(2, vec![(record("c", 2), two)]).unwrap();
            chain.put(1, vec![(record("b", 0), Vec::new())]).unwrap();
            chain
                .put(
                    0,
                    vec![(record("a", 1), vec![finding(Severity::High, "c")])],
                )
                .unwrap();
            let mut summary = Summary::default();
            chain.finish(&mut summary).unwrap();
        }
        let names: Vec<(&str, usize)> = out.files.iter().map(|(p, n)| (p.as_str(), *n)).collect();
        assert_eq!(names, [("a", 1), ("b", 0), ("c", 1)]);
        let summary = out.summary.unwrap();
        assert_eq!(summary.files, 3);
        assert_eq!(summary.findings, 2);
        assert_eq!(summary.findings_filtered, 1);
        assert_eq!(summary.by_severity.critical, 1);
        assert_eq!(summary.by_severity.high, 1);
    }
}
