//! The plugin host over HTTP, with a small probe plugin: off until the administrator turns it
//! on, default grants given once, routes signed in and scoped, panel pages in the layout with
//! the plugin's menu entries, CSRF checked before the plugin sees a form, role matrix rows,
//! the plugin's own database and jobs that remember their last run across a restart.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::routing::get;
use orgdir_directory::world::ManualClock;
use orgdir_plugin_api::{
    BuiltinRole, Caller, Context, JobDecl, JobFuture, Manifest, MenuEntry, Migration,
    PermissionDecl, Plugin, PluginError, Text,
};
use orgdir_plugin_host::Plugins;
use serde_json::Value;

use super::testkit::{demo_directory_at, send, sign_in};
use crate::{AppState, router};

struct Probe;

impl Plugin for Probe {
    fn manifest(&self) -> Manifest {
        Manifest {
            id: "probe",
            name: Text {
                en: "Probe",
                zh: "探针",
            },
            description: Text {
                en: "Tests the host.",
                zh: "测试宿主。",
            },
            permissions: vec![
                PermissionDecl {
                    name: "see",
                    label: Text {
                        en: "See probes",
                        zh: "查看探针",
                    },
                    default_roles: &[BuiltinRole::InfoAdmin],
                },
                PermissionDecl {
                    name: "edit",
                    label: Text {
                        en: "Edit probes",
                        zh: "编辑探针",
                    },
                    default_roles: &[BuiltinRole::SystemAdmin],
                },
            ],
            migrations: vec![Migration {
                version: 1,
                name: "notes",
                sql: "CREATE TABLE probe_notes (enterprise INTEGER NOT NULL, text TEXT NOT NULL);\
                      CREATE TABLE probe_ticks (at INTEGER NOT NULL);",
            }],
            menu: vec![MenuEntry {
                path: "",
                label: Text {
                    en: "Probe page",
                    zh: "探针页",
                },
                permission: Some("see"),
            }],
            jobs: vec![JobDecl {
                name: "tick",
                every: std::time::Duration::from_secs(3600),
            }],
        }
    }

    fn api(&self, _ctx: Context) -> axum::Router {
        axum::Router::new().route(
            "/who",
            get(|c: Caller| async move {
                let finance_member = c.directory.member_by_account("10007").map(|m| m.id);
                let platform_member = c.directory.member_by_account("10001").map(|m| m.id);
                axum::Json(serde_json::json!({
                    "who": format!("{:?}", c.who),
                    "see": c.holds("see"),
                    "edit": c.holds("edit"),
                    "may_see_finance": finance_member.is_some_and(|m| c.may("see", m)),
                    "may_see_platform": platform_member.is_some_and(|m| c.may("see", m)),
                }))
            }),
        )
    }

    fn panel(&self, ctx: Context) -> axum::Router {
        let post_ctx = ctx.clone();
        axum::Router::new()
            .route(
                "/",
                get(|c: Caller| async move {
                    if !c.holds("see") {
                        return c.page_with(StatusCode::FORBIDDEN, "Probe", "<p>no</p>");
                    }
                    c.page(
                        "Probe",
                        &format!(
                            "<p id=\"probe\">probe for {}</p><form method=\"post\" action=\"/panel/p/probe/note\">{}</form>",
                            orgdir_plugin_api::html::escape(&c.directory.name),
                            c.csrf_input()
                        ),
                    )
                }),
            )
            .route(
                "/note",
                axum::routing::post(move |c: Caller, body: String| {
                    let ctx = post_ctx.clone();
                    async move {
                        let enterprise = c.enterprise;
                        let text = body.clone();
                        let stored = ctx
                            .db()
                            .write(move |conn| {
                                conn.execute(
                                    "INSERT INTO probe_notes (enterprise, text) VALUES (?1, ?2)",
                                    orgdir_plugin_api::rusqlite::params![enterprise, text],
                                )?;
                                Ok(())
                            })
                            .await;
                        let audited = ctx.audit(&c, "note", "a note").await;
                        match (stored, audited) {
                            (Ok(()), Ok(())) => c.page("Probe", "<p id=\"saved\">saved</p>"),
                            (a, b) => c.page_with(
                                StatusCode::INTERNAL_SERVER_ERROR,
                                "Probe",
                                &format!("{a:?} {b:?}"),
                            ),
                        }
                    }
                }),
            )
    }

