//! Keys as live programs hold them: OpenSSL processes dumped by gcore and minidump-writer, known keys, SymCrypt key objects.

use crate::common::*;

/// A real process loaded two RSA keys and an EC key through OpenSSL (PEM
/// cleansed and freed), signed with them, and keeps AES-128-CBC, AES-256-GCM
/// and AES-192-CBC (decrypt) contexts alive. From its gcore core and its
/// minidump, keysweep rebuilds both RSA keys from their limb arrays with
/// openssl's fingerprints and every component's address, and recovers the
/// three AES keys from their schedules (the decryption one too).
#[test]
fn live_process_keys_are_recovered_from_a_core_and_a_minidump() {
    let expect = live_expectations("live-keys");
    for ext in ["core", "dmp"] {
        let path = dump(&format!("live-keys.{ext}"));
        let (code, report) = scan_json(&[s(&path)]);
        assert_eq!(code, 1);
        let f = &report.findings;
        for e in &expect {
            match e[0].as_str() {
                "rsa" => {
                    let found = f
                        .iter()
                        .find(|x| {
                            x.rule_id == "rsa-private-key-bignum"
                                && x.fingerprint.as_deref() == Some(&e[2])
                        })
                        .unwrap_or_else(|| panic!("{ext}: {} not rebuilt", e[1]));
                    assert_eq!(found.encoding, "bignum-le");
                    assert_eq!(found.severity, "critical");
                    assert_eq!(found.region.kind, "heap");
                    let key = found.key.as_ref().unwrap();
                    assert!(key.validated);
                    assert!(key.note.is_none(), "d was in memory: e is confirmed");
                    for part in [
                        "n (BIGNUM limbs)",
                        "p (BIGNUM limbs)",
                        "q (BIGNUM limbs)",
                        "d",
                        "BIGNUM record of n",
                    ] {
                        let c = found
                            .components
                            .iter()
                            .find(|c| c.name == part)
                            .unwrap_or_else(|| {
                                panic!("{ext}: no {part} in {:?}", found.components)
                            });
                        assert!(c.address.is_some() && c.region == "heap", "{c:?}");
                    }
                    assert!(found.secret.is_none() && !found.preview.contains("MII"));
                }
                "ec" => assert!(
                    f.iter().any(|x| x.fingerprint.as_deref() == Some(&e[2])),
                    "{ext}: EC key not found"
                ),
                "aes" => {
                    let found = f
                        .iter()
                        .find(|x| {
                            x.rule_id == "aes-key-schedule"
                                && x.fingerprint.as_deref() == Some(&e[3])
                        })
                        .unwrap_or_else(|| panic!("{ext}: AES key {} not found", e[1]));
                    let key = found.key.as_ref().unwrap();
                    let schedule = if e[1].starts_with("dec:") {
                        "decrypt"
                    } else {
                        "encrypt"
                    };
                    assert_eq!(key.schedule.as_deref(), Some(schedule));
                    assert_eq!(key.bits, Some(e[2].len() as u32 * 4));
                    assert!(found.address.is_some());
                }
                other => panic!("bad expect line {other}"),
            }
        }
        // the only other schedules are OpenSSL's own DRBG (AES-256 CTR) keys
        for x in f.iter().filter(|x| x.rule_id == "aes-key-schedule") {
            let planted = expect
                .iter()
                .any(|e| e[0] == "aes" && x.fingerprint.as_deref() == Some(&e[3]));
            assert!(
                planted || x.key.as_ref().unwrap().bits == Some(256),
                "{x:?}"
            );
        }
        let rsa = f
            .iter()
            .filter(|x| x.rule_id == "rsa-private-key-bignum")
            .count();
        assert_eq!(rsa, 2, "one finding per key, however many copies");
        // --show-secrets gives the rebuilt key, which openssl accepts as the same key
        let (_, shown) = scan_json(&["--show-secrets", "--detectors", "bignum", s(&path)]);
        for x in &shown.findings {
            let pem = x.secret.as_ref().unwrap();
            let dir = tempfile::tempdir().unwrap();
            let file = write(dir.path(), "k.pem", pem.as_bytes());
            let out = Command::new("openssl")
                .args(["pkey", "-in", s(&file), "-pubout", "-outform", "DER"])
                .output()
                .unwrap();
            assert!(out.status.success());
            use sha2::Digest;
            assert_eq!(
                Some(format!("{:x}", sha2::Sha256::digest(&out.stdout))),
                x.fingerprint
            );
        }
    }
    // the same program holding no key: nothing
    for ext in ["core", "dmp"] {
        let (code, report) = scan_json(&[s(&dump(&format!("live-clean.{ext}")))]);
        assert_eq!((code, report.findings.len()), (0, 0), "{ext}");
    }
}

