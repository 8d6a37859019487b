//! `keysweep redact`: copies of real dumps with every private byte gone,
//! their structure intact, checked by independent parsers.

use crate::common::*;
use der::Decode;
use std::collections::BTreeSet;
use std::path::Path;

/// Every private value of a PEM private key file (RSA: d, p, q, dP, dQ,
/// qInv; EC: the scalar), big-endian, without leading zeros.
fn private_values(pem_path: &Path) -> Vec<Vec<u8>> {
    let values = key_file_values(&std::fs::read(pem_path).unwrap());
    assert!(!values.is_empty(), "{}", pem_path.display());
    values
}

/// Every planted private value of a live-keys dump, in both byte orders.
fn planted_forms() -> Vec<(String, Vec<u8>)> {
    let live = fixtures().join("keys/live");
    let mut forms = Vec::new();
    for key in ["rsa2048.pem", "rsa4096.pem", "ec-p256.pem"] {
        for (i, v) in private_values(&live.join(key)).into_iter().enumerate() {
            forms.push((format!("{key} value {i} big-endian"), v.clone()));
            forms.push((
                format!("{key} value {i} little-endian"),
                v.into_iter().rev().collect(),
            ));
        }
    }
    for e in live_expectations("live-keys") {
        if e[0] == "aes" {
            let key: Vec<u8> = (0..e[2].len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&e[2][i..i + 2], 16).unwrap())
                .collect();
            forms.push((format!("AES key {}", e[1]), key));
        }
    }
    forms
}

fn count(hay: &[u8], needle: &[u8]) -> usize {
    memchr::memmem::find_iter(hay, needle).count()
}

/// The spans a redaction report lists for one input.
fn reported_spans(report: &serde_json::Value) -> Vec<(u64, u64)> {
    report["files"][0]["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["spans"].as_array().unwrap().clone())
        .map(|s| (s[0].as_u64().unwrap(), s[1].as_u64().unwrap()))
        .collect()
}

/// A gcore core and a minidump-writer minidump of a process holding two
/// RSA keys, an EC key and three AES contexts through OpenSSL: after
/// `redact`, none of d, p, q, dP, dQ, qInv, the EC scalar or the AES keys
/// is left in either byte order (the originals hold them), a scan of the
/// copy is clean, every changed byte lies in a reported span, and the
/// copy's structure is the original's.
#[test]
fn live_dumps_lose_every_private_byte_and_keep_their_structure() {
    let forms = planted_forms();
    let tmp = tempfile::tempdir().unwrap();
    for ext in ["core", "dmp"] {
        let input = dump(&format!("live-keys.{ext}"));
        let copy = tmp.path().join(format!("redacted.{ext}"));
        let report_path = tmp.path().join(format!("report-{ext}.json"));
        let (code, _, err) = run(&[
            "redact",
            s(&input),
            "-o",
            s(&copy),
            "--report",
            s(&report_path),
        ]);
        assert_eq!(code, 0, "{err}");
        assert!(err.contains("rescan clean"), "{err}");
        let original = std::fs::read(&input).unwrap();
        let redacted = std::fs::read(&copy).unwrap();
        assert_eq!(original.len(), redacted.len());
        let mut held = 0;
        for (what, form) in &forms {
            held += count(&original, form);
            assert_eq!(count(&redacted, form), 0, "{ext}: {what} survived");
        }
        assert!(
            held >= 20,
            "{ext}: the original holds the planted values ({held})"
        );
        // only bytes inside the reported spans changed
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&report_path).unwrap()).unwrap();
        assert_eq!(report["files"][0]["redacted"], true);
        let spans = reported_spans(&report);
        for (i, (a, b)) in original.iter().zip(&redacted).enumerate() {
            if a != b {
                let i = i as u64;
                assert!(
                    spans.iter().any(|&(at, len)| at <= i && i < at + len),
                    "{ext}: byte {i} changed outside every span"
                );
            }
        }
        // fingerprints of what was removed, no secret in the report
        let text = std::fs::read_to_string(&report_path).unwrap();
        assert!(text.contains("bac1279a63cf488e8198b7a806c6c4670883f025d745a7d7d798fc6f25cf032d"));
        assert!(!text.contains("BEGIN"));
        // the copy scans clean and is private to its owner
        let (code, rescan) = scan_json(&[s(&copy)]);
        assert_eq!((code, rescan.findings.len()), (0, 0), "{ext}");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777,
            0o600
        );
        if ext == "core" {
            same_program_headers(&input, &copy);
        } else {
            same_minidump_streams(&original, &redacted);
        }
    }
}

