//! LDAP writes mapped to commands, data-driven: an identity and an LDIF change record (as
//! `ldapmodify` reads it) in, the commands or the refusal out — over the demo directory.
//! Then the same requests executed: hashing, audit, rules and the service-account grant.
//! Run with UPDATE_EXPECT=1 to regenerate after an intended change, then review.

use std::fmt::Write as _;
use std::sync::{Arc, OnceLock};

use expect_test::{Expect, expect};
use orgdir_directory::demo::{DEMO_ENTERPRISE, seed_demo};
use orgdir_directory::ldapwrite::{
    Attribute, ModOp, Modification, Plan, WriteCode, WriteError, WriteRequest, plan, write,
};
use orgdir_directory::service::{Directory, Principal, PrincipalKind};
use orgdir_directory::world::{ManualClock, OsEntropy};
use orgdir_domain::authz::Actor;
use orgdir_domain::command::{Command, NewService};
use orgdir_domain::limits::Limits;
use orgdir_store::{AuditQuery, SqliteStore};

use crate::{T0, config};

/// A fresh demo directory in memory, on its own runtime.
fn demo() -> (tokio::runtime::Runtime, Arc<Directory>) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let dir = rt.block_on(async {
        let store = Arc::new(SqliteStore::open_in_memory().unwrap());
        let dir = Directory::open(
            store,
            config(),
            Arc::new(ManualClock::new(T0)),
            Arc::new(OsEntropy),
        )
        .unwrap();
        seed_demo(&dir).await.unwrap();
        Arc::new(dir)
    });
    (rt, dir)
}

/// One demo directory for the planning cases (planning changes nothing).
fn shared() -> &'static Arc<Directory> {
    static DIR: OnceLock<(tokio::runtime::Runtime, Arc<Directory>)> = OnceLock::new();
    &DIR.get_or_init(demo).1
}

/// The principal for "admin", "reader", a service name or a member account.
fn principal(dir: &Directory, who: &str) -> Principal {
    let snap = dir.catalog().get(DEMO_ENTERPRISE).cloned().unwrap();
    let kind = if who == "admin" {
        PrincipalKind::Admin
    } else if let Some(m) = snap.member_by_account(who) {
        PrincipalKind::Member(m.id)
    } else {
        let s = snap
            .state
            .services
            .values()
            .find(|s| s.name == who)
            .unwrap();
        PrincipalKind::Service(s.id)
    };
    let holder = match kind {
        PrincipalKind::Member(m) => Some(snap.state.members[&m].uuid),
        _ => None,
    };
    Principal {
        enterprise: DEMO_ENTERPRISE,
        kind,
        dn: who.to_string(),
        holder,
    }
}

/// Parses one LDIF change record (RFC 2849): `dn:`, `changetype:` add, modify, delete or
/// modrdn, then its lines. Values are taken literally (no base64, no folding).
fn request(ldif: &str) -> WriteRequest {
    let mut lines = ldif.trim().lines().map(str::trim);
    let dn = lines
        .next()
        .unwrap()
        .strip_prefix("dn:")
        .unwrap()
        .trim()
        .to_string();
    let kind = lines
        .next()
        .unwrap()
        .strip_prefix("changetype:")
        .unwrap()
        .trim();
    let pair = |l: &str| {
        let (a, v) = l.split_once(':').unwrap();
        (a.trim().to_string(), v.trim().to_string())
    };
    match kind {
        "add" => {
            let mut attrs: Vec<Attribute> = Vec::new();
            for (a, v) in lines.map(pair) {
                match attrs.iter_mut().find(|x| x.name == a) {
                    Some(x) => x.values.push(v.into_bytes()),
                    None => attrs.push(Attribute {
                        name: a,
                        values: vec![v.into_bytes()],
                    }),
                }
            }
            WriteRequest::Add { dn, attrs }
        }
        "modify" => {
            let mut changes: Vec<Modification> = Vec::new();
            let mut open = false;
            for l in lines {
                if l == "-" {
                    open = false;
                    continue;
                }
                let (a, v) = pair(l);
                if open {
                    changes.last_mut().unwrap().attr.values.push(v.into_bytes());
                    continue;
                }
                let op = match a.as_str() {
                    "add" => ModOp::Add,
                    "delete" => ModOp::Delete,
                    "replace" => ModOp::Replace,
                    "increment" => ModOp::Increment,
                    other => panic!("unknown modify operation {other}"),
                };
                changes.push(Modification {
                    op,
                    attr: Attribute {
                        name: v,
                        values: Vec::new(),
                    },
                });
                open = true;
            }
            WriteRequest::Modify { dn, changes }
        }
        "delete" => WriteRequest::Delete { dn },
        "modrdn" => {
            let (mut new_rdn, mut delete_old_rdn, mut new_superior) = (String::new(), false, None);
            for (a, v) in lines.map(pair) {
                match a.as_str() {
                    "newrdn" => new_rdn = v,
                    "deleteoldrdn" => delete_old_rdn = v == "1",
                    "newsuperior" => new_superior = Some(v),
                    other => panic!("unknown modrdn line {other}"),
                }
            }
            WriteRequest::ModifyDn {
                dn,
                new_rdn,
                delete_old_rdn,
                new_superior,
            }
        }
        other => panic!("unknown changetype {other}"),
    }
}

fn render_error(e: &WriteError) -> String {
    let mut s = format!("{:?}", e.code);
    if !e.message.is_empty() {
        write!(s, ": {}", e.message).unwrap();
    }
    if !e.matched.is_empty() {
        write!(s, " [matched {}]", e.matched).unwrap();
    }
    s.push('\n');
    s
}

