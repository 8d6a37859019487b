//! The process exit status: one enum, one merge rule.

use crate::model::{Severity, Summary};

/// What `keysweep` exits with. CI systems key on these numbers; they are stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitStatus {
    /// Every input was scanned and nothing was found.
    Clean = 0,
    /// At least one finding (whatever else happened).
    Findings = 1,
    /// A usage error, or an input that could not be scanned completely, and no findings.
    Error = 2,
}

impl ExitStatus {
    /// Combine the status of two parts of a run: findings outrank errors,
    /// errors outrank a clean result.
    pub fn merge(self, other: ExitStatus) -> ExitStatus {
        use ExitStatus::*;
        match (self, other) {
            (Findings, _) | (_, Findings) => Findings,
            (Error, _) | (_, Error) => Error,
            _ => Clean,
        }
    }

    /// The status of a scan whose report closed with `summary`: findings at
    /// or above `fail_on`, merged with an error for any input that could
    /// not be scanned completely, and, with `fail_on_unscannable`, for any
    /// input whose coverage is not `full`.
    pub fn of(summary: &Summary, fail_on: Severity, fail_on_unscannable: bool) -> ExitStatus {
        let s = &summary.by_severity;
        let failing = [
            (Severity::Critical, s.critical),
            (Severity::High, s.high),
            (Severity::Medium, s.medium),
            (Severity::Low, s.low),
        ]
        .iter()
        .any(|&(severity, n)| severity >= fail_on && n > 0);
        let findings = if failing {
            ExitStatus::Findings
        } else {
            ExitStatus::Clean
        };
        let unscannable = summary.coverage.partial + summary.coverage.none > 0;
        let errors = if summary.files_with_errors > 0 || (fail_on_unscannable && unscannable) {
            ExitStatus::Error
        } else {
            ExitStatus::Clean
        };
        findings.merge(errors)
    }

    /// The number the process exits with.
    pub fn code(self) -> i32 {
        self as i32
    }
}

#[cfg(test)]
mod tests {
    use super::ExitStatus::*;

    #[test]
    fn findings_outrank_errors_outrank_clean() {
        assert_eq!(Clean.merge(Clean), Clean);
        assert_eq!(Clean.merge(Error), Error);
        assert_eq!(Error.merge(Findings), Findings);
        assert_eq!(Findings.merge(Clean), Findings);
        assert_eq!(Findings.code(), 1);
        assert_eq!(Error.code(), 2);
        assert_eq!(Clean.code(), 0);
    }

    #[test]
    fn a_summary_fails_on_findings_at_the_threshold_and_errors() {
        use crate::model::{Severity, Summary};
        let mut s = Summary::default();
        assert_eq!(super::ExitStatus::of(&s, Severity::Low, false), Clean);
        s.by_severity.medium = 1;
        assert_eq!(super::ExitStatus::of(&s, Severity::High, false), Clean);
        assert_eq!(super::ExitStatus::of(&s, Severity::Medium, false), Findings);
        s.files_with_errors = 1;
        assert_eq!(super::ExitStatus::of(&s, Severity::High, false), Error);
        assert_eq!(super::ExitStatus::of(&s, Severity::Low, false), Findings);
        let mut partial = Summary::default();
        partial.coverage.partial = 1;
        assert_eq!(super::ExitStatus::of(&partial, Severity::Low, false), Clean);
        assert_eq!(super::ExitStatus::of(&partial, Severity::Low, true), Error);
    }
}
