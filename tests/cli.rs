//! End-to-end tests: the real binary on real dumps (cores written by gdb's
//! gcore and minidumps written by minidump-writer of a live process holding
//! keys made by openssl, ssh-keygen and gpg), public sample minidumps, and
//! hostile copies of all of them.

use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_keysweep");

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn dump(name: &str) -> PathBuf {
    fixtures().join("dumps").join(name)
}

/// Run keysweep; returns (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    run_with_stdin(args, None)
}

fn run_with_stdin(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run keysweep");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().expect("exited normally, not by a signal"),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

// ---- the JSON contract, mirrored: unknown fields are rejected ------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Report {
    tool: ToolM,
    findings: Vec<FindingM>,
    inputs: Vec<InputM>,
    summary: SummaryM,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ToolM {
    name: String,
    version: String,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct FindingM {
    rule_id: String,
    kind: String,
    severity: String,
    path: String,
    offset: u64,
    length: u64,
    encoding: String,
    container: String,
    address: Option<String>,
    region: RegionM,
    key: Option<KeyM>,
    fingerprint: Option<String>,
    known_key: Option<String>,
    #[serde(default)]
    components: Vec<ComponentM>,
    token: Option<TokenM>,
    preview: String,
    secret: Option<String>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ComponentM {
    name: String,
    offset: u64,
    length: u64,
    encoding: String,
    address: Option<String>,
    region: String,
    region_name: Option<String>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct RegionM {
    kind: String,
    name: Option<String>,
    perms: Option<String>,
    start: Option<String>,
    file_offset: u64,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct KeyM {
    algorithm: String,
    bits: Option<u32>,
    curve: Option<String>,
    validated: bool,
    #[serde(default)]
    encrypted: bool,
    #[serde(default)]
    truncated: bool,
    note: Option<String>,
    kid: Option<String>,
    jwk_thumbprint: Option<String>,
    schedule: Option<String>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct InputM {
    path: String,
    container: Option<String>,
    size: u64,
    regions: usize,
    bytes_scanned: u64,
    findings: usize,
    process: Option<ProcessM>,
    #[serde(default)]
    warnings: Vec<String>,
    error: Option<String>,
    skipped: Option<String>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ProcessM {
    pid: Option<u32>,
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct SummaryM {
    files: usize,
    files_with_errors: usize,
    files_skipped: usize,
    bytes_scanned: u64,
    findings: usize,
    findings_filtered: usize,
    findings_baselined: usize,
    by_severity: BTreeMap<String, usize>,
    elapsed_seconds: f64,
}

/// Scan with `--format json` and parse the report strictly.
fn scan_json(args: &[&str]) -> (i32, Report) {
    let mut all = vec!["scan", "--format", "json"];
    all.extend_from_slice(args);
    let (code, out, err) = run(&all);
    let report: Report =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("bad JSON ({e}): {out}\n{err}"));
    assert!(
        !out.contains("internal error"),
        "a scan hit an internal error: {out}"
    );
    (code, report)
}

/// Assert that an input's report carries a warning containing `needle`,
/// showing all its warnings when it does not.
fn assert_warned(input: &InputM, needle: &str) {
    assert!(
        input.warnings.iter().any(|w| w.contains(needle)),
        "no warning containing {needle:?}: {:?}",
        input.warnings
    );
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// One planted key, from a `.expect` file.
struct Planted {
    key_file: String,
    placement: String,
    address: u64,
    fingerprint: Option<String>,
}

fn expectations(name: &str) -> Vec<Planted> {
    std::fs::read_to_string(dump(&format!("{name}.expect")))
        .unwrap()
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            Planted {
                key_file: f[0].to_string(),
                placement: f[1].to_string(),
                address: u64::from_str_radix(f[2].trim_start_matches("0x"), 16).unwrap(),
                fingerprint: (f[4] != "-").then(|| f[4].to_string()),
            }
        })
        .collect()
}

fn addr(f: &FindingM) -> Option<u64> {
    f.address
        .as_deref()
        .map(|a| u64::from_str_radix(a.trim_start_matches("0x"), 16).unwrap())
}

// ---- planted keys ------------------------------------------------------------------

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

#[test]
fn finds_ascii_pem_keys_in_gcore_core() {
    check_planted("pem-ascii.core", "pem-ascii", "elf-core");
    // a gcore core holds each planted buffer exactly once
    let (_, report) = scan_json(&[s(&dump("pem-ascii.core"))]);
    assert_eq!(report.findings.len(), expectations("pem-ascii").len());
}

#[test]
fn finds_every_pem_flavour_in_a_core_and_a_minidump() {
    check_planted("zoo.core", "zoo", "elf-core");
    check_planted("zoo.dmp", "zoo", "minidump");
}

#[test]
fn finds_der_keys_in_a_core_and_a_minidump() {
    check_planted("der.core", "der", "elf-core");
    check_planted("der.dmp", "der", "minidump");
}

#[test]
fn finds_binary_blobs_in_a_core_and_a_minidump() {
    check_planted("blob.core", "blob", "elf-core");
    check_planted("blob.dmp", "blob", "minidump");
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
        let found: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.path.ends_with(&format!("/{file}")))
            .collect();
        assert_eq!(found.len(), 1, "{file}: {found:?}");
        let f = found[0];
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

#[test]
fn finds_keys_in_kernel_written_core_including_freed_buffers() {
    check_planted("freed-kernel.kernel.core", "freed-kernel", "elf-core");
}

#[test]
fn finds_freed_buffers_in_gcore_core_and_minidump() {
    check_planted("freed-kernel.core", "freed-kernel", "elf-core");
    check_planted("freed-kernel.dmp", "freed-kernel", "minidump");
}

#[test]
fn finds_ascii_pem_keys_in_minidump() {
    check_planted("pem-ascii.dmp", "pem-ascii", "minidump");
}

#[test]
fn finds_utf16le_only_pem_keys_in_gcore_core() {
    let bytes = std::fs::read(dump("pem-utf16.core")).unwrap();
    // the holder wiped its ASCII copies: the key is there only as UTF-16LE
    assert!(memchr_find(&bytes, b"-----BEGIN PRIVATE KEY-----").is_none());
    check_planted("pem-utf16.core", "pem-utf16", "elf-core");
}

#[test]
fn finds_utf16le_only_pem_keys_in_minidump() {
    check_planted("pem-utf16.dmp", "pem-utf16", "minidump");
}

fn memchr_find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
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

// ---- hostile input -------------------------------------------------------------------

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn put_u32(b: &mut [u8], off: usize, v: u32) {
    b[off..off + 4].copy_from_slice(&v.to_le_bytes());
}

fn put_u64(b: &mut [u8], off: usize, v: u64) {
    b[off..off + 8].copy_from_slice(&v.to_le_bytes());
}

fn get_u32(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(b[off..off + 4].try_into().unwrap())
}

fn get_u64(b: &[u8], off: usize) -> u64 {
    u64::from_le_bytes(b[off..off + 8].try_into().unwrap())
}

/// The minidump directory entry for a stream type: (entry offset, rva).
fn stream_entry(b: &[u8], ty: u32) -> Option<(usize, usize)> {
    let (n, dir) = (get_u32(b, 8) as usize, get_u32(b, 12) as usize);
    (0..n)
        .map(|i| dir + 12 * i)
        .find(|&e| get_u32(b, e) == ty)
        .map(|e| (e, get_u32(b, e + 8) as usize))
}

/// Wrong sizes and overlapping ranges in a minidump's directory and memory
/// list (the failures `fuzz/field_sweep.py` found): the key bytes are all
/// still in the file, so every key of the intact dump must still be found
/// whole, with its fingerprint, however the regions around it were redrawn.
#[test]
fn corrupt_sizes_and_overlaps_never_cut_a_key() {
    let tmp = tempfile::tempdir().unwrap();
    let fingerprints = |report: &Report, path: &str| -> BTreeSet<String> {
        report
            .findings
            .iter()
            .filter(|f| f.path == path)
            .filter_map(|f| f.fingerprint.clone())
            .collect()
    };
    let mut cases: Vec<PathBuf> = Vec::new();
    let mut expected: BTreeMap<PathBuf, BTreeSet<String>> = BTreeMap::new();
    for name in ["pem-ascii.dmp", "pem-utf16.dmp"] {
        let md = std::fs::read(dump(name)).unwrap();
        let (_, intact) = scan_json(&[s(&dump(name))]);
        let keys = fingerprints(&intact, s(&dump(name)));
        assert!(keys.len() >= 2, "{name}: {keys:?}");
        let mut add = |label: String, bytes: Vec<u8>| {
            let p = write(tmp.path(), &format!("{name}.{label}"), &bytes);
            expected.insert(p.clone(), keys.clone());
            cases.push(p);
        };
        // the module list's size reaches over every memory range to the end of the file
        let (entry, rva) = stream_entry(&md, 4).expect("ModuleListStream");
        let mut b = md.clone();
        put_u32(&mut b, entry + 4, (md.len() - rva) as u32);
        add("modules-over-memory".into(), b);
        // each memory range in turn shrunk to one byte, or made to start
        // 8 bytes early inside the range before it
        let (_, list) = stream_entry(&md, 5).expect("MemoryListStream");
        for i in 0..get_u32(&md, list) as usize {
            let d = list + 4 + 16 * i;
            let mut b = md.clone();
            put_u32(&mut b, d + 8, 1);
            add(format!("range{i}-one-byte"), b);
            let mut b = md.clone();
            put_u32(&mut b, d + 12, get_u32(&md, d + 12) - 8);
            put_u32(&mut b, d + 8, get_u32(&md, d + 8) + 8);
            add(format!("range{i}-overlaps"), b);
        }
    }
    let args: Vec<&str> = cases.iter().map(|p| s(p)).collect();
    let (code, report) = scan_json(&args);
    assert_eq!(code, 1);
    for (path, keys) in &expected {
        let found = fingerprints(&report, s(path));
        assert!(
            keys.is_subset(&found),
            "{}: {keys:?} not all in {found:?}",
            path.display()
        );
    }
    // ranges that claim the same bytes at other addresses are said to
    let overlapping = report
        .inputs
        .iter()
        .find(|i| i.path.ends_with("pem-ascii.dmp.range3-overlaps"))
        .unwrap();
    assert_warned(overlapping, "share file bytes");
}

/// Truncated and corrupted copies of every fixture: each gets a record, none
/// crashes or hangs the scan, and a good file scanned alongside keeps all its findings.
#[test]
fn hostile_copies_never_crash_and_never_hide_other_files() {
    let tmp = tempfile::tempdir().unwrap();
    let mut hostile: Vec<PathBuf> = Vec::new();
    let sources = [
        "pem-ascii.core",
        "pem-ascii.dmp",
        "pem-utf16.core",
        "pem-utf16.dmp",
        "clean.core",
        "clean.dmp",
    ];
    for name in sources {
        let good = std::fs::read(dump(name)).unwrap();
        for cut in [
            0usize,
            1,
            3,
            4,
            31,
            63,
            64,
            100,
            1000,
            good.len() / 3,
            good.len() / 2,
            good.len() - 1,
        ] {
            hostile.push(write(
                tmp.path(),
                &format!("{name}.cut{cut}"),
                &good[..cut.min(good.len())],
            ));
        }
        // deterministic byte flips all over the file
        let mut seed = 0x9e3779b97f4a7c15u64;
        for round in 0..6 {
            let mut b = good.clone();
            for _ in 0..(40 << round) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let i = (seed % b.len() as u64) as usize;
                b[i] = (seed >> 32) as u8;
            }
            hostile.push(write(tmp.path(), &format!("{name}.flip{round}"), &b));
        }
        // flips confined to the headers, where parsers live
        for round in 0..8 {
            let mut b = good.clone();
            for k in 0..16 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let i = (seed % 4096) as usize % b.len();
                b[i] ^= 1 << ((k + round) % 8);
            }
            hostile.push(write(tmp.path(), &format!("{name}.hdr{round}"), &b));
        }
    }
    // targeted minidump damage
    let md = std::fs::read(dump("pem-ascii.dmp")).unwrap();
    let mut b = md.clone();
    put_u32(&mut b, 8, u32::MAX); // stream count in the billions
    hostile.push(write(tmp.path(), "md-streams-max", &b));
    let mut b = md.clone();
    put_u32(&mut b, 12, u32::MAX - 5); // directory past EOF
    hostile.push(write(tmp.path(), "md-directory-past-eof", &b));
    let (entry, rva) = stream_entry(&md, 5).expect("MemoryList present");
    let mut b = md.clone();
    put_u32(&mut b, rva, u32::MAX); // descriptor count in the billions
    hostile.push(write(tmp.path(), "md-descriptors-max", &b));
    let mut b = md.clone();
    put_u32(&mut b, rva + 4 + 12, (md.len() - 10) as u32); // first range's data runs past EOF
    put_u32(&mut b, rva + 4 + 8, u32::MAX);
    hostile.push(write(tmp.path(), "md-range-past-eof", &b));
    let mut b = md.clone();
    let n = get_u32(&md, rva) as usize;
    for i in 0..n {
        let d = rva + 4 + 16 * i;
        put_u32(&mut b, d + 12, get_u32(&md, rva + 4 + 12)); // every range aliases the first
    }
    hostile.push(write(tmp.path(), "md-overlapping-ranges", &b));
    let mut b = md.clone();
    put_u32(&mut b, entry + 4, u32::MAX); // stream size absurd
    hostile.push(write(tmp.path(), "md-stream-size-max", &b));

    // targeted ELF core damage
    let core = std::fs::read(dump("pem-ascii.core")).unwrap();
    let phoff = get_u64(&core, 32) as usize;
    let mut b = core.clone();
    b[56..58].copy_from_slice(&0xffffu16.to_le_bytes()); // PN_XNUM with a garbage section table
    put_u64(&mut b, 40, u64::MAX - 100);
    hostile.push(write(tmp.path(), "core-phnum-xnum", &b));
    let mut b = core.clone();
    put_u64(&mut b, 32, u64::MAX - 8); // program headers past EOF
    hostile.push(write(tmp.path(), "core-phoff-past-eof", &b));
    let mut b = core.clone();
    for i in 0..usize::from(u16::from_le_bytes([core[56], core[57]])) {
        let ph = phoff + 56 * i;
        if get_u32(&core, ph) == 1 {
            put_u64(&mut b, ph + 8, u64::MAX - 4096); // p_offset far past EOF
            put_u64(&mut b, ph + 32, u64::MAX); // p_filesz absurd
        }
        if get_u32(&core, ph) == 4 {
            put_u64(&mut b, ph + 32, u64::MAX / 2); // note segment size absurd
        }
    }
    hostile.push(write(tmp.path(), "core-segments-absurd", &b));
    let mut b = core.clone();
    for i in 0..usize::from(u16::from_le_bytes([core[56], core[57]])) {
        let ph = phoff + 56 * i;
        if get_u32(&core, ph) == 4 {
            let note = get_u64(&core, ph + 8) as usize;
            // every note header claims a huge description
            let end = note + get_u64(&core, ph + 32) as usize;
            let mut off = note;
            while off + 12 <= end {
                let (namesz, descsz) = (
                    get_u32(&core, off) as usize,
                    get_u32(&core, off + 4) as usize,
                );
                put_u32(&mut b, off + 4, u32::MAX - 3);
                off += 12 + namesz.div_ceil(4) * 4 + descsz.div_ceil(4) * 4;
            }
        }
    }
    hostile.push(write(tmp.path(), "core-notes-absurd", &b));
    hostile.push(write(tmp.path(), "zero-length", b""));
    hostile.push(write(tmp.path(), "one-byte", b"M"));
    hostile.push(write(tmp.path(), "magic-only-mdmp", b"MDMP"));
    hostile.push(write(
        tmp.path(),
        "magic-only-elf",
        b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x04\0",
    ));

    let good = dump("pem-ascii.core");
    let (_, alone) = scan_json(&[s(&good)]);
    let mut args: Vec<&str> = hostile.iter().map(|p| s(p)).collect();
    args.push(s(&good));
    let (code, report) = scan_json(&args);
    assert_eq!(code, 1);
    assert_eq!(
        report.inputs.len(),
        hostile.len() + 1,
        "every input gets a record"
    );
    let good_findings: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.path == s(&good))
        .collect();
    assert_eq!(good_findings.len(), alone.findings.len());
    for input in &report.inputs {
        assert!(input.error.is_none(), "{}: {:?}", input.path, input.error);
        assert_eq!(
            input.bytes_scanned, input.size,
            "{}: every byte present is scanned",
            input.path
        );
    }
    // damage that a parser notices is said, not swallowed
    let warned = |name: &str| {
        report
            .inputs
            .iter()
            .any(|i| i.path.ends_with(name) && !i.warnings.is_empty())
    };
    for name in [
        "md-streams-max",
        "md-descriptors-max",
        "md-range-past-eof",
        "core-phoff-past-eof",
        "core-segments-absurd",
    ] {
        assert!(warned(name), "{name} should carry a warning");
    }
    // a core cut in half still yields the keys in the half that survived
    let half = format!(
        "pem-ascii.core.cut{}",
        std::fs::metadata(&good).unwrap().len() / 2
    );
    let survivors = report
        .findings
        .iter()
        .filter(|f| f.path.ends_with(&half))
        .count();
    let expected = alone
        .findings
        .iter()
        .filter(|f| f.offset < std::fs::metadata(&good).unwrap().len() / 2)
        .count();
    assert!(expected > 0);
    assert_eq!(survivors, expected);
}

#[test]
fn key_cut_off_by_truncation_is_reported_truncated_with_identity() {
    let core = std::fs::read(dump("pem-ascii.core")).unwrap();
    let planted = expectations("pem-ascii");
    let rsa = planted
        .iter()
        .find(|p| p.key_file.contains("rsa2048-pkcs1"))
        .unwrap();
    let (_, full) = scan_json(&[s(&dump("pem-ascii.core"))]);
    let f = full
        .findings
        .iter()
        .find(|f| addr(f) == Some(rsa.address))
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let cut = write(tmp.path(), "cut.core", &core[..f.offset as usize + 900]);
    let (code, report) = scan_json(&[s(&cut)]);
    assert_eq!(code, 1);
    let t = report
        .findings
        .iter()
        .find(|g| g.offset == f.offset)
        .expect("truncated key reported");
    let key = t.key.as_ref().unwrap();
    assert!(key.truncated && !key.validated);
    assert_eq!(t.severity, "high");
    assert_eq!(
        t.fingerprint, rsa.fingerprint,
        "the modulus survived, so the identity did"
    );
    assert_warned(&report.inputs[0], "truncated");
}

// ---- exit codes and usage --------------------------------------------------------------

#[test]
fn exit_codes() {
    let missing = "/nonexistent/keysweep-test-path";
    assert_eq!(
        run(&["scan", "--format", "json", s(&dump("clean.core"))]).0,
        0
    );
    assert_eq!(
        run(&["scan", "--format", "json", s(&dump("pem-ascii.core"))]).0,
        1
    );
    let (code, out, _) = run(&["scan", "--format", "json", missing]);
    assert_eq!(
        code, 2,
        "an input that could not be scanned and no findings"
    );
    assert!(out.contains("No such file"));
    assert_eq!(
        run(&[
            "scan",
            "--format",
            "json",
            missing,
            s(&dump("pem-ascii.core"))
        ])
        .0,
        1,
        "findings outrank errors"
    );
    let (code, _, err) = run(&["scan"]);
    assert_eq!(code, 2);
    assert!(err.contains("no paths"));
    assert_eq!(run(&["scan", "--no-such-flag", "x"]).0, 2);
    assert_eq!(run(&["scan", "--format", "yaml", "x"]).0, 2);
    assert_eq!(run(&["--version"]).0, 0);
}

// ---- formats -----------------------------------------------------------------------------

#[test]
fn jsonl_streams_typed_lines_with_the_same_fields() {
    let (code, out, _) = run(&[
        "scan",
        "--format",
        "jsonl",
        s(&dump("pem-utf16.core")),
        s(&dump("clean.dmp")),
    ]);
    assert_eq!(code, 1);
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let types: Vec<&str> = lines.iter().map(|l| l["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["finding", "finding", "input", "input", "summary"]);
    for l in &lines[..2] {
        let mut obj = l.as_object().unwrap().clone();
        obj.remove("type");
        let f: FindingM = serde_json::from_value(Value::Object(obj)).unwrap();
        assert_eq!(f.encoding, "utf16le");
    }
    assert_eq!(lines[4]["findings"], 2);
    assert_eq!(lines[4]["tool"]["name"], "keysweep");
}

#[test]
fn text_output_groups_by_file_and_summarises() {
    let (code, out, _) = run(&["scan", "--format", "text", s(&dump("pem-utf16.dmp"))]);
    assert_eq!(code, 1);
    assert!(out.contains("pem-utf16.dmp (minidump"));
    assert!(out.contains("critical rsa-private-key [validated]"));
    assert!(out.contains("[validated] heap @ 0x"));
    assert!(out.contains("(utf16le) fp "));
    // one line per secret
    assert_eq!(
        out.lines().filter(|l| l.starts_with("  critical")).count(),
        2
    );
    assert!(out.contains("2 finding(s): 2 critical"));
}

#[test]
fn output_file_and_show_secrets() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("report.json");
    let (code, stdout, _) = run(&[
        "scan",
        "--format",
        "json",
        "-o",
        s(&out),
        "--show-secrets",
        s(&dump("pem-ascii.core")),
    ]);
    assert_eq!(code, 1);
    assert!(stdout.is_empty());
    let report: Report = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let planted = expectations("pem-ascii");
    for p in &planted {
        let f = report
            .findings
            .iter()
            .find(|f| addr(f) == Some(p.address))
            .unwrap();
        let text = std::fs::read_to_string(fixtures().join(&p.key_file)).unwrap();
        assert_eq!(f.secret.as_deref(), Some(text.trim_end()), "{}", p.key_file);
    }
    // and without the flag, no line of any key body appears anywhere in the report
    let (_, plain, _) = run(&["scan", "--format", "json", s(&dump("pem-ascii.core"))]);
    for p in &planted {
        let text = std::fs::read_to_string(fixtures().join(&p.key_file)).unwrap();
        for line in text
            .lines()
            .filter(|l| l.len() >= 16 && !l.starts_with("-----") && !l.contains(':'))
        {
            assert!(!plain.contains(line), "{}: body line leaked", p.key_file);
        }
    }
}

// ---- inputs ---------------------------------------------------------------------------------

#[test]
fn files_from_file_and_stdin() {
    let tmp = tempfile::tempdir().unwrap();
    let list = tmp.path().join("list");
    std::fs::write(
        &list,
        format!(
            "{}\r\n\n{}\n",
            s(&dump("pem-utf16.core")),
            s(&dump("clean.core"))
        ),
    )
    .unwrap();
    let (code, report) = scan_json(&["--files-from", s(&list)]);
    assert_eq!(code, 1);
    assert_eq!(report.inputs.len(), 2);
    let stdin = format!("{}\n", s(&dump("pem-utf16.dmp")));
    let (code, out, _) = run_with_stdin(
        &["scan", "--format", "json", "--files-from", "-"],
        Some(&stdin),
    );
    assert_eq!(code, 1);
    let report: Report = serde_json::from_str(&out).unwrap();
    assert_eq!(report.findings.len(), 2);
}

#[test]
fn dash_scans_standard_input_piped_or_redirected() {
    // piped (a stream), with --include not judging the nameless input
    let pem = std::fs::read_to_string(fixtures().join("keys/rsa2048-pkcs1.pem")).unwrap();
    let (code, out, _) = run_with_stdin(
        &["scan", "--format", "json", "--include", "*.dmp", "-"],
        Some(&pem),
    );
    assert_eq!(code, 1);
    let report: Report = serde_json::from_str(&out).unwrap();
    assert_eq!(report.findings.len(), 1);
    let f = &report.findings[0];
    assert_eq!(
        (f.path.as_str(), f.rule_id.as_str()),
        ("-", "pem-rsa-private-key")
    );
    assert!(f.key.as_ref().is_some_and(|k| k.validated));

    // redirected from a dump: mapped, so its container is recognised
    let out = Command::new(BIN)
        .args(["scan", "--format", "json", "-"])
        .stdin(std::fs::File::open(dump("pem-utf16.dmp")).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: Report = serde_json::from_slice(&out.stdout).unwrap();
    let (_, from_file) = scan_json(&[s(&dump("pem-utf16.dmp"))]);
    assert_eq!(report.findings.len(), from_file.findings.len());
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.container == "minidump" && f.address.is_some())
    );

    // standard input cannot be read twice
    let (code, _, err) = run_with_stdin(&["scan", "--files-from", "-", "-"], Some(""));
    assert_eq!(code, 2);
    assert!(
        err.contains("standard input can be read only once"),
        "{err}"
    );
}

#[test]
fn directories_walk_in_order_and_symlinks_are_opt_in() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::create_dir_all(root.join("b/deeper")).unwrap();
    std::fs::create_dir_all(root.join("a")).unwrap();
    std::fs::copy(dump("pem-utf16.dmp"), root.join("b/deeper/x.dmp")).unwrap();
    std::fs::copy(dump("clean.dmp"), root.join("a/clean.dmp")).unwrap();
    std::os::unix::fs::symlink(dump("pem-ascii.core"), root.join("a/link.core")).unwrap();
    std::os::unix::fs::symlink(root, root.join("b/loop")).unwrap();

    let (code, report) = scan_json(&[s(root)]);
    assert_eq!(code, 1);
    let paths: Vec<String> = report.inputs.iter().map(|i| i.path.clone()).collect();
    let scanned: Vec<&String> = paths.iter().filter(|p| p.ends_with(".dmp")).collect();
    assert!(
        scanned[0].ends_with("a/clean.dmp") && scanned[1].ends_with("b/deeper/x.dmp"),
        "{paths:?}"
    );
    let link = report
        .inputs
        .iter()
        .find(|i| i.path.ends_with("a/link.core"))
        .unwrap();
    assert!(link.skipped.as_deref().unwrap().contains("symbolic link"));
    assert_eq!(report.findings.len(), 2);
    assert_eq!(code, 1);

    let (_, followed) = scan_json(&["--follow-symlinks", s(root)]);
    assert!(
        followed
            .findings
            .iter()
            .any(|f| f.path.ends_with("a/link.core"))
    );
    assert!(
        followed
            .inputs
            .iter()
            .any(|i| i.skipped.as_deref().is_some_and(|r| r.contains("loop")))
    );
    // a named symlink is followed even without the flag
    let (code, named) = scan_json(&[s(&root.join("a/link.core"))]);
    assert_eq!(code, 1);
    assert_eq!(named.findings.len(), expectations("pem-ascii").len());
}

#[test]
fn vanished_file_is_an_input_error_and_the_rest_is_scanned() {
    let tmp = tempfile::tempdir().unwrap();
    let gone = tmp.path().join("gone.core");
    let list = tmp.path().join("list");
    std::fs::write(
        &list,
        format!("{}\n{}\n", s(&gone), s(&dump("pem-utf16.core"))),
    )
    .unwrap();
    let (code, report) = scan_json(&["--files-from", s(&list)]);
    assert_eq!(code, 1);
    assert!(
        report
            .inputs
            .iter()
            .any(|i| i.path.ends_with("gone.core") && i.error.is_some())
    );
    assert_eq!(report.findings.len(), 2);
    assert_eq!(report.summary.files_with_errors, 1);
}

#[test]
fn unreadable_file_is_an_input_error() {
    // root reads everything; this check only means something for other users
    if unsafe_euid_is_root() {
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("secret.core");
    std::fs::copy(dump("pem-ascii.core"), &p).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
    let (code, report) = scan_json(&[s(&p), s(&dump("pem-utf16.core"))]);
    assert_eq!(code, 1);
    assert!(
        report.inputs[0]
            .error
            .as_deref()
            .unwrap()
            .contains("ermission")
    );
}

fn unsafe_euid_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false)
}

#[test]
fn one_thread_and_many_threads_agree() {
    let files = [
        dump("pem-ascii.core"),
        dump("pem-ascii.dmp"),
        dump("pem-utf16.core"),
        dump("pem-utf16.dmp"),
    ];
    let mut a: Vec<&str> = vec!["-j", "1"];
    a.extend(files.iter().map(|p| s(p)));
    let mut b: Vec<&str> = vec!["-j", "4"];
    b.extend(files.iter().map(|p| s(p)));
    let key = |r: &Report| {
        r.findings
            .iter()
            .map(|f| (f.path.clone(), f.offset, f.fingerprint.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(key(&scan_json(&a).1), key(&scan_json(&b).1));
}

// ---- false positives ---------------------------------------------------------------------------

/// Random bytes, real binaries and libraries (libcrypto keeps every PEM label
/// as a constant), and dumps of processes without keys: nothing is reported.
#[test]
fn no_false_positives_on_clean_data() {
    let tmp = tempfile::tempdir().unwrap();
    let mut seed = 42u64;
    let random: Vec<u8> = (0..(16 << 20))
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 29) as u8
        })
        .collect();
    let random = write(tmp.path(), "random.bin", &random);
    let mut paths = vec![
        random,
        dump("clean.core"),
        dump("clean.dmp"),
        PathBuf::from(BIN),
    ];
    let candidates = [
        "/usr/lib/x86_64-linux-gnu/libcrypto.so.3",
        "/usr/lib/x86_64-linux-gnu/libssl.so.3",
        "/usr/bin/ssh-keygen",
        "/usr/bin/gpg",
        "/usr/lib/x86_64-linux-gnu/libc.so.6",
    ];
    let present: Vec<PathBuf> = candidates
        .iter()
        .map(PathBuf::from)
        .filter(|p| p.exists())
        .collect();
    assert!(!present.is_empty(), "no system binaries to test against");
    paths.extend(present);
    let args: Vec<&str> = paths.iter().map(|p| s(p)).collect();
    let (code, report) = scan_json(&args);
    assert_eq!(report.findings.len(), 0, "{:#?}", report.findings);
    assert_eq!(code, 0);
}

/// The `openssl` binary really does carry private keys: the RSA keys of
/// `openssl speed`, as DER in its read-only data. They are found, validated,
/// and each is a distinct key.
#[test]
fn openssl_binary_speed_test_keys_are_found_as_der() {
    let openssl = Path::new("/usr/bin/openssl");
    if !openssl.exists() {
        return;
    }
    let (code, report) = scan_json(&[s(openssl)]);
    assert_eq!(code, 1);
    let rsa: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.rule_id == "der-pkcs1-rsa-private-key")
        .collect();
    assert!(rsa.len() >= 5, "{rsa:#?}");
    assert!(
        rsa.iter()
            .all(|f| f.key.as_ref().unwrap().validated && f.encoding == "binary")
    );
    let mut fps: Vec<_> = rsa.iter().map(|f| f.fingerprint.clone().unwrap()).collect();
    fps.sort();
    fps.dedup();
    assert_eq!(fps.len(), rsa.len());
}

