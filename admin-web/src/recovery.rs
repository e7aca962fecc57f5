//! Super password recovery (SPEC ENT-2, ENT-3): `POST /api/v1/recovery` mails a signed,
//! expiring link to the enterprise's recovery email; `POST /api/v1/recovery/complete` takes
//! the link's token and a new super password. The panel's pages (`panel::recover`) call the
//! same two functions, `request_link` and `complete_recovery`.
//!
//! * The request's answer is the same (202) whether or not the enterprise exists, has a
//!   recovery email, or the mail can be sent: the mail leaves in a background task
//!   (`orgdir_mail::Mailer::spawn`, bounded by its timeout), so neither the answer nor its
//!   timing tells whether there is a recovery email or whether mail works. (An existing
//!   enterprise costs one audit row more than an unknown number; enterprise numbers are
//!   not secrets.) Only a client address that asked too often gets 429.
//! * The token ([`crate::links`]) is bound to the current super password hash and recovery
//!   email: using it changes the hash, so it works once. Completions run one at a time, so
//!   two uses of one link cannot both pass the check.
//! * The new password must meet ENT-3 (`check_super_password_policy`). It is set through
//!   the write path as the enterprise administrator; the administrator's open sessions end.
//! * Audit, in the enterprise's log: `recovery.request` (with what became of it),
//!   `recovery.mail` (the delivery's outcome, from the background task),
//!   `enterprise.super_password` with source `recovery link, …` (a use), and
//!   `recovery.refused` with the reason (bad signature, expired, used, weak password).
//!   Refusals are limited per client address (10 per 15 minutes, then 429 without a
//!   check); mails per enterprise (3 per 30 minutes, beyond which requests are audited and
//!   not mailed).

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use orgdir_directory::service::{PrincipalKind, check_super_password_policy};
use orgdir_domain::authz::Actor;
use orgdir_domain::command::Command;
use orgdir_mail::{Delivery, Email};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::client_ip;
use crate::error::{ApiError, ApiResult, JsonBody};
use crate::links::Unverified;

/// `POST /api/v1/recovery` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecoveryRequest {
    /// The enterprise number.
    pub enterprise: u64,
}

/// `POST /api/v1/recovery/complete` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecoveryComplete {
    /// The `token` of the mailed link.
    pub token: String,
    /// The new super password (ENT-3).
    pub password: String,
}

/// The answer to every recovery request that is not throttled.
#[derive(Debug, Serialize)]
pub struct Accepted {
    /// Always `accepted`.
    pub status: &'static str,
    /// What happens next, for people.
    pub detail: String,
}

/// `POST /api/v1/recovery`: mail a recovery link, if the enterprise has a recovery email.
pub async fn request(
    State(state): State<AppState>,
    addr: Option<Extension<ConnectInfo<SocketAddr>>>,
    JsonBody(b): JsonBody<RecoveryRequest>,
) -> ApiResult<(StatusCode, Json<Accepted>)> {
    request_link(&state, b.enterprise, client_ip(addr), "api").await?;
    let minutes = state.links.recovery_seconds() / 60;
    Ok((
        StatusCode::ACCEPTED,
        Json(Accepted {
            status: "accepted",
            detail: format!(
                "if the enterprise has a recovery email, a link valid for {minutes} minutes \
                 has been sent to it"
            ),
        }),
    ))
}

/// `POST /api/v1/recovery/complete`: set a new super password with a recovery link.
pub async fn complete(
    State(state): State<AppState>,
    addr: Option<Extension<ConnectInfo<SocketAddr>>>,
    JsonBody(b): JsonBody<RecoveryComplete>,
) -> ApiResult<StatusCode> {
    complete_recovery(&state, &b.token, &b.password, client_ip(addr), "api").await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The throttling key of a client address.
fn address_key(ip: Option<IpAddr>) -> String {
    ip.map(|ip| ip.to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// The audit source: the surface and the client address.
fn source(surface: &str, ip: Option<IpAddr>) -> String {
    match ip {
        Some(ip) => format!("{surface} {ip}"),
        None => surface.to_string(),
    }
}

/// An address shown in the audit log without giving it away: `i***@example.com`.
fn mask(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".into(),
    }
}

/// Writes an anonymous audit row; a failure is logged (the request goes on).
async fn audit(
    state: &AppState,
    enterprise: u64,
    source: &str,
    action: &str,
    target: &str,
    detail: &str,
) {
    if let Err(e) = state
        .dir
        .audit_event(enterprise, "anonymous", source, action, target, detail)
        .await
    {
        tracing::warn!(error = %e, enterprise, action, "cannot write an audit row");
    }
}

fn too_many() -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        "too many recovery requests or attempts from this address: try again later",
    )
}

