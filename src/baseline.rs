//! Baselines: an earlier JSON report whose findings are accepted, so that a
//! CI job fails only on new ones. A finding matches a baseline entry with the
//! same rule and the same key (its fingerprint; for a key without one, its
//! kind, length and redacted preview), and, unless matching by fingerprint
//! alone, the same path.

use crate::cli::BaselineMatch;
use crate::model::Finding;
use crate::report::json::JsonReport;
use anyhow::Context;
use std::collections::HashSet;
use std::path::Path;

/// The accepted findings of a baseline report.
#[derive(Debug, Clone)]
pub struct Baseline {
    mode: BaselineMatch,
    entries: HashSet<(String, String, Option<String>)>,
}

fn key_of(f: &Finding) -> String {
    f.fingerprint
        .clone()
        .unwrap_or_else(|| format!("{}:{}:{}", f.kind, f.length, f.preview))
}

impl Baseline {
    /// Read a keysweep JSON report.
    pub fn load(path: &Path, mode: BaselineMatch) -> anyhow::Result<Baseline> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading baseline {}", path.display()))?;
        let report: JsonReport = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a keysweep JSON report", path.display()))?;
        let mut baseline = Baseline {
            mode,
            entries: HashSet::new(),
        };
        for f in &report.findings {
            baseline.entries.insert(baseline.entry(f));
        }
        Ok(baseline)
    }

    fn entry(&self, f: &Finding) -> (String, String, Option<String>) {
        let path = (self.mode == BaselineMatch::Path).then(|| f.path.clone());
        (f.rule_id.clone(), key_of(f), path)
    }

    /// Whether the baseline already has this finding.
    pub fn contains(&self, f: &Finding) -> bool {
        self.entries.contains(&self.entry(f))
    }

    /// Number of accepted findings.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the baseline accepts nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