/// Every field a real report carries is documented in the contract, and every
/// documented rule id is one the tool can emit.
#[test]
fn json_contract_document_covers_real_output() {
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/json-contract.md"),
    )
    .unwrap();
    let (_, out, _) = run(&[
        "scan",
        "--format",
        "json",
        "--show-secrets",
        s(&dump("pem-ascii.core")),
        s(&dump("live-keys.core")),
        s(&dump("tokens.dmp")),
        "/nonexistent",
    ]);
    let v: Value = serde_json::from_str(&out).unwrap();
    let mut keys = std::collections::BTreeSet::new();
    fn collect(v: &Value, keys: &mut std::collections::BTreeSet<String>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    keys.insert(k.clone());
                    collect(v, keys);
                }
            }
            Value::Array(a) => a.iter().for_each(|v| collect(v, keys)),
            _ => {}
        }
    }
    collect(&v, &mut keys);
    for k in keys {
        assert!(
            doc.contains(&format!("`{k}`")),
            "field `{k}` is not documented in docs/json-contract.md"
        );
    }
    for f in v["findings"].as_array().unwrap() {
        let id = f["rule_id"].as_str().unwrap();
        assert!(
            doc.contains(&format!("| `{id}` |")),
            "rule id {id} undocumented"
        );
    }
}

