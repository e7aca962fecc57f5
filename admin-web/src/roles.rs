//! Roles and permissions (SPEC ROLE-1..4) and the audit log, under `/api/v1`.
//!
//! Built-in roles can be renamed and re-permissioned (not the enterprise administrator's);
//! custom roles can also be deleted, and their holders fall back to the ordinary member role.
//! A member with `manage_roles` can neither grant permissions it lacks nor edit its own role.

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use orgdir_directory::service::PrincipalKind;
use orgdir_domain::command::Command;
use orgdir_domain::model::RoleId;
use orgdir_domain::role::Permission;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Id, JsonBody, QueryParams};

/// A role as the API shows it.
#[derive(Debug, Serialize)]
pub struct RoleJson {
    id: u64,
    name: String,
    /// `enterprise-admin`, `system-admin`, `info-admin`, `member`, or null for custom roles.
    builtin: Option<&'static str>,
    permissions: Vec<String>,
    /// Members holding it.
    members: usize,
}

/// The permissions this server knows: the core's and those of the plugins it runs.
fn known_permissions(state: &AppState) -> Vec<Permission> {
    Permission::ALL
        .into_iter()
        .chain(state.plugins.permissions().into_iter().map(|(p, _)| p))
        .collect()
}

fn parse_permissions(state: &AppState, keys: &[String]) -> ApiResult<BTreeSet<Permission>> {
    let known = known_permissions(state);
    keys.iter()
        .map(|k| {
            Permission::from_key(k)
                .filter(|p| known.contains(p))
                .ok_or_else(|| ApiError::bad_request(format!("unknown permission {k:?}")))
        })
        .collect()
}

/// `GET /api/v1/permissions`: every permission key (the core's, then the plugins').
pub async fn list_permissions(State(state): State<AppState>, _caller: Caller) -> Json<Vec<String>> {
    Json(
        known_permissions(&state)
            .iter()
            .map(|p| p.key().to_string())
            .collect(),
    )
}

/// `GET /api/v1/roles`.
pub async fn list_roles(caller: Caller) -> Json<Vec<RoleJson>> {
    let state = &caller.snap.state;
    Json(
        state
            .roles
            .values()
            .map(|r| RoleJson {
                id: r.id.0,
                name: r.name.clone(),
                builtin: r.builtin.map(|b| b.key()),
                permissions: r.permissions.iter().map(|p| p.key().to_string()).collect(),
                members: state.members.values().filter(|m| m.role == r.id).count(),
            })
            .collect(),
    )
}

/// `POST /api/v1/roles` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRoleJson {
    name: String,
    #[serde(default)]
    permissions: Vec<String>,
}

/// `POST /api/v1/roles`.
pub async fn create_role(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<NewRoleJson>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    let permissions = parse_permissions(&state, &b.permissions)?;
    let outs = crate::api::run(
        &state,
        &caller,
        vec![Command::CreateRole {
            name: b.name,
            permissions,
        }],
    )
    .await?;
    let id = outs.last().and_then(|o| o.created);
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))))
}

/// `PATCH /api/v1/roles/{id}` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RolePatchJson {
    name: Option<String>,
    permissions: Option<Vec<String>>,
}

/// `PATCH /api/v1/roles/{id}`.
pub async fn update_role(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
    JsonBody(b): JsonBody<RolePatchJson>,
) -> ApiResult<StatusCode> {
    if b.name.is_none() && b.permissions.is_none() {
        return Err(ApiError::bad_request(
            "nothing to change: give name and/or permissions",
        ));
    }
    let mut permissions = b
        .permissions
        .as_deref()
        .map(|k| parse_permissions(&state, k))
        .transpose()?;
    // Permissions of plugins this server does not run are kept as they are.
    if let (Some(p), Some(role)) = (
        permissions.as_mut(),
        caller.snap.state.roles.get(&RoleId(id)),
    ) {
        let known = known_permissions(&state);
        p.extend(role.permissions.iter().filter(|q| !known.contains(q)));
    }
    crate::api::run(
        &state,
        &caller,
        vec![Command::UpdateRole {
            role: RoleId(id),
            name: b.name,
            permissions,
        }],
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/roles/{id}`.
pub async fn delete_role(
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> ApiResult<StatusCode> {
    crate::api::run(
        &state,
        &caller,
        vec![Command::DeleteRole { role: RoleId(id) }],
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/audit` query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQueryJson {
    actor: Option<String>,
    action: Option<String>,
    since: Option<i64>,
    until: Option<i64>,
    before_id: Option<u64>,
    limit: Option<u32>,
}

/// `GET /api/v1/audit`: who did what, when, from where (newest first). For the enterprise
/// administrator and members whose role holds `manage_roles`.
pub async fn audit(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<AuditQueryJson>,
) -> ApiResult<Json<serde_json::Value>> {
    let allowed = match caller.principal.kind {
        PrincipalKind::Admin => true,
        PrincipalKind::Member(m) => caller.snap.state.members.get(&m).is_some_and(|m| {
            caller
                .snap
                .state
                .member_permissions(m)
                .contains(&Permission::ManageRoles)
        }),
        PrincipalKind::Service(_) => false,
    };
    if !allowed {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "the audit log is for the enterprise administrator and role managers",
        ));
    }
    let query = orgdir_store::AuditQuery {
        actor_contains: q.actor,
        action: q.action,
        since: q.since,
        until: q.until,
        before_id: q.before_id,
        limit: q.limit.unwrap_or(100).min(1000),
        ..orgdir_store::AuditQuery::default()
    };
    let enterprise = caller.principal.enterprise;
    let rows = crate::store_call(&state, move |st| st.audit(enterprise, &query)).await?;
    let entries: Vec<serde_json::Value> = rows
        .into_iter()
        .map(|r| {
            serde_json::json!({
                "id": r.id, "at": r.at, "actor": r.actor, "source": r.source,
                "action": r.action, "target": r.target, "detail": r.detail,
            })
        })
        .collect();
    Ok(Json(serde_json::json!({ "entries": entries })))
}
