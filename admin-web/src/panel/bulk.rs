//! Import and export in the panel (SPEC IMP-1..4): the template download, the upload form
//! (all or nothing, or the valid rows; a dry run), the export form (the whole tree or a
//! subtree the viewer sees; XLSX, CSV, and LDIF for the enterprise administrator), and the
//! job page both lead to. The work is `crate::bulk`'s, run as a background job
//! (`crate::jobs`); the job page refreshes itself every second while the job runs (a
//! `<meta http-equiv="refresh">`, no script) and shows the phase and a progress bar, then
//! the summary, the first problems in words and the error file, or the download.
//!
//! Open to the enterprise administrator and members holding "manage members"; what each
//! row changes is checked by the directory's rules as the signed-in caller, within its
//! management scope.

use std::fmt::Write as _;

use axum::Router;
use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use orgdir_bulk::Mode;
use orgdir_directory::service::PrincipalKind;
use orgdir_domain::model::OrgId;
use orgdir_domain::role::Permission;
use serde::Deserialize;

use super::html::{esc, message};
use super::i18n::Lang;
use super::{Session, datetime, posted, to_sign_in};
use crate::AppState;
use crate::bulk::{self, ImportOutcome, ImportRequest, MAX_UPLOAD_BYTES, Problem};
use crate::error::ApiError;
use crate::jobs::{JobKind, JobOutput, JobState, JobView};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/panel/import",
            get(import_page)
                .post(upload)
                .layer(axum::extract::DefaultBodyLimit::max(
                    MAX_UPLOAD_BYTES + 64 * 1024,
                )),
        )
        .route("/panel/import/template", get(template))
        .route("/panel/import/errors", get(errors))
        .route("/panel/import/jobs/{id}", get(import_job))
        .route("/panel/export", post(export))
        .route("/panel/export/jobs/{id}", get(export_job))
        .route("/panel/export/jobs/{id}/file", get(export_file))
}

/// This module's strings.
struct Text {
    nav: &'static str,
    title: &'static str,
    forbidden: &'static str,
    import_title: &'static str,
    import_intro: &'static str,
    template: &'static str,
    file: &'static str,
    limits: &'static str,
    when_invalid: &'static str,
    mode_all: &'static str,
    mode_valid: &'static str,
    dry_run: &'static str,
    start_import: &'static str,
    export_title: &'static str,
    export_intro: &'static str,
    export_org: &'static str,
    whole_tree: &'static str,
    format: &'static str,
    ldif: &'static str,
    start_export: &'static str,
    export_this_org: &'static str,
    import_job: &'static str,
    export_job: &'static str,
    reading: &'static str,
    checking: &'static str,
    storing: &'static str,
    error_file: &'static str,
    exporting: &'static str,
    done: &'static str,
    /// `{}` of `{}` units.
    of: &'static str,
    refreshes: &'static str,
    started: &'static str,
    finished: &'static str,
    rows: &'static str,
    created: &'static str,
    updated: &'static str,
    unchanged: &'static str,
    orgs_created: &'static str,
    error_rows: &'static str,
    stored: &'static str,
    import_done: &'static str,
    dry_run_done: &'static str,
    nothing_stored: &'static str,
    valid_stored: &'static str,
    download_errors: &'static str,
    /// `{}` problems shown of `{}`.
    problems: &'static str,
    /// Row `{}`.
    row: &'static str,
    missing: &'static str,
    import_failed: &'static str,
    export_failed: &'static str,
    /// `{}` members exported.
    exported: &'static str,
    download: &'static str,
    too_large: &'static str,
    no_file: &'static str,
    bad_upload: &'static str,
    no_error_file: &'static str,
    bad_org: &'static str,
    import_running: &'static str,
    export_running: &'static str,
    not_ready: &'static str,
    back: &'static str,
}

