//! The resource contract: whatever an input holds, a scan stays within
//! 256 MiB of memory, about 2 s of CPU per MiB, and a report bounded by the
//! findings limits. Each input here is one that once cost gigabytes or
//! minutes, made at test time.

use crate::common::*;

/// Peak resident set allowed, KiB.
const MAX_RSS_KIB: u64 = 256 << 10;

/// Scan `bytes` (written to `name`) and check the contract; returns the report.
fn within_contract(name: &str, bytes: &[u8]) -> crate::contract::Report {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    file_within_contract(&path)
}

/// Scan the file at `path` and check the contract. (Big inputs are written
/// straight to a file: a forked keysweep's peak counts the pages its parent,
/// this test process, held when it started.)
fn file_within_contract(path: &std::path::Path) -> crate::contract::Report {
    let dir = path.parent().unwrap();
    let name = path.file_name().unwrap().to_string_lossy();
    let len = std::fs::metadata(path).unwrap().len();
    let (code, report, rss, cpu, report_bytes) = scan_measured(&[s(path)], dir);
    let mib = len as f64 / (1 << 20) as f64;
    eprintln!("{name}: {len} bytes, {cpu:.2} s CPU, {rss} KiB peak, report {report_bytes} bytes");
    assert!(code <= 2, "{name}: exit {code}");
    assert!(rss < MAX_RSS_KIB, "{name}: peak resident set {rss} KiB");
    // (2 s a MiB for a release build; the tests run a lightly optimised one)
    assert!(
        cpu < 1.0 + 6.0 * mib,
        "{name}: {cpu:.2} s of CPU for {mib:.2} MiB"
    );
    assert!(
        report_bytes < 4 << 20,
        "{name}: report of {report_bytes} bytes"
    );
    report
}

fn le32(v: u32) -> [u8; 4] {
    v.to_le_bytes()
}

#[test]
fn truncated_pkcs1_headers_every_16_bytes() {
    // SEQUENCE claiming 1 MiB, version 0, a 128-byte n (the headers after
    // it), e = 3: each a truncated RSA key with its identity
    let unit = [
        0x30, 0x83, 0x10, 0x00, 0x00, 0x02, 0x01, 0x00, 0x02, 0x81, 0x80, 0x02, 0x01, 0x03, 0, 0,
    ];
    for size in [256 << 10, 1 << 20] {
        let bytes = unit.repeat(size / 16);
        let report = within_contract("pkcs1.bin", &bytes);
        assert!(!report.findings.is_empty());
        assert!(report.findings.len() <= 1000);
    }
}

#[test]
fn encrypted_pvk_headers_every_24_bytes() {
    let mut header = Vec::new();
    for v in [0xb0b5_f11e_u32, 0, 2, 1, 16, 30_000] {
        header.extend(le32(v));
    }
    let report = within_contract("pvk.bin", &header.repeat((1 << 20) / 24));
    assert!(!report.findings.is_empty());
}

#[test]
fn elf_core_with_1024_note_headers_over_16k_malformed_notes() {
    let (n_ph, phoff) = (1024usize, 64usize);
    let notes_off = phoff + 56 * n_ph;
    let mut note = Vec::new();
    for v in [5u32, 16, 0x4649_4c45] {
        note.extend(le32(v));
    }
    note.extend(b"CORE\0\0\0\0");
    note.extend(0xffff_ffff_ffffu64.to_le_bytes());
    note.extend(4096u64.to_le_bytes());
    let notes = note.repeat(16384);
    let mut core = b"\x7fELF\x02\x01\x01\0".to_vec();
    core.extend([0u8; 8]);
    core.extend(4u16.to_le_bytes()); // ET_CORE
    core.extend(62u16.to_le_bytes()); // x86-64
    core.extend(le32(1));
    core.extend(0u64.to_le_bytes());
    core.extend((phoff as u64).to_le_bytes());
    core.extend(0u64.to_le_bytes());
    core.extend(le32(0));
    for v in [64u16, 56, n_ph as u16, 0, 0, 0] {
        core.extend(v.to_le_bytes());
    }
    let mut ph = le32(4).to_vec(); // PT_NOTE
    ph.extend(le32(0));
    for v in [notes_off as u64, 0, 0, notes.len() as u64, 0, 4] {
        ph.extend(v.to_le_bytes());
    }
    core.extend(ph.repeat(n_ph));
    core.extend(&notes);
    let report = within_contract("notes.core", &core);
    let input = &report.inputs[0];
    assert_eq!(input.container.as_deref(), Some("elf-core"));
    assert!(
        input.warnings.len() <= 101,
        "{} warnings",
        input.warnings.len()
    );
}

