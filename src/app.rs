//! Orchestration: discover inputs, scan them in parallel, and feed the report
//! sink in input order while later files are still being scanned.

use crate::cli::Format;
use crate::container;
use crate::engine::Engine;
use crate::exit::ExitStatus;
use crate::input::{self, FileSource};
use crate::model::ContainerKind;
use crate::model::Finding;
use crate::model::{InputRecord, Summary};
use crate::report::{ReportSink, json::JsonSink, jsonl::JsonlSink, text::TextSink};
use anyhow::Context;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Instant;

/// A validated scan request: the flags resolved before anything runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Paths to scan, as given on the command line.
    pub paths: Vec<PathBuf>,
    /// A file (or `-`) listing more paths, one a line.
    pub files_from: Option<PathBuf>,
    /// Report format, resolved from the flag and whether stdout is a terminal.
    pub format: Format,
    /// Report file; standard output when absent.
    pub output: Option<PathBuf>,
    /// Worker threads; one per core when absent.
    pub threads: Option<usize>,
    /// Put secrets in the report (redacted previews otherwise).
    pub show_secrets: bool,
    /// Follow symbolic links met while walking directories.
    pub follow_symlinks: bool,
    /// Colour the text report.
    pub color: bool,
    /// Show a progress line on standard error.
    pub progress: bool,
    /// Detector families to run (empty: all).
    pub detectors: Vec<crate::detect::Family>,
    /// Look for AES schedules at every byte offset.
    pub aes_unaligned: bool,
    /// Pattern rules from `--rules` files, run with the built-in ones.
    pub user_rules: Vec<crate::detect::pattern::PatternRule>,
    /// Rule ids whose findings are not reported.
    pub disabled_rules: Vec<String>,
    /// Exit 1 only for findings at or above this severity.
    pub fail_on: crate::model::Severity,
    /// Path filters for discovered and named files.
    pub path_filter: crate::input::PathFilter,
    /// Files larger than this are skipped (and listed).
    pub max_file_size: Option<u64>,
    /// Findings listed at most for one rule in one file (`None`: all).
    pub max_findings_per_rule: Option<usize>,
    /// Public keys whose private halves are being looked for.
    pub known_keys: crate::known::KnownKeys,
    /// Findings to suppress, from an earlier report.
    pub baseline: Option<crate::baseline::Baseline>,
    /// Findings below this severity are left out of the report (and counted).
    pub min_severity: Option<crate::model::Severity>,
    /// Findings in these region kinds are left out of the report (and counted).
    pub exclude_regions: Vec<crate::model::RegionKind>,
}

impl Config {
    /// Whether a finding is reported under the policy flags.
    pub fn reports(&self, f: &Finding) -> bool {
        self.min_severity.is_none_or(|min| f.severity >= min)
            && !self.exclude_regions.contains(&f.region.kind)
            && !self.disabled_rules.contains(&f.rule_id)
    }

