//! The directory service: the one write path (DESIGN invariant 1) and the published
//! snapshots (invariant 2), plus bind-name resolution and credential checks.
//!
//! Every change, from any surface, is a [`Command`] run through [`Directory::execute`]:
//! authorize (domain::authz) → apply the rules to a copy of the state (domain::command) →
//! commit changes + changelog + audit in one store transaction → build and swap in the new
//! snapshot. Writes are serialized; reads never wait for them.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use orgdir_domain::authz::{Actor, authorize};
use orgdir_domain::command::{Command, Ctx, HashTarget, Outcome, apply};
use orgdir_domain::dn::Dn;
use orgdir_domain::limits::Limits;
use orgdir_domain::model::*;
use orgdir_domain::{Denied, RuleError};
use orgdir_passwords::{Argon2Params, Hasher};
use orgdir_store::{AuditRecord, Store};
use parking_lot::Mutex;

use crate::dit::ADMIN_RDN;
use crate::entry::EntryKind;
use crate::pool::HashPool;
use crate::snapshot::{Snapshot, Viewer};
use crate::world::{Clock, Entropy, uuid_v4};

/// Settings of the directory service.
#[derive(Clone, Debug)]
pub struct DirectoryConfig {
    /// Failed binds (per identity) before it is locked; 0 disables lockout.
    pub lockout_threshold: u32,
    /// How long a lock lasts, in seconds.
    pub lockout_seconds: u64,
    /// Re-hash non-argon2id (or outdated argon2) passwords on the next successful bind.
    pub upgrade_hashes: bool,
    /// argon2id parameters for new hashes.
    pub argon2: Argon2Params,
    /// Minimum length of a new password.
    pub min_password_length: usize,
    /// Concurrent password-hash computations (0: number of CPUs).
    pub hash_workers: usize,
    /// How long a successful slow-hash verification is remembered (0: never).
    pub bind_cache_seconds: u64,
    /// Failed binds one client address may make per minute before its binds are refused
    /// outright (0: no limit).
    pub bind_failures_per_minute: u32,
}

impl Default for DirectoryConfig {
    fn default() -> DirectoryConfig {
        DirectoryConfig {
            lockout_threshold: 5,
            lockout_seconds: 900,
            upgrade_hashes: true,
            argon2: Argon2Params::default(),
            min_password_length: 8,
            hash_workers: 0,
            bind_cache_seconds: 300,
            bind_failures_per_minute: 120,
        }
    }
}

/// Errors of the directory service.
#[derive(Debug, thiserror::Error)]
pub enum DirError {
    /// A domain rule refused the change.
    #[error(transparent)]
    Rule(#[from] RuleError),
    /// The actor may not do this.
    #[error(transparent)]
    Denied(#[from] Denied),
    /// No such enterprise.
    #[error("enterprise {0} not found")]
    NoSuchEnterprise(u64),
    /// A new password does not meet the policy.
    #[error("password rejected: {0}")]
    WeakPassword(String),
    /// The store failed.
    #[error("storage error: {0}")]
    Store(#[from] orgdir_store::Error),
    /// Hashing failed.
    #[error("password hashing failed: {0}")]
    Hash(#[from] orgdir_passwords::Error),
    /// A background task failed.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Result alias.
pub type Result<T> = std::result::Result<T, DirError>;

/// An authenticated identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// Its enterprise.
    pub enterprise: u64,
    /// Who.
    pub kind: PrincipalKind,
    /// Its DN (for WhoAmI and audit).
    pub dn: String,
    /// For a member: the entryUUID of the person who signed in. An account given to someone
    /// else (ORG-5) gets a new one, and [`Directory::viewer`] then refuses the old holder's
    /// sessions, LDAP connections and tokens. `None` for the administrator and services.
    pub holder: Option<[u8; 16]>,
}

/// The kinds of identity that can bind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PrincipalKind {
    /// The enterprise administrator (super password).
    Admin,
    /// A member.
    Member(MemberId),
    /// A service account.
    Service(ServiceId),
}

impl Principal {
    /// The actor for commands.
    pub fn actor(&self) -> Actor {
        match self.kind {
            PrincipalKind::Admin => Actor::EnterpriseAdmin,
            PrincipalKind::Member(m) => Actor::Member(m),
            PrincipalKind::Service(s) => Actor::Service(s),
        }
    }
}

/// Why a bind failed. Deliberately uninformative towards the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BindError {
    /// Wrong name, wrong password, disabled, locked: all the same to the client.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// The server could not check (hashing pool gone).
    #[error("the server could not verify the credentials")]
    Unavailable,
}

/// Fields of a new enterprise.
#[derive(Clone, Debug)]
pub struct NewEnterprise {
    /// Enterprise number.
    pub number: u64,
    /// Short name.
    pub short_name: String,
    /// Full name.
    pub name: String,
    /// Naming context; `o=<number>` when empty.
    pub naming_context: String,
    /// Seats.
    pub seats: u32,
    /// Account range.
    pub account_range: (u64, u64),
    /// Expiry.
    pub expires_at: Option<Timestamp>,
    /// Verified domain.
    pub domain: Option<String>,
    /// Super password in clear (hashed here).
    pub super_password: Option<String>,
    /// Limits.
    pub limits: Limits,
}

/// All published snapshots, by enterprise number.
#[derive(Debug, Default)]
pub struct Catalog {
    /// Snapshots by enterprise number.
    pub enterprises: BTreeMap<u64, Arc<Snapshot>>,
}

impl Catalog {
    /// The enterprise whose naming context holds `dn`.
    pub fn for_dn(&self, dn: &Dn) -> Option<&Arc<Snapshot>> {
        self.enterprises.values().find(|s| dn.is_within(&s.base))
    }

    /// An enterprise by number.
    pub fn get(&self, number: u64) -> Option<&Arc<Snapshot>> {
        self.enterprises.get(&number)
    }
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    locked_until: Option<Timestamp>,
    last: Timestamp,
}

/// A remembered successful verification of a slow hash.
#[derive(Debug, Clone, Copy)]
struct CachedCredential {
    /// HMAC-SHA256 of the password under the per-process key.
    mac: [u8; 32],
    /// Fingerprint of the stored hash it was verified against.
    hash_fp: u64,
    /// Unix time it stops being used.
    expires: Timestamp,
}

/// Hash upgrades waiting to be committed.
#[derive(Debug, Default)]
struct UpgradeQueue {
    pending: Vec<(u64, Command)>,
    /// When the oldest pending upgrade was queued.
    since: Timestamp,
}

/// Upgrades committed together at most.
const UPGRADE_BATCH: usize = 500;

/// Most remembered verifications.
const MAX_CACHE_ENTRIES: usize = 100_000;

/// Whether verifying against this stored hash is expensive (argon2, crypt, unknown).
fn is_slow_scheme(hash: &str) -> bool {
    !matches!(
        orgdir_passwords::scheme_of(hash),
        Ok(orgdir_passwords::Scheme::Ssha
            | orgdir_passwords::Scheme::Ssha256
            | orgdir_passwords::Scheme::Ssha512
            | orgdir_passwords::Scheme::Sha
            | orgdir_passwords::Scheme::Sha256
            | orgdir_passwords::Scheme::Sha512
            | orgdir_passwords::Scheme::Smd5
            | orgdir_passwords::Scheme::Md5
            | orgdir_passwords::Scheme::Cleartext)
    )
}

/// The lockout bookkeeping key of an identity.
fn lockout_key_of(enterprise: u64, kind: PrincipalKind) -> String {
    format!("{enterprise}:{kind:?}")
}

fn fingerprint(hash: &str) -> u64 {
    use std::hash::{Hash, Hasher as _};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    hash.hash(&mut h);
    h.finish()
}

/// Most lockout records kept; older ones are dropped first.
const MAX_LOCKOUT_RECORDS: usize = 100_000;

/// The directory service.
pub struct Directory {
    store: Arc<dyn Store>,
    catalog: ArcSwap<Catalog>,
    write_lock: tokio::sync::Mutex<()>,
    hasher: Arc<Hasher>,
    pool: HashPool,
    failures: Mutex<HashMap<String, Failures>>,
    source_failures: Mutex<HashMap<IpAddr, (u32, Timestamp)>>,
    cred_cache: Mutex<HashMap<(u64, PrincipalKind), CachedCredential>>,
    upgrades: Mutex<UpgradeQueue>,
    metrics: crate::metrics::Metrics,
    cache_secret: [u8; 32],
    clock: Arc<dyn Clock>,
    entropy: Arc<dyn Entropy>,
    config: DirectoryConfig,
}

impl std::fmt::Debug for Directory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Directory")
            .field("enterprises", &self.catalog.load().enterprises.len())
            .finish()
    }
}

