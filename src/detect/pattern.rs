//! Pattern rules: tokens and credentials described as data (a regular
//! expression plus the literal keywords every match contains), from the
//! built-in `rules/` files, user rule files or gitleaks configurations.
//!
//! The keywords feed the engine's one prefilter like any detector's anchors
//! (ASCII and UTF-16LE); a hit runs the rules that own the keyword over a
//! window of text around it, and a match counts only if it contains the hit,
//! so each secret is found by the keyword inside it, whatever the chunking.

use super::{Candidate, Detection, Detector, Encoding, text_window};
use crate::finding::Severity;
use crate::keys::sha256_hex;
use base64::Engine as _;
use regex::bytes::Regex;
use serde::Serialize;

/// Characters of text read before and after a keyword.
const BEFORE: usize = 512;
const AFTER: usize = 8192;

/// Characters on each side of a keyword a rule is first tried on.
const NEAR: usize = 512;

/// What a JWT says about itself: the `token` object of a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenInfo {
    /// The signing algorithm from the header (`RS256`, `HS256`, `none`, ...).
    pub alg: String,
    /// The header's key id: which signing key made it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// The issuer claim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// The expiry claim, seconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// True when `exp` lies in the past at scan time.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub expired: bool,
}

/// A check a match must pass beyond its pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Validator {
    /// A JWS compact serialisation whose header decodes to JSON with `alg`.
    Jwt,
    /// Base64 (standard or URL-safe, padded or not) decoding to exactly N bytes.
    Base64Len(usize),
}

impl Validator {
    /// Parse a rule's `validate` value.
    pub fn parse(s: &str) -> Result<Validator, String> {
        match s.split_once(':') {
            None if s == "jwt" => Ok(Validator::Jwt),
            Some(("base64-len", n)) => n
                .parse()
                .map(Validator::Base64Len)
                .map_err(|_| format!("validate `{s}`: `{n}` is not a byte count")),
            _ => Err(format!(
                "unknown validator `{s}` (known: jwt, base64-len:N)"
            )),
        }
    }
}

/// Which capture is the secret.
#[derive(Debug, Clone)]
pub enum SecretGroup {
    /// The named capture `secret`.
    Named,
    /// A numbered capture (gitleaks `secretGroup`).
    Index(usize),
    /// The whole match.
    Whole,
    /// The first capture that matched something (gitleaks' default).
    FirstNonEmpty,
}

/// One compiled pattern rule.
#[derive(Debug, Clone)]
pub struct PatternRule {
    /// Stable rule id.
    pub id: &'static str,
    /// Finding kind.
    pub kind: &'static str,
    /// Severity of its findings (a JWT past its expiry is reported `low`).
    pub severity: Severity,
    /// Prefilter literals; every match contains one.
    pub keywords: Vec<String>,
    /// Whether keywords are searched in their usual case forms too ([`case_forms`]).
    pub case_insensitive: bool,
    /// The pattern, over text narrowed to one byte a character.
    pub regex: Regex,
    /// Which capture is the secret.
    pub secret: SecretGroup,
    /// Least Shannon entropy of the secret, bits a character.
    pub entropy: Option<f64>,
    /// Extra check on the secret.
    pub validate: Option<Validator>,
    /// Searched as ASCII text.
    pub ascii: bool,
    /// Searched as UTF-16LE text.
    pub utf16le: bool,
    /// Secrets matching one of these are not reported (gitleaks allowlists).
    pub allow_regexes: Vec<Regex>,
    /// Secrets containing one of these are not reported.
    pub stopwords: Vec<String>,
}

/// The detector running every pattern rule.
pub struct PatternDetector {
    rules: Vec<PatternRule>,
    anchors: Vec<&'static [u8]>,
    anchor_rules: Vec<Vec<usize>>,
    rule_ids: Vec<&'static str>,
}

impl PatternDetector {
    /// A detector for `rules`: keywords shared by several rules are searched once.
    pub fn new(rules: Vec<PatternRule>) -> PatternDetector {
        let mut anchors: Vec<&'static [u8]> = Vec::new();
        let mut anchor_rules: Vec<Vec<usize>> = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            for k in &r.keywords {
                let forms = if r.case_insensitive {
                    case_forms(k)
                } else {
                    vec![k.clone()]
                };
                for form in forms {
                    match anchors.iter().position(|a| *a == form.as_bytes()) {
                        Some(at) if !anchor_rules[at].contains(&i) => anchor_rules[at].push(i),
                        Some(_) => {}
                        None => {
                            // rules live for the whole run: their anchors are leaked once
                            anchors.push(Box::leak(form.into_bytes().into_boxed_slice()));
                            anchor_rules.push(vec![i]);
                        }
                    }
                }
            }
        }
        let rule_ids = rules.iter().map(|r| r.id).collect();
        PatternDetector {
            rules,
            anchors,
            anchor_rules,
            rule_ids,
        }
    }
}

