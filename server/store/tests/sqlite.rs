//! The SQLite backend: the shared suite on a file, plus durability, migrations, backups,
//! corrupt rows and concurrent use.

use std::path::{Path, PathBuf};

use orgdir_domain::command::Command;
use orgdir_store::suite::{Builder, record, sample, storage_suite};
use orgdir_store::{AuditQuery, Error, SCHEMA_VERSION, SqliteStore, Store};

fn db(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("orgdir.db")
}

fn raw(path: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).unwrap()
}

#[test]
fn storage_suite_on_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&db(&dir)).unwrap();
    storage_suite(&store);
    let mode: String = raw(&db(&dir))
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn storage_suite_in_memory() {
    storage_suite(&SqliteStore::open_in_memory().unwrap());
}

#[test]
fn data_survives_close_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = sample(100_001, "dc=example,dc=com");
    let seq = {
        let store = SqliteStore::open(&db(&dir)).unwrap();
        store
            .create_enterprise(&b.state, &record(1, "cli", "enterprise.create"))
            .unwrap();
        let root = b.state.root();
        let changes = b
            .run(Command::CreateOrg {
                parent: root,
                name: "Later".into(),
            })
            .changes;
        store
            .commit(100_001, &changes, &record(2, "admin", "org.create"))
            .unwrap()
    };
    let store = SqliteStore::open(&db(&dir)).unwrap();
    assert_eq!(store.load_all().unwrap(), vec![b.state]);
    assert_eq!(
        store.audit(100_001, &AuditQuery::default()).unwrap().len(),
        2
    );
    let log = store.changelog_since(0, u32::MAX).unwrap();
    assert_eq!(log.last().unwrap().seq, seq);
}

#[test]
fn migrations_are_recorded_once() {
    let dir = tempfile::tempdir().unwrap();
    let expected = vec![
        (1, "init".to_string()),
        (2, "containers".to_string()),
        (3, "operators_tokens".to_string()),
        (4, "enterprise_account".to_string()),
        (5, "images".to_string()),
        (6, "plugin_permissions".to_string()),
    ];
    assert_eq!(SCHEMA_VERSION, 6);
    {
        let store = SqliteStore::open(&db(&dir)).unwrap();
        assert_eq!(store.applied_migrations().unwrap(), expected);
    }
    let store = SqliteStore::open(&db(&dir)).unwrap();
    assert_eq!(
        store.applied_migrations().unwrap(),
        expected,
        "reopening adds nothing"
    );
    let tables: Vec<String> = raw(&db(&dir))
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for t in [
        "api_tokens",
        "audit",
        "changelog",
        "enterprises",
        "group_members",
        "groups",
        "members",
        "operators",
        "orgs",
        "roles",
        "schema_migrations",
        "services",
    ] {
        assert!(tables.iter().any(|x| x == t), "table {t} in {tables:?}");
    }
}

