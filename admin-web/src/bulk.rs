//! Spreadsheet import and export over the API (SPEC IMP-1..4); the spreadsheet work is
//! `orgdir-bulk`, the changes go through `Directory::execute_planned` as the caller (plan
//! and commit under the write lock, so created org ids are predicted from the state they
//! are stored into; LDAP and the panel keep reading their snapshots meanwhile).
//!
//! One import function, [`run_import`], serves the synchronous `POST /api/v1/import`, the
//! import jobs of the API (`POST /api/v1/import/jobs`) and the panel; one export function,
//! `produce_export`, serves `GET /api/v1/export`, the export jobs and the panel. Jobs
//! ([`crate::jobs`]) run the same work in the background and report its progress.
//!
//! The last error file of each enterprise is kept in memory until its next import (or a
//! restart) and served at `GET /api/v1/import/errors` (and `/panel/import/errors`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use orgdir_bulk::{Column, ExportFormat, Lang, Mode, Phase, Progress};
use orgdir_directory::service::{DirError, Principal, PrincipalKind};
use orgdir_directory::snapshot::{Snapshot, Viewer};
use orgdir_domain::authz::Actor;
use orgdir_domain::model::{EnterpriseState, OrgId};
use orgdir_domain::role::Permission;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, QueryParams};
use crate::jobs::{self, JobKind, JobOutput, JobState, JobView};

/// The largest upload accepted (the reader refuses more as well).
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

/// How many problems of an import are kept for people to read (the error file has all).
pub const MAX_PROBLEMS: usize = 20;

/// Where the API serves the last error file.
pub const ERROR_FILE_URL: &str = "/api/v1/import/errors";

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

    /// The enterprise's last error file, if its last import had errors.
    pub fn get(&self, enterprise: u64) -> Option<Vec<u8>> {
        self.map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&enterprise)
            .cloned()
    }
}