/// The case forms a case-insensitive keyword is searched in: lowercase,
/// UPPERCASE, Capitalized, and each word capitalized (`Client_Secret`,
/// `clientSecret`) when it has `_` or `-` between words. The prefilter is a
/// single exact-literal pass (SIMD, gigabytes a second); a true any-case
/// search of every keyword runs at a fraction of that, so keywords match in
/// the forms configuration actually uses, and the pattern, usually `(?i)`,
/// decides the rest.
pub fn case_forms(keyword: &str) -> Vec<String> {
    let lower = keyword.to_ascii_lowercase();
    let capitalize = |w: &str| {
        let mut c = w.chars();
        c.next()
            .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
            .unwrap_or_default()
    };
    let mut forms = vec![
        lower.clone(),
        keyword.to_ascii_uppercase(),
        capitalize(&lower),
    ];
    let words: Vec<&str> = lower.split(['_', '-']).collect();
    if words.len() > 1 {
        let seps: Vec<char> = lower.chars().filter(|c| *c == '_' || *c == '-').collect();
        let mut titled = String::new();
        let mut camel = String::new();
        for (i, w) in words.iter().enumerate() {
            titled.push_str(&capitalize(w));
            camel.push_str(&if i == 0 { w.to_string() } else { capitalize(w) });
            if let Some(sep) = seps.get(i) {
                titled.push(*sep);
            }
        }
        forms.push(titled);
        forms.push(camel);
    }
    forms.dedup();
    let mut unique = Vec::new();
    for f in forms {
        if !unique.contains(&f) {
            unique.push(f);
        }
    }
    unique
}

impl Detector for PatternDetector {
    fn anchors(&self) -> &[&'static [u8]] {
        &self.anchors
    }

    fn is_text(&self) -> bool {
        true
    }

    fn window(&self) -> (usize, usize) {
        (BEFORE, AFTER)
    }

    fn rule_ids(&self) -> &[&'static str] {
        &self.rule_ids
    }

    fn confirm(&self, c: &Candidate<'_>, scratch: &mut Vec<u8>, out: &mut Vec<Detection>) {
        let Some(owners) = self.anchor_rules.get(c.anchor) else {
            return;
        };
        let w = text_window(c, BEFORE, AFTER, scratch);
        for &ri in owners {
            let Some(r) = self.rules.get(ri) else {
                continue;
            };
            let wanted = match c.encoding {
                Encoding::Utf16le => r.utf16le,
                _ => r.ascii,
            };
            if !wanted {
                continue;
            }
            // first a short stretch around the keyword: most candidates end
            // there; only a match that runs to its end needs the whole window
            let near_end = (w.anchor + NEAR).min(w.text.len());
            let near_start = w.anchor.saturating_sub(NEAR);
            let near = w.text.get(near_start..near_end).unwrap_or_default();
            let truncated = near_end < w.text.len();
            let worth_a_full_look = r.regex.find_iter(near).any(|m| {
                let covers_hit =
                    near_start + m.start() <= w.anchor && w.anchor < near_start + m.end();
                covers_hit || (truncated && m.end() == near.len())
            });
            if !worth_a_full_look {
                continue;
            }
            for caps in r.regex.captures_iter(w.text) {
                let Some(m) = caps.get(0) else { continue };
                if m.start() > w.anchor {
                    break;
                }
                if m.end() <= w.anchor {
                    continue;
                }
                let secret = match &r.secret {
                    SecretGroup::Named => caps.name("secret"),
                    SecretGroup::Index(i) => caps.get(*i),
                    SecretGroup::Whole => Some(m),
                    SecretGroup::FirstNonEmpty => caps
                        .iter()
                        .skip(1)
                        .flatten()
                        .find(|g| !g.is_empty())
                        .or(Some(m)),
                };
                let Some(secret) = secret.filter(|s| !s.is_empty()) else {
                    continue;
                };
                if let Some(d) = judge(r, secret.as_bytes()) {
                    out.push(Detection {
                        start: w.unit_offset(secret.start()),
                        len: w.unit_len(secret.len()),
                        encoding: c.encoding,
                        ..d
                    });
                }
            }
        }
    }
}

/// Shannon entropy of `s`, bits a character.
pub fn entropy(s: &[u8]) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    s.iter().for_each(|&b| counts[b as usize] += 1);
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Apply a rule's checks to a secret; the detection (placed later) if it passes.
fn judge(r: &PatternRule, secret: &[u8]) -> Option<Detection> {
    if r.entropy.is_some_and(|min| entropy(secret) < min) {
        return None;
    }
    let text = String::from_utf8_lossy(secret).into_owned();
    let lower = text.to_ascii_lowercase();
    if r.allow_regexes.iter().any(|a| a.is_match(secret))
        || r.stopwords
            .iter()
            .any(|s| lower.contains(&s.to_ascii_lowercase()))
    {
        return None;
    }
    let mut severity = r.severity;
    let mut token = None;
    match &r.validate {
        Some(Validator::Jwt) => {
            let t = jwt_info(&text)?;
            if t.expired {
                severity = Severity::Low;
            }
            token = Some(t);
        }
        Some(Validator::Base64Len(n)) if decode_base64(&text)?.len() != *n => return None,
        Some(Validator::Base64Len(_)) | None => {}
    }
    let preview = match &token {
        Some(t) => format!(
            "JWT alg {}{}{}{} ({} chars, signature redacted)",
            t.alg,
            t.kid
                .as_deref()
                .map(|k| format!(", kid {k}"))
                .unwrap_or_default(),
            t.iss
                .as_deref()
                .map(|i| format!(", iss {i}"))
                .unwrap_or_default(),
            if t.expired { ", expired" } else { "" },
            text.len()
        ),
        None => redact(&text, &r.keywords),
    };
    Some(Detection {
        start: 0,
        len: 0,
        encoding: Encoding::Ascii,
        rule_id: r.id,
        kind: r.kind,
        severity,
        key: None,
        fingerprint: Some(sha256_hex(secret)),
        preview,
        secret: text,
        components: Vec::new(),
        token,
    })
}

