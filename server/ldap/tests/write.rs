//! LDAP writes through the handler: the response PDU of each operation, its result code,
//! matchedDN and diagnostic, and the change seen by the next search on another session.
//! (The entry → command mapping itself is tested data-driven in orgdir-directory.)

use expect_test::expect;
use ldap3_proto::proto::*;
use orgdir_ldap::frame::RawControl;

use crate::fixture::*;

const ZHANG: &str = "uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com";

fn attr(name: &str, values: &[&str]) -> LdapPartialAttribute {
    LdapPartialAttribute {
        atype: name.into(),
        vals: values.iter().map(|v| v.as_bytes().to_vec()).collect(),
    }
}

fn add(dn: &str, attrs: &[(&str, &[&str])]) -> LdapOp {
    LdapOp::AddRequest(LdapAddRequest {
        dn: dn.into(),
        attributes: attrs.iter().map(|(n, v)| attr(n, v)).collect(),
    })
}

fn replace(dn: &str, name: &str, values: &[&str]) -> LdapOp {
    LdapOp::ModifyRequest(LdapModifyRequest {
        dn: dn.into(),
        changes: vec![LdapModify {
            operation: LdapModifyType::Replace,
            modification: attr(name, values),
        }],
    })
}

/// One response as `Response code matched=… (message)`.
fn outcome(resp: &[LdapMsg]) -> String {
    let (kind, r) = match resp.first().map(|m| &m.op) {
        Some(LdapOp::AddResponse(r)) => ("AddResponse", r),
        Some(LdapOp::ModifyResponse(r)) => ("ModifyResponse", r),
        Some(LdapOp::DelResponse(r)) => ("DelResponse", r),
        Some(LdapOp::ModifyDNResponse(r)) => ("ModifyDNResponse", r),
        other => return format!("{other:?}\n"),
    };
    let mut s = format!("{kind} {:?}", r.code);
    if !r.matcheddn.is_empty() {
        s.push_str(&format!(" matched={}", r.matcheddn));
    }
    if !r.message.is_empty() {
        s.push_str(&format!(" ({})", r.message));
    }
    s + "\n"
}

