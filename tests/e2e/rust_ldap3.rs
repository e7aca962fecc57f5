//! The Rust `ldap3` client against a real server: binds, every search scope and filter type,
//! attribute selection, limits, compare, Who am I?, paged results and controls.
//!
//! Expected results come from the demo-data contract or, where the contract does not fix the
//! data (surnames of other members, uidNumbers), from what the all-seeing reader account
//! reads back, so that each filter is checked against an independent client-side evaluation.

use std::collections::BTreeSet;

use anyhow::{Context as _, Result, anyhow, ensure};
use ldap3::controls::RawControl;
use ldap3::exop::{WhoAmI, WhoAmIResp};
use ldap3::{Ldap, Scope, SearchOptions};

use crate::support::{
    BASE, ENGINEERING_DN, ENGINEERING_GROUP, LI_NA_DN, MEMBERS, OP_TIMEOUT, READER_DN, READER_PW,
    ZHANG_DN, ZHAO_DN, attr_names, bind, dns, paged_search, password, read_only_server, same_dn,
    search, search_ok, single, try_bind, values,
};

const MEMBER_FILTER: &str = "(objectClass=inetOrgPerson)";

async fn reader() -> Result<(std::sync::Arc<orgdir_testkit::Server>, Ldap)> {
    let server = read_only_server()?;
    let ldap = bind(&server, READER_DN, READER_PW).await?;
    Ok((server, ldap))
}

async fn whoami(ldap: &mut Ldap) -> Result<String> {
    let (exop, res) = ldap
        .with_timeout(OP_TIMEOUT)
        .extended(WhoAmI)
        .await?
        .success()
        .map_err(|e| anyhow!("whoami failed: {e}"))?;
    ensure!(res.rc == 0);
    Ok(exop.parse::<WhoAmIResp>().authzid)
}

#[tokio::test]
async fn binds_by_dn_account_and_enterprise_account() -> Result<()> {
    let server = read_only_server()?;
    for name in [ZHANG_DN, "10001", "10001@100001"] {
        let mut ldap = bind(&server, name, &password(10001)).await?;
        let authzid = whoami(&mut ldap).await?;
        ensure!(authzid == format!("dn:{ZHANG_DN}"), "{name}: {authzid}");
    }
    let mut ldap = bind(&server, READER_DN, READER_PW).await?;
    ensure!(same_dn(
        &whoami(&mut ldap).await?,
        &format!("dn:{READER_DN}")
    ));
    // An anonymous connection is "" (RFC 4532).
    let mut ldap = crate::support::connect(&server).await?;
    ensure!(whoami(&mut ldap).await?.is_empty());
    Ok(())
}

#[tokio::test]
async fn rebinding_on_one_connection_changes_identity() -> Result<()> {
    let server = read_only_server()?;
    let mut ldap = bind(&server, READER_DN, READER_PW).await?;
    let res = ldap
        .with_timeout(OP_TIMEOUT)
        .simple_bind("10002", &password(10002))
        .await?;
    ensure!(res.rc == 0, "{res:?}");
    ensure!(whoami(&mut ldap).await? == format!("dn:{LI_NA_DN}"));
    // A failed bind leaves the connection anonymous (RFC 4511 4.2.1).
    let res = ldap
        .with_timeout(OP_TIMEOUT)
        .simple_bind(ZHANG_DN, "wrong")
        .await?;
    ensure!(res.rc == 49, "{res:?}");
    ensure!(whoami(&mut ldap).await?.is_empty());
    Ok(())
}

#[tokio::test]
async fn simple_bind_with_dn_and_empty_password_is_not_authenticated() -> Result<()> {
    // RFC 4513 5.1.2: an unauthenticated bind must not authenticate as the named user.
    let server = read_only_server()?;
    let (mut ldap, res) = try_bind(&server, ZHANG_DN, "").await?;
    if res.rc == 0 {
        ensure!(
            whoami(&mut ldap).await?.is_empty(),
            "authenticated without a password"
        );
        let (entries, _) = search(&mut ldap, BASE, Scope::Subtree, "(uid=10001)", &["cn"]).await?;
        ensure!(
            entries.is_empty(),
            "unauthenticated bind could read the directory"
        );
    } else {
        ensure!(matches!(res.rc, 48 | 49 | 53), "{res:?}");
    }
    Ok(())
}

