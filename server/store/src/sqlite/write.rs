//! The write half of the SQLite backend: rows in, with the changelog and audit rows, inside a
//! transaction the caller opened. Every statement is prepared once and cached.
//!
//! Puts are upserts keyed by `(enterprise, id)` (`INSERT … ON CONFLICT (enterprise, id) DO
//! UPDATE`), never `INSERT OR REPLACE`, which would silently delete whatever other row holds
//! the same account or name instead of refusing the write.

use std::collections::BTreeSet;

use orgdir_domain::command::Change;
use orgdir_domain::model::{
    Enterprise, EnterpriseState, Group, Member, Org, Role, ServiceAccount, Timestamp,
};
use rusqlite::{Connection, ErrorCode, OptionalExtension, Transaction, params};

use crate::codec::{
    account_to_json, change_target, limits_to_json, name_key, naming_context_key, orgs_to_json,
    permissions_to_json,
};
use crate::error::{Error, Result};
use crate::record::{
    AuditRecord, ENTITY_ENTERPRISE, ENTITY_GROUP, ENTITY_MEMBER, ENTITY_ORG, ENTITY_ROLE,
    ENTITY_SERVICE, OP_PUT,
};

/// Inserts a new enterprise with everything in `state`. Returns the last changelog seq.
pub(super) fn create_enterprise(
    tx: &Connection,
    state: &EnterpriseState,
    audit: &AuditRecord,
) -> Result<u64> {
    let ent = &state.enterprise;
    let number = ent.number;
    let taken: Option<String> = tx
        .prepare_cached("SELECT naming_context FROM enterprises WHERE number = ?1")?
        .query_row([number], |r| r.get(0))
        .optional()?;
    if let Some(nc) = taken {
        return Err(Error::Conflict(format!(
            "enterprise number {number} is already used (naming context {nc})"
        )));
    }
    let other: Option<u64> = tx
        .prepare_cached("SELECT number FROM enterprises WHERE naming_context_key = ?1")?
        .query_row([naming_context_key(&ent.naming_context)], |r| r.get(0))
        .optional()?;
    if let Some(other) = other {
        return Err(Error::Conflict(format!(
            "naming context {} is already used by enterprise {other}",
            ent.naming_context
        )));
    }

    insert_enterprise(tx, ent, state.next_id)
        .map_err(|e| refused(e, number, "the enterprise record"))?;
    let at = audit.at;
    let mut seq = log(tx, number, at, ENTITY_ENTERPRISE, number, OP_PUT)?;
    for o in state.orgs.values() {
        put_org(tx, number, o)?;
        seq = log(tx, number, at, ENTITY_ORG, o.id.0, OP_PUT)?;
    }
    for r in state.roles.values() {
        put_role(tx, number, r)?;
        seq = log(tx, number, at, ENTITY_ROLE, r.id.0, OP_PUT)?;
    }
    for m in state.members.values() {
        put_member(tx, number, m)?;
        seq = log(tx, number, at, ENTITY_MEMBER, m.id.0, OP_PUT)?;
    }
    for g in state.groups.values() {
        put_group(tx, number, g, false)?;
        seq = log(tx, number, at, ENTITY_GROUP, g.id.0, OP_PUT)?;
    }
    for s in state.services.values() {
        put_service(tx, number, s)?;
        seq = log(tx, number, at, ENTITY_SERVICE, s.id.0, OP_PUT)?;
    }
    insert_audit(tx, number, audit)?;
    Ok(seq)
}

