//! LDAP writes with Debian's ldap-utils (`ldapadd`, `ldapmodify`, `ldapdelete`,
//! `ldapmodrdn`) and a Keycloak-style multi-attribute replace with the Rust `ldap3` client:
//! the administrator manages orgs, members and groups; members and read-only service
//! accounts are refused with insufficientAccessRights; rule violations come back with the
//! rule's own text; the changes are seen by other connections and in the audit log.
//!
//! The tools exit with the LDAP result code and print the diagnostic message as
//! "additional info".

use std::collections::HashSet;

use anyhow::{Context, Result, ensure};
use ldap3::{Mod, Scope};
use orgdir_testkit::{Options, Output, Server, run};

use crate::cli::{orgdir, orgdir_with_stdin};
use crate::support::{
    ADMIN_DN, ADMIN_PW, BASE, ENGINEERING_GROUP, READER_DN, READER_PW, TOOL_TIMEOUT, ZHANG_DN,
    bind, http_request, own_server, password, read_only_server, same_dn, search_as, search_ok,
    single, tool, values,
};

/// Runs an OpenLDAP write tool bound as `dn` (anonymous when `None`), reading `ldif` (if
/// any) from a file in the server's directory.
fn write_as(
    server: &Server,
    name: &str,
    who: Option<(&str, &str)>,
    ldif: Option<&str>,
    rest: &[&str],
) -> Result<Output> {
    let url = server.ldap_url();
    let mut args = vec!["-x", "-H", url.as_str()];
    if let Some((dn, pw)) = who {
        args.extend_from_slice(&["-D", dn, "-w", pw]);
    }
    let file = server
        .root_dir()
        .join(format!("{name}-{}.ldif", rand_suffix()));
    let file_s = file.to_string_lossy().to_string();
    if let Some(text) = ldif {
        std::fs::write(&file, text).with_context(|| format!("writing {file_s}"))?;
        args.extend_from_slice(&["-f", file_s.as_str()]);
    }
    args.extend_from_slice(rest);
    tool(server, name, &args)
}

/// `ldapmodify` of one entry: `change` is what follows `changetype: modify`.
fn modify_as(server: &Server, who: Option<(&str, &str)>, dn: &str, change: &str) -> Result<Output> {
    let ldif = format!("dn: {dn}\nchangetype: modify\n{change}\n");
    write_as(server, "ldapmodify", who, Some(&ldif), &[])
}

/// A unique file-name suffix within this process.
fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

const ADMIN: Option<(&str, &str)> = Some((ADMIN_DN, ADMIN_PW));

/// Checks that a tool failed with `code` and printed `text` (ldapmodrdn prints its
/// diagnostics on stdout, the others on stderr).
fn refused(out: &Output, code: i32, text: &str) -> Result<()> {
    ensure!(out.code() == Some(code), "expected exit code {code}: {out}");
    ensure!(
        out.stderr.contains(text) || out.stdout.contains(text),
        "expected {text:?} in the diagnostic: {out}"
    );
    Ok(())
}

/// Signs in to the account center as the enterprise administrator and reads the audit
/// log: (action, target, source) of every row, newest first.
fn audit(server: &Server) -> Result<Vec<(String, String, String)>> {
    let (status, head, body) = http_request(
        server.http_addr(),
        "POST",
        "/api/v1/session",
        &[("Content-Type", "application/json")],
        &format!(r#"{{"enterprise":100001,"password":"{ADMIN_PW}"}}"#),
    )?;
    ensure!(status == 200, "sign-in: {status} {body}");
    let cookie = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("set-cookie")
                .then(|| v.trim().split(';').next().unwrap_or_default().to_string())
        })
        .context("no session cookie")?;
    let (status, _, body) = http_request(
        server.http_addr(),
        "GET",
        "/api/v1/audit?limit=1000",
        &[("Cookie", cookie.as_str())],
        "",
    )?;
    ensure!(status == 200, "audit: {status} {body}");
    let json: serde_json::Value = serde_json::from_str(&body).context("audit body")?;
    let rows = json
        .get("entries")
        .and_then(|e| e.as_array())
        .context("no entries")?
        .iter()
        .map(|e| {
            let s = |k: &str| {
                e.get(k)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            (s("action"), s("target"), s("source"))
        })
        .collect();
    Ok(rows)
}

