//! A plugin's own database: a SQLite file of its own (WAL), apart from the core's, so a
//! plugin cannot reach the core's tables. One connection writes, another reads, so reports
//! do not wait for clock-ins. Calls run on tokio's blocking pool.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use rusqlite::Connection;

use crate::{Migration, PluginError};

/// The plugin's database handle. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    write: Arc<Mutex<Connection>>,
    read: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Db")
    }
}

fn configure(c: &Connection) -> rusqlite::Result<()> {
    c.pragma_update(None, "journal_mode", "WAL")?;
    c.pragma_update(None, "synchronous", "NORMAL")?;
    c.pragma_update(None, "foreign_keys", "ON")?;
    c.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(())
}

/// Refuses any table, index, view or trigger not named `<prefix>_…` (the host's own are
/// `_orgdir_…`).
fn check_names(c: &Connection, prefix: &str) -> Result<(), PluginError> {
    let own = format!("{prefix}_");
    let mut stmt = c.prepare(
        "SELECT type, name FROM sqlite_schema WHERE type IN ('table','index','view','trigger')",
    )?;
    let names = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (kind, name) in names {
        let allowed =
            name.starts_with(&own) || name.starts_with("_orgdir_") || name.starts_with("sqlite_");
        if !allowed {
            return Err(PluginError::Invalid(format!(
                "plugin {prefix}: {kind} {name:?} is not named {own}…"
            )));
        }
    }
    Ok(())
}

impl Db {
    /// Opens (creating) the database file at `path` (used by the host).
    pub fn open(path: &Path) -> Result<Db, PluginError> {
        let write = Connection::open(path)?;
        configure(&write)?;
        let read = Connection::open(path)?;
        configure(&read)?;
        Ok(Db {
            write: Arc::new(Mutex::new(write)),
            read: Arc::new(Mutex::new(read)),
        })
    }

    /// Runs `f` with the writing connection on the blocking pool (wrap several statements
    /// in a transaction with `conn.transaction()`).
    pub async fn write<T, F>(&self, f: F) -> Result<T, PluginError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, PluginError> + Send + 'static,
    {
        let conn = self.write.clone();
        tokio::task::spawn_blocking(move || {
            let mut c = conn.lock().unwrap_or_else(PoisonError::into_inner);
            f(&mut c)
        })
        .await
        .map_err(|e| PluginError::Internal(e.to_string()))?
    }

    /// Runs `f` with the reading connection on the blocking pool (sees the last committed
    /// state; never waits for a write in progress).
    pub async fn read<T, F>(&self, f: F) -> Result<T, PluginError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, PluginError> + Send + 'static,
    {
        let conn = self.read.clone();
        tokio::task::spawn_blocking(move || {
            let mut c = conn.lock().unwrap_or_else(PoisonError::into_inner);
            f(&mut c)
        })
        .await
        .map_err(|e| PluginError::Internal(e.to_string()))?
    }

