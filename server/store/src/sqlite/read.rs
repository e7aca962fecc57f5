//! The read half of the SQLite backend: whole tables into [`EnterpriseState`]s (one query
//! per table, not per row, so 30,000 members load in a fraction of a second), the audit
//! trail and the changelog.
//!
//! A row that cannot be mapped back (bad JSON, unknown key, wrong type, out-of-range number)
//! is [`Error::Corrupt`] naming its table and key: loading never guesses.

use std::collections::BTreeMap;

use orgdir_domain::model::{
    Enterprise, EnterpriseState, Group, GroupId, Member, MemberId, Org, OrgId, Role, RoleId,
    ServiceAccount, ServiceId,
};
use rusqlite::types::{FromSql, Value};
use rusqlite::{Connection, Row, params, params_from_iter};

use crate::codec::{
    account_from_json, builtin_from_key, contains_pattern, limits_from_json, orgs_from_json,
    permissions_from_json,
};
use crate::error::{Error, Result};
use crate::record::{AuditEntry, AuditQuery, ChangelogEntry};

/// Typed column access that reports unmappable values as [`Error::Corrupt`].
pub(super) struct Cols<'a, 'r> {
    row: &'a Row<'r>,
    table: &'static str,
    key: Option<(u64, u64)>,
}

impl<'a, 'r> Cols<'a, 'r> {
    pub(super) fn new(row: &'a Row<'r>, table: &'static str) -> Self {
        Cols {
            row,
            table,
            key: None,
        }
    }

    pub(super) fn get<T: FromSql>(&self, idx: usize) -> Result<T> {
        self.row.get(idx).map_err(|e| match e {
            rusqlite::Error::FromSqlConversionFailure(..)
            | rusqlite::Error::IntegralValueOutOfRange(..)
            | rusqlite::Error::InvalidColumnType(..) => self.corrupt(e.to_string()),
            other => Error::Sqlite(other),
        })
    }

    pub(super) fn corrupt(&self, what: String) -> Error {
        match self.key {
            Some((ent, id)) => Error::Corrupt(format!("{} row ({ent}, {id}): {what}", self.table)),
            None => Error::Corrupt(format!("{}: {what}", self.table)),
        }
    }

    /// Reads `(enterprise, id)` from columns 0 and 1 and remembers them for messages.
    fn key(&mut self) -> Result<(u64, u64)> {
        let key = (self.get(0)?, self.get(1)?);
        self.key = Some(key);
        Ok(key)
    }

    fn state<'s>(
        &self,
        states: &'s mut BTreeMap<u64, EnterpriseState>,
    ) -> Result<&'s mut EnterpriseState> {
        let ent = self.key.map(|k| k.0).unwrap_or_default();
        states
            .get_mut(&ent)
            .ok_or_else(|| self.corrupt("belongs to no stored enterprise".into()))
    }
}

/// Every enterprise, ordered by number.
pub(super) fn load_all(conn: &Connection) -> Result<Vec<EnterpriseState>> {
    let mut states = enterprises(conn)?;
    orgs(conn, &mut states)?;
    roles(conn, &mut states)?;
    members(conn, &mut states)?;
    groups(conn, &mut states)?;
    group_members(conn, &mut states)?;
    services(conn, &mut states)?;
    Ok(states.into_values().collect())
}

fn enterprises(conn: &Connection) -> Result<BTreeMap<u64, EnterpriseState>> {
    let mut stmt = conn.prepare_cached(
        "SELECT number, naming_context, short_name, name, seats, account_first, account_last,
             expires_at, domain, super_password, limits, posix_base, uuid, next_id, created_at,
             modified_at, groups_rdn, services_rdn, account
         FROM enterprises",
    )?;
    let mut rows = stmt.query([])?;
    let mut states = BTreeMap::new();
    while let Some(row) = rows.next()? {
        let mut c = Cols::new(row, "enterprises");
        let number: u64 = c.get(0)?;
        c.key = Some((number, number));
        let limits: String = c.get(10)?;
        let account: String = c.get(18)?;
        let enterprise = Enterprise {
            number,
            naming_context: c.get(1)?,
            short_name: c.get(2)?,
            name: c.get(3)?,
            seats: c.get(4)?,
            account_range: (c.get(5)?, c.get(6)?),
            expires_at: c.get(7)?,
            domain: c.get(8)?,
            super_password: c.get(9)?,
            limits: limits_from_json(&limits).map_err(|e| c.corrupt(e))?,
            posix_base: c.get(11)?,
            uuid: c.get(12)?,
            created_at: c.get(14)?,
            modified_at: c.get(15)?,
            groups_rdn: c.get(16)?,
            services_rdn: c.get(17)?,
            account: account_from_json(&account).map_err(|e| c.corrupt(e))?,
        };
        states.insert(
            number,
            EnterpriseState {
                enterprise,
                orgs: BTreeMap::new(),
                members: BTreeMap::new(),
                roles: BTreeMap::new(),
                groups: BTreeMap::new(),
                services: BTreeMap::new(),
                next_id: c.get(13)?,
                derived: Default::default(),
            },
        );
    }
    Ok(states)
}

