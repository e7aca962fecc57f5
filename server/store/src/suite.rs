//! The storage test suite every backend runs (STYLE 15, after garage's `src/db`): one
//! function, [`storage_suite`], that checks the whole [`Store`] contract against a real
//! database, plus the fixture builders it uses so backend tests can build more.
//!
//! Compiled only with the `suite` feature. States are built with
//! [`orgdir_domain::command::apply`], so "what the store returns" is compared with "what the
//! domain holds in memory after the same commands".

// Test support: a failed check panics, which is how a test reports failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;

use orgdir_domain::command::{
    Change, Command, Ctx, MemberPatch, NewGroup, NewMember, NewService, Outcome, apply,
};
use orgdir_domain::limits::Limits;
use orgdir_domain::model::{
    BuiltinRole, Enterprise, EnterpriseAccount, EnterpriseState, GroupId, MemberId, OrgId, Profile,
    ProfileChange, Review, Role, RoleId, ServiceId, Timestamp,
};
use orgdir_domain::role::Permission;

use crate::{
    ApiTokenRecord, AuditEntry, AuditQuery, AuditRecord, ChangelogEntry, Error, ImageKind,
    ImageStatus, NewApiToken, NewImage, OP_DELETE, OP_PUT, OperatorRecord, Store, TokenAccess,
    TokenOwner,
};

/// Runs every check against `store`, which must not hold enterprises 900001–900010 yet
/// (an empty store is simplest). Panics on the first failure.
pub fn storage_suite(store: &dyn Store) {
    round_trip(store);
    commits_match_apply(store);
    changelog_sequence(store);
    audit_queries(store);
    duplicate_enterprise_is_refused(store);
    failed_commit_writes_nothing(store);
    operators(store);
    api_tokens(store);
    images(store);
}

/// A deterministic entryUUID: the enterprise number and a counter.
pub fn uuid(enterprise: u64, n: u64) -> [u8; 16] {
    let mut u = [0u8; 16];
    u[..8].copy_from_slice(&enterprise.to_be_bytes());
    u[8..].copy_from_slice(&n.to_be_bytes());
    u
}

/// An enterprise record with every optional field set and non-default limits.
pub fn enterprise(number: u64, naming_context: &str) -> Enterprise {
    Enterprise {
        number,
        short_name: format!("Ent{number}"),
        name: format!("Enterprise {number} Ltd"),
        naming_context: naming_context.into(),
        seats: 40_000,
        account_range: (10_001, 49_999),
        expires_at: Some(1_900_000_000),
        domain: Some(format!("e{number}.example.com")),
        super_password: Some("{ARGON2}$argon2id$v=19$super".into()),
        limits: Limits {
            max_root_orgs: 50,
            max_members_per_org: 40_000,
            max_scope_orgs: 4,
            max_org_depth: 10,
            max_groups: 20,
        },
        posix_base: 20_000,
        groups_rdn: "ou=Groups".into(),
        services_rdn: "ou=Applications".into(),
        uuid: uuid(number, 0),
        // Every field set, so the round trip through the store covers them.
        account: EnterpriseAccount {
            profile: Profile {
                address: Some("1 Road, 北京".into()),
                industry: Some("Software".into()),
                contact_name: Some("Li Lei".into()),
                contact_phone: Some("+86 10 1234".into()),
                contact_email: Some("contact@example.com".into()),
            },
            pending: Some(ProfileChange {
                name: format!("Enterprise {number} Group"),
                short_name: "Group".into(),
                profile: Profile {
                    industry: Some("Hardware".into()),
                    ..Profile::default()
                },
                submitted_at: 999,
            }),
            last_review: Some(Review {
                approved: false,
                reason: Some("name does not match the licence".into()),
                at: 998,
            }),
            recovery_email: Some("it@example.com".into()),
            initial_password: Some("{ARGON2}$argon2id$v=19$m=64,t=1,p=1$c2FsdA$aGFzaA".into()),
            plugins: [(
                "attendance".to_string(),
                orgdir_domain::model::PluginSetting {
                    enabled: true,
                    changed_at: 997,
                    defaults_granted: true,
                },
            )]
            .into(),
        },
        created_at: 1_000,
        modified_at: 1_001,
    }
}

/// An enterprise record with every optional field unset and default limits.
pub fn bare_enterprise(number: u64, naming_context: &str) -> Enterprise {
    Enterprise {
        expires_at: None,
        domain: None,
        super_password: None,
        limits: Limits::default(),
        ..enterprise(number, naming_context)
    }
}

/// An audit record.
pub fn record(at: Timestamp, actor: &str, action: &str) -> AuditRecord {
    AuditRecord {
        at,
        actor: actor.into(),
        source: "ldap 127.0.0.1:5555".into(),
        action: action.into(),
        target: format!("target of {action}"),
        detail: format!("{{\"by\":\"{actor}\"}}"),
    }
}

/// Builds an [`EnterpriseState`] by running domain commands, as the directory does.
#[derive(Debug)]
pub struct Builder {
    /// The state so far.
    pub state: EnterpriseState,
    /// The time commands run at.
    pub now: Timestamp,
    uuids: u64,
}

impl Builder {
    /// A fresh enterprise (root org and built-in roles).
    pub fn new(enterprise: Enterprise) -> Builder {
        let number = enterprise.number;
        let mut n = 0;
        let state = EnterpriseState::new(enterprise, || {
            n += 1;
            uuid(number, n)
        });
        Builder {
            state,
            now: 2_000,
            uuids: 1_000,
        }
    }