/// Where a resolved bind name leads.
struct BindTarget {
    principal: Principal,
    hash: Option<String>,
    enabled: bool,
}

impl Directory {
    /// Loads every enterprise from `store` and publishes their snapshots.
    pub fn open(
        store: Arc<dyn Store>,
        config: DirectoryConfig,
        clock: Arc<dyn Clock>,
        entropy: Arc<dyn Entropy>,
    ) -> Result<Directory> {
        let hasher = Arc::new(Hasher::new(config.argon2)?);
        let states = store.load_all()?;
        let mut enterprises = BTreeMap::new();
        for state in states {
            let number = state.enterprise.number;
            enterprises.insert(number, Arc::new(Snapshot::build(Arc::new(state), 0)));
        }
        let workers = if config.hash_workers == 0 {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
        } else {
            config.hash_workers
        };
        Ok(Directory {
            store,
            catalog: ArcSwap::from_pointee(Catalog { enterprises }),
            write_lock: tokio::sync::Mutex::new(()),
            hasher,
            pool: HashPool::new(workers.max(1), 1024)
                .map_err(|e| DirError::Internal(format!("cannot start hashing threads: {e}")))?,
            failures: Mutex::new(HashMap::new()),
            source_failures: Mutex::new(HashMap::new()),
            cred_cache: Mutex::new(HashMap::new()),
            upgrades: Mutex::new(UpgradeQueue::default()),
            metrics: crate::metrics::Metrics::default(),
            cache_secret: {
                let mut k = [0u8; 32];
                entropy.fill(&mut k);
                k
            },
            clock,
            entropy,
            config,
        })
    }

    /// The currently published snapshots.
    pub fn catalog(&self) -> Arc<Catalog> {
        self.catalog.load_full()
    }

    /// The store (for audit queries and backups).
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The clock.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// The process's counters.
    pub fn metrics(&self) -> &crate::metrics::Metrics {
        &self.metrics
    }

    /// How many successful slow-hash verifications are remembered now (for metrics).
    pub fn cached_credentials(&self) -> usize {
        self.cred_cache.lock().len()
    }

    /// A fresh random (version 4) UUID for a new entity.
    pub fn new_uuid(&self) -> [u8; 16] {
        uuid_v4(self.entropy.as_ref())
    }

    /// The service's settings.
    pub fn config(&self) -> &DirectoryConfig {
        &self.config
    }

    fn publish(&self, snap: Snapshot) {
        let number = snap.number();
        let snap = Arc::new(snap);
        self.catalog.rcu(|cat| {
            let mut enterprises = cat.enterprises.clone();
            enterprises.insert(number, snap.clone());
            Catalog { enterprises }
        });
    }

    /// Hashes a new password with argon2id on the blocking pool, after the policy check.
    pub async fn hash_new_password(&self, password: &str) -> Result<String> {
        check_password_policy(password, self.config.min_password_length)?;
        let mut salt = [0u8; 16];
        self.entropy.fill(&mut salt);
        let hasher = self.hasher.clone();
        let pw = password.to_string();
        self.pool
            .run(move || hasher.hash(pw.as_bytes(), &salt))
            .await
            .ok_or_else(|| DirError::Internal("the hashing threads are gone".into()))?
            .map_err(DirError::from)
    }

