//! Orchestration: discover inputs, scan them in parallel, and pass each
//! outcome through the report pipeline ([`pipeline`]) in input order while
//! later files are still being scanned.

pub mod commands;
pub mod output;
pub mod pipeline;
pub mod redact;
pub mod scan;

use crate::cli::Format;
use crate::config::Config;
use crate::engine::Engine;
use crate::exit::ExitStatus;
use crate::input::{self, Discovered, Found};
use crate::model::{InputRecord, Summary};
use crate::progress::{self, Progress};
use crate::report::{
    ReportSink, json::JsonSink, jsonl::JsonlSink, sarif::SarifSink, text::TextSink,
};
use anyhow::Context;
use output::ReportFile;
use pipeline::{
    ClearProgress, ErrorLines, InputOrder, MarkKnownKeys, Report, Tally, baseline_filter,
    policy_filter,
};
use rayon::prelude::*;
pub use scan::{Outcome, ScanOptions, scan_file};
use std::io::{self, Write};
use std::path::Path;
use std::sync::{Arc, mpsc};
use std::time::Instant;

/// Run a scan as configured, writing the report; returns the exit status.
pub fn run(config: &Config) -> anyhow::Result<ExitStatus> {
    let started = Instant::now();
    let discovered = discover(config)?;
    let engine = Engine::new(&config.engine)?;
    let (reporter, report_file) = open_report(config, &discovered)?;
    let pool = thread_pool(config.threads)?;
    let progress = Arc::new(Progress::default());
    let line = config
        .progress
        .then(|| progress::Reporter::start(progress.clone(), total_size(&discovered)));

    let mut chain = InputOrder::new(MarkKnownKeys::new(
        &config.known_keys,
        policy_filter(
            &config.policy,
            baseline_filter(
                config.baseline.as_ref(),
                Tally::new(ClearProgress::new(
                    line,
                    ErrorLines {
                        quiet: config.quiet,
                        inner: Report(reporter),
                    },
                )),
            ),
        ),
    ));
    let options = ScanOptions {
        show_secrets: config.show_secrets,
        limits: config.limits,
        follow_symlinks: config.follow_symlinks,
    };
    let scanned = scan_in_parallel(
        &pool,
        &engine,
        &discovered.files,
        &options,
        &progress,
        |i, outcomes| chain.put(i, outcomes),
    );
    handle_write(scanned)?;
    for (k, s) in discovered.skipped.iter().enumerate() {
        let path = s.path.display().to_string();
        let record = if s.is_error {
            InputRecord::not_scanned(path, Some(s.reason.clone()), None)
        } else {
            InputRecord::not_scanned(path, None, Some(s.reason.clone()))
        };
        handle_write(chain.put(discovered.files.len() + k, vec![(record, Vec::new())]))?;
    }
    let first_pid = discovered.files.len() + discovered.skipped.len();
    for (k, &pid) in config.pids.iter().enumerate() {
        let outcome = pool.install(|| scan::scan_process(&engine, pid, &options, &progress));
        handle_write(chain.put(first_pid + k, vec![outcome]))?;
    }
    let mut summary = Summary {
        elapsed_seconds: started.elapsed().as_secs_f64(),
        ..Summary::default()
    };
    handle_write(chain.finish(&mut summary))?;
    drop(chain);
    if let Some(file) = report_file {
        file.commit()?;
        if !config.quiet {
            eprintln!("{}", summary_line(&summary, config.output.as_deref()));
        }
    }
    if config.exit_zero {
        return Ok(ExitStatus::Clean);
    }
    Ok(ExitStatus::of(
        &summary,
        config.fail_on,
        config.fail_on_unscannable,
    ))
}

/// One line that says what a run whose report went to a file found: the
/// first thing a CI log shows.
fn summary_line(s: &Summary, report: Option<&Path>) -> String {
    let b = &s.by_severity;
    format!(
        "keysweep: {} file(s), {} finding(s) ({} critical, {} high, {} medium, {} low), {} with errors, coverage {} full / {} partial / {} none; report in {}",
        s.files,
        s.findings,
        b.critical,
        b.high,
        b.medium,
        b.low,
        s.files_with_errors,
        s.coverage.full,
        s.coverage.partial,
        s.coverage.none,
        report.map_or_else(|| "-".to_string(), |p| p.display().to_string())
    )
}

