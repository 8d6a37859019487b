//! Flags and usage: exit codes, output formats, inputs (lists, stdin, directories, unreadable files), policy flags and threads.

use crate::common::*;
use crate::contract::*;

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

#[test]
fn default_format_is_text_and_the_output_extension_names_another() {
    let dump_path = dump("pem-utf16.dmp");
    let (code, out, err) = run(&["scan", s(&dump_path)]);
    assert_eq!(code, 1);
    assert!(out.contains("finding(s)") && serde_json::from_str::<Value>(&out).is_err());
    assert!(err.is_empty(), "no summary line without -o: {err}");
    let tmp = tempfile::tempdir().unwrap();
    for (file, check) in [
        ("r.json", "{"),
        ("r.sarif", "\"$schema\""),
        ("r.jsonl", "{\"type\":\"finding\""),
        ("r.txt", "finding(s)"),
    ] {
        let path = tmp.path().join(file);
        let (code, out, err) = run(&["scan", "-o", s(&path), s(&dump_path)]);
        assert_eq!(code, 1);
        assert!(out.is_empty());
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains(check),
            "{file}: {}",
            &text[..text.len().min(200)]
        );
        // with -o, one line on stderr says what was found and where the report is
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("2 finding(s)") && err.contains(file), "{err}");
    }
    // every input error is a line on stderr too; -q silences them
    let report = tmp.path().join("r.json");
    let (code, _, err) = run(&["scan", "-o", s(&report), "/nonexistent/dump.dmp"]);
    assert_eq!(code, 2);
    assert!(
        err.lines()
            .any(|l| l.starts_with("keysweep: /nonexistent/dump.dmp: ")),
        "{err}"
    );
    let (_, _, err) = run(&["scan", "-q", "-o", s(&report), "/nonexistent/dump.dmp"]);
    assert!(err.is_empty(), "{err}");
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
    // (file-name globs: the checkout's own path may hold any word)
    let (_, report) = scan_json(&["--include", "*.dmp", "--exclude", "clean.*", s(&dumps)]);
    let scanned: Vec<&InputM> = report
        .inputs
        .iter()
        .filter(|i| i.skipped.is_none())
        .collect();
    assert!(
        !scanned.is_empty()
            && scanned
                .iter()
                .all(|i| i.path.ends_with(".dmp") && !i.path.ends_with("/clean.dmp"))
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

/// A named pipe cannot be mapped: it is read as a stream in bounded chunks,
/// and a key in it is still found at its offset.
#[test]
fn unmappable_input_is_spooled_or_else_streamed() {
    let tmp = tempfile::tempdir().unwrap();
    let key = std::fs::read(fixtures().join("keys/ec-p256-sec1.pem")).unwrap();
    let mut payload = vec![0x41u8; 3 << 20];
    payload.extend_from_slice(&key);
    payload.extend(vec![0u8; 1 << 20]);
    let scan_fifo = |name: &str, tmpdir: &Path| {
        let fifo = tmp.path().join(name);
        let status = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
        assert!(status.success());
        let writer_path = fifo.clone();
        let bytes = payload.clone();
        let writer = std::thread::spawn(move || std::fs::write(writer_path, bytes).unwrap());
        let out = Command::new(BIN)
            .args(["scan", "--format", "json", s(&fifo)])
            .env("TMPDIR", tmpdir)
            .output()
            .unwrap();
        writer.join().unwrap();
        let report: Report = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.code().unwrap(), report)
    };
    // a stream is spooled to a private temporary file and read like a file
    let (code, report) = scan_fifo("dump.pipe", tmp.path());
    for (code, report) in [
        (code, report),
        // with no temporary directory to spool to, its raw bytes are streamed
        scan_fifo("dump2.pipe", &tmp.path().join("missing")),
    ] {
        assert_eq!(code, 1);
        assert_eq!(report.findings.len(), 1);
        assert_eq!(report.findings[0].offset, 3 << 20);
        assert!(report.findings[0].key.as_ref().unwrap().validated);
        assert_eq!(report.inputs[0].bytes_scanned, (4 << 20) + key.len() as u64);
    }
    let (_, spooled) = scan_fifo("dump3.pipe", tmp.path());
    assert_eq!(spooled.inputs[0].coverage.status, "full");
    let (_, streamed) = scan_fifo("dump4.pipe", &tmp.path().join("missing"));
    assert_eq!(streamed.inputs[0].coverage.status, "partial");
    assert!(streamed.inputs[0].coverage.reasons[0].contains("could not be spooled"));
    // nothing is left behind in the temporary directory
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| !n.to_string_lossy().ends_with(".pipe"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
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