    /// Creates an enterprise with its root org and built-in roles.
    pub async fn create_enterprise(&self, new: NewEnterprise, source: &str) -> Result<u64> {
        let super_hash = match &new.super_password {
            Some(p) => {
                check_super_password_policy(p, self.config.min_password_length)?;
                Some(self.hash_new_password(p).await?)
            }
            None => None,
        };
        let naming_context = if new.naming_context.trim().is_empty() {
            format!("o={}", new.number)
        } else {
            let dn = Dn::parse(&new.naming_context).map_err(|e| RuleError::Invalid {
                field: "naming_context",
                reason: e.to_string(),
            })?;
            if dn.is_root() {
                return Err(RuleError::Invalid {
                    field: "naming_context",
                    reason: "must not be empty".into(),
                }
                .into());
            }
            dn.to_string()
        };
        let _guard = self.write_lock.lock().await;
        let nc = Dn::parse(&naming_context).unwrap_or_default();
        {
            let cat = self.catalog();
            if cat.get(new.number).is_some() {
                return Err(RuleError::AlreadyExists(format!("enterprise {}", new.number)).into());
            }
            if cat
                .enterprises
                .values()
                .any(|s| nc.is_within(&s.base) || s.base.is_within(&nc))
            {
                return Err(RuleError::Conflict(format!(
                    "naming context {naming_context} overlaps another enterprise's"
                ))
                .into());
            }
        }
        let now = self.clock.now();
        let entropy = self.entropy.clone();
        let mut uuid = move || uuid_v4(entropy.as_ref());
        let enterprise = Enterprise {
            number: new.number,
            short_name: orgdir_domain::validate::org_name(&new.short_name)?,
            name: orgdir_domain::validate::text("name", &new.name, 256)?,
            naming_context,
            seats: new.seats,
            account_range: new.account_range,
            expires_at: new.expires_at,
            domain: new.domain,
            super_password: super_hash,
            limits: new.limits,
            posix_base: 10000,
            groups_rdn: "cn=groups".into(),
            services_rdn: "cn=services".into(),
            uuid: uuid(),
            account: Default::default(),
            created_at: now,
            modified_at: now,
        };
        let state = EnterpriseState::new(enterprise, &mut uuid);
        self.install_locked(state, source, "enterprise.create")
            .await
    }

    /// Stores a complete, already-validated enterprise (an import) in one transaction and
    /// publishes it. Fails if its number or naming context collides with another's.
    pub async fn install_enterprise(
        &self,
        state: EnterpriseState,
        source: &str,
        action: &str,
    ) -> Result<u64> {
        let _guard = self.write_lock.lock().await;
        let nc = Dn::parse(&state.enterprise.naming_context).map_err(|e| RuleError::Invalid {
            field: "naming_context",
            reason: e.to_string(),
        })?;
        let cat = self.catalog();
        if cat.get(state.enterprise.number).is_some() {
            return Err(RuleError::AlreadyExists(format!(
                "enterprise {}",
                state.enterprise.number
            ))
            .into());
        }
        if cat
            .enterprises
            .values()
            .any(|s| nc.is_within(&s.base) || s.base.is_within(&nc))
        {
            return Err(RuleError::Conflict(format!(
                "naming context {nc} overlaps another enterprise's"
            ))
            .into());
        }
        drop(cat);
        self.install_locked(state, source, action).await
    }

    /// The store-and-publish half of enterprise creation; the caller holds the write lock.
    async fn install_locked(
        &self,
        state: EnterpriseState,
        source: &str,
        action: &str,
    ) -> Result<u64> {
        let audit = AuditRecord {
            at: self.clock.now(),
            actor: "operator".into(),
            source: source.into(),
            action: action.into(),
            target: state.enterprise.naming_context.clone(),
            detail: format!(
                "enterprise {}: {} orgs, {} members, {} groups, {} service accounts",
                state.enterprise.number,
                state.orgs.len(),
                state.members.len(),
                state.groups.len(),
                state.services.len()
            ),
        };
        let store = self.store.clone();
        let number = state.enterprise.number;
        let snap = tokio::task::spawn_blocking(move || -> Result<Snapshot> {
            let seq = store.create_enterprise(&state, &audit)?;
            Ok(Snapshot::build(Arc::new(state), seq))
        })
        .await
        .map_err(|e| DirError::Internal(e.to_string()))??;
        self.publish(snap);
        Ok(number)
    }

    /// Runs one command: the one write path.
    pub async fn execute(
        &self,
        enterprise: u64,
        actor: Actor,
        source: &str,
        cmd: Command,
    ) -> Result<Outcome> {
        let mut outs = self
            .execute_batch(enterprise, actor, source, vec![cmd])
            .await?;
        Ok(outs.pop().unwrap_or_default())
    }

    /// Runs several commands as one all-or-nothing transaction (imports, seeding).
    pub async fn execute_batch(
        &self,
        enterprise: u64,
        actor: Actor,
        source: &str,
        cmds: Vec<Command>,
    ) -> Result<Vec<Outcome>> {
        let _guard = self.write_lock.lock().await;
        let snap = self
            .catalog()
            .get(enterprise)
            .cloned()
            .ok_or(DirError::NoSuchEnterprise(enterprise))?;
        self.commit_locked(&snap, enterprise, actor, source, cmds)
            .await
    }

