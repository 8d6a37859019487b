//! Wrapped dumps: real dumps compressed, archived and wrapped by the real
//! tools (gzip, zstd, xz, lz4, bzip2, tar, zip), in an apport `.crash` file
//! written by that format's rules, a Sentry envelope and a multipart upload
//! body, behind a header, and piped: every finding of the bare dump is found
//! in each, with the same address. Bombs end partial, in bounded memory.

use crate::common::*;
use crate::contract::*;
use base64::Engine as _;

/// What identifies a finding beneath any wrapper.
type Key = (String, u64, Option<String>, Option<String>, u64);

fn keys(report: &Report, path: &str, shift: u64) -> BTreeSet<Key> {
    report
        .findings
        .iter()
        .filter(|f| f.path == path)
        .map(|f| {
            (
                f.rule_id.clone(),
                f.offset - shift,
                f.address.clone(),
                f.fingerprint.clone(),
                f.length,
            )
        })
        .collect()
}

fn input<'a>(report: &'a Report, path: &str) -> &'a InputM {
    report
        .inputs
        .iter()
        .find(|i| i.path == path)
        .unwrap_or_else(|| panic!("no input {path}: {:?}", report.inputs))
}

fn tool(dir: &Path, cmd: &str, args: &[&str]) {
    let status = Command::new(cmd)
        .args(args)
        .current_dir(dir)
        .status()
        .unwrap_or_else(|e| panic!("{cmd}: {e} (install it: the tests use the real tool)"));
    assert!(status.success(), "{cmd} {args:?}");
}

/// An apport `.crash` file holding `core`, written the way apport's
/// problem_report writes one: text fields, then the binary field as
/// `Key: base64` with continuation lines, the first the base64 of a gzip
/// header, each later one a base64 block of one raw-deflate stream, the last
/// with the CRC-32 and size. With `legacy_zlib`, the older zlib form.
fn apport_crash(core: &[u8], legacy_zlib: bool) -> Vec<u8> {
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let mut out = b"ProblemType: Crash\nArchitecture: amd64\nExecutablePath: /usr/bin/python3.11\n\
ProcCmdline: python3 server.py --port 8443\nProcEnviron:\n LANG=C.UTF-8\n \
GITHUB_TOKEN=ghp_9dRk2TfWx7LmQvB4nP0sYhC6zJ8aE1uK3gNo\n SHELL=/bin/bash\nCoreDump: base64\n "
        .to_vec();
    let mut lines: Vec<Vec<u8>> = Vec::new();
    if legacy_zlib {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(6));
        z.write_all(core).unwrap();
        for block in z.finish().unwrap().chunks(1 << 16) {
            lines.push(b64(block).into_bytes());
        }
    } else {
        lines.push(b64(b"\x1f\x8b\x08\x08\0\0\0\0\x02\xffCoreDump\0").into_bytes());
        let mut compress = flate2::Compress::new(flate2::Compression::new(6), false);
        let mut crc = flate2::Crc::new();
        for block in core.chunks(1 << 20) {
            crc.update(block);
            let mut out_block = Vec::with_capacity(block.len() + 1024);
            compress
                .compress_vec(block, &mut out_block, flate2::FlushCompress::None)
                .unwrap();
            if !out_block.is_empty() {
                lines.push(b64(&out_block).into_bytes());
            }
        }
        let mut tail = Vec::with_capacity(1 << 20);
        compress
            .compress_vec(&[], &mut tail, flate2::FlushCompress::Finish)
            .unwrap();
        tail.extend(crc.sum().to_le_bytes());
        tail.extend((core.len() as u32).to_le_bytes());
        lines.push(b64(&tail).into_bytes());
    }
    out.extend(lines.join(&b"\n "[..]));
    out.extend(b"\nDate: Mon Dec  7 12:00:00 2026\nSignal: 11\n");
    out
}

