//! Operators and API tokens in SQLite (tables `operators` and `api_tokens`, migration 3).
//! Token writes run inside a transaction the caller opened, with the audit row of their
//! enterprise.

use orgdir_domain::model::{MemberId, Timestamp};
use rusqlite::{Connection, ErrorCode, OptionalExtension, Row, params};

use super::read::{Cols, int};
use super::write::insert_audit;
use crate::access::{ApiTokenRecord, NewApiToken, OperatorRecord, TokenAccess, TokenOwner};
use crate::codec::name_key;
use crate::error::{Error, Result};
use crate::record::AuditRecord;

pub(super) fn put_operator(conn: &Connection, op: &OperatorRecord) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO operators (name, name_key, password, created_at, disabled)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (name_key) DO UPDATE SET name = excluded.name,
             password = excluded.password, created_at = excluded.created_at,
             disabled = excluded.disabled",
    )?
    .execute(params![
        op.name,
        name_key(&op.name),
        op.password,
        op.created_at,
        op.disabled
    ])?;
    Ok(())
}

const OPERATOR_COLUMNS: &str = "SELECT name, password, created_at, disabled FROM operators";

fn operator_row(row: &Row<'_>) -> Result<OperatorRecord> {
    let c = Cols::new(row, "operators");
    Ok(OperatorRecord {
        name: c.get(0)?,
        password: c.get(1)?,
        created_at: c.get(2)?,
        disabled: c.get(3)?,
    })
}

pub(super) fn operator(conn: &Connection, name: &str) -> Result<Option<OperatorRecord>> {
    let mut stmt = conn.prepare_cached(&format!("{OPERATOR_COLUMNS} WHERE name_key = ?1"))?;
    let mut rows = stmt.query([name_key(name)])?;
    rows.next()?.map(operator_row).transpose()
}

pub(super) fn operators(conn: &Connection) -> Result<Vec<OperatorRecord>> {
    let mut stmt = conn.prepare_cached(&format!("{OPERATOR_COLUMNS} ORDER BY name_key"))?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(operator_row(row)?);
    }
    Ok(out)
}

pub(super) fn remove_operator(conn: &Connection, name: &str) -> Result<()> {
    let n = conn
        .prepare_cached("DELETE FROM operators WHERE name_key = ?1")?
        .execute([name_key(name)])?;
    if n == 0 {
        return Err(Error::NotFound(format!("operator {name:?}")));
    }
    Ok(())
}

/// Inserts a token and its audit row. The owner's foreign key is checked at commit.
pub(super) fn create_api_token(
    tx: &Connection,
    t: &NewApiToken,
    audit: &AuditRecord,
) -> Result<u64> {
    let known: Option<i64> = tx
        .prepare_cached("SELECT 1 FROM enterprises WHERE number = ?1")?
        .query_row([int(t.enterprise, "enterprise")?], |r| r.get(0))
        .optional()?;
    if known.is_none() {
        return Err(Error::NotFound(format!("enterprise {}", t.enterprise)));
    }
    let (owner, owner_uuid) = match t.owner {
        TokenOwner::Admin => (None, None),
        TokenOwner::Member { id, uuid } => (Some(id.0), Some(uuid)),
    };
    tx.prepare_cached(
        "INSERT INTO api_tokens (enterprise, owner, owner_uuid, name, digest, access,
             created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        t.enterprise,
        owner,
        owner_uuid,
        t.name,
        t.digest,
        t.access.key(),
        t.created_at,
        t.expires_at,
    ])
    .map_err(|e| {
        if e.sqlite_error_code() == Some(ErrorCode::ConstraintViolation) {
            Error::Conflict(format!(
                "enterprise {}: API token {:?}: the digest is already stored",
                t.enterprise, t.name
            ))
        } else {
            Error::Sqlite(e)
        }
    })?;
    let id = u64::try_from(tx.last_insert_rowid())
        .map_err(|_| Error::Corrupt("api_tokens: negative id".into()))?;
    insert_audit(tx, t.enterprise, audit)?;
    Ok(id)
}

const TOKEN_COLUMNS: &str = "SELECT id, enterprise, owner, owner_uuid, name, digest, access,
    created_at, expires_at, last_used_at FROM api_tokens";

fn token_row(row: &Row<'_>) -> Result<ApiTokenRecord> {
    let c = Cols::new(row, "api_tokens");
    let id: u64 = c.get(0)?;
    let owner = match (c.get::<Option<u64>>(2)?, c.get::<Option<[u8; 16]>>(3)?) {
        (None, None) => TokenOwner::Admin,
        (Some(m), Some(uuid)) => TokenOwner::Member {
            id: MemberId(m),
            uuid,
        },
        _ => {
            return Err(c.corrupt(format!(
                "token {id}: owner and owner_uuid must be both set or both empty"
            )));
        }
    };
    let access: String = c.get(6)?;
    Ok(ApiTokenRecord {
        id,
        enterprise: c.get(1)?,
        owner,
        name: c.get(4)?,
        digest: c.get(5)?,
        access: TokenAccess::from_key(&access)
            .ok_or_else(|| c.corrupt(format!("token {id}: unknown access {access:?}")))?,
        created_at: c.get(7)?,
        expires_at: c.get(8)?,
        last_used_at: c.get(9)?,
    })
}

pub(super) fn api_tokens(conn: &Connection, enterprise: u64) -> Result<Vec<ApiTokenRecord>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{TOKEN_COLUMNS} WHERE enterprise = ?1 ORDER BY id"
    ))?;
    let mut rows = stmt.query([int(enterprise, "enterprise")?])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(token_row(row)?);
    }
    Ok(out)
}

pub(super) fn api_token_by_digest(
    conn: &Connection,
    digest: &[u8; 32],
) -> Result<Option<ApiTokenRecord>> {
    let mut stmt = conn.prepare_cached(&format!("{TOKEN_COLUMNS} WHERE digest = ?1"))?;
    let mut rows = stmt.query([digest])?;
    rows.next()?.map(token_row).transpose()
}

pub(super) fn touch_api_token(conn: &Connection, id: u64, at: Timestamp) -> Result<()> {
    conn.prepare_cached("UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1")?
        .execute(params![int(id, "token id")?, at])?;
    Ok(())
}

pub(super) fn revoke_api_token(
    tx: &Connection,
    enterprise: u64,
    id: u64,
    audit: &AuditRecord,
) -> Result<()> {
    let n = tx
        .prepare_cached("DELETE FROM api_tokens WHERE enterprise = ?1 AND id = ?2")?
        .execute(params![
            int(enterprise, "enterprise")?,
            int(id, "token id")?
        ])?;
    if n == 0 {
        return Err(Error::NotFound(format!(
            "enterprise {enterprise}: API token {id}"
        )));
    }
    insert_audit(tx, enterprise, audit)
}