    fn run_job(&self, ctx: Context, job: &'static str) -> JobFuture {
        Box::pin(async move {
            if job != "tick" {
                return Err(PluginError::Invalid(job.into()));
            }
            let now = ctx.now();
            ctx.db()
                .write(move |c| {
                    c.execute("INSERT INTO probe_ticks (at) VALUES (?1)", [now])?;
                    Ok(())
                })
                .await
        })
    }
}

struct World {
    app: axum::Router,
    plugins: Arc<Plugins>,
    clock: Arc<ManualClock>,
    dir: Arc<orgdir_directory::service::Directory>,
    data: tempfile::TempDir,
}

async fn world() -> World {
    let clock = Arc::new(ManualClock::new(1_800_000_000));
    let dir = demo_directory_at(clock.clone()).await;
    let data = tempfile::tempdir().unwrap();
    let plugins = Arc::new(Plugins::load(dir.clone(), data.path(), vec![Arc::new(Probe)]).unwrap());
    let app = router(AppState::new(dir.clone(), false).with_plugins(plugins.clone()));
    World {
        app,
        plugins,
        clock,
        dir,
        data,
    }
}

async fn api(app: &axum::Router, cookie: &str, path: &str) -> (StatusCode, Value) {
    let r = send(app, "GET", path, cookie, &[], None).await;
    (
        r.status,
        serde_json::from_str(&r.body).unwrap_or(Value::Null),
    )
}

async fn notes(p: &Plugins) -> i64 {
    p.get("probe")
        .unwrap()
        .ctx
        .db()
        .read(|c| Ok(c.query_row("SELECT COUNT(*) FROM probe_notes", [], |r| r.get(0))?))
        .await
        .unwrap()
}

fn role_keys(
    dir: &orgdir_directory::service::Directory,
    which: orgdir_domain::model::BuiltinRole,
) -> Vec<String> {
    let snap = dir.catalog().get(100001).unwrap().clone();
    let role = snap.state.builtin_role(which).unwrap();
    role.permissions
        .iter()
        .map(|p| p.key().to_string())
        .collect()
}

