//! Recovery and SSO links through the router, in process, with the directory's clock under
//! the test's control and mail written to an outbox in a temporary folder.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use orgdir_directory::world::ManualClock;
use orgdir_domain::authz::Actor;
use orgdir_domain::command::Command;
use orgdir_store::AuditQuery;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::links::Links;
use crate::{AppState, router};

/// The start of the test clock.
pub(crate) const T0: i64 = 1_764_000_000;
pub(crate) const DEMO: u64 = 100_001;
const KEY: [u8; 32] = [9; 32];

/// The demo enterprise behind the router, its clock, and the outbox its mail goes to.
pub(crate) struct Fixture {
    pub(crate) app: axum::Router,
    pub(crate) state: AppState,
    pub(crate) clock: Arc<ManualClock>,
    pub(crate) outbox: tempfile::TempDir,
}

pub(crate) async fn fixture() -> Fixture {
    let clock = Arc::new(ManualClock::new(T0));
    let dir = crate::panel::testkit::demo_directory_at(clock.clone()).await;
    let outbox = tempfile::tempdir().unwrap();
    let mailer = orgdir_mail::Mailer::new(orgdir_mail::Settings::outbox(
        outbox.path(),
        "orgdir <noreply@example.com>",
    ))
    .unwrap();
    let state = AppState::new(dir, false)
        .with_links(Links::new(KEY, "https://panel.example.com/", 30))
        .with_mailer(Arc::new(mailer));
    Fixture {
        app: router(state.clone()),
        state,
        clock,
        outbox,
    }
}

