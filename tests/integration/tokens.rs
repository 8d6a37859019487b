//! Tokens and credentials: a live process holding every built-in token rule's secret, real binaries, service-account files.

use crate::common::*;
use crate::contract::*;

fn sha256_hex(b: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
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
        let (code, report) =
            scan_json(&["--detectors", "tokens", "--show-secrets", s(&dump(name))]);
        assert_eq!(code, 1);
        let f = &report.findings;
        for x in f {
            // a secret a person chose has a guess-resistant fingerprint
            let secret = x.secret.as_deref().unwrap().as_bytes();
            let sha = sha256_hex(secret);
            if x.kind == "password" || x.kind == "secret" {
                let mut slow = [0u8; 32];
                pbkdf2::pbkdf2_hmac::<sha2::Sha256>(
                    secret,
                    b"keysweep/secret-fingerprint/v1",
                    10_000,
                    &mut slow,
                );
                let slow: String = slow.iter().map(|b| format!("{b:02x}")).collect();
                assert_eq!(
                    x.fingerprint.as_deref(),
                    Some(slow.as_str()),
                    "{}",
                    x.rule_id
                );
            } else {
                assert_eq!(
                    x.fingerprint.as_deref(),
                    Some(sha.as_str()),
                    "{}",
                    x.rule_id
                );
            }
        }
        for e in &expect {
            let (rule, placement, hash) = (&e[0], &e[1], &e[2]);
            let hits: Vec<&FindingM> = f
                .iter()
                .filter(|x| {
                    &x.rule_id == rule
                        && sha256_hex(x.secret.as_deref().unwrap().as_bytes()) == *hash
                })
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
        assert!(jwt.preview.contains("signature redacted"));
        // an AWS access key id is no secret: shown in full, so it can be rotated
        let id = f.iter().find(|x| x.rule_id == "aws-access-key-id").unwrap();
        assert_eq!(Some(id.preview.as_str()), id.secret.as_deref());
        let (_, unshown) = scan_json(&["--detectors", "tokens", s(&dump(name))]);
        assert!(unshown.findings.iter().all(|x| x.secret.is_none()));
        // nothing but the planted tokens
        for x in f {
            let sha = sha256_hex(x.secret.as_deref().unwrap().as_bytes());
            assert!(
                expect.iter().any(|e| e[0] == x.rule_id && e[2] == sha),
                "{name}: unexpected {} {}",
                x.rule_id,
                x.preview
            );
        }
    }
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
/// the key file is reported by its rule, naming its key id and service
/// account, and its embedded private key, with
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
        let id = report
            .findings
            .iter()
            .find(|f| f.rule_id == "gcp-service-account-key" && f.encoding == enc)
            .unwrap();
        // the key id and its service account (the client_email after the
        // PEM) are what a responder revokes: shown in full
        assert_eq!(
            id.preview,
            "3f2a9c0e5b7d1f4a6c8e0b2d4f6a8c0e1b3d5f7a, account ci@example-project.iam.gserviceaccount.com"
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

/// An Azure storage key names its account when the connection string gives
/// it: the account is what a responder rotates, and it is not secret, so the
/// preview shows it in full (never any of the key's characters).
#[test]
fn azure_storage_keys_name_their_account() {
    let key =
        "t84J1rvABOcXXGQ8feywtYDsN7yXEt0uaq65S66NL5+inFooTJ73UhgpzxB5sIDp10ocEPyrakJD0zZW3r5MHg==";
    let conn = format!(
        "DefaultEndpointsProtocol=https;AccountName=prodlogs7;Account{}={key};EndpointSuffix=core.windows.net",
        "Key"
    );
    let bare = format!("Account{}={key}", "Key");
    let dir = tempfile::tempdir().unwrap();
    let bytes = [
        b"\x00\x00".as_slice(),
        conn.as_bytes(),
        &[0u8; 4096],
        &keysweep::detect::utf16le(conn.as_bytes()),
        &[0u8; 4096],
        bare.as_bytes(),
        b"\x00",
    ]
    .concat();
    let file = write(dir.path(), "heap.bin", &bytes);
    let (code, report) = scan_json(&[s(&file)]);
    assert_eq!(code, 1);
    let azure: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.rule_id == "azure-storage-account-key")
        .collect();
    assert_eq!(azure.len(), 3, "{azure:#?}");
    for f in &azure[..2] {
        assert!(f.preview.ends_with(", account prodlogs7"), "{}", f.preview);
    }
    assert!(
        !azure[2].preview.contains("account"),
        "{}",
        azure[2].preview
    );
    for f in &azure {
        assert!(!f.preview.contains("t84J"), "{}", f.preview);
        // the finding is the key, not the connection string
        let unit = if f.encoding == "utf16le" { 2 } else { 1 };
        assert_eq!(f.length, 88 * unit);
    }
}
