//! The OpenLDAP command-line clients (Debian `ldap-utils`) against a real server: what the
//! README tells administrators to type must work exactly as shown.
//!
//! Every tool runs without `ldap.conf`/`~/.ldaprc` (see `Server::openldap_env`), trusting
//! only the test server's CA with `LDAPTLS_REQCERT=demand`. ldapsearch, ldapwhoami and
//! ldapcompare exit with the LDAP result code; ldappasswd exits 1 on any failure and prints
//! the code.

use std::collections::BTreeMap;
use std::process::Command;

use anyhow::{Result, ensure};
use orgdir_testkit::{Options, Output, Server, ldif};

use crate::support::{
    ADMIN_DN, ADMIN_PW, BASE, ENGINEERING_GROUP, MEMBERS, READER_DN, READER_PW, TOOL_TIMEOUT,
    ZHANG_DN, own_server, password, read_only_server, same_dn, search_as, tool,
};

/// Checks the README's flagship search over `url` (with extra options such as `-ZZ`).
fn flagship(server: &Server, url: &str, extra: &[&str]) -> Result<()> {
    let mut args = vec!["-x"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&[
        "-H",
        url,
        "-D",
        READER_DN,
        "-w",
        READER_PW,
        "-b",
        BASE,
        "(uid=10001)",
    ]);
    let out = tool(server, "ldapsearch", &args)?.ok()?;
    let entries = ldif::parse(&out.stdout)?;
    let [zhang] = entries.as_slice() else {
        anyhow::bail!("expected one entry, got {}: {out}", entries.len());
    };
    ensure!(zhang.dn == ZHANG_DN, "dn {:?}\n{out}", zhang.dn);
    ensure!(zhang.values("cn") == ["Zhang Wei"], "cn\n{out}");
    ensure!(
        zhang.values("mail") == ["zhang.wei@example.com"],
        "mail\n{out}"
    );
    ensure!(
        zhang
            .values("memberOf")
            .iter()
            .any(|g| same_dn(g, ENGINEERING_GROUP)),
        "memberOf lacks engineering\n{out}"
    );
    ensure!(!zhang.has("userPassword"), "userPassword returned\n{out}");
    Ok(())
}

#[test]
fn flagship_search_over_plain_ldap() -> Result<()> {
    let server = read_only_server()?;
    flagship(&server, &server.ldap_url(), &[])
}

#[test]
fn flagship_search_over_starttls() -> Result<()> {
    let server = read_only_server()?;
    flagship(&server, &server.ldap_url(), &["-ZZ"])
}

#[test]
fn flagship_search_over_ldaps() -> Result<()> {
    let server = read_only_server()?;
    flagship(&server, &server.ldaps_url(), &[])
}

#[test]
fn tls_with_an_untrusted_ca_is_refused_by_the_client() -> Result<()> {
    let server = read_only_server()?;
    // Another server's demo CA did not sign this server's certificate.
    let other = own_server(Options::new())?;
    for (url, starttls) in [(server.ldap_url(), true), (server.ldaps_url(), false)] {
        let mut cmd = Command::new("ldapsearch");
        // The environment for `other`, used against `server`.
        cmd.envs(other.openldap_env())
            .env_remove("LDAPNOINIT")
            .current_dir(other.root_dir())
            .args(if starttls {
                ["-x", "-ZZ"].as_slice()
            } else {
                ["-x"].as_slice()
            })
            .args(["-LLL", "-H", &url, "-D", READER_DN])
            .args(["-w", READER_PW, "-b", BASE, "(uid=10001)"]);
        let out = orgdir_testkit::run(&mut cmd, TOOL_TIMEOUT)?;
        ensure!(!out.success(), "TLS with the wrong CA succeeded: {out}");
        ensure!(!out.stdout.contains("dn:"), "entries leaked: {out}");
    }
    Ok(())
}

#[test]
fn whoami_by_dn_account_and_enterprise_account() -> Result<()> {
    let server = read_only_server()?;
    let pw = password(10001);
    let expected = format!("dn:{ZHANG_DN}");
    for (url, name) in [
        (server.ldap_url(), ZHANG_DN),
        (server.ldap_url(), "10001"),
        (server.ldap_url(), "10001@100001"),
        (server.ldaps_url(), "10001"),
    ] {
        let out = tool(
            &server,
            "ldapwhoami",
            &["-x", "-H", &url, "-D", name, "-w", &pw],
        )?
        .ok()?;
        ensure!(out.stdout.trim() == expected, "bind name {name:?}: {out}");
    }
    Ok(())
}

