//! Rules as data: every detector's findings are described by `[[rules]]`
//! tables in TOML files under `rules/`, embedded in the binary, each with
//! examples that must be found and negative examples that must not be. The
//! same loader reads user files for `keysweep rules check`.

pub mod gitleaks;

use crate::detect::pattern::PatternRule;
use crate::model::Severity;
use serde::Deserialize;
use std::fmt;
use std::path::Path;
use std::sync::OnceLock;

/// The rule files compiled into the binary: name and content. A test keeps
/// this table equal to the contents of `rules/`.
pub const BUILTIN: &[(&str, &str)] = &[
    ("keys.toml", include_str!("../../rules/keys.toml")),
    ("blobs.toml", include_str!("../../rules/blobs.toml")),
    ("jwk.toml", include_str!("../../rules/jwk.toml")),
    ("memory.toml", include_str!("../../rules/memory.toml")),
    ("tokens.toml", include_str!("../../rules/tokens.toml")),
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
    /// Pattern rules: what matches names a credential but is not itself
    /// secret (an AWS access key id): its preview shows it in full, so the
    /// credential can be found and rotated.
    #[serde(default)]
    pub identifier: bool,
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
            (None, None) if self.id.starts_with(gitleaks::PREFIX) => SecretGroup::FirstNonEmpty,
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
        let account = regex.capture_names().position(|n| n == Some("account"));
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
            identifier: self.identifier,
            account,
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
    if gitleaks::is_gitleaks(&value) {
        return gitleaks::convert(file, value);
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
    if !hex.len().is_multiple_of(2) {
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

/// Every rule one run knows, parsed once: the built-in rules, then the
/// pattern rules of user rule files and gitleaks configurations. User rules
/// are compiled when they are added, so a bad one fails before any scan;
/// the built-in ones when an engine first runs the tokens family, so a scan
/// without it pays nothing for them. The engine runs the compiled patterns;
/// reports and `--disable-rule` read the descriptions.
#[derive(Debug, Clone)]
pub struct RuleSet {
    /// Every rule's description: the built-in ones first, in file order.
    rules: Vec<Rule>,
    /// How many of `rules` are built in.
    builtin: usize,
    /// The built-in pattern rules, compiled on first use.
    builtin_patterns: OnceLock<Result<Vec<PatternRule>, RuleError>>,
    /// The user pattern rules, compiled.
    user_patterns: Vec<PatternRule>,
}

impl RuleSet {
    /// The built-in rules alone.
    pub fn builtin() -> Result<RuleSet, RuleError> {
        let rules = builtin()?;
        Ok(RuleSet {
            builtin: rules.len(),
            rules,
            builtin_patterns: OnceLock::new(),
            user_patterns: Vec::new(),
        })
    }

    /// The built-in rules plus every rule file at `paths` (files, or
    /// directories of `*.toml` files). User files hold pattern rules only,
    /// and ids are unique; errors name the file and the rule.
    pub fn with_user_files(paths: &[std::path::PathBuf]) -> Result<RuleSet, RuleError> {
        let mut set = RuleSet::builtin()?;
        for path in paths {
            for (file, rules) in load_path(path)? {
                for rule in rules {
                    let err = |message: String| RuleError {
                        file: file.clone(),
                        rule_id: Some(rule.id.clone()),
                        message,
                    };
                    if !rule.is_pattern() {
                        return Err(err(
                            "--rules files hold pattern rules (with `pattern` and `keywords`)"
                                .to_string(),
                        ));
                    }
                    if set.contains(&rule.id) {
                        return Err(err(
                            "the id is already used (ids must be unique)".to_string()
                        ));
                    }
                    let compiled = rule.compile().map_err(err)?;
                    set.push(rule, compiled);
                }
            }
        }
        Ok(set)
    }

    /// Add the pattern rules among `rules` that compile and whose ids are
    /// new, leaving out the rest: what `keysweep rules check` scans the
    /// checked files' examples with (it reports the rest itself).
    pub fn add_compiling(&mut self, rules: &[Rule]) {
        for rule in rules.iter().filter(|r| r.is_pattern()) {
            if !self.contains(&rule.id)
                && let Ok(compiled) = rule.compile()
            {
                self.push(rule.clone(), compiled);
            }
        }
    }

    fn push(&mut self, rule: Rule, compiled: PatternRule) {
        self.rules.push(rule);
        self.user_patterns.push(compiled);
    }

    /// Whether a rule has this id.
    pub fn contains(&self, id: &str) -> bool {
        self.rules.iter().any(|r| r.id == id)
    }

    /// Every rule's description, the built-in ones first.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The built-in rules' descriptions.
    pub fn builtin_rules(&self) -> &[Rule] {
        self.rules.get(..self.builtin).unwrap_or_default()
    }

    /// The compiled pattern rules, built-in then user (the built-in ones are
    /// compiled on the first call).
    pub fn patterns(&self) -> Result<Vec<PatternRule>, RuleError> {
        let builtin = self.builtin_patterns.get_or_init(|| {
            self.builtin_rules()
                .iter()
                .filter(|r| r.is_pattern())
                .map(|rule| {
                    rule.compile().map_err(|message| RuleError {
                        file: "rules".to_string(),
                        rule_id: Some(rule.id.clone()),
                        message,
                    })
                })
                .collect()
        });
        let mut all = builtin.clone()?;
        all.extend(self.user_patterns.iter().cloned());
        Ok(all)
    }
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
}
