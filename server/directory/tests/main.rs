//! The directory service over a real SQLite file: the write path persists and publishes,
//! binds verify imported hashes and upgrade them, lockout expires with the (injected) clock.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use orgdir_directory::service::{BindError, Directory, DirectoryConfig, NewEnterprise};
use orgdir_directory::world::{ManualClock, OsEntropy};
use orgdir_domain::authz::Actor;
use orgdir_domain::command::{Command, NewMember};
use orgdir_domain::limits::Limits;
use orgdir_domain::model::BuiltinRole;
use orgdir_passwords::Argon2Params;
use orgdir_store::{AuditQuery, SqliteStore};

mod ldapwrite;
mod migrate;

const T0: i64 = 1_764_000_000;

fn config() -> DirectoryConfig {
    DirectoryConfig {
        argon2: Argon2Params {
            m_cost_kib: 64,
            t_cost: 1,
            p_cost: 1,
        },
        lockout_threshold: 3,
        lockout_seconds: 600,
        ..DirectoryConfig::default()
    }
}

fn open(path: &std::path::Path, clock: Arc<ManualClock>) -> Directory {
    let store = Arc::new(SqliteStore::open(path).unwrap());
    Directory::open(store, config(), clock, Arc::new(OsEntropy)).unwrap()
}

async fn enterprise(dir: &Directory) -> u64 {
    dir.create_enterprise(
        NewEnterprise {
            number: 200001,
            short_name: "Acme".into(),
            name: "Acme Corp".into(),
            naming_context: "dc=acme,dc=test".into(),
            seats: 100,
            account_range: (1, 999),
            expires_at: None,
            domain: Some("acme.test".into()),
            super_password: Some("Super-Secret-1".into()),
            limits: Limits::default(),
        },
        "test",
    )
    .await
    .unwrap()
}

async fn add_member(dir: &Directory, n: u64, account: &str, hash: &str) {
    let snap = dir.catalog().get(n).cloned().unwrap();
    let role = snap.state.builtin_role(BuiltinRole::Member).unwrap().id;
    dir.execute(
        n,
        Actor::System,
        "test",
        Command::AddMember(Box::new(NewMember {
            account: Some(account.into()),
            name: "Imported Person".into(),
            role: Some(role),
            password: Some(hash.into()),
            ..NewMember::default()
        })),
    )
    .await
    .unwrap();
}

fn stored_hash(dir: &Directory, n: u64, account: &str) -> String {
    let snap = dir.catalog().get(n).cloned().unwrap();
    snap.member_by_account(account)
        .unwrap()
        .password
        .clone()
        .unwrap()
}

#[tokio::test]
async fn writes_persist_publish_and_audit() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("orgdir.db");
    let clock = Arc::new(ManualClock::new(T0));
    {
        let dir = open(&db, clock.clone());
        let n = enterprise(&dir).await;
        let hash = dir.hash_new_password("Initial-Pass-1").await.unwrap();
        add_member(&dir, n, "7", &hash).await;
        // Published at once.
        let snap = dir.catalog().get(n).cloned().unwrap();
        let id = snap.lookup_ndn("uid=7,dc=acme,dc=test").unwrap();
        assert_eq!(&*snap.entry(id).unwrap().dn, "uid=7,dc=acme,dc=test");
        let audit = dir.store().audit(n, &AuditQuery::default()).unwrap();
        let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
        assert_eq!(actions, ["member.add", "enterprise.create"]);
        // A refused command changes nothing and writes no audit row.
        let before = dir.catalog().get(n).cloned().unwrap().revision;
        let err = dir
            .execute(
                n,
                Actor::System,
                "test",
                Command::DeleteOrg {
                    org: snap.state.root(),
                },
            )
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), "the root org cannot be deleted");
        assert_eq!(dir.catalog().get(n).unwrap().revision, before);
        assert_eq!(
            dir.store().audit(n, &AuditQuery::default()).unwrap().len(),
            2
        );
    }
    // Reopened from disk: the same directory, and the member can bind.
    let dir = open(&db, clock);
    let who = dir
        .bind("7@200001", b"Initial-Pass-1", "test")
        .await
        .unwrap();
    assert_eq!(who.dn, "uid=7,dc=acme,dc=test");
    assert!(
        dir.bind("cn=admin,dc=acme,dc=test", b"Super-Secret-1", "test")
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn imported_hashes_verify_and_upgrade_to_argon2id() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = open(&tmp.path().join("o.db"), Arc::new(ManualClock::new(T0)));
    let n = enterprise(&dir).await;
    // `slappasswd -h {SSHA} -s secret` and `openssl passwd -6 -salt saltsalt secret`.
    let ssha = "{SSHA}h+sE68AVq+7XBHfISG5eBlZ5hSojaHS9";
    let crypt = "{CRYPT}$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1";
    add_member(&dir, n, "1", ssha).await;
    add_member(&dir, n, "2", crypt).await;
    for (account, old) in [("1", ssha), ("2", crypt)] {
        assert_eq!(
            dir.bind(account, b"wrong", "test").await.unwrap_err(),
            BindError::InvalidCredentials
        );
        assert_eq!(
            stored_hash(&dir, n, account),
            old,
            "no upgrade on a failed bind"
        );
        dir.bind(account, b"secret", "test").await.unwrap();
        dir.flush_upgrades().await;
        let new = stored_hash(&dir, n, account);
        assert!(new.starts_with("{ARGON2}$argon2id$"), "{account}: {new}");
        // The upgraded hash still verifies.
        dir.bind(account, b"secret", "test").await.unwrap();
    }
}