    /// Resolve the CLI flags: the default format depends on where the report goes.
    pub fn from_args(args: crate::cli::ScanArgs) -> anyhow::Result<Config> {
        let to_terminal = args.output.is_none() && io::stdout().is_terminal();
        let format = args.format.unwrap_or(if to_terminal {
            Format::Text
        } else {
            Format::Json
        });
        let mut user_rules = Vec::new();
        for path in &args.rules {
            for (_, rules) in crate::rules::load_path(path)? {
                for r in &rules {
                    if !r.is_pattern() {
                        anyhow::bail!(
                            "{}: rule {}: --rules files hold pattern rules (with `pattern` and `keywords`)",
                            path.display(),
                            r.id
                        );
                    }
                    user_rules.push(
                        r.compile().map_err(|e| {
                            anyhow::anyhow!("{}: rule {}: {e}", path.display(), r.id)
                        })?,
                    );
                }
            }
        }
        let mut known: Vec<String> = crate::rules::builtin()?.into_iter().map(|r| r.id).collect();
        for r in &user_rules {
            if known.iter().any(|k| k == r.id) {
                anyhow::bail!("rule {}: the id is already used (ids must be unique)", r.id);
            }
            known.push(r.id.to_string());
        }
        if let Some(unknown) = args.disable_rule.iter().find(|id| !known.contains(id)) {
            anyhow::bail!("--disable-rule {unknown}: no such rule (see `keysweep rules list`)");
        }
        let baseline = match &args.baseline {
            Some(path) => Some(crate::baseline::Baseline::load(path, args.baseline_match)?),
            None => None,
        };
        let color = match args.color {
            crate::cli::ColorChoice::Always => true,
            crate::cli::ColorChoice::Never => false,
            crate::cli::ColorChoice::Auto => {
                to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        Ok(Config {
            color,
            progress: !args.quiet && io::stderr().is_terminal(),
            paths: args.paths,
            files_from: args.files_from,
            format,
            output: args.output,
            threads: args.threads,
            show_secrets: args.show_secrets,
            follow_symlinks: args.follow_symlinks,
            detectors: args.detectors,
            aes_unaligned: args.aes_unaligned,
            user_rules,
            disabled_rules: args.disable_rule,
            fail_on: args.fail_on.unwrap_or(crate::model::Severity::Low),
            path_filter: crate::input::PathFilter::new(&args.include, &args.exclude)?,
            max_file_size: args.max_file_size,
            max_findings_per_rule: (args.max_findings_per_rule > 0)
                .then_some(args.max_findings_per_rule),
            baseline,
            known_keys: crate::known::KnownKeys::load(&args.known_keys)?,
            min_severity: args.min_severity,
            exclude_regions: args.exclude_region,
        })
    }
}

/// Scan one file: everything the report needs about it.
pub fn scan_file(engine: &Engine, path: &Path, show_secrets: bool) -> (InputRecord, Vec<Finding>) {
    scan_file_counted(
        engine,
        path,
        show_secrets,
        &crate::progress::Progress::default(),
    )
}

/// [`scan_file`], counting the bytes scanned into `progress` as it goes.
pub fn scan_file_counted(
    engine: &Engine,
    path: &Path,
    show_secrets: bool,
    progress: &crate::progress::Progress,
) -> (InputRecord, Vec<Finding>) {
    let display = path.display().to_string();
    // Defence in depth: a bug that panics on some input costs that input, never the scan.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        scan_file_inner(engine, path, &display, show_secrets, progress)
    }));
    match result {
        Ok(r) => r,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let error = format!("internal error while scanning (please report this): {what}");
            (
                InputRecord::not_scanned(display, Some(error), None),
                Vec::new(),
            )
        }
    }
}

fn scan_file_inner(
    engine: &Engine,
    path: &Path,
    display: &str,
    show_secrets: bool,
    progress: &crate::progress::Progress,
) -> (InputRecord, Vec<Finding>) {
    let (source, size) = match input::open(path) {
        Ok(s) => s,
        Err(e) => {
            return (
                InputRecord::not_scanned(display.to_string(), Some(e.to_string()), None),
                Vec::new(),
            );
        }
    };
    let mut record = InputRecord::not_scanned(display.to_string(), None, None);
    record.size = size;
    let findings = match source {
        FileSource::Empty => {
            record.container = Some(ContainerKind::Raw);
            Vec::new()
        }
        FileSource::Mapped(bytes) => {
            // a file truncated under us reads as zeros instead of killing the scan
            let guard = crate::input::sigbus::Guard::new(bytes.as_ptr(), bytes.len());
            let map = container::map_container(&bytes);
            let (located, stats) = engine.scan_mapped_with(&bytes, &map, &|range| {
                progress.add(range.len() as u64);
                crate::input::release(&bytes, range)
            });
            record.container = Some(map.container);
            record.regions = map.memory_region_count();
            record.bytes_scanned = stats.bytes;
            record.process = map.process.clone();
            record.warnings = map.warnings.clone();
            record.warnings.extend(stats.warnings);
            if guard.shrank() {
                record.error = Some(
                    "the file shrank while it was being scanned; the bytes past its new end were read as zeros"
                        .to_string(),
                );
            }
            located
                .into_iter()
                .map(|l| {
                    crate::engine::attribute::finding(
                        display,
                        l.file_offset,
                        l.detection,
                        &map,
                        show_secrets,
                    )
                })
                .collect()
        }
        FileSource::Stream(mut file) => {
            record.container = Some(ContainerKind::Raw);
            record
                .warnings
                .push("file cannot be memory-mapped; scanned as a stream of raw bytes (RSA keys held as numbers are only looked for in mapped files)".to_string());
            let map = container::MemoryMap::raw(u64::MAX, ContainerKind::Raw, Vec::new());
            match engine.scan_reader(&mut file) {
                Ok((located, stats)) => {
                    progress.add(stats.bytes);
                    record.bytes_scanned = stats.bytes;
                    record.size = record.size.max(stats.bytes);
                    located
                        .into_iter()
                        .map(|l| {
                            crate::engine::attribute::finding(
                                display,
                                l.file_offset,
                                l.detection,
                                &map,
                                show_secrets,
                            )
                        })
                        .collect()
                }
                Err(e) => {
                    record.error = Some(format!("read error: {e}"));
                    Vec::new()
                }
            }
        }
    };
    record.findings = findings.len();
    (record, findings)
}

