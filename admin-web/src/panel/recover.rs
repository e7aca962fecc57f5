//! Recovering the super password (SPEC ENT-2, ENT-3) from the panel: the "Forgot the super
//! password?" form (`/panel/recover`), and the page the mailed link opens
//! (`/panel/recover?token=…`) with the new-password form. The work is
//! [`crate::recovery`]'s, exactly as for the API.
//!
//! Nobody is signed in here, so the forms carry a token bound to an HttpOnly
//! `orgdir_recover` cookie (like the sign-in form's login cookie), checked before anything
//! else. Opening the link only shows the form: only posting it uses the link (mail
//! scanners that open links cannot use it up), and only posts are audited.

use std::fmt::Write as _;
use std::net::SocketAddr;

use axum::Extension;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;

use super::html::{esc, message, page, url_enc};
use super::i18n::Lang;
use crate::AppState;
use crate::auth;
use crate::error::ApiError;

const RECOVER: &str = "/panel/recover";
/// The cookie binding the forms to the browser that loaded them.
const COOKIE: &str = "orgdir_recover";

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(RECOVER, get(show).post(request))
        .route("/panel/recover/complete", post(complete))
}

/// This module's strings.
struct Text {
    forgot: &'static str,
    title: &'static str,
    intro: &'static str,
    send: &'static str,
    sent: &'static str,
    enterprise_number: &'static str,
    not_a_number: &'static str,
    new_title: &'static str,
    new_intro: &'static str,
    new_password: &'static str,
    confirm: &'static str,
    policy: &'static str,
    set: &'static str,
    mismatch: &'static str,
    done: &'static str,
    sign_in: &'static str,
    ask_again: &'static str,
    form_expired: &'static str,
    invalid: &'static str,
    expired: &'static str,
    used: &'static str,
    too_many: &'static str,
    failed: &'static str,
}

static EN: Text = Text {
    forgot: "Forgot the super password?",
    title: "Recover the super password",
    intro: "Enter the enterprise number. If the enterprise has a recovery email, a link to set a new super password is sent to it.",
    send: "Send the link",
    sent: "If the enterprise has a recovery email, a link has been sent to it. It works once, for a limited time.",
    enterprise_number: "Enterprise number",
    not_a_number: "Enter the enterprise number (digits only).",
    new_title: "Set a new super password",
    new_intro: "Choose the new super password of enterprise",
    new_password: "New super password",
    confirm: "The same again",
    policy: "At least three of: upper case, lower case, digits, symbols (& * % …).",
    set: "Set the super password",
    mismatch: "The two passwords differ.",
    done: "The super password has been changed. The administrator's open sessions have ended.",
    sign_in: "Sign in",
    ask_again: "Ask for a new link",
    form_expired: "This form has expired or was not opened in this browser. Please try again.",
    invalid: "This recovery link is not valid.",
    expired: "This recovery link has expired.",
    used: "This recovery link was already used, or the super password or the recovery email changed since it was sent.",
    too_many: "Too many attempts from this address. Try again later.",
    failed: "The server could not complete the request.",
};

static ZH: Text = Text {
    forgot: "忘记超级密码？",
    title: "找回超级密码",
    intro: "请输入企业号。如果企业设置了找回邮箱，设置新超级密码的链接将发送到该邮箱。",
    send: "发送链接",
    sent: "如果企业设置了找回邮箱，链接已发送到该邮箱。链接只能使用一次，且有时间限制。",
    enterprise_number: "企业号",
    not_a_number: "请输入企业号（仅数字）。",
    new_title: "设置新的超级密码",
    new_intro: "请为以下企业设置新的超级密码：",
    new_password: "新超级密码",
    confirm: "再次输入",
    policy: "至少包含大写字母、小写字母、数字、符号（& * % …）中的三类。",
    set: "设置超级密码",
    mismatch: "两次输入的密码不一致。",
    done: "超级密码已修改，管理员已登录的会话均已结束。",
    sign_in: "登录",
    ask_again: "重新申请链接",
    form_expired: "表单已过期或并非在本浏览器中打开，请重试。",
    invalid: "此找回链接无效。",
    expired: "此找回链接已过期。",
    used: "此找回链接已被使用，或自发送以来超级密码或找回邮箱已更改。",
    too_many: "此地址尝试次数过多，请稍后再试。",
    failed: "服务器无法完成此请求。",
};