    /// Runs the migrations not yet run, in order, each in its own transaction with its
    /// version recorded in `_orgdir_migrations`; then checks that every table and index in
    /// the file is named `<prefix>_…` (or is the host's `_orgdir_…`). Used by the host at
    /// start; blocking.
    pub fn migrate(&self, prefix: &str, migrations: &[Migration]) -> Result<u32, PluginError> {
        let mut c = self.write.lock().unwrap_or_else(PoisonError::into_inner);
        c.execute_batch(
            "CREATE TABLE IF NOT EXISTS _orgdir_migrations (
                 version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL);
             CREATE TABLE IF NOT EXISTS _orgdir_jobs (
                 name TEXT PRIMARY KEY, last_run INTEGER NOT NULL);",
        )?;
        let done: u32 = c.query_row(
            "SELECT COALESCE(MAX(version), 0) FROM _orgdir_migrations",
            [],
            |r| r.get(0),
        )?;
        let known = u32::try_from(migrations.len()).unwrap_or(u32::MAX);
        if done > known {
            return Err(PluginError::Invalid(format!(
                "the database of {prefix} is at version {done}, newer than this build ({known}): \
                 run the newer orgdir"
            )));
        }
        let mut ran = 0;
        for m in migrations.iter().filter(|m| m.version > done) {
            let tx = c.transaction()?;
            tx.execute_batch(m.sql)?;
            check_names(&tx, prefix)?;
            tx.execute(
                "INSERT INTO _orgdir_migrations (version, name, applied_at)
                 VALUES (?1, ?2, strftime('%s','now'))",
                rusqlite::params![m.version, m.name],
            )?;
            tx.commit()?;
            ran += 1;
        }
        check_names(&c, prefix)?;
        Ok(ran)
    }

    /// Writes a consistent copy of the database to `path` (`VACUUM INTO`; safe while the
    /// server runs; `path` must not exist). Used by `orgdir backup`; blocking.
    pub fn backup_to(&self, path: &Path) -> Result<(), PluginError> {
        if path.exists() {
            return Err(PluginError::Invalid(format!(
                "backup target {} already exists",
                path.display()
            )));
        }
        let target = path.to_str().ok_or_else(|| {
            PluginError::Invalid(format!("backup target {} is not UTF-8", path.display()))
        })?;
        let c = self.read.lock().unwrap_or_else(PoisonError::into_inner);
        c.execute("VACUUM INTO ?1", [target])?;
        Ok(())
    }

    /// When job `name` last ran (Unix seconds), if ever (used by the host's scheduler).
    pub async fn job_last_run(&self, name: &'static str) -> Result<Option<i64>, PluginError> {
        self.write(move |c| {
            use rusqlite::OptionalExtension;
            Ok(c.query_row(
                "SELECT last_run FROM _orgdir_jobs WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()?)
        })
        .await
    }

    /// Records that job `name` ran at `at` (used by the host's scheduler).
    pub async fn set_job_last_run(&self, name: &'static str, at: i64) -> Result<(), PluginError> {
        self.write(move |c| {
            c.execute(
                "INSERT INTO _orgdir_jobs (name, last_run) VALUES (?1, ?2)
                 ON CONFLICT(name) DO UPDATE SET last_run = excluded.last_run",
                rusqlite::params![name, at],
            )?;
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn migrations_run_once_and_names_are_checked() -> Result<(), PluginError> {
        let dir = tempfile::tempdir().map_err(|e| PluginError::Internal(e.to_string()))?;
        let db = Db::open(&dir.path().join("p.db"))?;
        let ms = [
            Migration {
                version: 1,
                name: "a",
                sql: "CREATE TABLE p_a (x INTEGER); CREATE INDEX p_a_x ON p_a (x);",
            },
            Migration {
                version: 2,
                name: "b",
                sql: "ALTER TABLE p_a ADD COLUMN y TEXT;",
            },
        ];
        assert_eq!(db.migrate("p", &ms)?, 2);
        assert_eq!(db.migrate("p", &ms)?, 0);
        db.write(|c| {
            c.execute("INSERT INTO p_a (x, y) VALUES (1, 'one')", [])?;
            Ok(())
        })
        .await?;
        let y: String = db
            .read(|c| Ok(c.query_row("SELECT y FROM p_a", [], |r| r.get(0))?))
            .await?;
        assert_eq!(y, "one");
        // A build that knows fewer migrations than the file has refuses it.
        assert!(db.migrate("p", &ms[..1]).is_err());
        // A table outside the namespace is refused, and not kept.
        let rogue = [Migration {
            version: 1,
            name: "rogue",
            sql: "CREATE TABLE members (x INTEGER);",
        }];
        let other = Db::open(&dir.path().join("q.db"))?;
        let err = other.migrate("q", &rogue).err().map(|e| e.to_string());
        assert!(
            err.is_some_and(|e| e.contains("members")),
            "rogue table accepted"
        );
        let kept: i64 = other
            .read(|c| {
                Ok(c.query_row(
                    "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'members'",
                    [],
                    |r| r.get(0),
                )?)
            })
            .await?;
        assert_eq!(kept, 0);
        // A backup holds the same rows.
        let copy = dir.path().join("copy.db");
        db.backup_to(&copy)?;
        assert!(db.backup_to(&copy).is_err(), "a backup overwrote a file");
        let rows: i64 = Db::open(&copy)?
            .read(|c| Ok(c.query_row("SELECT COUNT(*) FROM p_a", [], |r| r.get(0))?))
            .await?;
        assert_eq!(rows, 1);
        // Jobs remember their last run.
        assert_eq!(db.job_last_run("close").await?, None);
        db.set_job_last_run("close", 42).await?;
        db.set_job_last_run("close", 43).await?;
        assert_eq!(db.job_last_run("close").await?, Some(43));
        Ok(())
    }
}
