//! Command-line types (clap derive only; no behaviour lives here).

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Find private keys and token-signing material in crash dumps and memory images.
#[derive(Debug, Parser)]
#[command(name = "keysweep", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    /// What to do.
    pub command: Command,
}

#[derive(Debug, Subcommand)]
/// The subcommands.
pub enum Command {
    /// Scan files and directories (recursively) for private keys.
    ///
    /// Exit status: 0 nothing found, 1 findings, 2 usage error or an input that
    /// could not be scanned completely (and no findings).
    Scan(ScanArgs),
    /// Inspect and check detection rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Scan like `scan` and write the JSON report as a baseline for later
    /// `scan --baseline FILE` runs. Exits 0 unless an input could not be scanned.
    Baseline(BaselineArgs),
    /// Write a copy of each dump with every secret found overwritten in place
    /// (same length, structure untouched), then scan the copy again.
    ///
    /// `-o FILE` names the copy of one input, `--out-dir DIR` the folder
    /// for many, `--in-place` replaces the input (atomically). The policy
    /// flags of `scan` choose which findings are removed. Exit status: 0
    /// every copy written and its rescan clean, 1 a rescan still found
    /// something (the copy is removed unless --keep-failed) or an input was
    /// not searched completely (unless --allow-partial), 2 an input could
    /// not be redacted.
    Redact(RedactArgs),
}

#[derive(Debug, clap::Args)]
/// Options of `keysweep redact`.
pub struct RedactArgs {
    /// The scan options (`-o FILE` names the redacted copy of one input).
    #[command(flatten)]
    pub scan: ScanArgs,

    /// Write each redacted copy under DIR, at the input's path relative to
    /// the directory or file named on the command line.
    #[arg(long, value_name = "DIR", conflicts_with = "in_place")]
    pub out_dir: Option<PathBuf>,

    /// Replace each input with its redacted copy (written beside it and
    /// renamed over it, keeping its permissions).
    #[arg(long)]
    pub in_place: bool,

    /// Keep a copy whose rescan still found something (it is removed otherwise).
    #[arg(long)]
    pub keep_failed: bool,

    /// Accept inputs not searched completely (a search limit reached; memory
    /// a dump never held does not count) when their rescan is clean.
    #[arg(long)]
    pub allow_partial: bool,

    /// Write a JSON report of what was removed (fingerprints, kinds, spans) to FILE.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
/// Options of `keysweep baseline`.
pub struct BaselineArgs {
    /// The scan options; `-o FILE` (where the baseline goes) is required.
    #[command(flatten)]
    pub scan: ScanArgs,
}

#[derive(Debug, Subcommand)]
/// The `keysweep rules` subcommands.
pub enum RulesCommand {
    /// List the built-in rules: id, severity, kind and name.
    List,
    /// Check a rule file or a directory of them: ids unique and known, every
    /// example found and no negative example found by the full engine.
    /// Exit status 0 when every rule passes, 2 otherwise.
    Check {
        /// A `.toml` rule file, or a directory of them.
        path: PathBuf,
    },
    /// Print every literal the default scan's prefilter searches (ASCII,
    /// UTF-16LE and binary forms), one regular expression a line with
    /// non-printing bytes escaped: `rg -a -f FILE` does the same first pass.
    Anchors,
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Human-readable, grouped by file.
    Text,
    /// One JSON document (the contract in docs/json-contract.md).
    Json,
    /// JSON Lines: one finding, input or summary object a line, streamed.
    Jsonl,
    /// SARIF 2.1.0, for code-scanning dashboards (GitHub, Azure DevOps, ...).
    Sarif,
}

#[derive(Debug, clap::Args)]
/// Options of `keysweep scan` (and `keysweep baseline`).
pub struct ScanArgs {
    /// Files and directories to scan. Directories are walked recursively in
    /// sorted order; `-` scans standard input (e.g. `zstd -dc core.zst | keysweep scan -`).
    pub paths: Vec<PathBuf>,

