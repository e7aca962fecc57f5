//! The HTTP surface over a real socket: `/healthz`, and `/metrics` counting what LDAP clients
//! just did.

use std::net::TcpStream;
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use ldap3::Scope;
use orgdir_testkit::Options;

use crate::support::{BASE, READER_DN, READER_PW, bind, http_request, own_server, search_ok};

/// A GET: the status and the body.
fn http_get(addr: std::net::SocketAddr, path: &str) -> Result<(u16, String)> {
    let (status, _, body) = http_request(addr, "GET", path, &[], "")?;
    Ok((status, body))
}

/// A POST of a JSON body: status, head and body.
fn http_post_json(
    addr: std::net::SocketAddr,
    path: &str,
    json: &str,
) -> Result<(u16, String, String)> {
    http_request(
        addr,
        "POST",
        path,
        &[("Content-Type", "application/json")],
        json,
    )
}

fn counter(body: &str, name: &str) -> u64 {
    body.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|v| v.trim().parse().ok()))
        .unwrap_or(0)
}

#[tokio::test]
async fn health_and_metrics_over_http() -> Result<()> {
    let server = own_server(Options::new())?;
    let (status, body) = http_get(server.http_addr(), "/healthz")?;
    ensure!(
        status == 200 && body.contains("\"status\":\"ok\""),
        "{status} {body}"
    );

    let mut ldap = bind(&server, READER_DN, READER_PW).await?;
    search_ok(&mut ldap, BASE, Scope::Subtree, "(uid=10001)", &["cn"]).await?;
    let _ = crate::support::try_bind(&server, READER_DN, "wrong").await?;

    let (status, body) = http_get(server.http_addr(), "/metrics")?;
    ensure!(status == 200, "{status} {body}");
    ensure!(
        counter(&body, "orgdir_binds_total{result=\"ok\"}") >= 1,
        "{body}"
    );
    ensure!(
        counter(&body, "orgdir_binds_total{result=\"failed\"}") >= 1,
        "{body}"
    );
    ensure!(
        counter(&body, "orgdir_ldap_operations_total{op=\"search\"}") >= 1,
        "{body}"
    );
    ensure!(
        counter(&body, "orgdir_ldap_connections_total") >= 2,
        "{body}"
    );
    ensure!(counter(&body, "orgdir_members") == 50, "{body}");
    Ok(())
}

#[tokio::test]
async fn sign_in_over_http_shares_ldap_lockout() -> Result<()> {
    let server = own_server(Options::new().env("ORGDIR_SECURITY_BIND_LOCKOUT_THRESHOLD", "3"))?;
    let good = r#"{"enterprise":100001,"account":"10007","password":"Passw0rd-10007"}"#;
    let (status, head, body) = http_post_json(server.http_addr(), "/api/v1/session", good)?;
    ensure!(status == 200, "{status} {body}");
    ensure!(
        head.to_ascii_lowercase()
            .contains("set-cookie: orgdir_session="),
        "{head}"
    );
    ensure!(
        head.contains("HttpOnly") && head.contains("SameSite=Strict"),
        "{head}"
    );
    // Three wrong passwords over the panel lock the account for LDAP too.
    let bad = r#"{"enterprise":100001,"account":"10007","password":"wrong"}"#;
    for _ in 0..3 {
        let (status, _, body) = http_post_json(server.http_addr(), "/api/v1/session", bad)?;
        ensure!(
            status == 401 && body.contains("invalid_credentials"),
            "{status} {body}"
        );
    }
    let (_, res) = crate::support::try_bind(&server, "10007", "Passw0rd-10007").await?;
    ensure!(
        res.rc == 49,
        "the lockout must apply to LDAP binds: {res:?}"
    );
    Ok(())
}

/// `curl` against the HTTPS listener, verifying the server certificate with the generated CA:
/// the response head and body.
fn curl_https(server: &orgdir_testkit::Server, args: &[&str]) -> Result<(String, String)> {
    let https = server
        .ready()
        .https
        .context("the ready file names no HTTPS listener")?;
    let mut cmd = std::process::Command::new("curl");
    cmd.args(["-sS", "-i", "--max-time", "30", "--cacert"])
        .arg(server.ca_cert())
        .args(
            args.iter()
                .map(|a| a.replace("{base}", &format!("https://localhost:{}", https.port()))),
        );
    let out = orgdir_testkit::run(&mut cmd, Duration::from_secs(60))?;
    ensure!(out.success(), "curl failed:\n{out}");
    let (head, body) = out
        .stdout
        .split_once("\r\n\r\n")
        .unwrap_or((out.stdout.as_str(), ""));
    Ok((head.to_string(), body.to_string()))
}

#[test]
fn https_serves_the_account_center_with_secure_cookies_and_hsts() -> Result<()> {
    let server = own_server(Options::new().env("ORGDIR_HTTP_TLS_LISTEN", "127.0.0.1:0"))?;
    // A client that connects and never speaks must not hold up the others.
    let _silent = TcpStream::connect(server.ready().https.context("no https")?)?;
    let (head, body) = curl_https(&server, &["{base}/healthz"])?;
    ensure!(head.starts_with("HTTP/1.1 200"), "{head}");
    ensure!(body.contains("\"status\":\"ok\""), "{body}");
    ensure!(
        head.to_ascii_lowercase()
            .contains("strict-transport-security: max-age="),
        "no HSTS: {head}"
    );
    // The panel's sign-in form and the API's sign-in set Secure cookies over HTTPS...
    let (head, _) = curl_https(&server, &["{base}/panel/signin"])?;
    let login_cookie = head
        .lines()
        .find(|l| {
            l.to_ascii_lowercase()
                .starts_with("set-cookie: orgdir_login=")
        })
        .context("no login cookie")?;
    ensure!(login_cookie.contains("; Secure"), "{login_cookie}");
    let (head, _) = curl_https(
        &server,
        &[
            "-H",
            "Content-Type: application/json",
            "--data",
            r#"{"enterprise":100001,"password":"Admin-Passw0rd-1"}"#,
            "{base}/api/v1/session",
        ],
    )?;
    ensure!(head.starts_with("HTTP/1.1 200"), "{head}");
    let session = head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .context("no session cookie")?;
    ensure!(
        session.contains("; Secure") && session.contains("HttpOnly"),
        "{session}"
    );
    // ...and the plain listener does not mark them (a browser would drop them over HTTP).
    let (status, head, _) = http_post_json(
        server.http_addr(),
        "/api/v1/session",
        r#"{"enterprise":100001,"password":"Admin-Passw0rd-1"}"#,
    )?;
    ensure!(status == 200, "{head}");
    ensure!(!head.contains("; Secure"), "{head}");
    // A client that does not trust the CA is refused by its own TLS check.
    let mut cmd = std::process::Command::new("curl");
    cmd.args(["-sS", "--max-time", "30", "--cacert", "/dev/null"])
        .arg(format!(
            "https://localhost:{}/healthz",
            server.ready().https.context("no https")?.port()
        ));
    let out = orgdir_testkit::run(&mut cmd, Duration::from_secs(60))?;
    ensure!(!out.success(), "curl trusted an unknown CA:\n{out}");
    Ok(())
}
