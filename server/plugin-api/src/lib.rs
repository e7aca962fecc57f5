//! Everything an orgdir plugin may touch (DESIGN invariant 4: plugins see only this crate).
//!
//! A plugin is a Rust type implementing [`Plugin`], compiled into the `orgdir` binary and
//! loaded when the server's configuration enables it (`[plugins] enabled = ["attendance"]`);
//! each enterprise then turns it on or off in the panel. The plugin:
//!
//! - declares itself in a [`Manifest`]: its id, its permissions with their default grants to
//!   the built-in roles, its database migrations, its panel menu entries and its jobs;
//! - serves API routes (mounted at `/api/v1/p/<id>/`) and panel pages (mounted at
//!   `/panel/p/<id>/`, rendered inside the panel's layout with [`Caller::page`]). The host
//!   signs the request in, checks that the enterprise has the plugin on, and hands every
//!   handler a [`Caller`] (an axum extractor) that answers authorization questions within
//!   the caller's management scope;
//! - reads the directory through [`Context::directory`] (a read-only [`Directory`] view:
//!   members, orgs, scopes), never through SQL of the core or LDAP internals;
//! - keeps its data in its own database ([`Db`], a SQLite file of its own whose tables the
//!   host checks carry the `<id>_` prefix), created by migrations the host runs;
//! - runs background jobs the host schedules ([`JobDecl`]), remembering their last run
//!   across restarts;
//! - reads the time from [`Context::now`] (the host's injected clock), never the system
//!   clock, so tests control time.
//!
//! ```
//! use orgdir_plugin_api::{
//!     Caller, Context, JobFuture, Manifest, MenuEntry, Migration, PermissionDecl, Plugin,
//!     BuiltinRole, Text, axum,
//! };
//! use axum::{Router, routing::get};
//!
//! /// Says hello to members who may greet.
//! struct Hello;
//!
//! impl Plugin for Hello {
//!     fn manifest(&self) -> Manifest {
//!         Manifest {
//!             id: "hello",
//!             name: Text { en: "Hello", zh: "你好" },
//!             description: Text { en: "Greets.", zh: "问候。" },
//!             permissions: vec![PermissionDecl {
//!                 name: "greet",
//!                 label: Text { en: "Greet", zh: "问候" },
//!                 default_roles: &[BuiltinRole::SystemAdmin],
//!             }],
//!             migrations: vec![Migration {
//!                 version: 1,
//!                 name: "greetings",
//!                 sql: "CREATE TABLE hello_greetings (member INTEGER NOT NULL, at INTEGER NOT NULL);",
//!             }],
//!             menu: vec![MenuEntry { path: "", label: Text { en: "Hello", zh: "你好" }, permission: Some("greet") }],
//!             jobs: vec![],
//!         }
//!     }
//!
//!     fn api(&self, _ctx: Context) -> Router {
//!         Router::new().route("/whoami", get(|caller: Caller| async move {
//!             format!("{:?} may greet: {}", caller.who, caller.holds("greet"))
//!         }))
//!     }
//!
//!     fn panel(&self, _ctx: Context) -> Router {
//!         Router::new().route("/", get(|caller: Caller| async move {
//!             caller.page("Hello", "<p>Hello!</p>")
//!         }))
//!     }
//!
//!     fn run_job(&self, _ctx: Context, _job: &'static str) -> JobFuture {
//!         Box::pin(async { Ok(()) })
//!     }
//! }
//!
//! let manifest = Hello.manifest();
//! assert_eq!(manifest.permission_key("greet"), "hello.greet");
//! assert!(manifest.check().is_ok());
//! ```
#![deny(missing_docs)]

mod caller;
mod db;
mod directory;
pub mod html;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

pub use axum;
pub use rusqlite;

pub use caller::{Caller, CallerParts, Chrome, Scope, Who};
pub use db::Db;
pub use directory::{Directory, MemberInfo, OrgInfo};

/// A text in both of the panel's languages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Text {
    /// English.
    pub en: &'static str,
    /// Simplified Chinese (zh-CN).
    pub zh: &'static str,
}

impl Text {
    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en,
            Lang::Zh => self.zh,
        }
    }
}

/// The language a page is shown in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// Simplified Chinese.
    Zh,
}

/// The built-in roles a plugin can grant its permissions to by default. The enterprise
/// administrator holds every permission of every plugin anyway.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BuiltinRole {
    /// The system administrator.
    SystemAdmin,
    /// The information administrator.
    InfoAdmin,
    /// Every ordinary member.
    Member,
}