#[tokio::test]
async fn search_scopes() -> Result<()> {
    let (_server, mut ldap) = reader().await?;
    let f = "(objectClass=*)";

    let base = search_ok(&mut ldap, ZHANG_DN, Scope::Base, f, &["1.1"]).await?;
    ensure!(dns(&base) == BTreeSet::from([ZHANG_DN.to_ascii_lowercase()]));

    let root = single(search_ok(&mut ldap, BASE, Scope::Base, f, &["objectClass"]).await?)?;
    ensure!(same_dn(&root.dn, BASE));
    ensure!(!values(&root, "objectClass").is_empty());

    let one = dns(&search_ok(&mut ldap, ENGINEERING_DN, Scope::OneLevel, f, &["1.1"]).await?);
    for dn in [
        "ou=Platform,ou=Engineering,dc=example,dc=com",
        "ou=Applications,ou=Engineering,dc=example,dc=com",
        LI_NA_DN,
    ] {
        ensure!(
            one.contains(&dn.to_ascii_lowercase()),
            "one-level lacks {dn}: {one:?}"
        );
    }
    for dn in [ENGINEERING_DN, ZHANG_DN] {
        ensure!(
            !one.contains(&dn.to_ascii_lowercase()),
            "one-level has {dn}"
        );
    }

    let sub = dns(&search_ok(&mut ldap, ENGINEERING_DN, Scope::Subtree, f, &["1.1"]).await?);
    for dn in [ENGINEERING_DN, ZHANG_DN, LI_NA_DN] {
        ensure!(sub.contains(&dn.to_ascii_lowercase()), "subtree lacks {dn}");
    }
    ensure!(
        sub.iter()
            .all(|dn| dn.ends_with("ou=engineering,dc=example,dc=com")),
        "subtree escapes its base: {sub:?}"
    );
    ensure!(!sub.contains(&ZHAO_DN.to_ascii_lowercase()));

    let top = dns(&search_ok(&mut ldap, BASE, Scope::OneLevel, f, &["1.1"]).await?);
    for rdn in [
        "ou=engineering",
        "ou=sales",
        "ou=finance",
        "ou=executive",
        "cn=groups",
        "cn=roles",
    ] {
        ensure!(
            top.contains(&format!("{rdn},dc=example,dc=com")),
            "root's children lack {rdn}: {top:?}"
        );
    }
    ensure!(
        top.iter().all(|dn| dn.matches(',').count() == 2),
        "one-level under the root returned grandchildren: {top:?}"
    );
    Ok(())
}

#[tokio::test]
async fn no_such_object_names_the_closest_existing_entry() -> Result<()> {
    let (_server, mut ldap) = reader().await?;
    let missing = "uid=19999,ou=Platform,ou=Engineering,dc=example,dc=com";
    let (entries, res) = search(&mut ldap, missing, Scope::Base, "(objectClass=*)", &[]).await?;
    ensure!(entries.is_empty() && res.rc == 32, "{res:?}");
    ensure!(
        same_dn(&res.matched, "ou=Platform,ou=Engineering,dc=example,dc=com"),
        "matchedDN {:?}",
        res.matched
    );
    Ok(())
}

/// A member as the reader sees it, for client-side evaluation of filters.
struct Member {
    uid: String,
    dn: String,
    cn: Vec<String>,
    mail: Vec<String>,
    uid_number: i64,
}

async fn all_members(ldap: &mut Ldap) -> Result<Vec<Member>> {
    let entries = search_ok(
        ldap,
        BASE,
        Scope::Subtree,
        MEMBER_FILTER,
        &["uid", "cn", "mail", "uidNumber"],
    )
    .await?;
    ensure!(
        entries.len() == MEMBERS,
        "reader sees {} members",
        entries.len()
    );
    entries
        .iter()
        .map(|e| {
            let one = |attr: &str| {
                values(e, attr)
                    .first()
                    .map(|v| (*v).to_owned())
                    .with_context(|| format!("{} has no {attr}", e.dn))
            };
            Ok(Member {
                uid: one("uid")?,
                dn: e.dn.clone(),
                cn: values(e, "cn").iter().map(|v| v.to_lowercase()).collect(),
                mail: values(e, "mail").iter().map(|v| v.to_lowercase()).collect(),
                uid_number: one("uidNumber")?.parse().context("uidNumber")?,
            })
        })
        .collect()
}