/// Who may import and export: managers of members (within their scope, which the rules
/// check command by command) and the enterprise administrator.
pub(crate) fn may_manage(principal: &Principal, snap: &Snapshot) -> ApiResult<()> {
    let allowed = match principal.kind {
        PrincipalKind::Admin => true,
        PrincipalKind::Member(m) => snap.state.members.get(&m).is_some_and(|m| {
            snap.state
                .member_permissions(m)
                .contains(&Permission::ManageMembers)
        }),
        PrincipalKind::Service(_) => false,
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

/// `?mode=`: `all` (the default) or `valid`.
pub(crate) fn parse_mode(mode: Option<&str>) -> ApiResult<Mode> {
    match mode {
        None | Some("all") | Some("") => Ok(Mode::AllOrNothing),
        Some("valid") => Ok(Mode::ValidRows),
        Some(other) => Err(ApiError::bad_request(format!(
            "mode is all or valid, not {other:?}"
        ))),
    }
}

/// `?lang=` of the template and export.
#[derive(Debug, Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A file download: its type, `attachment` with its name, never cached.
pub(crate) fn file(bytes: impl Into<Bytes>, content_type: &'static str, name: &str) -> Response {
    let mut resp = bytes.into().into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// The error file as a download.
pub(crate) fn error_file_response(bytes: Vec<u8>) -> Response {
    file(bytes, XLSX, "orgdir-import-errors.xlsx")
}

/// The XLSX template with `snap`'s roles, headers in `lang`.
pub(crate) fn template_response(snap: &Snapshot, lang: Lang) -> ApiResult<Response> {
    let bytes = orgdir_bulk::template(Some(&snap.state), lang)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok(file(bytes, XLSX, "orgdir-import-template.xlsx"))
}

/// `GET /api/v1/import/template`: the XLSX template with the enterprise's roles.
pub async fn template(
    caller: Caller,
    QueryParams(q): QueryParams<LangQuery>,
) -> ApiResult<Response> {
    template_response(&caller.snap, lang_of(q.lang.as_deref()))
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
#[derive(Clone, Debug, Serialize)]
pub struct ImportJson {
    /// Data rows read.
    pub rows: usize,
    /// Rows adding a member.
    pub created: usize,
    /// Rows changing a member.
    pub updated: usize,
    /// Rows matching a member exactly.
    pub unchanged: usize,
    /// Orgs created for missing path parts.
    pub orgs_created: usize,
    /// Rows with at least one error.
    pub error_rows: usize,
    /// Changes stored (0 for a dry run or an all-or-nothing import with errors).
    pub stored: usize,
    /// Where the error file is, when there were errors.
    pub error_file: Option<&'static str>,
    /// The first problems in row order (the error file marks them all).
    pub problems: Vec<ProblemJson>,
    /// How many problems there are in all.
    pub problem_count: usize,
}

/// One problem as the API reports it.
#[derive(Clone, Debug, Serialize)]
pub struct ProblemJson {
    /// The row number in the spreadsheet (the header is row 1).
    pub line: usize,
    /// The column's English header; `None`: the whole row.
    pub column: Option<&'static str>,
    /// A required value is empty.
    pub missing: bool,
    /// What is wrong (empty when `missing`).
    pub reason: String,
}

/// One problem of an import, for people (the error file marks them all on their cells).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The row number in the spreadsheet.
    pub line: usize,
    /// The column at fault (`None`: the whole row).
    pub column: Option<Column>,
    /// A required value is empty (else `reason` says what is wrong).
    pub missing: bool,
    /// Why (the rule's English text; empty when `missing`).
    pub reason: String,
}

/// What [`run_import`] did.
#[derive(Clone, Debug)]
pub struct ImportOutcome {
    /// The counts, as the API answers them.
    pub json: ImportJson,
    /// The first [`MAX_PROBLEMS`] problems in row order.
    pub problems: Vec<Problem>,
    /// How many problems there are in all.
    pub problem_count: usize,
    /// The mode it ran in.
    pub mode: Mode,
    /// Whether it only checked.
    pub dry_run: bool,
}

/// An import to run: the file and who runs it.
#[derive(Clone, Debug)]
pub struct ImportRequest {
    /// The enterprise.
    pub enterprise: u64,
    /// Who runs the commands (authorization is the directory's).
    pub actor: Actor,
    /// The audit source (`api …`, `panel …`).
    pub source: String,
    /// The uploaded file.
    pub bytes: Bytes,
    /// Its name, if known (a hint for the reader).
    pub filename: String,
    /// All or nothing, or the valid rows.
    pub mode: Mode,
    /// Check only.
    pub dry_run: bool,
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    DirError::Internal(e.to_string()).into()
}

/// Reads, checks and (unless a dry run, or all or nothing with invalid rows) stores an
/// import, reporting each phase on `progress`; keeps the error file of an import with
/// errors as the enterprise's last one. A file that cannot be read is a 422 `bad_file`
/// with the reader's message; a refusal of the directory is its error.
pub async fn run_import(
    state: &AppState,
    req: ImportRequest,
    progress: &Progress,
) -> ApiResult<ImportOutcome> {
    let ImportRequest {
        enterprise,
        actor,
        source,
        bytes,
        filename,
        mode,
        dry_run,
    } = req;
    let sheet = {
        let p = progress.clone();
        tokio::task::spawn_blocking(move || orgdir_bulk::read_with_progress(&bytes, &filename, &p))
            .await
            .map_err(internal)?
            .map_err(|e| {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_file", e.to_string())
            })?
    };
    let now = state.dir.now();
    let p = progress.clone();
    let (outcomes, (sheet, plan)) = state
        .dir
        .execute_planned(enterprise, actor, &source, move |st: &EnterpriseState| {
            let plan = orgdir_bulk::plan_at_with_progress(st, &sheet, mode, now, &p);
            let cmds = if dry_run {
                Vec::new()
            } else {
                plan.commands.clone()
            };
            p.start(Phase::Storing, cmds.len() as u64);
            (cmds, (sheet, plan))
        })
        .await?;
    progress.finish();
    let s = plan.summary.clone();
    let with_errors = plan.has_errors();
    let (problems, problem_count) = problems(&sheet, &plan);
    if with_errors {
        let p = progress.clone();
        let file = tokio::task::spawn_blocking(move || {
            orgdir_bulk::error_file_with_progress(&sheet, &plan, &p)
        })
        .await
        .map_err(internal)?
        .map_err(internal)?;
        state.import_errors.set(enterprise, Some(file));
    } else {
        state.import_errors.set(enterprise, None);
    }
    Ok(ImportOutcome {
        json: ImportJson {
            rows: s.rows,
            created: s.created,
            updated: s.updated,
            unchanged: s.unchanged,
            orgs_created: s.orgs_created,
            error_rows: s.error_rows,
            stored: outcomes.len(),
            error_file: with_errors.then_some(ERROR_FILE_URL),
            problems: problems
                .iter()
                .map(|p| ProblemJson {
                    line: p.line,
                    column: p.column.map(|c| c.header(orgdir_bulk::Lang::En)),
                    missing: p.missing,
                    reason: p.reason.clone(),
                })
                .collect(),
            problem_count,
        },
        problems,
        problem_count,
        mode,
        dry_run,
    })
}

/// The first [`MAX_PROBLEMS`] problems of a plan in row order, and how many there are.
fn problems(sheet: &orgdir_bulk::Sheet, plan: &orgdir_bulk::Plan) -> (Vec<Problem>, usize) {
    let line = |row: usize| sheet.rows.get(row).map(|r| r.line).unwrap_or(0);
    let mut all: Vec<(usize, Problem)> = plan
        .cell_errors
        .iter()
        .map(|e| {
            let (missing, reason) = match &e.kind {
                orgdir_bulk::CellErrorKind::MissingRequired => (true, String::new()),
                orgdir_bulk::CellErrorKind::Invalid(why) => (false, why.clone()),
            };
            (
                e.row,
                Problem {
                    line: line(e.row),
                    column: Some(e.column),
                    missing,
                    reason,
                },
            )
        })
        .chain(plan.row_errors.iter().map(|e| {
            (
                e.row,
                Problem {
                    line: line(e.row),
                    column: None,
                    missing: false,
                    reason: e.reason.clone(),
                },
            )
        }))
        .collect();
    // Stable: a row's cell problems stay in column order, its row problem after them.
    all.sort_by_key(|(row, _)| *row);
    let count = all.len();
    (
        all.into_iter().take(MAX_PROBLEMS).map(|(_, p)| p).collect(),
        count,
    )
}

fn import_request(caller: &Caller, q: ImportQuery, body: Bytes) -> ApiResult<ImportRequest> {
    may_manage(&caller.principal, &caller.snap)?;
    Ok(ImportRequest {
        enterprise: caller.principal.enterprise,
        actor: caller.principal.actor(),
        source: crate::api::source(caller),
        bytes: body,
        filename: q.filename.unwrap_or_default(),
        mode: parse_mode(q.mode.as_deref())?,
        dry_run: q.dry_run,
    })
}

/// `POST /api/v1/import`: the file as the body (XLSX, or CSV in UTF-8 or GBK).
pub async fn import(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<ImportQuery>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<ImportJson>)> {
    let req = import_request(&caller, q, body)?;
    let out = run_import(&state, req, &Progress::new()).await?;
    let status = if out.json.error_rows > 0 && out.mode == Mode::AllOrNothing {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, Json(out.json)))
}

/// `GET /api/v1/import/errors`: the error file of the enterprise's last import with errors.
pub async fn errors(State(state): State<AppState>, caller: Caller) -> ApiResult<Response> {
    may_manage(&caller.principal, &caller.snap)?;
    let bytes = state
        .import_errors
        .get(caller.principal.enterprise)
        .ok_or_else(|| ApiError::not_found("error file"))?;
    Ok(error_file_response(bytes))
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

/// What an export writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ExportKind {
    /// XLSX or CSV in the import's columns.
    Sheet(ExportFormat),
    /// LDIF with password hashes (the enterprise administrator only).
    Ldif,
}

/// An export checked and ready to write (see [`export_request`]).
#[derive(Clone, Debug)]
pub(crate) struct ExportRequest {
    snap: Arc<Snapshot>,
    viewer: Viewer,
    subtree: Option<OrgId>,
    kind: ExportKind,
    lang: Lang,
}

/// A finished export file.
#[derive(Clone, Debug)]
pub struct ExportFile {
    /// The file.
    pub bytes: Bytes,
    /// Its media type.
    pub content_type: &'static str,
    /// Its download name.
    pub file_name: &'static str,
    /// Members written.
    pub members: usize,
}

impl ExportFile {
    /// The file as a download.
    pub fn response(&self) -> Response {
        file(self.bytes.clone(), self.content_type, self.file_name)
    }
}

/// Checks an export before anything is written: `manage_members`, a visible org (else
/// 404), a known format, LDIF for the enterprise administrator only.
pub(crate) fn export_request(
    principal: &Principal,
    snap: &Arc<Snapshot>,
    viewer: &Viewer,
    format: Option<&str>,
    org: Option<u64>,
    lang: Lang,
) -> ApiResult<ExportRequest> {
    may_manage(principal, snap)?;
    let subtree = match org {
        Some(o) => {
            let vis = snap.visibility(viewer);
            let seen = snap
                .org_entry(OrgId(o))
                .is_some_and(|e| snap.can_see(viewer, vis.as_deref(), e));
            if !seen {
                return Err(ApiError::not_found("org"));
            }
            Some(OrgId(o))
        }
        None => None,
    };
    let kind = match format.unwrap_or("xlsx") {
        "xlsx" => ExportKind::Sheet(ExportFormat::Xlsx),
        "csv" => ExportKind::Sheet(ExportFormat::Csv),
        "ldif" => {
            if principal.actor() != Actor::EnterpriseAdmin {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    "the LDIF export carries password hashes: the enterprise administrator only",
                ));
            }
            ExportKind::Ldif
        }
        other => {
            return Err(ApiError::bad_request(format!(
                "format is xlsx, csv or ldif, not {other:?}"
            )));
        }
    };
    Ok(ExportRequest {
        snap: snap.clone(),
        viewer: viewer.clone(),
        subtree,
        kind,
        lang,
    })
}

