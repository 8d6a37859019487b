//! Redaction plans: the byte spans of a dump that hold the secrets a scan
//! found, and what goes there instead, so a copy can leave production.
//!
//! A finding names one place; a key held in memory is usually in several,
//! and in forms the finding does not name (OpenSSL keeps dP, dQ and qInv
//! beside p and q, and a process may hold the raw AES key beside its
//! schedule). So each secret's private parts are derived from the secret
//! itself and every copy of them, little- or big-endian, is looked for in
//! one pass over the file. Public parts (moduli, public exponents, public
//! points) are not touched, so the copy still shows which key was there: a
//! DER key whose private numbers are known loses only those; other
//! serialised forms (PEM bodies, JWK objects, blobs) are filled whole.
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
}

/// Shortest private value looked for elsewhere in the file: shorter byte
/// strings (a small exponent) would match unrelated bytes.
const MIN_FORM: usize = 16;

/// Most copies of one private value overwritten; a dump holds a handful.
const MAX_COPIES: usize = 4096;

/// Plan the redaction of `findings` (scanned with their secrets) in `bytes`.
pub fn plan(bytes: &[u8], findings: &[Finding]) -> Plan {
    let mut plan = Plan::default();
    // every private value of every finding, searched in one pass
    let mut forms: Vec<Zeroizing<Vec<u8>>> = Vec::new();
    let mut owner: Vec<usize> = Vec::new();
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
            if form.len() >= MIN_FORM && !forms.iter().any(|g| **g == *form) {
                forms.push(form);
                owner.push(i);
            }
        }
    }
    let mut copies = vec![0usize; forms.len()];
    for (p, at) in find_forms(bytes, &forms) {
        if copies[p] >= MAX_COPIES {
            continue;
        }
        copies[p] += 1;
        let span = Span {
            offset: at as u64,
            len: forms[p].len() as u64,
            fill: Fill::Zero,
        };
        if let Some(r) = owner.get(p).and_then(|&i| plan.removed.get_mut(i)) {
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
    plan
}

/// Bytes a parallel search piece covers.
const PIECE: usize = 16 << 20;

/// Every place (form index, offset) where one of `forms` lies in `bytes`:
/// their first 16 bytes found by a SIMD multi-literal search (up to 64 at a
/// time), each candidate then compared whole; pieces of the file searched
/// in parallel.
fn find_forms(bytes: &[u8], forms: &[Zeroizing<Vec<u8>>]) -> Vec<(usize, usize)> {
    use rayon::prelude::*;
    let longest = forms.iter().map(|f| f.len()).max().unwrap_or(0);
    let mut found = Vec::new();
    for (g, group) in forms.chunks(64).enumerate() {
        let prefixes = group.iter().map(|f| &f[..MIN_FORM]);
        let packed = aho_corasick::packed::Config::new()
            .builder()
            .extend(prefixes.clone())
            .build();
        let general = AhoCorasick::new(prefixes).ok();
        let starts: Vec<usize> = (0..bytes.len()).step_by(PIECE).collect();
        let hits: Vec<Vec<(usize, usize)>> = starts
            .par_iter()
            .map(|&from| {
                let to = (from + PIECE).min(bytes.len());
                let hay = &bytes[from..(to + longest).min(bytes.len())];
                let matches: Vec<(usize, usize)> = match (&packed, &general) {
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
                matches
                    .into_iter()
                    .filter(|&(_, at)| from + at < to)
                    .filter_map(|(p, at)| {
                        let form = group.get(p)?;
                        (hay.get(at..at + form.len()) == Some(form.as_slice()))
                            .then_some((g * 64 + p, from + at))
                    })
                    .collect()
            })
            .collect();
        found.extend(hits.into_iter().flatten());
    }
    found
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

    /// Copies are found wherever they lie, across the pieces searched in
    /// parallel, in both byte orders, and only whole.
    #[test]
    fn forms_are_found_across_pieces() {
        let form: Vec<u8> = (1..=40).collect();
        let mut bytes = vec![0u8; PIECE + 4096];
        for at in [3usize, PIECE - 20, PIECE + 100] {
            bytes[at..at + 40].copy_from_slice(&form);
        }
        // a prefix alone is not a copy
        bytes[1000..1016].copy_from_slice(&form[..16]);
        let reversed: Vec<u8> = form.iter().rev().copied().collect();
        bytes[2000..2040].copy_from_slice(&reversed);
        let forms = vec![Zeroizing::new(form), Zeroizing::new(reversed)];
        let mut found = find_forms(&bytes, &forms);
        found.sort_unstable();
        assert_eq!(
            found,
            [(0, 3), (0, PIECE - 20), (0, PIECE + 100), (1, 2000)]
        );
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