/// aeskeyfind (when installed) finds a subset of what keysweep finds on the
/// same dumps, and rsakeyfind finds nothing: the comparison in the README.
#[test]
fn aeskeyfind_finds_a_subset_of_keysweep() {
    let Ok(out) = Command::new("aeskeyfind")
        .arg(dump("live-keys.core"))
        .output()
    else {
        eprintln!("aeskeyfind not installed; comparison skipped");
        return;
    };
    let theirs: std::collections::BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    let (_, report) = scan_json(&[
        "--show-secrets",
        "--detectors",
        "aes",
        s(&dump("live-keys.core")),
    ]);
    let ours: std::collections::BTreeSet<String> = report
        .findings
        .iter()
        .filter_map(|f| f.secret.clone())
        .collect();
    assert!(!theirs.is_empty());
    assert!(
        theirs.is_subset(&ours),
        "aeskeyfind {theirs:?} keysweep {ours:?}"
    );
    assert!(
        ours.len() > theirs.len(),
        "keysweep also finds the AES-192 decryption schedule"
    );
}

/// The fixture key's numbers, big-endian: (n, p, EC-unrelated).
fn rsa2048_numbers() -> (Vec<u8>, Vec<u8>) {
    use base64::Engine as _;
    use der::Decode;
    let pem = std::fs::read_to_string(fixtures().join("keys/rsa2048-pkcs1.pem")).unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap();
    let k = pkcs1::RsaPrivateKey::from_der(&der).unwrap();
    let strip = |b: &[u8]| {
        b.iter()
            .skip_while(|&&x| x == 0)
            .copied()
            .collect::<Vec<u8>>()
    };
    (strip(k.modulus.as_bytes()), strip(k.prime1.as_bytes()))
}

/// Heap-like filler: short runs of pseudo-random bytes between zero words.
fn heap_like(len: usize, mut seed: u64) -> Vec<u8> {
    let mut b: Vec<u8> = (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 24) as u8
        })
        .collect();
    for (i, c) in b.chunks_mut(40).enumerate() {
        if i % 2 == 0 {
            c[..8].fill(0);
        }
    }
    b
}

