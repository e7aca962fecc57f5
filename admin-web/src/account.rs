//! The enterprise account under `/api/v1` (SPEC ENT-1, ENT-2, ENT-4) and the operator's
//! review queue.
//!
//! Profile changes do not go live: they wait for the operator (`Command::SubmitProfile`,
//! then `Command::ReviewProfile`), and the old values stay meanwhile. The recovery email is
//! the key to the super password, so changing it needs the super password again. Only the
//! enterprise administrator changes the account (the rules say so; this module asks them).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use orgdir_domain::authz::Actor;
use orgdir_domain::command::Command;
use orgdir_domain::model::{Enterprise, Profile, ProfileChange};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Id, JsonBody};
use crate::operator::Operator;

/// A profile as the API shows and takes it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ProfileJson {
    /// Full name.
    pub name: String,
    /// Short name (names the root org).
    pub short_name: String,
    /// Postal address.
    #[serde(default)]
    pub address: Option<String>,
    /// Industry.
    #[serde(default)]
    pub industry: Option<String>,
    /// Contact person.
    #[serde(default)]
    pub contact_name: Option<String>,
    /// Contact phone.
    #[serde(default)]
    pub contact_phone: Option<String>,
    /// Contact email.
    #[serde(default)]
    pub contact_email: Option<String>,
}

impl ProfileJson {
    fn of(name: &str, short_name: &str, p: &Profile) -> ProfileJson {
        ProfileJson {
            name: name.to_string(),
            short_name: short_name.to_string(),
            address: p.address.clone(),
            industry: p.industry.clone(),
            contact_name: p.contact_name.clone(),
            contact_phone: p.contact_phone.clone(),
            contact_email: p.contact_email.clone(),
        }
    }

    fn live(e: &Enterprise) -> ProfileJson {
        ProfileJson::of(&e.name, &e.short_name, &e.account.profile)
    }

    fn pending(c: &ProfileChange) -> ProfileJson {
        ProfileJson::of(&c.name, &c.short_name, &c.profile)
    }

    fn into_command(self) -> Command {
        Command::SubmitProfile {
            name: self.name,
            short_name: self.short_name,
            profile: Box::new(Profile {
                address: self.address,
                industry: self.industry,
                contact_name: self.contact_name,
                contact_phone: self.contact_phone,
                contact_email: self.contact_email,
            }),
        }
    }
}

/// A waiting profile change.
#[derive(Debug, Serialize)]
pub struct PendingJson {
    /// The proposed profile.
    pub profile: ProfileJson,
    /// When it was submitted (Unix time).
    pub submitted_at: i64,
}

/// The operator's last decision.
#[derive(Debug, Serialize)]
pub struct ReviewJson {
    /// Approved or rejected.
    pub approved: bool,
    /// Why it was rejected.
    pub reason: Option<String>,
    /// When (Unix time).
    pub at: i64,
}

/// `GET /api/v1/enterprise`.
#[derive(Debug, Serialize)]
pub struct EnterpriseAccountJson {
    number: u64,
    naming_context: String,
    domain: Option<String>,
    seats: u32,
    members: usize,
    account_range: [u64; 2],
    expires_at: Option<i64>,
    /// The live profile.
    profile: ProfileJson,
    /// A change waiting for the operator, if any.
    pending: Option<PendingJson>,
    /// The operator's last decision, if any.
    last_review: Option<ReviewJson>,
    /// Only for the enterprise administrator.
    #[serde(skip_serializing_if = "Option::is_none")]
    recovery_email: Option<Option<String>>,
    /// Whether members created from now on get an initial password (administrator only).
    #[serde(skip_serializing_if = "Option::is_none")]
    initial_password_set: Option<bool>,
}

/// Refuses everyone but the enterprise administrator (the account is theirs, ENT-1..5).
pub(crate) fn admin_only(caller: &Caller) -> ApiResult<()> {
    if caller.principal.actor() == Actor::EnterpriseAdmin {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "only the enterprise administrator changes the enterprise account",
        ))
    }
}

/// `GET /api/v1/enterprise`: the account; the recovery email and the initial-password
/// setting only for the enterprise administrator.
pub async fn get(caller: Caller) -> Json<EnterpriseAccountJson> {
    let st = &caller.snap.state;
    let e = &st.enterprise;
    let admin = caller.principal.actor() == Actor::EnterpriseAdmin;
    Json(EnterpriseAccountJson {
        number: e.number,
        naming_context: e.naming_context.clone(),
        domain: e.domain.clone(),
        seats: e.seats,
        members: st.members.len(),
        account_range: [e.account_range.0, e.account_range.1],
        expires_at: e.expires_at,
        profile: ProfileJson::live(e),
        pending: e.account.pending.as_ref().map(|c| PendingJson {
            profile: ProfileJson::pending(c),
            submitted_at: c.submitted_at,
        }),
        last_review: e.account.last_review.as_ref().map(|r| ReviewJson {
            approved: r.approved,
            reason: r.reason.clone(),
            at: r.at,
        }),
        recovery_email: admin.then(|| e.account.recovery_email.clone()),
        initial_password_set: admin.then_some(e.account.initial_password.is_some()),
    })
}

/// `PUT /api/v1/enterprise/profile`: submits a change for the operator's review (202); the
/// live profile stays until it is approved.
pub async fn submit_profile(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(p): JsonBody<ProfileJson>,
) -> ApiResult<StatusCode> {
    admin_only(&caller)?;
    crate::api::run(&state, &caller, vec![p.into_command()]).await?;
    Ok(StatusCode::ACCEPTED)
}

