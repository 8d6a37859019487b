//! Redaction plans: the byte spans of a dump that hold the secrets a scan
//! found, and what goes there instead, so a copy can leave production.
//!
//! A finding names one place; a key held in memory is usually in several,
//! and in forms the finding does not name (OpenSSL keeps dP, dQ and qInv
//! beside p and q, and a process may hold the raw AES key beside its
//! schedule). So each secret's private parts are derived from the secret
//! itself and every copy of them, little- or big-endian, is zeroed in the
//! same pass that writes the copy. Public parts (moduli, public exponents, public
//! points) are not touched, so the copy still shows which key was there: a
//! DER key whose private numbers are known loses only those, a JWK its
//! private members' values; other serialised forms (PEM bodies, blobs) are
//! filled whole.
//!
//! Fillers keep each span's length: binary spans become zero bytes, text
//! spans `*` (in UTF-16LE `*\0`), a character no base64, hex or token
//! alphabet has. A PEM block keeps its `-----BEGIN` and `-----END` lines and
//! its line breaks; only the body is filled.

use crate::model::{Encoding, Finding};
use aho_corasick::AhoCorasick;
use base64::Engine as _;
use der::Decode;
use zeroize::Zeroizing;

/// What a span is overwritten with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fill {
    /// `*` in text, keeping line breaks.
    Text,
    /// `*\0` in UTF-16LE text, keeping line breaks.
    Utf16,
    /// `\0*` in UTF-16BE text (Java `char[]`), keeping line breaks.
    Utf16Be,
    /// Zero bytes.
    Zero,
}

impl Fill {
    /// The documented filler bytes for `original` (same length).
    pub fn bytes_for(self, original: &[u8]) -> Vec<u8> {
        match self {
            Fill::Zero => vec![0; original.len()],
            Fill::Text => original
                .iter()
                .map(|&b| if b == b'\n' || b == b'\r' { b } else { b'*' })
                .collect(),
            Fill::Utf16 => original
                .chunks(2)
                .flat_map(|c| match c {
                    [b'\n', 0] | [b'\r', 0] => c.to_vec(),
                    [_, _] => vec![b'*', 0],
                    _ => vec![0; c.len()],
                })
                .collect(),
            Fill::Utf16Be => original
                .chunks(2)
                .flat_map(|c| match c {
                    [0, b'\n'] | [0, b'\r'] => c.to_vec(),
                    [_, _] => vec![0, b'*'],
                    _ => vec![0; c.len()],
                })
                .collect(),
        }
    }
}

/// One stretch of the file to overwrite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Span {
    /// File offset of its first byte.
    pub offset: u64,
    /// Bytes it covers.
    pub len: u64,
    /// What it becomes.
    pub fill: Fill,
}

/// One secret removed, as the redaction report lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Removed {
    /// The rule that found it.
    pub rule_id: String,
    /// What it is.
    pub kind: String,
    /// Its fingerprint, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// Spans overwritten for it: `[offset, length]` each.
    pub spans: Vec<[u64; 2]>,
}

/// Everything to overwrite in one file.
#[derive(Debug, Default)]
pub struct Plan {
    /// The secrets and their spans, for the report.
    pub removed: Vec<Removed>,
    /// Every span, sorted by offset (they may overlap).
    pub spans: Vec<Span>,
    /// The private values to zero wherever they lie, found while the copy
    /// is written ([`write_redacted`]).
    forms: Vec<Zeroizing<Vec<u8>>>,
    /// For each form, the index in `removed` of the secret it belongs to.
    owner: Vec<usize>,
}

/// Shortest private value looked for elsewhere in the file: shorter byte
/// strings (a small exponent) would match unrelated bytes.
const MIN_FORM: usize = 16;

/// Most copies of one private value listed in the report (all are zeroed).
const MAX_COPIES: usize = 4096;

