//! Protocol rules that need no socket: binds and their failure modes, lockout, controls,
//! paging, limits, compare, extended operations.

use expect_test::expect;
use ldap3_proto::control::LdapControl;
use ldap3_proto::proto::*;
use orgdir_ldap::LdapConfig;
use orgdir_ldap::frame::RawControl;
use orgdir_ldap::handler::Next;

use crate::fixture::*;

fn bind_result(dn: &str, pw: &str) -> String {
    let h = handler(LdapConfig::default());
    let mut s = orgdir_ldap::Session::new(peer(), false);
    let (resp, _) = send(&h, &mut s, bind_op(dn, pw), vec![]);
    match &resp.first().map(|m| &m.op) {
        Some(LdapOp::BindResponse(b)) => format!("{:?} {:?}", b.res.code, b.res.message),
        other => format!("{other:?}"),
    }
}

#[test]
fn bind_names_and_failures_look_alike() {
    expect![[r#"Success """#]].assert_eq(&bind_result(
        "uid=10002,ou=Engineering,dc=example,dc=com",
        "Passw0rd-10002",
    ));
    expect![[r#"Success """#]].assert_eq(&bind_result("10002", "Passw0rd-10002"));
    expect![[r#"Success """#]].assert_eq(&bind_result("10002@100001", "Passw0rd-10002"));
    expect![[r#"Success """#]].assert_eq(&bind_result("10002@example.com", "Passw0rd-10002"));
    let wrong = bind_result("10002", "wrong-password");
    let unknown = bind_result("19999", "wrong-password");
    let disabled = bind_result("10050", "Passw0rd-10050");
    let hidden_wrong = bind_result("uid=10049,ou=Executive,dc=example,dc=com", "nope");
    assert_eq!(wrong, unknown);
    assert_eq!(wrong, disabled);
    assert_eq!(wrong, hidden_wrong);
    expect![[r#"InvalidCredentials "invalid credentials""#]].assert_eq(&wrong);
    // Unauthenticated bind (name, no password) is refused, not treated as anonymous.
    expect![[
        r#"UnwillingToPerform "unauthenticated bind (name without password) is not allowed""#
    ]]
    .assert_eq(&bind_result("10002", ""));
    // Anonymous bind succeeds (but reads nothing beyond the RootDSE and the schema).
    expect![[r#"Success """#]].assert_eq(&bind_result("", ""));
}

#[test]
fn lockout_after_failures_and_other_members_unaffected() {
    // The fixture's lockout threshold is 3.
    for _ in 0..3 {
        bind_result("10011", "wrong-password");
    }
    expect![[r#"InvalidCredentials "invalid credentials""#]]
        .assert_eq(&bind_result("10011", "Passw0rd-10011"));
    expect![[r#"Success """#]].assert_eq(&bind_result("10012", "Passw0rd-10012"));
}

#[test]
fn sasl_and_old_versions() {
    let h = handler(LdapConfig::default());
    let mut s = orgdir_ldap::Session::new(peer(), false);
    let (resp, _) = send(
        &h,
        &mut s,
        LdapOp::BindRequest(LdapBindRequest {
            version: 3,
            dn: String::new(),
            cred: LdapBindCred::SASL(SaslCredentials {
                mechanism: "EXTERNAL".into(),
                credentials: vec![],
            }),
        }),
        vec![],
    );
    expect!["authmethodnotsupported"].assert_eq(&code(&resp));
    let (resp, _) = send(
        &h,
        &mut s,
        LdapOp::BindRequest(LdapBindRequest {
            version: 2,
            dn: String::new(),
            cred: LdapBindCred::Simple(String::new()),
        }),
        vec![],
    );
    expect!["protocolerror"].assert_eq(&code(&resp));
}

#[test]
fn anonymous_reads_only_rootdse_and_schema() {
    let h = handler(LdapConfig::default());
    let mut s = session(&h, "anon");
    let (resp, _) = send(
        &h,
        &mut s,
        search_op(BASE, LdapSearchScope::Subtree, "(uid=10001)", &[]),
        vec![],
    );
    expect![[r#"
        => InsufficentAccessRights (anonymous access is not allowed: bind first)
    "#]]
    .assert_eq(&render(&resp));
    let (resp, _) = send(
        &h,
        &mut s,
        search_op(
            "",
            LdapSearchScope::Base,
            "(objectClass=*)",
            &["namingContexts", "supportedLDAPVersion"],
        ),
        vec![],
    );
    expect![[r#"
         namingContexts=dc=example,dc=com supportedLDAPVersion=3
        => Success
    "#]]
    .assert_eq(&render(&resp));
    let (resp, _) = send(
        &h,
        &mut s,
        search_op(
            "cn=Subschema",
            LdapSearchScope::Base,
            "(objectClass=subschema)",
            &["cn"],
        ),
        vec![],
    );
    expect![[r#"
        cn=Subschema objectClass=top objectClass=subentry objectClass=subschema objectClass=extensibleObject cn=Subschema
        => Success
    "#]].assert_eq(&render(&resp));
}

#[test]
fn critical_controls() {
    let h = handler(LdapConfig::default());
    let mut s = session(&h, "reader");
    let op = || search_op(BASE, LdapSearchScope::Subtree, "(uid=10001)", &["1.1"]);
    // An unknown critical control fails the operation...
    let unknown = vec![RawControl {
        oid: "1.2.3.4.5".into(),
        critical: true,
    }];
    let (resp, _) = send_raw(&h, &mut s, op(), vec![], unknown);
    expect![[r#"
        => UnavailableCriticalExtension (critical control 1.2.3.4.5 is not supported for this operation)
    "#]].assert_eq(&render(&resp));
    // ...a non-critical one is ignored...
    let ignored = vec![RawControl {
        oid: "1.2.3.4.5".into(),
        critical: false,
    }];
    let (resp, _) = send_raw(&h, &mut s, op(), vec![], ignored);
    expect![[r#"
        uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com
        => Success
    "#]]
    .assert_eq(&render(&resp));
    // ...and server-side sorting (not supported) marked critical fails too.
    let sort = vec![RawControl {
        oid: "1.2.840.113556.1.4.473".into(),
        critical: true,
    }];
    let (resp, _) = send_raw(&h, &mut s, op(), vec![], sort);
    expect![[r#"
        => UnavailableCriticalExtension (critical control 1.2.840.113556.1.4.473 is not supported for this operation)
    "#]].assert_eq(&render(&resp));
    // Paged results are honoured on search but not on compare.
    let paged = vec![RawControl {
        oid: "1.2.840.113556.1.4.319".into(),
        critical: true,
    }];
    let (resp, _) = send_raw(
        &h,
        &mut s,
        LdapOp::CompareRequest(LdapCompareRequest {
            dn: "uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com".into(),
            atype: "uid".into(),
            val: b"10001".to_vec(),
        }),
        vec![],
        paged,
    );
    expect!["unavailablecriticalextension"].assert_eq(&code(&resp));
}

fn cookie_of(resp: &[LdapMsg]) -> Vec<u8> {
    resp.last()
        .and_then(|m| {
            m.ctrl.iter().find_map(|c| match c {
                LdapControl::SimplePagedResults { cookie, .. } => Some(cookie.clone()),
                _ => None,
            })
        })
        .unwrap_or_default()
}

#[test]
fn paged_results_walk_every_entry_once() {
    let h = handler(LdapConfig::default());
    let mut s = session(&h, "reader");
    let op = || {
        search_op(
            BASE,
            LdapSearchScope::Subtree,
            "(objectClass=inetOrgPerson)",
            &["uid"],
        )
    };
    let mut cookie = Vec::new();
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let ctrl = vec![LdapControl::SimplePagedResults {
            size: 7,
            cookie: cookie.clone(),
        }];
        let (resp, _) = send(&h, &mut s, op(), ctrl);
        pages += 1;
        for m in &resp {
            if let LdapOp::SearchResultEntry(e) = &m.op {
                seen.push(e.dn.clone());
            }
        }
        assert_eq!(code(&resp), "success");
        cookie = cookie_of(&resp);
        if cookie.is_empty() {
            break;
        }
        assert!(pages < 20);
    }
    assert_eq!(pages, 8);
    assert_eq!(seen.len(), 50);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 50);
    // A cookie is single-use and bound to its search.
    let ctrl = vec![LdapControl::SimplePagedResults {
        size: 7,
        cookie: b"forged".to_vec(),
    }];
    let (resp, _) = send(&h, &mut s, op(), ctrl);
    expect![[r#"
        => UnwillingToPerform (paged results cookie is invalid or expired)
    "#]]
    .assert_eq(&render(&resp));
}

#[test]
fn size_limits() {
    let h = handler(LdapConfig {
        size_limit: 10,
        ..LdapConfig::default()
    });
    let mut s = session(&h, "reader");
    let mut req = search_op(
        BASE,
        LdapSearchScope::Subtree,
        "(objectClass=inetOrgPerson)",
        &["1.1"],
    );
    if let LdapOp::SearchRequest(r) = &mut req {
        r.sizelimit = 5;
    }
    let (resp, _) = send(&h, &mut s, req, vec![]);
    assert_eq!(resp.len(), 6);
    expect!["sizelimitexceeded"].assert_eq(&code(&resp));
    // The server's own limit applies when the client asks for more.
    let (resp, _) = send(
        &h,
        &mut s,
        search_op(
            BASE,
            LdapSearchScope::Subtree,
            "(objectClass=inetOrgPerson)",
            &["1.1"],
        ),
        vec![],
    );
    assert_eq!(resp.len(), 11);
    expect!["sizelimitexceeded"].assert_eq(&code(&resp));
}

#[test]
fn filter_bounds_are_enforced() {
    let h = handler(LdapConfig {
        max_filter_depth: 4,
        ..LdapConfig::default()
    });
    let mut s = session(&h, "reader");
    let (resp, _) = send(
        &h,
        &mut s,
        search_op(
            BASE,
            LdapSearchScope::Subtree,
            "(!(!(!(!(!(uid=1))))))",
            &["1.1"],
        ),
        vec![],
    );
    expect![[r#"
        => AdminLimitExceeded (filter is nested deeper than 4 levels)
    "#]]
    .assert_eq(&render(&resp));
}

#[test]
fn compare_and_extended_operations() {
    let h = handler(LdapConfig::default());
    let mut s = session(&h, "10001");
    let cmp = |s: &mut orgdir_ldap::Session, dn: &str, a: &str, v: &str| {
        let (resp, _) = send(
            &h,
            s,
            LdapOp::CompareRequest(LdapCompareRequest {
                dn: dn.into(),
                atype: a.into(),
                val: v.as_bytes().to_vec(),
            }),
            vec![],
        );
        code(&resp)
    };
    let me = "uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com";
    expect!["comparetrue"].assert_eq(&cmp(&mut s, me, "mail", "ZHANG.WEI@example.com"));
    expect!["comparefalse"].assert_eq(&cmp(&mut s, me, "mail", "nobody@example.com"));
    expect!["insufficentaccessrights"].assert_eq(&cmp(
        &mut s,
        me,
        "userPassword",
        "Passw0rd-10001",
    ));
    expect!["undefinedattributetype"].assert_eq(&cmp(&mut s, me, "bogus", "x"));
    assert_eq!(
        cmp(
            &mut s,
            "uid=10049,ou=Executive,dc=example,dc=com",
            "uid",
            "10049"
        ),
        cmp(
            &mut s,
            "uid=19999,ou=Executive,dc=example,dc=com",
            "uid",
            "19999"
        ),
    );
    let (resp, _) = send(
        &h,
        &mut s,
        LdapOp::ExtendedRequest(LdapWhoamiRequest {}.into()),
        vec![],
    );
    let who = match resp.first().map(|m| &m.op) {
        Some(LdapOp::ExtendedResponse(x)) => {
            String::from_utf8_lossy(x.value.as_deref().unwrap_or_default()).to_string()
        }
        other => format!("{other:?}"),
    };
    expect!["dn:uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com"].assert_eq(&who);
    let (resp, next) = send(
        &h,
        &mut s,
        LdapOp::ExtendedRequest(LdapExtendedRequest {
            name: "1.3.6.1.4.1.1466.20037".into(),
            value: None,
        }),
        vec![],
    );
    assert_eq!(next, Next::StartTls);
    expect!["success"].assert_eq(&code(&resp));
    let (resp, _) = send(
        &h,
        &mut s,
        LdapOp::ExtendedRequest(LdapExtendedRequest {
            name: "1.2.3.4".into(),
            value: None,
        }),
        vec![],
    );
    expect!["protocolerror"].assert_eq(&code(&resp));
    let (resp, next) = send(&h, &mut s, LdapOp::UnbindRequest, vec![]);
    assert!(resp.is_empty());
    assert_eq!(next, Next::Close);
    let (resp, _) = send(&h, &mut s, LdapOp::AbandonRequest(3), vec![]);
    assert!(resp.is_empty());
}

#[test]
fn password_modify_rules() {
    let h = handler(LdapConfig::default());
    let pm =
        |s: &mut orgdir_ldap::Session, user: Option<&str>, old: Option<&str>, new: Option<&str>| {
            let req = LdapPasswordModifyRequest {
                user_identity: user.map(String::from),
                old_password: old.map(String::from),
                new_password: new.map(String::from),
            };
            let (resp, _) = send(&h, s, LdapOp::ExtendedRequest(req.into()), vec![]);
            match resp.first().map(|m| &m.op) {
                Some(LdapOp::ExtendedResponse(x)) => format!(
                    "{:?} {:?} generated={}",
                    x.res.code,
                    x.res.message,
                    x.value.is_some()
                ),
                other => format!("{other:?}"),
            }
        };
    let mut anon = session(&h, "anon");
    expect![[r#"UnwillingToPerform "bind before changing a password" generated=false"#]]
        .assert_eq(&pm(&mut anon, None, None, Some("Something-1")));
    let mut me = session(&h, "10020");
    expect![[r#"InvalidCredentials "the old password is wrong" generated=false"#]].assert_eq(&pm(
        &mut me,
        None,
        Some("wrong"),
        Some("Better-Pass-20"),
    ));
    expect![[
        r#"ConstraintViolation "password rejected: must be at least 8 characters" generated=false"#
    ]]
    .assert_eq(&pm(&mut me, None, None, Some("short")));
    expect![[r#"InsufficentAccessRights "permission denied: the manage_members permission is required" generated=false"#]].assert_eq(&pm(&mut me, Some("10021"), None, Some("Takeover-21")));
    expect![[r#"Success "" generated=false"#]].assert_eq(&pm(
        &mut me,
        None,
        Some("Passw0rd-10020"),
        Some("Better-Pass-20"),
    ));
    expect![[r#"Success """#]].assert_eq(&bind_result("10020", "Better-Pass-20"));
    // The system administrator (10002) resets a member's password; a generated one comes back
    // when none is given.
    let mut sysadmin = session(&h, "10002");
    expect![[r#"Success "" generated=true"#]].assert_eq(&pm(
        &mut sysadmin,
        Some("uid=10022,ou=Support,dc=example,dc=com"),
        None,
        None,
    ));
    expect![[r#"InsufficentAccessRights "" generated=false"#]].assert_eq(&pm(
        &mut sysadmin,
        Some("cn=admin,dc=example,dc=com"),
        None,
        Some("Stolen-Super-1"),
    ));
}

#[test]
fn open_paged_searches_share_a_bounded_budget() {
    let h = handler(LdapConfig {
        max_paged_total_results: 60,
        ..LdapConfig::default()
    });
    let op = || {
        search_op(
            BASE,
            LdapSearchScope::Subtree,
            "(objectClass=inetOrgPerson)",
            &["1.1"],
        )
    };
    let page = |s: &mut orgdir_ldap::Session, size: i64, cookie: Vec<u8>| {
        let (resp, _) = send(
            &h,
            s,
            op(),
            vec![LdapControl::SimplePagedResults { size, cookie }],
        );
        (code(&resp), cookie_of(&resp))
    };
    let mut a = session(&h, "reader");
    let mut b = session(&h, "reader");
    // a holds 43 of the 50 results; b would need 43 more.
    let (rc, cookie_a) = page(&mut a, 7, Vec::new());
    assert_eq!(rc, "success");
    assert_eq!(page(&mut b, 7, Vec::new()).0, "adminlimitexceeded");
    // a abandons its search (page size 0): b can go ahead.
    assert_eq!(page(&mut a, 0, cookie_a).0, "success");
    assert_eq!(page(&mut b, 7, Vec::new()).0, "success");
    // Closing b's connection releases its share too.
    drop(b);
    let (rc, _) = page(&mut a, 7, Vec::new());
    assert_eq!(rc, "success");
}
