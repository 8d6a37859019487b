//! The subcommands besides `scan`: `rules list`, `rules anchors` and
//! `rules check`, which build engines to run rule examples through, and
//! `baseline`, a scan written as the baseline of later ones.

use crate::cli::{Format, ScanArgs};
use crate::config::Config;
use crate::container::MemoryMap;
use crate::engine::{Engine, EngineConfig};
use crate::exit::ExitStatus;
use crate::known_keys::KnownKeys;
use crate::model::{ContainerKind, Severity};
use crate::rules::{Rule, RuleError, RuleSet, builtin, check_warnings, example_bytes, load_path};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

/// `keysweep rules list`: the built-in rules as an aligned table.
pub fn rules_list(out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let rules = builtin()?;
    let width = rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
    for r in &rules {
        writeln!(
            out,
            "{:<width$}  {:<8}  {:<22}  {}",
            r.id,
            r.severity.as_str(),
            r.kind,
            r.name
        )?;
    }
    Ok(ExitStatus::Clean)
}

/// `keysweep rules anchors`: the prefilter's literals as regular expressions
/// (`(?-u:\xNN)` for bytes outside printable ASCII), so a literal-search tool
/// can be timed doing exactly the first pass keysweep does.
pub fn rules_anchors(out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let engine = Engine::new(&EngineConfig::builtin()?)?;
    for literal in engine.searched_literals() {
        let mut line = String::from("(?-u:");
        for b in literal {
            if b.is_ascii_alphanumeric() || b == b' ' || b == b'_' || b == b'-' {
                line.push(char::from(b));
            } else {
                line.push_str(&format!("\\x{b:02x}"));
            }
        }
        line.push(')');
        writeln!(out, "{line}")?;
    }
    Ok(ExitStatus::Clean)
}

/// `keysweep rules check PATH`: every problem on its own line, naming file and rule.
pub fn rules_check(path: &Path, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let files = match load_path(path) {
        Ok(f) => f,
        Err(e) => {
            writeln!(out, "error: {e}")?;
            return Ok(ExitStatus::Error);
        }
    };
    // the checked files' own pattern rules run next to the built-in ones
    // (files that are the built-in rules are not added twice; a rule that
    // does not compile is left out here and reported below)
    let mut rules = RuleSet::builtin()?;
    for (_, file_rules) in &files {
        rules.add_compiling(file_rules);
    }
    let engine = Engine::new(&EngineConfig::new(Arc::new(rules)))?;
    let mut problems = 0;
    let mut warnings = 0;
    let mut count = 0;
    for (file, rules) in &files {
        count += rules.len();
        for e in check(file, rules, &engine) {
            writeln!(out, "error: {e}")?;
            problems += 1;
        }
        for w in check_warnings(file, rules) {
            writeln!(out, "warning: {w}")?;
            warnings += 1;
        }
    }
    writeln!(
        out,
        "{count} rule(s) in {} file(s): {problems} problem(s), {warnings} warning(s)",
        files.len()
    )?;
    Ok(if problems == 0 {
        ExitStatus::Clean
    } else {
        ExitStatus::Error
    })
}

/// `keysweep baseline -o FILE PATHS...`: scan and write the JSON report that
/// later `scan --baseline FILE` runs compare against. With `--baseline OLD`,
/// the new baseline keeps OLD's entries (with their own fields: comments,
/// owners, expiry dates) and adds what is new. Exits 0 whatever was found,
/// 2 when an input could not be scanned.
pub fn baseline(mut args: ScanArgs) -> anyhow::Result<ExitStatus> {
    let Some(output) = args.output.clone() else {
        anyhow::bail!("keysweep baseline needs -o FILE, where the baseline is written");
    };
    if args.show_secrets {
        anyhow::bail!(
            "keysweep baseline does not take --show-secrets: a baseline is meant to be committed, and identifies findings by fingerprint without them"
        );
    }
    // the old baseline is merged in afterwards, not used to leave findings out
    let old = args.baseline.take();
    let old_entries = match &old {
        Some(path) => Some(old_findings(path)?),
        None => None,
    };
    let mut config = Config::from_args(args)?;
    config.format = Format::Json;
    config.fail_on = Severity::Critical;
    let status = super::run(&config)?;
    if let Some(old_entries) = old_entries {
        merge_into(&output, old_entries)?;
    }
    Ok(match status {
        ExitStatus::Error => ExitStatus::Error,
        _ => ExitStatus::Clean,
    })
}