/// A JSON request with an optional bearer token: status and JSON answer (Null if none).
pub(crate) async fn call(
    app: &axum::Router,
    method: &str,
    path: &str,
    bearer: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(t) = bearer {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let body = match body {
        Some(b) => {
            req = req.header(header::CONTENT_TYPE, "application/json");
            Body::from(b.to_string())
        }
        None => Body::empty(),
    };
    let resp = app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// Signs in over the API: the session token, or the status of the refusal.
pub(crate) async fn sign_in(
    app: &axum::Router,
    account: Option<&str>,
    password: &str,
) -> Result<String, StatusCode> {
    let body = json!({ "enterprise": DEMO, "account": account, "password": password });
    match call(app, "POST", "/api/v1/session", None, Some(body)).await {
        (StatusCode::OK, v) => Ok(v["token"].as_str().unwrap().to_string()),
        (status, _) => Err(status),
    }
}

/// Decodes a quoted-printable body (soft line breaks and `=XX`).
pub(crate) fn quoted_printable(s: &str) -> String {
    let joined = s.replace("=\r\n", "").replace("=\n", "");
    let mut out = Vec::new();
    let b = joined.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'='
            && let Some(hex) = joined.get(i + 1..i + 3)
            && let Ok(v) = u8::from_str_radix(hex, 16)
        {
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// The mails in the outbox (after the background sends finished): file and decoded text.
pub(crate) async fn outbox(f: &Fixture) -> Vec<(std::path::PathBuf, String)> {
    f.state.mailer.as_ref().unwrap().idle().await;
    std::fs::read_dir(f.outbox.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let text = quoted_printable(&std::fs::read_to_string(&p).unwrap());
            (p, text)
        })
        .collect()
}

/// The mails in the outbox, decoded, in the order they were written.
pub(crate) async fn mails(f: &Fixture) -> Vec<String> {
    let mut all = outbox(f).await;
    all.sort();
    all.into_iter().map(|(_, text)| text).collect()
}

/// The token of the recovery link in a mail.
pub(crate) fn link_token(mail: &str) -> String {
    let prefix = "https://panel.example.com/panel/recover?token=";
    let start = mail
        .find(prefix)
        .unwrap_or_else(|| panic!("no link in {mail}"))
        + prefix.len();
    mail[start..]
        .split(|c: char| c.is_whitespace())
        .next()
        .unwrap()
        .to_string()
}

/// `POST /api/v1/recovery` for `enterprise` (a number, or anything else to see it refused).
pub(crate) async fn ask(app: &axum::Router, enterprise: Value) -> (StatusCode, Value) {
    let body = json!({ "enterprise": enterprise });
    call(app, "POST", "/api/v1/recovery", None, Some(body)).await
}

/// Asks for a recovery link over the API and reads it from the outbox.
pub(crate) async fn mailed_token(f: &Fixture) -> String {
    let before: Vec<_> = outbox(f).await.into_iter().map(|(p, _)| p).collect();
    let (status, _) = ask(&f.app, json!(DEMO)).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let new: Vec<String> = outbox(f)
        .await
        .into_iter()
        .filter(|(p, _)| !before.contains(p))
        .map(|(_, text)| text)
        .collect();
    assert_eq!(new.len(), 1, "one new mail");
    link_token(&new[0])
}

/// Audit rows of the demo enterprise with `action`, newest first: (actor, source, detail).
pub(crate) fn audit(f: &Fixture, action: &str) -> Vec<(String, String, String)> {
    f.state
        .dir
        .store()
        .audit(
            DEMO,
            &AuditQuery {
                action: Some(action.into()),
                limit: 100,
                ..AuditQuery::default()
            },
        )
        .unwrap()
        .into_iter()
        .map(|r| (r.actor, r.source, r.detail))
        .collect()
}

/// Sets (or clears) the demo enterprise's recovery email, as its administrator.
async fn set_recovery_email(f: &Fixture, email: Option<&str>) {
    f.state
        .dir
        .execute(
            DEMO,
            Actor::EnterpriseAdmin,
            "test",
            Command::SetRecoveryEmail {
                email: email.map(String::from),
            },
        )
        .await
        .unwrap();
}

async fn complete(f: &Fixture, token: &str, password: &str) -> (StatusCode, Value) {
    call(
        &f.app,
        "POST",
        "/api/v1/recovery/complete",
        None,
        Some(json!({ "token": token, "password": password })),
    )
    .await
}

#[tokio::test]
async fn a_mailed_link_sets_a_super_password_that_meets_ent3_once() {
    let f = fixture().await;
    let old_session = sign_in(&f.app, None, "Admin-Passw0rd-1").await.unwrap();
    let token = mailed_token(&f).await;
    let mail = mails(&f).await.pop().unwrap();
    for line in [
        "To: it@example.com",
        "Subject: Reset the super password of enterprise 100001",
        "within 30 minutes",
        "申请重置企业 100001",
    ] {
        assert!(mail.contains(line), "{line} missing:\n{mail}");
    }
    let request = audit(&f, "recovery.request");
    assert_eq!(request.len(), 1);
    assert_eq!(request[0].0, "anonymous");
    assert!(
        request[0].2.starts_with("link sent by outbox"),
        "{request:?}"
    );
    let delivered = audit(&f, "recovery.mail");
    assert!(
        delivered[0].2.starts_with("written to the outbox"),
        "{delivered:?}"
    );

    // ENT-3: three classes of four. A refused password does not use the link up.
    for weak in ["abcabc123", "ABCABC123", "abcABCdef", "abc&*%abc", "aB1&"] {
        let (status, body) = complete(&f, &token, weak).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{weak}: {body}");
        assert_eq!(body["code"], "weak_password", "{weak}");
    }
    let (_, body) = complete(&f, &token, "abcabc123").await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("at least three of"),
        "{body}"
    );
    assert_eq!(audit(&f, "recovery.refused").len(), 6);

    let (status, body) = complete(&f, &token, "abcABC123").await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    // The new password signs in, the old one does not; the old session has ended.
    assert!(sign_in(&f.app, None, "abcABC123").await.is_ok());
    assert_eq!(
        sign_in(&f.app, None, "Admin-Passw0rd-1").await,
        Err(StatusCode::UNAUTHORIZED)
    );
    let (status, _) = call(&f.app, "GET", "/api/v1/me", Some(&old_session), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let used = audit(&f, "enterprise.super_password");
    assert_eq!(used.len(), 1);
    assert_eq!(
        (used[0].0.as_str(), used[0].1.as_str()),
        ("super", "recovery link, api")
    );

    // Once only.
    let (status, body) = complete(&f, &token, "Another-Passw0rd-2").await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(body["code"], "recovery_link_used");
    assert!(
        audit(&f, "recovery.refused")[0]
            .2
            .starts_with("already used")
    );
    assert!(sign_in(&f.app, None, "abcABC123").await.is_ok());
}

#[tokio::test]
async fn links_expire_and_refuse_tampering() {
    let f = fixture().await;
    let token = mailed_token(&f).await;
    // One second before the end it still shows; at the end it is refused.
    f.clock.advance(30 * 60 - 1);
    assert!(crate::recovery::check_link(&f.state, &token, f.state.dir.now()).is_ok());
    f.clock.advance(1);
    let (status, body) = complete(&f, &token, "abcABC123").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::GONE, Some("recovery_link_expired"))
    );
    assert_eq!(audit(&f, "recovery.refused")[0].2, "expired");

    // A changed signature, a changed payload, another kind of token: invalid.
    let fresh = mailed_token(&f).await;
    let mut chars: Vec<char> = fresh.chars().collect();
    // Inside the MAC (its last character also holds padding bits).
    let at = chars.len() - 5;
    chars[at] = if chars[at] == 'A' { 'B' } else { 'A' };
    let bad_mac: String = chars.into_iter().collect();
    let sso_kind = fresh.replacen("r1.", "s1.", 1);
    for bad in [bad_mac.as_str(), sso_kind.as_str(), "garbage"] {
        let (status, body) = complete(&f, bad, "abcABC123").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{bad}");
        assert_eq!(body["code"], "recovery_link_invalid");
    }
    // Only the well-formed forgery names an enterprise to audit in.
    let refused = audit(&f, "recovery.refused");
    assert_eq!(refused[0].2, "bad signature");
    assert_eq!(refused.len(), 2, "{refused:?}");

    // A link dies when the recovery email changes.
    set_recovery_email(&f, Some("ops@example.com")).await;
    let (status, body) = complete(&f, &fresh, "abcABC123").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::GONE, Some("recovery_link_used"))
    );
    assert!(sign_in(&f.app, None, "Admin-Passw0rd-1").await.is_ok());
}

