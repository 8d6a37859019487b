//! SARIF reports and baselines.

use crate::common::*;
use crate::contract::Report;
use std::collections::BTreeSet;

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
            let validate = Command::new(&tool)
                .arg("validate")
                .arg(&out)
                .output()
                .expect("run sarif-multitool");
            let text = String::from_utf8_lossy(&validate.stdout).into_owned()
                + &String::from_utf8_lossy(&validate.stderr);
            assert!(validate.status.success(), "{text}");
            assert!(!text.contains(": error "), "{text}");
            assert!(text.contains("Analysis completed successfully"), "{text}");
            // and GitHub code scanning's own rules (the option takes a list,
            // so it goes after the file)
            let github = Command::new(&tool)
                .arg("validate")
                .arg(&out)
                .args(["--rule-kind", "Gh"])
                .output()
                .expect("run sarif-multitool");
            let text = String::from_utf8_lossy(&github.stdout).into_owned()
                + &String::from_utf8_lossy(&github.stderr);
            assert!(github.status.success(), "{text}");
            assert!(
                !text.contains(": error ") && !text.contains(": warning "),
                "{text}"
            );
            assert!(text.contains("Analysis completed successfully"), "{text}");
        }
        Err(_) => assert!(
            std::env::var("CI").is_err(),
            "CI must provide KEYSWEEP_SARIF_MULTITOOL"
        ),
    }
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

/// Baselines that survive real use: the same dumps under another spelling or
/// working folder still match; `--baseline-match fingerprint` knows a key in
/// any form; entries may carry fields of their own, and expired ones stop
/// suppressing with a warning; `keysweep baseline --baseline OLD` keeps
/// OLD's entries.
#[test]
fn baselines_survive_real_use() {
    let tmp = tempfile::tempdir().unwrap();
    let dumps = tmp.path().join("build/crash-dumps");
    std::fs::create_dir_all(&dumps).unwrap();
    std::fs::copy(dump("pem-utf16.core"), dumps.join("a.core")).unwrap();
    let in_tmp = |args: &[&str]| {
        let out = Command::new(BIN)
            .args(args)
            .current_dir(tmp.path())
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (code, _, err) = in_tmp(&["baseline", "-o", "base.json", "build/crash-dumps/"]);
    assert_eq!(code, 0, "{err}");
    let base = tmp.path().join("base.json");
    let absolute = dumps.display().to_string();
    for (dir, path) in [
        (tmp.path().to_path_buf(), "./build/crash-dumps/".to_string()),
        (tmp.path().to_path_buf(), absolute.clone()),
        (dumps.clone(), ".".to_string()),
        (dumps.clone(), "a.core".to_string()),
    ] {
        let out = Command::new(BIN)
            .args(["scan", "--format", "json", "--baseline", s(&base), &path])
            .current_dir(&dir)
            .output()
            .unwrap();
        let report: Report = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            (out.status.code(), report.summary.findings_baselined),
            (Some(0), 2),
            "{path} from {}",
            dir.display()
        );
    }
    // a key baselined as PEM text is known when found as DER, by fingerprint
    let pem = write(
        tmp.path(),
        "key.pem",
        &std::fs::read(fixtures().join("keys/ec-p256-sec1.pem")).unwrap(),
    );
    let der = write(
        tmp.path(),
        "key.der",
        &std::fs::read(fixtures().join("keys/der/ec-p256-sec1.der")).unwrap(),
    );
    let pem_base = tmp.path().join("pem-base.json");
    assert_eq!(run(&["baseline", "-o", s(&pem_base), s(&pem)]).0, 0);
    let (code, report) = scan_json(&[
        "--baseline",
        s(&pem_base),
        "--baseline-match",
        "fingerprint",
        s(&der),
    ]);
    assert_eq!((code, report.summary.findings_baselined), (0, 1));
    // entries with fields of their own; an expired one suppresses no more
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&base).unwrap()).unwrap();
    let findings = doc["findings"].as_array_mut().unwrap();
    findings[0]["comment"] = Value::from("test key of the fixture service");
    findings[0]["owner"] = Value::from("platform-team");
    findings[1]["expires"] = Value::from("2020-01-31");
    let annotated = write(
        tmp.path(),
        "annotated.json",
        serde_json::to_string(&doc).unwrap().as_bytes(),
    );
    let (code, out, err) = run(&[
        "scan",
        "--format",
        "json",
        "--baseline",
        s(&annotated),
        &absolute,
    ]);
    let report: Report = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (
            code,
            report.summary.findings_baselined,
            report.findings.len()
        ),
        (1, 1, 1)
    );
    assert!(err.contains("expired on 2020-01-31"), "{err}");
    // a new baseline made with the old one keeps its entries and their fields
    std::fs::copy(dump("pem-ascii.core"), dumps.join("b.core")).unwrap();
    let (code, _, err) = in_tmp(&[
        "baseline",
        "--baseline",
        "annotated.json",
        "-o",
        "new.json",
        "build/crash-dumps/",
    ]);
    assert_eq!(code, 0, "{err}");
    let new: Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("new.json")).unwrap())
            .unwrap();
    let entries = new["findings"].as_array().unwrap();
    assert_eq!(
        entries.len(),
        2 + expectations("pem-ascii").len(),
        "old entries kept, new ones added"
    );
    assert!(entries.iter().any(|f| f["owner"] == "platform-team"));
}

/// A scan of many dumps says how many distinct secrets its findings are, and
/// the text report names each file's process and each finding's rule.
#[test]
fn distinct_secrets_are_counted_once_and_text_names_rules_and_processes() {
    let dir = fixtures().join("dumps");
    let (_, report) = scan_json(&[s(&dir)]);
    let secrets = &report.summary.secrets;
    assert!(!secrets.is_empty() && secrets.len() < report.findings.len());
    assert_eq!(
        secrets.iter().map(|d| d.occurrences).sum::<usize>(),
        report.findings.len()
    );
    let distinct: BTreeSet<&str> = secrets.iter().map(|d| d.fingerprint.as_str()).collect();
    assert_eq!(distinct.len(), secrets.len(), "each secret once");
    // the RSA key planted in every pem-ascii, zoo and live dump is one secret
    let rsa = report
        .findings
        .iter()
        .find(|f| f.rule_id == "pem-rsa-private-key" && f.path.ends_with("pem-ascii.core"))
        .unwrap();
    let entry = secrets
        .iter()
        .find(|d| Some(d.fingerprint.as_str()) == rsa.fingerprint.as_deref())
        .unwrap();
    assert!(entry.files.len() >= 2, "{entry:?}");
    assert_eq!(entry.algorithm.as_deref(), Some("rsa"));
    let (_, text, _) = run(&["scan", s(&dir)]);
    assert!(
        text.contains(&format!("{} distinct secret(s) in", secrets.len())),
        "{text}"
    );
    assert!(text.contains("(rule pem-rsa-private-key)"));
    assert!(text.contains("pem-ascii.core (elf-core, ") && text.contains(" pid "));
}
