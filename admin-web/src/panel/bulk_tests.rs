//! The import/export pages in-process over the demo enterprise: the template in both
//! languages, an upload followed on its job page to the summary, the problems and the error
//! file, an XLSX built here, exports of a subtree, and the refusals (permission, CSRF, size).

use axum::http::StatusCode;
use orgdir_bulk::{Column, ExportFormat};

use super::super::testkit::{Resp, demo_directory, send, sign_in};
use crate::{AppState, router};

async fn setup() -> (AppState, axum::Router) {
    let state = AppState::new(demo_directory().await, false);
    let app = router(state.clone());
    (state, app)
}

/// A multipart body as a browser sends the upload form: `(name, file name, value)`.
fn multipart(fields: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----orgdirbulkboundary5Xq2";
    let mut body = Vec::new();
    for (name, filename, value) in fields {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let disposition = match filename {
            Some(f) => format!(
                "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            ),
            None => format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n"),
        };
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(value);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Sends a raw body; returns status, `Location` and the body bytes.
async fn raw(
    app: &axum::Router,
    method: &str,
    path: &str,
    cookie: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, String, Vec<u8>) {
    use tower::ServiceExt;
    let mut req = axum::http::Request::builder()
        .method(method)
        .uri(path)
        .header("cookie", cookie);
    if !content_type.is_empty() {
        req = req.header("content-type", content_type);
    }
    let resp = app
        .clone()
        .oneshot(req.body(axum::body::Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let location = resp
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 24)
        .await
        .unwrap();
    (status, location, bytes.to_vec())
}

/// Uploads `file` with the form's fields; returns status, location and the page.
async fn upload(
    app: &axum::Router,
    cookie: &str,
    csrf: Option<&str>,
    mode: &str,
    dry_run: bool,
    name: &str,
    file: &[u8],
) -> (StatusCode, String, String) {
    let mut fields: Vec<(&str, Option<&str>, &[u8])> = Vec::new();
    if let Some(c) = csrf {
        fields.push(("csrf_token", None, c.as_bytes()));
    }
    fields.push(("file", Some(name), file));
    fields.push(("mode", None, mode.as_bytes()));
    if dry_run {
        fields.push(("dry_run", None, b"1"));
    }
    let (ct, body) = multipart(&fields);
    let (status, location, page) = raw(app, "POST", "/panel/import", cookie, &ct, body).await;
    (status, location, String::from_utf8_lossy(&page).to_string())
}

/// Follows a job page to the end of its job: the finished page.
async fn finished_page(state: &AppState, app: &axum::Router, cookie: &str, location: &str) -> Resp {
    let id = location.rsplit('/').next().unwrap();
    assert_eq!(id.len(), 32, "{location}");
    state.jobs.finished(id).await;
    let page = send(app, "GET", location, cookie, &[], None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        !page.body.contains("http-equiv=\"refresh\""),
        "a finished job's page stays"
    );
    page
}

/// The value shown for `key` in a job's summary.
fn summary(body: &str, key: &str) -> u64 {
    body.split(&format!("data-key=\"{key}\">"))
        .nth(1)
        .and_then(|s| s.split('<').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no {key} in {body}"))
}

async fn org_id(app: &axum::Router, cookie: &str, name: &str) -> u64 {
    let r = send(app, "GET", "/api/v1/orgs", cookie, &[], None).await;
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == name)
        .unwrap()["id"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn an_upload_runs_as_a_job_with_a_summary_problems_and_an_error_file() {
    let (state, app) = setup().await;
    let (admin, csrf) = sign_in(&app, "", "Admin-Passw0rd-1").await;
    let page = send(&app, "GET", "/panel/import", &admin, &[], None).await;
    assert_eq!(page.status, StatusCode::OK);
    for part in [
        "<a href=\"/panel/import\" aria-current=\"page\">Import / export</a>",
        "enctype=\"multipart/form-data\" id=\"upload\"",
        "id=\"mode-all\" checked",
        "id=\"dry-run\"",
        "<option value=\"ldif\">",
        "href=\"/panel/import/template\"",
    ] {
        assert!(page.body.contains(part), "{part}: {}", page.body);
    }
    assert_eq!(super::super::testkit::field(&page.body, "csrf_token"), csrf);

    // The template, headers in the page's language.
    for (cookie, lang) in [
        (admin.clone(), orgdir_bulk::Lang::En),
        (admin.replace("lang=en", "lang=zh"), orgdir_bulk::Lang::Zh),
    ] {
        let (status, _, xlsx) = raw(
            &app,
            "GET",
            "/panel/import/template",
            &cookie,
            "",
            Vec::new(),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let sheet = orgdir_bulk::read(&xlsx, "t.xlsx").unwrap();
        assert_eq!(sheet.headers[0], Column::OrgPath.header(lang));
    }

    // One good row and one without a name, all or nothing: nothing stored, the problem
    // in words, the error file.
    let csv = "org path,account,name,role\nLegal,10400,Wu Ming,Member\nLegal,10401,,Member\nLegal,10402,<b>x</b>,NoSuchRole\n";
    let (status, location, body) = upload(
        &app,
        &admin,
        Some(&csrf),
        "all",
        false,
        "m.csv",
        csv.as_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert!(location.starts_with("/panel/import/jobs/"), "{location}");
    let page = finished_page(&state, &app, &admin, &location).await;
    assert!(page.body.contains("data-state=\"done\""), "{}", page.body);
    assert_eq!(
        (
            summary(&page.body, "rows"),
            summary(&page.body, "error_rows")
        ),
        (3, 2)
    );
    assert_eq!(
        (
            summary(&page.body, "created"),
            summary(&page.body, "stored")
        ),
        (1, 0)
    );
    assert!(page.body.contains("Nothing was stored"), "{}", page.body);
    assert!(
        page.body
            .contains("<li>Row 3, name: required, but empty</li>"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("Row 4, role: no role named"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("id=\"error-file\" href=\"/panel/import/errors\"")
    );
    let (status, _, file) = raw(&app, "GET", "/panel/import/errors", &admin, "", Vec::new()).await;
    assert_eq!(status, StatusCode::OK);
    let marked = orgdir_bulk::read(&file, "errors.xlsx").unwrap();
    assert_eq!(marked.rows.len(), 3);
    let r = send(&app, "GET", "/api/v1/members?q=10400", &admin, &[], None).await;
    assert!(!r.body.contains("Wu Ming"), "nothing stored: {}", r.body);

    // The valid rows: the good one is stored.
    let (_, location, _) = upload(
        &app,
        &admin,
        Some(&csrf),
        "valid",
        false,
        "m.csv",
        csv.as_bytes(),
    )
    .await;
    let page = finished_page(&state, &app, &admin, &location).await;
    assert!(
        page.body.contains("The valid rows were stored"),
        "{}",
        page.body
    );
    assert!(summary(&page.body, "stored") >= 2);
    let r = send(&app, "GET", "/api/v1/members?q=10400", &admin, &[], None).await;
    assert!(r.body.contains("Wu Ming"), "{}", r.body);

    // An XLSX built here: the export of the directory with one title changed.
    let snap = state.dir.catalog().get(100001).unwrap().clone();
    let mut st = (*snap.state).clone();
    let id = st.member_id_by_account("10008").unwrap();
    st.members.get_mut(&id).unwrap().title = Some("Team Lead".into());
    let xlsx = orgdir_bulk::export(&st, None, ExportFormat::Xlsx, orgdir_bulk::Lang::En).unwrap();
    let (_, location, _) = upload(
        &app,
        &admin,
        Some(&csrf),
        "all",
        true,
        "members.xlsx",
        &xlsx,
    )
    .await;
    let page = finished_page(&state, &app, &admin, &location).await;
    assert!(page.body.contains("Dry run"), "{}", page.body);
    assert_eq!(
        (
            summary(&page.body, "updated"),
            summary(&page.body, "stored")
        ),
        (1, 0)
    );
    assert!(!page.body.contains("id=\"error-file\""));
    let (_, location, _) = upload(
        &app,
        &admin,
        Some(&csrf),
        "all",
        false,
        "members.xlsx",
        &xlsx,
    )
    .await;
    let page = finished_page(&state, &app, &admin, &location).await;
    assert!(page.body.contains("The import is done."), "{}", page.body);
    assert_eq!(
        (
            summary(&page.body, "updated"),
            summary(&page.body, "stored")
        ),
        (1, 1)
    );
    let r = send(&app, "GET", "/api/v1/members?q=10008", &admin, &[], None).await;
    assert!(r.body.contains("Team Lead"), "{}", r.body);
    // No errors this time: no error file.
    let (status, _, _) = raw(&app, "GET", "/panel/import/errors", &admin, "", Vec::new()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A file that is no spreadsheet: the job fails with the reader's message.
    let (_, location, _) = upload(
        &app,
        &admin,
        Some(&csrf),
        "all",
        false,
        "x.xlsx",
        b"not a workbook",
    )
    .await;
    let page = finished_page(&state, &app, &admin, &location).await;
    assert!(page.body.contains("data-state=\"failed\""), "{}", page.body);
    assert!(page.body.contains("id=\"job-error\""));
    assert!(
        page.body
            .contains("The import failed: the file is not an XLSX workbook"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn a_running_job_refreshes_itself_and_shows_its_progress() {
    let (state, app) = setup().await;
    let (admin, _) = sign_in(&app, "", "Admin-Passw0rd-1").await;
    let principal = orgdir_directory::service::Principal {
        enterprise: 100001,
        kind: orgdir_directory::service::PrincipalKind::Admin,
        dn: "cn=admin,dc=example,dc=com".into(),
        holder: None,
    };
    let (id, progress) = state
        .jobs
        .start(&principal, crate::jobs::JobKind::Import, state.dir.now())
        .unwrap();
    progress.start(orgdir_bulk::Phase::Checking, 10);
    progress.set_done(3);
    let path = format!("/panel/import/jobs/{id}");
    let page = send(&app, "GET", &path, &admin, &[], None).await;
    assert_eq!(page.status, StatusCode::OK);
    for part in [
        "<meta http-equiv=\"refresh\" content=\"1\">",
        "data-state=\"running\"",
        "<progress id=\"job-progress\" value=\"3\" max=\"10\">",
        "Checking the rows",
        "3 of 10",
    ] {
        assert!(page.body.contains(part), "{part}: {}", page.body);
    }
    let zh = admin.replace("lang=en", "lang=zh");
    let page = send(&app, "GET", &path, &zh, &[], None).await;
    assert!(
        page.body.contains("正在检查各行") && page.body.contains("3 / 10"),
        "{}",
        page.body
    );
    // A second import is refused on the page while this one runs.
    let (manager, mcsrf) = sign_in(&app, "10002", "Passw0rd-10002").await;
    let (status, _, body) = upload(
        &app,
        &manager,
        Some(&mcsrf),
        "all",
        false,
        "m.csv",
        b"org path,account,name,role\n",
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        body.contains("An import of this enterprise is running"),
        "{body}"
    );
    // The manager cannot see the administrator's job.
    let page = send(&app, "GET", &path, &manager, &[], None).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn exports_of_a_subtree_and_ldif_for_the_administrator_only() {
    let (state, app) = setup().await;
    let (admin, csrf) = sign_in(&app, "", "Admin-Passw0rd-1").await;
    let sales = org_id(&app, &admin, "Sales").await;
    // The org page links to the export form with the org preselected.
    let page = send(
        &app,
        "GET",
        &format!("/panel/orgs?org={sales}"),
        &admin,
        &[],
        None,
    )
    .await;
    let link = format!("href=\"/panel/import?org={sales}#export\"");
    assert!(page.body.contains(&link), "{}", page.body);
    let page = send(
        &app,
        "GET",
        &format!("/panel/import?org={sales}"),
        &admin,
        &[],
        None,
    )
    .await;
    assert!(
        page.body.contains(&format!(
            "<option value=\"{sales}\" selected>Sales</option>"
        )),
        "{}",
        page.body
    );

    let form = format!("csrf_token={csrf}&org={sales}&format=csv");
    let r = send(&app, "POST", "/panel/export", &admin, &[], Some(&form)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(
        r.location.starts_with("/panel/export/jobs/"),
        "{}",
        r.location
    );
    let page = finished_page(&state, &app, &admin, &r.location).await;
    let download = format!("{}/file", r.location);
    assert!(
        page.body
            .contains(&format!("id=\"download\" href=\"{download}\"")),
        "{}",
        page.body
    );
    let file = send(&app, "GET", &download, &admin, &[], None).await;
    assert_eq!(file.status, StatusCode::OK);
    let rows: Vec<&str> = file.body.lines().skip(1).collect();
    assert!(
        !rows.is_empty() && rows.iter().all(|l| l.starts_with("Sales")),
        "{}",
        file.body
    );
    assert!(
        page.body
            .contains(&format!("{} members exported.", rows.len())),
        "{}",
        page.body
    );

    let form = format!("csrf_token={csrf}&org=&format=ldif");
    let r = send(&app, "POST", "/panel/export", &admin, &[], Some(&form)).await;
    let page = finished_page(&state, &app, &admin, &r.location).await;
    assert!(page.body.contains("id=\"download\""));
    let file = send(
        &app,
        "GET",
        &format!("{}/file", r.location),
        &admin,
        &[],
        None,
    )
    .await;
    assert!(file.body.contains("dn: dc=example,dc=com"));

    // A manager sees no LDIF choice and is refused one; CSRF is checked first.
    let (manager, mcsrf) = sign_in(&app, "10002", "Passw0rd-10002").await;
    let page = send(&app, "GET", "/panel/import", &manager, &[], None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("value=\"ldif\""));
    let r = send(
        &app,
        "POST",
        "/panel/export",
        &manager,
        &[],
        Some(&format!("csrf_token={mcsrf}&format=ldif")),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("password hashes"), "{}", r.body);
    let r = send(
        &app,
        "POST",
        "/panel/export",
        &manager,
        &[],
        Some("csrf_token=wrong&format=csv"),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("security token"), "{}", r.body);
    // The administrator's export is not the manager's.
    let r = send(&app, "GET", &download, &manager, &[], None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn refusals_permission_csrf_size_and_chinese_pages() {
    let (_state, app) = setup().await;
    // A plain member: no menu entry, no page, no upload, no error file, no export link.
    let (member, csrf) = sign_in(&app, "10001", "Passw0rd-10001").await;
    let home = send(&app, "GET", "/panel/orgs", &member, &[], None).await;
    assert!(!home.body.contains("/panel/import"), "{}", home.body);
    let page = send(&app, "GET", "/panel/import", &member, &[], None).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("manage members"), "{}", page.body);
    let csv = b"org path,account,name,role\nLegal,10400,Wu Ming,Member\n";
    let (status, _, _) = upload(&app, &member, Some(&csrf), "all", false, "m.csv", csv).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for path in ["/panel/import/errors", "/panel/import/template"] {
        let r = send(&app, "GET", path, &member, &[], None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
    }
    let r = send(
        &app,
        "POST",
        "/panel/export",
        &member,
        &[],
        Some(&format!("csrf_token={csrf}&format=csv")),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let (admin, csrf) = sign_in(&app, "", "Admin-Passw0rd-1").await;
    // No token, or a wrong one: refused before the file is looked at.
    for token in [None, Some("0123")] {
        let (status, location, body) =
            upload(&app, &admin, token, "all", false, "m.csv", csv).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(
            location.is_empty() && body.contains("security token"),
            "{body}"
        );
    }
    // Over 10 MiB: a page that says so, whether the body limit or the size check stops it.
    for size in [10 * 1024 * 1024 + 1, 11 * 1024 * 1024] {
        let big = vec![b'a'; size];
        let (status, _, body) =
            upload(&app, &admin, Some(&csrf), "all", false, "big.csv", &big).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(body.contains("larger than 10 MiB"), "{body}");
    }
    // No file, a bad mode.
    let (status, _, body) = upload(&app, &admin, Some(&csrf), "all", false, "m.csv", b"").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("Choose a file"), "{body}");
    let (status, _, _) = upload(&app, &admin, Some(&csrf), "some", false, "m.csv", csv).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let r = send(&app, "GET", "/panel/import/jobs/nope", &admin, &[], None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Chinese.
    let zh = admin.replace("lang=en", "lang=zh");
    let page = send(&app, "GET", "/panel/import", &zh, &[], None).await;
    for part in [
        "导入导出",
        "导入成员",
        "下载模板（XLSX）",
        "导出成员",
        "整个组织",
        "全部不导入",
    ] {
        assert!(page.body.contains(part), "{part}: {}", page.body);
    }
    let big = vec![b'a'; 11 * 1024 * 1024];
    let (_, _, body) = upload(&app, &zh, Some(&csrf), "all", false, "big.csv", &big).await;
    assert!(body.contains("文件超过 10 MiB"), "{body}");
}

#[test]
fn problems_in_words_in_both_languages() {
    use super::super::i18n::Lang;
    use crate::bulk::Problem;
    let row = Problem {
        line: 5,
        column: None,
        missing: false,
        reason: "no seat left".into(),
    };
    assert_eq!(super::problem_text(Lang::En, &row), "Row 5: no seat left");
    let cell = Problem {
        line: 3,
        column: Some(Column::Name),
        missing: true,
        reason: String::new(),
    };
    assert_eq!(
        super::problem_text(Lang::En, &cell),
        "Row 3, name: required, but empty"
    );
    assert_eq!(
        super::problem_text(Lang::Zh, &cell),
        "第 3 行，姓名：必填，但为空"
    );
}
