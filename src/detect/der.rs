//! Raw DER private keys anywhere in memory, at any offset: PKCS#1, OpenSSL
//! DSA, PKCS#8 / OneAsymmetricKey (RSA, RSA-PSS, EC, Ed25519, X25519, Ed448,
//! X448, DSA), SEC1, EncryptedPrivateKeyInfo and PKCS#12.
//!
//! Anchors are rare byte sequences, never `30 82` alone: a version INTEGER
//! followed by the next element's tag, or the password-based-encryption OIDs
//! that open an EncryptedPrivateKeyInfo. From an anchor the detector steps back to every header length that
//! could put a SEQUENCE start there, checks the declared lengths against the
//! bytes present, and only then parses (with the RustCrypto crates, through
//! [`crate::formats::der::private_key_at`]).

use super::{Candidate, Detection, Detector};
use crate::formats::der::{self, DerKey};

/// Where, relative to an anchor, the outer SEQUENCE may start.
#[derive(Clone, Copy)]
enum Anchor {
    /// The anchor is the version INTEGER, the outer header's first content.
    Version,
    /// The anchor is an OID inside the AlgorithmIdentifier that opens the structure.
    AlgorithmFirst,
}

/// Few and short on purpose: the prefilter's SIMD search stays fast with a
/// handful of anchors that share prefixes, and slows to a byte-at-a-time
/// automaton when given a score of long ones (measured: 13.7 GB/s against
/// 1.6 GB/s on dump-like data). What distinguishes the formats is checked in
/// the confirmation step instead.
const ANCHORS: &[(&[u8], Anchor)] = &[
    // PKCS#1 RSA and OpenSSL DSA: version 0, then a long INTEGER (n or p)
    (&[0x02, 0x01, 0x00, 0x02, 0x81], Anchor::Version),
    (&[0x02, 0x01, 0x00, 0x02, 0x82], Anchor::Version),
    // PKCS#8 v1 (any algorithm) and OneAsymmetricKey v2: version, then AlgorithmIdentifier
    (&[0x02, 0x01, 0x00, 0x30], Anchor::Version),
    (&[0x02, 0x01, 0x01, 0x30], Anchor::Version),
    // SEC1: version 1, then the private scalar
    (&[0x02, 0x01, 0x01, 0x04], Anchor::Version),
    // PKCS#12: version 3, then the authSafe ContentInfo
    (&[0x02, 0x01, 0x03, 0x30], Anchor::Version),
    // EncryptedPrivateKeyInfo: PBES1/PBES2 (1.2.840.113549.1.5.x) and PKCS#12 PBE
    (
        &[0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05],
        Anchor::AlgorithmFirst,
    ),
    (
        &[
            0x06, 0x0a, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01,
        ],
        Anchor::AlgorithmFirst,
    ),
];

/// The DER private-key detector.
pub struct DerDetector {
    anchors: Vec<&'static [u8]>,
}

impl Default for DerDetector {
    fn default() -> Self {
        DerDetector {
            anchors: ANCHORS.iter().map(|(a, _)| *a).collect(),
        }
    }
}

/// Length of a SEQUENCE header starting at `at`, if there is one.
fn sequence_header_len(unit: &[u8], at: usize) -> Option<usize> {
    if *unit.get(at)? != 0x30 {
        return None;
    }
    match *unit.get(at + 1)? {
        l if l < 0x80 => Some(2),
        0x81 => Some(3),
        0x82 => Some(4),
        0x83 => Some(5),
        _ => None,
    }
}

/// Offsets where a SEQUENCE whose content starts at `content` could begin.
fn sequence_starts(unit: &[u8], content: usize) -> impl Iterator<Item = usize> + '_ {
    (2..=5).filter_map(move |h| {
        let start = content.checked_sub(h)?;
        (sequence_header_len(unit, start)? == h).then_some(start)
    })
}

impl DerDetector {
    /// Candidate structure starts for an anchor at `pos`.
    fn starts(&self, unit: &[u8], pos: usize, anchor: Anchor) -> Vec<usize> {
        match anchor {
            Anchor::Version => sequence_starts(unit, pos).collect(),
            Anchor::AlgorithmFirst => sequence_starts(unit, pos)
                .flat_map(|alg| sequence_starts(unit, alg).collect::<Vec<_>>())
                .collect(),
        }
    }
}

impl Detector for DerDetector {
    fn anchors(&self) -> &[&'static [u8]] {
        &self.anchors
    }

    fn is_text(&self) -> bool {
        false
    }

    fn rule_ids(&self) -> &[&'static str] {
        &[
            "der-pkcs1-rsa-private-key",
            "der-dsa-private-key",
            "der-pkcs8-private-key",
            "der-sec1-ec-private-key",
            "der-encrypted-private-key",
            "der-pkcs12",
        ]
    }

    fn window(&self) -> (usize, usize) {
        (16, der::MAX_DER + 16)
    }

    fn confirm(&self, c: &Candidate<'_>, _scratch: &mut super::Scratch, out: &mut Vec<Detection>) {
        let Some(&(_, anchor)) = ANCHORS.get(c.anchor) else {
            return;
        };
        for start in self.starts(c.unit, c.pos, anchor) {
            let end = start.saturating_add(der::MAX_DER + 8).min(c.unit.len());
            let Some(DerKey { len, rule_id, key }) = der::private_key_at(&c.unit[start..end])
            else {
                continue;
            };
            let label = format!("DER {}", rule_id.trim_start_matches("der-"));
            out.push(super::binary_detection(start, len, rule_id, key, &label));
            return;
        }
    }
}
