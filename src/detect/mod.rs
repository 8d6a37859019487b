//! Detectors: the second stage after the prefilter. Each one declares the
//! literal anchors it wants candidates for, then confirms a candidate by
//! decoding, parsing and validating the bytes around it, in a bounded window.
//! A rejected candidate costs a few comparisons and never an error.

pub mod blob;
pub mod der;
pub mod jwk;
pub mod pattern;
pub mod pem;
pub mod ppk;

use crate::model::{Encoding, KeyInfo, Severity};

/// What a detector found, in the coordinates of the unit it was given.
#[derive(Debug, Clone)]
pub struct Detection {
    /// Offset of the first byte within the scanned unit.
    pub start: usize,
    /// Bytes it spans in the unit.
    pub len: usize,
    /// How the secret is encoded in the unit.
    pub encoding: Encoding,
    /// The rule that reports it (an id of `rules/`).
    pub rule_id: &'static str,
    /// What the secret is (`rsa-private-key`, ...).
    pub kind: &'static str,
    /// How urgent, from the key's validation.
    pub severity: Severity,
    /// What the key is, for key material.
    pub key: Option<KeyInfo>,
    /// SHA-256 of the public key's SPKI (of the secret for symmetric keys).
    pub fingerprint: Option<String>,
    /// Redacted text, safe to print.
    pub preview: String,
    /// The secret, kept as cheaply as possible until a report prints it.
    pub secret: Secret,
    /// For keys rebuilt from parts: where each part was seen, at file offsets.
    pub components: Vec<Component>,
    /// For tokens (JWTs): what the token says about itself.
    pub token: Option<crate::model::TokenInfo>,
}

/// A detection's secret: most are the detection's own bytes, read (and
/// hex-encoded or transcoded) only when a report prints them, so a file
/// stuffed with candidates never makes keysweep copy what it will not print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Secret {
    /// The bytes the detection spans: text in its encoding, or a binary
    /// structure (printed as lowercase hex).
    Span,
    /// A value derived from what was found (a key rebuilt from numbers, an
    /// AES key out of its schedule, a token's text).
    Text(String),
}

impl Drop for Secret {
    /// A secret kept as text is wiped when it is no longer needed.
    fn drop(&mut self) {
        if let Secret::Text(t) = self {
            zeroize::Zeroize::zeroize(t);
        }
    }
}

impl Secret {
    /// The printable secret, given the bytes the detection spans.
    pub fn text(&self, span: &[u8], encoding: Encoding) -> String {
        match self {
            Secret::Text(t) => t.clone(),
            Secret::Span => match encoding {
                Encoding::Ascii => String::from_utf8_lossy(span).into_owned(),
                Encoding::Utf16le => span.iter().step_by(2).map(|&b| char::from(b)).collect(),
                Encoding::Utf16be => span
                    .iter()
                    .skip(1)
                    .step_by(2)
                    .map(|&b| char::from(b))
                    .collect(),
                _ => crate::keys::hex(span),
            },
        }
    }
}

/// One part of a key rebuilt from memory (a prime, the modulus, a BIGNUM
/// record pointing at one), so responders can see every place it sat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    /// What the part is (`n`, `p`, `q`, `d`, `BIGNUM record of n`, ...).
    pub name: &'static str,
    /// File offset of its first byte.
    pub file_offset: u64,
    /// Bytes it spans.
    pub len: u64,
    /// How it is stored.
    pub encoding: Encoding,
}

/// A prefilter hit handed to a detector.
pub struct Candidate<'a> {
    /// The whole contiguous run of memory the hit lies in; detectors may read
    /// anywhere in it, so nothing is cut at chunk seams.
    pub unit: &'a [u8],
    /// Offset of the anchor's first byte in `unit`.
    pub pos: usize,
    /// Which anchor matched.
    pub anchor: usize,
    /// How the secret is encoded in the unit.
    pub encoding: Encoding,
}

/// Per-worker state detectors reuse from one candidate to the next within a
/// scanned range (the engine clears it between ranges).
#[derive(Default)]
pub struct Scratch {
    /// UTF-16LE text narrowed to one byte a character ([`text_window`]).
    pub text: Vec<u8>,
    /// What the pattern rules already searched ([`pattern::Memo`]).
    pub patterns: pattern::Memo,
}

