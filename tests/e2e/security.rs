//! Who may see and do what over LDAP (SPEC ORG-6, ORG-9, ORG-10, LDAP-5, LDAP-6), checked
//! with the Rust `ldap3` client as different identities of the demo enterprise.
//!
//! Hidden-member tests always pair the hiding view (10001) with a view that may see the
//! hidden member (reader, admin, 10049 itself), so a test cannot pass just because the
//! member is missing from the data.

use std::collections::BTreeSet;

use anyhow::{Result, ensure};
use ldap3::{Ldap, LdapResult, Scope};
use orgdir_testkit::{Options, Server};

use crate::support::{
    ADMIN_DN, ADMIN_PW, BASE, DISABLED_DN, ENGINEERING_GROUP, FINANCE_GROUP, HIDDEN_DN, MEMBERS,
    NEVER_DN, OP_TIMEOUT, READER_DN, READER_PW, ZHANG_DN, ZHAO_DN, bind, dns, own_server,
    paged_search, password, read_only_server, same_dn, search, search_ok, single, try_bind, values,
};

const MEMBER_FILTER: &str = "(objectClass=inetOrgPerson)";

async fn as_member(server: &Server, account: u32) -> Result<Ldap> {
    bind(server, &account.to_string(), &password(account)).await
}

/// What a client can observe of a failed or empty operation.
fn observable(res: &LdapResult) -> (u32, String, String) {
    (res.rc, res.matched.to_ascii_lowercase(), res.text.clone())
}

#[tokio::test]
async fn hidden_member_is_not_found_by_filters() -> Result<()> {
    let server = read_only_server()?;
    let mut zhang = as_member(&server, 10001).await?;
    let mut reader = bind(&server, READER_DN, READER_PW).await?;
    let hidden = HIDDEN_DN.to_ascii_lowercase();
    for filter in [
        "(uid=10049)",
        "(uid=1004*)",
        "(cn=Chen*)",
        "(cn=Chen Jie)",
        "(cn~=Chen Jie)",
        "(|(uid=10049)(uid=10001))",
        "(&(objectClass=inetOrgPerson)(!(uid=10001)))",
        "(uid:caseExactMatch:=10049)",
        "(ou:dn:=Executive)",
        "(memberOf=cn=finance,cn=groups,dc=example,dc=com)",
    ] {
        let seen_by_reader =
            dns(&search_ok(&mut reader, BASE, Scope::Subtree, filter, &["1.1"]).await?);
        ensure!(
            seen_by_reader.contains(&hidden),
            "reader cannot find 10049 with {filter}"
        );
        let seen_by_zhang =
            dns(&search_ok(&mut zhang, BASE, Scope::Subtree, filter, &["1.1"]).await?);
        let mut expected = seen_by_reader.clone();
        expected.remove(&hidden);
        ensure!(
            seen_by_zhang == expected,
            "{filter}: 10001 sees {seen_by_zhang:?}, expected the reader's view minus 10049"
        );
    }
    // Searching from the hidden entry, or one level under its parent.
    let (entries, _) = search(
        &mut zhang,
        HIDDEN_DN,
        Scope::Subtree,
        "(objectClass=*)",
        &[],
    )
    .await?;
    ensure!(entries.is_empty());
    let executive = "ou=Executive,dc=example,dc=com";
    let children = dns(&search_ok(
        &mut zhang,
        executive,
        Scope::OneLevel,
        "(objectClass=*)",
        &["1.1"],
    )
    .await?);
    ensure!(!children.contains(&hidden), "one-level search shows 10049");
    Ok(())
}

#[tokio::test]
async fn hidden_member_base_search_is_indistinguishable_from_a_missing_entry() -> Result<()> {
    let server = read_only_server()?;
    let mut zhang = as_member(&server, 10001).await?;
    for scope in [Scope::Base, Scope::OneLevel, Scope::Subtree] {
        let (hidden_entries, hidden) =
            search(&mut zhang, HIDDEN_DN, scope, "(objectClass=*)", &[]).await?;
        let (never_entries, never) =
            search(&mut zhang, NEVER_DN, scope, "(objectClass=*)", &[]).await?;
        ensure!(hidden_entries.is_empty() && never_entries.is_empty());
        ensure!(hidden.rc == 32, "{scope:?} on the hidden DN: {hidden:?}");
        ensure!(
            observable(&hidden) == observable(&never),
            "{scope:?}: hidden {hidden:?} vs never-existing {never:?}"
        );
    }
    // The reader does see it.
    let mut reader = bind(&server, READER_DN, READER_PW).await?;
    let entry = single(
        search_ok(
            &mut reader,
            HIDDEN_DN,
            Scope::Base,
            "(objectClass=*)",
            &["cn"],
        )
        .await?,
    )?;
    ensure!(values(&entry, "cn") == ["Chen Jie"]);
    Ok(())
}

