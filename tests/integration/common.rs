//! Shared helpers: the binary, the fixtures, running a scan, reading and writing dump fields.

pub use serde::Deserialize;
pub use serde_json::Value;
pub use std::collections::{BTreeMap, BTreeSet};
pub use std::io::Write;
pub use std::path::{Path, PathBuf};
pub use std::process::{Command, Stdio};

use crate::contract::*;

pub const BIN: &str = env!("CARGO_BIN_EXE_keysweep");

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

pub fn dump(name: &str) -> PathBuf {
    fixtures().join("dumps").join(name)
}

/// Run keysweep; returns (exit code, stdout, stderr).
pub fn run(args: &[&str]) -> (i32, String, String) {
    run_with_stdin(args, None)
}

pub fn run_with_stdin(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
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

/// Scan with `--format json` and parse the report strictly.
pub fn scan_json(args: &[&str]) -> (i32, Report) {
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
pub fn assert_warned(input: &InputM, needle: &str) {
    assert!(
        input.warnings.iter().any(|w| w.contains(needle)),
        "no warning containing {needle:?}: {:?}",
        input.warnings
    );
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

pub fn put_u32(b: &mut [u8], off: usize, v: u32) {
    b[off..off + 4].copy_from_slice(&v.to_le_bytes());
}

pub fn put_u64(b: &mut [u8], off: usize, v: u64) {
    b[off..off + 8].copy_from_slice(&v.to_le_bytes());
}

pub fn get_u32(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(b[off..off + 4].try_into().unwrap())
}

pub fn get_u64(b: &[u8], off: usize) -> u64 {
    u64::from_le_bytes(b[off..off + 8].try_into().unwrap())
}

/// The minidump directory entry for a stream type: (entry offset, rva).
pub fn stream_entry(b: &[u8], ty: u32) -> Option<(usize, usize)> {
    let (n, dir) = (get_u32(b, 8) as usize, get_u32(b, 12) as usize);
    (0..n)
        .map(|i| dir + 12 * i)
        .find(|&e| get_u32(b, e) == ty)
        .map(|e| (e, get_u32(b, e + 8) as usize))
}

/// A seeded xorshift64 generator: test data that looks random, the same
/// every run, made without holding it all in memory.
pub fn xorshift(seed: u64) -> impl FnMut() -> u64 {
    let mut x = seed | 1;
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    }
}

pub fn memchr_find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

pub fn unsafe_euid_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false)
}

/// The (rule, fingerprint) pairs `report` gives for the input at `path`.
pub fn fingerprints_in(report: &Report, path: &Path) -> BTreeSet<(String, String)> {
    report
        .findings
        .iter()
        .filter(|f| f.path == s(path))
        .filter_map(|f| Some((f.rule_id.clone(), f.fingerprint.clone()?)))
        .collect()
}

/// Run keysweep with its report in a file and return (exit code, report,
/// peak resident set in KiB), the peak read by `wait4` for this child alone.
pub fn scan_json_measuring_rss(args: &[&str], dir: &Path) -> (i32, Report, u64) {
    let (code, report, rss, _, _) = scan_measured(args, dir);
    (code, report, rss)
}

/// Run a JSON scan to a file in `dir`; returns (exit code, report, peak
/// resident set in KiB, CPU seconds (user and system), report bytes).
pub fn scan_measured(args: &[&str], dir: &Path) -> (i32, Report, u64, f64, u64) {
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
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (
        libc::WEXITSTATUS(status),
        report,
        usage.ru_maxrss as u64,
        secs(usage.ru_utime) + secs(usage.ru_stime),
        text.len() as u64,
    )
}

/// Rewrite a minidump's MemoryList as a Memory64List (the layout of full-memory
/// dumps: one descriptor list, the data of all ranges back to back at the end;
/// the old copy of the data is zeroed). Returns the new file, the file offset
/// where range data begins and the ranges (address, size).
pub fn to_memory64(md: &[u8]) -> (Vec<u8>, usize, Vec<(u64, u64)>) {
    let (entry, rva) = stream_entry(md, 5).expect("MemoryList present");
    let n = get_u32(md, rva) as usize;
    let ranges: Vec<(u64, u32, u32)> = (0..n)
        .map(|i| {
            let d = rva + 4 + 16 * i;
            (get_u64(md, d), get_u32(md, d + 8), get_u32(md, d + 12))
        })
        .collect();
    let mut out = md.to_vec();
    while !out.len().is_multiple_of(8) {
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

/// One planted key, from a `.expect` file.
pub struct Planted {
    pub key_file: String,
    pub placement: String,
    pub address: u64,
    pub fingerprint: Option<String>,
}

pub fn expectations(name: &str) -> Vec<Planted> {
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

pub fn addr(f: &FindingM) -> Option<u64> {
    f.address
        .as_deref()
        .map(|a| u64::from_str_radix(a.trim_start_matches("0x"), 16).unwrap())
}

/// The lines of a fixture's `NAME.expect` file, split into words (for
/// `live-*.expect`: what, file or mode, fingerprint or key hex, key hash).
pub fn live_expectations(name: &str) -> Vec<Vec<String>> {
    std::fs::read_to_string(dump(&format!("{name}.expect")))
        .unwrap()
        .lines()
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect()
}
