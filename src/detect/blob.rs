//! Binary key structures found by their magic: OpenSSH `openssh-key-v1`
//! decoded in memory, Windows CryptoAPI PRIVATEKEYBLOB and PVK, CNG RSA,
//! ECC and key-data blobs, Java keystores (JKS, JCEKS), and OpenPGP
//! secret-key packets (found by their curve OID, or for RSA by the MPI of
//! the usual public exponent 65537). Each magic is only a candidate: the structure's
//! header must agree with the sizes present, and keys must validate (or, for
//! EC blobs, carry a point on the curve) before anything is reported.

use super::{Candidate, Detection, Detector};
use crate::formats::winblob::{self, Blob};
use crate::formats::{jks, openssh, pgp};

/// Most bytes one blob spans (an RSA-16384 CNG full private blob is about 9 KiB).
const MAX_BLOB: usize = 1 << 16;

type Parser = fn(&[u8]) -> Option<Blob>;
/// Ways to read a structure around its magic: (bytes before the magic where it starts, parser).
type Readings = &'static [(usize, Parser)];

/// Each magic with its readings.
const MAGICS: &[(&[u8], Readings)] = &[
    (b"openssh-key-v1\0", &[(0, openssh_blob)]),
    (b"RSA2", &[(8, winblob::capi_rsa), (0, winblob::cng_rsa)]),
    (b"RSA3", &[(0, winblob::cng_rsa)]),
    (&[0x1e, 0xf1, 0xb5, 0xb0], &[(0, winblob::pvk)]),
    (b"ECS", &[(0, winblob::cng_ecc)]),
    (b"ECK", &[(0, winblob::cng_ecc)]),
    (b"KDBM", &[(0, winblob::cng_key_data)]),
    (&[0xfe, 0xed, 0xfe, 0xed], &[(0, jks::keystore)]),
    (&[0xce, 0xce, 0xce, 0xce], &[(0, jks::keystore)]),
    // OpenPGP v4 secret-key packets, by the length-prefixed curve OID that
    // follows version, creation time and algorithm (6 bytes into the body),
    // behind a packet header of 2, 3, 5 or 6 bytes
    (
        &[0x09, 0x2b, 0x06, 0x01, 0x04, 0x01, 0xda, 0x47, 0x0f, 0x01],
        PGP_READINGS,
    ), // Ed25519
    (
        &[
            0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x97, 0x55, 0x01, 0x05, 0x01,
        ],
        PGP_READINGS,
    ), // Curve25519
    (
        &[0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07],
        PGP_READINGS,
    ), // P-256
    (&[0x05, 0x2b, 0x81, 0x04, 0x00, 0x22], PGP_READINGS), // P-384
    (&[0x05, 0x2b, 0x81, 0x04, 0x00, 0x23], PGP_READINGS), // P-521
    // OpenPGP RSA secret-key packets, by the MPI of e = 65537 that follows n
    (&[0x00, 0x11, 0x01, 0x00, 0x01], PGP_RSA_READINGS),
];

/// Packet starts for an RSA key with a 1024-, 2048-, 3072- or 4096-bit n:
/// header (2, 3, 5 or 6 bytes), version, time and algorithm (6), n's MPI.
const PGP_RSA_READINGS: Readings = &[
    (138, pgp_packet),
    (139, pgp_packet),
    (141, pgp_packet),
    (142, pgp_packet),
    (266, pgp_packet),
    (267, pgp_packet),
    (269, pgp_packet),
    (270, pgp_packet),
    (394, pgp_packet),
    (395, pgp_packet),
    (397, pgp_packet),
    (398, pgp_packet),
    (522, pgp_packet),
    (523, pgp_packet),
    (525, pgp_packet),
    (526, pgp_packet),
];

const PGP_READINGS: Readings = &[
    (8, pgp_packet),
    (9, pgp_packet),
    (11, pgp_packet),
    (12, pgp_packet),
];

fn pgp_packet(b: &[u8]) -> Option<Blob> {
    let (len, key) = pgp::secret_key_packet_at(b)?;
    Some(Blob {
        len,
        rule_id: "pgp-binary-secret-key",
        key,
    })
}

fn openssh_blob(b: &[u8]) -> Option<Blob> {
    let (key, len) = openssh::parse_prefix(b).ok()?;
    Some(Blob {
        len,
        rule_id: "openssh-binary-private-key",
        key,
    })
}

/// The binary-magic detector.
pub struct BlobDetector {
    anchors: Vec<&'static [u8]>,
}

impl Default for BlobDetector {
    fn default() -> Self {
        BlobDetector {
            anchors: MAGICS.iter().map(|(m, _)| *m).collect(),
        }
    }
}

impl Detector for BlobDetector {
    fn anchors(&self) -> &[&'static [u8]] {
        &self.anchors
    }

    fn is_text(&self) -> bool {
        false
    }

    fn rule_ids(&self) -> &[&'static str] {
        &[
            "openssh-binary-private-key",
            "capi-rsa-private-key-blob",
            "capi-pvk-private-key",
            "cng-rsa-private-key-blob",
            "cng-rsa-full-private-key-blob",
            "cng-ecc-private-key-blob",
            "cng-key-data-blob",
            "java-keystore",
            "pgp-binary-secret-key",
        ]
    }

    fn window(&self) -> (usize, usize) {
        (16, MAX_BLOB)
    }

    fn confirm(&self, c: &Candidate<'_>, _scratch: &mut super::Scratch, out: &mut Vec<Detection>) {
        let Some((_, parsers)) = MAGICS.get(c.anchor) else {
            return;
        };
        for &(back, parse) in *parsers {
            let Some(start) = c.pos.checked_sub(back) else {
                continue;
            };
            let end = start.saturating_add(MAX_BLOB).min(c.unit.len());
            let Some(Blob { len, rule_id, key }) = parse(&c.unit[start..end]) else {
                continue;
            };
            out.push(super::binary_detection(start, len, rule_id, key, rule_id));
            return;
        }
    }
}
