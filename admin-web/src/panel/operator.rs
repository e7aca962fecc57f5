//! The operator's pages (SPEC vocabulary "operator"): a sign-in of their own, the list of
//! enterprises with a form to create one and a form per enterprise for its seats, account
//! range and expiry.
//!
//! Operator sessions are not enterprise sessions: they live in their own map behind their own
//! cookie (`orgdir_operator`), so the enterprise pages (`Session::of`) never accept them and
//! these pages never accept an enterprise session. The sign-in form carries a login-CSRF
//! token bound to its own HttpOnly cookie, checked before any password check, as the
//! enterprise sign-in does. Every other POST carries the operator session's CSRF token. The
//! rules are `crate::operator`'s, shared with the API.

use std::fmt::Write as _;
use std::net::SocketAddr;

use axum::Extension;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::html::{esc, message, page};
use super::i18n::Lang;
use super::{CsrfField, date};
use crate::AppState;
use crate::auth;
use crate::error::ApiError;
use crate::operator::{self, NewEnterpriseJson, Terms};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/panel/operator", get(to_list))
        .route("/panel/operator/", get(list))
        .route("/panel/operator/signin", get(sign_in_form).post(sign_in))
        .route("/panel/operator/signout", post(sign_out))
        .route("/panel/operator/enterprises", post(create))
        .route("/panel/operator/enterprises/{number}", post(update))
        .route("/panel/operator/enterprises/{number}/review", post(review))
        .route("/panel/operator/images", get(images_page))
        .route("/panel/operator/images/{id}", get(image_file))
        .route("/panel/operator/images/{id}/review", post(review_image))
}

/// The pages' strings.
struct Text {
    images: &'static str,
    no_images: &'static str,
    back: &'static str,
    reviews: &'static str,
    no_reviews: &'static str,
    field: &'static str,
    live: &'static str,
    proposed: &'static str,
    submitted: &'static str,
    approve: &'static str,
    reject: &'static str,
    reason: &'static str,
    reviewed: &'static str,
    title: &'static str,
    sign_in_title: &'static str,
    operator_name: &'static str,
    password: &'static str,
    sign_in: &'static str,
    bad_credentials: &'static str,
    unavailable: &'static str,
    login_expired: &'static str,
    signed_in_as: &'static str,
    sign_out: &'static str,
    number: &'static str,
    name: &'static str,
    short_name: &'static str,
    naming_context: &'static str,
    naming_context_hint: &'static str,
    members_seats: &'static str,
    seats: &'static str,
    account_range: &'static str,
    first: &'static str,
    last: &'static str,
    expires: &'static str,
    never: &'static str,
    no_expiry: &'static str,
    terms: &'static str,
    save: &'static str,
    none_yet: &'static str,
    new_enterprise: &'static str,
    super_password: &'static str,
    optional: &'static str,
    create: &'static str,
    created: &'static str,
    saved: &'static str,
    failed: &'static str,
    bad_number: &'static str,
    bad_date: &'static str,
    csrf_refused: &'static str,
}

static EN: Text = Text {
    images: "Images waiting for review",
    no_images: "No image is waiting.",
    back: "Enterprises",
    reviews: "Profile changes waiting for review",
    no_reviews: "No profile change is waiting.",
    field: "Field",
    live: "Live now",
    proposed: "Proposed",
    submitted: "Submitted",
    approve: "Approve",
    reject: "Reject",
    reason: "Reason (told to the enterprise)",
    reviewed: "Review recorded.",
    title: "Enterprises",
    sign_in_title: "Operator sign-in",
    operator_name: "Operator name",
    password: "Password",
    sign_in: "Sign in",
    bad_credentials: "Wrong operator name or password.",
    unavailable: "The server cannot verify credentials right now. Try again later.",
    login_expired: "This sign-in form has expired or was not opened in this browser. Please sign in again.",
    signed_in_as: "Signed in as operator",
    sign_out: "Sign out",
    number: "Enterprise number",
    name: "Name",
    short_name: "Short name",
    naming_context: "Naming context",
    naming_context_hint: "e.g. dc=acme,dc=com; empty: o=<number>",
    members_seats: "Members / seats",
    seats: "Seats",
    account_range: "Account range",
    first: "first",
    last: "last",
    expires: "Expires",
    never: "never",
    no_expiry: "no expiry",
    terms: "Seats, accounts, expiry",
    save: "Save",
    none_yet: "No enterprises yet.",
    new_enterprise: "New enterprise",
    super_password: "Super password of its administrator",
    optional: "optional",
    create: "Create",
    created: "Enterprise created.",
    saved: "Saved.",
    failed: "Not done:",
    bad_number: "Numbers must be whole numbers.",
    bad_date: "Dates are written YYYY-MM-DD.",
    csrf_refused: "The form was refused (missing or wrong security token). Reload the page and try again.",
};

