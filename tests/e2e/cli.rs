//! The `orgdir` command line as an operator uses it: `init` an enterprise, `check-config`,
//! `passwd`, `backup`, then `serve` that data directory and bind with the result.

use std::io::Write;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, ensure};
use orgdir_testkit::{Options, run};

use crate::support::{TOOL_TIMEOUT, bin, own_server, search_as, tool};

pub(crate) fn orgdir(args: &[&str]) -> Command {
    let mut cmd = Command::new(bin());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("ORGDIR_") {
            cmd.env_remove(&key);
        }
    }
    cmd.args(args).env("ORGDIR_LOG_LEVEL", "warn");
    cmd
}

/// Runs `orgdir` with `stdin` as its standard input.
pub(crate) fn orgdir_with_stdin(args: &[&str], stdin: &str) -> Result<std::process::Output> {
    let mut child = orgdir(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("spawning orgdir")?;
    let written = child
        .stdin
        .take()
        .context("stdin")?
        .write_all(stdin.as_bytes());
    // A command that refuses before reading its input (a locked data directory) may exit
    // first: its answer is what the test looks at, not the unread input.
    match written {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(e.into()),
        _ => {}
    }
    Ok(child.wait_with_output()?)
}

fn whoami(server: &orgdir_testkit::Server, dn: &str, pw: &str) -> Result<orgdir_testkit::Output> {
    tool(
        server,
        "ldapwhoami",
        &["-x", "-H", &server.ldap_url(), "-D", dn, "-w", pw],
    )
}

#[test]
fn init_passwd_backup_and_serve() -> Result<()> {
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    let data_s = data.to_string_lossy().to_string();

    let mut init = orgdir(&[
        "init",
        "--data-dir",
        &data_s,
        "--number",
        "100002",
        "--short-name",
        "Acme",
        "--naming-context",
        "dc=acme,dc=test",
        "--account-range",
        "20001-29999",
    ]);
    init.env("ORGDIR_SUPER_PASSWORD", "First-Super-1");
    let out = run(&mut init, TOOL_TIMEOUT)?.ok()?;
    ensure!(out.stdout.contains("created enterprise 100002"), "{out}");

    // The same number again is refused, and says why.
    let mut again = orgdir(&[
        "init",
        "--data-dir",
        &data_s,
        "--number",
        "100002",
        "--short-name",
        "X",
    ]);
    again.env("ORGDIR_SUPER_PASSWORD", "First-Super-1");
    let out = run(&mut again, TOOL_TIMEOUT)?;
    ensure!(!out.success() && out.stderr.contains("100002"), "{out}");

    // A weak new super password is refused; a good one is set.
    let weak = orgdir_with_stdin(
        &[
            "passwd",
            "--data-dir",
            &data_s,
            "--enterprise",
            "100002",
            "--super",
        ],
        "short\n",
    )?;
    ensure!(!weak.status.success(), "weak password accepted");
    ensure!(String::from_utf8_lossy(&weak.stderr).contains("at least 8"));
    let ok = orgdir_with_stdin(
        &[
            "passwd",
            "--data-dir",
            &data_s,
            "--enterprise",
            "100002",
            "--super",
        ],
        "Second-Super-2\n",
    )?;
    ensure!(
        ok.status.success(),
        "passwd failed: {}",
        String::from_utf8_lossy(&ok.stderr)
    );

    // A scoped, read-only service account for an application.
    let svc = orgdir_with_stdin(
        &[
            "add-service",
            "--data-dir",
            &data_s,
            "--enterprise",
            "100002",
            "--name",
            "mail",
            "--description",
            "Mail server",
        ],
        "Mail-Service-1\n",
    )?;
    ensure!(
        svc.status.success(),
        "add-service failed: {}",
        String::from_utf8_lossy(&svc.stderr)
    );
    let bad_scope = orgdir_with_stdin(
        &[
            "add-service",
            "--data-dir",
            &data_s,
            "--enterprise",
            "100002",
            "--name",
            "x",
            "--scope",
            "Nowhere",
        ],
        "Mail-Service-1\n",
    )?;
    ensure!(String::from_utf8_lossy(&bad_scope.stderr).contains("Nowhere"));

    // The operator's terms: seats, range, expiry, limits; never below the member count.
    let out = run(
        &mut orgdir(&[
            "enterprise-terms",
            "--data-dir",
            &data_s,
            "--number",
            "100002",
            "--seats",
            "1200",
            "--account-range",
            "20001-39999",
            "--expires",
            "2027-12-31",
            "--max-members-per-org",
            "300",
        ]),
        TOOL_TIMEOUT,
    )?
    .ok()?;
    ensure!(
        out.stdout.contains("1200 seats, accounts 20001-39999"),
        "{out}"
    );
    let out = run(&mut orgdir(&["list", "--data-dir", &data_s]), TOOL_TIMEOUT)?.ok()?;
    ensure!(
        out.stdout
            .contains("100002\tAcme\tdc=acme,dc=test\t0/1200 members\texpires 2027-12-31"),
        "{out}"
    );
    let out = run(
        &mut orgdir(&[
            "enterprise-terms",
            "--data-dir",
            &data_s,
            "--number",
            "100002",
            "--account-range",
            "5-1",
        ]),
        TOOL_TIMEOUT,
    )?;
    ensure!(!out.success() && out.stderr.contains("5-1"), "{out}");

    // With the attendance plugin, whose database the backup must carry too.
    let server = own_server(
        Options::new()
            .demo(false)
            .data_dir(&data)
            .env("ORGDIR_PLUGINS_ENABLED", "attendance"),
    )?;
    let out = whoami(
        &server,
        "cn=mail,cn=services,dc=acme,dc=test",
        "Mail-Service-1",
    )?
    .ok()?;
    ensure!(
        out.stdout
            .contains("dn:cn=mail,cn=services,dc=acme,dc=test"),
        "{out}"
    );
    let admin = "cn=admin,dc=acme,dc=test";
    let out = whoami(&server, admin, "Second-Super-2")?.ok()?;
    ensure!(out.stdout.trim() == format!("dn:{admin}"), "{out}");
    let out = whoami(&server, admin, "First-Super-1")?;
    ensure!(
        out.code() == Some(49),
        "old super password still works: {out}"
    );

    // While the server runs, writers are locked out but a backup works.
    let locked = orgdir_with_stdin(
        &[
            "passwd",
            "--data-dir",
            &data_s,
            "--enterprise",
            "100002",
            "--super",
        ],
        "Third-Super-3\n",
    )?;
    ensure!(!locked.status.success());
    ensure!(String::from_utf8_lossy(&locked.stderr).contains("another orgdir process"));
    let backup = tmp.path().join("backup.db");
    let out = run(
        &mut orgdir(&[
            "backup",
            "--data-dir",
            &data_s,
            "--to",
            &backup.to_string_lossy(),
        ]),
        TOOL_TIMEOUT,
    )?
    .ok()?;
    ensure!(backup.exists(), "{out}");
    let plugin_copy = tmp.path().join("backup.db.plugins/attendance.db");
    ensure!(
        std::fs::read(&plugin_copy)?.starts_with(b"SQLite format 3\0"),
        "no copy of the attendance database: {out}"
    );
    Ok(())
}

#[test]
fn check_config_reports_the_effective_configuration_and_errors() -> Result<()> {
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../config/orgdir.example.toml"
    );
    let out = run(
        &mut orgdir(&["check-config", "--config", example]),
        TOOL_TIMEOUT,
    )?
    .ok()?;
    ensure!(out.stdout.contains("bind_lockout_threshold = 5"), "{out}");
    let mut bad = orgdir(&["check-config", "--config", example]);
    bad.env("ORGDIR_LDAP_LISTEN", "not-an-address");
    let out = run(&mut bad, TOOL_TIMEOUT)?;
    ensure!(
        !out.success() && out.stderr.contains("ldap.listen"),
        "{out}"
    );
    let out = run(
        &mut orgdir(&["check-config", "--config", "/nonexistent.toml"]),
        TOOL_TIMEOUT,
    )?;
    ensure!(
        !out.success() && out.stderr.contains("/nonexistent.toml"),
        "{out}"
    );
    Ok(())
}