/// Writes an export (CPU work: call it on the blocking pool), reporting
/// [`Phase::Exporting`] on `progress`. What the caller may not see stays out.
pub(crate) fn produce_export(req: &ExportRequest, progress: &Progress) -> ApiResult<ExportFile> {
    match req.kind {
        ExportKind::Sheet(format) => {
            let state = visible_state(&req.snap, &req.viewer);
            let bytes =
                orgdir_bulk::export_with_progress(&state, req.subtree, format, req.lang, progress)
                    .map_err(internal)?;
            let (content_type, file_name) = match format {
                ExportFormat::Xlsx => (XLSX, "orgdir-members.xlsx"),
                ExportFormat::Csv => ("text/csv; charset=utf-8", "orgdir-members.csv"),
            };
            Ok(ExportFile {
                bytes: bytes.into(),
                content_type,
                file_name,
                members: progress.seen().total as usize,
            })
        }
        ExportKind::Ldif => {
            let members = req.snap.state.members.len();
            progress.start(Phase::Exporting, members as u64);
            let text = orgdir_directory::migrate::export_ldif(&req.snap);
            progress.finish();
            Ok(ExportFile {
                bytes: text.into_bytes().into(),
                content_type: "text/plain; charset=utf-8",
                file_name: "orgdir.ldif",
                members,
            })
        }
    }
}

