//! Rules: listing, checking, the prefilter's anchors, user rule files and gitleaks configurations.

use crate::common::*;
use crate::contract::*;

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
