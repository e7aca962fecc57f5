//! SQLite side of enterprise images (`images` table, migration 0005).

use orgdir_domain::model::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::read::{Cols, int};
use super::write::insert_audit;
use crate::error::{Error, Result};
use crate::images::{ImageKind, ImageRecord, ImageStatus, NewImage};
use crate::record::AuditRecord;

const COLUMNS: &str = "SELECT id, enterprise, kind, status, content_type, length(bytes), reason,
    submitted_at, reviewed_at FROM images";

fn record(row: &Row<'_>) -> Result<ImageRecord> {
    let c = Cols::new(row, "images");
    let kind: String = c.get(2)?;
    let status: String = c.get(3)?;
    Ok(ImageRecord {
        id: c.get(0)?,
        enterprise: c.get(1)?,
        kind: ImageKind::from_key(&kind).ok_or_else(|| c.corrupt(format!("kind {kind:?}")))?,
        status: ImageStatus::from_key(&status)
            .ok_or_else(|| c.corrupt(format!("status {status:?}")))?,
        content_type: c.get(4)?,
        size: c.get(5)?,
        reason: c.get(6)?,
        submitted_at: c.get(7)?,
        reviewed_at: c.get(8)?,
    })
}

fn collect(conn: &Connection, sql: &str, p: impl rusqlite::Params) -> Result<Vec<ImageRecord>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(p)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(record(row)?);
    }
    Ok(out)
}

/// Stores a pending image (replacing a pending one of the same kind) and its audit row.
pub(super) fn submit(tx: &Connection, img: &NewImage, audit: &AuditRecord) -> Result<u64> {
    let known: Option<i64> = tx
        .prepare_cached("SELECT 1 FROM enterprises WHERE number = ?1")?
        .query_row([int(img.enterprise, "enterprise")?], |r| r.get(0))
        .optional()?;
    if known.is_none() {
        return Err(Error::NotFound(format!("enterprise {}", img.enterprise)));
    }
    tx.prepare_cached(
        "DELETE FROM images WHERE enterprise = ?1 AND kind = ?2 AND status = 'pending'",
    )?
    .execute(params![img.enterprise, img.kind.key()])?;
    tx.prepare_cached(
        "INSERT INTO images (enterprise, kind, status, content_type, bytes, submitted_at)
         VALUES (?1, ?2, 'pending', ?3, ?4, ?5)",
    )?
    .execute(params![
        img.enterprise,
        img.kind.key(),
        img.content_type,
        img.bytes,
        img.submitted_at
    ])?;
    let id = u64::try_from(tx.last_insert_rowid())
        .map_err(|_| Error::Corrupt("images: negative id".into()))?;
    insert_audit(tx, img.enterprise, audit)?;
    Ok(id)
}

pub(super) fn images(conn: &Connection, enterprise: u64) -> Result<Vec<ImageRecord>> {
    collect(
        conn,
        &format!("{COLUMNS} WHERE enterprise = ?1 ORDER BY kind, status"),
        [int(enterprise, "enterprise")?],
    )
}

pub(super) fn pending(conn: &Connection) -> Result<Vec<ImageRecord>> {
    collect(
        conn,
        &format!("{COLUMNS} WHERE status = 'pending' ORDER BY submitted_at, id"),
        [],
    )
}

pub(super) fn bytes(conn: &Connection, id: u64) -> Result<Option<(ImageRecord, Vec<u8>)>> {
    let rec = collect(conn, &format!("{COLUMNS} WHERE id = ?1"), [int(id, "id")?])?
        .into_iter()
        .next();
    let Some(rec) = rec else {
        return Ok(None);
    };
    let data: Vec<u8> = conn
        .prepare_cached("SELECT bytes FROM images WHERE id = ?1")?
        .query_row([int(id, "id")?], |r| r.get(0))?;
    Ok(Some((rec, data)))
}

pub(super) fn live(
    conn: &Connection,
    enterprise: u64,
    kind: ImageKind,
) -> Result<Option<(ImageRecord, Vec<u8>)>> {
    let id: Option<u64> = conn
        .prepare_cached(
            "SELECT id FROM images WHERE enterprise = ?1 AND kind = ?2 AND status = 'approved'",
        )?
        .query_row(params![enterprise, kind.key()], |r| r.get(0))
        .optional()?;
    match id {
        Some(id) => bytes(conn, id),
        None => Ok(None),
    }
}

/// Approves (it replaces the live image of its kind) or rejects a pending image.
pub(super) fn review(
    tx: &Connection,
    id: u64,
    approve: bool,
    reason: Option<&str>,
    at: Timestamp,
    audit: &AuditRecord,
) -> Result<ImageRecord> {
    let rec = collect(tx, &format!("{COLUMNS} WHERE id = ?1"), [int(id, "id")?])?
        .into_iter()
        .next()
        .filter(|r| r.status == ImageStatus::Pending)
        .ok_or_else(|| Error::NotFound(format!("pending image {id}")))?;
    let status = if approve {
        ImageStatus::Approved
    } else {
        ImageStatus::Rejected
    };
    tx.prepare_cached("DELETE FROM images WHERE enterprise = ?1 AND kind = ?2 AND status = ?3")?
        .execute(params![rec.enterprise, rec.kind.key(), status.key()])?;
    tx.prepare_cached(
        "UPDATE images SET status = ?2, reason = ?3, reviewed_at = ?4 WHERE id = ?1",
    )?
    .execute(params![int(id, "id")?, status.key(), reason, at])?;
    insert_audit(tx, rec.enterprise, audit)?;
    Ok(ImageRecord {
        status,
        reason: reason.map(str::to_string),
        reviewed_at: Some(at),
        ..rec
    })
}