#[test]
fn minidump_with_4096_modules_sharing_a_256_kib_name() {
    let chars = 128usize << 10;
    let mut name = le32((chars * 2) as u32).to_vec();
    name.extend("A".repeat(chars).encode_utf16().flat_map(u16::to_le_bytes));
    let n_mod = 4096usize;
    let (dir_off, list_off) = (32usize, 44usize);
    let name_rva = list_off + 4 + n_mod * 108;
    let mut list = le32(n_mod as u32).to_vec();
    for i in 0..n_mod {
        let mut m = (0x1000_0000u64 + i as u64 * 0x10000).to_le_bytes().to_vec();
        for v in [0x1000u32, 0, 0, name_rva as u32] {
            m.extend(le32(v));
        }
        m.resize(108, 0);
        list.extend(m);
    }
    let mut dmp = b"MDMP".to_vec();
    for v in [0xa793u32, 1, dir_off as u32, 0, 0] {
        dmp.extend(le32(v));
    }
    dmp.extend(0u64.to_le_bytes());
    for v in [4u32, list.len() as u32, list_off as u32] {
        dmp.extend(le32(v));
    }
    dmp.extend(list);
    dmp.extend(name);
    let report = within_contract("modules.dmp", &dmp);
    assert_warned(&report.inputs[0], "module names hold");
}

#[test]
fn dsa_keys_with_16384_bit_groups() {
    // SEQUENCE { 0, p, q, g, y, x } with p of 16384 bits and q, x just below it
    let int = |v: &[u8]| {
        let pad = usize::from(v[0] & 0x80 != 0);
        let mut out = vec![0x02, 0x82];
        out.extend(((v.len() + pad) as u16).to_be_bytes());
        out.extend(std::iter::repeat_n(0u8, pad));
        out.extend(v);
        out
    };
    let mut keys = Vec::new();
    for k in 0..20u8 {
        let mut p = vec![0xffu8; 2048];
        p[2047] = 0xfd - k;
        let mut q = p.clone();
        q[0] = 0x7f;
        let mut x = q.clone();
        x[0] = 0x3f;
        let mut body = vec![0x02, 0x01, 0x00];
        for v in [&p[..], &q, &[2u8; 2048][..], &p, &x] {
            body.extend(int(v));
        }
        let mut der = vec![0x30, 0x82];
        der.extend((body.len() as u16).to_be_bytes());
        der.extend(body);
        keys.extend(der);
        keys.extend([0u8; 64]);
    }
    let report = within_contract("dsa.bin", &keys);
    assert_eq!(report.findings.len(), 20);
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.key.as_ref().is_some_and(|k| !k.validated)),
        "too large to check: reported without the check"
    );
}

/// 96 MiB of 1 KiB random runs between zero words: every position is a
/// candidate for the layout-free RSA search (3.4 M anchors, over its cap of
/// 2 M). It keeps the smallest hashes within the memory bound and says the
/// coverage is partial.
#[test]
fn random_runs_between_zero_words_flood_the_rsa_search() {
    use std::io::Write;
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("runs.bin");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let mut next = xorshift(0x2545_f491_4f6c_dd1d);
    for _ in 0..(96 << 20) / 1024 {
        for _ in 0..127 {
            out.write_all(&next().to_le_bytes()).unwrap();
        }
        out.write_all(&[0; 8]).unwrap();
    }
    out.flush().unwrap();
    drop(out);
    let report = file_within_contract(&path);
    let input = &report.inputs[0];
    assert_eq!(input.coverage.status, "partial");
    assert!(
        input.coverage.reasons[0].contains("chosen by hash, not by place"),
        "{:?}",
        input.coverage
    );
}

/// A Java heap dump of 1.2 M tiny primitive arrays (600 000 `char[]`,
/// each between two records so none are joined, and 600 000 `byte[]`):
/// every array would be a region and every `char[]` a UTF-16 range. The
/// first 262 144 of each are, the rest are scanned as plain bytes, and the
/// coverage says so.
#[test]
fn hprof_with_a_million_tiny_arrays() {
    use std::io::Write;
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("arrays.hprof");
    // (written as it is made: a forked keysweep's peak counts this process's pages)
    let records = [(5u8, &b"\0a\0b"[..]), (8, &[7u8; 80][..])];
    let record_len: usize = records.iter().map(|(_, d)| 18 + d.len()).sum();
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    out.write_all(b"JAVA PROFILE 1.0.2\0").unwrap();
    out.write_all(&8u32.to_be_bytes()).unwrap();
    out.write_all(&0u64.to_be_bytes()).unwrap();
    out.write_all(&[0x1c, 0, 0, 0, 0]).unwrap();
    out.write_all(&((600_000 * record_len) as u32).to_be_bytes())
        .unwrap();
    let mut id = 0x1000u64;
    for _ in 0..600_000 {
        for (t, data) in records {
            let count = data.len() as u32 / if t == 5 { 2 } else { 1 };
            out.write_all(&[0x23]).unwrap();
            out.write_all(&id.to_be_bytes()).unwrap();
            out.write_all(&0u32.to_be_bytes()).unwrap();
            out.write_all(&count.to_be_bytes()).unwrap();
            out.write_all(&[t]).unwrap();
            out.write_all(data).unwrap();
            id += 16;
        }
    }
    out.flush().unwrap();
    drop(out);
    let report = file_within_contract(&path);
    let input = &report.inputs[0];
    assert_eq!(input.container.as_deref(), Some("hprof"));
    assert_eq!(input.coverage.status, "partial");
    assert!(
        input.coverage.reasons[0].contains("char[] arrays"),
        "{:?}",
        input.coverage
    );
    assert_eq!(input.regions, 1 << 18);
}
