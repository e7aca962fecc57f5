//! Data-driven tests of the domain rules (ORG-1..3, ORG-10, ROLE) and of authorization:
//! a small enterprise in, a command in, the outcome (or the error an administrator would
//! read) out.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;

use expect_test::{Expect, expect};
use orgdir_domain::authz::{Actor, authorize};
use orgdir_domain::command::*;
use orgdir_domain::limits::Limits;
use orgdir_domain::model::*;

/// An enterprise with small limits: 2 root orgs, 3 members per org, 5 seats, scope ≤ 2.
/// Orgs: root(1) > A > A1, root > B. Members: 10001 (A, member), 10002 (B, system admin,
/// scope B), 10003 (A1, info admin, scope A).
struct World {
    state: EnterpriseState,
    n: u8,
}

impl World {
    fn new() -> World {
        let ent = Enterprise {
            number: 1,
            short_name: "T".into(),
            name: "Test".into(),
            naming_context: "dc=t".into(),
            seats: 5,
            account_range: (10001, 10099),
            expires_at: None,
            domain: None,
            super_password: None,
            limits: Limits {
                max_root_orgs: 2,
                max_members_per_org: 3,
                max_scope_orgs: 2,
                max_org_depth: 4,
                max_groups: 2,
            },
            posix_base: 10000,
            groups_rdn: "cn=groups".into(),
            services_rdn: "cn=services".into(),
            uuid: [0; 16],
            account: Default::default(),
            created_at: 0,
            modified_at: 0,
        };
        let mut n = 0u8;
        let state = EnterpriseState::new(ent, || {
            n += 1;
            [n; 16]
        });
        let mut w = World { state, n: 50 };
        let root = w.root();
        let a = w
            .run(Command::CreateOrg {
                parent: root,
                name: "A".into(),
            })
            .unwrap();
        w.run(Command::CreateOrg {
            parent: OrgId(a),
            name: "A1".into(),
        })
        .unwrap();
        w.run(Command::CreateOrg {
            parent: root,
            name: "B".into(),
        })
        .unwrap();
        let member = w.role(BuiltinRole::Member);
        let sys = w.role(BuiltinRole::SystemAdmin);
        let info = w.role(BuiltinRole::InfoAdmin);
        let (oa, oa1, ob) = (w.org("A"), w.org("A1"), w.org("B"));
        w.add("10001", oa, member, vec![]).unwrap();
        w.add("10002", ob, sys, vec![ob]).unwrap();
        w.add("10003", oa1, info, vec![oa]).unwrap();
        w
    }

    fn root(&self) -> OrgId {
        self.state.root()
    }

    fn org(&self, name: &str) -> OrgId {
        self.state
            .orgs
            .values()
            .find(|o| o.name == name)
            .unwrap()
            .id
    }

    fn member(&self, account: &str) -> MemberId {
        self.state.member_by_account(account).unwrap().id
    }

    fn role(&self, b: BuiltinRole) -> RoleId {
        self.state.builtin_role(b).unwrap().id
    }

    fn run(&mut self, cmd: Command) -> Result<u64, String> {
        let mut n = self.n;
        let mut uuid = || {
            n = n.wrapping_add(1);
            [n; 16]
        };
        let mut ctx = Ctx {
            now: 100,
            uuid: &mut uuid,
        };
        let mut next = self.state.clone();
        let out = apply(&mut next, cmd, &mut ctx).map_err(|e| e.to_string())?;
        self.n = n;
        self.state = next;
        Ok(out.created.unwrap_or_default())
    }

    fn add(
        &mut self,
        account: &str,
        org: OrgId,
        role: RoleId,
        scope: Vec<OrgId>,
    ) -> Result<u64, String> {
        self.run(Command::AddMember(Box::new(NewMember {
            account: Some(account.into()),
            org: Some(org),
            name: format!("Member {account}"),
            role: Some(role),
            scope,
            ..NewMember::default()
        })))
    }
}

