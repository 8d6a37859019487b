//! Where a report goes: never over an input (evidence is read-only), never
//! half-written (a temporary file beside the target, renamed over it only
//! once the report is complete), never through a symbolic link at the
//! target, and readable by its owner only when it holds secrets.

use crate::input::{Discovered, STDIN_PATH};
use anyhow::Context;
use std::fs::File;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// A report being written to `target`.
pub struct ReportFile {
    /// The temporary file renamed over the target when complete; `None`
    /// when the target is not a regular file (`/dev/null`, a FIFO, a
    /// terminal), which is written directly.
    temp: Option<tempfile::NamedTempFile>,
    target: PathBuf,
    secrets: bool,
}

impl ReportFile {
    /// Refuse a target that is one of the inputs, then start the report
    /// in a private temporary file beside it; the handle is for the writer.
    pub fn create(
        target: &Path,
        secrets: bool,
        inputs: &Discovered,
    ) -> anyhow::Result<(ReportFile, File)> {
        refuse_inputs(target, inputs)?;
        if let Ok(meta) = std::fs::metadata(target)
            && !meta.is_file()
        {
            // a device or a FIFO: nothing there to replace or keep whole
            let handle = std::fs::OpenOptions::new()
                .write(true)
                .open(target)
                .with_context(|| format!("opening {}", target.display()))?;
            let file = ReportFile {
                temp: None,
                target: target.to_path_buf(),
                secrets,
            };
            return Ok((file, handle));
        }
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        // (created with O_EXCL and mode 0600 in the target's directory)
        let temp = tempfile::Builder::new()
            .prefix(".keysweep-report-")
            .suffix(".tmp")
            .tempfile_in(dir)
            .with_context(|| format!("creating the report beside {}", target.display()))?;
        let handle = temp.reopen().context("opening the report file")?;
        Ok((
            ReportFile {
                temp: Some(temp),
                target: target.to_path_buf(),
                secrets,
            },
            handle,
        ))
    }

    /// The report is complete: put it in place (replacing what was at the
    /// target, a symbolic link included, without writing through it).
    pub fn commit(self) -> anyhow::Result<()> {
        let Some(temp) = self.temp else {
            return Ok(());
        };
        if !self.secrets {
            // a report without secrets is as readable as any file written here
            let _ = std::fs::set_permissions(temp.path(), PermissionsExt::from_mode(0o644));
        }
        temp.persist(&self.target)
            .map(|_| ())
            .with_context(|| format!("writing the report to {}", self.target.display()))
    }
}

/// An error when `target` is the same file as any input (or a link to one).
pub(crate) fn refuse_inputs(target: &Path, inputs: &Discovered) -> anyhow::Result<()> {
    let Ok(meta) = std::fs::metadata(target) else {
        return Ok(());
    };
    let id = (meta.dev(), meta.ino());
    let same = |path: &Path| -> bool {
        if path.as_os_str() == STDIN_PATH {
            return stdin_id() == Some(id);
        }
        std::fs::metadata(path).is_ok_and(|m| (m.dev(), m.ino()) == id)
    };
    let clash = inputs
        .files
        .iter()
        .find(|f| f.walked == Some(id) || (f.walked.is_none() && same(&f.path)))
        .map(|f| f.path.clone())
        .or_else(|| {
            inputs
                .skipped
                .iter()
                .find(|s| same(&s.path))
                .map(|s| s.path.clone())
        });
    match clash {
        Some(input) => anyhow::bail!(
            "refusing to write the report to {}: it is the input {} (keysweep never writes over evidence)",
            target.display(),
            input.display()
        ),
        None => Ok(()),
    }
}

/// Device and inode of what standard input reads, when it is a file.
fn stdin_id() -> Option<(u64, u64)> {
    use std::os::fd::AsFd;
    let fd = std::io::stdin().as_fd().try_clone_to_owned().ok()?;
    let meta = File::from(fd).metadata().ok()?;
    Some((meta.dev(), meta.ino()))
}