/// Plan the redaction of `findings` (scanned with their secrets) in `bytes`:
/// the spans they name, and the private values to look for everywhere.
pub fn plan(bytes: &[u8], findings: &[Finding]) -> Plan {
    let mut plan = Plan::default();
    for (i, f) in findings.iter().enumerate() {
        let private = private_forms(f);
        // a DER RSA key whose private numbers are known keeps its public
        // ones: only those numbers go (found below, wherever they lie)
        let keeps_public =
            f.rule_id.starts_with("der-") && f.kind == "rsa-private-key" && !private.is_empty();
        let mut spans = if keeps_public {
            Vec::new()
        } else {
            own_spans(bytes, f)
        };
        spans.extend(component_spans(f));
        plan.removed.push(Removed {
            rule_id: f.rule_id.clone(),
            kind: f.kind.clone(),
            fingerprint: f.fingerprint.clone(),
            spans: spans.iter().map(|s| [s.offset, s.len]).collect(),
        });
        plan.spans.extend(spans);
        for form in private {
            if form.len() >= MIN_FORM && !plan.forms.iter().any(|g| **g == *form) {
                plan.forms.push(form);
                plan.owner.push(i);
            }
        }
    }
    plan.spans.sort_unstable();
    plan.spans.dedup();
    plan
}

/// Bytes of the file one worker copies, patches and writes at a time.
const PIECE: usize = 16 << 20;

/// Write the redacted copy of `bytes` to `out` (empty, set to the same
/// length): in one parallel pass over pieces of the file, each piece is
/// copied into memory, the plan's spans are filled, every copy of a private
/// value is zeroed, and the piece is written, whole zero pages left as
/// holes. No secret byte is ever written to the copy, so a crash part-way
/// leaves zeros, not secrets. Copies found are added to the plan's spans
/// and report; returns the bytes overwritten. `done` is called with each
/// piece's range once it is written, so the caller can drop its pages.
pub fn write_redacted(
    bytes: &[u8],
    plan: &mut Plan,
    out: &std::fs::File,
    done: &(dyn Fn(std::ops::Range<usize>) + Sync),
) -> std::io::Result<u64> {
    use rayon::prelude::*;
    out.set_len(bytes.len() as u64)?;
    let search = FormSearch::new(&plan.forms);
    let back = search.longest.saturating_sub(1);
    // the spans each piece overlaps
    let pieces = bytes.len().div_ceil(PIECE);
    let mut bucket: Vec<Vec<usize>> = vec![Vec::new(); pieces];
    for (i, span) in plan.spans.iter().enumerate() {
        let (Ok(at), Ok(len)) = (usize::try_from(span.offset), usize::try_from(span.len)) else {
            continue;
        };
        let end = at.saturating_add(len).min(bytes.len());
        if at >= end {
            continue;
        }
        for piece_spans in &mut bucket[at / PIECE..=(end - 1) / PIECE] {
            piece_spans.push(i);
        }
    }
    let spans = &plan.spans;
    // each piece: bytes overwritten, and (form, offset) of the copies starting in it
    type Piece = std::io::Result<(u64, Vec<(usize, usize)>)>;
    let results: Vec<Piece> = (0..pieces)
        .into_par_iter()
        .map_init(Vec::new, |buf: &mut Vec<u8>, piece| {
            let from = piece * PIECE;
            let to = (from + PIECE).min(bytes.len());
            buf.clear();
            buf.extend_from_slice(&bytes[from..to]);
            let mut overwritten = 0u64;
            for &i in &bucket[piece] {
                let span = spans[i];
                let (at, len) = (span.offset as usize, span.len as usize);
                let end = (at + len).min(bytes.len());
                let filled = span.fill.bytes_for(&bytes[at..end]);
                let (a, b) = (at.max(from), end.min(to));
                buf[a - from..b - from].copy_from_slice(&filled[a - at..b - at]);
                overwritten += (b - a) as u64;
            }
            // copies of private values: those starting in the piece before
            // that run into this one are zeroed here too, listed there
            let hay_from = from.saturating_sub(back);
            let hay = &bytes[hay_from..(to + back).min(bytes.len())];
            let mut copies = Vec::new();
            for (p, at) in search.find(hay, to - hay_from) {
                let (start, end) = (hay_from + at, hay_from + at + search.forms[p].len());
                let (a, b) = (start.max(from), end.min(to));
                if a < b {
                    buf[a - from..b - from].fill(0);
                }
                if start >= from {
                    overwritten += (end - start) as u64;
                    copies.push((p, start));
                }
            }
            crate::layers::write_sparse_at(out, buf, from as u64)?;
            done(from..to);
            Ok((overwritten, copies))
        })
        .collect();
    let mut overwritten = 0u64;
    let mut copies = Vec::new();
    for r in results {
        let (n, c) = r?;
        overwritten += n;
        copies.extend(c);
    }
    // the report lists the first copies of each value by offset
    copies.sort_unstable_by_key(|&(p, at)| (p, at));
    let mut listed = vec![0usize; plan.forms.len()];
    for (p, at) in copies {
        if listed[p] >= MAX_COPIES {
            continue;
        }
        listed[p] += 1;
        let span = Span {
            offset: at as u64,
            len: plan.forms[p].len() as u64,
            fill: Fill::Zero,
        };
        if let Some(r) = plan.owner.get(p).and_then(|&i| plan.removed.get_mut(i)) {
            r.spans.push([span.offset, span.len]);
        }
        plan.spans.push(span);
    }
    for r in &mut plan.removed {
        r.spans.sort_unstable();
        r.spans.dedup();
    }
    plan.spans.sort_unstable();
    plan.spans.dedup();
    Ok(overwritten)
}