impl Scratch {
    /// Forget what belongs to the range scanned before.
    pub fn clear(&mut self) {
        self.patterns.clear();
    }
}

/// A second-stage detector.
pub trait Detector: Send + Sync {
    /// Literal byte strings, in ASCII, that every secret this detector reports
    /// contains. Text detectors get their UTF-16LE form searched as well.
    fn anchors(&self) -> &[&'static [u8]];

    /// Whether the anchors are text (searched as ASCII and as UTF-16LE) or binary.
    fn is_text(&self) -> bool;

    /// Most characters before and after an anchor this detector reads; the
    /// streaming reader keeps this much context around each chunk.
    fn window(&self) -> (usize, usize);

    /// Every rule id this detector can report; each has an entry in `rules/`.
    fn rule_ids(&self) -> &[&'static str];

    /// Confirm a candidate, pushing what it really is onto `out`.
    fn confirm(&self, candidate: &Candidate<'_>, scratch: &mut Scratch, out: &mut Vec<Detection>);
}

/// The detector families, as `--detectors` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Family {
    /// PEM text: every `... PRIVATE KEY` armour.
    Pem,
    /// Binary DER structures.
    Der,
    /// Binary structures found by their magic.
    Blob,
    /// JSON Web Keys.
    Jwk,
    /// PuTTY private key files.
    Ppk,
    /// AES key schedules (no anchor: every aligned position is checked).
    Aes,
    /// RSA keys as limb arrays: BIGNUM records and repeated key-sized numbers.
    Bignum,
    /// Tokens and credentials: the pattern rules (built-in and `--rules`).
    Tokens,
}

impl Family {
    /// Every family, in the order the engine runs them.
    pub const ALL: [Family; 8] = [
        Family::Pem,
        Family::Der,
        Family::Blob,
        Family::Jwk,
        Family::Ppk,
        Family::Aes,
        Family::Bignum,
        Family::Tokens,
    ];

    /// The serialised key formats: every family with an anchor detector of
    /// its own (the tokens family's detector is built from a rule set).
    pub const KEY_FORMATS: [Family; 5] = [
        Family::Pem,
        Family::Der,
        Family::Blob,
        Family::Jwk,
        Family::Ppk,
    ];

    /// The anchor detector of this family; `None` for the recoveries in
    /// the recovery module, which sweep every byte instead.
    fn detector(self) -> Option<Box<dyn Detector>> {
        Some(match self {
            Family::Pem => Box::new(pem::PemDetector),
            Family::Der => Box::new(der::DerDetector::default()),
            Family::Blob => Box::new(blob::BlobDetector::default()),
            Family::Jwk => Box::new(jwk::JwkDetector),
            Family::Ppk => Box::new(ppk::PpkDetector),
            Family::Aes | Family::Bignum | Family::Tokens => return None,
        })
    }
}

/// The anchor detectors keysweep runs by default: every family that has one.
pub fn default_detectors() -> Vec<Box<dyn Detector>> {
    detectors(&Family::ALL)
}

/// The anchor detectors of the given families.
pub fn detectors(families: &[Family]) -> Vec<Box<dyn Detector>> {
    families.iter().filter_map(|f| f.detector()).collect()
}

/// A window of text around an anchor, narrowed to one byte a character.
pub struct TextWindow<'a> {
    /// The characters, ASCII.
    pub text: &'a [u8],
    /// Index of the anchor in `text`.
    pub anchor: usize,
    /// Offset in the unit of `text[0]`.
    base: usize,
    /// Bytes a character in the unit: 1 or 2.
    stride: usize,
    /// True when the window stops at the end of the unit (not at a window limit
    /// or a non-text character), so a cut-off there is a region end.
    pub reaches_unit_end: bool,
}

impl TextWindow<'_> {
    /// Unit offset of character `i`.
    pub fn unit_offset(&self, i: usize) -> usize {
        self.base + i * self.stride
    }

    /// Bytes in the unit that `chars` characters span.
    pub fn unit_len(&self, chars: usize) -> usize {
        chars * self.stride
    }
}