/// Applies `changes` of one enterprise. Returns the last changelog seq.
pub(super) fn commit(
    tx: &Connection,
    enterprise: u64,
    changes: &[Change],
    audit: &AuditRecord,
) -> Result<u64> {
    let next_id: Option<u64> = tx
        .prepare_cached("SELECT next_id FROM enterprises WHERE number = ?1")?
        .query_row([enterprise], |r| r.get(0))
        .optional()?;
    let Some(next_id) = next_id else {
        return Err(Error::NotFound(format!("enterprise {enterprise}")));
    };
    let mut seq = None;
    let mut highest_put = None;
    for change in changes {
        apply_change(tx, enterprise, change)?;
        let (entity, id, op) = change_target(change);
        if op == OP_PUT && entity != ENTITY_ENTERPRISE {
            highest_put = highest_put.max(Some(id));
        }
        seq = Some(log(tx, enterprise, audit.at, entity, id, op)?);
    }
    if let Some(highest) = highest_put.filter(|h| *h >= next_id) {
        let next = highest.checked_add(1).ok_or_else(|| {
            Error::Invalid(format!(
                "enterprise {enterprise}: id {highest} is the largest possible"
            ))
        })?;
        tx.prepare_cached("UPDATE enterprises SET next_id = ?1 WHERE number = ?2")?
            .execute(params![next, enterprise])
            .map_err(|e| refused(e, enterprise, "next id"))?;
    }
    insert_audit(tx, enterprise, audit)?;
    match seq {
        Some(seq) => Ok(seq),
        None => Ok(tx
            .prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM changelog")?
            .query_row([], |r| r.get(0))?),
    }
}

/// Commits; a deferred foreign key that fails here becomes a [`Error::Conflict`]. On any
/// error the transaction is rolled back (dropping it does that).
pub(super) fn finish(tx: Transaction<'_>, enterprise: u64) -> Result<()> {
    tx.commit().map_err(|e| {
        if e.sqlite_error_code() == Some(ErrorCode::ConstraintViolation) {
            Error::Conflict(format!(
                "enterprise {enterprise}: the write would leave a row referring to a missing \
                 org, role, group or member ({e}); nothing was written"
            ))
        } else {
            Error::Sqlite(e)
        }
    })
}

fn apply_change(tx: &Connection, enterprise: u64, change: &Change) -> Result<()> {
    match change {
        Change::Enterprise(e) => {
            if e.number != enterprise {
                return Err(Error::Invalid(format!(
                    "a commit to enterprise {enterprise} cannot replace the record of enterprise {}",
                    e.number
                )));
            }
            update_enterprise(tx, e)
                .map_err(|err| refused(err, enterprise, "the enterprise record"))
        }
        Change::PutOrg(o) => put_org(tx, enterprise, o),
        Change::PutRole(r) => put_role(tx, enterprise, r),
        Change::PutMember(m) => put_member(tx, enterprise, m),
        Change::PutGroup(g) => put_group(tx, enterprise, g, true),
        Change::PutService(s) => put_service(tx, enterprise, s),
        Change::DeleteOrg(id) => delete(tx, enterprise, ENTITY_ORG, id.0),
        Change::DeleteRole(id) => delete(tx, enterprise, ENTITY_ROLE, id.0),
        Change::DeleteMember(id) => delete(tx, enterprise, ENTITY_MEMBER, id.0),
        Change::DeleteGroup(id) => delete(tx, enterprise, ENTITY_GROUP, id.0),
        Change::DeleteService(id) => delete(tx, enterprise, ENTITY_SERVICE, id.0),
    }
}

/// Turns a failed statement into a clear error naming what was being written.
fn refused(err: rusqlite::Error, enterprise: u64, what: &str) -> Error {
    if let rusqlite::Error::ToSqlConversionFailure(e) = &err {
        return Error::Invalid(format!("enterprise {enterprise}: {what}: {e}"));
    }
    if err.sqlite_error_code() != Some(ErrorCode::ConstraintViolation) {
        return Error::Sqlite(err);
    }
    let msg = err.to_string();
    let why = if msg.contains("members.account_key") {
        "the account is already used by another member"
    } else if msg.contains("groups.name_key") {
        "the name is already used by another group"
    } else if msg.contains("services.name_key") {
        "the name is already used by another service account"
    } else if msg.contains("naming_context_key") {
        "the naming context is already used by another enterprise"
    } else if msg.contains("roles.builtin") {
        "another role already is that built-in role"
    } else {
        msg.as_str()
    };
    Error::Conflict(format!("enterprise {enterprise}: {what}: {why}"))
}