    /// Applies a command; panics if the domain refuses it.
    pub fn run(&mut self, cmd: Command) -> Outcome {
        let number = self.state.enterprise.number;
        let counter = &mut self.uuids;
        let mut gen_uuid = move || {
            *counter += 1;
            uuid(number, *counter)
        };
        let mut ctx = Ctx {
            now: self.now,
            uuid: &mut gen_uuid,
        };
        let shown = format!("{cmd:?}");
        apply(&mut self.state, cmd, &mut ctx)
            .unwrap_or_else(|e| panic!("the domain refused {shown}: {e}"))
    }

    /// Runs a command that creates something; returns the new id.
    pub fn create(&mut self, cmd: Command) -> u64 {
        self.run(cmd)
            .created
            .expect("the command creates an entity")
    }

    /// Adds (or replaces) a role directly (there is no role command yet); returns the
    /// change to commit.
    pub fn put_role(&mut self, role: Role) -> Change {
        self.state.roles.insert(role.id, role.clone());
        Change::PutRole(role)
    }

    /// A new custom role.
    pub fn new_role(&mut self, name: &str, permissions: &[Permission]) -> Role {
        self.uuids += 1;
        Role {
            id: RoleId(self.state.alloc_id()),
            name: name.into(),
            builtin: None,
            permissions: permissions.iter().copied().collect(),
            uuid: uuid(self.state.enterprise.number, self.uuids),
            created_at: self.now,
            modified_at: self.now,
        }
    }

    /// The id of the built-in role `which`.
    pub fn builtin(&self, which: BuiltinRole) -> RoleId {
        self.state.builtin_role(which).expect("built-in role").id
    }

    /// The org named `name`.
    pub fn org(&self, name: &str) -> OrgId {
        self.state
            .orgs
            .values()
            .find(|o| o.name == name)
            .unwrap_or_else(|| panic!("no org {name:?}"))
            .id
    }

    /// The member with account `account`.
    pub fn member(&self, account: &str) -> MemberId {
        self.state
            .member_by_account(account)
            .unwrap_or_else(|| panic!("no member {account:?}"))
            .id
    }

    /// The group named `name`.
    pub fn group(&self, name: &str) -> GroupId {
        self.state
            .groups
            .values()
            .find(|g| g.name == name)
            .unwrap_or_else(|| panic!("no group {name:?}"))
            .id
    }

    /// The service account named `name`.
    pub fn service(&self, name: &str) -> ServiceId {
        self.state
            .services
            .values()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no service account {name:?}"))
            .id
    }
}

/// A state that uses every field: nested orgs (one whose parent has a higher id), a custom
/// role, members with every optional field set and unset, groups with members and owner,
/// and service accounts.
pub fn sample(number: u64, naming_context: &str) -> Builder {
    let mut b = Builder::new(enterprise(number, naming_context));
    let root = b.state.root();
    let rd = OrgId(b.create(Command::CreateOrg {
        parent: root,
        name: "R&D".into(),
    }));
    let product = OrgId(b.create(Command::CreateOrg {
        parent: rd,
        name: "Product".into(),
    }));
    let sales = OrgId(b.create(Command::CreateOrg {
        parent: root,
        name: "Sales".into(),
    }));
    let overseas = OrgId(b.create(Command::CreateOrg {
        parent: root,
        name: "Überseebüro 研发".into(),
    }));
    b.run(Command::MoveOrg {
        org: sales,
        parent: overseas,
    });
    let auditor = b.new_role(
        "Auditor",
        &[
            Permission::from_key("attendance.view").unwrap_or(Permission::Stealth),
            Permission::ViewMessageRecords,
        ],
    );
    let auditor_id = auditor.id;
    b.put_role(auditor);
    let member_role = b.builtin(BuiltinRole::Member);
    let alice = MemberId(b.create(Command::AddMember(Box::new(NewMember {
        account: Some("Alice.Smith".into()),
        org: Some(product),
        name: "Alice Smith".into(),
        surname: Some("Smith".into()),
        given_name: Some("Alice".into()),
        mobile: Some("+49 170 1234567".into()),
        email: Some("alice@example.com".into()),
        title: Some("Engineer \"senior\"".into()),
        employee_number: Some("E-0001".into()),
        role: Some(auditor_id),
        scope: vec![rd, sales],
        hidden: true,
        disabled: true,
        password: Some("{SSHA}c2FsdGVkaGFzaA==".into()),
        must_change_password: true,
        uid_number: Some(31_001),
        gid_number: Some(41_001),
        login_shell: Some("/bin/zsh".into()),
        home_directory: Some("/srv/home/alice".into()),
    }))));
    let bob = MemberId(b.create(Command::AddMember(Box::new(NewMember {
        name: "Bob".into(),
        role: Some(member_role),
        ..NewMember::default()
    }))));
    let carol = MemberId(b.create(Command::AddMember(Box::new(NewMember {
        account: Some("carol".into()),
        org: Some(rd),
        name: "张伟".into(),
        role: Some(b.builtin(BuiltinRole::SystemAdmin)),
        ..NewMember::default()
    }))));
    b.run(Command::CreateGroup(Box::new(NewGroup {
        name: "Engineering".into(),
        description: Some("All engineers".into()),
        gid_number: Some(60_000),
        members: [alice, bob].into_iter().collect(),
        owner: Some(carol),
    })));
    b.run(Command::CreateGroup(Box::new(NewGroup {
        name: "empty".into(),
        ..NewGroup::default()
    })));
    b.run(Command::CreateService(Box::new(NewService {
        name: "mail".into(),
        description: Some("Mail server".into()),
        password: Some("{SSHA}bWFpbA==".into()),
        scope: vec![rd],
        sees_hidden: true,
        can_write: true,
    })));
    let phonebook = ServiceId(b.create(Command::CreateService(Box::new(NewService {
        name: "phonebook".into(),
        ..NewService::default()
    }))));
    if let Some(s) = b.state.services.get_mut(&phonebook) {
        s.disabled = true;
    }
    b
}