/// `PUT /api/v1/enterprise/recovery-email` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecoveryEmailJson {
    /// The address; `null` removes it.
    email: Option<String>,
    /// The super password, again.
    confirm_password: String,
}

/// `PUT /api/v1/enterprise/recovery-email` (ENT-2).
pub async fn set_recovery_email(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<RecoveryEmailJson>,
) -> ApiResult<StatusCode> {
    admin_only(&caller)?;
    confirm(&state, &caller, &b.confirm_password).await?;
    let cmd = Command::SetRecoveryEmail { email: b.email };
    crate::api::run(&state, &caller, vec![cmd]).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Checks the caller's own password (the super password for the administrator).
pub async fn confirm(state: &AppState, caller: &Caller, password: &str) -> ApiResult<()> {
    if state
        .dir
        .verify_password(&caller.principal, password.as_bytes())
        .await
    {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "confirmation_failed",
            "the confirmation password is wrong",
        ))
    }
}

/// `PUT /api/v1/enterprise/initial-password` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InitialPasswordJson {
    /// The initial password of members created from now on; `null` stops giving one.
    password: Option<String>,
}

/// `PUT /api/v1/enterprise/initial-password` (ENT-4).
pub async fn set_initial_password(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<InitialPasswordJson>,
) -> ApiResult<StatusCode> {
    admin_only(&caller)?;
    let hash = match b.password {
        Some(p) => Some(state.dir.hash_new_password(&p).await?),
        None => None,
    };
    crate::api::run(&state, &caller, vec![Command::SetInitialPassword { hash }]).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /api/v1/me/password` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnPasswordJson {
    current_password: String,
    new_password: String,
}

/// `PUT /api/v1/me/password`: a member changes its own password (what an initial password
/// requires at first sign-in, ENT-4).
pub async fn set_own_password(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<OwnPasswordJson>,
) -> ApiResult<StatusCode> {
    let orgdir_directory::service::PrincipalKind::Member(member) = caller.principal.kind else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "only members change their password here (the administrator: /enterprise/super-password)",
        ));
    };
    confirm(&state, &caller, &b.current_password).await?;
    if b.new_password == b.current_password {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "weak_password",
            "the new password must differ from the current one",
        ));
    }
    let hash = state.dir.hash_new_password(&b.new_password).await?;
    let cmd = Command::SetMemberPassword {
        member,
        hash,
        must_change: false,
    };
    crate::api::run(&state, &caller, vec![cmd]).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /api/v1/enterprise/super-password` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuperPasswordJson {
    current_password: String,
    new_password: String,
}

/// Checks the ENT-3 policy, then sets the super password (the caller has confirmed the
/// current one).
pub async fn change_super_password(
    state: &AppState,
    caller: &crate::auth::Caller,
    current: &str,
    new: &str,
) -> ApiResult<()> {
    admin_only(caller)?;
    confirm(state, caller, current).await?;
    orgdir_directory::service::check_super_password_policy(
        new,
        state.dir.config().min_password_length,
    )?;
    let hash = state.dir.hash_new_password(new).await?;
    crate::api::run(state, caller, vec![Command::SetSuperPassword { hash }]).await?;
    Ok(())
}

/// `PUT /api/v1/enterprise/super-password` (ENT-3: at least three of upper case, lower
/// case, digits and symbols).
pub async fn set_super_password(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<SuperPasswordJson>,
) -> ApiResult<StatusCode> {
    change_super_password(&state, &caller, &b.current_password, &b.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One entry of the operator's review queue.
#[derive(Debug, Serialize)]
pub struct ReviewItemJson {
    /// The enterprise.
    pub number: u64,
    /// What is live now.
    pub live: ProfileJson,
    /// What the enterprise asks for.
    pub pending: ProfileJson,
    /// When (Unix time).
    pub submitted_at: i64,
}

/// The enterprises with a profile change waiting, oldest first.
pub fn review_queue(state: &AppState) -> Vec<ReviewItemJson> {
    let cat = state.dir.catalog();
    let mut items: Vec<ReviewItemJson> = cat
        .enterprises
        .values()
        .filter_map(|s| {
            let e = &s.state.enterprise;
            e.account.pending.as_ref().map(|c| ReviewItemJson {
                number: e.number,
                live: ProfileJson::live(e),
                pending: ProfileJson::pending(c),
                submitted_at: c.submitted_at,
            })
        })
        .collect();
    items.sort_by_key(|i| (i.submitted_at, i.number));
    items
}

/// `GET /api/v1/operator/reviews`.
pub async fn list_reviews(
    State(state): State<AppState>,
    _op: Operator,
) -> Json<Vec<ReviewItemJson>> {
    Json(review_queue(&state))
}

/// `POST /api/v1/operator/enterprises/{number}/review` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionJson {
    /// Approve (the change goes live) or reject.
    pub approve: bool,
    /// Why not; required to reject.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Approves or rejects an enterprise's waiting profile change as the operator.
pub async fn decide(
    state: &AppState,
    operator: &str,
    number: u64,
    d: DecisionJson,
) -> ApiResult<()> {
    let cmd = Command::ReviewProfile {
        approve: d.approve,
        reason: d.reason,
    };
    let source = format!("api operator {operator}");
    state
        .dir
        .execute(number, Actor::Operator, &source, cmd)
        .await?;
    Ok(())
}

/// `POST /api/v1/operator/enterprises/{number}/review`.
pub async fn review(
    State(state): State<AppState>,
    op: Operator,
    Id(number): Id,
    JsonBody(d): JsonBody<DecisionJson>,
) -> ApiResult<StatusCode> {
    decide(&state, &op.name, number, d).await?;
    Ok(StatusCode::NO_CONTENT)
}
