//! Long-lived API tokens for automation: `GET/POST /api/v1/tokens`,
//! `DELETE /api/v1/tokens/{id}`, and the bearer-token check behind [`crate::auth::Caller`].
//!
//! A token is `odt_` followed by 32 random bytes in hex, shown once when it is made; the
//! store keeps only its SHA-256. It acts as its owner (the enterprise administrator or a
//! member) with the owner's *current* role and scope, read from the snapshot on every
//! request: a disabled or deleted owner, or an account given to another person (a new
//! entryUUID, ORG-5), ends it, as do expiry and revocation. A `read` token is refused on
//! every request that is not GET or HEAD. Tokens are made only from a signed-in session,
//! never with another token.
//!
//! Lookup: one indexed store query per request (on the blocking pool), not an in-memory copy
//! of the table, so a revocation is seen at once and there is nothing to keep in step.
//! `last_used_at` is written at most once a minute per token (a request that finds it older
//! writes it).

use axum::Json;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use orgdir_directory::dit::ADMIN_RDN;
use orgdir_directory::service::{Principal, PrincipalKind};
use orgdir_directory::snapshot::Snapshot;
use orgdir_store::{ApiTokenRecord, AuditRecord, NewApiToken, TokenAccess, TokenOwner};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::{self, Caller, Credential};
use crate::error::{ApiError, ApiResult, Id, JsonBody};
use crate::store_call;

/// What every API token secret starts with (a session token never does).
pub const PREFIX: &str = "odt_";
/// Longest token name, in characters.
const MAX_NAME_CHARS: usize = 100;
/// Most tokens one owner may hold at once.
const MAX_PER_OWNER: usize = 50;
/// Longest lifetime that can be asked for, in days.
const MAX_DAYS: u32 = 3650;
/// `last_used_at` is rewritten at most this often, in seconds.
const TOUCH_SECONDS: i64 = 60;

/// The principal a token acts as, if its owner still exists as the same identity.
pub(crate) fn owner_principal(snap: &Snapshot, owner: TokenOwner) -> Option<Principal> {
    match owner {
        TokenOwner::Admin => Some(Principal {
            enterprise: snap.number(),
            kind: PrincipalKind::Admin,
            dn: format!("{ADMIN_RDN},{}", snap.base),
            holder: None,
        }),
        TokenOwner::Member { id, uuid } => {
            let member = snap.state.members.get(&id)?;
            if member.uuid != uuid {
                return None;
            }
            let entry = snap.member_entry(id).and_then(|e| snap.entry(e))?;
            Some(Principal {
                enterprise: snap.number(),
                kind: PrincipalKind::Member(id),
                dn: entry.dn.to_string(),
                holder: Some(uuid),
            })
        }
    }
}

/// The token owner a signed-in principal is (service accounts hold no tokens).
fn owner_of(snap: &Snapshot, p: &Principal) -> Option<TokenOwner> {
    match p.kind {
        PrincipalKind::Admin => Some(TokenOwner::Admin),
        PrincipalKind::Member(id) => snap
            .state
            .members
            .get(&id)
            .map(|m| TokenOwner::Member { id, uuid: m.uuid }),
        PrincipalKind::Service(_) => None,
    }
}

/// The audit actor of a principal, as the directory writes it.
fn actor_name(snap: &Snapshot, p: &Principal) -> String {
    match p.kind {
        PrincipalKind::Admin => "super".into(),
        PrincipalKind::Member(id) => snap
            .state
            .members
            .get(&id)
            .map(|m| format!("member {}", m.account))
            .unwrap_or_else(|| format!("member #{}", id.0)),
        PrincipalKind::Service(id) => format!("service #{}", id.0),
    }
}

