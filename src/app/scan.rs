//! One input, scanned: opened (mapped, or spooled when it is a stream),
//! peeled of its wrappers ([`crate::layers`]), each leaf read as its
//! container and scanned, each finding attributed. Every leaf is one record
//! of the report, with its layers and its coverage verdict.

use crate::container;
use crate::engine::{Engine, attribute};
use crate::input::{self, FileSource, Found, OpenAs};
use crate::layers::{self, Bytes, Leaf, Limits};
use crate::model::{ContainerKind, Coverage, CoverageStatus, Finding, InputRecord, ProcessInfo};
use crate::progress::Progress;

/// How each input is scanned.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScanOptions {
    /// Keep each secret in its finding (only when the report prints it).
    pub show_secrets: bool,
    /// What peeling wrappers may cost.
    pub limits: Limits,
    /// Follow symbolic links found while walking directories.
    pub follow_symlinks: bool,
}

/// One record of the report and its findings.
pub type Outcome = (InputRecord, Vec<Finding>);

/// Scan one input: a record for every leaf beneath its wrappers (one for a
/// plain file), counting the bytes scanned into `progress` as it goes.
pub fn scan_file(
    engine: &Engine,
    input: &Found,
    options: &ScanOptions,
    progress: &Progress,
) -> Vec<Outcome> {
    let display = input.path.display().to_string();
    // Defence in depth: a bug that panics on some input costs that input, never the scan.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        scan_file_inner(engine, input, &display, options, progress)
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
            vec![(
                InputRecord::not_scanned(display, Some(error), None),
                Vec::new(),
            )]
        }
    }
}

fn scan_file_inner(
    engine: &Engine,
    found: &Found,
    display: &str,
    options: &ScanOptions,
    progress: &Progress,
) -> Vec<Outcome> {
    let path = found.path.as_path();
    let how = OpenAs {
        // a path named on the command line is opened as whatever it is
        follow_symlinks: options.follow_symlinks || found.walked.is_none(),
        walked: found.walked,
    };
    let (source, _) = match input::open(path, how) {
        Ok(s) => s,
        Err(e) => {
            return vec![(
                InputRecord::not_scanned(display.to_string(), Some(e.to_string()), None),
                Vec::new(),
            )];
        }
    };
    let process_hint = input::coredump_process(path);
    let mut out = Vec::new();
    let mut scan = |leaf: Leaf| {
        out.push(scan_leaf(
            engine,
            leaf,
            process_hint.as_ref(),
            options.show_secrets,
            progress,
        ))
    };
    match source {
        FileSource::Mapped(map) => {
            // a file truncated under us reads as zeros instead of killing the scan
            // SAFETY: `map` is a read-only file mapping; moved into `bytes`
            // (the mapping itself does not move), it stays mapped until
            // `bytes` drops, after the guard (declared after it).
            let guard = unsafe { input::sigbus::Guard::new(map.as_ptr(), map.len()) };
            let bytes = Bytes::whole(map);
            layers::peel(
                display,
                bytes.clone(),
                &options.limits,
                Coverage::default(),
                &mut scan,
            );
            if guard.shrank() {
                for (record, _) in &mut out {
                    let why = "the file shrank while it was being scanned; the bytes past its new end were read as zeros";
                    record.error = Some(why.to_string());
                    record.coverage.lower(CoverageStatus::Partial, why);
                }
            }
            drop(guard);
            drop(bytes);
        }
        FileSource::Stream(mut file) => match layers::spool_stream(&mut file, &options.limits) {
            Ok((bytes, coverage)) => {
                layers::peel(display, bytes, &options.limits, coverage, &mut scan)
            }
            Err(e) => out.push(scan_stream(
                engine, display, &mut file, &e, options, progress,
            )),
        },
    }
    out
}

/// Scan the memory of running process `pid`, copied first to a private
/// temporary file with its regions (see [`container::process`]).
pub fn scan_process(
    engine: &Engine,
    pid: u32,
    options: &ScanOptions,
    progress: &Progress,
) -> Outcome {
    let name = format!("pid:{pid}");
    match container::process::snapshot(pid, options.limits.max_decoded) {
        Err(e) => (InputRecord::not_scanned(name, Some(e), None), Vec::new()),
        Ok(snapshot) => {
            let leaf = Leaf {
                name,
                layers: Vec::new(),
                bytes: crate::layers::Bytes::whole(snapshot.bytes),
                coverage: Coverage::default(),
                warnings: Vec::new(),
            };
            let mut outcome = scan_with_map(
                engine,
                leaf,
                snapshot.map,
                None,
                options.show_secrets,
                progress,
            );
            if snapshot.skipped > 0 {
                outcome.0.coverage.lower(
                    CoverageStatus::Partial,
                    format!(
                        "{} bytes of the process could not be read while it ran",
                        snapshot.skipped
                    ),
                );
            }
            outcome
        }
    }
}

/// Scan one leaf: read its container, scan it, attribute its findings.
fn scan_leaf(
    engine: &Engine,
    leaf: Leaf,
    process_hint: Option<&ProcessInfo>,
    show_secrets: bool,
    progress: &Progress,
) -> Outcome {
    // a container walked whole (a Java heap dump's records) drops the pages
    // it is done with; the scan reads them again chunk by chunk
    let map = container::map_container_releasing(leaf.bytes.as_slice(), &|r| leaf.bytes.release(r));
    leaf.bytes.release(0..leaf.bytes.len());
    scan_with_map(engine, leaf, map, process_hint, show_secrets, progress)
}