    /// Plans commands on the enterprise's current state and runs them, both under the
    /// write lock, so nothing changes between the plan and the commit (a spreadsheet
    /// import predicts the ids of the orgs it creates from the state it planned on). The
    /// plan runs on the blocking pool; readers (LDAP, the panel) keep their snapshots
    /// meanwhile. Returns the outcomes and what the plan returned beside its commands.
    pub async fn execute_planned<T, F>(
        &self,
        enterprise: u64,
        actor: Actor,
        source: &str,
        plan: F,
    ) -> Result<(Vec<Outcome>, T)>
    where
        T: Send + 'static,
        F: FnOnce(&EnterpriseState) -> (Vec<Command>, T) + Send + 'static,
    {
        let _guard = self.write_lock.lock().await;
        let snap = self
            .catalog()
            .get(enterprise)
            .cloned()
            .ok_or(DirError::NoSuchEnterprise(enterprise))?;
        let state = snap.state.clone();
        let (cmds, extra) = tokio::task::spawn_blocking(move || plan(&state))
            .await
            .map_err(|e| DirError::Internal(e.to_string()))?;
        if cmds.is_empty() {
            return Ok((Vec::new(), extra));
        }
        let outcomes = self
            .commit_locked(&snap, enterprise, actor, source, cmds)
            .await?;
        Ok((outcomes, extra))
    }

    /// Authorizes and applies `cmds` to a copy of `snap`'s state, commits them with one
    /// audit row and publishes the new snapshot. The caller holds the write lock and `snap`
    /// is the current snapshot.
    async fn commit_locked(
        &self,
        snap: &Snapshot,
        enterprise: u64,
        actor: Actor,
        source: &str,
        cmds: Vec<Command>,
    ) -> Result<Vec<Outcome>> {
        let mut state = (*snap.state).clone();
        let now = self.clock.now();
        let entropy = self.entropy.clone();
        let mut uuid = move || uuid_v4(entropy.as_ref());
        let mut outcomes = Vec::with_capacity(cmds.len());
        let mut changes = Vec::new();
        let (action, target) = match cmds.as_slice() {
            [one] => describe(&state, one),
            many => (format!("batch ({} commands)", many.len()), String::new()),
        };
        // Identities whose credentials this batch changes: their cached verifications end,
        // and a password reset also ends a lockout.
        let touched: Vec<(PrincipalKind, bool)> = cmds
            .iter()
            .filter_map(|c| match c {
                Command::SetMemberPassword { member, .. } => {
                    Some((PrincipalKind::Member(*member), true))
                }
                Command::SetMemberDisabled { member, .. } | Command::DeleteMember { member } => {
                    Some((PrincipalKind::Member(*member), false))
                }
                Command::ReassignMember { member, .. } => {
                    Some((PrincipalKind::Member(*member), true))
                }
                Command::SetServicePassword { service, .. } => {
                    Some((PrincipalKind::Service(*service), true))
                }
                Command::DeleteService { service } => {
                    Some((PrincipalKind::Service(*service), false))
                }
                Command::SetSuperPassword { .. } => Some((PrincipalKind::Admin, true)),
                _ => None,
            })
            .collect();
        for cmd in cmds {
            authorize(&state, actor, &cmd)?;
            let mut ctx = Ctx {
                now,
                uuid: &mut uuid,
            };
            let out = apply(&mut state, cmd, &mut ctx)?;
            changes.extend(out.changes.iter().cloned());
            outcomes.push(out);
        }
        let audit = AuditRecord {
            at: now,
            actor: actor_name(&state, actor),
            source: source.to_string(),
            action,
            target,
            detail: String::new(),
        };
        let store = self.store.clone();
        let new_snap = tokio::task::spawn_blocking(move || -> Result<Snapshot> {
            let seq = store.commit(enterprise, &changes, &audit)?;
            Ok(Snapshot::build(Arc::new(state), seq))
        })
        .await
        .map_err(|e| DirError::Internal(e.to_string()))??;
        self.publish(new_snap);
        if !touched.is_empty() {
            let mut cache = self.cred_cache.lock();
            let mut failures = self.failures.lock();
            for (kind, password_changed) in touched {
                cache.remove(&(enterprise, kind));
                if password_changed {
                    failures.remove(&lockout_key_of(enterprise, kind));
                }
            }
        }
        Ok(outcomes)
    }

    /// The viewer for a principal, from the current snapshot; `None` if the principal no
    /// longer exists or is disabled.
    pub fn viewer(&self, p: &Principal) -> Option<(Arc<Snapshot>, Viewer)> {
        let snap = self.catalog().get(p.enterprise).cloned()?;
        let viewer = match p.kind {
            PrincipalKind::Admin => Viewer::Full,
            PrincipalKind::Member(id) => {
                let m = snap.state.members.get(&id)?;
                if m.disabled || p.holder.is_some_and(|u| u != m.uuid) {
                    return None;
                }
                Viewer::Member {
                    id,
                    scope: m.scope.clone(),
                    hidden: m.hidden,
                }
            }
            PrincipalKind::Service(id) => {
                let s = snap.state.services.get(&id)?;
                if s.disabled {
                    return None;
                }
                Viewer::Service {
                    id,
                    scope: s.scope.clone(),
                    sees_hidden: s.sees_hidden,
                }
            }
        };
        Some((snap, viewer))
    }

    /// Resolves a bind name: a DN, `account`, `account@<enterprise number>` or
    /// `account@<verified domain>`.
    fn resolve_bind_name(&self, name: &str) -> Option<BindTarget> {
        let cat = self.catalog();
        let name = name.trim();
        if name.contains('=') {
            let ndn = Dn::parse(name).ok()?.normalized();
            let snap = cat.enterprises.values().find(|s| s.holds_ndn(&ndn))?;
            if ndn == snap.admin_ndn {
                return Some(BindTarget {
                    principal: Principal {
                        enterprise: snap.number(),
                        kind: PrincipalKind::Admin,
                        dn: format!("{ADMIN_RDN},{}", snap.base),
                        holder: None,
                    },
                    hash: snap.state.enterprise.super_password.clone(),
                    enabled: true,
                });
            }
            let id = snap.lookup_ndn(&ndn)?;
            let entry = snap.entry(id)?;
            return match entry.kind {
                EntryKind::Member(m) => member_target(snap, m),
                EntryKind::Service(s) => {
                    let svc = snap.state.services.get(&s)?;
                    Some(BindTarget {
                        principal: Principal {
                            enterprise: snap.number(),
                            kind: PrincipalKind::Service(s),
                            dn: entry.dn.to_string(),
                            holder: None,
                        },
                        hash: svc.password.clone(),
                        enabled: !svc.disabled,
                    })
                }
                _ => None,
            };
        }
        if let Some((account, qualifier)) = name.rsplit_once('@') {
            let snap = if let Ok(number) = qualifier.parse::<u64>() {
                cat.get(number)?
            } else {
                cat.enterprises.values().find(|s| {
                    s.state
                        .enterprise
                        .domain
                        .as_deref()
                        .is_some_and(|d| d.eq_ignore_ascii_case(qualifier))
                })?
            };
            let m = snap.member_by_account(account)?;
            return member_target(snap, m.id);
        }
        // A bare account must be unique across enterprises.
        let mut found = cat
            .enterprises
            .values()
            .filter_map(|s| s.member_by_account(name).map(|m| (s, m.id)));
        let (snap, id) = found.next()?;
        if found.next().is_some() {
            return None;
        }
        member_target(snap, id)
    }

