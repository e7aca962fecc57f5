//! Sign-in and sessions (SPEC LOGIN-1, LOGIN-2).
//!
//! The enterprise administrator signs in with the enterprise number and the super password;
//! members with their account (or domain account) and password. Both go through the
//! directory's bind verification, so lockout, per-address throttling and hash upgrades apply
//! to the panel exactly as to LDAP.
//!
//! A session is a random 32-byte token, kept only as its SHA-256 in server memory (sessions
//! end when the server restarts). Browsers carry it in an HttpOnly, SameSite=Strict cookie;
//! every state-changing request made with the cookie must also send the session's CSRF token
//! in `X-CSRF-Token`. Automation sends the token as `Authorization: Bearer …` instead, which
//! is not ambient, so it needs no CSRF token. A bearer token starting with `odt_` is a
//! long-lived API token instead ([`crate::tokens`]): it acts as its owner with the owner's
//! current rights.
//!
//! The daemon also serves the router on a Unix socket in its data directory (the local
//! control socket, `orgdir import` beside a running server). Only that router instance
//! carries the [`LocalAdmin`] marker; there a request naming an enterprise in
//! `X-Orgdir-Enterprise` acts as that enterprise's administrator. Whoever can open the
//! socket (mode 0600: the server's own user, or root) can already read the database, so it
//! is trusted like the database file. Over TCP the header means nothing.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use orgdir_directory::service::{BindError, Principal, PrincipalKind};
use orgdir_directory::snapshot::{Snapshot, Viewer};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::{ApiError, ApiResult, JsonBody};

/// The session cookie's name.
pub const COOKIE: &str = "orgdir_session";
/// The CSRF header.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// How long a session lasts without use, in seconds.
pub const SESSION_SECONDS: i64 = 8 * 3600;
/// Most sessions kept at once (the oldest are dropped beyond).
const MAX_SESSIONS: usize = 100_000;

#[derive(Clone, Debug)]
pub(crate) struct SessionData<T> {
    /// Who.
    pub(crate) principal: T,
    /// The session's CSRF token.
    pub(crate) csrf: String,
    expires: i64,
}

/// The live sessions: enterprise sessions hold a [`Principal`], operator sessions the
/// operator's name (`Sessions<String>`). The two kinds live in separate maps, so a token of
/// one kind is unknown to the other.
#[derive(Debug)]
pub struct Sessions<T = Principal> {
    map: Mutex<HashMap<[u8; 32], SessionData<T>>>,
}

impl<T> Default for Sessions<T> {
    fn default() -> Self {
        Sessions {
            map: Mutex::new(HashMap::new()),
        }
    }
}

/// SHA-256 of a session token or API token secret: what the server keeps instead.
pub fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// `n` random bytes as lower-case hex.
pub fn random_hex(n: usize) -> String {
    let mut b = vec![0u8; n];
    rand::Rng::fill(&mut rand::thread_rng(), b.as_mut_slice());
    b.iter().map(|x| format!("{x:02x}")).collect()
}

impl<T: Clone> Sessions<T> {
    /// Starts a session: returns its token and CSRF token.
    pub(crate) fn create(&self, principal: T, now: i64) -> (String, String) {
        let token = random_hex(32);
        let csrf = random_hex(16);
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= MAX_SESSIONS {
            map.retain(|_, s| s.expires > now);
            if map.len() >= MAX_SESSIONS {
                map.clear();
            }
        }
        map.insert(
            digest(&token),
            SessionData {
                principal,
                csrf: csrf.clone(),
                expires: now + SESSION_SECONDS,
            },
        );
        (token, csrf)
    }

    /// The live session of `token` (using it extends it).
    pub(crate) fn get(&self, token: &str, now: i64) -> Option<SessionData<T>> {
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        let key = digest(token);
        match map.get_mut(&key) {
            Some(s) if s.expires > now => {
                s.expires = now + SESSION_SECONDS;
                Some(s.clone())
            }
            Some(_) => {
                map.remove(&key);
                None
            }
            None => None,
        }
    }

