//! The server operator's API under `/api/v1/operator` (SPEC vocabulary "operator"): sign in,
//! list the enterprises, create one, set its seats, account range, expiry and limits.
//!
//! Operators are added with `orgdir operator add` (the CLI); their password hashes live in
//! the store. Sign-in goes through `Directory::verify_credential`: the same per-address
//! throttle and lockout as a bind, one hash verification and one answer whatever went wrong.
//! Operator sessions are held apart from enterprise sessions (`AppState::operator_sessions`,
//! cookie `orgdir_operator`): an operator token is unknown to `/api/v1/orgs` and an
//! enterprise token to `/api/v1/operator/*`. The operator acts as `Actor::Operator`, which
//! the rules allow nothing but `SetEnterpriseTerms`; creating an enterprise is
//! `Directory::create_enterprise`, as for `orgdir init`.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use orgdir_directory::service::{BindError, DirError, Directory, NewEnterprise};
use orgdir_domain::RuleError;
use orgdir_domain::authz::Actor;
use orgdir_domain::command::Command;
use orgdir_domain::limits::{DEFAULT_SEATS, Limits};
use orgdir_domain::model::Timestamp;
use orgdir_store::OperatorRecord;
use serde::{Deserialize, Deserializer, Serialize};

use crate::AppState;
use crate::auth::{self, SESSION_SECONDS};
use crate::error::{ApiError, ApiResult, Id, JsonBody};
use crate::store_call;

/// The operator session cookie (apart from the enterprise session's `orgdir_session`).
pub const COOKIE: &str = "orgdir_operator";
/// Longest operator name.
pub const MAX_NAME_LEN: usize = 64;

/// What a new enterprise gets unless the operator says otherwise (the configuration's
/// `[limits]`, as for `orgdir init`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Defaults {
    /// Purchased seats.
    pub seats: u32,
    /// Rule limits.
    pub limits: Limits,
}

impl Default for Defaults {
    fn default() -> Defaults {
        Defaults {
            seats: DEFAULT_SEATS,
            limits: Limits::default(),
        }
    }
}

/// Whether `name` can name an operator: 1 to 64 ASCII letters, digits, `.`, `_`, `-`.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Adds operator `name` with `password`, or gives an existing one (any ASCII case) that
/// password, keeping its spelling, creation time and disabled flag. The password must meet
/// the directory's policy; it is stored as an argon2id hash. Returns what is stored.
pub async fn set_password(
    dir: &Directory,
    name: &str,
    password: &str,
) -> Result<OperatorRecord, DirError> {
    if !valid_name(name) {
        return Err(RuleError::Invalid {
            field: "name",
            reason: format!("operator name {name:?}: use 1 to 64 letters, digits, '.', '_' or '-'"),
        }
        .into());
    }
    let hash = dir.hash_new_password(password).await?;
    let store = dir.store().clone();
    let (name, now) = (name.to_string(), dir.now());
    tokio::task::spawn_blocking(move || {
        let record = match store.operator(&name)? {
            Some(old) => OperatorRecord {
                password: hash,
                ..old
            },
            None => OperatorRecord {
                name,
                password: hash,
                created_at: now,
                disabled: false,
            },
        };
        store.put_operator(&record)?;
        Ok(record)
    })
    .await
    .map_err(|e| DirError::Internal(e.to_string()))?
}

/// A signed-in operator (an extractor: 401 without an operator session; a cookie session
/// must send its CSRF token on state-changing requests).
#[derive(Clone, Debug)]
pub struct Operator {
    /// The operator's name.
    pub name: String,
}

impl FromRequestParts<AppState> for Operator {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Operator> {
        let name = auth::request_session(parts, &state.operator_sessions, COOKIE, state.dir.now())?;
        Ok(Operator { name })
    }
}

/// The error of every failed operator sign-in.
pub fn bad_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "wrong operator name or password",
    )
}