    fn lockout_key(target: Option<&BindTarget>, name: &str) -> String {
        match target {
            Some(t) => lockout_key_of(t.principal.enterprise, t.principal.kind),
            None => format!("unknown:{}", name.trim().to_lowercase()),
        }
    }

    fn is_locked(&self, key: &str, now: Timestamp) -> bool {
        let map = self.failures.lock();
        map.get(key)
            .and_then(|f| f.locked_until)
            .is_some_and(|until| now < until)
    }

    fn record_failure(&self, key: String, now: Timestamp) {
        if self.config.lockout_threshold == 0 {
            return;
        }
        let mut map = self.failures.lock();
        if map.len() >= MAX_LOCKOUT_RECORDS && !map.contains_key(&key) {
            // Drop expired records, then the oldest ones.
            let lock_secs = self.config.lockout_seconds as i64;
            map.retain(|_, f| now - f.last < lock_secs);
            if map.len() >= MAX_LOCKOUT_RECORDS {
                let mut ages: Vec<(Timestamp, String)> =
                    map.iter().map(|(k, f)| (f.last, k.clone())).collect();
                ages.sort();
                for (_, k) in ages.into_iter().take(MAX_LOCKOUT_RECORDS / 10) {
                    map.remove(&k);
                }
            }
        }
        let f = map.entry(key).or_insert(Failures {
            count: 0,
            locked_until: None,
            last: now,
        });
        if f.locked_until.is_some_and(|u| now >= u) {
            f.count = 0;
            f.locked_until = None;
        }
        f.count += 1;
        f.last = now;
        if f.count >= self.config.lockout_threshold {
            f.locked_until = Some(now + self.config.lockout_seconds as i64);
        }
        drop(map);
    }

    /// Verifies a simple bind. Every failure costs a password-hash check, whatever the
    /// reason, and looks the same to the caller.
    ///
    /// Cheap schemes (`{SSHA}` and friends) are verified inline; slow ones (argon2id,
    /// crypt) on the blocking pool, never on the connection's task. A successful slow
    /// verification is remembered for `bind_cache_seconds` as an HMAC of the password under
    /// a per-process key, tied to the stored hash: a changed password, a disabled member or
    /// a lockout stops it from being used.
    pub async fn bind(
        &self,
        name: &str,
        password: &[u8],
        source: &str,
    ) -> std::result::Result<Principal, BindError> {
        self.bind_from(name, password, source, None).await
    }

    /// [`Directory::bind`] for a client at `ip`: a source that has failed more than
    /// `bind_failures_per_minute` binds in the current minute is refused at once, without a
    /// password check (whatever the name), so one address cannot spray guesses across many
    /// accounts or keep the hashing threads busy.
    pub async fn bind_from(
        &self,
        name: &str,
        password: &[u8],
        source: &str,
        ip: Option<IpAddr>,
    ) -> std::result::Result<Principal, BindError> {
        let now = self.clock.now();
        if let Some(ip) = ip
            && self.source_throttled(ip, now)
        {
            tracing::info!(source, "bind refused: too many failures from this address");
            return Err(BindError::InvalidCredentials);
        }
        let result = self.bind_inner(name, password, source, now).await;
        if let (Some(ip), Err(BindError::InvalidCredentials)) = (ip, &result) {
            self.record_source_failure(ip, now);
        }
        result
    }

    fn source_throttled(&self, ip: IpAddr, now: Timestamp) -> bool {
        let limit = self.config.bind_failures_per_minute;
        limit > 0
            && self
                .source_failures
                .lock()
                .get(&ip)
                .is_some_and(|(count, since)| now - since < 60 && *count >= limit)
    }

    fn record_source_failure(&self, ip: IpAddr, now: Timestamp) {
        if self.config.bind_failures_per_minute == 0 {
            return;
        }
        let mut map = self.source_failures.lock();
        if map.len() >= MAX_LOCKOUT_RECORDS && !map.contains_key(&ip) {
            map.retain(|_, (_, since)| now - *since < 60);
            if map.len() >= MAX_LOCKOUT_RECORDS {
                map.clear();
            }
        }
        let e = map.entry(ip).or_insert((0, now));
        if now - e.1 >= 60 {
            *e = (0, now);
        }
        e.0 = e.0.saturating_add(1);
    }

