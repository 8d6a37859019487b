//! A progress line on standard error for long scans: bytes done of the
//! total, rate and time left. Only when standard error is a terminal and `-q`
//! was not given; never mixed into standard output.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Bytes scanned so far, shared by the workers.
#[derive(Debug, Default)]
pub struct Progress {
    done: AtomicU64,
}

impl Progress {
    /// Count `bytes` more as scanned.
    pub fn add(&self, bytes: u64) {
        self.done.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Bytes scanned so far.
    pub fn done(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }
}

/// The progress line for `done` of `total` bytes after `elapsed`.
pub fn line(done: u64, total: u64, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64().max(1e-3);
    let rate = done as f64 / secs;
    let gb = |b: u64| b as f64 / 1e9;
    let percent = if total > 0 {
        (done as f64 / total as f64 * 100.0).min(100.0)
    } else {
        100.0
    };
    let eta = if rate > 0.0 && total > done {
        format!("{:.0} s left", (total - done) as f64 / rate)
    } else {
        String::new()
    };
    format!(
        "keysweep: {:.2} of {:.2} GB ({percent:.0}%), {:.0} MB/s {eta}",
        gb(done),
        gb(total),
        rate / 1e6
    )
}

/// A thread redrawing the progress line until `stop` is set, then erasing it.
pub struct Reporter {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Reporter {
    /// Start redrawing every quarter second (the first draw after one second,
    /// so that quick scans print nothing).
    pub fn start(progress: Arc<Progress>, total: u64) -> Reporter {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let started = Instant::now();
        let handle = std::thread::spawn(move || {
            let mut drawn = false;
            while !flag.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(250));
                if started.elapsed() < Duration::from_secs(1) {
                    continue;
                }
                let mut err = std::io::stderr().lock();
                let _ = write!(
                    err,
                    "\r\x1b[2K{}",
                    line(progress.done(), total, started.elapsed())
                );
                let _ = err.flush();
                drawn = true;
            }
            if drawn {
                let _ = write!(std::io::stderr(), "\r\x1b[2K");
            }
        });
        Reporter {
            stop,
            handle: Some(handle),
        }
    }
}

impl Reporter {
    /// Erase the progress line so that a report line written to the same
    /// terminal starts clean; the next redraw brings it back.
    pub fn clear_line(&self) {
        let _ = write!(std::io::stderr(), "\r\x1b[2K");
    }
}

impl Drop for Reporter {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_reports_share_rate_and_time_left() {
        let l = line(2_000_000_000, 8_000_000_000, Duration::from_secs(2));
        assert_eq!(l, "keysweep: 2.00 of 8.00 GB (25%), 1000 MB/s 6 s left");
        assert!(line(0, 0, Duration::ZERO).contains("(100%)"));
    }
}
