//! Who may reach the server besides the directory's own identities: the server operators
//! (SPEC vocabulary "operator": they create enterprises and set seats, account ranges and
//! expiry) and long-lived API tokens for automation. Backend-neutral plain values, shared by
//! every [`crate::Store`] implementation.
//!
//! Secrets never reach the store: an operator's password arrives as an argon2id hash, a
//! token's secret as its SHA-256 digest.

use orgdir_domain::model::{MemberId, Timestamp};

/// A server operator.
#[derive(Clone, PartialEq, Eq)]
pub struct OperatorRecord {
    /// The sign-in name; unique without regard to ASCII case.
    pub name: String,
    /// The password hash (`{ARGON2}$argon2id$…`), never the password.
    pub password: String,
    /// When the operator was added.
    pub created_at: Timestamp,
    /// A disabled operator cannot sign in.
    pub disabled: bool,
}

impl std::fmt::Debug for OperatorRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The hash stays out of logs and panic messages.
        f.debug_struct("OperatorRecord")
            .field("name", &self.name)
            .field("created_at", &self.created_at)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

/// Whom an API token acts as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenOwner {
    /// The enterprise administrator.
    Admin,
    /// A member, identified by its id and its entryUUID when the token was made: the token
    /// stops working when the account is given to another person (new entryUUID, ORG-5).
    Member {
        /// The member.
        id: MemberId,
        /// Its entryUUID at the time.
        uuid: [u8; 16],
    },
}

/// What an API token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenAccess {
    /// Reads only: every request that is not GET (or HEAD) is refused.
    Read,
    /// Whatever its owner may do.
    ReadWrite,
}

impl TokenAccess {
    /// The stored and wire form: `read` or `read-write`.
    pub fn key(self) -> &'static str {
        match self {
            TokenAccess::Read => "read",
            TokenAccess::ReadWrite => "read-write",
        }
    }

    /// Parses [`TokenAccess::key`].
    pub fn from_key(key: &str) -> Option<TokenAccess> {
        match key {
            "read" => Some(TokenAccess::Read),
            "read-write" => Some(TokenAccess::ReadWrite),
            _ => None,
        }
    }
}

/// A token to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewApiToken {
    /// Its enterprise.
    pub enterprise: u64,
    /// Whom it acts as.
    pub owner: TokenOwner,
    /// A label chosen by its owner.
    pub name: String,
    /// SHA-256 of the secret.
    pub digest: [u8; 32],
    /// What it may do.
    pub access: TokenAccess,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it stops working, if ever.
    pub expires_at: Option<Timestamp>,
}

/// A stored token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiTokenRecord {
    /// Its id (never reused).
    pub id: u64,
    /// Its enterprise.
    pub enterprise: u64,
    /// Whom it acts as.
    pub owner: TokenOwner,
    /// Its label.
    pub name: String,
    /// SHA-256 of the secret.
    pub digest: [u8; 32],
    /// What it may do.
    pub access: TokenAccess,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it stops working, if ever.
    pub expires_at: Option<Timestamp>,
    /// When it was last used, to the precision its users record it with.
    pub last_used_at: Option<Timestamp>,
}