/// Up to `before` characters before and `after` characters from the anchor.
/// UTF-16LE text is transcoded into `scratch`, stopping at the first code unit
/// that is not ASCII.
pub fn text_window<'a>(
    c: &Candidate<'a>,
    before: usize,
    after: usize,
    scratch: &'a mut Vec<u8>,
) -> TextWindow<'a> {
    let unit = c.unit;
    match c.encoding {
        Encoding::Utf16le => {
            let is_wide_ascii =
                |p: usize| matches!(unit.get(p..p + 2), Some([lo, 0]) if (1..0x80).contains(lo));
            let mut start = c.pos;
            let mut n_before = 0;
            while n_before < before && start >= 2 && is_wide_ascii(start - 2) {
                start -= 2;
                n_before += 1;
            }
            let mut end = c.pos;
            let mut n_after = 0;
            while n_after < after && is_wide_ascii(end) {
                end += 2;
                n_after += 1;
            }
            scratch.clear();
            scratch.extend(unit[start..end].iter().step_by(2));
            TextWindow {
                text: scratch.as_slice(),
                anchor: n_before,
                base: start,
                stride: 2,
                reaches_unit_end: end + 1 >= unit.len(),
            }
        }
        _ => {
            let start = c.pos.saturating_sub(before);
            let end = c.pos.saturating_add(after).min(unit.len());
            TextWindow {
                text: &unit[start..end],
                anchor: c.pos - start,
                base: start,
                stride: 1,
                reaches_unit_end: end == unit.len(),
            }
        }
    }
}

/// How many characters a text detector needs to read from its anchor, in the
/// candidate's encoding: printable ASCII and line breaks, up to `limit`
/// characters, stopping where the `max_runs + 1`-th run of five `-` begins. Counting
/// on the raw bytes first keeps the work for one candidate proportional to the
/// text it belongs to, so a file stuffed with anchors cannot make every
/// candidate transcode a maximal window.
pub fn span_chars(c: &Candidate<'_>, forward: bool, limit: usize, max_runs: usize) -> usize {
    let char_at = |k: usize| c.text_char(k, forward);
    // a run is five dashes, as PEM boundaries have; `AES-128-CBC` is not one
    let mut runs = 0;
    let mut dashes = 0;
    let mut n = 0;
    while n < limit {
        let Some(b) = char_at(n) else { break };
        dashes = if b == b'-' { dashes + 1 } else { 0 };
        if dashes == 5 {
            runs += 1;
            if runs > max_runs {
                n -= 4;
                break;
            }
        }
        n += 1;
    }
    n
}

/// The detection of a binary structure spanning `start..start + len` of its unit,
/// previewed as `label (algorithm bits curve, N bytes)`.
pub fn binary_detection(
    start: usize,
    len: usize,
    rule_id: &'static str,
    key: crate::keys::ParsedKey,
    label: &str,
) -> Detection {
    let preview = format!(
        "{label} ({}{}{}, {len} bytes)",
        key.info.algorithm,
        key.info.bits.map(|b| format!(" {b}")).unwrap_or_default(),
        key.info
            .curve
            .as_deref()
            .map(|c| format!(" {c}"))
            .unwrap_or_default(),
    );
    Detection {
        start,
        len,
        encoding: Encoding::Binary,
        rule_id,
        kind: key.kind,
        severity: crate::keys::severity_for(&key),
        fingerprint: key.fingerprint(),
        secret: Secret::Span,
        key: Some(key.info),
        preview,
        components: Vec::new(),
        token: None,
    }
}

impl Candidate<'_> {
    /// The character `k` places from the anchor (forward from its first byte,
    /// or backward from just before it) in the candidate's encoding, if it is
    /// printable ASCII or white space. Walks on the raw bytes, without
    /// transcoding, so detectors can size their windows cheaply.
    pub fn text_char(&self, k: usize, forward: bool) -> Option<u8> {
        let stride = if self.encoding == Encoding::Utf16le {
            2
        } else {
            1
        };
        let off = if forward {
            self.pos.checked_add(k.checked_mul(stride)?)?
        } else {
            self.pos
                .checked_sub(k.checked_add(1)?.checked_mul(stride)?)?
        };
        let b = *self.unit.get(off)?;
        if stride == 2 && self.unit.get(off + 1) != Some(&0) {
            return None;
        }
        (b.is_ascii_graphic() || matches!(b, b' ' | b'\r' | b'\n' | b'\t')).then_some(b)
    }
}

/// The UTF-16LE form of an ASCII string.
pub fn utf16le(ascii: &[u8]) -> Vec<u8> {
    ascii.iter().flat_map(|&b| [b, 0]).collect()
}