/// Authenticates a request that bears an API token (`Authorization: Bearer odt_…`).
pub(crate) async fn caller(state: &AppState, secret: &str, method: &Method) -> ApiResult<Caller> {
    let digest = auth::digest(secret);
    let now = state.dir.now();
    let rec = store_call(state, move |s| s.api_token_by_digest(&digest))
        .await?
        .filter(|r| r.expires_at.is_none_or(|e| now < e))
        .ok_or_else(ApiError::unauthenticated)?;
    let cat = state.dir.catalog();
    let principal = cat
        .get(rec.enterprise)
        .and_then(|snap| owner_principal(snap, rec.owner))
        .ok_or_else(ApiError::unauthenticated)?;
    // A disabled owner is refused here, as its sessions are.
    let (snap, viewer) = state
        .dir
        .viewer(&principal)
        .ok_or_else(ApiError::unauthenticated)?;
    if rec.access == TokenAccess::Read && auth::is_unsafe(method) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "read_only_token",
            "this API token may only read (GET)",
        ));
    }
    if rec.last_used_at.is_none_or(|t| now - t >= TOUCH_SECONDS) {
        let id = rec.id;
        // Bookkeeping: a failure is logged, the request goes on.
        if let Err(e) = store_call(state, move |s| s.touch_api_token(id, now)).await {
            tracing::warn!(error = %e.detail, token = id, "cannot record the use of an API token");
        }
    }
    Ok(Caller {
        principal,
        snap,
        viewer,
        credential: Credential::Token {
            id: rec.id,
            access: rec.access,
        },
    })
}

/// A token as the API and the panel show it (never its secret or digest).
#[derive(Debug, Serialize)]
pub struct TokenJson {
    /// Its id.
    pub id: u64,
    /// Its label.
    pub name: String,
    /// `read` or `read-write`.
    pub access: &'static str,
    /// `admin` for the enterprise administrator, else the owner's account; null when the
    /// owner is gone.
    pub owner: Option<String>,
    /// The owner's member id (members only).
    pub owner_member_id: Option<u64>,
    /// Unix time it was made.
    pub created_at: i64,
    /// Unix time it stops working, if ever.
    pub expires_at: Option<i64>,
    /// Unix time it was last used (to the minute), if ever.
    pub last_used_at: Option<i64>,
    /// Whether it works now (not expired; owner present and enabled).
    pub active: bool,
}

fn token_json(snap: &Snapshot, r: &ApiTokenRecord, now: i64) -> TokenJson {
    let principal = owner_principal(snap, r.owner);
    let (owner, owner_member_id) = match (r.owner, &principal) {
        (TokenOwner::Admin, _) => (Some("admin".to_string()), None),
        (TokenOwner::Member { id, .. }, Some(_)) => (
            snap.state.members.get(&id).map(|m| m.account.clone()),
            Some(id.0),
        ),
        (TokenOwner::Member { id, .. }, None) => (None, Some(id.0)),
    };
    let owner_enabled = match r.owner {
        TokenOwner::Admin => true,
        TokenOwner::Member { id, .. } => {
            principal.is_some() && snap.state.members.get(&id).is_some_and(|m| !m.disabled)
        }
    };
    TokenJson {
        id: r.id,
        name: r.name.clone(),
        access: r.access.key(),
        owner,
        owner_member_id,
        created_at: r.created_at,
        expires_at: r.expires_at,
        last_used_at: r.last_used_at,
        active: owner_enabled && r.expires_at.is_none_or(|e| now < e),
    }
}

/// The tokens `p` may see and revoke: the enterprise administrator's are all of the
/// enterprise's, anyone else's are their own.
pub(crate) async fn visible(
    state: &AppState,
    snap: &Snapshot,
    p: &Principal,
) -> ApiResult<Vec<TokenJson>> {
    let enterprise = p.enterprise;
    let all = store_call(state, move |s| s.api_tokens(enterprise)).await?;
    let me = owner_of(snap, p);
    let now = state.dir.now();
    Ok(all
        .iter()
        .filter(|r| p.kind == PrincipalKind::Admin || Some(r.owner) == me)
        .map(|r| token_json(snap, r, now))
        .collect())
}

/// A token just made: the only time its secret is shown.
#[derive(Debug, Serialize)]
pub struct Issued {
    /// The secret, to send as `Authorization: Bearer <secret>`.
    pub secret: String,
    /// The token.
    pub token: TokenJson,
}