#[tokio::test]
async fn a_plugin_is_off_until_the_administrator_turns_it_on() {
    let w = world().await;
    let (admin, csrf) = sign_in(&w.app, "", "Admin-Passw0rd-1").await;
    // Off: no menu entry, no pages, no API.
    let home = send(&w.app, "GET", "/panel/", &admin, &[], None).await;
    assert!(home.body.contains("/panel/plugins") && !home.body.contains("/panel/p/probe/"));
    let r = send(&w.app, "GET", "/panel/p/probe/", &admin, &[], None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("not turned on"), "{}", r.body);
    let (status, json) = api(&w.app, &admin, "/api/v1/p/probe/who").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(json["code"], "plugin_off", "{json}");
    let (_, list) = api(&w.app, &admin, "/api/v1/plugins").await;
    assert_eq!(list[0]["id"], "probe");
    assert_eq!(list[0]["enabled"], false);
    assert_eq!(
        list[0]["permissions"],
        serde_json::json!(["probe.see", "probe.edit"])
    );

    // Turning it on needs the CSRF token.
    let r = send(
        &w.app,
        "POST",
        "/panel/plugins/probe",
        &admin,
        &[],
        Some("enabled=true"),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let page = send(&w.app, "GET", "/panel/plugins", &admin, &[], None).await;
    assert!(
        page.body.contains("Probe") && page.body.contains("Turn on"),
        "{}",
        page.body
    );
    let r = send(
        &w.app,
        "POST",
        "/panel/plugins/probe",
        &admin,
        &[],
        Some(&format!("csrf_token={csrf}&enabled=true")),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Default grants, once.
    use orgdir_domain::model::BuiltinRole as R;
    assert!(role_keys(&w.dir, R::InfoAdmin).contains(&"probe.see".to_string()));
    assert!(role_keys(&w.dir, R::SystemAdmin).contains(&"probe.edit".to_string()));
    assert!(
        !role_keys(&w.dir, R::Member)
            .iter()
            .any(|k| k.starts_with("probe."))
    );
    let (_, list) = api(&w.app, &admin, "/api/v1/plugins").await;
    assert_eq!(list[0]["enabled"], true);
    // The role matrix shows the plugin's permissions now.
    let roles = send(&w.app, "GET", "/panel/roles", &admin, &[], None).await;
    assert!(
        roles.body.contains("data-permission=\"probe.see\"") && roles.body.contains("See probes")
    );
    // The audit log has it.
    let audit = send(&w.app, "GET", "/panel/audit", &admin, &[], None).await;
    assert!(audit.body.contains("plugin.enable"), "{}", audit.body);

    // The information administrator takes the permission away from its role; turning the
    // plugin off and on again does not give it back.
    let info_role = w
        .dir
        .catalog()
        .get(100001)
        .unwrap()
        .state
        .builtin_role(R::InfoAdmin)
        .unwrap()
        .id
        .0;
    let form = format!(
        "csrf_token={csrf}&name=Information+administrator&perm=manage_org_tree&perm=manage_members&perm=manage_groups"
    );
    let r = send(
        &w.app,
        "POST",
        &format!("/panel/roles/{info_role}"),
        &admin,
        &[],
        Some(&form),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(!role_keys(&w.dir, R::InfoAdmin).contains(&"probe.see".to_string()));
    for on in ["false", "true"] {
        let r = send(
            &w.app,
            "POST",
            "/panel/plugins/probe",
            &admin,
            &[],
            Some(&format!("csrf_token={csrf}&enabled={on}")),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
    assert!(!role_keys(&w.dir, R::InfoAdmin).contains(&"probe.see".to_string()));
    // While the plugin is off, saving a role in the matrix keeps its permissions.
    let r = send(
        &w.app,
        "POST",
        "/panel/plugins/probe",
        &admin,
        &[],
        Some(&format!("csrf_token={csrf}&enabled=false")),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let sys_role = w
        .dir
        .catalog()
        .get(100001)
        .unwrap()
        .state
        .builtin_role(R::SystemAdmin)
        .unwrap()
        .id
        .0;
    let form = format!("csrf_token={csrf}&name=System+administrator&perm=manage_members");
    let r = send(
        &w.app,
        "POST",
        &format!("/panel/roles/{sys_role}"),
        &admin,
        &[],
        Some(&form),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        role_keys(&w.dir, R::SystemAdmin),
        ["manage_members", "probe.edit"]
    );
    // A member cannot turn plugins on.
    let (member, mcsrf) = sign_in(&w.app, "10002", "Passw0rd-10002").await;
    let r = send(
        &w.app,
        "POST",
        "/panel/plugins/probe",
        &member,
        &[],
        Some(&format!("csrf_token={mcsrf}&enabled=true")),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let _ = (&w.plugins, &w.clock, &w.data);
}

#[tokio::test]
async fn plugin_routes_get_scoped_callers_and_csrf_checked_forms() {
    let w = world().await;
    let (admin, csrf) = sign_in(&w.app, "", "Admin-Passw0rd-1").await;
    let r = send(
        &w.app,
        "POST",
        "/panel/plugins/probe",
        &admin,
        &[],
        Some(&format!("csrf_token={csrf}&enabled=true")),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    // The administrator: everything.
    let (status, who) = api(&w.app, &admin, "/api/v1/p/probe/who").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(who["who"], "Admin");
    assert_eq!(
        (who["see"].clone(), who["edit"].clone()),
        (true.into(), true.into())
    );
    assert_eq!(who["may_see_platform"], true);

    // The information administrator (scope Finance): sees, within Finance only.
    let (info, info_csrf) = sign_in(&w.app, "10003", "Passw0rd-10003").await;
    let (_, who) = api(&w.app, &info, "/api/v1/p/probe/who").await;
    assert_eq!(who["see"], true);
    assert_eq!(who["edit"], false);
    assert_eq!(who["may_see_finance"], true);
    assert_eq!(who["may_see_platform"], false);
    let home = send(&w.app, "GET", "/panel/", &info, &[], None).await;
    assert!(home.body.contains("href=\"/panel/p/probe/\"") && home.body.contains("Probe page"));
    let page = send(&w.app, "GET", "/panel/p/probe/", &info, &[], None).await;
    assert_eq!(page.status, StatusCode::OK);
    // Inside the panel's layout: the menu, with the plugin's entry marked current.
    assert!(page.body.contains("<nav id=\"menu\">") && page.body.contains("probe for"));
    assert!(
        page.body.contains("aria-current=\"page\">Probe page"),
        "{}",
        page.body
    );

    // A plain member: no menu entry; the plugin itself refuses its page.
    let (plain, _) = sign_in(&w.app, "10001", "Passw0rd-10001").await;
    let home = send(&w.app, "GET", "/panel/", &plain, &[], None).await;
    assert!(!home.body.contains("/panel/p/probe/"));
    let r = send(&w.app, "GET", "/panel/p/probe/", &plain, &[], None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let (_, who) = api(&w.app, &plain, "/api/v1/p/probe/who").await;
    assert_eq!(
        (who["see"].clone(), who["edit"].clone()),
        (false.into(), false.into())
    );

    // Not signed in: the panel sends to sign-in, the API answers 401.
    let r = send(&w.app, "GET", "/panel/p/probe/", "", &[], None).await;
    assert_eq!(
        (r.status, r.location.as_str()),
        (StatusCode::SEE_OTHER, "/panel/signin")
    );
    let (status, _) = api(&w.app, "", "/api/v1/p/probe/who").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // A form without the CSRF token never reaches the plugin.
    let r = send(
        &w.app,
        "POST",
        "/panel/p/probe/note",
        &info,
        &[],
        Some("text=x"),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(notes(&w.plugins).await, 0);
    let r = send(
        &w.app,
        "POST",
        "/panel/p/probe/note",
        &info,
        &[],
        Some(&format!("csrf_token={info_csrf}&text=x")),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("id=\"saved\""));
    assert_eq!(notes(&w.plugins).await, 1);
    // The plugin's audit entry is in the enterprise's log, named with the plugin's id.
    let audit = send(&w.app, "GET", "/panel/audit", &admin, &[], None).await;
    assert!(audit.body.contains("probe.note"), "{}", audit.body);
}

#[tokio::test]
async fn jobs_run_when_due_and_remember_their_last_run_across_a_restart() {
    let w = world().await;
    let ticks = |p: Arc<Plugins>| async move {
        p.get("probe")
            .unwrap()
            .ctx
            .db()
            .read(|c| {
                Ok(c.query_row("SELECT COUNT(*) FROM probe_ticks", [], |r| {
                    r.get::<_, i64>(0)
                })?)
            })
            .await
            .unwrap()
    };
    assert_eq!(w.plugins.run_due_jobs().await, ["probe.tick"]);
    assert!(w.plugins.run_due_jobs().await.is_empty());
    w.clock.advance(1800);
    assert!(w.plugins.run_due_jobs().await.is_empty());
    assert_eq!(ticks(w.plugins.clone()).await, 1);
    // "Restart": the plugins loaded again over the same data directory, the migrations not
    // run twice, the job not due yet, then due after its period.
    let again =
        Arc::new(Plugins::load(w.dir.clone(), w.data.path(), vec![Arc::new(Probe)]).unwrap());
    assert!(again.run_due_jobs().await.is_empty());
    w.clock.advance(1800);
    assert_eq!(again.run_due_jobs().await, ["probe.tick"]);
    assert_eq!(ticks(again.clone()).await, 2);
}
