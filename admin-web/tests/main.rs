//! The HTTP router driven in-process (no socket): health and metrics.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use orgdir_directory::service::{Directory, DirectoryConfig};
use orgdir_directory::world::{OsEntropy, SystemClock};
use orgdir_web::{AppState, router};
use tower::ServiceExt;

mod access;

async fn app() -> axum::Router {
    router(AppState::new(directory().await, false))
}

/// The demo directory, for tests that add to its store before building the router.
async fn directory() -> Arc<Directory> {
    let store = Arc::new(orgdir_store::SqliteStore::open_in_memory().unwrap());
    let config = DirectoryConfig {
        argon2: orgdir_passwords::Argon2Params {
            m_cost_kib: 64,
            t_cost: 1,
            p_cost: 1,
        },
        ..DirectoryConfig::default()
    };
    let dir = Directory::open(store, config, Arc::new(SystemClock), Arc::new(OsEntropy)).unwrap();
    orgdir_directory::demo::seed_demo(&dir).await.unwrap();
    Arc::new(dir)
}

async fn get(app: &axum::Router, path: &str) -> (StatusCode, String) {
    let resp = app
        .clone()
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&body).to_string())
}

#[tokio::test]
async fn health_and_metrics() {
    let app = app().await;
    let (status, body) = get(&app, "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("\"status\":\"ok\"") && body.contains("\"enterprises\":1"),
        "{body}"
    );
    let (status, _) = get(&app, "/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = get(&app, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    for line in [
        "orgdir_members 50",
        "orgdir_enterprises 1",
        "orgdir_http_responses_total{class=\"2xx\"} 1",
        "orgdir_http_responses_total{class=\"4xx\"} 1",
        "# TYPE orgdir_ldap_operations_total counter",
    ] {
        assert!(body.lines().any(|l| l == line), "{line} missing:\n{body}");
    }
}

/// Sends a request; returns status, headers and JSON body (Null when empty or not JSON).
async fn call(
    app: &axum::Router,
    method: &str,
    path: &str,
    auth: &[(&str, &str)],
    body: Option<serde_json::Value>,
) -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
    let mut req = Request::builder().method(method).uri(path);
    for (k, v) in auth {
        req = req.header(*k, *v);
    }
    let req = match body {
        Some(b) => req
            .header("content-type", "application/json")
            .body(Body::from(b.to_string()))
            .unwrap(),
        None => req.body(Body::empty()).unwrap(),
    };
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 22)
        .await
        .unwrap();
    let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    (status, headers, json)
}