#[tokio::test]
async fn the_administrator_manages_orgs_members_and_groups() -> Result<()> {
    let server = own_server(Options::new())?;
    let research = "ou=Research,ou=Engineering,dc=example,dc=com";
    let ada = "uid=10100,ou=Research,ou=Engineering,dc=example,dc=com";
    write_as(
        &server,
        "ldapadd",
        ADMIN,
        Some(&format!(
            "dn: {research}\nobjectClass: organizationalUnit\nou: Research\n\n\
             dn: {ada}\nobjectClass: inetOrgPerson\nobjectClass: posixAccount\nuid: 10100\n\
             cn: Ada Lovelace\nsn: Lovelace\ngivenName: Ada\nmail: ada@example.com\n\
             title: Analyst\nuserPassword: Analytical-Engine-1\n"
        )),
        &[],
    )?
    .ok()?;
    // Another connection sees it at once, and the new member can bind.
    let found = search_as(
        &server,
        READER_DN,
        READER_PW,
        &["-b", BASE, "(uid=10100)", "*"],
    )?;
    let [entry] = found.as_slice() else {
        anyhow::bail!("expected one entry, got {found:?}");
    };
    ensure!(same_dn(&entry.dn, ada), "{entry:?}");
    ensure!(entry.values("mail") == ["ada@example.com"], "{entry:?}");
    ensure!(entry.values("uidNumber") == ["10100"], "{entry:?}");
    let whoami = |pw: &str| {
        tool(
            &server,
            "ldapwhoami",
            &["-x", "-H", &server.ldap_url(), "-D", "10100", "-w", pw],
        )
    };
    whoami("Analytical-Engine-1")?.ok()?;

    // Modify: mail and title, the password, a group's member list.
    write_as(
        &server,
        "ldapmodify",
        ADMIN,
        Some(&format!(
            "dn: {ada}\nchangetype: modify\nreplace: mail\nmail: ada.lovelace@example.com\n-\n\
             replace: title\ntitle: Principal Analyst\n-\n\
             replace: userPassword\nuserPassword: Difference-Engine-2\n\n\
             dn: {ENGINEERING_GROUP}\nchangetype: modify\nadd: member\nmember: {ada}\n"
        )),
        &[],
    )?
    .ok()?;
    refused(&whoami("Analytical-Engine-1")?, 49, "Invalid credentials")?;
    whoami("Difference-Engine-2")?.ok()?;
    let found = search_as(
        &server,
        READER_DN,
        READER_PW,
        &["-b", BASE, "(uid=10100)", "mail", "title", "memberOf"],
    )?;
    let entry = found.first().context("10100 is gone")?;
    ensure!(
        entry.values("mail") == ["ada.lovelace@example.com"],
        "{entry:?}"
    );
    ensure!(entry.values("title") == ["Principal Analyst"], "{entry:?}");
    ensure!(
        entry
            .values("memberOf")
            .iter()
            .any(|g| same_dn(g, ENGINEERING_GROUP)),
        "{entry:?}"
    );

    // A Keycloak-style replace of several attributes in one Modify.
    let mut ldap = bind(&server, ADMIN_DN, ADMIN_PW).await?;
    let res = ldap
        .modify(
            ada,
            vec![
                Mod::Replace("givenName", HashSet::from(["Augusta Ada"])),
                Mod::Replace("sn", HashSet::from(["King"])),
                Mod::Replace("cn", HashSet::from(["Augusta Ada King"])),
                Mod::Replace("mobile", HashSet::from(["+44 20 7946 0001"])),
            ],
        )
        .await?;
    ensure!(res.rc == 0, "{res:?}");
    let entry = single(
        search_ok(
            &mut ldap,
            BASE,
            Scope::Subtree,
            "(uid=10100)",
            &["cn", "sn", "givenName", "displayName", "mobile"],
        )
        .await?,
    )?;
    ensure!(
        values(&entry, "displayName") == ["Augusta Ada King"],
        "{entry:?}"
    );
    ensure!(values(&entry, "sn") == ["King"], "{entry:?}");

    // ModifyDN: the org is renamed, the member moves; its uid stays.
    write_as(
        &server,
        "ldapmodrdn",
        ADMIN,
        None,
        &["-r", research, "ou=Labs"],
    )?
    .ok()?;
    let ada = "uid=10100,ou=Labs,ou=Engineering,dc=example,dc=com";
    write_as(
        &server,
        "ldapmodrdn",
        ADMIN,
        None,
        &["-r", "-s", "ou=Sales,dc=example,dc=com", ada, "uid=10100"],
    )?
    .ok()?;
    let out = write_as(
        &server,
        "ldapmodrdn",
        ADMIN,
        None,
        &["-r", ZHANG_DN, "uid=zhang"],
    )?;
    refused(
        &out,
        53,
        "the account is the member's identity and cannot be renamed",
    )?;
    let found = search_as(
        &server,
        READER_DN,
        READER_PW,
        &["-b", BASE, "(uid=10100)", "1.1"],
    )?;
    ensure!(
        found.len() == 1 && same_dn(&found[0].dn, "uid=10100,ou=Sales,dc=example,dc=com"),
        "{found:?}"
    );

    // Delete: the member, then its (now empty) old org.
    write_as(
        &server,
        "ldapdelete",
        ADMIN,
        None,
        &[
            "uid=10100,ou=Sales,dc=example,dc=com",
            "ou=Labs,ou=Engineering,dc=example,dc=com",
        ],
    )?
    .ok()?;
    let found = search_as(
        &server,
        READER_DN,
        READER_PW,
        &["-b", BASE, "(|(uid=10100)(ou=Labs))", "1.1"],
    )?;
    ensure!(found.is_empty(), "{found:?}");

    // Every change is in the audit log, with the LDAP client's address and the entry.
    let rows = audit(&server)?;
    let ldap_rows: Vec<&(String, String, String)> = rows
        .iter()
        .filter(|r| r.2.starts_with("ldap 127.0.0.1:"))
        .collect();
    let actions: Vec<&str> = ldap_rows.iter().rev().map(|r| r.0.as_str()).collect();
    ensure!(
        actions
            == [
                "org.create",
                "member.add",
                "batch (2 commands)",
                "group.add_members",
                "member.update",
                "org.rename",
                "member.move",
                "member.delete",
                "org.delete",
            ],
        "{ldap_rows:#?}"
    );
    ensure!(
        ldap_rows.iter().any(|r| r.0 == "member.add"
            && r.1 == "10100"
            && r.2
                .ends_with(" uid=10100,ou=Research,ou=Engineering,dc=example,dc=com")),
        "{ldap_rows:#?}"
    );
    Ok(())
}