static EN: Text = Text {
    nav: "Import / export",
    title: "Import / export",
    forbidden: "Import and export need the \"manage members\" permission.",
    import_title: "Import members",
    import_intro: "Fill in the template (one row per member; org paths like \"Engineering/Platform\") and upload it. Every row is checked with the same rules as the rest of the panel; missing orgs of a path are created; members are matched by account and updated; importing the same file twice changes nothing.",
    template: "Download the template (XLSX)",
    file: "File (XLSX, or CSV in UTF-8 or GBK)",
    limits: "At most 10 MiB and 100,000 rows.",
    when_invalid: "When some rows are invalid",
    mode_all: "store nothing (all or nothing)",
    mode_valid: "store the valid rows, skip the invalid ones",
    dry_run: "Check only (dry run): store nothing",
    start_import: "Import",
    export_title: "Export members",
    export_intro: "The members you can see, in the template's columns: an XLSX or CSV export can be edited and imported again.",
    export_org: "Org",
    whole_tree: "the whole tree",
    format: "Format",
    ldif: "LDIF (with password hashes)",
    start_export: "Export",
    export_this_org: "Export this org",
    import_job: "Import",
    export_job: "Export",
    reading: "Reading the file",
    checking: "Checking the rows",
    storing: "Storing the changes",
    error_file: "Writing the error file",
    exporting: "Writing the export",
    done: "Done",
    of: "{} of {}",
    refreshes: "This page refreshes itself every second until the job is done.",
    started: "Started",
    finished: "Finished",
    rows: "Rows",
    created: "Members created",
    updated: "Members updated",
    unchanged: "Members unchanged",
    orgs_created: "Orgs created",
    error_rows: "Rows with errors",
    stored: "Changes stored",
    import_done: "The import is done.",
    dry_run_done: "Dry run: the rows were checked, nothing was stored.",
    nothing_stored: "Nothing was stored: some rows have errors. Correct them in the error file and import it again, or import with \"store the valid rows\".",
    valid_stored: "The valid rows were stored; the rows with errors were skipped.",
    download_errors: "Download the error file (XLSX): invalid cells in red, empty required cells in orange, each with a comment",
    problems: "Problems (the first {} of {})",
    row: "Row {}",
    missing: "required, but empty",
    import_failed: "The import failed:",
    export_failed: "The export failed:",
    exported: "{} members exported.",
    download: "Download the file",
    too_large: "The file is larger than 10 MiB. Split it into several files and import them one after the other.",
    no_file: "Choose a file to import.",
    bad_upload: "The upload could not be read. Choose the file again and retry.",
    no_error_file: "There is no error file: the last import had no errors.",
    bad_org: "Choose an org from the list.",
    import_running: "An import of this enterprise is running. Start another when it has finished.",
    export_running: "Several exports of this enterprise are running. Start another when one has finished.",
    not_ready: "The export is not finished.",
    back: "Back to import / export",
};

