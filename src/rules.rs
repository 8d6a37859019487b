//! Rules as data: every detector's findings are described by `[[rules]]`
//! tables in TOML files under `rules/`, embedded in the binary, each with
//! examples that must be found and negative examples that must not be. The
//! same loader reads user files for `keysweep rules check`.

use crate::container::MemoryMap;
use crate::engine::Engine;
use crate::model::ContainerKind;
use crate::model::Severity;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

/// The rule files compiled into the binary: name and content. A test keeps
/// this table equal to the contents of `rules/`.
pub const BUILTIN: &[(&str, &str)] = &[
    ("keys.toml", include_str!("../rules/keys.toml")),
    ("blobs.toml", include_str!("../rules/blobs.toml")),
    ("jwk.toml", include_str!("../rules/jwk.toml")),
    ("memory.toml", include_str!("../rules/memory.toml")),
    ("tokens.toml", include_str!("../rules/tokens.toml")),
];

/// One rule: what a detector reports under `id`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Stable across releases: reports, baselines and `--disable-rule` use it.
    pub id: String,
    /// A short human name.
    pub name: String,
    /// The finding kind this rule reports (for key rules, the usual one).
    pub kind: String,
    /// The highest severity this rule reports.
    pub severity: Severity,
    /// The built-in detector that produces it (`pem`, `der`, ...); `pattern`
    /// (the default when `pattern` is given) for rules that carry their own.
    #[serde(default)]
    pub detector: String,
    #[serde(default)]
    /// What the rule finds and how it is checked.
    pub description: String,
    #[serde(default)]
    /// Specifications and sources.
    pub references: Vec<String>,
    /// Inputs that must produce a finding with this id; `hex:` prefixes binary.
    #[serde(default)]
    pub examples: Vec<String>,
    /// Inputs that must not.
    #[serde(default)]
    pub negative_examples: Vec<String>,
    /// Public keys (PEM or JWK text) the examples are scanned with, for rules
    /// of the known-key search (`--known-keys`).
    #[serde(default)]
    pub known_keys: Vec<String>,
    /// Pattern rules: literals every match contains, for the prefilter.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Pattern rules: keywords match in any ASCII case.
    #[serde(default)]
    pub case_insensitive: bool,
    /// Pattern rules: a `regex::bytes` expression; the secret is the capture
    /// named `secret`, or the whole match.
    #[serde(default)]
    pub pattern: Option<String>,
    /// Pattern rules: least Shannon entropy of the secret, bits a character.
    #[serde(default)]
    pub entropy: Option<f64>,
    /// Pattern rules: a built-in validator (`jwt`, `base64-len:N`).
    #[serde(default)]
    pub validate: Option<String>,
    /// Pattern rules: `ascii`, `utf16le` (default: both).
    #[serde(default)]
    pub encodings: Vec<String>,
    /// Gitleaks rules: the capture group holding the secret.
    #[serde(skip)]
    pub secret_group: Option<usize>,
    /// Gitleaks allowlists: secrets (or matches) matching these are not reported.
    #[serde(skip)]
    pub allow_regexes: Vec<String>,
    /// Pattern rules: secrets containing one of these (any case) are not
    /// reported (documentation placeholders; gitleaks stopwords).
    #[serde(default)]
    pub stopwords: Vec<String>,
}

impl Rule {
    /// Whether the rule carries its own pattern (as opposed to describing a built-in detector).
    pub fn is_pattern(&self) -> bool {
        self.pattern.is_some()
    }