#[tokio::test]
async fn every_request_gets_the_same_answer() {
    let f = fixture().await;
    let with_email = ask(&f.app, json!(DEMO)).await;
    let unknown = ask(&f.app, json!(999_999)).await;
    assert_eq!(with_email.0, StatusCode::ACCEPTED);
    assert_eq!(with_email, unknown);
    set_recovery_email(&f, None).await;
    assert_eq!(ask(&f.app, json!(DEMO)).await, with_email);
    assert_eq!(
        mails(&f).await.len(),
        1,
        "only the enterprise with an email got one"
    );
    assert_eq!(
        audit(&f, "recovery.request")[0].2,
        "not sent: the enterprise has no recovery email"
    );
    let (status, _) = ask(&f.app, json!("x")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Without a mail transport the request is audited as not sent.
    let bare = AppState::new(f.state.dir.clone(), false);
    set_recovery_email(&f, Some("it@example.com")).await;
    let (status, _) = ask(&router(bare), json!(DEMO)).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(
        audit(&f, "recovery.request")[0].2,
        "not sent: outgoing mail is not configured"
    );
}

#[tokio::test]
async fn requests_mails_and_refusals_are_limited() {
    let f = fixture().await;
    for _ in 0..3 {
        mailed_token(&f).await;
    }
    // The fourth request within 30 minutes is answered alike but mails nothing.
    let (status, _) = ask(&f.app, json!(DEMO)).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(mails(&f).await.len(), 3);
    assert!(
        audit(&f, "recovery.request")[0]
            .2
            .contains("not sent: 3 recovery mails")
    );
    // Ten requests per address in 15 minutes, then 429.
    for _ in 4..10 {
        let (status, _) = ask(&f.app, json!(1)).await;
        assert_eq!(status, StatusCode::ACCEPTED);
    }
    let (status, body) = ask(&f.app, json!(1)).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("too_many_attempts"))
    );

    // Ten refused links per address, then even a good link waits.
    let good = link_token(&mails(&f).await.pop().unwrap());
    for _ in 0..10 {
        let (status, _) = complete(&f, "r1.x.y", "abcABC123").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let (status, _) = complete(&f, &good, "abcABC123").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    f.clock.advance(15 * 60);
    let (status, body) = complete(&f, &good, "abcABC123").await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
}

// --- SSO hand-off (LOGIN-3) ------------------------------------------------------------

