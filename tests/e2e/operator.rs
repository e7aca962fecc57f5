//! The server operator and API tokens against a real server: `orgdir operator add` on a data
//! directory, then `serve` it; the operator signs in over HTTP, creates an enterprise and sets
//! its terms; the new enterprise's administrator signs in and LDAP serves its naming context;
//! a read API token of the demo administrator reads, cannot write, and stops at revocation.

use std::net::SocketAddr;

use anyhow::{Context, Result, ensure};
use orgdir_testkit::{Options, run};
use serde_json::{Value, json};

use crate::cli::{orgdir, orgdir_with_stdin};
use crate::support::{ADMIN_PW, TOOL_TIMEOUT, http_request, own_server, search_as};

const OPERATOR_PW: &str = "Operator-Passw0rd-1";

/// One request with an optional bearer token and JSON body: the status and the JSON
/// answer (Null when there is none).
fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Result<(u16, Value)> {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(a) = &auth {
        headers.push(("Authorization", a));
    }
    let body = body.map(Value::to_string).unwrap_or_default();
    let (status, _, text) = http_request(addr, method, path, &headers, &body)?;
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

/// The JSON value at `pointer` (Null when absent).
fn at<'a>(v: &'a Value, pointer: &str) -> &'a Value {
    v.pointer(pointer).unwrap_or(&Value::Null)
}

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Signs in to the account center; returns the session token.
fn sign_in(addr: SocketAddr, enterprise: u64, password: &str) -> Result<String> {
    let (status, json) = http(
        addr,
        "POST",
        "/api/v1/session",
        None,
        Some(&json!({ "enterprise": enterprise, "password": password })),
    )?;
    ensure!(status == 200, "sign-in to {enterprise}: {status} {json}");
    Ok(at(&json, "/token").as_str().context("token")?.to_string())
}

#[test]
fn operator_creates_an_enterprise_that_ldap_serves() -> Result<()> {
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    let data_s = data.to_string_lossy().to_string();
    let out = orgdir_with_stdin(
        &[
            "operator",
            "add",
            "ops",
            "--password-stdin",
            "--data-dir",
            &data_s,
        ],
        &format!("{OPERATOR_PW}\n"),
    )?;
    ensure!(out.status.success(), "{}", text(&out));
    let out = orgdir_with_stdin(&["operator", "add", "spare", "--data-dir", &data_s], "")?;
    ensure!(
        out.status.success() && text(&out).contains("shown only this once"),
        "{}",
        text(&out)
    );
    let out = run(
        &mut orgdir(&["operator", "list", "--data-dir", &data_s]),
        TOOL_TIMEOUT,
    )?
    .ok()?;
    ensure!(
        out.stdout.contains("ops\tadded ") && out.stdout.contains("spare\tadded "),
        "{out}"
    );
    let out = orgdir_with_stdin(&["operator", "remove", "spare", "--data-dir", &data_s], "")?;
    ensure!(out.status.success(), "{}", text(&out));

    let server = own_server(Options::new().data_dir(&data))?;
    let addr = server.http_addr();
    // Operators are managed with the server stopped.
    let out = orgdir_with_stdin(&["operator", "add", "late", "--data-dir", &data_s], "")?;
    ensure!(
        !out.status.success() && text(&out).contains("another orgdir process"),
        "{}",
        text(&out)
    );

    let sign_in_op = |password: &str| {
        http(
            addr,
            "POST",
            "/api/v1/operator/session",
            None,
            Some(&json!({ "name": "ops", "password": password })),
        )
    };
    let (status, json) = sign_in_op("wrong")?;
    ensure!(
        status == 401 && at(&json, "/code") == "invalid_credentials",
        "{status} {json}"
    );
    let (status, json) = sign_in_op(OPERATOR_PW)?;
    ensure!(status == 200, "{status} {json}");
    let op = at(&json, "/token")
        .as_str()
        .context("operator token")?
        .to_string();
    let (status, _) = http(addr, "GET", "/api/v1/orgs", Some(&op), None)?;
    ensure!(
        status == 401,
        "an operator session is no enterprise session: {status}"
    );

    let new = json!({
        "number": 100_007, "short_name": "Newco", "naming_context": "dc=newco,dc=test",
        "seats": 10, "account_range": [30001, 39999], "super_password": "Newco-Super-1"
    });
    let (status, json) = http(
        addr,
        "POST",
        "/api/v1/operator/enterprises",
        Some(&op),
        Some(&new),
    )?;
    ensure!(
        status == 201 && at(&json, "/naming_context") == "dc=newco,dc=test",
        "{status} {json}"
    );
    let terms = json!({ "seats": 25, "expires_at": 1_924_991_999 });
    let (status, json) = http(
        addr,
        "PATCH",
        "/api/v1/operator/enterprises/100007",
        Some(&op),
        Some(&terms),
    )?;
    ensure!(
        status == 200 && at(&json, "/seats") == 25 && at(&json, "/expires_at") == 1_924_991_999,
        "{status} {json}"
    );
    let (status, list) = http(addr, "GET", "/api/v1/operator/enterprises", Some(&op), None)?;
    let numbers: Vec<u64> = list
        .as_array()
        .context("a list")?
        .iter()
        .filter_map(|e| at(e, "/number").as_u64())
        .collect();
    ensure!(
        status == 200 && numbers == [100_001, 100_007],
        "{status} {list}"
    );

    // The new enterprise's administrator signs in and adds an org; LDAP serves it.
    let newco = sign_in(addr, 100_007, "Newco-Super-1")?;
    let (status, _) = http(
        addr,
        "GET",
        "/api/v1/operator/enterprises",
        Some(&newco),
        None,
    )?;
    ensure!(
        status == 401,
        "an enterprise session is no operator session: {status}"
    );
    let (_, orgs) = http(addr, "GET", "/api/v1/orgs", Some(&newco), None)?;
    let root = at(&orgs, "/0/id").as_u64().context("root org")?;
    let (status, json) = http(
        addr,
        "POST",
        "/api/v1/orgs",
        Some(&newco),
        Some(&json!({ "parent": root, "name": "Research" })),
    )?;
    ensure!(status == 201, "{status} {json}");
    let entries = search_as(
        &server,
        "cn=admin,dc=newco,dc=test",
        "Newco-Super-1",
        &[
            "-b",
            "dc=newco,dc=test",
            "(objectClass=organizationalUnit)",
            "ou",
        ],
    )?;
    ensure!(
        entries.len() == 1 && entries.iter().all(|e| e.first("ou") == Some("Research")),
        "{entries:?}"
    );
    // Both operator actions are in the enterprise's audit log.
    let (_, audit) = http(
        addr,
        "GET",
        "/api/v1/audit?actor=operator",
        Some(&newco),
        None,
    )?;
    let actions: Vec<&str> = at(&audit, "/entries")
        .as_array()
        .context("entries")?
        .iter()
        .filter_map(|e| at(e, "/action").as_str())
        .collect();
    ensure!(
        actions == ["enterprise.terms", "enterprise.create"],
        "{audit}"
    );
    Ok(())
}