#[tokio::test]
async fn lockout_counts_failures_and_expires() {
    let tmp = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let dir = open(&tmp.path().join("o.db"), clock.clone());
    let n = enterprise(&dir).await;
    let hash = dir.hash_new_password("Right-Pass-1").await.unwrap();
    add_member(&dir, n, "5", &hash).await;
    add_member(&dir, n, "6", &hash).await;
    // A success resets the count.
    dir.bind("5", b"bad", "t").await.unwrap_err();
    dir.bind("5", b"bad", "t").await.unwrap_err();
    dir.bind("5", b"Right-Pass-1", "t").await.unwrap();
    dir.bind("5", b"bad", "t").await.unwrap_err();
    dir.bind("5", b"bad", "t").await.unwrap_err();
    dir.bind("5", b"Right-Pass-1", "t").await.unwrap();
    // Three failures in a row lock it, whatever name form is used.
    dir.bind("5", b"bad", "t").await.unwrap_err();
    dir.bind("uid=5,dc=acme,dc=test", b"bad", "t")
        .await
        .unwrap_err();
    dir.bind("5@acme.test", b"bad", "t").await.unwrap_err();
    assert_eq!(
        dir.bind("5", b"Right-Pass-1", "t").await.unwrap_err(),
        BindError::InvalidCredentials
    );
    dir.bind("6", b"Right-Pass-1", "t").await.unwrap();
    clock.advance(601);
    dir.bind("5", b"Right-Pass-1", "t").await.unwrap();
}

#[tokio::test]
async fn new_passwords_follow_the_policy() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = open(&tmp.path().join("o.db"), Arc::new(ManualClock::new(T0)));
    for (pw, ok) in [
        ("short1A", false),
        ("alllowercase", false),
        ("Two-Classes", true),
    ] {
        assert_eq!(dir.hash_new_password(pw).await.is_ok(), ok, "{pw}");
    }
}

#[tokio::test]
async fn super_passwords_mix_three_classes() {
    use orgdir_directory::service::check_super_password_policy;
    // SPEC ENT-3: three of upper case, lower case, digits, symbols; plus the length rule.
    for (pw, ok) in [
        ("abcABC123", true),
        ("abcabc123", false),
        ("ABCABC123", false),
        ("abcABCdef", false),
        ("abc&*%abc", false),
        ("abc&*%123", true),
        ("ABC&*%123", true),
        ("Ab1&", false),
        ("Admin-Passw0rd-1", true),
        ("张伟abcABC", false),
        ("张伟abcAB1", true),
    ] {
        let got = check_super_password_policy(pw, 8);
        assert_eq!(got.is_ok(), ok, "{pw}: {got:?}");
        if let Err(e) = got {
            let text = e.to_string();
            assert!(
                text.contains("at least three of") || text.contains("at least 8"),
                "{pw}: {text}"
            );
        }
    }
    // New enterprises get their super password under the same rule.
    let tmp = tempfile::tempdir().unwrap();
    let dir = open(&tmp.path().join("o.db"), Arc::new(ManualClock::new(T0)));
    let weak = NewEnterprise {
        number: 200002,
        short_name: "Weak".into(),
        name: "Weak".into(),
        naming_context: String::new(),
        seats: 10,
        account_range: (1, 99),
        expires_at: None,
        domain: None,
        super_password: Some("twoclasses1".into()),
        limits: Limits::default(),
    };
    let err = dir.create_enterprise(weak, "test").await.unwrap_err();
    assert!(err.to_string().contains("at least three of"), "{err}");
    assert!(dir.catalog().get(200002).is_none());
}