/// Rewrite a minidump's MemoryList as a Memory64List (the layout of full-memory
/// dumps: one descriptor list, the data of all ranges back to back at the end;
/// the old copy of the data is zeroed). Returns the new file, the file offset
/// where range data begins and the ranges (address, size).
fn to_memory64(md: &[u8]) -> (Vec<u8>, usize, Vec<(u64, u64)>) {
    let (entry, rva) = stream_entry(md, 5).expect("MemoryList present");
    let n = get_u32(md, rva) as usize;
    let ranges: Vec<(u64, u32, u32)> = (0..n)
        .map(|i| {
            let d = rva + 4 + 16 * i;
            (get_u64(md, d), get_u32(md, d + 8), get_u32(md, d + 12))
        })
        .collect();
    let mut out = md.to_vec();
    while out.len() % 8 != 0 {
        out.push(0);
    }
    let stream = out.len();
    let base = stream + 16 + 16 * n;
    out.extend_from_slice(&(n as u64).to_le_bytes());
    out.extend_from_slice(&(base as u64).to_le_bytes());
    for &(start, size, _) in &ranges {
        out.extend_from_slice(&start.to_le_bytes());
        out.extend_from_slice(&u64::from(size).to_le_bytes());
    }
    for &(_, size, data) in &ranges {
        out.extend_from_slice(&md[data as usize..data as usize + size as usize]);
        // only the new copy holds the memory, as in a real dump
        out[data as usize..data as usize + size as usize].fill(0);
    }
    put_u32(&mut out, entry, 9);
    put_u32(&mut out, entry + 4, (16 + 16 * n) as u32);
    put_u32(&mut out, entry + 8, stream as u32);
    (
        out,
        base,
        ranges.iter().map(|&(s, z, _)| (s, u64::from(z))).collect(),
    )
}