/// The last changelog sequence number (0 when empty).
pub fn head(store: &dyn Store) -> u64 {
    store
        .changelog_since(0, u32::MAX)
        .unwrap()
        .last()
        .map(|e| e.seq)
        .unwrap_or(0)
}

/// The stored state of one enterprise.
pub fn load(store: &dyn Store, number: u64) -> EnterpriseState {
    store
        .load_all()
        .unwrap()
        .into_iter()
        .find(|s| s.enterprise.number == number)
        .unwrap_or_else(|| panic!("enterprise {number} is not stored"))
}

fn all_audit(store: &dyn Store, number: u64) -> Vec<AuditEntry> {
    store
        .audit(
            number,
            &AuditQuery {
                limit: AuditQuery::MAX_LIMIT,
                ..AuditQuery::default()
            },
        )
        .unwrap()
}

/// The changelog entity and op a change must produce (written out independently of the
/// backend's own mapping).
fn expected_log(change: &Change) -> (&'static str, u64, &'static str) {
    match change {
        Change::Enterprise(e) => ("enterprise", e.number, OP_PUT),
        Change::PutOrg(o) => ("org", o.id.0, OP_PUT),
        Change::DeleteOrg(id) => ("org", id.0, OP_DELETE),
        Change::PutMember(m) => ("member", m.id.0, OP_PUT),
        Change::DeleteMember(id) => ("member", id.0, OP_DELETE),
        Change::PutRole(r) => ("role", r.id.0, OP_PUT),
        Change::DeleteRole(id) => ("role", id.0, OP_DELETE),
        Change::PutGroup(g) => ("group", g.id.0, OP_PUT),
        Change::DeleteGroup(id) => ("group", id.0, OP_DELETE),
        Change::PutService(s) => ("service", s.id.0, OP_PUT),
        Change::DeleteService(id) => ("service", id.0, OP_DELETE),
    }
}

fn round_trip(store: &dyn Store) {
    let rich = sample(900_001, "dc=rich,dc=test").state;
    let bare = Builder::new(bare_enterprise(900_002, "o=900002")).state;
    let before = head(store);
    let s1 = store
        .create_enterprise(&rich, &record(1_000, "cli", "enterprise.create"))
        .unwrap();
    let s2 = store
        .create_enterprise(&bare, &record(1_000, "cli", "enterprise.create"))
        .unwrap();
    assert!(before < s1 && s1 < s2, "{before} < {s1} < {s2}");
    assert_eq!(load(store, 900_001), rich);
    assert_eq!(load(store, 900_002), bare);

    let numbers: Vec<u64> = store
        .load_all()
        .unwrap()
        .iter()
        .map(|s| s.enterprise.number)
        .collect();
    let mut sorted = numbers.clone();
    sorted.sort_unstable();
    assert_eq!(numbers, sorted, "load_all is ordered by enterprise number");

    // One changelog row per stored row, the enterprise first, all puts at the audit time.
    let log: Vec<ChangelogEntry> = store
        .changelog_since(before, u32::MAX)
        .unwrap()
        .into_iter()
        .filter(|e| e.enterprise == 900_001)
        .collect();
    let rows = 1
        + rich.orgs.len()
        + rich.roles.len()
        + rich.members.len()
        + rich.groups.len()
        + rich.services.len();
    assert_eq!(log.len(), rows);
    assert_eq!(
        (log[0].entity.as_str(), log[0].entity_id),
        ("enterprise", 900_001)
    );
    assert_eq!(log.last().unwrap().seq, s1);
    assert!(log.iter().all(|e| e.op == OP_PUT && e.at == 1_000));
    let members: BTreeSet<u64> = log
        .iter()
        .filter(|e| e.entity == "member")
        .map(|e| e.entity_id)
        .collect();
    assert_eq!(members, rich.members.keys().map(|m| m.0).collect());

    let audit = all_audit(store, 900_001);
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].action, "enterprise.create");
}

