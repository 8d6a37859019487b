//! Keys planted in real dumps (gcore and kernel cores, minidump-writer minidumps) and in files written by openssl, ssh-keygen and gpg: each found where it was planted, with the tool's fingerprint.

use crate::common::*;
use crate::contract::{FindingM, Report};

/// Every planted key is found at its address, in the right encoding and
/// region, with the fingerprint openssl computes, and its offset points at the
/// BEGIN line in the file.
fn check_planted(dump_name: &str, expect_name: &str, container: &str) {
    let path = dump(dump_name);
    let (code, report) = scan_json(&[s(&path)]);
    assert_eq!(code, 1, "{dump_name}: findings mean exit 1");
    let bytes = std::fs::read(&path).unwrap();
    let planted = expectations(expect_name);
    assert!(!planted.is_empty());
    for p in &planted {
        let raw = std::fs::read(fixtures().join(&p.key_file)).unwrap();
        let binary = [
            ".der", ".p12", ".msblob", ".pvk", ".blob", ".bin", ".jks", ".jceks", ".gpg",
        ]
        .iter()
        .any(|e| p.key_file.ends_with(e));
        let text = String::from_utf8_lossy(&raw).into_owned();
        let freed = p.placement == "freed";
        // a freed buffer lost its first bytes to the allocator: the finding starts inside it
        let f = report
            .findings
            .iter()
            .find(|f| match addr(f) {
                Some(a) if freed => {
                    a > p.address && a < p.address + 64 && f.fingerprint == p.fingerprint
                }
                Some(a) => a == p.address,
                None => false,
            })
            .unwrap_or_else(|| {
                panic!(
                    "{dump_name}: {} ({}) not found at {:#x}",
                    p.key_file, p.placement, p.address
                )
            });
        assert_eq!(f.container, container);
        let wide = p.placement == "wide";
        let encoding = if binary {
            "binary"
        } else if wide {
            "utf16le"
        } else {
            "ascii"
        };
        assert_eq!(f.encoding, encoding, "{}", p.key_file);
        assert_eq!(
            f.region.kind,
            if p.placement == "stack" {
                "stack"
            } else {
                "heap"
            },
            "{}",
            p.key_file
        );
        assert_eq!(f.fingerprint, p.fingerprint, "{}: fingerprint", p.key_file);
        let key = f.key.as_ref().unwrap();
        if p.key_file.ends_with(".p12") || f.kind == "java-keystore" {
            assert!(key.encrypted && !key.validated);
            assert_eq!(f.severity, "medium");
        } else if f.kind == "symmetric-key" {
            assert_eq!(f.severity, "high");
        } else if p.key_file.contains("encrypted") || p.key_file.contains("protected") {
            assert_eq!(f.kind, "encrypted-private-key");
            assert!(key.encrypted && !key.validated);
            assert_eq!(f.severity, "medium");
        } else {
            assert!(key.validated, "{}: {:?}", p.key_file, key.note);
            assert_eq!(f.severity, "critical");
        }
        let start = f.offset as usize;
        if binary {
            // the structure, exactly where the holder put it (an OpenPGP
            // export goes on with user ids and signatures after the key packet)
            let len = f.length as usize;
            assert_eq!(&bytes[start..start + len], &raw[..len], "{}", p.key_file);
            assert!(
                len == raw.len() || p.key_file.ends_with(".gpg"),
                "{}",
                p.key_file
            );
            continue;
        }
        if freed {
            assert!(f.preview.contains("BEGIN line damaged"), "{}", f.preview);
            // what is reported is the tail of the key file, from the first surviving body line
            let found = &bytes[start..start + f.length as usize];
            assert!(
                text.trim_end().as_bytes().ends_with(found),
                "{}: wrong span",
                p.key_file
            );
            continue;
        }
        // the offset is where the key file's text starts (the BEGIN line of a PEM block)
        let head = &text.as_bytes()[..10];
        let begin: Vec<u8> = if wide {
            head.iter().flat_map(|&b| [b, 0]).collect()
        } else {
            head.to_vec()
        };
        assert_eq!(
            &bytes[start..start + begin.len()],
            &begin[..],
            "{}: offset {:#x}",
            p.key_file,
            f.offset
        );
        let expected_len = text.trim_end().len() as u64 * if wide { 2 } else { 1 };
        assert_eq!(f.length, expected_len, "{}: length", p.key_file);
        // never a secret without --show-secrets (output_file_and_show_secrets checks the body too)
        assert!(f.secret.is_none());
    }
    let input = &report.inputs[0];
    assert_eq!(input.container.as_deref(), Some(container));
    assert!(
        input.error.is_none() && input.warnings.is_empty(),
        "{:?}",
        input
    );
    assert_eq!(
        input.bytes_scanned,
        bytes.len() as u64,
        "every byte of the file is scanned"
    );
    if container == "elf-core" {
        assert_eq!(
            input.process.as_ref().and_then(|p| p.name.as_deref()),
            Some("holder")
        );
        assert!(input.process.as_ref().and_then(|p| p.pid).is_some());
    }
}

