//! The host side of orgdir plugins: loads the plugins the configuration enables, gives each
//! its own database (running its migrations), answers their directory and authorization
//! questions from the directory service's snapshots, writes their audit entries, and runs
//! their jobs on schedule (the last run of each job is kept in the plugin's database, so
//! a job that fell due while the server was down runs at start).
//!
//! Invariants:
//! - A plugin sees the directory only as [`orgdir_plugin_api::Directory`] views built here
//!   from a snapshot (cached per enterprise and snapshot revision), never the store or LDAP.
//! - A plugin's permissions are `Permission::Plugin("<id>.<name>")` keys in the roles of
//!   the core; [`Plugins::grants`] computes a caller's grants with the member's management
//!   scope exactly as the core's rules do (the enterprise administrator: all, whole
//!   enterprise; service accounts: none).
//! - The HTTP side (mounting routes, signing in, CSRF, the panel's layout) is admin-web's;
//!   this crate has no HTTP.

mod jobs;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use orgdir_directory::service::{Directory as DirService, PrincipalKind};
use orgdir_directory::snapshot::Snapshot;
use orgdir_domain::authz::{Actor, scope_of};
use orgdir_domain::model::BuiltinRole as CoreRole;
use orgdir_domain::role::Permission;
use orgdir_plugin_api::{
    AuditEntry, BuiltinRole, Context, Db, Directory, Enablement, Host, Manifest, MemberInfo,
    OrgInfo, Plugin, PluginError, Scope, Who,
};
use parking_lot::Mutex;

/// Why plugins could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration names a plugin this build does not have.
    #[error("unknown plugin {0:?} (this build has: {1})")]
    Unknown(String, String),
    /// A plugin's declarations or database are not right.
    #[error(transparent)]
    Plugin(#[from] PluginError),
    /// The plugins' directory could not be created.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// One loaded plugin.
pub struct Loaded {
    /// The plugin.
    pub plugin: Arc<dyn Plugin>,
    /// What it declared.
    pub manifest: Manifest,
    /// Its context (database, host).
    pub ctx: Context,
}

impl std::fmt::Debug for Loaded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loaded")
            .field("id", &self.manifest.id)
            .finish()
    }
}

/// The plugins this server runs.
#[derive(Default)]
pub struct Plugins {
    loaded: Vec<Loaded>,
    /// The host every loaded plugin's context shares (`None` when none is loaded).
    host: Option<Arc<dyn Host>>,
}

impl std::fmt::Debug for Plugins {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugins")
            .field("loaded", &self.loaded)
            .finish()
    }
}

impl Plugins {
    /// No plugins.
    pub fn none() -> Plugins {
        Plugins::default()
    }

    /// Loads `plugins` over the directory service: each gets `<dir>/<id>.db`, its migrations
    /// run, its declarations checked.
    pub fn load(
        dir: Arc<DirService>,
        data_dir: &Path,
        plugins: Vec<Arc<dyn Plugin>>,
    ) -> Result<Plugins, Error> {
        std::fs::create_dir_all(data_dir)?;
        let host: Arc<dyn Host> = Arc::new(DirHost::new(dir));
        let mut loaded = Vec::new();
        for plugin in plugins {
            let manifest = plugin.manifest();
            manifest.check()?;
            let db = Db::open(&data_dir.join(format!("{}.db", manifest.id)))?;
            let ran = db.migrate(manifest.id, &manifest.migrations)?;
            tracing::info!(plugin = manifest.id, migrations_run = ran, "plugin loaded");
            let ctx = Context::new(manifest.id, host.clone(), db);
            loaded.push(Loaded {
                plugin,
                manifest,
                ctx,
            });
        }
        Ok(Plugins {
            loaded,
            host: Some(host),
        })
    }

    /// Picks the plugins named in the configuration out of those this build has.
    pub fn select(
        available: Vec<Arc<dyn Plugin>>,
        enabled: &[String],
    ) -> Result<Vec<Arc<dyn Plugin>>, Error> {
        let names: Vec<&'static str> = available.iter().map(|p| p.manifest().id).collect();
        let mut chosen = Vec::new();
        for want in enabled {
            let Some(p) = available.iter().find(|p| p.manifest().id == want) else {
                return Err(Error::Unknown(want.clone(), names.join(", ")));
            };
            chosen.push(p.clone());
        }
        Ok(chosen)
    }