/// Makes a token owned by `p`. The caller checks that `p` is signed in with a session.
pub(crate) async fn issue(
    state: &AppState,
    snap: &Snapshot,
    p: &Principal,
    name: &str,
    access: TokenAccess,
    expires_in_days: Option<u32>,
    source: &str,
) -> ApiResult<Issued> {
    let owner = owner_of(snap, p)
        .ok_or_else(|| ApiError::new(StatusCode::FORBIDDEN, "forbidden", "no API tokens"))?;
    let name = name.trim().to_string();
    if name.is_empty()
        || name.chars().count() > MAX_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(ApiError::bad_request(format!(
            "a token name has 1 to {MAX_NAME_CHARS} characters, none of them control characters"
        )));
    }
    let days = match expires_in_days {
        Some(d) if d == 0 || d > MAX_DAYS => {
            return Err(ApiError::bad_request(format!(
                "expires_in_days must be between 1 and {MAX_DAYS}"
            )));
        }
        d => d,
    };
    let enterprise = p.enterprise;
    let held = store_call(state, move |s| s.api_tokens(enterprise))
        .await?
        .iter()
        .filter(|r| r.owner == owner)
        .count();
    if held >= MAX_PER_OWNER {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "rule_violation",
            format!("an owner holds at most {MAX_PER_OWNER} API tokens; revoke one first"),
        ));
    }
    let now = state.dir.now();
    let secret = format!("{PREFIX}{}", auth::random_hex(32));
    let new = NewApiToken {
        enterprise,
        owner,
        name: name.clone(),
        digest: auth::digest(&secret),
        access,
        created_at: now,
        expires_at: days.map(|d| now + i64::from(d) * 86_400),
    };
    let audit = AuditRecord {
        at: now,
        actor: actor_name(snap, p),
        source: source.to_string(),
        action: "token.create".into(),
        target: name,
        detail: format!(
            "access {}, expires {}",
            access.key(),
            new.expires_at
                .map(|e| e.to_string())
                .unwrap_or_else(|| "never".into())
        ),
    };
    let stored = new.clone();
    let id = store_call(state, move |s| s.create_api_token(&stored, &audit)).await?;
    let rec = ApiTokenRecord {
        id,
        enterprise,
        owner,
        name: new.name,
        digest: new.digest,
        access,
        created_at: now,
        expires_at: new.expires_at,
        last_used_at: None,
    };
    Ok(Issued {
        secret,
        token: token_json(snap, &rec, now),
    })
}

/// Revokes token `id` if `p` may see it (else 404, as for a token that does not exist).
pub(crate) async fn withdraw(
    state: &AppState,
    snap: &Snapshot,
    p: &Principal,
    id: u64,
    source: &str,
) -> ApiResult<()> {
    let token = visible(state, snap, p)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(|| ApiError::not_found("API token"))?;
    let audit = AuditRecord {
        at: state.dir.now(),
        actor: actor_name(snap, p),
        source: source.to_string(),
        action: "token.revoke".into(),
        target: token.name,
        detail: format!("token {id}"),
    };
    let enterprise = p.enterprise;
    let revoked = store_call(state, move |s| {
        match s.revoke_api_token(enterprise, id, &audit) {
            Ok(()) => Ok(true),
            // Revoked by someone else meanwhile: gone either way.
            Err(orgdir_store::Error::NotFound(_)) => Ok(false),
            Err(e) => Err(e),
        }
    })
    .await?;
    if revoked {
        Ok(())
    } else {
        Err(ApiError::not_found("API token"))
    }
}

/// `GET /api/v1/tokens`: the caller's tokens (the enterprise administrator: all of the
/// enterprise's, with their owners).
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<TokenJson>>> {
    Ok(Json(
        visible(&state, &caller.snap, &caller.principal).await?,
    ))
}

/// `POST /api/v1/tokens` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTokenJson {
    name: String,
    access: String,
    expires_in_days: Option<u32>,
}

/// `POST /api/v1/tokens`: a new token; its secret is in this answer and nowhere else.
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<NewTokenJson>,
) -> ApiResult<(StatusCode, Json<Issued>)> {
    if caller.credential != Credential::Session {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "session_required",
            "API tokens are made from a signed-in session, not with another token",
        ));
    }
    let access = TokenAccess::from_key(&b.access)
        .ok_or_else(|| ApiError::bad_request("access is \"read\" or \"read-write\""))?;
    let issued = issue(
        &state,
        &caller.snap,
        &caller.principal,
        &b.name,
        access,
        b.expires_in_days,
        &crate::api::source(&caller),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(issued)))
}

/// `DELETE /api/v1/tokens/{id}`.
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> ApiResult<StatusCode> {
    withdraw(
        &state,
        &caller.snap,
        &caller.principal,
        id,
        &crate::api::source(&caller),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