/// The uids a search returns.
async fn uids(ldap: &mut Ldap, filter: &str) -> Result<BTreeSet<String>> {
    let entries = search_ok(ldap, BASE, Scope::Subtree, filter, &["uid"]).await?;
    Ok(entries
        .iter()
        .flat_map(|e| values(e, "uid").into_iter().map(str::to_owned))
        .collect())
}

/// Client-side RFC 4517 substring match on a lower-cased value.
fn substrings(value: &str, initial: &str, any: &[&str], fin: &str) -> bool {
    let Some(mut rest) = value.strip_prefix(initial) else {
        return false;
    };
    for part in any {
        match rest.split_once(part) {
            Some((_, after)) => rest = after,
            None => return false,
        }
    }
    rest.len() >= fin.len() && rest.ends_with(fin)
}

fn set<'a>(items: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    items.into_iter().map(str::to_owned).collect()
}

#[tokio::test]
async fn filters_of_every_type() -> Result<()> {
    let (_server, mut ldap) = reader().await?;
    let members = all_members(&mut ldap).await?;
    let all: BTreeSet<String> = members.iter().map(|m| m.uid.clone()).collect();
    let matching = |pred: &dyn Fn(&Member) -> bool| -> BTreeSet<String> {
        members
            .iter()
            .filter(|m| pred(m))
            .map(|m| m.uid.clone())
            .collect()
    };
    let mut numbers: Vec<i64> = members.iter().map(|m| m.uid_number).collect();
    numbers.sort_unstable();
    let median = numbers
        .get(numbers.len() / 2)
        .copied()
        .context("no members")?;

    let exact: Vec<(String, BTreeSet<String>)> = vec![
        ("(uid=10001)".into(), set(["10001"])),
        ("(UID=10001)".into(), set(["10001"])),
        ("(uid=99999)".into(), BTreeSet::new()),
        (
            "(&(objectClass=inetOrgPerson)(uid=10001))".into(),
            set(["10001"]),
        ),
        ("(|(uid=10001)(uid=10002))".into(), set(["10001", "10002"])),
        (
            "(&(objectClass=inetOrgPerson)(!(uid=10001)))".into(),
            all.iter().filter(|u| *u != "10001").cloned().collect(),
        ),
        (
            "(&(objectClass=inetOrgPerson)(mail=*))".into(),
            matching(&|m| !m.mail.is_empty()),
        ),
        (
            "(cn=Zhang*)".into(),
            matching(&|m| m.cn.iter().any(|c| c.starts_with("zhang"))),
        ),
        (
            "(cn=*Wei)".into(),
            matching(&|m| m.cn.iter().any(|c| c.ends_with("wei"))),
        ),
        (
            "(cn=*ang W*)".into(),
            matching(&|m| m.cn.iter().any(|c| c.contains("ang w"))),
        ),
        (
            "(cn=Zh*ng*W*i)".into(),
            matching(&|m| m.cn.iter().any(|c| substrings(c, "zh", &["ng", "w"], "i"))),
        ),
        (
            "(&(objectClass=inetOrgPerson)(mail=*@EXAMPLE.com))".into(),
            matching(&|m| m.mail.iter().any(|v| v.ends_with("@example.com"))),
        ),
        (
            format!("(&(objectClass=posixAccount)(uidNumber>={median}))"),
            matching(&|m| m.uid_number >= median),
        ),
        (
            format!("(&(objectClass=posixAccount)(uidNumber<={median}))"),
            matching(&|m| m.uid_number <= median),
        ),
        ("(uid:caseExactMatch:=10001)".into(), set(["10001"])),
        ("(uid:2.5.13.5:=10001)".into(), set(["10001"])),
        (
            "(&(objectClass=inetOrgPerson)(createTimestamp>=19700101000000Z))".into(),
            all.clone(),
        ),
        (
            "(&(objectClass=inetOrgPerson)(createTimestamp<=19700101000000Z))".into(),
            BTreeSet::new(),
        ),
        (
            "(&(objectClass=inetOrgPerson)(ou:dn:=Engineering))".into(),
            matching(&|m| {
                m.dn.to_ascii_lowercase()
                    .split(',')
                    .any(|rdn| rdn.trim() == "ou=engineering")
            }),
        ),
    ];
    let mut failures = Vec::new();
    for (filter, expected) in &exact {
        let got = uids(&mut ldap, filter).await?;
        if &got != expected {
            failures.push(format!("{filter}: got {got:?}, expected {expected:?}"));
        }
    }
    ensure!(failures.is_empty(), "filters:\n{}", failures.join("\n"));

    // Sanity of the client-side evaluations above against the contract.
    ensure!(all.len() == MEMBERS);
    let in_engineering = uids(
        &mut ldap,
        "(&(objectClass=inetOrgPerson)(ou:dn:=Engineering))",
    )
    .await?;
    ensure!(in_engineering.contains("10001") && in_engineering.contains("10002"));
    ensure!(!in_engineering.contains("10040"));

    // Approximate match: what "approximately" means is the server's choice, but the
    // exact value must match.
    let approx = uids(&mut ldap, "(cn~=Zhang Wei)").await?;
    ensure!(approx.contains("10001"), "(cn~=Zhang Wei): {approx:?}");
    Ok(())
}