/// A Sentry envelope carrying `minidump` as its `event.minidump` attachment.
fn sentry_envelope(minidump: &[u8]) -> Vec<u8> {
    let mut out = br#"{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","dsn":"https://e12d836b15bb49d7bbf99e64295d995b@sentry.example/42"}"#.to_vec();
    out.push(b'\n');
    let event = br#"{"platform":"native","level":"fatal"}"#;
    out.extend(format!("{{\"type\":\"event\",\"length\":{}}}\n", event.len()).as_bytes());
    out.extend(event);
    out.push(b'\n');
    out.extend(
        format!(
            "{{\"type\":\"attachment\",\"length\":{},\"filename\":\"upload.dmp\",\"attachment_type\":\"event.minidump\"}}\n",
            minidump.len()
        )
        .as_bytes(),
    );
    out.extend(minidump);
    out.push(b'\n');
    out
}

/// A Breakpad/Crashpad `multipart/form-data` upload body.
fn multipart_body(minidump: &[u8]) -> Vec<u8> {
    let b = "----crashpad-boundary-8c3f1a";
    let mut out = Vec::new();
    for (name, value) in [("prod", "Example"), ("ver", "1.2.3")] {
        out.extend(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    out.extend(format!("--{b}\r\nContent-Disposition: form-data; name=\"upload_file_minidump\"; filename=\"a.dmp\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
    out.extend(minidump);
    out.extend(format!("\r\n--{b}--\r\n").as_bytes());
    out
}

/// Every wrapper of `name` (a real dump), with the path its findings are
/// reported under and the layers expected.
fn wrap_everything(dir: &Path, name: &str) -> Vec<(String, Vec<&'static str>, u64)> {
    let bare = std::fs::read(dump(name)).unwrap();
    std::fs::write(dir.join(name), &bare).unwrap();
    let container = if name.ends_with(".dmp") {
        "minidump"
    } else {
        "elf-core"
    };
    let mut out = Vec::new();
    let p = |f: &str| dir.join(f).display().to_string();
    let lz4_out = format!("{name}.lz4");
    for (cmd, args, layer) in [
        ("gzip", vec!["-k", name], "gzip"),
        ("zstd", vec!["-q", "-k", name], "zstd"),
        ("xz", vec!["-k", name], "xz"),
        ("lz4", vec!["-q", name, lz4_out.as_str()], "lz4"),
        ("bzip2", vec!["-k", name], "bzip2"),
    ] {
        tool(dir, cmd, &args);
        let ext = match layer {
            "gzip" => "gz",
            "zstd" => "zst",
            "bzip2" => "bz2",
            other => other,
        };
        out.push((p(&format!("{name}.{ext}")), vec![layer, container], 0));
    }
    tool(dir, "tar", &["cf", &format!("{name}.tar"), name]);
    out.push((
        format!("{}!{name}", p(&format!("{name}.tar"))),
        vec!["tar", container],
        0,
    ));
    tool(dir, "tar", &["czf", &format!("{name}.tgz"), name]);
    out.push((
        format!("{}!{name}", p(&format!("{name}.tgz"))),
        vec!["gzip", "tar", container],
        0,
    ));
    tool(dir, "zip", &["-q", &format!("{name}.zip"), name]);
    out.push((
        format!("{}!{name}", p(&format!("{name}.zip"))),
        vec!["zip", container],
        0,
    ));
    tool(
        dir,
        "zip",
        &["-q", "-0", &format!("{name}.stored.zip"), name],
    );
    out.push((
        format!("{}!{name}", p(&format!("{name}.stored.zip"))),
        vec!["zip", container],
        0,
    ));
    // a zip of a tar.zst: three layers
    tool(
        dir,
        "tar",
        &["--zstd", "-cf", &format!("{name}.tar.zst"), name],
    );
    tool(
        dir,
        "zip",
        &[
            "-q",
            &format!("{name}.nested.zip"),
            &format!("{name}.tar.zst"),
        ],
    );
    out.push((
        format!("{}!{name}.tar.zst!{name}", p(&format!("{name}.nested.zip"))),
        vec!["zip", "zstd", "tar", container],
        0,
    ));
    // behind a header of its own: a dump that starts at a non-zero offset
    let mut headed = vec![b'#'; 4096];
    headed.extend(&bare);
    std::fs::write(dir.join(format!("{name}.headed")), headed).unwrap();
    out.push((p(&format!("{name}.headed")), vec![container], 4096));
    if container == "minidump" {
        std::fs::write(dir.join(format!("{name}.envelope")), sentry_envelope(&bare)).unwrap();
        out.push((
            format!("{}!upload.dmp", p(&format!("{name}.envelope"))),
            vec!["envelope", container],
            0,
        ));
        std::fs::write(dir.join(format!("{name}.body")), multipart_body(&bare)).unwrap();
        out.push((
            format!("{}!upload_file_minidump", p(&format!("{name}.body"))),
            vec!["multipart", container],
            0,
        ));
    } else {
        std::fs::write(
            dir.join(format!("{name}.crash")),
            apport_crash(&bare, false),
        )
        .unwrap();
        out.push((
            format!("{}!CoreDump", p(&format!("{name}.crash"))),
            vec!["apport", "gzip", container],
            0,
        ));
        std::fs::write(
            dir.join(format!("{name}.old.crash")),
            apport_crash(&bare, true),
        )
        .unwrap();
        out.push((
            format!("{}!CoreDump", p(&format!("{name}.old.crash"))),
            vec!["apport", "zlib", container],
            0,
        ));
    }
    out
}

#[test]
fn every_wrapper_keeps_every_finding_and_its_address() {
    for name in ["live-keys.core", "live-keys.dmp"] {
        let tmp = tempfile::tempdir().unwrap();
        let wrapped = wrap_everything(tmp.path(), name);
        let bare_path = tmp.path().join(name).display().to_string();
        let mut args = vec![bare_path.clone()];
        args.extend(std::fs::read_dir(tmp.path()).unwrap().filter_map(|e| {
            let p = e.unwrap().path();
            (p.display().to_string() != bare_path).then(|| p.display().to_string())
        }));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, report) = scan_json(&args);
        assert_eq!(code, 1);
        let expected = keys(&report, &bare_path, 0);
        assert_eq!(expected.len(), 13, "{name}: the bare dump's findings");
        assert!(
            expected.iter().all(|k| k.2.is_some()),
            "every finding has an address"
        );
        for (path, layers, shift) in &wrapped {
            let record = input(&report, path);
            assert_eq!(&record.layers, layers, "{path}");
            assert_eq!(
                record.coverage.status,
                input(&report, &bare_path).coverage.status,
                "{path}: {:?}",
                record.coverage
            );
            assert_eq!(keys(&report, path, *shift), expected, "{path}");
        }
    }
}

#[test]
fn apport_text_fields_are_scanned_for_tokens() {
    let tmp = tempfile::tempdir().unwrap();
    let core = std::fs::read(dump("clean.core")).unwrap();
    let crash = tmp.path().join("_usr_bin_python3.11.1000.crash");
    std::fs::write(&crash, apport_crash(&core, false)).unwrap();
    let (code, report) = scan_json(&[s(&crash)]);
    assert_eq!(code, 1);
    let fields = format!("{}!fields", crash.display());
    let tokens: Vec<&FindingM> = report
        .findings
        .iter()
        .filter(|f| f.path == fields)
        .collect();
    assert_eq!(tokens.len(), 1, "{:?}", report.findings);
    assert_eq!(tokens[0].rule_id, "github-token");
    assert_eq!(input(&report, &fields).layers, ["apport", "raw"]);
    let core_input = input(&report, &format!("{}!CoreDump", crash.display()));
    assert_eq!(core_input.container.as_deref(), Some("elf-core"));
}

#[test]
fn piped_dumps_keep_their_container_and_addresses() {
    for name in ["live-keys.core", "live-keys.dmp"] {
        let (_, bare) = scan_json(&[s(&dump(name))]);
        let compressed = Command::new("zstd")
            .args(["-q", "-c"])
            .arg(dump(name))
            .output()
            .expect("zstd");
        let mut child = Command::new(BIN)
            .args(["scan", "--format", "json", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || stdin.write_all(&compressed.stdout));
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap().unwrap();
        let piped: Report = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            piped.inputs[0].layers,
            ["zstd", bare.inputs[0].layers[0].as_str()]
        );
        let strip = |r: &Report| {
            r.findings
                .iter()
                .map(|f| {
                    (
                        f.rule_id.clone(),
                        f.offset,
                        f.address.clone(),
                        f.fingerprint.clone(),
                    )
                })
                .collect::<BTreeSet<_>>()
        };
        assert_eq!(strip(&piped), strip(&bare), "{name}");
    }
}

#[test]
fn systemd_coredump_attributes_name_the_process() {
    let tmp = tempfile::tempdir().unwrap();
    // a stored core's name, with its process in extended attributes
    let raw = tmp.path().join("image.bin");
    let mut bytes = vec![0x41u8; 8192];
    bytes.extend(std::fs::read(fixtures().join("keys/ec-p256-sec1.pem")).unwrap());
    std::fs::write(&raw, bytes).unwrap();
    tool(
        tmp.path(),
        "zstd",
        &[
            "-q",
            "image.bin",
            "-o",
            "core.python3.1000.1f2e3d4c5b6a79881f2e3d4c5b6a7988.4242.1765100000000000.zst",
        ],
    );
    let core = tmp
        .path()
        .join("core.python3.1000.1f2e3d4c5b6a79881f2e3d4c5b6a7988.4242.1765100000000000.zst");
    let set = |name: &str, value: &str| {
        let path = std::ffi::CString::new(core.display().to_string()).unwrap();
        let name = std::ffi::CString::new(name).unwrap();
        // SAFETY: NUL-terminated strings and a valid buffer for the call.
        unsafe {
            libc::setxattr(
                path.as_ptr(),
                name.as_ptr(),
                value.as_ptr().cast(),
                value.len(),
                0,
            )
        }
    };
    if set("user.coredump.pid", "4242") != 0 {
        eprintln!("skipped: this filesystem keeps no user extended attributes");
        return;
    }
    assert_eq!(set("user.coredump.comm", "python3"), 0);
    let (code, report) = scan_json(&[s(&core)]);
    assert_eq!(code, 1);
    let process = report.inputs[0]
        .process
        .as_ref()
        .expect("process from the attributes");
    assert_eq!(process.pid, Some(4242));
    assert_eq!(process.name.as_deref(), Some("python3"));
    assert_eq!(report.inputs[0].layers, ["zstd", "raw"]);
}

#[test]
fn damaged_and_unreadable_wrappers_are_partial_or_none() {
    let tmp = tempfile::tempdir().unwrap();
    let name = "live-keys.core";
    std::fs::copy(dump(name), tmp.path().join(name)).unwrap();
    tool(tmp.path(), "zstd", &["-q", "-k", name]);
    // a stream cut in half: what was decoded is scanned, the rest is missing
    let zst = std::fs::read(tmp.path().join(format!("{name}.zst"))).unwrap();
    let cut = tmp.path().join("cut.zst");
    std::fs::write(&cut, &zst[..zst.len() / 2]).unwrap();
    // an encrypted zip member
    tool(tmp.path(), "zip", &["-q", "-P", "secret", "enc.zip", name]);
    // a zip whose one member is a deflate stream of 10 GiB of zeros
    std::fs::write(
        tmp.path().join("claims.zip"),
        zip_of_deflate("zeros.bin", &deflated_zeros(160)),
    )
    .unwrap();
    // wrappers nested deeper than the limit
    std::fs::copy(tmp.path().join(name), tmp.path().join("deep")).unwrap();
    for _ in 0..5 {
        tool(tmp.path(), "gzip", &["-f", "deep"]);
        std::fs::rename(tmp.path().join("deep.gz"), tmp.path().join("deep")).unwrap();
    }
    let p = |f: &str| tmp.path().join(f).display().to_string();
    let (cut_p, enc_p, claims_p, deep_p) = (p("cut.zst"), p("enc.zip"), p("claims.zip"), p("deep"));
    let (_, report) = scan_json(&[&cut_p, &enc_p, &claims_p, &deep_p]);
    let cut_in = input(&report, &cut_p);
    assert_eq!(cut_in.coverage.status, "partial", "{:?}", cut_in.coverage);
    assert!(cut_in.coverage.reasons[0].contains("truncated or corrupt"));
    assert!(cut_in.findings > 0, "what was decoded is scanned");
    let enc = input(&report, &format!("{enc_p}!{name}"));
    assert_eq!(enc.coverage.status, "none");
    assert!(enc.coverage.reasons[0].contains("encrypted"));
    let claims_in = input(&report, &format!("{claims_p}!zeros.bin"));
    assert_eq!(
        claims_in.coverage.status, "partial",
        "{:?}",
        claims_in.coverage
    );
    assert!(claims_in.coverage.reasons[0].contains("--max-expansion"));
    let deep = input(&report, &deep_p);
    assert_eq!(deep.coverage.status, "partial");
    assert!(deep.coverage.reasons[0].contains("deeper than 4"));
    assert_eq!(deep.layers, ["gzip", "gzip", "gzip", "gzip", "raw"]);
    assert_eq!(report.summary.coverage["partial"], 3);
    assert_eq!(report.summary.coverage["none"], 1);
    // --fail-on-unscannable turns anything not full into a failed run
    let (code, _) = scan_json(&["--fail-on-unscannable", &deep_p]);
    assert_eq!(code, 2);
    let (code, _) = scan_json(&["--fail-on-unscannable", "--max-depth", "5", &deep_p]);
    assert_eq!(code, 1);
    let clean = dump("clean.core");
    let (code, _) = scan_json(&["--fail-on-unscannable", s(&clean)]);
    assert_eq!(code, 0);
}

/// A raw deflate stream of `n` times 64 MiB of zeros: one 64 MiB segment,
/// fully flushed so it can be repeated, then a final empty block.
fn deflated_zeros(n: usize) -> Vec<u8> {
    let mut compress = flate2::Compress::new(flate2::Compression::default(), false);
    let zeros = vec![0u8; 64 << 20];
    let mut segment = Vec::with_capacity(1 << 20);
    compress
        .compress_vec(&zeros, &mut segment, flate2::FlushCompress::Full)
        .unwrap();
    assert_eq!(compress.total_in(), 64 << 20);
    let mut out = segment.repeat(n);
    out.extend([0x03, 0x00]);
    out
}

/// A zip holding one deflated member, `raw`, written field by field (the
/// CRC is left zero: nothing here checks it before the limits stop).
fn zip_of_deflate(name: &str, raw: &[u8]) -> Vec<u8> {
    let (comp, claimed) = (raw.len() as u32, u32::MAX - 1);
    let mut z = Vec::new();
    z.extend(b"PK\x03\x04");
    for v in [20u16, 0, 8, 0, 0] {
        z.extend(v.to_le_bytes());
    }
    for v in [0u32, comp, claimed] {
        z.extend(v.to_le_bytes());
    }
    z.extend((name.len() as u16).to_le_bytes());
    z.extend(0u16.to_le_bytes());
    z.extend(name.as_bytes());
    z.extend(raw);
    let cd = z.len();
    z.extend(b"PK\x01\x02");
    for v in [20u16, 20, 0, 8, 0, 0] {
        z.extend(v.to_le_bytes());
    }
    for v in [0u32, comp, claimed] {
        z.extend(v.to_le_bytes());
    }
    for v in [name.len() as u16, 0, 0, 0, 0] {
        z.extend(v.to_le_bytes());
    }
    z.extend(0u32.to_le_bytes());
    z.extend(0u32.to_le_bytes());
    z.extend(name.as_bytes());
    let cd_len = (z.len() - cd) as u32;
    z.extend(b"PK\x05\x06");
    for v in [0u16, 0, 1, 1] {
        z.extend(v.to_le_bytes());
    }
    z.extend(cd_len.to_le_bytes());
    z.extend((cd as u32).to_le_bytes());
    z.extend(0u16.to_le_bytes());
    z
}

#[test]
fn a_10_gb_gzip_of_zeros_stops_partial_in_bounded_memory() {
    let tmp = tempfile::tempdir().unwrap();
    // one member of 64 MiB of zeros, repeated: 10 GiB once decoded
    let mut member = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..64 {
        member.write_all(&zeros).unwrap();
    }
    let member = member.finish().unwrap();
    let bomb = tmp.path().join("zeros.gz");
    let mut f = std::fs::File::create(&bomb).unwrap();
    for _ in 0..160 {
        f.write_all(&member).unwrap();
    }
    drop(f);
    let (code, report, rss) = scan_json_measuring_rss(&[s(&bomb)], tmp.path());
    assert_eq!(code, 0);
    let record = &report.inputs[0];
    assert_eq!(record.coverage.status, "partial", "{:?}", record.coverage);
    assert!(
        record.coverage.reasons[0].contains("--max-expansion"),
        "{:?}",
        record.coverage
    );
    assert!(rss < 256 << 10, "peak resident set {rss} KiB");
    // the decoded-size cap stops it as well
    let (_, report) = scan_json(&["--max-decoded-size", "100M", s(&bomb)]);
    assert!(report.inputs[0].coverage.reasons[0].contains("--max-decoded-size"));
    assert_eq!(report.inputs[0].size, 100 << 20);
}

/// Windows kernel dumps: a plain one (`PAGEDU64`, memory-like pages with a
/// PEM key among them) is scanned as plain bytes, the key found, and its
/// coverage is partial because kernel dumps are not parsed; one written with
/// dump encryption (the header, then ciphertext) has coverage none, also
/// inside a zstd wrapper, and fails `--fail-on-unscannable`.
#[test]
fn windows_kernel_dumps_are_partial_and_encrypted_ones_none() {
    let tmp = tempfile::tempdir().unwrap();
    let mut header = b"PAGEDU64".to_vec();
    header.resize(0x2000, 0);
    let mut plain = header.clone();
    let pem = std::fs::read(fixtures().join("keys/rsa2048-pkcs1.pem")).unwrap();
    for i in 0..512usize {
        let mut page = vec![0u8; 4096];
        match i % 3 {
            0 => page
                .iter_mut()
                .enumerate()
                .for_each(|(k, b)| *b = (k * 7 + i) as u8),
            1 => {}
            _ => page.copy_from_slice(&b"nt!KiSystemCall64 ".repeat(228)[..4096]),
        }
        if i == 300 {
            page[100..100 + pem.len()].copy_from_slice(&pem);
        }
        plain.extend_from_slice(&page);
    }
    let mut encrypted = header;
    let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
    for _ in 0..(2 << 20) / 8 {
        encrypted.extend_from_slice(&next().to_le_bytes());
    }
    let plain_p = write(tmp.path(), "MEMORY.DMP", &plain);
    let enc_p = write(tmp.path(), "encrypted.dmp", &encrypted);
    tool(tmp.path(), "zstd", &["-q", "-k", "encrypted.dmp"]);
    let zst_p = tmp.path().join("encrypted.dmp.zst");
    let (code, report) = scan_json(&[s(&plain_p), s(&enc_p), s(&zst_p)]);
    assert_eq!(code, 1, "the planted key is found");
    let plain_in = input(&report, s(&plain_p));
    assert_eq!(plain_in.container.as_deref(), Some("windows-kernel-dump"));
    assert_eq!(plain_in.coverage.status, "partial");
    assert!(plain_in.coverage.reasons[0].contains("is not parsed"));
    assert_eq!(plain_in.findings, 1);
    for (path, layers) in [
        (s(&enc_p), vec!["windows-kernel-dump"]),
        (s(&zst_p), vec!["zstd", "windows-kernel-dump"]),
    ] {
        let enc = input(&report, path);
        assert_eq!(enc.coverage.status, "none", "{path}");
        assert!(
            enc.coverage.reasons[0].contains("dump encryption"),
            "{path}"
        );
        assert_eq!(enc.layers, layers);
        assert_eq!(enc.findings, 0);
    }
    assert_eq!(report.summary.coverage["none"], 2);
    let (code, _) = scan_json(&["--fail-on-unscannable", s(&enc_p)]);
    assert_eq!(code, 2);
}