/// Scan one leaf whose memory map is known.
fn scan_with_map(
    engine: &Engine,
    leaf: Leaf,
    map: container::MemoryMap,
    process_hint: Option<&ProcessInfo>,
    show_secrets: bool,
    progress: &Progress,
) -> Outcome {
    let bytes = leaf.bytes.as_slice();
    let mut record = InputRecord::not_scanned(leaf.name, None, None);
    record.layers = leaf.layers;
    record.coverage = leaf.coverage;
    record.warnings = leaf.warnings;
    record.size = bytes.len() as u64;
    if bytes.is_empty() && record.coverage.status == CoverageStatus::None {
        // nothing beneath the wrappers could be decoded: the reasons say why
        return (record, Vec::new());
    }
    let (located, stats) = engine.scan_mapped_with(bytes, &map, &|range| {
        progress.add(range.len() as u64);
        leaf.bytes.release(range)
    });
    record.container = Some(map.container);
    record.layers.push(map.container.name().to_string());
    record.regions = map.memory_region_count();
    record.bytes_scanned = stats.bytes;
    record.process = fill_process(map.process.clone(), process_hint);
    record.dump = map.dump.clone();
    record.warnings.extend(map.warnings.iter().cloned());
    record.warnings.extend(stats.warnings);
    for why in map.incomplete.iter().chain(&stats.incomplete) {
        record.coverage.lower(CoverageStatus::Partial, why.clone());
    }
    for why in &map.unreadable {
        record.coverage.lower(CoverageStatus::None, why.clone());
    }
    record.warnings = bounded(std::mem::take(&mut record.warnings));
    record.coverage.reasons = bounded(std::mem::take(&mut record.coverage.reasons));
    let findings: Vec<Finding> = located
        .into_iter()
        .map(|l| {
            attribute::finding(
                &record.path,
                l.file_offset,
                l.detection,
                &map,
                Some(bytes),
                show_secrets,
            )
        })
        .collect();
    record.findings = findings.len();
    (record, findings)
}

/// Most warnings (or coverage reasons) one input lists; the rest are counted.
const MAX_WARNINGS: usize = 100;
/// Longest warning kept, in characters.
const MAX_WARNING_CHARS: usize = 1000;

/// Warnings as a report lists them: each once, each at most
/// [`MAX_WARNING_CHARS`], at most [`MAX_WARNINGS`] and a count of the rest,
/// so a crafted input cannot make the report grow without bound.
fn bounded(warnings: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    let mut more = 0usize;
    for w in warnings {
        let w = match w.char_indices().nth(MAX_WARNING_CHARS) {
            Some((cut, _)) => format!("{}…", &w[..cut]),
            None => w,
        };
        if !seen.insert(w.clone()) {
            continue;
        }
        if out.len() < MAX_WARNINGS {
            out.push(w);
        } else {
            more += 1;
        }
    }
    if more > 0 {
        out.push(format!("{more} more warnings not listed"));
    }
    out
}

/// What the dump says of its process, completed by what the file's
/// extended attributes say (systemd-coredump's `user.coredump.*`).
fn fill_process(from_dump: Option<ProcessInfo>, hint: Option<&ProcessInfo>) -> Option<ProcessInfo> {
    let Some(hint) = hint else { return from_dump };
    let dump = from_dump.unwrap_or(ProcessInfo {
        pid: None,
        name: None,
    });
    ProcessInfo::new(
        dump.pid.or(hint.pid),
        dump.name.or_else(|| hint.name.clone()),
    )
}

/// The last resort for a stream that could not be spooled: its raw bytes
/// scanned in bounded chunks, without a container, and said to be partial.
fn scan_stream(
    engine: &Engine,
    display: &str,
    file: &mut std::fs::File,
    spool_error: &std::io::Error,
    options: &ScanOptions,
    progress: &Progress,
) -> Outcome {
    let mut record = InputRecord::not_scanned(display.to_string(), None, None);
    record.container = Some(ContainerKind::Raw);
    record.layers = vec![ContainerKind::Raw.name().to_string()];
    record.coverage = Coverage::default();
    record.coverage.lower(
        CoverageStatus::Partial,
        format!("the stream could not be spooled to a temporary file ({spool_error}); its raw bytes were scanned as they came, without a container, and RSA keys held as numbers were not looked for"),
    );
    let map = container::MemoryMap::raw(u64::MAX, ContainerKind::Raw, Vec::new());
    match engine.scan_reader(file) {
        Ok((located, stats)) => {
            progress.add(stats.bytes);
            record.bytes_scanned = stats.bytes;
            record.size = stats.bytes;
            record.warnings.extend(stats.warnings);
            let findings: Vec<Finding> = located
                .into_iter()
                .map(|l| {
                    attribute::finding(
                        display,
                        l.file_offset,
                        l.detection,
                        &map,
                        None,
                        options.show_secrets,
                    )
                })
                .collect();
            record.findings = findings.len();
            (record, findings)
        }
        Err(e) => {
            record.error = Some(format!("read error: {e}"));
            (record, Vec::new())
        }
    }
}