    /// Also scan the paths listed in FILE, one a line (`-` reads standard
    /// input; `s3://` URLs may be listed too).
    #[arg(long, value_name = "FILE")]
    pub files_from: Option<PathBuf>,

    /// The --files-from list is separated by NUL bytes, not lines (as
    /// `find -print0` writes it), so any path name can be listed.
    #[arg(short = '0', long = "null", requires = "files_from")]
    pub null: bool,

    /// Scan only part K of N of the inputs (1-based, e.g. `--shard 3/8`):
    /// an input belongs to part 1 + (the first 8 bytes of the SHA-256 of
    /// its path, big-endian) mod N, so the parts are disjoint, their union is
    /// every input, and the order of the list does not matter.
    #[arg(long, value_name = "K/N", value_parser = crate::input::shard::parse)]
    pub shard: Option<crate::input::shard::Shard>,

    /// Exit 0 when the scan itself ran, whatever it found or could not
    /// read (findings, input errors and coverage are in the report): for
    /// engines that treat a non-zero exit as a task to retry. Usage errors
    /// and a report that could not be written still exit 2.
    #[arg(long, conflicts_with_all = ["fail_on", "fail_on_unscannable"])]
    pub exit_zero: bool,

    /// Also scan the memory of running process PID (Linux, read through
    /// /proc without stopping it; repeatable). Needs the same user and
    /// ptrace permission, or root.
    #[arg(long, value_name = "PID")]
    pub pid: Vec<u32>,

    /// Report format: text, json, jsonl or sarif [default: text, or what
    /// the extension of -o names: .json, .jsonl, .sarif].
    #[arg(long, value_enum)]
    pub format: Option<Format>,

    /// Colour the text report: auto (on a terminal, unless NO_COLOR is set),
    /// always, never.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,

    /// No progress line on standard error.
    #[arg(short, long)]
    pub quiet: bool,

    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Worker threads [default: one per core].
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,

    /// Include the full secret in the report. Without it only a redacted
    /// preview is printed.
    #[arg(long)]
    pub show_secrets: bool,

    /// Follow symbolic links met while walking directories (paths named on
    /// the command line are always followed).
    #[arg(long)]
    pub follow_symlinks: bool,

    /// Report only findings of this severity or above (critical, high,
    /// medium, low). Left-out findings are counted in the summary.
    #[arg(long, value_name = "LEVEL")]
    pub min_severity: Option<crate::model::Severity>,

    /// Public keys to look for (repeatable): PEM public keys or certificates,
    /// DER, or a JWK Set as identity providers publish their signing keys. A
    /// private key matching one is marked `known_key` and raised to critical.
    #[arg(long, value_name = "FILE")]
    pub known_keys: Vec<PathBuf>,

    /// Run only these detector families (comma-separated) [default: all].
    /// pem: PEM text; der: binary DER; blob: binary structures found by magic
    /// (OpenSSH, CryptoAPI, CNG, Java keystores, OpenPGP); jwk; ppk;
    /// aes: AES key schedules; bignum: RSA keys rebuilt from limb arrays.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub detectors: Vec<crate::detect::Family>,

    /// Look for AES key schedules at every byte offset, not only at 4-byte
    /// aligned addresses (four times the AES work; finds schedules copied
    /// into unaligned buffers).
    #[arg(long)]
    pub aes_unaligned: bool,

    /// Leave out findings in regions of this kind (repeatable): for example
    /// `--exclude-region module` ignores test keys compiled into libraries and
    /// executables. Kinds: stack, heap, module, mapped-file, anonymous,
    /// metadata, unknown. Left-out findings are counted in the summary.
    #[arg(long, value_name = "KIND")]
    pub exclude_region: Vec<crate::model::RegionKind>,

