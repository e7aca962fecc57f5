//! Outgoing mail against a real SMTP server on loopback (Python's aiosmtpd, run by
//! `tests/python/smtp_sink.py`): super password recovery end to end over STARTTLS with AUTH
//! and over implicit TLS (SPEC ENT-2, ENT-3, MAIL-3), the outbox when no SMTP server is
//! configured, and the SSO hand-off (LOGIN-3) over a real socket.
//!
//! The SMTP server's certificate is issued by a private CA made for the test
//! (`orgdir_tls::ensure_self_signed`), which orgdir trusts through `mail.ca_file`.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use orgdir_testkit::{Options, Server};
use serde_json::{Value, json};

use crate::python_ldap3::{python, repo_root};
use crate::support::{ADMIN_DN, OP_TIMEOUT, bind, http_request, own_server};

const SMTP_USER: &str = "orgdir";
const SMTP_PASSWORD: &str = "Smtp-Passw0rd-7";

/// `smtp_sink.py`, running; killed when dropped.
struct Sink {
    child: Child,
    events: Receiver<Value>,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Sink {
    /// Starts the sink with `args` (after its output folder) and waits for its port.
    fn start(args: &[&str]) -> Result<Sink> {
        let dir = tempfile::tempdir()?;
        let mut child = Command::new(python())
            .arg(repo_root().join("tests/python/smtp_sink.py"))
            .arg(dir.path())
            .args(args)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("PYTHONNOUSERSITE", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context(
                "starting smtp_sink.py (is aiosmtpd installed? run scripts/install-test-deps.sh)",
            )?;
        let stdout = child.stdout.take().context("no stdout")?;
        let (tx, events) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str::<Value>(&line)
                    && tx.send(v).is_err()
                {
                    return;
                }
            }
        });
        let mut sink = Sink {
            child,
            events,
            port: 0,
            _dir: dir,
        };
        let first = sink.next("port")?;
        sink.port = at(&first, "port")
            .as_u64()
            .and_then(|p| u16::try_from(p).ok())
            .context("no port")?;
        Ok(sink)
    }

    /// The next event (a JSON line) that has `key`, within the operation timeout.
    fn next(&self, key: &str) -> Result<Value> {
        let deadline = Instant::now() + OP_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let v = self
                .events
                .recv_timeout(left)
                .with_context(|| format!("smtp_sink.py said nothing with {key:?} in time"))?;
            if v.get(key).is_some() {
                return Ok(v);
            }
        }
    }

    /// The next message the server received: its event and its decoded text.
    fn next_mail(&self) -> Result<(Value, String)> {
        let event = self.next("file")?;
        let path = at(&event, "file").as_str().context("no file")?;
        let raw = std::fs::read_to_string(path)?;
        Ok((event, quoted_printable(&raw)))
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `v[key]`, or null.
fn at<'a>(v: &'a Value, key: &str) -> &'a Value {
    v.get(key).unwrap_or(&Value::Null)
}

