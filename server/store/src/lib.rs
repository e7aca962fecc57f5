//! Durable state for orgdir: "SQL is the durable truth" (DESIGN invariant 3).
//!
//! This is the only crate that speaks SQL. The directory service keeps every enterprise's
//! [`EnterpriseState`] in memory; at start-up it loads them all with [`Store::load_all`], and
//! every write commits the domain's row-level [`Change`]s, one changelog row per change and
//! one audit row in a single transaction with [`Store::commit`].
//!
//! Beside the directory it keeps the server operators and the API tokens
//! ([`OperatorRecord`], [`ApiTokenRecord`]): password hashes and token digests only, never a
//! secret. Token changes write their enterprise's audit row in the same transaction.
//!
//! [`Store`] is backend-neutral (no SQL library types in it). [`SqliteStore`] is the embedded
//! default: one SQLite file in WAL mode, schema migrations applied at open. A PostgreSQL
//! backend implements the same trait and must pass the same test suite
//! (`suite::storage_suite`, behind the `suite` feature).
//!
//! ```
//! use orgdir_domain::{limits::Limits, model::*};
//! use orgdir_store::{AuditRecord, SqliteStore, Store};
//!
//! # fn main() -> orgdir_store::Result<()> {
//! let store = SqliteStore::open_in_memory()?; // SqliteStore::open(path) for a file
//! let ent = Enterprise {
//!     number: 100001, short_name: "Example".into(), name: "Example Ltd".into(),
//!     naming_context: "dc=example,dc=com".into(), seats: 500, account_range: (10001, 19999),
//!     expires_at: None, domain: None, super_password: None, limits: Limits::default(),
//!     posix_base: 10000, groups_rdn: "cn=groups".into(),
//!     services_rdn: "cn=services".into(), uuid: [1; 16], account: Default::default(), created_at: 0, modified_at: 0,
//! };
//! let state = EnterpriseState::new(ent, || [2; 16]);
//! let audit = AuditRecord { at: 0, actor: "cli".into(), source: "cli".into(),
//!     action: "enterprise.create".into(), target: "100001".into(), detail: String::new() };
//! store.create_enterprise(&state, &audit)?;
//! assert_eq!(store.load_all()?, vec![state]);
//! # Ok(())
//! # }
//! ```

#![deny(missing_docs)]

mod access;
mod codec;
mod error;
mod images;
mod record;
mod sqlite;
#[cfg(feature = "suite")]
pub mod suite;

use std::path::Path;

use orgdir_domain::command::Change;
use orgdir_domain::model::{EnterpriseState, Timestamp};

pub use access::{ApiTokenRecord, NewApiToken, OperatorRecord, TokenAccess, TokenOwner};
pub use error::{Error, Result};
pub use images::{ImageKind, ImageRecord, ImageStatus, NewImage};
pub use record::{
    AuditEntry, AuditQuery, AuditRecord, ChangelogEntry, ENTITY_ENTERPRISE, ENTITY_GROUP,
    ENTITY_MEMBER, ENTITY_ORG, ENTITY_ROLE, ENTITY_SERVICE, OP_DELETE, OP_PUT,
};
pub use sqlite::{SCHEMA_VERSION, SqliteStore};

/// Durable storage of all enterprises. Every method is one transaction: it happens entirely
/// or not at all.
pub trait Store: Send + Sync {
    /// Every enterprise with all its orgs, members, roles, groups (with members) and service
    /// accounts, read from one consistent snapshot, ordered by enterprise number.
    fn load_all(&self) -> Result<Vec<EnterpriseState>>;

    /// Inserts a new enterprise with its whole initial state (root org, built-in roles and
    /// anything else in `state`), a changelog row per stored row and the audit row. Fails
    /// with [`Error::Conflict`] if the number or the naming context (compared in canonical
    /// form) is taken. Returns the last changelog sequence number.
    fn create_enterprise(&self, state: &EnterpriseState, audit: &AuditRecord) -> Result<u64>;