#[tokio::test]
async fn audit_events_are_rows_without_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = open(&tmp.path().join("o.db"), Arc::new(ManualClock::new(T0)));
    let n = enterprise(&dir).await;
    let seq = dir.catalog().get(n).unwrap().revision;
    dir.audit_event(
        n,
        "anonymous",
        "api 10.0.0.1",
        "recovery.request",
        "",
        "no recovery email",
    )
    .await
    .unwrap();
    let rows = dir
        .store()
        .audit(
            n,
            &AuditQuery {
                action: Some("recovery.request".into()),
                limit: 10,
                ..AuditQuery::default()
            },
        )
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].at, rows[0].actor.as_str(), rows[0].detail.as_str()),
        (T0, "anonymous", "no recovery email")
    );
    // Nothing else changed: no changelog row, the same snapshot.
    assert!(dir.store().changelog_since(seq, 10).unwrap().is_empty());
    assert!(dir.audit_event(999, "x", "y", "z", "", "").await.is_err());
}

#[tokio::test]
async fn slow_hash_verifications_are_cached_until_anything_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let dir = open(&tmp.path().join("o.db"), clock.clone());
    let n = enterprise(&dir).await;
    let hash = dir.hash_new_password("Cached-Pass-1").await.unwrap();
    assert!(hash.starts_with("{ARGON2}"));
    add_member(&dir, n, "8", &hash).await;
    add_member(&dir, n, "9", "{SSHA}h+sE68AVq+7XBHfISG5eBlZ5hSojaHS9").await;
    dir.bind("8", b"Cached-Pass-1", "t").await.unwrap();
    assert_eq!(dir.cached_credentials(), 1);
    // Cheap schemes are not cached.
    dir.bind("9", b"secret", "t").await.unwrap();
    assert_eq!(dir.cached_credentials(), 1);
    // A wrong password is still wrong, and forgets the cached one.
    assert!(dir.bind("8", b"Wrong-Pass-1", "t").await.is_err());
    assert_eq!(dir.cached_credentials(), 0);
    dir.bind("8", b"Cached-Pass-1", "t").await.unwrap();
    // Expiry.
    clock.advance(301);
    dir.bind("8", b"Cached-Pass-1", "t").await.unwrap();
    // A password change ends it: the old password fails at once.
    let snap = dir.catalog().get(n).cloned().unwrap();
    let m = snap.member_by_account("8").unwrap().id;
    let new = dir.hash_new_password("Changed-Pass-2").await.unwrap();
    dir.execute(
        n,
        Actor::System,
        "t",
        Command::SetMemberPassword {
            member: m,
            hash: new,
            must_change: false,
        },
    )
    .await
    .unwrap();
    assert_eq!(dir.cached_credentials(), 0);
    assert!(dir.bind("8", b"Cached-Pass-1", "t").await.is_err());
    dir.bind("8", b"Changed-Pass-2", "t").await.unwrap();
    // Disabling ends it too.
    dir.execute(
        n,
        Actor::System,
        "t",
        Command::SetMemberDisabled {
            member: m,
            disabled: true,
        },
    )
    .await
    .unwrap();
    assert!(dir.bind("8", b"Changed-Pass-2", "t").await.is_err());
}

#[tokio::test]
async fn normalized_dns_match_the_parser() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = open(&tmp.path().join("o.db"), Arc::new(ManualClock::new(T0)));
    let n = enterprise(&dir).await;
    let root = dir.catalog().get(n).unwrap().state.root();
    for name in ["R&D, Ops", " Lead Space", "Trail#", "研发 部", "A+B=C"] {
        dir.execute(
            n,
            Actor::System,
            "t",
            Command::CreateOrg {
                parent: root,
                name: name.into(),
            },
        )
        .await
        .unwrap();
    }
    let snap = dir.catalog().get(n).cloned().unwrap();
    for e in &snap.entries {
        let parsed = orgdir_domain::dn::Dn::parse(&e.dn).unwrap();
        assert_eq!(&*e.ndn, parsed.normalized(), "{}", e.dn);
        assert_eq!(
            snap.lookup_ndn(&parsed.normalized()),
            snap.entries
                .iter()
                .position(|x| x.dn == e.dn)
                .map(|p| p as u32)
        );
    }
}

#[tokio::test]
async fn failures_from_one_address_are_throttled() {
    let tmp = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let store = Arc::new(SqliteStore::open(&tmp.path().join("o.db")).unwrap());
    let cfg = DirectoryConfig {
        bind_failures_per_minute: 4,
        ..config()
    };
    let dir = Directory::open(store, cfg, clock.clone(), Arc::new(OsEntropy)).unwrap();
    let n = enterprise(&dir).await;
    let hash = dir.hash_new_password("Right-Pass-1").await.unwrap();
    for a in ["11", "12", "13", "14", "15"] {
        add_member(&dir, n, a, &hash).await;
    }
    let spray: std::net::IpAddr = "192.0.2.7".parse().unwrap();
    let other: std::net::IpAddr = "192.0.2.8".parse().unwrap();
    // One wrong guess per account: no account reaches its lockout threshold (3)...
    for a in ["11", "12", "13", "14"] {
        assert!(dir.bind_from(a, b"guess", "t", Some(spray)).await.is_err());
    }
    // ...but the address has used its 4 failures: even a right password is refused now.
    assert!(
        dir.bind_from("15", b"Right-Pass-1", "t", Some(spray))
            .await
            .is_err()
    );
    // Other addresses are not affected, and the account itself is not locked.
    dir.bind_from("15", b"Right-Pass-1", "t", Some(other))
        .await
        .unwrap();
    clock.advance(61);
    dir.bind_from("15", b"Right-Pass-1", "t", Some(spray))
        .await
        .unwrap();
}

