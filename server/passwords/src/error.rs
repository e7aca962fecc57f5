//! The crate's error type, kept in one place so every module reports
//! failures the same way and no error ever carries a password or a hash.

use crate::Scheme;

/// Everything that can go wrong while hashing or verifying a password.
///
/// No variant ever contains a password, a stored hash or a salt, so errors
/// are safe to log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The Argon2 parameters given to [`crate::Hasher::new`] are out of range.
    #[error("invalid argon2 parameters: {0}")]
    InvalidParams(String),
    /// The stored value starts with a `{TAG}` this crate does not know.
    #[error("unknown password scheme {{{0}}}")]
    UnknownScheme(String),
    /// The stored value has a known scheme but cannot be decoded.
    #[error("malformed {scheme} password value: {reason}")]
    Malformed {
        /// The scheme the value claimed to be.
        scheme: Scheme,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The stored value asks for more work (memory, iterations) than this
    /// crate is willing to spend on one verification.
    #[error("{scheme} password value exceeds the cost limits: {reason}")]
    CostTooHigh {
        /// The scheme of the stored value.
        scheme: Scheme,
        /// Which limit was exceeded.
        reason: &'static str,
    },
    /// The hash function itself failed (should not happen with valid input).
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

/// Shorthand for results carrying [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// Builds [`Error::Malformed`].
pub(crate) const fn malformed(scheme: Scheme, reason: &'static str) -> Error {
    Error::Malformed { scheme, reason }
}