/// Full-memory minidumps keep their ranges in a Memory64List; a truncated one
/// (the usual way such dumps break) still yields every range that is present,
/// with its addresses, and says the rest is missing.
#[test]
fn memory64_minidump_whole_and_truncated() {
    let md = std::fs::read(dump("pem-ascii.dmp")).unwrap();
    let (full, base, ranges) = to_memory64(&md);
    let tmp = tempfile::tempdir().unwrap();
    let path = write(tmp.path(), "full.dmp", &full);
    let (code, report) = scan_json(&[s(&path)]);
    assert_eq!(code, 1);
    assert!(
        report.inputs[0].warnings.is_empty(),
        "{:?}",
        report.inputs[0].warnings
    );
    for p in expectations("pem-ascii") {
        let f = report
            .findings
            .iter()
            .find(|f| addr(f) == Some(p.address) && f.offset as usize >= base)
            .unwrap_or_else(|| panic!("{} not found in the Memory64 ranges", p.key_file));
        assert_eq!(f.fingerprint, p.fingerprint);
    }

    // cut the file in the middle of the range holding the last heap key
    let last_heap = expectations("pem-ascii")
        .into_iter()
        .rfind(|p| p.placement == "narrow")
        .unwrap();
    let mut offset = base as u64;
    let mut cut = None;
    for (start, size) in &ranges {
        if last_heap.address >= *start && last_heap.address < start + size {
            cut = Some((offset + (last_heap.address - start) + 1) as usize);
        }
        offset += size;
    }
    let cut = cut.expect("key inside a range");
    let path = write(tmp.path(), "truncated.dmp", &full[..cut]);
    let (code, report) = scan_json(&[s(&path)]);
    assert_eq!(code, 1);
    let input = &report.inputs[0];
    assert_warned(input, "Memory64");
    assert_warned(input, "past the end");
    let survivors: Vec<_> = expectations("pem-ascii")
        .into_iter()
        .filter(|p| p.placement == "narrow" && p.address < last_heap.address)
        .collect();
    assert!(!survivors.is_empty());
    for p in survivors {
        assert!(
            report.findings.iter().any(|f| addr(f) == Some(p.address)
                && f.offset as usize >= base
                && f.fingerprint == p.fingerprint),
            "{} lost from the truncated Memory64 dump",
            p.key_file
        );
    }
}

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

/// A named pipe cannot be mapped: it is read as a stream in bounded chunks,
/// and a key in it is still found at its offset.
#[test]
fn unmappable_input_is_streamed() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("dump.pipe");
    let status = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(status.success());
    let key = std::fs::read(fixtures().join("keys/ec-p256-sec1.pem")).unwrap();
    let mut payload = vec![0x41u8; 3 << 20];
    payload.extend_from_slice(&key);
    payload.extend(vec![0u8; 1 << 20]);
    let writer_path = fifo.clone();
    let writer = std::thread::spawn(move || std::fs::write(writer_path, payload).unwrap());
    let (code, report) = scan_json(&[s(&fifo)]);
    writer.join().unwrap();
    assert_eq!(code, 1);
    assert_eq!(report.findings.len(), 1);
    assert_eq!(report.findings[0].offset, 3 << 20);
    assert!(report.findings[0].key.as_ref().unwrap().validated);
    assert_eq!(report.inputs[0].bytes_scanned, (4 << 20) + key.len() as u64);
    assert_warned(&report.inputs[0], "stream");
}

#[test]
fn default_format_is_json_when_not_a_terminal() {
    let (code, out, _) = run(&["scan", s(&dump("pem-utf16.dmp"))]);
    assert_eq!(code, 1);
    let report: Report = serde_json::from_str(&out).expect("json by default on a pipe");
    assert_eq!(report.findings.len(), 2);
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
        let found: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.path.ends_with(&format!("/{file}")))
            .collect();
        assert_eq!(found.len(), 1, "{file}: {found:?}");
        let f = found[0];
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

