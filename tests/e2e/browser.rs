//! The admin panel in a real browser (headless Debian chromium driven by `playwright-core`
//! from the scripts in `admin-web/e2e/`), then the result checked over LDAP with the OpenLDAP
//! clients: what the panel changes is what LDAP clients see.
//!
//! chromium (`/usr/bin/chromium`, or `$ORGDIR_CHROMIUM`), node and `playwright-core` (in
//! `admin-web/e2e/node_modules`) are installed by `scripts/install-test-deps.sh`; when they
//! are missing the test fails and says so. Screenshots are taken in a temporary directory,
//! kept when the test fails, and copied to `$ORGDIR_BROWSER_ARTIFACTS` when that is set.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, Result, bail, ensure};
use orgdir_testkit::{Options, Server};

use crate::support::{
    BASE, READER_DN, READER_PW, TOOL_TIMEOUT, ZHANG_DN, own_server, password, search_as, tool,
};

/// The repository root (the `orgdir` package lives in `server/daemon`).
fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const INSTALL_HINT: &str = "run scripts/install-test-deps.sh (apt-get install chromium; \
                            cd admin-web/e2e && npm ci)";

/// Where the browser test's tools are, or a clear failure.
fn browser_tools() -> Result<(PathBuf, PathBuf)> {
    let chromium = std::env::var_os("ORGDIR_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    ensure!(
        chromium.is_file(),
        "chromium not found at {} — {INSTALL_HINT}",
        chromium.display()
    );
    let e2e = repo_root().join("admin-web/e2e");
    ensure!(
        e2e.join("node_modules/playwright-core/package.json")
            .is_file(),
        "playwright-core is not installed in {} — {INSTALL_HINT}",
        e2e.display()
    );
    let node = Command::new("node").arg("--version").output();
    ensure!(
        node.as_ref().is_ok_and(|o| o.status.success()),
        "node is not runnable ({node:?}) — {INSTALL_HINT}"
    );
    Ok((chromium, e2e))
}

fn is_png(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|b| b.starts_with(b"\x89PNG\r\n\x1a\n"))
}

/// Runs the browser script `admin-web/e2e/<name>.spec.mjs` against `server` and returns the
/// JSON line it prints on success. Its screenshot `<name>.png` must exist; it is copied to
/// `$ORGDIR_BROWSER_ARTIFACTS` when that is set.
fn run_spec(name: &str, server: &Server) -> Result<serde_json::Value> {
    let (chromium, e2e) = browser_tools()?;
    let base_url = format!("http://{}", server.http_addr());
    let tmp = tempfile::Builder::new()
        .prefix("orgdir-browser-")
        .tempdir()?;
    let shot = tmp.path().join(format!("{name}.png"));

    let mut cmd = Command::new("node");
    cmd.current_dir(&e2e)
        .arg(format!("{name}.spec.mjs"))
        .arg(&base_url)
        .arg(&shot)
        .env("ORGDIR_CHROMIUM", &chromium)
        .env("HOME", tmp.path())
        .env_remove("PLAYWRIGHT_BROWSERS_PATH");
    let out = orgdir_testkit::run(&mut cmd, 2 * TOOL_TIMEOUT)?;
    if !out.success() {
        let kept = tmp.keep();
        bail!(
            "the browser test {name} failed (screenshot, if any, in {}):\n{out}\n--- server log ---\n{}",
            kept.display(),
            server.logs()
        );
    }
    ensure!(is_png(&shot), "no screenshot at {}\n{out}", shot.display());
    // CI can keep the screenshot as an artifact.
    if let Some(dir) = std::env::var_os("ORGDIR_BROWSER_ARTIFACTS") {
        std::fs::create_dir_all(&dir)?;
        std::fs::copy(&shot, Path::new(&dir).join(format!("{name}.png")))?;
    }
    out.stdout
        .lines()
        .find_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .with_context(|| format!("{name}: no result reported\n{out}"))
}