static ZH: Text = Text {
    nav: "导入导出",
    title: "导入导出",
    forbidden: "导入导出需要“管理成员”权限。",
    import_title: "导入成员",
    import_intro: "填写模板（每行一个成员；部门路径如“研发部/平台组”）后上传。每一行都按与面板其他页面相同的规则检查；路径中不存在的部门会被创建；成员按帐号匹配并更新；同一文件导入两次不会重复修改。",
    template: "下载模板（XLSX）",
    file: "文件（XLSX，或 UTF-8 / GBK 编码的 CSV）",
    limits: "最大 10 MiB、100,000 行。",
    when_invalid: "部分行有错误时",
    mode_all: "全部不导入（全部成功或全部不导入）",
    mode_valid: "导入有效行，跳过错误行",
    dry_run: "仅检查（试运行）：不导入",
    start_import: "导入",
    export_title: "导出成员",
    export_intro: "导出您可见的成员，列与模板相同：XLSX 或 CSV 导出文件修改后可再次导入。",
    export_org: "部门",
    whole_tree: "整个组织",
    format: "格式",
    ldif: "LDIF（含密码哈希）",
    start_export: "导出",
    export_this_org: "导出此部门",
    import_job: "导入任务",
    export_job: "导出任务",
    reading: "正在读取文件",
    checking: "正在检查各行",
    storing: "正在保存修改",
    error_file: "正在生成错误文件",
    exporting: "正在生成导出文件",
    done: "已完成",
    of: "{} / {}",
    refreshes: "任务完成前，本页每秒自动刷新。",
    started: "开始时间",
    finished: "完成时间",
    rows: "行数",
    created: "新增成员",
    updated: "更新成员",
    unchanged: "未变成员",
    orgs_created: "新建部门",
    error_rows: "错误行数",
    stored: "已保存的修改",
    import_done: "导入已完成。",
    dry_run_done: "试运行：各行已检查，未保存任何修改。",
    nothing_stored: "未保存任何修改：部分行有错误。请在错误文件中更正后重新导入，或选择“导入有效行”。",
    valid_stored: "有效行已保存，错误行已跳过。",
    download_errors: "下载错误文件（XLSX）：错误单元格标红，必填但为空的单元格标橙，并附批注说明原因",
    problems: "问题（前 {} 个，共 {} 个）",
    row: "第 {} 行",
    missing: "必填，但为空",
    import_failed: "导入失败：",
    export_failed: "导出失败：",
    exported: "已导出 {} 个成员。",
    download: "下载文件",
    too_large: "文件超过 10 MiB。请拆分为多个文件依次导入。",
    no_file: "请选择要导入的文件。",
    bad_upload: "无法读取上传内容。请重新选择文件后再试。",
    no_error_file: "没有错误文件：最近一次导入没有错误。",
    bad_org: "请从列表中选择部门。",
    import_running: "本企业已有导入正在进行，请在其完成后再试。",
    export_running: "本企业已有多个导出正在进行，请在其中一个完成后再试。",
    not_ready: "导出尚未完成。",
    back: "返回导入导出",
};

fn text(lang: Lang) -> &'static Text {
    match lang {
        Lang::En => &EN,
        Lang::Zh => &ZH,
    }
}

/// The menu entry's label.
pub(super) fn nav_label(lang: Lang) -> &'static str {
    text(lang).nav
}

fn sheet_lang(lang: Lang) -> orgdir_bulk::Lang {
    match lang {
        Lang::En => orgdir_bulk::Lang::En,
        Lang::Zh => orgdir_bulk::Lang::Zh,
    }
}

/// `template` with its `{}` filled in order.
fn fill(template: &str, values: &[&dyn std::fmt::Display]) -> String {
    let mut out = template.to_string();
    for v in values {
        out = out.replacen("{}", &v.to_string(), 1);
    }
    out
}

/// The "Export this org" link of the org page, for those who may export.
pub(super) fn export_link(s: &Session, org: OrgId) -> String {
    if !s.holds(Permission::ManageMembers) {
        return String::new();
    }
    format!(
        "<p><a id=\"export-link\" href=\"/panel/import?org={}#export\">{}</a></p>",
        org.0,
        esc(text(s.lang).export_this_org)
    )
}

/// The page's answer to a caller without "manage members".
fn forbidden(s: &Session) -> Response {
    let x = text(s.lang);
    s.page(
        StatusCode::FORBIDDEN,
        x.title,
        "/panel/import",
        &message(false, x.forbidden),
    )
}

/// The text of a refusal on this module's pages.
fn refusal(s: &Session, e: ApiError) -> String {
    let x = text(s.lang);
    match e.code {
        "import_running" => x.import_running.to_string(),
        "export_running" => x.export_running.to_string(),
        _ => s.refusal(e),
    }
}

#[derive(Deserialize)]
struct PageQuery {
    org: Option<u64>,
}