#[test]
fn rules_list_and_check() {
    let (code, out, _) = run(&["rules", "list"]);
    assert_eq!(code, 0);
    assert!(
        out.lines()
            .any(|l| l.starts_with("pem-rsa-private-key") && l.contains("critical"))
    );
    assert!(out.lines().any(|l| l.starts_with("der-pkcs12")));
    let rules_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let (code, out, _) = run(&["rules", "check", s(&rules_dir)]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 problem(s)"));

    let tmp = tempfile::tempdir().unwrap();
    let bad = write(
        tmp.path(),
        "bad.toml",
        b"[[rules]]\nid = \"pem-ec-private-key\"\nname = \"n\"\nkind = \"ec-private-key\"\nseverity = \"high\"\ndetector = \"pem\"\nexamples = [\"-----BEGIN EC PRIVATE KEY-----\"]\n",
    );
    let (code, out, _) = run(&["rules", "check", s(&bad)]);
    assert_eq!(code, 2);
    assert!(
        out.contains("bad.toml: rule pem-ec-private-key: example 1 is not found"),
        "{out}"
    );
    let broken = write(tmp.path(), "broken.toml", b"[[rules]]\nid = ");
    let (code, out, _) = run(&["rules", "check", s(&broken)]);
    assert_eq!(code, 2);
    assert!(out.contains("broken.toml"), "{out}");
}

/// Files stuffed with one anchor or keyword (every detector's worst case:
/// a candidate every few bytes) finish with bounded findings, and a real key
/// scanned with them is still found.
#[test]
fn anchor_floods_are_scanned_and_hide_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let secret = format!("{}{}", "05Ngeyw_ZyDkOnlu", "jBc4T~2WqbN5CorN");
    let units: Vec<(&str, Vec<u8>)> = vec![
        ("password", b"password=".to_vec()),
        ("jwt", b"eyJhbGciOiJIUzI1NiJ9.".to_vec()),
        (
            "der",
            vec![
                0x30, 0x82, 0x04, 0xa4, 0x02, 0x01, 0x00, 0x02, 0x82, 0x01, 0x01,
            ],
        ),
        ("pem", b"-----BEGIN RSA PRIVATE KEY-----\nMIIE".to_vec()),
        ("jwk", br#"{"kty":"RSA","d":""#.to_vec()),
        (
            "capi",
            b"\x07\x02\x00\x00\x00\xa4\x00\x00RSA2\x00\x08\x00\x00".to_vec(),
        ),
        ("ppk", b"PuTTY-User-Key-File-3: ssh-rsa\n".to_vec()),
        ("secrets", format!("clientSecret={secret}\n").into_bytes()),
    ];
    let mut paths = Vec::new();
    for (name, unit) in &units {
        let mut data = Vec::new();
        while data.len() < (1 << 20) {
            data.extend_from_slice(unit);
        }
        paths.push(write(tmp.path(), &format!("flood-{name}"), &data));
        let wide: Vec<u8> = data.iter().take(1 << 19).flat_map(|&b| [b, 0]).collect();
        paths.push(write(tmp.path(), &format!("flood-{name}-utf16"), &wide));
    }
    let good = dump("pem-ascii.core");
    let (_, alone) = scan_json(&[s(&good)]);
    let mut args: Vec<&str> = paths.iter().map(|p| s(p)).collect();
    args.push(s(&good));
    let (code, report) = scan_json(&args);
    assert_eq!(code, 1);
    for input in &report.inputs {
        assert!(input.error.is_none(), "{}: {:?}", input.path, input.error);
        assert_eq!(input.bytes_scanned, input.size, "{}", input.path);
    }
    let in_file = |p: &str| report.findings.iter().filter(|f| f.path == p).count();
    assert_eq!(in_file(s(&good)), alone.findings.len());
    // the file of real secrets: the first thousand listed, the rest counted
    let secrets = paths
        .iter()
        .find(|p| s(p).ends_with("flood-secrets"))
        .unwrap();
    assert_eq!(in_file(s(secrets)), 1000);
    let warned = report
        .inputs
        .iter()
        .find(|i| i.path == s(secrets))
        .is_some_and(|i| i.warnings.iter().any(|w| w.contains("more findings")));
    assert!(warned);
    for p in &paths {
        assert!(in_file(s(p)) <= 1000, "{}", s(p));
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

/// One rule lists at most 1000 findings a file by default, keeps the first
/// ones and says how many it left out; `--max-findings-per-rule 0` lists all.
#[test]
fn findings_per_rule_are_capped_and_counted() {
    let tmp = tempfile::tempdir().unwrap();
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut text = String::new();
    for i in 0..1200usize {
        let body: String = (0..36)
            .map(|k| char::from(alphabet[(i * 11 + k * k * 7 + (i >> 2) * k) % alphabet.len()]))
            .collect();
        text.push_str(&format!("token {}_{body}\n", "npm"));
    }
    let file = write(tmp.path(), "tokens.log", text.as_bytes());
    for (args, listed, warning) in [
        (
            vec![],
            1000usize,
            Some("200 more findings of rule npm-token"),
        ),
        (vec!["--max-findings-per-rule", "0"], 1200, None),
        (
            vec!["--max-findings-per-rule", "10"],
            10,
            Some("1190 more findings"),
        ),
    ] {
        let mut all = vec!["scan", "--format", "json"];
        all.extend(args.iter().copied());
        all.push(s(&file));
        let (code, out, _) = run(&all);
        assert_eq!(code, 1);
        let report: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(report["findings"].as_array().unwrap().len(), listed);
        let warnings = report["inputs"][0]["warnings"].to_string();
        match warning {
            Some(w) => assert!(warnings.contains(w), "{warnings}"),
            None => assert!(!warnings.contains("more findings"), "{warnings}"),
        }
    }
}

/// `rules anchors` lists the prefilter's literals as regular expressions a
/// literal-search tool takes (the comparison harness feeds them to rg): each
/// compiles, and together they match what keysweep's first pass matches.
#[test]
fn rules_anchors_are_the_prefilter_literals() {
    let (code, out, _) = run(&["rules", "anchors"]);
    assert_eq!(code, 0);
    let anchors: Vec<regex::bytes::Regex> = out
        .lines()
        .map(|l| regex::bytes::Regex::new(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    assert!(anchors.len() > 40, "{}", anchors.len());
    let wide = |t: &str| t.bytes().flat_map(|b| [b, 0]).collect::<Vec<u8>>();
    for hay in [
        b"-----BEGIN PRIVATE KEY-----".to_vec(),
        wide("-----BEGIN PRIVATE KEY-----"),
        b"clientSecret".to_vec(),
        wide("signingKey"),
        vec![
            0x30, 0x82, 0x04, 0xa4, 0x02, 0x01, 0x00, 0x02, 0x82, 0x01, 0x01,
        ],
    ] {
        assert!(
            anchors.iter().any(|a| a.is_match(&hay)),
            "nothing matches {hay:?}"
        );
    }
    assert!(
        !anchors
            .iter()
            .any(|a| a.is_match(b"plain words, nothing else"))
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

/// SARIF 2.1.0: the same findings as JSON, with byte regions, addresses and
/// key-identity fingerprints; valid for Microsoft's SARIF Multitool (run when
/// `KEYSWEEP_SARIF_MULTITOOL` names it, as `.ci/run` does; required in CI).
#[test]
fn sarif_output_matches_json_and_validates() {
    let inputs = [
        dump("pem-ascii.core"),
        fixtures().join("keys/der"),
        PathBuf::from("/nonexistent/keysweep"),
    ];
    let args: Vec<&str> = inputs.iter().map(|p| s(p)).collect();
    let (_, json) = scan_json(&args);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("report.sarif");
    let mut sarif_args = vec!["scan", "--format", "sarif", "-o", s(&out)];
    sarif_args.extend(&args);
    let (code, _, _) = run(&sarif_args);
    assert_eq!(code, 1);
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let run0 = &log["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run0["results"].as_array().unwrap();
    assert_eq!(results.len(), json.findings.len());
    for (r, f) in results.iter().zip(&json.findings) {
        assert_eq!(r["ruleId"], f.rule_id.as_str());
        let rule = &rules[r["ruleIndex"].as_u64().unwrap() as usize];
        assert_eq!(rule["id"], f.rule_id.as_str());
        let region = &r["locations"][0]["physicalLocation"]["region"];
        assert_eq!(region["byteOffset"], f.offset);
        assert_eq!(region["byteLength"], f.length);
        let id = r["partialFingerprints"]["keysweepKeyIdentity/v1"]
            .as_str()
            .unwrap();
        if let Some(fp) = &f.fingerprint {
            assert_eq!(id, fp);
        }
        assert_eq!(r["properties"]["address"].as_str(), f.address.as_deref());
    }
    let notes = run0["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert!(notes.iter().any(|n| {
        n["level"] == "error"
            && n["message"]["text"]
                .as_str()
                .unwrap()
                .contains("nonexistent")
    }));
    assert_eq!(run0["invocations"][0]["executionSuccessful"], false);

    match std::env::var("KEYSWEEP_SARIF_MULTITOOL") {
        Ok(tool) => {
            let validate = Command::new(tool)
                .arg("validate")
                .arg(&out)
                .output()
                .expect("run sarif-multitool");
            let text = String::from_utf8_lossy(&validate.stdout).into_owned()
                + &String::from_utf8_lossy(&validate.stderr);
            assert!(validate.status.success(), "{text}");
            assert!(!text.contains(": error "), "{text}");
            assert!(text.contains("Analysis completed successfully"), "{text}");
        }
        Err(_) => assert!(
            std::env::var("CI").is_err(),
            "CI must provide KEYSWEEP_SARIF_MULTITOOL"
        ),
    }
}

/// CI policy flags: --fail-on, --disable-rule, --include/--exclude, --max-file-size.
#[test]
fn policy_flags() {
    let enc = fixtures().join("keys/rsa2048-encrypted-pkcs8.pem");
    // a medium finding is reported but does not fail a --fail-on high job
    let (code, report) = scan_json(&["--fail-on", "high", s(&enc)]);
    assert_eq!((code, report.findings.len()), (0, 1));
    assert_eq!(scan_json(&["--fail-on", "medium", s(&enc)]).0, 1);

    let (code, report) = scan_json(&["--disable-rule", "pem-encrypted-private-key", s(&enc)]);
    assert_eq!(
        (
            code,
            report.findings.len(),
            report.summary.findings_filtered
        ),
        (0, 0, 1)
    );
    let (code, _, err) = run(&["scan", "--disable-rule", "no-such-rule", s(&enc)]);
    assert_eq!(code, 2);
    assert!(err.contains("no-such-rule"));

    let dumps = fixtures().join("dumps");
    let (_, report) = scan_json(&["--include", "*.dmp", "--exclude", "*clean*", s(&dumps)]);
    let scanned: Vec<&InputM> = report
        .inputs
        .iter()
        .filter(|i| i.skipped.is_none())
        .collect();
    assert!(
        !scanned.is_empty()
            && scanned
                .iter()
                .all(|i| i.path.ends_with(".dmp") && !i.path.contains("clean"))
    );
    assert!(
        report.inputs.iter().any(|i| i.path.ends_with("clean.dmp")
            && i.skipped.as_deref() == Some("excluded by --exclude"))
    );
    assert!(
        report.inputs.iter().any(|i| i.path.ends_with(".core")
            && i.skipped.as_deref() == Some("not matched by --include"))
    );

    let (code, report) = scan_json(&[
        "--max-file-size",
        "100K",
        s(&dump("pem-ascii.dmp")),
        s(&dump("pem-ascii.core")),
    ]);
    assert_eq!(code, 1);
    let core = report
        .inputs
        .iter()
        .find(|i| i.path.ends_with(".core"))
        .unwrap();
    assert!(
        core.skipped
            .as_deref()
            .unwrap()
            .contains("larger than --max-file-size 102400")
    );
    assert_eq!(report.summary.files_skipped, 1);
    assert_eq!(run(&["scan", "--max-file-size", "lots", s(&enc)]).0, 2);
}

/// A baseline made from one run silences exactly those findings in the next:
/// by path and key by default, by key alone with --baseline-match fingerprint.
#[test]
fn baseline_silences_exactly_the_known_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("baseline.json");
    let (code, _, err) = run(&["baseline", "-o", s(&base), s(&dump("pem-utf16.core"))]);
    assert_eq!(code, 0, "{err}");
    // the same dump: everything known, exit 0
    let (code, report) = scan_json(&["--baseline", s(&base), s(&dump("pem-utf16.core"))]);
    assert_eq!(
        (
            code,
            report.findings.len(),
            report.summary.findings_baselined
        ),
        (0, 0, 2)
    );
    // another dump of the same keys: new by path, known by fingerprint
    let copy = tmp.path().join("service-2.core");
    std::fs::copy(dump("pem-utf16.core"), &copy).unwrap();
    let (code, report) = scan_json(&["--baseline", s(&base), s(&copy)]);
    assert_eq!((code, report.findings.len()), (1, 2));
    let (code, report) = scan_json(&[
        "--baseline",
        s(&base),
        "--baseline-match",
        "fingerprint",
        s(&copy),
    ]);
    assert_eq!(
        (
            code,
            report.findings.len(),
            report.summary.findings_baselined
        ),
        (0, 0, 2)
    );
    // a dump with other keys is not silenced
    let (code, report) = scan_json(&[
        "--baseline",
        s(&base),
        "--baseline-match",
        "fingerprint",
        s(&dump("pem-ascii.core")),
    ]);
    assert_eq!(code, 1);
    let ec_fp = expectations("pem-utf16")
        .into_iter()
        .find(|p| p.key_file.contains("ec-p256"))
        .unwrap()
        .fingerprint;
    assert!(
        report.findings.iter().all(|f| f.fingerprint != ec_fp),
        "the EC key is in both dumps and known"
    );
    assert_eq!(report.findings.len(), expectations("pem-ascii").len() - 1);
    // a broken baseline is a usage error
    let bad = write(tmp.path(), "bad.json", b"{}");
    assert_eq!(run(&["scan", "--baseline", s(&bad), s(&copy)]).0, 2);
    assert_eq!(run(&["baseline", s(&copy)]).0, 2, "baseline needs -o");
}

/// Colour only when asked for (or on a terminal without NO_COLOR); dump
/// strings are sanitised either way; no progress line when stderr is not a
/// terminal.
#[test]
fn text_colour_and_quiet_pipes() {
    let (_, coloured, err) = run(&[
        "scan",
        "--format",
        "text",
        "--color",
        "always",
        s(&dump("pem-utf16.dmp")),
    ]);
    assert!(coloured.contains("\x1b[1;31mcritical"));
    assert!(err.is_empty(), "no progress on a pipe: {err}");
    let (_, plain, _) = run(&[
        "scan",
        "--format",
        "text",
        "--color",
        "never",
        s(&dump("pem-utf16.dmp")),
    ]);
    assert!(!plain.contains('\x1b'));
    let (_, auto, _) = run(&["scan", "--format", "text", s(&dump("pem-utf16.dmp"))]);
    assert!(!auto.contains('\x1b'), "auto: stdout is a pipe here");
    // a file name with an escape sequence cannot drive the terminal
    let tmp = tempfile::tempdir().unwrap();
    let evil = tmp.path().join("evil\x1b[2Jname.pem");
    std::fs::copy(fixtures().join("keys/ec-p256-sec1.pem"), &evil).unwrap();
    let (_, out, _) = run(&["scan", "--format", "text", "--color", "never", s(&evil)]);
    assert!(
        !out.contains('\x1b') && out.contains("evil\\u{1b}[2Jname.pem"),
        "{out}"
    );
}

/// --known-keys: a published JWKS, a certificate and a PEM public key name the
/// private keys found for them; other keys stay unmarked; a file without any
/// public key is a usage error.
#[test]
fn known_keys_mark_the_private_halves_they_name() {
    let known = fixtures().join("keys/known");
    let (code, report) = scan_json(&[
        "--known-keys",
        s(&known.join("idp-jwks.json")),
        "--known-keys",
        s(&known.join("ec-p256-cert.pem")),
        "--known-keys",
        s(&known.join("rsa3072-public.pem")),
        s(&dump("pem-ascii.core")),
        s(&dump("pem-utf16.core")),
    ]);
    assert_eq!(code, 1);
    let marked = |key_file: &str, dump_name: &str| {
        let p = expectations(dump_name)
            .into_iter()
            .find(|p| p.key_file.ends_with(key_file))
            .unwrap();
        let f = report
            .findings
            .iter()
            .find(|f| addr(f) == Some(p.address) && f.path.contains(dump_name))
            .unwrap();
        (f.known_key.clone(), f.severity.clone())
    };
    assert_eq!(
        marked("rsa2048-pkcs1.pem", "pem-ascii").0.as_deref(),
        Some("kid idp-signing-2026")
    );
    assert_eq!(
        marked("ed25519-pkcs8.pem", "pem-ascii").0.as_deref(),
        Some("kid idp-eddsa")
    );
    assert_eq!(
        marked("ec-p256-sec1.pem", "pem-ascii").0.as_deref(),
        Some("CN=keysweep-fixture")
    );
    assert_eq!(
        marked("ec-p256-sec1.pem", "pem-utf16").0.as_deref(),
        Some("CN=keysweep-fixture")
    );
    assert!(
        marked("rsa3072-pkcs8.pem", "pem-utf16")
            .0
            .unwrap()
            .contains("rsa3072-public.pem")
    );
    assert_eq!(marked("dsa2048-openssl.pem", "pem-ascii").0, None);
    let (code, _, err) = run(&[
        "scan",
        "--known-keys",
        s(&fixtures().join("README.md")),
        s(&dump("clean.core")),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("no public key"), "{err}");
}

/// An ELF core with more than 65534 segments (PN_XNUM: e_phnum = 0xffff,
/// the real count in section 0's sh_info), built here as the kernel lays it
/// out: every segment is read, and a key in the last one is found at its
/// address.
#[test]
fn pn_xnum_core_with_70000_segments() {
    const SEGMENTS: usize = 70_000;
    let key = std::fs::read(fixtures().join("keys/ec-p256-sec1.pem")).unwrap();
    let phoff = 64usize;
    let shoff = phoff + 56 * SEGMENTS;
    let data_off = shoff + 64;
    let seg = 64usize; // small segments keep the file small; the last one holds the key
    let last_len = 4096usize;
    let mut b = vec![0u8; data_off + SEGMENTS * seg + last_len];
    b[..4].copy_from_slice(b"\x7fELF");
    b[4] = 2; // 64-bit
    b[5] = 1; // little-endian
    b[6] = 1;
    b[16..18].copy_from_slice(&4u16.to_le_bytes()); // ET_CORE
    b[18..20].copy_from_slice(&62u16.to_le_bytes()); // x86-64
    b[20..24].copy_from_slice(&1u32.to_le_bytes());
    put_u64(&mut b, 32, phoff as u64);
    put_u64(&mut b, 40, shoff as u64);
    b[52..54].copy_from_slice(&64u16.to_le_bytes()); // e_ehsize
    b[54..56].copy_from_slice(&56u16.to_le_bytes()); // e_phentsize
    b[56..58].copy_from_slice(&0xffffu16.to_le_bytes()); // PN_XNUM
    b[58..60].copy_from_slice(&64u16.to_le_bytes()); // e_shentsize
    b[60..62].copy_from_slice(&1u16.to_le_bytes()); // e_shnum
    put_u32(&mut b, shoff + 44, SEGMENTS as u32); // section 0 sh_info: the real count
    let base = 0x7f00_0000_0000u64;
    for i in 0..SEGMENTS {
        let ph = phoff + 56 * i;
        put_u32(&mut b, ph, 1); // PT_LOAD
        put_u32(&mut b, ph + 4, 6); // rw-
        put_u64(&mut b, ph + 8, (data_off + i * seg) as u64);
        put_u64(&mut b, ph + 16, base + (2 * i * seg) as u64); // not contiguous in memory
        let len = if i == SEGMENTS - 1 { last_len } else { seg } as u64;
        put_u64(&mut b, ph + 32, len);
        put_u64(&mut b, ph + 40, len);
    }
    let last = data_off + (SEGMENTS - 1) * seg + 100;
    b[last..last + key.len()].copy_from_slice(&key);
    let tmp = tempfile::tempdir().unwrap();
    let path = write(tmp.path(), "xnum.core", &b);
    let (code, report) = scan_json(&[s(&path)]);
    assert_eq!(code, 1);
    assert_eq!(report.inputs[0].container.as_deref(), Some("elf-core"));
    assert_eq!(report.inputs[0].regions, SEGMENTS);
    assert!(
        report.inputs[0].warnings.is_empty(),
        "{:?}",
        report.inputs[0].warnings
    );
    let f = &report.findings[0];
    assert_eq!(f.offset, last as u64);
    assert_eq!(
        addr(f),
        Some(base + (2 * (SEGMENTS - 1) * seg) as u64 + 100)
    );
}

/// A directory tree thousands of levels deep is walked without exhausting the stack.
#[test]
fn very_deep_directories_are_walked() {
    let tmp = tempfile::tempdir().unwrap();
    let mut dir = tmp.path().to_path_buf();
    for _ in 0..1500 {
        dir.push("d");
    }
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        fixtures().join("keys/ed25519-pkcs8.pem"),
        dir.join("key.pem"),
    )
    .unwrap();
    let (code, report) = scan_json(&[s(tmp.path())]);
    assert_eq!(code, 1);
    assert_eq!(report.findings.len(), 1);
}

// ---- keys as live programs hold them -------------------------------------------------

/// The lines of a fixture's `NAME.expect` file, split into words (for
/// `live-*.expect`: what, file or mode, fingerprint or key hex, key hash).
fn live_expectations(name: &str) -> Vec<Vec<String>> {
    std::fs::read_to_string(dump(&format!("{name}.expect")))
        .unwrap()
        .lines()
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect()
}

/// A real process loaded two RSA keys and an EC key through OpenSSL (PEM
/// cleansed and freed), signed with them, and keeps AES-128-CBC, AES-256-GCM
/// and AES-192-CBC (decrypt) contexts alive. From its gcore core and its
/// minidump, keysweep rebuilds both RSA keys from their limb arrays with
/// openssl's fingerprints and every component's address, and recovers the
/// three AES keys from their schedules (the decryption one too).
#[test]
fn live_process_keys_are_recovered_from_a_core_and_a_minidump() {
    let expect = live_expectations("live-keys");
    for ext in ["core", "dmp"] {
        let path = dump(&format!("live-keys.{ext}"));
        let (code, report) = scan_json(&[s(&path)]);
        assert_eq!(code, 1);
        let f = &report.findings;
        for e in &expect {
            match e[0].as_str() {
                "rsa" => {
                    let found = f
                        .iter()
                        .find(|x| {
                            x.rule_id == "rsa-private-key-bignum"
                                && x.fingerprint.as_deref() == Some(&e[2])
                        })
                        .unwrap_or_else(|| panic!("{ext}: {} not rebuilt", e[1]));
                    assert_eq!(found.encoding, "bignum-le");
                    assert_eq!(found.severity, "critical");
                    assert_eq!(found.region.kind, "heap");
                    let key = found.key.as_ref().unwrap();
                    assert!(key.validated);
                    assert!(key.note.is_none(), "d was in memory: e is confirmed");
                    for part in [
                        "n (BIGNUM limbs)",
                        "p (BIGNUM limbs)",
                        "q (BIGNUM limbs)",
                        "d",
                        "BIGNUM record of n",
                    ] {
                        let c = found
                            .components
                            .iter()
                            .find(|c| c.name == part)
                            .unwrap_or_else(|| {
                                panic!("{ext}: no {part} in {:?}", found.components)
                            });
                        assert!(c.address.is_some() && c.region == "heap", "{c:?}");
                    }
                    assert!(found.secret.is_none() && !found.preview.contains("MII"));
                }
                "ec" => assert!(
                    f.iter().any(|x| x.fingerprint.as_deref() == Some(&e[2])),
                    "{ext}: EC key not found"
                ),
                "aes" => {
                    let found = f
                        .iter()
                        .find(|x| {
                            x.rule_id == "aes-key-schedule"
                                && x.fingerprint.as_deref() == Some(&e[3])
                        })
                        .unwrap_or_else(|| panic!("{ext}: AES key {} not found", e[1]));
                    let key = found.key.as_ref().unwrap();
                    let schedule = if e[1].starts_with("dec:") {
                        "decrypt"
                    } else {
                        "encrypt"
                    };
                    assert_eq!(key.schedule.as_deref(), Some(schedule));
                    assert_eq!(key.bits, Some(e[2].len() as u32 * 4));
                    assert!(found.address.is_some());
                }
                other => panic!("bad expect line {other}"),
            }
        }
        // the only other schedules are OpenSSL's own DRBG (AES-256 CTR) keys
        for x in f.iter().filter(|x| x.rule_id == "aes-key-schedule") {
            let planted = expect
                .iter()
                .any(|e| e[0] == "aes" && x.fingerprint.as_deref() == Some(&e[3]));
            assert!(
                planted || x.key.as_ref().unwrap().bits == Some(256),
                "{x:?}"
            );
        }
        let rsa = f
            .iter()
            .filter(|x| x.rule_id == "rsa-private-key-bignum")
            .count();
        assert_eq!(rsa, 2, "one finding per key, however many copies");
        // --show-secrets gives the rebuilt key, which openssl accepts as the same key
        let (_, shown) = scan_json(&["--show-secrets", "--detectors", "bignum", s(&path)]);
        for x in &shown.findings {
            let pem = x.secret.as_ref().unwrap();
            let dir = tempfile::tempdir().unwrap();
            let file = write(dir.path(), "k.pem", pem.as_bytes());
            let out = Command::new("openssl")
                .args(["pkey", "-in", s(&file), "-pubout", "-outform", "DER"])
                .output()
                .unwrap();
            assert!(out.status.success());
            use sha2::Digest;
            assert_eq!(
                Some(format!("{:x}", sha2::Sha256::digest(&out.stdout))),
                x.fingerprint
            );
        }
    }
    // the same program holding no key: nothing
    for ext in ["core", "dmp"] {
        let (code, report) = scan_json(&[s(&dump(&format!("live-clean.{ext}")))]);
        assert_eq!((code, report.findings.len()), (0, 0), "{ext}");
    }
}

/// The (rule, fingerprint) pairs `report` gives for the input at `path`.
fn fingerprints_in(report: &Report, path: &Path) -> BTreeSet<(String, String)> {
    report
        .findings
        .iter()
        .filter(|f| f.path == s(path))
        .filter_map(|f| Some((f.rule_id.clone(), f.fingerprint.clone()?)))
        .collect()
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

/// aeskeyfind (when installed) finds a subset of what keysweep finds on the
/// same dumps, and rsakeyfind finds nothing: the comparison in the README.
#[test]
fn aeskeyfind_finds_a_subset_of_keysweep() {
    let Ok(out) = Command::new("aeskeyfind")
        .arg(dump("live-keys.core"))
        .output()
    else {
        eprintln!("aeskeyfind not installed; comparison skipped");
        return;
    };
    let theirs: std::collections::BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    let (_, report) = scan_json(&[
        "--show-secrets",
        "--detectors",
        "aes",
        s(&dump("live-keys.core")),
    ]);
    let ours: std::collections::BTreeSet<String> = report
        .findings
        .iter()
        .filter_map(|f| f.secret.clone())
        .collect();
    assert!(!theirs.is_empty());
    assert!(
        theirs.is_subset(&ours),
        "aeskeyfind {theirs:?} keysweep {ours:?}"
    );
    assert!(
        ours.len() > theirs.len(),
        "keysweep also finds the AES-192 decryption schedule"
    );
}

/// The fixture key's numbers, big-endian: (n, p, EC-unrelated).
fn rsa2048_numbers() -> (Vec<u8>, Vec<u8>) {
    use base64::Engine as _;
    use der::Decode;
    let pem = std::fs::read_to_string(fixtures().join("keys/rsa2048-pkcs1.pem")).unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap();
    let k = pkcs1::RsaPrivateKey::from_der(&der).unwrap();
    let strip = |b: &[u8]| {
        b.iter()
            .skip_while(|&&x| x == 0)
            .copied()
            .collect::<Vec<u8>>()
    };
    (strip(k.modulus.as_bytes()), strip(k.prime1.as_bytes()))
}

/// Heap-like filler: short runs of pseudo-random bytes between zero words.
fn heap_like(len: usize, mut seed: u64) -> Vec<u8> {
    let mut b: Vec<u8> = (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 24) as u8
        })
        .collect();
    for (i, c) in b.chunks_mut(40).enumerate() {
        if i % 2 == 0 {
            c[..8].fill(0);
        }
    }
    b
}

/// `--known-keys` recovers a known key's private half from any in-memory
/// form: here the published modulus sits once as base64url text (a JWK) and
/// one prime once as little-endian limbs 300 KiB away (or big-endian bytes),
/// which nothing else could pair. The EC key of a known certificate is found
/// as a bare scalar next to its public X coordinate.
#[test]
fn known_keys_recover_private_halves_from_bare_numbers() {
    use base64::Engine as _;
    let dir = tempfile::tempdir().unwrap();
    let (n, p) = rsa2048_numbers();
    let jwks = fixtures().join("keys/known/idp-jwks.json");
    let rsa_fp = keysweep::detect::pem::fingerprint_of(
        &std::fs::read(fixtures().join("keys/rsa2048-pkcs1.pem")).unwrap(),
    )
    .unwrap();
    for (name, p_bytes) in [
        ("le", p.iter().rev().copied().collect::<Vec<u8>>()),
        ("be", p.clone()),
    ] {
        let mut b = heap_like(1 << 20, 11);
        let text = format!(
            "{{\"kty\":\"RSA\",\"n\":\"{}\",\"e\":\"AQAB\"}}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&n)
        );
        b[0x1000..0x1000 + text.len()].copy_from_slice(text.as_bytes());
        let at = 0x1000 + (300 << 10);
        b[at - 8..at].fill(0);
        b[at..at + p_bytes.len()].copy_from_slice(&p_bytes);
        b[at + p_bytes.len()..at + p_bytes.len() + 8].fill(0);
        let file = write(dir.path(), &format!("rsa-{name}.bin"), &b);
        let (code, plain) = scan_json(&[s(&file)]);
        assert_eq!(
            (code, plain.findings.len()),
            (0, 0),
            "{name}: nothing without the known key"
        );
        let (code, report) = scan_json(&["--known-keys", s(&jwks), s(&file)]);
        assert_eq!(code, 1, "{name}");
        assert_eq!(report.findings.len(), 1, "{name}: {:?}", report.findings);
        let f = &report.findings[0];
        assert_eq!(f.rule_id, "rsa-private-key-known-factor");
        assert_eq!(f.fingerprint.as_deref(), Some(rsa_fp.as_str()));
        assert_eq!(f.known_key.as_deref(), Some("kid idp-signing-2026"));
        assert_eq!(f.offset, at as u64);
        assert_eq!(
            f.encoding,
            if name == "le" {
                "bignum-le"
            } else {
                "bignum-be"
            }
        );
        let n_copy = f.components.iter().find(|c| c.name == "n").unwrap();
        assert_eq!(
            (n_copy.encoding.as_str(), n_copy.offset),
            ("ascii", 0x1000 + 18)
        );
    }

    // EC: the scalar of keys/ec-p256-sec1.pem as 64-bit limbs, near its public X
    let ec_der = {
        use base64::Engine as _;
        let pem = std::fs::read_to_string(fixtures().join("keys/ec-p256-sec1.pem")).unwrap();
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap()
    };
    // SEC1: 30 77 02 01 01 04 20 <d> a0 0a <oid> a1 44 03 42 00 04 <x> <y>
    let d = &ec_der[7..39];
    let x = &ec_der[ec_der.len() - 64..ec_der.len() - 32];
    let mut b = heap_like(1 << 18, 12);
    b[0x2000 - 8..0x2000 + 40].fill(0);
    b[0x2000..0x2020].copy_from_slice(x);
    b[0x2400 - 8..0x2400 + 40].fill(0);
    let le: Vec<u8> = d.iter().rev().copied().collect();
    b[0x2400..0x2420].copy_from_slice(&le);
    let file = write(dir.path(), "ec.bin", &b);
    let cert = fixtures().join("keys/known/ec-p256-cert.pem");
    let (_, plain) = scan_json(&[s(&file)]);
    assert!(plain.findings.is_empty());
    let (code, report) = scan_json(&["--known-keys", s(&cert), s(&file)]);
    assert_eq!(
        (code, report.findings.len()),
        (1, 1),
        "{:?}",
        report.findings
    );
    let f = &report.findings[0];
    assert_eq!(f.rule_id, "ec-private-key-known-scalar");
    assert_eq!(f.offset, 0x2400);
    assert_eq!(f.known_key.as_deref(), Some("CN=keysweep-fixture"));
    assert!(f.key.as_ref().unwrap().validated);
}

/// A live OpenSSL process's EC key, held only as a BIGNUM, is found with its
/// certificate known; the known RSA keys rebuilt without help are marked.
#[test]
fn known_keys_in_a_live_process() {
    let live = fixtures().join("keys/live");
    for ext in ["core", "dmp"] {
        let (_, report) = scan_json(&[
            "--known-keys",
            s(&live.join("ec-p256-cert.pem")),
            "--known-keys",
            s(&live.join("rsa4096-cert.pem")),
            s(&dump(&format!("live-keys.{ext}"))),
        ]);
        let ec = report
            .findings
            .iter()
            .find(|f| f.rule_id == "ec-private-key-known-scalar")
            .unwrap_or_else(|| panic!("{ext}: EC scalar not found"));
        assert_eq!(ec.known_key.as_deref(), Some("CN=live-ec"));
        assert_eq!(ec.encoding, "bignum-le");
        assert_eq!(ec.region.kind, "heap");
        let rsa = report
            .findings
            .iter()
            .find(|f| f.rule_id == "rsa-private-key-bignum" && f.known_key.is_some())
            .unwrap();
        assert_eq!(rsa.known_key.as_deref(), Some("CN=live-signing"));
        assert_eq!(rsa.severity, "critical");
    }
}

// ---- tokens and credentials ----------------------------------------------------------

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct TokenM {
    alg: String,
    kid: Option<String>,
    iss: Option<String>,
    exp: Option<i64>,
    #[serde(default)]
    expired: bool,
}

/// A real process holds one token of every built-in rule in its heap as
/// ASCII and as UTF-16LE only, a token in its environment and one on its
/// command line. Every one is found with its rule id in the gcore core, the
/// minidump and the kernel's core; the minidump's findings name the
/// LinuxEnviron and LinuxCmdLine streams, the kernel core's the notes that
/// hold NT_PRPSINFO.
#[test]
fn tokens_in_a_live_process() {
    let expect = live_expectations("tokens");
    assert!(expect.len() >= 36);
    for name in ["tokens.core", "tokens.dmp", "tokens.kernel.core"] {
        let (code, report) = scan_json(&["--detectors", "tokens", s(&dump(name))]);
        assert_eq!(code, 1);
        let f = &report.findings;
        for e in &expect {
            let (rule, placement, hash) = (&e[0], &e[1], &e[2]);
            let hits: Vec<&FindingM> = f
                .iter()
                .filter(|x| &x.rule_id == rule && x.fingerprint.as_deref() == Some(hash.as_str()))
                .collect();
            let wanted = |enc: &str| {
                hits.iter()
                    .any(|x| x.encoding == enc && x.region.kind == "heap")
            };
            match placement.as_str() {
                "narrow" => assert!(wanted("ascii"), "{name}: {rule} ASCII"),
                "wide" => assert!(wanted("utf16le"), "{name}: {rule} UTF-16LE"),
                "environment" => {
                    assert!(
                        hits.iter().any(|x| x.region.kind == "stack"),
                        "{name}: env on the stack"
                    );
                    if name.ends_with(".dmp") {
                        assert!(hits.iter().any(|x| x.region.kind == "metadata"
                            && x.region.name.as_deref() == Some("LinuxEnviron")));
                    }
                }
                "argument" => {
                    if name.ends_with(".dmp") {
                        assert!(
                            hits.iter()
                                .any(|x| x.region.name.as_deref() == Some("LinuxCmdLine"))
                        );
                    } else if name == "tokens.kernel.core" {
                        assert!(hits.iter().any(|x| {
                            x.region.kind == "metadata"
                                && x.region
                                    .name
                                    .as_deref()
                                    .is_some_and(|n| n.starts_with("notes"))
                        }));
                    } else {
                        assert!(hits.iter().any(|x| x.region.kind == "stack"));
                    }
                }
                other => panic!("bad placement {other}"),
            }
        }
        // the JWT says what it is; its signature never shows
        let jwt = f.iter().find(|x| x.rule_id == "jwt").unwrap();
        let token = jwt.token.clone().unwrap();
        assert_eq!(token.alg, "RS256");
        assert_eq!(token.kid.as_deref(), Some("example-kid-2026"));
        assert_eq!(
            token.iss.as_deref(),
            Some("https://login.example.com/tenant/v2.0")
        );
        assert_eq!((token.exp, token.expired), (Some(4102444800), false));
        assert!(jwt.secret.is_none() && jwt.preview.contains("signature redacted"));
        // nothing but the planted tokens
        for x in f {
            assert!(
                expect
                    .iter()
                    .any(|e| e[0] == x.rule_id && x.fingerprint.as_deref() == Some(e[2].as_str())),
                "{name}: unexpected {} {}",
                x.rule_id,
                x.preview
            );
        }
    }
}

/// A user's rule file and a gitleaks configuration both run with `--rules`;
/// `--disable-rule` takes their ids; a broken rule is a clear usage error.
#[test]
fn user_rules_and_gitleaks_configurations() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(
        dir.path(),
        "memory.bin",
        &[
            b"\x00\x01 internal token: ACME-7f3a9c2e5b1d8f4a6c0e2b9d7a5f3c1e end\x00".as_slice(),
            &keysweep::detect::utf16le(b"ACME-0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d"),
            b"\x00 deploy_token=dtk_Zx81Lp0QmWv2Rt7YcBn5Ks3Ha9 \x00",
        ]
        .concat(),
    );
    let user = write(
        dir.path(),
        "acme.toml",
        br#"
[[rules]]
id = "acme-internal-token"
name = "ACME internal token"
kind = "acme-token"
severity = "critical"
keywords = ["ACME-"]
pattern = '''ACME-(?P<secret>[0-9a-f]{32})'''
entropy = 3.0
examples = ["token ACME-7f3a9c2e5b1d8f4a6c0e2b9d7a5f3c1e"]
negative_examples = ["ACME-000"]
"#,
    );
    let (code, report) = scan_json(&["--detectors", "tokens", "--rules", s(&user), s(&data)]);
    assert_eq!(code, 1);
    let acme: Vec<&FindingM> = report
        .findings
        .iter()
        .filter(|f| f.rule_id == "acme-internal-token")
        .collect();
    assert_eq!(acme.len(), 2, "ASCII and UTF-16LE");
    assert!(acme.iter().any(|f| f.encoding == "utf16le"));
    assert!(acme.iter().all(|f| f.severity == "critical"));
    assert!(
        acme.iter()
            .all(|f| f.length == if f.encoding == "ascii" { 32 } else { 64 })
    );
    let (code, report) = scan_json(&[
        "--detectors",
        "tokens",
        "--rules",
        s(&user),
        "--disable-rule",
        "acme-internal-token",
        s(&data),
    ]);
    assert_eq!((code, report.summary.findings_filtered), (0, 2));

    let gitleaks = write(
        dir.path(),
        "gitleaks.toml",
        br#"
title = "team rules"
[allowlist]
stopwords = ["EXAMPLE"]

[[rules]]
id = "deploy-token"
description = "Deploy token"
regex = '''(?i)deploy_token\s*=\s*(dtk_[A-Za-z0-9]{26})'''
keywords = ["DEPLOY_TOKEN"]
entropy = 3.0

[[rules]]
id = "acme-legacy"
regex = '''ACME-([0-9a-f]{32})'''
secretGroup = 1
keywords = ["acme-"]
[[rules.allowlists]]
regexes = ['''^0a1b''']
"#,
    );
    let (code, report) = scan_json(&["--detectors", "tokens", "--rules", s(&gitleaks), s(&data)]);
    assert_eq!(code, 1);
    let ids: Vec<(&str, &str)> = report
        .findings
        .iter()
        .map(|f| (f.rule_id.as_str(), f.encoding.as_str()))
        .collect();
    assert!(ids.contains(&("gitleaks:deploy-token", "ascii")), "{ids:?}");
    assert!(ids.contains(&("gitleaks:acme-legacy", "ascii")), "{ids:?}");
    // the allowlist keeps the UTF-16LE ACME token (secret starts 0a1b) out
    assert!(
        !ids.contains(&("gitleaks:acme-legacy", "utf16le")),
        "{ids:?}"
    );
    let deploy = report
        .findings
        .iter()
        .find(|f| f.rule_id == "gitleaks:deploy-token")
        .unwrap();
    assert_eq!(deploy.length, 30, "secret = the first capture group");

    // rules check: the user file passes, a broken file names file, rule and problem
    let (code, out, _) = run(&["rules", "check", s(&user)]);
    assert_eq!(code, 0, "{out}");
    let broken = write(
        dir.path(),
        "broken.toml",
        br#"
[[rules]]
id = "bad-regex"
name = "x"
kind = "secret"
severity = "high"
keywords = ["tok_"]
pattern = '''tok_([a-z'''
examples = ["tok_abc"]

[[rules]]
id = "no-keywords"
name = "y"
kind = "secret"
severity = "high"
pattern = '''zz[0-9]+'''
examples = ["zz123"]

[[rules]]
id = "bad-validator"
name = "z"
kind = "secret"
severity = "high"
keywords = ["qq"]
pattern = '''qq[0-9]+'''
validate = "luhn"
examples = ["qq123"]

[[rules]]
id = "missing-keyword"
name = "w"
kind = "secret"
severity = "high"
keywords = ["ww_", "vv_"]
pattern = '''(?:ww|vv)_[0-9]{4}'''
examples = ["ww_1234"]
negative_examples = ["ww_12"]
"#,
    );
    let (code, out, _) = run(&["rules", "check", s(&broken)]);
    assert_eq!(code, 2, "{out}");
    let b = s(&broken);
    assert!(
        out.contains(&format!("{b}: rule bad-regex: pattern does not compile")),
        "{out}"
    );
    assert!(
        out.contains(&format!("{b}: rule no-keywords: `keywords` must list")),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "{b}: rule bad-validator: unknown validator `luhn`"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "warning: {b}: rule missing-keyword: keyword `vv_` appears in none of the examples"
        )),
        "{out}"
    );
    let (code, _, err) = run(&["scan", "--rules", s(&broken), s(&data)]);
    assert_eq!(code, 2);
    assert!(
        err.contains("rule bad-regex") && err.contains("pattern does not compile"),
        "{err}"
    );
    // gitleaks features keysweep cannot honour are refused by name
    let unsupported = write(
        dir.path(),
        "gl2.toml",
        b"[extend]\nuseDefault = true\n[[rules]]\nid = \"a\"\nregex = 'x'\n",
    );
    let (code, _, err) = run(&["scan", "--rules", s(&unsupported), s(&data)]);
    assert_eq!(code, 2);
    assert!(err.contains("[extend] is not supported"), "{err}");
}

/// The token rules over this machine's real executables and libraries (and
/// the clean dumps): no finding at high severity or above; the generic
/// assignment rules (medium) stay rare. On the development machine, /usr/bin
/// (251 MiB) gave 6 medium findings, all in node's embedded JavaScript.
#[test]
fn token_rules_on_real_binaries() {
    let mut args = vec!["--detectors", "tokens"];
    let mut paths: Vec<PathBuf> = vec![
        dump("clean.core"),
        dump("clean.dmp"),
        dump("live-clean.core"),
        dump("live-clean.dmp"),
        fixtures().join("public-minidumps"),
    ];
    for p in [
        "/usr/bin",
        "/usr/lib/x86_64-linux-gnu/libcrypto.so.3",
        "/usr/lib/x86_64-linux-gnu/libc.so.6",
    ] {
        if Path::new(p).exists() {
            paths.push(PathBuf::from(p));
        }
    }
    args.extend(paths.iter().map(|p| s(p)));
    let (_, report) = scan_json(&args);
    let high = report
        .findings
        .iter()
        .filter(|f| f.severity == "high" || f.severity == "critical")
        .map(|f| format!("{} {} {}", f.path, f.rule_id, f.preview))
        .collect::<Vec<_>>();
    assert!(high.is_empty(), "{high:#?}");
    let medium = report.findings.len();
    let mib = report.summary.bytes_scanned >> 20;
    eprintln!("token rules: {medium} medium findings in {mib} MiB of binaries and clean dumps");
    assert!(
        medium as u64 <= 1 + mib / 16,
        "{medium} medium findings in {mib} MiB"
    );
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.rule_id.starts_with("generic-"))
    );
}