#[test]
fn panel_adds_hides_and_disables_a_member_seen_over_ldap() -> Result<()> {
    let server = own_server(Options::new())?;
    let report = run_spec("panel", &server)?;
    let account = report
        .get("account")
        .and_then(|a| a.as_str())
        .with_context(|| format!("no account reported: {report}"))?;
    let legal = format!("ou=Legal,{BASE}");
    let dn = format!("uid={account},{legal}");

    // The reader service sees the new member under ou=Legal, locked (disabled).
    let entries = search_as(
        &server,
        READER_DN,
        READER_PW,
        &[
            "-b",
            &legal,
            "(cn=Test Person)",
            "cn",
            "mail",
            "uid",
            "pwdAccountLockedTime",
        ],
    )?;
    let [person] = entries.as_slice() else {
        bail!("reader: expected one Test Person under {legal}, got {entries:?}");
    };
    ensure!(
        person.dn.eq_ignore_ascii_case(&dn),
        "dn {:?} != {dn:?}",
        person.dn
    );
    ensure!(
        person.values("mail") == ["test.person@example.com"],
        "{person:?}"
    );
    ensure!(person.has("pwdAccountLockedTime"), "not locked: {person:?}");

    // An ordinary member sees ou=Legal but not the hidden member in it.
    let zhang_pw = password(10001);
    let org = search_as(
        &server,
        ZHANG_DN,
        &zhang_pw,
        &["-b", &legal, "-s", "base", "(objectClass=*)", "ou"],
    )?;
    ensure!(org.len() == 1, "10001 should see {legal}: {org:?}");
    let seen = search_as(
        &server,
        ZHANG_DN,
        &zhang_pw,
        &[
            "-b",
            BASE,
            "(|(cn=Test Person)(mail=test.person@example.com))",
            "cn",
        ],
    )?;
    ensure!(seen.is_empty(), "10001 sees the hidden member: {seen:?}");

    // The disabled member cannot bind, even with the right password.
    let url = server.ldap_url();
    let bind = tool(
        &server,
        "ldapwhoami",
        &["-x", "-H", &url, "-D", &dn, "-w", "Test-Person-Passw0rd-1"],
    )?;
    ensure!(
        bind.code() == Some(49),
        "bind as the disabled member: expected invalidCredentials (49)\n{bind}"
    );
    Ok(())
}

/// ROLE-2, ROLE-4, LOGIN-2: a custom role created and given in the browser, seen in the
/// audit log, opening member management to its holder; LDAP clients see the new role.
#[test]
fn panel_creates_a_role_and_gives_it_to_a_member() -> Result<()> {
    let server = own_server(Options::new())?;
    let report = run_spec("roles", &server)?;
    let role = report
        .get("role")
        .and_then(|r| r.as_u64())
        .with_context(|| format!("no role reported: {report}"))?;
    let entries = search_as(
        &server,
        READER_DN,
        READER_PW,
        &["-b", BASE, "(uid=10005)", "memberOf"],
    )?;
    let [member] = entries.as_slice() else {
        bail!("reader: expected 10005 once, got {entries:?}");
    };
    let want = format!("cn=role-{role},cn=roles,{BASE}");
    ensure!(
        member
            .values("memberOf")
            .iter()
            .any(|v| v.eq_ignore_ascii_case(&want)),
        "10005 is not in {want}: {member:?}"
    );
    Ok(())
}

