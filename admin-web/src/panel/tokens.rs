//! Long-lived API tokens for automation (`/panel/tokens`): the caller's tokens (the
//! enterprise administrator sees every token of the enterprise, with its owner), a form to
//! make one — its secret is shown once, on the answer to that form — and revocation. The
//! rules are `crate::tokens`', shared with the API.

use std::fmt::Write as _;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use orgdir_directory::service::PrincipalKind;
use orgdir_store::TokenAccess;
use serde::Deserialize;

use super::html::{esc, message};
use super::i18n::Lang;
use super::{Session, date, posted, to_sign_in};
use crate::AppState;
use crate::error::ApiError;
use crate::tokens::{self, TokenJson};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/panel/tokens", get(tokens_page))
        .route("/panel/tokens/new", post(create))
        .route("/panel/tokens/{id}/revoke", post(revoke))
}

/// The page's strings.
struct Text {
    title: &'static str,
    intro: &'static str,
    none_yet: &'static str,
    name: &'static str,
    access: &'static str,
    read: &'static str,
    read_write: &'static str,
    owner: &'static str,
    owner_gone: &'static str,
    created: &'static str,
    expires: &'static str,
    never: &'static str,
    last_used: &'static str,
    not_used: &'static str,
    status: &'static str,
    active: &'static str,
    inactive: &'static str,
    revoke: &'static str,
    new_token: &'static str,
    expires_in_days: &'static str,
    optional: &'static str,
    create: &'static str,
    secret_once: &'static str,
    revoked: &'static str,
    failed: &'static str,
    bad_days: &'static str,
}

static EN: Text = Text {
    title: "API tokens",
    intro: "An API token lets a script use the account center API as you, with your role and management scope as they are when it is used (send it as \"Authorization: Bearer <token>\"). A read token can only read. Tokens stop working when they expire, are revoked, or their owner is disabled or deleted.",
    none_yet: "No API tokens yet.",
    name: "Name",
    access: "Access",
    read: "read",
    read_write: "read and write",
    owner: "Owner",
    owner_gone: "(gone)",
    created: "Created",
    expires: "Expires",
    never: "never",
    last_used: "Last used",
    not_used: "not yet",
    status: "Status",
    active: "active",
    inactive: "not working",
    revoke: "Revoke",
    new_token: "New API token",
    expires_in_days: "Expires in (days)",
    optional: "optional",
    create: "Create",
    secret_once: "Copy this token now: it is shown only once and cannot be shown again.",
    revoked: "The token was revoked.",
    failed: "Not done:",
    bad_days: "The number of days must be a whole number.",
};

static ZH: Text = Text {
    title: "API 令牌",
    intro: "API 令牌让脚本以您的身份调用账号中心 API，权限为使用时您的角色和管理范围（以 \"Authorization: Bearer <令牌>\" 发送）。只读令牌只能读取。令牌在到期、被撤销或其所有者被禁用或删除时失效。",
    none_yet: "暂无 API 令牌。",
    name: "名称",
    access: "权限",
    read: "只读",
    read_write: "读写",
    owner: "所有者",
    owner_gone: "（已不存在）",
    created: "创建时间",
    expires: "到期时间",
    never: "永不",
    last_used: "最近使用",
    not_used: "尚未使用",
    status: "状态",
    active: "有效",
    inactive: "已失效",
    revoke: "撤销",
    new_token: "新建 API 令牌",
    expires_in_days: "有效期（天）",
    optional: "可选",
    create: "创建",
    secret_once: "请立即复制此令牌：它只显示这一次，之后无法再次查看。",
    revoked: "令牌已撤销。",
    failed: "操作未完成：",
    bad_days: "天数必须是整数。",
};

fn text(lang: Lang) -> &'static Text {
    match lang {
        Lang::En => &EN,
        Lang::Zh => &ZH,
    }
}

/// `YYYY-MM-DD HH:MM` (UTC) of a timestamp.
fn minute(t: i64) -> String {
    let g = orgdir_directory::dit::generalized_time(t);
    match (g.get(8..10), g.get(10..12)) {
        (Some(h), Some(m)) => format!("{} {h}:{m}", date(t)),
        _ => date(t),
    }
}

#[derive(Deserialize)]
struct PageQuery {
    revoked: Option<u8>,
}

async fn tokens_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Response {
    let Some(s) = Session::of(&state, &headers) else {
        return to_sign_in();
    };
    let note = q.revoked.map(|_| message(true, text(s.lang).revoked));
    render(&state, &s, StatusCode::OK, note.unwrap_or_default()).await
}