#[tokio::test]
async fn unknown_attribute_in_a_filter_is_undefined_even_under_not() -> Result<()> {
    // RFC 4511 4.5.1.7: an unrecognised attribute makes the item Undefined, and
    // NOT(Undefined) is Undefined, so no entry matches either filter.
    let (_server, mut ldap) = reader().await?;
    for filter in [
        "(&(objectClass=inetOrgPerson)(noSuchAttributeXyz=1))",
        "(&(objectClass=inetOrgPerson)(!(noSuchAttributeXyz=1)))",
    ] {
        let got = uids(&mut ldap, filter).await?;
        ensure!(got.is_empty(), "{filter} matched {got:?}");
    }
    Ok(())
}

#[tokio::test]
async fn member_and_group_entries_have_the_contracted_shape() -> Result<()> {
    let (_server, mut ldap) = reader().await?;
    let zhang = single(
        search_ok(
            &mut ldap,
            ZHANG_DN,
            Scope::Base,
            "(objectClass=*)",
            &["*", "+"],
        )
        .await?,
    )?;
    let classes: BTreeSet<String> = values(&zhang, "objectClass")
        .iter()
        .map(|c| c.to_ascii_lowercase())
        .collect();
    ensure!(classes.contains("inetorgperson") && classes.contains("posixaccount"));
    let names = attr_names(&zhang);
    for attr in [
        "uid",
        "cn",
        "sn",
        "givenname",
        "displayname",
        "mail",
        "mobile",
        "title",
        "employeenumber",
        "uidnumber",
        "gidnumber",
        "homedirectory",
        "loginshell",
        "gecos",
        "memberof",
        "entryuuid",
        "createtimestamp",
        "modifytimestamp",
    ] {
        ensure!(names.contains(attr), "{ZHANG_DN} lacks {attr}: {names:?}");
    }
    ensure!(
        values(&zhang, "memberOf")
            .iter()
            .any(|g| same_dn(g, ENGINEERING_GROUP))
    );

    let group = single(
        search_ok(
            &mut ldap,
            ENGINEERING_GROUP,
            Scope::Base,
            "(objectClass=*)",
            &["objectClass", "cn", "gidNumber", "member", "memberUid"],
        )
        .await?,
    )?;
    let classes: BTreeSet<String> = values(&group, "objectClass")
        .iter()
        .map(|c| c.to_ascii_lowercase())
        .collect();
    ensure!(
        classes.contains("groupofnames") && classes.contains("posixgroup"),
        "{classes:?}"
    );
    ensure!(
        values(&group, "gidNumber")
            .first()
            .is_some_and(|g| g.parse::<u32>().is_ok())
    );
    ensure!(
        values(&group, "member")
            .iter()
            .any(|m| same_dn(m, ZHANG_DN))
    );
    ensure!(values(&group, "memberUid").contains(&"10001"));
    Ok(())
}

