//! Inputs: turning the paths a user gave (local or `s3://`) into the files
//! to scan, and opening each one without reading a whole dump into memory.

mod discover;
pub mod object;
pub mod shard;
pub mod sigbus;
mod source;
mod xattr;

pub use discover::{
    Discovered, FileId, Found, PathFilter, Skipped, discover, read_path_list, read_path_list_null,
};
pub use source::{FileSource, OpenAs, STDIN_PATH, open, release};
pub use xattr::coredump_process;