static ZH: Text = Text {
    images: "待审核的企业图片",
    no_images: "没有待审核的图片。",
    back: "企业列表",
    reviews: "待审核的企业资料变更",
    no_reviews: "没有待审核的资料变更。",
    field: "字段",
    live: "当前",
    proposed: "申请变更为",
    submitted: "提交时间",
    approve: "通过",
    reject: "驳回",
    reason: "驳回原因（企业可见）",
    reviewed: "审核结果已记录。",
    title: "企业列表",
    sign_in_title: "运营方登录",
    operator_name: "运营账号",
    password: "密码",
    sign_in: "登录",
    bad_credentials: "运营账号或密码错误。",
    unavailable: "服务器暂时无法验证身份，请稍后再试。",
    login_expired: "登录表单已过期或并非在本浏览器中打开，请重新登录。",
    signed_in_as: "当前运营账号",
    sign_out: "退出",
    number: "企业号",
    name: "企业名称",
    short_name: "企业简称",
    naming_context: "命名上下文",
    naming_context_hint: "例如 dc=acme,dc=com；留空则为 o=<企业号>",
    members_seats: "成员数 / 席位",
    seats: "席位",
    account_range: "账号段",
    first: "起",
    last: "止",
    expires: "到期时间",
    never: "永不",
    no_expiry: "不设到期",
    terms: "席位、账号段、到期",
    save: "保存",
    none_yet: "暂无企业。",
    new_enterprise: "新建企业",
    super_password: "企业管理员的超级密码",
    optional: "可选",
    create: "创建",
    created: "企业已创建。",
    saved: "已保存。",
    failed: "操作未完成：",
    bad_number: "数字必须是整数。",
    bad_date: "日期格式为 YYYY-MM-DD。",
    csrf_refused: "表单被拒绝（安全令牌缺失或错误）。请刷新页面后重试。",
};

fn text(lang: Lang) -> &'static Text {
    match lang {
        Lang::En => &EN,
        Lang::Zh => &ZH,
    }
}

/// The cookie binding the operator sign-in form to the browser that loaded it.
const LOGIN_COOKIE: &str = "orgdir_oplogin";
const SIGN_IN: &str = "/panel/operator/signin";

/// A signed-in operator in the panel.
struct OpSession {
    name: String,
    csrf: String,
    lang: Lang,
}

impl OpSession {
    fn of(state: &AppState, headers: &HeaderMap) -> Option<OpSession> {
        let (name, csrf) = auth::cookie_session_in(
            &state.operator_sessions,
            operator::COOKIE,
            headers,
            state.dir.now(),
        )?;
        Some(OpSession {
            name,
            csrf,
            lang: Lang::of_request(headers),
        })
    }

    fn source(&self) -> String {
        format!("panel operator {}", self.name)
    }
}

fn to_sign_in() -> Response {
    Redirect::to(SIGN_IN).into_response()
}

async fn to_list() -> Redirect {
    Redirect::to("/panel/operator/")
}

