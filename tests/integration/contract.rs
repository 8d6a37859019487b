//! The JSON contract, mirrored: every report is deserialized into these types with unknown fields rejected, and the contract document is checked against real output.

use crate::common::*;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct Report {
    pub tool: ToolM,
    pub findings: Vec<FindingM>,
    pub inputs: Vec<InputM>,
    pub summary: SummaryM,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct ToolM {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct FindingM {
    pub id: String,
    pub rule_id: String,
    pub kind: String,
    pub severity: String,
    pub path: String,
    pub offset: u64,
    pub length: u64,
    pub encoding: String,
    pub container: String,
    pub address: Option<String>,
    pub region: RegionM,
    pub key: Option<KeyM>,
    pub fingerprint: Option<String>,
    pub known_key: Option<String>,
    #[serde(default)]
    pub test_key: bool,
    #[serde(default)]
    pub components: Vec<ComponentM>,
    pub token: Option<TokenM>,
    pub preview: String,
    pub secret: Option<String>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct ComponentM {
    pub name: String,
    pub offset: u64,
    pub length: u64,
    pub encoding: String,
    pub address: Option<String>,
    pub region: String,
    pub region_name: Option<String>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct RegionM {
    pub kind: String,
    pub name: Option<String>,
    pub perms: Option<String>,
    pub start: Option<String>,
    pub file_offset: u64,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct KeyM {
    pub algorithm: String,
    pub bits: Option<u32>,
    pub curve: Option<String>,
    pub validated: bool,
    #[serde(default)]
    pub encrypted: bool,
    #[serde(default)]
    pub truncated: bool,
    pub note: Option<String>,
    pub kid: Option<String>,
    pub jwk_thumbprint: Option<String>,
    pub schedule: Option<String>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct InputM {
    pub path: String,
    pub container: Option<String>,
    pub size: u64,
    pub regions: usize,
    pub bytes_scanned: u64,
    pub findings: usize,
    pub process: Option<ProcessM>,
    pub dump: Option<DumpM>,
    #[serde(default)]
    pub warnings: Vec<String>,
    pub error: Option<String>,
    pub skipped: Option<String>,
    #[serde(default)]
    pub layers: Vec<String>,
    pub coverage: CoverageM,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct CoverageM {
    pub status: String,
    #[serde(default)]
    pub reasons: Vec<String>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct ProcessM {
    pub pid: Option<u32>,
    pub name: Option<String>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct DumpM {
    pub kind: String,
    pub bug_check: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct SummaryM {
    pub files: usize,
    pub files_with_errors: usize,
    pub files_skipped: usize,
    pub bytes_scanned: u64,
    pub findings: usize,
    pub findings_filtered: usize,
    pub findings_baselined: usize,
    pub by_severity: BTreeMap<String, usize>,
    pub coverage: BTreeMap<String, usize>,
    #[serde(default)]
    pub secrets: Vec<SecretM>,
    #[serde(default)]
    pub known_keys: Vec<KnownKeyM>,
    pub elapsed_seconds: f64,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct TokenM {
    pub alg: String,
    pub kid: Option<String>,
    pub iss: Option<String>,
    pub exp: Option<i64>,
    #[serde(default)]
    pub expired: bool,
}

/// Every field a real report carries is documented in the contract, and every
/// documented rule id is one the tool can emit.
#[test]
fn json_contract_document_covers_real_output() {
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/json-contract.md"),
    )
    .unwrap();
    let (_, out, _) = run(&[
        "scan",
        "--format",
        "json",
        "--show-secrets",
        s(&dump("pem-ascii.core")),
        s(&dump("live-keys.core")),
        s(&dump("tokens.dmp")),
        "/nonexistent",
    ]);
    let v: Value = serde_json::from_str(&out).unwrap();
    let mut keys = std::collections::BTreeSet::new();
    fn collect(v: &Value, keys: &mut std::collections::BTreeSet<String>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    keys.insert(k.clone());
                    collect(v, keys);
                }
            }
            Value::Array(a) => a.iter().for_each(|v| collect(v, keys)),
            _ => {}
        }
    }
    collect(&v, &mut keys);
    for k in keys {
        assert!(
            doc.contains(&format!("`{k}`")),
            "field `{k}` is not documented in docs/json-contract.md"
        );
    }
    for f in v["findings"].as_array().unwrap() {
        let id = f["rule_id"].as_str().unwrap();
        assert!(
            doc.contains(&format!("| `{id}` |")),
            "rule id {id} undocumented"
        );
    }
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct SecretM {
    pub fingerprint: String,
    pub kind: String,
    pub algorithm: Option<String>,
    pub bits: Option<u32>,
    pub curve: Option<String>,
    pub severity: String,
    pub occurrences: usize,
    pub files: Vec<String>,
    pub first: PlaceM,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct PlaceM {
    pub path: String,
    pub offset: u64,
    pub address: Option<String>,
    pub region: String,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct KnownKeyM {
    pub label: String,
    pub fingerprint: String,
    pub found: bool,
    pub occurrences: usize,
}