#[test]
fn whoami_anonymous() -> Result<()> {
    let server = read_only_server()?;
    let out = tool(&server, "ldapwhoami", &["-x", "-H", &server.ldap_url()])?.ok()?;
    ensure!(out.stdout.trim() == "anonymous", "{out}");
    Ok(())
}

/// `ldapwhoami` as `name`; returns the tool's output whatever the exit code.
fn whoami(server: &Server, name: &str, pw: &str) -> Result<Output> {
    tool(
        server,
        "ldapwhoami",
        &["-x", "-H", &server.ldap_url(), "-D", name, "-w", pw],
    )
}

#[test]
fn passwd_member_changes_own_password() -> Result<()> {
    let server = own_server(Options::new())?;
    let old = password(10001);
    let new = "Changed-Passw0rd-10001";
    let url = server.ldap_url();
    tool(
        &server,
        "ldappasswd",
        &[
            "-x", "-H", &url, "-D", ZHANG_DN, "-w", &old, "-a", &old, "-s", new,
        ],
    )?
    .ok()?;
    for name in [ZHANG_DN, "10001"] {
        let out = whoami(&server, name, new)?.ok()?;
        ensure!(out.stdout.trim() == format!("dn:{ZHANG_DN}"), "{out}");
        let out = whoami(&server, name, &old)?;
        ensure!(out.code() == Some(49), "old password still works: {out}");
    }
    Ok(())
}

/// The DN of member `account`, looked up by the reader.
fn dn_of(server: &Server, account: u32) -> Result<String> {
    let filter = format!("(uid={account})");
    let entries = search_as(server, READER_DN, READER_PW, &["-b", BASE, &filter, "1.1"])?;
    let [entry] = entries.as_slice() else {
        anyhow::bail!("{filter} found {} entries", entries.len());
    };
    Ok(entry.dn.clone())
}

#[test]
fn passwd_admin_resets_a_members_password() -> Result<()> {
    let server = own_server(Options::new())?;
    let dn = dn_of(&server, 10003)?;
    let new = "Reset-Passw0rd-10003";
    let url = server.ldap_url();
    tool(
        &server,
        "ldappasswd",
        &[
            "-x", "-H", &url, "-D", ADMIN_DN, "-w", ADMIN_PW, "-s", new, &dn,
        ],
    )?
    .ok()?;
    let out = whoami(&server, "10003", new)?.ok()?;
    ensure!(out.stdout.trim() == format!("dn:{dn}"), "{out}");
    let out = whoami(&server, "10003", &password(10003))?;
    ensure!(out.code() == Some(49), "old password still works: {out}");
    Ok(())
}

#[test]
fn passwd_member_cannot_reset_another_members_password() -> Result<()> {
    let server = read_only_server()?;
    let dn = dn_of(&server, 10003)?;
    let url = server.ldap_url();
    let pw = password(10001);
    let out = tool(
        &server,
        "ldappasswd",
        &[
            "-x",
            "-H",
            &url,
            "-D",
            ZHANG_DN,
            "-w",
            &pw,
            "-s",
            "Hijack-1234",
            &dn,
        ],
    )?;
    // ldappasswd exits 1 on every failure; the result code is in its output.
    ensure!(
        !out.success() && out.stdout.contains("(50)"),
        "expected insufficientAccessRights: {out}"
    );
    // Nothing changed.
    whoami(&server, "10003", &password(10003))?.ok()?;
    ensure!(!whoami(&server, "10003", "Hijack-1234")?.success());
    Ok(())
}

#[test]
fn compare_true_and_false() -> Result<()> {
    let server = read_only_server()?;
    let url = server.ldap_url();
    let compare = |assertion: &str| {
        tool(
            &server,
            "ldapcompare",
            &[
                "-x", "-H", &url, "-D", READER_DN, "-w", READER_PW, ZHANG_DN, assertion,
            ],
        )
    };
    let out = compare("cn:Zhang Wei")?;
    ensure!(out.code() == Some(6), "expected compareTrue: {out}");
    ensure!(out.stdout.trim() == "TRUE", "{out}");
    let out = compare("cn:Nobody Here")?;
    ensure!(out.code() == Some(5), "expected compareFalse: {out}");
    ensure!(out.stdout.trim() == "FALSE", "{out}");
    // Attribute names and the values of case-insensitive attributes match case-insensitively.
    let out = compare("MAIL:Zhang.Wei@Example.COM")?;
    ensure!(out.code() == Some(6), "expected compareTrue: {out}");
    Ok(())
}

