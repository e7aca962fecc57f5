//! The SSO hand-off (SPEC LOGIN-3): a member's signed-in client asks
//! `POST /api/v1/sso-link` for a one-time link valid for a minute; opening it
//! (`GET /panel/sso?token=…`, `panel::sso`) starts a panel session for that member without
//! a password.
//!
//! Who may ask: a **member** with a **session** (the sign-in token as a bearer token, or the
//! cookie with its CSRF header). API tokens may not, read or read-write: a token is for
//! automation and never opens the panel (ARCHITECTURE), and a leaked read token must not
//! become a full panel session. The enterprise administrator may not either: the super
//! password is typed into the panel itself, never handed over by a client.
//!
//! Opening a link checks, in order: the signature; the expiry; that its nonce was not used
//! (it is used from then on, whatever follows); that the member still exists, is enabled
//! and is the same person (entryUUID, ORG-5). Uses and refusals of genuine links are
//! audited in the member's enterprise (`sso.used`, `sso.refused`); a link with a bad
//! signature is only logged (nothing in it can be trusted).

use std::net::IpAddr;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use orgdir_directory::service::{Principal, PrincipalKind};
use orgdir_store::TokenOwner;
use serde::Serialize;

use crate::AppState;
use crate::auth::{Caller, Credential};
use crate::error::{ApiError, ApiResult};
use crate::links::{Consumed, Unverified};

/// `POST /api/v1/sso-link` answer.
#[derive(Debug, Serialize)]
pub struct SsoLink {
    /// Open it in a browser within a minute; it works once.
    pub url: String,
    /// Unix time it stops working.
    pub expires_at: i64,
}

/// `POST /api/v1/sso-link`: a one-time panel sign-in link for the calling member.
pub async fn create(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<SsoLink>> {
    if caller.credential != Credential::Session {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "session_required",
            "SSO links are made from a signed-in session, not with an API token",
        ));
    }
    let PrincipalKind::Member(id) = caller.principal.kind else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "members_only",
            "SSO links are for members; the enterprise administrator signs in with the \
             super password",
        ));
    };
    let member = caller
        .snap
        .state
        .members
        .get(&id)
        .ok_or_else(ApiError::unauthenticated)?;
    let (token, expires_at) = state.links.sso_token(
        caller.principal.enterprise,
        id.0,
        member.uuid,
        state.dir.now(),
    );
    Ok(Json(SsoLink {
        url: state.links.url(&format!("/panel/sso?token={token}")),
        expires_at,
    }))
}

/// Why a link was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not a link this server signed.
    Invalid,
    /// Past its minute.
    Expired,
    /// Opened before.
    Used,
    /// The member is disabled, deleted or now someone else.
    NoMember,
    /// Too many links in use at once to remember another.
    Busy,
}

impl Refusal {
    /// The HTTP status of the refusal page.
    pub fn status(self) -> StatusCode {
        match self {
            Refusal::Invalid | Refusal::NoMember => StatusCode::FORBIDDEN,
            Refusal::Expired | Refusal::Used => StatusCode::GONE,
            Refusal::Busy => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn reason(self) -> &'static str {
        match self {
            Refusal::Invalid => "bad signature",
            Refusal::Expired => "expired",
            Refusal::Used => "already used",
            Refusal::NoMember => "the member is disabled, deleted or reassigned",
            Refusal::Busy => "too many links in use",
        }
    }
}

/// Checks and uses an SSO link: the principal to start a session for, or why not.
pub async fn open_link(
    state: &AppState,
    token: &str,
    ip: Option<IpAddr>,
) -> Result<Principal, Refusal> {
    let now = state.dir.now();
    let source = match ip {
        Some(ip) => format!("panel {ip}"),
        None => "panel".to_string(),
    };
    let claim = match state.links.read_sso(token) {
        Ok(c) => c,
        Err(Unverified::Malformed | Unverified::BadSignature(_)) => {
            tracing::info!(%source, "SSO link refused: not signed by this server");
            return Err(Refusal::Invalid);
        }
    };
    let snap = state.dir.catalog().get(claim.enterprise).cloned();
    let account = snap
        .as_ref()
        .and_then(|s| {
            s.state
                .members
                .get(&orgdir_domain::model::MemberId(claim.member))
        })
        .map(|m| m.account.clone())
        .unwrap_or_else(|| format!("#{}", claim.member));
    let result = if now >= claim.expires {
        Err(Refusal::Expired)
    } else {
        match state.links.consume_sso(&claim, now) {
            Consumed::Again => Err(Refusal::Used),
            Consumed::Full => Err(Refusal::Busy),
            Consumed::First => snap
                .as_ref()
                .and_then(|s| {
                    crate::tokens::owner_principal(
                        s,
                        TokenOwner::Member {
                            id: orgdir_domain::model::MemberId(claim.member),
                            uuid: claim.holder,
                        },
                    )
                })
                .filter(|p| state.dir.viewer(p).is_some())
                .ok_or(Refusal::NoMember),
        }
    };
    let (action, detail) = match &result {
        Ok(_) => ("sso.used", "panel session started from an SSO link"),
        Err(r) => ("sso.refused", r.reason()),
    };
    if snap.is_some()
        && let Err(e) = state
            .dir
            .audit_event(
                claim.enterprise,
                &format!("member {account}"),
                &source,
                action,
                &account,
                detail,
            )
            .await
    {
        tracing::warn!(error = %e, "cannot write an audit row");
    }
    result
}