/// readelf (when installed) and goblin print the same program headers.
fn same_program_headers(a: &Path, b: &Path) {
    if let Ok(out_a) = std::process::Command::new("readelf")
        .args(["-lW", s(a)])
        .output()
    {
        let out_b = std::process::Command::new("readelf")
            .args(["-lW", s(b)])
            .output()
            .unwrap();
        let strip = |o: &[u8]| {
            String::from_utf8_lossy(o)
                .replace(s(a), "")
                .replace(s(b), "")
        };
        assert_eq!(strip(&out_a.stdout), strip(&out_b.stdout));
    }
    let (ba, bb) = (std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
    let (ea, eb) = (
        goblin::elf::Elf::parse(&ba).unwrap(),
        goblin::elf::Elf::parse(&bb).unwrap(),
    );
    let ph = |e: &goblin::elf::Elf| -> Vec<(u32, u64, u64, u64)> {
        e.program_headers
            .iter()
            .map(|p| (p.p_type, p.p_offset, p.p_vaddr, p.p_filesz))
            .collect()
    };
    assert_eq!(ph(&ea), ph(&eb));
}

/// The minidump crate lists the same modules, threads and memory ranges.
fn same_minidump_streams(a: &[u8], b: &[u8]) {
    use minidump::{Minidump, MinidumpModuleList, MinidumpThreadList, Module};
    let describe = |bytes: &[u8]| {
        let dump = Minidump::read(bytes.to_vec()).unwrap();
        let modules: BTreeSet<(u64, u64, String)> = dump
            .get_stream::<MinidumpModuleList>()
            .unwrap()
            .iter()
            .map(|m| (m.base_address(), m.size(), m.code_file().to_string()))
            .collect();
        let threads: BTreeSet<u32> = dump
            .get_stream::<MinidumpThreadList>()
            .unwrap()
            .threads
            .iter()
            .map(|t| t.raw.thread_id)
            .collect();
        let memory: BTreeSet<(u64, u64)> = dump
            .get_memory()
            .unwrap()
            .iter()
            .map(|m| (m.base_address(), m.size()))
            .collect();
        (modules, threads, memory)
    };
    let (ma, ta, ra) = describe(a);
    assert!(!ma.is_empty() && !ta.is_empty() && !ra.is_empty());
    assert_eq!((ma, ta, ra), describe(b));
}

/// Text forms: a UTF-16LE PEM key keeps its armour lines and loses its
/// body; every token's secret part is gone from a tokens dump; a JWK keeps
/// its public members and loses its private ones.
#[test]
fn text_secrets_lose_their_bodies_and_keep_their_armour() {
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("pem.dmp");
    let (code, _, err) = run(&["redact", s(&dump("pem-utf16.dmp")), "-o", s(&copy)]);
    assert_eq!(code, 0, "{err}");
    let redacted = std::fs::read(&copy).unwrap();
    let wide = |t: &str| keysweep::detect::utf16le(t.as_bytes());
    assert!(
        count(&redacted, &wide("-----BEGIN")) > 0,
        "the armour stays"
    );
    assert_eq!(count(&redacted, &wide("MII")), 0, "no base64 body is left");
    let copy = tmp.path().join("tokens.core");
    let (code, _, err) = run(&["redact", s(&dump("tokens.core")), "-o", s(&copy)]);
    assert_eq!(code, 0, "{err}");
    let redacted = std::fs::read(&copy).unwrap();
    for secret in [
        "ghp_UssFMEHP3M4V5hbWitsITvNsUHbDwxRV0Lic",
        "sk_live_yw1psv7NTwYyyiU1wPsZOB92",
    ] {
        assert!(
            count(
                &std::fs::read(dump("tokens.core")).unwrap(),
                secret.as_bytes()
            ) > 0
        );
        assert_eq!(count(&redacted, secret.as_bytes()), 0, "{secret}");
    }
    // JWKs (ASCII and UTF-16LE) keep kty, kid and their public values; the
    // private members' values are gone
    let copy = tmp.path().join("jwk.core");
    let (code, _, err) = run(&["redact", s(&dump("jwk.core")), "-o", s(&copy)]);
    assert_eq!(code, 0, "{err}");
    let redacted = std::fs::read(&copy).unwrap();
    for name in ["rsa2048.jwk", "ec-p256.jwk", "ed25519.jwk"] {
        let jwk: Value =
            serde_json::from_slice(&std::fs::read(fixtures().join("keys/jwk").join(name)).unwrap())
                .unwrap();
        let public = jwk["n"].as_str().or(jwk["x"].as_str()).unwrap();
        let private = jwk["d"].as_str().unwrap();
        let found = |t: &str| count(&redacted, t.as_bytes()) + count(&redacted, &wide(t));
        assert!(found(public) > 0, "{name}: the public value stays");
        assert_eq!(found(private), 0, "{name}: the private value is gone");
    }
}

/// Evidence stays read-only: -o naming the input is refused and the input
/// unchanged; a gzip-wrapped core is written decoded (and says so), an
/// archive of two dumps refused; --in-place replaces the file (a
/// new inode, the old permissions) only with a clean copy; --out-dir keeps
/// paths relative to the named directory.
#[test]
fn redaction_never_writes_over_evidence_by_accident() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("live.core");
    std::fs::copy(dump("live-keys.core"), &input).unwrap();
    std::fs::set_permissions(&input, std::fs::Permissions::from_mode(0o640)).unwrap();
    let before = std::fs::read(&input).unwrap();
    let (code, _, err) = run(&["redact", s(&input), "-o", s(&input)]);
    assert_eq!(code, 2);
    assert!(err.contains("never writes over evidence"), "{err}");
    assert_eq!(std::fs::read(&input).unwrap(), before);
    let (code, _, err) = run(&["redact", s(&input)]);
    assert_eq!(code, 2, "{err}");
    // wrapped
    let gz = tmp.path().join("live.core.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut enc, &before).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    let decoded = tmp.path().join("decoded.core");
    let (code, _, err) = run(&["redact", s(&gz), "-o", s(&decoded)]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("written decoded: gzip removed"), "{err}");
    let bytes = std::fs::read(&decoded).unwrap();
    assert_eq!(bytes.len(), before.len());
    assert!(bytes.starts_with(b"\x7fELF"));
    assert_eq!(scan_json(&[s(&decoded)]).1.findings.len(), 0);
    // an archive of several dumps is refused, and nothing is written
    let tar = tmp.path().join("two.tar");
    let mut builder = tar::Builder::new(Vec::new());
    for name in ["a.core", "b.core"] {
        let mut header = tar::Header::new_gnu();
        header.set_size(before.len() as u64);
        header.set_mode(0o600);
        header.set_cksum();
        builder
            .append_data(&mut header, name, before.as_slice())
            .unwrap();
    }
    std::fs::write(&tar, builder.into_inner().unwrap()).unwrap();
    let (code, _, err) = run(&["redact", s(&tar), "-o", s(&tmp.path().join("x"))]);
    assert_eq!(code, 2);
    assert!(err.contains("an archive of 2 members"), "{err}");
    assert!(!tmp.path().join("x").exists());
    // in place
    let inode = std::fs::metadata(&input).unwrap().ino();
    let (code, _, err) = run(&["redact", "--in-place", s(&input)]);
    assert_eq!(code, 0, "{err}");
    let meta = std::fs::metadata(&input).unwrap();
    assert_ne!(meta.ino(), inode, "renamed over, not written through");
    assert_eq!(meta.permissions().mode() & 0o777, 0o640);
    assert_ne!(std::fs::read(&input).unwrap(), before);
    assert_eq!(scan_json(&[s(&input)]).1.findings.len(), 0);
    // a folder of dumps
    let src = tmp.path().join("dumps");
    std::fs::create_dir_all(src.join("app")).unwrap();
    std::fs::copy(dump("der.core"), src.join("app/der.core")).unwrap();
    std::fs::copy(dump("clean.core"), src.join("clean.core")).unwrap();
    let out = tmp.path().join("out");
    let (code, _, err) = run(&["redact", s(&src), "--out-dir", s(&out)]);
    assert_eq!(code, 0, "{err}");
    assert!(out.join("app/der.core").is_file() && out.join("clean.core").is_file());
    assert_eq!(scan_json(&[s(&out)]).1.findings.len(), 0);
}

/// The private values of a key file, PEM or DER (PKCS#1, PKCS#8 or SEC1),
/// when it is one of those; big-endian, without leading zeros.
fn key_file_values(bytes: &[u8]) -> Vec<Vec<u8>> {
    use base64::Engine as _;
    let der = match std::str::from_utf8(bytes) {
        Ok(text) if text.starts_with("-----BEGIN") && !text.contains("ENCRYPTED") => {
            let body: String = text
                .lines()
                .filter(|l| !l.starts_with("-----") && !l.contains(':'))
                .collect();
            base64::engine::general_purpose::STANDARD
                .decode(body)
                .unwrap_or_default()
        }
        _ => bytes.to_vec(),
    };
    let trim = |b: &[u8]| {
        b.iter()
            .copied()
            .skip_while(|&x| x == 0)
            .collect::<Vec<u8>>()
    };
    let rsa = |d: &[u8]| {
        pkcs1::RsaPrivateKey::from_der(d).ok().map(|k| {
            [
                k.private_exponent,
                k.prime1,
                k.prime2,
                k.exponent1,
                k.exponent2,
                k.coefficient,
            ]
            .iter()
            .map(|u| trim(u.as_bytes()))
            .collect::<Vec<_>>()
        })
    };
    let ec = |d: &[u8]| {
        sec1::EcPrivateKey::from_der(d)
            .ok()
            .map(|k| vec![trim(k.private_key)])
    };
    rsa(&der)
        .or_else(|| ec(&der))
        .or_else(|| {
            let info = pkcs8::PrivateKeyInfo::from_der(&der).ok()?;
            rsa(info.private_key).or_else(|| ec(info.private_key))
        })
        .unwrap_or_default()
}

/// Every planted dump (gcore cores, kernel cores, minidumps): after
/// `redact`, no planted key is left whole in the copy, no private value
/// of a planted RSA or EC key in either byte order, and the copy scans
/// clean; a DER key's public modulus stays.
#[test]
fn every_planted_dump_is_redacted() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let (code, _, err) = run(&["redact", s(&fixtures().join("dumps")), "--out-dir", s(&out)]);
    assert_eq!(code, 0, "{err}");
    let mut checked = 0;
    for entry in std::fs::read_dir(fixtures().join("dumps")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        let Some(stem) = name.strip_suffix(".expect") else {
            continue;
        };
        if stem.starts_with("live-") {
            continue; // (their own test knows their keys)
        }
        for ext in ["core", "dmp", "kernel.core"] {
            let copy = out.join(format!("{stem}.{ext}"));
            if !copy.exists() {
                continue;
            }
            let redacted = std::fs::read(&copy).unwrap();
            // (lines: key file, placement, ...; other lines name tokens or sizes)
            for words in live_expectations(stem) {
                let (file, placement) = (&words[0], words.get(1).map_or("", String::as_str));
                let path = fixtures().join(file);
                // (a public-only JWK is planted as a negative: it stays)
                if !file.starts_with("keys/") || !path.is_file() || file.contains("public-only") {
                    continue;
                }
                let key = std::fs::read(&path).unwrap();
                let placed = if placement == "wide" {
                    keysweep::detect::utf16le(&key)
                } else {
                    key.clone()
                };
                assert_eq!(count(&redacted, &placed), 0, "{stem}.{ext}: {file} whole");
                for v in key_file_values(&key).into_iter().filter(|v| v.len() >= 16) {
                    let le: Vec<u8> = v.iter().rev().copied().collect();
                    assert_eq!(
                        count(&redacted, &v) + count(&redacted, &le),
                        0,
                        "{stem}.{ext}: a private value of {file}"
                    );
                }
                checked += 1;
            }
            let (code, rescan) = scan_json(&[s(&copy)]);
            assert_eq!((code, rescan.findings.len()), (0, 0), "{stem}.{ext}");
        }
    }
    assert!(checked > 100, "{checked} planted keys checked");
    // public parts stay: a DER key keeps its modulus, only its private numbers go
    let der = std::fs::read(fixtures().join("keys/der/rsa2048-pkcs1.der")).unwrap();
    let n = pkcs1::RsaPrivateKey::from_der(&der)
        .unwrap()
        .modulus
        .as_bytes()
        .to_vec();
    let copy = std::fs::read(out.join("der.core")).unwrap();
    assert_eq!(count(&copy, &n), 1, "the modulus is still there");
}