#[test]
fn paged_search_returns_every_member_exactly_once() -> Result<()> {
    let server = read_only_server()?;
    let entries = search_as(
        &server,
        READER_DN,
        READER_PW,
        &[
            "-E",
            "pr=7/noprompt",
            "-b",
            BASE,
            "(objectClass=inetOrgPerson)",
            "uid",
        ],
    )?;
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for entry in &entries {
        *seen
            .entry(entry.first("uid").unwrap_or("").to_owned())
            .or_default() += 1;
    }
    let expected: BTreeMap<String, usize> =
        (10001..=10050).map(|n: u32| (n.to_string(), 1)).collect();
    ensure!(
        seen == expected,
        "uids seen (with counts) differ from 10001..=10050 once each: {seen:?}"
    );
    ensure!(entries.len() == MEMBERS);
    Ok(())
}

#[test]
fn size_limit_returns_code_4_with_that_many_entries() -> Result<()> {
    let server = read_only_server()?;
    let url = server.ldap_url();
    let out = tool(
        &server,
        "ldapsearch",
        &[
            "-x",
            "-LLL",
            "-H",
            &url,
            "-D",
            READER_DN,
            "-w",
            READER_PW,
            "-z",
            "5",
            "-b",
            BASE,
            "(objectClass=inetOrgPerson)",
            "1.1",
        ],
    )?;
    ensure!(out.code() == Some(4), "expected sizeLimitExceeded: {out}");
    ensure!(ldif::parse(&out.stdout)?.len() == 5, "{out}");
    Ok(())
}

#[test]
fn root_dse_is_readable_anonymously() -> Result<()> {
    let server = read_only_server()?;
    let url = server.ldap_url();
    let out = tool(
        &server,
        "ldapsearch",
        &[
            "-x",
            "-LLL",
            "-o",
            "ldif-wrap=no",
            "-H",
            &url,
            "-b",
            "",
            "-s",
            "base",
            "(objectClass=*)",
            "+",
        ],
    )?
    .ok()?;
    let entries = ldif::parse(&out.stdout)?;
    let [dse] = entries.as_slice() else {
        anyhow::bail!("expected the RootDSE only: {out}");
    };
    ensure!(dse.dn.is_empty(), "{out}");
    ensure!(
        dse.values("namingContexts")
            .iter()
            .any(|nc| same_dn(nc, BASE)),
        "namingContexts: {out}"
    );
    ensure!(dse.values("supportedLDAPVersion").contains(&"3"), "{out}");
    for oid in [
        "1.3.6.1.4.1.4203.1.11.1", // Password Modify
        "1.3.6.1.4.1.4203.1.11.3", // Who am I?
        "1.3.6.1.4.1.1466.20037",  // StartTLS
    ] {
        ensure!(
            dse.values("supportedExtension").contains(&oid),
            "supportedExtension lacks {oid}: {out}"
        );
    }
    ensure!(
        dse.values("supportedControl")
            .contains(&"1.2.840.113556.1.4.319"),
        "supportedControl lacks paged results: {out}"
    );
    ensure!(
        dse.first("vendorName")
            .is_some_and(|v| !v.trim().is_empty()),
        "vendorName: {out}"
    );
    Ok(())
}

#[test]
fn anonymous_search_of_the_directory_is_refused() -> Result<()> {
    let server = read_only_server()?;
    let url = server.ldap_url();
    for filter in ["(uid=10001)", "(objectClass=*)"] {
        let out = tool(
            &server,
            "ldapsearch",
            &["-x", "-LLL", "-H", &url, "-b", BASE, filter],
        )?;
        ensure!(!out.success(), "anonymous search succeeded: {out}");
        ensure!(
            ldif::parse(&out.stdout)?.is_empty(),
            "entries returned: {out}"
        );
    }
    Ok(())
}

#[test]
fn user_password_is_never_returned() -> Result<()> {
    let server = read_only_server()?;
    let zhang_pw = password(10001);
    let cases: [(&str, &str, &[&str]); 5] = [
        (READER_DN, READER_PW, &["(uid=10001)", "userPassword"]),
        (READER_DN, READER_PW, &["(objectClass=inetOrgPerson)", "*"]),
        (
            READER_DN,
            READER_PW,
            &["(uid=10001)", "*", "+", "userPassword"],
        ),
        (
            ADMIN_DN,
            ADMIN_PW,
            &["(uid=10001)", "*", "+", "userPassword"],
        ),
        (
            ZHANG_DN,
            zhang_pw.as_str(),
            &["(uid=10001)", "userPassword", "*"],
        ),
    ];
    for (dn, pw, rest) in cases {
        let mut args = vec!["-b", BASE];
        args.extend_from_slice(rest);
        let entries = search_as(&server, dn, pw, &args)?;
        ensure!(!entries.is_empty(), "{dn} {rest:?}: no entries");
        for entry in &entries {
            ensure!(
                !entry.has("userPassword"),
                "{dn} {rest:?}: userPassword of {} returned",
                entry.dn
            );
            ensure!(
                !entry
                    .attr_names()
                    .iter()
                    .any(|a| a.starts_with("userpassword") || a.contains("authpassword")),
                "{dn} {rest:?}: a password attribute of {} returned",
                entry.dn
            );
        }
    }
    Ok(())
}