fn commits_match_apply(store: &dyn Store) {
    const N: u64 = 900_003;
    let mut b = sample(N, "dc=commits,dc=test");
    store
        .create_enterprise(&b.state, &record(1_000, "cli", "enterprise.create"))
        .unwrap();

    let mut step = 0;
    let mut commit = |b: &mut Builder, changes: Vec<Change>| {
        step += 1;
        b.now += 10;
        let before = head(store);
        let at = b.now;
        let seq = store
            .commit(N, &changes, &record(at, "admin", &format!("step.{step}")))
            .unwrap_or_else(|e| panic!("step {step}: {e}"));
        let log = store.changelog_since(before, u32::MAX).unwrap();
        assert_eq!(
            log.len(),
            changes.len(),
            "step {step}: one changelog row per change"
        );
        for (entry, change) in log.iter().zip(&changes) {
            let (entity, id, op) = expected_log(change);
            assert_eq!(
                (entry.entity.as_str(), entry.entity_id, entry.op.as_str()),
                (entity, id, op),
                "step {step}"
            );
            assert_eq!((entry.enterprise, entry.at), (N, at), "step {step}");
        }
        match log.last() {
            Some(last) => assert_eq!(seq, last.seq, "step {step}"),
            None => assert_eq!(seq, before, "step {step}: an empty commit returns the head"),
        }
        assert_eq!(
            load(store, N),
            b.state,
            "step {step}: reload equals the domain state"
        );
        assert_eq!(all_audit(store, N)[0].action, format!("step.{step}"));
    };
    let mut run = |b: &mut Builder, cmds: Vec<Command>| {
        let changes: Vec<Change> = cmds.into_iter().flat_map(|c| b.run(c).changes).collect();
        commit(b, changes);
    };

    let root = b.state.root();
    let (rd, product, sales) = (b.org("R&D"), b.org("Product"), b.org("Sales"));
    let (alice, bob, carol) = (
        b.member("alice.smith"),
        b.member("10001"),
        b.member("carol"),
    );
    let engineering = b.group("Engineering");

    // Orgs: rename and create in one commit, then move.
    run(
        &mut b,
        vec![
            Command::RenameOrg {
                org: product,
                name: "Products".into(),
            },
            Command::CreateOrg {
                parent: root,
                name: "Support".into(),
            },
        ],
    );
    let support = b.org("Support");
    run(
        &mut b,
        vec![Command::MoveOrg {
            org: sales,
            parent: root,
        }],
    );
    // Members: add, clear optional fields, move, role, flags, password.
    let info_admin = b.builtin(BuiltinRole::InfoAdmin);
    run(
        &mut b,
        vec![Command::AddMember(Box::new(NewMember {
            account: Some("dave".into()),
            org: Some(support),
            name: "Dave Brown".into(),
            email: Some("dave@example.com".into()),
            role: Some(info_admin),
            scope: vec![support],
            ..NewMember::default()
        }))],
    );
    let dave = b.member("dave");
    run(
        &mut b,
        vec![Command::UpdateMember {
            member: alice,
            patch: Box::new(MemberPatch {
                name: Some("Alice Smith-Jones".into()),
                surname: Some("Smith-Jones".into()),
                given_name: Some(None),
                mobile: Some(None),
                email: Some(Some("alice@example.org".into())),
                title: Some(None),
                employee_number: Some(None),
                scope: Some(vec![root]),
                login_shell: Some("/bin/sh".into()),
                home_directory: Some("/home/alice".into()),
            }),
        }],
    );
    run(
        &mut b,
        vec![
            Command::MoveMember {
                member: alice,
                org: support,
            },
            Command::SetMemberRole {
                member: bob,
                role: info_admin,
            },
            Command::SetMemberDisabled {
                member: alice,
                disabled: false,
            },
            Command::SetMemberHidden {
                member: alice,
                hidden: false,
            },
            Command::SetMemberPassword {
                member: bob,
                hash: "{ARGON2}$argon2id$v=19$bob".into(),
                must_change: true,
            },
        ],
    );
    // Groups: membership both ways, then delete the owner and a member (the domain rewrites
    // the group in the same commit), create and delete groups.
    run(
        &mut b,
        vec![
            Command::AddGroupMembers {
                group: engineering,
                members: [carol, dave].into_iter().collect(),
            },
            Command::RemoveGroupMembers {
                group: engineering,
                members: [bob].into_iter().collect(),
            },
        ],
    );
    run(&mut b, vec![Command::DeleteMember { member: carol }]);
    let empty = b.group("empty");
    run(
        &mut b,
        vec![
            Command::CreateGroup(Box::new(NewGroup {
                name: "Ops team".into(),
                members: [alice].into_iter().collect(),
                owner: Some(dave),
                ..NewGroup::default()
            })),
            Command::DeleteGroup { group: empty },
        ],
    );
    // Service accounts.
    let (mail, phonebook) = (b.service("mail"), b.service("phonebook"));
    run(
        &mut b,
        vec![
            Command::CreateService(Box::new(NewService {
                name: "ldap-sync".into(),
                scope: vec![rd, support],
                can_write: true,
                ..NewService::default()
            })),
            Command::SetServicePassword {
                service: mail,
                hash: "{SSHA}bmV3".into(),
            },
            Command::DeleteService { service: phonebook },
        ],
    );
    // The enterprise record and an empty org.
    run(
        &mut b,
        vec![
            Command::SetSuperPassword {
                hash: "{ARGON2}$argon2id$v=19$new".into(),
            },
            Command::DeleteOrg { org: product },
        ],
    );
    let mut ent = b.state.enterprise.clone();
    ent.name = "Renamed Ltd".into();
    ent.naming_context = "DC=Renamed, DC=test".into();
    ent.seats = 1_234;
    ent.account_range = (500, 900);
    ent.expires_at = None;
    ent.domain = None;
    ent.super_password = None;
    ent.limits = Limits::default();
    ent.posix_base = 7;
    ent.modified_at = 99_999;
    b.state.enterprise = ent.clone();
    commit(&mut b, vec![Change::Enterprise(Box::new(ent))]);
    // Roles (no commands yet): edit one, add one, rename a built-in one, then delete one.
    let mut auditor = b
        .state
        .roles
        .values()
        .find(|r| r.name == "Auditor")
        .unwrap()
        .clone();
    auditor.name = "Auditors".into();
    auditor.permissions = Permission::ALL.into_iter().collect();
    let temp = b.new_role("Temporary", &[]);
    let temp_id = temp.id;
    let mut member_role = b.state.builtin_role(BuiltinRole::Member).unwrap().clone();
    member_role.name = "Staff".into();
    let changes = vec![
        b.put_role(auditor),
        b.put_role(temp),
        b.put_role(member_role),
    ];
    commit(&mut b, changes);
    b.state.roles.remove(&temp_id);
    commit(&mut b, vec![Change::DeleteRole(temp_id)]);
    // An audit-only commit.
    commit(&mut b, Vec::new());
}

