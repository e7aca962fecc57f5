//! Tests of the plugin around the core: a small test [`Host`] (fixed directory, settable
//! clock, enabled list, recorded audit entries) over a real plugin database in a temporary
//! directory, with the plugin's own routers called through `tower::ServiceExt::oneshot`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod api;
mod close;
mod migrate;
mod pages;
mod reads;
mod store;

use std::collections::BTreeMap;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr};
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use orgdir_plugin_api::axum::Router;
use orgdir_plugin_api::axum::body::Body;
use orgdir_plugin_api::axum::http::{HeaderMap, Method, Request, StatusCode};
use orgdir_plugin_api::{
    AuditEntry, Caller, CallerParts, Context, Db, Directory, Enablement, Host, Lang, MemberInfo,
    OrgInfo, Plugin, PluginError, Scope, Who,
};
use serde_json::Value;
use tower::ServiceExt;

use crate::calendar;
use crate::plugin::{Attendance, SET_RULES, VIEW};

pub const ENTERPRISE: u64 = 1;
pub const TZ: &str = "Asia/Shanghai";

/// The test host.
pub struct TestHost {
    now: AtomicI64,
    dir: Mutex<Arc<Directory>>,
    enabled: Mutex<Vec<Enablement>>,
    pub audits: Mutex<Vec<AuditEntry>>,
}

impl Host for TestHost {
    fn now(&self) -> i64 {
        self.now.load(Ordering::SeqCst)
    }

    fn directory(&self, enterprise: u64) -> Option<Arc<Directory>> {
        let d = self.dir.lock().unwrap().clone();
        (d.enterprise == enterprise).then_some(d)
    }

    fn enabled(&self, _plugin: &str) -> Vec<Enablement> {
        self.enabled.lock().unwrap().clone()
    }

    fn audit(
        &self,
        entry: AuditEntry,
    ) -> Pin<Box<dyn Future<Output = Result<(), PluginError>> + Send + 'static>> {
        self.audits.lock().unwrap().push(entry);
        Box::pin(async { Ok(()) })
    }
}

/// Unix time of a local `YYYY-MM-DD HH:MM` in Asia/Shanghai.
pub fn at(s: &str) -> i64 {
    let (d, t) = s.split_once(' ').unwrap();
    calendar::unix_at(
        calendar::parse_ymd(d).unwrap(),
        calendar::parse_hh_mm(t).unwrap(),
        &calendar::time_zone(TZ).unwrap(),
    )
}

pub fn date(s: &str) -> jiff::civil::Date {
    calendar::parse_ymd(s).unwrap()
}

fn org(id: u64, parent: Option<u64>, name: &str, path: &str) -> OrgInfo {
    OrgInfo {
        id,
        parent,
        name: name.into(),
        path: path.into(),
    }
}

fn member(id: u64, name: &str, org: u64) -> MemberInfo {
    MemberInfo {
        id,
        account: format!("100{id}"),
        name: name.into(),
        org,
        title: None,
        mobile: None,
        email: None,
        hidden: false,
        disabled: false,
        created_at: 0,
    }
}

pub const SYSADMIN: u64 = 10;
pub const INFOADMIN: u64 = 11;
pub const SAM: u64 = 12;
pub const FIONA: u64 = 13;
pub const HIDDEN: u64 = 14;
pub const DISABLED: u64 = 15;
pub const EVE: u64 = 16;
pub const ROOT: u64 = 1;
pub const SALES: u64 = 2;
pub const FINANCE: u64 = 3;
pub const EAST: u64 = 4;