    /// The loaded plugins, in configuration order.
    pub fn iter(&self) -> impl Iterator<Item = &Loaded> {
        self.loaded.iter()
    }

    /// A loaded plugin by id.
    pub fn get(&self, id: &str) -> Option<&Loaded> {
        self.loaded.iter().find(|l| l.manifest.id == id)
    }

    /// Every plugin permission the role matrix shows: its key and its labels.
    pub fn permissions(&self) -> Vec<(Permission, orgdir_plugin_api::Text)> {
        self.loaded
            .iter()
            .flat_map(|l| {
                l.manifest.permissions.iter().filter_map(|p| {
                    Permission::from_key(&l.manifest.permission_key(p.name)).map(|k| (k, p.label))
                })
            })
            .collect()
    }

    /// The default grants of plugin `id` (for `Command::SetPlugin`).
    pub fn default_grants(&self, id: &str) -> Vec<(CoreRole, Permission)> {
        let Some(l) = self.get(id) else {
            return Vec::new();
        };
        l.manifest
            .permissions
            .iter()
            .flat_map(|p| {
                let key = Permission::from_key(&l.manifest.permission_key(p.name));
                p.default_roles.iter().filter_map(move |r| {
                    let role = match r {
                        BuiltinRole::SystemAdmin => CoreRole::SystemAdmin,
                        BuiltinRole::InfoAdmin => CoreRole::InfoAdmin,
                        BuiltinRole::Member => CoreRole::Member,
                    };
                    key.map(|k| (role, k))
                })
            })
            .collect()
    }

    /// Whether the enterprise of `snap` has plugin `id` on.
    pub fn enabled_in(snap: &Snapshot, id: &str) -> bool {
        snap.state
            .enterprise
            .account
            .plugins
            .get(id)
            .is_some_and(|p| p.enabled)
    }

    /// The permissions of plugin `id` (by name) the principal holds, with their scopes.
    pub fn grants(&self, id: &str, snap: &Snapshot, who: PrincipalKind) -> BTreeMap<String, Scope> {
        let Some(l) = self.get(id) else {
            return BTreeMap::new();
        };
        let names = l.manifest.permissions.iter().map(|p| p.name);
        match who {
            PrincipalKind::Admin => names.map(|n| (n.to_string(), Scope::All)).collect(),
            PrincipalKind::Service(_) => BTreeMap::new(),
            PrincipalKind::Member(m) => {
                let state = &snap.state;
                let Some(member) = state.members.get(&m) else {
                    return BTreeMap::new();
                };
                let held = state.member_permissions(member);
                let scope = match scope_of(state, Actor::Member(m)) {
                    None => Scope::All,
                    Some(orgs) => Scope::Orgs(orgs.into_iter().map(|o| o.0).collect()),
                };
                names
                    .filter(|n| {
                        Permission::from_key(&l.manifest.permission_key(n))
                            .is_some_and(|k| held.contains(&k))
                    })
                    .map(|n| (n.to_string(), scope.clone()))
                    .collect()
            }
        }
    }

    /// The read view of the enterprise's directory (for building callers).
    pub fn directory(&self, enterprise: u64) -> Option<Arc<Directory>> {
        self.host.as_ref().and_then(|h| h.directory(enterprise))
    }

    /// Starts one scheduler task per plugin job on the current tokio runtime (they run
    /// until the runtime ends). Returns how many were started.
    pub fn start_jobs(&self) -> usize {
        let mut n = 0;
        for l in &self.loaded {
            for job in &l.manifest.jobs {
                jobs::spawn(l.plugin.clone(), l.ctx.clone(), job.clone());
                n += 1;
            }
        }
        n
    }