/// The findings of an earlier baseline, as they were written.
fn old_findings(path: &Path) -> anyhow::Result<Vec<serde_json::Value>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("reading baseline {}: {e}", path.display()))?;
    let report: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{} is not a keysweep JSON report: {e}", path.display()))?;
    Ok(report
        .get("findings")
        .and_then(|f| f.as_array())
        .cloned()
        .unwrap_or_default())
}

/// Merge the old entries into the baseline just written at `output` (an
/// entry is the same when its rule, fingerprint, preview and path are),
/// then replace the file whole.
fn merge_into(output: &Path, old: Vec<serde_json::Value>) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(output)?;
    let mut report: serde_json::Value = serde_json::from_str(&text)?;
    let identity = |f: &serde_json::Value| {
        let s = |k: &str| {
            f.get(k)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        (s("rule_id"), s("fingerprint"), s("preview"), s("path"))
    };
    let Some(findings) = report.get_mut("findings").and_then(|f| f.as_array_mut()) else {
        anyhow::bail!("{} has no findings list", output.display());
    };
    // an entry found again keeps its old form (its comment, owner, expiry);
    // entries not found again stay as they were
    let mut old: std::collections::BTreeMap<_, _> =
        old.into_iter().map(|f| (identity(&f), f)).collect();
    for f in findings.iter_mut() {
        if let Some(kept) = old.remove(&identity(f)) {
            *f = kept;
        }
    }
    findings.extend(old.into_values());
    let dir = output
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    serde_json::to_writer_pretty(&mut temp, &report)?;
    temp.as_file_mut().write_all(b"\n")?;
    std::fs::set_permissions(
        temp.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o644),
    )?;
    temp.persist(output)?;
    Ok(())
}

/// Check rules: ids unique, each known to a detector of `engine`, each with at
/// least one example, every example found with its rule id by the full engine
/// (prefilter included) and no negative example found with it.
pub fn check(file: &str, rules: &[Rule], engine: &Engine) -> Vec<RuleError> {
    let known: BTreeSet<&str> = engine.rule_ids().into_iter().collect();
    let mut seen = BTreeSet::new();
    let mut errors = Vec::new();
    let mut err = |rule: &Rule, message: String| {
        errors.push(RuleError {
            file: file.to_string(),
            rule_id: Some(rule.id.clone()),
            message,
        })
    };
    for rule in rules {
        // rules of the known-key search are checked with their keys known
        let with_keys;
        let engine = if rule.known_keys.is_empty() {
            engine
        } else {
            let mut known = KnownKeys::default();
            for (i, text) in rule.known_keys.iter().enumerate() {
                match known
                    .add_document(text.as_bytes(), Path::new(&format!("known key {}", i + 1)))
                {
                    Ok(0) => err(rule, format!("known key {} holds no public key", i + 1)),
                    Ok(_) => {}
                    Err(e) => err(rule, format!("known key {}: {e}", i + 1)),
                }
            }
            let built = EngineConfig::builtin()
                .map_err(anyhow::Error::from)
                .and_then(|config| {
                    Engine::new(&EngineConfig {
                        known_keys: known.targets().to_vec(),
                        ..config
                    })
                });
            match built {
                Ok(e) => {
                    with_keys = e;
                    &with_keys
                }
                Err(e) => {
                    err(rule, format!("cannot build the engine: {e}"));
                    continue;
                }
            }
        };
        if !seen.insert(rule.id.as_str()) {
            err(rule, "duplicate id".to_string());
        }
        if rule.is_pattern() {
            if let Err(e) = rule.compile() {
                err(rule, e);
                continue;
            }
        } else if !known.contains(rule.id.as_str()) {
            err(
                rule,
                format!("no detector reports this id (detector `{}`)", rule.detector),
            );
        }
        if rule.examples.is_empty() && !rule.id.starts_with(crate::rules::gitleaks::PREFIX) {
            err(rule, "has no examples".to_string());
        }
        for (i, example) in rule.examples.iter().enumerate() {
            match example_bytes(example) {
                Ok(bytes) if !finds(engine, &bytes, &rule.id) => {
                    err(rule, format!("example {} is not found", i + 1))
                }
                Ok(_) => {}
                Err(e) => err(rule, format!("example {}: {e}", i + 1)),
            }
        }
        for (i, example) in rule.negative_examples.iter().enumerate() {
            match example_bytes(example) {
                Ok(bytes) if finds(engine, &bytes, &rule.id) => {
                    err(rule, format!("negative example {} is found", i + 1))
                }
                Ok(_) => {}
                Err(e) => err(rule, format!("negative example {}: {e}", i + 1)),
            }
        }
    }
    errors
}

