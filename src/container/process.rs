//! Live Linux processes, read through `/proc/PID/maps` and `/proc/PID/mem`
//! into a private temporary file with the regions an ELF core of the
//! process would give: addresses, permissions, module and mapped-file
//! paths, heap, and the stacks that the threads' stack pointers fall in
//! (read from `/proc/PID/task/TID/syscall`, so the process is never stopped
//! or attached to; a thread running at that moment has no stack pointer
//! there, and its stack is then plain anonymous memory). The process keeps
//! running: a page unmapped between the maps and the read is skipped with a
//! warning.

use super::{MemoryMap, Region};
use crate::model::{ContainerKind, ProcessInfo};
use std::collections::HashSet;
use std::io::{Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;

/// A process's memory, copied to a private temporary file, and its map.
pub struct Snapshot {
    /// The copy, mapped (zero pages are holes in the file).
    pub bytes: memmap2::Mmap,
    /// Regions at their addresses, the process's pid and command.
    pub map: MemoryMap,
    /// Bytes that could not be read (unmapped or unreadable meanwhile).
    pub skipped: u64,
}

/// Bytes read from the process at a time.
const CHUNK: usize = 1 << 20;

/// One line of `/proc/PID/maps`.
struct Mapping {
    start: u64,
    end: u64,
    perms: String,
    path: Option<String>,
}

fn parse_maps(text: &str) -> Vec<Mapping> {
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let (range, perms) = (fields.next()?, fields.next()?);
            let (start, end) = range.split_once('-')?;
            // offset, device, inode, then the path (which may hold spaces)
            let path: Vec<&str> = fields.skip(3).collect();
            Some(Mapping {
                start: u64::from_str_radix(start, 16).ok()?,
                end: u64::from_str_radix(end, 16).ok()?,
                perms: perms.to_string(),
                path: (!path.is_empty()).then(|| path.join(" ")),
            })
        })
        .collect()
}

/// Stack pointers of the threads blocked in a system call.
fn stack_pointers(pid: u32) -> Vec<u64> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    let mut sps: Vec<u64> = tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("syscall")).ok())
        .filter_map(|line| {
            // "NR arg1 .. arg6 SP PC", or "running", or "-1 SP PC"
            let fields: Vec<&str> = line.split_whitespace().collect();
            let sp = fields.len().checked_sub(2).and_then(|i| fields.get(i))?;
            u64::from_str_radix(sp.trim_start_matches("0x"), 16).ok()
        })
        .collect();
    sps.sort_unstable();
    sps
}

/// Why reading a process failed, said so a user can fix it.
fn access_error(pid: u32, what: &str, e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => format!("no process {pid}"),
        std::io::ErrorKind::PermissionDenied => format!(
            "cannot read process {pid} ({what}: {e}): reading another process's memory needs the same user and kernel.yama.ptrace_scope 0 (or 1 for a descendant), or CAP_SYS_PTRACE (root)"
        ),
        _ => format!("cannot read process {pid} ({what}: {e})"),
    }
}

