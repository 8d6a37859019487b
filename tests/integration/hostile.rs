//! Hostile input: corrupt, truncated, crafted and oversized dumps never crash, never hide another file, and stay within bounds.

use crate::common::*;
use crate::contract::*;

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