fn orgs(conn: &Connection, states: &mut BTreeMap<u64, EnterpriseState>) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT enterprise, id, parent, name, uuid, created_at, modified_at FROM orgs",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let mut c = Cols::new(row, "orgs");
        let (_, id) = c.key()?;
        let org = Org {
            id: OrgId(id),
            parent: c.get::<Option<u64>>(2)?.map(OrgId),
            name: c.get(3)?,
            uuid: c.get(4)?,
            created_at: c.get(5)?,
            modified_at: c.get(6)?,
        };
        c.state(states)?.orgs.insert(org.id, org);
    }
    Ok(())
}

fn roles(conn: &Connection, states: &mut BTreeMap<u64, EnterpriseState>) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT enterprise, id, name, builtin, permissions, uuid, created_at, modified_at
         FROM roles",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let mut c = Cols::new(row, "roles");
        let (_, id) = c.key()?;
        let builtin: Option<String> = c.get(3)?;
        let permissions: String = c.get(4)?;
        let role = Role {
            id: RoleId(id),
            name: c.get(2)?,
            builtin: builtin_from_key(builtin.as_deref()).map_err(|e| c.corrupt(e))?,
            permissions: permissions_from_json(&permissions).map_err(|e| c.corrupt(e))?,
            uuid: c.get(5)?,
            created_at: c.get(6)?,
            modified_at: c.get(7)?,
        };
        c.state(states)?.roles.insert(role.id, role);
    }
    Ok(())
}

fn members(conn: &Connection, states: &mut BTreeMap<u64, EnterpriseState>) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT enterprise, id, account, org, name, surname, given_name, mobile, email, title,
             employee_number, role, scope, hidden, disabled, uid_number, gid_number,
             login_shell, home_directory, password, must_change_password, uuid, created_at,
             modified_at
         FROM members",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let mut c = Cols::new(row, "members");
        let (_, id) = c.key()?;
        let scope: String = c.get(12)?;
        let member = Member {
            id: MemberId(id),
            account: c.get(2)?,
            org: OrgId(c.get(3)?),
            name: c.get(4)?,
            surname: c.get(5)?,
            given_name: c.get(6)?,
            mobile: c.get(7)?,
            email: c.get(8)?,
            title: c.get(9)?,
            employee_number: c.get(10)?,
            role: RoleId(c.get(11)?),
            scope: orgs_from_json(&scope).map_err(|e| c.corrupt(e))?,
            hidden: c.get(13)?,
            disabled: c.get(14)?,
            uid_number: c.get(15)?,
            gid_number: c.get(16)?,
            login_shell: c.get(17)?,
            home_directory: c.get(18)?,
            password: c.get(19)?,
            must_change_password: c.get(20)?,
            uuid: c.get(21)?,
            created_at: c.get(22)?,
            modified_at: c.get(23)?,
        };
        c.state(states)?.members.insert(member.id, member);
    }
    Ok(())
}

fn groups(conn: &Connection, states: &mut BTreeMap<u64, EnterpriseState>) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT enterprise, id, name, description, gid_number, owner, uuid, created_at,
             modified_at
         FROM groups",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let mut c = Cols::new(row, "groups");
        let (_, id) = c.key()?;
        let group = Group {
            id: GroupId(id),
            name: c.get(2)?,
            description: c.get(3)?,
            gid_number: c.get(4)?,
            members: Default::default(),
            owner: c.get::<Option<u64>>(5)?.map(MemberId),
            uuid: c.get(6)?,
            created_at: c.get(7)?,
            modified_at: c.get(8)?,
        };
        c.state(states)?.groups.insert(group.id, group);
    }
    Ok(())
}

