//! Sign-in and sign-out (SPEC LOGIN-1..2), and the language switch.

use std::fmt::Write as _;
use std::net::SocketAddr;

use axum::Extension;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::html::{esc, message, page};
use super::i18n::{LANG_COOKIE, Lang};
use super::{CsrfField, posted, to_sign_in};
use crate::AppState;
use crate::auth;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/panel/lang", get(set_lang))
        .route("/panel/signin", get(sign_in_form).post(sign_in))
        .route("/panel/signout", post(sign_out))
}

// --- language -------------------------------------------------------------------------

#[derive(Deserialize)]
struct LangQuery {
    set: Option<String>,
    back: Option<String>,
}

/// `GET /panel/lang?set=zh&back=/panel/orgs`: remembers the language, returns to `back`
/// (only a panel path: never an open redirect).
async fn set_lang(Query(q): Query<LangQuery>) -> Response {
    let back = q
        .back
        .filter(|b| b.starts_with("/panel/") && !b.contains('\\') && !b.contains("//"))
        .unwrap_or_else(|| "/panel/".to_string());
    let mut resp = Redirect::to(&back).into_response();
    if let Some(lang) = q.set.as_deref().and_then(Lang::from_code) {
        let cookie = format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            lang.code()
        );
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            resp.headers_mut().insert(header::SET_COOKIE, v);
        }
    }
    resp
}

// --- sign-in --------------------------------------------------------------------------

/// The cookie that binds a sign-in form to the browser that loaded it (login CSRF: another
/// site cannot sign a browser into an account of its choosing).
const LOGIN_COOKIE: &str = "orgdir_login";

fn login_token() -> String {
    let mut b = [0u8; 16];
    rand::Rng::fill(&mut rand::thread_rng(), &mut b[..]);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn sign_in_page(
    state: &AppState,
    lang: Lang,
    status: StatusCode,
    error: Option<&str>,
    ent: &str,
    acc: &str,
) -> Response {
    let t = lang.tr();
    let token = login_token();
    let mut b = String::new();
    if let Some(e) = error {
        b.push_str(&message(false, e));
    }
    let _ = write!(
        b,
        "<form method=\"post\" action=\"/panel/signin\">\
         <input type=\"hidden\" name=\"login_token\" value=\"{}\">\
         <label>{} <input name=\"enterprise\" id=\"enterprise\" inputmode=\"numeric\" required value=\"{}\"></label>\
         <label>{} <input name=\"account\" id=\"account\" value=\"{}\" placeholder=\"{}\"></label>\
         <label>{} <input type=\"password\" name=\"password\" id=\"password\" required></label>\
         <button type=\"submit\" id=\"signin\">{}</button></form>",
        esc(&token),
        esc(t.enterprise_number),
        esc(ent),
        esc(t.account),
        esc(acc),
        esc(t.account_hint),
        esc(t.password),
        esc(t.sign_in),
    );
    b.push_str(&super::recover::forgot_link(lang));
    let mut resp = page(status, lang, t.sign_in, None, "/panel/signin", &b);
    let cookie = format!(
        "{LOGIN_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/panel/signin; Max-Age=3600{}",
        secure(state)
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

/// Whether the posted sign-in form came from a form this browser loaded.
fn login_token_matches(headers: &HeaderMap, posted: &str) -> bool {
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == LOGIN_COOKIE)
        .map(|(_, v)| v.to_string())
        .unwrap_or_default();
    !cookie.is_empty() && auth::csrf_matches(posted, &cookie)
}

/// `; Secure` when the panel is served over HTTPS.
fn secure(state: &AppState) -> &'static str {
    if state.secure_cookies { "; Secure" } else { "" }
}

async fn sign_in_form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    sign_in_page(
        &state,
        Lang::of_request(&headers),
        StatusCode::OK,
        None,
        "",
        "",
    )
}

#[derive(Deserialize)]
struct SignInForm {
    #[serde(default)]
    login_token: String,
    #[serde(default)]
    enterprise: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    password: String,
}

async fn sign_in(
    State(state): State<AppState>,
    addr: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let lang = Lang::of_request(&headers);
    let t = lang.tr();
    let form = serde_urlencoded::from_bytes::<SignInForm>(&body).unwrap_or(SignInForm {
        login_token: String::new(),
        enterprise: String::new(),
        account: String::new(),
        password: String::new(),
    });
    if !login_token_matches(&headers, &form.login_token) {
        // Checked before the password, so a cross-site post costs no hash and learns nothing.
        return sign_in_page(
            &state,
            lang,
            StatusCode::FORBIDDEN,
            Some(t.login_expired),
            form.enterprise.trim(),
            form.account.trim(),
        );
    }
    let account = Some(form.account.trim()).filter(|a| !a.is_empty());
    let result = match form.enterprise.trim().parse::<u64>() {
        Ok(n) => {
            auth::verify_sign_in(&state, n, account, &form.password, auth::client_ip(addr)).await
        }
        Err(_) => Err(auth::bad_credentials()),
    };
    match result {
        Ok(principal) => signed_in(&state, &principal),
        Err(e) => {
            let text = if e.status == StatusCode::SERVICE_UNAVAILABLE {
                t.unavailable
            } else {
                t.bad_credentials
            };
            sign_in_page(
                &state,
                lang,
                e.status,
                Some(text),
                form.enterprise.trim(),
                account.unwrap_or(""),
            )
        }
    }
}

/// Starts a panel session for `principal` and goes to the home page (sign-in, SSO links).
pub(super) fn signed_in(
    state: &AppState,
    principal: &orgdir_directory::service::Principal,
) -> Response {
    let (_token, _csrf, cookie) = auth::start_session(state, principal);
    let mut resp = Redirect::to("/panel/").into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

async fn sign_out(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(resp) = posted::<CsrfField>(&state, &headers, &body) {
        return *resp;
    }
    auth::end_cookie_session(&state, &headers);
    let mut resp = to_sign_in();
    let expired = format!(
        "{}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0{}",
        auth::COOKIE,
        secure(&state)
    );
    if let Ok(v) = HeaderValue::from_str(&expired) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}