fn changelog_sequence(store: &dyn Store) {
    const N: u64 = 900_009;
    let mut b = Builder::new(bare_enterprise(N, "dc=seq,dc=test"));
    let created = store
        .create_enterprise(&b.state, &record(5, "cli", "enterprise.create"))
        .unwrap();
    let root = b.state.root();
    let mut seqs = vec![created];
    for (i, name) in ["a", "b", "c", "d"].into_iter().enumerate() {
        let changes = b
            .run(Command::CreateOrg {
                parent: root,
                name: name.into(),
            })
            .changes;
        let seq = store
            .commit(N, &changes, &record(10 + i as i64, "admin", "org.create"))
            .unwrap();
        seqs.push(seq);
    }
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "strictly increasing: {seqs:?}"
    );
    let after_create = store.changelog_since(created, u32::MAX).unwrap();
    assert_eq!(
        after_create.iter().map(|e| e.seq).collect::<Vec<_>>(),
        seqs[1..].to_vec(),
        "changelog_since returns exactly the later rows, oldest first"
    );
    assert_eq!(
        after_create.iter().map(|e| e.at).collect::<Vec<_>>(),
        vec![10, 11, 12, 13]
    );
    let page = store.changelog_since(created, 2).unwrap();
    assert_eq!(page, after_create[..2].to_vec(), "limit is respected");
    let rest = store.changelog_since(page[1].seq, 100).unwrap();
    assert_eq!(rest, after_create[2..].to_vec());
    assert!(store.changelog_since(seqs[4], 10).unwrap().is_empty());
    assert!(store.changelog_since(created, 0).unwrap().is_empty());
}

fn audit_queries(store: &dyn Store) {
    const N: u64 = 900_004;
    const OTHER: u64 = 900_005;
    store
        .create_enterprise(
            &Builder::new(bare_enterprise(N, "dc=audit,dc=test")).state,
            &record(1_000, "cli", "enterprise.create"),
        )
        .unwrap();
    store
        .create_enterprise(
            &Builder::new(bare_enterprise(OTHER, "dc=audit2,dc=test")).state,
            &record(1_000, "alice", "enterprise.create"),
        )
        .unwrap();
    // Times deliberately out of commit order for the last row: order is by commit.
    let rows = [
        (1_100, "alice@example", "member.add"),
        (1_200, "Bob", "member.delete"),
        (1_300, "ALICE", "member.add"),
        (1_400, "svc_100%", "group.add"),
        (1_050, "carol", "member.add"),
    ];
    for (at, actor, action) in rows {
        store.commit(N, &[], &record(at, actor, action)).unwrap();
    }
    store
        .commit(OTHER, &[], &record(1_300, "alice", "member.add"))
        .unwrap();

    let q = |query: AuditQuery| -> Vec<String> {
        store
            .audit(N, &query)
            .unwrap()
            .into_iter()
            .map(|e| e.actor)
            .collect()
    };
    let all = store.audit(N, &AuditQuery::default()).unwrap();
    assert_eq!(
        all.iter().map(|e| e.actor.as_str()).collect::<Vec<_>>(),
        ["carol", "svc_100%", "ALICE", "Bob", "alice@example", "cli"],
        "newest first, by commit"
    );
    assert!(all.windows(2).all(|w| w[0].id > w[1].id));
    let expect = record(1_050, "carol", "member.add");
    assert_eq!(
        all[0],
        AuditEntry {
            id: all[0].id,
            enterprise: N,
            at: expect.at,
            actor: expect.actor,
            source: expect.source,
            action: expect.action,
            target: expect.target,
            detail: expect.detail,
        },
        "every field round-trips"
    );

    let actor = |s: &str| AuditQuery {
        actor_contains: Some(s.into()),
        ..AuditQuery::default()
    };
    assert_eq!(
        q(actor("alice")),
        ["ALICE", "alice@example"],
        "case-insensitive"
    );
    assert_eq!(q(actor("0%")), ["svc_100%"], "% is literal");
    assert!(q(actor("c_i")).is_empty(), "_ is literal");
    assert_eq!(
        q(AuditQuery {
            action: Some("member.add".into()),
            ..AuditQuery::default()
        }),
        ["carol", "ALICE", "alice@example"]
    );
    assert_eq!(
        q(AuditQuery {
            since: Some(1_200),
            until: Some(1_400),
            ..AuditQuery::default()
        }),
        ["ALICE", "Bob"],
        "since inclusive, until exclusive"
    );
    assert_eq!(
        q(AuditQuery {
            actor_contains: Some("a".into()),
            action: Some("member.add".into()),
            since: Some(1_100),
            ..AuditQuery::default()
        }),
        ["ALICE", "alice@example"],
        "filters combine"
    );

    // Paging: offset and keyset give the same pages.
    let page = |limit, offset, before_id| {
        q(AuditQuery {
            limit,
            offset,
            before_id,
            ..AuditQuery::default()
        })
    };
    assert_eq!(page(2, 0, None), ["carol", "svc_100%"]);
    assert_eq!(page(2, 2, None), ["ALICE", "Bob"]);
    assert_eq!(page(2, 0, Some(all[1].id)), ["ALICE", "Bob"]);
    assert_eq!(page(10, 4, None), ["alice@example", "cli"]);

    assert_eq!(all_audit(store, OTHER).len(), 2, "enterprises do not mix");
    assert!(all_audit(store, 999_999).is_empty());
}

