//! The job API in-process over the demo enterprise: an import job followed to its end (a
//! good file, invalid rows, an unreadable file), one import at a time, export jobs and
//! their file, who may read a job, and the registry's retention.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use orgdir_directory::service::{Principal, PrincipalKind};
use serde_json::Value;
use tower::ServiceExt;

use super::*;
use crate::panel::testkit::demo_directory;
use crate::{AppState, router};

async fn setup() -> (AppState, axum::Router) {
    let state = AppState::new(demo_directory().await, false);
    let app = router(state.clone());
    (state, app)
}

/// A request with a bearer token and a raw body: status, headers, body bytes.
async fn raw(
    app: &axum::Router,
    method: &str,
    path: &str,
    token: &str,
    body: Vec<u8>,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut req = Request::builder().method(method).uri(path);
    if !token.is_empty() {
        req = req.header("authorization", format!("Bearer {token}"));
    }
    let resp = app
        .clone()
        .oneshot(req.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let (status, headers) = (resp.status(), resp.headers().clone());
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 24)
        .await
        .unwrap();
    (status, headers, bytes.to_vec())
}

async fn json(
    app: &axum::Router,
    method: &str,
    path: &str,
    token: &str,
    body: &[u8],
) -> (StatusCode, Value) {
    let (status, _, b) = raw(app, method, path, token, body.to_vec()).await;
    (status, serde_json::from_slice(&b).unwrap_or(Value::Null))
}

/// Signs in over the API: the session token.
async fn token(app: &axum::Router, account: Option<&str>, password: &str) -> String {
    let mut body = serde_json::json!({ "enterprise": 100001, "password": password });
    if let Some(a) = account {
        body["account"] = a.into();
    }
    let req = Request::post("/api/v1/session")
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let b = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    let v: Value = serde_json::from_slice(&b).unwrap();
    v["token"].as_str().unwrap().to_string()
}

/// Starts a job (202 expected), waits for its end, returns its status.
async fn run_job(
    state: &AppState,
    app: &axum::Router,
    path: &str,
    token: &str,
    body: &[u8],
) -> Value {
    let (status, started) = json(app, "POST", path, token, body).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{path}: {started}");
    check_schema("JobStarted", &started);
    let id = started["id"].as_str().unwrap();
    assert_eq!(id.len(), 32, "{started}");
    let url = started["status_url"].as_str().unwrap().to_string();
    assert!(url.ends_with(&format!("/jobs/{id}")), "{url}");
    state.jobs.finished(id).await;
    let (status, job) = json(app, "GET", &url, token, b"").await;
    assert_eq!(status, StatusCode::OK, "{job}");
    assert_eq!(job["id"], id);
    job
}

/// Checks `v` against schema `name` of the OpenAPI document (what the API promises).
fn check_schema(name: &str, v: &Value) {
    let doc = crate::openapi::document();
    let schema = serde_json::json!({
        "$ref": format!("#/components/schemas/{name}"),
        "components": doc["components"],
    });
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(v).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{name}: {errors:?}\n{v}");
    assert!(
        !validator.is_valid(&serde_json::json!({ "id": 1 })),
        "the check can fail"
    );
}

fn admin_principal() -> Principal {
    Principal {
        enterprise: 100001,
        kind: PrincipalKind::Admin,
        dn: "cn=admin,dc=example,dc=com".into(),
        holder: None,
    }
}

const HEADER: &str = "org path,account,name,role\n";