/// Acme: Sales (with East below it) and Finance; a system admin at the root, an info admin,
/// Sam, a hidden and Eve in Sales (Eve in East), Fiona and a disabled member in Finance.
pub fn directory() -> Directory {
    let mut hidden = member(HIDDEN, "Hidden Boss", SALES);
    hidden.hidden = true;
    let mut disabled = member(DISABLED, "Disabled Dan", FINANCE);
    disabled.disabled = true;
    Directory::new(
        ENTERPRISE,
        "Acme".into(),
        1,
        ROOT,
        [
            org(ROOT, None, "Acme", ""),
            org(SALES, Some(ROOT), "Sales", "Sales"),
            org(FINANCE, Some(ROOT), "Finance", "Finance"),
            org(EAST, Some(SALES), "East", "Sales/East"),
        ],
        [
            member(SYSADMIN, "Sys Admin", ROOT),
            member(INFOADMIN, "Info Admin", SALES),
            member(SAM, "Sam Sales", SALES),
            member(FIONA, "Fiona Finance", FINANCE),
            hidden,
            disabled,
            member(EVE, "Eve East", EAST),
        ],
    )
}

/// A plugin context over a temporary database and the test host.
pub struct Harness {
    pub host: Arc<TestHost>,
    pub ctx: Context,
    pub api: Router,
    pub panel: Router,
    pub dir: tempfile::TempDir,
}

impl Harness {
    /// Attendance turned on at `enabled_at` (local time), the clock at `now`, no rules.
    pub fn new(enabled_at: &str, now: &str) -> Harness {
        Harness::new_at(enabled_at, now, None)
    }

    /// Like [`Harness::new`], with the database migrated to `version` only (an older
    /// build's database).
    pub fn at_version(enabled_at: &str, now: &str, version: u32) -> Harness {
        Harness::new_at(enabled_at, now, Some(version))
    }