#[tokio::test]
async fn hidden_member_compare_is_indistinguishable_from_a_missing_entry() -> Result<()> {
    let server = read_only_server()?;
    let mut zhang = as_member(&server, 10001).await?;
    for (attr, value) in [
        ("cn", "Chen Jie"),
        ("uid", "10049"),
        ("cn", "Somebody Else"),
    ] {
        let hidden = zhang
            .with_timeout(OP_TIMEOUT)
            .compare(HIDDEN_DN, attr, value)
            .await?
            .0;
        let never = zhang
            .with_timeout(OP_TIMEOUT)
            .compare(NEVER_DN, attr, value)
            .await?
            .0;
        ensure!(
            !matches!(hidden.rc, 5 | 6),
            "compare on the hidden DN answered: {hidden:?}"
        );
        ensure!(
            observable(&hidden) == observable(&never),
            "compare {attr}={value}: hidden {hidden:?} vs never-existing {never:?}"
        );
    }
    let mut reader = bind(&server, READER_DN, READER_PW).await?;
    let res = reader
        .with_timeout(OP_TIMEOUT)
        .compare(HIDDEN_DN, "cn", "Chen Jie")
        .await?
        .0;
    ensure!(res.rc == 6, "reader compare: {res:?}");
    Ok(())
}

#[tokio::test]
async fn hidden_member_leaves_no_trace_in_group_values() -> Result<()> {
    let server = read_only_server()?;
    let attrs = ["member", "memberUid", "uniqueMember"];
    let mut reader = bind(&server, READER_DN, READER_PW).await?;
    let finance = single(
        search_ok(
            &mut reader,
            FINANCE_GROUP,
            Scope::Base,
            "(objectClass=*)",
            &attrs,
        )
        .await?,
    )?;
    ensure!(
        values(&finance, "member")
            .iter()
            .any(|m| same_dn(m, HIDDEN_DN)),
        "reader: finance lacks 10049 in member"
    );
    ensure!(values(&finance, "memberUid").contains(&"10049"));

    let mut zhang = as_member(&server, 10001).await?;
    let finance = single(
        search_ok(
            &mut zhang,
            FINANCE_GROUP,
            Scope::Base,
            "(objectClass=*)",
            &attrs,
        )
        .await?,
    )?;
    for attr in attrs {
        for value in values(&finance, attr) {
            ensure!(!value.contains("10049"), "10001 sees {attr}: {value}");
        }
    }
    // Nor can membership be probed with filters or compare.
    let finance_dn = FINANCE_GROUP.to_ascii_lowercase();
    for filter in [
        format!("(member={HIDDEN_DN})"),
        "(memberUid=10049)".to_owned(),
    ] {
        let by_reader =
            dns(&search_ok(&mut reader, BASE, Scope::Subtree, &filter, &["1.1"]).await?);
        ensure!(
            by_reader.contains(&finance_dn),
            "reader: {filter} finds {by_reader:?}"
        );
        let found = dns(&search_ok(&mut zhang, BASE, Scope::Subtree, &filter, &["1.1"]).await?);
        ensure!(
            found.is_empty(),
            "{filter} reveals the hidden member to 10001: {found:?}"
        );
    }
    let res = zhang
        .with_timeout(OP_TIMEOUT)
        .compare(FINANCE_GROUP, "memberUid", "10049")
        .await?
        .0;
    ensure!(res.rc != 6, "compare reveals the hidden member: {res:?}");
    // The hidden member still appears in its own memberOf, seen by itself.
    let mut chen = as_member(&server, 10049).await?;
    let me = single(
        search_ok(
            &mut chen,
            HIDDEN_DN,
            Scope::Base,
            "(objectClass=*)",
            &["memberOf"],
        )
        .await?,
    )?;
    ensure!(
        values(&me, "memberOf")
            .iter()
            .any(|g| same_dn(g, FINANCE_GROUP))
    );
    Ok(())
}

