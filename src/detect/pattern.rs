//! Pattern rules: tokens and credentials described as data (a regular
//! expression plus the literal keywords every match contains), from the
//! built-in `rules/` files, user rule files or gitleaks configurations.
//!
//! The keywords feed the engine's one prefilter like any detector's anchors
//! (ASCII and UTF-16LE); a hit runs the rules that own the keyword over a
//! window of text around it, and a match counts only if it contains the hit,
//! so each secret is found by the keyword inside it, whatever the chunking.

use super::{Candidate, Detection, Detector, Encoding, text_window};
use crate::keys::sha256_hex;
use crate::model::Severity;
use crate::model::TokenInfo;
use base64::Engine as _;
use regex::bytes::Regex;
use std::ops::Range;

/// Characters of text read before and after a keyword.
const BEFORE: usize = 512;
const AFTER: usize = 8192;

/// Characters before a keyword a rule is first tried on.
const NEAR: usize = 512;

/// Characters after a keyword a rule is first tried on: hits up to
/// `NEAR_AFTER - NEAR` characters further on are answered by the same search.
const NEAR_AFTER: usize = 2048;

/// Longest account name a preview shows.
const MAX_ACCOUNT: usize = 128;

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
    /// A numbered capture: gitleaks `secretGroup`, or the capture named
    /// `secret`.
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
    /// The match is an identifier, not a secret: previewed in full.
    pub identifier: bool,
    /// The capture naming the account the secret belongs to (`(?P<account>…)`),
    /// shown in the preview: a responder rotates by account, not by key bytes.
    pub account: Option<usize>,
}

/// The detector running every pattern rule.
pub struct PatternDetector {
    rules: Vec<PatternRule>,
    /// Every keyword form, once, with the rules it belongs to.
    keywords: Vec<(&'static [u8], Vec<usize>)>,
    /// What the prefilter searches: substrings shared by keywords ([`shared_anchors`]).
    anchors: Vec<&'static [u8]>,
    /// For each anchor, the keywords it stands for and where in each it sits.
    anchor_keywords: Vec<Vec<(usize, usize)>>,
    rule_ids: Vec<&'static str>,
}

impl PatternDetector {
    /// A detector for `rules`: keywords shared by several rules are searched
    /// once, and keywords sharing a substring are searched as that substring.
    pub fn new(rules: Vec<PatternRule>) -> PatternDetector {
        let mut keywords: Vec<(&'static [u8], Vec<usize>)> = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            for k in &r.keywords {
                let forms = if r.case_insensitive {
                    case_forms(k)
                } else {
                    vec![k.clone()]
                };
                for form in forms {
                    match keywords.iter_mut().find(|(kw, _)| *kw == form.as_bytes()) {
                        Some((_, owners)) if !owners.contains(&i) => owners.push(i),
                        Some(_) => {}
                        None => {
                            // rules live for the whole run: their keywords are leaked once
                            keywords
                                .push((Box::leak(form.into_bytes().into_boxed_slice()), vec![i]));
                        }
                    }
                }
            }
        }
        let forms: Vec<&[u8]> = keywords.iter().map(|(k, _)| *k).collect();
        let mut anchors = Vec::new();
        let mut anchor_keywords = Vec::new();
        for (anchor, members) in shared_anchors(&forms) {
            anchors.push(&*Box::leak(anchor.into_boxed_slice()));
            anchor_keywords.push(members);
        }
        let rule_ids = rules.iter().map(|r| r.id).collect();
        PatternDetector {
            rules,
            keywords,
            anchors,
            anchor_keywords,
            rule_ids,
        }
    }

    /// Where keyword `k` would start for an anchor hit at `c.pos` that sits
    /// `offset` characters into it, if the keyword really is there.
    fn keyword_at(&self, c: &Candidate<'_>, k: &[u8], offset: usize) -> Option<usize> {
        let stride = match c.encoding {
            Encoding::Utf16le => 2,
            _ => 1,
        };
        let start = c.pos.checked_sub(offset * stride)?;
        let text = c.unit.get(start..start + k.len() * stride)?;
        let here = if stride == 1 {
            text == k
        } else {
            text.chunks_exact(2).zip(k).all(|(unit, &b)| unit == [b, 0])
        };
        here.then_some(start)
    }
}

