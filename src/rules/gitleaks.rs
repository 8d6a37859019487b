//! Gitleaks configurations as keysweep rules, so teams can bring the rules
//! they already maintain (`--rules gitleaks.toml`).
//!
//! Supported: `[[rules]]` with `id`, `description`, `regex`, `secretGroup`,
//! `entropy`, `keywords`; per-rule `[rules.allowlist]` or
//! `[[rules.allowlists]]` and the global `[allowlist]` with `regexes`
//! (`regexTarget` `secret` or `match`) and `stopwords`. Each rule becomes a
//! pattern rule with id `gitleaks:<id>`, kind `secret`, severity `high`,
//! searched in ASCII and UTF-16LE. Gitleaks matches keywords in any case;
//! these rules search each keyword in its usual case forms (lowercase,
//! UPPERCASE, Capitalized, Title_Words, camelCase), because the prefilter is
//! one exact-literal SIMD pass.
//!
//! Not supported, and said so in the conversion error or left out: rules
//! without `regex` (path-only rules) or without `keywords` (keysweep's scan is
//! driven by literals; such a rule would have to run its regex over every
//! byte), `path` filters and allowlist `paths` and `commits` (a dump has no
//! repository paths), `regexTarget = "line"` (treated as `match`), and
//! `[extend]` (the default gitleaks rules are not bundled).

use crate::model::Severity;
use crate::rules::{Rule, RuleError};
use toml::{Table, Value};

/// Prefix of every rule id converted from gitleaks, keeping them apart from built-in ids.
pub const PREFIX: &str = "gitleaks:";

/// Whether a parsed TOML file is a gitleaks configuration: its rules have `regex`.
pub fn is_gitleaks(t: &Table) -> bool {
    t.get("rules")
        .and_then(Value::as_array)
        .is_some_and(|rules| {
            rules.iter().any(|r| r.get("regex").is_some())
                && !rules.iter().any(|r| r.get("pattern").is_some())
        })
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Allowlist regexes (for the secret or the match) and stopwords of one allowlist table.
fn allowlist(t: &Value) -> (Vec<String>, Vec<String>) {
    (strings(t.get("regexes")), strings(t.get("stopwords")))
}

/// Convert a gitleaks configuration into pattern rules.
pub fn convert(file: &str, t: Table) -> Result<Vec<Rule>, RuleError> {
    let err = |id: Option<&str>, message: String| RuleError {
        file: file.to_string(),
        rule_id: id.map(|i| format!("{PREFIX}{i}")),
        message,
    };
    if t.get("extend").is_some() {
        return Err(err(
            None,
            "gitleaks [extend] is not supported: keysweep does not bundle gitleaks' default rules; list the rules you want in the file".to_string(),
        ));
    }
    let (global_regexes, global_stopwords) = t.get("allowlist").map(allowlist).unwrap_or_default();
    let mut out = Vec::new();
    for r in t
        .get("rules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let id = r
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| err(None, "a rule has no `id`".to_string()))?;
        let Some(regex) = r.get("regex").and_then(Value::as_str) else {
            return Err(err(
                Some(id),
                "rules without `regex` (path-only rules) are not supported".to_string(),
            ));
        };
        let keywords = strings(r.get("keywords"));
        if keywords.is_empty() {
            return Err(err(
                Some(id),
                "rules without `keywords` are not supported: keysweep's scan is driven by literals; add the literal every match contains".to_string(),
            ));
        }
        let (mut allow_regexes, mut stopwords) = (global_regexes.clone(), global_stopwords.clone());
        if let Some(a) = r.get("allowlist") {
            let (re, sw) = allowlist(a);
            allow_regexes.extend(re);
            stopwords.extend(sw);
        }
        for a in r
            .get("allowlists")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (re, sw) = allowlist(a);
            allow_regexes.extend(re);
            stopwords.extend(sw);
        }
        let secret_group = match r.get("secretGroup") {
            None => None,
            Some(v) => Some(
                v.as_integer()
                    .and_then(|i| usize::try_from(i).ok())
                    .ok_or_else(|| {
                        err(Some(id), "`secretGroup` is not a group number".to_string())
                    })?,
            ),
        };
        let entropy = match r.get("entropy") {
            None => None,
            Some(v) => Some(
                v.as_float()
                    .or_else(|| v.as_integer().map(|i| i as f64))
                    .ok_or_else(|| err(Some(id), "`entropy` is not a number".to_string()))?,
            ),
        };
        out.push(Rule {
            id: format!("{PREFIX}{id}"),
            name: r
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or(id)
                .to_string(),
            kind: "secret".to_string(),
            severity: Severity::High,
            detector: "pattern".to_string(),
            description: format!("gitleaks rule `{id}` from {file}"),
            references: Vec::new(),
            examples: Vec::new(),
            negative_examples: Vec::new(),
            known_keys: Vec::new(),
            keywords: keywords.iter().map(|k| k.to_ascii_lowercase()).collect(),
            case_insensitive: true,
            pattern: Some(regex.to_string()),
            entropy,
            validate: None,
            encodings: Vec::new(),
            secret_group,
            allow_regexes,
            stopwords,
            identifier: false,
        });
    }
    Ok(out)
}