/// A permission a plugin adds to the role matrix. Its key is `<plugin id>.<name>`.
#[derive(Clone, Debug)]
pub struct PermissionDecl {
    /// The name within the plugin: lowercase letters, digits, `_`.
    pub name: &'static str,
    /// What the role matrix shows.
    pub label: Text,
    /// The built-in roles that get it when an enterprise first turns the plugin on.
    pub default_roles: &'static [BuiltinRole],
}

/// One step of the plugin's database schema, run once, in `version` order, by the host.
#[derive(Clone, Debug)]
pub struct Migration {
    /// 1, 2, 3 … without gaps.
    pub version: u32,
    /// A short name, recorded with the version.
    pub name: &'static str,
    /// The SQL (several statements allowed). Every table and index it creates must be named
    /// `<plugin id>_…`; the host refuses to start the plugin otherwise.
    pub sql: &'static str,
}

/// A panel menu entry of the plugin.
#[derive(Clone, Debug)]
pub struct MenuEntry {
    /// Path under `/panel/p/<id>/` (`""` for the plugin's first page).
    pub path: &'static str,
    /// The menu label.
    pub label: Text,
    /// Shown only to callers holding this permission (a name of the plugin's); `None`:
    /// shown to every member of an enterprise with the plugin on.
    pub permission: Option<&'static str>,
}

/// A background job the host runs every `every`, for all enterprises at once (the job
/// itself asks [`Context::enterprises`] where the plugin is on). The host remembers the last
/// run in the plugin's database, so a job that fell due while the server was down runs as
/// soon as it starts again.
#[derive(Clone, Debug)]
pub struct JobDecl {
    /// The job's name, passed to [`Plugin::run_job`].
    pub name: &'static str,
    /// How often it runs.
    pub every: Duration,
}

/// What a plugin declares about itself.
#[derive(Clone, Debug)]
pub struct Manifest {
    /// The plugin's id: lowercase letters, digits, `_`, starting with a letter (names its
    /// routes, tables and permission keys).
    pub id: &'static str,
    /// Its name in the panel.
    pub name: Text,
    /// One sentence on what it does.
    pub description: Text,
    /// Its permissions.
    pub permissions: Vec<PermissionDecl>,
    /// Its database migrations.
    pub migrations: Vec<Migration>,
    /// Its panel menu entries.
    pub menu: Vec<MenuEntry>,
    /// Its background jobs.
    pub jobs: Vec<JobDecl>,
}

impl Manifest {
    /// The stored key of one of its permissions: `<id>.<name>`.
    pub fn permission_key(&self, name: &str) -> String {
        format!("{}.{name}", self.id)
    }

    /// Checks the declarations: ids and names well-formed (at most 47 bytes for a permission
    /// key), migrations numbered 1, 2, 3 …, menu permissions declared, job names unique.
    pub fn check(&self) -> Result<(), PluginError> {
        let word = |w: &str| {
            w.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        };
        let bad = |what: String| Err(PluginError::Invalid(format!("plugin {}: {what}", self.id)));
        if !word(self.id) || self.id.len() > 24 {
            return bad("the id must be 1–24 lowercase letters, digits or _".into());
        }
        for p in &self.permissions {
            if !word(p.name) || self.permission_key(p.name).len() > 47 {
                return bad(format!("bad permission name {:?}", p.name));
            }
        }
        for (i, m) in self.migrations.iter().enumerate() {
            if usize::try_from(m.version).ok() != Some(i + 1) {
                return bad(format!(
                    "migration {:?} has version {}, expected {}",
                    m.name,
                    m.version,
                    i + 1
                ));
            }
        }
        for e in &self.menu {
            if let Some(p) = e.permission
                && !self.permissions.iter().any(|d| d.name == p)
            {
                return bad(format!("menu entry {:?} needs undeclared {p:?}", e.path));
            }
        }
        let mut jobs: Vec<&str> = self.jobs.iter().map(|j| j.name).collect();
        jobs.sort_unstable();
        jobs.dedup();
        if jobs.len() != self.jobs.len() {
            return bad("job names must be unique".into());
        }
        if self.jobs.iter().any(|j| j.every < Duration::from_secs(1)) {
            return bad("jobs run at most once a second".into());
        }
        Ok(())
    }
}

/// The future a job run returns.
pub type JobFuture = Pin<Box<dyn Future<Output = Result<(), PluginError>> + Send + 'static>>;

