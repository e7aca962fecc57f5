//! The rows a store keeps besides the directory itself: the audit trail (who did what, for
//! administrators) and the changelog (which row changed, for followers and replication).
//! Backend-neutral plain values, shared by every [`crate::Store`] implementation.

use orgdir_domain::model::Timestamp;

/// One audit row to write with a change. Written in the same transaction as the change it
/// describes, so the trail never claims a write that did not happen (or misses one that did).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditRecord {
    /// When (also the time of the changelog rows of the same commit).
    pub at: Timestamp,
    /// Who: an account, `super`, a service account, `cli`.
    pub actor: String,
    /// Where from, e.g. `ldap 127.0.0.1:5555`, `cli`, `panel 10.0.0.1`.
    pub source: String,
    /// What, a stable key such as `member.add`.
    pub action: String,
    /// On what, e.g. a DN or an account.
    pub target: String,
    /// Free text or JSON. Never a password or a password hash: the store writes it as given.
    pub detail: String,
}

/// A stored audit row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditEntry {
    /// Row id; grows with every write, so it orders rows by commit.
    pub id: u64,
    /// The enterprise the row belongs to.
    pub enterprise: u64,
    /// See [`AuditRecord::at`].
    pub at: Timestamp,
    /// See [`AuditRecord::actor`].
    pub actor: String,
    /// See [`AuditRecord::source`].
    pub source: String,
    /// See [`AuditRecord::action`].
    pub action: String,
    /// See [`AuditRecord::target`].
    pub target: String,
    /// See [`AuditRecord::detail`].
    pub detail: String,
}

/// Which audit rows to return. Every filter is optional; they combine with AND. Results are
/// newest first (by id, i.e. commit order, not by the caller-supplied time).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only rows whose actor contains this text (ASCII case-insensitive; `%` and `_` are
    /// literal).
    pub actor_contains: Option<String>,
    /// Only rows with exactly this action.
    pub action: Option<String>,
    /// Only rows at or after this time.
    pub since: Option<Timestamp>,
    /// Only rows strictly before this time.
    pub until: Option<Timestamp>,
    /// Only rows with an id below this one (keyset paging: pass the last id of a page).
    pub before_id: Option<u64>,
    /// At most this many rows; 0 means [`AuditQuery::DEFAULT_LIMIT`]. Capped at
    /// [`AuditQuery::MAX_LIMIT`].
    pub limit: u32,
    /// Skip this many matching rows first (offset paging).
    pub offset: u32,
}

impl AuditQuery {
    /// Rows returned when `limit` is 0.
    pub const DEFAULT_LIMIT: u32 = 100;
    /// The most rows one query returns.
    pub const MAX_LIMIT: u32 = 10_000;

    /// The limit actually applied.
    pub fn effective_limit(&self) -> u32 {
        match self.limit {
            0 => Self::DEFAULT_LIMIT,
            n => n.min(Self::MAX_LIMIT),
        }
    }
}

/// One changed directory row. A follower that sees it reloads that row (or drops it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangelogEntry {
    /// Sequence number: strictly increasing in commit order, never reused.
    pub seq: u64,
    /// The enterprise.
    pub enterprise: u64,
    /// The time of the commit (its audit record's time).
    pub at: Timestamp,
    /// Which table: one of the `ENTITY_*` constants (`enterprise`, `org`, `member`, `role`,
    /// `group`, `service`).
    pub entity: String,
    /// The row's id within the enterprise (the enterprise number for `enterprise`).
    pub entity_id: u64,
    /// [`OP_PUT`] or [`OP_DELETE`].
    pub op: String,
}

/// Changelog entity of the enterprise record.
pub const ENTITY_ENTERPRISE: &str = "enterprise";
/// Changelog entity of orgs.
pub const ENTITY_ORG: &str = "org";
/// Changelog entity of members.
pub const ENTITY_MEMBER: &str = "member";
/// Changelog entity of roles.
pub const ENTITY_ROLE: &str = "role";
/// Changelog entity of groups (including their member lists).
pub const ENTITY_GROUP: &str = "group";
/// Changelog entity of service accounts.
pub const ENTITY_SERVICE: &str = "service";
/// Changelog op: the row was inserted or replaced.
pub const OP_PUT: &str = "put";
/// Changelog op: the row was deleted.
pub const OP_DELETE: &str = "delete";
