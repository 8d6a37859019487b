//! PEM private keys in text, ASCII or UTF-16LE: every `... PRIVATE KEY` label
//! (PKCS#1, SEC1, DSA, PKCS#8, encrypted PKCS#8, legacy encrypted PEM,
//! OpenSSH) and `PGP PRIVATE KEY BLOCK` armour.
//!
//! The anchor is the label's tail, `PRIVATE KEY`; a candidate becomes a
//! finding only when a `-----BEGIN` line precedes it and a decodable body
//! follows it. A bare header (crypto libraries keep those as constants) is not
//! a finding. The body is collected tolerantly: CRLF or LF, no line breaks,
//! line breaks escaped as `\n` inside JSON or source strings, and a block cut
//! off by the end of a region is reported as truncated when enough of it is
//! left to matter.

use super::{Candidate, Detection, Detector, span_chars, text_window};
use crate::formats::{der, openssh, pgp, pkcs};
use crate::keys::severity_for;
use crate::keys::{self, ParsedKey, Validation};
use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Longest label prefix before `PRIVATE KEY` (`ENCRYPTED `, `OPENSSH `, ...), plus `-----BEGIN `.
const LOOKBEHIND: usize = 48;
/// Most body characters read: an 16384-bit RSA key is 12.7 KB of base64; PGP
/// blocks with several subkeys are larger.
const MAX_BODY: usize = 64 * 1024;
/// A complete block must decode to at least this many bytes to be a key.
const MIN_BODY_BYTES: usize = 16;
/// A cut-off block is reported only when this much of it survived.
const MIN_TRUNCATED_BYTES: usize = 64;

const BEGIN: &[u8] = b"-----BEGIN ";
const END: &[u8] = b"-----END ";
const DASHES: &[u8] = b"-----";

/// The PEM private-key detector.
pub struct PemDetector;

impl Detector for PemDetector {
    fn anchors(&self) -> &[&'static [u8]] {
        &[b"PRIVATE KEY"]
    }

    fn is_text(&self) -> bool {
        true
    }

    fn rule_ids(&self) -> &[&'static str] {
        &[
            "pem-rsa-private-key",
            "pem-ec-private-key",
            "pem-dsa-private-key",
            "pem-pkcs8-private-key",
            "pem-encrypted-private-key",
            "pem-openssh-private-key",
            "pem-pgp-private-key-block",
            "pem-other-private-key",
        ]
    }

    fn window(&self) -> (usize, usize) {
        // before: a whole body, for blocks recovered from their END line
        (MAX_BODY + 1024 + LOOKBEHIND, MAX_BODY + 1024)
    }

    fn confirm(&self, c: &Candidate<'_>, scratch: &mut super::Scratch, out: &mut Vec<Detection>) {
        // First the line around the anchor: is it a BEGIN or an END line at all?
        let probe = text_window(c, LOOKBEHIND, 64, &mut scratch.text);
        let is_begin = labelled_line(probe.text, probe.anchor, BEGIN).is_some();
        if !is_begin && labelled_line(probe.text, probe.anchor, END).is_none() {
            return;
        }
        // Then exactly as much text as the block can span: forward through the
        // BEGIN line's dashes, the END line's and its closing dashes; or back
        // from an END line through the body to the dashes before it.
        let (before, after) = if is_begin {
            (LOOKBEHIND, span_chars(c, true, MAX_BODY + 1024, 3))
        } else {
            (span_chars(c, false, MAX_BODY + 1024, 3) + LOOKBEHIND, 64)
        };
        let w = text_window(c, before, after, &mut scratch.text);
        let found = find_block(w.text, w.anchor).or_else(|| find_block_from_end(w.text, w.anchor));
        let Some(block) = found else {
            return;
        };
        if let Some(d) = analyze(
            &block,
            w.reaches_unit_end && !block.complete && block.hit_text_end,
        ) {
            let start = w.unit_offset(block.begin);
            out.push(Detection {
                start,
                len: w.unit_len(block.end - block.begin),
                encoding: c.encoding,
                secret: super::Secret::Span,
                components: Vec::new(),
                token: None,
                ..d
            });
        }
    }
}