/// Checks an operator's name and password; returns the name as stored. An unknown name, a
/// wrong password, a disabled operator and a lockout all cost one hash verification and
/// give the same [`bad_credentials`] error.
pub async fn verify_sign_in(
    state: &AppState,
    name: &str,
    password: &str,
    ip: Option<std::net::IpAddr>,
) -> ApiResult<String> {
    let name = name.trim();
    let record = if valid_name(name) {
        let n = name.to_string();
        store_call(state, move |s| s.operator(&n)).await?
    } else {
        None
    };
    let key = if valid_name(name) {
        format!("operator:{}", name.to_ascii_lowercase())
    } else {
        "operator:".to_string()
    };
    let (hash, enabled) = match &record {
        Some(r) => (Some(r.password.as_str()), !r.disabled),
        None => (None, false),
    };
    match state
        .dir
        .verify_credential(&key, hash, enabled, password.as_bytes(), ip)
        .await
    {
        Ok(()) => record.map(|r| r.name).ok_or_else(bad_credentials),
        Err(BindError::InvalidCredentials) => {
            tracing::info!(operator = name, "operator sign-in refused");
            Err(bad_credentials())
        }
        Err(BindError::Unavailable) => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the server cannot verify credentials right now",
        )),
    }
}

/// Starts an operator session: its token, its CSRF token and the `Set-Cookie` value.
pub fn start_session(state: &AppState, name: &str) -> (String, String, String) {
    let (token, csrf) = state
        .operator_sessions
        .create(name.to_string(), state.dir.now());
    let cookie = auth::session_cookie(state, COOKIE, &token);
    (token, csrf, cookie)
}

/// `POST /api/v1/operator/session` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    name: String,
    password: String,
}

#[derive(Serialize)]
struct SignedIn {
    token: String,
    csrf_token: String,
    expires_in: i64,
    operator: String,
}

/// `POST /api/v1/operator/session`: sign in as an operator.
pub async fn sign_in(
    State(state): State<AppState>,
    addr: Option<Extension<ConnectInfo<SocketAddr>>>,
    JsonBody(body): JsonBody<SignIn>,
) -> ApiResult<Response> {
    let name = verify_sign_in(&state, &body.name, &body.password, auth::client_ip(addr)).await?;
    let (token, csrf, cookie) = start_session(&state, &name);
    let mut resp = Json(SignedIn {
        token,
        csrf_token: csrf,
        expires_in: SESSION_SECONDS,
        operator: name,
    })
    .into_response();
    auth::set_cookie(&mut resp, &cookie);
    Ok(resp)
}

/// `DELETE /api/v1/operator/session`: sign out.
pub async fn sign_out(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    _op: Operator,
) -> Response {
    end_session(&state, &headers);
    let mut resp = StatusCode::NO_CONTENT.into_response();
    auth::set_cookie(&mut resp, &auth::expired_cookie(COOKIE));
    resp
}

/// Ends the operator session a request names (bearer token or cookie), if any.
pub fn end_session(state: &AppState, headers: &axum::http::HeaderMap) {
    if let Some(t) = auth::bearer_token(headers).or_else(|| auth::cookie_value(headers, COOKIE)) {
        state.operator_sessions.remove(&t);
    }
}

/// An enterprise as the operator sees it.
#[derive(Debug, Serialize)]
pub struct EnterpriseJson {
    /// Enterprise number.
    pub number: u64,
    /// Full name.
    pub name: String,
    /// Short name.
    pub short_name: String,
    /// LDAP naming context.
    pub naming_context: String,
    /// Purchased seats.
    pub seats: u32,
    /// Members now.
    pub members: usize,
    /// The consecutive account range, first and last.
    pub account_range: [u64; 2],
    /// Unix time it expires, if ever.
    pub expires_at: Option<Timestamp>,
    /// Rule limits.
    pub limits: LimitsJson,
}

/// The rule limits of an enterprise.
#[derive(Debug, Serialize)]
pub struct LimitsJson {
    max_root_orgs: u32,
    max_members_per_org: u32,
    max_scope_orgs: u32,
    max_org_depth: u32,
    max_groups: u32,
}

