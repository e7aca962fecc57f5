//! What the panel's in-process tests share: the demo enterprise behind the router, a request
//! helper, and sign-in as a browser does it. Each page module's tests use these.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use orgdir_directory::service::{Directory, DirectoryConfig};
use orgdir_directory::world::{OsEntropy, SystemClock};
use tower::ServiceExt;

use crate::{AppState, router};

pub(crate) async fn app() -> axum::Router {
    router(AppState::new(demo_directory().await, false))
}

/// The demo directory alone, for tests that put something in its store (an operator)
/// before building the router over it.
pub(crate) async fn demo_directory() -> Arc<Directory> {
    demo_directory_at(Arc::new(SystemClock)).await
}

/// The demo directory on `clock` (for tests that move time).
pub(crate) async fn demo_directory_at(
    clock: Arc<dyn orgdir_directory::world::Clock>,
) -> Arc<Directory> {
    let store = Arc::new(orgdir_store::SqliteStore::open_in_memory().unwrap());
    let config = DirectoryConfig {
        argon2: orgdir_passwords::Argon2Params {
            m_cost_kib: 64,
            t_cost: 1,
            p_cost: 1,
        },
        ..DirectoryConfig::default()
    };
    let dir = Directory::open(store, config, clock, Arc::new(OsEntropy)).unwrap();
    orgdir_directory::demo::seed_demo(&dir).await.unwrap();
    Arc::new(dir)
}

pub(crate) struct Resp {
    pub(crate) status: StatusCode,
    pub(crate) location: String,
    pub(crate) set_cookie: String,
    pub(crate) body: String,
}

pub(crate) async fn send(
    app: &axum::Router,
    method: &str,
    path: &str,
    cookie: &str,
    extra: &[(&str, &str)],
    form: Option<&str>,
) -> Resp {
    let mut req = Request::builder().method(method).uri(path);
    if !cookie.is_empty() {
        req = req.header(header::COOKIE, cookie);
    }
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    let body = match form {
        Some(f) => {
            req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            Body::from(f.to_string())
        }
        None => Body::empty(),
    };
    let resp = app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
    let h = |name| {
        resp.headers()
            .get(name)
            .map(|v: &axum::http::HeaderValue| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    let (location, set_cookie) = (h(header::LOCATION), h(header::SET_COOKIE));
    let status = resp.status();
    let body = axum::body::to_bytes(resp.into_body(), 1 << 22)
        .await
        .unwrap();
    Resp {
        status,
        location,
        set_cookie,
        body: String::from_utf8_lossy(&body).to_string(),
    }
}

/// Loads the sign-in form as a browser does: its login cookie and the form's token.
pub(crate) async fn login_form(app: &axum::Router) -> (String, String) {
    let r = send(app, "GET", "/panel/signin", "lang=en", &[], None).await;
    let cookie = r.set_cookie.split(';').next().unwrap().to_string();
    assert!(cookie.starts_with("orgdir_login="), "{}", r.set_cookie);
    let token = r
        .body
        .split("name=\"login_token\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    (format!("lang=en; {cookie}"), token)
}

/// Signs in; returns the cookie header value to send and the CSRF token of the session.
pub(crate) async fn sign_in(app: &axum::Router, account: &str, password: &str) -> (String, String) {
    let (login_cookie, token) = login_form(app).await;
    let form =
        format!("login_token={token}&enterprise=100001&account={account}&password={password}");
    let r = send(
        app,
        "POST",
        "/panel/signin",
        &login_cookie,
        &[],
        Some(&form),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location, "/panel/");
    assert!(r.set_cookie.contains("HttpOnly") && r.set_cookie.contains("SameSite=Strict"));
    let cookie = format!("lang=en; {}", r.set_cookie.split(';').next().unwrap());
    let page = send(app, "GET", "/panel/orgs", &cookie, &[], None).await;
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
    (cookie, csrf)
}

/// The value of the first `name="…" value="…"` hidden field called `name` in a page.
pub(crate) fn field(body: &str, name: &str) -> String {
    body.split(&format!("name=\"{name}\" value=\""))
        .nth(1)
        .and_then(|v| v.split('"').next())
        .unwrap_or_default()
        .to_string()
}

/// The demo enterprise with a server operator `ops` (password `Operator-Passw0rd-1`).
pub(crate) async fn app_with_operator() -> axum::Router {
    let dir = demo_directory().await;
    crate::operator::set_password(&dir, "ops", "Operator-Passw0rd-1")
        .await
        .unwrap();
    crate::router(crate::AppState::new(dir, false))
}

/// Loads the operator sign-in form: its login cookie and token.
pub(crate) async fn op_login_form(app: &axum::Router) -> (String, String) {
    let r = send(app, "GET", "/panel/operator/signin", "lang=en", &[], None).await;
    assert_eq!(r.status, StatusCode::OK);
    let cookie = r.set_cookie.split(';').next().unwrap().to_string();
    assert!(cookie.starts_with("orgdir_oplogin="), "{}", r.set_cookie);
    (format!("lang=en; {cookie}"), field(&r.body, "login_token"))
}

/// Signs in as operator `ops`: the cookie header to send and the session's CSRF token.
pub(crate) async fn op_sign_in(app: &axum::Router) -> (String, String) {
    let (cookie, token) = op_login_form(app).await;
    let form = format!("login_token={token}&name=ops&password=Operator-Passw0rd-1");
    let r = send(
        app,
        "POST",
        "/panel/operator/signin",
        &cookie,
        &[],
        Some(&form),
    )
    .await;
    assert_eq!(r.location, "/panel/operator/", "{}", r.body);
    assert!(r.set_cookie.starts_with("orgdir_operator=") && r.set_cookie.contains("HttpOnly"));
    let cookie = format!("lang=en; {}", r.set_cookie.split(';').next().unwrap());
    let page = send(app, "GET", "/panel/operator/", &cookie, &[], None).await;
    assert_eq!(page.status, StatusCode::OK);
    (cookie, field(&page.body, "csrf_token"))
}

/// Signs in through the form and returns the session cookie header (without looking at any
/// page: a member who must change its password is sent elsewhere).
pub(crate) async fn session_of(app: &axum::Router, account: &str, password: &str) -> String {
    let (login_cookie, token) = login_form(app).await;
    let form =
        format!("login_token={token}&enterprise=100001&account={account}&password={password}");
    let r = send(
        app,
        "POST",
        "/panel/signin",
        &login_cookie,
        &[],
        Some(&form),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    format!("lang=en; {}", r.set_cookie.split(';').next().unwrap())
}
