//! The recovery pages as a browser uses them: the link on the sign-in page, the request
//! form, the mailed link's form, and sign-in with the new super password.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use axum::http::StatusCode;

use crate::panel::testkit::{field, send, sign_in};
use crate::recovery::tests::{audit, fixture, link_token, mails};

/// Loads `path` as a fresh browser: the form cookie to send back and the form's token.
async fn form(app: &axum::Router, path: &str, lang: &str) -> (String, String, String) {
    let r = send(app, "GET", path, &format!("lang={lang}"), &[], None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let cookie = r.set_cookie.split(';').next().unwrap().to_string();
    assert!(cookie.starts_with("orgdir_recover="), "{}", r.set_cookie);
    assert!(r.set_cookie.contains("HttpOnly") && r.set_cookie.contains("Path=/panel/recover"));
    let token = field(&r.body, "form_token");
    (format!("lang={lang}; {cookie}"), token, r.body)
}

#[tokio::test]
async fn the_super_password_is_recovered_through_the_pages() {
    let f = fixture().await;
    let signin = send(&f.app, "GET", "/panel/signin", "lang=en", &[], None).await;
    assert!(
        signin.body.contains(
            "href=\"/panel/recover\" id=\"forgot-super-password\">Forgot the super password?"
        ),
        "{}",
        signin.body
    );

    // The request form, refused without its cookie, then sent.
    let (cookie, token, _) = form(&f.app, "/panel/recover", "en").await;
    let post = format!("form_token={token}&enterprise=100001");
    let r = send(
        &f.app,
        "POST",
        "/panel/recover",
        "lang=en",
        &[],
        Some(&post),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(mails(&f).await.is_empty());
    let r = send(&f.app, "POST", "/panel/recover", &cookie, &[], Some(&post)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("a link has been sent"), "{}", r.body);
    let link = link_token(&mails(&f).await.pop().unwrap());
    assert_eq!(audit(&f, "recovery.request")[0].1, "panel");

    // The mailed link shows the form (in Chinese here); posting it sets the password.
    let page = format!("/panel/recover?token={link}");
    let (cookie, token, body) = form(&f.app, &page, "zh").await;
    assert!(
        body.contains("设置新的超级密码") && body.contains("100001"),
        "{body}"
    );
    let post = |pw: &str, confirm: &str| {
        let form = format!("form_token={token}&token={link}&password={pw}&confirm={confirm}");
        let (app, cookie) = (f.app.clone(), cookie.clone());
        async move {
            send(
                &app,
                "POST",
                "/panel/recover/complete",
                &cookie,
                &[],
                Some(&form),
            )
            .await
        }
    };
    let r = post("abcABC123", "abcABC124").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("两次输入的密码不一致"), "{}", r.body);
    let r = post("abcabc123", "abcabc123").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("密码不符合要求") && r.body.contains("at least three of"),
        "{}",
        r.body
    );
    assert!(r.body.contains("name=\"token\""), "the form is shown again");
    let r = post("abcABC123", "abcABC123").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("超级密码已修改"), "{}", r.body);
    assert_eq!(
        audit(&f, "enterprise.super_password")[0].1,
        "recovery link, panel"
    );

    // The new password signs in; the link is spent.
    sign_in(&f.app, "", "abcABC123").await;
    let r = send(&f.app, "GET", &page, "lang=en", &[], None).await;
    assert_eq!(r.status, StatusCode::GONE);
    assert!(r.body.contains("already used"), "{}", r.body);
    let r = post("Xyz-98765", "Xyz-98765").await;
    assert_eq!(r.status, StatusCode::GONE);
}

#[tokio::test]
async fn bad_links_and_numbers_get_a_page_saying_so() {
    let f = fixture().await;
    let r = send(
        &f.app,
        "GET",
        "/panel/recover?token=r1.forged.link",
        "lang=en",
        &[],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        r.body.contains("not valid") && r.body.contains("href=\"/panel/recover\""),
        "{}",
        r.body
    );
    let (cookie, token, _) = form(&f.app, "/panel/recover", "en").await;
    let r = send(
        &f.app,
        "POST",
        "/panel/recover",
        &cookie,
        &[],
        Some(&format!("form_token={token}&enterprise=abc")),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("digits only"), "{}", r.body);
    // Opening a link is not an attempt: nothing is audited until a form is posted.
    assert!(audit(&f, "recovery.refused").is_empty());
}