/// A Google Cloud service-account key file in memory (ASCII and UTF-16LE):
/// the key file is reported by its rule, and its embedded private key, with
/// JSON's `\n` escapes, by the PEM detector, validated, with openssl's
/// fingerprint.
#[test]
fn gcp_service_account_json_reports_the_file_and_its_key() {
    let pem = std::fs::read_to_string(fixtures().join("keys/rsa2048-pkcs1.pem")).unwrap();
    let fp = keysweep::detect::pem::fingerprint_of(pem.as_bytes()).unwrap();
    let json = format!(
        "{{\n  \"type\": \"{}\",\n  \"project_id\": \"example-project\",\n  \"private_key_id\": \"3f2a9c0e5b7d1f4a6c8e0b2d4f6a8c0e1b3d5f7a\",\n  \"private_key\": \"{}\",\n  \"client_email\": \"ci@example-project.iam.gserviceaccount.com\"\n}}\n",
        ["service", "account"].join("_"),
        pem.trim_end().replace('\n', "\\n")
    );
    let dir = tempfile::tempdir().unwrap();
    let bytes = [
        b"\x00\x00".as_slice(),
        json.as_bytes(),
        b"\x00\x00",
        &keysweep::detect::utf16le(json.as_bytes()),
    ]
    .concat();
    let file = write(dir.path(), "heap.bin", &bytes);
    let (code, report) = scan_json(&[s(&file)]);
    assert_eq!(code, 1);
    for enc in ["ascii", "utf16le"] {
        assert!(
            report
                .findings
                .iter()
                .any(|f| f.rule_id == "gcp-service-account-key" && f.encoding == enc)
        );
        let key = report
            .findings
            .iter()
            .find(|f| f.rule_id == "pem-rsa-private-key" && f.encoding == enc)
            .unwrap_or_else(|| panic!("{enc}: {:#?}", report.findings));
        assert_eq!(key.fingerprint.as_deref(), Some(fp.as_str()));
        assert!(key.key.as_ref().unwrap().validated);
    }
}