fn insert_enterprise(tx: &Connection, e: &Enterprise, next_id: u64) -> rusqlite::Result<()> {
    let limits = limits_to_json(&e.limits).map_err(to_sql_failure)?;
    let account = account_to_json(&e.account).map_err(to_sql_failure)?;
    tx.prepare_cached(
        "INSERT INTO enterprises (number, naming_context, naming_context_key, short_name, name,
             seats, account_first, account_last, expires_at, domain, super_password, limits,
             posix_base, uuid, next_id, created_at, modified_at, groups_rdn, services_rdn,
             account)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
             ?19, ?20)",
    )?
    .execute(params![
        e.number,
        e.naming_context,
        naming_context_key(&e.naming_context),
        e.short_name,
        e.name,
        e.seats,
        e.account_range.0,
        e.account_range.1,
        e.expires_at,
        e.domain,
        e.super_password,
        limits,
        e.posix_base,
        e.uuid,
        next_id,
        e.created_at,
        e.modified_at,
        e.groups_rdn,
        e.services_rdn,
        account,
    ])?;
    Ok(())
}

fn update_enterprise(tx: &Connection, e: &Enterprise) -> rusqlite::Result<()> {
    let limits = limits_to_json(&e.limits).map_err(to_sql_failure)?;
    let account = account_to_json(&e.account).map_err(to_sql_failure)?;
    tx.prepare_cached(
        "UPDATE enterprises SET naming_context = ?2, naming_context_key = ?3, short_name = ?4,
             name = ?5, seats = ?6, account_first = ?7, account_last = ?8, expires_at = ?9,
             domain = ?10, super_password = ?11, limits = ?12, posix_base = ?13, uuid = ?14,
             created_at = ?15, modified_at = ?16, groups_rdn = ?17, services_rdn = ?18,
             account = ?19
         WHERE number = ?1",
    )?
    .execute(params![
        e.number,
        e.naming_context,
        naming_context_key(&e.naming_context),
        e.short_name,
        e.name,
        e.seats,
        e.account_range.0,
        e.account_range.1,
        e.expires_at,
        e.domain,
        e.super_password,
        limits,
        e.posix_base,
        e.uuid,
        e.created_at,
        e.modified_at,
        e.groups_rdn,
        e.services_rdn,
        account,
    ])?;
    Ok(())
}

fn put_org(tx: &Connection, enterprise: u64, o: &Org) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO orgs (enterprise, id, parent, name, uuid, created_at, modified_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (enterprise, id) DO UPDATE SET parent = excluded.parent,
             name = excluded.name, uuid = excluded.uuid, created_at = excluded.created_at,
             modified_at = excluded.modified_at",
    )?
    .execute(params![
        enterprise,
        o.id.0,
        o.parent.map(|p| p.0),
        o.name,
        o.uuid,
        o.created_at,
        o.modified_at,
    ])
    .map_err(|e| refused(e, enterprise, &format!("org {} ({:?})", o.id.0, o.name)))?;
    Ok(())
}

fn put_role(tx: &Connection, enterprise: u64, r: &Role) -> Result<()> {
    let permissions = permissions_to_json(&r.permissions)?;
    tx.prepare_cached(
        "INSERT INTO roles (enterprise, id, name, builtin, permissions, uuid, created_at,
             modified_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (enterprise, id) DO UPDATE SET name = excluded.name,
             builtin = excluded.builtin, permissions = excluded.permissions,
             uuid = excluded.uuid, created_at = excluded.created_at,
             modified_at = excluded.modified_at",
    )?
    .execute(params![
        enterprise,
        r.id.0,
        r.name,
        r.builtin.map(|b| b.key()),
        permissions,
        r.uuid,
        r.created_at,
        r.modified_at,
    ])
    .map_err(|e| refused(e, enterprise, &format!("role {} ({:?})", r.id.0, r.name)))?;
    Ok(())
}