/// A small OpenLDAP-style export (as `slapcat` writes it) migrated with `import-ldif`, then
/// served: DNs, groups under `ou=groups`, memberOf and the kept `{SSHA}` hash all work with
/// ldapsearch/ldapwhoami; `export-ldif` writes it back.
#[test]
fn import_ldif_then_serve_and_export() -> Result<()> {
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    let data_s = data.to_string_lossy().to_string();
    let ldif = tmp.path().join("old.ldif");
    // {SSHA} of "secret" made with slappasswd.
    std::fs::write(
        &ldif,
        "dn: dc=old,dc=test\nobjectClass: dcObject\nobjectClass: organization\ndc: old\no: Old Corp\n\n\
dn: ou=people,dc=old,dc=test\nobjectClass: organizationalUnit\nou: people\n\n\
dn: uid=jdoe,ou=people,dc=old,dc=test\nobjectClass: inetOrgPerson\nobjectClass: posixAccount\n\
uid: jdoe\ncn: John Doe\nsn: Doe\nmail: jdoe@old.test\nuidNumber: 2001\ngidNumber: 2001\n\
homeDirectory: /home/jdoe\nuserPassword: {SSHA}h+sE68AVq+7XBHfISG5eBlZ5hSojaHS9\n\n\
dn: ou=groups,dc=old,dc=test\nobjectClass: organizationalUnit\nou: groups\n\n\
dn: cn=staff,ou=groups,dc=old,dc=test\nobjectClass: groupOfNames\ncn: staff\n\
member: uid=jdoe,ou=people,dc=old,dc=test\n\n\
dn: cn=printer,dc=old,dc=test\nobjectClass: device\ncn: printer\n",
    )?;
    let ldif_s = ldif.to_string_lossy().to_string();
    // The device cannot be mapped: listed, and nothing stored.
    let out = run(
        &mut orgdir(&[
            "import-ldif",
            "--data-dir",
            &data_s,
            "--number",
            "100003",
            &ldif_s,
        ]),
        TOOL_TIMEOUT,
    )?;
    ensure!(!out.success(), "{out}");
    ensure!(
        out.stdout
            .contains("not imported: cn=printer,dc=old,dc=test"),
        "{out}"
    );
    let out = run(
        &mut orgdir(&[
            "import-ldif",
            "--data-dir",
            &data_s,
            "--number",
            "100003",
            "--skip-unmappable",
            &ldif_s,
        ]),
        TOOL_TIMEOUT,
    )?
    .ok()?;
    ensure!(out.stdout.contains("1 members, 1 groups"), "{out}");

    let server = own_server(Options::new().demo(false).data_dir(&data))?;
    let out = whoami(&server, "jdoe@100003", "secret")?.ok()?;
    ensure!(
        out.stdout.trim() == "dn:uid=jdoe,ou=people,dc=old,dc=test",
        "{out}"
    );
    let entries = search_as(
        &server,
        "uid=jdoe,ou=people,dc=old,dc=test",
        "secret",
        &[
            "-b",
            "dc=old,dc=test",
            "(memberOf=cn=staff,ou=groups,dc=old,dc=test)",
            "mail",
        ],
    )?;
    ensure!(
        entries.len() == 1
            && entries
                .iter()
                .all(|e| e.first("mail") == Some("jdoe@old.test")),
        "{entries:?}"
    );
    drop(server);

    let export = tmp.path().join("export.ldif");
    run(
        &mut orgdir(&[
            "export-ldif",
            "--data-dir",
            &data_s,
            "--enterprise",
            "100003",
            "--out",
            &export.to_string_lossy(),
        ]),
        TOOL_TIMEOUT,
    )?
    .ok()?;
    let text = std::fs::read_to_string(&export)?;
    ensure!(
        text.contains("dn: cn=staff,ou=groups,dc=old,dc=test"),
        "{text}"
    );
    ensure!(
        text.contains("userPassword: {SSHA}h+sE68AVq+7XBHfISG5eBlZ5hSojaHS9"),
        "{text}"
    );
    Ok(())
}