#[tokio::test]
async fn credentials_outside_the_enterprises_share_the_bind_defences() {
    let tmp = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let store = Arc::new(SqliteStore::open(&tmp.path().join("o.db")).unwrap());
    let cfg = DirectoryConfig {
        bind_failures_per_minute: 6,
        ..config()
    };
    let dir = Directory::open(store, cfg, clock.clone(), Arc::new(OsEntropy)).unwrap();
    let hash = dir.hash_new_password("Operator-Pass-1").await.unwrap();
    let ip: std::net::IpAddr = "192.0.2.9".parse().unwrap();
    let check = |key: &'static str, hash: Option<String>, enabled: bool, pw: &'static str| {
        let dir = &dir;
        async move {
            dir.verify_credential(key, hash.as_deref(), enabled, pw.as_bytes(), Some(ip))
                .await
        }
    };
    let h = || Some(hash.clone());
    check("op:a", h(), true, "Operator-Pass-1").await.unwrap();
    // Unknown, wrong and disabled all fail alike.
    for (key, hash, enabled, pw) in [
        ("op:nobody", None, true, "Operator-Pass-1"),
        ("op:a", h(), true, "wrong"),
        ("op:b", h(), false, "Operator-Pass-1"),
    ] {
        assert_eq!(
            check(key, hash, enabled, pw).await.unwrap_err(),
            BindError::InvalidCredentials
        );
    }
    // Three wrong passwords lock the key (threshold 3), right password or not.
    check("op:a", h(), true, "wrong").await.unwrap_err();
    check("op:a", h(), true, "wrong").await.unwrap_err();
    check("op:a", h(), true, "Operator-Pass-1")
        .await
        .unwrap_err();
    // The address has now failed 6 times in this minute: even another key is refused.
    check("op:c", h(), true, "Operator-Pass-1")
        .await
        .unwrap_err();
    clock.advance(601);
    check("op:a", h(), true, "Operator-Pass-1").await.unwrap();
    // A key is never a bind identity: binding as "op:a" knows nothing of it.
    assert!(dir.bind("op:a", b"Operator-Pass-1", "t").await.is_err());
}

/// `execute_planned` plans on the state current under the write lock and stores what it
/// planned in one commit; a plan with nothing to do writes nothing (no audit row).
#[tokio::test]
async fn planned_writes_see_the_current_state_and_commit_once() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = open(
        &tmp.path().join("orgdir.db"),
        Arc::new(ManualClock::new(T0)),
    );
    let n = enterprise(&dir).await;
    let audit = |dir: &Directory| dir.store().audit(n, &AuditQuery::default()).unwrap().len();
    let before = audit(&dir);
    let (outs, seen) = dir
        .execute_planned(n, Actor::EnterpriseAdmin, "test", |state| {
            (Vec::new(), state.orgs.len())
        })
        .await
        .unwrap();
    assert!(outs.is_empty());
    assert_eq!(seen, 1, "the root org only");
    assert_eq!(audit(&dir), before, "nothing to do writes nothing");
    // Two orgs, the second under the first, whose id the plan predicts from the state.
    let (outs, predicted) = dir
        .execute_planned(n, Actor::EnterpriseAdmin, "test", |state| {
            let root = state.root();
            let next = orgdir_domain::model::OrgId(state.next_id);
            let cmds = vec![
                Command::CreateOrg {
                    parent: root,
                    name: "R&D".into(),
                },
                Command::CreateOrg {
                    parent: next,
                    name: "Platform".into(),
                },
            ];
            (cmds, next)
        })
        .await
        .unwrap();
    assert_eq!(outs.len(), 2);
    assert_eq!(outs[0].created, Some(predicted.0));
    let snap = dir.catalog().get(n).cloned().unwrap();
    assert!(
        snap.lookup_ndn("ou=platform,ou=r&d,dc=acme,dc=test")
            .is_some()
    );
    assert_eq!(audit(&dir), before + 1, "one audit row for the batch");
    // Refused by the rules: nothing stored.
    let err = dir
        .execute_planned(n, Actor::EnterpriseAdmin, "test", |state| {
            let root = state.root();
            (vec![Command::DeleteOrg { org: root }], ())
        })
        .await;
    assert!(err.is_err());
    assert_eq!(audit(&dir), before + 1);
}