/// A plugin. One value per server, shared by every enterprise; per-enterprise data lives in
/// its database keyed by the enterprise number.
pub trait Plugin: Send + Sync + 'static {
    /// What it declares. Called once at start.
    fn manifest(&self) -> Manifest;

    /// Its API routes, mounted at `/api/v1/p/<id>/`. Handlers take a [`Caller`] (signed-in
    /// member, API token or administrator of an enterprise that has the plugin on).
    fn api(&self, ctx: Context) -> axum::Router;

    /// Its panel pages, mounted at `/panel/p/<id>/`. Handlers take a [`Caller`], render with
    /// [`Caller::page`] and put [`Caller::csrf_input`] into every form they post (the host
    /// checks the token of every non-GET panel request before the plugin sees it; panel
    /// posts are `application/x-www-form-urlencoded`, at most 1 MiB).
    fn panel(&self, ctx: Context) -> axum::Router;

    /// Runs the job named `job` once. Errors are logged by the host and the job is tried
    /// again at its next turn.
    fn run_job(&self, ctx: Context, job: &'static str) -> JobFuture;
}

/// The plugin's state in one enterprise that has it on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Enablement {
    /// The enterprise number.
    pub enterprise: u64,
    /// When the enterprise last turned the plugin on (Unix seconds).
    pub enabled_at: i64,
}

/// An action a plugin records in the enterprise's audit log.
#[derive(Clone, Debug)]
pub struct AuditEntry {
    /// The enterprise.
    pub enterprise: u64,
    /// Who did it.
    pub who: Who,
    /// Where it came from (e.g. `panel 203.0.113.5`); the host prefixes the plugin id.
    pub source: String,
    /// What, e.g. `attendance.rules`.
    pub action: String,
    /// Details shown in the audit log.
    pub detail: String,
}

/// The host side of [`Context`]: implemented by the orgdir server (and by test hosts).
/// Plugins call it through [`Context`] only.
pub trait Host: Send + Sync + 'static {
    /// The current time, Unix seconds (the server's injected clock).
    fn now(&self) -> i64;
    /// The enterprise's directory as it is now, if the enterprise exists.
    fn directory(&self, enterprise: u64) -> Option<Arc<Directory>>;
    /// The enterprises that have plugin `plugin` on.
    fn enabled(&self, plugin: &str) -> Vec<Enablement>;
    /// Records an entry in the enterprise's audit log.
    fn audit(
        &self,
        entry: AuditEntry,
    ) -> Pin<Box<dyn Future<Output = Result<(), PluginError>> + Send + 'static>>;
}

/// What a plugin is given by the host: the clock, the directory, its database, the audit
/// log. Cheap to clone.
#[derive(Clone)]
pub struct Context {
    id: &'static str,
    host: Arc<dyn Host>,
    db: Db,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context").field("plugin", &self.id).finish()
    }
}

impl Context {
    /// A context for plugin `id` over `host` and `db` (built by the host).
    pub fn new(id: &'static str, host: Arc<dyn Host>, db: Db) -> Context {
        Context { id, host, db }
    }

    /// The plugin's id.
    pub fn id(&self) -> &'static str {
        self.id
    }

    /// The current time, Unix seconds.
    pub fn now(&self) -> i64 {
        self.host.now()
    }

    /// The plugin's own database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The enterprise's directory now, if it exists.
    pub fn directory(&self, enterprise: u64) -> Option<Arc<Directory>> {
        self.host.directory(enterprise)
    }

    /// The enterprises that have this plugin on.
    pub fn enterprises(&self) -> Vec<Enablement> {
        self.host.enabled(self.id)
    }

    /// When `enterprise` turned this plugin on, if it has it on.
    pub fn enabled_at(&self, enterprise: u64) -> Option<i64> {
        self.enterprises()
            .into_iter()
            .find(|e| e.enterprise == enterprise)
            .map(|e| e.enabled_at)
    }

    /// Records `action` by `caller` in the enterprise's audit log.
    pub async fn audit(
        &self,
        caller: &Caller,
        action: &str,
        detail: &str,
    ) -> Result<(), PluginError> {
        self.host
            .audit(AuditEntry {
                enterprise: caller.enterprise,
                who: caller.who,
                source: caller.source.clone(),
                action: format!("{}.{action}", self.id),
                detail: detail.to_string(),
            })
            .await
    }
}

/// What went wrong in a plugin call.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    /// The plugin's database failed.
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
    /// A declaration or input is not valid.
    #[error("{0}")]
    Invalid(String),
    /// Something else failed (a worker thread, the host).
    #[error("internal: {0}")]
    Internal(String),
}
