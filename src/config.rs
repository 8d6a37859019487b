//! The command line's flags resolved into one validated [`Config`] before
//! anything runs: rule files compiled into a rule set, known keys and the
//! baseline read, the engine described. A flag that cannot work fails here,
//! naming the flag or the file, never half-way through a scan.

use crate::baseline::Baseline;
use crate::cli::{ColorChoice, Format, ScanArgs};
use crate::detect::Family;
use crate::engine::{AesAlignment, EngineConfig};
use crate::input::PathFilter;
use crate::known_keys::KnownKeys;
use crate::layers::Limits;
use crate::model::{Finding, RegionKind, Severity};
use crate::rules::RuleSet;
use std::io::{self, IsTerminal};
use std::path::PathBuf;
use std::sync::Arc;

/// A validated scan request.
#[derive(Debug, Clone)]
pub struct Config {
    /// Paths to scan, as given on the command line.
    pub paths: Vec<PathBuf>,
    /// A file (or `-`) listing more paths, one a line.
    pub files_from: Option<PathBuf>,
    /// The list is NUL-separated.
    pub files_from_null: bool,
    /// Only this part of the inputs is scanned.
    pub shard: Option<crate::input::shard::Shard>,
    /// Exit 0 whenever the scan ran (`--exit-zero`).
    pub exit_zero: bool,
    /// Running processes to scan (`--pid`).
    pub pids: Vec<u32>,
    /// Path filters for discovered and named files.
    pub path_filter: PathFilter,
    /// Files larger than this are skipped (and listed).
    pub max_file_size: Option<u64>,
    /// Follow symbolic links met while walking directories.
    pub follow_symlinks: bool,
    /// Worker threads; one per core when absent.
    pub threads: Option<usize>,
    /// What the engine runs: families, rules, known keys, limits.
    pub engine: EngineConfig,
    /// Put secrets in the report (redacted previews otherwise).
    pub show_secrets: bool,
    /// Public keys whose private halves are being looked for: findings of
    /// them are marked with the key's name.
    pub known_keys: KnownKeys,
    /// Which findings are reported at all.
    pub policy: Policy,
    /// Findings to suppress, from an earlier report.
    pub baseline: Option<Baseline>,
    /// Exit 1 only for findings at or above this severity.
    pub fail_on: Severity,
    /// Exit 2 when an input's coverage is not `full` (and nothing was found).
    pub fail_on_unscannable: bool,
    /// What peeling an input's wrappers may cost.
    pub limits: Limits,
    /// Report format, resolved from the flag and whether stdout is a terminal.
    pub format: Format,
    /// Report file; standard output when absent.
    pub output: Option<PathBuf>,
    /// Colour the text report.
    pub color: bool,
    /// Show a progress line on standard error.
    pub progress: bool,
    /// Nothing on standard error but usage errors: no progress line, no
    /// input errors, no closing summary line.
    pub quiet: bool,
}

/// The report format a file name's extension names (`.json`, `.jsonl`,
/// `.sarif`, `.txt`), if any.
fn format_of_extension(path: &std::path::Path) -> Option<Format> {
    match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
        "json" => Some(Format::Json),
        "jsonl" | "ndjson" => Some(Format::Jsonl),
        "sarif" => Some(Format::Sarif),
        "txt" | "text" => Some(Format::Text),
        _ => None,
    }
}

/// The flags that leave findings out of the report (they are counted in
/// the summary's `findings_filtered`).
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Findings below this severity are left out.
    pub min_severity: Option<Severity>,
    /// Findings in these region kinds are left out.
    pub exclude_regions: Vec<RegionKind>,
    /// Rule ids whose findings are left out.
    pub disabled_rules: Vec<String>,
}

impl Policy {
    /// Whether a finding is reported under the policy flags.
    pub fn reports(&self, f: &Finding) -> bool {
        self.min_severity.is_none_or(|min| f.severity >= min)
            && !self.exclude_regions.contains(&f.region.kind)
            && !self.disabled_rules.contains(&f.rule_id)
    }
}

/// Most worker threads a scan starts: more than a few per core only costs
/// memory and start-up time (`-j 100000` would otherwise spawn them all).
pub fn max_threads() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    (4 * cores).max(64)
}

/// `-j N`, clamped to [`max_threads`] with a warning on standard error.
fn clamp_threads(n: usize) -> usize {
    let max = max_threads();
    if n > max {
        eprintln!(
            "keysweep: warning: -j {n} is more than {max} (4 a core, at least 64); using {max}"
        );
        max
    } else {
        n.max(1)
    }
}

impl Config {
    /// Resolve the CLI flags: the default format depends on where the report goes.
    pub fn from_args(args: ScanArgs) -> anyhow::Result<Config> {
        let to_terminal = args.output.is_none() && io::stdout().is_terminal();
        // text whatever stdout is, unless asked for, or named by -o's extension
        let format = args
            .format
            .or_else(|| args.output.as_deref().and_then(format_of_extension))
            .unwrap_or(Format::Text);
        let rules = RuleSet::with_user_files(&args.rules)?;
        if let Some(unknown) = args.disable_rule.iter().find(|id| !rules.contains(id)) {
            anyhow::bail!("--disable-rule {unknown}: no such rule (see `keysweep rules list`)");
        }
        let known_keys = KnownKeys::load(&args.known_keys)?;
        let baseline = match &args.baseline {
            Some(path) => {
                let baseline = Baseline::load(path, args.baseline_match)?;
                for w in baseline.warnings.iter().filter(|_| !args.quiet) {
                    eprintln!("keysweep: warning: {w}");
                }
                Some(baseline)
            }
            None => None,
        };
        let color = match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        let engine = EngineConfig {
            families: if args.detectors.is_empty() {
                Family::ALL.to_vec()
            } else {
                args.detectors
            },
            aes_alignment: if args.aes_unaligned {
                AesAlignment::EveryByte
            } else {
                AesAlignment::Aligned
            },
            known_keys: known_keys.targets().to_vec(),
            max_findings_per_rule: (args.max_findings_per_rule > 0)
                .then_some(args.max_findings_per_rule),
            ..EngineConfig::new(Arc::new(rules))
        };
        Ok(Config {
            paths: args.paths,
            files_from: args.files_from,
            files_from_null: args.null,
            shard: args.shard,
            exit_zero: args.exit_zero,
            pids: args.pid,
            path_filter: PathFilter::new(&args.include, &args.exclude)?,
            max_file_size: args.max_file_size,
            follow_symlinks: args.follow_symlinks,
            threads: args.threads.map(clamp_threads),
            engine,
            show_secrets: args.show_secrets,
            known_keys,
            policy: Policy {
                min_severity: args.min_severity,
                exclude_regions: args.exclude_region,
                disabled_rules: args.disable_rule,
            },
            baseline,
            fail_on: args.fail_on.unwrap_or(Severity::Low),
            fail_on_unscannable: args.fail_on_unscannable,
            limits: Limits {
                max_decoded: args.max_decoded_size,
                max_ratio: args.max_expansion.max(1),
                max_depth: args.max_depth,
            },
            format,
            output: args.output,
            color,
            progress: !args.quiet && io::stderr().is_terminal(),
            quiet: args.quiet,
        })
    }
}