fn put_member(tx: &Connection, enterprise: u64, m: &Member) -> Result<()> {
    let scope = orgs_to_json(&m.scope)?;
    tx.prepare_cached(
        "INSERT INTO members (enterprise, id, account, account_key, org, name, surname,
             given_name, mobile, email, title, employee_number, role, scope, hidden, disabled,
             uid_number, gid_number, login_shell, home_directory, password,
             must_change_password, uuid, created_at, modified_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
             ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25)
         ON CONFLICT (enterprise, id) DO UPDATE SET account = excluded.account,
             account_key = excluded.account_key, org = excluded.org, name = excluded.name,
             surname = excluded.surname, given_name = excluded.given_name,
             mobile = excluded.mobile, email = excluded.email, title = excluded.title,
             employee_number = excluded.employee_number, role = excluded.role,
             scope = excluded.scope, hidden = excluded.hidden, disabled = excluded.disabled,
             uid_number = excluded.uid_number, gid_number = excluded.gid_number,
             login_shell = excluded.login_shell, home_directory = excluded.home_directory,
             password = excluded.password,
             must_change_password = excluded.must_change_password, uuid = excluded.uuid,
             created_at = excluded.created_at, modified_at = excluded.modified_at",
    )?
    .execute(params![
        enterprise,
        m.id.0,
        m.account,
        name_key(&m.account),
        m.org.0,
        m.name,
        m.surname,
        m.given_name,
        m.mobile,
        m.email,
        m.title,
        m.employee_number,
        m.role.0,
        scope,
        m.hidden,
        m.disabled,
        m.uid_number,
        m.gid_number,
        m.login_shell,
        m.home_directory,
        m.password,
        m.must_change_password,
        m.uuid,
        m.created_at,
        m.modified_at,
    ])
    .map_err(|e| {
        refused(
            e,
            enterprise,
            &format!("member {} (account {})", m.id.0, m.account),
        )
    })?;
    Ok(())
}

/// Upserts the group row and brings its member rows to `g.members`, touching only the rows
/// that differ (a 30,000-member group gaining one member writes one row). `existing` says
/// whether the group may already have member rows.
fn put_group(tx: &Connection, enterprise: u64, g: &Group, existing: bool) -> Result<()> {
    let what = || format!("group {} ({:?})", g.id.0, g.name);
    tx.prepare_cached(
        "INSERT INTO groups (enterprise, id, name, name_key, description, gid_number, owner,
             uuid, created_at, modified_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (enterprise, id) DO UPDATE SET name = excluded.name,
             name_key = excluded.name_key, description = excluded.description,
             gid_number = excluded.gid_number, owner = excluded.owner, uuid = excluded.uuid,
             created_at = excluded.created_at, modified_at = excluded.modified_at",
    )?
    .execute(params![
        enterprise,
        g.id.0,
        g.name,
        name_key(&g.name),
        g.description,
        g.gid_number,
        g.owner.map(|o| o.0),
        g.uuid,
        g.created_at,
        g.modified_at,
    ])
    .map_err(|e| refused(e, enterprise, &what()))?;

    let mut stored = BTreeSet::new();
    if existing {
        let mut stmt = tx.prepare_cached(
            "SELECT member_id FROM group_members WHERE enterprise = ?1 AND group_id = ?2",
        )?;
        let mut rows = stmt.query(params![enterprise, g.id.0])?;
        while let Some(row) = rows.next()? {
            stored.insert(row.get::<_, u64>(0)?);
        }
    }
    let mut remove = tx.prepare_cached(
        "DELETE FROM group_members WHERE enterprise = ?1 AND group_id = ?2 AND member_id = ?3",
    )?;
    let wanted: BTreeSet<u64> = g.members.iter().map(|m| m.0).collect();
    for gone in stored.difference(&wanted) {
        remove
            .execute(params![enterprise, g.id.0, gone])
            .map_err(|e| refused(e, enterprise, &what()))?;
    }
    let mut add = tx.prepare_cached(
        "INSERT INTO group_members (enterprise, group_id, member_id) VALUES (?1, ?2, ?3)",
    )?;
    for new in wanted.difference(&stored) {
        add.execute(params![enterprise, g.id.0, new])
            .map_err(|e| refused(e, enterprise, &what()))?;
    }
    Ok(())
}

