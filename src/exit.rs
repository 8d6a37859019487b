//! The process exit status: one enum, one merge rule.

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
}
