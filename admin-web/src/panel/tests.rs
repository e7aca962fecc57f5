//! The panel driven in-process over the demo enterprise: redirects, sign-in, language,
//! CSRF refusal, escaping, and refusals shown on the page.

use axum::http::StatusCode;

use super::testkit::{app, login_form, send, sign_in};

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
    assert!(home.body.contains("Set the contact person"));
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