/// Shortest substring of a keyword the prefilter searches for it (a keyword
/// shorter than this is searched whole).
const MIN_SHARED_ANCHOR: usize = 4;

/// Longest substring considered as a shared anchor: the prefilter's filter
/// looks at 4 bytes at most, and longer anchors only cut verification work.
const MAX_SHARED_ANCHOR: usize = 12;

/// An anchor and the keywords it stands for: `(keyword index, offset of the
/// anchor in the keyword)`.
pub type SharedAnchor = (Vec<u8>, Vec<(usize, usize)>);

/// A small set of substrings covering `keywords`, each keyword assigned to one
/// anchor with its offset in the keyword: `(anchor, [(keyword, offset)])`.
///
/// The prefilter searches every pattern in one SIMD pass only while they are
/// few (its packed searcher takes 128 at most, each in ASCII and UTF-16LE),
/// and case forms multiply keywords: `client_secret`, `clientSecret` and
/// `ClientSecret` share `ecret`. Greedy set cover: the substring shared by
/// the most keywords still uncovered first, the longer one on a tie. A hit
/// is turned back into the keywords it stands for by comparing them in
/// place, so rules see exactly the keyword hits they would have seen.
pub fn shared_anchors(keywords: &[&[u8]]) -> Vec<SharedAnchor> {
    use std::collections::BTreeMap;
    // every candidate substring with the keywords holding it (first offset)
    let mut holders: BTreeMap<&[u8], Vec<(usize, usize)>> = BTreeMap::new();
    for (ki, k) in keywords.iter().enumerate() {
        let shortest = MIN_SHARED_ANCHOR.min(k.len());
        for len in shortest..=MAX_SHARED_ANCHOR.min(k.len()) {
            for off in 0..=k.len() - len {
                let Some(sub) = k.get(off..off + len) else {
                    continue;
                };
                let list = holders.entry(sub).or_default();
                if !list.iter().any(|&(held, _)| held == ki) {
                    list.push((ki, off));
                }
            }
        }
    }
    let mut covered = vec![false; keywords.len()];
    let mut out = Vec::new();
    while covered.iter().any(|c| !c) {
        let best = holders
            .iter()
            .map(|(sub, list)| {
                let n = list.iter().filter(|&&(ki, _)| !covered[ki]).count();
                (n, sub.len(), *sub)
            })
            .filter(|&(n, _, _)| n > 0)
            // most keywords, then longest, then the first in byte order
            .max_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)).then(b.2.cmp(a.2)));
        let Some((_, _, sub)) = best else { break };
        let members: Vec<(usize, usize)> = holders
            .get(sub)
            .map(|list| {
                list.iter()
                    .filter(|&&(ki, _)| !covered[ki])
                    .copied()
                    .collect()
            })
            .unwrap_or_default();
        for &(ki, _) in &members {
            covered[ki] = true;
        }
        out.push((sub.to_vec(), members));
    }
    out
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

    fn confirm(&self, c: &Candidate<'_>, scratch: &mut super::Scratch, out: &mut Vec<Detection>) {
        let Some(members) = self.anchor_keywords.get(c.anchor) else {
            return;
        };
        for &(ki, offset) in members {
            let Some((keyword, owners)) = self.keywords.get(ki) else {
                continue;
            };
            let Some(pos) = self.keyword_at(c, keyword, offset) else {
                continue;
            };
            let at_keyword = Candidate { pos, ..*c };
            for &ri in owners {
                self.confirm_rule(&at_keyword, ri, scratch, out);
            }
        }
    }
}

/// Per-worker memory of what each rule's pattern found over the stretch of
/// text it last searched. A keyword hit inside that stretch is answered from
/// it instead of by searching again: text holding a keyword every few bytes
/// (hostile, or a log of tokens) would otherwise cost a search of a kilobyte
/// or more for every one of millions of hits. With it, each byte is searched
/// by a rule about twice at most, however dense the keywords.
#[derive(Default)]
pub struct Memo {
    /// Indexed by rule, then encoding (ASCII, UTF-16LE).
    stretches: Vec<Option<Stretch>>,
}