#[tokio::test]
async fn attribute_selection() -> Result<()> {
    let (_server, mut ldap) = reader().await?;
    let mut names = async |attrs: &[&str]| -> Result<BTreeSet<String>> {
        let entry =
            single(search_ok(&mut ldap, ZHANG_DN, Scope::Base, "(objectClass=*)", attrs).await?)?;
        Ok(attr_names(&entry))
    };
    let operational = ["entryuuid", "createtimestamp", "modifytimestamp"];
    let user = ["cn", "sn", "uid", "mail", "objectclass", "uidnumber"];

    let named = names(&["cn", "MAIL"]).await?;
    ensure!(named == set(["cn", "mail"]), "cn, MAIL -> {named:?}");

    for attrs in [&["*"][..], &[][..]] {
        let got = names(attrs).await?;
        ensure!(
            user.iter().all(|a| got.contains(*a)),
            "{attrs:?} -> {got:?}"
        );
        ensure!(
            operational.iter().all(|a| !got.contains(*a)),
            "{attrs:?} returned operational attributes: {got:?}"
        );
    }

    let plus = names(&["+"]).await?;
    ensure!(
        operational.iter().all(|a| plus.contains(*a)),
        "+ -> {plus:?}"
    );
    ensure!(
        !plus.contains("cn") && !plus.contains("mail"),
        "+ -> {plus:?}"
    );

    let both = names(&["*", "+"]).await?;
    ensure!(
        user.iter().chain(&operational).all(|a| both.contains(*a)),
        "* + -> {both:?}"
    );

    let mixed = names(&["+", "cn"]).await?;
    ensure!(mixed.contains("cn") && mixed.contains("entryuuid") && !mixed.contains("mail"));

    let none = names(&["1.1"]).await?;
    ensure!(none.is_empty(), "1.1 -> {none:?}");

    let unknown = names(&["noSuchAttributeXyz", "cn"]).await?;
    ensure!(unknown == set(["cn"]), "{unknown:?}");
    Ok(())
}

#[tokio::test]
async fn types_only_returns_names_without_values() -> Result<()> {
    let (_server, mut ldap) = reader().await?;
    let entry = single(
        search_ok(
            ldap.with_search_options(SearchOptions::new().typesonly(true)),
            ZHANG_DN,
            Scope::Base,
            "(objectClass=*)",
            &["cn", "mail"],
        )
        .await?,
    )?;
    ensure!(attr_names(&entry) == set(["cn", "mail"]));
    ensure!(
        entry.attrs.values().all(Vec::is_empty),
        "values returned: {:?}",
        entry.attrs
    );
    Ok(())
}

#[tokio::test]
async fn entry_uuid_is_stable_and_unique() -> Result<()> {
    let (_server, mut ldap) = reader().await?;
    let read = async |ldap: &mut Ldap| -> Result<Vec<(String, String)>> {
        let entries = search_ok(
            ldap,
            BASE,
            Scope::Subtree,
            "(objectClass=*)",
            &["entryUUID"],
        )
        .await?;
        entries
            .iter()
            .map(|e| {
                let uuid = values(e, "entryUUID")
                    .first()
                    .map(|v| (*v).to_owned())
                    .with_context(|| format!("{} has no entryUUID", e.dn))?;
                Ok((e.dn.to_ascii_lowercase(), uuid))
            })
            .collect()
    };
    let mut first = read(&mut ldap).await?;
    let mut second = read(&mut ldap).await?;
    first.sort();
    second.sort();
    ensure!(first == second, "entryUUIDs changed between two reads");
    let distinct: BTreeSet<&String> = first.iter().map(|(_, u)| u).collect();
    ensure!(distinct.len() == first.len(), "duplicate entryUUIDs");
    ensure!(
        first
            .iter()
            .all(|(_, u)| u.len() == 36 && u.matches('-').count() == 4),
        "entryUUID is not an RFC 4122 UUID string"
    );
    Ok(())
}