    /// Compile a pattern rule for the engine; errors say what is wrong.
    pub fn compile(&self) -> Result<crate::detect::pattern::PatternRule, String> {
        use crate::detect::pattern::{PatternRule, SecretGroup, Validator};
        let pattern = self.pattern.as_deref().ok_or("no `pattern`")?;
        if !self.detector.is_empty() && self.detector != "pattern" {
            return Err(format!(
                "a rule with a `pattern` has detector `pattern`, not `{}`",
                self.detector
            ));
        }
        if self.keywords.is_empty() || self.keywords.iter().any(|k| k.len() < 2) {
            return Err(
                "`keywords` must list the literals (2 characters or more) every match contains"
                    .to_string(),
            );
        }
        let regex = regex::bytes::RegexBuilder::new(pattern)
            .size_limit(1 << 22)
            .build()
            .map_err(|e| format!("pattern does not compile: {e}"))?;
        // the named capture `secret` is resolved to its number here, once:
        // looking a name up per match hashes it with a per-process seed
        let named = regex.capture_names().position(|n| n == Some("secret"));
        let secret = match (self.secret_group, named) {
            (Some(0), _) => SecretGroup::Whole,
            (Some(i), _) if i < regex.captures_len() => SecretGroup::Index(i),
            (Some(i), _) => {
                return Err(format!("secretGroup {i}: the pattern has no such group"));
            }
            (None, Some(i)) => SecretGroup::Index(i),
            (None, None) if self.id.starts_with(crate::gitleaks::PREFIX) => {
                SecretGroup::FirstNonEmpty
            }
            (None, None) => SecretGroup::Whole,
        };
        let validate = self.validate.as_deref().map(Validator::parse).transpose()?;
        let (mut ascii, mut utf16le) = (self.encodings.is_empty(), self.encodings.is_empty());
        for e in &self.encodings {
            match e.as_str() {
                "ascii" => ascii = true,
                "utf16le" => utf16le = true,
                other => return Err(format!("unknown encoding `{other}` (ascii, utf16le)")),
            }
        }
        let allow_regexes = self
            .allow_regexes
            .iter()
            .map(|r| regex::bytes::Regex::new(r).map_err(|e| format!("allowlist regex: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        let leak = |s: &str| -> &'static str { Box::leak(s.to_string().into_boxed_str()) };
        Ok(PatternRule {
            id: leak(&self.id),
            kind: leak(&self.kind),
            severity: self.severity,
            keywords: self.keywords.clone(),
            case_insensitive: self.case_insensitive,
            regex,
            secret,
            entropy: self.entropy,
            validate,
            ascii,
            utf16le,
            allow_regexes,
            stopwords: self.stopwords.clone(),
        })
    }

    /// Keywords that none of the examples contains (in the keyword's case
    /// rule): a sign the keyword or the examples are wrong.
    pub fn keywords_missing_from_examples(&self) -> Vec<&str> {
        let examples: Vec<Vec<u8>> = self
            .examples
            .iter()
            .filter_map(|e| example_bytes(e).ok())
            .collect();
        self.keywords
            .iter()
            .filter(|k| {
                !examples.iter().any(|e| {
                    if self.case_insensitive {
                        e.to_ascii_lowercase()
                            .windows(k.len())
                            .any(|w| w == k.to_ascii_lowercase().as_bytes())
                    } else {
                        e.windows(k.len()).any(|w| w == k.as_bytes())
                    }
                })
            })
            .map(String::as_str)
            .collect()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    rules: Vec<Rule>,
}

/// What is wrong with a rule, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    /// The rule file.
    pub file: String,
    /// The rule, when the problem is in one.
    pub rule_id: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.rule_id {
            Some(id) => write!(f, "{}: rule {id}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for RuleError {}

/// Parse one rule file's text: keysweep's own format, or a gitleaks
/// configuration (recognised by rules that have a `regex`).
pub fn parse(file: &str, text: &str) -> Result<Vec<Rule>, RuleError> {
    let err = |message: String| RuleError {
        file: file.to_string(),
        rule_id: None,
        message,
    };
    let value: toml::Table = toml::from_str(text).map_err(|e| err(e.to_string()))?;
    if crate::gitleaks::is_gitleaks(&value) {
        return crate::gitleaks::convert(file, value);
    }
    toml::from_str::<RuleFile>(text)
        .map(|f| f.rules)
        .map_err(|e| err(e.to_string()))
}

/// The built-in rules, in file order.
pub fn builtin() -> Result<Vec<Rule>, RuleError> {
    let mut all = Vec::new();
    for (name, text) in BUILTIN {
        all.extend(parse(&format!("rules/{name}"), text)?);
    }
    Ok(all)
}

/// Read a rule file, or every `*.toml` file of a directory (sorted).
pub fn load_path(path: &Path) -> Result<Vec<(String, Vec<Rule>)>, RuleError> {
    let io = |e: std::io::Error| RuleError {
        file: path.display().to_string(),
        rule_id: None,
        message: e.to_string(),
    };
    let mut files = Vec::new();
    if path.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .map_err(io)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        entries.sort();
        files.extend(entries);
    } else {
        files.push(path.to_path_buf());
    }
    files
        .into_iter()
        .map(|p| {
            let name = p.display().to_string();
            let text = std::fs::read_to_string(&p).map_err(|e| RuleError {
                file: name.clone(),
                rule_id: None,
                message: e.to_string(),
            })?;
            Ok((name.clone(), parse(&name, &text)?))
        })
        .collect()
}

/// An example's bytes: `hex:` strings decoded, others as UTF-8 text.
pub fn example_bytes(example: &str) -> Result<Vec<u8>, String> {
    let Some(hex) = example.strip_prefix("hex:") else {
        return Ok(example.as_bytes().to_vec());
    };
    let hex: Vec<u8> = hex.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if hex.len() % 2 != 0 {
        return Err("hex example has an odd number of digits".to_string());
    }
    hex.chunks(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|s| u8::from_str_radix(s, 16).ok())
                .ok_or_else(|| "hex example has a non-hex digit".to_string())
        })
        .collect()
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
            let mut known = crate::known::KnownKeys::default();
            for (i, text) in rule.known_keys.iter().enumerate() {
                if known.add_document(text.as_bytes(), Path::new(&format!("known key {}", i + 1)))
                    == 0
                {
                    err(rule, format!("known key {} holds no public key", i + 1));
                }
            }
            match Engine::for_families(&[], false) {
                Ok(e) => {
                    with_keys = e.with_known_keys(known.targets());
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
        if rule.examples.is_empty() && !rule.id.starts_with(crate::gitleaks::PREFIX) {
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

/// Warnings that do not stop a rule from working but suggest a mistake:
/// keywords that none of its examples contains.
pub fn check_warnings(file: &str, rules: &[Rule]) -> Vec<RuleError> {
    let mut out = Vec::new();
    for rule in rules
        .iter()
        .filter(|r| r.is_pattern() && !r.examples.is_empty())
    {
        for k in rule.keywords_missing_from_examples() {
            out.push(RuleError {
                file: file.to_string(),
                rule_id: Some(rule.id.clone()),
                message: format!("keyword `{k}` appears in none of the examples"),
            });
        }
    }
    out
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

    #[test]
    fn builtin_table_matches_the_rules_directory() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/rules");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".toml"))
            .collect();
        on_disk.sort();
        let mut table: Vec<String> = BUILTIN.iter().map(|(n, _)| n.to_string()).collect();
        table.sort();
        assert_eq!(on_disk, table);
    }

    /// Every built-in rule's examples run through the full engine, and every
    /// rule id a detector can emit has a rule.
    #[test]
    fn builtin_rules_check_clean_and_cover_every_detector_id() {
        let engine = Engine::for_families(&[], false).unwrap();
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
        let engine = Engine::for_families(&[], false).unwrap();
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