#[test]
fn members_read_only_services_and_anonymous_clients_are_refused() -> Result<()> {
    // Refused writes change nothing, so the shared server will do.
    let server = read_only_server()?;
    let zhang_pw = password(10001);
    let li_na = "uid=10002,ou=Engineering,dc=example,dc=com";
    let title = "replace: title\ntitle: Intern";
    let out = modify_as(&server, Some((ZHANG_DN, &zhang_pw)), li_na, title)?;
    refused(&out, 50, "the manage_members permission is required")?;
    let out = modify_as(&server, Some((READER_DN, READER_PW)), li_na, title)?;
    refused(&out, 50, "service account reader is read-only")?;
    let out = write_as(&server, "ldapdelete", None, None, &[li_na])?;
    refused(&out, 50, "anonymous access is not allowed")?;
    let out = write_as(
        &server,
        "ldapadd",
        Some((ZHANG_DN, &zhang_pw)),
        Some("dn: ou=Mine,dc=example,dc=com\nobjectClass: organizationalUnit\n"),
        &[],
    )?;
    refused(&out, 50, "the manage_org_tree permission is required")?;
    // What a member cannot see does not exist for its writes either.
    let out = write_as(
        &server,
        "ldapdelete",
        Some(("10040", &password(10040))),
        None,
        &[ZHANG_DN],
    )?;
    refused(&out, 32, "No such object")?;
    let found = search_as(
        &server,
        READER_DN,
        READER_PW,
        &["-b", li_na, "-s", "base", "(objectClass=*)", "title"],
    )?;
    ensure!(
        found
            .first()
            .is_some_and(|e| e.values("title") == ["IT Manager"]),
        "{found:?}"
    );
    Ok(())
}