#[tokio::test]
async fn an_import_job_reports_its_phases_and_result() {
    let (state, app) = setup().await;
    let admin = token(&app, None, "Admin-Passw0rd-1").await;

    // A good file: one member in a new org.
    let good = format!("{HEADER}Legal,10400,Wu Ming,Member\n");
    let job = run_job(
        &state,
        &app,
        "/api/v1/import/jobs?filename=m.csv",
        &admin,
        good.as_bytes(),
    )
    .await;
    assert_eq!(
        (
            job["kind"].as_str(),
            job["state"].as_str(),
            job["phase"].as_str()
        ),
        (Some("import"), Some("done"), Some("done")),
        "{job}"
    );
    assert_eq!(job["done"], job["total"], "{job}");
    assert!(job["error"].is_null());
    check_schema("ImportJob", &job);
    let r = &job["result"];
    assert_eq!(
        (
            r["rows"].as_u64(),
            r["created"].as_u64(),
            r["orgs_created"].as_u64()
        ),
        (Some(1), Some(1), Some(1)),
        "{job}"
    );
    assert!(r["stored"].as_u64().unwrap() >= 2, "{job}");
    assert!(r["error_file"].is_null());
    let (_, found) = json(&app, "GET", "/api/v1/members?q=10400", &admin, b"").await;
    assert_eq!(found["members"][0]["name"], "Wu Ming", "{found}");

    // Invalid rows, all or nothing: done, nothing stored, the error file kept.
    let bad = format!("{HEADER}Legal,10401,Li Lei,Member\nLegal,10402,,Member\n");
    let job = run_job(
        &state,
        &app,
        "/api/v1/import/jobs?filename=m.csv&mode=all",
        &admin,
        bad.as_bytes(),
    )
    .await;
    assert_eq!(job["state"], "done", "{job}");
    let r = &job["result"];
    assert_eq!(
        (r["error_rows"].as_u64(), r["stored"].as_u64()),
        (Some(1), Some(0)),
        "{job}"
    );
    assert_eq!(r["error_file"], "/api/v1/import/errors");
    let (status, _, file) = raw(&app, "GET", "/api/v1/import/errors", &admin, Vec::new()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(file.starts_with(b"PK"));
    let (_, found) = json(&app, "GET", "/api/v1/members?q=10401", &admin, b"").await;
    assert_eq!(
        found["members"].as_array().map(Vec::len),
        Some(0),
        "{found}"
    );

    // A dry run in mode valid checks without storing.
    let job = run_job(
        &state,
        &app,
        "/api/v1/import/jobs?filename=m.csv&mode=valid&dry_run=true",
        &admin,
        bad.as_bytes(),
    )
    .await;
    assert_eq!(
        (
            job["result"]["created"].as_u64(),
            job["result"]["stored"].as_u64()
        ),
        (Some(1), Some(0)),
        "{job}"
    );

    // A file that is no spreadsheet: failed, with the reader's message.
    let job = run_job(
        &state,
        &app,
        "/api/v1/import/jobs?filename=x.xlsx",
        &admin,
        &[7u8; 100],
    )
    .await;
    assert_eq!(
        (job["state"].as_str(), job["phase"].as_str()),
        (Some("failed"), Some("reading")),
        "{job}"
    );
    assert!(job["result"].is_null());
    check_schema("ImportJob", &job);
    assert!(
        job["error"]
            .as_str()
            .unwrap()
            .contains("not a zip container"),
        "{job}"
    );

    // A bad mode is refused at once.
    let (status, body) = json(
        &app,
        "POST",
        "/api/v1/import/jobs?mode=some",
        &admin,
        good.as_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

#[tokio::test]
async fn one_import_at_a_time_and_jobs_are_their_owners() {
    let (state, app) = setup().await;
    let admin = token(&app, None, "Admin-Passw0rd-1").await;
    let manager = token(&app, Some("10002"), "Passw0rd-10002").await;
    let member = token(&app, Some("10001"), "Passw0rd-10001").await;

    // While an import runs, another is refused.
    let (running, progress) = state
        .jobs
        .start(&admin_principal(), JobKind::Import, state.dir.now())
        .unwrap();
    progress.start(orgdir_bulk::Phase::Checking, 10);
    progress.set_done(4);
    let (status, body) = json(
        &app,
        "POST",
        "/api/v1/import/jobs",
        &manager,
        HEADER.as_bytes(),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("import_running")),
        "{body}"
    );
    let (_, job) = json(
        &app,
        "GET",
        &format!("/api/v1/import/jobs/{running}"),
        &admin,
        b"",
    )
    .await;
    assert_eq!(
        (
            job["state"].as_str(),
            job["phase"].as_str(),
            job["done"].as_u64(),
            job["total"].as_u64()
        ),
        (Some("running"), Some("checking"), Some(4), Some(10)),
        "{job}"
    );
    assert!(job["result"].is_null() && job["error"].is_null());
    check_schema("ImportJob", &job);
    // Exports still run meanwhile; the manager's export is the manager's and the
    // administrator's, nobody else's.
    let (_, orgs) = json(&app, "GET", "/api/v1/orgs", &admin, b"").await;
    let sales = orgs
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "Sales")
        .unwrap()["id"]
        .as_u64()
        .unwrap();
    let job = run_job(
        &state,
        &app,
        &format!("/api/v1/export/jobs?format=csv&org={sales}"),
        &manager,
        b"",
    )
    .await;
    assert_eq!(
        (
            job["kind"].as_str(),
            job["state"].as_str(),
            job["phase"].as_str()
        ),
        (Some("export"), Some("done"), Some("done")),
        "{job}"
    );
    check_schema("ExportJob", &job);
    let id = job["id"].as_str().unwrap().to_string();
    let file_url = job["result"]["file_url"].as_str().unwrap().to_string();
    assert_eq!(file_url, format!("/api/v1/export/jobs/{id}/file"));
    let (status, headers, csv) = raw(&app, "GET", &file_url, &manager, Vec::new()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("orgdir-members.csv")
    );
    assert_eq!(job["result"]["bytes"].as_u64(), Some(csv.len() as u64));
    let text = String::from_utf8(csv).unwrap();
    let rows: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(job["result"]["members"].as_u64(), Some(rows.len() as u64));
    assert!(
        !rows.is_empty() && rows.iter().all(|l| l.starts_with("Sales")),
        "{text}"
    );
    let (status, _) = json(
        &app,
        "GET",
        &format!("/api/v1/export/jobs/{id}"),
        &admin,
        b"",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "the administrator reads every job");
    for (token, path) in [
        (&member, format!("/api/v1/export/jobs/{id}")),
        (&member, file_url.clone()),
        (&manager, format!("/api/v1/import/jobs/{id}")),
        (&manager, format!("/api/v1/import/jobs/{running}")),
        (
            &admin,
            "/api/v1/export/jobs/00000000000000000000000000000000".to_string(),
        ),
    ] {
        let (status, body) = json(&app, "GET", &path, token, b"").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
    }
    // The file of a running export is not there yet.
    let (export, _) = state
        .jobs
        .start(&admin_principal(), JobKind::Export, state.dir.now())
        .unwrap();
    let (status, body) = json(
        &app,
        "GET",
        &format!("/api/v1/export/jobs/{export}/file"),
        &admin,
        b"",
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("job_running")),
        "{body}"
    );

    // The export's checks come first: a plain member, LDIF for a manager, a bad format.
    for (token, query, want) in [
        (&member, "format=csv", StatusCode::FORBIDDEN),
        (&manager, "format=ldif", StatusCode::FORBIDDEN),
        (&admin, "format=pdf", StatusCode::BAD_REQUEST),
        (&admin, "org=999999", StatusCode::NOT_FOUND),
    ] {
        let (status, body) = json(
            &app,
            "POST",
            &format!("/api/v1/export/jobs?{query}"),
            token,
            b"",
        )
        .await;
        assert_eq!(status, want, "{query}: {body}");
    }
    let job = run_job(&state, &app, "/api/v1/export/jobs?format=ldif", &admin, b"").await;
    let (_, _, ldif) = raw(
        &app,
        "GET",
        job["result"]["file_url"].as_str().unwrap(),
        &admin,
        Vec::new(),
    )
    .await;
    assert!(String::from_utf8_lossy(&ldif).contains("dn: dc=example,dc=com"));
    // Import jobs need manage_members too.
    let (status, _) = json(
        &app,
        "POST",
        "/api/v1/import/jobs",
        &member,
        HEADER.as_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[test]
fn finished_jobs_are_kept_an_hour_and_twenty_per_enterprise() {
    let jobs = Jobs::default();
    let admin = admin_principal();
    let member = Principal {
        kind: PrincipalKind::Member(orgdir_domain::model::MemberId(7)),
        dn: "uid=10001,dc=example,dc=com".into(),
        holder: Some([1; 16]),
        ..admin.clone()
    };
    let done = || {
        Ok(JobOutput::Export(crate::bulk::ExportFile {
            bytes: axum::body::Bytes::from_static(b"x"),
            content_type: "text/csv",
            file_name: "x.csv",
            members: 1,
        }))
    };
    let mut ids = Vec::new();
    for t in 0..25 {
        let (id, _) = jobs.start(&member, JobKind::Export, t).unwrap();
        jobs.finish(&id, done(), t);
        ids.push(id);
    }
    let seen = |id: &str, who: &Principal, now| jobs.view(id, who, JobKind::Export, now).is_some();
    assert!(
        !seen(&ids[4], &admin, 30),
        "the oldest beyond twenty are dropped"
    );
    assert!(seen(&ids[5], &admin, 30) && seen(&ids[24], &member, 30));
    // Another holder of the same account, or another enterprise's administrator: no.
    let next_holder = Principal {
        holder: Some([2; 16]),
        ..member.clone()
    };
    let other = Principal {
        enterprise: 100002,
        ..admin.clone()
    };
    assert!(!seen(&ids[24], &next_holder, 30) && !seen(&ids[24], &other, 30));
    assert!(
        !seen(&ids[24], &member, 24 + KEEP_SECONDS),
        "an hour after it finished"
    );
    // Running exports are limited; a running job is never dropped.
    let running: Vec<String> = (0..MAX_RUNNING_EXPORTS)
        .map(|_| jobs.start(&member, JobKind::Export, 0).unwrap().0)
        .collect();
    let err = jobs.start(&admin, JobKind::Export, 0).unwrap_err();
    assert_eq!(
        (err.status, err.code),
        (StatusCode::CONFLICT, "export_running")
    );
    assert!(seen(&running[0], &member, 10 * KEEP_SECONDS));
    jobs.start(&admin, JobKind::Import, 0).unwrap();
    let err = jobs.start(&member, JobKind::Import, 0).unwrap_err();
    assert_eq!(err.code, "import_running");
    jobs.start(&other, JobKind::Import, 0).unwrap();
}