    /// Ends the session of `token`, if any.
    pub fn remove(&self, token: &str) {
        self.map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&digest(token));
    }

    /// Ends every session whose principal matches `f` (e.g. an enterprise administrator's
    /// after the super password was recovered); returns how many ended.
    pub fn end_where(&self, f: impl Fn(&T) -> bool) -> usize {
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        let before = map.len();
        map.retain(|_, s| !f(&s.principal));
        before - map.len()
    }
}

/// How an API request proved who it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Credential {
    /// A sign-in session (the cookie, or its token as a bearer token).
    Session,
    /// The local control socket (`X-Orgdir-Enterprise`, see [`LocalAdmin`]).
    Local,
    /// A long-lived API token (`Authorization: Bearer odt_…`).
    Token {
        /// The token's id.
        id: u64,
        /// What it may do.
        access: orgdir_store::TokenAccess,
    },
}

/// The authenticated caller of an API request.
#[derive(Clone)]
pub struct Caller {
    /// Who.
    pub principal: Principal,
    /// The snapshot of the caller's enterprise at the time of the request.
    pub snap: Arc<Snapshot>,
    /// What the caller may see.
    pub viewer: Viewer,
    /// How the request authenticated.
    pub credential: Credential,
}

impl std::fmt::Debug for Caller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Caller")
            .field("dn", &self.principal.dn)
            .finish()
    }
}

fn cookie_token(headers: &HeaderMap) -> Option<String> {
    cookie_value(headers, COOKIE)
}

/// The value of cookie `name` in a request, if sent.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Whether a request method may change anything (everything but GET, HEAD, OPTIONS).
pub fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The session an API request names: its bearer token, else cookie `cookie`. A cookie
/// session must send its CSRF token in `X-CSRF-Token` on every state-changing request.
pub(crate) fn request_session<T: Clone>(
    parts: &Parts,
    sessions: &Sessions<T>,
    cookie: &str,
    now: i64,
) -> ApiResult<T> {
    let (token, by_cookie) = match bearer_token(&parts.headers) {
        Some(t) => (t, false),
        None => (
            cookie_value(&parts.headers, cookie).ok_or_else(ApiError::unauthenticated)?,
            true,
        ),
    };
    let session = sessions
        .get(&token, now)
        .ok_or_else(ApiError::unauthenticated)?;
    if by_cookie && is_unsafe(&parts.method) {
        let sent = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if !csrf_matches(sent, &session.csrf) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "csrf",
                "missing or wrong X-CSRF-Token header",
            ));
        }
    }
    Ok(session.principal)
}

/// The bearer token of a request, if any.
pub(crate) fn bearer_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string())
}

/// The header naming the enterprise of a request on the local control socket.
pub const ENTERPRISE_HEADER: &str = "x-orgdir-enterprise";

/// Marks the requests of the router the daemon serves on its local control socket (added
/// as an `Extension` layer on that router instance only; nothing from the network can set
/// a request extension). With it, [`ENTERPRISE_HEADER`] makes the caller that enterprise's
/// administrator.
#[derive(Clone, Copy, Debug)]
pub struct LocalAdmin;

