//! `GET /panel/sso?token=…`: opening an SSO hand-off link (SPEC LOGIN-3) starts a panel
//! session for its member (the sign-in cookie, `auth::start_session`) and goes to the home
//! page; a link that cannot be used gets a page saying why. The checks are
//! [`crate::sso::open_link`]'s.
//!
//! Like any sign-in link, it signs the browser that opens it in: whoever holds the link
//! (for a minute, once) holds the session. The answer is never cached and sends no
//! referrer.

use std::net::SocketAddr;

use axum::Extension;
use axum::Router;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use super::html::{esc, message, page};
use super::i18n::Lang;
use crate::AppState;
use crate::auth;
use crate::sso::Refusal;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/panel/sso", get(open))
}

/// This module's strings.
struct Text {
    title: &'static str,
    invalid: &'static str,
    expired: &'static str,
    used: &'static str,
    no_member: &'static str,
    busy: &'static str,
    sign_in: &'static str,
}

static EN: Text = Text {
    title: "Sign-in link",
    invalid: "This sign-in link is not valid.",
    expired: "This sign-in link has expired. Ask your client for a new one.",
    used: "This sign-in link was already used. Ask your client for a new one.",
    no_member: "This sign-in link is for an account that is disabled or no longer yours.",
    busy: "The server is busy. Try again in a minute.",
    sign_in: "Sign in with a password",
};

static ZH: Text = Text {
    title: "登录链接",
    invalid: "此登录链接无效。",
    expired: "此登录链接已过期，请在客户端重新获取。",
    used: "此登录链接已被使用，请在客户端重新获取。",
    no_member: "此登录链接对应的帐号已停用或已不属于您。",
    busy: "服务器繁忙，请一分钟后再试。",
    sign_in: "使用密码登录",
};

fn text(lang: Lang) -> &'static Text {
    match lang {
        Lang::En => &EN,
        Lang::Zh => &ZH,
    }
}

#[derive(Deserialize)]
struct LinkQuery {
    #[serde(default)]
    token: String,
}

async fn open(
    State(state): State<AppState>,
    addr: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Query(q): Query<LinkQuery>,
) -> Response {
    let lang = Lang::of_request(&headers);
    let x = text(lang);
    let mut resp = match crate::sso::open_link(&state, &q.token, auth::client_ip(addr)).await {
        Ok(principal) => super::signin::signed_in(&state, &principal),
        Err(r) => {
            let why = match r {
                Refusal::Invalid => x.invalid,
                Refusal::Expired => x.expired,
                Refusal::Used => x.used,
                Refusal::NoMember => x.no_member,
                Refusal::Busy => x.busy,
            };
            let body = format!(
                "{}<p><a href=\"/panel/signin\" id=\"next\">{}</a></p>",
                message(false, why),
                esc(x.sign_in)
            );
            page(r.status(), lang, x.title, None, "/panel/signin", &body)
        }
    };
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    resp
}
