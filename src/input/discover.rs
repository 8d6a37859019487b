//! Path discovery: files as given, directories walked recursively in a stable
//! (byte-wise sorted) order. Symbolic links met while walking are skipped
//! unless asked for; with `--follow-symlinks`, directory loops are detected by
//! device and inode. The walk keeps its own stack, so deep trees cannot
//! overflow ours.

use std::collections::HashSet;
use std::fs;
use std::io::{self, BufRead};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// A path that is not scanned, and why.
#[derive(Debug, Clone)]
pub struct Skipped {
    /// The path left out.
    pub path: PathBuf,
    /// Why, for the report.
    pub reason: String,
    /// True when the path could not be read at all (an input error), false when
    /// it was left out on purpose (a link not followed, a special file).
    pub is_error: bool,
}

/// A file's identity on its filesystem: device and inode.
pub type FileId = (u64, u64);

/// One path to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The path as given or as found under a given directory.
    pub path: PathBuf,
    /// For a file found by walking a directory: what the walk saw there,
    /// which must still be there when it is opened (not a file swapped in
    /// since, a FIFO that would hang the scan, or a link). `None` for a path
    /// named on the command line, which is opened as whatever it is.
    pub walked: Option<FileId>,
    /// The size listed for an object in object storage.
    pub listed_size: Option<u64>,
}

impl Found {
    /// A path named on the command line.
    pub fn named(path: PathBuf) -> Found {
        Found {
            path,
            walked: None,
            listed_size: None,
        }
    }
}

/// The outcome of discovery.
#[derive(Debug, Default)]
pub struct Discovered {
    /// Files to scan, in a stable order.
    pub files: Vec<Found>,
    /// Paths left out, with the reason.
    pub skipped: Vec<Skipped>,
}

/// `--include` / `--exclude` globs over file paths.
#[derive(Debug, Clone, Default)]
pub struct PathFilter {
    include: Option<globset::GlobSet>,
    exclude: Option<globset::GlobSet>,
}

impl PathFilter {
    /// Compile the globs; a bad glob is a usage error naming it.
    pub fn new(include: &[String], exclude: &[String]) -> anyhow::Result<PathFilter> {
        let set = |globs: &[String]| -> anyhow::Result<Option<globset::GlobSet>> {
            if globs.is_empty() {
                return Ok(None);
            }
            let mut b = globset::GlobSetBuilder::new();
            for g in globs {
                b.add(globset::Glob::new(g).map_err(|e| anyhow::anyhow!("bad glob {g}: {e}"))?);
            }
            Ok(Some(b.build()?))
        };
        Ok(PathFilter {
            include: set(include)?,
            exclude: set(exclude)?,
        })
    }

    /// Why `path` is left out, if it is. A glob without a `/` matches the
    /// file name as well as the whole path.
    fn rejects(&self, path: &Path) -> Option<&'static str> {
        let name = path.file_name().map(Path::new);
        let hit =
            |set: &globset::GlobSet| set.is_match(path) || name.is_some_and(|n| set.is_match(n));
        if self.exclude.as_ref().is_some_and(hit) {
            return Some("excluded by --exclude");
        }
        if self.include.as_ref().is_some_and(|s| !hit(s)) {
            return Some("not matched by --include");
        }
        None
    }
}

/// Read newline-separated paths from a file, or from standard input for `-`.
/// Empty lines are ignored; a trailing CR is stripped.
pub fn read_path_list(source: &Path) -> io::Result<Vec<PathBuf>> {
    let reader: Box<dyn BufRead> = if source == Path::new("-") {
        Box::new(io::BufReader::new(io::stdin()))
    } else {
        Box::new(io::BufReader::new(fs::File::open(source)?))
    };
    let mut paths = Vec::new();
    for line in reader.lines() {
        let line = line?;
        let line = line.strip_suffix('\r').unwrap_or(&line);
        if !line.is_empty() {
            paths.push(PathBuf::from(line));
        }
    }
    Ok(paths)
}

/// Read NUL-separated paths (`find -print0`) from a file, or from standard
/// input for `-`. Empty entries are ignored; nothing else is stripped.
pub fn read_path_list_null(source: &Path) -> io::Result<Vec<PathBuf>> {
    use std::os::unix::ffi::OsStrExt;
    let mut reader: Box<dyn BufRead> = if source == Path::new("-") {
        Box::new(io::BufReader::new(io::stdin()))
    } else {
        Box::new(io::BufReader::new(fs::File::open(source)?))
    };
    let mut paths = Vec::new();
    let mut entry = Vec::new();
    loop {
        entry.clear();
        if reader.read_until(0, &mut entry)? == 0 {
            return Ok(paths);
        }
        if entry.last() == Some(&0) {
            entry.pop();
        }
        if !entry.is_empty() {
            paths.push(PathBuf::from(std::ffi::OsStr::from_bytes(&entry)));
        }
    }
}