/// ORG-1, ORG-7, ORG-8 in the browser: an edit on the member page, an org renamed, two members
/// found, moved and given new passwords in one go; LDAP clients see all of it.
#[test]
fn panel_edits_renames_moves_and_resets_seen_over_ldap() -> Result<()> {
    let server = own_server(Options::new())?;
    let report = run_spec("members", &server)?;
    let moved: Vec<String> = report
        .get("moved")
        .and_then(|m| m.as_array())
        .with_context(|| format!("no moved members reported: {report}"))?
        .iter()
        .filter_map(|a| a.as_str().map(str::to_string))
        .collect();
    ensure!(moved.len() == 2, "{report}");

    let title = search_as(
        &server,
        READER_DN,
        READER_PW,
        &["-b", BASE, "(uid=10008)", "title", "mobile"],
    )?;
    let [zhao] = title.as_slice() else {
        bail!("expected 10008 once: {title:?}");
    };
    ensure!(zhao.values("title") == ["Team Lead"], "{zhao:?}");
    ensure!(zhao.values("mobile") == ["+86 138 0000 0008"], "{zhao:?}");

    // The renamed org is the new RDN; nothing is left under the old one.
    let north = search_as(
        &server,
        READER_DN,
        READER_PW,
        &["-b", BASE, "(ou=North China)", "ou"],
    )?;
    ensure!(north.len() == 1, "ou=North China: {north:?}");
    let old = search_as(
        &server,
        READER_DN,
        READER_PW,
        &["-b", BASE, "(ou=North)", "ou"],
    )?;
    ensure!(old.is_empty(), "ou=North still there: {old:?}");

    // The moved members live under ou=Support and bind with their new password.
    let support = format!("ou=Support,{BASE}");
    for account in &moved {
        let dn = format!("uid={account},{support}");
        let found = search_as(
            &server,
            READER_DN,
            READER_PW,
            &[
                "-b",
                &support,
                "-s",
                "one",
                &format!("(uid={account})"),
                "uid",
            ],
        )?;
        ensure!(found.len() == 1, "{account} not under {support}: {found:?}");
        let url = server.ldap_url();
        let who = tool(
            &server,
            "ldapwhoami",
            &["-x", "-H", &url, "-D", &dn, "-w", "Fresh-Passw0rd-9"],
        )?;
        ensure!(
            who.success(),
            "{account} cannot bind with the reset password:\n{who}"
        );
    }
    Ok(())
}

/// ENT-1 in the browser: a profile change waits, is rejected with a reason, resubmitted and
/// approved by the operator (added with `orgdir operator add`); then LDAP clients see the new
/// short name on the naming-context entry.
#[test]
fn panel_profile_changes_go_live_only_when_the_operator_approves() -> Result<()> {
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    let data_s = data.to_string_lossy().to_string();
    let out = crate::cli::orgdir_with_stdin(
        &[
            "operator",
            "add",
            "ops",
            "--password-stdin",
            "--data-dir",
            &data_s,
        ],
        "Operator-Passw0rd-1\n",
    )?;
    ensure!(out.status.success(), "{out:?}");
    let server = own_server(Options::new().data_dir(&data))?;
    let before = search_as(
        &server,
        READER_DN,
        READER_PW,
        &["-b", BASE, "-s", "base", "(objectClass=*)", "o"],
    )?;
    ensure!(
        before.first().is_some_and(|e| e.values("o") == ["Example"]),
        "{before:?}"
    );
    let report = run_spec("account", &server)?;
    let short = report
        .get("short_name")
        .and_then(|s| s.as_str())
        .with_context(|| format!("no short name reported: {report}"))?;
    let after = search_as(
        &server,
        READER_DN,
        READER_PW,
        &["-b", BASE, "-s", "base", "(objectClass=*)", "o"],
    )?;
    ensure!(
        after.first().is_some_and(|e| e.values("o") == [short]),
        "the approved short name is not the root's o: {after:?}"
    );
    Ok(())
}

/// IMP-1..4 in the browser: the template, an all-or-nothing upload refused with its error
/// file, a good upload stored, a subtree exported as CSV; LDAP clients see the imported
/// member and nothing of the refused row.
#[test]
fn panel_imports_and_exports_spreadsheets_seen_over_ldap() -> Result<()> {
    let server = own_server(Options::new())?;
    let report = run_spec("import", &server)?;
    let account = report
        .get("account")
        .and_then(|a| a.as_str())
        .with_context(|| format!("no account reported: {report}"))?;
    let exported = report
        .get("exported")
        .and_then(|e| e.as_array())
        .with_context(|| format!("no exported accounts reported: {report}"))?;
    ensure!(!exported.is_empty(), "{report}");

    let legal = format!("ou=Legal,{BASE}");
    let entries = search_as(
        &server,
        READER_DN,
        READER_PW,
        &["-b", &legal, "(uid=*)", "uid", "cn", "mail", "title"],
    )?;
    let [member] = entries.as_slice() else {
        bail!("reader: expected only {account} under {legal}, got {entries:?}");
    };
    ensure!(
        member
            .dn
            .eq_ignore_ascii_case(&format!("uid={account},{legal}")),
        "{member:?}"
    );
    ensure!(member.values("cn") == ["Wu Ming"], "{member:?}");
    ensure!(
        member.values("mail") == ["wu.ming@example.com"],
        "{member:?}"
    );
    ensure!(member.values("title") == ["Counsel"], "{member:?}");

    // What the export listed is what LDAP holds under ou=Sales.
    let sales = search_as(
        &server,
        READER_DN,
        READER_PW,
        &["-b", &format!("ou=Sales,{BASE}"), "(uid=*)", "uid"],
    )?;
    let mut in_ldap: Vec<String> = sales
        .iter()
        .flat_map(|e| e.values("uid"))
        .map(str::to_string)
        .collect();
    let mut in_file: Vec<String> = exported
        .iter()
        .filter_map(|a| a.as_str().map(str::to_string))
        .collect();
    in_ldap.sort();
    in_file.sort();
    ensure!(in_ldap == in_file, "LDAP {in_ldap:?} != export {in_file:?}");
    Ok(())
}