/// What a preview may show of a secret: the keyword it starts with (a
/// token's family, `ghp_`, `AKIA`, ...), then only its length. A secret that
/// does not start with a keyword (a password, an account key) shows nothing
/// of itself: even a few characters of a password are worth hiding.
pub fn redact(secret: &str, keywords: &[String]) -> String {
    let lower = secret.to_ascii_lowercase();
    let prefix = keywords
        .iter()
        .filter(|k| lower.starts_with(&k.to_ascii_lowercase()))
        .map(|k| k.len())
        .max()
        .and_then(|n| secret.get(..n))
        .unwrap_or("");
    format!("{prefix}…({} chars)", secret.chars().count())
}

fn decode_base64(s: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    [STANDARD, URL_SAFE, STANDARD_NO_PAD, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|e| e.decode(s).ok())
}

/// Header and claims of a JWS compact serialisation; `None` unless the
/// header is a JSON object with a string `alg`.
pub fn jwt_info(token: &str) -> Option<TokenInfo> {
    let mut parts = token.split('.');
    let (h, p, _sig) = (parts.next()?, parts.next()?, parts.next()?);
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header: serde_json::Value =
        serde_json::from_slice(&b64.decode(h.trim_end_matches('=')).ok()?).ok()?;
    let alg = header.get("alg")?.as_str()?.to_string();
    let claims: Option<serde_json::Value> = b64
        .decode(p.trim_end_matches('='))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let claim = |name: &str| claims.as_ref().and_then(|c| c.get(name).cloned());
    let exp = claim("exp").and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    Some(TokenInfo {
        alg,
        kid: header
            .get("kid")
            .and_then(|k| k.as_str())
            .map(str::to_string),
        iss: claim("iss").and_then(|v| v.as_str().map(str::to_string)),
        exp,
        expired: exp.is_some_and(|e| e < now),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_of_known_strings() {
        assert_eq!(entropy(b"aaaa"), 0.0);
        assert!((entropy(b"abcd") - 2.0).abs() < 1e-9);
        assert!(entropy(b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY") > 4.0);
    }

    #[test]
    fn jwt_header_and_claims() {
        // {"alg":"RS256","kid":"k1","typ":"JWT"} . {"iss":"https://idp.example","exp":4102444800}
        let t = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiSldUIn0.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlIiwiZXhwIjo0MTAyNDQ0ODAwfQ.c2lnbmF0dXJl";
        let info = jwt_info(t).unwrap();
        assert_eq!(info.alg, "RS256");
        assert_eq!(info.kid.as_deref(), Some("k1"));
        assert_eq!(info.iss.as_deref(), Some("https://idp.example"));
        assert_eq!(info.exp, Some(4102444800));
        assert!(!info.expired);
        assert!(jwt_info("eyJub3QiOiJqd3QifQ.e30.x").is_none(), "no alg");
        assert!(jwt_info("eyJhbGci.x").is_none());
    }

    #[test]
    fn case_forms_cover_configuration_styles() {
        assert_eq!(
            case_forms("client_secret"),
            [
                "client_secret",
                "CLIENT_SECRET",
                "Client_secret",
                "Client_Secret",
                "clientSecret"
            ]
        );
        assert_eq!(case_forms("password"), ["password", "PASSWORD", "Password"]);
    }

    #[test]
    fn previews_show_a_token_family_never_a_password() {
        let kw = |k: &[&str]| k.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            redact("ghp_abcdefgh", &kw(&["ghp_", "gho_"])),
            "ghp_…(12 chars)"
        );
        assert_eq!(redact("hunter2hunter2", &kw(&["password"])), "…(14 chars)");
    }

    #[test]
    fn validators_parse() {
        assert_eq!(Validator::parse("jwt"), Ok(Validator::Jwt));
        assert_eq!(
            Validator::parse("base64-len:64"),
            Ok(Validator::Base64Len(64))
        );
        assert!(
            Validator::parse("luhn")
                .unwrap_err()
                .contains("unknown validator")
        );
        assert!(Validator::parse("base64-len:x").is_err());
    }
}