/// Expand `roots` into files. Roots named explicitly are followed even when
/// they are symbolic links (the user asked for them); links found inside
/// directories are followed only with `follow_symlinks`. Files that fail
/// `filter` or are larger than `max_size` are listed as skipped.
pub fn discover(
    roots: &[PathBuf],
    follow_symlinks: bool,
    filter: &PathFilter,
    max_size: Option<u64>,
) -> Discovered {
    let mut found = Discovered::default();
    let mut visited_dirs: HashSet<(u64, u64)> = HashSet::new();
    for root in roots {
        if root.as_os_str() == super::source::STDIN_PATH {
            found.files.push(Found::named(root.clone()));
            continue;
        }
        if super::object::is_object_url(root) {
            match super::object::list(root) {
                Ok(objects) => found.files.extend(objects.into_iter().map(|o| Found {
                    listed_size: Some(o.size),
                    ..Found::named(PathBuf::from(o.url))
                })),
                Err(e) => found.skipped.push(Skipped {
                    path: root.clone(),
                    reason: e.to_string(),
                    is_error: true,
                }),
            }
            continue;
        }
        match fs::metadata(root) {
            Ok(meta) if meta.is_dir() => walk(root, follow_symlinks, &mut visited_dirs, &mut found),
            // a file, or a FIFO or device named explicitly (read as a stream)
            Ok(_) => found.files.push(Found::named(root.clone())),
            Err(e) => found.skipped.push(Skipped {
                path: root.clone(),
                reason: e.to_string(),
                is_error: true,
            }),
        }
    }
    let mut out = Discovered {
        files: Vec::new(),
        skipped: found.skipped,
    };
    for file in found.files {
        let path = &file.path;
        let size = file.listed_size.unwrap_or_else(|| {
            fs::metadata(path)
                .map(|m| if m.is_file() { m.len() } else { 0 })
                .unwrap_or(0)
        });
        // standard input has no name for --include and --exclude to judge
        let named = path.as_os_str() != super::source::STDIN_PATH;
        let reason = named
            .then(|| filter.rejects(path))
            .flatten()
            .map(str::to_string)
            .or_else(|| {
                max_size
                    .filter(|&max| size > max)
                    .map(|max| format!("{size} bytes, larger than --max-file-size {max}"))
            });
        match reason {
            Some(reason) => out.skipped.push(Skipped {
                path: file.path,
                reason,
                is_error: false,
            }),
            None => out.files.push(file),
        }
    }
    out
}

fn walk(root: &Path, follow: bool, visited: &mut HashSet<(u64, u64)>, out: &mut Discovered) {
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        if let Ok(meta) = fs::metadata(&dir)
            && !visited.insert((meta.dev(), meta.ino()))
        {
            out.skipped.push(Skipped {
                path: dir,
                reason: "directory already visited (symbolic link loop)".to_string(),
                is_error: false,
            });
            continue;
        }
        let entries = match fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) => {
                out.skipped.push(Skipped {
                    path: dir,
                    reason: e.to_string(),
                    is_error: true,
                });
                continue;
            }
        };
        let mut children: Vec<PathBuf> = Vec::new();
        for entry in entries {
            match entry {
                Ok(e) => children.push(e.path()),
                Err(e) => out.skipped.push(Skipped {
                    path: dir.clone(),
                    reason: e.to_string(),
                    is_error: true,
                }),
            }
        }
        children.sort();
        let mut subdirs = Vec::new();
        for path in children {
            let Ok(lmeta) = fs::symlink_metadata(&path) else {
                out.skipped.push(Skipped {
                    path,
                    reason: "vanished while listing".to_string(),
                    is_error: true,
                });
                continue;
            };
            let meta = if lmeta.file_type().is_symlink() {
                if !follow {
                    out.skipped.push(Skipped {
                        path,
                        reason: "symbolic link not followed (use --follow-symlinks)".to_string(),
                        is_error: false,
                    });
                    continue;
                }
                match fs::metadata(&path) {
                    Ok(m) => m,
                    Err(e) => {
                        out.skipped.push(Skipped {
                            path,
                            reason: format!("broken symbolic link: {e}"),
                            is_error: false,
                        });
                        continue;
                    }
                }
            } else {
                lmeta
            };
            if meta.is_dir() {
                subdirs.push(path);
            } else if meta.is_file() {
                out.files.push(Found {
                    walked: Some((meta.dev(), meta.ino())),
                    ..Found::named(path)
                });
            } else {
                out.skipped.push(Skipped {
                    path,
                    reason: "not a regular file".to_string(),
                    is_error: false,
                });
            }
        }
        // depth-first in sorted order: push in reverse so the smallest name is walked next
        stack.extend(subdirs.into_iter().rev());
    }
}
