//! The embedded backend: one SQLite file in WAL mode behind one mutex-guarded connection.
//!
//! Writes are serialized by the directory service anyway, so one connection costs nothing
//! and keeps transactions simple; WAL lets a backup or a second process read meanwhile.
//!
//! Pragmas at open: `journal_mode=WAL`, `synchronous=NORMAL` (a commit survives a crash of
//! the process; a power cut may lose the last few commits but never corrupts the file),
//! `foreign_keys=ON`, and a busy timeout for other processes' locks.

mod access;
mod images;
mod migrate;
mod read;
mod write;

use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use orgdir_domain::command::Change;
use orgdir_domain::model::{EnterpriseState, Timestamp};
use rusqlite::{Connection, TransactionBehavior};

use crate::Store;
use crate::access::{ApiTokenRecord, NewApiToken, OperatorRecord};
use crate::error::{Error, Result};
use crate::record::{AuditEntry, AuditQuery, AuditRecord, ChangelogEntry};

pub use migrate::SCHEMA_VERSION;

/// How long a statement waits for another process's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Prepared statements kept per connection (there are about 30 distinct ones).
const STATEMENT_CACHE: usize = 64;

/// A [`Store`] in one SQLite database.
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `path` and brings its schema up to date.
    /// Fails with [`Error::SchemaTooNew`] if a newer orgdir wrote it.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        SqliteStore::init(Connection::open(path)?)
    }

    /// A private in-memory database (for tests and tools; gone when dropped).
    pub fn open_in_memory() -> Result<SqliteStore> {
        SqliteStore::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<SqliteStore> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // An in-memory database answers "memory": WAL only applies to files.
        let _mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let fk: i64 = conn.pragma_query_value(None, "foreign_keys", |r| r.get(0))?;
        if fk != 1 {
            return Err(Error::Invalid(
                "this SQLite library cannot enforce foreign keys".into(),
            ));
        }
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        migrate::run(&mut conn)?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
        })
    }

    /// The applied schema migrations, oldest first, as (version, name).
    pub fn applied_migrations(&self) -> Result<Vec<(u32, String)>> {
        migrate::applied(&*self.lock()?)
    }

    fn lock(&self) -> Result<MutexGuard<'_, Connection>> {
        self.conn.lock().map_err(|_| Error::Poisoned)
    }
}

impl Store for SqliteStore {
    fn load_all(&self) -> Result<Vec<EnterpriseState>> {
        let mut conn = self.lock()?;
        let tx = conn.transaction()?;
        let all = read::load_all(&tx)?;
        tx.commit()?;
        Ok(all)
    }

    fn create_enterprise(&self, state: &EnterpriseState, audit: &AuditRecord) -> Result<u64> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let seq = write::create_enterprise(&tx, state, audit)?;
        write::finish(tx, state.enterprise.number)?;
        Ok(seq)
    }

    fn commit(&self, enterprise: u64, changes: &[Change], audit: &AuditRecord) -> Result<u64> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let seq = write::commit(&tx, enterprise, changes, audit)?;
        write::finish(tx, enterprise)?;
        Ok(seq)
    }

    fn audit(&self, enterprise: u64, query: &AuditQuery) -> Result<Vec<AuditEntry>> {
        read::audit(&*self.lock()?, enterprise, query)
    }

    fn changelog_since(&self, seq: u64, limit: u32) -> Result<Vec<ChangelogEntry>> {
        read::changelog_since(&*self.lock()?, seq, limit)
    }

    fn backup_to(&self, path: &Path) -> Result<()> {
        if path.exists() {
            return Err(Error::Invalid(format!(
                "backup target {} already exists",
                path.display()
            )));
        }
        let target = path.to_str().ok_or_else(|| {
            Error::Invalid(format!(
                "backup target {} is not valid UTF-8",
                path.display()
            ))
        })?;
        self.lock()?.execute("VACUUM INTO ?1", [target])?;
        Ok(())
    }

    fn put_operator(&self, op: &OperatorRecord) -> Result<()> {
        access::put_operator(&*self.lock()?, op)
    }

    fn operator(&self, name: &str) -> Result<Option<OperatorRecord>> {
        access::operator(&*self.lock()?, name)
    }

    fn operators(&self) -> Result<Vec<OperatorRecord>> {
        access::operators(&*self.lock()?)
    }

    fn remove_operator(&self, name: &str) -> Result<()> {
        access::remove_operator(&*self.lock()?, name)
    }

    fn create_api_token(&self, token: &NewApiToken, audit: &AuditRecord) -> Result<u64> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let id = access::create_api_token(&tx, token, audit)?;
        write::finish(tx, token.enterprise)?;
        Ok(id)
    }

    fn api_tokens(&self, enterprise: u64) -> Result<Vec<ApiTokenRecord>> {
        access::api_tokens(&*self.lock()?, enterprise)
    }

    fn api_token_by_digest(&self, digest: &[u8; 32]) -> Result<Option<ApiTokenRecord>> {
        access::api_token_by_digest(&*self.lock()?, digest)
    }

    fn touch_api_token(&self, id: u64, at: Timestamp) -> Result<()> {
        access::touch_api_token(&*self.lock()?, id, at)
    }

    fn revoke_api_token(&self, enterprise: u64, id: u64, audit: &AuditRecord) -> Result<()> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        access::revoke_api_token(&tx, enterprise, id, audit)?;
        write::finish(tx, enterprise)
    }

    fn submit_image(&self, image: &crate::NewImage, audit: &AuditRecord) -> Result<u64> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let id = images::submit(&tx, image, audit)?;
        write::finish(tx, image.enterprise)?;
        Ok(id)
    }

    fn images(&self, enterprise: u64) -> Result<Vec<crate::ImageRecord>> {
        images::images(&*self.lock()?, enterprise)
    }

    fn pending_images(&self) -> Result<Vec<crate::ImageRecord>> {
        images::pending(&*self.lock()?)
    }

    fn image(&self, id: u64) -> Result<Option<(crate::ImageRecord, Vec<u8>)>> {
        images::bytes(&*self.lock()?, id)
    }

    fn live_image(
        &self,
        enterprise: u64,
        kind: crate::ImageKind,
    ) -> Result<Option<(crate::ImageRecord, Vec<u8>)>> {
        images::live(&*self.lock()?, enterprise, kind)
    }

    fn review_image(
        &self,
        id: u64,
        approve: bool,
        reason: Option<&str>,
        at: orgdir_domain::model::Timestamp,
        audit: &AuditRecord,
    ) -> Result<crate::ImageRecord> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let rec = images::review(&tx, id, approve, reason, at, audit)?;
        write::finish(tx, rec.enterprise)?;
        Ok(rec)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)] // a failing test panics
mod tests {
    use super::*;

    #[test]
    fn a_poisoned_connection_is_an_error_not_a_panic() {
        let store = SqliteStore::open_in_memory().unwrap();
        std::thread::scope(|s| {
            let joined = s
                .spawn(|| {
                    let _guard = store.conn.lock().unwrap();
                    panic!("simulated failure while holding the connection");
                })
                .join();
            assert!(joined.is_err());
        });
        assert!(matches!(store.load_all(), Err(Error::Poisoned)));
        assert!(matches!(store.applied_migrations(), Err(Error::Poisoned)));
    }
}