fn render(r: Result<Plan, WriteError>) -> String {
    match r {
        Ok(p) => {
            let mut s = String::new();
            for c in &p.commands {
                writeln!(s, "{c:?}").unwrap();
            }
            if let Some(pw) = &p.password {
                writeln!(s, "password {pw:?}").unwrap();
            }
            if p.conflict != WriteCode::ConstraintViolation {
                writeln!(s, "a conflict is {:?}", p.conflict).unwrap();
            }
            if let Some(g) = &p.guard {
                writeln!(s, "no change, if allowed to run {g:?}").unwrap();
            } else if s.is_empty() {
                s.push_str("no change\n");
            }
            s
        }
        Err(e) => render_error(&e),
    }
}

/// Plans each of `cases` as `who` over the shared demo directory; the rendered plans.
fn plans<S: AsRef<str>>(who: &str, cases: &[S]) -> String {
    let dir = shared();
    let (snap, viewer) = dir.viewer(&principal(dir, who)).unwrap();
    cases
        .iter()
        .map(|c| render(plan(&snap, &viewer, &request(c.as_ref()))))
        .collect()
}

/// Plans `ldif` as `who` over the shared demo directory.
fn check(who: &str, ldif: &str, expect: Expect) {
    expect.assert_eq(&plans(who, &[ldif]));
}

