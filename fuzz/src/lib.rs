//! What the `scan` and `known` targets share: how they run the engine so
//! that coverage depends on the input alone, and what they assert about
//! every finding.

use keysweep::container::{MemoryMap, map_container};
use keysweep::engine::{Engine, Located};
use keysweep::model::ContainerKind;
use std::sync::OnceLock;

static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();

/// Run `work` on a one-thread rayon pool made of the fuzzing thread itself.
/// On rayon's shared pool, which chunks each worker took, and so the order
/// findings reached the merge and which paths the sort took, changed from
/// run to run, and the same inputs covered a few edges more or fewer each
/// time (measured: 9 524 to 9 534 edges over one 300-input set). Such noise
/// restarts the plateau clock for good.
pub fn on_fuzzing_thread(work: impl FnOnce() + Send) {
    let pool = POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .use_current_thread()
            .build()
            .unwrap()
    });
    pool.install(work);
}

/// Scan `data` as a raw file and as the container it claims to be: what a
/// scan of a file does, whichever way the container detection goes.
pub fn scan_raw_and_as_container(engine: &Engine, data: &[u8]) {
    for map in [
        MemoryMap::raw(data.len() as u64, ContainerKind::Raw, Vec::new()),
        map_container(data),
    ] {
        let (found, _) = engine.scan_mapped(data, &map);
        assert_inside(&found, data.len());
    }
}

/// Every finding, and every component of a rebuilt key, lies inside the
/// input: a report never points past the end of the file.
pub fn assert_inside(found: &[Located], len: usize) {
    for f in found {
        assert!(f.file_offset as usize + f.detection.len <= len);
        for c in &f.detection.components {
            assert!(c.file_offset + c.len <= len as u64);
        }
    }
}