/// Every dump with planted keys: its file, its expectations
/// (`DUMP.expect`) and the container it must be read as.
const PLANTED: &[(&str, &str, &str)] = &[
    ("pem-ascii.core", "pem-ascii", "elf-core"),
    ("pem-ascii.dmp", "pem-ascii", "minidump"),
    ("pem-utf16.core", "pem-utf16", "elf-core"),
    ("pem-utf16.dmp", "pem-utf16", "minidump"),
    ("zoo.core", "zoo", "elf-core"),
    ("zoo.dmp", "zoo", "minidump"),
    ("der.core", "der", "elf-core"),
    ("der.dmp", "der", "minidump"),
    ("blob.core", "blob", "elf-core"),
    ("blob.dmp", "blob", "minidump"),
    // the kernel's core keeps freed buffers too
    ("freed-kernel.kernel.core", "freed-kernel", "elf-core"),
    ("freed-kernel.core", "freed-kernel", "elf-core"),
    ("freed-kernel.dmp", "freed-kernel", "minidump"),
];

#[test]
fn every_planted_key_is_found_in_every_dump() {
    for &(dump_name, expect, container) in PLANTED {
        check_planted(dump_name, expect, container);
    }
}

#[test]
fn a_gcore_core_holds_each_planted_buffer_once() {
    let (_, report) = scan_json(&[s(&dump("pem-ascii.core"))]);
    assert_eq!(report.findings.len(), expectations("pem-ascii").len());
}

#[test]
fn utf16le_only_keys_have_no_ascii_copy() {
    let bytes = std::fs::read(dump("pem-utf16.core")).unwrap();
    // the holder wiped its ASCII copies: the key is there only as UTF-16LE
    assert!(memchr_find(&bytes, b"-----BEGIN PRIVATE KEY-----").is_none());
}

/// Each DER file openssl wrote is one finding at offset 0 spanning the whole
/// file, with the rule, kind and fingerprint openssl's view of the key implies.
#[test]
fn der_files_match_openssl() {
    check_binary_dir("keys/der");
}

/// The same for CryptoAPI, PVK, CNG and binary OpenSSH structures.
#[test]
fn blob_files_match_openssl() {
    check_binary_dir("keys/blob");
}

/// The one finding of a scanned folder's file `file` (a test fails on none or several).
fn only_finding_in<'r>(report: &'r Report, file: &str) -> &'r FindingM {
    let found: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.path.ends_with(&format!("/{file}")))
        .collect();
    assert_eq!(found.len(), 1, "{file}: {found:?}");
    found[0]
}

fn check_binary_dir(rel: &str) {
    let dir = fixtures().join(rel);
    let listed = std::fs::read_to_string(dir.join("FINGERPRINTS")).unwrap();
    let (code, report) = scan_json(&[s(&dir)]);
    assert_eq!(code, 1);
    for line in listed.lines() {
        let [file, kind, rule, fp]: [&str; 4] = line
            .split_whitespace()
            .collect::<Vec<_>>()
            .try_into()
            .unwrap();
        let f = only_finding_in(&report, file);
        assert_eq!(
            (f.kind.as_str(), f.rule_id.as_str()),
            (kind, rule),
            "{file}"
        );
        assert_eq!(
            f.fingerprint.as_deref(),
            (fp != "-").then_some(fp),
            "{file}"
        );
        assert_eq!(f.offset, 0);
        let size = std::fs::metadata(dir.join(file)).unwrap().len();
        // an OpenPGP export goes on after its key packet with user ids and signatures
        if file.ends_with(".gpg") {
            assert!(f.length < size, "{file}");
        } else {
            assert_eq!(f.length, size, "{file}");
        }
        assert_eq!(f.encoding, "binary");
    }
    assert_eq!(report.findings.len(), listed.lines().count());
}

