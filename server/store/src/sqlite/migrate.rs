//! Schema migrations: numbered SQL files embedded in the binary, applied in order at open in
//! one transaction and recorded in `schema_migrations`, so a database is always at exactly
//! one known version and an older orgdir refuses a newer database instead of misreading it.

use rusqlite::{Connection, TransactionBehavior, params};

use crate::error::{Error, Result};

/// One schema step.
struct Migration {
    version: u32,
    name: &'static str,
    sql: &'static str,
}

/// Every migration, in order. Append only: never edit one that has shipped.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sql: include_str!("../../migrations/sqlite/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "containers",
        sql: include_str!("../../migrations/sqlite/0002_containers.sql"),
    },
    Migration {
        version: 3,
        name: "operators_tokens",
        sql: include_str!("../../migrations/sqlite/0003_operators_tokens.sql"),
    },
    Migration {
        version: 4,
        name: "enterprise_account",
        sql: include_str!("../../migrations/sqlite/0004_enterprise_account.sql"),
    },
    Migration {
        version: 5,
        name: "images",
        sql: include_str!("../../migrations/sqlite/0005_images.sql"),
    },
    Migration {
        version: 6,
        name: "plugin_permissions",
        sql: include_str!("../../migrations/sqlite/0006_plugin_permissions.sql"),
    },
];

/// The schema version this build writes (the last migration's).
pub const SCHEMA_VERSION: u32 = match MIGRATIONS.last() {
    Some(m) => m.version,
    None => 0,
};

/// Brings the schema up to [`SCHEMA_VERSION`].
pub(super) fn run(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY,
            name    TEXT    NOT NULL
        )",
    )?;
    let found: u32 = tx.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?;
    if found > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for m in MIGRATIONS.iter().filter(|m| m.version > found) {
        let failed = |source| Error::Migration {
            version: m.version,
            name: m.name,
            source,
        };
        tx.execute_batch(m.sql).map_err(failed)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name) VALUES (?1, ?2)",
            params![m.version, m.name],
        )
        .map_err(failed)?;
    }
    tx.commit()?;
    Ok(())
}

/// The recorded migrations, oldest first.
pub(super) fn applied(conn: &Connection) -> Result<Vec<(u32, String)>> {
    let mut stmt = conn.prepare("SELECT version, name FROM schema_migrations ORDER BY version")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_consecutive_from_one() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version as usize, i + 1, "migration {}", m.name);
        }
    }
}