/// Run a scan as configured, writing the report; returns the exit status.
pub fn run(config: &Config) -> anyhow::Result<ExitStatus> {
    let started = Instant::now();
    let mut roots = config.paths.clone();
    if let Some(list) = &config.files_from {
        let listed = input::read_path_list(list)
            .with_context(|| format!("reading path list {}", list.display()))?;
        roots.extend(listed);
    }
    if roots.is_empty() {
        anyhow::bail!("no paths to scan (give paths or --files-from)");
    }
    let stdin_uses = roots
        .iter()
        .filter(|r| r.as_os_str() == input::STDIN_PATH)
        .count()
        + usize::from(config.files_from.as_deref() == Some(Path::new("-")));
    if stdin_uses > 1 {
        anyhow::bail!(
            "standard input can be read only once: name `-` once, as a path or as --files-from (a file named `-` is `./-`)"
        );
    }
    let discovered = input::discover(
        &roots,
        config.follow_symlinks,
        &config.path_filter,
        config.max_file_size,
    );
    let engine = Engine::for_families_with_rules(
        &config.detectors,
        config.aes_unaligned,
        &config.user_rules,
    )?
    .with_known_keys(config.known_keys.targets())
    .with_max_findings_per_rule(config.max_findings_per_rule);

    let out: Box<dyn Write + Send> = match &config.output {
        Some(p) => Box::new(io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?,
        )),
        None => Box::new(io::BufWriter::new(io::stdout())),
    };
    let mut sink: Box<dyn ReportSink> = match config.format {
        Format::Json => Box::new(JsonSink::new(out)),
        Format::Jsonl => Box::new(JsonlSink::new(out)),
        Format::Text => Box::new(TextSink::new(out, config.color)),
        Format::Sarif => Box::new(crate::report::sarif::SarifSink::new(
            out,
            crate::rules::builtin()?,
        )),
    };

    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = config.threads {
        pool = pool.num_threads(n.max(1));
    }
    let pool = pool.build()?;

    let mut summary = Summary::default();
    let mut status = ExitStatus::Clean;
    let mut account = |summary: &mut Summary, record: &InputRecord, findings: &[Finding]| {
        summary.add(record, findings);
        if findings.iter().any(|f| f.severity >= config.fail_on) {
            status = status.merge(ExitStatus::Findings);
        }
        if record.error.is_some() {
            status = status.merge(ExitStatus::Error);
        }
    };

    let progress = std::sync::Arc::new(crate::progress::Progress::default());
    let reporter = config.progress.then(|| {
        let total = discovered
            .files
            .iter()
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .sum();
        crate::progress::Reporter::start(progress.clone(), total)
    });
    let (tx, rx) = mpsc::channel::<(usize, InputRecord, Vec<Finding>)>();
    let write_result: io::Result<()> = std::thread::scope(|scope| {
        let files = &discovered.files;
        let engine = &engine;
        let show = config.show_secrets;
        let progress = &progress;
        scope.spawn(move || {
            pool.install(|| {
                files
                    .par_iter()
                    .enumerate()
                    .for_each_with(tx, |tx, (i, path)| {
                        let (record, findings) = scan_file_counted(engine, path, show, progress);
                        let _ = tx.send((i, record, findings));
                    });
            });
        });
        // Write in input order: hold early finishers until their turn comes.
        let mut pending = BTreeMap::new();
        let mut next = 0usize;
        for (i, mut record, mut findings) in rx {
            findings.iter_mut().for_each(|f| config.known_keys.mark(f));
            let (kept, left_out): (Vec<Finding>, Vec<Finding>) =
                findings.into_iter().partition(|f| config.reports(f));
            summary.findings_filtered += left_out.len();
            let (kept, known): (Vec<Finding>, Vec<Finding>) = kept
                .into_iter()
                .partition(|f| config.baseline.as_ref().is_none_or(|b| !b.contains(f)));
            summary.findings_baselined += known.len();
            record.findings = kept.len();
            pending.insert(i, (record, kept));
            while let Some((record, findings)) = pending.remove(&next) {
                account(&mut summary, &record, &findings);
                if let Some(r) = &reporter {
                    r.clear_line();
                }
                sink.file(&record, &findings)?;
                next += 1;
            }
        }
        Ok(())
    });
    drop(reporter);
    handle_write(write_result)?;

    for s in &discovered.skipped {
        let path = s.path.display().to_string();
        let record = if s.is_error {
            InputRecord::not_scanned(path, Some(s.reason.clone()), None)
        } else {
            InputRecord::not_scanned(path, None, Some(s.reason.clone()))
        };
        account(&mut summary, &record, &[]);
        handle_write(sink.file(&record, &[]))?;
    }
    summary.elapsed_seconds = started.elapsed().as_secs_f64();
    handle_write(sink.finish(&summary))?;
    Ok(status)
}