/// ENT-4 over LDAP: a member created while the enterprise has an initial password binds
/// with it but can do nothing else until `ldappasswd` changes it; then it reads as usual.
#[test]
fn an_initial_password_must_be_changed_with_ldappasswd_first() -> Result<()> {
    let server = crate::support::own_server(Options::new())?;
    let addr = server.http_addr();
    let json = [("Content-Type", "application/json")];
    let (status, _, body) = crate::support::http_request(
        addr,
        "POST",
        "/api/v1/session",
        &json,
        r#"{"enterprise":100001,"password":"Admin-Passw0rd-1"}"#,
    )?;
    ensure!(status == 200, "{status} {body}");
    let token: serde_json::Value = serde_json::from_str(&body)?;
    let auth = format!("Bearer {}", token["token"].as_str().unwrap_or_default());
    let headers = [
        ("Content-Type", "application/json"),
        ("Authorization", auth.as_str()),
    ];
    let call = |method: &str, path: &str, body: &str| {
        crate::support::http_request(addr, method, path, &headers, body)
    };
    let (status, _, body) = call(
        "PUT",
        "/api/v1/enterprise/initial-password",
        r#"{"password":"Welcome-2026-a"}"#,
    )?;
    ensure!(status == 204, "{status} {body}");
    let (_, _, orgs) = call("GET", "/api/v1/orgs", "")?;
    let orgs: serde_json::Value = serde_json::from_str(&orgs)?;
    let support = orgs
        .as_array()
        .and_then(|a| a.iter().find(|o| o["name"] == "Support"))
        .and_then(|o| o["id"].as_u64())
        .unwrap_or_default();
    let (_, _, roles) = call("GET", "/api/v1/roles", "")?;
    let roles: serde_json::Value = serde_json::from_str(&roles)?;
    let member_role = roles
        .as_array()
        .and_then(|a| a.iter().find(|r| r["builtin"] == "member"))
        .and_then(|r| r["id"].as_u64())
        .unwrap_or_default();
    let (status, _, body) = call(
        "POST",
        "/api/v1/members",
        &format!(
            r#"{{"account":"10300","org":{support},"name":"New Comer","role":{member_role}}}"#
        ),
    )?;
    ensure!(status == 201, "{status} {body}");

    let url = server.ldap_url();
    let dn = format!("uid=10300,ou=Support,{BASE}");
    let who = tool(
        &server,
        "ldapwhoami",
        &["-x", "-H", &url, "-D", &dn, "-w", "Welcome-2026-a"],
    )?;
    ensure!(who.success(), "the initial password binds:\n{who}");
    let search = tool(
        &server,
        "ldapsearch",
        &[
            "-x",
            "-H",
            &url,
            "-D",
            &dn,
            "-w",
            "Welcome-2026-a",
            "-b",
            BASE,
            "(uid=10001)",
            "cn",
        ],
    )?;
    ensure!(
        search.code() == Some(53)
            && format!("{}{}", search.stdout, search.stderr).contains("must be changed"),
        "a search before the change: expected unwillingToPerform (53)\n{search}"
    );
    let change = tool(
        &server,
        "ldappasswd",
        &[
            "-x",
            "-H",
            &url,
            "-D",
            &dn,
            "-w",
            "Welcome-2026-a",
            "-a",
            "Welcome-2026-a",
            "-s",
            "My-Own-Passw0rd-7",
        ],
    )?;
    ensure!(change.success(), "ldappasswd:\n{change}");
    let search = tool(
        &server,
        "ldapsearch",
        &[
            "-x",
            "-LLL",
            "-H",
            &url,
            "-D",
            &dn,
            "-w",
            "My-Own-Passw0rd-7",
            "-b",
            BASE,
            "(uid=10001)",
            "cn",
        ],
    )?;
    ensure!(
        search.success() && search.stdout.contains("cn: Zhang Wei"),
        "after the change the member reads:\n{search}"
    );
    Ok(())
}
