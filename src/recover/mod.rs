//! Key recovery from the forms running programs keep keys in, as opposed to
//! the serialised forms the anchor detectors find: AES key schedules and RSA
//! numbers as limb arrays. These have no literal anchor, so they sweep every
//! byte of a chunk next to the prefilter (AES), or collect candidates per
//! chunk and correlate them once per file, following pointers through the
//! dump's address map (RSA).

pub mod address;
pub mod aes;
pub mod bignum;

use crate::container::MemoryMap;
use crate::detect::{Component, Detection, Encoding};
use crate::finding::Severity;
use address::AddressIndex;
use std::ops::Range;

/// Which recoveries a scan runs; built once per scan.
#[derive(Default)]
pub struct Recovery {
    aes: Option<aes::AesFinder>,
    rsa: bool,
}

/// Bytes past a chunk's end a recovery may read (the largest RSA window).
pub const CONTEXT_AFTER: usize = 512;

impl Recovery {
    /// No recovery: anchor detectors only.
    pub fn none() -> Recovery {
        Recovery::default()
    }

    /// AES schedules (every byte alignment when `aes_unaligned`) and/or RSA limb arrays.
    pub fn new(aes: bool, aes_unaligned: bool, rsa: bool) -> Recovery {
        Recovery {
            aes: aes.then(|| aes::AesFinder::new(aes_unaligned)),
            rsa,
        }
    }

    /// Whether anything runs at all.
    pub fn is_active(&self) -> bool {
        self.aes.is_some() || self.rsa
    }

    /// Every rule id a recovery can report.
    pub fn rule_ids(&self) -> Vec<&'static str> {
        let mut ids = Vec::new();
        if self.aes.is_some() {
            ids.push(aes::RULE_ID);
        }
        if self.rsa {
            ids.push(RSA_RULE_ID);
        }
        ids
    }

    /// Sweep `owned` (a range of `unit`, which starts at file offset `base`
    /// and whose first byte has address `addr`, or is raw when `None`).
    pub fn sweep(
        &self,
        unit: &[u8],
        base: u64,
        addr: Option<u64>,
        owned: Range<usize>,
        found: &mut Vec<Detection>,
        collected: &mut bignum::Collected,
    ) {
        let start = addr.unwrap_or(base);
        let phase4 = ((4 - start % 4) % 4) as usize;
        let phase8 = ((8 - start % 8) % 8) as usize;
        if let Some(finder) = &self.aes {
            let mut schedules = Vec::new();
            finder.find(unit, owned.clone(), phase4, &mut schedules);
            aes::AesFinder::detections(schedules, found);
        }
        if self.rsa {
            bignum::collect(unit, base, owned, phase4, phase8, collected);
        }
    }

    /// [`Recovery::sweep`] for a stream, which has no address map: AES
    /// schedules only (RSA recovery needs the whole file to correlate).
    pub fn sweep_stream(
        &self,
        buf: &[u8],
        base: u64,
        owned: Range<usize>,
        found: &mut Vec<Detection>,
        collected: &mut bignum::Collected,
    ) {
        if let Some(finder) = &self.aes {
            let phase4 = ((4 - base % 4) % 4) as usize;
            let mut schedules = Vec::new();
            finder.find(buf, owned, phase4, &mut schedules);
            aes::AesFinder::detections(schedules, found);
        }
        let _ = collected;
    }

    /// Correlate what the chunks of one mapped file collected: recovered RSA
    /// keys as detections at file offsets, plus warnings for the file.
    pub fn finish(
        &self,
        bytes: &[u8],
        map: &MemoryMap,
        collected: bignum::Collected,
    ) -> (Vec<(u64, Detection)>, Vec<String>) {
        if !self.rsa {
            return (Vec::new(), Vec::new());
        }
        let index = AddressIndex::new(map);
        let outcome = bignum::recover(bytes, &index, collected);
        let found = outcome.keys.into_iter().filter_map(rsa_detection).collect();
        (found, outcome.warnings)
    }
}

/// Rule id of RSA keys rebuilt from limb arrays.
pub const RSA_RULE_ID: &str = "rsa-private-key-bignum";

fn component_name(name: &'static str, site: &bignum::Site) -> &'static str {
    match (name, site.record.is_some()) {
        ("n", true) => "n (BIGNUM limbs)",
        ("p", true) => "p (BIGNUM limbs)",
        ("q", true) => "q (BIGNUM limbs)",
        (other, _) => other,
    }
}

fn encoding_of(order: bignum::Order) -> Encoding {
    match order {
        bignum::Order::Le => Encoding::BignumLe,
        bignum::Order::Be => Encoding::BignumBe,
    }
}

/// One finding per rebuilt key, placed at the first copy of its prime p.
fn rsa_detection(r: bignum::Recovered) -> Option<(u64, Detection)> {
    let anchor = r
        .components
        .iter()
        .find(|(name, _)| *name == "p")
        .or_else(|| r.components.first())
        .map(|(_, s)| *s)?;
    let mut components = Vec::new();
    for (name, site) in &r.components {
        components.push(Component {
            name: component_name(name, site),
            file_offset: site.file_offset,
            len: u64::from(site.len),
            encoding: encoding_of(site.order),
        });
        if let Some(rec) = site.record {
            components.push(Component {
                name: match *name {
                    "n" => "BIGNUM record of n",
                    "p" => "BIGNUM record of p",
                    "q" => "BIGNUM record of q",
                    _ => "BIGNUM record",
                },
                file_offset: rec,
                len: 24,
                encoding: Encoding::Binary,
            });
        }
    }
    let bits = r.key.info.bits.unwrap_or(0);
    let fingerprint = r.key.fingerprint();
    let copies = |n: &str| r.components.iter().filter(|(c, _)| *c == n).count();
    let preview = format!(
        "RSA-{bits} private key rebuilt from numbers in memory: n seen {} times, p {}, q {}{}",
        copies("n"),
        copies("p"),
        copies("q"),
        if r.e_confirmed { ", d found" } else { "" }
    );
    let secret = pem_of(&r.pkcs1_der);
    Some((
        anchor.file_offset,
        Detection {
            start: 0,
            len: anchor.len as usize,
            encoding: encoding_of(anchor.order),
            rule_id: RSA_RULE_ID,
            kind: "rsa-private-key",
            severity: Severity::Critical,
            key: Some(r.key.info.clone()),
            fingerprint,
            preview,
            secret,
            components,
        },
    ))
}

/// PKCS#1 PEM of a rebuilt key, what `--show-secrets` prints.
fn pem_of(der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN RSA PRIVATE KEY-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str("-----END RSA PRIVATE KEY-----\n");
    out
}