/// Every enterprise, by number.
pub fn enterprises(state: &AppState) -> Vec<EnterpriseJson> {
    state
        .dir
        .catalog()
        .enterprises
        .values()
        .map(|snap| {
            let e = &snap.state.enterprise;
            let l = e.limits;
            EnterpriseJson {
                number: e.number,
                name: e.name.clone(),
                short_name: e.short_name.clone(),
                naming_context: e.naming_context.clone(),
                seats: e.seats,
                members: snap.state.members.len(),
                account_range: [e.account_range.0, e.account_range.1],
                expires_at: e.expires_at,
                limits: LimitsJson {
                    max_root_orgs: l.max_root_orgs,
                    max_members_per_org: l.max_members_per_org,
                    max_scope_orgs: l.max_scope_orgs,
                    max_org_depth: l.max_org_depth,
                    max_groups: l.max_groups,
                },
            }
        })
        .collect()
}

/// `GET /api/v1/operator/enterprises`.
pub async fn list(State(state): State<AppState>, _op: Operator) -> Json<Vec<EnterpriseJson>> {
    Json(enterprises(&state))
}

/// Limits to change; absent ones stay.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsPatch {
    /// Orgs directly under the root org.
    pub max_root_orgs: Option<u32>,
    /// Members directly in one org.
    pub max_members_per_org: Option<u32>,
    /// Orgs in one member's management scope.
    pub max_scope_orgs: Option<u32>,
    /// Depth of the org tree.
    pub max_org_depth: Option<u32>,
    /// Groups in the enterprise.
    pub max_groups: Option<u32>,
}

impl LimitsPatch {
    fn is_empty(&self) -> bool {
        [
            self.max_root_orgs,
            self.max_members_per_org,
            self.max_scope_orgs,
            self.max_org_depth,
            self.max_groups,
        ]
        .iter()
        .all(Option::is_none)
    }

    fn apply(&self, mut l: Limits) -> ApiResult<Limits> {
        for (value, slot) in [
            (self.max_root_orgs, &mut l.max_root_orgs),
            (self.max_members_per_org, &mut l.max_members_per_org),
            (self.max_scope_orgs, &mut l.max_scope_orgs),
            (self.max_org_depth, &mut l.max_org_depth),
            (self.max_groups, &mut l.max_groups),
        ] {
            match value {
                Some(0) => return Err(ApiError::bad_request("a limit is at least 1")),
                Some(v) => *slot = v,
                None => {}
            }
        }
        Ok(l)
    }
}

fn range(r: [u64; 2]) -> ApiResult<(u64, u64)> {
    match r {
        [lo, hi] if lo > 0 && lo <= hi => Ok((lo, hi)),
        [lo, hi] => Err(ApiError::bad_request(format!(
            "account range {lo}-{hi} is empty"
        ))),
    }
}

/// `POST /api/v1/operator/enterprises` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewEnterpriseJson {
    /// Enterprise number.
    pub number: u64,
    /// Short name (names the root org).
    pub short_name: String,
    /// Full name (default: the short name).
    pub name: Option<String>,
    /// LDAP naming context (default `o=<number>`).
    pub naming_context: Option<String>,
    /// Purchased seats (default: the configuration's).
    pub seats: Option<u32>,
    /// Account range (default 10001–99999).
    pub account_range: Option<[u64; 2]>,
    /// Unix time it expires.
    pub expires_at: Option<Timestamp>,
    /// The enterprise administrator's super password.
    pub super_password: String,
    /// Limits differing from the configuration's.
    pub limits: Option<LimitsPatch>,
}

