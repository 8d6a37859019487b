//! Regression tests, each named after what the field sweep or the fuzzers found.

use crate::common::*;
use crate::contract::*;

/// A Memory64List stores its ranges back to back, so one wrong size field
/// moves the boundary of every later range: keys then straddle boundaries
/// between unrelated addresses. They are still in the file whole, and each
/// is found whole, as in the intact dump: same offset, length, rule and
/// fingerprint (the field sweep's 56 misses were of this kind).
#[test]
fn memory64_wrong_size_field_hides_no_key() {
    let md = std::fs::read(dump("pem-ascii.dmp")).unwrap();
    let (full, base, ranges) = to_memory64(&md);
    let list = base - 16 * ranges.len(); // the first descriptor
    let tmp = tempfile::tempdir().unwrap();
    let what = |report: &Report| {
        let mut found: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.offset as usize >= base)
            .map(|f| (f.offset, f.length, f.rule_id.clone(), f.fingerprint.clone()))
            .collect();
        found.sort();
        found
    };
    let (_, intact) = scan_json(&[s(&write(tmp.path(), "intact.dmp", &full))]);
    let intact = what(&intact);
    for p in expectations("pem-ascii") {
        assert!(
            intact.iter().any(|k| k.3 == p.fingerprint),
            "{}",
            p.key_file
        );
    }
    for (which, &(_, size)) in ranges.iter().enumerate() {
        for wrong in [0, 1, size / 2, size - 1, size + 1, size + 300] {
            let mut bad = full.clone();
            put_u64(&mut bad, list + 16 * which + 8, wrong);
            let (code, report) = scan_json(&[s(&write(tmp.path(), "moved.dmp", &bad))]);
            assert_eq!(code, 1);
            let found = what(&report);
            for key in &intact {
                assert!(
                    found.contains(key),
                    "range {which} of size {wrong} instead of {size}: {key:?} lost, found {found:?}"
                );
            }
        }
    }
}

/// A dump whose addresses lie about alignment (every segment or memory range
/// moved by a few bytes, as one flipped low bit does) hides nothing: the
/// AES schedule and RSA limb searches, which step by 4 bytes from the
/// region's address, also step from its file offset when the address is not
/// 4-aligned. The field sweep found this: before, such a copy of
/// `live-keys` lost all of its AES and RSA keys.
#[test]
fn misaligned_addresses_hide_no_key() {
    let tmp = tempfile::tempdir().unwrap();
    // (intact dump, copies of it with moved addresses)
    let mut cases: Vec<(PathBuf, Vec<PathBuf>)> = Vec::new();
    let core = dump("live-keys.core");
    let bytes = std::fs::read(&core).unwrap();
    let phoff = get_u64(&bytes, 32) as usize;
    let phnum = usize::from(u16::from_le_bytes([bytes[56], bytes[57]]));
    let mut moved_cores = Vec::new();
    for delta in [1u64, 2, 3, 0x1001] {
        let mut b = bytes.clone();
        for i in 0..phnum {
            let ph = phoff + 56 * i;
            if get_u32(&bytes, ph) == 1 {
                // PT_LOAD: p_vaddr
                put_u64(
                    &mut b,
                    ph + 16,
                    get_u64(&bytes, ph + 16).wrapping_add(delta),
                );
            }
        }
        moved_cores.push(write(tmp.path(), &format!("moved-{delta}.core"), &b));
    }
    cases.push((core, moved_cores));
    let dmp = dump("live-keys.dmp");
    let bytes = std::fs::read(&dmp).unwrap();
    let (_, list) = stream_entry(&bytes, 5).expect("MemoryListStream");
    let mut moved_dumps = Vec::new();
    for delta in [1u64, 3, u64::MAX] {
        let mut b = bytes.clone();
        for i in 0..get_u32(&bytes, list) as usize {
            let d = list + 4 + 16 * i;
            put_u64(&mut b, d, get_u64(&bytes, d).wrapping_add(delta));
        }
        moved_dumps.push(write(tmp.path(), &format!("moved-{delta}.dmp"), &b));
    }
    cases.push((dmp, moved_dumps));
    let args: Vec<&str> = cases
        .iter()
        .flat_map(|(intact, moved)| std::iter::once(intact).chain(moved))
        .map(|p| s(p))
        .collect();
    let (_, report) = scan_json(&args);
    for (intact, moved) in &cases {
        let keys = fingerprints_in(&report, intact);
        assert!(keys.iter().any(|(r, _)| r == "aes-key-schedule"));
        assert!(keys.iter().any(|(r, _)| r == "rsa-private-key-bignum"));
        for m in moved {
            assert_eq!(fingerprints_in(&report, m), keys, "{}", m.display());
        }
    }
}

/// Inputs the fuzzer found slow (the known-key search testing every
/// scalar-sized number in them against both known keys) finish within the
/// search's budget, with no error, and leave other files' findings intact.
#[test]
fn fuzzer_slow_units_stay_within_the_known_key_budget() {
    let dir = fixtures().join("fuzz-slow");
    let known = fixtures().join("keys/known");
    let jwks = known.join("idp-jwks.json");
    let cert = known.join("ec-p256-cert.pem");
    let good = dump("pem-ascii.core");
    let mut args = vec!["--known-keys", s(&jwks), "--known-keys", s(&cert)];
    let slow: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(slow.len(), 4);
    args.extend(slow.iter().map(|p| s(p)));
    args.push(s(&good));
    let (code, report) = scan_json(&args);
    assert_eq!(code, 1);
    for input in &report.inputs {
        assert!(input.error.is_none(), "{}: {:?}", input.path, input.error);
    }
    let (_, alone) = scan_json(&[s(&good)]);
    let good_found = report
        .findings
        .iter()
        .filter(|f| f.path == s(&good))
        .count();
    assert_eq!(good_found, alone.findings.len());
}