impl Memo {
    /// Forget every stretch (they describe the range scanned before).
    pub fn clear(&mut self) {
        self.stretches.clear();
    }

    fn slot(&mut self, rule: usize, encoding: Encoding) -> Option<&mut Option<Stretch>> {
        let i = rule * 2 + usize::from(encoding == Encoding::Utf16le);
        if self.stretches.len() <= i {
            self.stretches.resize_with(i + 1, || None);
        }
        self.stretches.get_mut(i)
    }
}

/// One rule's matches over one searched stretch, in unit offsets.
struct Stretch {
    /// Keyword positions whose answer the stretch holds: a fresh search
    /// around any of them would have seen no more text than this one did.
    answers: Range<usize>,
    /// Every match, in order, with what it reports (if it passed the checks).
    matches: Vec<StretchMatch>,
}

struct StretchMatch {
    whole: Range<usize>,
    detection: Option<Detection>,
    reported: bool,
}

impl PatternDetector {
    /// Run rule `ri` for a keyword found at `c.pos`: report, once, each of
    /// its matches that contains the keyword.
    fn confirm_rule(
        &self,
        c: &Candidate<'_>,
        ri: usize,
        scratch: &mut super::Scratch,
        out: &mut Vec<Detection>,
    ) {
        let Some(r) = self.rules.get(ri) else {
            return;
        };
        let wanted = match c.encoding {
            Encoding::Utf16le => r.utf16le,
            _ => r.ascii,
        };
        if !wanted {
            return;
        }
        let Some(slot) = scratch.patterns.slot(ri, c.encoding) else {
            return;
        };
        if !slot.as_ref().is_some_and(|st| st.answers.contains(&c.pos)) {
            *slot = Some(search(r, c, &mut scratch.text));
        }
        let Some(stretch) = slot.as_mut() else { return };
        // matches come in order and their ends never go back (two share at
        // most the boundary character one of them consumed)
        let first = stretch.matches.partition_point(|m| m.whole.end <= c.pos);
        for m in stretch.matches.iter_mut().skip(first) {
            if m.whole.start > c.pos {
                break;
            }
            if !m.reported {
                m.reported = true;
                if let Some(d) = &m.detection {
                    out.push(d.clone());
                }
            }
        }
    }
}