/// [`produce_export`] on the blocking pool.
pub(crate) async fn produce_export_blocking(
    req: ExportRequest,
    progress: Progress,
) -> ApiResult<ExportFile> {
    tokio::task::spawn_blocking(move || produce_export(&req, &progress))
        .await
        .map_err(internal)?
}

/// `GET /api/v1/export`: what the caller can see of the tree (or a subtree) as XLSX, CSV
/// (re-importable) or LDIF (the enterprise administrator only: it carries password hashes).
pub async fn export(
    caller: Caller,
    QueryParams(q): QueryParams<ExportQuery>,
) -> ApiResult<Response> {
    let req = export_request(
        &caller.principal,
        &caller.snap,
        &caller.viewer,
        q.format.as_deref(),
        q.org,
        lang_of(q.lang.as_deref()),
    )?;
    Ok(produce_export_blocking(req, Progress::new())
        .await?
        .response())
}

/// The viewer's view of the enterprise: members it cannot see (hidden, outside its scope)
/// left out.
fn visible_state(snap: &Snapshot, viewer: &Viewer) -> EnterpriseState {
    let mut st = (*snap.state).clone();
    let vis = snap.visibility(viewer);
    st.members.retain(|id, _| {
        snap.member_entry(*id)
            .is_some_and(|e| snap.can_see(viewer, vis.as_deref(), e))
    });
    st
}

// --- jobs ---------------------------------------------------------------------------------

/// The answer to starting a job.
#[derive(Debug, Serialize)]
pub struct JobStarted {
    id: String,
    status_url: String,
}

/// A job as the API shows it.
#[derive(Debug, Serialize)]
pub struct JobJson {
    id: String,
    kind: &'static str,
    state: &'static str,
    phase: &'static str,
    done: u64,
    total: u64,
    result: Option<serde_json::Value>,
    error: Option<String>,
}