    async fn bind_inner(
        &self,
        name: &str,
        password: &[u8],
        source: &str,
        now: Timestamp,
    ) -> std::result::Result<Principal, BindError> {
        let target = self.resolve_bind_name(name);
        let key = Self::lockout_key(target.as_ref(), name);
        let locked = self.is_locked(&key, now);
        let hash = target.as_ref().and_then(|t| t.hash.as_deref());
        let slow = hash.is_none_or(is_slow_scheme);
        let cache_key = target
            .as_ref()
            .filter(|_| slow && self.config.bind_cache_seconds > 0)
            .map(|t| (t.principal.enterprise, t.principal.kind));
        let mac = cache_key.map(|_| self.password_mac(password));
        let cached = match (cache_key, &mac, hash) {
            (Some(k), Some(mac), Some(h)) => self.cache_hit(k, mac, h, now),
            _ => false,
        };
        let (matched, new_hash) = if cached {
            (true, None)
        } else if !slow {
            // Microseconds of work: not worth a trip to the blocking pool.
            match hash.map(|h| self.hasher.verify(h, password)) {
                Some(Ok(v)) if v.matched && v.needs_upgrade && self.config.upgrade_hashes => {
                    (true, self.upgrade_hash_for(password))
                }
                Some(Ok(v)) => (v.matched, None),
                _ => (false, None),
            }
        } else {
            self.verify_slow(hash.map(String::from), password).await?
        };
        let Some(target) = target else {
            self.record_failure(key, now);
            tracing::info!(source, "bind failed: unknown name");
            return Err(BindError::InvalidCredentials);
        };
        if !matched {
            self.record_failure(key, now);
            if let Some(k) = cache_key {
                self.cred_cache.lock().remove(&k);
            }
            tracing::info!(source, dn = %target.principal.dn, "bind failed: wrong password");
            return Err(BindError::InvalidCredentials);
        }
        if locked {
            tracing::info!(source, dn = %target.principal.dn, "bind refused: locked out");
            return Err(BindError::InvalidCredentials);
        }
        if !target.enabled {
            tracing::info!(source, dn = %target.principal.dn, "bind refused: disabled");
            return Err(BindError::InvalidCredentials);
        }
        {
            let mut failures = self.failures.lock();
            if failures.contains_key(&key) {
                failures.remove(&key);
            }
        }
        if let (Some(k), Some(mac), Some(h), false) =
            (cache_key, mac, target.hash.as_deref(), cached)
            && new_hash.is_none()
        {
            self.cache_store(k, mac, h, now);
        }
        if let Some(new_hash) = new_hash {
            self.upgrade_hash(&target, new_hash).await;
        }
        Ok(target.principal)
    }

    async fn verify_slow(
        &self,
        hash: Option<String>,
        password: &[u8],
    ) -> std::result::Result<(bool, Option<String>), BindError> {
        let hasher = self.hasher.clone();
        let pw = password.to_vec();
        let upgrade = self.config.upgrade_hashes;
        let mut salt = [0u8; 16];
        self.entropy.fill(&mut salt);
        self.pool
            .run(move || match hash {
                None => {
                    hasher.dummy_verify(&pw);
                    (false, None)
                }
                Some(h) => match hasher.verify(&h, &pw) {
                    Ok(v) if v.matched && v.needs_upgrade && upgrade => {
                        (true, hasher.hash(&pw, &salt).ok())
                    }
                    Ok(v) => (v.matched, None),
                    Err(_) => (false, None),
                },
            })
            .await
            .ok_or(BindError::Unavailable)
    }

    /// An argon2id hash of `password` for a hash upgrade (computed inline: the old scheme
    /// was cheap, and upgrades happen once per account).
    fn upgrade_hash_for(&self, password: &[u8]) -> Option<String> {
        let mut salt = [0u8; 16];
        self.entropy.fill(&mut salt);
        self.hasher.hash(password, &salt).ok()
    }