#[test]
fn add_maps_entries_to_members_orgs_and_groups() {
    check(
        "admin",
        "dn: uid=10100,ou=Sales,dc=example,dc=com
         changetype: add
         objectClass: top
         objectClass: inetOrgPerson
         objectClass: posixAccount
         uid: 10100
         cn: Ada Lovelace
         sn: Lovelace
         givenName: Ada
         displayName: Ada Lovelace
         mail: ada@example.com
         mobile: +86 138 0000 1234
         title: Analyst
         employeeNumber: E10100
         loginShell: /bin/zsh
         orgdirRole: info-admin
         userPassword: Analytical-Engine-1",
        expect![[r#"
            AddMember(NewMember { account: Some("10100"), org: Some(OrgId(9)), name: "Ada Lovelace", surname: Some("Lovelace"), given_name: Some("Ada"), mobile: Some("+86 138 0000 1234"), email: Some("ada@example.com"), title: Some("Analyst"), employee_number: Some("E10100"), role: Some(RoleId(4)), scope: [], hidden: false, disabled: false, password: None, must_change_password: false, uid_number: None, gid_number: None, login_shell: Some("/bin/zsh"), home_directory: None })
            password NewMember(<clear text>)
        "#]],
    );
    // The fewest attributes a client must send; a stored hash is kept as it is; a space
    // (Keycloak's filler for required attributes) is no value.
    check(
        "admin",
        "dn: uid=10101,dc=example,dc=com
         changetype: add
         objectClass: inetOrgPerson
         cn: Grace Hopper
         sn:  
         userPassword: {SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=",
        expect![[r#"
            AddMember(NewMember { account: Some("10101"), org: Some(OrgId(1)), name: "Grace Hopper", surname: None, given_name: None, mobile: None, email: None, title: None, employee_number: None, role: Some(RoleId(5)), scope: [], hidden: false, disabled: false, password: Some("{SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g="), must_change_password: false, uid_number: None, gid_number: None, login_shell: None, home_directory: None })
        "#]],
    );
    check(
        "admin",
        "dn: ou=Research,ou=Engineering,dc=example,dc=com
         changetype: add
         objectClass: organizationalUnit
         ou: Research",
        expect![[r#"
            CreateOrg { parent: OrgId(6), name: "Research" }
        "#]],
    );
    check(
        "admin",
        "dn: cn=ops,cn=groups,dc=example,dc=com
         changetype: add
         objectClass: groupOfNames
         objectClass: posixGroup
         cn: ops
         description: On call
         gidNumber: 70000
         member: uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com
         member: UID=10002, OU=Engineering, DC=example, DC=com
         memberUid: 10001
         memberUid: 10002",
        expect![[r#"
            CreateGroup(NewGroup { name: "ops", description: Some("On call"), gid_number: Some(70000), members: {MemberId(14), MemberId(15)}, owner: None })
        "#]],
    );
    // groupOfUniqueNames, and the placeholders that fill an empty groupOfNames.
    check(
        "admin",
        "dn: cn=kc,cn=groups,dc=example,dc=com
         changetype: add
         objectClass: groupOfUniqueNames
         cn: kc
         uniqueMember: 
         uniqueMember: cn=empty-membership-placeholder",
        expect![[r#"
            CreateGroup(NewGroup { name: "kc", description: None, gid_number: None, members: {}, owner: None })
        "#]],
    );
}

#[test]
fn add_refusals_say_why() {
    let cases = [
        // Unknown, operational, derived and unkept attributes.
        "dn: uid=10100,ou=Sales,dc=example,dc=com\nchangetype: add\nobjectClass: inetOrgPerson\ncn: A B\nfavouriteDrink: tea",
        "dn: uid=10100,ou=Sales,dc=example,dc=com\nchangetype: add\nobjectClass: inetOrgPerson\ncn: A B\ncn;lang-en: A B",
        "dn: uid=10100,ou=Sales,dc=example,dc=com\nchangetype: add\nobjectClass: inetOrgPerson\ncn: A B\nentryUUID: 3f1c0000-0000-4000-8000-000000000000",
        "dn: uid=10100,ou=Sales,dc=example,dc=com\nchangetype: add\nobjectClass: inetOrgPerson\ncn: A B\nmemberOf: cn=finance,cn=groups,dc=example,dc=com",
        "dn: uid=10100,ou=Sales,dc=example,dc=com\nchangetype: add\nobjectClass: inetOrgPerson\ncn: A B\ndisplayName: Someone Else",
        "dn: uid=10100,ou=Sales,dc=example,dc=com\nchangetype: add\nobjectClass: inetOrgPerson\ncn: A B\ndescription: likes tea",
        "dn: uid=10100,ou=Sales,dc=example,dc=com\nchangetype: add\nobjectClass: inetOrgPerson\ncn: A B\no: Example",
        "dn: uid=10100,ou=Sales,dc=example,dc=com\nchangetype: add\nobjectClass: inetOrgPerson\ncn: A B\ncn: Another",
        "dn: uid=10100,ou=Sales,dc=example,dc=com\nchangetype: add\nobjectClass: inetOrgPerson\ncn: A B\nuidNumber: many",
        "dn: uid=10100,ou=Sales,dc=example,dc=com\nchangetype: add\nobjectClass: inetOrgPerson\ncn: A B\norgdirRole: boss",
        "dn: uid=10100,ou=Sales,dc=example,dc=com\nchangetype: add\nobjectClass: inetOrgPerson\ncn: A B\nuserPassword: {PBKDF2-SHA512}10000$abc$def",
        "dn: uid=10100,ou=Sales,dc=example,dc=com\nchangetype: add\nobjectClass: inetOrgPerson\nsn: B",
        "dn: uid=10100,ou=Sales,dc=example,dc=com\nchangetype: add\nobjectClass: inetOrgPerson\ncn: A B\nuid: 10200",
        // Object classes, names and places.
        "dn: uid=10100,ou=Sales,dc=example,dc=com\nchangetype: add\nobjectClass: inetOrgPerson\nobjectClass: shadowAccount\ncn: A B",
        "dn: uid=10100,ou=Sales,dc=example,dc=com\nchangetype: add\nobjectClass: device\ncn: A B",
        "dn: cn=A B,ou=Sales,dc=example,dc=com\nchangetype: add\nobjectClass: inetOrgPerson\ncn: A B",
        "dn: uid=10100,cn=groups,dc=example,dc=com\nchangetype: add\nobjectClass: inetOrgPerson\ncn: A B",
        "dn: cn=ops,ou=Sales,dc=example,dc=com\nchangetype: add\nobjectClass: groupOfNames\ncn: ops",
        "dn: cn=mail,cn=services,dc=example,dc=com\nchangetype: add\nobjectClass: applicationProcess\ncn: mail",
        "dn: cn=auditor,cn=roles,dc=example,dc=com\nchangetype: add\nobjectClass: groupOfNames\ncn: auditor",
        "dn: uid=10100,uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com\nchangetype: add\nobjectClass: inetOrgPerson\ncn: A B",
        "dn: ou=Lab,ou=Nowhere,dc=example,dc=com\nchangetype: add\nobjectClass: organizationalUnit\nou: Lab",
        "dn: ou=Sales,dc=example,dc=com\nchangetype: add\nobjectClass: organizationalUnit\nou: Sales",
        "dn: ou=Lab,dc=example,dc=com\nchangetype: add\nobjectClass: organizationalUnit\nou: Lab\ndescription: the lab",
        "dn: cn=ops,cn=groups,dc=example,dc=com\nchangetype: add\nobjectClass: groupOfNames\ncn: ops\nmember: uid=19999,ou=Sales,dc=example,dc=com",
        "dn: cn=ops,cn=groups,dc=example,dc=com\nchangetype: add\nobjectClass: groupOfNames\nobjectClass: posixGroup\ncn: ops\nmemberUid: 19999",
        "dn: uid=10100,ou=Sales,dc=example,dc=com\nchangetype: add\nobjectClass: inetOrgPerson\ncn: A B\nmail: a@example.com\nmail: A@example.com",
    ];
    let out = plans("admin", &cases);
    expect![[r#"
        UndefinedAttributeType: favouriteDrink: no such attribute type in orgdir's schema
        UndefinedAttributeType: cn;lang-en: attribute options are not supported
        ConstraintViolation: entryUUID: no user modification allowed (orgdir maintains it)
        ConstraintViolation: memberOf: orgdir derives it from the groups' member values; change the group instead
        ConstraintViolation: displayName: orgdir derives it from cn (it is "A B"); change cn instead
        UnwillingToPerform: description: orgdir does not keep this attribute on members (it keeps objectClass, uid, cn, sn, givenName, displayName, mail, mobile, title, employeeNumber, uidNumber, gidNumber, homeDirectory, loginShell, gecos, orgdirRole, orgdirEnterpriseNumber, pwdAccountLockedTime)
        ObjectClassViolation: o: not allowed by the object classes of members (top, person, organizationalPerson, inetOrgPerson, posixAccount, orgdirMember)
        ConstraintViolation: cn: orgdir keeps one value
        InvalidAttributeSyntax: uidNumber: "many" is not a number
        ConstraintViolation: orgdirRole: no role "boss" (the roles: enterprise-admin, info-admin, member, system-admin)
        ConstraintViolation: userPassword: {PBKDF2-SHA512} is not a scheme orgdir verifies; send the password in clear text (orgdir hashes it with argon2id) or as {ARGON2}, {SSHA}, {SSHA256}, {SSHA512}, {SHA}, {SHA256}, {SHA512}, {SMD5}, {MD5}, {CRYPT}
        ObjectClassViolation: cn: a member needs a name
        NamingViolation: uid: a member has one, the RDN's value "10100"
        ObjectClassViolation: objectClass shadowAccount: not used for a member in orgdir (it uses top, person, organizationalPerson, inetOrgPerson, posixAccount, orgdirMember)
        ObjectClassViolation: object classes device: orgdir stores members (inetOrgPerson), orgs (organizationalUnit) and groups (groupOfNames, posixGroup)
        NamingViolation: a member is named uid=<account>, not cn=…
        NamingViolation: members and orgs live under orgs (the naming context dc=example,dc=com or an ou=… entry below it)
        NamingViolation: groups live in cn=groups,dc=example,dc=com (as cn=<name>,cn=groups,dc=example,dc=com)
        UnwillingToPerform: service accounts are created by the enterprise administrator (orgdir add-service), not over LDAP
        UnwillingToPerform: roles are managed in the account center, not over LDAP; give a member a role with its orgdirRole attribute
        NamingViolation: uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com cannot hold entries
        NoSuchObject [matched dc=example,dc=com]
        EntryAlreadyExists: ou=Sales,dc=example,dc=com already exists
        UnwillingToPerform: description: orgdir does not keep this attribute on orgs (it keeps objectClass, ou)
        ConstraintViolation: member: "uid=19999,ou=Sales,dc=example,dc=com" names no member of this directory
        ConstraintViolation: memberUid: "19999" is no member's account
        AttributeOrValueExists: mail: value "A@example.com" is given twice or already present
    "#]].assert_eq(&out);
}

#[test]
fn modify_maps_changes_to_commands() {
    let zhang = "dn: uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com\nchangetype: modify";
    let cases = [
        // Keycloak-style replace of several attributes: one UpdateMember.
        format!("{zhang}\nreplace: mail\nmail: wei.zhang@example.com\n-\nreplace: title\ntitle: Staff Engineer\n-\nreplace: givenName\ngivenName: Wei"),
        format!("{zhang}\nreplace: cn\ncn: Zhang Wei Jr\n-\nreplace: displayName\ndisplayName: Zhang Wei Jr"),
        format!("{zhang}\ndelete: title\n-\ndelete: sn"),
        format!("{zhang}\nreplace: userPassword\nuserPassword: New-Passw0rd-1"),
        format!("{zhang}\nreplace: orgdirRole\norgdirRole: system-admin"),
        format!("{zhang}\nreplace: pwdAccountLockedTime\npwdAccountLockedTime: 000001010000Z"),
        "dn: uid=10050,ou=Sales,dc=example,dc=com\nchangetype: modify\ndelete: pwdAccountLockedTime".to_string(),
        // Sending back what was read changes nothing.
        format!("{zhang}\nreplace: objectClass\nobjectClass: posixAccount\nobjectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\nobjectClass: inetOrgPerson\nobjectClass: orgdirMember\n-\nreplace: mail\nmail: zhang.wei@example.com"),
        // Groups: member and memberUid values name one list; visible members only.
        "dn: cn=engineering,cn=groups,dc=example,dc=com\nchangetype: modify\nadd: member\nmember: uid=10040,ou=North,ou=Sales,dc=example,dc=com\n-\ndelete: memberUid\nmemberUid: 10001".to_string(),
        "dn: cn=finance,cn=groups,dc=example,dc=com\nchangetype: modify\nreplace: member\nmember: uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com".to_string(),
        "dn: cn=finance,cn=groups,dc=example,dc=com\nchangetype: modify\nreplace: member\nmember: cn=empty-membership-placeholder".to_string(),
        "dn: cn=finance,cn=groups,dc=example,dc=com\nchangetype: modify\ndelete: member\nmember: cn=empty-membership-placeholder".to_string(),
        // Orgs keep nothing but their name.
        "dn: ou=Sales,dc=example,dc=com\nchangetype: modify\nreplace: ou\nou: sales".to_string(),
    ];
    let out = plans("admin", &cases);
    expect![[r#"
        UpdateMember { member: MemberId(14), patch: MemberPatch { name: None, surname: None, given_name: None, mobile: None, email: Some(Some("wei.zhang@example.com")), title: Some(Some("Staff Engineer")), employee_number: None, scope: None, login_shell: None, home_directory: None } }
        UpdateMember { member: MemberId(14), patch: MemberPatch { name: Some("Zhang Wei Jr"), surname: None, given_name: None, mobile: None, email: None, title: None, employee_number: None, scope: None, login_shell: None, home_directory: None } }
        UpdateMember { member: MemberId(14), patch: MemberPatch { name: None, surname: None, given_name: None, mobile: None, email: None, title: Some(None), employee_number: None, scope: None, login_shell: None, home_directory: None } }
        password Member(MemberId(14), <clear text>)
        SetMemberRole { member: MemberId(14), role: RoleId(3) }
        SetMemberDisabled { member: MemberId(14), disabled: true }
        SetMemberDisabled { member: MemberId(63), disabled: false }
        no change, if allowed to run UpdateMember { member: MemberId(14), patch: MemberPatch { name: None, surname: None, given_name: None, mobile: None, email: None, title: None, employee_number: None, scope: None, login_shell: None, home_directory: None } }
        AddGroupMembers { group: GroupId(64), members: {MemberId(53)} }
        RemoveGroupMembers { group: GroupId(64), members: {MemberId(14)} }
        AddGroupMembers { group: GroupId(65), members: {MemberId(14)} }
        RemoveGroupMembers { group: GroupId(65), members: {MemberId(16), MemberId(20), MemberId(27), MemberId(34), MemberId(41), MemberId(48), MemberId(55), MemberId(62)} }
        RemoveGroupMembers { group: GroupId(65), members: {MemberId(16), MemberId(20), MemberId(27), MemberId(34), MemberId(41), MemberId(48), MemberId(55), MemberId(62)} }
        no change, if allowed to run AddGroupMembers { group: GroupId(65), members: {} }
        no change, if allowed to run RenameOrg { org: OrgId(9), name: "Sales" }
    "#]].assert_eq(&out);
}

#[test]
fn modify_refusals_say_why() {
    let zhang = "dn: uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com\nchangetype: modify";
    let cases = [
        format!("{zhang}\nreplace: uid\nuid: 10099"),
        format!("{zhang}\nadd: objectClass\nobjectClass: shadowAccount"),
        format!("{zhang}\nadd: mail\nmail: zhang.wei@example.com"),
        format!("{zhang}\nadd: mail\nmail: other@example.com"),
        format!("{zhang}\ndelete: title\ntitle: Astronaut"),
        format!("{zhang}\ndelete: givenName\n-\ndelete: givenName"),
        format!("{zhang}\nreplace: entryUUID\nentryUUID: 3f1c0000-0000-4000-8000-000000000000"),
        format!("{zhang}\nreplace: modifyTimestamp\nmodifyTimestamp: 20250101000000Z"),
        format!("{zhang}\nadd: memberOf\nmemberOf: cn=finance,cn=groups,dc=example,dc=com"),
        format!("{zhang}\nreplace: uidNumber\nuidNumber: 4242"),
        format!("{zhang}\nreplace: displayName\ndisplayName: Z. Wei"),
        format!("{zhang}\nreplace: cn\ncn: Z. Wei\n-\nreplace: gecos\ngecos: Zhang Wei"),
        format!("{zhang}\nadd: description\ndescription: likes tea"),
        format!("{zhang}\ndelete: loginShell"),
        format!("{zhang}\ndelete: orgdirRole"),
        format!("{zhang}\nreplace: orgdirRole\norgdirRole: enterprise-admin\norgdirRole: member"),
        format!("{zhang}\ndelete: userPassword"),
        format!("{zhang}\nadd: userPassword\nuserPassword: Another-Passw0rd-1"),
        format!("{zhang}\nincrement: uidNumber\nuidNumber: 1"),
        format!("{zhang}\nreplace: pwdAccountLockedTime\npwdAccountLockedTime: 20250101000000Z"),
        "dn: cn=engineering,cn=groups,dc=example,dc=com\nchangetype: modify\nreplace: description\ndescription: Everyone".to_string(),
        "dn: cn=engineering,cn=groups,dc=example,dc=com\nchangetype: modify\nreplace: cn\ncn: eng".to_string(),
        "dn: cn=engineering,cn=groups,dc=example,dc=com\nchangetype: modify\ndelete: member\nmember: uid=10040,ou=North,ou=Sales,dc=example,dc=com".to_string(),
        "dn: cn=engineering,cn=groups,dc=example,dc=com\nchangetype: modify\nadd: member\nmember: cn=finance,cn=groups,dc=example,dc=com".to_string(),
        "dn: ou=Sales,dc=example,dc=com\nchangetype: modify\nreplace: ou\nou: Revenue".to_string(),
        "dn: ou=Sales,dc=example,dc=com\nchangetype: modify\nadd: description\ndescription: the sellers".to_string(),
        "dn: ou=Sales,dc=example,dc=com\nchangetype: modify\nadd: mail\nmail: sales@example.com".to_string(),
        "dn: dc=example,dc=com\nchangetype: modify\nreplace: description\ndescription: Example".to_string(),
        "dn: cn=reader,cn=services,dc=example,dc=com\nchangetype: modify\nreplace: description\ndescription: x".to_string(),
        "dn: cn=member,cn=roles,dc=example,dc=com\nchangetype: modify\nadd: member\nmember: uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com".to_string(),
        "dn: uid=19999,ou=Sales,dc=example,dc=com\nchangetype: modify\nreplace: mail\nmail: x@example.com".to_string(),
        "dn: uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com,\nchangetype: modify\nreplace: mail\nmail: x@example.com".to_string(),
    ];
    let out = plans("admin", &cases);
    expect![[r#"
        NotAllowedOnRdn: uid: the account names the member (its RDN) and cannot be changed
        ObjectClassModsProhibited: objectClass: the object classes of orgdir's entries are fixed
        AttributeOrValueExists: mail: value "zhang.wei@example.com" is given twice or already present
        ConstraintViolation: mail: orgdir keeps one value
        NoSuchAttribute: title: the entry has no value "Astronaut"
        NoSuchAttribute: givenName: the entry has no such attribute
        ConstraintViolation: entryUUID: no user modification allowed (orgdir maintains it)
        ConstraintViolation: modifyTimestamp: no user modification allowed (orgdir maintains it)
        ConstraintViolation: memberOf: orgdir derives it from the groups' member values; change the group instead
        ConstraintViolation: uidNumber, gidNumber: set when the member is created; they cannot be changed
        ConstraintViolation: displayName: orgdir derives it from cn (it is "Zhang Wei"); change cn instead
        ConstraintViolation: gecos: orgdir derives it from cn (it is "Z. Wei"); change cn instead
        UnwillingToPerform: description: orgdir does not keep this attribute on members (it keeps objectClass, uid, cn, sn, givenName, displayName, mail, mobile, title, employeeNumber, uidNumber, gidNumber, homeDirectory, loginShell, gecos, orgdirRole, orgdirEnterpriseNumber, pwdAccountLockedTime)
        UnwillingToPerform: loginShell: a member always has one; replace it instead
        UnwillingToPerform: orgdirRole: a member always has a role; replace it instead
        ConstraintViolation: orgdirRole: orgdir keeps one value
        UnwillingToPerform: userPassword: a member's password cannot be removed (disable the member with pwdAccountLockedTime: 000001010000Z); to change a password after checking the old one, use the Password Modify extended operation (ldappasswd)
        AttributeOrValueExists: userPassword: the member has a password and orgdir keeps one; replace it
        UnwillingToPerform: uidNumber: modify-increment is not supported
        ConstraintViolation: pwdAccountLockedTime: "20250101000000Z": orgdir only knows 000001010000Z (disabled by an administrator); delete the attribute to enable the member
        UnwillingToPerform: description: orgdir cannot change a group's description over LDAP (give it when the group is created)
        NotAllowedOnRdn: cn: the group's name is its RDN; orgdir does not rename groups
        NoSuchAttribute: member: the entry has no value "uid=10040,ou=North,ou=Sales,dc=example,dc=com"
        ConstraintViolation: member: "cn=finance,cn=groups,dc=example,dc=com" names no member of this directory
        NotAllowedOnRdn: ou: the org's name is its RDN; rename the org with ModifyDN (ldapmodrdn)
        UnwillingToPerform: description: orgdir does not keep this attribute on orgs (it keeps objectClass, ou)
        ObjectClassViolation: mail: not allowed by the object classes of orgs (top, organizationalUnit)
        UnwillingToPerform: the naming-context entry stands for the enterprise: change its profile in the account center
        UnwillingToPerform: service accounts are managed by the enterprise administrator (orgdir add-service, orgdir passwd --service), not over LDAP
        UnwillingToPerform: roles are managed in the account center; give a member a role with its orgdirRole attribute
        NoSuchObject [matched ou=Sales,dc=example,dc=com]
        InvalidDnSyntax: "uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com,": invalid DN: RDN "" has no '='
    "#]].assert_eq(&out);
}

#[test]
fn delete_and_modrdn() {
    let cases = [
        "dn: uid=10005,ou=Sales,dc=example,dc=com\nchangetype: delete",
        "dn: cn=finance,cn=groups,dc=example,dc=com\nchangetype: delete",
        "dn: ou=Support,dc=example,dc=com\nchangetype: delete",
        "dn: dc=example,dc=com\nchangetype: delete",
        "dn: cn=roles,dc=example,dc=com\nchangetype: delete",
        "dn: cn=reader,cn=services,dc=example,dc=com\nchangetype: delete",
        "dn: cn=member,cn=roles,dc=example,dc=com\nchangetype: delete",
        // A member moves; its uid stays.
        "dn: uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com\nchangetype: modrdn\nnewrdn: uid=10001\ndeleteoldrdn: 1\nnewsuperior: ou=Applications,ou=Engineering,dc=example,dc=com",
        "dn: uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com\nchangetype: modrdn\nnewrdn: uid=10001\ndeleteoldrdn: 0",
        "dn: uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com\nchangetype: modrdn\nnewrdn: uid=10077\ndeleteoldrdn: 1",
        "dn: uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com\nchangetype: modrdn\nnewrdn: uid=10001\ndeleteoldrdn: 1\nnewsuperior: cn=groups,dc=example,dc=com",
        "dn: uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com\nchangetype: modrdn\nnewrdn: uid=10001\ndeleteoldrdn: 1\nnewsuperior: ou=Nowhere,ou=Sales,dc=example,dc=com",
        // Orgs are renamed and moved.
        "dn: ou=Support,dc=example,dc=com\nchangetype: modrdn\nnewrdn: ou=Customer Care\ndeleteoldrdn: 1\nnewsuperior: ou=Sales,dc=example,dc=com",
        "dn: ou=Support,dc=example,dc=com\nchangetype: modrdn\nnewrdn: ou=Customer Care\ndeleteoldrdn: 0",
        "dn: ou=Support,dc=example,dc=com\nchangetype: modrdn\nnewrdn: ou=support\ndeleteoldrdn: 0",
        "dn: ou=Support,dc=example,dc=com\nchangetype: modrdn\nnewrdn: cn=Support\ndeleteoldrdn: 1",
        "dn: ou=Support,dc=example,dc=com\nchangetype: modrdn\nnewrdn: ou=A+ou=B\ndeleteoldrdn: 1",
        "dn: cn=finance,cn=groups,dc=example,dc=com\nchangetype: modrdn\nnewrdn: cn=money\ndeleteoldrdn: 1",
        "dn: dc=example,dc=com\nchangetype: modrdn\nnewrdn: dc=sample\ndeleteoldrdn: 1",
    ];
    let out = plans("admin", &cases);
    expect![[r#"
        DeleteMember { member: MemberId(18) }
        DeleteGroup { group: GroupId(65) }
        DeleteOrg { org: OrgId(13) }
        a conflict is NotAllowedOnNonLeaf
        UnwillingToPerform: the naming-context entry stands for the enterprise and cannot be deleted
        UnwillingToPerform: the system containers are part of orgdir's directory tree and cannot be deleted
        UnwillingToPerform: service accounts are managed by the enterprise administrator, not over LDAP
        UnwillingToPerform: roles are managed in the account center, not over LDAP
        MoveMember { member: MemberId(14), org: OrgId(8) }
        no change, if allowed to run MoveMember { member: MemberId(14), org: OrgId(7) }
        UnwillingToPerform: uid: the account is the member's identity and cannot be renamed; move the member with a new superior, reassign the account in the account center, or add a member with the other account
        NamingViolation: members live under orgs (the naming context or an ou=… entry)
        NoSuchObject [matched ou=Sales,dc=example,dc=com]
        RenameOrg { org: OrgId(13), name: "Customer Care" }
        MoveOrg { org: OrgId(13), parent: OrgId(9) }
        ConstraintViolation: ou: an org keeps one name; rename it with deleteoldrdn (ldapmodrdn -r)
        RenameOrg { org: OrgId(13), name: "support" }
        NamingViolation: an org is named ou=<name>, not cn=…
        NamingViolation: multi-valued RDNs are not used in orgdir: name entries uid=<account>, ou=<org> or cn=<group>
        UnwillingToPerform: orgdir does not rename or move groups
        UnwillingToPerform: the naming-context entry stands for the enterprise and cannot be renamed or moved
    "#]].assert_eq(&out);
}

#[test]
fn what_a_caller_cannot_see_does_not_exist_for_its_writes() {
    // 10040's scope is Sales: Engineering is not there for it, nor is the hidden 10049
    // for 10001; the hidden member's group membership survives a replace by someone who
    // cannot see it.
    check(
        "10040",
        "dn: uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com
         changetype: modify
         replace: title
         title: x",
        expect![[r#"
            NoSuchObject [matched dc=example,dc=com]
        "#]],
    );
    check(
        "10001",
        "dn: uid=10049,ou=Executive,dc=example,dc=com
         changetype: delete",
        expect![[r#"
            NoSuchObject [matched ou=Executive,dc=example,dc=com]
        "#]],
    );
    check(
        "10001",
        "dn: uid=19999,ou=Executive,dc=example,dc=com
         changetype: delete",
        expect![[r#"
            NoSuchObject [matched ou=Executive,dc=example,dc=com]
        "#]],
    );
    check(
        "10002",
        "dn: cn=finance,cn=groups,dc=example,dc=com
         changetype: modify
         replace: member
         member: uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com",
        expect![[r#"
            AddGroupMembers { group: GroupId(65), members: {MemberId(14)} }
            RemoveGroupMembers { group: GroupId(65), members: {MemberId(16), MemberId(20), MemberId(27), MemberId(34), MemberId(41), MemberId(48), MemberId(55)} }
        "#]],
    );
    check(
        "10002",
        "dn: cn=ops,cn=groups,dc=example,dc=com
         changetype: add
         objectClass: groupOfNames
         cn: ops
         member: uid=10049,ou=Executive,dc=example,dc=com",
        expect![[r#"
            ConstraintViolation: member: "uid=10049,ou=Executive,dc=example,dc=com" names no member of this directory
        "#]],
    );
    // One's own password: in clear text only, so that the policy sees it.
    check(
        "10001",
        "dn: uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com
         changetype: modify
         replace: userPassword
         userPassword: {SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=",
        expect![[r#"
            ConstraintViolation: userPassword: set your own password in clear text, so that the password policy can check it
        "#]],
    );
    check(
        "10001",
        "dn: uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com
         changetype: modify
         replace: userPassword
         userPassword: Zhang-New-Passw0rd",
        expect![[r#"
            password Member(MemberId(14), <clear text>)
        "#]],
    );
}

/// Runs `ldif` as `who` through [`write`] with a source naming the test.
fn run(rt: &tokio::runtime::Runtime, dir: &Directory, who: &str, ldif: &str) -> String {
    let p = principal(dir, who);
    match rt.block_on(write(dir, &p, "ldap test", &request(ldif))) {
        Ok(()) => "ok\n".into(),
        Err(e) => render_error(&e),
    }
}

#[test]
fn writes_run_through_the_write_path() {
    let (rt, dir) = demo();
    let audit_rows = || {
        dir.store()
            .audit(DEMO_ENTERPRISE, &AuditQuery::default())
            .unwrap()
    };
    let before = audit_rows().len();
    let add = "dn: uid=10100,ou=Sales,dc=example,dc=com
               changetype: add
               objectClass: inetOrgPerson
               cn: Ada Lovelace
               userPassword: Analytical-Engine-1";
    // Requests and plans never show a password in their Debug output.
    let shown = format!("{:?}", request(add));
    assert!(
        shown.contains("<1 hidden>") && !shown.contains("Analytical"),
        "{shown}"
    );
    // An ordinary member may not; nothing is written.
    expect![[r#"
        InsufficientAccess: permission denied: the manage_members permission is required
    "#]]
    .assert_eq(&run(&rt, &dir, "10001", add));
    expect![[r#"
        InsufficientAccess: permission denied: service account reader is read-only (orgdir add-service --write makes one that may write)
    "#]].assert_eq(&run(&rt, &dir, "reader", add));
    assert_eq!(audit_rows().len(), before);
    // The administrator may: hashed with argon2id, published, audited with the source.
    expect!["ok\n"].assert_eq(&run(&rt, &dir, "admin", add));
    let snap = dir.catalog().get(DEMO_ENTERPRISE).cloned().unwrap();
    let ada = snap.member_by_account("10100").unwrap();
    assert!(
        ada.password
            .as_deref()
            .unwrap()
            .starts_with("{ARGON2}$argon2id$")
    );
    assert!(
        snap.lookup_ndn("uid=10100,ou=sales,dc=example,dc=com")
            .is_some()
    );
    let row = audit_rows().into_iter().next().unwrap();
    assert_eq!(
        (row.actor.as_str(), row.source.as_str(), row.action.as_str()),
        ("super", "ldap test", "member.add")
    );
    rt.block_on(dir.bind("10100", b"Analytical-Engine-1", "test"))
        .unwrap();
    // A weak password is the policy's refusal; the member changes its own.
    let own = "dn: uid=10100,ou=Sales,dc=example,dc=com
               changetype: modify
               replace: userPassword
               userPassword: ";
    expect![[r#"
        ConstraintViolation: password rejected: must be at least 8 characters
    "#]]
    .assert_eq(&run(&rt, &dir, "10100", &format!("{own}short")));
    expect!["ok\n"].assert_eq(&run(
        &rt,
        &dir,
        "10100",
        &format!("{own}Difference-Engine-2"),
    ));
    rt.block_on(dir.bind("10100", b"Difference-Engine-2", "test"))
        .unwrap();
    // Rules: the account range, an org that still holds members.
    expect![[r#"
        ConstraintViolation: invalid account: 20001 is outside the enterprise's account range 10001-19999
    "#]].assert_eq(&run(
        &rt,
        &dir,
        "admin",
        "dn: uid=20001,ou=Sales,dc=example,dc=com
         changetype: add
         objectClass: inetOrgPerson
         cn: Out Of Range",
    ));
    expect![[r#"
        NotAllowedOnNonLeaf: org "Sales" still has 1 child org(s) and 8 member(s); move or delete them first
    "#]].assert_eq(&run(
        &rt,
        &dir,
        "admin",
        "dn: ou=Sales,dc=example,dc=com
         changetype: delete",
    ));
    // A system administrator does not manage roles.
    expect![[r#"
        InsufficientAccess: permission denied: the manage_roles permission is required
    "#]]
    .assert_eq(&run(
        &rt,
        &dir,
        "10002",
        "dn: uid=10100,ou=Sales,dc=example,dc=com
         changetype: modify
         replace: orgdirRole
         orgdirRole: system-admin",
    ));
}

#[test]
fn limits_read_as_admin_limit_exceeded() {
    let (rt, dir) = demo();
    rt.block_on(dir.execute(
        DEMO_ENTERPRISE,
        Actor::Operator,
        "test",
        Command::SetEnterpriseTerms {
            seats: None,
            account_range: None,
            expires_at: None,
            limits: Some(Limits {
                max_members_per_org: 2,
                ..Limits::default()
            }),
        },
    ))
    .unwrap();
    let add = |n: u32| {
        format!(
            "dn: uid={n},ou=Lab,dc=example,dc=com\nchangetype: add\nobjectClass: inetOrgPerson\ncn: Member {n}"
        )
    };
    let out: String = [
        "dn: ou=Lab,dc=example,dc=com\nchangetype: add\nobjectClass: organizationalUnit"
            .to_string(),
        add(10101),
        add(10102),
        add(10103),
    ]
    .iter()
    .map(|l| run(&rt, &dir, "admin", l))
    .collect();
    expect![[r#"
        ok
        ok
        ok
        AdminLimitExceeded: limit max_members_per_org is 2: org "Lab" already holds 2 members
    "#]]
    .assert_eq(&out);
}

#[test]
fn a_writing_service_account_manages_its_scope_and_nothing_more() {
    let (rt, dir) = demo();
    let snap = dir.catalog().get(DEMO_ENTERPRISE).cloned().unwrap();
    let sales = snap
        .state
        .orgs
        .values()
        .find(|o| o.name == "Sales")
        .unwrap()
        .id;
    rt.block_on(dir.execute(
        DEMO_ENTERPRISE,
        Actor::System,
        "test",
        Command::CreateService(Box::new(NewService {
            name: "provisioner".into(),
            scope: vec![sales],
            sees_hidden: true,
            can_write: true,
            ..NewService::default()
        })),
    ))
    .unwrap();
    let cases = [
        // In its scope: members, orgs, groups.
        "dn: uid=10100,ou=North,ou=Sales,dc=example,dc=com\nchangetype: add\nobjectClass: inetOrgPerson\ncn: New Seller",
        "dn: uid=10040,ou=North,ou=Sales,dc=example,dc=com\nchangetype: modify\nreplace: title\ntitle: Head of North",
        "dn: ou=South,ou=Sales,dc=example,dc=com\nchangetype: add\nobjectClass: organizationalUnit",
        "dn: cn=sellers,cn=groups,dc=example,dc=com\nchangetype: add\nobjectClass: groupOfNames\ncn: sellers\nmember: uid=10040,ou=North,ou=Sales,dc=example,dc=com",
        // Never roles, nor a role with more than it holds.
        "dn: uid=10040,ou=North,ou=Sales,dc=example,dc=com\nchangetype: modify\nreplace: orgdirRole\norgdirRole: info-admin",
        "dn: uid=10101,ou=North,ou=Sales,dc=example,dc=com\nchangetype: add\nobjectClass: inetOrgPerson\ncn: New Admin\norgdirRole: system-admin",
        // Outside its scope nothing exists.
        "dn: uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com\nchangetype: delete",
        "dn: ou=Lab,dc=example,dc=com\nchangetype: add\nobjectClass: organizationalUnit",
    ];
    let out: String = cases
        .iter()
        .map(|l| run(&rt, &dir, "provisioner", l))
        .collect();
    expect![[r#"
        ok
        ok
        ok
        ok
        InsufficientAccess: permission denied: the manage_roles permission is required
        InsufficientAccess: permission denied: you cannot grant a role with permissions you do not hold
        NoSuchObject [matched dc=example,dc=com]
        InsufficientAccess: permission denied: the target is outside your management scope
    "#]].assert_eq(&out);
    // The read-only default.
    expect![[r#"
        InsufficientAccess: permission denied: service account reader is read-only (orgdir add-service --write makes one that may write)
    "#]].assert_eq(&run(&rt, &dir, "reader", cases[1]));
}
