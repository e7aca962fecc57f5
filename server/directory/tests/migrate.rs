//! LDIF import and export: an OpenLDAP-style export in, an enterprise (or the exact list of
//! what cannot be imported) out; export → import round-trips.

use std::sync::Arc;

use expect_test::expect;
use orgdir_directory::migrate::{
    ImportError, ImportOptions, ImportReport, export_ldif, import_ldif,
};
use orgdir_directory::service::Directory;
use orgdir_directory::world::{ManualClock, OsEntropy};
use orgdir_domain::limits::Limits;
use orgdir_store::SqliteStore;

use super::{T0, config};

fn dir() -> Directory {
    let store = Arc::new(SqliteStore::open_in_memory().unwrap());
    Directory::open(
        store,
        config(),
        Arc::new(ManualClock::new(T0)),
        Arc::new(OsEntropy),
    )
    .unwrap()
}

fn opts(number: u64) -> ImportOptions {
    ImportOptions {
        number,
        short_name: None,
        seats: None,
        default_seats: 500,
        limits: Limits::default(),
        super_password: Some("Super-Secret-1".into()),
        skip_unmappable: false,
        dry_run: false,
    }
}

/// A small OpenLDAP export: folded lines, base64 Chinese names, an `ou=people` style flat
/// org, nested departments, groupOfNames / groupOfUniqueNames / posixGroup, a service
/// account, and `{SSHA}` (password "secret") and `{CRYPT}` hashes.
const EXPORT: &str = "version: 1

dn: dc=acme,dc=test
objectClass: top
objectClass: dcObject
objectClass: organization
o: Acme
dc: acme

dn: ou=R&D,dc=acme,dc=test
objectClass: organizationalUnit
ou: R&D

dn:: b3U95bmz5Y+wLG91PVImRCxkYz1hY21lLGRjPXRlc3Q=
objectClass: organizationalUnit
ou:: 5bmz5Y+w

dn: uid=alice,ou=R&D,dc=acme,dc=test
objectClass: inetOrgPerson
objectClass: posixAccount
uid: alice
cn: Alice Liddell
sn: Liddell
mail: alice@acme.test
uidNumber: 5001
gidNumber: 5001
homeDirectory: /home/alice
telephoneNumber: +1 555 0100
userPassword: {SSHA}h+sE68AVq+7XBHfISG5eBlZ5hSojaHS9

dn:: dWlkPTEwMDIsb3U95bmz5Y+wLG91PVImRCxkYz1hY21lLGRjPXRlc3Q=
objectClass: inetOrgPerson
uid: 1002
cn:: 5byg5Lyf
sn:: 5byg
displayName: Zhang
  Wei
userPassword: {CRYPT}$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5k
 nV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1

dn: ou=groups,dc=acme,dc=test
objectClass: organizationalUnit
ou: groups

dn: cn=devs,ou=groups,dc=acme,dc=test
objectClass: groupOfNames
cn: devs
member: uid=alice,ou=R&D,dc=acme,dc=test
member: uid=ghost,ou=R&D,dc=acme,dc=test

dn: cn=everyone,ou=groups,dc=acme,dc=test
objectClass: groupOfUniqueNames
cn: everyone
uniqueMember: uid=alice,ou=R&D,dc=acme,dc=test
uniqueMember:: dWlkPTEwMDIsb3U95bmz5Y+wLG91PVImRCxkYz1hY21lLGRjPXRlc3Q=

dn: cn=unix,ou=groups,dc=acme,dc=test
objectClass: posixGroup
cn: unix
gidNumber: 7000
memberUid: 1002

dn: ou=system,dc=acme,dc=test
objectClass: organizationalUnit
ou: system

dn: cn=mailer,ou=system,dc=acme,dc=test
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: mailer
userPassword: {SSHA}h+sE68AVq+7XBHfISG5eBlZ5hSojaHS9
";

fn summary(r: &ImportReport) -> String {
    let mut s = format!(
        "{}: {} orgs, {} members, {} groups, {} services, stored={}\n",
        r.naming_context, r.orgs, r.members, r.groups, r.services, r.stored
    );
    for w in &r.warnings {
        s.push_str(&format!("warning: {w}\n"));
    }
    for (a, n) in &r.dropped_attributes {
        s.push_str(&format!("dropped: {a} x{n}\n"));
    }
    for (dn, why) in &r.skipped {
        s.push_str(&format!("skipped: {dn}: {why}\n"));
    }
    s
}

