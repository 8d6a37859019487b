//! `keysweep redact`: a copy of a dump with its secrets overwritten, checked
//! by scanning it again, so the dump can leave production.
//!
//! Per input: scan it with secrets decoded (they never leave the process),
//! plan the spans ([`crate::redact`]), copy the file to a private temporary
//! file beside the target, overwrite the spans there, scan the copy with the
//! same policy, and only then rename it into place. The input is opened
//! read-only and never written, unless `--in-place` asks for the copy to be
//! renamed over it.

use crate::cli::RedactArgs;
use crate::config::Config;
use crate::engine::Engine;
use crate::exit::ExitStatus;
use crate::input::{Discovered, Found};
use crate::model::{CoverageStatus, Finding, InputRecord};
use crate::progress::Progress;
use crate::redact::{self, Removed};
use anyhow::Context;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::scan::{ScanOptions, scan_file};

/// What happened to one input, as the redaction report lists it.
#[derive(Debug, serde::Serialize)]
struct FileReport {
    input: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    output: Option<String>,
    /// Written, and its rescan found nothing under the policy.
    redacted: bool,
    /// The wrappers removed: the copy is the decoded dump.
    #[serde(skip_serializing_if = "Option::is_none")]
    decoded_from: Option<String>,
    /// The input's coverage as `scan` reports it.
    coverage: crate::model::Coverage,
    /// The coverage reasons that mean some bytes of the file were not
    /// searched completely (a search limit), as opposed to memory the dump
    /// never held (a minidump without heap): only these keep a copy from
    /// being called redacted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    search_gaps: Vec<String>,
    secrets: Vec<Removed>,
    spans: usize,
    bytes_overwritten: u64,
    /// Findings the rescan of the copy still reported (rule and offset).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    remaining: Vec<Remaining>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Debug, serde::Serialize)]
struct Remaining {
    rule_id: String,
    offset: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    fingerprint: Option<String>,
}

/// Run `keysweep redact`; returns the exit status.
pub fn redact(args: RedactArgs) -> anyhow::Result<ExitStatus> {
    let RedactArgs {
        mut scan,
        out_dir,
        in_place,
        keep_failed,
        allow_partial,
        report,
    } = args;
    // -o names the copy here, not a report: take it before the scan config sees it
    let output = scan.output.take();
    let config = Config::from_args(scan)?;
    let discovered = super::discover(&config)?;
    let targets = targets(&discovered, &config.paths, output, out_dir, in_place)?;
    let engine = Engine::new(&config.engine)?;
    let pool = super::thread_pool(config.threads)?;
    let mut reports = Vec::new();
    let mut status = ExitStatus::Clean;
    for s in &discovered.skipped {
        reports.push(failed(&s.path, format!("not redacted: {}", s.reason)));
        status = status.merge(ExitStatus::Error);
    }
    for (found, target) in discovered.files.iter().zip(&targets) {
        let r = pool.install(|| redact_one(&engine, &config, found, target, in_place, keep_failed));
        let r = r.unwrap_or_else(|e| failed(&found.path, format!("{e:#}")));
        let file_status = if r.error.is_some() {
            ExitStatus::Error
        } else if !r.redacted || (!r.search_gaps.is_empty() && !allow_partial) {
            ExitStatus::Findings
        } else {
            ExitStatus::Clean
        };
        if !config.quiet {
            eprintln!("{}", line(&r, allow_partial));
        }
        status = status.merge(file_status);
        reports.push(r);
    }
    if let Some(path) = report {
        write_report(&path, &reports)?;
    }
    Ok(status)
}

/// Where each discovered file's copy goes.
fn targets(
    discovered: &Discovered,
    roots: &[PathBuf],
    output: Option<PathBuf>,
    out_dir: Option<PathBuf>,
    in_place: bool,
) -> anyhow::Result<Vec<PathBuf>> {
    let files = &discovered.files;
    if let Some(object) = files
        .iter()
        .find(|f| crate::input::object::is_object_url(&f.path))
    {
        anyhow::bail!(
            "keysweep redact works on local files: copy {} here first (scan reads s3:// URLs)",
            object.path.display()
        );
    }
    let targets: Vec<PathBuf> = match (output, out_dir, in_place) {
        (Some(o), None, false) => {
            if files.len() != 1 {
                anyhow::bail!(
                    "-o names the copy of one input, and {} were given: use --out-dir DIR",
                    files.len()
                );
            }
            vec![o]
        }
        (None, Some(dir), false) => files
            .iter()
            .map(|f| dir.join(relative_to_root(&f.path, roots)))
            .collect(),
        (None, None, true) => files.iter().map(|f| f.path.clone()).collect(),
        (None, None, false) => {
            anyhow::bail!("keysweep redact needs -o FILE, --out-dir DIR or --in-place")
        }
        _ => anyhow::bail!("give one of -o FILE, --out-dir DIR and --in-place"),
    };
    if !in_place {
        for t in &targets {
            super::output::refuse_inputs(t, discovered).context("keysweep redact")?;
        }
    }
    Ok(targets)
}

/// A walked file's path below the directory named on the command line, or
/// a named file's own name.
fn relative_to_root(path: &Path, roots: &[PathBuf]) -> PathBuf {
    roots
        .iter()
        .filter(|r| r.is_dir())
        .find_map(|r| path.strip_prefix(r).ok().map(Path::to_path_buf))
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| {
            path.file_name()
                .map_or_else(|| path.to_path_buf(), PathBuf::from)
        })
}