/// The enterprise administrator of the enterprise a control-socket request names.
fn local_admin(state: &AppState, value: &HeaderValue) -> ApiResult<Caller> {
    let number: u64 = value
        .to_str()
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| ApiError::bad_request("X-Orgdir-Enterprise must be an enterprise number"))?;
    let snap = state
        .dir
        .catalog()
        .get(number)
        .cloned()
        .ok_or_else(|| ApiError::not_found(&format!("enterprise {number}")))?;
    let principal = Principal {
        enterprise: number,
        kind: PrincipalKind::Admin,
        dn: format!("cn=admin,{}", snap.base),
        holder: None,
    };
    let (snap, viewer) = state
        .dir
        .viewer(&principal)
        .ok_or_else(|| ApiError::not_found(&format!("enterprise {number}")))?;
    Ok(Caller {
        principal,
        snap,
        viewer,
        credential: Credential::Local,
    })
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Caller> {
        if parts.extensions.get::<LocalAdmin>().is_some()
            && let Some(v) = parts.headers.get(ENTERPRISE_HEADER)
        {
            return local_admin(state, v);
        }
        // An API token is told from a session token by its prefix.
        if let Some(secret) =
            bearer_token(&parts.headers).filter(|t| t.starts_with(crate::tokens::PREFIX))
        {
            return crate::tokens::caller(state, &secret, &parts.method).await;
        }
        let principal = request_session(parts, &state.sessions, COOKIE, state.dir.now())?;
        // A member disabled since signing in is signed out.
        let (snap, viewer) = state
            .dir
            .viewer(&principal)
            .ok_or_else(ApiError::unauthenticated)?;
        must_change_first(&snap, &principal, parts)?;
        Ok(Caller {
            principal,
            snap,
            viewer,
            credential: Credential::Session,
        })
    }
}

/// ENT-4: a member whose password must be changed (an initial or reset password) may only
/// see who it is, change the password and sign out until it does.
fn must_change_first(snap: &Snapshot, p: &Principal, parts: &Parts) -> ApiResult<()> {
    let PrincipalKind::Member(id) = p.kind else {
        return Ok(());
    };
    if !snap
        .state
        .members
        .get(&id)
        .is_some_and(|m| m.must_change_password)
    {
        return Ok(());
    }
    let path = parts.uri.path();
    let allowed =
        path.ends_with("/me") || path.ends_with("/me/password") || path.ends_with("/session");
    if allowed {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "password_change_required",
            "change the initial password first (PUT /api/v1/me/password)",
        ))
    }
}

/// `POST /api/v1/session` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    /// Enterprise number.
    pub enterprise: u64,
    /// A member's account or domain account; absent for the enterprise administrator.
    pub account: Option<String>,
    /// Password (super password for the administrator).
    pub password: String,
}

/// The signed-in identity, as returned to clients.
#[derive(Debug, Serialize)]
pub struct Me {
    /// Enterprise number.
    pub enterprise: u64,
    /// `admin` or `member` or `service`.
    pub kind: &'static str,
    /// LDAP DN.
    pub dn: String,
    /// Member id, for members.
    pub member_id: Option<u64>,
}

impl Me {
    /// Describes a principal.
    pub fn of(p: &Principal) -> Me {
        let (kind, member_id) = match p.kind {
            PrincipalKind::Admin => ("admin", None),
            PrincipalKind::Member(m) => ("member", Some(m.0)),
            PrincipalKind::Service(_) => ("service", None),
        };
        Me {
            enterprise: p.enterprise,
            kind,
            dn: p.dn.clone(),
            member_id,
        }
    }
}

#[derive(Serialize)]
struct SignedIn {
    token: String,
    csrf_token: String,
    expires_in: i64,
    me: Me,
}

/// The client address, when the server runs with connection info.
pub fn client_ip(info: Option<Extension<ConnectInfo<SocketAddr>>>) -> Option<IpAddr> {
    info.map(|Extension(ConnectInfo(a))| a.ip())
}

/// `POST /api/v1/session`: sign in.
pub async fn sign_in(
    State(state): State<AppState>,
    addr: Option<Extension<ConnectInfo<SocketAddr>>>,
    JsonBody(body): JsonBody<SignIn>,
) -> ApiResult<Response> {
    let principal = verify_sign_in(
        &state,
        body.enterprise,
        body.account.as_deref(),
        &body.password,
        client_ip(addr),
    )
    .await?;
    let (token, csrf, cookie) = start_session(&state, &principal);
    let mut resp = Json(SignedIn {
        token,
        csrf_token: csrf,
        expires_in: SESSION_SECONDS,
        me: Me::of(&principal),
    })
    .into_response();
    set_cookie(&mut resp, &cookie);
    Ok(resp)
}

