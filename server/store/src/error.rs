//! Why a storage operation failed. One error type for every backend, so callers (the
//! directory service, the daemon) can tell a refused write from a broken database without
//! knowing which database it is.

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The write contradicts what is stored (a taken number, naming context, account or
    /// name, or a reference to a missing row). Nothing of the write was kept.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A row the write refers to (an enterprise, or a row to delete) does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// A stored row cannot be mapped back to the domain (bad JSON, unknown key, bad UUID).
    #[error("corrupt store: {0}")]
    Corrupt(String),
    /// A value cannot be stored (e.g. an integer beyond the database's range).
    #[error("invalid value: {0}")]
    Invalid(String),
    /// The database was written by a newer orgdir.
    #[error(
        "the database has schema version {found}, but this orgdir supports at most {supported}; \
         upgrade orgdir or restore a backup made by this version"
    )]
    SchemaTooNew {
        /// The newest schema version recorded in the database.
        found: u32,
        /// The newest schema version this build knows.
        supported: u32,
    },
    /// A previous operation panicked while holding the connection; the store refuses further
    /// use rather than risk a half-done transaction.
    #[error("store unavailable: a previous operation panicked while holding the connection")]
    Poisoned,
    /// A schema migration could not be applied; the database is left at the previous version.
    #[error("schema migration {version} ({name}) failed: {source}")]
    Migration {
        /// The migration's version.
        version: u32,
        /// Its name.
        name: &'static str,
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
    /// The SQLite library reported an error.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// Storage result.
pub type Result<T, E = Error> = std::result::Result<T, E>;
