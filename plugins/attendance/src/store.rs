//! The attendance plugin's own tables (in its own SQLite file, every name `attendance_…`)
//! and every query on them, so SQL lives in this one module.
//!
//! * `attendance_rules` — every saved version of an enterprise's rules (ATT-3), never
//!   updated: a change adds a row, and the history decides which version judged which day.
//! * `attendance_records` — clock records (ATT-4), indexed by (enterprise, time) for the
//!   records query and a whole enterprise's month, and by (enterprise, member, time) for
//!   one member or a few.
//! * `attendance_days` — closed days: one row per (enterprise, local date, member) a member
//!   counted on, working or rest, judged once the local day was over. Monthly reports read
//!   these instead of judging every day again; a day not counted has no row. Keyed by date
//!   first (migration 2, `WITHOUT ROWID`): a month of an enterprise is one range of the
//!   primary key, read in key order without a sort, and the closing job appends each day at
//!   the end; a few members' days are found by seeking (date, member) pairs in the same key.
//! * `attendance_closed` — per enterprise, the last local date whose results are stored
//!   ("closed through"). Dates after it are judged from the records when asked.
//!
//! Large reads do not build rows: they hand each row to a callback on the reading thread
//! (`fold_*`), so a report keeps only what it sums up or lists.

use jiff::civil::Date;
use orgdir_plugin_api::rusqlite::{self, Connection, OptionalExtension, params};
use orgdir_plugin_api::{Db, Migration, PluginError};

use crate::calendar;
use crate::classify::{DayResult, Progress, RestDay, WorkDay};
use crate::record::{ClockRecord, Kind, Punch};
use crate::rules::{Rules, RulesHistory, RulesVersion};

/// The plugin's migrations (run by the host, in order, once).
pub fn migrations() -> Vec<Migration> {
    vec![
        Migration {
            version: 1,
            name: "rules, records, closed days",
            sql: SCHEMA_1,
        },
        Migration {
            version: 2,
            name: "closed days keyed by (enterprise, date, member)",
            sql: SCHEMA_2,
        },
    ]
}

const SCHEMA_1: &str = "
CREATE TABLE attendance_rules (
    id INTEGER PRIMARY KEY,
    enterprise INTEGER NOT NULL,
    changed_at INTEGER NOT NULL,
    changed_by TEXT NOT NULL,
    rules TEXT NOT NULL
);
CREATE INDEX attendance_rules_by_enterprise ON attendance_rules (enterprise, changed_at, id);

CREATE TABLE attendance_records (
    id INTEGER PRIMARY KEY,
    enterprise INTEGER NOT NULL,
    member INTEGER NOT NULL,
    at INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('in', 'out')),
    ip_seen TEXT NOT NULL,
    ip_reported TEXT NOT NULL,
    mac_reported TEXT NOT NULL,
    client_kind TEXT NOT NULL
);
CREATE INDEX attendance_records_by_time ON attendance_records (enterprise, at);
CREATE INDEX attendance_records_by_member ON attendance_records (enterprise, member, at);

CREATE TABLE attendance_days (
    enterprise INTEGER NOT NULL,
    member INTEGER NOT NULL,
    date TEXT NOT NULL,
    working INTEGER NOT NULL,
    work_start INTEGER,
    work_end INTEGER,
    first_in INTEGER,
    last_out INTEGER,
    records INTEGER NOT NULL,
    late_minutes INTEGER,
    early_minutes INTEGER,
    absent INTEGER NOT NULL,
    missing_in INTEGER NOT NULL,
    missing_out INTEGER NOT NULL,
    PRIMARY KEY (enterprise, member, date)
) WITHOUT ROWID;
CREATE INDEX attendance_days_by_date ON attendance_days (enterprise, date);

CREATE TABLE attendance_closed (
    enterprise INTEGER PRIMARY KEY,
    through TEXT NOT NULL
);
";