/// The private values compiled for search: their first 16 bytes found by a
/// SIMD multi-literal search (up to 64 at a time), each candidate then
/// compared whole.
struct FormSearch<'a> {
    forms: &'a [Zeroizing<Vec<u8>>],
    groups: Vec<(Option<aho_corasick::packed::Searcher>, Option<AhoCorasick>)>,
    longest: usize,
}

impl<'a> FormSearch<'a> {
    fn new(forms: &'a [Zeroizing<Vec<u8>>]) -> FormSearch<'a> {
        let groups = forms
            .chunks(64)
            .map(|group| {
                let prefixes = group.iter().map(|f| &f[..MIN_FORM]);
                let packed = aho_corasick::packed::Config::new()
                    .builder()
                    .extend(prefixes.clone())
                    .build();
                (packed, AhoCorasick::new(prefixes).ok())
            })
            .collect();
        FormSearch {
            forms,
            groups,
            longest: forms.iter().map(|f| f.len()).max().unwrap_or(0),
        }
    }

    /// Every (form index, offset in `hay`) of a whole form starting before
    /// `starts_before`.
    fn find(&self, hay: &[u8], starts_before: usize) -> Vec<(usize, usize)> {
        let mut found = Vec::new();
        for (g, (packed, general)) in self.groups.iter().enumerate() {
            let matches: Vec<(usize, usize)> = match (packed, general) {
                (Some(s), _) => s
                    .find_iter(hay)
                    .map(|m| (m.pattern().as_usize(), m.start()))
                    .collect(),
                (None, Some(ac)) => ac
                    .find_iter(hay)
                    .map(|m| (m.pattern().as_usize(), m.start()))
                    .collect(),
                (None, None) => Vec::new(),
            };
            found.extend(
                matches
                    .into_iter()
                    .filter(|&(_, at)| at < starts_before)
                    .filter_map(|(p, at)| {
                        let form = self.forms.get(g * 64 + p)?;
                        (hay.get(at..at + form.len()) == Some(form.as_slice()))
                            .then_some((g * 64 + p, at))
                    }),
            );
        }
        found
    }
}

/// The finding's own span: the secret where it was found.
fn own_spans(bytes: &[u8], f: &Finding) -> Vec<Span> {
    let fill = match f.encoding {
        Encoding::Ascii => Fill::Text,
        Encoding::Utf16le => Fill::Utf16,
        Encoding::Utf16be => Fill::Utf16Be,
        Encoding::Binary | Encoding::BignumLe | Encoding::BignumBe | Encoding::BignumJava => {
            Fill::Zero
        }
    };
    let whole = Span {
        offset: f.offset,
        len: f.length,
        fill,
    };
    if fill == Fill::Zero {
        return vec![whole];
    }
    // a PEM block keeps its armour lines: only the body goes
    let Some(text) = usize::try_from(f.offset)
        .ok()
        .and_then(|at| bytes.get(at..at.checked_add(usize::try_from(f.length).ok()?)?))
    else {
        return vec![whole];
    };
    // text markers in the finding's encoding
    let encode = |ascii: &[u8]| -> Vec<u8> {
        match fill {
            Fill::Utf16 => ascii.iter().flat_map(|&b| [b, 0]).collect(),
            Fill::Utf16Be => ascii.iter().flat_map(|&b| [0, b]).collect(),
            _ => ascii.to_vec(),
        }
    };
    let newline = encode(b"\n");
    let end_marker = encode(b"-----END");
    let begin_marker = encode(b"-----BEGIN");
    // a JWK keeps its public members (kty, kid, n, e, x, y): only the
    // private values go
    if f.rule_id.starts_with("jwk-") {
        return jwk_private_spans(text, f.offset, fill).unwrap_or_else(|| vec![whole]);
    }
    if !text.starts_with(&begin_marker) {
        return vec![whole];
    }
    let body_from = memchr::memmem::find(text, &newline).map(|i| i + newline.len());
    let body_to = memchr::memmem::rfind(text, &end_marker);
    match (body_from, body_to) {
        (Some(a), Some(b)) if a < b => vec![Span {
            offset: f.offset + a as u64,
            len: (b - a) as u64,
            fill,
        }],
        _ => vec![whole],
    }
}

/// Members of a JWK that hold private key material.
const JWK_PRIVATE: [&[u8]; 8] = [b"d", b"p", b"q", b"dp", b"dq", b"qi", b"k", b"oth"];

/// The spans of a JWK's private member values (the characters between the
/// quotes of `d`, `p`, `q`, `dp`, `dq`, `qi`, `k`; all of `oth`), in text
/// `text` at file offset `offset` encoded as `fill` says. `None` when
/// none is found (the whole object is filled then).
fn jwk_private_spans(text: &[u8], offset: u64, fill: Fill) -> Option<Vec<Span>> {
    let (unit, skip) = match fill {
        Fill::Utf16 => (2, 0),
        Fill::Utf16Be => (2, 1),
        _ => (1, 0),
    };
    let chars: Vec<u8> = text.iter().skip(skip).step_by(unit).copied().collect();
    let span = |from: usize, to: usize| Span {
        offset: offset + (from * unit) as u64,
        len: ((to - from) * unit) as u64,
        fill,
    };
    // the end of the JSON string whose opening quote is at `at`
    let string_end = |at: usize| -> Option<usize> {
        let mut i = at + 1;
        while i < chars.len() {
            match chars[i] {
                b'\\' => i += 2,
                b'"' => return Some(i),
                _ => i += 1,
            }
        }
        None
    };
    let skip_ws = |mut i: usize| {
        while chars.get(i).is_some_and(|c| c.is_ascii_whitespace()) {
            i += 1;
        }
        i
    };
    let mut spans = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != b'"' {
            i += 1;
            continue;
        }
        let end = string_end(i)?;
        let name = &chars[i + 1..end];
        let colon = skip_ws(end + 1);
        if chars.get(colon) != Some(&b':') {
            i = end + 1;
            continue;
        }
        let value = skip_ws(colon + 1);
        if JWK_PRIVATE.contains(&name) {
            match chars.get(value) {
                Some(b'"') => {
                    let value_end = string_end(value)?;
                    spans.push(span(value + 1, value_end));
                    i = value_end + 1;
                    continue;
                }
                // `oth` (more primes): its whole array
                Some(b'[') => {
                    let close = value + chars[value..].iter().position(|&c| c == b']')?;
                    spans.push(span(value, close + 1));
                    i = close + 1;
                    continue;
                }
                _ => {}
            }
        }
        i = value;
    }
    (!spans.is_empty()).then_some(spans)
}