/// Decodes quoted-printable text (soft line breaks and `=XX`).
fn quoted_printable(s: &str) -> String {
    let joined = s.replace("=\r\n", "").replace("=\n", "");
    let mut out = Vec::with_capacity(joined.len());
    let mut rest = joined.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        let hex = tail
            .get(..2)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex) {
            (b'=', Some(v)) => {
                out.push(v);
                rest = tail.get(2..).unwrap_or_default();
            }
            _ => {
                out.push(b);
                rest = tail;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The recovery link of a mail: its path on the server (after checking the base).
fn recovery_path(server: &Server, mail: &str) -> Result<String> {
    let base = server.http_url();
    let start = mail
        .find(&format!("{base}/panel/recover?token="))
        .with_context(|| format!("no link to {base} in:\n{mail}"))?;
    let url = mail
        .get(start..)
        .and_then(|s| s.split_whitespace().next())
        .context("empty link")?;
    Ok(url.trim_start_matches(&base).to_string())
}

/// A JSON request: status, head and parsed body (Null when not JSON).
fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    bearer: Option<&str>,
    body: Option<Value>,
) -> Result<(u16, String, Value)> {
    let auth = bearer.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(a) = &auth {
        headers.push(("Authorization", a.as_str()));
    }
    let text = body.map(|b| b.to_string()).unwrap_or_default();
    let (status, head, body) = http_request(addr, method, path, &headers, &text)?;
    Ok((
        status,
        head,
        serde_json::from_str(&body).unwrap_or(Value::Null),
    ))
}

/// Signs in over the API: the session token and the answer's `me`.
fn sign_in(server: &Server, account: Option<&str>, password: &str) -> Result<(u16, String, Value)> {
    let body = json!({ "enterprise": 100001, "account": account, "password": password });
    let (status, _, v) = call(
        server.http_addr(),
        "POST",
        "/api/v1/session",
        None,
        Some(body),
    )?;
    Ok((
        status,
        at(&v, "token").as_str().unwrap_or_default().to_string(),
        at(&v, "me").clone(),
    ))
}

/// The audit rows of the demo enterprise (newest first), read by the administrator.
fn audit(server: &Server, admin: &str) -> Result<Vec<Value>> {
    let (status, _, v) = call(
        server.http_addr(),
        "GET",
        "/api/v1/audit?limit=200",
        Some(admin),
        None,
    )?;
    ensure!(status == 200, "audit: {status} {v}");
    Ok(at(&v, "entries").as_array().cloned().unwrap_or_default())
}

/// Checks that for each (action, field, text) some row has that action and a field
/// containing the text.
fn expect_rows(rows: &[Value], wanted: &[(&str, &str, &str)]) -> Result<()> {
    for (action, field, text) in wanted {
        ensure!(
            rows.iter().any(|r| at(r, "action") == *action
                && at(r, field).as_str().is_some_and(|v| v.contains(text))),
            "no {action} row with {field} containing {text:?}: {rows:#?}"
        );
    }
    Ok(())
}

fn path_str(p: &std::path::Path) -> Result<&str> {
    p.to_str().context("path is not UTF-8")
}

/// A sink speaking TLS (`mode` `starttls` or `tls`) with a certificate of a fresh private CA,
/// plus `extra` arguments: the sink, and the CA certificate orgdir must trust (in the
/// returned folder, which must outlive the test).
fn tls_sink(mode: &str, extra: &[&str]) -> Result<(Sink, std::path::PathBuf, tempfile::TempDir)> {
    let dir = tempfile::tempdir()?;
    let pki = orgdir_tls::ensure_self_signed(dir.path(), &[], time::OffsetDateTime::now_utc())?;
    let mut args = vec![
        "--mode",
        mode,
        "--cert",
        path_str(&pki.cert)?,
        "--key",
        path_str(&pki.key)?,
    ];
    args.extend_from_slice(extra);
    Ok((Sink::start(&args)?, pki.ca_cert, dir))
}

#[tokio::test]
async fn super_password_recovery_through_a_real_smtp_server() -> Result<()> {
    let (sink, ca, _pki) = tls_sink(
        "starttls",
        &["--user", SMTP_USER, "--password", SMTP_PASSWORD],
    )?;
    let server = own_server(
        Options::new()
            .env("ORGDIR_MAIL_HOST", "127.0.0.1")
            .env("ORGDIR_MAIL_PORT", sink.port.to_string())
            .env("ORGDIR_MAIL_SECURITY", "starttls")
            .env("ORGDIR_MAIL_USERNAME", SMTP_USER)
            .env("ORGDIR_MAIL_PASSWORD", SMTP_PASSWORD)
            .env("ORGDIR_MAIL_CA_FILE", &ca)
            .env("ORGDIR_MAIL_FROM", "Example IT <it-noreply@example.com>"),
    )?;
    let http = server.http_addr();
    let (status, old_admin, _) = sign_in(&server, None, "Admin-Passw0rd-1")?;
    ensure!(status == 200, "admin sign-in: {status}");

    // The request: 202, and the mail arrives over TLS, authenticated, to the recovery email.
    let (status, _, v) = call(
        http,
        "POST",
        "/api/v1/recovery",
        None,
        Some(json!({ "enterprise": 100001 })),
    )?;
    ensure!(
        status == 202 && at(&v, "status") == "accepted",
        "{status} {v}"
    );
    let (event, mail) = sink.next_mail()?;
    ensure!(at(&event, "tls") == true, "not over TLS: {event}");
    ensure!(
        at(&event, "auth") == SMTP_USER,
        "not authenticated: {event}"
    );
    ensure!(
        *at(&event, "rcpt_tos") == json!(["it@example.com"]),
        "{event}"
    );
    ensure!(
        at(&event, "mail_from") == "it-noreply@example.com",
        "{event}"
    );
    ensure!(
        mail.contains("Subject: Reset the super password of enterprise 100001"),
        "{mail}"
    );
    let link = recovery_path(&server, &mail)?;

    // The link opens the new-password page.
    let (status, _, page) = http_request(http, "GET", &link, &[], "")?;
    ensure!(
        status == 200 && page.contains("name=\"password\""),
        "{status} {page}"
    );
    let token = link
        .split("token=")
        .nth(1)
        .context("no token in the link")?
        .to_string();
    let complete = |password: &str| {
        call(
            http,
            "POST",
            "/api/v1/recovery/complete",
            None,
            Some(json!({ "token": token, "password": password })),
        )
    };

    // ENT-3 refuses a password of two classes; three classes are enough.
    let (status, _, v) = complete("abcabc123")?;
    ensure!(
        status == 422 && at(&v, "code") == "weak_password",
        "{status} {v}"
    );
    ensure!(
        at(&v, "detail")
            .as_str()
            .is_some_and(|d| d.contains("at least three of")),
        "{v}"
    );
    let (status, _, v) = complete("abcABC123")?;
    ensure!(status == 204, "{status} {v}");

    // The new super password signs in (panel API and LDAP); the old one and its session no
    // longer work.
    let (status, admin, _) = sign_in(&server, None, "abcABC123")?;
    ensure!(status == 200, "new password: {status}");
    let (status, _, _) = sign_in(&server, None, "Admin-Passw0rd-1")?;
    ensure!(status == 401, "old password: {status}");
    let (status, _, _) = call(http, "GET", "/api/v1/me", Some(&old_admin), None)?;
    ensure!(status == 401, "the old session must end: {status}");
    bind(&server, ADMIN_DN, "abcABC123").await?;

    // The same link again: refused.
    let (status, _, v) = complete("Another-Passw0rd-9")?;
    ensure!(
        status == 410 && at(&v, "code") == "recovery_link_used",
        "{status} {v}"
    );

    let rows = audit(&server, &admin)?;
    expect_rows(
        &rows,
        &[
            ("recovery.request", "detail", "link sent by SMTP 127.0.0.1"),
            ("recovery.request", "target", "i***@example.com"),
            (
                "enterprise.super_password",
                "source",
                "recovery link, api 127.0.0.1",
            ),
            ("recovery.refused", "detail", "(ENT-3)"),
            ("recovery.refused", "detail", "already used"),
        ],
    )?;
    Ok(())
}

#[test]
fn recovery_mail_over_implicit_tls() -> Result<()> {
    let (sink, ca, _pki) = tls_sink("tls", &[])?;
    let server = own_server(
        Options::new()
            .env("ORGDIR_MAIL_HOST", "localhost")
            .env("ORGDIR_MAIL_PORT", sink.port.to_string())
            .env("ORGDIR_MAIL_SECURITY", "tls")
            .env("ORGDIR_MAIL_CA_FILE", &ca),
    )?;
    let (status, _, _) = call(
        server.http_addr(),
        "POST",
        "/api/v1/recovery",
        None,
        Some(json!({ "enterprise": 100001 })),
    )?;
    ensure!(status == 202, "{status}");
    let (event, mail) = sink.next_mail()?;
    ensure!(
        at(&event, "tls") == true && at(&event, "auth").is_null(),
        "{event}"
    );
    recovery_path(&server, &mail)?;
    Ok(())
}

#[test]
fn without_smtp_the_mail_lands_in_the_outbox() -> Result<()> {
    let server = own_server(Options::new().env("ORGDIR_LOG_LEVEL", "info"))?;
    let (status, _, v) = call(
        server.http_addr(),
        "POST",
        "/api/v1/recovery",
        None,
        Some(json!({ "enterprise": 100001 })),
    )?;
    ensure!(status == 202, "{status} {v}");
    // The mail is written by a background task, which then logs the file: wait (bounded)
    // for that line, as for the ready file.
    let outbox = server.data_dir().join("outbox");
    let deadline = Instant::now() + OP_TIMEOUT;
    while !server.logs().contains("mail written to the outbox") {
        if Instant::now() > deadline {
            bail!("no outbox line in the log:\n{}", server.logs());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let files: Vec<_> = std::fs::read_dir(&outbox)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    ensure!(files.len() == 1, "{files:?}");
    let path = files.first().context("no file")?;
    ensure!(
        server.logs().contains(&path.display().to_string()),
        "the log names the file:\n{}",
        server.logs()
    );
    let mail = quoted_printable(&std::fs::read_to_string(path)?);
    ensure!(mail.contains("To: it@example.com"), "{mail}");
    let link = recovery_path(&server, &mail)?;
    let (status, _, _) = http_request(server.http_addr(), "GET", &link, &[], "")?;
    ensure!(status == 200, "the outbox link opens the form: {status}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)?.permissions().mode() & 0o777;
        ensure!(mode == 0o600, "{mode:o}");
        let key = std::fs::metadata(server.data_dir().join("secret.key"))?;
        ensure!(
            key.len() == 32 && key.permissions().mode() & 0o777 == 0o600,
            "{key:?}"
        );
    }
    Ok(())
}

/// The value of the `Set-Cookie` header in a response head, if any.
fn set_cookie(head: &str) -> Option<String> {
    head.lines().find_map(|l| {
        l.split_once(':')
            .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
            .map(|(_, v)| v.trim().to_string())
    })
}

#[test]
fn sso_links_open_the_panel_once_and_only_for_enabled_members() -> Result<()> {
    let server = own_server(Options::new())?;
    let http = server.http_addr();
    let link = |session: &str| -> Result<String> {
        let (status, _, v) = call(http, "POST", "/api/v1/sso-link", Some(session), None)?;
        ensure!(status == 200, "{status} {v}");
        let url = at(&v, "url").as_str().context("no url")?;
        let path = url
            .strip_prefix(&server.http_url())
            .with_context(|| format!("{url} is not on {}", server.http_url()))?;
        Ok(path.to_string())
    };
    let (status, zhang, _) = sign_in(&server, Some("10001"), "Passw0rd-10001")?;
    ensure!(status == 200, "{status}");
    let path = link(&zhang)?;

    // Opened without any cookie: a session and the home page.
    let (status, head, _) = http_request(http, "GET", &path, &[], "")?;
    ensure!(
        status == 303 && head.to_ascii_lowercase().contains("location: /panel/"),
        "{status}\n{head}"
    );
    let cookie = set_cookie(&head).context("no Set-Cookie")?;
    ensure!(
        cookie.starts_with("orgdir_session=") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    let session = cookie.split(';').next().unwrap_or_default().to_string();
    let (status, _, home) = http_request(http, "GET", "/panel/", &[("Cookie", &session)], "")?;
    ensure!(
        status == 200 && home.contains("Zhang Wei"),
        "{status}\n{home}"
    );

    // A second time: refused, no cookie.
    let (status, head, page) = http_request(http, "GET", &path, &[], "")?;
    ensure!(
        status == 410 && set_cookie(&head).is_none(),
        "{status}\n{head}"
    );
    ensure!(page.contains("already used"), "{page}");

    // A member disabled after getting a link: refused.
    let (status, member, me) = sign_in(&server, Some("10007"), "Passw0rd-10007")?;
    ensure!(status == 200, "{status}");
    let path = link(&member)?;
    let (_, admin, _) = sign_in(&server, None, "Admin-Passw0rd-1")?;
    let id = at(&me, "member_id").as_u64().context("no member id")?;
    let (status, _, v) = call(
        http,
        "PATCH",
        &format!("/api/v1/members/{id}"),
        Some(&admin),
        Some(json!({ "disabled": true })),
    )?;
    ensure!(status == 200 || status == 204, "disable: {status} {v}");
    let (status, head, _) = http_request(http, "GET", &path, &[], "")?;
    ensure!(
        status == 403 && set_cookie(&head).is_none(),
        "{status}\n{head}"
    );

    let rows = audit(&server, &admin)?;
    expect_rows(
        &rows,
        &[
            ("sso.used", "actor", "member 10001"),
            ("sso.refused", "detail", "already used"),
            ("sso.refused", "detail", "disabled"),
        ],
    )?;
    Ok(())
}