/// Search the text around the keyword at `c.pos` with rule `r`: first a
/// short stretch (most keywords end there), the whole window only when a
/// match runs to the short stretch's end.
fn search(r: &PatternRule, c: &Candidate<'_>, text: &mut Vec<u8>) -> Stretch {
    // (the short stretch first: UTF-16LE text is narrowed only as far as needed)
    let near = text_window(c, BEFORE, NEAR_AFTER + 1, text);
    let from = near.anchor.saturating_sub(NEAR);
    // whether text goes on past the short stretch
    let near_cut = near.text.len() > near.anchor + NEAR_AFTER;
    let near_len = near.text.len().min(near.anchor + NEAR_AFTER);
    let runs_on = near_cut
        && r.regex
            .find_iter(near.text.get(from..near_len).unwrap_or_default())
            .any(|m| from + m.end() == near_len);
    let (w, hay_len, cut) = if runs_on {
        let w = text_window(c, BEFORE, AFTER, text);
        let window_cut = w.text.len() >= w.anchor + AFTER;
        (w, usize::MAX, window_cut)
    } else {
        (near, near_len, near_cut)
    };
    let hay = w.text.get(..hay_len.min(w.text.len())).unwrap_or_default();
    // a hit this far before the searched end gets the answer a search of its
    // own would give (a match that needs more text than that to end is
    // missed either way)
    let answered_end = if cut {
        hay.len().saturating_sub(NEAR)
    } else {
        hay.len()
    };
    let mut matches = Vec::new();
    let mut at = from;
    while at < hay.len() {
        let Some(caps) = r.regex.captures_at(hay, at) else {
            break;
        };
        let Some(m) = caps.get(0) else { break };
        // (a match cut short by the end of the search is reported as it is,
        // once, for every keyword inside it: a run of text longer than the
        // window is one secret, not one per keyword)
        let secret = match &r.secret {
            SecretGroup::Index(i) => caps.get(*i),
            SecretGroup::Whole => Some(m),
            SecretGroup::FirstNonEmpty => caps
                .iter()
                .skip(1)
                .flatten()
                .find(|g| !g.is_empty())
                .or(Some(m)),
        };
        // the next search starts where this secret ends, not where the match
        // does: a pattern that consumes the character after its secret (the
        // regex crate has no lookahead) must not hide a secret that follows
        // after one separator
        at = secret.map_or(m.end(), |s| s.end()).max(m.start() + 1);
        let detection = secret.filter(|s| !s.is_empty()).and_then(|secret| {
            let account = r.account.and_then(|i| caps.get(i)).map(|a| a.as_bytes());
            judge(r, secret.as_bytes(), account).map(|d| Detection {
                start: w.unit_offset(secret.start()),
                len: w.unit_len(secret.len()),
                encoding: c.encoding,
                ..d
            })
        });
        matches.push(StretchMatch {
            whole: w.unit_offset(m.start())..w.unit_offset(m.end()),
            detection,
            reported: false,
        });
    }
    // the keyword that asked is always answered
    let answered_end = w.unit_offset(answered_end.max(w.anchor + 1));
    Stretch {
        answers: c.pos..answered_end,
        matches,
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
fn judge(r: &PatternRule, secret: &[u8], account: Option<&[u8]>) -> Option<Detection> {
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
        None if r.identifier => text.clone(),
        None => redact(&text, &r.keywords),
    };
    // (an account name is not secret; only a short printable one is shown)
    let preview = match account
        .filter(|a| (1..=MAX_ACCOUNT).contains(&a.len()) && a.iter().all(|b| b.is_ascii_graphic()))
    {
        Some(a) => format!("{preview}, account {}", String::from_utf8_lossy(a)),
        None => preview,
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
        secret: super::Secret::Text(text),
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

    /// Every keyword is assigned to exactly one anchor that really sits in it
    /// at the recorded offset; keywords shorter than the shortest shared
    /// anchor are searched whole; the built-in keywords share anchors.
    #[test]
    fn shared_anchors_cover_every_keyword_once() {
        let sets: Vec<Vec<&[u8]>> = vec![
            vec![
                b"client_secret",
                b"clientSecret",
                b"CLIENT_SECRET",
                b"eyJ",
                b"0Q~",
                b"1Q~",
            ],
            vec![b"abcabc", b"bcab", b"xyz"],
            vec![b"same", b"same"],
            vec![],
        ];
        for keywords in sets {
            let anchors = shared_anchors(&keywords);
            let mut seen = vec![0; keywords.len()];
            for (anchor, members) in &anchors {
                assert!(!members.is_empty());
                for &(ki, off) in members {
                    seen[ki] += 1;
                    let k = keywords[ki];
                    assert_eq!(&k[off..off + anchor.len()], anchor.as_slice());
                    assert!(anchor.len() >= MIN_SHARED_ANCHOR.min(k.len()));
                }
            }
            assert!(seen.iter().all(|&n| n == 1), "{seen:?}");
        }
        let two = shared_anchors(&[b"clientSecret", b"client_secret"]);
        assert_eq!(two.len(), 1);
        assert_eq!(two[0].0, b"client");

        let rules: Vec<PatternRule> = crate::rules::builtin()
            .unwrap()
            .iter()
            .filter(|r| r.is_pattern())
            .map(|r| r.compile().unwrap())
            .collect();
        let detector = PatternDetector::new(rules);
        assert!(
            detector.anchors.len() * 3 < detector.keywords.len() * 2,
            "{} anchors for {} keywords",
            detector.anchors.len(),
            detector.keywords.len()
        );
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