/// IMP on the command line: export, re-import (nothing changes), a new row with a new org
/// path imported in one transaction and served over LDAP; a file with an invalid row
/// changes nothing and leaves an error file; junk is refused with a clear message.
#[test]
fn spreadsheet_export_and_import() -> Result<()> {
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    let data_s = data.to_string_lossy().to_string();
    // Seed the demo enterprise, then stop the server (imports take the data-dir lock).
    drop(crate::support::own_server(Options::new().data_dir(&data))?);
    let csv = tmp.path().join("members.csv");
    let csv_s = csv.to_string_lossy().to_string();
    let out = run(
        &mut orgdir(&[
            "export",
            "--enterprise",
            "100001",
            "--data-dir",
            &data_s,
            "--out",
            &csv_s,
        ]),
        TOOL_TIMEOUT,
    )?
    .ok()?;
    let text = std::fs::read_to_string(&csv)?;
    ensure!(
        text.lines().count() == 51,
        "50 members and a header: {text}\n{out}"
    );
    let import = |extra: &[&str]| {
        let mut args = vec![
            "import",
            csv_s.as_str(),
            "--enterprise",
            "100001",
            "--data-dir",
            &data_s,
        ];
        args.extend_from_slice(extra);
        run(&mut orgdir(&args), TOOL_TIMEOUT)
    };
    let out = import(&[])?;
    ensure!(
        out.success() && out.stderr.contains("nothing to change"),
        "{out}"
    );
    // A new member in a new org two levels down; and a row missing its name.
    let mut more = text.clone();
    more.push_str("Legal/Contracts,10400,Wu Ming,,wu.ming@example.com,Counsel,Member,,no,no\n");
    std::fs::write(&csv, format!("{more}Legal,10401,,,,,Member,,no,no\n"))?;
    let out = import(&[])?;
    ensure!(
        !out.success() && out.stderr.contains("nothing imported"),
        "{out}"
    );
    let errors = tmp.path().join("members.errors.xlsx");
    ensure!(
        std::fs::read(&errors)?.starts_with(b"PK"),
        "no error file at {}",
        errors.display()
    );
    std::fs::write(&csv, &more)?;
    let out = import(&[])?;
    ensure!(out.success() && out.stderr.contains("stored"), "{out}");
    // Junk is refused before anything is opened for writing.
    let junk = tmp.path().join("junk.xlsx");
    std::fs::write(&junk, vec![0x42u8; 4096])?;
    let out = run(
        &mut orgdir(&[
            "import",
            &junk.to_string_lossy(),
            "--enterprise",
            "100001",
            "--data-dir",
            &data_s,
        ]),
        TOOL_TIMEOUT,
    )?;
    ensure!(!out.success() && out.stderr.contains("junk.xlsx"), "{out}");

    let server = crate::support::own_server(Options::new().data_dir(&data))?;
    let found = crate::support::search_as(
        &server,
        crate::support::READER_DN,
        crate::support::READER_PW,
        &[
            "-b",
            &format!("ou=Contracts,ou=Legal,{}", crate::support::BASE),
            "(uid=10400)",
            "title",
            "mail",
        ],
    )?;
    ensure!(
        found.len() == 1 && found[0].values("title") == ["Counsel"],
        "{found:?}"
    );
    Ok(())
}

