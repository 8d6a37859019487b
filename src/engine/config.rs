//! What one engine runs: built once from the command line's flags (or by a
//! library caller) and handed to [`super::Engine::new`], so `keysweep scan`
//! and every other caller build the same engine from the same description.

use crate::detect::Family;
use crate::known_keys::KnownTarget;
pub use crate::recover::aes::AesAlignment;
use crate::rules::{RuleError, RuleSet};
use std::sync::Arc;

/// Default bytes a chunk owns: large enough to amortise scheduling, small
/// enough to spread one big region over all cores.
pub const DEFAULT_CHUNK: usize = 16 << 20;

/// Findings a rule reports at most in one file by default: the same secret
/// repeated through a dump (or a file stuffed with fakes) would otherwise
/// grow the report, and the memory holding it, without bound.
pub const DEFAULT_MAX_PER_RULE: usize = 1000;

/// Everything an [`super::Engine`] is built from.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// The detector families to run, anchor detectors and recoveries alike.
    pub families: Vec<Family>,
    /// Where the AES search looks (with [`Family::Aes`]).
    pub aes_alignment: AesAlignment,
    /// The rules the tokens family runs (with [`Family::Tokens`]).
    pub rules: Arc<RuleSet>,
    /// Public keys whose private halves are looked for in memory (with
    /// [`Family::Bignum`], whose candidates that search reuses).
    pub known_keys: Vec<KnownTarget>,
    /// Findings of one rule listed at most in one file (`None`: all); the
    /// rest are counted.
    pub max_findings_per_rule: Option<usize>,
    /// Bytes one task owns (tests use tiny chunks to put seams everywhere).
    pub chunk_size: usize,
    /// Leave out whole pages of zero bytes (tests turn it off to check it
    /// changes no result).
    pub skip_zero_pages: bool,
}

impl EngineConfig {
    /// What `keysweep scan` runs without flags, with `rules`.
    pub fn new(rules: Arc<RuleSet>) -> EngineConfig {
        EngineConfig {
            families: Family::ALL.to_vec(),
            aes_alignment: AesAlignment::Aligned,
            rules,
            known_keys: Vec::new(),
            max_findings_per_rule: Some(DEFAULT_MAX_PER_RULE),
            chunk_size: DEFAULT_CHUNK,
            skip_zero_pages: true,
        }
    }

    /// What `keysweep scan` runs without flags: every family, the built-in rules.
    pub fn builtin() -> Result<EngineConfig, RuleError> {
        Ok(EngineConfig::new(Arc::new(RuleSet::builtin()?)))
    }

    /// The same configuration, running only `families`.
    pub fn only(self, families: &[Family]) -> EngineConfig {
        EngineConfig {
            families: families.to_vec(),
            ..self
        }
    }

    /// Whether a family runs.
    pub fn runs(&self, family: Family) -> bool {
        self.families.contains(&family)
    }
}