impl JobJson {
    fn of(v: &JobView) -> JobJson {
        let result = match &v.output {
            Some(JobOutput::Import(out)) => serde_json::to_value(&out.json).ok(),
            Some(JobOutput::Export(f)) => Some(serde_json::json!({
                "file_url": format!("/api/v1/export/jobs/{}/file", v.id),
                "bytes": f.bytes.len(),
                "members": f.members,
            })),
            None => None,
        };
        JobJson {
            id: v.id.clone(),
            kind: v.kind.key(),
            state: v.state.key(),
            phase: v.phase,
            done: v.done,
            total: v.total,
            result,
            error: v.error.as_ref().map(|e| e.detail.clone()),
        }
    }
}

fn started(id: String, kind: JobKind) -> (StatusCode, Json<JobStarted>) {
    let status_url = format!("/api/v1/{}/jobs/{id}", kind.key());
    (StatusCode::ACCEPTED, Json(JobStarted { id, status_url }))
}

/// Starts an import job as `principal`: the reading, checking and storing happen in the
/// background; the job's id is returned at once. 409 while the enterprise has an import
/// running.
pub(crate) fn start_import(
    state: &AppState,
    principal: &Principal,
    req: ImportRequest,
) -> ApiResult<String> {
    let (id, progress) = state
        .jobs
        .start(principal, JobKind::Import, state.dir.now())?;
    let st = state.clone();
    jobs::spawn(state, id.clone(), async move {
        run_import(&st, req, &progress).await.map(JobOutput::Import)
    });
    Ok(id)
}

/// Starts an export job as `principal` (the request is checked already).
pub(crate) fn start_export(
    state: &AppState,
    principal: &Principal,
    req: ExportRequest,
) -> ApiResult<String> {
    let (id, progress) = state
        .jobs
        .start(principal, JobKind::Export, state.dir.now())?;
    jobs::spawn(state, id.clone(), async move {
        produce_export_blocking(req, progress)
            .await
            .map(JobOutput::Export)
    });
    Ok(id)
}

/// `POST /api/v1/import/jobs`: like `POST /api/v1/import`, in the background.
pub async fn start_import_job(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<ImportQuery>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<JobStarted>)> {
    let req = import_request(&caller, q, body)?;
    let id = start_import(&state, &caller.principal, req)?;
    Ok(started(id, JobKind::Import))
}

/// `POST /api/v1/export/jobs`: like `GET /api/v1/export`, in the background.
pub async fn start_export_job(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<ExportQuery>,
) -> ApiResult<(StatusCode, Json<JobStarted>)> {
    let req = export_request(
        &caller.principal,
        &caller.snap,
        &caller.viewer,
        q.format.as_deref(),
        q.org,
        lang_of(q.lang.as_deref()),
    )?;
    let id = start_export(&state, &caller.principal, req)?;
    Ok(started(id, JobKind::Export))
}

fn job_view(state: &AppState, caller: &Caller, id: &str, kind: JobKind) -> ApiResult<JobView> {
    state
        .jobs
        .view(id, &caller.principal, kind, state.dir.now())
        .ok_or_else(|| ApiError::not_found("job"))
}

/// `GET /api/v1/import/jobs/{id}`: an import job of the caller (the enterprise
/// administrator: any of the enterprise's).
pub async fn import_job(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<JobJson>> {
    let v = job_view(&state, &caller, &id, JobKind::Import)?;
    Ok(Json(JobJson::of(&v)))
}

/// `GET /api/v1/export/jobs/{id}`: an export job of the caller.
pub async fn export_job(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<JobJson>> {
    let v = job_view(&state, &caller, &id, JobKind::Export)?;
    Ok(Json(JobJson::of(&v)))
}

/// `GET /api/v1/export/jobs/{id}/file`: the file of a finished export job; 409 while it
/// runs or when it failed.
pub async fn export_job_file(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let v = job_view(&state, &caller, &id, JobKind::Export)?;
    match (&v.state, &v.output) {
        (JobState::Done, Some(JobOutput::Export(f))) => Ok(f.response()),
        (JobState::Failed, _) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "job_failed",
            format!(
                "the export failed: {}",
                v.error
                    .as_ref()
                    .map(|e| e.detail.as_str())
                    .unwrap_or_default()
            ),
        )),
        _ => Err(ApiError::new(
            StatusCode::CONFLICT,
            "job_running",
            "the export is still running; ask its status_url until its state is done",
        )),
    }
}