/// Copies of a rebuilt key's private numbers that the finding lists (p, q,
/// d; not n, records or objects, which are public or pointers).
fn component_spans(f: &Finding) -> Vec<Span> {
    f.components
        .iter()
        .filter(|c| {
            let first = c.name.split(' ').next().unwrap_or_default();
            matches!(first, "p" | "q" | "d")
        })
        .map(|c| Span {
            offset: c.offset,
            len: c.length,
            fill: Fill::Zero,
        })
        .collect()
}

/// Every byte string a finding's secret lets us look for: an RSA key's d,
/// p, q, dP, dQ and qInv, an EC scalar, an Edwards or X25519 seed, an AES
/// key; each big- and little-endian and in Java `BigInteger` word order.
fn private_forms(f: &Finding) -> Vec<Zeroizing<Vec<u8>>> {
    let Some(secret) = f.secret.as_deref() else {
        return Vec::new();
    };
    let der: Option<Zeroizing<Vec<u8>>> = if secret.starts_with("-----BEGIN") {
        pem_body(secret)
    } else if !matches!(
        f.encoding,
        Encoding::Ascii | Encoding::Utf16le | Encoding::Utf16be
    ) {
        hex_decode(secret)
    } else {
        None
    };
    let Some(der) = der else {
        return Vec::new();
    };
    let numbers = if f.kind == "aes-key" || (f.kind == "symmetric-key" && der.len() <= 64) {
        vec![der.clone()]
    } else {
        key_numbers(&der)
    };
    let mut forms = Vec::new();
    for n in numbers {
        let trimmed: Vec<u8> = n.iter().copied().skip_while(|&b| b == 0).collect();
        if trimmed.len() < MIN_FORM {
            continue;
        }
        let mut le: Vec<u8> = trimmed.iter().rev().copied().collect();
        forms.push(Zeroizing::new(le.clone()));
        // a Java BigInteger's int[] magnitude: words most significant first
        le.resize(le.len().div_ceil(4) * 4, 0);
        forms.push(Zeroizing::new(
            le.chunks(4).rev().flatten().copied().collect(),
        ));
        forms.push(Zeroizing::new(trimmed));
    }
    forms
}

