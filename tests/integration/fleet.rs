//! Scanning a fleet's dumps: `s3://` inputs against a local S3 server the
//! test starts (`moto_server`, from PyPI), `--shard`, `--files-from` with
//! NUL separators, the JSON-lines ledger and `--exit-zero`.

use crate::common::*;
use crate::contract::Report;
use std::net::TcpListener;
use std::time::{Duration, Instant};

/// A `moto_server` on a free loopback port, stopped when dropped.
struct LocalS3 {
    child: std::process::Child,
    endpoint: String,
}

impl Drop for LocalS3 {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl LocalS3 {
    /// Start one; `None` (the test is skipped) where moto is not installed,
    /// except under CI, which installs it.
    fn start() -> Option<LocalS3> {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let Ok(child) = child else {
            assert!(
                std::env::var_os("CI").is_none(),
                "moto_server is needed under CI (pip install 'moto[server]')"
            );
            eprintln!("no moto_server: skipped");
            return None;
        };
        let server = LocalS3 {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "moto_server did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(server)
    }

    /// Create `bucket` and upload `files` as (key, local path), with boto3
    /// (which moto depends on).
    fn upload(&self, bucket: &str, files: &[(String, PathBuf)]) {
        let pairs: Vec<String> = files
            .iter()
            .map(|(k, p)| format!("({k:?}, {:?})", p.display().to_string()))
            .collect();
        let script = format!(
            "import boto3\n\
             s3 = boto3.client('s3', endpoint_url={:?}, aws_access_key_id='test',\n\
             \x20   aws_secret_access_key='test', region_name='us-east-1')\n\
             s3.create_bucket(Bucket={bucket:?})\n\
             for key, path in [{}]:\n\
             \x20   s3.upload_file(path, {bucket:?}, key)\n",
            self.endpoint,
            pairs.join(", ")
        );
        let out = Command::new("python3")
            .args(["-c", &script])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Run keysweep with this server as the AWS endpoint.
    fn keysweep(&self, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(BIN)
            .args(args)
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    }
}

/// One finding without where its file lived: (file name, rule, offset,
/// fingerprint, address).
type Placed = (String, String, u64, Option<String>, Option<String>);

/// What a report found, without where the files lived.
fn found_by_name(report: &Report) -> BTreeSet<Placed> {
    report
        .findings
        .iter()
        .map(|f| {
            let name = f.path.rsplit('/').next().unwrap().to_string();
            (
                name,
                f.rule_id.clone(),
                f.offset,
                f.fingerprint.clone(),
                f.address.clone(),
            )
        })
        .collect()
}

/// Dumps for a fleet: some fixtures, and a 40 MiB image with a key at its
/// end (several ranged GETs, none of them holding the whole object).
fn fleet(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = [
        "live-keys.core",
        "live-keys.dmp",
        "clean.core",
        "pem-ascii.core",
    ]
    .iter()
    .map(|n| dump(n))
    .collect();
    // (written as it is made: a forked keysweep's peak counts this process's pages)
    let pem = std::fs::read(fixtures().join("keys/rsa2048-pkcs1.pem")).unwrap();
    let big = dir.join("big.img");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&big).unwrap());
    let mut next = xorshift(7);
    for _ in 0..(8 << 20) / 8 {
        out.write_all(&next().to_le_bytes()).unwrap();
    }
    let zeros = vec![0u8; 1 << 20];
    let mut left = (32 << 20) - pem.len() - 100;
    while left > 0 {
        let n = left.min(zeros.len());
        out.write_all(&zeros[..n]).unwrap();
        left -= n;
    }
    out.write_all(&pem).unwrap();
    out.write_all(&[0u8; 100]).unwrap();
    out.flush().unwrap();
    files.push(big);
    files
}

/// `s3://BUCKET/PREFIX` lists every object under the prefix; each is read
/// with ranged GETs and scanned like the same file on disk: the same
/// findings (rules, offsets, fingerprints, addresses), paths `s3://...`.
/// One object by its URL works too; a URL with nothing there is an input
/// error (exit 2), and with `--exit-zero` a task that ran exits 0.
#[test]
fn s3_objects_are_scanned_like_local_files() {
    let Some(s3) = LocalS3::start() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let files = fleet(tmp.path());
    let keyed: Vec<(String, PathBuf)> = files
        .iter()
        .map(|p| {
            (
                format!("crash/2026/{}", p.file_name().unwrap().to_str().unwrap()),
                p.clone(),
            )
        })
        .collect();
    s3.upload("dumps", &keyed);

    let local: Vec<&str> = files.iter().map(|p| s(p)).collect();
    let (local_code, local_report) = scan_json(&local);
    let (code, out, err) = s3.keysweep(&["scan", "--format", "json", "s3://dumps/crash/2026/"]);
    let remote: Report = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    assert_eq!(code, local_code);
    assert_eq!(remote.inputs.len(), files.len());
    for input in &remote.inputs {
        assert!(
            input.path.starts_with("s3://dumps/crash/2026/"),
            "{}",
            input.path
        );
        assert!(input.error.is_none(), "{input:?}");
    }
    assert_eq!(found_by_name(&remote), found_by_name(&local_report));
    let big = remote
        .findings
        .iter()
        .find(|f| f.path.ends_with("big.img"))
        .expect("the key at the end of the 40 MiB object");
    let pem_len = std::fs::metadata(fixtures().join("keys/rsa2048-pkcs1.pem"))
        .unwrap()
        .len();
    assert_eq!(big.offset, (40 << 20) - 100 - pem_len);

    // one object by its URL
    let (code, out, _) =
        s3.keysweep(&["scan", "--format", "json", "s3://dumps/crash/2026/big.img"]);
    let one: Report = serde_json::from_str(&out).unwrap();
    assert_eq!((code, one.inputs.len(), one.findings.len()), (1, 1, 1));

    // nothing there: an input error, exit 2; --exit-zero: exit 0, still recorded
    for (flags, expect) in [(vec![], 2), (vec!["--exit-zero"], 0)] {
        let mut args = vec!["scan", "--format", "json", "s3://dumps/nothing/here"];
        args.extend(flags);
        let (code, out, _) = s3.keysweep(&args);
        let report: Report = serde_json::from_str(&out).unwrap();
        assert_eq!(code, expect);
        assert!(
            report.inputs[0]
                .error
                .as_deref()
                .unwrap()
                .contains("no object")
        );
    }
}

/// `--shard K/N` splits the inputs by path alone: the parts are disjoint,
/// their union is every input, a shuffled list gives the same parts, and
/// `--files-from -0` reads NUL-separated lists (a path with a newline in
/// its name included). Each part's JSON lines hold exactly one `input`
/// record per input it owns, failed ones too, and findings keep their ids
/// from run to run.
#[test]
fn shards_split_inputs_disjointly_and_ledgers_are_exact() {
    let tmp = tempfile::tempdir().unwrap();
    let odd = tmp.path().join("odd\nname.core");
    std::fs::copy(dump("pem-ascii.core"), &odd).unwrap();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(fixtures().join("dumps"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "core" || e == "dmp"))
        .collect();
    paths.sort();
    paths.push(odd.clone());
    paths.push(tmp.path().join("missing.dmp"));
    let list = |order: &[PathBuf], name: &str| -> PathBuf {
        let mut bytes = Vec::new();
        for p in order {
            bytes.extend_from_slice(p.as_os_str().as_encoded_bytes());
            bytes.push(0);
        }
        write(tmp.path(), name, &bytes)
    };
    let sorted = list(&paths, "sorted.list");
    let mut shuffled_paths = paths.clone();
    shuffled_paths.reverse();
    shuffled_paths.rotate_left(5);
    let shuffled = list(&shuffled_paths, "shuffled.list");

    let ledger = |listing: &Path, shard: &str| -> (i32, Vec<Value>) {
        let (code, out, _) = run(&[
            "scan",
            "--format",
            "jsonl",
            "--exit-zero",
            "-0",
            "--files-from",
            s(listing),
            "--shard",
            shard,
        ]);
        (
            code,
            out.lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect(),
        )
    };
    let inputs_of = |lines: &[Value]| -> Vec<String> {
        lines
            .iter()
            .filter(|l| l["type"] == "input")
            .map(|l| l["path"].as_str().unwrap().to_string())
            .collect()
    };
    let ids_of = |lines: &[Value]| -> BTreeSet<String> {
        lines
            .iter()
            .filter(|l| l["type"] == "finding")
            .map(|l| l["id"].as_str().unwrap().to_string())
            .collect()
    };
    let n = 3;
    let mut union: Vec<String> = Vec::new();
    let mut all_ids = BTreeSet::new();
    for k in 1..=n {
        let shard = format!("{k}/{n}");
        let (code, a) = ledger(&sorted, &shard);
        let (_, b) = ledger(&shuffled, &shard);
        assert_eq!(code, 0, "--exit-zero");
        let (mut pa, mut pb) = (inputs_of(&a), inputs_of(&b));
        pa.sort();
        pb.sort();
        assert_eq!(pa, pb, "shard {shard} depends on the list's order");
        assert_eq!(ids_of(&a), ids_of(&b), "finding ids are stable");
        assert!(!pa.is_empty(), "shard {shard} is empty");
        all_ids.extend(ids_of(&a));
        union.extend(pa);
    }
    let mut expected: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    expected.sort();
    union.sort();
    assert_eq!(union, expected, "each input in exactly one part");

    // the whole list in one run: the same ids; the missing file has its record
    let (code, whole) = ledger(&sorted, "1/1");
    assert_eq!(code, 0);
    assert_eq!(ids_of(&whole), all_ids);
    let missing = whole
        .iter()
        .find(|l| l["type"] == "input" && l["path"].as_str().unwrap().ends_with("missing.dmp"))
        .unwrap();
    assert!(missing["error"].is_string());
    assert!(
        whole
            .iter()
            .any(|l| l["type"] == "finding" && l["path"] == s(&odd)),
        "the NUL-separated name with a newline was read"
    );
    // a bad shard is a usage error, and so is --exit-zero with a flag that fails runs
    let (code, _, err) = run(&["scan", "--shard", "4/3", s(&dump("clean.core"))]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run(&[
        "scan",
        "--exit-zero",
        "--fail-on-unscannable",
        s(&dump("clean.core")),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot be used with"), "{err}");
}