/// The page with `top` (a message, or the new secret) above the list.
async fn render(state: &AppState, s: &Session, status: StatusCode, top: String) -> Response {
    let x = text(s.lang);
    let mut b = top;
    let _ = write!(b, "<p>{}</p>", esc(x.intro));
    match tokens::visible(state, &s.snap, &s.principal).await {
        Ok(list) => table(s, &list, &mut b),
        Err(e) => b.push_str(&message(false, &format!("{} {}", x.failed, e.detail))),
    }
    let _ = write!(
        b,
        "<form method=\"post\" action=\"/panel/tokens/new\" id=\"new-token\"><fieldset><legend>{}</legend>\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{}\">\
         <label>{} <input name=\"name\" id=\"token-name\" required maxlength=\"100\"></label>\
         <label>{} <select name=\"access\" id=\"token-access\">\
         <option value=\"read\" selected>{}</option><option value=\"read-write\">{}</option></select></label>\
         <label>{} ({}) <input name=\"expires_in_days\" id=\"token-days\" inputmode=\"numeric\"></label>\
         <button type=\"submit\">{}</button></fieldset></form>",
        esc(x.new_token),
        esc(&s.csrf),
        esc(x.name),
        esc(x.access),
        esc(x.read),
        esc(x.read_write),
        esc(x.expires_in_days),
        esc(x.optional),
        esc(x.create),
    );
    s.page(status, x.title, "/panel/tokens", &b)
}

fn table(s: &Session, list: &[TokenJson], b: &mut String) {
    let x = text(s.lang);
    if list.is_empty() {
        let _ = write!(b, "<p id=\"no-tokens\">{}</p>", esc(x.none_yet));
        return;
    }
    let admin = s.principal.kind == PrincipalKind::Admin;
    b.push_str("<table id=\"tokens\"><thead><tr>");
    let mut heads = vec![x.name, x.access];
    if admin {
        heads.push(x.owner);
    }
    heads.extend([x.created, x.expires, x.last_used, x.status, ""]);
    for h in heads {
        let _ = write!(b, "<th>{}</th>", esc(h));
    }
    b.push_str("</tr></thead><tbody>");
    for t in list {
        let access = match TokenAccess::from_key(t.access) {
            Some(TokenAccess::ReadWrite) => x.read_write,
            _ => x.read,
        };
        let _ = write!(
            b,
            "<tr data-token=\"{}\"><td>{}</td><td>{}</td>",
            t.id,
            esc(&t.name),
            esc(access)
        );
        if admin {
            let owner = t.owner.as_deref().unwrap_or(x.owner_gone);
            let _ = write!(b, "<td>{}</td>", esc(owner));
        }
        let _ = write!(
            b,
            "<td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td><form class=\"inline\" method=\"post\" action=\"/panel/tokens/{}/revoke\">\
             <input type=\"hidden\" name=\"csrf_token\" value=\"{}\">\
             <button type=\"submit\">{}</button></form></td></tr>",
            esc(&date(t.created_at)),
            esc(&t.expires_at.map(date).unwrap_or_else(|| x.never.into())),
            esc(&t
                .last_used_at
                .map(minute)
                .unwrap_or_else(|| x.not_used.into())),
            esc(if t.active { x.active } else { x.inactive }),
            t.id,
            esc(&s.csrf),
            esc(x.revoke),
        );
    }
    b.push_str("</tbody></table>");
}

async fn failure(state: &AppState, s: &Session, e: ApiError) -> Response {
    let x = text(s.lang);
    let detail = if e.status == StatusCode::NOT_FOUND {
        s.tr().not_found.to_string()
    } else {
        e.detail
    };
    let top = message(false, &format!("{} {detail}", x.failed));
    render(state, s, e.status, top).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewTokenForm {
    name: String,
    access: String,
    expires_in_days: String,
}

async fn create(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (s, f) = match posted::<NewTokenForm>(&state, &headers, &body) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let x = text(s.lang);
    let days = match f.expires_in_days.trim() {
        "" => None,
        d => match d.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => return failure(&state, &s, ApiError::bad_request(x.bad_days)).await,
        },
    };
    let access = TokenAccess::from_key(&f.access).unwrap_or(TokenAccess::Read);
    match tokens::issue(
        &state,
        &s.snap,
        &s.principal,
        &f.name,
        access,
        days,
        &s.source(),
    )
    .await
    {
        Ok(issued) => {
            let top = format!(
                "{}<p><code id=\"token-secret\">{}</code></p>",
                message(true, x.secret_once),
                esc(&issued.secret)
            );
            render(&state, &s, StatusCode::CREATED, top).await
        }
        Err(e) => failure(&state, &s, e).await,
    }
}