    /// Applies `changes` of enterprise `enterprise`, in order, with one changelog row per
    /// change and the audit row. On any error nothing is written. Returns the last changelog
    /// sequence number (the current one if `changes` is empty).
    ///
    /// The stored `next_id` of the enterprise moves past the highest id put, which equals the
    /// in-memory `next_id` as long as every allocated id is put (as `command::apply` does).
    fn commit(&self, enterprise: u64, changes: &[Change], audit: &AuditRecord) -> Result<u64>;

    /// Audit rows of an enterprise, newest first, filtered and paged by `query`.
    fn audit(&self, enterprise: u64, query: &AuditQuery) -> Result<Vec<AuditEntry>>;

    /// Changelog rows with a sequence number above `seq`, oldest first, at most `limit`.
    fn changelog_since(&self, seq: u64, limit: u32) -> Result<Vec<ChangelogEntry>>;

    /// Writes a consistent copy of the whole database to `path` while the store stays
    /// online. `path` must not exist yet.
    fn backup_to(&self, path: &Path) -> Result<()>;

    /// Adds a server operator, or replaces the one with the same name (compared without
    /// regard to ASCII case; the stored spelling becomes `op.name`).
    fn put_operator(&self, op: &OperatorRecord) -> Result<()>;

    /// The operator called `name` (any ASCII case), if any.
    fn operator(&self, name: &str) -> Result<Option<OperatorRecord>>;

    /// Every operator, ordered by name.
    fn operators(&self) -> Result<Vec<OperatorRecord>>;

    /// Removes the operator called `name` (any ASCII case); [`Error::NotFound`] if none.
    fn remove_operator(&self, name: &str) -> Result<()>;

    /// Stores a new API token with the audit row of its enterprise, in one transaction.
    /// Fails with [`Error::NotFound`] for an unknown enterprise and [`Error::Conflict`] for
    /// a member owner that does not exist or a digest already stored. Returns its id.
    fn create_api_token(&self, token: &NewApiToken, audit: &AuditRecord) -> Result<u64>;

    /// The tokens of an enterprise, oldest first.
    fn api_tokens(&self, enterprise: u64) -> Result<Vec<ApiTokenRecord>>;

    /// The token whose secret has this SHA-256 digest, if any.
    fn api_token_by_digest(&self, digest: &[u8; 32]) -> Result<Option<ApiTokenRecord>>;

    /// Records that token `id` was used at `at` (callers do this at most about once a
    /// minute per token, not on every request). A missing token is not an error: it may
    /// have been revoked meanwhile.
    fn touch_api_token(&self, id: u64, at: Timestamp) -> Result<()>;

    /// Deletes token `id` of `enterprise` with the audit row, in one transaction;
    /// [`Error::NotFound`] if the enterprise has no such token (nothing is written then).
    fn revoke_api_token(&self, enterprise: u64, id: u64, audit: &AuditRecord) -> Result<()>;

    /// Stores a submitted enterprise image as pending (ENT-5), replacing a pending image of
    /// the same kind, with its audit row. [`Error::NotFound`] for an unknown enterprise.
    fn submit_image(&self, image: &NewImage, audit: &AuditRecord) -> Result<u64>;

    /// The images of an enterprise (live, pending, last rejected), without their bytes.
    fn images(&self, enterprise: u64) -> Result<Vec<ImageRecord>>;

    /// Every pending image, oldest first (the operator's queue).
    fn pending_images(&self) -> Result<Vec<ImageRecord>>;

    /// Image `id` with its bytes.
    fn image(&self, id: u64) -> Result<Option<(ImageRecord, Vec<u8>)>>;

    /// The approved image of a kind, with its bytes: what others are shown.
    fn live_image(
        &self,
        enterprise: u64,
        kind: ImageKind,
    ) -> Result<Option<(ImageRecord, Vec<u8>)>>;

    /// Approves (it becomes the live image of its kind) or rejects the pending image `id`,
    /// with the audit row of its enterprise. [`Error::NotFound`] unless it is pending.
    fn review_image(
        &self,
        id: u64,
        approve: bool,
        reason: Option<&str>,
        at: orgdir_domain::model::Timestamp,
        audit: &AuditRecord,
    ) -> Result<ImageRecord>;
}
