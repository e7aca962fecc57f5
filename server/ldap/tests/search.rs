//! Data-driven search cases: (identity, filter or request) in, the entries and result out.
//! Covers every filter type, scopes, attribute selection, and who-sees-what (ORG-9, ORG-10,
//! LDAP-6). Run with UPDATE_EXPECT=1 to regenerate after an intended change, then review.

use expect_test::{Expect, expect};
use ldap3_proto::proto::LdapSearchScope;
use orgdir_ldap::LdapConfig;

use crate::fixture::*;

fn check(who: &str, filter: &str, expect: Expect) {
    expect.assert_eq(&dns(who, filter));
}

fn check_req(
    who: &str,
    base: &str,
    scope: LdapSearchScope,
    filter: &str,
    attrs: &[&str],
    expect: Expect,
) {
    let h = handler(LdapConfig::default());
    let mut s = session(&h, who);
    let (resp, _) = send(&h, &mut s, search_op(base, scope, filter, attrs), vec![]);
    expect.assert_eq(&render(&resp));
}

#[test]
fn filter_types() {
    check(
        "reader",
        "(uid=10001)",
        expect![[r#"
        uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com
        => Success
    "#]],
    );
    check(
        "reader",
        "(UID=10001)",
        expect![[r#"
        uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com
        => Success
    "#]],
    );
    check(
        "reader",
        "(cn=zhang WEI)",
        expect![[r#"
        uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com
        => Success
    "#]],
    );
    check(
        "reader",
        "(cn=Zh*)",
        expect![[r#"
        uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com
        uid=10010,ou=Platform,ou=Engineering,dc=example,dc=com
        uid=10014,ou=Finance,dc=example,dc=com
        uid=10021,ou=Finance,dc=example,dc=com
        uid=10040,ou=North,ou=Sales,dc=example,dc=com
        uid=10008,ou=Support,dc=example,dc=com
        => Success
    "#]],
    );
    check(
        "reader",
        "(mail=*@example.com)",
        expect![[r#"
        uid=10002,ou=Engineering,dc=example,dc=com
        uid=10009,ou=Engineering,dc=example,dc=com
        uid=10016,ou=Engineering,dc=example,dc=com
        uid=10023,ou=Engineering,dc=example,dc=com
        uid=10030,ou=Engineering,dc=example,dc=com
        uid=10037,ou=Engineering,dc=example,dc=com
        uid=10044,ou=Engineering,dc=example,dc=com
        uid=10004,ou=Applications,ou=Engineering,dc=example,dc=com
        uid=10011,ou=Applications,ou=Engineering,dc=example,dc=com
        uid=10018,ou=Applications,ou=Engineering,dc=example,dc=com
        uid=10025,ou=Applications,ou=Engineering,dc=example,dc=com
        uid=10032,ou=Applications,ou=Engineering,dc=example,dc=com
        uid=10039,ou=Applications,ou=Engineering,dc=example,dc=com
        uid=10046,ou=Applications,ou=Engineering,dc=example,dc=com
        uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com
        uid=10010,ou=Platform,ou=Engineering,dc=example,dc=com
        uid=10017,ou=Platform,ou=Engineering,dc=example,dc=com
        uid=10024,ou=Platform,ou=Engineering,dc=example,dc=com
        uid=10031,ou=Platform,ou=Engineering,dc=example,dc=com
        uid=10038,ou=Platform,ou=Engineering,dc=example,dc=com
        uid=10045,ou=Platform,ou=Engineering,dc=example,dc=com
        uid=10049,ou=Executive,dc=example,dc=com
        uid=10003,ou=Finance,dc=example,dc=com
        uid=10007,ou=Finance,dc=example,dc=com
        uid=10014,ou=Finance,dc=example,dc=com
        uid=10021,ou=Finance,dc=example,dc=com
        uid=10028,ou=Finance,dc=example,dc=com
        uid=10035,ou=Finance,dc=example,dc=com
        uid=10042,ou=Finance,dc=example,dc=com
        uid=10005,ou=Sales,dc=example,dc=com
        uid=10012,ou=Sales,dc=example,dc=com
        uid=10019,ou=Sales,dc=example,dc=com
        uid=10026,ou=Sales,dc=example,dc=com
        uid=10033,ou=Sales,dc=example,dc=com
        uid=10047,ou=Sales,dc=example,dc=com
        uid=10050,ou=Sales,dc=example,dc=com
        uid=10006,ou=North,ou=Sales,dc=example,dc=com
        uid=10013,ou=North,ou=Sales,dc=example,dc=com
        uid=10020,ou=North,ou=Sales,dc=example,dc=com
        uid=10027,ou=North,ou=Sales,dc=example,dc=com
        uid=10034,ou=North,ou=Sales,dc=example,dc=com
        uid=10040,ou=North,ou=Sales,dc=example,dc=com
        uid=10041,ou=North,ou=Sales,dc=example,dc=com
        uid=10048,ou=North,ou=Sales,dc=example,dc=com
        uid=10008,ou=Support,dc=example,dc=com
        uid=10015,ou=Support,dc=example,dc=com
        uid=10022,ou=Support,dc=example,dc=com
        uid=10029,ou=Support,dc=example,dc=com
        uid=10036,ou=Support,dc=example,dc=com
        uid=10043,ou=Support,dc=example,dc=com
        => Success
    "#]],
    );
    check(
        "reader",
        "(&(uidNumber>=10045)(uidNumber<=10047))",
        expect![[r#"
        uid=10046,ou=Applications,ou=Engineering,dc=example,dc=com
        uid=10045,ou=Platform,ou=Engineering,dc=example,dc=com
        uid=10047,ou=Sales,dc=example,dc=com
        => Success
    "#]],
    );
    check(
        "reader",
        "(&(objectClass=posixAccount)(!(uidNumber<=10047)))",
        expect![[r#"
        uid=10049,ou=Executive,dc=example,dc=com
        uid=10050,ou=Sales,dc=example,dc=com
        uid=10048,ou=North,ou=Sales,dc=example,dc=com
        => Success
    "#]],
    );
    check(
        "reader",
        "(|(uid=10001)(mail=li.na@example.com))",
        expect![[r#"
        uid=10002,ou=Engineering,dc=example,dc=com
        uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com
        => Success
    "#]],
    );
    check(
        "reader",
        "(cn~=zhangwei)",
        expect![[r#"
        uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com
        => Success
    "#]],
    );
    check(
        "reader",
        "(mobile=+8613800000002)",
        expect![[r#"
        uid=10002,ou=Engineering,dc=example,dc=com
        => Success
    "#]],
    );
    check(
        "reader",
        "(uid:caseExactMatch:=10003)",
        expect![[r#"
        uid=10003,ou=Finance,dc=example,dc=com
        => Success
    "#]],
    );
    check(
        "reader",
        "(ou:dn:=Finance)",
        expect![[r#"
        ou=Finance,dc=example,dc=com
        uid=10003,ou=Finance,dc=example,dc=com
        uid=10007,ou=Finance,dc=example,dc=com
        uid=10014,ou=Finance,dc=example,dc=com
        uid=10021,ou=Finance,dc=example,dc=com
        uid=10028,ou=Finance,dc=example,dc=com
        uid=10035,ou=Finance,dc=example,dc=com
        uid=10042,ou=Finance,dc=example,dc=com
        => Success
    "#]],
    );
    check(
        "reader",
        "(&(objectClass=posixAccount)(uidNumber:1.2.840.113556.1.4.803:=10049))",
        expect![[r#"
        uid=10049,ou=Executive,dc=example,dc=com
        => Success
    "#]],
    );
    check(
        "reader",
        "(memberOf=cn=finance,cn=groups,dc=example,dc=com)",
        expect![[r#"
        uid=10049,ou=Executive,dc=example,dc=com
        uid=10003,ou=Finance,dc=example,dc=com
        uid=10007,ou=Finance,dc=example,dc=com
        uid=10014,ou=Finance,dc=example,dc=com
        uid=10021,ou=Finance,dc=example,dc=com
        uid=10028,ou=Finance,dc=example,dc=com
        uid=10035,ou=Finance,dc=example,dc=com
        uid=10042,ou=Finance,dc=example,dc=com
        => Success
    "#]],
    );
    check(
        "reader",
        "(&(objectClass=groupOfNames)(member=uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com))",
        expect![[r#"
        cn=engineering,cn=groups,dc=example,dc=com
        cn=member,cn=roles,dc=example,dc=com
        => Success
    "#]],
    );
    check(
        "reader",
        "(memberUid=10049)",
        expect![[r#"
        cn=finance,cn=groups,dc=example,dc=com
        => Success
    "#]],
    );
}

#[test]
fn undefined_and_secret_attributes() {
    // Unknown attributes are Undefined: never TRUE, and NOT(Undefined) is Undefined too.
    check(
        "reader",
        "(noSuchAttribute=x)",
        expect![[r#"
        => Success
    "#]],
    );
    check(
        "reader",
        "(!(noSuchAttribute=x))",
        expect![[r#"
        => Success
    "#]],
    );
    // userPassword can't be probed, not even for presence.
    check(
        "admin",
        "(userPassword=*)",
        expect![[r#"
        => Success
    "#]],
    );
    check(
        "admin",
        "(userPassword={ARGON2}*)",
        expect![[r#"
        => Success
    "#]],
    );
    // Ordering on a DN attribute has no rule: Undefined.
    check(
        "reader",
        "(member>=a)",
        expect![[r#"
        => Success
    "#]],
    );
}

#[test]
fn scopes_and_selection() {
    check_req(
        "reader",
        "ou=Sales,dc=example,dc=com",
        LdapSearchScope::OneLevel,
        "(objectClass=*)",
        &["1.1"],
        expect![[r#"
        uid=10005,ou=Sales,dc=example,dc=com
        uid=10012,ou=Sales,dc=example,dc=com
        uid=10019,ou=Sales,dc=example,dc=com
        uid=10026,ou=Sales,dc=example,dc=com
        uid=10033,ou=Sales,dc=example,dc=com
        uid=10047,ou=Sales,dc=example,dc=com
        uid=10050,ou=Sales,dc=example,dc=com
        ou=North,ou=Sales,dc=example,dc=com
        => Success
    "#]],
    );
    check_req(
        "reader",
        "ou=Sales,dc=example,dc=com",
        LdapSearchScope::Base,
        "(objectClass=*)",
        &["ou", "hasSubordinates"],
        expect![[r#"
        ou=Sales,dc=example,dc=com ou=Sales hasSubordinates=TRUE
        => Success
    "#]],
    );
    check_req(
        "reader",
        "ou=Sales,dc=example,dc=com",
        LdapSearchScope::Children,
        "(objectClass=organizationalUnit)",
        &["1.1"],
        expect![[r#"
        ou=North,ou=Sales,dc=example,dc=com
        => Success
    "#]],
    );
    check_req(
        "reader",
        "uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com",
        LdapSearchScope::Base,
        "(objectClass=*)",
        &["mail", "userPassword", "entryDN"],
        expect![[r#"
        uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com mail=zhang.wei@example.com entryDN=uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com
        => Success
    "#]],
    );
    check_req(
        "reader",
        "cn=engineering,cn=groups,dc=example,dc=com",
        LdapSearchScope::Base,
        "(objectClass=posixGroup)",
        &["gidNumber", "memberUid"],
        expect![[r#"
        cn=engineering,cn=groups,dc=example,dc=com gidNumber=60000 memberUid=10002 memberUid=10009 memberUid=10016 memberUid=10023 memberUid=10030 memberUid=10037 memberUid=10044 memberUid=10004 memberUid=10011 memberUid=10018 memberUid=10025 memberUid=10032 memberUid=10039 memberUid=10046 memberUid=10001 memberUid=10010 memberUid=10017 memberUid=10024 memberUid=10031 memberUid=10038 memberUid=10045
        => Success
    "#]],
    );
    check_req(
        "reader",
        "ou=Nowhere,ou=Sales,dc=example,dc=com",
        LdapSearchScope::Subtree,
        "(objectClass=*)",
        &["1.1"],
        expect![[r#"
        => NoSuchObject matched=ou=Sales,dc=example,dc=com
    "#]],
    );
    check_req(
        "reader",
        "dc=other,dc=org",
        LdapSearchScope::Subtree,
        "(objectClass=*)",
        &["1.1"],
        expect![[r#"
        => NoSuchObject
    "#]],
    );
}

#[test]
fn hidden_members_do_not_exist_for_others() {
    // Member 10001 (whole-enterprise scope) does not see hidden 10049 by any route.
    check(
        "10001",
        "(uid=10049)",
        expect![[r#"
        => Success
    "#]],
    );
    check(
        "10001",
        "(uid=1004*)",
        expect![[r#"
        uid=10044,ou=Engineering,dc=example,dc=com
        uid=10046,ou=Applications,ou=Engineering,dc=example,dc=com
        uid=10045,ou=Platform,ou=Engineering,dc=example,dc=com
        uid=10042,ou=Finance,dc=example,dc=com
        uid=10047,ou=Sales,dc=example,dc=com
        uid=10040,ou=North,ou=Sales,dc=example,dc=com
        uid=10041,ou=North,ou=Sales,dc=example,dc=com
        uid=10048,ou=North,ou=Sales,dc=example,dc=com
        uid=10043,ou=Support,dc=example,dc=com
        => Success
    "#]],
    );
    check(
        "10001",
        "(cn=Chen*)",
        expect![[r#"
        uid=10005,ou=Sales,dc=example,dc=com
        uid=10043,ou=Support,dc=example,dc=com
        => Success
    "#]],
    );
    check(
        "10001",
        "(memberUid=10049)",
        expect![[r#"
        => Success
    "#]],
    );
    check(
        "10001",
        "(member=uid=10049,ou=Executive,dc=example,dc=com)",
        expect![[r#"
        => Success
    "#]],
    );
    // A base search on the hidden DN answers exactly like a DN that never existed.
    let hidden = "uid=10049,ou=Executive,dc=example,dc=com";
    let never = "uid=19999,ou=Executive,dc=example,dc=com";
    let run = |dn: &str| {
        let h = handler(LdapConfig::default());
        let mut s = session(&h, "10001");
        let (resp, _) = send(
            &h,
            &mut s,
            search_op(dn, LdapSearchScope::Base, "(objectClass=*)", &[]),
            vec![],
        );
        render(&resp)
    };
    assert_eq!(run(hidden), run(never));
    expect![[r#"
        => NoSuchObject matched=ou=Executive,dc=example,dc=com
    "#]]
    .assert_eq(&run(hidden));
    // The group still lists everyone else.
    check_req(
        "10001",
        "cn=finance,cn=groups,dc=example,dc=com",
        LdapSearchScope::Base,
        "(objectClass=*)",
        &["memberUid"],
        expect![[r#"
        cn=finance,cn=groups,dc=example,dc=com memberUid=10003 memberUid=10007 memberUid=10014 memberUid=10021 memberUid=10028 memberUid=10035 memberUid=10042
        => Success
    "#]],
    );
    // The hidden member sees itself, and the reader (an authentication service) sees it.
    check(
        "10049",
        "(uid=10049)",
        expect![[r#"
        uid=10049,ou=Executive,dc=example,dc=com
        => Success
    "#]],
    );
    check(
        "reader",
        "(uid=10049)",
        expect![[r#"
        uid=10049,ou=Executive,dc=example,dc=com
        => Success
    "#]],
    );
}

#[test]
fn counts_per_viewer() {
    let count = |who: &str| dns(who, "(objectClass=inetOrgPerson)").lines().count() - 1;
    assert_eq!(
        count("10001"),
        49,
        "a member does not see the hidden member"
    );
    assert_eq!(count("10049"), 50, "a hidden member sees everyone");
    assert_eq!(count("reader"), 50);
    assert_eq!(count("admin"), 50);
    // Management scope: 10040 sees only the Sales subtree.
    check(
        "10040",
        "(objectClass=inetOrgPerson)",
        expect![[r#"
        uid=10005,ou=Sales,dc=example,dc=com
        uid=10012,ou=Sales,dc=example,dc=com
        uid=10019,ou=Sales,dc=example,dc=com
        uid=10026,ou=Sales,dc=example,dc=com
        uid=10033,ou=Sales,dc=example,dc=com
        uid=10047,ou=Sales,dc=example,dc=com
        uid=10050,ou=Sales,dc=example,dc=com
        uid=10006,ou=North,ou=Sales,dc=example,dc=com
        uid=10013,ou=North,ou=Sales,dc=example,dc=com
        uid=10020,ou=North,ou=Sales,dc=example,dc=com
        uid=10027,ou=North,ou=Sales,dc=example,dc=com
        uid=10034,ou=North,ou=Sales,dc=example,dc=com
        uid=10040,ou=North,ou=Sales,dc=example,dc=com
        uid=10041,ou=North,ou=Sales,dc=example,dc=com
        uid=10048,ou=North,ou=Sales,dc=example,dc=com
        => Success
    "#]],
    );
    check(
        "10040",
        "(uid=10001)",
        expect![[r#"
        => Success
    "#]],
    );
    check(
        "10040",
        "(objectClass=organizationalUnit)",
        expect![[r#"
        ou=Sales,dc=example,dc=com
        ou=North,ou=Sales,dc=example,dc=com
        => Success
    "#]],
    );
}
