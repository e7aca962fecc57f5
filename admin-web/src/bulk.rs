//! Spreadsheet import and export over the API (SPEC IMP-1..4); the spreadsheet work is
//! `orgdir-bulk`, the changes go through `Directory::execute_planned` as the caller (plan
//! and commit under the write lock, so created org ids are predicted from the state they
//! are stored into; LDAP and the panel keep reading their snapshots meanwhile).
//!
//! The last error file of each enterprise is kept in memory until its next import (or a
//! restart) and served at `GET /api/v1/import/errors`.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use orgdir_bulk::{ExportFormat, Lang, Mode};
use orgdir_domain::model::{EnterpriseState, OrgId};
use orgdir_domain::role::Permission;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, QueryParams};

/// The largest upload accepted (the reader refuses more as well).
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

/// The last error file per enterprise.
#[derive(Debug, Default)]
pub struct ErrorFiles {
    map: Mutex<HashMap<u64, Vec<u8>>>,
}

impl ErrorFiles {
    fn set(&self, enterprise: u64, file: Option<Vec<u8>>) {
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        match file {
            Some(f) => map.insert(enterprise, f),
            None => map.remove(&enterprise),
        };
    }

    fn get(&self, enterprise: u64) -> Option<Vec<u8>> {
        self.map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&enterprise)
            .cloned()
    }
}

/// Who may import and export: managers of members (within their scope, which the rules
/// check command by command) and the enterprise administrator.
fn may_manage(caller: &Caller) -> ApiResult<()> {
    let allowed = match caller.principal.kind {
        orgdir_directory::service::PrincipalKind::Admin => true,
        orgdir_directory::service::PrincipalKind::Member(m) => {
            caller.snap.state.members.get(&m).is_some_and(|m| {
                caller
                    .snap
                    .state
                    .member_permissions(m)
                    .contains(&Permission::ManageMembers)
            })
        }
        orgdir_directory::service::PrincipalKind::Service(_) => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "the manage_members permission is required",
        ))
    }
}

fn lang_of(s: Option<&str>) -> Lang {
    match s {
        Some("zh") | Some("zh-CN") => Lang::Zh,
        _ => Lang::En,
    }
}

/// `?lang=` of the template and export.
#[derive(Debug, Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

fn xlsx(bytes: Vec<u8>, name: &str) -> Response {
    file(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        name,
    )
}

fn file(bytes: Vec<u8>, content_type: &'static str, name: &str) -> Response {
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// `GET /api/v1/import/template`: the XLSX template with the enterprise's roles.
pub async fn template(
    caller: Caller,
    QueryParams(q): QueryParams<LangQuery>,
) -> ApiResult<Response> {
    let bytes = orgdir_bulk::template(Some(&caller.snap.state), lang_of(q.lang.as_deref()))
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok(xlsx(bytes, "orgdir-import-template.xlsx"))
}

/// `POST /api/v1/import` query.
#[derive(Debug, Deserialize)]
pub struct ImportQuery {
    /// `all` (default: nothing is stored if any row is invalid) or `valid` (store the valid
    /// rows).
    mode: Option<String>,
    /// Check only.
    #[serde(default)]
    dry_run: bool,
    /// The uploaded file's name (helps tell CSV from XLSX).
    filename: Option<String>,
}

/// What an import did.
#[derive(Debug, Serialize)]
pub struct ImportJson {
    rows: usize,
    created: usize,
    updated: usize,
    unchanged: usize,
    orgs_created: usize,
    error_rows: usize,
    /// Changes stored (0 for a dry run or an all-or-nothing import with errors).
    stored: usize,
    /// Where the error file is, when there were errors.
    error_file: Option<&'static str>,
}

/// `POST /api/v1/import`: the file as the body (XLSX, or CSV in UTF-8 or GBK).
pub async fn import(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<ImportQuery>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<ImportJson>)> {
    may_manage(&caller)?;
    let mode = match q.mode.as_deref() {
        None | Some("all") => Mode::AllOrNothing,
        Some("valid") => Mode::ValidRows,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "mode is all or valid, not {other:?}"
            )));
        }
    };
    let name = q.filename.unwrap_or_default();
    let sheet = {
        let body = body.clone();
        tokio::task::spawn_blocking(move || orgdir_bulk::read(&body, &name))
            .await
            .map_err(|e| ApiError::bad_request(e.to_string()))?
            .map_err(|e| {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_file", e.to_string())
            })?
    };
    let now = state.dir.now();
    let dry_run = q.dry_run;
    let enterprise = caller.principal.enterprise;
    let (outcomes, (sheet, plan)) = state
        .dir
        .execute_planned(
            enterprise,
            caller.principal.actor(),
            &crate::api::source(&caller),
            move |st: &EnterpriseState| {
                let plan = orgdir_bulk::plan_at(st, &sheet, mode, now);
                let cmds = if dry_run {
                    Vec::new()
                } else {
                    plan.commands.clone()
                };
                (cmds, (sheet, plan))
            },
        )
        .await?;
    let s = plan.summary.clone();
    let with_errors = plan.has_errors();
    if with_errors {
        let file = tokio::task::spawn_blocking(move || orgdir_bulk::error_file(&sheet, &plan))
            .await
            .map_err(|e| ApiError::bad_request(e.to_string()))?
            .map_err(|e| ApiError::bad_request(e.to_string()))?;
        state.import_errors.set(enterprise, Some(file));
    } else {
        state.import_errors.set(enterprise, None);
    }
    let status = if with_errors && mode == Mode::AllOrNothing {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(ImportJson {
            rows: s.rows,
            created: s.created,
            updated: s.updated,
            unchanged: s.unchanged,
            orgs_created: s.orgs_created,
            error_rows: s.error_rows,
            stored: outcomes.len(),
            error_file: with_errors.then_some("/api/v1/import/errors"),
        }),
    ))
}