#[test]
fn a_read_token_reads_never_writes_and_ends_when_revoked() -> Result<()> {
    let server = own_server(Options::new())?;
    let addr = server.http_addr();
    let admin = sign_in(addr, 100_001, ADMIN_PW)?;
    let (status, json) = http(
        addr,
        "POST",
        "/api/v1/tokens",
        Some(&admin),
        Some(&json!({ "name": "e2e export", "access": "read", "expires_in_days": 1 })),
    )?;
    ensure!(status == 201, "{status} {json}");
    let secret = at(&json, "/secret").as_str().context("secret")?.to_string();
    let id = at(&json, "/token/id").as_u64().context("id")?;
    ensure!(secret.starts_with("odt_"), "{secret}");

    let (status, orgs) = http(addr, "GET", "/api/v1/orgs", Some(&secret), None)?;
    ensure!(
        status == 200 && orgs.as_array().is_some_and(|o| !o.is_empty()),
        "{status}"
    );
    let (status, json) = http(
        addr,
        "POST",
        "/api/v1/orgs",
        Some(&secret),
        Some(&json!({ "parent": 1, "name": "Not allowed" })),
    )?;
    ensure!(
        status == 403 && at(&json, "/code") == "read_only_token",
        "{status} {json}"
    );
    let (status, _) = http(
        addr,
        "DELETE",
        &format!("/api/v1/tokens/{id}"),
        Some(&secret),
        None,
    )?;
    ensure!(status == 403, "a read token cannot revoke: {status}");

    let (status, _) = http(
        addr,
        "DELETE",
        &format!("/api/v1/tokens/{id}"),
        Some(&admin),
        None,
    )?;
    ensure!(status == 204, "{status}");
    let (status, json) = http(addr, "GET", "/api/v1/orgs", Some(&secret), None)?;
    ensure!(
        status == 401 && at(&json, "/code") == "unauthenticated",
        "{status} {json}"
    );
    Ok(())
}
