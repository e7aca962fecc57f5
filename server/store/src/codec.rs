//! How domain values without an SQL type of their own become column values, and back.
//!
//! Backend-neutral, so SQLite and a later PostgreSQL backend store exactly the same text:
//! lists and the limits record are JSON text, permissions and built-in roles their stable
//! keys, and unique names get a normalized `_key` column.

use std::collections::{BTreeMap, BTreeSet};

use orgdir_domain::command::Change;
use orgdir_domain::dn::{Dn, normalize_value};
use orgdir_domain::limits::Limits;
use orgdir_domain::model::{
    BuiltinRole, EnterpriseAccount, OrgId, PluginSetting, Profile, ProfileChange, Review,
};
use orgdir_domain::role::Permission;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::record::{
    ENTITY_ENTERPRISE, ENTITY_GROUP, ENTITY_MEMBER, ENTITY_ORG, ENTITY_ROLE, ENTITY_SERVICE,
    OP_DELETE, OP_PUT,
};

/// The unique key of a naming context: the RFC 4514 canonical form (`DC=Example, DC=com` and
/// `dc=example,dc=com` collide). A string that does not parse as a DN is compared by its
/// case- and space-folded text.
pub fn naming_context_key(nc: &str) -> String {
    Dn::parse(nc)
        .map(|dn| dn.normalized())
        .unwrap_or_else(|_| normalize_value(nc))
}