async fn import_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Response {
    let Some(s) = Session::of(&state, &headers) else {
        return to_sign_in();
    };
    if !s.holds(Permission::ManageMembers) {
        return forbidden(&s);
    }
    render(&s, StatusCode::OK, String::new(), q.org.map(OrgId))
}

/// The import/export page with `top` (a message) above the forms and `org` preselected in
/// the export form.
fn render(s: &Session, status: StatusCode, top: String, org: Option<OrgId>) -> Response {
    let x = text(s.lang);
    let csrf = esc(&s.csrf);
    let mut b = top;
    let _ = write!(
        b,
        "<section id=\"import\"><h2>{}</h2><p>{}</p>\
         <p><a id=\"template\" href=\"/panel/import/template\">{}</a></p>\
         <form method=\"post\" action=\"/panel/import\" enctype=\"multipart/form-data\" id=\"upload\">\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
         <label>{} <input type=\"file\" name=\"file\" id=\"import-file\" required \
         accept=\".xlsx,.csv,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\"></label>\
         <p>{}</p>\
         <fieldset><legend>{}</legend>\
         <label><input type=\"radio\" name=\"mode\" value=\"all\" id=\"mode-all\" checked> {}</label>\
         <label><input type=\"radio\" name=\"mode\" value=\"valid\" id=\"mode-valid\"> {}</label></fieldset>\
         <label><input type=\"checkbox\" name=\"dry_run\" value=\"1\" id=\"dry-run\"> {}</label>\
         <button type=\"submit\">{}</button></form></section>",
        esc(x.import_title),
        esc(x.import_intro),
        esc(x.template),
        esc(x.file),
        esc(x.limits),
        esc(x.when_invalid),
        esc(x.mode_all),
        esc(x.mode_valid),
        esc(x.dry_run),
        esc(x.start_import),
    );
    let _ = write!(
        b,
        "<section id=\"export\"><h2>{}</h2><p>{}</p>\
         <form method=\"post\" action=\"/panel/export\" id=\"export-form\">\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
         <label>{} <select name=\"org\" id=\"export-org\"><option value=\"\">{}</option>",
        esc(x.export_title),
        esc(x.export_intro),
        esc(x.export_org),
        esc(x.whole_tree),
    );
    let st = &s.snap.state;
    let root = st.root();
    for o in s.visible_orgs() {
        let label = if o == root {
            st.orgs.get(&o).map(|r| r.name.clone()).unwrap_or_default()
        } else {
            orgdir_bulk::path::of(st, o)
        };
        let _ = write!(
            b,
            "<option value=\"{}\"{}>{}</option>",
            o.0,
            if Some(o) == org { " selected" } else { "" },
            esc(&label)
        );
    }
    let _ = write!(
        b,
        "</select></label><label>{} <select name=\"format\" id=\"export-format\">\
         <option value=\"xlsx\" selected>XLSX</option><option value=\"csv\">CSV</option>",
        esc(x.format)
    );
    if s.principal.kind == PrincipalKind::Admin {
        let _ = write!(b, "<option value=\"ldif\">{}</option>", esc(x.ldif));
    }
    let _ = write!(
        b,
        "</select></label><button type=\"submit\">{}</button></form></section>",
        esc(x.start_export)
    );
    s.page(status, x.title, "/panel/import", &b)
}

/// The import/export page with an error message.
fn failure(s: &Session, status: StatusCode, why: &str) -> Response {
    render(s, status, message(false, why), None)
}

async fn template(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(s) = Session::of(&state, &headers) else {
        return to_sign_in();
    };
    if !s.holds(Permission::ManageMembers) {
        return forbidden(&s);
    }
    match bulk::template_response(&s.snap, sheet_lang(s.lang)) {
        Ok(r) => r,
        Err(e) => {
            let why = format!("{} {}", s.tr().failed, s.refusal(e.clone()));
            failure(&s, e.status, &why)
        }
    }
}