/// `--known-keys` recovers a known key's private half from any in-memory
/// form: here the published modulus sits once as base64url text (a JWK) and
/// one prime once as little-endian limbs 300 KiB away (or big-endian bytes),
/// which nothing else could pair. The EC key of a known certificate is found
/// as a bare scalar next to its public X coordinate.
#[test]
fn known_keys_recover_private_halves_from_bare_numbers() {
    use base64::Engine as _;
    let dir = tempfile::tempdir().unwrap();
    let (n, p) = rsa2048_numbers();
    let jwks = fixtures().join("keys/known/idp-jwks.json");
    let rsa_fp = keysweep::detect::pem::fingerprint_of(
        &std::fs::read(fixtures().join("keys/rsa2048-pkcs1.pem")).unwrap(),
    )
    .unwrap();
    for (name, p_bytes) in [
        ("le", p.iter().rev().copied().collect::<Vec<u8>>()),
        ("be", p.clone()),
    ] {
        let mut b = heap_like(1 << 20, 11);
        let text = format!(
            "{{\"kty\":\"RSA\",\"n\":\"{}\",\"e\":\"AQAB\"}}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&n)
        );
        b[0x1000..0x1000 + text.len()].copy_from_slice(text.as_bytes());
        let at = 0x1000 + (300 << 10);
        b[at - 8..at].fill(0);
        b[at..at + p_bytes.len()].copy_from_slice(&p_bytes);
        b[at + p_bytes.len()..at + p_bytes.len() + 8].fill(0);
        let file = write(dir.path(), &format!("rsa-{name}.bin"), &b);
        let (code, plain) = scan_json(&[s(&file)]);
        assert_eq!(
            (code, plain.findings.len()),
            (0, 0),
            "{name}: nothing without the known key"
        );
        // a second known key of the same size, absent from the file, searched
        // alongside (one shared walk over the window starts)
        let other = fixtures().join("keys/live/rsa2048-public.pem");
        let (code, report) = scan_json(&[
            "--known-keys",
            s(&other),
            "--known-keys",
            s(&jwks),
            s(&file),
        ]);
        assert_eq!(code, 1, "{name}");
        assert_eq!(report.findings.len(), 1, "{name}: {:?}", report.findings);
        let f = &report.findings[0];
        assert_eq!(f.rule_id, "rsa-private-key-known-factor");
        assert_eq!(f.fingerprint.as_deref(), Some(rsa_fp.as_str()));
        assert_eq!(f.known_key.as_deref(), Some("kid idp-signing-2026"));
        assert_eq!(f.offset, at as u64);
        assert_eq!(
            f.encoding,
            if name == "le" {
                "bignum-le"
            } else {
                "bignum-be"
            }
        );
        let n_copy = f.components.iter().find(|c| c.name == "n").unwrap();
        assert_eq!(
            (n_copy.encoding.as_str(), n_copy.offset),
            ("ascii", 0x1000 + 18)
        );
    }

    // EC: the scalar of keys/ec-p256-sec1.pem as 64-bit limbs, near its public X
    let ec_der = {
        use base64::Engine as _;
        let pem = std::fs::read_to_string(fixtures().join("keys/ec-p256-sec1.pem")).unwrap();
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap()
    };
    // SEC1: 30 77 02 01 01 04 20 <d> a0 0a <oid> a1 44 03 42 00 04 <x> <y>
    let d = &ec_der[7..39];
    let x = &ec_der[ec_der.len() - 64..ec_der.len() - 32];
    let mut b = heap_like(1 << 18, 12);
    b[0x2000 - 8..0x2000 + 40].fill(0);
    b[0x2000..0x2020].copy_from_slice(x);
    b[0x2400 - 8..0x2400 + 40].fill(0);
    let le: Vec<u8> = d.iter().rev().copied().collect();
    b[0x2400..0x2420].copy_from_slice(&le);
    let file = write(dir.path(), "ec.bin", &b);
    let cert = fixtures().join("keys/known/ec-p256-cert.pem");
    let (_, plain) = scan_json(&[s(&file)]);
    assert!(plain.findings.is_empty());
    let (code, report) = scan_json(&["--known-keys", s(&cert), s(&file)]);
    assert_eq!(
        (code, report.findings.len()),
        (1, 1),
        "{:?}",
        report.findings
    );
    let f = &report.findings[0];
    assert_eq!(f.rule_id, "ec-private-key-known-scalar");
    assert_eq!(f.offset, 0x2400);
    assert_eq!(f.known_key.as_deref(), Some("CN=keysweep-fixture"));
    assert!(f.key.as_ref().unwrap().validated);
}

/// A live OpenSSL process's EC key, held only as a BIGNUM, is found with its
/// certificate known; the known RSA keys rebuilt without help are marked.
#[test]
fn known_keys_in_a_live_process() {
    let live = fixtures().join("keys/live");
    for ext in ["core", "dmp"] {
        let (_, report) = scan_json(&[
            "--known-keys",
            s(&live.join("ec-p256-cert.pem")),
            "--known-keys",
            s(&live.join("rsa4096-cert.pem")),
            s(&dump(&format!("live-keys.{ext}"))),
        ]);
        let ec = report
            .findings
            .iter()
            .find(|f| f.rule_id == "ec-private-key-known-scalar")
            .unwrap_or_else(|| panic!("{ext}: EC scalar not found"));
        assert_eq!(ec.known_key.as_deref(), Some("CN=live-ec"));
        assert_eq!(ec.encoding, "bignum-le");
        assert_eq!(ec.region.kind, "heap");
        let rsa = report
            .findings
            .iter()
            .find(|f| f.rule_id == "rsa-private-key-bignum" && f.known_key.is_some())
            .unwrap();
        assert_eq!(rsa.known_key.as_deref(), Some("CN=live-signing"));
        assert_eq!(rsa.severity, "critical");
    }
}

