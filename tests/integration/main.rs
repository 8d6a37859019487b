//! End-to-end tests: the real binary on real dumps (cores written by gdb's
//! gcore and minidumps written by minidump-writer of a live process holding
//! keys made by openssl, ssh-keygen and gpg), public sample minidumps, and
//! hostile copies of all of them. One test binary, one module a subject.

mod common;
mod contract;
mod costs;
mod evidence;
mod false_positives;
mod flags;
mod fleet;
mod hostile;
mod images;
mod live;
mod planted;
mod redact;
mod regressions;
mod reports;
mod rules;
mod tokens;
mod wrappers;