async fn errors(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(s) = Session::of(&state, &headers) else {
        return to_sign_in();
    };
    if !s.holds(Permission::ManageMembers) {
        return forbidden(&s);
    }
    match state.import_errors.get(s.principal.enterprise) {
        Some(file) => bulk::error_file_response(file),
        None => failure(&s, StatusCode::NOT_FOUND, text(s.lang).no_error_file),
    }
}

/// The upload form's fields.
#[derive(Default)]
struct Upload {
    csrf: Option<String>,
    mode: Option<String>,
    dry_run: bool,
    file: Option<(String, Bytes)>,
}

/// Reads the upload form: `csrf_token` must come first (a form without it is not read any
/// further). A body over the limit is `Err(413)`, a malformed one `Err(400)`.
async fn read_upload(mut form: Multipart) -> Result<Upload, StatusCode> {
    let mut up = Upload::default();
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(e.status()),
        };
        let name = field.name().unwrap_or("").to_string();
        if up.csrf.is_none() && name != "csrf_token" {
            break;
        }
        let file_name = field.file_name().unwrap_or("").to_string();
        let value = field.bytes().await.map_err(|e| e.status())?;
        match name.as_str() {
            "csrf_token" => up.csrf = Some(String::from_utf8_lossy(&value).to_string()),
            "mode" => up.mode = Some(String::from_utf8_lossy(&value).to_string()),
            "dry_run" => up.dry_run = !value.is_empty(),
            "file" => up.file = Some((file_name, value)),
            _ => {}
        }
    }
    Ok(up)
}