/// The unique key of an account, group name or service name: ASCII lower-case, exactly the
/// comparison the domain makes (`eq_ignore_ascii_case`).
pub fn name_key(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// The limits record as stored. Keys missing from stored JSON take the default, so a new
/// limit needs no migration.
#[derive(Serialize, Deserialize)]
#[serde(default)]
struct LimitsRow {
    max_root_orgs: u32,
    max_members_per_org: u32,
    max_scope_orgs: u32,
    max_org_depth: u32,
    max_groups: u32,
}

impl Default for LimitsRow {
    fn default() -> LimitsRow {
        LimitsRow::from(Limits::default())
    }
}

impl From<Limits> for LimitsRow {
    fn from(l: Limits) -> LimitsRow {
        LimitsRow {
            max_root_orgs: l.max_root_orgs,
            max_members_per_org: l.max_members_per_org,
            max_scope_orgs: l.max_scope_orgs,
            max_org_depth: l.max_org_depth,
            max_groups: l.max_groups,
        }
    }
}

/// Limits as JSON text.
pub fn limits_to_json(limits: &Limits) -> Result<String> {
    serde_json::to_string(&LimitsRow::from(*limits))
        .map_err(|e| Error::Invalid(format!("limits: {e}")))
}

/// Limits from JSON text; `Err` says what is wrong.
pub fn limits_from_json(text: &str) -> Result<Limits, String> {
    let row: LimitsRow =
        serde_json::from_str(text).map_err(|e| format!("limits {text:?} are not valid: {e}"))?;
    Ok(Limits {
        max_root_orgs: row.max_root_orgs,
        max_members_per_org: row.max_members_per_org,
        max_scope_orgs: row.max_scope_orgs,
        max_org_depth: row.max_org_depth,
        max_groups: row.max_groups,
    })
}

/// The enterprise account's data as stored (one JSON column; every field optional so rows
/// written before a field existed still read).
#[derive(Serialize, Deserialize, Default)]
#[serde(default)]
struct AccountRow {
    profile: ProfileRow,
    pending: Option<PendingRow>,
    last_review: Option<ReviewRow>,
    recovery_email: Option<String>,
    initial_password: Option<String>,
    plugins: BTreeMap<String, PluginRow>,
}

#[derive(Serialize, Deserialize)]
struct PluginRow {
    enabled: bool,
    changed_at: i64,
    defaults_granted: bool,
}

#[derive(Serialize, Deserialize, Default)]
#[serde(default)]
struct ProfileRow {
    address: Option<String>,
    industry: Option<String>,
    contact_name: Option<String>,
    contact_phone: Option<String>,
    contact_email: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct PendingRow {
    name: String,
    short_name: String,
    profile: ProfileRow,
    submitted_at: i64,
}

#[derive(Serialize, Deserialize)]
struct ReviewRow {
    approved: bool,
    reason: Option<String>,
    at: i64,
}

impl From<&Profile> for ProfileRow {
    fn from(p: &Profile) -> ProfileRow {
        ProfileRow {
            address: p.address.clone(),
            industry: p.industry.clone(),
            contact_name: p.contact_name.clone(),
            contact_phone: p.contact_phone.clone(),
            contact_email: p.contact_email.clone(),
        }
    }
}

impl From<ProfileRow> for Profile {
    fn from(p: ProfileRow) -> Profile {
        Profile {
            address: p.address,
            industry: p.industry,
            contact_name: p.contact_name,
            contact_phone: p.contact_phone,
            contact_email: p.contact_email,
        }
    }
}

/// The enterprise account as JSON text.
pub fn account_to_json(a: &EnterpriseAccount) -> Result<String> {
    let row = AccountRow {
        profile: ProfileRow::from(&a.profile),
        pending: a.pending.as_ref().map(|p| PendingRow {
            name: p.name.clone(),
            short_name: p.short_name.clone(),
            profile: ProfileRow::from(&p.profile),
            submitted_at: p.submitted_at,
        }),
        last_review: a.last_review.as_ref().map(|r| ReviewRow {
            approved: r.approved,
            reason: r.reason.clone(),
            at: r.at,
        }),
        recovery_email: a.recovery_email.clone(),
        initial_password: a.initial_password.clone(),
        plugins: a
            .plugins
            .iter()
            .map(|(id, p)| {
                (
                    id.clone(),
                    PluginRow {
                        enabled: p.enabled,
                        changed_at: p.changed_at,
                        defaults_granted: p.defaults_granted,
                    },
                )
            })
            .collect(),
    };
    serde_json::to_string(&row).map_err(|e| Error::Invalid(format!("enterprise account: {e}")))
}

/// The enterprise account from JSON text; `Err` says what is wrong.
pub fn account_from_json(text: &str) -> Result<EnterpriseAccount, String> {
    let row: AccountRow = serde_json::from_str(text)
        .map_err(|e| format!("enterprise account {text:?} is not valid: {e}"))?;
    Ok(EnterpriseAccount {
        profile: row.profile.into(),
        pending: row.pending.map(|p| ProfileChange {
            name: p.name,
            short_name: p.short_name,
            profile: p.profile.into(),
            submitted_at: p.submitted_at,
        }),
        last_review: row.last_review.map(|r| Review {
            approved: r.approved,
            reason: r.reason,
            at: r.at,
        }),
        recovery_email: row.recovery_email,
        initial_password: row.initial_password,
        plugins: row
            .plugins
            .into_iter()
            .map(|(id, p)| {
                (
                    id,
                    PluginSetting {
                        enabled: p.enabled,
                        changed_at: p.changed_at,
                        defaults_granted: p.defaults_granted,
                    },
                )
            })
            .collect(),
    })
}

/// A list of org ids as a JSON array, order kept.
pub fn orgs_to_json(orgs: &[OrgId]) -> Result<String> {
    let ids: Vec<u64> = orgs.iter().map(|o| o.0).collect();
    serde_json::to_string(&ids).map_err(|e| Error::Invalid(format!("org list: {e}")))
}

/// A list of org ids from a JSON array.
pub fn orgs_from_json(text: &str) -> Result<Vec<OrgId>, String> {
    let ids: Vec<u64> = serde_json::from_str(text)
        .map_err(|e| format!("org list {text:?} is not a JSON array of ids: {e}"))?;
    Ok(ids.into_iter().map(OrgId).collect())
}

/// Permissions as a JSON array of their stable keys, in the domain's order.
pub fn permissions_to_json(perms: &BTreeSet<Permission>) -> Result<String> {
    let keys: Vec<&str> = perms.iter().map(|p| p.key()).collect();
    serde_json::to_string(&keys).map_err(|e| Error::Invalid(format!("permissions: {e}")))
}

/// Permissions from a JSON array of keys. An unknown key is an error, not silently dropped:
/// dropping it would take a right away on the next write of the role.
pub fn permissions_from_json(text: &str) -> Result<BTreeSet<Permission>, String> {
    let keys: Vec<String> = serde_json::from_str(text)
        .map_err(|e| format!("permissions {text:?} are not a JSON array of keys: {e}"))?;
    keys.iter()
        .map(|k| Permission::from_key(k).ok_or_else(|| format!("unknown permission {k:?}")))
        .collect()
}

/// A built-in role from its stored key.
pub fn builtin_from_key(key: Option<&str>) -> Result<Option<BuiltinRole>, String> {
    key.map(|k| BuiltinRole::from_key(k).ok_or_else(|| format!("unknown built-in role {k:?}")))
        .transpose()
}

/// The changelog entity, row id and op of a change.
pub fn change_target(change: &Change) -> (&'static str, u64, &'static str) {
    match change {
        Change::Enterprise(e) => (ENTITY_ENTERPRISE, e.number, OP_PUT),
        Change::PutOrg(o) => (ENTITY_ORG, o.id.0, OP_PUT),
        Change::DeleteOrg(id) => (ENTITY_ORG, id.0, OP_DELETE),
        Change::PutMember(m) => (ENTITY_MEMBER, m.id.0, OP_PUT),
        Change::DeleteMember(id) => (ENTITY_MEMBER, id.0, OP_DELETE),
        Change::PutRole(r) => (ENTITY_ROLE, r.id.0, OP_PUT),
        Change::DeleteRole(id) => (ENTITY_ROLE, id.0, OP_DELETE),
        Change::PutGroup(g) => (ENTITY_GROUP, g.id.0, OP_PUT),
        Change::DeleteGroup(id) => (ENTITY_GROUP, id.0, OP_DELETE),
        Change::PutService(s) => (ENTITY_SERVICE, s.id.0, OP_PUT),
        Change::DeleteService(id) => (ENTITY_SERVICE, id.0, OP_DELETE),
    }
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern and wraps it in `%…%`,
/// lower-cased (ASCII) to match `lower(column)`.
pub fn contains_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c.to_ascii_lowercase());
    }
    out.push('%');
    out
}
