//! JSON Web Keys with private members, in ASCII or UTF-16LE text: a single
//! JWK or each key of a JWK Set. The anchor is the `"kty"` member name; the
//! object around it is located by walking to its braces, then parsed as JSON.

use super::{Candidate, Detection, Detector, text_window};
use crate::formats::jwk;
use crate::keys::severity_for;

/// Longest JWK object read, in characters (an RSA-16384 JWK with all CRT
/// members is about 15 000).
const MAX_OBJECT: usize = 32 * 1024;
const ANCHOR: &[u8] = b"\"kty\"";

/// The JWK detector.
pub struct JwkDetector;

/// Characters from the anchor to the brace that bounds its object, walking
/// the raw bytes (stride 1 or 2): stops at `{` going back, `}` going forward,
/// at another `"kty"` (another object's), at a non-text byte, or at `limit`.
/// `None` when no brace was reached. Each stretch of text is walked by at
/// most the two anchors around it, so anchor-stuffed input stays linear.
fn to_brace(c: &Candidate<'_>, forward: bool, limit: usize) -> Option<usize> {
    let at = |k: usize| c.text_char(k, forward);
    let brace = if forward { b'}' } else { b'{' };
    // the last five characters read, to notice another object's `"kty"`
    let mut recent = [0u8; 5];
    let other: [u8; 5] = if forward { *b"\"kty\"" } else { *b"\"ytk\"" };
    // going forward, skip our own anchor first
    let mut k = if forward { ANCHOR.len() } else { 0 };
    while k < limit {
        let b = at(k)?;
        if b == brace {
            return Some(k);
        }
        recent.rotate_left(1);
        recent[4] = b;
        if recent == other {
            return None;
        }
        k += 1;
    }
    None
}

impl Detector for JwkDetector {
    fn anchors(&self) -> &[&'static [u8]] {
        &[ANCHOR]
    }

    fn is_text(&self) -> bool {
        true
    }

    fn rule_ids(&self) -> &[&'static str] {
        &["jwk-private-key", "jwk-symmetric-key"]
    }

    fn window(&self) -> (usize, usize) {
        (MAX_OBJECT, MAX_OBJECT)
    }

    fn confirm(&self, c: &Candidate<'_>, scratch: &mut super::Scratch, out: &mut Vec<Detection>) {
        let Some(back) = to_brace(c, false, MAX_OBJECT) else {
            return;
        };
        let Some(fwd) = to_brace(c, true, MAX_OBJECT) else {
            return;
        };
        let w = text_window(c, back + 1, fwd + 1, &mut scratch.text);
        let Some(start) = w.anchor.checked_sub(back + 1) else {
            return;
        };
        let end = w.anchor + fwd + 1;
        let Some(text) = w.text.get(start..end) else {
            return;
        };
        let Ok(obj) = serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(text)
        else {
            return;
        };
        let Some(jwk::Jwk { rule_id, key }) = jwk::parse(&obj) else {
            return;
        };
        let preview = format!(
            "{{\"kty\":\"{}\"{}…}} ({} {}{}, {} chars)",
            obj.get("kty").and_then(|v| v.as_str()).unwrap_or("?"),
            key.info
                .kid
                .as_deref()
                .map(|k| format!(",\"kid\":\"{k}\""))
                .unwrap_or_default(),
            key.info.algorithm,
            key.info
                .bits
                .map(|b| format!("{b} bits"))
                .unwrap_or_default(),
            key.info.curve.as_deref().unwrap_or_default(),
            text.len()
        );
        out.push(Detection {
            start: w.unit_offset(start),
            len: w.unit_len(end - start),
            encoding: c.encoding,
            rule_id,
            kind: key.kind,
            severity: severity_for(&key),
            fingerprint: key.fingerprint(),
            secret: super::Secret::Span,
            components: Vec::new(),
            token: None,
            key: Some(key.info),
            preview,
        });
    }
}