/// A closed pipe (`keysweep ... | head`) ends the report quietly; other write errors are errors.
fn handle_write(r: io::Result<()>) -> anyhow::Result<()> {
    match r {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing the report"),
    }
}

/// `keysweep rules list`: the built-in rules as an aligned table.
pub fn rules_list(out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let rules = crate::rules::builtin()?;
    let width = rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
    for r in &rules {
        writeln!(
            out,
            "{:<width$}  {:<8}  {:<22}  {}",
            r.id,
            r.severity.as_str(),
            r.kind,
            r.name
        )?;
    }
    Ok(ExitStatus::Clean)
}

/// `keysweep rules anchors`: the prefilter's literals as regular expressions
/// (`(?-u:\xNN)` for bytes outside printable ASCII), so a literal-search tool
/// can be timed doing exactly the first pass keysweep does.
pub fn rules_anchors(out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let engine = crate::engine::Engine::for_families(&[], false)?;
    for literal in engine.searched_literals() {
        let mut line = String::from("(?-u:");
        for b in literal {
            if b.is_ascii_alphanumeric() || b == b' ' || b == b'_' || b == b'-' {
                line.push(char::from(b));
            } else {
                line.push_str(&format!("\\x{b:02x}"));
            }
        }
        line.push(')');
        writeln!(out, "{line}")?;
    }
    Ok(ExitStatus::Clean)
}

/// `keysweep rules check PATH`: every problem on its own line, naming file and rule.
pub fn rules_check(path: &Path, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let files = match crate::rules::load_path(path) {
        Ok(f) => f,
        Err(e) => {
            writeln!(out, "error: {e}")?;
            return Ok(ExitStatus::Error);
        }
    };
    // the checked files' own pattern rules run next to the built-in ones
    // (files that are the built-in rules are not added twice)
    let builtin: Vec<String> = crate::rules::builtin()?.into_iter().map(|r| r.id).collect();
    // (a rule that does not compile is left out here and reported below)
    let user: Vec<crate::detect::pattern::PatternRule> = files
        .iter()
        .flat_map(|(_, rules)| rules.iter())
        .filter(|r| r.is_pattern() && !builtin.contains(&r.id))
        .filter_map(|r| r.compile().ok())
        .collect();
    let engine = Engine::for_families_with_rules(&[], false, &user)?;
    let mut problems = 0;
    let mut warnings = 0;
    let mut count = 0;
    for (file, rules) in &files {
        count += rules.len();
        for e in crate::rules::check(file, rules, &engine) {
            writeln!(out, "error: {e}")?;
            problems += 1;
        }
        for w in crate::rules::check_warnings(file, rules) {
            writeln!(out, "warning: {w}")?;
            warnings += 1;
        }
    }
    writeln!(
        out,
        "{count} rule(s) in {} file(s): {problems} problem(s), {warnings} warning(s)",
        files.len()
    )?;
    Ok(if problems == 0 {
        ExitStatus::Clean
    } else {
        ExitStatus::Error
    })
}

/// `keysweep baseline -o FILE PATHS...`: scan and write the JSON report that
/// later `scan --baseline FILE` runs compare against. Exits 0 whatever was
/// found, 2 when an input could not be scanned.
pub fn baseline(args: crate::cli::ScanArgs) -> anyhow::Result<ExitStatus> {
    if args.output.is_none() {
        anyhow::bail!("keysweep baseline needs -o FILE, where the baseline is written");
    }
    let mut config = Config::from_args(args)?;
    config.format = Format::Json;
    config.fail_on = crate::model::Severity::Critical;
    Ok(match run(&config)? {
        ExitStatus::Error => ExitStatus::Error,
        _ => ExitStatus::Clean,
    })
}