/// A GET of a panel path without a cookie: status, Location and Set-Cookie.
async fn open(app: &axum::Router, path: &str) -> (StatusCode, String, String) {
    let resp = app
        .clone()
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let h = |n| {
        resp.headers()
            .get(n)
            .map(|v: &axum::http::HeaderValue| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    (resp.status(), h(header::LOCATION), h(header::SET_COOKIE))
}

/// An SSO link for a member signed in over the API: its path on the server and expiry.
async fn sso_link(f: &Fixture, session: &str) -> (String, i64) {
    let (status, body) = call(&f.app, "POST", "/api/v1/sso-link", Some(session), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let url = body["url"].as_str().unwrap();
    let path = url.strip_prefix("https://panel.example.com").unwrap();
    assert!(path.starts_with("/panel/sso?token=s1."), "{url}");
    (path.to_string(), body["expires_at"].as_i64().unwrap())
}

#[tokio::test]
async fn an_sso_link_opens_the_panel_once() {
    let f = fixture().await;
    let session = sign_in(&f.app, Some("10001"), "Passw0rd-10001")
        .await
        .unwrap();
    let (path, expires) = sso_link(&f, &session).await;
    assert_eq!(expires, T0 + 60);
    let (status, location, cookie) = open(&f.app, &path).await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/panel/")
    );
    assert!(
        cookie.starts_with("orgdir_session=") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    // The cookie is a session of member 10001.
    let token = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("orgdir_session=");
    let (status, me) = call(&f.app, "GET", "/api/v1/me", Some(token), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        me["dn"],
        "uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com"
    );
    // Twice: refused, with nothing set.
    let (status, _, cookie) = open(&f.app, &path).await;
    assert_eq!((status, cookie.as_str()), (StatusCode::GONE, ""));
    let used = audit(&f, "sso.used");
    assert_eq!(used.len(), 1);
    assert_eq!(used[0].0, "member 10001");
    assert_eq!(audit(&f, "sso.refused")[0].2, "already used");

    // A minute later a link is refused; a forged one always is (and is not audited).
    let (path, _) = sso_link(&f, &session).await;
    f.clock.advance(60);
    let (status, _, _) = open(&f.app, &path).await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(audit(&f, "sso.refused")[0].2, "expired");
    let (path, _) = sso_link(&f, &session).await;
    let forged = path.replacen("token=s1.", "token=s1.A", 1);
    let (status, _, _) = open(&f.app, &forged).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(audit(&f, "sso.refused").len(), 2);
    let (status, _, _) = open(&f.app, &path).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "the real one still works");
}

#[tokio::test]
async fn sso_links_of_disabled_members_and_other_callers_are_refused() {
    let f = fixture().await;
    let session = sign_in(&f.app, Some("10007"), "Passw0rd-10007")
        .await
        .unwrap();
    let (path, _) = sso_link(&f, &session).await;
    let id = f
        .state
        .dir
        .catalog()
        .get(DEMO)
        .unwrap()
        .state
        .member_by_account("10007")
        .unwrap()
        .id;
    f.state
        .dir
        .execute(
            DEMO,
            Actor::EnterpriseAdmin,
            "test",
            Command::SetMemberDisabled {
                member: id,
                disabled: true,
            },
        )
        .await
        .unwrap();
    let (status, _, cookie) = open(&f.app, &path).await;
    assert_eq!((status, cookie.as_str()), (StatusCode::FORBIDDEN, ""));
    assert_eq!(
        audit(&f, "sso.refused")[0].2,
        "the member is disabled, deleted or reassigned"
    );

    // Not the administrator, not an API token, not without a session.
    let admin = sign_in(&f.app, None, "Admin-Passw0rd-1").await.unwrap();
    let (status, body) = call(&f.app, "POST", "/api/v1/sso-link", Some(&admin), None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("members_only"))
    );
    let member = sign_in(&f.app, Some("10001"), "Passw0rd-10001")
        .await
        .unwrap();
    for access in ["read", "read-write"] {
        let (status, body) = call(
            &f.app,
            "POST",
            "/api/v1/tokens",
            Some(&member),
            Some(json!({ "name": access, "access": access })),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let secret = body["secret"].as_str().unwrap();
        let (status, _) = call(&f.app, "POST", "/api/v1/sso-link", Some(secret), None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{access} token");
    }
    let (status, _) = call(&f.app, "POST", "/api/v1/sso-link", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
