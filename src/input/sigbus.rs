//! Surviving a file that shrinks while it is mapped.
//!
//! Reading a page of a memory-mapped file past its current end raises
//! SIGBUS, which would kill the whole scan when a dump is truncated or
//! rewritten by another process mid-scan. While a file is scanned, its mapping
//! is registered here; a SIGBUS whose address lies in a registered mapping is
//! answered by mapping a page of zeros over the faulting page (mmap is
//! async-signal-safe) and returning, so the read completes with zeros; the
//! scan then reports the file as changed. A SIGBUS anywhere else gets the
//! default action, as before.

use std::sync::Once;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Mappings watched at once (one per file being scanned).
const SLOTS: usize = 256;

#[allow(clippy::declare_interior_mutable_const)]
const ZERO: AtomicUsize = AtomicUsize::new(0);
#[allow(clippy::declare_interior_mutable_const)]
const CLEAR: AtomicBool = AtomicBool::new(false);
static STARTS: [AtomicUsize; SLOTS] = [ZERO; SLOTS];
static LENS: [AtomicUsize; SLOTS] = [ZERO; SLOTS];
static FAULTED: [AtomicBool; SLOTS] = [CLEAR; SLOTS];
static PAGE: AtomicUsize = AtomicUsize::new(4096);
static INSTALL: Once = Once::new();

/// A mapping watched for SIGBUS while it lives.
pub struct Guard {
    slot: Option<usize>,
}

impl Guard {
    /// Watch `len` bytes mapped at `ptr`. When every slot is taken the
    /// mapping is simply not watched (a SIGBUS then ends the process, as it
    /// would without this module).
    pub fn new(ptr: *const u8, len: usize) -> Guard {
        INSTALL.call_once(install);
        let start = ptr as usize;
        if len == 0 || start == 0 {
            return Guard { slot: None };
        }
        let slot = (0..SLOTS).find(|&i| {
            STARTS[i]
                .compare_exchange(0, start, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
        });
        if let Some(i) = slot {
            FAULTED[i].store(false, Ordering::Release);
            LENS[i].store(len, Ordering::Release);
        }
        Guard { slot }
    }

    /// Whether part of the mapping vanished (and was read as zeros).
    pub fn shrank(&self) -> bool {
        self.slot
            .is_some_and(|i| FAULTED[i].load(Ordering::Acquire))
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(i) = self.slot {
            LENS[i].store(0, Ordering::Release);
            STARTS[i].store(0, Ordering::Release);
        }
    }
}

fn install() {
    // SAFETY: sysconf and sigaction are called with valid arguments; the
    // handler only performs async-signal-safe work (atomics, mmap, signal).
    unsafe {
        let page = libc::sysconf(libc::_SC_PAGESIZE);
        if page > 0 {
            PAGE.store(page as usize, Ordering::Relaxed);
        }
        let mut action: libc::sigaction = std::mem::zeroed();
        let handler_fn: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
            handler;
        action.sa_sigaction = handler_fn as *const () as usize;
        action.sa_flags = libc::SA_SIGINFO;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
    }
}

extern "C" fn handler(_sig: libc::c_int, info: *mut libc::siginfo_t, _ctx: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo for SA_SIGINFO handlers; the
    // replacement mapping covers exactly one page of a registered file
    // mapping (so it cannot clobber anything else) and is read-only.
    unsafe {
        let addr = (*info).si_addr() as usize;
        let page = PAGE.load(Ordering::Relaxed);
        for i in 0..SLOTS {
            let start = STARTS[i].load(Ordering::Acquire);
            let len = LENS[i].load(Ordering::Acquire);
            if start != 0 && addr >= start && addr - start < len {
                let at = addr & !(page - 1);
                let zeros = libc::mmap(
                    at as *mut libc::c_void,
                    page,
                    libc::PROT_READ,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                    -1,
                    0,
                );
                if zeros != libc::MAP_FAILED {
                    FAULTED[i].store(true, Ordering::Release);
                    return;
                }
            }
        }
        // not ours: the default action, when the faulting access runs again
        libc::signal(libc::SIGBUS, libc::SIG_DFL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file truncated after it was mapped: reading the vanished pages
    /// gives zeros instead of killing the process, and the guard says so.
    #[test]
    fn truncated_mapping_reads_zeros_and_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shrinking.bin");
        std::fs::write(&path, vec![0xabu8; 1 << 20]).unwrap();
        let file = std::fs::File::open(&path).unwrap();
        // SAFETY: the test truncates the file on purpose; the guard handles the faults.
        let map = unsafe { memmap2::Mmap::map(&file).unwrap() };
        let guard = Guard::new(map.as_ptr(), map.len());
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(4096)
            .unwrap();
        let sum: u64 = map.iter().map(|&b| u64::from(b)).sum();
        assert_eq!(
            sum,
            4096 * 0xab,
            "the first page survives, the rest reads as zeros"
        );
        assert!(guard.shrank());
        drop(guard);
        let untouched = Guard::new(map.as_ptr(), 1);
        assert!(!untouched.shrank());
    }
}
