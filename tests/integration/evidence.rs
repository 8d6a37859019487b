//! Operator mistakes never cost evidence or hang a run: `-o` naming an
//! input is refused before anything is written, reports replace their target
//! only when complete, reports with secrets are private and never written
//! through a link, `-j` is clamped, and files swapped for FIFOs or links
//! between the walk and the open are not followed.

use crate::common::*;
use crate::contract::*;
use std::os::unix::fs::PermissionsExt;

fn copy_dump(dir: &Path, name: &str) -> (PathBuf, Vec<u8>) {
    let path = dir.join(name);
    let bytes = std::fs::read(dump(name)).unwrap();
    std::fs::write(&path, &bytes).unwrap();
    (path, bytes)
}

#[test]
fn output_naming_an_input_is_refused_and_the_evidence_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let (core, bytes) = copy_dump(tmp.path(), "pem-ascii.core");
    let link = tmp.path().join("report-link.json");
    std::os::unix::fs::symlink(&core, &link).unwrap();
    let nested = tmp.path().join("dir");
    std::fs::create_dir(&nested).unwrap();
    let (inner, inner_bytes) = copy_dump(&nested, "der.core");
    for (output, args) in [
        (&core, vec![s(&core)]),
        // through a link to it
        (&link, vec![s(&core)]),
        // a file found inside a scanned directory
        (&inner, vec![s(&nested)]),
    ] {
        let mut all = vec!["scan", "--format", "json", "-o", s(output)];
        all.extend(args);
        let (code, out, err) = run(&all);
        assert_eq!(code, 2, "{out}{err}");
        assert!(err.contains("never writes over evidence"), "{err}");
    }
    // standard input redirected from the file named by -o
    let out = Command::new(BIN)
        .args(["scan", "-o", s(&core), "-"])
        .stdin(std::fs::File::open(&core).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read(&core).unwrap(),
        bytes,
        "the evidence is byte-for-byte unchanged"
    );
    assert_eq!(std::fs::read(&inner).unwrap(), inner_bytes);
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn reports_with_secrets_are_private_and_replace_links_not_their_targets() {
    let tmp = tempfile::tempdir().unwrap();
    let victim = tmp.path().join("victim.txt");
    std::fs::write(&victim, "do not touch").unwrap();
    let report = tmp.path().join("report.json");
    std::os::unix::fs::symlink(&victim, &report).unwrap();
    let core = dump("pem-ascii.core");
    let (code, _, _) = run(&["scan", "--show-secrets", "-o", s(&report), s(&core)]);
    assert_eq!(code, 1);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "do not touch");
    let meta = std::fs::symlink_metadata(&report).unwrap();
    assert!(meta.is_file(), "the link itself was replaced by the report");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let text = std::fs::read_to_string(&report).unwrap();
    let parsed: Report = serde_json::from_str(&text).unwrap();
    assert!(parsed.findings.iter().all(|f| f.secret.is_some()));
    // without secrets the report is an ordinary file
    let plain = tmp.path().join("plain.json");
    run(&["scan", "-o", s(&plain), s(&core)]);
    assert_eq!(
        std::fs::metadata(&plain).unwrap().permissions().mode() & 0o777,
        0o644
    );
    // nothing is left beside them
    let names: BTreeSet<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        ["plain.json", "report.json", "victim.txt"]
            .map(String::from)
            .into()
    );
}

#[test]
fn a_run_killed_midway_leaves_the_old_report_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let report = tmp.path().join("report.json");
    std::fs::write(&report, "the previous report").unwrap();
    // a FIFO nobody writes to holds the scan until it is killed
    let fifo = tmp.path().join("held.pipe");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let mut child = Command::new(BIN)
        .args(["scan", "--format", "jsonl", "-o", s(&report)])
        .arg(dump("pem-ascii.core"))
        .arg(&fifo)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        std::fs::read_to_string(&report).unwrap(),
        "the previous report"
    );
}

#[test]
fn too_many_threads_are_clamped_with_a_warning() {
    let started = std::time::Instant::now();
    let (code, out, err) = run(&[
        "scan",
        "--format",
        "json",
        "-j",
        "100000",
        s(&dump("clean.core")),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("-j 100000 is more than"), "{err}");
    let report: Report = serde_json::from_str(&out).unwrap();
    assert_eq!(report.summary.files, 1);
    // (no timing assertion: the clamp is what keeps it fast, the warning says it happened)
    let _ = started;
}

#[test]
fn baseline_refuses_show_secrets() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("baseline.json");
    let (code, _, err) = run(&[
        "baseline",
        "--show-secrets",
        "-o",
        s(&out),
        s(&dump("pem-ascii.core")),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("--show-secrets"), "{err}");
    assert!(!out.exists());
}

#[test]
fn zero_size_proc_files_are_read_as_streams() {
    let (code, out, _) = run(&["scan", "--format", "json", "/proc/self/status"]);
    assert_eq!(code, 0);
    let report: Report = serde_json::from_str(&out).unwrap();
    assert!(report.inputs[0].bytes_scanned > 0, "{:?}", report.inputs[0]);
}

/// Previews show what a secret is, its size and where it sat, and no byte
/// of it: not the start of a PEM body (intact or with its BEGIN line
/// destroyed), not the first bytes of an AES key.
#[test]
fn previews_show_no_byte_of_a_secret() {
    let dumps = [
        "pem-ascii.core",
        "live-keys.core",
        "freed-kernel.kernel.core",
        "zoo.core",
    ];
    let args: Vec<PathBuf> = dumps.iter().map(|d| dump(d)).collect();
    let mut all = vec!["--show-secrets"];
    all.extend(args.iter().map(|p| s(p)));
    let (_, report) = scan_json(&all);
    let mut checked = 0;
    for f in &report.findings {
        let secret = f.secret.as_deref().unwrap();
        let pieces: Vec<String> = if f.rule_id.starts_with("pem-") {
            secret
                .lines()
                .filter(|l| !l.starts_with("-----") && !l.contains(':') && l.len() >= 4)
                .map(|l| l.trim()[..4].to_string())
                .collect()
        } else if f.rule_id == "aes-key-schedule" {
            vec![secret[..4].to_string()]
        } else {
            continue;
        };
        for piece in pieces {
            assert!(
                !f.preview.contains(&piece),
                "{} preview {:?} shows {piece:?} of its secret",
                f.rule_id,
                f.preview
            );
        }
        checked += 1;
    }
    assert!(checked >= 20, "{checked} findings checked");
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.preview.contains("BEGIN line damaged"))
    );
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.rule_id == "aes-key-schedule")
    );
}

/// `-o /dev/null` (or a FIFO) is written to, never replaced by a file.
#[test]
fn output_to_a_device_is_written_not_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let (code, _, err) = run(&["scan", "-q", "-o", "/dev/null", s(&dump("pem-ascii.core"))]);
    assert_eq!(code, 1, "{err}");
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
}