/// The error of a link whose signature does not verify (or that is not a link at all).
pub fn invalid_link() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "recovery_link_invalid",
        "this recovery link is not valid",
    )
}

fn expired_link() -> ApiError {
    ApiError::new(
        StatusCode::GONE,
        "recovery_link_expired",
        "this recovery link has expired: ask for a new one",
    )
}

fn used_link() -> ApiError {
    ApiError::new(
        StatusCode::GONE,
        "recovery_link_used",
        "this recovery link was already used, or the super password or the recovery email \
         changed since it was sent: ask for a new one",
    )
}

/// A refused recovery link: the enterprise to audit it in (an existing one), why, and the
/// answer.
pub(crate) struct Refused {
    enterprise: Option<u64>,
    reason: &'static str,
    pub(crate) error: ApiError,
}

/// Checks a recovery link without using it: signature, expiry, and that the super password
/// and recovery email are still those it was made for. Returns the enterprise.
pub(crate) fn check_link(state: &AppState, token: &str, now: i64) -> Result<u64, Refused> {
    let cat = state.dir.catalog();
    let refused = |n: Option<u64>, reason, error| Refused {
        enterprise: n.filter(|n| cat.get(*n).is_some()),
        reason,
        error,
    };
    let claim = match state.links.read_recovery(token) {
        Ok(c) => c,
        Err(Unverified::Malformed) => {
            return Err(refused(None, "not a recovery link", invalid_link()));
        }
        Err(Unverified::BadSignature(c)) => {
            return Err(refused(Some(c.enterprise), "bad signature", invalid_link()));
        }
    };
    let n = claim.enterprise;
    if now >= claim.expires {
        return Err(refused(Some(n), "expired", expired_link()));
    }
    let Some(snap) = cat.get(n) else {
        return Err(refused(None, "unknown enterprise", invalid_link()));
    };
    let e = &snap.state.enterprise;
    let current = state.links.recovery_state(
        e.super_password.as_deref(),
        e.account.recovery_email.as_deref(),
    );
    let same = bool::from(subtle::ConstantTimeEq::ct_eq(
        &current[..],
        &claim.state[..],
    ));
    if !same || e.account.recovery_email.is_none() {
        let reason = "already used, or the super password or recovery email changed since";
        return Err(refused(Some(n), reason, used_link()));
    }
    Ok(n)
}

/// Handles a recovery request for `enterprise` from `ip` (through `surface`, `api` or
/// `panel`). `Err` only when the address is throttled (429): every other outcome is the same
/// `Ok`, and is audited when the enterprise exists.
pub(crate) async fn request_link(
    state: &AppState,
    enterprise: u64,
    ip: Option<IpAddr>,
    surface: &str,
) -> ApiResult<()> {
    let now = state.dir.now();
    let address = address_key(ip);
    if !state.links.requests_by_address.hit(&address, now) {
        tracing::info!(%address, "recovery request refused: too many from this address");
        return Err(too_many());
    }
    let Some(snap) = state.dir.catalog().get(enterprise).cloned() else {
        tracing::info!(enterprise, %address, "recovery requested for an unknown enterprise");
        return Ok(());
    };
    let source = source(surface, ip);
    let e = &snap.state.enterprise;
    let masked = e
        .account
        .recovery_email
        .as_deref()
        .map(mask)
        .unwrap_or_default();
    let ready = match (e.account.recovery_email.clone(), state.mailer.clone()) {
        (None, _) => Err("not sent: the enterprise has no recovery email"),
        (Some(_), _)
            if !state
                .links
                .mails_by_enterprise
                .hit(&enterprise.to_string(), now) =>
        {
            Err("not sent: 3 recovery mails were sent in the last 30 minutes")
        }
        (Some(_), None) => Err("not sent: outgoing mail is not configured"),
        (Some(email), Some(mailer)) => Ok((email, mailer)),
    };
    let detail = match &ready {
        Ok((_, mailer)) => format!("link sent by {}", mailer.describe()),
        Err(why) => why.to_string(),
    };
    audit(
        state,
        enterprise,
        &source,
        "recovery.request",
        &masked,
        &detail,
    )
    .await;
    let Ok((email, mailer)) = ready else {
        return Ok(());
    };
    let links = &state.links;
    let token = links.recovery_token(
        enterprise,
        links.recovery_state(e.super_password.as_deref(), Some(&email)),
        now,
    );
    let link = links.url(&format!("/panel/recover?token={token}"));
    let email = Email {
        to: email,
        subject: format!("Reset the super password of enterprise {enterprise}"),
        text: mail_text(
            enterprise,
            &e.name,
            &link,
            links.recovery_seconds() / 60,
            ip,
        ),
    };
    let dir = state.dir.clone();
    mailer.spawn(email, move |result| async move {
        let detail = match result {
            Ok(Delivery::Sent) => "accepted by the SMTP server".to_string(),
            Ok(Delivery::Outbox(path)) => format!("written to the outbox: {}", path.display()),
            Err(e) => format!("failed: {e}"),
        };
        if let Err(e) = dir
            .audit_event(
                enterprise,
                "system",
                "mail",
                "recovery.mail",
                &masked,
                &detail,
            )
            .await
        {
            tracing::warn!(error = %e, enterprise, "cannot write an audit row");
        }
    });
    Ok(())
}