fn text(lang: Lang) -> &'static Text {
    match lang {
        Lang::En => &EN,
        Lang::Zh => &ZH,
    }
}

/// The "Forgot the super password?" link under the sign-in form.
pub(super) fn forgot_link(lang: Lang) -> String {
    format!(
        "<p><a href=\"{RECOVER}\" id=\"forgot-super-password\">{}</a></p>",
        esc(text(lang).forgot)
    )
}

/// A page with a fresh form token and its cookie.
fn with_form(
    state: &AppState,
    lang: Lang,
    status: StatusCode,
    title: &str,
    here: &str,
    body: impl FnOnce(&str) -> String,
) -> Response {
    let token = auth::random_hex(16);
    let mut resp = page(status, lang, title, None, here, &body(&token));
    let cookie = format!(
        "{COOKIE}={token}; HttpOnly; SameSite=Strict; Path={RECOVER}; Max-Age=3600{}",
        if state.secure_cookies { "; Secure" } else { "" }
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

/// Whether a posted form token matches the browser's cookie (constant time).
fn form_token_ok(headers: &HeaderMap, posted: &str) -> bool {
    auth::cookie_value(headers, COOKIE)
        .is_some_and(|c| !c.is_empty() && auth::csrf_matches(posted, &c))
}

fn request_page(state: &AppState, lang: Lang, status: StatusCode, note: &str) -> Response {
    let x = text(lang);
    with_form(state, lang, status, x.title, RECOVER, |token| {
        let mut b = note.to_string();
        let _ = write!(
            b,
            "<p>{}</p><form method=\"post\" action=\"{RECOVER}\" id=\"recover-request\">\
             <input type=\"hidden\" name=\"form_token\" value=\"{}\">\
             <label>{} <input name=\"enterprise\" id=\"enterprise\" inputmode=\"numeric\" required></label>\
             <button type=\"submit\" id=\"send-link\">{}</button></form>",
            esc(x.intro),
            esc(token),
            esc(x.enterprise_number),
            esc(x.send),
        );
        b
    })
}

fn new_password_page(
    state: &AppState,
    lang: Lang,
    status: StatusCode,
    enterprise: u64,
    link: &str,
    note: &str,
) -> Response {
    let x = text(lang);
    let here = format!("{RECOVER}?token={}", url_enc(link));
    with_form(state, lang, status, x.new_title, &here, |token| {
        let mut b = note.to_string();
        let _ = write!(
            b,
            "<p>{} <strong id=\"recover-enterprise\">{enterprise}</strong></p>\
             <form method=\"post\" action=\"/panel/recover/complete\" id=\"recover-complete\">\
             <input type=\"hidden\" name=\"form_token\" value=\"{}\">\
             <input type=\"hidden\" name=\"token\" value=\"{}\">\
             <label>{} <input type=\"password\" name=\"password\" id=\"new-password\" required autocomplete=\"new-password\"></label>\
             <label>{} <input type=\"password\" name=\"confirm\" id=\"confirm-password\" required autocomplete=\"new-password\"></label>\
             <p>{}</p><button type=\"submit\" id=\"set-password\">{}</button></form>",
            esc(x.new_intro),
            esc(token),
            esc(link),
            esc(x.new_password),
            esc(x.confirm),
            esc(x.policy),
            esc(x.set),
        );
        b
    })
}

/// A page that ends here: a message and where to go next.
fn outcome(lang: Lang, status: StatusCode, ok: bool, text_: &str) -> Response {
    let x = text(lang);
    let (href, label) = if ok {
        ("/panel/signin", x.sign_in)
    } else {
        (RECOVER, x.ask_again)
    };
    let body = format!(
        "{}<p><a href=\"{href}\" id=\"next\">{}</a></p>",
        message(ok, text_),
        esc(label)
    );
    page(status, lang, x.title, None, RECOVER, &body)
}

/// The refusal of a recovery API error, in the page's language.
fn refusal_text(lang: Lang, e: &ApiError) -> String {
    let x = text(lang);
    match e.code {
        "recovery_link_invalid" => x.invalid.into(),
        "recovery_link_expired" => x.expired.into(),
        "recovery_link_used" => x.used.into(),
        "too_many_attempts" => x.too_many.into(),
        "weak_password" => match (lang, &e.zh) {
            (Lang::Zh, Some(zh)) => zh.clone(),
            _ => e.detail.clone(),
        },
        _ => x.failed.into(),
    }
}

#[derive(Deserialize)]
struct LinkQuery {
    token: Option<String>,
}

/// `GET /panel/recover`: the request form; with `?token=`, the new-password form (or why
/// the link cannot be used).
async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<LinkQuery>,
) -> Response {
    let lang = Lang::of_request(&headers);
    let Some(token) = q.token.filter(|t| !t.is_empty()) else {
        return request_page(&state, lang, StatusCode::OK, "");
    };
    match crate::recovery::check_link(&state, &token, state.dir.now()) {
        Ok(n) => new_password_page(&state, lang, StatusCode::OK, n, &token, ""),
        Err(r) => outcome(lang, r.error.status, false, &refusal_text(lang, &r.error)),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RequestForm {
    form_token: String,
    enterprise: String,
}

/// `POST /panel/recover`: send the link (the same answer whatever the enterprise).
async fn request(
    State(state): State<AppState>,
    addr: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let lang = Lang::of_request(&headers);
    let x = text(lang);
    let form = serde_urlencoded::from_bytes::<RequestForm>(&body).unwrap_or_default();
    if !form_token_ok(&headers, &form.form_token) {
        let note = message(false, x.form_expired);
        return request_page(&state, lang, StatusCode::FORBIDDEN, &note);
    }
    let Ok(n) = form.enterprise.trim().parse::<u64>() else {
        let note = message(false, x.not_a_number);
        return request_page(&state, lang, StatusCode::BAD_REQUEST, &note);
    };
    match crate::recovery::request_link(&state, n, auth::client_ip(addr), "panel").await {
        Ok(()) => outcome(lang, StatusCode::OK, true, x.sent),
        Err(e) => outcome(lang, e.status, false, &refusal_text(lang, &e)),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CompleteForm {
    form_token: String,
    token: String,
    password: String,
    confirm: String,
}

/// `POST /panel/recover/complete`: set the new super password.
async fn complete(
    State(state): State<AppState>,
    addr: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let lang = Lang::of_request(&headers);
    let x = text(lang);
    let form = serde_urlencoded::from_bytes::<CompleteForm>(&body).unwrap_or_default();
    // The enterprise the form is for, to show it again (the link is checked for real below).
    let shown = state.links.read_recovery(&form.token).map(|c| c.enterprise);
    let again = |status, note: &str| match shown {
        Ok(n) => new_password_page(&state, lang, status, n, &form.token, &message(false, note)),
        Err(_) => outcome(lang, status, false, note),
    };
    if !form_token_ok(&headers, &form.form_token) {
        return again(StatusCode::FORBIDDEN, x.form_expired);
    }
    if form.password != form.confirm {
        return again(StatusCode::BAD_REQUEST, x.mismatch);
    }
    let ip = auth::client_ip(addr);
    match crate::recovery::complete_recovery(&state, &form.token, &form.password, ip, "panel").await
    {
        Ok(_) => outcome(lang, StatusCode::OK, true, x.done),
        Err(e) if e.code == "weak_password" => again(e.status, &refusal_text(lang, &e)),
        Err(e) => outcome(lang, e.status, false, &refusal_text(lang, &e)),
    }
}

#[cfg(test)]
mod tests;