/// One HTTP/1.1 request on the server's local control socket (`Connection: close`): the
/// status and the body.
fn socket_request(
    socket: &std::path::Path,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> Result<(u16, String)> {
    use std::io::Read;
    let mut s = std::os::unix::net::UnixStream::connect(socket)
        .with_context(|| format!("connecting to {}", socket.display()))?;
    s.set_read_timeout(Some(crate::support::OP_TIMEOUT))?;
    let extra: String = headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}\r\n"))
        .collect();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\n{extra}Content-Length: 0\r\n\
         Connection: close\r\n\r\n"
    )?;
    let mut raw = String::new();
    s.read_to_string(&mut raw)?;
    let status: u16 = raw
        .split_whitespace()
        .nth(1)
        .context("no status line")?
        .parse()?;
    let body = raw.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    Ok((status, body.to_string()))
}

/// `orgdir import` beside a running server (IMP-2): the file goes to the server over its
/// local control socket as an import job; the command shows the job's progress, and the
/// new members are served over LDAP at once, without a restart. A file with an invalid row
/// changes nothing, exits non-zero and leaves the error file; a dry run stores nothing;
/// `--valid-rows` stores the good rows. The socket's header is worth nothing over TCP.
#[test]
fn online_import_beside_a_running_server() -> Result<()> {
    use crate::support::{BASE, READER_DN, READER_PW, http_request};
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    let server = own_server(Options::new().data_dir(&data))?;
    let data_s = data.to_string_lossy().to_string();
    let socket = data.join("control.sock");
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&socket)?.permissions());
    ensure!(mode & 0o777 == 0o600, "control socket mode {mode:o}");

    let csv = tmp.path().join("staff.csv");
    let csv_s = csv.to_string_lossy().to_string();
    let out = run(
        &mut orgdir(&[
            "export",
            "--enterprise",
            "100001",
            "--data-dir",
            &data_s,
            "--out",
            &csv_s,
        ]),
        TOOL_TIMEOUT,
    )?
    .ok()?;
    ensure!(out.stderr.contains("exported to"), "{out}");
    let exported = std::fs::read_to_string(&csv)?;
    let import = |file: &str, extra: &[&str]| {
        let mut args = vec![
            "import",
            file,
            "--enterprise",
            "100001",
            "--data-dir",
            data_s.as_str(),
        ];
        args.extend_from_slice(extra);
        run(&mut orgdir(&args), TOOL_TIMEOUT)
    };
    let find = |filter: &str| {
        search_as(
            &server,
            READER_DN,
            READER_PW,
            &["-b", BASE, filter, "title"],
        )
    };

    // A new member in a new org path, imported while the server runs.
    std::fs::write(
        &csv,
        format!(
            "{exported}Legal/Contracts,10400,Wu Ming,,wu.ming@example.com,Counsel,Member,,no,no\n"
        ),
    )?;
    let out = import(&csv_s, &[])?;
    ensure!(out.success(), "{out}");
    for line in [
        "the server is running: importing through",
        "uploaded",
        "checked: 51 rows, 1 new, 0 changed, 50 unchanged, 2 orgs to create, 0 rows with errors",
        "stored 3 changes in one transaction: 1 new, 0 changed members, 2 new orgs",
    ] {
        ensure!(out.stderr.contains(line), "no {line:?} in {out}");
    }
    let found = find("(uid=10400)")?;
    ensure!(
        found.len() == 1
            && found[0]
                .dn
                .eq_ignore_ascii_case(&format!("uid=10400,ou=Contracts,ou=Legal,{BASE}"))
            && found[0].values("title") == ["Counsel"],
        "{found:?}"
    );
    // The local administrator's changes are audited as such.
    let (status, audit) = socket_request(
        &socket,
        "GET",
        "/api/v1/audit?limit=5",
        &[("X-Orgdir-Enterprise", "100001")],
    )?;
    ensure!(
        status == 200 && audit.contains("cli (local socket)"),
        "{status} {audit}"
    );

    // A dry run of a further member stores nothing.
    let more = std::fs::read_to_string(&csv)?;
    let dry = tmp.path().join("dry.csv");
    std::fs::write(
        &dry,
        format!("{more}Legal,10402,Sun Li,,,Paralegal,Member,,no,no\n"),
    )?;
    let out = import(&dry.to_string_lossy(), &["--dry-run"])?;
    ensure!(
        out.success() && out.stderr.contains("dry run: nothing stored"),
        "{out}"
    );
    ensure!(find("(uid=10402)")?.is_empty(), "a dry run stored a member");

    // An invalid row (no name): nothing imported, non-zero exit, the error file written.
    let bad = tmp.path().join("bad.csv");
    std::fs::write(
        &bad,
        format!(
            "{more}Legal,10402,Sun Li,,,Paralegal,Member,,no,no\nLegal,10401,,,,,Member,,no,no\n"
        ),
    )?;
    let out = import(&bad.to_string_lossy(), &[])?;
    ensure!(
        !out.success()
            && out.stderr.contains("1 rows with errors")
            && out.stderr.contains("nothing imported"),
        "{out}"
    );
    // The problem itself is printed: row and column, as the server found it.
    ensure!(out.stderr.contains("row 54, name: required"), "{out}");
    let errors = tmp.path().join("bad.errors.xlsx");
    ensure!(
        std::fs::read(&errors)?.starts_with(b"PK") && out.stderr.contains("bad.errors.xlsx"),
        "no error file at {}: {out}",
        errors.display()
    );
    ensure!(
        find("(uid=10402)")?.is_empty(),
        "a refused import stored a row"
    );
    // The valid rows only, with the error file where it is asked for.
    let custom = tmp.path().join("custom-errors.xlsx");
    let out = import(
        &bad.to_string_lossy(),
        &["--valid-rows", "--errors", &custom.to_string_lossy()],
    )?;
    ensure!(out.success() && out.stderr.contains("stored"), "{out}");
    ensure!(
        std::fs::read(&custom)?.starts_with(b"PK"),
        "no {}",
        custom.display()
    );
    ensure!(
        find("(uid=10402)")?.len() == 1,
        "the valid row was not stored"
    );
    ensure!(
        find("(uid=10401)")?.is_empty(),
        "the invalid row was stored"
    );

    // A file that is no spreadsheet: the job fails with the reader's message.
    let junk = tmp.path().join("junk.xlsx");
    std::fs::write(&junk, vec![0x42u8; 4096])?;
    let out = import(&junk.to_string_lossy(), &[])?;
    ensure!(
        !out.success() && out.stderr.contains("junk.xlsx") && out.stderr.contains("zip"),
        "{out}"
    );

    // Over TCP the header is ignored: no session, no administrator.
    let header = [("X-Orgdir-Enterprise", "100001")];
    let (status, _, body) = http_request(server.http_addr(), "GET", "/api/v1/me", &header, "")?;
    ensure!(
        status == 401,
        "TCP request with the header: {status} {body}"
    );
    let (status, _, body) = http_request(
        server.http_addr(),
        "POST",
        "/api/v1/import/jobs?mode=all&dry_run=true&filename=x.csv",
        &header,
        &more,
    )?;
    ensure!(status == 401, "TCP import with the header: {status} {body}");
    let (status, body) = socket_request(&socket, "GET", "/api/v1/me", &header)?;
    ensure!(
        status == 200 && body.contains("\"kind\":\"admin\""),
        "{status} {body}"
    );

    // A killed server leaves its socket behind: it refuses connections, so the command
    // works on the data directory itself; the next server replaces the file.
    drop(server);
    ensure!(socket.exists(), "the killed server's socket file is gone");
    let out = import(&csv_s, &[])?;
    ensure!(
        out.success()
            && out.stderr.contains("no server running")
            && out.stderr.contains("nothing to change"),
        "{out}"
    );
    let _server = own_server(Options::new().data_dir(&data))?;
    let out = import(&csv_s, &[])?;
    ensure!(
        out.success() && out.stderr.contains("importing through"),
        "{out}"
    );
    Ok(())
}