/// Every PEM flavour, as openssl, ssh-keygen and gpg write it, gets the
/// fingerprint those tools compute for its public half, and the right kind.
#[test]
fn key_zoo_matches_tool_fingerprints() {
    let zoo = fixtures().join("keys/zoo");
    let listed = std::fs::read_to_string(zoo.join("FINGERPRINTS")).unwrap();
    let (code, report) = scan_json(&[s(&zoo)]);
    assert_eq!(code, 1);
    let mut checked = 0;
    for line in listed.lines() {
        let [file, kind, fp]: [&str; 3] = line
            .split_whitespace()
            .collect::<Vec<_>>()
            .try_into()
            .unwrap();
        let f = only_finding_in(&report, file);
        assert_eq!(f.kind, kind, "{file}");
        assert_eq!(
            f.fingerprint.as_deref(),
            (fp != "-").then_some(fp),
            "{file}: fingerprint"
        );
        let key = f.key.as_ref().unwrap();
        if kind == "encrypted-private-key" {
            assert!(key.encrypted && f.severity == "medium", "{file}: {key:?}");
        } else {
            assert!(key.validated && f.severity == "critical", "{file}: {key:?}");
        }
        checked += 1;
    }
    assert!(checked >= 15);
    assert_eq!(
        report.findings.len(),
        checked,
        "FINGERPRINTS itself holds no key"
    );
}

/// Each JWK file jwcrypto wrote gives one finding per private key, with the
/// fingerprint openssl computes for the same key; public keys give none.
#[test]
fn jwk_files_match_openssl() {
    let dir = fixtures().join("keys/jwk");
    let listed = std::fs::read_to_string(dir.join("FINGERPRINTS")).unwrap();
    let (code, report) = scan_json(&[s(&dir)]);
    assert_eq!(code, 1);
    let mut expected: Vec<(String, String, String, String)> = listed
        .lines()
        .map(|l| {
            let v: Vec<&str> = l.split_whitespace().collect();
            (
                v[0].to_string(),
                v[1].to_string(),
                v[2].to_string(),
                v[3].to_string(),
            )
        })
        .collect();
    let mut found: Vec<(String, String, String, String)> = report
        .findings
        .iter()
        .map(|f| {
            let file = f.path.rsplit('/').next().unwrap().to_string();
            (
                file,
                f.kind.clone(),
                f.rule_id.clone(),
                f.fingerprint.clone().unwrap(),
            )
        })
        .collect();
    expected.sort();
    found.sort();
    assert_eq!(found, expected);
    for f in &report.findings {
        let key = f.key.as_ref().unwrap();
        assert!(key.kid.is_some() && key.jwk_thumbprint.is_some(), "{f:?}");
        assert_eq!(key.validated, f.kind != "symmetric-key");
    }
}

/// JWKs planted in a real process, ASCII and UTF-16LE: every private key
/// inside each planted buffer is found with its fingerprint, the public-only
/// JWK gives nothing.
#[test]
fn finds_jwks_in_a_core_and_a_minidump() {
    let listed = std::fs::read_to_string(fixtures().join("keys/jwk/FINGERPRINTS")).unwrap();
    for name in ["jwk.core", "jwk.dmp"] {
        let (code, report) = scan_json(&[s(&dump(name))]);
        assert_eq!(code, 1);
        for p in expectations("jwk") {
            let file = p.key_file.rsplit('/').next().unwrap();
            let len = std::fs::read(fixtures().join(&p.key_file)).unwrap().len() as u64
                * if p.placement == "wide" { 2 } else { 1 };
            let mut inside: Vec<String> = report
                .findings
                .iter()
                .filter(|f| addr(f).is_some_and(|a| a >= p.address && a < p.address + len))
                .map(|f| f.fingerprint.clone().unwrap())
                .collect();
            let mut want: Vec<String> = listed
                .lines()
                .filter(|l| l.starts_with(&format!("{file} ")))
                .map(|l| l.split_whitespace().nth(3).unwrap().to_string())
                .collect();
            inside.sort();
            want.sort();
            assert_eq!(inside, want, "{name}: {file}");
        }
    }
}