    /// Runs every job that is due now, once, and returns the names of those that ran (the
    /// schedulers call this per job; tests call it after moving their clock).
    pub async fn run_due_jobs(&self) -> Vec<String> {
        let mut ran = Vec::new();
        for l in &self.loaded {
            for job in &l.manifest.jobs {
                if jobs::run_if_due(l.plugin.as_ref(), &l.ctx, job).await {
                    ran.push(format!("{}.{}", l.manifest.id, job.name));
                }
            }
        }
        ran
    }
}

/// The host over the directory service.
struct DirHost {
    dir: Arc<DirService>,
    views: Mutex<HashMap<u64, Arc<Directory>>>,
}

impl DirHost {
    fn new(dir: Arc<DirService>) -> DirHost {
        DirHost {
            dir,
            views: Mutex::new(HashMap::new()),
        }
    }
}

/// Builds the plugin view of a snapshot.
pub fn view_of(snap: &Snapshot) -> Directory {
    let state = &snap.state;
    let mut paths: HashMap<u64, String> = HashMap::new();
    let root = state.root();
    // Orgs by depth so a parent's path is known before its children's.
    let mut orgs: Vec<_> = state.orgs.values().collect();
    orgs.sort_by_key(|o| state.ancestors(o.id).len());
    let mut infos = Vec::with_capacity(orgs.len());
    for o in orgs {
        let path = match o.parent {
            None => String::new(),
            Some(p) if p == root => o.name.clone(),
            Some(p) => format!(
                "{}/{}",
                paths.get(&p.0).cloned().unwrap_or_default(),
                o.name
            ),
        };
        paths.insert(o.id.0, path.clone());
        infos.push(OrgInfo {
            id: o.id.0,
            parent: o.parent.map(|p| p.0),
            name: o.name.clone(),
            path,
        });
    }
    let members = state.members.values().map(|m| MemberInfo {
        id: m.id.0,
        account: m.account.clone(),
        name: m.name.clone(),
        org: m.org.0,
        title: m.title.clone(),
        mobile: m.mobile.clone(),
        email: m.email.clone(),
        hidden: m.hidden,
        disabled: m.disabled,
        created_at: m.created_at,
    });
    Directory::new(
        state.enterprise.number,
        state.enterprise.short_name.clone(),
        snap.revision,
        root.0,
        infos,
        members,
    )
}

impl Host for DirHost {
    fn now(&self) -> i64 {
        self.dir.now()
    }

    fn directory(&self, enterprise: u64) -> Option<Arc<Directory>> {
        let catalog = self.dir.catalog();
        let snap = catalog.get(enterprise)?;
        let mut views = self.views.lock();
        if let Some(v) = views.get(&enterprise)
            && v.revision == snap.revision
        {
            return Some(v.clone());
        }
        let v = Arc::new(view_of(snap));
        views.insert(enterprise, v.clone());
        Some(v)
    }

    fn enabled(&self, plugin: &str) -> Vec<Enablement> {
        self.dir
            .catalog()
            .enterprises
            .values()
            .filter_map(|s| {
                let e = &s.state.enterprise;
                e.account
                    .plugins
                    .get(plugin)
                    .filter(|p| p.enabled)
                    .map(|p| Enablement {
                        enterprise: e.number,
                        enabled_at: p.changed_at,
                    })
            })
            .collect()
    }

    fn audit(
        &self,
        entry: AuditEntry,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), PluginError>> + Send>> {
        let dir = self.dir.clone();
        Box::pin(async move {
            let actor = match dir.catalog().get(entry.enterprise) {
                Some(snap) => {
                    let a = match entry.who {
                        Who::Admin => Actor::EnterpriseAdmin,
                        Who::Member(m) => Actor::Member(orgdir_domain::model::MemberId(m)),
                        Who::Service(s) => Actor::Service(orgdir_domain::model::ServiceId(s)),
                    };
                    orgdir_directory::service::actor_name(&snap.state, a)
                }
                None => return Err(PluginError::Invalid("no such enterprise".into())),
            };
            dir.audit_event(
                entry.enterprise,
                &actor,
                &entry.source,
                &entry.action,
                "",
                &entry.detail,
            )
            .await
            .map_err(|e| PluginError::Internal(e.to_string()))
        })
    }
}
