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

/// A multipart body with the given fields, as a browser sends the upload form.
fn multipart(fields: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----orgdirtestboundary7MA4YWxk";
    let mut body = Vec::new();
    for (name, filename, value) in fields {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match filename {
            Some(f) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(value);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn raw(
    app: &axum::Router,
    method: &str,
    path: &str,
    cookie: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, Vec<u8>, axum::http::HeaderMap) {
    use tower::ServiceExt;
    let req = axum::http::Request::builder()
        .method(method)
        .uri(path)
        .header("cookie", cookie)
        .header("content-type", content_type)
        .body(axum::body::Body::from(body))
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let (status, headers) = (resp.status(), resp.headers().clone());
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 22)
        .await
        .unwrap();
    (status, bytes.to_vec(), headers)
}

#[tokio::test]
async fn images_are_shown_to_others_only_after_approval() {
    let app = app_with_operator().await;
    let (admin, csrf) = sign_in(&app, "", "Admin-Passw0rd-1").await;
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend(std::iter::repeat_n(7u8, 200));
    // An SVG (script-capable) is refused whatever it is called.
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
    let (ct, body) = multipart(&[
        ("csrf_token", None, csrf.as_bytes()),
        ("kind", None, b"logo"),
        ("file", Some("logo.png"), svg),
    ]);
    let (status, page, _) = raw(&app, "POST", "/panel/account/images", &admin, &ct, body).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(String::from_utf8_lossy(&page).contains("PNG, JPEG and WebP"));
    // Without the CSRF token: refused before the file is looked at.
    let (ct, body) = multipart(&[("kind", None, b"logo"), ("file", Some("l.png"), &png)]);
    let (status, _, _) = raw(&app, "POST", "/panel/account/images", &admin, &ct, body).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A PNG: stored, waiting; not public yet.
    let (ct, body) = multipart(&[
        ("csrf_token", None, csrf.as_bytes()),
        ("kind", None, b"logo"),
        ("file", Some("logo.png"), &png),
    ]);
    let (status, _, headers) = raw(&app, "POST", "/panel/account/images", &admin, &ct, body).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], "/panel/account?saved=uploaded");
    let r = send(&app, "GET", "/public/100001/logo", "", &[], None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "not public before review");
    let list = api_json(&app, &admin, "/api/v1/enterprise/images").await;
    assert_eq!(list[0]["status"], "pending");
    let id = list[0]["id"].as_u64().unwrap();
    // A member cannot see it, the operator approves it, then anyone can.
    let (member, _) = sign_in(&app, "10002", "Passw0rd-10002").await;
    let r = send(
        &app,
        "GET",
        &format!("/panel/account/images/{id}"),
        &member,
        &[],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let (op, op_csrf) = op_sign_in(&app).await;
    let queue = send(&app, "GET", "/panel/operator/images", &op, &[], None).await;
    assert!(
        queue.body.contains(&format!("data-id=\"{id}\"")),
        "{}",
        queue.body
    );
    let r = post(
        &app,
        &op,
        &format!("/panel/operator/images/{id}/review"),
        &format!("csrf_token={op_csrf}&decision=approve"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (status, bytes, headers) =
        raw(&app, "GET", "/public/100001/logo", "", "", Vec::new()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, png);
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    // Over the API: a mislabelled body is refused; a rejected banner keeps its reason.
    let (status, _, _) = raw(
        &app,
        "PUT",
        "/api/v1/enterprise/images/banner",
        &admin,
        "image/jpeg",
        png.clone(),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "cookie sessions need the CSRF header"
    );
    let token = {
        use tower::ServiceExt;
        let req = axum::http::Request::builder()
            .method("POST")
            .uri("/api/v1/session")
            .header("content-type", "application/json")
            .body(axum::body::Body::from(
                r#"{"enterprise":100001,"password":"Admin-Passw0rd-1"}"#,
            ))
            .unwrap();
        let resp = app.clone().oneshot(req).await.unwrap();
        let b = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&b).unwrap();
        v["token"].as_str().unwrap().to_string()
    };
    let put = |ct: &'static str| {
        let app = app.clone();
        let (token, png) = (token.clone(), png.clone());
        async move {
            use tower::ServiceExt;
            let req = axum::http::Request::builder()
                .method("PUT")
                .uri("/api/v1/enterprise/images/banner")
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", ct)
                .body(axum::body::Body::from(png))
                .unwrap();
            app.oneshot(req).await.unwrap().status()
        }
    };
    assert_eq!(put("image/jpeg").await, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(put("image/png").await, StatusCode::ACCEPTED);
    let list = api_json(&app, &admin, "/api/v1/enterprise/images").await;
    let banner = list
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "banner")
        .unwrap()["id"]
        .as_u64()
        .unwrap();
    let r = post(
        &app,
        &op,
        &format!("/panel/operator/images/{banner}/review"),
        &format!("csrf_token={op_csrf}&decision=reject&reason=Too+blurry"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = send(&app, "GET", "/panel/account", &admin, &[], None).await;
    assert!(page.body.contains("Too blurry"), "{}", page.body);
    let r = send(&app, "GET", "/public/100001/banner", "", &[], None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_super_password_follows_ent_3() {
    let app = app_with_operator().await;
    let (admin, csrf) = sign_in(&app, "", "Admin-Passw0rd-1").await;
    let change = |current: &str, new: &str| {
        format!("csrf_token={csrf}&current={current}&new={new}&repeat={new}")
    };
    let r = post(
        &app,
        &admin,
        "/panel/account/super-password",
        &change("wrong", "abcABC123"),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Two classes only: refused with the rule, in the page's language.
    let r = post(
        &app,
        &admin,
        "/panel/account/super-password",
        &change("Admin-Passw0rd-1", "abcabc123"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("three of"), "{}", r.body);
    let zh = admin.replace("lang=en", "lang=zh");
    let r = post(
        &app,
        &zh,
        "/panel/account/super-password",
        &change("Admin-Passw0rd-1", "abcabc123"),
    )
    .await;
    assert!(r.body.contains("密码不符合要求"), "{}", r.body);
    // The SPEC's example passes; the new one signs in, the old one no longer does.
    let r = post(
        &app,
        &admin,
        "/panel/account/super-password",
        &change("Admin-Passw0rd-1", "abcABC123"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    sign_in(&app, "", "abcABC123").await;
    let (login_cookie, token) = super::super::testkit::login_form(&app).await;
    let form = format!("login_token={token}&enterprise=100001&account=&password=Admin-Passw0rd-1");
    let r = send(
        &app,
        "POST",
        "/panel/signin",
        &login_cookie,
        &[],
        Some(&form),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}
