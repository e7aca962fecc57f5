//! The panel driven in-process over the demo enterprise: redirects, sign-in, language,
//! CSRF refusal, escaping, and refusals shown on the page.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use orgdir_directory::service::{Directory, DirectoryConfig};
use orgdir_directory::world::{OsEntropy, SystemClock};
use tower::ServiceExt;

use crate::{AppState, router};

async fn app() -> axum::Router {
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
    router(AppState::new(Arc::new(dir), false))
}

struct Resp {
    status: StatusCode,
    location: String,
    set_cookie: String,
    body: String,
}

async fn send(
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
async fn login_form(app: &axum::Router) -> (String, String) {
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
async fn sign_in(app: &axum::Router, account: &str, password: &str) -> (String, String) {
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

#[tokio::test]
async fn redirects_and_sign_in() {
    let app = app().await;
    let r = send(&app, "GET", "/", "", &[], None).await;
    assert!(r.status.is_redirection() && r.location == "/panel/");
    let r = send(&app, "GET", "/panel/", "", &[], None).await;
    assert!(r.status.is_redirection() && r.location == "/panel/signin");
    // Every failure gets the same message.
    for form in [
        "enterprise=100001&account=&password=wrong",
        "enterprise=999999&account=&password=Admin-Passw0rd-1",
        "enterprise=abc&account=10001&password=x",
        "enterprise=100001&account=10001&password=Admin-Passw0rd-1",
    ] {
        let (cookie, token) = login_form(&app).await;
        let form = format!("login_token={token}&{form}");
        let r = send(&app, "POST", "/panel/signin", &cookie, &[], Some(&form)).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{form}");
        assert!(
            r.body
                .contains("Wrong enterprise number, account or password."),
            "{form}: {}",
            r.body
        );
        assert!(!r.set_cookie.contains("orgdir_session"), "{}", r.set_cookie);
    }
    // Login CSRF: a post without the token of a form this browser loaded is refused before
    // any password check, even with the right password.
    let (cookie, token) = login_form(&app).await;
    for (cookie, form) in [
        (
            "lang=en",
            format!("login_token={token}&enterprise=100001&password=Admin-Passw0rd-1"),
        ),
        (
            cookie.as_str(),
            "enterprise=100001&password=Admin-Passw0rd-1".to_string(),
        ),
        (
            cookie.as_str(),
            "login_token=forged&enterprise=100001&password=Admin-Passw0rd-1".to_string(),
        ),
    ] {
        let r = send(&app, "POST", "/panel/signin", cookie, &[], Some(&form)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{form}");
        assert!(r.body.contains("sign-in form has expired"), "{}", r.body);
        assert!(!r.set_cookie.contains("orgdir_session"));
    }
    let (cookie, _) = sign_in(&app, "", "Admin-Passw0rd-1").await;
    let home = send(&app, "GET", "/panel/", &cookie, &[], None).await;
    assert_eq!(home.status, StatusCode::OK);
    for want in ["100001", "dc=example,dc=com", "First steps", "50 / "] {
        assert!(home.body.contains(want), "{want} missing: {}", home.body);
    }
    assert!(home.body.contains("not available yet"));
}

#[tokio::test]
async fn language_from_header_cookie_and_switch() {
    let app = app().await;
    let zh = send(
        &app,
        "GET",
        "/panel/signin",
        "",
        &[("accept-language", "zh-CN,zh;q=0.9,en;q=0.5")],
        None,
    )
    .await;
    assert!(zh.body.contains("lang=\"zh-CN\"") && zh.body.contains("企业号"));
    let en = send(
        &app,
        "GET",
        "/panel/signin",
        "lang=en",
        &[("accept-language", "zh-CN")],
        None,
    )
    .await;
    assert!(en.body.contains("lang=\"en\"") && en.body.contains("Enterprise number"));
    let r = send(
        &app,
        "GET",
        "/panel/lang?set=zh&back=/panel/orgs%3Forg%3D1",
        "",
        &[],
        None,
    )
    .await;
    assert_eq!(r.location, "/panel/orgs?org=1");
    assert!(r.set_cookie.starts_with("lang=zh;"));
    // Never an open redirect.
    for back in [
        "//evil.example/",
        "https://evil.example/",
        "/panel/..//x",
        "/%5Cevil",
    ] {
        let r = send(
            &app,
            "GET",
            &format!("/panel/lang?set=en&back={back}"),
            "",
            &[],
            None,
        )
        .await;
        assert_eq!(r.location, "/panel/", "{back}");
    }
}

#[tokio::test]
async fn forms_need_the_csrf_token() {
    let app = app().await;
    let (cookie, csrf) = sign_in(&app, "", "Admin-Passw0rd-1").await;
    for form in [
        "parent=1&name=NoToken".to_string(),
        "parent=1&name=NoToken&csrf_token=".to_string(),
        "parent=1&name=NoToken&csrf_token=0000".to_string(),
        format!("parent=1&name=NoToken&csrf_token={csrf}x"),
    ] {
        let r = send(&app, "POST", "/panel/orgs/new", &cookie, &[], Some(&form)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{form}");
    }
    let r = send(
        &app,
        "POST",
        "/panel/members/1/flag",
        &cookie,
        &[],
        Some("flag=hidden&value=true"),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = send(&app, "POST", "/panel/signout", &cookie, &[], Some("")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let page = send(&app, "GET", "/panel/orgs", &cookie, &[], None).await;
    assert!(!page.body.contains("NoToken"));
    // Without a session: back to the sign-in page.
    let r = send(
        &app,
        "POST",
        "/panel/orgs/new",
        "",
        &[],
        Some("parent=1&name=X"),
    )
    .await;
    assert_eq!(r.location, "/panel/signin");
}

#[tokio::test]
async fn values_are_escaped_and_rule_errors_shown() {
    let app = app().await;
    let (cookie, csrf) = sign_in(&app, "", "Admin-Passw0rd-1").await;
    let root_page = send(&app, "GET", "/panel/orgs", &cookie, &[], None).await;
    let root = root_page
        .body
        .split("name=\"parent\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let name = "%3Cb%3E%26%22x%22%3C%2Fb%3E%E6%B3%95%E5%8A%A1"; // <b>&"x"</b>法务
    let form = format!("parent={root}&name={name}&csrf_token={csrf}");
    let r = send(&app, "POST", "/panel/orgs/new", &cookie, &[], Some(&form)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = send(&app, "GET", &r.location, &cookie, &[], None).await;
    assert!(
        page.body
            .contains("&lt;b&gt;&amp;&quot;x&quot;&lt;/b&gt;法务")
    );
    assert!(!page.body.contains("<b>&"));
    assert!(page.body.contains("Saved."));
    // A duplicate name is a rule violation, shown on the page.
    let r = send(&app, "POST", "/panel/orgs/new", &cookie, &[], Some(&form)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("Not done:") && r.body.contains("org-tree"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn members_see_the_pages_but_their_actions_are_refused() {
    let app = app().await;
    let (cookie, csrf) = sign_in(&app, "10001", "Passw0rd-10001").await;
    let page = send(&app, "GET", "/panel/orgs", &cookie, &[], None).await;
    assert!(page.body.contains("Zhang Wei"), "{}", page.body);
    // The hidden member is not shown to an ordinary member.
    assert!(!page.body.contains("10049"));
    // The page offers no form to change the tree; a hand-made post is refused all the same.
    assert!(!page.body.contains("id=\"add-org\""));
    let form = format!("parent=1&name=Nope&csrf_token={csrf}");
    let r = send(&app, "POST", "/panel/orgs/new", &cookie, &[], Some(&form)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.body.contains("Not done:"), "{}", r.body);
}

#[tokio::test]
async fn pages_offer_only_what_the_caller_may_do() {
    let app = app().await;
    let forms = |body: &str| {
        (
            body.contains("id=\"add-org\""),
            body.contains("id=\"add-member\""),
            body.contains("/flag\""),
        )
    };
    let page_of = |cookie: String, org: String| {
        let app = app.clone();
        async move {
            send(
                &app,
                "GET",
                &format!("/panel/orgs?org={org}"),
                &cookie,
                &[],
                None,
            )
            .await
        }
    };
    // The enterprise administrator: everything, everywhere.
    let (admin, _) = sign_in(&app, "", "Admin-Passw0rd-1").await;
    let root = page_of(admin.clone(), "1".into()).await;
    assert_eq!(
        forms(&root.body),
        (true, true, false),
        "the root org holds no members"
    );
    let finance = root
        .body
        .split("?org=")
        .filter_map(|s| s.split('"').next())
        .find(|id| root.body.contains(&format!("?org={id}\">Finance<")))
        .unwrap()
        .to_string();
    assert_eq!(
        forms(&page_of(admin, finance.clone()).await.body),
        (true, true, true)
    );
    // An ordinary member: nothing to change.
    let (member, _) = sign_in(&app, "10001", "Passw0rd-10001").await;
    let page = page_of(member, finance.clone()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(forms(&page.body), (false, false, false));
    // The information administrator 10003 (scope Finance): forms in Finance, not at the root.
    let (info, _) = sign_in(&app, "10003", "Passw0rd-10003").await;
    assert_eq!(
        forms(&page_of(info.clone(), "1".into()).await.body),
        (false, false, false)
    );
    assert_eq!(
        forms(&page_of(info, finance).await.body),
        (true, true, true)
    );
}
