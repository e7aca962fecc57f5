//! The member and org-tree pages driven in-process over the demo enterprise: search, the
//! member page's forms, batch reset and move, org rename/move/delete, and the refusals.

use axum::http::StatusCode;

use super::super::testkit::{app, send, session_of, sign_in};

/// The internal id of the member with `account` (through the JSON API, as the signed-in
/// caller).
async fn id_of(app: &axum::Router, cookie: &str, account: &str) -> u64 {
    let r = send(
        app,
        "GET",
        &format!("/api/v1/members?q={account}"),
        cookie,
        &[],
        None,
    )
    .await;
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    v["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["account"] == account)
        .unwrap_or_else(|| panic!("no member {account}: {}", r.body))["id"]
        .as_u64()
        .unwrap()
}

/// The id of the org called `name`.
async fn org_id(app: &axum::Router, cookie: &str, name: &str) -> u64 {
    let r = send(app, "GET", "/api/v1/orgs", cookie, &[], None).await;
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == name)
        .unwrap_or_else(|| panic!("no org {name}: {}", r.body))["id"]
        .as_u64()
        .unwrap()
}

async fn member_json(app: &axum::Router, cookie: &str, id: u64) -> serde_json::Value {
    let r = send(
        app,
        "GET",
        &format!("/api/v1/members/{id}"),
        cookie,
        &[],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
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
async fn search_finds_by_name_pinyin_and_account_but_never_hidden_members_for_others() {
    let app = app().await;
    let (admin, _) = sign_in(&app, "", "Admin-Passw0rd-1").await;
    let r = send(&app, "GET", "/panel/search?q=zhangw", &admin, &[], None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Zhang Wei"), "{}", r.body);
    assert!(r.body.contains("id=\"batch\""), "admins get the batch form");
    // 10049 Chen Jie is hidden: the admin finds it, an ordinary member does not.
    let r = send(&app, "GET", "/panel/search?q=chen", &admin, &[], None).await;
    assert!(r.body.contains("Chen Jie"));
    let (member, _) = sign_in(&app, "10001", "Passw0rd-10001").await;
    let r = send(&app, "GET", "/panel/search?q=chen", &member, &[], None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.body.contains("Chen Jie"), "{}", r.body);
    assert!(r.body.contains("Chen Jing"), "other Chens still show");
    assert!(
        !r.body.contains("id=\"batch\"") && !r.body.contains("type=\"checkbox\""),
        "an ordinary member gets no batch actions"
    );
    let r = send(
        &app,
        "GET",
        "/panel/search?q=%3Cscript%3E",
        &admin,
        &[],
        None,
    )
    .await;
    assert!(!r.body.contains("<script>") && r.body.contains("&lt;script&gt;"));
}

#[tokio::test]
async fn member_page_edits_reassigns_and_deletes() {
    let app = app().await;
    let (admin, csrf) = sign_in(&app, "", "Admin-Passw0rd-1").await;
    let id = id_of(&app, &admin, "10005").await;
    let finance = org_id(&app, &admin, "Finance").await;
    let sales = org_id(&app, &admin, "Sales").await;
    let page = send(
        &app,
        "GET",
        &format!("/panel/members/{id}"),
        &admin,
        &[],
        None,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    for form in [
        "edit-member",
        "member-password",
        "reassign",
        "delete-member",
    ] {
        assert!(page.body.contains(&format!("id=\"{form}\"")), "{form}");
    }
    let form = format!(
        "csrf_token={csrf}&name=Chen+Jing+2&mobile=13900000005&email=cj%40example.com&title=Lead\
         &employee_number=E5&org={sales}&scope0={finance}&scope1=&scope2="
    );
    let r = post(&app, &admin, &format!("/panel/members/{id}/edit"), &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let m = member_json(&app, &admin, id).await;
    assert_eq!(m["name"], "Chen Jing 2");
    assert_eq!(m["mobile"], "13900000005");
    assert_eq!(m["title"], "Lead");
    assert_eq!(m["org"], sales);
    assert_eq!(m["scope"], serde_json::json!([finance]));
    // A rule violation is explained and changes nothing.
    let bad = format!("csrf_token={csrf}&name=X&email=not-an-email&org={sales}");
    let r = post(&app, &admin, &format!("/panel/members/{id}/edit"), &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("email"), "{}", r.body);
    assert_eq!(member_json(&app, &admin, id).await["name"], "Chen Jing 2");
    // Reassign needs the confirmation box; then the account has a new holder and UUID.
    let uuid = m["entry_uuid"].clone();
    let (previous, _) = sign_in(&app, "10005", "Passw0rd-10005").await;
    let r = post(
        &app,
        &admin,
        &format!("/panel/members/{id}/reassign"),
        &format!("csrf_token={csrf}&name=New+Person"),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = post(
        &app,
        &admin,
        &format!("/panel/members/{id}/reassign"),
        &format!("csrf_token={csrf}&name=New+Person&confirm=yes"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let m = member_json(&app, &admin, id).await;
    assert_eq!(
        (m["name"].as_str(), m["account"].as_str()),
        (Some("New Person"), Some("10005"))
    );
    assert_ne!(m["entry_uuid"], uuid);
    assert_eq!(m["mobile"], serde_json::Value::Null);
    // The previous holder's session does not become the new person's.
    let r = send(&app, "GET", "/panel/", &previous, &[], None).await;
    assert_eq!(r.location, "/panel/signin", "the old session still works");
    let r = send(&app, "GET", "/api/v1/me", &previous, &[], None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // Delete, confirmed.
    let r = post(
        &app,
        &admin,
        &format!("/panel/members/{id}/delete"),
        &format!("csrf_token={csrf}&confirm=yes"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location.contains("saved=deleted"), "{}", r.location);
    let r = send(
        &app,
        "GET",
        &format!("/panel/members/{id}"),
        &admin,
        &[],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn members_without_the_permission_see_but_cannot_change() {
    let app = app().await;
    let (admin, _) = sign_in(&app, "", "Admin-Passw0rd-1").await;
    let id = id_of(&app, &admin, "10006").await;
    let hidden = id_of(&app, &admin, "10049").await;
    let (member, csrf) = sign_in(&app, "10001", "Passw0rd-10001").await;
    let page = send(
        &app,
        "GET",
        &format!("/panel/members/{id}"),
        &member,
        &[],
        None,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("id=\"edit-member\""));
    let r = post(
        &app,
        &member,
        &format!("/panel/members/{id}/edit"),
        &format!("csrf_token={csrf}&name=Hacked"),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_ne!(member_json(&app, &admin, id).await["name"], "Hacked");
    // A hidden member does not exist for an ordinary member, by any page.
    for path in [format!("/panel/members/{hidden}")] {
        let r = send(&app, "GET", &path, &member, &[], None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
    }
    let r = post(
        &app,
        &member,
        &format!("/panel/members/{hidden}/delete"),
        &format!("csrf_token={csrf}&confirm=yes"),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Without the CSRF token nothing is even looked at.
    let r = post(
        &app,
        &admin,
        &format!("/panel/members/{id}/delete"),
        "confirm=yes",
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn batch_reset_needs_the_callers_password_and_batch_move_is_all_or_nothing() {
    let app = app().await;
    let (admin, csrf) = sign_in(&app, "", "Admin-Passw0rd-1").await;
    let a = id_of(&app, &admin, "10011").await;
    let b = id_of(&app, &admin, "10012").await;
    let support = org_id(&app, &admin, "Support").await;
    let form = |confirm: &str| {
        format!(
            "csrf_token={csrf}&back=%2Fpanel%2Fsearch%3Fq%3D1001&member={a}&member={b}\
             &action=reset&password=Fresh-Passw0rd-9&confirm_password={confirm}&org={support}"
        )
    };
    let r = post(&app, &admin, "/panel/members/batch", &form("wrong")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = post(
        &app,
        &admin,
        "/panel/members/batch",
        &form("Admin-Passw0rd-1"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location, "/panel/search?q=1001&saved=reset");
    // The members sign in with the new password, and must change it first (ENT-4).
    for account in ["10011", "10012"] {
        let cookie = session_of(&app, account, "Fresh-Passw0rd-9").await;
        let r = send(&app, "GET", "/panel/orgs", &cookie, &[], None).await;
        assert_eq!(r.location, "/panel/password", "{account}");
    }
    // Move both to Support.
    let mv = format!("csrf_token={csrf}&member={a}&member={b}&action=move&org={support}");
    let r = post(&app, &admin, "/panel/members/batch", &mv).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    for id in [a, b] {
        assert_eq!(member_json(&app, &admin, id).await["org"], support);
    }
    // Nothing selected.
    let r = post(
        &app,
        &admin,
        "/panel/members/batch",
        &format!("csrf_token={csrf}&action=move&org={support}"),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // An info admin scoped to Finance cannot move members it cannot see.
    let (info, info_csrf) = sign_in(&app, "10003", "Passw0rd-10003").await;
    let mv = format!("csrf_token={info_csrf}&member={a}&action=move&org={support}");
    let r = post(&app, &info, "/panel/members/batch", &mv).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn org_rename_move_and_delete_follow_the_rules() {
    let app = app().await;
    let (admin, csrf) = sign_in(&app, "", "Admin-Passw0rd-1").await;
    let eng = org_id(&app, &admin, "Engineering").await;
    let platform = org_id(&app, &admin, "Platform").await;
    let sales = org_id(&app, &admin, "Sales").await;
    let page = send(
        &app,
        "GET",
        &format!("/panel/orgs?org={platform}"),
        &admin,
        &[],
        None,
    )
    .await;
    for id in ["rename-org", "move-org", "delete-org"] {
        assert!(page.body.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(
        page.body.contains("<details open>"),
        "the path to the selection is expanded"
    );
    // Rename.
    let r = post(
        &app,
        &admin,
        &format!("/panel/orgs/{platform}/rename"),
        &format!("csrf_token={csrf}&name=Infrastructure"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Into its own subtree: refused with the reason.
    let r = post(
        &app,
        &admin,
        &format!("/panel/orgs/{eng}/move"),
        &format!("csrf_token={csrf}&parent={platform}"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("own subtree"), "{}", r.body);
    // Under Sales: fine.
    let r = post(
        &app,
        &admin,
        &format!("/panel/orgs/{platform}/move"),
        &format!("csrf_token={csrf}&parent={sales}"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = send(&app, "GET", "/api/v1/orgs", &admin, &[], None).await;
    assert!(
        r.body
            .contains(&format!("\"parent\":{sales},\"name\":\"Infrastructure\"")),
        "{}",
        r.body
    );
    // Deleting an org with members is refused with the reason; an empty one goes.
    let r = post(
        &app,
        &admin,
        &format!("/panel/orgs/{platform}/delete"),
        &format!("csrf_token={csrf}&confirm=yes"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("still has"), "{}", r.body);
    let r = post(
        &app,
        &admin,
        "/panel/orgs/new",
        &format!("csrf_token={csrf}&parent={sales}&name=Temp"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let temp = org_id(&app, &admin, "Temp").await;
    let r = post(
        &app,
        &admin,
        &format!("/panel/orgs/{temp}/delete"),
        &format!("csrf_token={csrf}"),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "the confirmation box is needed"
    );
    let r = post(
        &app,
        &admin,
        &format!("/panel/orgs/{temp}/delete"),
        &format!("csrf_token={csrf}&confirm=yes"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.location,
        format!("/panel/orgs?org={sales}&saved=org-deleted")
    );
    // A member without the tree permission gets no forms and a refusal.
    let (member, mcsrf) = sign_in(&app, "10001", "Passw0rd-10001").await;
    let page = send(
        &app,
        "GET",
        &format!("/panel/orgs?org={sales}"),
        &member,
        &[],
        None,
    )
    .await;
    assert!(!page.body.contains("id=\"rename-org\""));
    let r = post(
        &app,
        &member,
        &format!("/panel/orgs/{sales}/rename"),
        &format!("csrf_token={mcsrf}&name=Mine"),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn add_member_takes_mobile_title_and_up_to_three_scope_orgs() {
    let app = app().await;
    let (admin, csrf) = sign_in(&app, "", "Admin-Passw0rd-1").await;
    let support = org_id(&app, &admin, "Support").await;
    let orgs: Vec<u64> = {
        let mut v = Vec::new();
        for n in ["Sales", "Finance", "Executive", "North"] {
            v.push(org_id(&app, &admin, n).await);
        }
        v
    };
    let r = send(&app, "GET", "/api/v1/roles", &admin, &[], None).await;
    let roles: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let info = roles
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["builtin"] == "info-admin")
        .unwrap()["id"]
        .as_u64()
        .unwrap();
    let form = format!(
        "csrf_token={csrf}&org={support}&name=Qian+Duo&account=10100&mobile=13700000000&title=Auditor\
         &role={info}&scope0={}&scope1={}&scope2={}",
        orgs[0], orgs[1], orgs[2]
    );
    let r = post(&app, &admin, "/panel/members/new", &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = id_of(&app, &admin, "10100").await;
    let m = member_json(&app, &admin, id).await;
    assert_eq!(m["title"], "Auditor");
    assert_eq!(m["role"], info);
    assert_eq!(m["scope"], serde_json::json!(&orgs[..3]));
}

#[tokio::test]
async fn refusals_read_in_the_pages_language() {
    let app = app().await;
    let (admin, csrf) = sign_in(&app, "", "Admin-Passw0rd-1").await;
    let eng = org_id(&app, &admin, "Engineering").await;
    let zh = admin.replace("lang=en", "lang=zh");
    let r = post(
        &app,
        &zh,
        &format!("/panel/orgs/{eng}/delete"),
        &format!("csrf_token={csrf}&confirm=yes"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("无法执行，与当前状态冲突"), "{}", r.body);
    let id = id_of(&app, &admin, "10006").await;
    let r = post(
        &app,
        &zh,
        &format!("/panel/members/{id}/edit"),
        &format!("csrf_token={csrf}&name=X&mobile=abc&org={eng}"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("「手机」的值无效"), "{}", r.body);
    // The same refusal in English on an English page.
    let r = post(
        &app,
        &admin,
        &format!("/panel/members/{id}/edit"),
        &format!("csrf_token={csrf}&name=X&mobile=abc&org={eng}"),
    )
    .await;
    assert!(r.body.contains("invalid mobile"), "{}", r.body);
}