    fn password_mac(&self, password: &[u8]) -> [u8; 32] {
        use hmac::Mac;
        let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.cache_secret) else {
            return [0; 32];
        };
        mac.update(password);
        mac.finalize().into_bytes().into()
    }

    fn cache_hit(
        &self,
        key: (u64, PrincipalKind),
        mac: &[u8; 32],
        hash: &str,
        now: Timestamp,
    ) -> bool {
        use subtle::ConstantTimeEq;
        let cache = self.cred_cache.lock();
        cache.get(&key).is_some_and(|e| {
            now < e.expires && e.hash_fp == fingerprint(hash) && bool::from(e.mac.ct_eq(mac))
        })
    }

    fn cache_store(&self, key: (u64, PrincipalKind), mac: [u8; 32], hash: &str, now: Timestamp) {
        let mut cache = self.cred_cache.lock();
        if cache.len() >= MAX_CACHE_ENTRIES {
            cache.retain(|_, e| now < e.expires);
            if cache.len() >= MAX_CACHE_ENTRIES {
                cache.clear();
            }
        }
        cache.insert(
            key,
            CachedCredential {
                mac,
                hash_fp: fingerprint(hash),
                expires: now + self.config.bind_cache_seconds as i64,
            },
        );
    }

    /// Queues a hash upgrade. Upgrades are committed in batches (one transaction and one
    /// snapshot rebuild for many accounts), when the queue is full or a second old, or by
    /// [`Directory::flush_upgrades`].
    async fn upgrade_hash(&self, target: &BindTarget, new: String) {
        let Some(old) = target.hash.clone() else {
            return;
        };
        let hash_target = match target.principal.kind {
            PrincipalKind::Member(m) => HashTarget::Member(m),
            PrincipalKind::Service(s) => HashTarget::Service(s),
            PrincipalKind::Admin => HashTarget::Super,
        };
        let due = {
            let mut q = self.upgrades.lock();
            if q.pending.is_empty() {
                q.since = self.clock.now();
            }
            q.pending.push((
                target.principal.enterprise,
                Command::UpgradeHash {
                    target: hash_target,
                    old,
                    new,
                },
            ));
            q.pending.len() >= UPGRADE_BATCH || self.clock.now() > q.since
        };
        if due {
            self.flush_upgrades().await;
        }
    }

    /// Commits queued hash upgrades, one batch per enterprise. The daemon calls this every
    /// second; tests call it to see upgrades at once.
    pub async fn flush_upgrades(&self) {
        let pending = std::mem::take(&mut self.upgrades.lock().pending);
        let mut by_enterprise: BTreeMap<u64, Vec<Command>> = BTreeMap::new();
        for (e, cmd) in pending {
            by_enterprise.entry(e).or_default().push(cmd);
        }
        for (enterprise, cmds) in by_enterprise {
            let n = cmds.len();
            if let Err(e) = self
                .execute_batch(enterprise, Actor::System, "bind", cmds)
                .await
            {
                tracing::warn!(error = %e, enterprise, accounts = n, "password hash upgrades failed");
            } else {
                tracing::debug!(
                    enterprise,
                    accounts = n,
                    "password hashes upgraded to argon2id"
                );
            }
        }
    }

    /// Checks a principal's current password (for Password Modify with oldPasswd).
    pub async fn verify_password(&self, p: &Principal, password: &[u8]) -> bool {
        let Some(snap) = self.catalog().get(p.enterprise).cloned() else {
            return false;
        };
        let hash = match p.kind {
            PrincipalKind::Admin => snap.state.enterprise.super_password.clone(),
            PrincipalKind::Member(m) => snap.state.members.get(&m).and_then(|m| m.password.clone()),
            PrincipalKind::Service(s) => {
                snap.state.services.get(&s).and_then(|s| s.password.clone())
            }
        };
        self.check_hash(hash, password).await.unwrap_or(false)
    }

    /// Verifies `password` against `hash` on the hashing pool; with no hash, a dummy
    /// verification costs the same. `None` if the pool is gone.
    async fn check_hash(&self, hash: Option<String>, password: &[u8]) -> Option<bool> {
        let hasher = self.hasher.clone();
        let pw = password.to_vec();
        self.pool
            .run(move || match hash {
                Some(h) => hasher.verify(&h, &pw).map(|v| v.matched).unwrap_or(false),
                None => {
                    hasher.dummy_verify(&pw);
                    false
                }
            })
            .await
    }

    /// Verifies the password of an identity kept outside the enterprises (a server
    /// operator) with the defences of a bind: the per-address throttle, lockout of `key`
    /// after `lockout_threshold` failures, one hash verification whatever the outcome (pass
    /// `None` for an unknown name), and one answer for every failure (unknown, wrong
    /// password, locked, `enabled == false`). `key` names the identity for the lockout; it
    /// is kept apart from bind identities.
    pub async fn verify_credential(
        &self,
        key: &str,
        hash: Option<&str>,
        enabled: bool,
        password: &[u8],
        ip: Option<IpAddr>,
    ) -> std::result::Result<(), BindError> {
        let now = self.clock.now();
        if let Some(ip) = ip
            && self.source_throttled(ip, now)
        {
            return Err(BindError::InvalidCredentials);
        }
        let key = format!("external:{key}");
        let locked = self.is_locked(&key, now);
        let matched = self
            .check_hash(hash.map(String::from), password)
            .await
            .ok_or(BindError::Unavailable)?;
        if matched && !locked && enabled {
            self.failures.lock().remove(&key);
            return Ok(());
        }
        if !matched {
            self.record_failure(key, now);
        }
        if let Some(ip) = ip {
            self.record_source_failure(ip, now);
        }
        Err(BindError::InvalidCredentials)
    }

    /// Writes an audit row for an event that changes no directory data (a recovery link
    /// requested, used or refused; an SSO hand-off), in the store's usual transaction.
    /// `actor` is written as given (`super`, `member 10001`, `anonymous`).
    pub async fn audit_event(
        &self,
        enterprise: u64,
        actor: &str,
        source: &str,
        action: &str,
        target: &str,
        detail: &str,
    ) -> Result<()> {
        let audit = AuditRecord {
            at: self.clock.now(),
            actor: actor.to_string(),
            source: source.to_string(),
            action: action.to_string(),
            target: target.to_string(),
            detail: detail.to_string(),
        };
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || store.commit(enterprise, &[], &audit))
            .await
            .map_err(|e| DirError::Internal(e.to_string()))??;
        Ok(())
    }

    /// Generates a random password that meets the policy (for Password Modify without a
    /// new password).
    pub fn generate_password(&self) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        let mut buf = [0u8; 20];
        self.entropy.fill(&mut buf);
        let mut pw: String = buf
            .iter()
            .map(|b| {
                ALPHABET
                    .get(usize::from(*b) % ALPHABET.len())
                    .copied()
                    .unwrap_or(b'x') as char
            })
            .collect();
        pw.push_str("-7");
        pw
    }

    /// How long lockouts last (for documentation and tests).
    pub fn lockout_duration(&self) -> Duration {
        Duration::from_secs(self.config.lockout_seconds)
    }
}

fn member_target(snap: &Snapshot, id: MemberId) -> Option<BindTarget> {
    let m = snap.state.members.get(&id)?;
    let entry = snap.member_entry(id).and_then(|e| snap.entry(e))?;
    Some(BindTarget {
        principal: Principal {
            enterprise: snap.number(),
            kind: PrincipalKind::Member(id),
            dn: entry.dn.to_string(),
            holder: Some(m.uuid),
        },
        hash: m.password.clone(),
        enabled: !m.disabled,
    })
}

/// The password policy for new passwords: length bounds and at least two character classes.
pub fn check_password_policy(password: &str, min_len: usize) -> Result<()> {
    let n = password.chars().count();
    if n < min_len {
        return Err(DirError::WeakPassword(format!(
            "must be at least {min_len} characters"
        )));
    }
    if n > 256 {
        return Err(DirError::WeakPassword(
            "must be at most 256 characters".into(),
        ));
    }
    if character_classes(password) < 2 {
        return Err(DirError::WeakPassword(
            "must mix at least two of: lower case, upper case, digits, symbols".into(),
        ));
    }
    Ok(())
}

/// How many of lower case, upper case, digits and symbols a password uses.
fn character_classes(password: &str) -> usize {
    [
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ]
    .iter()
    .filter(|b| **b)
    .count()
}