#[tokio::test]
async fn member_counts_depend_on_who_may_see_hidden_members() -> Result<()> {
    let server = read_only_server()?;
    let views: Vec<(&str, Ldap, usize)> = vec![
        ("10001", as_member(&server, 10001).await?, MEMBERS - 1),
        (
            "reader",
            bind(&server, READER_DN, READER_PW).await?,
            MEMBERS,
        ),
        ("admin", bind(&server, ADMIN_DN, ADMIN_PW).await?, MEMBERS),
        ("10049 (hidden)", as_member(&server, 10049).await?, MEMBERS),
    ];
    for (who, mut ldap, expected) in views {
        let entries = search_ok(&mut ldap, BASE, Scope::Subtree, MEMBER_FILTER, &["1.1"]).await?;
        ensure!(
            entries.len() == expected,
            "{who} counts {} members",
            entries.len()
        );
        for page in [7, 49, 50] {
            let paged = paged_search(&mut ldap, BASE, MEMBER_FILTER, page, &["1.1"]).await?;
            ensure!(
                paged.len() == expected,
                "{who}, page size {page}: {} members",
                paged.len()
            );
        }
    }
    Ok(())
}

#[tokio::test]
async fn has_subordinates_shows_no_trace_of_hidden_members() -> Result<()> {
    let server = read_only_server()?;
    let mut zhang = as_member(&server, 10001).await?;
    let executive = "ou=Executive,dc=example,dc=com";
    let visible_children = search_ok(
        &mut zhang,
        executive,
        Scope::OneLevel,
        "(objectClass=*)",
        &["1.1"],
    )
    .await?
    .len();
    let entry = single(
        search_ok(
            &mut zhang,
            executive,
            Scope::Base,
            "(objectClass=*)",
            &["hasSubordinates"],
        )
        .await?,
    )?;
    if let Some(flag) = values(&entry, "hasSubordinates").first() {
        let expected = if visible_children > 0 {
            "TRUE"
        } else {
            "FALSE"
        };
        ensure!(
            flag.eq_ignore_ascii_case(expected),
            "hasSubordinates {flag} with {visible_children} visible children"
        );
    }
    Ok(())
}

#[tokio::test]
async fn failed_binds_all_look_the_same() -> Result<()> {
    let server = read_only_server()?;
    let attempts = [
        (
            "disabled member, right password, account",
            "10050".to_owned(),
            password(10050),
        ),
        (
            "disabled member, right password, DN",
            DISABLED_DN.to_owned(),
            password(10050),
        ),
        (
            "existing member, wrong password",
            "10001".to_owned(),
            "Wrong-Passw0rd".to_owned(),
        ),
        (
            "existing member DN, wrong password",
            ZHANG_DN.to_owned(),
            "Wrong-Passw0rd".to_owned(),
        ),
        (
            "unknown account",
            "19999".to_owned(),
            "Wrong-Passw0rd".to_owned(),
        ),
        (
            "unknown DN",
            NEVER_DN.to_owned(),
            "Wrong-Passw0rd".to_owned(),
        ),
        (
            "hidden member, wrong password",
            "10049".to_owned(),
            "Wrong-Passw0rd".to_owned(),
        ),
        (
            "hidden member DN, wrong password",
            HIDDEN_DN.to_owned(),
            "Wrong-Passw0rd".to_owned(),
        ),
    ];
    let mut seen = BTreeSet::new();
    for (what, name, pw) in &attempts {
        let (_, res) = try_bind(&server, name, pw).await?;
        ensure!(
            res.rc == 49,
            "{what}: expected invalidCredentials, got {res:?}"
        );
        seen.insert(observable(&res));
    }
    ensure!(
        seen.len() == 1,
        "failed binds are distinguishable: {seen:?}"
    );
    Ok(())
}

