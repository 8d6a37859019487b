//! Surviving a file that shrinks while it is mapped.
//!
//! Reading a page of a memory-mapped file past its current end raises
//! SIGBUS, which would kill the whole scan when a dump is truncated or
//! rewritten by another process mid-scan. While a file is scanned, its mapping
//! is registered here; a SIGBUS whose address lies in a registered mapping is
//! answered by mapping a page of zeros over the faulting page (mmap is
//! async-signal-safe) and returning, so the read completes with zeros; the
//! scan then reports the file as changed. A SIGBUS anywhere else goes to
//! the handler that was installed before ours (or the default action), and
//! `errno` is left as the interrupted code had it.

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
/// The SIGBUS action in place before ours: written once, before our handler
/// is installed, and only read after.
static mut PREVIOUS: std::mem::MaybeUninit<libc::sigaction> = std::mem::MaybeUninit::uninit();

/// A mapping watched for SIGBUS while it lives.
pub struct Guard {
    slot: Option<usize>,
}

impl Guard {
    /// Watch `len` bytes mapped at `ptr`. When every slot is taken the
    /// mapping is simply not watched (a SIGBUS then ends the process, as it
    /// would without this module).
    ///
    /// # Safety
    /// `ptr..ptr + len` must be one read-only mapping of a file that stays
    /// mapped while the guard lives: a fault in it gets a page of zeros
    /// mapped over the faulting page.
    pub unsafe fn new(ptr: *const u8, len: usize) -> Guard {
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
    // previous action is saved before our handler can run (this runs once);
    // the handler only performs async-signal-safe work (atomics, mmap,
    // sigaction, errno).
    unsafe {
        let page = libc::sysconf(libc::_SC_PAGESIZE);
        if page > 0 {
            PAGE.store(page as usize, Ordering::Relaxed);
        }
        let previous = &raw mut PREVIOUS;
        libc::sigaction(libc::SIGBUS, std::ptr::null(), (*previous).as_mut_ptr());
        let mut action: libc::sigaction = std::mem::zeroed();
        let handler_fn: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
            handler;
        action.sa_sigaction = handler_fn as *const () as usize;
        action.sa_flags = libc::SA_SIGINFO;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
    }
}

extern "C" fn handler(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo for SA_SIGINFO handlers; the
    // replacement mapping covers exactly one page of a registered file
    // mapping (so it cannot clobber anything else) and is read-only; errno
    // is this thread's own and is restored before returning.
    unsafe {
        let errno = *libc::__errno_location();
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
                    *libc::__errno_location() = errno;
                    return;
                }
            }
        }
        // not ours: the handler installed before ours, if it was one
        // (initialised by `install` before this handler was installed)
        let previous: &libc::sigaction = &*(&raw const PREVIOUS).cast::<libc::sigaction>();
        let what = previous.sa_sigaction;
        if what == libc::SIG_DFL || what == libc::SIG_IGN {
            // that action, when the faulting access runs again
            libc::sigaction(libc::SIGBUS, previous, std::ptr::null_mut());
        } else if previous.sa_flags & libc::SA_SIGINFO != 0 {
            let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                std::mem::transmute(what);
            f(sig, info, ctx);
        } else {
            let f: extern "C" fn(libc::c_int) = std::mem::transmute(what);
            f(sig);
        }
        *libc::__errno_location() = errno;
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
        // SAFETY: `map` is a read-only file mapping that outlives the guard.
        let guard = unsafe { Guard::new(map.as_ptr(), map.len()) };
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
        // SAFETY: as above.
        let untouched = unsafe { Guard::new(map.as_ptr(), 1) };
        assert!(!untouched.shrank());
    }

    static PREVIOUS_RAN: AtomicBool = AtomicBool::new(false);

    extern "C" fn previous_handler(_sig: libc::c_int) {
        PREVIOUS_RAN.store(true, Ordering::SeqCst);
        // SAFETY: writing this thread's errno, as a handler may.
        unsafe { *libc::__errno_location() = libc::EPERM };
    }

    /// Run in a process of its own (see the next test): a SIGBUS that is not
    /// ours reaches the handler installed before ours.
    #[test]
    #[ignore = "run by signals_that_are_not_ours_reach_the_previous_handler"]
    fn chained_child() {
        // SAFETY: installing a plain handler, then raising the signal.
        unsafe {
            let f: extern "C" fn(libc::c_int) = previous_handler;
            libc::signal(libc::SIGBUS, f as *const () as libc::sighandler_t);
            let map = memmap2::MmapOptions::new().len(4096).map_anon().unwrap();
            let _guard = Guard::new(map.as_ptr(), map.len());
            *libc::__errno_location() = 0;
            libc::raise(libc::SIGBUS);
            // the previous handler set errno; ours restored what the code had
            assert_eq!(*libc::__errno_location(), 0);
        }
        assert!(PREVIOUS_RAN.load(Ordering::SeqCst));
    }

    #[test]
    fn signals_that_are_not_ours_reach_the_previous_handler() {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "input::sigbus::tests::chained_child",
                "--ignored",
            ])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && text.contains("1 passed"), "{text}");
    }
}