/// Keys held the way Windows CNG holds them underneath: a real process using
/// Microsoft SymCrypt (its Linux build) generated RSA-2048 and RSA-3072 keys.
/// SymCrypt keeps each number once, so nothing repeats and no OpenSSL record
/// points at it; keysweep recognises the SYMCRYPT_RSAKEY objects and rebuilds
/// both keys, with the fingerprints of the public keys SymCrypt exported. The
/// AES keys SymCrypt expanded are found by their round keys.
#[test]
fn symcrypt_key_objects_are_rebuilt() {
    let expect = live_expectations("symcrypt");
    assert_eq!(expect.len(), 5);
    for ext in ["core", "dmp"] {
        let (code, report) = scan_json(&[s(&dump(&format!("symcrypt.{ext}")))]);
        assert_eq!(code, 1);
        let rsa = report
            .findings
            .iter()
            .filter(|f| f.rule_id == "rsa-private-key-bignum");
        assert_eq!(rsa.count(), 2, "{ext}: {:#?}", report.findings);
        // SymCrypt's expanded AES keys: encryption and decryption round keys
        for e in expect.iter().filter(|e| e[0] == "aes") {
            let schedules: Vec<&str> = report
                .findings
                .iter()
                .filter(|f| {
                    f.rule_id == "aes-key-schedule"
                        && f.fingerprint.as_deref() == Some(e[2].as_str())
                })
                .map(|f| f.key.as_ref().unwrap().schedule.as_deref().unwrap_or(""))
                .collect();
            assert!(
                schedules.contains(&"encrypt") && schedules.contains(&"decrypt"),
                "{ext}: AES-{} {schedules:?}",
                e[1]
            );
        }
        for e in expect.iter().filter(|e| e[0] == "rsa") {
            let f = report
                .findings
                .iter()
                .find(|f| f.fingerprint.as_deref() == Some(e[2].as_str()))
                .unwrap_or_else(|| panic!("{ext}: RSA-{} not rebuilt", e[1]));
            assert_eq!(f.rule_id, "rsa-private-key-bignum");
            assert_eq!(f.key.as_ref().unwrap().bits, Some(e[1].parse().unwrap()));
            assert!(f.key.as_ref().unwrap().validated);
            let names: Vec<&str> = f.components.iter().map(|c| c.name.as_str()).collect();
            for part in ["n", "p", "q", "d", "SymCrypt RSA key object"] {
                assert!(names.contains(&part), "{ext}: {names:?}");
            }
            assert!(
                f.components
                    .iter()
                    .all(|c| c.address.is_some() && c.region == "heap")
            );
        }
    }
}

