//! Volume: an enterprise of 30,000 members (the size DESIGN plans for) is written and loaded
//! back whole. Timings are printed, not asserted (machines differ); the loaded state must
//! equal the written one.

use std::collections::BTreeSet;
use std::time::Instant;

use orgdir_domain::command::{Command, NewGroup};
use orgdir_domain::model::{BuiltinRole, Member, MemberId, OrgId};
use orgdir_store::suite::{Builder, enterprise, record, uuid};
use orgdir_store::{SqliteStore, Store};

const MEMBERS: u64 = 30_000;

#[test]
fn thirty_thousand_members() {
    let mut ent = enterprise(100_001, "dc=big,dc=test");
    ent.limits.max_root_orgs = 200;
    let mut b = Builder::new(ent);
    let root = b.state.root();
    let orgs: Vec<OrgId> = (0..200)
        .map(|i| {
            OrgId(b.create(Command::CreateOrg {
                parent: root,
                name: format!("Department {i}"),
            }))
        })
        .collect();
    let role = b.builtin(BuiltinRole::Member);
    // Built directly: the domain's per-command checks scan all members, which is the
    // directory's concern, not the store's.
    let mut all = BTreeSet::new();
    for i in 0..MEMBERS {
        let id = MemberId(b.state.alloc_id());
        let account = (10_001 + i).to_string();
        let odd = i % 2 == 1;
        let org = orgs[(i % 200) as usize];
        b.state.members.insert(
            id,
            Member {
                id,
                org,
                name: format!("Person {i}"),
                surname: "Person".into(),
                given_name: odd.then(|| format!("Given{i}")),
                mobile: odd.then(|| format!("+86 138 {i:08}")),
                email: Some(format!("p{i}@big.test")),
                title: odd.then(|| "Engineer".into()),
                employee_number: Some(format!("E{i}")),
                role,
                scope: vec![org],
                hidden: i % 97 == 0,
                disabled: i % 89 == 0,
                uid_number: 10_001 + i as u32,
                gid_number: 10_001 + i as u32,
                login_shell: "/bin/bash".into(),
                home_directory: format!("/home/{account}"),
                password: Some(format!("{{SSHA}}hash{i}")),
                must_change_password: !odd,
                uuid: uuid(100_001, 10_000 + i),
                created_at: 1_000,
                modified_at: 1_000 + i as i64,
                account,
            },
        );
        all.insert(id);
    }
    b.run(Command::CreateGroup(Box::new(NewGroup {
        name: "everyone".into(),
        members: all,
        ..NewGroup::default()
    })));

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.db");
    {
        let store = SqliteStore::open(&path).unwrap();
        let started = Instant::now();
        store
            .create_enterprise(&b.state, &record(1, "cli", "enterprise.create"))
            .unwrap();
        eprintln!(
            "create_enterprise of {MEMBERS} members: {:?}",
            started.elapsed()
        );
    }
    let store = SqliteStore::open(&path).unwrap();
    let started = Instant::now();
    let loaded = store.load_all().unwrap();
    eprintln!("load_all of {MEMBERS} members: {:?}", started.elapsed());
    assert_eq!(loaded.len(), 1);
    assert_eq!(loaded[0].members.len(), MEMBERS as usize);
    assert!(
        loaded[0] == b.state,
        "the loaded state differs from the written one"
    );

    // Adding one member to the 30,000-member group rewrites one membership row.
    let root_member = b
        .run(Command::AddMember(Box::new(
            orgdir_domain::command::NewMember {
                account: Some("newcomer".into()),
                org: Some(root),
                name: "New Comer".into(),
                role: Some(role),
                ..Default::default()
            },
        )))
        .changes;
    let everyone = b.group("everyone");
    let mut changes = root_member;
    changes.extend(
        b.run(Command::AddGroupMembers {
            group: everyone,
            members: [b.member("newcomer")].into_iter().collect(),
        })
        .changes,
    );
    let started = Instant::now();
    store
        .commit(100_001, &changes, &record(2, "admin", "member.add"))
        .unwrap();
    eprintln!(
        "commit to a {MEMBERS}-member group: {:?}",
        started.elapsed()
    );
    assert!(store.load_all().unwrap()[0] == b.state);
}