fn check(result: Result<u64, String>, expect: Expect) {
    let shown = match result {
        Ok(_) => "ok".to_string(),
        Err(e) => e,
    };
    expect.assert_eq(&shown);
}

#[test]
fn org_tree_rules() {
    let mut w = World::new();
    let root = w.root();
    let (a, a1, b) = (w.org("A"), w.org("A1"), w.org("B"));
    check(
        w.run(Command::CreateOrg {
            parent: root,
            name: "C".into(),
        }),
        expect!["limit max_root_orgs is 2: the root org already holds 2 orgs"],
    );
    check(
        w.run(Command::CreateOrg {
            parent: a,
            name: "a1".into(),
        }),
        expect![[r#"an org named "a1" under the same parent already exists"#]],
    );
    check(
        w.run(Command::CreateOrg {
            parent: a,
            name: "  ".into(),
        }),
        expect!["invalid org name: must not be empty"],
    );
    check(
        w.run(Command::MoveOrg { org: a, parent: a1 }),
        expect![[r#"org "A" cannot be moved into its own subtree"#]],
    );
    check(
        w.run(Command::MoveOrg {
            org: root,
            parent: a,
        }),
        expect!["the root org cannot be moved"],
    );
    check(
        w.run(Command::DeleteOrg { org: a }),
        expect![[r#"org "A" still has 1 child org(s) and 1 member(s); move or delete them first"#]],
    );
    check(
        w.run(Command::DeleteOrg { org: root }),
        expect!["the root org cannot be deleted"],
    );
    check(
        w.run(Command::RenameOrg {
            org: b,
            name: "A".into(),
        }),
        expect![[r#"an org named "A" under the same parent already exists"#]],
    );
    check(
        w.run(Command::RenameOrg {
            org: b,
            name: "Bee".into(),
        }),
        expect!["ok"],
    );
    // Moving within the same parent does not count against the root limit.
    check(
        w.run(Command::MoveOrg {
            org: b,
            parent: root,
        }),
        expect!["ok"],
    );
    // Depth limit 4: root > A > A1 > x > y is depth 4 below root.
    let x = w
        .run(Command::CreateOrg {
            parent: a1,
            name: "x".into(),
        })
        .unwrap();
    let y = w
        .run(Command::CreateOrg {
            parent: OrgId(x),
            name: "y".into(),
        })
        .unwrap();
    check(
        w.run(Command::CreateOrg {
            parent: OrgId(y),
            name: "z".into(),
        }),
        expect![[r#"limit max_org_depth is 4: org "z" would be nested 5 levels deep"#]],
    );
}

#[test]
fn member_rules() {
    let mut w = World::new();
    let member = w.role(BuiltinRole::Member);
    let admin = w.role(BuiltinRole::EnterpriseAdmin);
    let (a, a1, b) = (w.org("A"), w.org("A1"), w.org("B"));
    check(
        w.add("10001", b, member, vec![]),
        expect!["account 10001 already exists"],
    );
    check(
        w.add("ab cd", b, member, vec![]),
        expect![
            "invalid account: only letters, digits, '.', '_' and '-' are allowed, starting with a letter or digit"
        ],
    );
    check(
        w.add("20001", b, member, vec![]),
        expect!["invalid account: 20001 is outside the enterprise's account range 10001-10099"],
    );
    check(
        w.add("10004", b, admin, vec![]),
        expect![
            "the enterprise administrator role belongs to the super-password account and cannot be given to a member"
        ],
    );
    check(
        w.add("10004", b, member, vec![a, a1, b]),
        expect!["limit max_scope_orgs is 2: a management scope of 3 orgs"],
    );
    check(
        w.run(Command::AddMember(Box::new(NewMember {
            name: "No Role".into(),
            org: Some(b),
            ..NewMember::default()
        }))),
        expect!["invalid role: a role is mandatory"],
    );
    check(
        w.run(Command::AddMember(Box::new(NewMember {
            name: "Bad Mail".into(),
            org: Some(b),
            role: Some(member),
            email: Some("not-a-mail".into()),
            ..NewMember::default()
        }))),
        expect![[r#"invalid email: "not-a-mail" is not a mail address"#]],
    );
    // Fill org B (limit 3) and the seats (limit 5).
    check(w.add("10004", b, member, vec![]), expect!["ok"]);
    check(w.add("10005", b, member, vec![]), expect!["ok"]);
    check(
        w.add("10006", b, member, vec![]),
        expect!["limit seats is 5: the enterprise already has 5 members"],
    );
    check(
        w.add("10006", a, member, vec![]),
        expect!["limit seats is 5: the enterprise already has 5 members"],
    );
    check(
        w.add("10007", a1, member, vec![]),
        expect!["limit seats is 5: the enterprise already has 5 members"],
    );
    // The next free account is suggested from the range.
    assert_eq!(w.state.next_free_account(), Some(10006));
    let m = w.member("10001");
    check(
        w.run(Command::MoveMember { member: m, org: b }),
        expect![[r#"limit max_members_per_org is 3: org "B" already holds 3 members"#]],
    );
    check(
        w.run(Command::UpdateMember {
            member: m,
            patch: Box::new(MemberPatch {
                scope: Some(vec![a, a1, b]),
                ..MemberPatch::default()
            }),
        }),
        expect!["limit max_scope_orgs is 2: a management scope of 3 orgs"],
    );
    // Deleting a member removes it from its groups.
    let g = w
        .run(Command::CreateGroup(Box::new(NewGroup {
            name: "g".into(),
            members: BTreeSet::from([m]),
            ..NewGroup::default()
        })))
        .unwrap();
    check(w.run(Command::DeleteMember { member: m }), expect!["ok"]);
    assert!(w.state.groups[&GroupId(g)].members.is_empty());
    // An org in someone's scope cannot be deleted.
    let c = w
        .run(Command::CreateOrg {
            parent: a,
            name: "C".into(),
        })
        .unwrap();
    let who = w.member("10003");
    w.run(Command::UpdateMember {
        member: who,
        patch: Box::new(MemberPatch {
            scope: Some(vec![OrgId(c)]),
            ..MemberPatch::default()
        }),
    })
    .unwrap();
    check(
        w.run(Command::DeleteOrg { org: OrgId(c) }),
        expect![[r#"org "C" is in the management scope of member 10003; change that scope first"#]],
    );
}

#[test]
fn group_rules() {
    let mut w = World::new();
    check(
        w.run(Command::CreateGroup(Box::new(NewGroup {
            name: "eng".into(),
            ..NewGroup::default()
        }))),
        expect!["ok"],
    );
    check(
        w.run(Command::CreateGroup(Box::new(NewGroup {
            name: "ENG".into(),
            ..NewGroup::default()
        }))),
        expect![[r#"group "ENG" already exists"#]],
    );
    check(
        w.run(Command::CreateGroup(Box::new(NewGroup {
            name: "a,b".into(),
            ..NewGroup::default()
        }))),
        expect![[r#"invalid name: must not contain , + " \ < > ; = #"#]],
    );
    check(
        w.run(Command::CreateGroup(Box::new(NewGroup {
            name: "ops".into(),
            ..NewGroup::default()
        }))),
        expect!["ok"],
    );
    check(
        w.run(Command::CreateGroup(Box::new(NewGroup {
            name: "third".into(),
            ..NewGroup::default()
        }))),
        expect!["limit max_groups is 2: the enterprise already has 2 groups"],
    );
    check(
        w.run(Command::AddGroupMembers {
            group: GroupId(999),
            members: BTreeSet::new(),
        }),
        expect!["group 999 not found"],
    );
}

#[test]
fn hash_upgrades_never_overwrite_a_newer_password() {
    let mut w = World::new();
    let m = w.member("10001");
    w.run(Command::SetMemberPassword {
        member: m,
        hash: "{SSHA}old".into(),
        must_change: false,
    })
    .unwrap();
    let upgrade = |old: &str| Command::UpgradeHash {
        target: HashTarget::Member(m),
        old: old.into(),
        new: "{ARGON2}new".into(),
    };
    // The password was changed after the bind that asked for the upgrade: nothing happens.
    w.run(Command::SetMemberPassword {
        member: m,
        hash: "{ARGON2}changed".into(),
        must_change: false,
    })
    .unwrap();
    w.run(upgrade("{SSHA}old")).unwrap();
    assert_eq!(
        w.state.members[&m].password.as_deref(),
        Some("{ARGON2}changed")
    );
    // Still the verified hash: replaced.
    w.run(Command::SetMemberPassword {
        member: m,
        hash: "{SSHA}old".into(),
        must_change: false,
    })
    .unwrap();
    w.run(upgrade("{SSHA}old")).unwrap();
    assert_eq!(w.state.members[&m].password.as_deref(), Some("{ARGON2}new"));
    // A member may not ask for it (the server and administrators may).
    assert!(authorize(&w.state, Actor::EnterpriseAdmin, &upgrade("x")).is_ok());
    assert!(authorize(&w.state, Actor::Member(m), &upgrade("x")).is_err());
}

fn authz(w: &World, actor: Actor, cmd: &Command) -> String {
    match authorize(&w.state, actor, cmd) {
        Ok(()) => "allowed".into(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn permissions_and_scope() {
    let w = World::new();
    let (a, a1, b) = (w.org("A"), w.org("A1"), w.org("B"));
    let (m1, m2, m3) = (w.member("10001"), w.member("10002"), w.member("10003"));
    let plain = Actor::Member(m1);
    let sys_b = Actor::Member(m2); // system admin, scope B
    let info_a = Actor::Member(m3); // info admin, scope A
    let hide = |m| Command::SetMemberHidden {
        member: m,
        hidden: true,
    };
    let sys_role = w.role(BuiltinRole::SystemAdmin);
    let rows = [
        ("ordinary member hides someone", plain, hide(m3)),
        (
            "ordinary member changes own password",
            plain,
            Command::SetMemberPassword {
                member: m1,
                hash: "x".into(),
                must_change: false,
            },
        ),
        (
            "ordinary member changes another's password",
            plain,
            Command::SetMemberPassword {
                member: m3,
                hash: "x".into(),
                must_change: false,
            },
        ),
        (
            "system admin (scope B) hides a member of A",
            sys_b,
            hide(m1),
        ),
        (
            "system admin (scope B) hides itself (in B)",
            sys_b,
            hide(m2),
        ),
        (
            "info admin (scope A) hides a member of A1",
            info_a,
            hide(m3),
        ),
        (
            "info admin (scope A) creates an org under A1",
            info_a,
            Command::CreateOrg {
                parent: a1,
                name: "n".into(),
            },
        ),
        (
            "info admin (scope A) creates an org under B",
            info_a,
            Command::CreateOrg {
                parent: b,
                name: "n".into(),
            },
        ),
        (
            "info admin moves a member of A into B",
            info_a,
            Command::MoveMember { member: m1, org: b },
        ),
        (
            "info admin changes a role (no manage_roles)",
            info_a,
            Command::SetMemberRole {
                member: m1,
                role: sys_role,
            },
        ),
        (
            "system admin grants system admin in scope",
            sys_b,
            Command::SetMemberRole {
                member: m2,
                role: sys_role,
            },
        ),
        (
            "service account without write",
            Actor::Service(ServiceId(999)),
            hide(m1),
        ),
        (
            "member creates a service account",
            sys_b,
            Command::CreateService(Box::default()),
        ),
        (
            "enterprise admin anything",
            Actor::EnterpriseAdmin,
            Command::DeleteOrg { org: a },
        ),
        (
            "enterprise admin buys seats",
            Actor::EnterpriseAdmin,
            Command::SetEnterpriseTerms {
                seats: Some(9999),
                account_range: None,
                expires_at: None,
                limits: None,
            },
        ),
        (
            "operator sets seats",
            Actor::Operator,
            Command::SetEnterpriseTerms {
                seats: Some(9999),
                account_range: None,
                expires_at: None,
                limits: None,
            },
        ),
        (
            "operator deletes an org",
            Actor::Operator,
            Command::DeleteOrg { org: a },
        ),
        (
            "operator sets the super password",
            Actor::Operator,
            Command::SetSuperPassword {
                hash: "{SSHA}x".into(),
            },
        ),
    ];
    let table: String = rows
        .iter()
        .map(|(what, actor, cmd)| format!("{what}: {}\n", authz(&w, *actor, cmd)))
        .collect();
    expect![[r#"
        ordinary member hides someone: permission denied: the manage_members permission is required
        ordinary member changes own password: allowed
        ordinary member changes another's password: permission denied: the manage_members permission is required
        system admin (scope B) hides a member of A: permission denied: the target is outside your management scope
        system admin (scope B) hides itself (in B): allowed
        info admin (scope A) hides a member of A1: allowed
        info admin (scope A) creates an org under A1: allowed
        info admin (scope A) creates an org under B: permission denied: the target is outside your management scope
        info admin moves a member of A into B: permission denied: the target is outside your management scope
        info admin changes a role (no manage_roles): permission denied: the manage_roles permission is required
        system admin grants system admin in scope: permission denied: the manage_roles permission is required
        service account without write: permission denied: unknown service account
        member creates a service account: permission denied: only the enterprise administrator manages service accounts
        enterprise admin anything: allowed
        enterprise admin buys seats: permission denied: only the operator changes seats, account ranges and expiry
        operator sets seats: allowed
        operator deletes an org: permission denied: the operator only changes seats, account ranges, expiry and limits, and reviews profile changes
        operator sets the super password: permission denied: the operator only changes seats, account ranges, expiry and limits, and reviews profile changes
    "#]].assert_eq(&table);
}

#[test]
fn enterprise_terms() {
    let mut w = World::new();
    let terms = |seats| Command::SetEnterpriseTerms {
        seats: Some(seats),
        account_range: None,
        expires_at: None,
        limits: None,
    };
    check(
        w.run(terms(2)),
        expect!["the enterprise has 3 members; seats cannot go below that"],
    );
    check(w.run(terms(50)), expect!["ok"]);
    assert_eq!(w.state.enterprise.seats, 50);
}

#[test]
fn role_rules() {
    use orgdir_domain::role::Permission;
    let mut w = World::new();
    let admin_role = w.role(BuiltinRole::EnterpriseAdmin);
    let member_role = w.role(BuiltinRole::Member);
    let perms = |p: &[Permission]| p.iter().copied().collect::<BTreeSet<_>>();
    let custom = w
        .run(Command::CreateRole {
            name: "Auditors".into(),
            permissions: perms(&[Permission::ViewMessageRecords]),
        })
        .unwrap();
    let custom = RoleId(custom);
    check(
        w.run(Command::CreateRole {
            name: "auditors".into(),
            permissions: BTreeSet::new(),
        }),
        expect![[r#"a role named "auditors" already exists"#]],
    );
    check(
        w.run(Command::UpdateRole {
            role: admin_role,
            name: Some("Boss".into()),
            permissions: None,
        }),
        expect!["the enterprise administrator role cannot be edited"],
    );
    check(
        w.run(Command::UpdateRole {
            role: member_role,
            name: Some("Staff".into()),
            permissions: None,
        }),
        expect!["ok"],
    );
    check(
        w.run(Command::DeleteRole { role: member_role }),
        expect![[r#""Staff" is a built-in role and cannot be deleted"#]],
    );
    // Deleting a custom role moves its holders to the ordinary member role.
    let m = w.member("10001");
    w.run(Command::SetMemberRole {
        member: m,
        role: custom,
    })
    .unwrap();
    check(w.run(Command::DeleteRole { role: custom }), expect!["ok"]);
    assert_eq!(w.state.members[&m].role, member_role);
    // Authorization: only manage_roles, never more than one holds, never one's own role.
    let info_a = Actor::Member(w.member("10003")); // info admin: no manage_roles
    let everything = perms(&Permission::ALL);
    let table: String = [
        (
            "info admin creates a role",
            info_a,
            Command::CreateRole {
                name: "x".into(),
                permissions: BTreeSet::new(),
            },
        ),
        (
            "enterprise admin creates an all-powerful role",
            Actor::EnterpriseAdmin,
            Command::CreateRole {
                name: "x".into(),
                permissions: everything,
            },
        ),
    ]
    .iter()
    .map(|(what, actor, cmd)| format!("{what}: {}\n", authz(&w, *actor, cmd)))
    .collect();
    expect![[r#"
        info admin creates a role: permission denied: the manage_roles permission is required
        enterprise admin creates an all-powerful role: allowed
    "#]]
    .assert_eq(&table);
}

/// ENT-1: a submitted profile waits; the live one stays until the operator approves; a
/// rejection needs a reason; only the administrator submits and only the operator reviews.
#[test]
fn profile_changes_wait_for_the_operator() {
    let mut w = World::new();
    let submit = |name: &str, short: &str, phone: Option<&str>| Command::SubmitProfile {
        name: name.into(),
        short_name: short.into(),
        profile: Box::new(Profile {
            industry: Some("Software".into()),
            contact_phone: phone.map(Into::into),
            ..Profile::default()
        }),
    };
    let review = |approve: bool, reason: Option<&str>| Command::ReviewProfile {
        approve,
        reason: reason.map(Into::into),
    };
    check(
        w.run(review(true, None)),
        expect!["no profile change is waiting for review"],
    );
    check(
        w.run(submit("New Name Ltd", "NewName", Some("phone?"))),
        expect![
            "invalid mobile: expected digits, optionally starting with '+' (at most 20 characters)"
        ],
    );
    let live = w.state.enterprise.clone();
    check(
        w.run(submit("New Name Ltd", "NewName", Some("+86 10 1234"))),
        expect!["ok"],
    );
    assert_eq!(w.state.enterprise.name, live.name, "the live name stays");
    assert_eq!(w.state.enterprise.account.profile, live.account.profile);
    assert!(w.state.enterprise.account.pending.is_some());
    // Who may do what.
    let s = submit("X", "X", None);
    expect!["permission denied: only the enterprise administrator changes the enterprise account"]
        .assert_eq(&authz(&w, Actor::Member(w.member("10002")), &s));
    expect!["allowed"].assert_eq(&authz(&w, Actor::EnterpriseAdmin, &s));
    expect!["permission denied: only the operator reviews profile changes"].assert_eq(&authz(
        &w,
        Actor::EnterpriseAdmin,
        &review(true, None),
    ));
    expect!["allowed"].assert_eq(&authz(&w, Actor::Operator, &review(true, None)));
    // Rejection needs a reason and keeps the live values.
    check(
        w.run(review(false, Some("  "))),
        expect!["invalid reason: a rejection needs a reason"],
    );
    check(
        w.run(review(false, Some("licence name differs"))),
        expect!["ok"],
    );
    assert_eq!(w.state.enterprise.name, live.name);
    assert!(w.state.enterprise.account.pending.is_none());
    let r = w.state.enterprise.account.last_review.clone().unwrap();
    assert_eq!(
        (r.approved, r.reason.as_deref()),
        (false, Some("licence name differs"))
    );
    // Approval makes it live, the root org included.
    check(
        w.run(submit("New Name Ltd", "NewName", None)),
        expect!["ok"],
    );
    check(w.run(review(true, None)), expect!["ok"]);
    assert_eq!(w.state.enterprise.name, "New Name Ltd");
    assert_eq!(w.state.enterprise.short_name, "NewName");
    assert_eq!(w.state.orgs[&w.root()].name, "NewName");
    assert_eq!(
        w.state.enterprise.account.profile.industry.as_deref(),
        Some("Software")
    );
    check(
        w.run(submit("New Name Ltd", "NewName", None)),
        expect!["the submitted profile is the same as the live one"],
    );
}

/// ENT-4: members created after the initial password is set get it and must change it;
/// members with a password of their own, or created before, do not.
#[test]
fn initial_password_applies_to_members_created_afterwards() {
    let mut w = World::new();
    let a = w.org("A1");
    let member = w.role(BuiltinRole::Member);
    let before = w.member("10001");
    check(
        w.run(Command::SetInitialPassword {
            hash: Some("{ARGON2}initial".into()),
        }),
        expect!["ok"],
    );
    assert_eq!(w.state.members[&before].password, None);
    w.add("10004", a, member, vec![]).unwrap();
    let m = w.state.member_by_account("10004").unwrap();
    assert_eq!(m.password.as_deref(), Some("{ARGON2}initial"));
    assert!(m.must_change_password);
    check(
        w.run(Command::AddMember(Box::new(NewMember {
            account: Some("10005".into()),
            org: Some(a),
            name: "Own Password".into(),
            role: Some(member),
            password: Some("{ARGON2}own".into()),
            ..NewMember::default()
        }))),
        expect!["ok"],
    );
    let m = w.state.member_by_account("10005").unwrap();
    assert_eq!(m.password.as_deref(), Some("{ARGON2}own"));
    assert!(!m.must_change_password);
    expect!["permission denied: only the enterprise administrator changes the enterprise account"]
        .assert_eq(&authz(
            &w,
            Actor::Member(w.member("10002")),
            &Command::SetInitialPassword { hash: None },
        ));
}

#[test]
fn service_accounts_write_only_with_the_grant_and_never_roles() {
    let mut w = World::new();
    let (a, a1, b) = (w.org("A"), w.org("A1"), w.org("B"));
    let service = |w: &mut World, name: &str, can_write: bool, disabled: bool| {
        let id = ServiceId(
            w.run(Command::CreateService(Box::new(NewService {
                name: name.into(),
                scope: vec![a],
                can_write,
                ..NewService::default()
            })))
            .unwrap(),
        );
        w.state.services.get_mut(&id).unwrap().disabled = disabled;
        Actor::Service(id)
    };
    let reader = service(&mut w, "reader", false, false);
    let writer = service(&mut w, "provisioner", true, false);
    let off = service(&mut w, "retired", true, true);
    let (m1, m2) = (w.member("10001"), w.member("10002"));
    let (member, info) = (w.role(BuiltinRole::Member), w.role(BuiltinRole::InfoAdmin));
    let system = w.role(BuiltinRole::SystemAdmin);
    let new_member = |role| {
        Command::AddMember(Box::new(NewMember {
            account: Some("10009".into()),
            org: Some(a1),
            name: "New".into(),
            role: Some(role),
            ..NewMember::default()
        }))
    };
    let rows = [
        (
            "read-only service renames an org",
            reader,
            Command::RenameOrg {
                org: a,
                name: "X".into(),
            },
        ),
        (
            "writer renames an org in scope",
            writer,
            Command::RenameOrg {
                org: a1,
                name: "X".into(),
            },
        ),
        (
            "writer moves a member in scope",
            writer,
            Command::MoveMember {
                member: m1,
                org: a1,
            },
        ),
        (
            "writer moves a member out of scope",
            writer,
            Command::MoveMember { member: m1, org: b },
        ),
        (
            "writer deletes a member out of scope",
            writer,
            Command::DeleteMember { member: m2 },
        ),
        ("writer adds an ordinary member", writer, new_member(member)),
        // The information administrator's core permissions are exactly the writer's.
        ("writer adds an information admin", writer, new_member(info)),
        ("writer adds a system admin", writer, new_member(system)),
        (
            "writer changes a role",
            writer,
            Command::SetMemberRole {
                member: m1,
                role: member,
            },
        ),
        (
            "writer creates a group",
            writer,
            Command::CreateGroup(Box::default()),
        ),
        (
            "writer creates a role",
            writer,
            Command::CreateRole {
                name: "r".into(),
                permissions: BTreeSet::new(),
            },
        ),
        (
            "writer creates a service account",
            writer,
            Command::CreateService(Box::default()),
        ),
        (
            "disabled writer renames an org",
            off,
            Command::RenameOrg {
                org: a1,
                name: "X".into(),
            },
        ),
    ];
    let table: String = rows
        .iter()
        .map(|(what, actor, cmd)| format!("{what}: {}\n", authz(&w, *actor, cmd)))
        .collect();
    expect![[r#"
        read-only service renames an org: permission denied: service account reader is read-only (orgdir add-service --write makes one that may write)
        writer renames an org in scope: allowed
        writer moves a member in scope: allowed
        writer moves a member out of scope: permission denied: the target is outside your management scope
        writer deletes a member out of scope: permission denied: the target is outside your management scope
        writer adds an ordinary member: allowed
        writer adds an information admin: allowed
        writer adds a system admin: permission denied: you cannot grant a role with permissions you do not hold
        writer changes a role: permission denied: the manage_roles permission is required
        writer creates a group: allowed
        writer creates a role: permission denied: the manage_roles permission is required
        writer creates a service account: permission denied: only the enterprise administrator manages service accounts
        disabled writer renames an org: permission denied: service account retired is disabled
    "#]].assert_eq(&table);
}

#[test]
fn plugins_are_turned_on_with_their_default_grants_once() {
    use orgdir_domain::role::Permission;
    let mut w = World::new();
    let view = Permission::from_key("attendance.view").unwrap();
    let other = Permission::from_key("sms.send").unwrap();
    let on = |enabled: bool, grants: Vec<(BuiltinRole, Permission)>| Command::SetPlugin {
        plugin: "attendance".into(),
        enabled,
        default_grants: grants,
    };
    let info = w.role(BuiltinRole::InfoAdmin);
    let holds = |w: &World, r: RoleId| w.state.roles[&r].permissions.contains(&view);
    assert!(!holds(&w, info));
    // Only the enterprise administrator turns plugins on.
    expect!["permission denied: only the enterprise administrator changes the enterprise account"]
        .assert_eq(&authz(
            &w,
            Actor::Member(w.member("10001")),
            &on(true, vec![]),
        ));
    // A grant of another plugin's permission is refused.
    check(
        w.run(on(true, vec![(BuiltinRole::InfoAdmin, other)])),
        expect![[r#"invalid permission: sms.send is not a permission of attendance"#]],
    );
    w.run(on(true, vec![(BuiltinRole::InfoAdmin, view)]))
        .unwrap();
    assert!(holds(&w, info));
    let s = &w.state.enterprise.account.plugins["attendance"];
    assert!(s.enabled && s.defaults_granted && s.changed_at == 100);
    // Taken away by the administrator, it stays away across off and on.
    w.state
        .roles
        .get_mut(&info)
        .unwrap()
        .permissions
        .remove(&view);
    w.run(on(false, vec![(BuiltinRole::InfoAdmin, view)]))
        .unwrap();
    assert!(!w.state.enterprise.account.plugins["attendance"].enabled);
    w.run(on(true, vec![(BuiltinRole::InfoAdmin, view)]))
        .unwrap();
    assert!(!holds(&w, info));
    // Keys are `<plugin>.<name>`; anything else is no permission.
    for bad in [
        "attendance",
        "Attendance.view",
        "a.b.c",
        ".view",
        "attendance.",
        "x.1y",
    ] {
        assert_eq!(Permission::from_key(bad), None, "{bad}");
    }
    assert_eq!(view.key(), "attendance.view");
    assert_eq!(view.plugin(), Some("attendance"));
    assert_eq!(Permission::ManageGroups.plugin(), None);
}