#[tokio::test]
async fn disabled_member_cannot_bind_but_keeps_its_entry() -> Result<()> {
    let server = read_only_server()?;
    let (_, res) = try_bind(&server, "10050", &password(10050)).await?;
    ensure!(res.rc == 49, "{res:?}");
    let mut reader = bind(&server, READER_DN, READER_PW).await?;
    let entry =
        single(search_ok(&mut reader, BASE, Scope::Subtree, "(uid=10050)", &["cn"]).await?)?;
    ensure!(same_dn(&entry.dn, DISABLED_DN));
    Ok(())
}

#[tokio::test]
async fn lockout_after_the_threshold_of_failed_binds() -> Result<()> {
    let server = own_server(Options::new().env("ORGDIR_SECURITY_BIND_LOCKOUT_THRESHOLD", "3"))?;
    // Before any failure the right password works.
    bind(&server, "10007", &password(10007)).await?;
    for attempt in 1..=3 {
        let (_, res) = try_bind(&server, "10005", "Wrong-Passw0rd").await?;
        ensure!(res.rc == 49, "wrong bind {attempt}: {res:?}");
    }
    let (_, res) = try_bind(&server, "10005", &password(10005)).await?;
    ensure!(
        res.rc == 49,
        "locked account bound with its right password: {res:?}"
    );
    // Also by its DN: the lock is on the member, not on the bind name.
    let mut reader = bind(&server, READER_DN, READER_PW).await?;
    let dn =
        single(search_ok(&mut reader, BASE, Scope::Subtree, "(uid=10005)", &["1.1"]).await?)?.dn;
    let (_, res) = try_bind(&server, &dn, &password(10005)).await?;
    ensure!(res.rc == 49, "locked account bound by DN: {res:?}");
    // Other members are unaffected.
    bind(&server, "10006", &password(10006)).await?;
    bind(&server, "10007", &password(10007)).await?;
    Ok(())
}

#[tokio::test]
async fn failures_below_the_threshold_do_not_lock() -> Result<()> {
    let server = own_server(Options::new().env("ORGDIR_SECURITY_BIND_LOCKOUT_THRESHOLD", "3"))?;
    for _ in 0..2 {
        let (_, res) = try_bind(&server, "10008", "Wrong-Passw0rd").await?;
        ensure!(res.rc == 49, "{res:?}");
    }
    bind(&server, "10008", &password(10008)).await?;
    Ok(())
}

#[tokio::test]
async fn management_scope_limits_what_a_member_sees() -> Result<()> {
    let server = read_only_server()?;
    let mut zhao = as_member(&server, 10040).await?;
    let (entries, res) = search(&mut zhao, BASE, Scope::Subtree, "(uid=10001)", &["cn"]).await?;
    ensure!(entries.is_empty(), "10040 found 10001 outside its scope");
    ensure!(res.rc == 0, "{res:?}");

    let me = single(search_ok(&mut zhao, BASE, Scope::Subtree, "(uid=10040)", &["1.1"]).await?)?;
    ensure!(same_dn(&me.dn, ZHAO_DN));
    let sales = single(search_ok(&mut zhao, BASE, Scope::Subtree, "(uid=10050)", &["1.1"]).await?)?;
    ensure!(same_dn(&sales.dn, DISABLED_DN));

    let members = dns(&search_ok(&mut zhao, BASE, Scope::Subtree, MEMBER_FILTER, &["1.1"]).await?);
    ensure!(members.len() >= 2);
    ensure!(
        members
            .iter()
            .all(|dn| dn.ends_with("ou=sales,dc=example,dc=com")),
        "10040 sees members outside ou=Sales: {members:?}"
    );

    // The path to the root, groups and roles stay visible; other subtrees do not exist.
    single(search_ok(&mut zhao, BASE, Scope::Base, "(objectClass=*)", &["1.1"]).await?)?;
    single(
        search_ok(
            &mut zhao,
            ENGINEERING_GROUP,
            Scope::Base,
            "(objectClass=*)",
            &["1.1"],
        )
        .await?,
    )?;
    let (entries, res) = search(&mut zhao, ZHANG_DN, Scope::Base, "(objectClass=*)", &[]).await?;
    ensure!(
        entries.is_empty() && res.rc == 32,
        "base search outside the scope: {res:?}"
    );
    Ok(())
}