/// Whether scanning `bytes` (as a raw file, and as UTF-16LE for text) yields a finding of `id`.
fn finds(engine: &Engine, bytes: &[u8], id: &str) -> bool {
    let scan = |b: &[u8]| {
        let map = MemoryMap::raw(b.len() as u64, ContainerKind::Raw, Vec::new());
        engine
            .scan_mapped(b, &map)
            .0
            .iter()
            .any(|l| l.detection.rule_id == id)
    };
    scan(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::parse;

    /// Every built-in rule's examples run through the full engine, and every
    /// rule id a detector can emit has a rule.
    #[test]
    fn builtin_rules_check_clean_and_cover_every_detector_id() {
        let engine = Engine::new(&EngineConfig::builtin().unwrap()).unwrap();
        let rules = builtin().unwrap();
        let errors = check("rules", &rules, &engine);
        assert!(
            errors.is_empty(),
            "{}",
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        );
        // warnings count as errors for the built-in rules
        let warnings = check_warnings("rules", &rules);
        assert!(warnings.is_empty(), "{warnings:?}");
        let ids: BTreeSet<&str> = rules.iter().map(|r| r.id.as_str()).collect();
        let emitted: BTreeSet<&str> = engine.rule_ids().into_iter().collect();
        assert_eq!(ids, emitted);
    }

    #[test]
    fn broken_rules_are_reported_with_file_and_id() {
        let engine = Engine::new(&EngineConfig::builtin().unwrap()).unwrap();
        let text = r#"
[[rules]]
id = "pem-rsa-private-key"
name = "x"
kind = "rsa-private-key"
severity = "critical"
detector = "pem"
examples = ["not a key"]
negative_examples = ["hex:zz"]

[[rules]]
id = "no-such-rule"
name = "y"
kind = "x"
severity = "low"
detector = "pem"
"#;
        let rules = parse("user.toml", text).unwrap();
        let errors: Vec<String> = check("user.toml", &rules, &engine)
            .iter()
            .map(|e| e.to_string())
            .collect();
        assert!(
            errors.contains(
                &"user.toml: rule pem-rsa-private-key: example 1 is not found".to_string()
            ),
            "{errors:?}"
        );
        assert!(
            errors
                .iter()
                .any(|e| e.contains("negative example 1: hex example has a non-hex digit"))
        );
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with("user.toml: rule no-such-rule: no detector"))
        );
        assert!(
            errors
                .iter()
                .any(|e| e.contains("no-such-rule: has no examples"))
        );
        let bad = parse("bad.toml", "[[rules]]\nid = 3").unwrap_err();
        assert!(bad.to_string().starts_with("bad.toml: "));
    }
}