/// Checks sign-in credentials (LOGIN-1, LOGIN-2) through the directory's bind verification:
/// no account means the enterprise administrator (super password); an account with `@` is a
/// domain account. Every credential failure is the same [`bad_credentials`] error.
pub async fn verify_sign_in(
    state: &AppState,
    enterprise: u64,
    account: Option<&str>,
    password: &str,
    ip: Option<IpAddr>,
) -> ApiResult<Principal> {
    let cat = state.dir.catalog();
    let Some(snap) = cat.get(enterprise) else {
        // Same answer as a wrong password: enterprise numbers are not an oracle.
        return Err(bad_credentials());
    };
    let name = match account {
        None => format!("cn=admin,{}", snap.base),
        Some(a) if a.contains('@') => a.to_string(),
        Some(a) => format!("{a}@{enterprise}"),
    };
    let source = match ip {
        Some(ip) => format!("panel {ip}"),
        None => "panel".to_string(),
    };
    match state
        .dir
        .bind_from(&name, password.as_bytes(), &source, ip)
        .await
    {
        Ok(p) if p.enterprise == enterprise => Ok(p),
        Ok(_) | Err(BindError::InvalidCredentials) => Err(bad_credentials()),
        Err(BindError::Unavailable) => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the server cannot verify credentials right now",
        )),
    }
}

/// Starts a session for `principal`: returns the session token, its CSRF token and the
/// `Set-Cookie` value carrying the token.
pub fn start_session(state: &AppState, principal: &Principal) -> (String, String, String) {
    let (token, csrf) = state.sessions.create(principal.clone(), state.dir.now());
    let cookie = session_cookie(state, COOKIE, &token);
    (token, csrf, cookie)
}

/// The `Set-Cookie` value carrying session `token` in cookie `name` (HttpOnly,
/// SameSite=Strict, `Secure` when configured).
pub(crate) fn session_cookie(state: &AppState, name: &str, token: &str) -> String {
    format!(
        "{name}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={SESSION_SECONDS}{}",
        if state.secure_cookies { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that ends cookie `name`.
pub(crate) fn expired_cookie(name: &str) -> String {
    format!("{name}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
}

/// Adds a `Set-Cookie` header to a response.
pub(crate) fn set_cookie(resp: &mut Response, cookie: &str) {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// The principal and CSRF token of the session the request's cookie names, if live
/// (using it extends it, as for the API).
pub fn cookie_session(state: &AppState, headers: &HeaderMap) -> Option<(Principal, String)> {
    cookie_session_in(&state.sessions, COOKIE, headers, state.dir.now())
}

/// The session cookie `name` names in `sessions`, with its CSRF token.
pub(crate) fn cookie_session_in<T: Clone>(
    sessions: &Sessions<T>,
    name: &str,
    headers: &HeaderMap,
    now: i64,
) -> Option<(T, String)> {
    let token = cookie_value(headers, name)?;
    let s = sessions.get(&token, now)?;
    Some((s.principal, s.csrf))
}

/// Ends the session the request's cookie names, if any.
pub fn end_cookie_session(state: &AppState, headers: &HeaderMap) {
    if let Some(t) = cookie_token(headers) {
        state.sessions.remove(&t);
    }
}

/// Whether a sent CSRF token equals the session's (constant time).
pub fn csrf_matches(sent: &str, expected: &str) -> bool {
    bool::from(subtle::ConstantTimeEq::ct_eq(
        sent.as_bytes(),
        expected.as_bytes(),
    ))
}

/// The error of every failed sign-in.
pub fn bad_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "wrong enterprise number, account or password",
    )
}

/// `DELETE /api/v1/session`: sign out.
pub async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    _caller: Caller,
) -> Response {
    if let Some(t) = bearer_token(&headers).or_else(|| cookie_token(&headers)) {
        state.sessions.remove(&t);
    }
    let mut resp = StatusCode::NO_CONTENT.into_response();
    set_cookie(&mut resp, &expired_cookie(COOKIE));
    resp
}

/// `GET /api/v1/me`.
pub async fn me(caller: Caller) -> Json<Me> {
    Json(Me::of(&caller.principal))
}