async fn revoke(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (s, _) = match posted::<super::CsrfField>(&state, &headers, &body) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    match tokens::withdraw(&state, &s.snap, &s.principal, id, &s.source()).await {
        Ok(()) => Redirect::to("/panel/tokens?revoked=1").into_response(),
        Err(e) => failure(&state, &s, e).await,
    }
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;

    use super::super::testkit::{Resp, app, field, send, sign_in};

    /// The id of the first token listed.
    fn first_id(body: &str) -> String {
        body.split("data-token=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or_default()
            .to_string()
    }

    /// A request carrying API token `secret`, no cookie.
    async fn with_token(app: &axum::Router, method: &str, path: &str, secret: &str) -> Resp {
        let auth = format!("Bearer {secret}");
        send(app, method, path, "", &[("authorization", &auth)], None).await
    }

    /// Posts a form of the session (`cookie`, `csrf`) to `path`.
    async fn post(app: &axum::Router, path: &str, cookie: &str, csrf: &str, form: &str) -> Resp {
        let form = format!("csrf_token={csrf}&{form}");
        send(app, "POST", path, cookie, &[], Some(&form)).await
    }

    #[tokio::test]
    async fn make_use_and_revoke_a_token() {
        let app = app().await;
        let (cookie, csrf) = sign_in(&app, "10001", "Passw0rd-10001").await;
        let page = send(&app, "GET", "/panel/tokens", &cookie, &[], None).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("No API tokens yet."), "{}", page.body);
        assert!(page.body.contains("id=\"new-token\""));
        assert_eq!(field(&page.body, "csrf_token"), csrf);

        // Without the session's CSRF token nothing is made.
        let r = post(
            &app,
            "/panel/tokens/new",
            &cookie,
            "",
            "name=ci&access=read",
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let name = "name=ci%20%3Cb%3E&access=read";
        let r = post(
            &app,
            "/panel/tokens/new",
            &cookie,
            &csrf,
            &format!("{name}&expires_in_days=abc"),
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("whole number"), "{}", r.body);

        let r = post(
            &app,
            "/panel/tokens/new",
            &cookie,
            &csrf,
            &format!("{name}&expires_in_days=30"),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let secret = r
            .body
            .split("<code id=\"token-secret\">")
            .nth(1)
            .and_then(|s| s.split('<').next())
            .unwrap()
            .to_string();
        assert!(secret.starts_with("odt_"), "{secret}");
        assert!(r.body.contains("shown only once"));
        assert!(r.body.contains("ci &lt;b&gt;") && !r.body.contains("ci <b>"));

        // The secret is never shown again; it reads the API as its owner, and only reads.
        let page = send(&app, "GET", "/panel/tokens", &cookie, &[], None).await;
        assert!(!page.body.contains(&secret));
        assert!(page.body.contains("active"), "{}", page.body);
        let me = with_token(&app, "GET", "/api/v1/me", &secret).await;
        assert_eq!(me.status, StatusCode::OK);
        assert!(me.body.contains("\"kind\":\"member\""), "{}", me.body);
        let r = with_token(&app, "DELETE", "/api/v1/session", &secret).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // An API token does not open the panel.
        let r = with_token(&app, "GET", "/panel/tokens", &secret).await;
        assert_eq!(r.location, "/panel/signin");

        // The administrator sees it, with its owner.
        let (admin, _) = sign_in(&app, "", "Admin-Passw0rd-1").await;
        let all = send(&app, "GET", "/panel/tokens", &admin, &[], None).await;
        assert!(all.body.contains("<td>10001</td>"), "{}", all.body);

        let revoke = format!("/panel/tokens/{}/revoke", first_id(&page.body));
        let r = post(&app, &revoke, &cookie, &csrf, "").await;
        assert_eq!(r.location, "/panel/tokens?revoked=1");
        let page = send(&app, "GET", &r.location, &cookie, &[], None).await;
        assert!(page.body.contains("The token was revoked."));
        assert!(page.body.contains("No API tokens yet."));
        let me = with_token(&app, "GET", "/api/v1/me", &secret).await;
        assert_eq!(me.status, StatusCode::UNAUTHORIZED);
        // Revoking again: not found, shown on the page.
        let r = post(&app, &revoke, &cookie, &csrf, "").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(r.body.contains("Not done:"));
    }

    #[tokio::test]
    async fn members_cannot_revoke_others_tokens_and_pages_speak_chinese() {
        let app = app().await;
        let (admin, admin_csrf) = sign_in(&app, "", "Admin-Passw0rd-1").await;
        let r = post(
            &app,
            "/panel/tokens/new",
            &admin,
            &admin_csrf,
            "name=backup&access=read-write",
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED);
        let id = first_id(&r.body);
        let (member, csrf) = sign_in(&app, "10002", "Passw0rd-10002").await;
        let page = send(&app, "GET", "/panel/tokens", &member, &[], None).await;
        assert!(!page.body.contains("backup"), "only one's own tokens");
        let r = post(
            &app,
            &format!("/panel/tokens/{id}/revoke"),
            &member,
            &csrf,
            "",
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let still = send(&app, "GET", "/panel/tokens", &admin, &[], None).await;
        assert!(still.body.contains("backup"));
        let zh = admin.replace("lang=en", "lang=zh");
        let page = send(&app, "GET", "/panel/tokens", &zh, &[], None).await;
        assert!(
            page.body.contains("API 令牌") && page.body.contains("读写"),
            "{}",
            page.body
        );
    }
}