#[tokio::test]
async fn size_limit_exceeded_returns_that_many_entries() -> Result<()> {
    let (_server, mut ldap) = reader().await?;
    let (entries, res) = search(
        ldap.with_search_options(SearchOptions::new().sizelimit(5)),
        BASE,
        Scope::Subtree,
        MEMBER_FILTER,
        &["1.1"],
    )
    .await?;
    ensure!(res.rc == 4, "expected sizeLimitExceeded: {res:?}");
    ensure!(entries.len() == 5, "{} entries", entries.len());

    // A limit that is not reached changes nothing.
    let (entries, res) = search(
        ldap.with_search_options(SearchOptions::new().sizelimit(1)),
        BASE,
        Scope::Subtree,
        "(uid=10001)",
        &["1.1"],
    )
    .await?;
    ensure!(res.rc == 0 && entries.len() == 1, "{res:?}");
    Ok(())
}

#[tokio::test]
async fn server_size_limit_applies() -> Result<()> {
    let server = crate::support::own_server(
        orgdir_testkit::Options::new().env("ORGDIR_LDAP_SIZE_LIMIT", "10"),
    )?;
    let mut ldap = bind(&server, READER_DN, READER_PW).await?;
    let (entries, res) = search(&mut ldap, BASE, Scope::Subtree, MEMBER_FILTER, &["1.1"]).await?;
    ensure!(res.rc == 4, "expected sizeLimitExceeded: {res:?}");
    ensure!(entries.len() == 10, "{} entries", entries.len());
    // Paged results are the way to read everything (RFC 2696).
    let got = paged_uids(&mut ldap, 7).await?;
    ensure!(got.len() == MEMBERS, "paged search returned {}", got.len());
    Ok(())
}

#[tokio::test]
async fn compare() -> Result<()> {
    let (_server, mut ldap) = reader().await?;
    let mut cmp = async |dn: &str, attr: &str, value: &str| -> Result<u32> {
        Ok(ldap
            .with_timeout(OP_TIMEOUT)
            .compare(dn, attr, value)
            .await?
            .0
            .rc)
    };
    ensure!(cmp(ZHANG_DN, "cn", "Zhang Wei").await? == 6);
    ensure!(
        cmp(ZHANG_DN, "cn", "zhang wei").await? == 6,
        "cn is case-insensitive"
    );
    ensure!(cmp(ZHANG_DN, "cn", "Li Na").await? == 5);
    ensure!(cmp(ZHANG_DN, "uid", "10001").await? == 6);
    ensure!(cmp(ENGINEERING_GROUP, "member", ZHANG_DN).await? == 6);
    let missing = "uid=19999,ou=Platform,ou=Engineering,dc=example,dc=com";
    ensure!(cmp(missing, "cn", "Zhang Wei").await? == 32);
    Ok(())
}

#[tokio::test]
async fn critical_unknown_control_is_refused_and_non_critical_ignored() -> Result<()> {
    let (_server, mut ldap) = reader().await?;
    let control = |crit: bool| RawControl {
        ctype: "1.3.6.1.4.1.99999.1.2.3".to_owned(),
        crit,
        val: None,
    };
    let (entries, res) = search(
        ldap.with_controls(control(true)),
        BASE,
        Scope::Subtree,
        "(uid=10001)",
        &["cn"],
    )
    .await?;
    ensure!(
        res.rc == 12,
        "expected unavailableCriticalExtension: {res:?}"
    );
    ensure!(
        entries.is_empty(),
        "entries returned with a refused control"
    );

    let (entries, res) = search(
        ldap.with_controls(control(false)),
        BASE,
        Scope::Subtree,
        "(uid=10001)",
        &["cn"],
    )
    .await?;
    ensure!(res.rc == 0 && entries.len() == 1, "{res:?}");
    Ok(())
}

/// Reads every member's uid with the RFC 2696 paged-results control.
async fn paged_uids(ldap: &mut Ldap, page: i32) -> Result<Vec<String>> {
    let entries = paged_search(ldap, BASE, MEMBER_FILTER, page, &["uid"]).await?;
    Ok(entries
        .iter()
        .flat_map(|e| values(e, "uid").into_iter().map(str::to_owned))
        .collect())
}

#[tokio::test]
async fn paged_results_return_every_member_once_for_any_page_size() -> Result<()> {
    let (_server, mut ldap) = reader().await?;
    for page in [1, 7, 10, 50, 1000] {
        let mut got = paged_uids(&mut ldap, page).await?;
        got.sort();
        let expected: Vec<String> = (10001..=10050).map(|n: u32| n.to_string()).collect();
        ensure!(got == expected, "page size {page}: {got:?}");
    }
    Ok(())
}
