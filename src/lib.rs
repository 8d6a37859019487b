#![warn(missing_docs)]
//! keysweep finds private keys and token-signing material in crash dumps and
//! other memory images, and reports each find with where it sat in the
//! process and which key it is.
//!
//! The data flows one way: [`input`] (paths to files) → [`container`] (a file
//! to memory regions) → [`engine`] (one prefilter pass, in parallel) →
//! [`detect`] (confirm, decode, validate), next to [`recover`] (AES key
//! schedules and RSA limb arrays, which have no anchor) → [`finding`]
//! (attributed, redacted) → [`report`] (json, jsonl, sarif, text).
//!
//! ```no_run
//! use keysweep::{app, detect, engine::Engine};
//! let engine = Engine::new(detect::default_detectors()).unwrap();
//! let (input, findings) = app::scan_file(&engine, std::path::Path::new("core.1234"), false);
//! for f in &findings {
//!     println!("{} at {:#x}: {:?}", f.kind, f.offset, f.fingerprint);
//! }
//! # let _ = input;
//! ```
#![doc = ""]
#![doc = include_str!("../docs/json-contract.md")]

pub mod app;
pub mod baseline;
pub mod cli;
pub mod container;
pub mod detect;
pub mod engine;
pub mod exit;
pub mod formats;
pub mod gitleaks;
pub mod input;
pub mod keys;
pub mod known;
pub mod model;
pub mod progress;
pub mod recover;
pub mod report;
pub mod rules;
#[cfg(test)]
mod testutil;
