//! Extended attributes systemd-coredump stores with each core it keeps
//! (`user.coredump.pid`, `user.coredump.comm`, ...): they name the process
//! when the core itself does not.

use crate::model::ProcessInfo;
use std::path::Path;

/// The process named by `path`'s systemd-coredump attributes, if it has them.
pub fn coredump_process(path: &Path) -> Option<ProcessInfo> {
    let pid = get(path, "user.coredump.pid").and_then(|v| v.trim().parse().ok());
    let name = get(path, "user.coredump.comm").map(|v| v.trim().to_string());
    ProcessInfo::new(pid, name.filter(|n| !n.is_empty()))
}

/// One attribute's value as text (at most 4 KiB).
#[cfg(target_os = "linux")]
fn get(path: &Path, name: &str) -> Option<String> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let path = CString::new(path.as_os_str().as_bytes()).ok()?;
    let name = CString::new(name).ok()?;
    let mut buf = vec![0u8; 4096];
    // SAFETY: both strings are NUL-terminated and outlive the call; the
    // kernel writes at most `buf.len()` bytes into `buf`.
    let n = unsafe {
        libc::getxattr(
            path.as_ptr(),
            name.as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    };
    let n = usize::try_from(n).ok()?;
    buf.truncate(n);
    String::from_utf8(buf).ok()
}

#[cfg(not(target_os = "linux"))]
fn get(_path: &Path, _name: &str) -> Option<String> {
    None
}