async fn upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Multipart, MultipartRejection>,
) -> Response {
    let Some(s) = Session::of(&state, &headers) else {
        return to_sign_in();
    };
    let x = text(s.lang);
    let up = match form {
        Ok(form) => read_upload(form).await,
        Err(_) => Err(StatusCode::BAD_REQUEST),
    };
    let up = match up {
        Ok(up) => up,
        Err(StatusCode::PAYLOAD_TOO_LARGE) => {
            return failure(&s, StatusCode::PAYLOAD_TOO_LARGE, x.too_large);
        }
        Err(status) => return failure(&s, status, x.bad_upload),
    };
    if !up
        .csrf
        .as_deref()
        .is_some_and(|c| crate::auth::csrf_matches(c, &s.csrf))
    {
        return s.page(
            StatusCode::FORBIDDEN,
            s.tr().failed,
            "/panel/import",
            &message(false, s.tr().csrf_refused),
        );
    }
    if !s.holds(Permission::ManageMembers) {
        return forbidden(&s);
    }
    let mode = match bulk::parse_mode(up.mode.as_deref()) {
        Ok(m) => m,
        Err(e) => return failure(&s, e.status, &e.detail),
    };
    let (filename, bytes) = match up.file {
        Some((_, b)) if b.len() > MAX_UPLOAD_BYTES => {
            return failure(&s, StatusCode::PAYLOAD_TOO_LARGE, x.too_large);
        }
        Some((name, b)) if !b.is_empty() => (name, b),
        _ => return failure(&s, StatusCode::BAD_REQUEST, x.no_file),
    };
    let req = ImportRequest {
        enterprise: s.principal.enterprise,
        actor: s.principal.actor(),
        source: s.source(),
        bytes,
        filename,
        mode,
        dry_run: up.dry_run,
    };
    match bulk::start_import(&state, &s.principal, req) {
        Ok(id) => Redirect::to(&format!("/panel/import/jobs/{id}")).into_response(),
        Err(e) => {
            let status = e.status;
            failure(&s, status, &refusal(&s, e))
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ExportForm {
    org: String,
    format: String,
}

async fn export(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (s, f) = match posted::<ExportForm>(&state, &headers, &body) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    if !s.holds(Permission::ManageMembers) {
        return forbidden(&s);
    }
    let org = match f.org.trim() {
        "" => None,
        o => match o.parse::<u64>() {
            Ok(n) => Some(n),
            Err(_) => return failure(&s, StatusCode::BAD_REQUEST, text(s.lang).bad_org),
        },
    };
    let format = Some(f.format.trim()).filter(|v| !v.is_empty());
    let started = bulk::export_request(
        &s.principal,
        &s.snap,
        &s.viewer,
        format,
        org,
        sheet_lang(s.lang),
    )
    .and_then(|req| bulk::start_export(&state, &s.principal, req));
    match started {
        Ok(id) => Redirect::to(&format!("/panel/export/jobs/{id}")).into_response(),
        Err(e) => {
            let status = e.status;
            let why = format!("{} {}", s.tr().failed, refusal(&s, e));
            render(&s, status, message(false, &why), org.map(OrgId))
        }
    }
}

async fn import_job(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    job_page(&state, &headers, &id, JobKind::Import)
}

async fn export_job(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    job_page(&state, &headers, &id, JobKind::Export)
}

/// A job of the caller (or, for the enterprise administrator, of the enterprise); `None`
/// for anything else (answered by [`not_found`]).
fn view(state: &AppState, s: &Session, id: &str, kind: JobKind) -> Option<JobView> {
    state.jobs.view(id, &s.principal, kind, state.dir.now())
}

fn not_found(s: &Session) -> Response {
    s.page(
        StatusCode::NOT_FOUND,
        text(s.lang).title,
        "/panel/import",
        &message(false, s.tr().not_found),
    )
}

fn job_page(state: &AppState, headers: &HeaderMap, id: &str, kind: JobKind) -> Response {
    let Some(s) = Session::of(state, headers) else {
        return to_sign_in();
    };
    let Some(v) = view(state, &s, id, kind) else {
        return not_found(&s);
    };
    let x = text(s.lang);
    let mut b = String::new();
    let _ = write!(
        b,
        "<section id=\"job\" data-kind=\"{}\" data-state=\"{}\">",
        v.kind.key(),
        v.state.key()
    );
    if v.state == JobState::Running {
        // Inside the body: browsers apply a refresh pragma wherever the parser meets it.
        b.push_str("<meta http-equiv=\"refresh\" content=\"1\">");
    }
    let phase = match v.phase {
        "reading" => x.reading,
        "checking" => x.checking,
        "storing" => x.storing,
        "error_file" => x.error_file,
        "exporting" => x.exporting,
        _ => x.done,
    };
    let _ = write!(
        b,
        "<p id=\"job-phase\" data-phase=\"{}\">{}</p>",
        esc(v.phase),
        esc(phase)
    );
    let counts = fill(x.of, &[&v.done, &v.total]);
    if v.total > 0 {
        let _ = write!(
            b,
            "<p><progress id=\"job-progress\" value=\"{}\" max=\"{}\">{}</progress> <span id=\"job-counts\">{}</span></p>",
            v.done,
            v.total,
            esc(&counts),
            esc(&counts)
        );
    } else if v.state == JobState::Running {
        b.push_str("<p><progress id=\"job-progress\"></progress></p>");
    }
    let _ = write!(
        b,
        "<dl id=\"job-times\"><dt>{}</dt><dd>{}</dd>",
        esc(x.started),
        esc(&datetime(v.started))
    );
    if let Some(f) = v.finished {
        let _ = write!(
            b,
            "<dt>{}</dt><dd>{}</dd>",
            esc(x.finished),
            esc(&datetime(f))
        );
    }
    b.push_str("</dl>");
    match (&v.state, &v.output, &v.error) {
        (JobState::Running, _, _) => {
            let _ = write!(b, "<p>{}</p>", esc(x.refreshes));
        }
        (_, Some(JobOutput::Import(out)), _) => import_result(&s, out, &mut b),
        (_, Some(JobOutput::Export(f)), _) => {
            let _ = write!(
                b,
                "{}<p><a id=\"download\" href=\"/panel/export/jobs/{}/file\">{}</a> ({} B)</p>",
                message(true, &fill(x.exported, &[&f.members])),
                esc(&v.id),
                esc(x.download),
                f.bytes.len()
            );
        }
        (_, None, err) => {
            let head = match v.kind {
                JobKind::Import => x.import_failed,
                JobKind::Export => x.export_failed,
            };
            let why = err.clone().map(|e| refusal(&s, e)).unwrap_or_default();
            let _ = write!(
                b,
                "<div id=\"job-error\">{}</div>",
                message(false, &format!("{head} {why}"))
            );
        }
    }
    let _ = write!(
        b,
        "<p><a href=\"/panel/import\">{}</a></p></section>",
        esc(x.back)
    );
    let (title, here) = match kind {
        JobKind::Import => (x.import_job, format!("/panel/import/jobs/{}", v.id)),
        JobKind::Export => (x.export_job, format!("/panel/export/jobs/{}", v.id)),
    };
    s.page(StatusCode::OK, title, &here, &b)
}

/// A finished import: what it did, the error file and the first problems.
fn import_result(s: &Session, out: &ImportOutcome, b: &mut String) {
    let x = text(s.lang);
    let j = &out.json;
    let note = if j.error_rows == 0 {
        message(
            true,
            if out.dry_run {
                x.dry_run_done
            } else {
                x.import_done
            },
        )
    } else if out.dry_run {
        message(false, x.dry_run_done)
    } else if out.mode == Mode::AllOrNothing {
        message(false, x.nothing_stored)
    } else {
        message(false, x.valid_stored)
    };
    b.push_str(&note);
    b.push_str("<dl id=\"job-summary\">");
    for (key, label, n) in [
        ("rows", x.rows, j.rows),
        ("created", x.created, j.created),
        ("updated", x.updated, j.updated),
        ("unchanged", x.unchanged, j.unchanged),
        ("orgs_created", x.orgs_created, j.orgs_created),
        ("error_rows", x.error_rows, j.error_rows),
        ("stored", x.stored, j.stored),
    ] {
        let _ = write!(b, "<dt>{}</dt><dd data-key=\"{key}\">{n}</dd>", esc(label));
    }
    b.push_str("</dl>");
    if j.error_file.is_some() {
        let _ = write!(
            b,
            "<p><a id=\"error-file\" href=\"/panel/import/errors\">{}</a></p>",
            esc(x.download_errors)
        );
    }
    if !out.problems.is_empty() {
        let _ = write!(
            b,
            "<h2>{}</h2><ol id=\"problems\">",
            esc(&fill(
                x.problems,
                &[&out.problems.len(), &out.problem_count]
            ))
        );
        for p in &out.problems {
            let _ = write!(b, "<li>{}</li>", esc(&problem_text(s.lang, p)));
        }
        b.push_str("</ol>");
    }
}

/// "Row 3, name: required, but empty" (or "Row 5: …" for the whole row) in the page's
/// language; the rule's own text is the directory's, in English.
fn problem_text(lang: Lang, p: &Problem) -> String {
    let x = text(lang);
    let why = if p.missing { x.missing } else { &p.reason };
    let (sep, colon) = match lang {
        Lang::En => (", ", ": "),
        Lang::Zh => ("，", "："),
    };
    let row = fill(x.row, &[&p.line]);
    match p.column {
        Some(c) => format!("{row}{sep}{}{colon}{why}", c.header(sheet_lang(lang))),
        None => format!("{row}{colon}{why}"),
    }
}

async fn export_file(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let Some(s) = Session::of(&state, &headers) else {
        return to_sign_in();
    };
    let Some(v) = view(&state, &s, &id, JobKind::Export) else {
        return not_found(&s);
    };
    match v.output {
        Some(JobOutput::Export(f)) => f.response(),
        _ => failure(&s, StatusCode::CONFLICT, text(s.lang).not_ready),
    }
}

#[cfg(test)]
#[path = "bulk_tests.rs"]
mod tests;