/// Closed days keyed by date first: a month of an enterprise is one range of the primary key
/// (version 1 read it through `attendance_days_by_date`, one primary-key lookup per row, then
/// sorted it). The rows are copied in key order; the old table and its index go.
const SCHEMA_2: &str = "
ALTER TABLE attendance_days RENAME TO attendance_days_v1;

CREATE TABLE attendance_days (
    enterprise INTEGER NOT NULL,
    date TEXT NOT NULL,
    member INTEGER NOT NULL,
    working INTEGER NOT NULL,
    work_start INTEGER,
    work_end INTEGER,
    first_in INTEGER,
    last_out INTEGER,
    records INTEGER NOT NULL,
    late_minutes INTEGER,
    early_minutes INTEGER,
    absent INTEGER NOT NULL,
    missing_in INTEGER NOT NULL,
    missing_out INTEGER NOT NULL,
    PRIMARY KEY (enterprise, date, member)
) WITHOUT ROWID;

INSERT INTO attendance_days
    (enterprise, date, member, working, work_start, work_end, first_in, last_out, records,
     late_minutes, early_minutes, absent, missing_in, missing_out)
SELECT enterprise, date, member, working, work_start, work_end, first_in, last_out, records,
       late_minutes, early_minutes, absent, missing_in, missing_out
FROM attendance_days_v1
ORDER BY enterprise, date, member;

DROP TABLE attendance_days_v1;
";

/// One saved version of the rules with who saved it (the rules page lists them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedRules {
    /// When it was saved (Unix seconds).
    pub changed_at: i64,
    /// Who saved it, as shown (account and name, or "administrator").
    pub changed_by: String,
    /// The rules.
    pub rules: Rules,
}

impl SavedRules {
    /// As a history entry.
    pub fn version(&self) -> RulesVersion {
        RulesVersion {
            changed_at: self.changed_at,
            rules: self.rules.clone(),
        }
    }
}

/// A stored clock record with its row id (the records query pages by it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRecord {
    /// Row id.
    pub id: i64,
    /// The record.
    pub record: ClockRecord,
}

/// Which members a read covers: everybody of the enterprise (one range of an index or key,
/// the caller leaving out whom it does not want), or only these ids (each sought in an
/// index).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Members {
    /// Everybody of the enterprise.
    All,
    /// Only these member ids.
    Only(Vec<u64>),
}

/// A page of the records query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordQuery {
    /// The enterprise.
    pub enterprise: u64,
    /// From this time (Unix seconds, inclusive).
    pub from: i64,
    /// Until this time (exclusive).
    pub to: i64,
    /// Whose records.
    pub members: Members,
    /// Rows skipped (newest first).
    pub offset: u64,
    /// Rows returned at most.
    pub limit: u32,
}

fn internal(what: &str, e: impl std::fmt::Display) -> PluginError {
    PluginError::Internal(format!("{what}: {e}"))
}

fn parse_date(s: &str) -> rusqlite::Result<Date> {
    calendar::parse_ymd(s).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("stored date {s:?} is not YYYY-MM-DD").into(),
        )
    })
}