    /// Also run the pattern rules of this file, or of every `*.toml` file of
    /// this directory (repeatable): keysweep rule files or gitleaks
    /// configurations. A broken rule is a usage error naming file and rule.
    #[arg(long, value_name = "FILE|DIR")]
    pub rules: Vec<PathBuf>,

    /// Do not report findings of this rule id (repeatable; see `keysweep
    /// rules list`). Unknown ids are a usage error.
    #[arg(long, value_name = "ID")]
    pub disable_rule: Vec<String>,

    /// Exit with 1 only for findings of this severity or above (lower ones are
    /// still reported) [default: low, every finding].
    #[arg(long, value_name = "LEVEL")]
    pub fail_on: Option<crate::model::Severity>,

    /// Scan only files whose path matches this glob (repeatable), e.g.
    /// `--include '*.dmp'`. Files found while walking directories are
    /// filtered; paths named explicitly are too.
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,

    /// Skip files whose path matches this glob (repeatable); skipped files are
    /// listed in the report.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Skip files larger than SIZE (bytes, or with a K, M, G or T suffix);
    /// skipped files are listed in the report, never silently dropped.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_file_size: Option<u64>,

    /// List at most N findings of one rule in one file (default 1000; 0 for
    /// no limit). The rest are counted in the file's warnings: a secret
    /// repeated through a dump, or a file stuffed with fakes, cannot make the
    /// report (and keysweep's memory) grow without bound.
    #[arg(long, value_name = "N", default_value_t = crate::engine::DEFAULT_MAX_PER_RULE)]
    pub max_findings_per_rule: usize,

    /// Stop decoding an input's compressed layers and archive members after
    /// SIZE decoded bytes (bytes, or K, M, G, T); what was cut off makes the
    /// input's coverage partial.
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "64G")]
    pub max_decoded_size: u64,

    /// Stop decoding a stream that grows more than N times larger than its
    /// compressed bytes once past its first 256 MiB (a decompression bomb);
    /// the input's coverage is then partial.
    #[arg(long, value_name = "N", default_value_t = crate::layers::DEFAULT_MAX_RATIO)]
    pub max_expansion: u64,

    /// Peel at most N wrappers inside one another (compression, archives,
    /// crash-report formats); deeper ones are scanned as raw bytes and the
    /// input's coverage is partial.
    #[arg(long, value_name = "N", default_value_t = crate::layers::DEFAULT_MAX_DEPTH)]
    pub max_depth: usize,

    /// Exit with 2 (unless findings give 1) when any input's coverage is not
    /// `full`: something in it could not be decoded or searched completely.
    #[arg(long)]
    pub fail_on_unscannable: bool,

    /// Suppress findings already present in this earlier JSON report (same
    /// rule and key; see --baseline-match). Suppressed findings are counted
    /// in the summary.
    #[arg(long, value_name = "REPORT")]
    pub baseline: Option<PathBuf>,

    /// What makes a finding "the same" as a baseline entry: `path` (same rule,
    /// key and file path) or `fingerprint` (same rule and key in any file,
    /// e.g. a new dump of the same service).
    #[arg(long, value_enum, default_value = "path")]
    pub baseline_match: BaselineMatch,
}

/// When to colour the text report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and `NO_COLOR` is not set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// How findings are matched against a baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BaselineMatch {
    /// Same rule, key and file path.
    Path,
    /// Same rule and key, in any file.
    Fingerprint,
}

/// `10`, `64K`, `2M`, `16G`, `1T` (powers of 1024).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (digits, shift) = match t.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&t[..t.len() - 1], 10),
        Some('M') => (&t[..t.len() - 1], 20),
        Some('G') => (&t[..t.len() - 1], 30),
        Some('T') => (&t[..t.len() - 1], 40),
        _ => (t, 0),
    };
    let n: u64 = digits
        .trim()
        .parse()
        .map_err(|_| format!("not a size: {text}"))?;
    n.checked_mul(1u64 << shift)
        .ok_or_else(|| format!("size too large: {text}"))
}