/// The super password policy (SPEC ENT-3): the length bounds of [`check_password_policy`]
/// and at least three of the four classes upper case, lower case, digits and symbols
/// (`abcABC123` is acceptable, `abcabc123` is not).
pub fn check_super_password_policy(password: &str, min_len: usize) -> Result<()> {
    check_password_policy(password, min_len)?;
    if character_classes(password) < 3 {
        return Err(DirError::WeakPassword(
            "a super password must mix at least three of: upper case, lower case, digits, \
             symbols (& * % …)"
                .into(),
        ));
    }
    Ok(())
}

/// How an actor is named in the audit log.
pub fn actor_name(state: &EnterpriseState, actor: Actor) -> String {
    match actor {
        Actor::System => "system".into(),
        Actor::Operator => "operator".into(),
        Actor::EnterpriseAdmin => "super".into(),
        Actor::Member(m) => state
            .members
            .get(&m)
            .map(|m| format!("member {}", m.account))
            .unwrap_or_else(|| format!("member #{}", m.0)),
        Actor::Service(s) => state
            .services
            .get(&s)
            .map(|s| format!("service {}", s.name))
            .unwrap_or_else(|| format!("service #{}", s.0)),
    }
}

/// The audit action key and target of a command.
fn describe(state: &EnterpriseState, cmd: &Command) -> (String, String) {
    let member = |id: &MemberId| {
        state
            .members
            .get(id)
            .map(|m| m.account.clone())
            .unwrap_or_else(|| format!("#{}", id.0))
    };
    let org = |id: &OrgId| {
        state
            .orgs
            .get(id)
            .map(|o| o.name.clone())
            .unwrap_or_else(|| format!("#{}", id.0))
    };
    let group = |id: &GroupId| {
        state
            .groups
            .get(id)
            .map(|g| g.name.clone())
            .unwrap_or_else(|| format!("#{}", id.0))
    };
    let (a, t) = match cmd {
        Command::CreateOrg { parent, name } => {
            ("org.create", format!("{name} under {}", org(parent)))
        }
        Command::RenameOrg { org: o, name } => ("org.rename", format!("{} -> {name}", org(o))),
        Command::MoveOrg { org: o, parent } => {
            ("org.move", format!("{} -> {}", org(o), org(parent)))
        }
        Command::DeleteOrg { org: o } => ("org.delete", org(o)),
        Command::AddMember(n) => (
            "member.add",
            n.account.clone().unwrap_or_else(|| n.name.clone()),
        ),
        Command::UpdateMember { member: m, .. } => ("member.update", member(m)),
        Command::MoveMember { member: m, org: o } => {
            ("member.move", format!("{} -> {}", member(m), org(o)))
        }
        Command::SetMemberRole { member: m, .. } => ("member.role", member(m)),
        Command::SetMemberDisabled {
            member: m,
            disabled,
        } => (
            if *disabled {
                "member.disable"
            } else {
                "member.enable"
            },
            member(m),
        ),
        Command::SetMemberHidden { member: m, hidden } => (
            if *hidden {
                "member.hide"
            } else {
                "member.unhide"
            },
            member(m),
        ),
        Command::SetMemberPassword { member: m, .. } => ("member.password", member(m)),
        Command::DeleteMember { member: m } => ("member.delete", member(m)),
        Command::ReassignMember { member: m, .. } => ("member.reassign", member(m)),
        Command::CreateGroup(g) => ("group.create", g.name.clone()),
        Command::AddGroupMembers { group: g, .. } => ("group.add_members", group(g)),
        Command::RemoveGroupMembers { group: g, .. } => ("group.remove_members", group(g)),
        Command::DeleteGroup { group: g } => ("group.delete", group(g)),
        Command::CreateService(s) => ("service.create", s.name.clone()),
        Command::SetServicePassword { service, .. } => (
            "service.password",
            state
                .services
                .get(service)
                .map(|s| s.name.clone())
                .unwrap_or_default(),
        ),
        Command::DeleteService { service } => (
            "service.delete",
            state
                .services
                .get(service)
                .map(|s| s.name.clone())
                .unwrap_or_default(),
        ),
        Command::SetSuperPassword { .. } => ("enterprise.super_password", String::new()),
        Command::SubmitProfile {
            name, short_name, ..
        } => (
            "enterprise.profile_submit",
            format!("{name} ({short_name})"),
        ),
        Command::ReviewProfile { approve, reason } => (
            if *approve {
                "enterprise.profile_approve"
            } else {
                "enterprise.profile_reject"
            },
            reason.clone().unwrap_or_default(),
        ),
        Command::SetRecoveryEmail { email } => (
            "enterprise.recovery_email",
            email.clone().unwrap_or_default(),
        ),
        Command::SetInitialPassword { hash } => (
            "enterprise.initial_password",
            if hash.is_some() { "set" } else { "cleared" }.to_string(),
        ),
        Command::SetPlugin {
            plugin, enabled, ..
        } => (
            if *enabled {
                "plugin.enable"
            } else {
                "plugin.disable"
            },
            plugin.clone(),
        ),
        Command::UpgradeHash { .. } => ("password.upgrade", String::new()),
        Command::SetEnterpriseTerms {
            seats,
            account_range,
            expires_at,
            limits,
        } => {
            let mut what = Vec::new();
            if let Some(s) = seats {
                what.push(format!("seats {s}"));
            }
            if let Some((lo, hi)) = account_range {
                what.push(format!("accounts {lo}-{hi}"));
            }
            match expires_at {
                Some(Some(t)) => what.push(format!("expires {t}")),
                Some(None) => what.push("no expiry".into()),
                None => {}
            }
            if limits.is_some() {
                what.push("limits".into());
            }
            ("enterprise.terms", what.join(", "))
        }
        Command::CreateRole { name, .. } => ("role.create", name.clone()),
        Command::UpdateRole { role, .. } => (
            "role.update",
            state
                .roles
                .get(role)
                .map(|r| r.name.clone())
                .unwrap_or_default(),
        ),
        Command::DeleteRole { role } => (
            "role.delete",
            state
                .roles
                .get(role)
                .map(|r| r.name.clone())
                .unwrap_or_default(),
        ),
    };
    (a.to_string(), t)
}