#[test]
fn rule_violations_come_back_with_the_rules_text() -> Result<()> {
    let server = own_server(Options::new())?;
    // One ldapadd run: an org, 160 members in it (the ORG-2 limit), then one too many.
    let mut ldif =
        String::from("dn: ou=Crowd,dc=example,dc=com\nobjectClass: organizationalUnit\n\n");
    for n in 11001..=11161 {
        ldif.push_str(&format!(
            "dn: uid={n},ou=Crowd,dc=example,dc=com\nobjectClass: inetOrgPerson\ncn: Member {n}\n\n"
        ));
    }
    let out = write_as(&server, "ldapadd", ADMIN, Some(&ldif), &[])?;
    refused(
        &out,
        11,
        r#"limit max_members_per_org is 160: org "Crowd" already holds 160 members"#,
    )?;
    ensure!(
        out.stdout
            .trim_end()
            .ends_with(r#"adding new entry "uid=11161,ou=Crowd,dc=example,dc=com""#),
        "{out}"
    );
    let found = search_as(
        &server,
        READER_DN,
        READER_PW,
        &[
            "-b",
            "ou=Crowd,dc=example,dc=com",
            "-s",
            "one",
            "(uid=*)",
            "1.1",
        ],
    )?;
    ensure!(found.len() == 160, "{} members in Crowd", found.len());

    // An account outside the enterprise's range.
    let out = write_as(
        &server,
        "ldapadd",
        ADMIN,
        Some(
            "dn: uid=20001,ou=Sales,dc=example,dc=com\nobjectClass: inetOrgPerson\ncn: Out Of Range\n",
        ),
        &[],
    )?;
    refused(
        &out,
        19,
        "20001 is outside the enterprise's account range 10001-19999",
    )?;
    // An org that still holds members.
    let out = write_as(
        &server,
        "ldapdelete",
        ADMIN,
        None,
        &["ou=Crowd,dc=example,dc=com"],
    )?;
    refused(
        &out,
        66,
        r#"org "Crowd" still has 0 child org(s) and 160 member(s)"#,
    )?;
    // An attribute orgdir does not know, and one it maintains itself.
    let out = modify_as(
        &server,
        ADMIN,
        ZHANG_DN,
        "replace: favouriteDrink\nfavouriteDrink: tea",
    )?;
    refused(
        &out,
        17,
        "favouriteDrink: no such attribute type in orgdir's schema",
    )?;
    let out = modify_as(
        &server,
        ADMIN,
        ZHANG_DN,
        "replace: entryUUID\nentryUUID: 00000000-0000-4000-8000-000000000000",
    )?;
    refused(&out, 19, "entryUUID: no user modification allowed")?;
    Ok(())
}

#[test]
fn a_writing_service_account_provisions_but_never_grants_roles() -> Result<()> {
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    let data_s = data.to_string_lossy().to_string();
    let mut init = orgdir(&[
        "init",
        "--data-dir",
        &data_s,
        "--number",
        "100003",
        "--short-name",
        "Prov",
        "--naming-context",
        "dc=prov,dc=test",
        "--account-range",
        "30001-39999",
    ]);
    init.env("ORGDIR_SUPER_PASSWORD", "Prov-Super-1");
    run(&mut init, TOOL_TIMEOUT)?.ok()?;
    for (name, extra) in [("keycloak", Some("--write")), ("addressbook", None)] {
        let mut args = vec![
            "add-service",
            "--data-dir",
            &data_s,
            "--enterprise",
            "100003",
            "--name",
            name,
        ];
        args.extend(extra);
        let out = orgdir_with_stdin(&args, "Service-Passw0rd-1\n")?;
        ensure!(
            out.status.success(),
            "add-service: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let said = String::from_utf8_lossy(&out.stdout).to_string();
        let kind = if extra.is_some() {
            "a writing"
        } else {
            "a read-only"
        };
        ensure!(said.contains(kind), "{said}");
    }
    let server = own_server(Options::new().demo(false).data_dir(&data))?;
    let keycloak = Some((
        "cn=keycloak,cn=services,dc=prov,dc=test",
        "Service-Passw0rd-1",
    ));
    let people = "dn: ou=People,dc=prov,dc=test\nobjectClass: organizationalUnit\n\n\
                  dn: uid=30001,ou=People,dc=prov,dc=test\nobjectClass: inetOrgPerson\n\
                  objectClass: organizationalPerson\nobjectClass: person\nobjectClass: top\n\
                  uid: 30001\ncn: Kim Lee\nsn: Lee\nmail: kim@prov.test\n";
    write_as(&server, "ldapadd", keycloak, Some(people), &[])?.ok()?;
    let kim = "uid=30001,ou=People,dc=prov,dc=test";
    let out = modify_as(
        &server,
        keycloak,
        kim,
        "replace: orgdirRole\norgdirRole: system-admin",
    )?;
    refused(&out, 50, "the manage_roles permission is required")?;
    let addressbook = Some((
        "cn=addressbook,cn=services,dc=prov,dc=test",
        "Service-Passw0rd-1",
    ));
    let out = modify_as(
        &server,
        addressbook,
        kim,
        "replace: mail\nmail: x@prov.test",
    )?;
    refused(&out, 50, "service account addressbook is read-only")?;
    let found = search_as(
        &server,
        "cn=admin,dc=prov,dc=test",
        "Prov-Super-1",
        &["-b", "dc=prov,dc=test", "(uid=30001)", "mail", "orgdirRole"],
    )?;
    ensure!(
        found.len() == 1
            && found[0].values("mail") == ["kim@prov.test"]
            && found[0].values("orgdirRole") == ["member"],
        "{found:?}"
    );
    Ok(())
}
