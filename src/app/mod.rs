//! Orchestration: discover inputs, scan them in parallel, and pass each
//! outcome through the report pipeline ([`pipeline`]) in input order while
//! later files are still being scanned.

pub mod commands;
pub mod pipeline;

use crate::cli::Format;
use crate::config::Config;
use crate::container;
use crate::engine::{Engine, attribute};
use crate::exit::ExitStatus;
use crate::input::{self, Discovered, FileSource};
use crate::model::{ContainerKind, Finding, InputRecord, Summary};
use crate::progress::{self, Progress};
use crate::report::{
    ReportSink, json::JsonSink, jsonl::JsonlSink, sarif::SarifSink, text::TextSink,
};
use anyhow::Context;
use pipeline::{
    ClearProgress, InputOrder, MarkKnownKeys, Report, Tally, baseline_filter, policy_filter,
};
use rayon::prelude::*;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};
use std::time::Instant;

/// Run a scan as configured, writing the report; returns the exit status.
pub fn run(config: &Config) -> anyhow::Result<ExitStatus> {
    let started = Instant::now();
    let discovered = discover(config)?;
    let engine = Engine::new(&config.engine)?;
    let reporter = open_report(config)?;
    let pool = thread_pool(config.threads)?;
    let progress = Arc::new(Progress::default());
    let line = config
        .progress
        .then(|| progress::Reporter::start(progress.clone(), total_size(&discovered)));

    let mut chain = InputOrder::new(MarkKnownKeys {
        known: &config.known_keys,
        inner: policy_filter(
            &config.policy,
            baseline_filter(
                config.baseline.as_ref(),
                Tally::new(ClearProgress::new(line, Report(reporter))),
            ),
        ),
    });
    let scanned = scan_in_parallel(
        &pool,
        &engine,
        &discovered.files,
        config.show_secrets,
        &progress,
        |i, record, findings| chain.put(i, record, findings),
    );
    handle_write(scanned)?;
    for (k, s) in discovered.skipped.iter().enumerate() {
        let path = s.path.display().to_string();
        let record = if s.is_error {
            InputRecord::not_scanned(path, Some(s.reason.clone()), None)
        } else {
            InputRecord::not_scanned(path, None, Some(s.reason.clone()))
        };
        handle_write(chain.put(discovered.files.len() + k, record, Vec::new()))?;
    }
    let mut summary = Summary {
        elapsed_seconds: started.elapsed().as_secs_f64(),
        ..Summary::default()
    };
    handle_write(chain.finish(&mut summary))?;
    Ok(ExitStatus::of(&summary, config.fail_on))
}

/// The inputs: the paths given and listed, walked and filtered.
fn discover(config: &Config) -> anyhow::Result<Discovered> {
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
    Ok(input::discover(
        &roots,
        config.follow_symlinks,
        &config.path_filter,
        config.max_file_size,
    ))
}

/// Bytes the discovered files hold, for the progress line.
fn total_size(discovered: &Discovered) -> u64 {
    discovered
        .files
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}

/// The reporter of the configured format, writing to the configured place.
fn open_report(config: &Config) -> anyhow::Result<Box<dyn ReportSink>> {
    let out: Box<dyn Write + Send> = match &config.output {
        Some(p) => Box::new(io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?,
        )),
        None => Box::new(io::BufWriter::new(io::stdout())),
    };
    Ok(match config.format {
        Format::Json => Box::new(JsonSink::new(out)),
        Format::Jsonl => Box::new(JsonlSink::new(out)),
        Format::Text => Box::new(TextSink::new(out, config.color)),
        Format::Sarif => Box::new(SarifSink::new(
            out,
            config.engine.rules.builtin_rules().to_vec(),
        )),
    })
}

/// The worker pool: `threads` workers, or one a core.
fn thread_pool(threads: Option<usize>) -> anyhow::Result<rayon::ThreadPool> {
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        pool = pool.num_threads(n.max(1));
    }
    Ok(pool.build()?)
}

/// Scan `files` on `pool`, handing each outcome, with its index in `files`,
/// to `done` on this thread as soon as it is ready (in any order). Stops at
/// the first error `done` returns.
fn scan_in_parallel(
    pool: &rayon::ThreadPool,
    engine: &Engine,
    files: &[PathBuf],
    show_secrets: bool,
    progress: &Progress,
    mut done: impl FnMut(usize, InputRecord, Vec<Finding>) -> io::Result<()>,
) -> io::Result<()> {
    let (tx, rx) = mpsc::channel::<(usize, InputRecord, Vec<Finding>)>();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            pool.install(|| {
                files
                    .par_iter()
                    .enumerate()
                    .for_each_with(tx, |tx, (i, path)| {
                        let (record, findings) =
                            scan_file_counted(engine, path, show_secrets, progress);
                        let _ = tx.send((i, record, findings));
                    });
            });
        });
        for (i, record, findings) in rx {
            done(i, record, findings)?;
        }
        Ok(())
    })
}

/// Scan one file: everything the report needs about it.
pub fn scan_file(engine: &Engine, path: &Path, show_secrets: bool) -> (InputRecord, Vec<Finding>) {
    scan_file_counted(engine, path, show_secrets, &Progress::default())
}

/// [`scan_file`], counting the bytes scanned into `progress` as it goes.
pub fn scan_file_counted(
    engine: &Engine,
    path: &Path,
    show_secrets: bool,
    progress: &Progress,
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
    progress: &Progress,
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
                    attribute::finding(display, l.file_offset, l.detection, &map, show_secrets)
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
                            attribute::finding(
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

/// A closed pipe (`keysweep ... | head`) ends the report quietly; other write errors are errors.
fn handle_write(r: io::Result<()>) -> anyhow::Result<()> {
    match r {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing the report"),
    }
}