/// Copy the readable memory of process `pid`, at most `max_bytes` of it.
pub fn snapshot(pid: u32, max_bytes: u64) -> Result<Snapshot, String> {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps"))
        .map_err(|e| access_error(pid, "maps", &e))?;
    let mem = std::fs::File::open(format!("/proc/{pid}/mem"))
        .map_err(|e| access_error(pid, "mem", &e))?;
    let name = std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .ok()
        .map(|c| c.trim_end().to_string());
    let mappings = parse_maps(&maps);
    let sps = stack_pointers(pid);
    let modules: HashSet<&str> = mappings
        .iter()
        .filter(|m| m.perms.contains('x'))
        .filter_map(|m| m.path.as_deref())
        .filter(|p| p.starts_with('/'))
        .collect();
    let mut out = tempfile::tempfile().map_err(|e| format!("creating a temporary file: {e}"))?;
    let mut map = MemoryMap::raw(0, ContainerKind::Process, Vec::new());
    map.process = ProcessInfo::new(Some(pid), name);
    let (mut written, mut skipped) = (0u64, 0u64);
    let mut buf = vec![0u8; CHUNK];
    for m in &mappings {
        // unreadable, or the kernel's own pages (reading [vvar] can fault)
        if !m.perms.starts_with('r')
            || matches!(
                m.path.as_deref(),
                Some("[vvar]" | "[vsyscall]" | "[vvar_vclock]")
            )
        {
            continue;
        }
        let len = m.end.saturating_sub(m.start);
        if written.saturating_add(len) > max_bytes {
            map.incomplete.push(format!(
                "the process's memory is larger than --max-decoded-size ({max_bytes} bytes): mappings from {:#x} on were not read",
                m.start
            ));
            break;
        }
        let file_offset = written;
        let mut done = 0u64;
        while done < len {
            let want = (len - done).min(CHUNK as u64) as usize;
            let got = match mem.read_at(&mut buf[..want], m.start + done) {
                Ok(0) | Err(_) => {
                    // unmapped or unreadable meanwhile: a hole of zeros
                    skipped += want as u64;
                    0
                }
                Ok(n) => n,
            };
            if got > 0 {
                let chunk = &buf[..got];
                if chunk.iter().all(|&b| b == 0) {
                    out.seek(SeekFrom::Current(got as i64))
                        .map_err(|e| e.to_string())?;
                } else {
                    out.write_all(chunk)
                        .map_err(|e| format!("writing the copy: {e}"))?;
                }
                done += got as u64;
            } else {
                out.seek(SeekFrom::Current(want as i64))
                    .map_err(|e| e.to_string())?;
                done += want as u64;
            }
        }
        written += len;
        let stack = m.path.as_deref() == Some("[stack]")
            || sps
                .get(sps.partition_point(|&sp| sp < m.start))
                .is_some_and(|&sp| sp < m.end);
        // ([heap], [vdso] and the like are anonymous memory, not files)
        let file = m.path.as_deref().filter(|p| p.starts_with('/'));
        let kind = super::process_region_kind(
            stack,
            file,
            file.is_some_and(|p| modules.contains(p)),
            m.perms.contains('w'),
        );
        map.regions.push(Region {
            file_offset,
            len,
            vaddr: Some(m.start),
            kind,
            name: m.path.clone().filter(|p| !p.is_empty()),
            perms: Some(m.perms.chars().take(3).collect()),
        });
    }
    out.set_len(written)
        .map_err(|e| format!("writing the copy: {e}"))?;
    if skipped > 0 {
        map.warnings.push(format!(
            "{skipped} bytes of the process's mappings could not be read (unmapped or protected while it ran): they are zeros in the scan"
        ));
    }
    // SAFETY: a private temporary file this process alone created and holds.
    let bytes =
        unsafe { memmap2::Mmap::map(&out) }.map_err(|e| format!("mapping the copy: {e}"))?;
    let map = super::normalize(map, written);
    Ok(Snapshot {
        bytes,
        map,
        skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RegionKind;

    /// This test's own process: its heap, stack and modules are where
    /// /proc says, and a secret in its memory is in the copy at its address.
    #[test]
    fn a_process_reads_itself() {
        let secret = b"keysweep-process-snapshot-marker-7f3a".to_vec();
        let at = secret.as_ptr() as u64;
        let snap = snapshot(std::process::id(), 1 << 40).unwrap();
        let region = snap
            .map
            .regions
            .iter()
            .find(|r| r.vaddr.is_some_and(|v| v <= at && at < v + r.len))
            .unwrap();
        let off = (region.file_offset + at - region.vaddr.unwrap()) as usize;
        assert_eq!(&snap.bytes[off..off + secret.len()], secret.as_slice());
        assert_eq!(region.kind, RegionKind::Heap);
        assert!(snap.map.regions.iter().any(|r| r.kind == RegionKind::Stack));
        assert!(
            snap.map
                .regions
                .iter()
                .any(|r| r.kind == RegionKind::Module)
        );
        assert_eq!(
            snap.map.process.as_ref().unwrap().pid,
            Some(std::process::id())
        );
        assert!(
            snapshot(u32::MAX - 1, 1 << 40)
                .err()
                .unwrap()
                .contains("no process")
        );
    }
}