fn put_service(tx: &Connection, enterprise: u64, s: &ServiceAccount) -> Result<()> {
    let scope = orgs_to_json(&s.scope)?;
    tx.prepare_cached(
        "INSERT INTO services (enterprise, id, name, name_key, description, password, scope,
             sees_hidden, can_write, disabled, uuid, created_at, modified_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT (enterprise, id) DO UPDATE SET name = excluded.name,
             name_key = excluded.name_key, description = excluded.description,
             password = excluded.password, scope = excluded.scope,
             sees_hidden = excluded.sees_hidden, can_write = excluded.can_write,
             disabled = excluded.disabled, uuid = excluded.uuid,
             created_at = excluded.created_at, modified_at = excluded.modified_at",
    )?
    .execute(params![
        enterprise,
        s.id.0,
        s.name,
        name_key(&s.name),
        s.description,
        s.password,
        scope,
        s.sees_hidden,
        s.can_write,
        s.disabled,
        s.uuid,
        s.created_at,
        s.modified_at,
    ])
    .map_err(|e| {
        refused(
            e,
            enterprise,
            &format!("service account {} ({:?})", s.id.0, s.name),
        )
    })?;
    Ok(())
}

/// Deletes one row; a missing row is [`Error::NotFound`] (the caller's state and the store
/// disagree, which must not pass silently).
fn delete(tx: &Connection, enterprise: u64, entity: &str, id: u64) -> Result<()> {
    let sql = match entity {
        ENTITY_ORG => "DELETE FROM orgs WHERE enterprise = ?1 AND id = ?2",
        ENTITY_ROLE => "DELETE FROM roles WHERE enterprise = ?1 AND id = ?2",
        ENTITY_MEMBER => "DELETE FROM members WHERE enterprise = ?1 AND id = ?2",
        ENTITY_GROUP => "DELETE FROM groups WHERE enterprise = ?1 AND id = ?2",
        _ => "DELETE FROM services WHERE enterprise = ?1 AND id = ?2",
    };
    let what = || format!("{entity} {id}");
    let n = tx
        .prepare_cached(sql)?
        .execute(params![enterprise, id])
        .map_err(|e| refused(e, enterprise, &what()))?;
    if n == 0 {
        return Err(Error::NotFound(format!(
            "enterprise {enterprise}: {} to delete",
            what()
        )));
    }
    Ok(())
}

/// Appends a changelog row; returns its seq.
fn log(
    tx: &Connection,
    enterprise: u64,
    at: Timestamp,
    entity: &str,
    id: u64,
    op: &str,
) -> Result<u64> {
    tx.prepare_cached(
        "INSERT INTO changelog (enterprise, at, entity, entity_id, op) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![enterprise, at, entity, id, op])
    .map_err(|e| refused(e, enterprise, "changelog"))?;
    u64::try_from(tx.last_insert_rowid())
        .map_err(|_| Error::Corrupt("changelog sequence is negative".into()))
}

pub(super) fn insert_audit(tx: &Connection, enterprise: u64, a: &AuditRecord) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO audit (enterprise, at, actor, source, action, target, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        enterprise, a.at, a.actor, a.source, a.action, a.target, a.detail
    ])
    .map_err(|e| refused(e, enterprise, "audit row"))?;
    Ok(())
}

fn to_sql_failure(e: Error) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(Box::new(e))
}
