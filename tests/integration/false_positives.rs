//! False positives: clean data (random bytes, system binaries and libraries, clean dumps) gives no finding.

use crate::common::*;

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
    assert_eq!(code, 1);
    let mut fps: Vec<_> = rsa.iter().map(|f| f.fingerprint.clone().unwrap()).collect();
    fps.sort();
    fps.dedup();
    assert_eq!(fps.len(), rsa.len());
    // they are OpenSSL's speed test keys: known to be public, low
    assert!(rsa.iter().all(|f| f.test_key && f.severity == "low"));
    // the binary is a module's image: --exclude-region module drops its test keys
    assert_eq!(report.inputs[0].container.as_deref(), Some("executable"));
    assert!(report.findings.iter().all(|f| f.region.kind == "module"));
    // and the finding says which section holds the key, at its load address
    for f in &rsa {
        let name = f.region.name.as_deref().unwrap_or_default();
        assert!(name.starts_with('.'), "{:?}", f.region);
        assert!(f.address.is_some() && f.region.start.is_some(), "{f:?}");
    }
    let (code, report) = scan_json(&[
        "--exclude-region",
        "module",
        "--fail-on",
        "critical",
        s(openssl),
    ]);
    assert_eq!((code, report.findings.len()), (0, 0));
    assert!(report.summary.findings_filtered >= 5);
}