/// Creates an enterprise for the operator; returns its number.
pub async fn create_enterprise(
    state: &AppState,
    source: &str,
    b: NewEnterpriseJson,
) -> ApiResult<u64> {
    if b.number == 0 {
        return Err(ApiError::bad_request("the enterprise number is at least 1"));
    }
    let account_range = range(b.account_range.unwrap_or([10_001, 99_999]))?;
    let limits = match &b.limits {
        Some(p) => p.apply(state.new_enterprise.limits)?,
        None => state.new_enterprise.limits,
    };
    let short_name = b.short_name.trim().to_string();
    let new = NewEnterprise {
        number: b.number,
        name: b
            .name
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| short_name.clone()),
        short_name,
        naming_context: b.naming_context.unwrap_or_default(),
        seats: b.seats.unwrap_or(state.new_enterprise.seats),
        account_range,
        expires_at: b.expires_at,
        domain: None,
        super_password: Some(b.super_password),
        limits,
    };
    Ok(state.dir.create_enterprise(new, source).await?)
}

#[derive(Serialize)]
struct CreatedEnterprise {
    number: u64,
    naming_context: String,
}

/// `POST /api/v1/operator/enterprises`: a new enterprise with its root org, built-in roles
/// and enterprise administrator (the super password).
pub async fn create(
    State(state): State<AppState>,
    op: Operator,
    JsonBody(b): JsonBody<NewEnterpriseJson>,
) -> ApiResult<Response> {
    let number = create_enterprise(&state, &source(&op), b).await?;
    let naming_context = state
        .dir
        .catalog()
        .get(number)
        .map(|s| s.state.enterprise.naming_context.clone())
        .unwrap_or_default();
    Ok((
        StatusCode::CREATED,
        Json(CreatedEnterprise {
            number,
            naming_context,
        }),
    )
        .into_response())
}

/// A JSON member that may be absent (`None`), `null` (`Some(None)`) or a value.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// `PATCH /api/v1/operator/enterprises/{number}` body: what to change.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Terms {
    /// Purchased seats (not below the member count).
    pub seats: Option<u32>,
    /// Account range.
    pub account_range: Option<[u64; 2]>,
    /// Unix time it expires; `null` removes the expiry.
    #[serde(default, deserialize_with = "present")]
    pub expires_at: Option<Option<Timestamp>>,
    /// Limits to change.
    pub limits: Option<LimitsPatch>,
}

/// Changes an enterprise's terms as the operator (`Command::SetEnterpriseTerms` through the
/// one write path, audited in that enterprise's log).
pub async fn set_terms(state: &AppState, number: u64, source: &str, t: Terms) -> ApiResult<()> {
    let limits_patch = t.limits.filter(|l| !l.is_empty());
    if t.seats.is_none()
        && t.account_range.is_none()
        && t.expires_at.is_none()
        && limits_patch.is_none()
    {
        return Err(ApiError::bad_request(
            "nothing to change: give seats, account_range, expires_at and/or limits",
        ));
    }
    let current = state
        .dir
        .catalog()
        .get(number)
        .map(|s| s.state.enterprise.limits)
        .ok_or_else(|| ApiError::not_found("enterprise"))?;
    let limits = limits_patch.map(|p| p.apply(current)).transpose()?;
    let cmd = Command::SetEnterpriseTerms {
        seats: t.seats,
        account_range: t.account_range.map(range).transpose()?,
        expires_at: t.expires_at,
        limits,
    };
    state
        .dir
        .execute(number, Actor::Operator, source, cmd)
        .await?;
    Ok(())
}

/// `PATCH /api/v1/operator/enterprises/{number}`: answers the enterprise as it is now.
pub async fn update(
    State(state): State<AppState>,
    op: Operator,
    Id(number): Id,
    JsonBody(t): JsonBody<Terms>,
) -> ApiResult<Json<EnterpriseJson>> {
    set_terms(&state, number, &source(&op), t).await?;
    enterprises(&state)
        .into_iter()
        .find(|e| e.number == number)
        .map(Json)
        .ok_or_else(|| ApiError::not_found("enterprise"))
}

fn source(op: &Operator) -> String {
    format!("api operator {}", op.name)
}
