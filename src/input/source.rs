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
    /// A file that cannot be mapped (a pipe, a device, some special
    /// filesystems): scanned as raw bytes through bounded reads.
    Stream(File),
}

/// How to open one input.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenAs {
    /// Follow a symbolic link at the path (paths named on the command line,
    /// or `--follow-symlinks`); otherwise a link there is refused.
    pub follow_symlinks: bool,
    /// What a directory walk saw at the path, which must still be there.
    pub walked: Option<super::FileId>,
}

/// Open `path` (or standard input, for [`STDIN_PATH`], or an object in
/// object storage, copied to a private temporary file) for scanning.
///
/// A path found by a directory walk is opened without blocking (a FIFO
/// swapped in opens at once) and without following a link it was not told
/// to, then must still be the regular file the walk saw. A path named on
/// the command line is opened as whatever it is: a FIFO or device is read
/// as a stream.
pub fn open(path: &Path, how: OpenAs) -> io::Result<(FileSource, u64)> {
    if super::object::is_object_url(path) {
        let (file, len) = super::object::fetch(path)?;
        if len == 0 {
            return Ok((FileSource::Stream(file), 0));
        }
        return Ok((FileSource::Mapped(map(&file)?), len));
    }
    let stdin = path == Path::new(STDIN_PATH);
    let mut file = if stdin {
        stdin_file()?
    } else if how.walked.is_none() {
        // named on the command line: a FIFO waits for its writer, as asked
        File::open(path)?
    } else {
        open_nonblocking(path, how.follow_symlinks)?
    };
    let meta = file.metadata()?;
    if let Some(seen) = how.walked {
        use std::os::unix::fs::MetadataExt;
        if !meta.is_file() || (meta.dev(), meta.ino()) != seen {
            return Err(io::Error::other(
                "the file was replaced between listing its directory and opening it (not scanned)",
            ));
        }
    }
    #[cfg(unix)]
    if how.walked.is_some() {
        // reads of what was opened non-blocking block again, as a stream needs
        set_blocking(&file)?;
    }
    // standard input redirected from a file that was partly read already:
    // the rest of it is what was handed over, and only a stream starts there
    let partly_read = stdin && file.stream_position().is_ok_and(|pos| pos != 0);
    // a regular file that says it is empty may still have contents (files
    // of /proc and /sys): it is read as a stream
    if !meta.is_file() || partly_read || meta.len() == 0 {
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

/// Open read-only without blocking, and without following a final symbolic
/// link unless `follow`.
#[cfg(unix)]
fn open_nonblocking(path: &Path, follow: bool) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let nofollow = if follow { 0 } else { libc::O_NOFOLLOW };
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC | nofollow)
        .open(path)
        .map_err(|e| {
            if e.raw_os_error() == Some(libc::ELOOP) && !follow {
                io::Error::other("a symbolic link, not followed (use --follow-symlinks)")
            } else {
                e
            }
        })
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path, _follow: bool) -> io::Result<File> {
    File::open(path)
}

/// Clear `O_NONBLOCK` again on an open file.
#[cfg(unix)]
fn set_blocking(file: &File) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: fcntl on a descriptor this `File` owns, with plain integer flags.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: as above.
    if unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    /// A file the walk saw, swapped for a FIFO or a link before it is
    /// opened: refused at once, never waited on or followed.
    #[test]
    fn walked_files_swapped_before_the_open_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("core");
        std::fs::write(&path, b"dump").unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        let seen = Some((meta.dev(), meta.ino()));
        let walked = OpenAs {
            follow_symlinks: false,
            walked: seen,
        };
        assert!(open(&path, walked).is_ok());
        std::fs::remove_file(&path).unwrap();
        let fifo = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
        // SAFETY: a NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        let err = open(&path, walked).err().expect("a FIFO is refused");
        assert!(err.to_string().contains("replaced"), "{err}");
        std::fs::remove_file(&path).unwrap();
        let target = tmp.path().join("other");
        std::fs::write(&target, b"not the dump").unwrap();
        std::os::unix::fs::symlink(&target, &path).unwrap();
        let err = open(&path, walked).err().expect("a link is refused");
        assert!(err.to_string().contains("symbolic link"), "{err}");
    }
}