/// The recovery mail, in English and Chinese (the recipient's language is unknown).
fn mail_text(enterprise: u64, name: &str, link: &str, minutes: i64, ip: Option<IpAddr>) -> String {
    let from = ip.map(|ip| format!(" from {ip}")).unwrap_or_default();
    let zh_from = ip.map(|ip| format!("（来自 {ip}）")).unwrap_or_default();
    format!(
        "Someone{from} asked to reset the super password of enterprise {enterprise} ({name}).\n\
         \n\
         To choose a new super password, open this link within {minutes} minutes:\n\
         \n\
         {link}\n\
         \n\
         The link works once. If you did not ask for it, ignore this mail: the super password \
         stays as it is.\n\
         \n\
         --\n\
         \n\
         有人{zh_from}申请重置企业 {enterprise}（{name}）的超级密码。\n\
         请在 {minutes} 分钟内打开上面的链接设置新的超级密码。链接只能使用一次。\n\
         如果不是您本人操作，请忽略本邮件，超级密码不会改变。\n"
    )
}

/// Sets a new super password with a recovery link's `token`; returns the enterprise.
/// Refusals: 429 (this address was refused too often), 403 `recovery_link_invalid`, 410
/// `recovery_link_expired` / `recovery_link_used`, 422 `weak_password` (ENT-3). Each is
/// audited in the enterprise the token names (for a bad signature: the one it claims, if it
/// exists).
pub(crate) async fn complete_recovery(
    state: &AppState,
    token: &str,
    password: &str,
    ip: Option<IpAddr>,
    surface: &str,
) -> ApiResult<u64> {
    let now = state.dir.now();
    let address = address_key(ip);
    if state.links.refusals_by_address.exhausted(&address, now) {
        tracing::info!(%address, "recovery attempt refused: too many refusals from this address");
        return Err(too_many());
    }
    let source = source(surface, ip);
    let _one_at_a_time = state.links.recovery_lock.lock().await;
    let n = match check_link(state, token, now) {
        Ok(n) => n,
        Err(Refused {
            enterprise,
            reason,
            error,
        }) => {
            state.links.refusals_by_address.hit(&address, now);
            tracing::info!(%address, ?enterprise, reason, "recovery link refused");
            if let Some(n) = enterprise {
                audit(state, n, &source, "recovery.refused", "", reason).await;
            }
            return Err(error);
        }
    };
    if let Err(err) = check_super_password_policy(password, state.dir.config().min_password_length)
    {
        // A valid link: not counted against the address, but audited.
        let reason = "the new password does not meet the super password policy (ENT-3)";
        audit(state, n, &source, "recovery.refused", "", reason).await;
        return Err(err.into());
    }
    let hash = state.dir.hash_new_password(password).await?;
    state
        .dir
        .execute(
            n,
            Actor::EnterpriseAdmin,
            &format!("recovery link, {source}"),
            Command::SetSuperPassword { hash },
        )
        .await?;
    let ended = state
        .sessions
        .end_where(|p| p.enterprise == n && p.kind == PrincipalKind::Admin);
    tracing::info!(
        enterprise = n,
        sessions_ended = ended,
        "super password reset with a recovery link"
    );
    Ok(n)
}

#[cfg(test)]
pub(crate) mod tests;