fn group_members(conn: &Connection, states: &mut BTreeMap<u64, EnterpriseState>) -> Result<()> {
    let mut stmt =
        conn.prepare_cached("SELECT enterprise, group_id, member_id FROM group_members")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let mut c = Cols::new(row, "group_members");
        let (_, group) = c.key()?;
        let member: u64 = c.get(2)?;
        c.state(states)?
            .groups
            .get_mut(&GroupId(group))
            .ok_or_else(|| c.corrupt("refers to a missing group".into()))?
            .members
            .insert(MemberId(member));
    }
    Ok(())
}

fn services(conn: &Connection, states: &mut BTreeMap<u64, EnterpriseState>) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT enterprise, id, name, description, password, scope, sees_hidden, can_write,
             disabled, uuid, created_at, modified_at
         FROM services",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let mut c = Cols::new(row, "services");
        let (_, id) = c.key()?;
        let scope: String = c.get(5)?;
        let service = ServiceAccount {
            id: ServiceId(id),
            name: c.get(2)?,
            description: c.get(3)?,
            password: c.get(4)?,
            scope: orgs_from_json(&scope).map_err(|e| c.corrupt(e))?,
            sees_hidden: c.get(6)?,
            can_write: c.get(7)?,
            disabled: c.get(8)?,
            uuid: c.get(9)?,
            created_at: c.get(10)?,
            modified_at: c.get(11)?,
        };
        c.state(states)?.services.insert(service.id, service);
    }
    Ok(())
}

/// Audit rows of one enterprise, newest first.
pub(super) fn audit(
    conn: &Connection,
    enterprise: u64,
    query: &AuditQuery,
) -> Result<Vec<AuditEntry>> {
    let mut sql = String::from(
        "SELECT id, enterprise, at, actor, source, action, target, detail FROM audit
         WHERE enterprise = ?",
    );
    let mut args = vec![int(enterprise, "enterprise")?];
    if let Some(actor) = &query.actor_contains {
        sql.push_str(" AND lower(actor) LIKE ? ESCAPE '\\'");
        args.push(Value::Text(contains_pattern(actor)));
    }
    if let Some(action) = &query.action {
        sql.push_str(" AND action = ?");
        args.push(Value::Text(action.clone()));
    }
    if let Some(since) = query.since {
        sql.push_str(" AND at >= ?");
        args.push(Value::Integer(since));
    }
    if let Some(until) = query.until {
        sql.push_str(" AND at < ?");
        args.push(Value::Integer(until));
    }
    if let Some(before) = query.before_id {
        sql.push_str(" AND id < ?");
        args.push(int(before, "before_id")?);
    }
    sql.push_str(" ORDER BY id DESC LIMIT ? OFFSET ?");
    args.push(Value::Integer(query.effective_limit().into()));
    args.push(Value::Integer(query.offset.into()));

    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(params_from_iter(args))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let c = Cols::new(row, "audit");
        out.push(AuditEntry {
            id: c.get(0)?,
            enterprise: c.get(1)?,
            at: c.get(2)?,
            actor: c.get(3)?,
            source: c.get(4)?,
            action: c.get(5)?,
            target: c.get(6)?,
            detail: c.get(7)?,
        });
    }
    Ok(out)
}

/// Changelog rows after `seq`, oldest first.
pub(super) fn changelog_since(
    conn: &Connection,
    seq: u64,
    limit: u32,
) -> Result<Vec<ChangelogEntry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, enterprise, at, entity, entity_id, op FROM changelog
         WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )?;
    let mut rows = stmt.query(params![int(seq, "seq")?, limit])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let c = Cols::new(row, "changelog");
        out.push(ChangelogEntry {
            seq: c.get(0)?,
            enterprise: c.get(1)?,
            at: c.get(2)?,
            entity: c.get(3)?,
            entity_id: c.get(4)?,
            op: c.get(5)?,
        });
    }
    Ok(out)
}

/// A query argument that SQLite's 64-bit signed integers can hold.
pub(super) fn int(v: u64, what: &str) -> Result<Value> {
    i64::try_from(v)
        .map(Value::Integer)
        .map_err(|_| Error::Invalid(format!("{what} {v} is beyond the stored range")))
}