/// `GET /api/v1/import/errors`: the error file of the enterprise's last import with errors.
pub async fn errors(State(state): State<AppState>, caller: Caller) -> ApiResult<Response> {
    may_manage(&caller)?;
    let bytes = state
        .import_errors
        .get(caller.principal.enterprise)
        .ok_or_else(|| ApiError::not_found("error file"))?;
    Ok(xlsx(bytes, "orgdir-import-errors.xlsx"))
}

/// `GET /api/v1/export` query.
#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    /// `xlsx` (default), `csv` or `ldif`.
    format: Option<String>,
    /// Only this org's subtree.
    org: Option<u64>,
    lang: Option<String>,
}

/// `GET /api/v1/export`: what the caller can see of the tree (or a subtree) as XLSX, CSV
/// (re-importable) or LDIF (the enterprise administrator only: it carries password hashes).
pub async fn export(
    caller: Caller,
    QueryParams(q): QueryParams<ExportQuery>,
) -> ApiResult<Response> {
    may_manage(&caller)?;
    let subtree = match q.org {
        Some(o) => {
            let vis = caller.snap.visibility(&caller.viewer);
            let seen = caller
                .snap
                .org_entry(OrgId(o))
                .is_some_and(|e| caller.snap.can_see(&caller.viewer, vis.as_deref(), e));
            if !seen {
                return Err(ApiError::not_found("org"));
            }
            Some(OrgId(o))
        }
        None => None,
    };
    let lang = lang_of(q.lang.as_deref());
    // What the caller may not see stays out: export the caller's visible view only.
    let state = visible_state(&caller);
    match q.format.as_deref().unwrap_or("xlsx") {
        "xlsx" => {
            let b = orgdir_bulk::export(&state, subtree, ExportFormat::Xlsx, lang)
                .map_err(|e| ApiError::bad_request(e.to_string()))?;
            Ok(xlsx(b, "orgdir-members.xlsx"))
        }
        "csv" => {
            let b = orgdir_bulk::export(&state, subtree, ExportFormat::Csv, lang)
                .map_err(|e| ApiError::bad_request(e.to_string()))?;
            Ok(file(b, "text/csv; charset=utf-8", "orgdir-members.csv"))
        }
        "ldif" => {
            if caller.principal.actor() != orgdir_domain::authz::Actor::EnterpriseAdmin {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    "the LDIF export carries password hashes: the enterprise administrator only",
                ));
            }
            let text = orgdir_directory::migrate::export_ldif(&caller.snap);
            Ok(file(
                text.into_bytes(),
                "text/plain; charset=utf-8",
                "orgdir.ldif",
            ))
        }
        other => Err(ApiError::bad_request(format!(
            "format is xlsx, csv or ldif, not {other:?}"
        ))),
    }
}

/// The caller's view of the enterprise: members it cannot see (hidden, outside its scope)
/// left out.
fn visible_state(caller: &Caller) -> EnterpriseState {
    let mut st = (*caller.snap.state).clone();
    let vis = caller.snap.visibility(&caller.viewer);
    st.members.retain(|id, _| {
        caller
            .snap
            .member_entry(*id)
            .is_some_and(|e| caller.snap.can_see(&caller.viewer, vis.as_deref(), e))
    });
    st
}
