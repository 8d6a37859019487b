//! Baselines: an earlier JSON report whose findings are accepted, so that a
//! CI job fails only on new ones.
//!
//! A finding matches an entry with the same key: its fingerprint, or for a
//! key without one its kind, length and redacted preview. With
//! `--baseline-match path` (the default) the rule and the file must match
//! too, where paths match when one ends with the other, component by
//! component (`build/dumps/a.dmp`, `./build/dumps/a.dmp`,
//! `/ci/work/build/dumps/a.dmp` and, scanned from inside the folder,
//! `a.dmp`), so the same dumps scanned from another folder or spelled
//! another way still match. With `fingerprint`, the same key matches in any
//! file, under any rule (a PEM key baselined is known when found as DER).
//!
//! Entries may carry fields of their own (`comment`, `owner`, ...); one with
//! `"expires": "YYYY-MM-DD"` stops suppressing after that day, with a warning.

use crate::cli::BaselineMatch;
use crate::model::Finding;
use anyhow::Context;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// The accepted findings of a baseline report.
#[derive(Debug, Clone)]
pub struct Baseline {
    mode: BaselineMatch,
    /// (rule, key) -> the paths (as components) it is accepted in.
    by_rule_key: HashMap<(String, String), Vec<Vec<String>>>,
    /// Fingerprints accepted anywhere (fingerprint mode).
    fingerprints: HashSet<String>,
    /// Entries read, expired ones included.
    entries: usize,
    /// What the caller should tell the user (expired entries).
    pub warnings: Vec<String>,
}

fn key_of(rule_less_key: Option<&str>, kind: &str, length: u64, preview: &str) -> String {
    rule_less_key.map_or_else(|| format!("{kind}:{length}:{preview}"), str::to_string)
}

/// A path as components, without `.` and empty ones.
fn components(path: &str) -> Vec<String> {
    path.split(['/', '\\'])
        .filter(|c| !c.is_empty() && *c != ".")
        .map(str::to_string)
        .collect()
}

/// Whether one path ends with the other, component by component.
fn same_file(a: &[String], b: &[String]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    !short.is_empty() && long.ends_with(short)
}

/// Today as `YYYY-MM-DD` (UTC), for expiry dates.
fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400) as i64;
    // civil date from days since 1970-01-01 (Howard Hinnant's algorithm)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

impl Baseline {
    /// Read a keysweep JSON report (any version: fields it does not know
    /// are kept out of the way, not refused).
    pub fn load(path: &Path, mode: BaselineMatch) -> anyhow::Result<Baseline> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading baseline {}", path.display()))?;
        let report: Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a keysweep JSON report", path.display()))?;
        let findings = report
            .get("findings")
            .and_then(Value::as_array)
            .with_context(|| format!("{} has no `findings` list", path.display()))?;
        let mut baseline = Baseline {
            mode,
            by_rule_key: HashMap::new(),
            fingerprints: HashSet::new(),
            entries: 0,
            warnings: Vec::new(),
        };
        let today = today();
        for (i, f) in findings.iter().enumerate() {
            let text = |k: &str| f.get(k).and_then(Value::as_str);
            let (Some(rule), Some(kind), Some(preview)) =
                (text("rule_id"), text("kind"), text("preview"))
            else {
                anyhow::bail!(
                    "{}: finding {} lacks rule_id, kind or preview",
                    path.display(),
                    i + 1
                );
            };
            baseline.entries += 1;
            if let Some(expires) = text("expires")
                && expires < today.as_str()
            {
                baseline.warnings.push(format!(
                    "baseline {}: the entry for {rule} in {} expired on {expires} and no longer suppresses it",
                    path.display(),
                    text("path").unwrap_or("?")
                ));
                continue;
            }
            let length = f.get("length").and_then(Value::as_u64).unwrap_or(0);
            let fingerprint = text("fingerprint");
            if mode == BaselineMatch::Fingerprint
                && let Some(fp) = fingerprint
            {
                baseline.fingerprints.insert(fp.to_string());
                continue;
            }
            baseline
                .by_rule_key
                .entry((rule.to_string(), key_of(fingerprint, kind, length, preview)))
                .or_default()
                .push(components(text("path").unwrap_or_default()));
        }
        Ok(baseline)
    }

    /// Whether the baseline already has this finding.
    pub fn contains(&self, f: &Finding) -> bool {
        if self.mode == BaselineMatch::Fingerprint
            && f.fingerprint
                .as_ref()
                .is_some_and(|fp| self.fingerprints.contains(fp))
        {
            return true;
        }
        let key = key_of(f.fingerprint.as_deref(), &f.kind, f.length, &f.preview);
        let Some(paths) = self.by_rule_key.get(&(f.rule_id.clone(), key)) else {
            return false;
        };
        self.mode == BaselineMatch::Fingerprint || {
            let here = components(&f.path);
            paths.iter().any(|p| same_file(p, &here))
        }
    }

    /// Number of entries read.
    pub fn len(&self) -> usize {
        self.entries
    }

    /// Whether the baseline accepts nothing.
    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_whatever_their_spelling_or_folder() {
        let c = |p: &str| components(p);
        assert!(same_file(
            &c("build/dumps/a.dmp"),
            &c("./build/dumps/a.dmp")
        ));
        assert!(same_file(
            &c("build/dumps/a.dmp"),
            &c("/ci/work/build/dumps/a.dmp")
        ));
        assert!(same_file(&c("build/dumps/a.dmp"), &c("a.dmp")));
        assert!(same_file(&c("build//dumps/./a.dmp"), &c("dumps/a.dmp")));
        assert!(!same_file(&c("build/dumps/a.dmp"), &c("build/dumps/b.dmp")));
        assert!(!same_file(&c("x/a.dmp"), &c("y/a.dmp")));
        assert!(!same_file(&c("a.dmp"), &c("ba.dmp")));
    }

    #[test]
    fn today_is_a_civil_date() {
        let t = today();
        assert_eq!(t.len(), 10);
        assert!(
            t.as_str() > "2026-01-01" && t.as_str() < "2100-01-01",
            "{t}"
        );
    }
}
