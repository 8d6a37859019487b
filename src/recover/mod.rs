//! Key recovery from the forms running programs keep keys in, as opposed to
//! the serialised forms the anchor detectors find: AES key schedules and RSA
//! numbers as limb arrays. These have no literal anchor, so they sweep every
//! byte of a chunk next to the prefilter (AES), or collect candidates per
//! chunk and correlate them once per file, following pointers through the
//! dump's address map (RSA).

pub mod address;
pub mod aes;
pub mod bignum;
pub mod known_search;

use crate::container::MemoryMap;
use crate::detect::{Component, Detection, Family, Secret};
use crate::known_keys::{KnownPublic, KnownTarget};
use crate::model::Encoding;
use crate::model::Severity;
use address::AddressIndex;
use std::ops::Range;

/// The hasher of the recoveries' maps, whose keys are numbers from the dump:
/// seeded per process, so no dump can be shaped to make them collide. Under
/// the fuzzers (`--cfg fuzzing`) it has fixed keys instead, because a seed
/// that changes from run to run changes which hash-table paths an input
/// takes, and a fuzzer's coverage must depend on its input alone.
#[cfg(not(fuzzing))]
pub(crate) type DumpKeyHasher = std::hash::RandomState;
/// See above: fixed keys, for the fuzzers only.
#[cfg(fuzzing)]
pub(crate) type DumpKeyHasher = std::hash::BuildHasherDefault<std::hash::DefaultHasher>;

/// Which recoveries a scan runs; built once per scan.
#[derive(Default)]
pub struct Recovery {
    aes: Option<aes::AesFinder>,
    rsa: bool,
    known: Vec<KnownTarget>,
}

/// Bytes past a chunk's end a recovery may read (the largest RSA window).
pub const CONTEXT_AFTER: usize = 512;

impl Recovery {
    /// The recoveries of `families`: AES schedules (looked for at
    /// `aes_alignment`) and RSA limb arrays, the latter also searching for
    /// the private halves of the `known` public keys (whose search reuses
    /// its candidates).
    pub fn new(
        families: &[Family],
        aes_alignment: aes::AesAlignment,
        known: &[KnownTarget],
    ) -> Recovery {
        let rsa = families.contains(&Family::Bignum);
        Recovery {
            aes: families
                .contains(&Family::Aes)
                .then(|| aes::AesFinder::new(aes_alignment)),
            rsa,
            known: if rsa { known.to_vec() } else { Vec::new() },
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
            ids.extend([RSA_RULE_ID, KNOWN_RSA_RULE_ID, KNOWN_EC_RULE_ID]);
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
        // Memory is mapped at 4-aligned addresses (pages, stacks, heap
        // blocks); only small snippets around an instruction pointer start
        // anywhere. A region whose address says otherwise has a corrupt or
        // forged address, which must not move the alignment the searches
        // keep to and so hide every key in it: it is searched at its file
        // offset's alignment as well (nothing more to do where they agree).
        let by_address = phases_of(start);
        let by_file = (!start.is_multiple_of(4) && start % 4 != base % 4).then(|| phases_of(base));
        if let Some(finder) = &self.aes {
            let mut schedules = Vec::new();
            finder.find(unit, owned.clone(), by_address.0, &mut schedules);
            if let Some((phase4, _)) = by_file
                && !finder.every_byte()
            {
                finder.find(unit, owned.clone(), phase4, &mut schedules);
            }
            aes::AesFinder::detections(schedules, found);
        }
        if self.rsa {
            let ec = self
                .known
                .iter()
                .any(|t| matches!(t.public, KnownPublic::Ec { .. }));
            bignum::collect(unit, base, owned.clone(), by_address, ec, collected);
            if let Some(phases) = by_file {
                bignum::collect(unit, base, owned, phases, ec, collected);
            }
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
    ) {
        if let Some(finder) = &self.aes {
            let mut schedules = Vec::new();
            finder.find(buf, owned, phases_of(base).0, &mut schedules);
            aes::AesFinder::detections(schedules, found);
        }
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
        let (outcome, pool) = bignum::recover_with_pool(bytes, &index, collected);
        let mut warnings = outcome.warnings;
        let mut found: Vec<(u64, Detection)> = outcome
            .keys
            .into_iter()
            .filter_map(|r| rsa_detection(r, RSA_RULE_ID))
            .collect();
        if !self.known.is_empty() {
            let already: Vec<String> = found
                .iter()
                .filter_map(|(_, d)| d.fingerprint.clone())
                .collect();
            for f in known_search::search(bytes, &self.known, &pool, &already, &mut warnings) {
                let d = match f {
                    known_search::KnownFind::Rsa(r) => rsa_detection(r, KNOWN_RSA_RULE_ID),
                    known_search::KnownFind::Ec {
                        key,
                        scalar,
                        components,
                    } => ec_detection(key, &scalar, components),
                };
                found.extend(d);
            }
        }
        (found, warnings)
    }
}

/// The offsets, into bytes whose first byte sits at `start`, of the first
/// 4- and 8-aligned positions: what the searches step from.
fn phases_of(start: u64) -> (usize, usize) {
    (
        ((4 - start % 4) % 4) as usize,
        ((8 - start % 8) % 8) as usize,
    )
}

/// Rule id of RSA keys rebuilt from limb arrays.
pub const RSA_RULE_ID: &str = "rsa-private-key-bignum";

/// Rule id of RSA keys rebuilt from a known modulus and a factor found in memory.
pub const KNOWN_RSA_RULE_ID: &str = "rsa-private-key-known-factor";

/// Rule id of EC private scalars matching a known public key.
pub const KNOWN_EC_RULE_ID: &str = "ec-private-key-known-scalar";

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
        bignum::Order::Base64url => Encoding::Ascii,
        bignum::Order::JavaInts => Encoding::BignumJava,
    }
}

/// One finding per rebuilt key, placed at the first copy of its prime p.
fn rsa_detection(r: bignum::Recovered, rule_id: &'static str) -> Option<(u64, Detection)> {
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
            encoding: if *name == "RSA object" || *name == "SymCrypt RSA key object" {
                Encoding::Binary
            } else {
                encoding_of(site.order)
            },
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
            rule_id,
            kind: "rsa-private-key",
            severity: Severity::Critical,
            key: Some(r.key.info.clone()),
            fingerprint,
            preview,
            secret: Secret::Text(secret),
            components,
            token: None,
        },
    ))
}

/// One finding for a known EC key's private scalar, at its first copy.
fn ec_detection(
    key: crate::keys::ParsedKey,
    scalar: &[u8],
    parts: Vec<(&'static str, bignum::Site)>,
) -> Option<(u64, Detection)> {
    let anchor = parts.iter().find(|(n, _)| *n == "d").map(|(_, s)| *s)?;
    let components = parts
        .iter()
        .map(|(name, s)| Component {
            name,
            file_offset: s.file_offset,
            len: u64::from(s.len),
            encoding: encoding_of(s.order),
        })
        .collect();
    let curve = key.info.curve.clone().unwrap_or_default();
    Some((
        anchor.file_offset,
        Detection {
            start: 0,
            len: anchor.len as usize,
            encoding: encoding_of(anchor.order),
            rule_id: KNOWN_EC_RULE_ID,
            kind: "ec-private-key",
            severity: Severity::Critical,
            fingerprint: key.fingerprint(),
            preview: format!("EC {curve} private scalar of a known public key, found in memory"),
            secret: Secret::Text(crate::keys::hex(scalar)),
            key: Some(key.info),
            components,
            token: None,
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