/// Scan, plan, copy, patch, rescan and move one input's copy into place.
fn redact_one(
    engine: &Engine,
    config: &Config,
    found: &Found,
    target: &Path,
    in_place: bool,
    keep_failed: bool,
) -> anyhow::Result<FileReport> {
    let progress = Progress::default();
    let with_secrets = ScanOptions {
        show_secrets: true,
        limits: config.limits,
        follow_symlinks: config.follow_symlinks,
    };
    let outcomes = scan_file(engine, found, &with_secrets, &progress);
    let [(record, findings)] = <[_; 1]>::try_from(outcomes).map_err(|o| {
        anyhow::anyhow!(
            "an archive of {} members: redact works on one dump at a time (extract it first)",
            o.len()
        )
    })?;
    refuse_unredactable(&record)?;
    let findings: Vec<Finding> = findings
        .into_iter()
        .filter(|f| config.policy.reports(f))
        .collect();
    let input = std::fs::File::open(&found.path)
        .with_context(|| format!("opening {}", found.path.display()))?;
    let meta = input.metadata()?;
    // SAFETY: a read-only private mapping of a file we only read; a file
    // shrinking under us is caught by the rescan of the copy.
    let map = unsafe { memmap2::Mmap::map(&input) }
        .with_context(|| format!("mapping {}", found.path.display()))?;
    // a wrapped dump is written decoded: its findings' offsets are in the
    // decoded stream, and a compressor's output cannot be patched in place
    let wrappers = &record.layers[..record.layers.len().saturating_sub(1)];
    let bytes = if wrappers.is_empty() {
        crate::layers::Bytes::whole(map)
    } else {
        decoded(map, &found.path, config)?
    };
    let whole = bytes;
    let bytes = whole.as_slice();
    let mut plan = redact::plan(bytes, &findings);
    drop(findings);
    // memory the dump does not hold cannot leak from it: what counts is
    // whether every byte it does hold was searched
    let absent = crate::container::map_container(bytes).incomplete;
    let search_gaps: Vec<String> = record
        .coverage
        .reasons
        .iter()
        .filter(|r| !absent.contains(r))
        .cloned()
        .collect();

    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    // (O_EXCL, mode 0600, in the target's directory so the rename is atomic)
    let copy = tempfile::Builder::new()
        .prefix(".keysweep-redact-")
        .tempfile_in(&dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    // one pass: each piece copied, its secrets filled, then written
    let overwritten =
        redact::write_redacted(bytes, &mut plan, copy.as_file(), &|r| whole.release(r))?;
    if in_place {
        // the input is replaced only by a copy that is on disk
        copy.as_file().sync_all()?;
    }

    // the copy, scanned as any input is
    let rescan = Found::named(copy.path().to_path_buf());
    let plain = ScanOptions {
        show_secrets: false,
        ..with_secrets
    };
    let remaining: Vec<Remaining> = scan_file(engine, &rescan, &plain, &progress)
        .into_iter()
        .flat_map(|(_, f)| f)
        .filter(|f| config.policy.reports(f))
        .map(|f| Remaining {
            rule_id: f.rule_id.clone(),
            offset: f.offset,
            fingerprint: f.fingerprint.clone(),
        })
        .collect();
    let redacted = remaining.is_empty();
    let written = if redacted || keep_failed {
        if in_place {
            // the input's permissions, not the temporary file's 0600
            std::fs::set_permissions(
                copy.path(),
                std::fs::Permissions::from_mode(meta.mode() & 0o7777),
            )?;
        }
        copy.persist(target)
            .map_err(|e| anyhow::anyhow!("writing {}: {}", target.display(), e.error))?;
        Some(target.display().to_string())
    } else {
        None
    };
    Ok(FileReport {
        input: found.path.display().to_string(),
        output: written,
        redacted,
        decoded_from: (!wrappers.is_empty()).then(|| wrappers.join(" > ")),
        coverage: record.coverage.clone(),
        search_gaps,
        spans: plan.spans.len(),
        secrets: plan.removed,
        bytes_overwritten: overwritten,
        remaining,
        error: None,
    })
}

/// The dump beneath a wrapped input's wrappers, decoded again (to a
/// private temporary file, as a scan decodes it).
fn decoded(
    map: memmap2::Mmap,
    path: &Path,
    config: &Config,
) -> anyhow::Result<crate::layers::Bytes> {
    let mut leaves = Vec::new();
    crate::layers::peel(
        &path.display().to_string(),
        crate::layers::Bytes::whole(map),
        &config.limits,
        crate::model::Coverage::default(),
        &mut |leaf| leaves.push(leaf.bytes),
    );
    match <[_; 1]>::try_from(leaves) {
        Ok([bytes]) => Ok(bytes),
        Err(l) => anyhow::bail!("{} decoded: redact works on one dump at a time", l.len()),
    }
}

/// Inputs that are not one dump, or could not be read.
fn refuse_unredactable(record: &InputRecord) -> anyhow::Result<()> {
    if let Some(e) = &record.error {
        anyhow::bail!("{e}");
    }
    if record.coverage.status == CoverageStatus::None {
        anyhow::bail!(
            "nothing in it could be read ({}): not redacted",
            record.coverage.reasons.join("; ")
        );
    }
    Ok(())
}

fn failed(input: &Path, error: String) -> FileReport {
    FileReport {
        input: input.display().to_string(),
        output: None,
        redacted: false,
        decoded_from: None,
        coverage: crate::model::Coverage {
            status: CoverageStatus::None,
            reasons: Vec::new(),
        },
        search_gaps: Vec::new(),
        secrets: Vec::new(),
        spans: 0,
        bytes_overwritten: 0,
        remaining: Vec::new(),
        error: Some(error),
    }
}

/// One line on standard error for one input.
fn line(r: &FileReport, allow_partial: bool) -> String {
    if let Some(e) = &r.error {
        return format!("keysweep: {}: not redacted: {e}", r.input);
    }
    let what = format!(
        "{} secret(s), {} span(s), {} bytes overwritten",
        r.secrets.len(),
        r.spans,
        r.bytes_overwritten
    );
    let coverage = if r.search_gaps.is_empty() {
        String::new()
    } else if allow_partial {
        format!(
            "; not searched completely (accepted): {}",
            r.search_gaps.join("; ")
        )
    } else {
        format!(
            "; not searched completely, so not called redacted (--allow-partial accepts it): {}",
            r.search_gaps.join("; ")
        )
    };
    let decoded = r
        .decoded_from
        .as_ref()
        .map(|w| format!(" (written decoded: {w} removed)"))
        .unwrap_or_default();
    match (&r.output, r.redacted) {
        (Some(out), true) => format!(
            "keysweep: {} -> {out}{decoded}: {what}; rescan clean{coverage}",
            r.input
        ),
        (out, false) => format!(
            "keysweep: {}: {what}; the rescan still found {} finding(s) ({}), so the copy {}",
            r.input,
            r.remaining.len(),
            r.remaining
                .iter()
                .map(|x| format!("{} at {}", x.rule_id, x.offset))
                .collect::<Vec<_>>()
                .join(", "),
            match out {
                Some(o) => format!("was kept at {o} (--keep-failed)"),
                None => "was removed".to_string(),
            }
        ),
        (None, true) => format!("keysweep: {}: {what}", r.input),
    }
}

fn write_report(path: &Path, files: &[FileReport]) -> anyhow::Result<()> {
    let report = serde_json::json!({
        "tool": {"name": "keysweep", "version": env!("CARGO_PKG_VERSION")},
        "files": files,
    });
    let mut out = tempfile::Builder::new()
        .prefix(".keysweep-report-")
        .tempfile_in(match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        })?;
    serde_json::to_writer_pretty(&mut out, &report)?;
    out.write_all(b"\n")?;
    out.persist(path)
        .map_err(|e| anyhow::anyhow!("writing {}: {}", path.display(), e.error))?;
    Ok(())
}
