//! Opening a file for scanning: memory-mapped when possible, otherwise read as
//! a stream in bounded chunks. Nothing here reads a whole dump into memory.

use memmap2::Mmap;
use std::fs::File;
use std::io::{self, Seek};
use std::path::Path;

/// The path that names standard input, as in most command-line tools, so a
/// decompressed dump can be piped in without touching the disk.
pub const STDIN_PATH: &str = "-";

/// How a file's bytes are reached.
pub enum FileSource {
    /// The whole file, mapped read-only.
    Mapped(Mmap),
    /// An empty file: nothing to map or scan.
    Empty,
    /// A file that cannot be mapped (a pipe, a device, some special
    /// filesystems): scanned as raw bytes through bounded reads.
    Stream(File),
}

/// Open `path` (or standard input, for [`STDIN_PATH`]) for scanning.
pub fn open(path: &Path) -> io::Result<(FileSource, u64)> {
    let stdin = path == Path::new(STDIN_PATH);
    let mut file = if stdin {
        stdin_file()?
    } else {
        File::open(path)?
    };
    let meta = file.metadata()?;
    if meta.is_file() && meta.len() == 0 {
        return Ok((FileSource::Empty, 0));
    }
    // standard input redirected from a file that was partly read already:
    // the rest of it is what was handed over, and only a stream starts there
    let partly_read = stdin && file.stream_position().is_ok_and(|pos| pos != 0);
    if !meta.is_file() || partly_read {
        return Ok((FileSource::Stream(file), meta.len()));
    }
    match map(&file) {
        Ok(m) => {
            let len = m.len() as u64;
            Ok((FileSource::Mapped(m), len))
        }
        Err(_) => Ok((FileSource::Stream(file), meta.len())),
    }
}

/// A handle of its own on standard input (a pipe, or the file it was redirected from).
#[cfg(unix)]
fn stdin_file() -> io::Result<File> {
    use std::os::fd::AsFd;
    Ok(File::from(io::stdin().as_fd().try_clone_to_owned()?))
}

#[cfg(not(unix))]
fn stdin_file() -> io::Result<File> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "reading a dump from standard input needs a Unix system",
    ))
}

/// Map a file read-only.
///
/// # Safety
/// The mapping is sound as long as nobody truncates the file while it is
/// mapped; a dump being rewritten under the scanner is outside what a
/// scanner can prevent, and the mapping is shared and read-only, so our own
/// code never writes through it.
fn map(file: &File) -> io::Result<Mmap> {
    // SAFETY: see the function's safety section: a read-only mapping of a regular file.
    let mmap = unsafe { Mmap::map(file)? };
    #[cfg(unix)]
    let _ = mmap.advise(memmap2::Advice::Sequential);
    Ok(mmap)
}

/// Drop the pages of `range` from this process once they are scanned, so that
/// scanning a dump larger than memory keeps the resident set small. The page
/// cache keeps them as long as the kernel likes; reading them again simply
/// faults them back in. Failure only costs memory, so it is ignored.
pub fn release(map: &Mmap, range: std::ops::Range<usize>) {
    #[cfg(unix)]
    {
        // SAFETY: MADV_DONTNEED on a read-only, shared, file-backed mapping
        // discards only this process's page-table entries; later reads see
        // the file's contents again, never zeroes (that happens only for
        // private anonymous or copy-on-write pages, which this mapping has
        // none of, since it is never written).
        let _ = unsafe {
            map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, range.start, range.len())
        };
    }
}
