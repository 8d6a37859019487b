//! Command-line types (clap derive only; no behaviour lives here).

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Find private keys and token-signing material in crash dumps and memory images.
#[derive(Debug, Parser)]
#[command(name = "keysweep", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and directories (recursively) for private keys.
    ///
    /// Exit status: 0 nothing found, 1 findings, 2 usage error or an input that
    /// could not be scanned completely (and no findings).
    Scan(ScanArgs),
    /// Inspect and check detection rules.
    #[command(subcommand)]
    Rules(RulesCommand),
}

#[derive(Debug, Subcommand)]
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
pub struct ScanArgs {
    /// Files and directories to scan. Directories are walked recursively in
    /// sorted order.
    pub paths: Vec<PathBuf>,

    /// Also scan the paths listed in FILE, one a line (`-` reads standard input).
    #[arg(long, value_name = "FILE")]
    pub files_from: Option<PathBuf>,

    /// Report format: text, json, jsonl or sarif [default: text on a
    /// terminal, json otherwise].
    #[arg(long, value_enum)]
    pub format: Option<Format>,

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
    pub min_severity: Option<crate::finding::Severity>,

    /// Run only these detector families (comma-separated) [default: all].
    /// pem: PEM text; der: binary DER; blob: binary structures found by magic
    /// (OpenSSH, CryptoAPI, CNG, Java keystores, OpenPGP); jwk; ppk.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub detectors: Vec<crate::detect::Family>,

    /// Leave out findings in regions of this kind (repeatable): for example
    /// `--exclude-region module` ignores test keys compiled into libraries and
    /// executables. Kinds: stack, heap, module, mapped-file, anonymous,
    /// metadata, unknown. Left-out findings are counted in the summary.
    #[arg(long, value_name = "KIND")]
    pub exclude_region: Vec<crate::container::RegionKind>,
}