/// --known-keys: a published JWKS, a certificate and a PEM public key name the
/// private keys found for them; other keys stay unmarked; a file without any
/// public key is a usage error.
#[test]
fn known_keys_mark_the_private_halves_they_name() {
    let known = fixtures().join("keys/known");
    let (code, report) = scan_json(&[
        "--known-keys",
        s(&known.join("idp-jwks.json")),
        "--known-keys",
        s(&known.join("ec-p256-cert.pem")),
        "--known-keys",
        s(&known.join("rsa3072-public.pem")),
        s(&dump("pem-ascii.core")),
        s(&dump("pem-utf16.core")),
    ]);
    assert_eq!(code, 1);
    let marked = |key_file: &str, dump_name: &str| {
        let p = expectations(dump_name)
            .into_iter()
            .find(|p| p.key_file.ends_with(key_file))
            .unwrap();
        let f = report
            .findings
            .iter()
            .find(|f| addr(f) == Some(p.address) && f.path.contains(dump_name))
            .unwrap();
        (f.known_key.clone(), f.severity.clone())
    };
    assert_eq!(
        marked("rsa2048-pkcs1.pem", "pem-ascii").0.as_deref(),
        Some("kid idp-signing-2026")
    );
    assert_eq!(
        marked("ed25519-pkcs8.pem", "pem-ascii").0.as_deref(),
        Some("kid idp-eddsa")
    );
    assert_eq!(
        marked("ec-p256-sec1.pem", "pem-ascii").0.as_deref(),
        Some("CN=keysweep-fixture")
    );
    assert_eq!(
        marked("ec-p256-sec1.pem", "pem-utf16").0.as_deref(),
        Some("CN=keysweep-fixture")
    );
    assert!(
        marked("rsa3072-pkcs8.pem", "pem-utf16")
            .0
            .unwrap()
            .contains("rsa3072-public.pem")
    );
    assert_eq!(marked("dsa2048-openssl.pem", "pem-ascii").0, None);
    let (code, _, err) = run(&[
        "scan",
        "--known-keys",
        s(&fixtures().join("README.md")),
        s(&dump("clean.core")),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("no public key"), "{err}");
}

/// Keys held the way Windows CNG holds them underneath: a real process using
/// Microsoft SymCrypt (its Linux build) generated RSA-2048 and RSA-3072 keys.
/// SymCrypt keeps each number once, so nothing repeats and no OpenSSL record
/// points at it; keysweep recognises the SYMCRYPT_RSAKEY objects and rebuilds
/// both keys, with the fingerprints of the public keys SymCrypt exported. The
/// AES keys SymCrypt expanded are found by their round keys.
#[test]
fn symcrypt_key_objects_are_rebuilt() {
    let expect = live_expectations("symcrypt");
    assert_eq!(expect.len(), 5);
    for ext in ["core", "dmp"] {
        let (code, report) = scan_json(&[s(&dump(&format!("symcrypt.{ext}")))]);
        assert_eq!(code, 1);
        let rsa = report
            .findings
            .iter()
            .filter(|f| f.rule_id == "rsa-private-key-bignum");
        assert_eq!(rsa.count(), 2, "{ext}: {:#?}", report.findings);
        // SymCrypt's expanded AES keys: encryption and decryption round keys
        for e in expect.iter().filter(|e| e[0] == "aes") {
            let schedules: Vec<&str> = report
                .findings
                .iter()
                .filter(|f| {
                    f.rule_id == "aes-key-schedule"
                        && f.fingerprint.as_deref() == Some(e[2].as_str())
                })
                .map(|f| f.key.as_ref().unwrap().schedule.as_deref().unwrap_or(""))
                .collect();
            assert!(
                schedules.contains(&"encrypt") && schedules.contains(&"decrypt"),
                "{ext}: AES-{} {schedules:?}",
                e[1]
            );
        }
        for e in expect.iter().filter(|e| e[0] == "rsa") {
            let f = report
                .findings
                .iter()
                .find(|f| f.fingerprint.as_deref() == Some(e[2].as_str()))
                .unwrap_or_else(|| panic!("{ext}: RSA-{} not rebuilt", e[1]));
            assert_eq!(f.rule_id, "rsa-private-key-bignum");
            assert_eq!(f.key.as_ref().unwrap().bits, Some(e[1].parse().unwrap()));
            assert!(f.key.as_ref().unwrap().validated);
            let names: Vec<&str> = f.components.iter().map(|c| c.name.as_str()).collect();
            for part in ["n", "p", "q", "d", "SymCrypt RSA key object"] {
                assert!(names.contains(&part), "{ext}: {names:?}");
            }
            assert!(
                f.components
                    .iter()
                    .all(|c| c.address.is_some() && c.region == "heap")
            );
        }
    }
}

/// Known keys a responder can trust: every entry is checked (a broken JWK, a
/// truncated PEM, malformed JSON are errors naming the file and entry);
/// folders, OpenSSH public keys and private keys (their public half) are
/// accepted; the summary says which known keys were found.
#[test]
fn known_keys_are_validated_and_accounted_for() {
    let tmp = tempfile::tempdir().unwrap();
    let known = fixtures().join("keys/known");
    let jwks: Value =
        serde_json::from_str(&std::fs::read_to_string(known.join("idp-jwks.json")).unwrap())
            .unwrap();
    let mut broken = jwks.clone();
    broken["keys"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"kty": "RSA", "kid": "half", "n": "AQAB"}));
    let pem = std::fs::read_to_string(known.join("rsa3072-public.pem")).unwrap();
    let cases = [
        (
            "broken.json",
            serde_json::to_string(&broken).unwrap(),
            "kid half",
        ),
        (
            "truncated.pem",
            pem[..pem.len() / 2].to_string(),
            "no END line",
        ),
        (
            "malformed.json",
            "{\"keys\": [".to_string(),
            "not valid JSON",
        ),
    ];
    for (name, text, why) in cases {
        let path = write(tmp.path(), name, text.as_bytes());
        let (code, _, err) = run(&["scan", "--known-keys", s(&path), s(&dump("clean.core"))]);
        assert_eq!(code, 2, "{name}");
        assert!(err.contains(name) && err.contains(why), "{name}: {err}");
    }
    // a folder holding a JWKS, an OpenSSH public key and a private key
    let folder = tmp.path().join("known");
    std::fs::create_dir(&folder).unwrap();
    std::fs::copy(known.join("idp-jwks.json"), folder.join("idp-jwks.json")).unwrap();
    std::fs::copy(
        fixtures().join("keys/openssh-ed25519.pub"),
        folder.join("ops.pub"),
    )
    .unwrap();
    std::fs::copy(
        fixtures().join("keys/ec-p256-sec1.pem"),
        folder.join("private.pem"),
    )
    .unwrap();
    // (the RSA-3072 key is in other dumps, not this one)
    std::fs::copy(known.join("rsa3072-public.pem"), folder.join("rsa3072.pem")).unwrap();
    let (code, report) = scan_json(&["--known-keys", s(&folder), s(&dump("pem-ascii.core"))]);
    assert_eq!(code, 1);
    let status = &report.summary.known_keys;
    assert!(status.len() >= 3, "{status:?}");
    let found: Vec<&str> = status
        .iter()
        .filter(|k| k.found)
        .map(|k| k.label.as_str())
        .collect();
    assert!(found.contains(&"kid idp-signing-2026"), "{status:?}");
    assert!(
        status.iter().any(|k| k.label.contains("private key")),
        "{status:?}"
    );
    assert!(
        status.iter().any(|k| !k.found),
        "not every known key is in this dump: {status:?}"
    );
    assert!(status.iter().all(|k| k.found == (k.occurrences > 0)));
}