fn parse_kind(s: &str) -> rusqlite::Result<Kind> {
    s.parse::<Kind>().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// Every saved rules version of `enterprise`, oldest first.
pub async fn saved_rules(db: &Db, enterprise: u64) -> Result<Vec<SavedRules>, PluginError> {
    db.read(move |c| {
        let mut stmt = c.prepare_cached(
            "SELECT changed_at, changed_by, rules FROM attendance_rules
             WHERE enterprise = ?1 ORDER BY changed_at, id",
        )?;
        let rows = stmt
            .query_map([enterprise], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(changed_at, changed_by, json)| {
                let rules: Rules = serde_json::from_str(&json)
                    .map_err(|e| internal("stored attendance rules are not valid", e))?;
                Ok(SavedRules {
                    changed_at,
                    changed_by,
                    rules,
                })
            })
            .collect()
    })
    .await
}

/// The rules history of `enterprise`.
pub async fn history(db: &Db, enterprise: u64) -> Result<RulesHistory, PluginError> {
    Ok(RulesHistory::new(
        saved_rules(db, enterprise)
            .await?
            .iter()
            .map(SavedRules::version),
    ))
}

/// Saves a new version of the rules.
pub async fn save_rules(
    db: &Db,
    enterprise: u64,
    changed_at: i64,
    changed_by: String,
    rules: &Rules,
) -> Result<(), PluginError> {
    let json = serde_json::to_string(rules).map_err(|e| internal("encoding rules", e))?;
    db.write(move |c| {
        c.execute(
            "INSERT INTO attendance_rules (enterprise, changed_at, changed_by, rules)
             VALUES (?1, ?2, ?3, ?4)",
            params![enterprise, changed_at, changed_by, json],
        )?;
        Ok(())
    })
    .await
}

/// Stores a clock record of `enterprise` unless the member already has `max_per_day`
/// records in `[day_from, day_to)` (its local day); returns the new row id, or `None` when
/// the cap is reached. One transaction, so concurrent clock-ins cannot pass the cap.
pub async fn add_record(
    db: &Db,
    enterprise: u64,
    record: ClockRecord,
    (day_from, day_to): (i64, i64),
    max_per_day: u32,
) -> Result<Option<i64>, PluginError> {
    db.write(move |c| {
        let tx = c.transaction()?;
        let today: u32 = tx.query_row(
            "SELECT COUNT(*) FROM attendance_records
             WHERE enterprise = ?1 AND member = ?2 AND at >= ?3 AND at < ?4",
            params![enterprise, record.member, day_from, day_to],
            |r| r.get(0),
        )?;
        if today >= max_per_day {
            return Ok(None);
        }
        tx.execute(
            "INSERT INTO attendance_records
                 (enterprise, member, at, kind, ip_seen, ip_reported, mac_reported, client_kind)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                enterprise,
                record.member,
                record.at,
                record.kind.as_str(),
                record.ip_seen,
                record.ip_reported,
                record.mac_reported,
                record.client_kind
            ],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(Some(id))
    })
    .await
}

const RECORD_COLUMNS: &str =
    "id, member, at, kind, ip_seen, ip_reported, mac_reported, client_kind";

fn record_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredRecord> {
    Ok(StoredRecord {
        id: r.get(0)?,
        record: ClockRecord {
            member: r.get(1)?,
            at: r.get(2)?,
            kind: parse_kind(&r.get::<_, String>(3)?)?,
            ip_seen: r.get(4)?,
            ip_reported: r.get(5)?,
            mac_reported: r.get(6)?,
            client_kind: r.get(7)?,
        },
    })
}

/// The records of `enterprise` in `[from, to)`, of one member or of everybody, oldest
/// first.
pub async fn records_between(
    db: &Db,
    enterprise: u64,
    member: Option<u64>,
    from: i64,
    to: i64,
) -> Result<Vec<ClockRecord>, PluginError> {
    db.read(move |c| {
        let rows = match member {
            Some(m) => {
                let mut stmt = c.prepare_cached(&format!(
                    "SELECT {RECORD_COLUMNS} FROM attendance_records
                     WHERE enterprise = ?1 AND member = ?2 AND at >= ?3 AND at < ?4
                     ORDER BY at, id"
                ))?;
                stmt.query_map(params![enterprise, m, from, to], record_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()?
            }
            None => {
                let mut stmt = c.prepare_cached(&format!(
                    "SELECT {RECORD_COLUMNS} FROM attendance_records
                     WHERE enterprise = ?1 AND at >= ?2 AND at < ?3
                     ORDER BY at, id"
                ))?;
                stmt.query_map(params![enterprise, from, to], record_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()?
            }
        };
        Ok(rows.into_iter().map(|r| r.record).collect())
    })
    .await
}

/// One page of records (newest first) and how many match in all.
pub async fn query_records(
    db: &Db,
    q: RecordQuery,
) -> Result<(Vec<StoredRecord>, u64), PluginError> {
    db.read(move |c| {
        // The member list travels as one JSON array parameter (no SQL built from input).
        let (filter, list) = match &q.members {
            Members::All => ("", String::new()),
            Members::Only(ids) => (
                " AND member IN (SELECT value FROM json_each(?4))",
                serde_json::to_string(ids).map_err(|e| internal("member list", e))?,
            ),
        };
        let total: u64 = {
            let sql = format!(
                "SELECT COUNT(*) FROM attendance_records
                 WHERE enterprise = ?1 AND at >= ?2 AND at < ?3{filter}"
            );
            let mut stmt = c.prepare_cached(&sql)?;
            match q.members {
                Members::All => stmt.query_row(params![q.enterprise, q.from, q.to], |r| r.get(0)),
                Members::Only(_) => {
                    stmt.query_row(params![q.enterprise, q.from, q.to, list], |r| r.get(0))
                }
            }?
        };
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM attendance_records
             WHERE enterprise = ?1 AND at >= ?2 AND at < ?3{filter}
             ORDER BY at DESC, id DESC LIMIT ?5 OFFSET ?6"
        );
        let mut stmt = c.prepare_cached(&sql)?;
        let offset = i64::try_from(q.offset).unwrap_or(i64::MAX);
        let rows = match q.members {
            Members::All => stmt
                // ?4 is unused without a member list; bind it anyway so the numbering holds.
                .query_map(
                    params![q.enterprise, q.from, q.to, "", q.limit, offset],
                    record_row,
                )?
                .collect::<rusqlite::Result<Vec<_>>>()?,
            Members::Only(_) => stmt
                .query_map(
                    params![q.enterprise, q.from, q.to, list, q.limit, offset],
                    record_row,
                )?
                .collect::<rusqlite::Result<Vec<_>>>()?,
        };
        Ok((rows, total))
    })
    .await
}

/// The last local date whose results are stored for `enterprise`, if any.
pub async fn closed_through(db: &Db, enterprise: u64) -> Result<Option<Date>, PluginError> {
    db.read(move |c| closed_through_in(c, enterprise)).await
}

fn closed_through_in(c: &Connection, enterprise: u64) -> Result<Option<Date>, PluginError> {
    let s: Option<String> = c
        .query_row(
            "SELECT through FROM attendance_closed WHERE enterprise = ?1",
            [enterprise],
            |r| r.get(0),
        )
        .optional()?;
    Ok(s.map(|s| parse_date(&s)).transpose()?)
}

/// The stored columns of a counted day; `None` for a day not counted (no row).
struct DayCols {
    working: bool,
    start: Option<i64>,
    end: Option<i64>,
    first_in: Option<i64>,
    last_out: Option<i64>,
    records: u32,
    late: Option<u32>,
    early: Option<u32>,
    absent: bool,
    missing_in: bool,
    missing_out: bool,
}

impl DayCols {
    fn of(r: &DayResult) -> Option<DayCols> {
        match r {
            DayResult::NotCounted => None,
            DayResult::Rest(d) => Some(DayCols {
                working: false,
                start: None,
                end: None,
                first_in: d.first_in,
                last_out: d.last_out,
                records: d.records,
                late: None,
                early: None,
                absent: false,
                missing_in: false,
                missing_out: false,
            }),
            DayResult::Working(w) => Some(DayCols {
                working: true,
                start: Some(w.start),
                end: Some(w.end),
                first_in: w.first_in,
                last_out: w.last_out,
                records: w.records,
                late: w.late_minutes,
                early: w.early_minutes,
                absent: w.absent,
                missing_in: w.missing_in,
                missing_out: w.missing_out,
            }),
        }
    }

    fn result(&self) -> DayResult {
        if !self.working {
            return DayResult::Rest(RestDay {
                first_in: self.first_in,
                last_out: self.last_out,
                records: self.records,
            });
        }
        DayResult::Working(WorkDay {
            start: self.start.unwrap_or_default(),
            end: self.end.unwrap_or_default(),
            first_in: self.first_in,
            last_out: self.last_out,
            records: self.records,
            progress: Progress::Closed,
            late_minutes: self.late,
            early_minutes: self.early,
            absent: self.absent,
            missing_in: self.missing_in,
            missing_out: self.missing_out,
        })
    }
}

/// Stores the results of local date `date` of `enterprise` (each member's; days not
/// counted are skipped) and moves "closed through" to `date`, in one transaction. Returns
/// `false` without writing when `date` is already closed (a second run, ATT-3: a closed
/// day is never judged again).
pub async fn close_day(
    db: &Db,
    enterprise: u64,
    date: Date,
    results: Vec<(u64, DayResult)>,
) -> Result<bool, PluginError> {
    db.write(move |c| {
        let tx = c.transaction()?;
        if closed_through_in(&tx, enterprise)?.is_some_and(|t| t >= date) {
            return Ok(false);
        }
        let day = calendar::ymd(date);
        {
            let mut stmt = tx.prepare_cached(
                "INSERT OR REPLACE INTO attendance_days
                     (enterprise, member, date, working, work_start, work_end, first_in,
                      last_out, records, late_minutes, early_minutes, absent, missing_in,
                      missing_out)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )?;
            for (member, r) in &results {
                let Some(d) = DayCols::of(r) else { continue };
                stmt.execute(params![
                    enterprise,
                    member,
                    day,
                    d.working,
                    d.start,
                    d.end,
                    d.first_in,
                    d.last_out,
                    d.records,
                    d.late,
                    d.early,
                    d.absent,
                    d.missing_in,
                    d.missing_out
                ])?;
            }
        }
        tx.execute(
            "INSERT INTO attendance_closed (enterprise, through) VALUES (?1, ?2)
             ON CONFLICT(enterprise) DO UPDATE SET through = excluded.through",
            params![enterprise, day],
        )?;
        tx.commit()?;
        Ok(true)
    })
    .await
}

/// The member list of a `Members::Only` read as one JSON array parameter (no SQL is built
/// from input).
fn id_list(ids: &[u64]) -> Result<String, PluginError> {
    serde_json::to_string(ids).map_err(|e| internal("member list", e))
}

/// A period of an enterprise's closed days (`?1`, from `?2` to `?3`): one range of the
/// primary key, read in key order (by date, then member). The columns are those
/// [`day_result`] decodes after the member and the date.
pub(crate) const MONTH_ALL_SQL: &str = "SELECT member, date, working, work_start, work_end,
    first_in, last_out, records, late_minutes, early_minutes, absent, missing_in, missing_out
FROM attendance_days
WHERE enterprise = ?1 AND date >= ?2 AND date <= ?3";

/// Some members' closed days (`?3`, a JSON array) on some dates (`?2`, a JSON array) of an
/// enterprise (`?1`): one primary-key seek per (date, member) pair.
pub(crate) const MONTH_ONLY_SQL: &str = "SELECT member, date, working, work_start, work_end,
    first_in, last_out, records, late_minutes, early_minutes, absent, missing_in, missing_out
FROM attendance_days
WHERE enterprise = ?1
  AND date IN (SELECT value FROM json_each(?2))
  AND member IN (SELECT value FROM json_each(?3))";

/// Decodes a row of [`MONTH_ALL_SQL`] after the member and date.
fn day_result(r: &rusqlite::Row<'_>) -> rusqlite::Result<DayResult> {
    Ok(DayCols {
        working: r.get(2)?,
        start: r.get(3)?,
        end: r.get(4)?,
        first_in: r.get(5)?,
        last_out: r.get(6)?,
        records: r.get(7)?,
        late: r.get(8)?,
        early: r.get(9)?,
        absent: r.get(10)?,
        missing_in: r.get(11)?,
        missing_out: r.get(12)?,
    }
    .result())
}

/// The date of a row, parsed once per run of equal dates (rows come by date).
struct DateCache {
    text: String,
    date: Option<Date>,
}

impl DateCache {
    fn new() -> DateCache {
        DateCache {
            text: String::new(),
            date: None,
        }
    }

    fn get(&mut self, v: rusqlite::types::ValueRef<'_>) -> rusqlite::Result<Date> {
        let s = v.as_str()?;
        match self.date {
            Some(d) if self.text == s => Ok(d),
            _ => {
                let d = parse_date(s)?;
                self.text.clear();
                self.text.push_str(s);
                self.date = Some(d);
                Ok(d)
            }
        }
    }
}

/// Hands every stored (closed) day of `enterprise` from `from` to `to` (inclusive) of
/// `members` to `f` with the member and date, on the reading thread; returns `acc`. Rows come
/// by date, then member. `Members::All` reads the period as one range of the primary key;
/// `Members::Only` seeks each (date, member) pair, which is cheaper for a small part of a
/// large enterprise.
pub async fn fold_closed_days<A, F>(
    db: &Db,
    enterprise: u64,
    members: Members,
    (from, to): (Date, Date),
    mut acc: A,
    mut f: F,
) -> Result<A, PluginError>
where
    A: Send + 'static,
    F: FnMut(&mut A, u64, Date, DayResult) + Send + 'static,
{
    db.read(move |c| {
        let mut dates = DateCache::new();
        let mut each = |r: &rusqlite::Row<'_>| -> rusqlite::Result<()> {
            let member: u64 = r.get(0)?;
            let date = dates.get(r.get_ref(1)?)?;
            f(&mut acc, member, date, day_result(r)?);
            Ok(())
        };
        match &members {
            Members::All => {
                let mut stmt = c.prepare_cached(MONTH_ALL_SQL)?;
                let mut rows =
                    stmt.query(params![enterprise, calendar::ymd(from), calendar::ymd(to)])?;
                while let Some(r) = rows.next()? {
                    each(r)?;
                }
            }
            Members::Only(ids) => {
                if ids.is_empty() || from > to {
                    return Ok(acc);
                }
                let days: Vec<String> = crate::view::dates(from, to)
                    .into_iter()
                    .map(calendar::ymd)
                    .collect();
                let days = serde_json::to_string(&days).map_err(|e| internal("date list", e))?;
                let mut stmt = c.prepare_cached(MONTH_ONLY_SQL)?;
                let mut rows = stmt.query(params![enterprise, days, id_list(ids)?])?;
                while let Some(r) = rows.next()? {
                    each(r)?;
                }
            }
        }
        Ok(acc)
    })
    .await
}

/// The stored (closed) days of `enterprise` from `from` to `to` (inclusive), of one member
/// or of everybody, by date then member (the tests read what the job stored).
#[cfg(test)]
pub async fn closed_days(
    db: &Db,
    enterprise: u64,
    member: Option<u64>,
    from: Date,
    to: Date,
) -> Result<Vec<crate::report::DayRow>, PluginError> {
    let members = match member {
        Some(m) => Members::Only(vec![m]),
        None => Members::All,
    };
    fold_closed_days(
        db,
        enterprise,
        members,
        (from, to),
        Vec::new(),
        |rows, member, date, result| {
            rows.push(crate::report::DayRow {
                member,
                date,
                result,
            });
        },
    )
    .await
}

/// Hands the time and kind of every clock record of `enterprise` in `[from, to)` of
/// `members` to `f` with the member, on the reading thread; returns `acc`. Each member's
/// records come oldest first (ties by row id): `Members::All` reads by time
/// (`attendance_records_by_time`), `Members::Only` member by member
/// (`attendance_records_by_member`).
pub async fn fold_punches<A, F>(
    db: &Db,
    enterprise: u64,
    members: Members,
    (from, to): (i64, i64),
    mut acc: A,
    mut f: F,
) -> Result<A, PluginError>
where
    A: Send + 'static,
    F: FnMut(&mut A, u64, Punch) + Send + 'static,
{
    db.read(move |c| {
        let mut each = |r: &rusqlite::Row<'_>| -> rusqlite::Result<()> {
            let kind = parse_kind(r.get_ref(2)?.as_str()?)?;
            f(
                &mut acc,
                r.get(0)?,
                Punch {
                    at: r.get(1)?,
                    kind,
                },
            );
            Ok(())
        };
        match &members {
            Members::All => {
                let mut stmt = c.prepare_cached(
                    "SELECT member, at, kind FROM attendance_records
                     WHERE enterprise = ?1 AND at >= ?2 AND at < ?3
                     ORDER BY at, id",
                )?;
                let mut rows = stmt.query(params![enterprise, from, to])?;
                while let Some(r) = rows.next()? {
                    each(r)?;
                }
            }
            Members::Only(ids) => {
                if ids.is_empty() {
                    return Ok(acc);
                }
                let mut stmt = c.prepare_cached(
                    "SELECT member, at, kind FROM attendance_records
                     WHERE enterprise = ?1 AND member IN (SELECT value FROM json_each(?2))
                       AND at >= ?3 AND at < ?4
                     ORDER BY member, at, id",
                )?;
                let mut rows = stmt.query(params![enterprise, id_list(ids)?, from, to])?;
                while let Some(r) = rows.next()? {
                    each(r)?;
                }
            }
        }
        Ok(acc)
    })
    .await
}