fn duplicate_enterprise_is_refused(store: &dyn Store) {
    const N: u64 = 900_006;
    store
        .create_enterprise(
            &Builder::new(bare_enterprise(N, "dc=dup,dc=test")).state,
            &record(1_000, "cli", "enterprise.create"),
        )
        .unwrap();
    let snapshot = store.load_all().unwrap();
    let before = head(store);
    let audit = all_audit(store, N);

    let same_number = Builder::new(bare_enterprise(N, "dc=other,dc=test")).state;
    match store.create_enterprise(&same_number, &record(1_001, "cli", "enterprise.create")) {
        Err(Error::Conflict(msg)) => assert!(msg.contains("900006"), "{msg}"),
        other => panic!("expected a conflict on the number, got {other:?}"),
    }
    // The same naming context written differently, on a state with rows in every table.
    let same_nc = sample(900_007, "DC=Dup, dc=TEST").state;
    match store.create_enterprise(&same_nc, &record(1_001, "cli", "enterprise.create")) {
        Err(Error::Conflict(msg)) => assert!(
            msg.contains("DC=Dup, dc=TEST") && msg.contains("900006"),
            "{msg}"
        ),
        other => panic!("expected a conflict on the naming context, got {other:?}"),
    }
    assert_eq!(store.load_all().unwrap(), snapshot, "nothing was written");
    assert_eq!(head(store), before, "no changelog rows");
    assert_eq!(all_audit(store, N), audit, "no audit rows");
    assert!(all_audit(store, 900_007).is_empty());
}

fn failed_commit_writes_nothing(store: &dyn Store) {
    const N: u64 = 900_008;
    let b = sample(N, "dc=rollback,dc=test");
    store
        .create_enterprise(&b.state, &record(1_000, "cli", "enterprise.create"))
        .unwrap();
    let snapshot = store.load_all().unwrap();
    let before = head(store);
    let audit = all_audit(store, N);
    let check = |what: &str, enterprise: u64, changes: Vec<Change>, ok: fn(&Error) -> bool| {
        let err = store
            .commit(enterprise, &changes, &record(5_000, "admin", "doomed"))
            .expect_err(what);
        assert!(ok(&err), "{what}: unexpected error {err:?}");
        assert!(!err.to_string().is_empty());
        assert_eq!(
            store.load_all().unwrap(),
            snapshot,
            "{what}: nothing was written"
        );
        assert_eq!(head(store), before, "{what}: no changelog rows");
        assert_eq!(all_audit(store, N), audit, "{what}: no audit row");
    };
    let conflict = |e: &Error| matches!(e, Error::Conflict(_));
    let not_found = |e: &Error| matches!(e, Error::NotFound(_));

    let root = b.state.root();
    let mut state = b.state.clone();
    let new_org = orgdir_domain::model::Org {
        id: OrgId(state.alloc_id()),
        parent: Some(root),
        name: "Doomed".into(),
        uuid: uuid(N, 77_777),
        created_at: 5_000,
        modified_at: 5_000,
    };
    let alice = state.members[&b.member("alice.smith")].clone();
    let mut clash = alice.clone();
    clash.id = MemberId(state.alloc_id());
    clash.account = "CAROL".into();
    check(
        "a second change reusing an account (other case)",
        N,
        vec![
            Change::PutOrg(new_org.clone()),
            Change::PutMember(Box::new(clash)),
        ],
        |e| matches!(e, Error::Conflict(m) if m.contains("account")),
    );
    let mut group = state.groups[&b.group("Engineering")].clone();
    group.id = GroupId(state.alloc_id());
    group.name = "ENGINEERING".into();
    check(
        "a group name taken (other case)",
        N,
        vec![Change::PutOrg(new_org.clone()), Change::PutGroup(group)],
        conflict,
    );
    let mut orphan = alice.clone();
    orphan.org = OrgId(999_999);
    check(
        "a member in a missing org",
        N,
        vec![
            Change::PutOrg(new_org.clone()),
            Change::PutMember(Box::new(orphan)),
        ],
        conflict,
    );
    let mut ghost_group = state.groups[&b.group("Engineering")].clone();
    ghost_group.members.insert(MemberId(999_999));
    check(
        "a group with a missing member",
        N,
        vec![
            Change::PutOrg(new_org.clone()),
            Change::PutGroup(ghost_group),
        ],
        conflict,
    );
    check(
        "deleting an org that still holds a member",
        N,
        vec![Change::DeleteOrg(b.org("Product"))],
        conflict,
    );
    check(
        "deleting a missing member",
        N,
        vec![
            Change::PutOrg(new_org.clone()),
            Change::DeleteMember(MemberId(999_999)),
        ],
        not_found,
    );
    check(
        "an unknown enterprise",
        999_999,
        vec![Change::PutOrg(new_org.clone())],
        not_found,
    );
    let mut other = state.enterprise.clone();
    other.number = 900_001;
    check(
        "replacing another enterprise's record",
        N,
        vec![
            Change::PutOrg(new_org.clone()),
            Change::Enterprise(Box::new(other)),
        ],
        |e| matches!(e, Error::Invalid(_)),
    );
    let mut taken = state.enterprise.clone();
    taken.naming_context = "dc=RICH,dc=test".into();
    check(
        "a naming context used by another enterprise",
        N,
        vec![Change::PutOrg(new_org), Change::Enterprise(Box::new(taken))],
        conflict,
    );
}