/// Run keysweep with its report in a file and return (exit code, report,
/// peak resident set in KiB), the peak read by `wait4` for this child alone.
fn scan_json_measuring_rss(args: &[&str], dir: &Path) -> (i32, Report, u64) {
    let out_path = dir.join("report.json");
    let out = std::fs::File::create(&out_path).unwrap();
    #[expect(
        clippy::zombie_processes,
        reason = "reaped below by wait4, which also gives its rusage"
    )]
    let child = Command::new(BIN)
        .args(["scan", "--format", "json"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(Stdio::null())
        .spawn()
        .expect("run keysweep");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our own unwaited child; status and usage are valid for writes.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4: {}", std::io::Error::last_os_error());
    assert!(libc::WIFEXITED(status), "killed by a signal: {status}");
    let text = std::fs::read_to_string(&out_path).unwrap();
    let report: Report =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("bad JSON ({e}): {text}"));
    (libc::WEXITSTATUS(status), report, usage.ru_maxrss as u64)
}

/// Memory grows with the ranges a dump lists only up to a cap: a minidump
/// listing 300 000 ranges, and one whose header declares 5 000 streams, are
/// scanned in bounded memory, and a key in a range past the cap is still
/// found, without an address.
#[test]
fn region_counts_past_the_caps_keep_memory_bounded() {
    const CAP: usize = 1 << 18; // keysweep's ranges per dump
    const RANGES: usize = CAP + 37_856;
    let key = std::fs::read(fixtures().join("keys/ec-p256-sec1.pem")).unwrap();
    let hold = 4096usize; // the first and the last range hold a key
    let list = 44usize;
    let data = list + 4 + 16 * RANGES;
    let stride = 16usize; // 8 bytes of data, 8 bytes of gap: twice the regions
    let mut b = vec![0u8; data + stride * RANGES + 2 * hold];
    b[..4].copy_from_slice(b"MDMP");
    put_u32(&mut b, 4, 0xa793);
    put_u32(&mut b, 8, 1);
    put_u32(&mut b, 12, 32);
    put_u32(&mut b, 32, 5); // MemoryListStream
    put_u32(&mut b, 36, (4 + 16 * RANGES) as u32);
    put_u32(&mut b, 40, list as u32);
    put_u32(&mut b, list, RANGES as u32);
    let base = 0x10_0000_0000u64;
    let mut at = data;
    for i in 0..RANGES {
        let d = list + 4 + 16 * i;
        let len = if i == 0 || i == RANGES - 1 { hold } else { 8 };
        put_u64(&mut b, d, base + 0x10000 * i as u64);
        put_u32(&mut b, d + 8, len as u32);
        put_u32(&mut b, d + 12, at as u32);
        if len == hold {
            b[at + 64..at + 64 + key.len()].copy_from_slice(&key);
        }
        at += len.max(stride);
    }
    let tmp = tempfile::tempdir().unwrap();
    let path = write(tmp.path(), "many-ranges.dmp", &b);
    let (code, report, peak_kib) = scan_json_measuring_rss(&[s(&path)], tmp.path());
    assert_eq!(code, 1);
    let input = &report.inputs[0];
    assert_eq!(input.regions, CAP);
    assert_eq!(input.bytes_scanned, b.len() as u64);
    assert_warned(input, "reads 262144 ranges");
    let mut found: Vec<(u64, Option<u64>)> = report
        .findings
        .iter()
        .map(|f| (f.offset, addr(f)))
        .collect();
    found.sort();
    let last = at - hold;
    assert_eq!(
        found,
        vec![
            (data as u64 + 64, Some(base + 64)),
            (last as u64 + 64, None)
        ]
    );
    assert!(peak_kib < 256 * 1024, "peak RSS {peak_kib} KiB");

    // a header declaring more streams than keysweep reads: walked by hand
    let streams = 5000usize;
    let dir = 32usize;
    let list = dir + 12 * streams;
    let data = list + 4 + 16;
    let mut b = vec![0u8; data + hold];
    b[..4].copy_from_slice(b"MDMP");
    put_u32(&mut b, 4, 0xa793);
    put_u32(&mut b, 8, streams as u32);
    put_u32(&mut b, 12, dir as u32);
    for i in 0..streams {
        put_u32(
            &mut b,
            dir + 12 * i,
            if i == 0 { 5 } else { 0x1000 + i as u32 },
        );
        put_u32(&mut b, dir + 12 * i + 4, 20);
        put_u32(&mut b, dir + 12 * i + 8, list as u32);
    }
    put_u32(&mut b, list, 1);
    put_u64(&mut b, list + 4, base);
    put_u32(&mut b, list + 12, hold as u32);
    put_u32(&mut b, list + 16, data as u32);
    b[data + 64..data + 64 + key.len()].copy_from_slice(&key);
    let path = write(tmp.path(), "many-streams.dmp", &b);
    let (code, report, peak_kib) = scan_json_measuring_rss(&[s(&path)], tmp.path());
    assert_eq!(code, 1);
    assert_warned(&report.inputs[0], "declares 5000 streams");
    let f = &report.findings[0];
    assert_eq!((f.offset, addr(f)), (data as u64 + 64, Some(base + 64)));
    assert!(peak_kib < 256 * 1024, "peak RSS {peak_kib} KiB");
}