/// Pages as a large dump holds them, in a seeded order: zero pages, random
/// pages (compressed or encrypted buffers), pointer-rich heap pages and
/// text; written to `path` a page at a time with `plant` written over them
/// at its offset. (Big inputs go straight to files: a test process holding
/// them would lend its resident set to every keysweep it starts, since a
/// forked child's peak counts its parent's pages.)
fn write_dump_like_pages(path: &std::path::Path, mib: usize, seed: u64, plant: (usize, &[u8])) {
    use std::io::Write;
    const PAGE: usize = 4096;
    let mut next = xorshift(seed);
    let text = b"GET /api/v1/items?id=42 HTTP/1.1\r\nHost: example.internal\r\nAccept: */*\r\n";
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut page = Vec::with_capacity(PAGE);
    for i in 0..(mib << 20) / PAGE {
        page.clear();
        match next() % 20 {
            0..5 => page.resize(PAGE, 0),
            5..10 => (0..PAGE / 8).for_each(|_| page.extend_from_slice(&next().to_le_bytes())),
            10..17 => (0..PAGE / 8).for_each(|_| {
                let r = next();
                let slot = match r % 4 {
                    0 => 0,
                    1 => 1,
                    2 => 0x7f00_0000_1000 + (r >> 40) * 16,
                    _ => (r >> 56) & 0xff,
                };
                page.extend_from_slice(&u64::to_le_bytes(slot));
            }),
            _ => page.extend(text.iter().cycle().take(PAGE)),
        }
        // the planted bytes over this page, where they reach it
        let (at, bytes) = plant;
        let (from, to) = (i * PAGE, (i + 1) * PAGE);
        if at < to && at + bytes.len() > from {
            let a = at.max(from);
            let b = (at + bytes.len()).min(to);
            page[a - from..b - from].copy_from_slice(&bytes[a - at..b - at]);
        }
        out.write_all(&page).unwrap();
    }
    out.flush().unwrap();
}