/// A clock record as read, its text borrowed from the row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordRef<'r> {
    /// The member.
    pub member: u64,
    /// Server time, Unix seconds.
    pub at: i64,
    /// In or out.
    pub kind: Kind,
    /// The address the server saw.
    pub ip_seen: &'r str,
    /// The address the client reported.
    pub ip_reported: &'r str,
    /// The MAC address the client reported.
    pub mac_reported: &'r str,
    /// The kind of client.
    pub client_kind: &'r str,
}

/// Hands every clock record of `enterprise` in `[from, to)` of `members` to `f`, its text
/// borrowed from the row (nothing is allocated per record here), on the reading thread;
/// returns `acc`. Each member's records come oldest first (ties by row id), as in
/// [`fold_punches`].
pub async fn fold_records<A, F>(
    db: &Db,
    enterprise: u64,
    members: Members,
    (from, to): (i64, i64),
    mut acc: A,
    mut f: F,
) -> Result<A, PluginError>
where
    A: Send + 'static,
    F: FnMut(&mut A, RecordRef<'_>) -> Result<(), PluginError> + Send + 'static,
{
    db.read(move |c| {
        let mut each = |r: &rusqlite::Row<'_>| -> Result<(), PluginError> {
            let text = |i| -> rusqlite::Result<&str> { Ok(r.get_ref(i)?.as_str()?) };
            f(
                &mut acc,
                RecordRef {
                    member: r.get(0)?,
                    at: r.get(1)?,
                    kind: parse_kind(text(2)?)?,
                    ip_seen: text(3)?,
                    ip_reported: text(4)?,
                    mac_reported: text(5)?,
                    client_kind: text(6)?,
                },
            )
        };
        let cols = "member, at, kind, ip_seen, ip_reported, mac_reported, client_kind";
        match &members {
            Members::All => {
                let mut stmt = c.prepare_cached(&format!(
                    "SELECT {cols} FROM attendance_records
                     WHERE enterprise = ?1 AND at >= ?2 AND at < ?3
                     ORDER BY at, id"
                ))?;
                let mut rows = stmt.query(params![enterprise, from, to])?;
                while let Some(r) = rows.next()? {
                    each(r)?;
                }
            }
            Members::Only(ids) => {
                if ids.is_empty() {
                    return Ok(acc);
                }
                let mut stmt = c.prepare_cached(&format!(
                    "SELECT {cols} FROM attendance_records
                     WHERE enterprise = ?1 AND member IN (SELECT value FROM json_each(?2))
                       AND at >= ?3 AND at < ?4
                     ORDER BY member, at, id"
                ))?;
                let mut rows = stmt.query(params![enterprise, id_list(ids)?, from, to])?;
                while let Some(r) = rows.next()? {
                    each(r)?;
                }
            }
        }
        Ok(acc)
    })
    .await
}