#[test]
fn a_newer_schema_refuses_to_open() {
    let dir = tempfile::tempdir().unwrap();
    drop(SqliteStore::open(&db(&dir)).unwrap());
    raw(&db(&dir))
        .execute(
            "INSERT INTO schema_migrations (version, name) VALUES (?1, 'from the future')",
            [SCHEMA_VERSION + 1],
        )
        .unwrap();
    match SqliteStore::open(&db(&dir)) {
        Err(e @ Error::SchemaTooNew { found, supported }) => {
            assert_eq!((found, supported), (SCHEMA_VERSION + 1, SCHEMA_VERSION));
            assert!(e.to_string().contains("upgrade orgdir"), "{e}");
        }
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
}

#[test]
fn backup_opens_and_loads_equal() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&db(&dir)).unwrap();
    let state = sample(100_001, "dc=example,dc=com").state;
    store
        .create_enterprise(&state, &record(1, "cli", "enterprise.create"))
        .unwrap();
    let copy = dir.path().join("backup.db");
    store.backup_to(&copy).unwrap();
    match store.backup_to(&copy) {
        Err(Error::Invalid(msg)) => assert!(msg.contains("already exists"), "{msg}"),
        other => panic!("expected a refusal to overwrite, got {other:?}"),
    }
    // Writes after the backup stay out of it.
    store
        .commit(100_001, &[], &record(2, "admin", "after.backup"))
        .unwrap();
    drop(store);
    let restored = SqliteStore::open(&copy).unwrap();
    assert_eq!(restored.load_all().unwrap(), vec![state]);
    assert_eq!(
        restored
            .audit(100_001, &AuditQuery::default())
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn unmappable_rows_are_reported_as_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let state = sample(100_001, "dc=example,dc=com").state;
    SqliteStore::open(&db(&dir))
        .unwrap()
        .create_enterprise(&state, &record(1, "cli", "enterprise.create"))
        .unwrap();
    let member = state.member_by_account("carol").unwrap().id.0;
    let key = format!("members row (100001, {member})");
    let cases = [
        (
            format!("UPDATE members SET scope = 'not json' WHERE id = {member}"),
            key.clone(),
        ),
        (
            format!("UPDATE members SET uuid = x'00' WHERE id = {member}"),
            key.clone(),
        ),
        (
            format!("UPDATE members SET uid_number = -1 WHERE id = {member}"),
            key,
        ),
        (
            "UPDATE roles SET permissions = '[\"fly\"]' WHERE builtin = 'member'".to_string(),
            "unknown permission \"fly\"".to_string(),
        ),
        (
            "UPDATE roles SET builtin = 'pilot' WHERE builtin = 'member'".to_string(),
            "unknown built-in role \"pilot\"".to_string(),
        ),
        (
            "UPDATE enterprises SET limits = '{\"max_root_orgs\": -1}'".to_string(),
            "limits".to_string(),
        ),
    ];
    for (i, (sql, expect)) in cases.iter().enumerate() {
        let copy = dir.path().join(format!("case{i}.db"));
        std::fs::copy(db(&dir), &copy).unwrap();
        raw(&copy).execute_batch(sql).unwrap();
        match SqliteStore::open(&copy).unwrap().load_all() {
            Err(Error::Corrupt(msg)) => assert!(msg.contains(expect.as_str()), "{sql}: {msg}"),
            other => panic!("{sql}: expected Corrupt, got {other:?}"),
        }
    }
}

#[test]
fn commits_from_many_threads() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&db(&dir)).unwrap();
    let b = Builder::new(orgdir_store::suite::bare_enterprise(100_001, "o=100001"));
    store
        .create_enterprise(&b.state, &record(1, "cli", "enterprise.create"))
        .unwrap();
    std::thread::scope(|s| {
        for t in 0..4 {
            let store = &store;
            s.spawn(move || {
                for i in 0..25 {
                    store
                        .commit(100_001, &[], &record(i, &format!("t{t}"), "ping"))
                        .unwrap();
                }
            });
        }
    });
    let rows = store
        .audit(
            100_001,
            &AuditQuery {
                action: Some("ping".into()),
                limit: 1_000,
                ..AuditQuery::default()
            },
        )
        .unwrap();
    assert_eq!(rows.len(), 100);
}

#[test]
fn attendance_permissions_move_to_the_plugin_keys() {
    // A database written before migration 6 held the attendance permissions as core keys.
    let dir = tempfile::tempdir().unwrap();
    let state = sample(100_001, "dc=example,dc=com").state;
    {
        let store = SqliteStore::open(&db(&dir)).unwrap();
        store
            .create_enterprise(&state, &record(1, "test", "enterprise.create"))
            .unwrap();
    }
    let c = raw(&db(&dir));
    c.execute(
        "UPDATE roles SET permissions = '[\"manage_members\",\"set_attendance_rules\",\"view_attendance\"]'",
        [],
    )
    .unwrap();
    c.execute("DELETE FROM schema_migrations WHERE version = 6", [])
        .unwrap();
    drop(c);
    let store = SqliteStore::open(&db(&dir)).unwrap();
    let loaded = store.load_all().unwrap();
    let keys: Vec<String> = loaded[0]
        .roles
        .values()
        .next()
        .unwrap()
        .permissions
        .iter()
        .map(|p| p.key().to_string())
        .collect();
    assert_eq!(
        keys,
        // Plugin keys sort by their text after the core's.
        ["manage_members", "attendance.set_rules", "attendance.view"]
    );
}