    fn new_at(enabled_at: &str, now: &str, version: Option<u32>) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let host = Arc::new(TestHost {
            now: AtomicI64::new(at(now)),
            dir: Mutex::new(Arc::new(directory())),
            enabled: Mutex::new(vec![Enablement {
                enterprise: ENTERPRISE,
                enabled_at: at(enabled_at),
            }]),
            audits: Mutex::new(Vec::new()),
        });
        Harness::open(host, dir, version)
    }

    /// The database's migration version.
    pub async fn version(&self) -> u32 {
        self.ctx
            .db()
            .read(|c| {
                Ok(c.query_row(
                    "SELECT COALESCE(MAX(version), 0) FROM _orgdir_migrations",
                    [],
                    |r| r.get(0),
                )?)
            })
            .await
            .unwrap()
    }

    /// A fresh context over an existing host and database (a restart).
    pub fn over(host: Arc<TestHost>, dir: tempfile::TempDir) -> Harness {
        Harness::open(host, dir, None)
    }

    /// A context over the database in `dir`, migrated to `version` (every migration when
    /// `None`).
    fn open(host: Arc<TestHost>, dir: tempfile::TempDir, version: Option<u32>) -> Harness {
        let manifest = Attendance.manifest();
        manifest.check().unwrap();
        let db = Db::open(&dir.path().join("attendance.db")).unwrap();
        let migrations: Vec<_> = manifest
            .migrations
            .iter()
            .filter(|m| version.is_none_or(|v| m.version <= v))
            .cloned()
            .collect();
        db.migrate(manifest.id, &migrations).unwrap();
        let ctx = Context::new(manifest.id, host.clone(), db);
        Harness {
            api: Attendance.api(ctx.clone()),
            panel: Attendance.panel(ctx.clone()),
            host,
            ctx,
            dir,
        }
    }

    /// Restarts: a new context, database connections and routers over the same file.
    pub fn restart(self) -> Harness {
        Harness::over(self.host, self.dir)
    }

    pub fn set_now(&self, now: &str) {
        self.host.now.store(at(now), Ordering::SeqCst);
    }

    pub fn set_directory(&self, d: Directory) {
        *self.host.dir.lock().unwrap() = Arc::new(d);
    }

    pub fn set_enabled(&self, list: Vec<Enablement>) {
        *self.host.enabled.lock().unwrap() = list;
    }

    /// Runs the closing job once.
    pub async fn close(&self) -> usize {
        crate::close::close_days(&self.ctx).await.unwrap()
    }

    /// A caller of the enterprise.
    pub fn caller(&self, who: Who, grants: &[(&str, Scope)], lang: Lang) -> Caller {
        let directory = self.host.directory(ENTERPRISE).unwrap();
        Caller::new(CallerParts {
            enterprise: ENTERPRISE,
            who,
            lang,
            client_ip: Some(IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7))),
            source: "test 203.0.113.7".into(),
            directory,
            grants: grants
                .iter()
                .map(|(n, s)| (n.to_string(), s.clone()))
                .collect::<BTreeMap<_, _>>(),
            csrf: Some("csrf-token-123".into()),
            chrome: None,
        })
    }

    /// The enterprise administrator.
    pub fn admin(&self) -> Caller {
        self.caller(
            Who::Admin,
            &[(SET_RULES, Scope::All), (VIEW, Scope::All)],
            Lang::En,
        )
    }

    /// The system administrator: both permissions, scope the root org.
    pub fn sysadmin(&self) -> Caller {
        self.caller(
            Who::Member(SYSADMIN),
            &[
                (SET_RULES, Scope::Orgs(vec![ROOT])),
                (VIEW, Scope::Orgs(vec![ROOT])),
            ],
            Lang::En,
        )
    }

    /// The information administrator: view, scope Sales.
    pub fn infoadmin(&self) -> Caller {
        self.caller(
            Who::Member(INFOADMIN),
            &[(VIEW, Scope::Orgs(vec![SALES]))],
            Lang::En,
        )
    }

    /// A plain member.
    pub fn member(&self, id: u64) -> Caller {
        self.caller(Who::Member(id), &[], Lang::En)
    }

    /// Saves the standard rules (Mon–Fri 09:00–18:00 Asia/Shanghai, no grace) through the
    /// API as the administrator, at the host's current time.
    pub async fn standard_rules(&self) {
        let r = self
            .call_api(
                &self.admin(),
                Method::PUT,
                "/rules",
                Some(serde_json::json!({
                    "time_zone": TZ,
                    "work_start": "09:00",
                    "work_end": "18:00",
                    "working_weekdays": ["mon", "tue", "wed", "thu", "fri"],
                })),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }

    /// Clocks `kind` for `who` at the host's current time (expects 201).
    pub async fn clock(&self, who: u64, kind: &str) {
        let r = self
            .call_api(
                &self.member(who),
                Method::POST,
                "/clock",
                Some(serde_json::json!({"kind": kind})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }

    /// Clocks at a local time (moves the clock there).
    pub async fn clock_at(&self, who: u64, kind: &str, when: &str) {
        self.set_now(when);
        self.clock(who, kind).await;
    }

    pub async fn call_api(
        &self,
        caller: &Caller,
        method: Method,
        uri: &str,
        json: Option<Value>,
    ) -> Answer {
        call(
            &self.api,
            caller,
            method,
            uri,
            json.map(|j| ("application/json", j.to_string())),
        )
        .await
    }

    pub async fn get_panel(&self, caller: &Caller, uri: &str) -> Answer {
        call(&self.panel, caller, Method::GET, uri, None).await
    }

    pub async fn post_panel(&self, caller: &Caller, uri: &str, form: &str) -> Answer {
        call(
            &self.panel,
            caller,
            Method::POST,
            uri,
            Some(("application/x-www-form-urlencoded", form.to_string())),
        )
        .await
    }
}

/// A response, read.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

async fn call(
    router: &Router,
    caller: &Caller,
    method: Method,
    uri: &str,
    body: Option<(&str, String)>,
) -> Answer {
    let mut req = Request::builder().method(method).uri(uri);
    let body = match body {
        Some((kind, b)) => {
            req = req.header("content-type", kind);
            Body::from(b)
        }
        None => Body::empty(),
    };
    let mut req = req.body(body).unwrap();
    req.extensions_mut().insert(caller.clone());
    let resp = router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = orgdir_plugin_api::axum::body::to_bytes(resp.into_body(), 64 << 20)
        .await
        .unwrap()
        .to_vec();
    Answer {
        status,
        headers,
        body,
    }
}

/// The accounts listed in a JSON array of days or records (field `account`), sorted.
pub fn accounts(list: &Value) -> Vec<String> {
    let mut out: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["account"].as_str().unwrap_or("?").to_string())
        .collect();
    out.sort();
    out
}

pub fn acct(id: u64) -> String {
    format!("100{id}")
}
