//! The admin panel in a real browser (headless Debian chromium driven by `playwright-core`
//! from `admin-web/e2e/panel.spec.mjs`), then the result checked over LDAP with the OpenLDAP
//! clients: what the panel changes is what LDAP clients see.
//!
//! chromium (`/usr/bin/chromium`, or `$ORGDIR_CHROMIUM`), node and `playwright-core` (in
//! `admin-web/e2e/node_modules`) are installed by `scripts/install-test-deps.sh`; when they
//! are missing the test fails and says so. The screenshot is taken in a temporary directory,
//! kept when the test fails, and copied to `$ORGDIR_BROWSER_ARTIFACTS` when that is set.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, Result, bail, ensure};
use orgdir_testkit::Options;

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

#[test]
fn panel_adds_hides_and_disables_a_member_seen_over_ldap() -> Result<()> {
    let (chromium, e2e) = browser_tools()?;
    let server = own_server(Options::new())?;
    let base_url = format!("http://{}", server.http_addr());
    let tmp = tempfile::Builder::new()
        .prefix("orgdir-browser-")
        .tempdir()?;
    let shot = tmp.path().join("panel.png");

    let mut cmd = Command::new("node");
    cmd.current_dir(&e2e)
        .arg("panel.spec.mjs")
        .arg(&base_url)
        .arg(&shot)
        .env("ORGDIR_CHROMIUM", &chromium)
        .env("HOME", tmp.path())
        .env_remove("PLAYWRIGHT_BROWSERS_PATH");
    let out = orgdir_testkit::run(&mut cmd, 2 * TOOL_TIMEOUT)?;
    if !out.success() {
        let kept = tmp.keep();
        bail!(
            "the browser test failed (screenshot, if any, in {}):\n{out}\n--- server log ---\n{}",
            kept.display(),
            server.logs()
        );
    }
    ensure!(is_png(&shot), "no screenshot at {}\n{out}", shot.display());
    // CI can keep the screenshot as an artifact.
    if let Some(dir) = std::env::var_os("ORGDIR_BROWSER_ARTIFACTS") {
        std::fs::create_dir_all(&dir)?;
        std::fs::copy(&shot, Path::new(&dir).join("panel.png"))?;
    }
    let account = out
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find_map(|v| v.get("account").and_then(|a| a.as_str()).map(str::to_owned))
        .with_context(|| format!("no account reported\n{out}"))?;
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
