//! Why a command was refused. Messages are for administrators: they name the limit or the
//! rule, never internals.

/// A rule violation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// A configurable limit would be exceeded.
    #[error("limit {limit} is {max}: {what}")]
    Limit {
        /// The limit's configuration key.
        limit: &'static str,
        /// Its value.
        max: u64,
        /// What would exceed it.
        what: String,
    },
    /// Something named does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// A name or account is already taken.
    #[error("{0} already exists")]
    AlreadyExists(String),
    /// A field value is malformed.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The change conflicts with the current state (e.g. deleting a non-empty org).
    #[error("{0}")]
    Conflict(String),
}

/// Why an actor may not run a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("permission denied: {0}")]
pub struct Denied(pub String);

impl RuleError {
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> RuleError {
        RuleError::Invalid {
            field,
            reason: reason.into(),
        }
    }
}
