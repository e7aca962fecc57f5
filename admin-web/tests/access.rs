//! API tokens (they act as their owner with the owner's current rights; read tokens never
//! write; only sessions make them) and the operator's API (its own sessions, enterprises,
//! terms), driven in-process.

use std::sync::Arc;

use axum::http::StatusCode;
use orgdir_directory::service::Directory;
use orgdir_store::{NewApiToken, OperatorRecord, TokenAccess, TokenOwner};
use orgdir_web::{AppState, router};
use serde_json::{Value, json};

use super::{bearer, call, directory, sign_in};

/// A request with `Authorization: Bearer <token>`; status and JSON body.
async fn with(
    app: &axum::Router,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let auth = bearer(token);
    let (status, _, json) = call(app, method, path, &[("authorization", &auth)], body).await;
    (status, json)
}

async fn make_token(app: &axum::Router, session: &str, name: &str, access: &str) -> (u64, String) {
    let (status, json) = with(
        app,
        "POST",
        "/api/v1/tokens",
        session,
        Some(json!({ "name": name, "access": access, "expires_in_days": 30 })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{json}");
    let secret = json["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("odt_") && secret.len() == 68, "{secret}");
    assert_eq!(json["token"]["access"], access);
    (json["token"]["id"].as_u64().unwrap(), secret)
}

async fn member_id(app: &axum::Router, admin: &str, account: &str) -> u64 {
    let (_, page) = with(
        app,
        "GET",
        &format!("/api/v1/members?q={account}"),
        admin,
        None,
    )
    .await;
    page["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["account"] == account)
        .unwrap()["id"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn api_tokens_act_as_their_owner_with_current_rights() {
    let dir = directory().await;
    let app = router(AppState::new(dir.clone(), false));
    let (admin, _, _) = sign_in(&app, None, "Admin-Passw0rd-1").await;
    let (read_id, read) = make_token(&app, &admin, "export", "read").await;
    let (_, write) = make_token(&app, &admin, "provisioning", "read-write").await;

    // A read token reads; it never writes, whatever the owner may do.
    let (status, me) = with(&app, "GET", "/api/v1/me", &read, None).await;
    assert_eq!(
        (status, me["kind"].as_str()),
        (StatusCode::OK, Some("admin"))
    );
    let (status, _) = with(&app, "GET", "/api/v1/orgs", &read, None).await;
    assert_eq!(status, StatusCode::OK);
    let new_org = json!({ "parent": 1, "name": "Automation" });
    for (method, path, body) in [
        ("POST", "/api/v1/orgs", Some(new_org.clone())),
        ("DELETE", "/api/v1/members/5", None),
        ("DELETE", "/api/v1/session", None),
    ] {
        let (status, json) = with(&app, method, path, &read, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}");
        assert_eq!(json["code"], "read_only_token");
    }
    // A read-write token writes as its owner, and the audit log says through which token.
    let (status, json) = with(&app, "POST", "/api/v1/orgs", &write, Some(new_org)).await;
    assert_eq!(status, StatusCode::CREATED, "{json}");
    let (_, audit) = with(&app, "GET", "/api/v1/audit?action=org.create", &admin, None).await;
    let source = audit["entries"][0]["source"].as_str().unwrap();
    assert!(source.starts_with("api token "), "{source}");
    // No token makes tokens; a token is never a cookie session either.
    let (status, json) = with(
        &app,
        "POST",
        "/api/v1/tokens",
        &write,
        Some(json!({ "name": "child", "access": "read" })),
    )
    .await;
    assert_eq!(
        (status, json["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("session_required"))
    );
    let cookie = format!("orgdir_session={write}");
    let (status, _, _) = call(&app, "GET", "/api/v1/me", &[("cookie", &cookie)], None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Bad requests.
    for body in [
        json!({ "name": "x", "access": "admin" }),
        json!({ "name": " ", "access": "read" }),
        json!({ "name": "x", "access": "read", "expires_in_days": 0 }),
    ] {
        let (status, json) = with(&app, "POST", "/api/v1/tokens", &admin, Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{json}");
    }

    // A member's token follows the member's current role and status.
    let li_na = member_id(&app, &admin, "10002").await;
    let (li, _, _) = sign_in(&app, Some("10002"), "Passw0rd-10002").await;
    let (li_token_id, li_token) = make_token(&app, &li, "li's script", "read-write").await;
    let li_org = Some(json!({ "parent": 1, "name": "Li's" }));
    let (status, json) = with(&app, "POST", "/api/v1/orgs", &li_token, li_org).await;
    assert_eq!(status, StatusCode::CREATED, "{json}");
    let member_role = {
        let (_, roles) = with(&app, "GET", "/api/v1/roles", &admin, None).await;
        roles
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["builtin"] == "member")
            .unwrap()["id"]
            .clone()
    };
    let path = format!("/api/v1/members/{li_na}");
    let (status, _) = with(
        &app,
        "PATCH",
        &path,
        &admin,
        Some(json!({ "role": member_role })),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let li_org2 = json!({ "parent": 1, "name": "Li's 2" });
    let (status, json) = with(&app, "POST", "/api/v1/orgs", &li_token, Some(li_org2)).await;
    assert_eq!(
        (status, json["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    // A disabled owner's token stops; enabled again, it works again.
    for (disabled, want) in [(true, StatusCode::UNAUTHORIZED), (false, StatusCode::OK)] {
        let flag = Some(json!({ "disabled": disabled }));
        let (status, _) = with(&app, "PATCH", &path, &admin, flag).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = with(&app, "GET", "/api/v1/me", &li_token, None).await;
        assert_eq!(status, want, "owner disabled: {disabled}");
    }

    // Who sees which tokens: the administrator all, with owners; a member its own.
    let (_, all) = with(&app, "GET", "/api/v1/tokens", &admin, None).await;
    let owners: Vec<(&str, &str)> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["name"].as_str().unwrap(), t["owner"].as_str().unwrap()))
        .collect();
    assert_eq!(
        owners,
        [
            ("export", "admin"),
            ("provisioning", "admin"),
            ("li's script", "10002")
        ]
    );
    assert!(all[0]["last_used_at"].is_i64(), "{all}");
    assert!(
        !all.to_string().contains("odt_"),
        "secrets are never listed"
    );
    let (_, mine) = with(&app, "GET", "/api/v1/tokens", &li, None).await;
    assert_eq!(mine.as_array().unwrap().len(), 1);
    let revoke_read = format!("/api/v1/tokens/{read_id}");
    let (status, _) = with(&app, "DELETE", &revoke_read, &li, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not hers to revoke");

    // Revoked (once), expired, unknown: 401.
    for want in [StatusCode::NO_CONTENT, StatusCode::NOT_FOUND] {
        let (status, _) = with(&app, "DELETE", &revoke_read, &admin, None).await;
        assert_eq!(status, want);
    }
    let expired = "odt_expired-for-the-test";
    store_token(&dir, expired, TokenOwner::Admin, Some(dir.now() - 1));
    let valid = "odt_valid-for-the-test";
    store_token(&dir, valid, TokenOwner::Admin, Some(dir.now() + 3600));
    let (status, _) = with(&app, "GET", "/api/v1/me", valid, None).await;
    assert_eq!(status, StatusCode::OK, "a stored token works");
    for token in [read.as_str(), expired, "odt_unknown", "garbage"] {
        let (status, json) = with(&app, "GET", "/api/v1/me", token, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{token}");
        assert_eq!(json["code"], "unauthenticated");
    }

    // ORG-5: an account given to another person does not inherit its tokens.
    let path = format!("/api/v1/members/{li_na}/reassign");
    let (status, _) = with(
        &app,
        "POST",
        &path,
        &admin,
        Some(json!({ "name": "Someone Else", "password": "Fresh-Start-1" })),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = with(&app, "GET", "/api/v1/me", &li_token, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, all) = with(&app, "GET", "/api/v1/tokens", &admin, None).await;
    let li = all
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == li_token_id)
        .unwrap();
    assert_eq!(
        (li["owner"].clone(), li["active"].clone()),
        (Value::Null, json!(false))
    );

    let (_, audit) = with(&app, "GET", "/api/v1/audit?actor=super", &admin, None).await;
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str().filter(|a| a.starts_with("token.")))
        .collect();
    assert_eq!(actions, ["token.revoke", "token.create", "token.create"]);
}

fn store_token(dir: &Directory, secret: &str, owner: TokenOwner, expires_at: Option<i64>) {
    let token = NewApiToken {
        enterprise: 100_001,
        owner,
        name: secret.into(),
        digest: orgdir_web::auth::digest(secret),
        access: TokenAccess::Read,
        created_at: dir.now(),
        expires_at,
    };
    dir.store()
        .create_api_token(&token, &orgdir_store::AuditRecord::default())
        .unwrap();
}

/// The demo directory with operator `ops` (password `Operator-Passw0rd-1`).
async fn with_operator() -> (Arc<Directory>, axum::Router) {
    let dir = directory().await;
    orgdir_web::operator::set_password(&dir, "ops", "Operator-Passw0rd-1")
        .await
        .unwrap();
    let app = router(AppState::new(dir.clone(), false));
    (dir, app)
}

async fn operator_sign_in(
    app: &axum::Router,
    name: &str,
    password: &str,
) -> (StatusCode, Value, String) {
    let (status, headers, json) = call(
        app,
        "POST",
        "/api/v1/operator/session",
        &[],
        Some(json!({ "name": name, "password": password })),
    )
    .await;
    let cookie = headers
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, json, cookie)
}

#[tokio::test]
async fn operators_create_enterprises_and_set_their_terms() {
    let (_dir, app) = with_operator().await;
    // Unknown name and wrong password: the same answer.
    let (status, unknown, _) = operator_sign_in(&app, "nobody", "Operator-Passw0rd-1").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, wrong, _) = operator_sign_in(&app, "ops", "wrong").await;
    assert_eq!(unknown, wrong);
    assert_eq!(wrong["code"], "invalid_credentials");
    // Enterprise credentials are not operator credentials.
    let (status, _, _) = operator_sign_in(&app, "100001", "Admin-Passw0rd-1").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let (status, json, cookie) = operator_sign_in(&app, "OPS", "Operator-Passw0rd-1").await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["operator"], "ops");
    assert!(
        cookie.starts_with("orgdir_operator=") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    let op = json["token"].as_str().unwrap().to_string();

    // Operator and enterprise sessions do not open each other's doors.
    let (admin, _, admin_cookie) = sign_in(&app, None, "Admin-Passw0rd-1").await;
    let (api_token_id, api_token) = make_token(&app, &admin, "t", "read-write").await;
    let _ = api_token_id;
    for path in ["/api/v1/me", "/api/v1/orgs"] {
        let (status, _) = with(&app, "GET", path, &op, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
    }
    for token in [admin.as_str(), api_token.as_str()] {
        let (status, _) = with(&app, "GET", "/api/v1/operator/enterprises", token, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, _, _) = call(
        &app,
        "GET",
        "/api/v1/operator/enterprises",
        &[("cookie", &admin_cookie)],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let (status, list) = with(&app, "GET", "/api/v1/operator/enterprises", &op, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list[0]["number"], 100_001);
    assert_eq!(list[0]["members"], 50);

    let new = json!({
        "number": 100_002, "short_name": "Acme", "name": "Acme Ltd",
        "naming_context": "dc=acme,dc=test", "seats": 20, "account_range": [20001, 29999],
        "super_password": "Acme-Super-1"
    });
    let enterprises = "/api/v1/operator/enterprises";
    let (status, json) = with(&app, "POST", enterprises, &op, Some(new.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{json}");
    assert_eq!(json["naming_context"], "dc=acme,dc=test");
    let (status, json) = with(&app, "POST", enterprises, &op, Some(new)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{json}");
    let bad = json!({ "number": 100_003, "short_name": "X", "account_range": [5, 1], "super_password": "Acme-Super-1" });
    let (status, _) = with(&app, "POST", "/api/v1/operator/enterprises", &op, Some(bad)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // The new enterprise's administrator signs in with the super password.
    let (status, _, json) = call(
        &app,
        "POST",
        "/api/v1/session",
        &[],
        Some(json!({ "enterprise": 100_002, "password": "Acme-Super-1" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let acme_admin = json["token"].as_str().unwrap().to_string();

    // Terms: seats, range, expiry (and clearing it), limits.
    let path = "/api/v1/operator/enterprises/100002";
    let (status, json) = with(
        &app,
        "PATCH",
        path,
        &op,
        Some(
            json!({ "seats": 30, "expires_at": 1_900_000_000, "limits": { "max_scope_orgs": 5 } }),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(
        (
            json["seats"].clone(),
            json["expires_at"].clone(),
            json["limits"]["max_scope_orgs"].clone()
        ),
        (json!(30), json!(1_900_000_000), json!(5))
    );
    assert_eq!(json["account_range"], json!([20001, 29999]));
    let (status, json) = with(
        &app,
        "PATCH",
        path,
        &op,
        Some(json!({ "expires_at": null })),
    )
    .await;
    assert_eq!(
        (status, json["expires_at"].clone()),
        (StatusCode::OK, Value::Null)
    );
    assert_eq!(json["seats"], 30, "absent fields stay");
    for (path, body, want) in [
        (path, json!({}), StatusCode::BAD_REQUEST),
        (
            path,
            json!({ "limits": { "max_groups": 0 } }),
            StatusCode::BAD_REQUEST,
        ),
        (
            path,
            json!({ "account_range": [9, 1] }),
            StatusCode::BAD_REQUEST,
        ),
        (
            path,
            json!({ "super_password": "x" }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/v1/operator/enterprises/100001",
            json!({ "seats": 10 }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/v1/operator/enterprises/999",
            json!({ "seats": 10 }),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let (status, json) = with(&app, "PATCH", path, &op, Some(body.clone())).await;
        assert_eq!(status, want, "{path} {body}: {json}");
    }
    // The enterprise administrator cannot change what was bought.
    let (status, _) = with(
        &app,
        "PATCH",
        path,
        &acme_admin,
        Some(json!({ "seats": 999 })),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Both operator actions are in the enterprise's own audit log.
    let (_, audit) = with(&app, "GET", "/api/v1/audit", &acme_admin, None).await;
    let rows: Vec<(String, String, String)> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let f = |k: &str| e[k].as_str().unwrap().to_string();
            (f("action"), f("actor"), f("source"))
        })
        .collect();
    assert_eq!(audit["entries"][0]["target"], "no expiry");
    assert_eq!(
        audit["entries"][1]["target"],
        "seats 30, expires 1900000000, limits"
    );
    let by_op = |a: &str| {
        (
            a.to_string(),
            "operator".to_string(),
            "api operator ops".to_string(),
        )
    };
    assert_eq!(
        rows,
        [
            by_op("enterprise.terms"),
            by_op("enterprise.terms"),
            by_op("enterprise.create")
        ]
    );

    // With the cookie, a change needs the CSRF token.
    let op_cookie = cookie.split(';').next().unwrap().to_string();
    let (status, _, json) = call(
        &app,
        "PATCH",
        path,
        &[("cookie", &op_cookie)],
        Some(json!({ "seats": 31 })),
    )
    .await;
    assert_eq!(
        (status, json["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("csrf"))
    );

    let (status, _) = with(&app, "DELETE", "/api/v1/operator/session", &op, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = with(&app, "GET", "/api/v1/operator/enterprises", &op, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn operator_sign_in_locks_out_like_a_bind() {
    let (dir, app) = with_operator().await;
    let retired = orgdir_web::operator::set_password(&dir, "retired", "Disabled-Passw0rd-1")
        .await
        .unwrap();
    dir.store()
        .put_operator(&OperatorRecord {
            disabled: true,
            ..retired
        })
        .unwrap();
    let (status, json, _) = operator_sign_in(&app, "retired", "Disabled-Passw0rd-1").await;
    assert_eq!(
        (status, json["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_credentials"))
    );
    // The default threshold is 5 failures; then even the right password is refused.
    for _ in 0..5 {
        let (status, _, _) = operator_sign_in(&app, "ops", "wrong").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, _, _) = operator_sign_in(&app, "ops", "Operator-Passw0rd-1").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// ENT-1 over the API: a submitted profile waits; the operator lists it, rejects it (a
/// reason is required), approves a resubmission; only then is it live.
#[tokio::test]
async fn profile_changes_wait_for_the_operators_review() {
    let (_dir, app) = with_operator().await;
    let (token, _, _) = sign_in(&app, None, "Admin-Passw0rd-1").await;
    let admin = bearer(&token);
    let profile = json!({
        "name": "Example Group Ltd.", "short_name": "ExampleGroup",
        "industry": "Software", "contact_email": "li@example.com"
    });
    let (status, _, json) = call(
        &app,
        "PUT",
        "/api/v1/enterprise/profile",
        &[("authorization", &admin)],
        Some(profile.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{json}");
    let (_, _, e) = call(
        &app,
        "GET",
        "/api/v1/enterprise",
        &[("authorization", &admin)],
        None,
    )
    .await;
    assert_eq!(e["profile"]["name"], "Example Ltd.");
    assert_eq!(e["pending"]["profile"]["short_name"], "ExampleGroup");
    // Members neither submit nor review.
    let (mtoken, _, _) = sign_in(&app, Some("10002"), "Passw0rd-10002").await;
    let member = bearer(&mtoken);
    let (status, _, _) = call(
        &app,
        "PUT",
        "/api/v1/enterprise/profile",
        &[("authorization", &member)],
        Some(profile.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = call(
        &app,
        "GET",
        "/api/v1/operator/reviews",
        &[("authorization", &admin)],
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "an enterprise session is no operator's"
    );
    // The operator's queue, a rejection without and with a reason, then approval.
    let (_, op_json, _) = operator_sign_in(&app, "ops", "Operator-Passw0rd-1").await;
    let op = bearer(op_json["token"].as_str().unwrap());
    let (status, _, queue) = call(
        &app,
        "GET",
        "/api/v1/operator/reviews",
        &[("authorization", &op)],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(queue[0]["number"], 100001);
    assert_eq!(queue[0]["live"]["name"], "Example Ltd.");
    assert_eq!(queue[0]["pending"]["name"], "Example Group Ltd.");
    let review = "/api/v1/operator/enterprises/100001/review";
    let (status, _, json) = call(
        &app,
        "POST",
        review,
        &[("authorization", &op)],
        Some(json!({ "approve": false })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{json}");
    let (status, _, _) = call(
        &app,
        "POST",
        review,
        &[("authorization", &op)],
        Some(json!({ "approve": false, "reason": "Licence name differs" })),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, _, e) = call(
        &app,
        "GET",
        "/api/v1/enterprise",
        &[("authorization", &admin)],
        None,
    )
    .await;
    assert_eq!(e["last_review"]["reason"], "Licence name differs");
    assert_eq!(e["pending"], Value::Null);
    assert_eq!(e["profile"]["name"], "Example Ltd.");
    let (status, _, _) = call(
        &app,
        "PUT",
        "/api/v1/enterprise/profile",
        &[("authorization", &admin)],
        Some(profile),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, _, _) = call(
        &app,
        "POST",
        review,
        &[("authorization", &op)],
        Some(json!({ "approve": true })),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, _, e) = call(
        &app,
        "GET",
        "/api/v1/enterprise",
        &[("authorization", &admin)],
        None,
    )
    .await;
    assert_eq!(e["profile"]["name"], "Example Group Ltd.");
    assert_eq!(e["profile"]["contact_email"], "li@example.com");
    assert_eq!(e["last_review"]["approved"], true);
    let (status, _, _) = call(
        &app,
        "POST",
        review,
        &[("authorization", &op)],
        Some(json!({ "approve": true })),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "nothing waits any more"
    );
}

/// IMP over the API: template, export, idempotent import, an invalid row refused with the
/// error file kept for download, permissions.
#[tokio::test]
async fn spreadsheets_in_and_out() {
    use tower::ServiceExt;
    let (_dir, app) = with_operator().await;
    let (token, _, _) = sign_in(&app, None, "Admin-Passw0rd-1").await;
    let admin = bearer(&token);
    let raw = |method: &str, path: &str, auth: &str, body: Vec<u8>| {
        let req = axum::http::Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", auth)
            .body(axum::body::Body::from(body))
            .unwrap();
        let app = app.clone();
        async move {
            let resp = app.oneshot(req).await.unwrap();
            let status = resp.status();
            let b = axum::body::to_bytes(resp.into_body(), 1 << 24)
                .await
                .unwrap();
            (status, b.to_vec())
        }
    };
    let (status, t) = raw("GET", "/api/v1/import/template?lang=zh", &admin, Vec::new()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(t.starts_with(b"PK"), "an XLSX");
    let (status, csv) = raw("GET", "/api/v1/export?format=csv", &admin, Vec::new()).await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8(csv.clone()).unwrap();
    assert_eq!(text.lines().count(), 51, "{text}");
    let (status, body) = raw("POST", "/api/v1/import?filename=m.csv", &admin, csv.clone()).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let r: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (r["unchanged"].as_u64(), r["stored"].as_u64()),
        (Some(50), Some(0))
    );
    // One new member in a new org, one row without a name: nothing is stored.
    let mut bad = text.clone();
    bad.push_str("Legal,10400,Wu Ming,,,,Member,,no,no\nLegal,10401,,,,,Member,,no,no\n");
    let (status, body) = raw(
        "POST",
        "/api/v1/import?filename=m.csv",
        &admin,
        bad.clone().into_bytes(),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        String::from_utf8_lossy(&body)
    );
    let r: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (r["error_rows"].as_u64(), r["stored"].as_u64()),
        (Some(1), Some(0))
    );
    let (status, errors) = raw("GET", "/api/v1/import/errors", &admin, Vec::new()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(errors.starts_with(b"PK"));
    // With mode=valid the valid rows are stored (one org, one member).
    let (status, body) = raw(
        "POST",
        "/api/v1/import?filename=m.csv&mode=valid",
        &admin,
        bad.into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let r: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(r["created"], 1);
    assert_eq!(r["orgs_created"], 1);
    // Junk is refused with a message.
    let (status, body) = raw(
        "POST",
        "/api/v1/import?filename=x.xlsx",
        &admin,
        vec![7u8; 2000],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(String::from_utf8_lossy(&body).contains("bad_file"));
    // An ordinary member may not; a system administrator may, but not the LDIF with hashes.
    let (mtoken, _, _) = sign_in(&app, Some("10001"), "Passw0rd-10001").await;
    let (status, _) = raw("GET", "/api/v1/export", &bearer(&mtoken), Vec::new()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (stoken, _, _) = sign_in(&app, Some("10002"), "Passw0rd-10002").await;
    let (status, _) = raw(
        "GET",
        "/api/v1/export?format=xlsx",
        &bearer(&stoken),
        Vec::new(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = raw(
        "GET",
        "/api/v1/export?format=ldif",
        &bearer(&stoken),
        Vec::new(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, ldif) = raw("GET", "/api/v1/export?format=ldif", &admin, Vec::new()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&ldif).contains("dn: dc=example,dc=com"));
}