/// A PEM block located in narrow text.
struct Block<'t> {
    begin: usize,
    end: usize,
    label: &'t [u8],
    /// Base64 characters of the body, line breaks and armour checksum removed.
    body: Vec<u8>,
    /// An `-----END <label>-----` line closes the body.
    complete: bool,
    /// The body ran into the end of the available text (rather than into other bytes).
    hit_text_end: bool,
    /// RFC 1421 headers: `Proc-Type: 4,ENCRYPTED` and the DEK-Info cipher.
    legacy_encrypted: Option<String>,
    /// The BEGIN line was destroyed; the block was found from its END line.
    header_damaged: bool,
}

fn is_label_char(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' '
}

fn is_b64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'='
}

/// Length of a line break at `i`: CR, LF, or an escaped `\n` / `\r`.
fn line_break(t: &[u8], i: usize) -> usize {
    match (t.get(i), t.get(i + 1)) {
        (Some(b'\r' | b'\n'), _) => 1,
        (Some(b'\\'), Some(b'n' | b'r')) => 2,
        _ => 0,
    }
}

/// The label whose `PRIVATE KEY` sits at `anchor`, if a `marker` line
/// (`-----BEGIN ` or `-----END `) precedes it: `(line start, label range)`.
fn labelled_line(t: &[u8], anchor: usize, marker: &[u8]) -> Option<(usize, usize, usize)> {
    let head = &t[..anchor];
    let line = memchr::memmem::rfind(&head[head.len().saturating_sub(LOOKBEHIND)..], marker)?
        + head.len().saturating_sub(LOOKBEHIND);
    let label_start = line + marker.len();
    if !head[label_start..].iter().all(|&b| is_label_char(b)) {
        return None;
    }
    let mut label_end = anchor + b"PRIVATE KEY".len();
    if t[label_end..].starts_with(b" BLOCK") {
        label_end += b" BLOCK".len();
    }
    t[label_end..]
        .starts_with(DASHES)
        .then_some((line, label_start, label_end))
}

/// Locate the block whose BEGIN line holds the anchor at `anchor`.
fn find_block(t: &[u8], anchor: usize) -> Option<Block<'_>> {
    let (begin, label_start, label_end) = labelled_line(t, anchor, BEGIN)?;
    let label = &t[label_start..label_end];
    let mut i = label_end + DASHES.len();

    // RFC 1421 / armour headers: `Name: value` lines before the body
    let mut legacy_encrypted = None;
    let mut proc_encrypted = false;
    loop {
        i = skip_space(t, i);
        let line_end = (i..t.len())
            .find(|&k| line_break(t, k) > 0)
            .unwrap_or(t.len());
        let line = &t[i..line_end];
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            break;
        };
        let name = &line[..colon];
        if name.is_empty() || !name.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-') {
            break;
        }
        if name.eq_ignore_ascii_case(b"Proc-Type") && contains(line, b"ENCRYPTED") {
            proc_encrypted = true;
        }
        if name.eq_ignore_ascii_case(b"DEK-Info") {
            let value = String::from_utf8_lossy(&line[colon + 1..]);
            let cipher = value.trim().split(',').next().unwrap_or("").to_string();
            legacy_encrypted = Some(cipher);
        }
        i = line_end;
    }
    if proc_encrypted && legacy_encrypted.is_none() {
        legacy_encrypted = Some("unknown cipher".to_string());
    }
    let mut block = read_body(t, i, label);
    block.begin = begin;
    block.legacy_encrypted = legacy_encrypted;
    Some(block)
}