/// The operator session and the form of a POST: no session → sign-in; a missing or wrong
/// `csrf_token` → 403 before the rest is read; a malformed form → 400.
fn op_posted<T: DeserializeOwned>(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(OpSession, T), Box<Response>> {
    let Some(s) = OpSession::of(state, headers) else {
        return Err(Box::new(to_sign_in()));
    };
    let x = text(s.lang);
    let sent = serde_urlencoded::from_bytes::<CsrfField>(body)
        .map(|f| f.csrf_token)
        .unwrap_or_default();
    if !auth::csrf_matches(&sent, &s.csrf) {
        let body = message(false, x.csrf_refused);
        return Err(Box::new(page(
            StatusCode::FORBIDDEN,
            s.lang,
            x.failed,
            None,
            "/panel/operator/",
            &body,
        )));
    }
    match serde_urlencoded::from_bytes::<T>(body) {
        Ok(form) => Ok((s, form)),
        Err(e) => Err(Box::new(list_page(
            state,
            &s,
            StatusCode::BAD_REQUEST,
            Some((false, e.to_string())),
        ))),
    }
}

// --- sign-in --------------------------------------------------------------------------

fn sign_in_page(lang: Lang, status: StatusCode, error: Option<&str>, name: &str) -> Response {
    let x = text(lang);
    let token = auth::random_hex(16);
    let mut b = String::new();
    if let Some(e) = error {
        b.push_str(&message(false, e));
    }
    let _ = write!(
        b,
        "<form method=\"post\" action=\"{SIGN_IN}\">\
         <input type=\"hidden\" name=\"login_token\" value=\"{}\">\
         <label>{} <input name=\"name\" id=\"operator-name\" required maxlength=\"64\" value=\"{}\"></label>\
         <label>{} <input type=\"password\" name=\"password\" id=\"operator-password\" required></label>\
         <button type=\"submit\" id=\"operator-signin\">{}</button></form>",
        esc(&token),
        esc(x.operator_name),
        esc(name),
        esc(x.password),
        esc(x.sign_in),
    );
    let mut resp = page(status, lang, x.sign_in_title, None, SIGN_IN, &b);
    auth::set_cookie(
        &mut resp,
        &format!("{LOGIN_COOKIE}={token}; HttpOnly; SameSite=Strict; Path={SIGN_IN}; Max-Age=3600"),
    );
    resp
}

async fn sign_in_form(headers: HeaderMap) -> Response {
    sign_in_page(Lang::of_request(&headers), StatusCode::OK, None, "")
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SignInForm {
    login_token: String,
    name: String,
    password: String,
}

async fn sign_in(
    State(state): State<AppState>,
    addr: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let lang = Lang::of_request(&headers);
    let x = text(lang);
    let form = serde_urlencoded::from_bytes::<SignInForm>(&body).unwrap_or_default();
    let bound = auth::cookie_value(&headers, LOGIN_COOKIE)
        .is_some_and(|c| !c.is_empty() && auth::csrf_matches(&form.login_token, &c));
    if !bound {
        // Checked before the password: a cross-site post costs no hash and learns nothing.
        return sign_in_page(
            lang,
            StatusCode::FORBIDDEN,
            Some(x.login_expired),
            form.name.trim(),
        );
    }
    let ip = auth::client_ip(addr);
    match operator::verify_sign_in(&state, &form.name, &form.password, ip).await {
        Ok(name) => {
            let (_token, _csrf, cookie) = operator::start_session(&state, &name);
            let mut resp = Redirect::to("/panel/operator/").into_response();
            auth::set_cookie(&mut resp, &cookie);
            resp
        }
        Err(e) => {
            let why = if e.status == StatusCode::SERVICE_UNAVAILABLE {
                x.unavailable
            } else {
                x.bad_credentials
            };
            sign_in_page(lang, e.status, Some(why), form.name.trim())
        }
    }
}

async fn sign_out(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(resp) = op_posted::<CsrfField>(&state, &headers, &body) {
        return *resp;
    }
    operator::end_session(&state, &headers);
    let mut resp = to_sign_in();
    auth::set_cookie(&mut resp, &auth::expired_cookie(operator::COOKIE));
    resp
}

// --- the enterprises ------------------------------------------------------------------

#[derive(Deserialize)]
struct ListQuery {
    created: Option<u64>,
    saved: Option<u64>,
    reviewed: Option<u64>,
}

async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Response {
    let Some(s) = OpSession::of(&state, &headers) else {
        return to_sign_in();
    };
    let x = text(s.lang);
    let note = match (q.created, q.saved, q.reviewed) {
        (Some(_), _, _) => Some((true, x.created.to_string())),
        (None, Some(_), _) => Some((true, x.saved.to_string())),
        (None, None, Some(_)) => Some((true, x.reviewed.to_string())),
        _ => None,
    };
    list_page(&state, &s, StatusCode::OK, note)
}

fn list_page(
    state: &AppState,
    s: &OpSession,
    status: StatusCode,
    note: Option<(bool, String)>,
) -> Response {
    let x = text(s.lang);
    let csrf = esc(&s.csrf);
    let mut b = String::new();
    let _ = write!(
        b,
        "<p id=\"operator-bar\">{} <strong id=\"operator\">{}</strong> \
         <form class=\"inline\" method=\"post\" action=\"/panel/operator/signout\">\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
         <button type=\"submit\">{}</button></form></p>",
        esc(x.signed_in_as),
        esc(&s.name),
        esc(x.sign_out)
    );
    if let Some((ok, t)) = note {
        let t = if ok { t } else { format!("{} {t}", x.failed) };
        b.push_str(&message(ok, &t));
    }
    reviews(state, s, &mut b);
    let all = operator::enterprises(state);
    if all.is_empty() {
        let _ = write!(b, "<p id=\"no-enterprises\">{}</p>", esc(x.none_yet));
    } else {
        b.push_str("<table id=\"enterprises\"><thead><tr>");
        for h in [
            x.number,
            x.name,
            x.naming_context,
            x.members_seats,
            x.account_range,
            x.expires,
            x.terms,
        ] {
            let _ = write!(b, "<th>{}</th>", esc(h));
        }
        b.push_str("</tr></thead><tbody>");
        for e in &all {
            let expires = e.expires_at.map(date);
            let _ = write!(
                b,
                "<tr data-number=\"{n}\"><td>{n}</td><td>{}<br>{}</td><td>{}</td><td>{} / {}</td>\
                 <td>{}–{}</td><td>{}</td><td>\
                 <form method=\"post\" action=\"/panel/operator/enterprises/{n}\" class=\"terms\">\
                 <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
                 <label>{} <input name=\"seats\" inputmode=\"numeric\" value=\"{}\"></label>\
                 <label>{} <input name=\"first\" aria-label=\"{first}\" inputmode=\"numeric\" value=\"{}\"> – \
                 <input name=\"last\" aria-label=\"{last}\" inputmode=\"numeric\" value=\"{}\"></label>\
                 <label>{} <input type=\"date\" name=\"expires\" value=\"{}\"></label>\
                 <label><input type=\"checkbox\" name=\"no_expiry\" value=\"on\"> {}</label>\
                 <button type=\"submit\">{}</button></form></td></tr>",
                esc(&e.short_name),
                esc(&e.name),
                esc(&e.naming_context),
                e.members,
                e.seats,
                e.account_range[0],
                e.account_range[1],
                esc(expires.as_deref().unwrap_or(x.never)),
                esc(x.seats),
                e.seats,
                esc(x.account_range),
                e.account_range[0],
                e.account_range[1],
                esc(x.expires),
                esc(expires.as_deref().unwrap_or("")),
                esc(x.no_expiry),
                esc(x.save),
                n = e.number,
                first = esc(x.first),
                last = esc(x.last),
            );
        }
        b.push_str("</tbody></table>");
    }
    let _ = write!(
        b,
        "<form method=\"post\" action=\"/panel/operator/enterprises\" id=\"new-enterprise\"><fieldset><legend>{}</legend>\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
         <label>{} <input name=\"number\" id=\"new-number\" inputmode=\"numeric\" required></label>\
         <label>{} <input name=\"short_name\" id=\"new-short-name\" required maxlength=\"200\"></label>\
         <label>{} ({}) <input name=\"name\" id=\"new-name\" maxlength=\"256\"></label>\
         <label>{} ({}) <input name=\"naming_context\" id=\"new-naming-context\"></label>\
         <label>{} ({}) <input name=\"seats\" id=\"new-seats\" inputmode=\"numeric\" placeholder=\"{}\"></label>\
         <label>{} ({}) <input name=\"first\" aria-label=\"{first}\" inputmode=\"numeric\" placeholder=\"10001\"> – \
         <input name=\"last\" aria-label=\"{last}\" inputmode=\"numeric\" placeholder=\"99999\"></label>\
         <label>{} ({}) <input type=\"date\" name=\"expires\" id=\"new-expires\"></label>\
         <label>{} <input type=\"password\" name=\"super_password\" id=\"new-super-password\" required autocomplete=\"new-password\"></label>\
         <button type=\"submit\">{}</button></fieldset></form>",
        esc(x.new_enterprise),
        esc(x.number),
        esc(x.short_name),
        esc(x.name),
        esc(x.optional),
        esc(x.naming_context),
        esc(x.naming_context_hint),
        esc(x.seats),
        esc(x.optional),
        state.new_enterprise.seats,
        esc(x.account_range),
        esc(x.optional),
        esc(x.expires),
        esc(x.optional),
        esc(x.super_password),
        esc(x.create),
        first = esc(x.first),
        last = esc(x.last),
    );
    page(status, s.lang, x.title, None, "/panel/operator/", &b)
}

/// The review queue (ENT-1): per enterprise, the fields that would change, live against
/// proposed, with approve and reject (reason required) forms.
fn reviews(state: &AppState, s: &OpSession, b: &mut String) {
    let x = text(s.lang);
    let csrf = esc(&s.csrf);
    let _ = write!(
        b,
        "<p><a href=\"/panel/operator/images\" id=\"images-link\">{}</a></p>\
         <section id=\"reviews\"><h2>{}</h2>",
        esc(x.images),
        esc(x.reviews)
    );
    let queue = crate::account::review_queue(state);
    if queue.is_empty() {
        let _ = write!(
            b,
            "<p id=\"no-reviews\">{}</p></section>",
            esc(x.no_reviews)
        );
        return;
    }
    for item in queue {
        let (live, new) = (&item.live, &item.pending);
        let _ = write!(
            b,
            "<div class=\"review\" data-number=\"{n}\"><h3>{n} {}</h3><p>{} {}</p>\
             <table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            esc(&live.short_name),
            esc(x.submitted),
            esc(&crate::panel::datetime(item.submitted_at)),
            esc(x.field),
            esc(x.live),
            esc(x.proposed),
            n = item.number,
        );
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        let rows: [(&str, String, String); 7] = [
            ("name", live.name.clone(), new.name.clone()),
            (
                "short_name",
                live.short_name.clone(),
                new.short_name.clone(),
            ),
            ("address", opt(&live.address), opt(&new.address)),
            ("industry", opt(&live.industry), opt(&new.industry)),
            (
                "contact_name",
                opt(&live.contact_name),
                opt(&new.contact_name),
            ),
            (
                "contact_phone",
                opt(&live.contact_phone),
                opt(&new.contact_phone),
            ),
            (
                "contact_email",
                opt(&live.contact_email),
                opt(&new.contact_email),
            ),
        ];
        for (field, old, proposed) in &rows {
            let changed = if old == proposed {
                ""
            } else {
                " class=\"changed\""
            };
            let _ = write!(
                b,
                "<tr{changed}><td>{field}</td><td>{}</td><td>{}</td></tr>",
                esc(old),
                esc(proposed)
            );
        }
        let _ = write!(
            b,
            "</tbody></table>\
             <form class=\"inline\" method=\"post\" action=\"/panel/operator/enterprises/{n}/review\">\
             <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
             <input type=\"hidden\" name=\"decision\" value=\"approve\">\
             <button type=\"submit\" class=\"approve\">{}</button></form> \
             <form method=\"post\" action=\"/panel/operator/enterprises/{n}/review\" class=\"reject\">\
             <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
             <input type=\"hidden\" name=\"decision\" value=\"reject\">\
             <label>{} <input name=\"reason\" required maxlength=\"500\"></label>\
             <button type=\"submit\">{}</button></form></div>",
            esc(x.approve),
            esc(x.reason),
            esc(x.reject),
            n = item.number,
        );
    }
    b.push_str("</section>");
}

#[derive(serde::Deserialize)]
struct ReviewForm {
    decision: String,
    #[serde(default)]
    reason: String,
}

async fn review(
    State(state): State<AppState>,
    Path(n): Path<u64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (s, f) = match op_posted::<ReviewForm>(&state, &headers, &body) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let decision = crate::account::DecisionJson {
        approve: f.decision == "approve",
        reason: Some(f.reason).filter(|r| !r.trim().is_empty()),
    };
    match crate::account::decide(&state, &s.name, n, decision).await {
        Ok(()) => Redirect::to(&format!("/panel/operator/?reviewed={n}")).into_response(),
        Err(e) => failure(&state, &s, e),
    }
}

/// ENT-5: pending images with approve and reject (reason required) forms.
async fn images_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Response {
    let Some(s) = OpSession::of(&state, &headers) else {
        return to_sign_in();
    };
    images_view(
        &state,
        &s,
        StatusCode::OK,
        q.reviewed
            .map(|_| (true, text(s.lang).reviewed.to_string())),
    )
    .await
}

async fn images_view(
    state: &AppState,
    s: &OpSession,
    status: StatusCode,
    note: Option<(bool, String)>,
) -> Response {
    let x = text(s.lang);
    let csrf = esc(&s.csrf);
    let mut b = format!("<p><a href=\"/panel/operator/\">← {}</a></p>", esc(x.back));
    if let Some((ok, t)) = note {
        let t = if ok { t } else { format!("{} {t}", x.failed) };
        b.push_str(&message(ok, &t));
    }
    let pending = match crate::images::pending(state).await {
        Ok(p) => p,
        Err(e) => {
            b.push_str(&message(false, &e.detail));
            Vec::new()
        }
    };
    if pending.is_empty() {
        let _ = write!(b, "<p id=\"no-images\">{}</p>", esc(x.no_images));
    }
    for img in pending {
        let _ = write!(
            b,
            "<div class=\"review image\" data-id=\"{id}\"><h3>{} — {} ({} bytes, {})</h3>\
             <img src=\"/panel/operator/images/{id}\" alt=\"{}\" style=\"max-width:30em\">\
             <form class=\"inline\" method=\"post\" action=\"/panel/operator/images/{id}/review\">\
             <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
             <input type=\"hidden\" name=\"decision\" value=\"approve\">\
             <button type=\"submit\" class=\"approve\">{}</button></form> \
             <form method=\"post\" action=\"/panel/operator/images/{id}/review\" class=\"reject\">\
             <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
             <input type=\"hidden\" name=\"decision\" value=\"reject\">\
             <label>{} <input name=\"reason\" required maxlength=\"500\"></label>\
             <button type=\"submit\">{}</button></form></div>",
            img.enterprise,
            esc(img.kind.key()),
            img.size,
            esc(&crate::panel::datetime(img.submitted_at)),
            esc(img.kind.key()),
            esc(x.approve),
            esc(x.reason),
            esc(x.reject),
            id = img.id,
        );
    }
    page(status, s.lang, x.images, None, "/panel/operator/images", &b)
}

async fn image_file(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
) -> Response {
    if OpSession::of(&state, &headers).is_none() {
        return to_sign_in();
    }
    match crate::images::bytes(&state, id).await {
        Ok(Some((rec, b))) => crate::images::file(&rec, b, "no-store"),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn review_image(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (s, f) = match op_posted::<ReviewForm>(&state, &headers, &body) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let reason = Some(f.reason).filter(|r| !r.trim().is_empty());
    match crate::images::review(&state, &s.name, id, f.decision == "approve", reason).await {
        Ok(_) => Redirect::to(&format!("/panel/operator/images?reviewed={id}")).into_response(),
        Err(e) => images_view(&state, &s, e.status, Some((false, e.detail))).await,
    }
}

fn failure(state: &AppState, s: &OpSession, e: ApiError) -> Response {
    list_page(state, s, e.status, Some((false, e.detail)))
}

/// An optional whole number from a form field.
fn number<T: std::str::FromStr>(s: &OpSession, v: &str) -> Result<Option<T>, ApiError> {
    match v.trim() {
        "" => Ok(None),
        v => v
            .parse()
            .map(Some)
            .map_err(|_| ApiError::bad_request(text(s.lang).bad_number)),
    }
}

/// The account range of a form: both ends or none.
fn account_range(s: &OpSession, first: &str, last: &str) -> Result<Option<[u64; 2]>, ApiError> {
    match (number(s, first)?, number(s, last)?) {
        (Some(a), Some(b)) => Ok(Some([a, b])),
        (None, None) => Ok(None),
        _ => Err(ApiError::bad_request(text(s.lang).bad_number)),
    }
}

/// The end (23:59:59 UTC) of a `YYYY-MM-DD` day, as the CLI's `--expires` reads it.
fn end_of_day(s: &OpSession, d: &str) -> Result<Option<i64>, ApiError> {
    let d = d.trim();
    if d.is_empty() {
        return Ok(None);
    }
    let bad = || ApiError::bad_request(text(s.lang).bad_date);
    let date = time::Date::parse(d, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| bad())?;
    let end = date.with_hms(23, 59, 59).map_err(|_| bad())?;
    Ok(Some(end.assume_utc().unix_timestamp()))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewEnterpriseForm {
    number: String,
    short_name: String,
    name: String,
    naming_context: String,
    seats: String,
    first: String,
    last: String,
    expires: String,
    super_password: String,
}

async fn create(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (s, f) = match op_posted::<NewEnterpriseForm>(&state, &headers, &body) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let parsed = (|| {
        Ok::<_, ApiError>(NewEnterpriseJson {
            number: number(&s, &f.number)?.unwrap_or(0),
            short_name: f.short_name.clone(),
            name: super::non_empty(&f.name),
            naming_context: super::non_empty(&f.naming_context),
            seats: number(&s, &f.seats)?,
            account_range: account_range(&s, &f.first, &f.last)?,
            expires_at: end_of_day(&s, &f.expires)?,
            super_password: f.super_password.clone(),
            limits: None,
        })
    })();
    let result = match parsed {
        Ok(new) => operator::create_enterprise(&state, &s.source(), new).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(n) => Redirect::to(&format!("/panel/operator/?created={n}")).into_response(),
        Err(e) => failure(&state, &s, e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TermsForm {
    seats: String,
    first: String,
    last: String,
    expires: String,
    no_expiry: String,
}

async fn update(
    State(state): State<AppState>,
    Path(n): Path<u64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (s, f) = match op_posted::<TermsForm>(&state, &headers, &body) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let current = state
        .dir
        .catalog()
        .get(n)
        .map(|snap| snap.state.enterprise.expires_at);
    let Some(current) = current else {
        return failure(&state, &s, ApiError::not_found("enterprise"));
    };
    let parsed = (|| {
        let expires_at = if f.no_expiry == "on" {
            Some(None)
        } else if current.map(date).as_deref() == Some(f.expires.trim()) {
            // The same day as now: keep the exact time set before.
            None
        } else {
            end_of_day(&s, &f.expires)?.map(Some)
        };
        Ok::<_, ApiError>(Terms {
            seats: number(&s, &f.seats)?,
            account_range: account_range(&s, &f.first, &f.last)?,
            expires_at,
            limits: None,
        })
    })();
    let result = match parsed {
        Ok(terms) => operator::set_terms(&state, n, &s.source(), terms).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Redirect::to(&format!("/panel/operator/?saved={n}")).into_response(),
        Err(e) => failure(&state, &s, e),
    }
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;

    use super::super::testkit::{
        self, Resp, app_with_operator as app, op_login_form as login_form, op_sign_in, send,
        sign_in,
    };

    async fn post(app: &axum::Router, path: &str, cookie: &str, form: &str) -> Resp {
        send(app, "POST", path, cookie, &[], Some(form)).await
    }

    #[tokio::test]
    async fn sign_in_is_apart_from_enterprise_sessions() {
        let app = app().await;
        let r = send(&app, "GET", "/panel/operator/", "", &[], None).await;
        assert_eq!(r.location, "/panel/operator/signin");
        // Login CSRF: a post without the token of a form this browser loaded is refused
        // before any password check.
        let (cookie, token) = login_form(&app).await;
        let right = "name=ops&password=Operator-Passw0rd-1";
        for (cookie, form) in [
            ("lang=en", format!("login_token={token}&{right}")),
            (cookie.as_str(), right.to_string()),
        ] {
            let r = post(&app, "/panel/operator/signin", cookie, &form).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{form}");
            assert!(!r.set_cookie.contains("orgdir_operator="));
        }
        for form in [
            "name=ops&password=wrong",
            "name=nobody&password=Operator-Passw0rd-1",
            "name=100001&password=Admin-Passw0rd-1",
        ] {
            let form = format!("login_token={token}&{form}");
            let r = post(&app, "/panel/operator/signin", &cookie, &form).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{form}");
            assert!(r.body.contains("Wrong operator name or password."));
        }
        let (op, csrf) = op_sign_in(&app).await;
        // The operator's cookie opens no enterprise page, and an enterprise session opens
        // no operator page.
        let r = send(&app, "GET", "/panel/", &op, &[], None).await;
        assert_eq!(r.location, "/panel/signin");
        let (admin, _) = sign_in(&app, "", "Admin-Passw0rd-1").await;
        let r = send(&app, "GET", "/panel/operator/", &admin, &[], None).await;
        assert_eq!(r.location, "/panel/operator/signin");
        // Sign-out needs the CSRF token, then ends the session.
        let r = post(&app, "/panel/operator/signout", &op, "").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = post(
            &app,
            "/panel/operator/signout",
            &op,
            &format!("csrf_token={csrf}"),
        )
        .await;
        assert_eq!(r.location, "/panel/operator/signin");
        assert!(r.set_cookie.contains("Max-Age=0"));
        let r = send(&app, "GET", "/panel/operator/", &op, &[], None).await;
        assert_eq!(r.location, "/panel/operator/signin");
    }

    #[tokio::test]
    async fn create_an_enterprise_and_change_its_terms() {
        let app = app().await;
        let (op, csrf) = op_sign_in(&app).await;
        let page = send(&app, "GET", "/panel/operator/", &op, &[], None).await;
        assert!(
            page.body.contains("data-number=\"100001\""),
            "{}",
            page.body
        );
        assert!(page.body.contains("<td>50 / "));
        assert!(page.body.contains("id=\"new-enterprise\""));

        let create = "number=100002&short_name=%3Cb%3EAcme&name=&naming_context=dc%3Dacme%2Cdc%3Dtest\
                      &seats=20&first=20001&last=29999&expires=2030-06-30&super_password=Acme-Super-1";
        let r = post(&app, "/panel/operator/enterprises", &op, create).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "no CSRF token");
        let with_csrf = |form: &str| format!("csrf_token={csrf}&{form}");
        let r = post(&app, "/panel/operator/enterprises", &op, &with_csrf(create)).await;
        assert_eq!(r.location, "/panel/operator/?created=100002", "{}", r.body);
        let page = send(&app, "GET", &r.location, &op, &[], None).await;
        assert!(page.body.contains("Enterprise created."));
        assert!(page.body.contains("&lt;b&gt;Acme") && !page.body.contains("<b>Acme"));
        let row = "<td>dc=acme,dc=test</td><td>0 / 20</td><td>20001–29999</td><td>2030-06-30</td>";
        assert!(page.body.contains(row), "{}", page.body);
        // Its administrator signs in with the super password.
        let (cookie, token) = testkit::login_form(&app).await;
        let form = format!("login_token={token}&enterprise=100002&account=&password=Acme-Super-1");
        let r = post(&app, "/panel/signin", &cookie, &form).await;
        assert_eq!(r.location, "/panel/", "{}", r.body);
        // The same number again: refused, on the page.
        let r = post(&app, "/panel/operator/enterprises", &op, &with_csrf(create)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("Not done:"), "{}", r.body);

        let acme = "/panel/operator/enterprises/100002";
        for (form, shown) in [
            (
                "seats=40&first=20001&last=39999&expires=2031-01-31",
                "<td>0 / 40</td><td>20001–39999</td><td>2031-01-31</td>",
            ),
            (
                "seats=40&first=20001&last=39999&expires=2031-01-31&no_expiry=on",
                "<td>20001–39999</td><td>never</td>",
            ),
        ] {
            let r = post(&app, acme, &op, &with_csrf(form)).await;
            assert_eq!(r.location, "/panel/operator/?saved=100002", "{}", r.body);
            let page = send(&app, "GET", &r.location, &op, &[], None).await;
            assert!(page.body.contains(shown), "{form}: {}", page.body);
        }
        // Refusals are shown: fewer seats than members, bad input, an unknown enterprise.
        for (path, form, status) in [
            (
                "/panel/operator/enterprises/100001",
                "seats=10",
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (acme, "seats=x", StatusCode::BAD_REQUEST),
            (acme, "expires=31.12.2030", StatusCode::BAD_REQUEST),
            (acme, "first=5", StatusCode::BAD_REQUEST),
            (
                "/panel/operator/enterprises/999",
                "seats=10",
                StatusCode::NOT_FOUND,
            ),
        ] {
            let r = post(&app, path, &op, &with_csrf(form)).await;
            assert_eq!(r.status, status, "{path} {form}");
            assert!(r.body.contains("Not done:"), "{}", r.body);
        }
        let zh = op.replace("lang=en", "lang=zh");
        let page = send(&app, "GET", "/panel/operator/", &zh, &[], None).await;
        assert!(page.body.contains("企业列表") && page.body.contains("新建企业"));
    }
}