#[test]
fn writes_answer_with_their_own_response_and_result_codes() {
    let h = fresh_handler();
    let mut sessions: std::collections::HashMap<&str, orgdir_ldap::Session> =
        ["anon", "admin", "10001", "reader"]
            .into_iter()
            .map(|who| (who, session(&h, who)))
            .collect();
    let new = "uid=10100,ou=Sales,dc=example,dc=com";
    let ada = || {
        add(
            new,
            &[
                ("objectClass", &["inetOrgPerson", "posixAccount"]),
                ("cn", &["Ada Lovelace"]),
                ("mail", &["ada@example.com"]),
                ("userPassword", &["Analytical-Engine-1"]),
            ],
        )
    };
    let moved = "uid=10100,ou=North,ou=Sales,dc=example,dc=com";
    let modrdn = |dn: &str, newrdn: &str, sup: Option<&str>| {
        LdapOp::ModifyDNRequest(LdapModifyDNRequest {
            dn: dn.into(),
            newrdn: newrdn.into(),
            deleteoldrdn: true,
            new_superior: sup.map(String::from),
        })
    };
    let mut out = String::new();
    for (who, op) in [
        ("anon", ada()),
        ("10001", ada()),
        ("reader", ada()),
        ("admin", ada()),
        ("admin", ada()),
        ("admin", replace(new, "title", &["Analyst"])),
        ("admin", replace(new, "entryUUID", &["x"])),
        ("10001", replace(new, "title", &["Boss"])),
        (
            "admin",
            replace("uid=19999,ou=Sales,dc=example,dc=com", "title", &["x"]),
        ),
        (
            "admin",
            modrdn(
                new,
                "uid=10100",
                Some("ou=North,ou=Sales,dc=example,dc=com"),
            ),
        ),
        ("admin", modrdn(moved, "uid=ada", None)),
        (
            "admin",
            LdapOp::DelRequest("ou=Sales,dc=example,dc=com".into()),
        ),
        (
            "10001",
            LdapOp::DelRequest("cn=finance,cn=groups,dc=example,dc=com".into()),
        ),
    ] {
        let s = sessions.get_mut(who).unwrap();
        let (resp, _) = send(&h, s, op, vec![]);
        out.push_str(&outcome(&resp));
    }
    expect![[r#"
        AddResponse InsufficentAccessRights (anonymous access is not allowed: bind first)
        AddResponse InsufficentAccessRights (permission denied: the manage_members permission is required)
        AddResponse InsufficentAccessRights (permission denied: service account reader is read-only (orgdir add-service --write makes one that may write))
        AddResponse Success
        AddResponse EntryAlreadyExists (uid=10100,ou=Sales,dc=example,dc=com already exists)
        ModifyResponse Success
        ModifyResponse ConstraintViolation (entryUUID: no user modification allowed (orgdir maintains it))
        ModifyResponse InsufficentAccessRights (permission denied: the manage_members permission is required)
        ModifyResponse NoSuchObject matched=ou=Sales,dc=example,dc=com
        ModifyDNResponse Success
        ModifyDNResponse UnwillingToPerform (uid: the account is the member's identity and cannot be renamed; move the member with a new superior, reassign the account in the account center, or add a member with the other account)
        DelResponse NotAllowedOnNonLeaf (org "Sales" still has 1 child org(s) and 7 member(s); move or delete them first)
        DelResponse InsufficentAccessRights (permission denied: the manage_groups permission is required)
    "#]].assert_eq(&out);
    // The member binds with the password it was given, and every session sees the
    // change at once.
    let mut ada_session = orgdir_ldap::Session::new(peer(), false);
    let (resp, _) = send(
        &h,
        &mut ada_session,
        bind_op(moved, "Analytical-Engine-1"),
        vec![],
    );
    assert_eq!(code(&resp), "success");
    let (resp, _) = send(
        &h,
        sessions.get_mut("reader").unwrap(),
        search_op(
            BASE,
            LdapSearchScope::Subtree,
            "(uid=10100)",
            &["title", "mail"],
        ),
        vec![],
    );
    expect![[r#"
        uid=10100,ou=North,ou=Sales,dc=example,dc=com mail=ada@example.com title=Analyst
        => Success
    "#]]
    .assert_eq(&render(&resp));
}

#[test]
fn a_member_changes_its_own_password_and_nothing_else() {
    let h = fresh_handler();
    let mut zhang = session(&h, "10001");
    let mut out = String::new();
    for op in [
        replace(ZHANG, "userPassword", &["Zhang-New-Passw0rd"]),
        replace(ZHANG, "mail", &["me@example.com"]),
        // Even a change to nothing needs the right to change.
        replace(ZHANG, "mail", &["zhang.wei@example.com"]),
    ] {
        let (resp, _) = send(&h, &mut zhang, op, vec![]);
        out.push_str(&outcome(&resp));
    }
    expect![[r#"
        ModifyResponse Success
        ModifyResponse InsufficentAccessRights (permission denied: the manage_members permission is required)
        ModifyResponse InsufficentAccessRights (permission denied: the manage_members permission is required)
    "#]].assert_eq(&out);
    let mut again = orgdir_ldap::Session::new(peer(), false);
    let (resp, _) = send(
        &h,
        &mut again,
        bind_op("10001", "Zhang-New-Passw0rd"),
        vec![],
    );
    assert_eq!(code(&resp), "success");
}

#[test]
fn controls_on_writes() {
    let h = fresh_handler();
    let mut admin = session(&h, "admin");
    let op = || replace(ZHANG, "title", &["Principal Engineer"]);
    let critical = |oid: &str| {
        vec![RawControl {
            oid: oid.into(),
            critical: true,
        }]
    };
    let mut out = String::new();
    // Unknown critical controls fail the write; ManageDsaIT (sent by Apache Directory
    // Studio) changes nothing in orgdir and is accepted.
    for controls in [
        critical("1.3.6.1.1.13.1"),
        critical("2.16.840.1.113730.3.4.2"),
    ] {
        let (resp, _) = send_raw(&h, &mut admin, op(), vec![], controls);
        out.push_str(&outcome(&resp));
    }
    expect![[r#"
        ModifyResponse UnavailableCriticalExtension (critical control 1.3.6.1.1.13.1 is not supported for this operation)
        ModifyResponse Success
    "#]].assert_eq(&out);
}
