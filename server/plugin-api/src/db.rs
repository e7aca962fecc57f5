//! A plugin's own database: a SQLite file of its own (WAL), apart from the core's, so a
//! plugin cannot reach the core's tables. One connection writes, and a small pool of
//! `READERS` (2) connections reads, so reports do not wait for clock-ins, nor for each other.
//! Calls run on tokio's blocking pool.
//!
//! The connections keep SQLite's default page cache (2 MB) and read the file with `pread`,
//! not a memory map: measured on the attendance plugin's month of 30,000 members (reads
//! that go through their tables in key order), a 64 MiB cache per connection changed no
//! time and kept 100 MB more in memory, and a memory map saved about 5 % on one report while
//! an I/O error on a mapped file would kill the server (SIGBUS) instead of failing a query.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError};

use rusqlite::Connection;

use crate::{Migration, PluginError};

/// How many connections read at once.
pub const READERS: usize = 2;

/// The plugin's database handle. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    write: Arc<Mutex<Connection>>,
    read: Arc<[Mutex<Connection>]>,
    /// Where the next reader looks first (spreads the waits when all are busy).
    next: Arc<AtomicUsize>,
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
        let read = (0..READERS)
            .map(|_| {
                let c = Connection::open(path)?;
                configure(&c)?;
                Ok(Mutex::new(c))
            })
            .collect::<Result<Vec<_>, PluginError>>()?;
        Ok(Db {
            write: Arc::new(Mutex::new(write)),
            read: read.into(),
            next: Arc::new(AtomicUsize::new(0)),
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

    /// Runs `f` with a reading connection on the blocking pool (sees the last committed
    /// state; never waits for a write in progress). Up to `READERS` (2) calls run at once; a
    /// further one waits for a connection.
    pub async fn read<T, F>(&self, f: F) -> Result<T, PluginError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, PluginError> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut c = db.reader()?;
            f(&mut c)
        })
        .await
        .map_err(|e| PluginError::Internal(e.to_string()))?
    }

    /// A free reading connection, else (all busy) the next one in turn, waited for.
    fn reader(&self) -> Result<MutexGuard<'_, Connection>, PluginError> {
        let n = self.read.len();
        let first = self.next.fetch_add(1, Ordering::Relaxed);
        for i in 0..n {
            let Some(conn) = self.read.get(first.wrapping_add(i) % n) else {
                continue;
            };
            match conn.try_lock() {
                Ok(c) => return Ok(c),
                Err(TryLockError::Poisoned(p)) => return Ok(p.into_inner()),
                Err(TryLockError::WouldBlock) => {}
            }
        }
        let conn = self
            .read
            .get(first % n.max(1))
            .ok_or_else(|| PluginError::Internal("no reading connection".into()))?;
        Ok(conn.lock().unwrap_or_else(PoisonError::into_inner))
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
        let c = self.reader()?;
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_reads_run_at_once() -> Result<(), PluginError> {
        use std::sync::mpsc::channel;
        use std::time::Duration;
        let dir = tempfile::tempdir().map_err(|e| PluginError::Internal(e.to_string()))?;
        let db = Db::open(&dir.path().join("p.db"))?;
        db.write(|c| {
            c.execute_batch("CREATE TABLE p_a (x INTEGER); INSERT INTO p_a VALUES (7);")?;
            Ok(())
        })
        .await?;
        // Each read, holding its connection, tells the other it is in and waits to hear the
        // same: with a single reading connection the second could not start until the
        // first gave up waiting.
        let (to_b, from_a) = channel::<()>();
        let (to_a, from_b) = channel::<()>();
        let meet = |send: std::sync::mpsc::Sender<()>, recv: std::sync::mpsc::Receiver<()>| {
            move |c: &mut Connection| {
                let x: i64 = c.query_row("SELECT x FROM p_a", [], |r| r.get(0))?;
                let _ = send.send(());
                let met = recv.recv_timeout(Duration::from_secs(30)).is_ok();
                Ok((x, met))
            }
        };
        let (a, b) = tokio::join!(db.read(meet(to_b, from_b)), db.read(meet(to_a, from_a)));
        assert_eq!(a?, (7, true), "the first read did not meet the second");
        assert_eq!(b?, (7, true), "the second read did not meet the first");
        // More reads than connections wait their turn; each connection is set up alike.
        let reads: Vec<_> = (0..READERS * 3)
            .map(|_| {
                let db = db.clone();
                tokio::spawn(async move {
                    db.read(|c| {
                        let mode: String = c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
                        let x: i64 = c.query_row("SELECT x FROM p_a", [], |r| r.get(0))?;
                        Ok((mode, x))
                    })
                    .await
                })
            })
            .collect();
        for r in reads {
            let r = r.await.map_err(|e| PluginError::Internal(e.to_string()))?;
            assert_eq!(r?, ("wal".to_string(), 7));
        }
        Ok(())
    }
}