/// The DER inside a PEM block (unencrypted blocks only).
fn pem_body(pem: &str) -> Option<Zeroizing<Vec<u8>>> {
    if pem.contains("ENCRYPTED") {
        return None;
    }
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----") && !l.contains(':'))
        .flat_map(|l| l.chars().filter(|c| !c.is_whitespace()))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .ok()
        .map(Zeroizing::new)
}

fn hex_decode(hex: &str) -> Option<Zeroizing<Vec<u8>>> {
    if !hex.len().is_multiple_of(2) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()
        .map(Zeroizing::new)
}

/// The private numbers of a DER private key: PKCS#1 RSA, SEC1 EC, or
/// either (or an Edwards/X25519 seed) inside PKCS#8.
fn key_numbers(der: &[u8]) -> Vec<Zeroizing<Vec<u8>>> {
    if let Ok(k) = pkcs1::RsaPrivateKey::from_der(der) {
        return [
            k.private_exponent,
            k.prime1,
            k.prime2,
            k.exponent1,
            k.exponent2,
            k.coefficient,
        ]
        .iter()
        .map(|u| Zeroizing::new(u.as_bytes().to_vec()))
        .collect();
    }
    if let Ok(k) = sec1::EcPrivateKey::from_der(der) {
        return vec![Zeroizing::new(k.private_key.to_vec())];
    }
    if let Ok(info) = pkcs8::PrivateKeyInfo::from_der(der) {
        let inner = info.private_key;
        let nested = key_numbers(inner);
        if !nested.is_empty() {
            return nested;
        }
        // Edwards and Montgomery keys: an OCTET STRING holding the seed
        if let Ok(seed) = der::asn1::OctetStringRef::from_der(inner) {
            return vec![Zeroizing::new(seed.as_bytes().to_vec())];
        }
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fillers_keep_length_and_line_breaks() {
        assert_eq!(Fill::Text.bytes_for(b"ab\r\ncd"), b"**\r\n**");
        assert_eq!(Fill::Utf16.bytes_for(b"a\0\n\0b\0"), b"*\0\n\0*\0");
        assert_eq!(Fill::Utf16Be.bytes_for(b"\0a\0\n\0b"), b"\0*\0\n\0*");
        assert_eq!(Fill::Zero.bytes_for(b"xyz"), [0, 0, 0]);
    }

    /// Copies are zeroed wherever they lie, across the pieces written in
    /// parallel (one straddling a seam), in either byte order, and only
    /// whole; every other byte is copied, zero pages as holes.
    #[test]
    fn copies_are_zeroed_across_pieces() {
        let form: Vec<u8> = (1..=40).collect();
        const PAGE: usize = 4096;
        let mut bytes = vec![0u8; PIECE + 3 * PAGE];
        bytes[PIECE + PAGE..].fill(0x5a);
        for at in [3usize, PIECE - 20, PIECE + 100] {
            bytes[at..at + 40].copy_from_slice(&form);
        }
        // a prefix alone is not a copy
        bytes[1000..1016].copy_from_slice(&form[..16]);
        let reversed: Vec<u8> = form.iter().rev().copied().collect();
        bytes[2000..2040].copy_from_slice(&reversed);
        let mut plan = Plan {
            forms: vec![Zeroizing::new(form), Zeroizing::new(reversed)],
            owner: vec![0, 0],
            removed: vec![Removed {
                rule_id: "r".into(),
                kind: "k".into(),
                fingerprint: None,
                spans: Vec::new(),
            }],
            spans: Vec::new(),
        };
        let out = tempfile::tempfile().unwrap();
        let n = write_redacted(&bytes, &mut plan, &out, &|_| {}).unwrap();
        assert_eq!(n, 4 * 40);
        let spans: Vec<[u64; 2]> = plan.removed[0].spans.clone();
        let p = PIECE as u64;
        assert_eq!(spans, [[3, 40], [2000, 40], [p - 20, 40], [p + 100, 40]]);
        let mut copy = Vec::new();
        std::io::Read::read_to_end(&mut &out, &mut copy).unwrap();
        let mut expected = bytes.clone();
        for at in [3usize, 2000, PIECE - 20, PIECE + 100] {
            expected[at..at + 40].fill(0);
        }
        assert!(copy == expected);
    }

    /// A JWK loses the values of its private members, in ASCII and both
    /// UTF-16 orders, and keeps kty, kid, n and e.
    #[test]
    fn jwk_keeps_its_public_members() {
        let jwk = br#"{"kty":"RSA","kid":"k1","n":"AQAB9x","e":"AQAB","d":"c2Vj\"cmV0","p":"cA","q" : "cQ","dp":"ZHA","dq":"ZHE","qi":"cWk"}"#;
        for fill in [Fill::Text, Fill::Utf16, Fill::Utf16Be] {
            let text: Vec<u8> = match fill {
                Fill::Utf16 => jwk.iter().flat_map(|&b| [b, 0]).collect(),
                Fill::Utf16Be => jwk.iter().flat_map(|&b| [0, b]).collect(),
                _ => jwk.to_vec(),
            };
            let spans = jwk_private_spans(&text, 100, fill).unwrap();
            let mut out = text.clone();
            for s in &spans {
                let at = s.offset as usize - 100;
                let end = at + s.len as usize;
                let filled = s.fill.bytes_for(&out[at..end]);
                out[at..end].copy_from_slice(&filled);
            }
            let ascii: Vec<u8> = match fill {
                Fill::Text => out,
                Fill::Utf16 => out.iter().step_by(2).copied().collect(),
                _ => out.iter().skip(1).step_by(2).copied().collect(),
            };
            assert_eq!(
                String::from_utf8(ascii).unwrap(),
                r#"{"kty":"RSA","kid":"k1","n":"AQAB9x","e":"AQAB","d":"**********","p":"**","q" : "**","dp":"***","dq":"***","qi":"***"}"#
            );
        }
        assert!(jwk_private_spans(br#"{"kty":"RSA","n":"AQAB"}"#, 0, Fill::Text).is_none());
    }

    #[test]
    fn rsa_private_numbers_come_from_pkcs1_and_pkcs8() {
        let pem = include_str!("../fixtures/keys/rsa2048-pkcs1.pem");
        let der = pem_body(pem).unwrap();
        let numbers = key_numbers(&der);
        assert_eq!(numbers.len(), 6, "d, p, q, dP, dQ, qInv");
        let pkcs8 = include_str!("../fixtures/keys/rsa3072-pkcs8.pem");
        assert_eq!(key_numbers(&pem_body(pkcs8).unwrap()).len(), 6);
        let ec = include_str!("../fixtures/keys/ec-p256-sec1.pem");
        assert_eq!(key_numbers(&pem_body(ec).unwrap())[0].len(), 32);
        let ed = include_str!("../fixtures/keys/ed25519-pkcs8.pem");
        assert_eq!(key_numbers(&pem_body(ed).unwrap())[0].len(), 32);
    }
}