/// ATT-2, ATT-3, ATT-5 in the browser (a server running the attendance plugin): turned on on
/// the Plugins page, rules saved on the rules form (a bad time zone refused first), the daily
/// report with its date form and a count followed to its rows, in both languages. Then over
/// the API: the rules are what the form saved, and a member's clock-in is refused until the
/// first counted day the report named, which is also the member's schedule's.
#[test]
fn panel_turns_attendance_on_sets_rules_and_reads_the_daily_report() -> Result<()> {
    let server = own_server(Options::new().env("ORGDIR_PLUGINS_ENABLED", "attendance"))?;
    let report = run_spec("attendance", &server)?;
    let field = |k: &str| {
        report
            .get(k)
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .with_context(|| format!("no {k} reported: {report}"))
    };
    let (first_day, saved_from) = (field("first_day")?, field("saved_from")?);

    let addr = server.http_addr();
    let token = |account: Option<String>, pw: &str| -> Result<String> {
        let body = serde_json::json!({"enterprise": 100001, "account": account, "password": pw});
        let (status, _, body) = crate::support::http_request(
            addr,
            "POST",
            "/api/v1/session",
            &[("Content-Type", "application/json")],
            &body.to_string(),
        )?;
        ensure!(status == 200, "sign-in: {status} {body}");
        let v: serde_json::Value = serde_json::from_str(&body)?;
        v["token"]
            .as_str()
            .map(str::to_string)
            .context("no session token")
    };
    let call = |token: &str, method: &str, path: &str, body: &str| {
        let auth = format!("Bearer {token}");
        let (status, _, body) = crate::support::http_request(
            addr,
            method,
            &format!("/api/v1/p/attendance{path}"),
            &[
                ("Authorization", &auth),
                ("Content-Type", "application/json"),
            ],
            body,
        )?;
        let v: serde_json::Value = serde_json::from_str(&body)
            .with_context(|| format!("{method} {path}: {status} {body}"))?;
        Ok::<_, anyhow::Error>((status, v))
    };

    let admin = token(None, "Admin-Passw0rd-1")?;
    let (status, rules) = call(&admin, "GET", "/rules", "")?;
    ensure!(status == 200, "{status} {rules}");
    ensure!(rules["rules"]["time_zone"] == "Asia/Shanghai", "{rules}");
    ensure!(rules["rules"]["grace_minutes"] == 5, "{rules}");
    ensure!(
        rules["rules"]["special_holiday_dates"] == serde_json::json!(["2030-10-01", "2030-10-02"]),
        "{rules}"
    );
    ensure!(rules["effective_from"] == saved_from.as_str(), "{rules}");
    ensure!(
        rules["history"][0]["changed_by"] == "administrator",
        "{rules}"
    );

    let member = token(Some("10001".into()), &password(10001))?;
    let (status, refused) = call(&member, "POST", "/clock", r#"{"kind":"in"}"#)?;
    ensure!(
        status == 409,
        "clock-in before the first counted day: {status} {refused}"
    );
    ensure!(
        refused["detail"]
            .as_str()
            .is_some_and(|d| d.contains(&first_day)),
        "{refused}"
    );
    let (status, schedule) = call(&member, "GET", "/schedule", "")?;
    ensure!(status == 200, "{status} {schedule}");
    ensure!(schedule["counts_from"] == first_day.as_str(), "{schedule}");
    Ok(())
}