fn operators(store: &dyn Store) {
    let alice = OperatorRecord {
        name: "Suite-Alice".into(),
        password: "{ARGON2}$argon2id$v=19$alice".into(),
        created_at: 1_000,
        disabled: false,
    };
    let bob = OperatorRecord {
        name: "suite-bob".into(),
        password: "{ARGON2}$argon2id$v=19$bob".into(),
        created_at: 1_001,
        disabled: true,
    };
    store.put_operator(&bob).unwrap();
    store.put_operator(&alice).unwrap();
    assert_eq!(store.operator("SUITE-alice").unwrap(), Some(alice.clone()));
    assert_eq!(store.operator("suite-bob").unwrap(), Some(bob.clone()));
    assert_eq!(store.operator("suite-nobody").unwrap(), None);
    let ours = |store: &dyn Store| -> Vec<OperatorRecord> {
        store
            .operators()
            .unwrap()
            .into_iter()
            .filter(|o| o.name.to_ascii_lowercase().starts_with("suite-"))
            .collect()
    };
    assert_eq!(ours(store), [alice.clone(), bob.clone()], "ordered by name");

    // The same name in another case replaces the operator (new spelling, password, flag).
    let renamed = OperatorRecord {
        name: "SUITE-ALICE".into(),
        password: "{ARGON2}$argon2id$v=19$new".into(),
        created_at: 1_002,
        disabled: true,
    };
    store.put_operator(&renamed).unwrap();
    assert_eq!(ours(store), [renamed.clone(), bob.clone()]);
    assert!(
        !format!("{renamed:?}").contains("argon2id"),
        "no hash in Debug"
    );

    store.remove_operator("suite-alice").unwrap();
    assert_eq!(store.operator("Suite-Alice").unwrap(), None);
    assert!(matches!(
        store.remove_operator("suite-alice"),
        Err(Error::NotFound(_))
    ));
    store.remove_operator("SUITE-BOB").unwrap();
    assert!(ours(store).is_empty());
}

fn api_tokens(store: &dyn Store) {
    const N: u64 = 900_010;
    let mut b = sample(N, "dc=tokens,dc=test");
    store
        .create_enterprise(&b.state, &record(1_000, "cli", "enterprise.create"))
        .unwrap();
    let carol = b.member("carol");
    let alice = b.member("alice.smith");
    let member = |id: MemberId, state: &EnterpriseState| TokenOwner::Member {
        id,
        uuid: state.members[&id].uuid,
    };
    let new = |owner: TokenOwner, name: &str, fill: u8| NewApiToken {
        enterprise: N,
        owner,
        name: name.into(),
        digest: [fill; 32],
        access: TokenAccess::Read,
        created_at: 3_000,
        expires_at: None,
    };
    let audit_before = all_audit(store, N);
    let log_before = head(store);

    let admin_token = new(TokenOwner::Admin, "nightly export", 1);
    let carol_token = NewApiToken {
        access: TokenAccess::ReadWrite,
        expires_at: Some(9_000),
        ..new(member(carol, &b.state), "provisioning", 2)
    };
    let alice_token = new(member(alice, &b.state), "alice's", 3);
    let a = store
        .create_api_token(&admin_token, &record(3_000, "super", "token.create"))
        .unwrap();
    let c = store
        .create_api_token(&carol_token, &record(3_001, "member carol", "token.create"))
        .unwrap();
    let al = store
        .create_api_token(&alice_token, &record(3_002, "super", "token.create"))
        .unwrap();
    assert!(a < c && c < al, "ids grow: {a} {c} {al}");
    let stored = |t: &NewApiToken, id: u64| ApiTokenRecord {
        id,
        enterprise: t.enterprise,
        owner: t.owner,
        name: t.name.clone(),
        digest: t.digest,
        access: t.access,
        created_at: t.created_at,
        expires_at: t.expires_at,
        last_used_at: None,
    };
    assert_eq!(
        store.api_tokens(N).unwrap(),
        [
            stored(&admin_token, a),
            stored(&carol_token, c),
            stored(&alice_token, al)
        ]
    );
    assert_eq!(
        store.api_token_by_digest(&[2; 32]).unwrap(),
        Some(stored(&carol_token, c))
    );
    assert_eq!(store.api_token_by_digest(&[9; 32]).unwrap(), None);
    assert!(
        store.api_tokens(900_001).unwrap().is_empty(),
        "per enterprise"
    );
    assert_eq!(head(store), log_before, "tokens are not directory rows");
    let audit = all_audit(store, N);
    assert_eq!(audit.len(), audit_before.len() + 3);
    assert_eq!(
        (audit[0].action.as_str(), audit[0].at),
        ("token.create", 3_002)
    );

    // Refused writes leave nothing behind, not even their audit row.
    let refused = |what: &str, t: NewApiToken, ok: fn(&Error) -> bool| {
        let err = store
            .create_api_token(&t, &record(4_000, "super", "token.create"))
            .expect_err(what);
        assert!(ok(&err), "{what}: unexpected error {err:?}");
        assert_eq!(store.api_tokens(N).unwrap().len(), 3, "{what}");
        assert_eq!(all_audit(store, N), audit, "{what}: no audit row");
    };
    refused(
        "a digest already stored",
        new(TokenOwner::Admin, "again", 1),
        |e| matches!(e, Error::Conflict(_)),
    );
    let ghost = TokenOwner::Member {
        id: MemberId(999_999),
        uuid: [7; 16],
    };
    refused("a missing member", new(ghost, "ghost", 4), |e| {
        matches!(e, Error::Conflict(_))
    });
    refused(
        "an unknown enterprise",
        NewApiToken {
            enterprise: 999_999,
            ..new(TokenOwner::Admin, "nowhere", 5)
        },
        |e| matches!(e, Error::NotFound(_)),
    );

    store.touch_api_token(c, 5_000).unwrap();
    store.touch_api_token(999_999, 5_000).unwrap();
    assert_eq!(
        store
            .api_token_by_digest(&[2; 32])
            .unwrap()
            .unwrap()
            .last_used_at,
        Some(5_000)
    );

    // Revoking: only within its enterprise, with an audit row, once.
    assert!(matches!(
        store.revoke_api_token(900_001, a, &record(6_000, "super", "token.revoke")),
        Err(Error::NotFound(_))
    ));
    assert_eq!(
        all_audit(store, N),
        audit,
        "a refused revoke writes no audit row"
    );
    store
        .revoke_api_token(N, a, &record(6_001, "super", "token.revoke"))
        .unwrap();
    assert_eq!(store.api_token_by_digest(&[1; 32]).unwrap(), None);
    assert!(matches!(
        store.revoke_api_token(N, a, &record(6_002, "super", "token.revoke")),
        Err(Error::NotFound(_))
    ));
    let audit = all_audit(store, N);
    assert_eq!(
        (audit[0].action.as_str(), audit[0].at),
        ("token.revoke", 6_001)
    );

    // A deleted member's tokens go with it.
    let changes = b.run(Command::DeleteMember { member: alice }).changes;
    store
        .commit(N, &changes, &record(7_000, "super", "member.delete"))
        .unwrap();
    let left: Vec<u64> = store.api_tokens(N).unwrap().iter().map(|t| t.id).collect();
    assert_eq!(left, [c]);
}