/// The inputs: the paths given and listed, walked and filtered.
pub(crate) fn discover(config: &Config) -> anyhow::Result<Discovered> {
    let mut roots = config.paths.clone();
    if let Some(list) = &config.files_from {
        let listed = if config.files_from_null {
            input::read_path_list_null(list)
        } else {
            input::read_path_list(list)
        }
        .with_context(|| format!("reading path list {}", list.display()))?;
        roots.extend(listed);
    }
    if roots.is_empty() {
        if !config.pids.is_empty() {
            return Ok(Discovered::default());
        }
        anyhow::bail!("no paths to scan (give paths, --files-from or --pid)");
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
    let mut found = input::discover(
        &roots,
        config.follow_symlinks,
        &config.path_filter,
        config.max_file_size,
    );
    if let Some(shard) = config.shard {
        // (each input, scanned or not, is in exactly one part)
        let mine = |p: &Path| input::shard::contains(shard, &p.display().to_string());
        found.files.retain(|f| mine(&f.path));
        found.skipped.retain(|s| mine(&s.path));
    }
    Ok(found)
}

/// Bytes the discovered files hold, for the progress line.
fn total_size(discovered: &Discovered) -> u64 {
    discovered
        .files
        .iter()
        .filter_map(|f| {
            f.listed_size
                .or_else(|| std::fs::metadata(&f.path).ok().map(|m| m.len()))
        })
        .sum()
}

/// The reporter of the configured format, writing to the configured place.
fn open_report(
    config: &Config,
    inputs: &Discovered,
) -> anyhow::Result<(Box<dyn ReportSink>, Option<ReportFile>)> {
    let (out, file): (Box<dyn Write + Send>, _) = match &config.output {
        Some(p) => {
            let (file, handle) = ReportFile::create(p, config.show_secrets, inputs)?;
            (Box::new(io::BufWriter::new(handle)), Some(file))
        }
        None => (Box::new(io::BufWriter::new(io::stdout())), None),
    };
    let sink: Box<dyn ReportSink> = match config.format {
        Format::Json => Box::new(JsonSink::new(out)),
        Format::Jsonl => Box::new(JsonlSink::new(out)),
        Format::Text => Box::new(TextSink::new(out, config.color)),
        Format::Sarif => Box::new(SarifSink::new(
            out,
            config.engine.rules.builtin_rules().to_vec(),
        )),
    };
    Ok((sink, file))
}

/// The worker pool: `threads` workers, or one a core.
pub(crate) fn thread_pool(threads: Option<usize>) -> anyhow::Result<rayon::ThreadPool> {
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        pool = pool.num_threads(n.max(1));
    }
    Ok(pool.build()?)
}

/// Scan `files` on `pool`, handing each file's outcomes, with its index in
/// `files`, to `done` on this thread as soon as they are ready (in any
/// order). Stops at the first error `done` returns.
fn scan_in_parallel(
    pool: &rayon::ThreadPool,
    engine: &Engine,
    files: &[Found],
    options: &ScanOptions,
    progress: &Progress,
    mut done: impl FnMut(usize, Vec<Outcome>) -> io::Result<()>,
) -> io::Result<()> {
    let (tx, rx) = mpsc::channel::<(usize, Vec<Outcome>)>();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            pool.install(|| {
                files
                    .par_iter()
                    .enumerate()
                    .for_each_with(tx, |tx, (i, found)| {
                        let _ = tx.send((i, scan_file(engine, found, options, progress)));
                    });
            });
        });
        for (i, outcomes) in rx {
            done(i, outcomes)?;
        }
        Ok(())
    })
}

/// A closed pipe (`keysweep ... | head`) ends the report quietly; other write errors are errors.
fn handle_write(r: io::Result<()>) -> anyhow::Result<()> {
    match r {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing the report"),
    }
}