#[test]
fn minidump_stack_copy_is_labelled_with_its_thread() {
    let (_, report) = scan_json(&[s(&dump("pem-ascii.dmp"))]);
    let stack: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.region.kind == "stack")
        .collect();
    assert!(!stack.is_empty());
    assert!(stack.iter().all(|f| {
        f.region
            .name
            .as_deref()
            .is_some_and(|n| n.starts_with("thread "))
    }));
    let heap = report
        .findings
        .iter()
        .find(|f| f.region.kind == "heap")
        .unwrap();
    assert_eq!(heap.region.perms.as_deref(), Some("rw-"));
}

/// A test key compiled into the executable's read-only data is reported in a
/// `module` region (named after the executable), and `--exclude-region
/// module` leaves it out while keeping the heap copy; `--min-severity` too.
#[test]
fn module_keys_are_labelled_and_can_be_left_out() {
    let core = dump("module.core");
    let planted = expectations("module");
    let module = planted.iter().find(|p| p.placement == "module").unwrap();
    let heap = planted.iter().find(|p| p.placement == "narrow").unwrap();
    let (code, report) = scan_json(&[s(&core)]);
    assert_eq!(code, 1);
    let m = report
        .findings
        .iter()
        .find(|f| f.fingerprint == module.fingerprint)
        .expect("embedded key found");
    assert_eq!(m.region.kind, "module");
    assert!(m.region.name.as_deref().unwrap().ends_with("/holder"));
    let (code, filtered) = scan_json(&["--exclude-region", "module", s(&core)]);
    assert_eq!(code, 1);
    assert_eq!(filtered.findings.len(), report.findings.len() - 1);
    assert!(filtered.findings.iter().all(|f| f.region.kind != "module"));
    assert!(
        filtered
            .findings
            .iter()
            .any(|f| f.fingerprint == heap.fingerprint)
    );
    assert_eq!(filtered.summary.findings_filtered, 1);
    assert_eq!(filtered.inputs[0].findings, filtered.findings.len());

    // nothing at or above critical in a dump holding only encrypted keys: exit 0
    let enc = fixtures().join("keys/rsa2048-encrypted-pkcs8.pem");
    let (code, only_critical) = scan_json(&["--min-severity", "critical", s(&enc)]);
    assert_eq!(code, 0);
    assert!(only_critical.findings.is_empty());
    assert_eq!(only_critical.summary.findings_filtered, 1);
    let (code, _) = scan_json(&["--min-severity", "medium", s(&enc)]);
    assert_eq!(code, 1);
    assert_eq!(run(&["scan", "--exclude-region", "nowhere", s(&enc)]).0, 2);
}

#[test]
fn clean_dumps_give_no_findings_and_exit_0() {
    let (code, report) = scan_json(&[s(&dump("clean.core")), s(&dump("clean.dmp"))]);
    assert_eq!(code, 0);
    assert!(report.findings.is_empty());
    assert_eq!(report.inputs.len(), 2);
    assert!(
        report
            .inputs
            .iter()
            .all(|i| i.error.is_none() && i.warnings.is_empty())
    );
    assert_eq!(report.summary.findings, 0);
}

#[test]
fn public_minidumps_parse_without_errors_or_findings() {
    let dir = fixtures().join("public-minidumps");
    let expected_regions = [
        ("breakpad-linux_raise_sigabrt.dmp", 2),
        ("breakpad-minidump2.dmp", 3),
        ("breakpad-tiny-exe-fastfail.dmp", 14),
        ("rust-minidump-simple-crashpad.dmp", 1),
    ];
    for (name, regions) in expected_regions {
        let (code, report) = scan_json(&[s(&dir.join(name))]);
        assert_eq!(code, 0, "{name}");
        let input = &report.inputs[0];
        assert_eq!(input.container.as_deref(), Some("minidump"));
        assert_eq!(input.regions, regions, "{name}");
        assert!(
            input.warnings.is_empty() && input.error.is_none(),
            "{name}: {input:?}"
        );
    }
}