/// ENT-5: a submitted image waits; a newer submission replaces a pending one; approval makes
/// it the live image of its kind (replacing the previous), rejection keeps it with its
/// reason; every step writes its audit row; bytes come back unchanged.
fn images(store: &dyn Store) {
    const N: u64 = 900_011;
    let b = sample(N, "dc=images,dc=test");
    store
        .create_enterprise(&b.state, &record(1_000, "cli", "enterprise.create"))
        .unwrap();
    let png = |fill: u8| {
        let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
        v.extend(std::iter::repeat_n(fill, 100));
        v
    };
    let new = |kind, fill: u8, at| NewImage {
        enterprise: N,
        kind,
        content_type: "image/png".into(),
        bytes: png(fill),
        submitted_at: at,
    };
    assert!(matches!(
        store.submit_image(
            &NewImage {
                enterprise: 1,
                ..new(ImageKind::Logo, 0, 1)
            },
            &record(1, "a", "x")
        ),
        Err(Error::NotFound(_))
    ));
    let audit_before = all_audit(store, N).len();
    let first = store
        .submit_image(
            &new(ImageKind::Logo, 1, 2_000),
            &record(2_000, "admin", "image.submit"),
        )
        .unwrap();
    let second = store
        .submit_image(
            &new(ImageKind::Logo, 2, 2_001),
            &record(2_001, "admin", "image.submit"),
        )
        .unwrap();
    let banner = store
        .submit_image(
            &new(ImageKind::Banner, 3, 2_002),
            &record(2_002, "admin", "image.submit"),
        )
        .unwrap();
    assert!(
        store.image(first).unwrap().is_none(),
        "replaced by the newer submission"
    );
    let pending: Vec<u64> = store
        .pending_images()
        .unwrap()
        .iter()
        .filter(|i| i.enterprise == N)
        .map(|i| i.id)
        .collect();
    assert_eq!(pending, vec![second, banner]);
    assert!(store.live_image(N, ImageKind::Logo).unwrap().is_none());
    // Approve the logo: live, bytes intact.
    let rec = store
        .review_image(
            second,
            true,
            None,
            3_000,
            &record(3_000, "operator", "image.approve"),
        )
        .unwrap();
    assert_eq!(
        (rec.status, rec.reviewed_at),
        (ImageStatus::Approved, Some(3_000))
    );
    let (live, bytes) = store.live_image(N, ImageKind::Logo).unwrap().unwrap();
    assert_eq!((live.id, bytes), (second, png(2)));
    assert_eq!(live.size, 108);
    // Reviewing it again: it is no longer pending.
    assert!(matches!(
        store.review_image(
            second,
            false,
            Some("x"),
            3_001,
            &record(3_001, "operator", "image.reject")
        ),
        Err(Error::NotFound(_))
    ));
    // Reject the banner with a reason.
    store
        .review_image(
            banner,
            false,
            Some("blurry"),
            3_002,
            &record(3_002, "operator", "image.reject"),
        )
        .unwrap();
    let all = store.images(N).unwrap();
    let b = all.iter().find(|i| i.id == banner).unwrap();
    assert_eq!(
        (b.status, b.reason.as_deref()),
        (ImageStatus::Rejected, Some("blurry"))
    );
    assert!(store.live_image(N, ImageKind::Banner).unwrap().is_none());
    // A new logo approved replaces the old live one.
    let third = store
        .submit_image(
            &new(ImageKind::Logo, 4, 4_000),
            &record(4_000, "admin", "image.submit"),
        )
        .unwrap();
    store
        .review_image(
            third,
            true,
            None,
            4_001,
            &record(4_001, "operator", "image.approve"),
        )
        .unwrap();
    assert_eq!(
        store.live_image(N, ImageKind::Logo).unwrap().unwrap().0.id,
        third
    );
    assert!(store.image(second).unwrap().is_none());
    assert_eq!(all_audit(store, N).len(), audit_before + 7);
}