/// The layout-free RSA search on a 64 MiB raw image of dump-like pages
/// (more candidate positions than any budget holds) with a live OpenSSL
/// process's memory (its gcore core, scanned as raw bytes: no addresses, no
/// BIGNUM records to follow) placed at its start, middle or end: both keys
/// are rebuilt in every place, with their private exponents located, and
/// the input's coverage is full. (Before the search kept anchors by hash, a
/// first-come budget held only the first places and missed keys further on.)
#[test]
fn live_keys_are_recovered_wherever_they_sit_in_a_large_image() {
    let expect: Vec<String> = live_expectations("live-keys")
        .into_iter()
        .filter(|e| e[0] == "rsa")
        .map(|e| e[2].clone())
        .collect();
    let core = std::fs::read(dump("live-keys.core")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (place, at) in [
        ("start", 1usize << 20),
        ("middle", 32 << 20),
        ("end", 61 << 20),
    ] {
        let path = dir.path().join(format!("{place}.bin"));
        write_dump_like_pages(&path, 64, 0x5eed, (at, &core));
        let (code, report) = scan_json(&["-j", "2", "--detectors", "bignum", s(&path)]);
        assert_eq!(code, 1, "{place}");
        let input = &report.inputs[0];
        assert_eq!(
            input.coverage.status, "full",
            "{place}: {:?}",
            input.warnings
        );
        for fp in &expect {
            let f = report
                .findings
                .iter()
                .find(|f| f.fingerprint.as_deref() == Some(fp.as_str()))
                .unwrap_or_else(|| panic!("{place}: key {fp} not rebuilt"));
            let n = f.components.iter().find(|c| c.name == "n").unwrap();
            assert!(n.offset >= at as u64 && n.offset < (at + core.len()) as u64);
            assert!(
                f.components.iter().any(|c| c.name == "d"),
                "{place}: d not located"
            );
        }
    }
}

/// `--pid`: a running process (here `sleep`, holding a PEM key and a token
/// in its environment, which the kernel keeps on its stack) is read through
/// /proc without being stopped: both are found in region `stack` at their
/// addresses, with the process's pid and name; the process is still
/// running afterwards. A pid that does not exist is an input error.
#[test]
fn running_processes_are_scanned_by_pid() {
    let pem = std::fs::read_to_string(fixtures().join("keys/rsa2048-pkcs1.pem")).unwrap();
    let mut child = Command::new("sleep")
        .arg("60")
        .env("SIGNING_KEY", &pem)
        .env("DEPLOY_TOKEN", "ghp_UssFMEHP3M4V5hbWitsITvNsUHbDwxRV0Lic")
        .spawn()
        .unwrap();
    let pid = child.id();
    // (the environment is in place once the program runs)
    std::thread::sleep(std::time::Duration::from_millis(200));
    let (code, report) = scan_json(&["--pid", &pid.to_string()]);
    let still_running = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    let _ = child.wait();
    assert!(still_running, "the process was only read");
    let input = &report.inputs[0];
    if input
        .error
        .as_deref()
        .is_some_and(|e| e.contains("Permission denied"))
    {
        // (a sibling process needs ptrace_scope 0 or CAP_SYS_PTRACE: not here)
        eprintln!(
            "reading another process is not permitted here: {:?}",
            input.error
        );
        return;
    }
    assert_eq!(code, 1);
    assert_eq!(input.path, format!("pid:{pid}"));
    assert_eq!(input.container.as_deref(), Some("process"));
    let process = input.process.as_ref().unwrap();
    assert_eq!(
        (process.pid, process.name.as_deref()),
        (Some(pid), Some("sleep"))
    );
    let fp = keysweep::detect::pem::fingerprint_of(pem.as_bytes()).unwrap();
    for f in [
        report
            .findings
            .iter()
            .find(|f| f.fingerprint.as_deref() == Some(fp.as_str())),
        report.findings.iter().find(|f| f.rule_id == "github-token"),
    ] {
        let f = f.unwrap_or_else(|| panic!("{:#?}", report.findings));
        assert_eq!(f.region.kind, "stack");
        assert!(f.address.is_some());
    }
    let (code, report) = scan_json(&["--pid", "999999999"]);
    assert_eq!(code, 2);
    assert!(
        report.inputs[0]
            .error
            .as_deref()
            .unwrap()
            .contains("no process")
    );
}

/// A JVM running `fixtures/src/JavaHolder.java` (compiled into `dir`),
/// once it holds its key; `None` without a JDK.
fn java_holder(dir: &std::path::Path) -> Option<std::process::Child> {
    let compiled = Command::new("javac")
        .arg("-d")
        .arg(dir)
        .arg(fixtures().join("src/JavaHolder.java"))
        .output();
    if !compiled.as_ref().is_ok_and(|o| o.status.success()) {
        eprintln!("no JDK (javac): skipped");
        return None;
    }
    let ready = dir.join("ready");
    let jvm = Command::new("java")
        .args(["-Xmx64m", "-cp", s(dir), "JavaHolder"])
        .arg(fixtures().join("keys/live/rsa2048.pem"))
        .arg(&ready)
        .arg(JAVA_TOKEN)
        .spawn()
        .unwrap();
    for _ in 0..300 {
        if ready.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(ready.exists(), "the JVM did not start");
    Some(jvm)
}

/// The token JavaHolder keeps in a String and in a char[].
const JAVA_TOKEN: &str = "ghp_UssFMEHP3M4V5hbWitsITvNsUHbDwxRV0Lic";

/// openssl's fingerprint of the key JavaHolder holds.
fn java_holder_fingerprint() -> String {
    live_expectations("live-keys")
        .into_iter()
        .find(|e| e[1] == "keys/live/rsa2048.pem")
        .map(|e| e[2].clone())
        .unwrap()
}

/// A running JVM (`fixtures/src/JavaHolder.java`, compiled at test time;
/// skipped without a JDK) holding an RSA key as `BigInteger`s: read with
/// `--pid`, the key is rebuilt from the `int[]` magnitudes in Java's word
/// order (encoding `bignum-java`) with openssl's fingerprint.
#[test]
fn java_bigintegers_are_read_in_a_running_jvm() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(mut jvm) = java_holder(tmp.path()) else {
        return;
    };
    let (code, report) = scan_json(&["--detectors", "bignum", "--pid", &jvm.id().to_string()]);
    let _ = jvm.kill();
    let _ = jvm.wait();
    if let Some(e) = report.inputs[0].error.as_deref() {
        assert!(e.contains("Permission denied"), "{e}");
        eprintln!("reading another process is not permitted here: {e}");
        return;
    }
    assert_eq!(code, 1);
    let fp = java_holder_fingerprint();
    let f = report
        .findings
        .iter()
        .find(|f| f.fingerprint.as_deref() == Some(fp.as_str()))
        .unwrap_or_else(|| panic!("{:#?}", report.findings));
    assert_eq!(f.encoding, "bignum-java");
    assert_eq!(f.region.kind, "heap");
}

/// A heap dump of the same JVM written by `jcmd GC.heap_dump` (HPROF):
/// the key's encoded `byte[]` is found in a region that names the class
/// holding it, and the key is rebuilt from its `BigInteger` magnitudes
/// (`int[]`, big-endian in HPROF) too; the token is found in the String's
/// `byte[]` (ASCII) and in the `char[]` (UTF-16BE, as HPROF writes chars);
/// cut short or with a damaged record, the dump is partial and still scanned.
#[test]
fn java_heap_dumps_name_the_class_holding_a_key() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(mut jvm) = java_holder(tmp.path()) else {
        return;
    };
    let hprof = tmp.path().join("heap.hprof");
    let dumped = Command::new("jcmd")
        .arg(jvm.id().to_string())
        .arg("GC.heap_dump")
        .arg(&hprof)
        .output();
    let _ = jvm.kill();
    let _ = jvm.wait();
    if !dumped.as_ref().is_ok_and(|o| o.status.success()) || !hprof.exists() {
        eprintln!("jcmd could not dump the heap here: skipped");
        return;
    }
    let fp = java_holder_fingerprint();
    let (code, report) = scan_json(&[s(&hprof)]);
    assert_eq!(code, 1);
    let input = &report.inputs[0];
    assert_eq!(input.container.as_deref(), Some("hprof"));
    assert_eq!(input.coverage.status, "full", "{:?}", input.coverage);
    let ours: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.fingerprint.as_deref() == Some(fp.as_str()))
        .collect();
    assert!(
        ours.iter().any(|f| f.rule_id == "der-pkcs1-rsa-private-key"
            && f.region.name.as_deref()
                == Some("byte[] held by sun.security.rsa.RSAPrivateCrtKeyImpl")
            && f.address.is_some()),
        "{ours:#?}"
    );
    assert!(
        ours.iter().any(|f| f.rule_id == "rsa-private-key-bignum"
            && f.region.name.as_deref() == Some("int[] held by java.math.BigInteger")),
        "{ours:#?}"
    );
    let tokens: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.rule_id == "github-token")
        .collect();
    for (encoding, region) in [
        ("ascii", "byte[] held by java.lang.String"),
        ("utf16be", "char[]"),
    ] {
        let f = tokens
            .iter()
            .find(|f| f.encoding == encoding && f.region.name.as_deref() == Some(region))
            .unwrap_or_else(|| panic!("{encoding} in {region}: {tokens:#?}"));
        assert!(f.address.is_some());
    }
    // damaged copies: cut in half; a heap record tag overwritten
    let bytes = std::fs::read(&hprof).unwrap();
    let cut = write(tmp.path(), "cut.hprof", &bytes[..bytes.len() / 2]);
    let (_, report) = scan_json(&[s(&cut)]);
    assert_eq!(report.inputs[0].coverage.status, "partial");
    assert!(
        report.inputs[0].coverage.reasons[0].contains("truncated"),
        "{:?}",
        report.inputs[0].coverage
    );
    let mut damaged = bytes.clone();
    // (records: a tag, a time, a big-endian length; the first heap segment's
    // first sub-record tag becomes one no HPROF has)
    let mut at = 31;
    while damaged[at] != 0x1c {
        at += 9 + u32::from_be_bytes(damaged[at + 5..at + 9].try_into().unwrap()) as usize;
    }
    damaged[at + 9] = 0x77;
    let path = write(tmp.path(), "damaged.hprof", &damaged);
    let (_, report) = scan_json(&[s(&path)]);
    assert_eq!(report.inputs[0].coverage.status, "partial");
}