#[tokio::test]
async fn passwords_cannot_be_probed_by_filter_or_compare() -> Result<()> {
    let server = read_only_server()?;
    for (who, mut ldap) in [
        ("reader", bind(&server, READER_DN, READER_PW).await?),
        ("10001", as_member(&server, 10001).await?),
    ] {
        for filter in [
            "(&(uid=10001)(userPassword=Passw0rd-10001))",
            "(&(uid=10001)(userPassword=*))",
            "(&(uid=10001)(userPassword=P*))",
        ] {
            let (entries, _) = search(&mut ldap, BASE, Scope::Subtree, filter, &["1.1"]).await?;
            ensure!(entries.is_empty(), "{who}: {filter} matched");
        }
        let right = ldap
            .with_timeout(OP_TIMEOUT)
            .compare(ZHANG_DN, "userPassword", password(10001))
            .await?
            .0;
        let wrong = ldap
            .with_timeout(OP_TIMEOUT)
            .compare(ZHANG_DN, "userPassword", "Wrong-Passw0rd")
            .await?
            .0;
        ensure!(
            right.rc != 6,
            "{who}: compare on userPassword answered TRUE"
        );
        ensure!(
            observable(&right) == observable(&wrong),
            "{who}: compare on userPassword distinguishes right {right:?} from wrong {wrong:?}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn anonymous_clients_read_only_the_root_dse() -> Result<()> {
    let server = read_only_server()?;
    let mut anon = crate::support::connect(&server).await?;
    let dse = single(
        search_ok(
            &mut anon,
            "",
            Scope::Base,
            "(objectClass=*)",
            &["namingContexts"],
        )
        .await?,
    )?;
    ensure!(
        values(&dse, "namingContexts")
            .iter()
            .any(|nc| same_dn(nc, BASE))
    );
    for (base, scope) in [(BASE, Scope::Subtree), (ZHANG_DN, Scope::Base)] {
        let (entries, res) = search(&mut anon, base, scope, "(objectClass=*)", &["cn"]).await?;
        ensure!(entries.is_empty(), "anonymous read of {base}: {res:?}");
    }
    Ok(())
}

/// ORG-5: once an account is given to another person, an LDAP connection the previous holder
/// bound earlier no longer acts as that account (it would otherwise read as the new person).
#[tokio::test]
async fn a_reassigned_account_ends_the_previous_holders_ldap_connection() -> Result<()> {
    let server = own_server(Options::new())?;
    let mut before = as_member(&server, 10005).await?;
    search_ok(&mut before, BASE, Scope::Subtree, "(uid=10001)", &["cn"]).await?;

    // The administrator reassigns 10005 over the API (bearer session token).
    let addr = server.http_addr();
    let json = format!(r#"{{"enterprise":100001,"password":"{ADMIN_PW}"}}"#);
    let headers = [("Content-Type", "application/json")];
    let (status, _, body) =
        crate::support::http_request(addr, "POST", "/api/v1/session", &headers, &json)?;
    ensure!(status == 200, "sign-in: {status} {body}");
    let token: serde_json::Value = serde_json::from_str(&body)?;
    let auth = format!("Bearer {}", token["token"].as_str().unwrap_or_default());
    let headers = [
        ("Content-Type", "application/json"),
        ("Authorization", auth.as_str()),
    ];
    let (status, _, body) =
        crate::support::http_request(addr, "GET", "/api/v1/members?q=10005", &headers, "")?;
    ensure!(status == 200, "{status} {body}");
    let list: serde_json::Value = serde_json::from_str(&body)?;
    let id = list["members"][0]["id"].as_u64().unwrap_or_default();
    let (status, _, body) = crate::support::http_request(
        addr,
        "POST",
        &format!("/api/v1/members/{id}/reassign"),
        &headers,
        r#"{"name":"New Holder","password":"New-Holder-Passw0rd-1"}"#,
    )?;
    ensure!(status == 204 || status == 200, "reassign: {status} {body}");

    // The old connection sees nothing any more; a fresh bind with the old password fails.
    let (entries, res) = search(&mut before, BASE, Scope::Subtree, "(uid=10001)", &["cn"]).await?;
    ensure!(
        entries.is_empty() && res.rc != 0,
        "the previous holder still reads: rc {} {entries:?}",
        res.rc
    );
    let (_, res) = try_bind(&server, "10005", &password(10005)).await?;
    ensure!(res.rc == 49, "old password still binds: {}", res.rc);
    Ok(())
}