/// Collect the base64 body from `i` up to the END line (or whatever stops it).
fn read_body<'t>(t: &'t [u8], mut i: usize, label: &'t [u8]) -> Block<'t> {
    let pgp = label.ends_with(b"BLOCK");
    let start = i;
    let mut body = Vec::new();
    let mut line_start = true;
    while i < t.len() && body.len() < MAX_BODY {
        let c = t[i];
        let brk = line_break(t, i);
        if brk > 0 {
            line_start = true;
            i += brk;
        } else if c == b' ' || c == b'\t' {
            i += 1;
        } else if c == b'=' && pgp && line_start && body.len() % 4 == 0 {
            // armour checksum line `=XXXX`
            while i < t.len() && line_break(t, i) == 0 && t[i] != b'-' {
                i += 1;
            }
        } else if is_b64(c) {
            body.push(c);
            line_start = false;
            i += 1;
        } else {
            break;
        }
    }
    let hit_text_end = i >= t.len();
    let rest = &t[i..];
    let complete = rest.starts_with(END)
        && rest[END.len()..].starts_with(label)
        && rest[END.len() + label.len()..].starts_with(DASHES);
    let end = if complete {
        i + END.len() + label.len() + DASHES.len()
    } else {
        i
    };
    Block {
        begin: start,
        end,
        label,
        body,
        complete,
        hit_text_end,
        legacy_encrypted: None,
        header_damaged: false,
    }
}

/// Recover a block from its END line when its BEGIN line is gone: a freed
/// heap buffer has its first bytes overwritten by the allocator, which
/// destroys the BEGIN line but leaves the body and END line intact. Blocks
/// that still have their BEGIN line are left to [`find_block`].
fn find_block_from_end(t: &[u8], anchor: usize) -> Option<Block<'_>> {
    let (end_line, label_start, label_end) = labelled_line(t, anchor, END)?;
    let label = &t[label_start..label_end];
    // walk back over the body: base64, white space, escaped line breaks
    let mut i = end_line;
    let floor = end_line.saturating_sub(MAX_BODY + 1024);
    while i > floor {
        let c = t[i - 1];
        if i >= 2 && t[i - 2] == b'\\' && (c == b'n' || c == b'r') {
            i -= 2;
        } else if is_b64(c) || matches!(c, b'\r' | b'\n' | b' ' | b'\t') {
            i -= 1;
        } else {
            break;
        }
    }
    let start = skip_space(t, i);
    // an intact BEGIN line for this label before the body: find_block owns the block
    let before = &t[start.saturating_sub(LOOKBEHIND + label.len())..start];
    if let Some(b) = memchr::memmem::rfind(before, BEGIN)
        && before[b + BEGIN.len()..].starts_with(label)
    {
        return None;
    }
    // a header line (`DEK-Info: ...,IV`) right before the body means it was not damaged
    if start > 0 && matches!(t[start - 1], b',' | b':') {
        return None;
    }
    let mut block = read_body(t, start, label);
    if !block.complete || block.end != end_line + END.len() + label.len() + DASHES.len() {
        return None;
    }
    block.header_damaged = true;
    // the beginning may be missing too: keep whole base64 quartets counted from the end
    let drop = block.body.len() % 4;
    block.body.drain(..drop);
    Some(block)
}