async fn sign_in(
    app: &axum::Router,
    account: Option<&str>,
    password: &str,
) -> (String, String, String) {
    let mut body = serde_json::json!({ "enterprise": 100001, "password": password });
    if let Some(a) = account {
        body["account"] = a.into();
    }
    let (status, headers, json) = call(app, "POST", "/api/v1/session", &[], Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let cookie = headers["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let cookie = cookie.split(';').next().unwrap().to_string();
    (
        json["token"].as_str().unwrap().to_string(),
        json["csrf_token"].as_str().unwrap().to_string(),
        cookie,
    )
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

#[tokio::test]
async fn sign_in_sessions_and_csrf() {
    let app = app().await;
    let (status, headers, json) = call(
        &app,
        "POST",
        "/api/v1/session",
        &[],
        Some(serde_json::json!({ "enterprise": 100001, "password": "wrong" })),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(headers["content-type"], "application/problem+json");
    assert_eq!(json["code"], "invalid_credentials");
    // An unknown enterprise answers exactly like a wrong password.
    let (_, _, unknown) = call(
        &app,
        "POST",
        "/api/v1/session",
        &[],
        Some(serde_json::json!({ "enterprise": 999, "password": "wrong" })),
    )
    .await;
    assert_eq!(unknown, json);

    let (token, csrf, cookie) = sign_in(&app, None, "Admin-Passw0rd-1").await;
    let (status, _, me) = call(
        &app,
        "GET",
        "/api/v1/me",
        &[("authorization", &bearer(&token))],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["kind"], "admin");
    assert_eq!(me["dn"], "cn=admin,dc=example,dc=com");
    let (status, _, _) = call(&app, "GET", "/api/v1/me", &[], None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // With the cookie, a change needs the CSRF token; with the bearer token it does not.
    let new_org = serde_json::json!({ "parent": 1, "name": "Legal" });
    let (status, _, json) = call(
        &app,
        "POST",
        "/api/v1/orgs",
        &[("cookie", &cookie)],
        Some(new_org.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(json["code"], "csrf");
    let (status, _, json) = call(
        &app,
        "POST",
        "/api/v1/orgs",
        &[("cookie", &cookie), ("x-csrf-token", &csrf)],
        Some(new_org),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{json}");
    // Sign out ends the session.
    let (status, _, _) = call(
        &app,
        "DELETE",
        "/api/v1/session",
        &[("authorization", &bearer(&token))],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = call(
        &app,
        "GET",
        "/api/v1/me",
        &[("authorization", &bearer(&token))],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn members_see_and_do_what_their_role_and_scope_allow() {
    let app = app().await;
    let (member, _, _) = sign_in(&app, Some("10001"), "Passw0rd-10001").await;
    let m = [("authorization", bearer(&member))];
    let m: Vec<(&str, &str)> = m.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // The hidden member is not listed, not searchable, and its id answers 404.
    let (_, _, page) = call(&app, "GET", "/api/v1/members?q=chen", &m, None).await;
    let names: Vec<&str> = page["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["account"].as_str().unwrap())
        .collect();
    assert!(!names.contains(&"10049"), "{names:?}");
    let (_, _, all) = call(&app, "GET", "/api/v1/members?limit=1000", &m, None).await;
    assert_eq!(all["total"], 49);
    let (admin, _, _) = sign_in(&app, None, "Admin-Passw0rd-1").await;
    let a = [("authorization", bearer(&admin))];
    let a: Vec<(&str, &str)> = a.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (_, _, everyone) = call(&app, "GET", "/api/v1/members?limit=1000", &a, None).await;
    assert_eq!(everyone["total"], 50);
    let hidden_id = everyone["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["account"] == "10049")
        .unwrap()["id"]
        .clone();
    let (status, _, _) = call(
        &app,
        "GET",
        &format!("/api/v1/members/{hidden_id}"),
        &m,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // An ordinary member may not change the tree: the rule engine says why.
    let (status, _, json) = call(
        &app,
        "POST",
        "/api/v1/orgs",
        &m,
        Some(serde_json::json!({ "parent": 1, "name": "X" })),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        json["detail"].as_str().unwrap().contains("manage_org_tree"),
        "{json}"
    );

    // Scope: 10040 sees only the Sales subtree (and the root above it).
    let (scoped, _, _) = sign_in(&app, Some("10040"), "Passw0rd-10040").await;
    let (_, _, orgs) = call(
        &app,
        "GET",
        "/api/v1/orgs",
        &[("authorization", &bearer(&scoped))],
        None,
    )
    .await;
    let names: Vec<&str> = orgs
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Example", "Sales", "North"]);
}

#[tokio::test]
async fn admin_manages_members_through_the_rules() {
    let app = app().await;
    let (admin, _, _) = sign_in(&app, None, "Admin-Passw0rd-1").await;
    let a = [("authorization", bearer(&admin))];
    let a: Vec<(&str, &str)> = a.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (_, _, orgs) = call(&app, "GET", "/api/v1/orgs", &a, None).await;
    let finance = orgs
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "Finance")
        .unwrap()["id"]
        .clone();
    // The member role's id.
    let (_, _, me10001) = call(&app, "GET", "/api/v1/members?q=10001", &a, None).await;
    let role = me10001["members"][0]["role"].clone();
    let (status, _, created) = call(
        &app,
        "POST",
        "/api/v1/members",
        &a,
        Some(serde_json::json!({ "org": finance, "name": "Sun Li", "role": role, "email": "sun.li@example.com", "password": "Initial-Pass-1" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].clone();
    let (_, _, m) = call(&app, "GET", &format!("/api/v1/members/{id}"), &a, None).await;
    assert_eq!(m["account"], "10051", "the next free account of the range");
    assert_eq!(m["dn"], "uid=10051,ou=Finance,dc=example,dc=com");
    // The new member signs in; then is disabled, which ends its session at once.
    let (token, _, _) = sign_in(&app, Some("10051"), "Initial-Pass-1").await;
    let (status, _, _) = call(
        &app,
        "PATCH",
        &format!("/api/v1/members/{id}"),
        &a,
        Some(serde_json::json!({ "disabled": true, "title": "Auditor" })),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = call(
        &app,
        "GET",
        "/api/v1/me",
        &[("authorization", &bearer(&token))],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Rules: a non-empty org cannot be deleted (422, and the message says why).
    let (status, _, json) =
        call(&app, "DELETE", &format!("/api/v1/orgs/{finance}"), &a, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json["code"], "rule_violation");
    assert!(
        json["detail"].as_str().unwrap().contains("still has"),
        "{json}"
    );
    // Malformed and oversized requests.
    let (status, _, _) = call(
        &app,
        "POST",
        "/api/v1/orgs",
        &a,
        Some(serde_json::json!({ "parent": 1, "nam": "typo" })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let big = serde_json::json!({ "parent": 1, "name": "x".repeat(100_000) });
    let (status, _, json) = call(&app, "POST", "/api/v1/orgs", &a, Some(big)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(json["code"], "too_large");
    let (status, _, _) = call(&app, "DELETE", &format!("/api/v1/members/{id}"), &a, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let app = app().await;
    let (status, _, doc) = call(&app, "GET", "/api/v1/openapi.json", &[], None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    assert!(!paths.is_empty());
    for (path, item) in paths {
        for method in ["get", "post", "patch", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            let uri = path
                .split('/')
                .map(|seg| if seg.starts_with('{') { "1" } else { seg })
                .collect::<Vec<_>>()
                .join("/");
            let (status, _, json) = call(&app, &method.to_uppercase(), &uri, &[], None).await;
            // Unauthenticated or malformed, but routed: never "no such route" or 405.
            assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            assert!(
                json["detail"] != "API route not found",
                "{method} {path} is not routed"
            );
        }
    }
    let (status, _, json) = call(&app, "GET", "/api/v1/nope", &[], None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(json["detail"], "API route not found");

    // The reverse: every operation `router()` routes under /api/v1 is documented.
    let routed = api_routes(include_str!("../src/lib.rs"));
    assert!(routed.len() > 20, "{routed:?}");
    for (path, method) in &routed {
        assert!(
            doc["paths"][format!("/api/v1{path}")].get(method).is_some(),
            "{method} /api/v1{path} is routed but not documented"
        );
    }
    // The reader does find what a router holds.
    assert_eq!(
        api_routes(
            "let api = Router::new()\n.route(\n \"/a/{id}\",\n get(x::y).delete(x::z),\n)\n\
             .route(\"/b\", post(q));\nRouter::new()"
        ),
        [
            ("/a/{id}".to_string(), "get"),
            ("/a/{id}".to_string(), "delete"),
            ("/b".to_string(), "post")
        ]
    );
}

/// The (path, method) pairs of the `.route(…)` calls that build `let api = Router::new()`
/// in the source of `router()`.
fn api_routes(source: &str) -> Vec<(String, &'static str)> {
    const START: &str = "let api = Router::new()";
    let rest = &source[source.find(START).unwrap() + START.len()..];
    let end = rest.find("Router::new()").unwrap_or(rest.len());
    let mut out = Vec::new();
    for call in rest[..end].split(".route(").skip(1) {
        let path = call.split('"').nth(1).unwrap().to_string();
        // The handlers end at the call's closing parenthesis.
        let mut depth = 1;
        let body: String = call
            .chars()
            .take_while(|c| {
                depth += match c {
                    '(' => 1,
                    ')' => -1,
                    _ => 0,
                };
                depth > 0
            })
            .collect();
        let compact: String = body.split_whitespace().collect();
        for method in ["get", "post", "patch", "delete"] {
            let starts = [format!(",{method}("), format!(".{method}(")];
            if starts.iter().any(|p| compact.contains(p.as_str())) {
                out.push((path.clone(), method));
            }
        }
    }
    out
}

#[tokio::test]
async fn roles_and_the_audit_log() {
    let app = app().await;
    let (admin, _, _) = sign_in(&app, None, "Admin-Passw0rd-1").await;
    let a = [("authorization", bearer(&admin))];
    let a: Vec<(&str, &str)> = a.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (_, _, roles) = call(&app, "GET", "/api/v1/roles", &a, None).await;
    let builtins: Vec<&str> = roles
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["builtin"].as_str())
        .collect();
    assert_eq!(
        builtins,
        ["enterprise-admin", "system-admin", "info-admin", "member"]
    );
    let (status, _, perms) = call(&app, "GET", "/api/v1/permissions", &a, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(perms.as_array().unwrap().len(), 10);
    // A custom role; an unknown permission is refused before anything is written.
    let (status, _, json) = call(
        &app,
        "POST",
        "/api/v1/roles",
        &a,
        Some(serde_json::json!({ "name": "Auditors", "permissions": ["query_external_contacts", "fly"] })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{json}");
    let (status, _, created) = call(
        &app,
        "POST",
        "/api/v1/roles",
        &a,
        Some(serde_json::json!({ "name": "Auditors", "permissions": ["query_external_contacts"] })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = created["id"].clone();
    let (status, _, _) = call(
        &app,
        "PATCH",
        &format!("/api/v1/roles/{id}"),
        &a,
        Some(serde_json::json!({ "permissions": ["query_external_contacts", "view_message_records"] })),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let admin_role = roles
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["builtin"] == "enterprise-admin")
        .unwrap()["id"]
        .clone();
    let (status, _, json) = call(
        &app,
        "DELETE",
        &format!("/api/v1/roles/{admin_role}"),
        &a,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{json}");
    let (status, _, _) = call(&app, "DELETE", &format!("/api/v1/roles/{id}"), &a, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // The audit log tells who did it, newest first; ordinary members may not read it.
    let (status, _, log) = call(&app, "GET", "/api/v1/audit?action=role.create", &a, None).await;
    assert_eq!(status, StatusCode::OK);
    let entry = &log["entries"][0];
    assert_eq!(entry["actor"], "super");
    assert_eq!(entry["target"], "Auditors");
    assert!(
        entry["source"]
            .as_str()
            .unwrap()
            .starts_with("api cn=admin"),
        "{entry}"
    );
    let (member, _, _) = sign_in(&app, Some("10001"), "Passw0rd-10001").await;
    let (status, _, _) = call(
        &app,
        "GET",
        "/api/v1/audit",
        &[("authorization", &bearer(&member))],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn reassign_batch_reset_and_batch_move() {
    let app = app().await;
    let (admin, _, _) = sign_in(&app, None, "Admin-Passw0rd-1").await;
    let a = [("authorization", bearer(&admin))];
    let a: Vec<(&str, &str)> = a.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let find = |page: &serde_json::Value, account: &str| {
        page["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["account"] == account)
            .unwrap()
            .clone()
    };
    let (_, _, page) = call(&app, "GET", "/api/v1/members?limit=1000", &a, None).await;
    let (m4, m5, m6) = (
        find(&page, "10004"),
        find(&page, "10005"),
        find(&page, "10006"),
    );

    // ORG-5: same account and place, a new person (new entryUUID, no groups).
    let (status, _, json) = call(
        &app,
        "POST",
        &format!("/api/v1/members/{}/reassign", m4["id"]),
        &a,
        Some(serde_json::json!({ "name": "New Holder", "email": "new.holder@example.com", "password": "Fresh-Start-1" })),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{json}");
    let (_, _, after) = call(
        &app,
        "GET",
        &format!("/api/v1/members/{}", m4["id"]),
        &a,
        None,
    )
    .await;
    assert_eq!(after["account"], "10004");
    assert_eq!(after["dn"], m4["dn"]);
    assert_eq!(after["name"], "New Holder");
    assert_ne!(after["entry_uuid"], m4["entry_uuid"]);
    sign_in(&app, Some("10004"), "Fresh-Start-1").await;

    // ORG-8: confirmed with the caller's own (super) password, all or none.
    let ids = serde_json::json!([m5["id"], m6["id"]]);
    let (status, _, json) = call(&app, "POST", "/api/v1/members/reset-passwords", &a,
        Some(serde_json::json!({ "members": ids, "password": "Batch-Reset-9", "confirm_password": "wrong" }))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(json["code"], "confirmation_failed");
    let (status, _, _) = call(&app, "POST", "/api/v1/members/reset-passwords", &a,
        Some(serde_json::json!({ "members": ids, "password": "Batch-Reset-9", "confirm_password": "Admin-Passw0rd-1" }))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    sign_in(&app, Some("10005"), "Batch-Reset-9").await;
    sign_in(&app, Some("10006"), "Batch-Reset-9").await;

    // Batch move, all or none: Executive takes them; an unknown member stops the whole batch.
    let (_, _, orgs) = call(&app, "GET", "/api/v1/orgs", &a, None).await;
    let exec = orgs
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "Executive")
        .unwrap()["id"]
        .clone();
    let (status, _, _) = call(
        &app,
        "POST",
        "/api/v1/members/move",
        &a,
        Some(serde_json::json!({ "members": [m5["id"], 999999], "org": exec })),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = call(
        &app,
        "POST",
        "/api/v1/members/move",
        &a,
        Some(serde_json::json!({ "members": [m5["id"], m6["id"]], "org": exec })),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, _, moved) = call(
        &app,
        "GET",
        &format!("/api/v1/members/{}", m6["id"]),
        &a,
        None,
    )
    .await;
    assert_eq!(moved["org"], exec);
}

/// The served OpenAPI document is a valid OpenAPI 3.1 document: checked against the schema
/// the OpenAPI Initiative publishes for 3.1 (`openapi-3.1-schema.json`, id
/// `https://spec.openapis.org/oas/3.1/schema/2022-10-07`), not just parsed.
#[tokio::test]
async fn the_openapi_document_is_valid_openapi_3_1() {
    let app = app().await;
    let (status, _, doc) = call(&app, "GET", "/api/v1/openapi.json", &[], None).await;
    assert_eq!(status, StatusCode::OK);
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("openapi-3.1-schema.json")).unwrap();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    // The validator does catch a broken document.
    let mut broken = doc.clone();
    broken["paths"]["/orgs"]["get"]["responses"] = serde_json::json!("none");
    assert!(!validator.is_valid(&broken));
}