#[tokio::test]
async fn imports_an_openldap_export() {
    let d = dir();
    let r = import_ldif(&d, EXPORT.as_bytes(), &opts(300001))
        .await
        .unwrap();
    expect![[r#"
        dc=acme,dc=test: 3 orgs, 2 members, 3 groups, 1 services, stored=true
        warning: cn=devs,ou=groups,dc=acme,dc=test: 1 member value(s) name no imported member and were dropped
        dropped: telephoneNumber x1
    "#]].assert_eq(&summary(&r));
    // Bind with the kept hashes, by DN and by account; the service account keeps its DN.
    let who = d.bind("alice@300001", b"secret", "t").await.unwrap();
    assert_eq!(who.dn, "uid=alice,ou=R&D,dc=acme,dc=test");
    let who = d
        .bind("uid=1002,ou=平台,ou=R&D,dc=acme,dc=test", b"secret", "t")
        .await
        .unwrap();
    assert_eq!(who.dn, "uid=1002,ou=平台,ou=R&D,dc=acme,dc=test");
    d.bind("cn=mailer,ou=system,dc=acme,dc=test", b"secret", "t")
        .await
        .unwrap();
    d.bind("cn=admin,dc=acme,dc=test", b"Super-Secret-1", "t")
        .await
        .unwrap();
    // Groups kept their container and members.
    let snap = d.catalog().get(300001).cloned().unwrap();
    let everyone = snap
        .lookup_ndn("cn=everyone,ou=groups,dc=acme,dc=test")
        .unwrap();
    let members = match snap
        .entry(everyone)
        .unwrap()
        .get(*orgdir_directory::schema::ids::MEMBER)
    {
        Some(orgdir_directory::entry::ValuesRef::Refs(r)) => r.len(),
        other => panic!("{other:?}"),
    };
    assert_eq!(members, 2);
    let m = snap.member_by_account("1002").unwrap();
    assert_eq!(m.name, "张伟");
    assert_eq!(m.surname, "张");
}

#[tokio::test]
async fn unmappable_entries_are_listed_and_nothing_is_stored() {
    let d = dir();
    let bad = format!(
        "{EXPORT}
dn: cn=printer,dc=acme,dc=test
objectClass: device
cn: printer

dn: uid=bad account,ou=R&D,dc=acme,dc=test
objectClass: inetOrgPerson
uid: bad account
cn: Bad
sn: Bad

dn: uid=nopw,ou=R&D,dc=acme,dc=test
objectClass: inetOrgPerson
uid: nopw
cn: No Pw
sn: Pw
userPassword: {{NTLM}}abcdef
"
    );
    let err = import_ldif(&d, bad.as_bytes(), &opts(300002))
        .await
        .unwrap_err();
    let ImportError::Unmappable(r) = err else {
        panic!("{err}");
    };
    expect![[r#"
        dc=acme,dc=test: 3 orgs, 2 members, 3 groups, 1 services, stored=false
        warning: cn=devs,ou=groups,dc=acme,dc=test: 1 member value(s) name no imported member and were dropped
        dropped: telephoneNumber x1
        skipped: uid=bad account,ou=R&D,dc=acme,dc=test: invalid account: only letters, digits, '.', '_' and '-' are allowed, starting with a letter or digit
        skipped: uid=nopw,ou=R&D,dc=acme,dc=test: userPassword: unknown password scheme {NTLM}
        skipped: cn=printer,dc=acme,dc=test: object classes device do not map to an org, member, group or service account
    "#]].assert_eq(&summary(&r));
    assert!(d.catalog().get(300002).is_none(), "nothing is stored");
    // With --skip-unmappable the rest goes in.
    let mut o = opts(300002);
    o.skip_unmappable = true;
    let r = import_ldif(&d, bad.as_bytes(), &o).await.unwrap();
    assert!(r.stored);
    assert_eq!(r.members, 2);
    assert_eq!(r.skipped.len(), 3);
}

#[tokio::test]
async fn structural_problems_are_explained() {
    let d = dir();
    for (text, want) in [
        ("", "no entries"),
        (
            "dn: dc=a\nobjectClass: dcObject\ndc: a\n\ndn: dc=b\nobjectClass: dcObject\ndc: b\n",
            "2 top entries",
        ),
        ("dn: dc=a\nchangetype: delete\n", "change records"),
    ] {
        let e = import_ldif(&d, text.as_bytes(), &opts(300003))
            .await
            .unwrap_err();
        assert!(e.to_string().contains(want), "{text:?}: {e}");
    }
    // A directory that breaks a rule (here the seats) names the limit.
    let mut o = opts(300004);
    o.seats = Some(1);
    let ImportError::Unmappable(r) = import_ldif(&d, EXPORT.as_bytes(), &o).await.unwrap_err()
    else {
        panic!("expected unmappable");
    };
    assert!(summary(&r).contains("limit seats is 1"), "{}", summary(&r));
}

#[tokio::test]
async fn export_then_import_round_trips() {
    let d = dir();
    import_ldif(&d, EXPORT.as_bytes(), &opts(300005))
        .await
        .unwrap();
    let snap = d.catalog().get(300005).cloned().unwrap();
    let text = export_ldif(&snap);
    assert!(
        !text.contains("orgdirMember") && !text.contains("cn=roles"),
        "{text}"
    );
    let d2 = dir();
    let r = import_ldif(&d2, text.as_bytes(), &opts(300005))
        .await
        .unwrap();
    assert!(r.skipped.is_empty(), "{}", summary(&r));
    let a = &snap.state;
    let b = d2.catalog().get(300005).cloned().unwrap();
    let b = &b.state;
    assert_eq!(a.orgs.len(), b.orgs.len());
    assert_eq!(a.groups.len(), b.groups.len());
    for m in a.members.values() {
        let n = b.member_by_account(&m.account).unwrap();
        assert_eq!(
            (&m.name, &m.surname, &m.email, &m.password, m.uid_number),
            (&n.name, &n.surname, &n.email, &n.password, n.uid_number)
        );
    }
    assert_eq!(a.enterprise.groups_rdn, b.enterprise.groups_rdn);
    assert_eq!(a.enterprise.services_rdn, b.enterprise.services_rdn);
    expect![[r#"
        version: 1

        dn: dc=acme,dc=test
        objectClass: top
        objectClass: organization
        objectClass: dcObject
        dc: acme
        o: Acme
        description: Acme

        dn: ou=R&D,dc=acme,dc=test
        objectClass: top
        objectClass: organizationalUnit
        ou: R&D

        dn: uid=alice,ou=R&D,dc=acme,dc=test
        objectClass: top
        objectClass: person
        objectClass: organizationalPerson
        objectClass: inetOrgPerson
        objectClass: posixAccount
        uid: alice
        cn: Alice Liddell
        sn: Liddell
        displayName: Alice Liddell
        mail: alice@acme.test
        uidNumber: 5001
        gidNumber: 5001
        homeDirectory: /home/alice
        loginShell: /bin/bash
        gecos: Alice Liddell
        userPassword: {SSHA}h+sE68AVq+7XBHfISG5eBlZ5hSojaHS9

        dn:: b3U95bmz5Y+wLG91PVImRCxkYz1hY21lLGRjPXRlc3Q=
        objectClass: top
        objectClass: organizationalUnit
        ou:: 5bmz5Y+w

        dn:: dWlkPTEwMDIsb3U95bmz5Y+wLG91PVImRCxkYz1hY21lLGRjPXRlc3Q=
        objectClass: top
        objectClass: person
        objectClass: organizationalPerson
        objectClass: inetOrgPerson
        objectClass: posixAccount
        uid: 1002
        cn:: 5byg5Lyf
        sn:: 5byg
        displayName:: 5byg5Lyf
        uidNumber: 1002
        gidNumber: 1002
        homeDirectory: /home/1002
        loginShell: /bin/bash
        gecos: 1002
        userPassword: {CRYPT}$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0
         U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1

        dn: ou=groups,dc=acme,dc=test
        objectClass: top
        objectClass: organizationalUnit
        ou: groups

        dn: cn=devs,ou=groups,dc=acme,dc=test
        objectClass: top
        objectClass: groupOfNames
        objectClass: posixGroup
        cn: devs
        gidNumber: 60000
        member: uid=alice,ou=R&D,dc=acme,dc=test
        memberUid: alice

        dn: cn=everyone,ou=groups,dc=acme,dc=test
        objectClass: top
        objectClass: groupOfNames
        objectClass: posixGroup
        cn: everyone
        gidNumber: 60001
        member: uid=alice,ou=R&D,dc=acme,dc=test
        member:: dWlkPTEwMDIsb3U95bmz5Y+wLG91PVImRCxkYz1hY21lLGRjPXRlc3Q=
        memberUid: alice
        memberUid: 1002

        dn: cn=unix,ou=groups,dc=acme,dc=test
        objectClass: top
        objectClass: groupOfNames
        objectClass: posixGroup
        cn: unix
        gidNumber: 7000
        member:: dWlkPTEwMDIsb3U95bmz5Y+wLG91PVImRCxkYz1hY21lLGRjPXRlc3Q=
        memberUid: 1002

        dn: ou=system,dc=acme,dc=test
        objectClass: top
        objectClass: organizationalUnit
        ou: system

        dn: cn=mailer,ou=system,dc=acme,dc=test
        objectClass: top
        objectClass: applicationProcess
        objectClass: simpleSecurityObject
        cn: mailer
        userPassword: {SSHA}h+sE68AVq+7XBHfISG5eBlZ5hSojaHS9

    "#]]
    .assert_eq(&text);
}