fn skip_space(t: &[u8], mut i: usize) -> usize {
    loop {
        let brk = line_break(t, i);
        if brk > 0 {
            i += brk;
        } else if matches!(t.get(i), Some(b' ' | b'\t')) {
            i += 1;
        } else {
            return i;
        }
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(hay, needle).is_some()
}

fn base64_engine() -> GeneralPurpose {
    let config = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    GeneralPurpose::new(&base64::alphabet::STANDARD, config)
}

/// Rule id, finding kind and algorithm name a label stands for.
fn label_rule(label: &[u8]) -> (&'static str, &'static str, &'static str) {
    match label {
        b"RSA PRIVATE KEY" => ("pem-rsa-private-key", "rsa-private-key", "rsa"),
        b"EC PRIVATE KEY" => ("pem-ec-private-key", "ec-private-key", "ec"),
        b"DSA PRIVATE KEY" => ("pem-dsa-private-key", "dsa-private-key", "dsa"),
        b"PRIVATE KEY" => ("pem-pkcs8-private-key", "private-key", "unknown"),
        b"ENCRYPTED PRIVATE KEY" => (
            "pem-encrypted-private-key",
            "encrypted-private-key",
            "pkcs8-encrypted",
        ),
        b"OPENSSH PRIVATE KEY" => ("pem-openssh-private-key", "private-key", "openssh"),
        b"PGP PRIVATE KEY BLOCK" => ("pem-pgp-private-key-block", "pgp-private-key", "pgp"),
        _ => ("pem-other-private-key", "private-key", "unknown"),
    }
}

/// Decode, parse and validate a located block; `None` when it is not worth reporting.
fn analyze(block: &Block<'_>, cut_by_region_end: bool) -> Option<Detection> {
    let (rule_id, label_kind, label_alg) = label_rule(block.label);
    let body: &[u8] = if block.complete {
        &block.body
    } else {
        &block.body[..block.body.len() / 4 * 4]
    };
    // (the decoded key is wiped when this detection is done with it)
    let der = zeroize::Zeroizing::new(base64_engine().decode(strip_inner_padding(body)).ok()?);
    // a complete body may be small (an Ed25519 PKCS#8 key is 48 bytes); what
    // is left of a damaged or cut-off one must be larger to tell it from noise,
    // unless it still parses as a whole key (checked below)
    let minimum = if block.complete {
        MIN_BODY_BYTES
    } else {
        MIN_TRUNCATED_BYTES
    };
    if der.len() < minimum {
        return None;
    }

    let mut key = if !block.complete {
        let why = if cut_by_region_end {
            "block cut off by the end of its memory region"
        } else {
            "block ends without its END line"
        };
        let why = format!("{why} after {} decoded bytes", der.len());
        fragment(partial_key(block.label, &der), label_kind, label_alg, why)
    } else if let Some(cipher) = &block.legacy_encrypted {
        ParsedKey::encrypted(label_alg, format!("legacy PEM encryption ({cipher})"))
    } else {
        let parsed = match block.label {
            b"RSA PRIVATE KEY" => pkcs::pkcs1(&der).map_err(|e| e.to_string()),
            b"EC PRIVATE KEY" => pkcs::sec1(&der, None).map_err(|e| e.to_string()),
            b"DSA PRIVATE KEY" => pkcs::dsa_openssl(&der).map_err(|e| e.to_string()),
            b"ENCRYPTED PRIVATE KEY" => pkcs::encrypted_pkcs8(&der).map_err(|e| e.to_string()),
            b"OPENSSH PRIVATE KEY" => openssh::parse(&der),
            b"PGP PRIVATE KEY BLOCK" => pgp::parse(&der),
            _ => pkcs::pkcs8(&der).map_err(|e| e.to_string()),
        };
        match parsed {
            Ok(key) => key,
            // the allocator ate into the body as well: what is left is a key's tail
            Err(_) if block.header_damaged && der.len() < MIN_TRUNCATED_BYTES => return None,
            Err(_) if block.header_damaged => fragment(
                None,
                label_kind,
                label_alg,
                format!(
                    "BEGIN line and start of body destroyed; {} decoded bytes of the key's end remain",
                    der.len()
                ),
            ),
            Err(why) => ParsedKey::new(
                label_kind,
                label_alg,
                Validation::Failed(format!("body does not parse: {why}")),
                None,
            ),
        }
    };
    if key.info.algorithm == "unknown" {
        key.info.algorithm = label_alg.to_string();
    }
    // (no character of the body: a preview shows no byte of a secret)
    let preview = format!(
        "-----BEGIN {}-----{}…({} bytes{})",
        String::from_utf8_lossy(block.label),
        if block.header_damaged {
            "(BEGIN line damaged)"
        } else {
            ""
        },
        block.end - block.begin,
        if block.complete { "" } else { ", truncated" }
    );
    Some(Detection {
        start: 0,
        len: 0,
        encoding: super::Encoding::Ascii,
        rule_id,
        kind: key.kind,
        severity: severity_for(&key),
        fingerprint: key.fingerprint(),
        key: Some(key.info),
        preview,
        secret: super::Secret::Span,
        components: Vec::new(),
        token: None,
    })
}

/// A key known only in part: `known` when its identity survived, else just its label's kind.
fn fragment(known: Option<ParsedKey>, kind: &'static str, alg: &str, why: String) -> ParsedKey {
    let mut key = known
        .unwrap_or_else(|| ParsedKey::new(kind, alg, Validation::Unverified(String::new()), None));
    key.set_validation(Validation::Unverified(why));
    key.info.truncated = true;
    key
}

/// Padding only belongs at the end; a cut-off body may carry some mid-way
/// only when it is garbage, so drop anything after the first `=` group.
fn strip_inner_padding(body: &[u8]) -> &[u8] {
    match body.iter().position(|&b| b == b'=') {
        Some(p) => {
            let end = (p..body.len())
                .find(|&k| body[k] != b'=')
                .unwrap_or(body.len());
            &body[..end]
        }
        None => body,
    }
}

/// What a cut-off body still tells: an RSA key whose modulus and exponent
/// survived keeps its identity.
fn partial_key(label: &[u8], der: &[u8]) -> Option<ParsedKey> {
    let (n, e) = match label {
        b"RSA PRIVATE KEY" => der::rsa_public_prefix(der, false)?,
        b"PRIVATE KEY" => der::rsa_public_prefix(der, true)?,
        _ => return None,
    };
    let mut key = ParsedKey::new(
        "rsa-private-key",
        "rsa",
        Validation::Unverified(String::new()),
        keys::rsa_spki(n, e),
    );
    key.info.bits = u32::try_from(num_bigint::BigUint::from_bytes_be(n).bits()).ok();
    Some(key)
}

/// The fingerprint of the first PEM private key in `text` (for tests and
/// tools that want the identity of a PEM key they already have).
pub fn fingerprint_of(text: &[u8]) -> Option<String> {
    let anchor = memchr::memmem::find(text, b"PRIVATE KEY")?;
    let block = find_block(text, anchor)?;
    analyze(&block, false)?.fingerprint
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anchor(t: &[u8]) -> usize {
        memchr::memmem::find(t, b"PRIVATE KEY").unwrap()
    }

    #[test]
    fn bare_header_is_not_a_block_finding() {
        let t = b"-----BEGIN RSA PRIVATE KEY-----\n-----END RSA PRIVATE KEY-----\n";
        let block = find_block(t, anchor(t)).unwrap();
        assert!(block.complete);
        assert!(analyze(&block, false).is_none());
    }

    #[test]
    fn end_line_is_not_a_start() {
        let t = b"xx-----END RSA PRIVATE KEY-----";
        assert!(find_block(t, anchor(t)).is_none());
    }

    #[test]
    fn label_constant_without_dashes_is_ignored() {
        let t = b"ANY PRIVATE KEY\0ENCRYPTED PRIVATE KEY\0";
        assert!(find_block(t, anchor(t)).is_none());
    }

    #[test]
    fn escaped_newlines_and_pgp_checksum() {
        let t = b"-----BEGIN PGP PRIVATE KEY BLOCK-----\\n\\nlQVYBGc=\\n=abcd\\n-----END PGP PRIVATE KEY BLOCK-----";
        let block = find_block(t, anchor(t)).unwrap();
        assert!(block.complete);
        assert_eq!(block.body, b"lQVYBGc=");
    }

    fn end_anchor(t: &[u8]) -> usize {
        memchr::memmem::rfind(t, b"PRIVATE KEY").unwrap()
    }

    #[test]
    fn small_key_with_a_damaged_begin_line_is_found_whole() {
        let pem = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/keys/ed25519-pkcs8.pem"
        ))
        .unwrap();
        let no_begin = &pem[memchr::memchr(b'\n', &pem).unwrap() + 1..];
        // a dash lost (a region boundary or a stray write), or the whole BEGIN line gone
        for t in [&pem[1..], &pem[4..], no_begin] {
            let block = find_block_from_end(t, end_anchor(t)).expect("recovered from its END line");
            let d = analyze(&block, false).expect("a whole Ed25519 key");
            let key = d.key.unwrap();
            assert!(key.validated && !key.truncated, "{key:?}");
            assert_eq!(key.algorithm, "ed25519");
            assert!(d.preview.contains("BEGIN line damaged"), "{}", d.preview);
        }
    }

    #[test]
    fn small_noise_before_an_end_line_is_not_a_finding() {
        // 48 bytes of base64 that are no key: too small to report as a fragment
        let t = b"\x01QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2\n-----END PRIVATE KEY-----\n";
        let block = find_block_from_end(t, end_anchor(t)).unwrap();
        assert!(analyze(&block, false).is_none());
    }
}
