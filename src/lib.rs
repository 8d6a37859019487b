#![warn(missing_docs)]
//! keysweep finds private keys and token-signing material in crash dumps and
//! other memory images, and reports each find with where it sat in the
//! process and which key it is.
//!
//! The data flows one way: [`input`] (paths to files) → [`layers`]
//! (compression, archives and crash-report wrappers peeled) → [`container`] (a file
//! to memory regions) → [`engine`] (one prefilter pass, in parallel) →
//! [`detect`] (confirm, decode, validate), next to [`recover`] (AES key
//! schedules and RSA limb arrays, which have no anchor) → findings
//! ([`model`], attributed to their regions) → [`report`] (json, jsonl,
//! sarif, text). [`rules`] describes every finding a detector reports.
//!
//! Modules depend downward only, in this order (no import cycles):
//! [`model`] (the JSON contract's types) ← [`keys`] (key model, validation,
//! fingerprints) ← [`formats`] (serialised key decoders) ← [`layers`], [`container`],
//! [`detect`], [`known_keys`] ← [`recover`] ← [`rules`] (the rule set) ←
//! [`engine`] (built from an [`engine::EngineConfig`]) ← [`report`],
//! [`baseline`], [`config`] (the flags, validated) ← [`app`] (the scan
//! pipeline and the other subcommands).
//!
//! The library builds exactly what `keysweep scan` runs: flags resolve into
//! a [`config::Config`], whose [`engine::EngineConfig`] builds the engine.
//!
//! ```no_run
//! use clap::Parser;
//! use keysweep::{app, cli, config::Config, engine::Engine};
//! let cli::Command::Scan(args) = cli::Cli::parse_from(["keysweep", "scan", "core.1234"]).command
//! else {
//!     unreachable!()
//! };
//! let config = Config::from_args(args).unwrap();
//! let engine = Engine::new(&config.engine).unwrap();
//! let options = app::ScanOptions { limits: config.limits, ..Default::default() };
//! let path = keysweep::input::Found::named("core.1234".into());
//! // one outcome for a plain file, one per member of an archive
//! for (input, findings) in app::scan_file(&engine, &path, &options, &Default::default()) {
//!     println!("{} ({:?}): {:?}", input.path, input.layers, input.coverage.status);
//!     for f in &findings {
//!         println!("{} at {:#x}: {:?}", f.kind, f.offset, f.fingerprint);
//!     }
//! }
//! ```
#![doc = ""]
#![doc = include_str!("../docs/json-contract.md")]

pub mod app;
pub mod baseline;
pub(crate) mod bytes;
pub mod cli;
pub mod config;
pub mod container;
pub mod detect;
pub mod engine;
pub mod exit;
pub mod formats;
pub mod input;
pub mod keys;
pub mod known_keys;
pub mod layers;
pub mod model;
pub mod progress;
pub mod recover;
pub mod redact;
pub mod report;
pub mod rules;
pub mod test_keys;
#[cfg(test)]
mod testutil;
