//! PuTTY private key files (PPK v2, v3) in ASCII or UTF-16LE text.

use super::{Candidate, Detection, Detector, text_window};
use crate::formats::ppk;
use crate::keys::severity_for;

const ANCHOR: &[u8] = b"PuTTY-User-Key-File-";
/// Longest PPK read, in characters (an RSA-16384 PPK is about 9 000).
const MAX_PPK: usize = 16 * 1024;

/// The PPK detector.
pub struct PpkDetector;

/// Characters from the anchor to the end of its `Private-MAC:` line, walking
/// the raw bytes; `None` at a non-text byte, at another PPK's header, or past
/// `MAX_PPK`. Each stretch of text is walked by one anchor at most.
fn extent(c: &Candidate<'_>) -> Option<usize> {
    let at = |k: usize| c.text_char(k, true);
    const MAC: &[u8] = b"Private-MAC:";
    let mut recent = [0u8; 20];
    let mut mac_at = None;
    let mut k = ANCHOR.len();
    while k < MAX_PPK {
        let Some(b) = at(k) else {
            // the MAC line may end the text without a newline
            return mac_at.map(|_| k);
        };
        if mac_at.is_some() && (b == b'\n' || b == b'\r') {
            return Some(k);
        }
        recent.rotate_left(1);
        recent[19] = b;
        if recent == *ANCHOR.first_chunk::<20>()? {
            return None;
        }
        if recent.ends_with(MAC) {
            mac_at = Some(k);
        }
        k += 1;
    }
    None
}

impl Detector for PpkDetector {
    fn anchors(&self) -> &[&'static [u8]] {
        &[ANCHOR]
    }

    fn is_text(&self) -> bool {
        true
    }

    fn rule_ids(&self) -> &[&'static str] {
        &["putty-private-key"]
    }

    fn window(&self) -> (usize, usize) {
        (0, MAX_PPK)
    }

    fn confirm(&self, c: &Candidate<'_>, scratch: &mut super::Scratch, out: &mut Vec<Detection>) {
        let Some(chars) = extent(c) else { return };
        let w = text_window(c, 0, chars, &mut scratch.text);
        let Some(text) = w.text.get(w.anchor..) else {
            return;
        };
        let Some(ppk::Ppk { key, chars }) = ppk::parse(text) else {
            return;
        };
        let first_line = text.split(|&b| b == b'\n').next().unwrap_or_default();
        let preview = format!(
            "{}…({chars} chars)",
            String::from_utf8_lossy(first_line).trim_end()
        );
        out.push(Detection {
            start: w.unit_offset(w.anchor),
            len: w.unit_len(chars),
            encoding: c.encoding,
            rule_id: "putty-private-key",
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
