//! The enterprise account pages in-process: a profile change waits for the operator and goes
//! live only when approved; a rejection's reason reaches the enterprise; the recovery email
//! needs the super password; an initial password makes new members change it first, in the
//! panel and over the API.

use axum::http::StatusCode;

use super::super::testkit::{app_with_operator, op_sign_in, send, session_of, sign_in};

async fn api_json(app: &axum::Router, cookie: &str, path: &str) -> serde_json::Value {
    let r = send(app, "GET", path, cookie, &[], None).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

async fn post(
    app: &axum::Router,
    cookie: &str,
    path: &str,
    form: &str,
) -> super::super::testkit::Resp {
    send(app, "POST", path, cookie, &[], Some(form)).await
}

#[tokio::test]
async fn a_profile_change_waits_for_the_operator() {
    let app = app_with_operator().await;
    let (admin, csrf) = sign_in(&app, "", "Admin-Passw0rd-1").await;
    let form = format!(
        "csrf_token={csrf}&name=Example+Group+Ltd.&short_name=ExampleGroup&address=1+Road\
         &industry=Software&contact_name=Li+Lei&contact_phone=%2B86+10+1234&contact_email=li%40example.com"
    );
    let r = post(&app, &admin, "/panel/account/profile", &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let e = api_json(&app, &admin, "/api/v1/enterprise").await;
    assert_eq!(e["profile"]["name"], "Example Ltd.", "the live name stays");
    assert_eq!(e["pending"]["profile"]["name"], "Example Group Ltd.");
    let page = send(&app, "GET", "/panel/account", &admin, &[], None).await;
    assert!(page.body.contains("id=\"pending\""), "{}", page.body);
    // The operator rejects it with a reason; the enterprise reads the reason.
    let (op, op_csrf) = op_sign_in(&app).await;
    let queue = send(&app, "GET", "/panel/operator/", &op, &[], None).await;
    assert!(
        queue.body.contains("data-number=\"100001\""),
        "{}",
        queue.body
    );
    assert!(queue.body.contains("Example Group Ltd."));
    let r = post(
        &app,
        &op,
        "/panel/operator/enterprises/100001/review",
        &format!("csrf_token={op_csrf}&decision=reject&reason="),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a reason is needed"
    );
    let r = post(
        &app,
        &op,
        "/panel/operator/enterprises/100001/review",
        &format!("csrf_token={op_csrf}&decision=reject&reason=The+licence+says+otherwise"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = send(&app, "GET", "/panel/account", &admin, &[], None).await;
    assert!(page.body.contains("The licence says otherwise"));
    assert!(!page.body.contains("id=\"pending\""));
    // Submitted again and approved: live, the root org renamed.
    let r = post(&app, &admin, "/panel/account/profile", &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = post(
        &app,
        &op,
        "/panel/operator/enterprises/100001/review",
        &format!("csrf_token={op_csrf}&decision=approve"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let e = api_json(&app, &admin, "/api/v1/enterprise").await;
    assert_eq!(e["profile"]["name"], "Example Group Ltd.");
    assert_eq!(e["profile"]["contact_phone"], "+86 10 1234");
    assert_eq!(e["pending"], serde_json::Value::Null);
    let orgs = send(&app, "GET", "/api/v1/orgs", &admin, &[], None).await;
    assert!(
        orgs.body.contains("\"name\":\"ExampleGroup\""),
        "{}",
        orgs.body
    );
    // The audit log has the submission and both decisions.
    let audit = send(&app, "GET", "/api/v1/audit", &admin, &[], None).await;
    for action in [
        "enterprise.profile_submit",
        "enterprise.profile_reject",
        "enterprise.profile_approve",
    ] {
        assert!(audit.body.contains(action), "{action}: {}", audit.body);
    }
}

#[tokio::test]
async fn only_the_administrator_changes_the_account() {
    let app = app_with_operator().await;
    let (member, csrf) = sign_in(&app, "10002", "Passw0rd-10002").await;
    let page = send(&app, "GET", "/panel/account", &member, &[], None).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let r = post(
        &app,
        &member,
        "/panel/account/profile",
        &format!("csrf_token={csrf}&name=Mine&short_name=Mine"),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let e = api_json(&app, &member, "/api/v1/enterprise").await;
    assert!(
        e.get("recovery_email").is_none(),
        "members do not see it: {e}"
    );
    // The recovery email needs the super password.
    let (admin, csrf) = sign_in(&app, "", "Admin-Passw0rd-1").await;
    let r = post(
        &app,
        &admin,
        "/panel/account/recovery-email",
        &format!("csrf_token={csrf}&email=it%40example.com&confirm_password=wrong"),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = post(
        &app,
        &admin,
        "/panel/account/recovery-email",
        &format!("csrf_token={csrf}&email=it%40example.com&confirm_password=Admin-Passw0rd-1"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let e = api_json(&app, &admin, "/api/v1/enterprise").await;
    assert_eq!(e["recovery_email"], "it@example.com");
}

#[tokio::test]
async fn new_members_change_the_initial_password_first() {
    let app = app_with_operator().await;
    let (admin, csrf) = sign_in(&app, "", "Admin-Passw0rd-1").await;
    let r = post(
        &app,
        &admin,
        "/panel/account/initial-password",
        &format!("csrf_token={csrf}&password=Welcome-2026"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let support = api_json(&app, &admin, "/api/v1/orgs").await;
    let support = support
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "Support")
        .unwrap()["id"]
        .clone();
    let r = post(
        &app,
        &admin,
        "/panel/members/new",
        &format!("csrf_token={csrf}&org={support}&name=New+Comer&account=10200&role=5"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // The newcomer signs in with the initial password and is sent to change it.
    let cookie = session_of(&app, "10200", "Welcome-2026").await;
    for path in ["/panel/", "/panel/orgs", "/panel/search?q=a"] {
        let r = send(&app, "GET", path, &cookie, &[], None).await;
        assert_eq!(r.location, "/panel/password", "{path}");
    }
    let r = send(&app, "GET", "/api/v1/orgs", &cookie, &[], None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("password_change_required"), "{}", r.body);
    let page = send(&app, "GET", "/panel/password", &cookie, &[], None).await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = page
        .body
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let change = |current: &str, new: &str, repeat: &str| {
        format!("csrf_token={csrf}&current={current}&new={new}&repeat={repeat}")
    };
    let r = post(
        &app,
        &cookie,
        "/panel/password",
        &change("Welcome-2026", "Mine-2026-x", "Mine-2026-y"),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = post(
        &app,
        &cookie,
        "/panel/password",
        &change("wrong", "Mine-2026-x", "Mine-2026-x"),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = post(
        &app,
        &cookie,
        "/panel/password",
        &change("Welcome-2026", "Welcome-2026", "Welcome-2026"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = post(
        &app,
        &cookie,
        "/panel/password",
        &change("Welcome-2026", "Mine-2026-x", "Mine-2026-x"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = send(&app, "GET", "/panel/orgs", &cookie, &[], None).await;
    assert_eq!(r.status, StatusCode::OK, "free to go");
    let r = send(&app, "GET", "/api/v1/orgs", &cookie, &[], None).await;
    assert_eq!(r.status, StatusCode::OK);
    // Members added before keep their own password and are not asked.
    let old = session_of(&app, "10001", "Passw0rd-10001").await;
    let r = send(&app, "GET", "/panel/orgs", &old, &[], None).await;
    assert_eq!(r.status, StatusCode::OK);
}
