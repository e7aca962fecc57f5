//! The monthly export (ATT-5): one XLSX workbook with the month's summary per member, every
//! judged day, and every clock record with the addresses seen and reported.
//!
//! Sheets: the summary, the days, then the records; any sheet longer than an XLSX sheet can
//! hold (1,048,576 rows with the header) continues on a numbered sheet ("Records 2"). Dates
//! and times are Excel date/time numbers in the attendance time zone (formatted
//! `yyyy-mm-dd`, `hh:mm:ss`), so they sort and filter as such.
//!
//! Written with `orgdir-xlsx`: rows stream from the sorted month straight into each sheet's
//! compressor (no cell is kept), and the sheets are built on all cores at once at a low
//! deflate level — a 1.3 M-record month takes 1.5 s on 2 cores instead of 13 s.
//!
//! Text cells that a spreadsheet could take for a formula (starting with `=`, `+`, `-`, `@`,
//! tab or carriage return) get a leading `'`. XLSX string cells never run, but the values —
//! names and, above all, what clients report — are attacker-controlled and may be copied on
//! into CSV or other tools.

use std::borrow::Cow;
use std::io::{Cursor, Seek, Write};
use std::ops::Range;

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use orgdir_xlsx::{Cell, MAX_TEXT_CHARS, Rows, Sheet, Workbook};
use thiserror::Error;

use crate::calendar::{self, Month};
use crate::classify::{DayResult, Status};
use crate::record::{ClockRecord, Kind};
use crate::report::{self, DayRow, Person, Roster};

/// Rows an XLSX sheet holds, header included.
pub const XLSX_MAX_ROWS: u32 = orgdir_xlsx::MAX_ROWS;

/// Header language.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Simplified Chinese.
    Zh,
}

/// The export failed while writing the workbook (I/O on the output).
#[derive(Debug, Error)]
#[error("writing the attendance workbook: {0}")]
pub struct ExportError(#[from] orgdir_xlsx::Error);

/// What to export: one month of a scope.
#[derive(Clone, Copy, Debug)]
pub struct MonthExport<'a> {
    /// The month.
    pub month: Month,
    /// The attendance time zone, for record times and the month's bounds.
    pub time_zone: &'a TimeZone,
    /// Header language.
    pub lang: Lang,
    /// The people of the scope.
    pub roster: &'a Roster,
    /// The judged days of the month (rows outside the month are left out; rest days are
    /// listed only when they have records; days not counted are not listed).
    pub days: &'a [DayRow],
    /// The clock records of the month (records outside it are left out).
    pub records: &'a [ClockRecord],
    /// Data rows per sheet before continuing on the next one; at most (and by default)
    /// `XLSX_MAX_ROWS - 1`.
    pub rows_per_sheet: u32,
}

impl<'a> MonthExport<'a> {
    /// An export with the default sheet length.
    pub fn new(
        month: Month,
        time_zone: &'a TimeZone,
        lang: Lang,
        roster: &'a Roster,
        days: &'a [DayRow],
        records: &'a [ClockRecord],
    ) -> MonthExport<'a> {
        MonthExport {
            month,
            time_zone,
            lang,
            roster,
            days,
            records,
            rows_per_sheet: XLSX_MAX_ROWS - 1,
        }
    }
}

/// Prefixes `'` to text a spreadsheet would treat as a formula.
pub fn neutralise(v: &str) -> String {
    neutral(v).into_owned()
}

/// [`neutralise`], borrowed when unchanged.
fn neutral(v: &str) -> Cow<'_, str> {
    if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{v}"))
    } else {
        Cow::Borrowed(v)
    }
}

/// A text cell: cut to what a cell holds (no value the plugin stores comes near, but an
/// export must not fail on one), then [`neutralise`]d.
fn cell_text(v: &str) -> Cow<'_, str> {
    // Room for the `'`.
    let max = MAX_TEXT_CHARS - 1;
    if v.len() <= max {
        return neutral(v);
    }
    let mut units = 0;
    let end = v
        .char_indices()
        .find(|(_, c)| {
            units += c.len_utf16();
            units > max
        })
        .map_or(v.len(), |(i, _)| i);
    neutral(v.get(..end).unwrap_or(v))
}

struct Text {
    summary: &'static str,
    days: &'static str,
    records: &'static str,
    summary_headers: [&'static str; 14],
    day_headers: [&'static str; 10],
    record_headers: [&'static str; 9],
    clock_in: &'static str,
    clock_out: &'static str,
    normal: &'static str,
    pending: &'static str,
    rest: &'static str,
    late: &'static str,
    early: &'static str,
    absent: &'static str,
    missing_in: &'static str,
    missing_out: &'static str,
    separator: &'static str,
}

const EN: Text = Text {
    summary: "Summary",
    days: "Days",
    records: "Records",
    summary_headers: [
        "Account",
        "Name",
        "Org",
        "Working days",
        "Normal",
        "Late",
        "Late minutes",
        "Early leave",
        "Early minutes",
        "Absent",
        "Missing clock-in",
        "Missing clock-out",
        "Abnormal days",
        "Rest days",
    ],
    day_headers: [
        "Date",
        "Account",
        "Name",
        "Org",
        "Result",
        "Work hours",
        "First clock-in",
        "Last clock-out",
        "Late minutes",
        "Early minutes",
    ],
    record_headers: [
        "Time",
        "Account",
        "Name",
        "Org",
        "Kind",
        "IP (seen by server)",
        "IP (reported)",
        "MAC (reported)",
        "Client",
    ],
    clock_in: "In",
    clock_out: "Out",
    normal: "Normal",
    pending: "Pending",
    rest: "Rest day",
    late: "Late",
    early: "Early leave",
    absent: "Absent",
    missing_in: "Missing clock-in",
    missing_out: "Missing clock-out",
    separator: ", ",
};

const ZH: Text = Text {
    summary: "月度汇总",
    days: "每日明细",
    records: "打卡记录",
    summary_headers: [
        "工号",
        "姓名",
        "部门",
        "应出勤天数",
        "正常",
        "迟到",
        "迟到分钟",
        "早退",
        "早退分钟",
        "旷工",
        "缺上班卡",
        "缺下班卡",
        "异常天数",
        "休息天数",
    ],
    day_headers: [
        "日期",
        "工号",
        "姓名",
        "部门",
        "结果",
        "上下班时间",
        "最早上班打卡",
        "最晚下班打卡",
        "迟到分钟",
        "早退分钟",
    ],
    record_headers: [
        "时间",
        "工号",
        "姓名",
        "部门",
        "类型",
        "IP（服务器所见）",
        "IP（客户端上报）",
        "MAC（客户端上报）",
        "客户端",
    ],
    clock_in: "上班",
    clock_out: "下班",
    normal: "正常",
    pending: "待定",
    rest: "休息日",
    late: "迟到",
    early: "早退",
    absent: "旷工",
    missing_in: "缺上班卡",
    missing_out: "缺下班卡",
    separator: "、",
};

fn text(lang: Lang) -> &'static Text {
    match lang {
        Lang::En => &EN,
        Lang::Zh => &ZH,
    }
}

/// Adds `len` lines as sheet `name` with its header, continued on numbered sheets
/// ("Records 2") of at most `limit` lines each; with no lines, the sheet has its header
/// alone. `write` writes one sheet's range of the lines (on the sheet's own thread).
fn add_sheets<'a, F>(
    wb: &mut Workbook<'a>,
    name: &str,
    headers: &'static [&'static str],
    widths: &[f64],
    len: usize,
    limit: usize,
    write: &'a F,
) -> Result<(), orgdir_xlsx::Error>
where
    F: Fn(&mut Rows<'_>, Range<usize>) -> Result<(), orgdir_xlsx::Error> + Sync,
{
    let limit = limit.max(1);
    let mut ranges: Vec<Range<usize>> = (0..len)
        .step_by(limit)
        .map(|start| start..len.min(start.saturating_add(limit)))
        .collect();
    if ranges.is_empty() {
        ranges.push(0..0);
    }
    for (n, range) in (1..).zip(ranges) {
        let title = if n == 1 {
            name.to_string()
        } else {
            format!("{name} {n}")
        };
        let sheet = Sheet::new(title)
            .header(headers.iter().copied())
            .widths(widths);
        wb.add_sheet(sheet, move |rows| write(rows, range))?;
    }
    Ok(())
}

/// The day lines of a workbook in listing order, read by position: each sheet of a long
/// list writes its own range, on its own thread. A line: the member, the date, the result.
pub(crate) trait DayLines: Sync {
    /// How many.
    fn len(&self) -> usize;
    /// The line at `i`.
    fn line(&self, i: usize) -> Option<(u64, Date, &DayResult)>;
}

/// The record lines of a workbook in listing order, read by position (as [`DayLines`]).
pub(crate) trait RecordLines: Sync {
    /// How many.
    fn len(&self) -> usize;
    /// The line at `i`.
    fn line(&self, i: usize) -> Option<RecordLine<'_>>;
}

/// A record line, its text borrowed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RecordLine<'a> {
    pub member: u64,
    pub at: i64,
    pub kind: Kind,
    pub ip_seen: &'a str,
    pub ip_reported: &'a str,
    pub mac_reported: &'a str,
    pub client_kind: &'a str,
}

impl DayLines for Vec<&DayRow> {
    fn len(&self) -> usize {
        <[&DayRow]>::len(self)
    }
    fn line(&self, i: usize) -> Option<(u64, Date, &DayResult)> {
        self.get(i).map(|r| (r.member, r.date, &r.result))
    }
}

impl RecordLines for Vec<&ClockRecord> {
    fn len(&self) -> usize {
        <[&ClockRecord]>::len(self)
    }
    fn line(&self, i: usize) -> Option<RecordLine<'_>> {
        self.get(i).map(|r| RecordLine {
            member: r.member,
            at: r.at,
            kind: r.kind,
            ip_seen: &r.ip_seen,
            ip_reported: &r.ip_reported,
            mac_reported: &r.mac_reported,
            client_kind: &r.client_kind,
        })
    }
}

/// Looks people up, remembering the last one (rows come member by member).
struct People<'a> {
    roster: &'a Roster,
    empty: &'a Person,
    last: Option<(u64, &'a Person)>,
}

impl<'a> People<'a> {
    fn new(roster: &'a Roster, empty: &'a Person) -> People<'a> {
        People {
            roster,
            empty,
            last: None,
        }
    }

    fn get(&mut self, member: u64) -> &'a Person {
        match self.last {
            Some((m, p)) if m == member => p,
            _ => {
                let p = self.roster.get(member).unwrap_or(self.empty);
                self.last = Some((member, p));
                p
            }
        }
    }
}

/// Seconds since the Unix epoch of `at`'s local wall-clock time in `tz` ([`Local`] keeps
/// the offset between calls).
#[cfg(test)]
fn local_seconds(at: i64, tz: &TimeZone) -> i64 {
    at + i64::from(tz.to_offset(calendar::timestamp(at)).seconds())
}

/// A date as an Excel date number.
fn excel_date(d: Date) -> f64 {
    orgdir_xlsx::date_serial(
        calendar::unix_at(d, Time::midnight(), &TimeZone::UTC).div_euclid(86400),
    )
}

/// The local times of one sheet's rows (seconds since the epoch of the local wall-clock
/// time; Excel numbers), computed less often than once per cell: the UTC offset in force is
/// kept with the span between the time zone's transitions around it (rows rarely cross
/// one), and the Excel number of each day of the month ([`excel_date`]) once computed.
struct Local<'a> {
    tz: &'a TimeZone,
    /// The offset's span `[from, until)`.
    from: i64,
    until: i64,
    offset: i64,
    /// By day of the month.
    dates: [Option<(Date, f64)>; 32],
}

impl<'a> Local<'a> {
    fn new(tz: &'a TimeZone) -> Local<'a> {
        Local {
            tz,
            from: 0,
            until: 0,
            offset: 0,
            dates: [None; 32],
        }
    }

    /// `at`'s local wall-clock time in the time zone, as seconds since the epoch.
    fn seconds(&mut self, at: i64) -> i64 {
        if !(self.from <= at && at < self.until) {
            let ts = calendar::timestamp(at);
            self.offset = i64::from(self.tz.to_offset(ts).seconds());
            // The last transition at or before `at`, the first after it.
            let next = calendar::timestamp(at.saturating_add(1));
            self.from = self
                .tz
                .preceding(next)
                .next()
                .map_or(i64::MIN, |t| t.timestamp().as_second());
            self.until = self
                .tz
                .following(ts)
                .next()
                .map_or(i64::MAX, |t| t.timestamp().as_second());
        }
        at + self.offset
    }

    /// `at`'s local date and time as an Excel date-time number.
    fn datetime(&mut self, at: i64) -> f64 {
        orgdir_xlsx::datetime_serial(self.seconds(at))
    }

    /// `at`'s local time of day as an Excel time number.
    fn time(&mut self, at: i64) -> f64 {
        orgdir_xlsx::time_serial(self.seconds(at))
    }

    /// [`excel_date`], remembered by day of the month.
    fn date(&mut self, d: Date) -> f64 {
        let slot = usize::try_from(d.day())
            .ok()
            .and_then(|i| self.dates.get_mut(i));
        match slot {
            Some(Some((date, serial))) if *date == d => *serial,
            Some(slot) => {
                let serial = excel_date(d);
                *slot = Some((d, serial));
                serial
            }
            None => excel_date(d),
        }
    }
}

/// Work hours as `09:00-18:00`, remembering the last (rows of a member repeat them).
#[derive(Default)]
struct Hours {
    last: Option<((i64, i64), String)>,
}

impl Hours {
    fn text(&mut self, start: i64, end: i64, local: &mut Local<'_>) -> &str {
        let tz = local.tz;
        let key = (
            local.seconds(start).rem_euclid(86400),
            local.seconds(end).rem_euclid(86400),
        );
        let hh_mm = |at| calendar::hh_mm(calendar::local_datetime(at, tz).time());
        if !matches!(&self.last, Some((k, _)) if *k == key) {
            self.last = Some((key, format!("{}-{}", hh_mm(start), hh_mm(end))));
        }
        self.last.as_ref().map_or("", |(_, text)| text)
    }
}

fn result_text(r: &DayResult, t: &'static Text) -> Cow<'static, str> {
    match r {
        DayResult::NotCounted => Cow::Borrowed(""),
        DayResult::Rest(_) => Cow::Borrowed(t.rest),
        DayResult::Working(w) => {
            if w.is_pending() {
                return Cow::Borrowed(t.pending);
            }
            let mut parts = r.findings().map(|s| match s {
                Status::Late => t.late,
                Status::EarlyLeave => t.early,
                Status::Absent => t.absent,
                Status::MissingIn => t.missing_in,
                _ => t.missing_out,
            });
            match (parts.next(), parts.next()) {
                (None, _) => Cow::Borrowed(t.normal),
                (Some(one), None) => Cow::Borrowed(one),
                (Some(a), Some(b)) => {
                    let mut all = vec![a, b];
                    all.extend(parts);
                    Cow::Owned(all.join(t.separator))
                }
            }
        }
    }
}

const SUMMARY_WIDTHS: &[f64] = &[14.0, 16.0, 24.0];
const DAY_WIDTHS: &[f64] = &[11.0, 14.0, 16.0, 24.0, 28.0, 12.0, 12.0, 12.0];
const RECORD_WIDTHS: &[f64] = &[20.0, 14.0, 16.0, 24.0, 6.0, 40.0, 40.0, 18.0, 10.0];

/// Writes the month's workbook to `out`.
pub fn write_month<W: Write + Seek + Send>(e: &MonthExport<'_>, out: W) -> Result<(), ExportError> {
    let first = e.month.first_day();
    let last = e.month.last_day();
    let order = e.roster.order();

    // Sheet 1: the month per member.
    let in_month = |r: &DayRow| r.date >= first && r.date <= last;
    let month_rows: Cow<'_, [DayRow]> = if e.days.iter().all(in_month) {
        Cow::Borrowed(e.days)
    } else {
        Cow::Owned(e.days.iter().filter(|r| in_month(r)).copied().collect())
    };
    let summaries = report::member_summaries(&month_rows, e.roster);

    // Sheet 2: every counted working day and every rest day with records.
    let mut days: Vec<&DayRow> = month_rows
        .iter()
        .filter(|r| listed_day(&r.result))
        .collect();
    days.sort_by_cached_key(|r| (order.key(r.member), r.date));

    // Sheets 3…: every clock record of the month.
    let (from, _) = calendar::day_bounds(first, e.time_zone);
    let (_, to) = calendar::day_bounds(last, e.time_zone);
    let mut records: Vec<&ClockRecord> = e
        .records
        .iter()
        .filter(|r| r.at >= from && r.at < to)
        .collect();
    records.sort_by_cached_key(|r| (order.key(r.member), r.at));

    write_lines(
        &Listed {
            time_zone: e.time_zone,
            lang: e.lang,
            roster: e.roster,
            rows_per_sheet: e.rows_per_sheet,
            summaries: &summaries,
            days: &days,
            records: &records,
        },
        out,
    )
}

/// Whether a day has a line on the days sheet: every counted working day, and rest days with
/// records.
pub(crate) fn listed_day(r: &DayResult) -> bool {
    match r {
        DayResult::NotCounted => false,
        DayResult::Rest(rest) => rest.records > 0,
        DayResult::Working(_) => true,
    }
}

/// A month's workbook as its sheets list it: the summaries in roster order, the listed
/// days ([`listed_day`]) by member in roster order then date, the records by member in
/// roster order then time (ties in the order stored).
pub(crate) struct Listed<'a> {
    /// The attendance time zone.
    pub time_zone: &'a TimeZone,
    /// Header language.
    pub lang: Lang,
    /// The people of the scope.
    pub roster: &'a Roster,
    /// Data rows per sheet (see [`MonthExport::rows_per_sheet`]).
    pub rows_per_sheet: u32,
    /// The summary lines.
    pub summaries: &'a [report::MemberSummary],
    /// The day lines.
    pub days: &'a dyn DayLines,
    /// The record lines.
    pub records: &'a dyn RecordLines,
}

/// Writes the workbook of lines already listed to `out`.
pub(crate) fn write_lines<W: Write + Seek + Send>(
    e: &Listed<'_>,
    out: W,
) -> Result<(), ExportError> {
    let t = text(e.lang);
    let tz = e.time_zone;
    let limit = usize::try_from(e.rows_per_sheet.clamp(1, XLSX_MAX_ROWS - 1)).unwrap_or(1);
    let empty = Person::default();

    let write_summaries = |rows: &mut Rows<'_>, part: Range<usize>| {
        let mut people = People::new(e.roster, &empty);
        for s in e.summaries.get(part).unwrap_or_default() {
            let p = people.get(s.member);
            let c = &s.counts;
            let (account, name, org) =
                (cell_text(&p.account), cell_text(&p.name), cell_text(&p.org));
            rows.row(&[
                Cell::Text(&account),
                Cell::Text(&name),
                Cell::Text(&org),
                c.working.into(),
                c.normal.into(),
                c.late.into(),
                Cell::Int(i64::try_from(c.late_minutes).unwrap_or(i64::MAX)),
                c.early_leave.into(),
                Cell::Int(i64::try_from(c.early_minutes).unwrap_or(i64::MAX)),
                c.absent.into(),
                c.missing_in.into(),
                c.missing_out.into(),
                c.abnormal.into(),
                c.rest.into(),
            ])?;
        }
        Ok(())
    };

    let write_days = |rows: &mut Rows<'_>, part: Range<usize>| {
        let mut people = People::new(e.roster, &empty);
        let mut hours = Hours::default();
        let mut local = Local::new(tz);
        for (member, date, result) in part.filter_map(|i| e.days.line(i)) {
            let p = people.get(member);
            let (account, name, org) =
                (cell_text(&p.account), cell_text(&p.name), cell_text(&p.org));
            let text = result_text(result, t);
            let work = result.work();
            let first_in = result.first_in().map(|at| local.time(at));
            let last_out = result.last_out().map(|at| local.time(at));
            let day = local.date(date);
            let time = |serial: Option<f64>| serial.map_or(Cell::Empty, Cell::Time);
            let minutes = |m: Option<_>| m.map_or(Cell::Empty, Cell::Int);
            rows.row(&[
                Cell::Date(day),
                Cell::Text(&account),
                Cell::Text(&name),
                Cell::Text(&org),
                Cell::Text(&text),
                work.map_or(Cell::Empty, |w| {
                    Cell::Text(hours.text(w.start, w.end, &mut local))
                }),
                time(first_in),
                time(last_out),
                minutes(work.and_then(|w| w.late_minutes).map(i64::from)),
                minutes(work.and_then(|w| w.early_minutes).map(i64::from)),
            ])?;
        }
        Ok(())
    };

    let write_records = |rows: &mut Rows<'_>, part: Range<usize>| {
        let mut people = People::new(e.roster, &empty);
        let mut local = Local::new(tz);
        for r in part.filter_map(|i| e.records.line(i)) {
            let p = people.get(r.member);
            let kind = match r.kind {
                Kind::In => t.clock_in,
                Kind::Out => t.clock_out,
            };
            let texts = [
                cell_text(&p.account),
                cell_text(&p.name),
                cell_text(&p.org),
                cell_text(r.ip_seen),
                cell_text(r.ip_reported),
                cell_text(r.mac_reported),
                cell_text(r.client_kind),
            ];
            let [account, name, org, ip_seen, ip_reported, mac, client] = &texts;
            rows.row(&[
                Cell::DateTime(local.datetime(r.at)),
                Cell::Text(account),
                Cell::Text(name),
                Cell::Text(org),
                Cell::Text(kind),
                Cell::Text(ip_seen),
                Cell::Text(ip_reported),
                Cell::Text(mac),
                Cell::Text(client),
            ])?;
        }
        Ok(())
    };

    // All three kinds of sheet are written at once (see `orgdir_xlsx::Workbook::write`).
    let mut wb = Workbook::new();
    add_sheets(
        &mut wb,
        t.summary,
        &t.summary_headers,
        SUMMARY_WIDTHS,
        e.summaries.len(),
        limit,
        &write_summaries,
    )?;
    add_sheets(
        &mut wb,
        t.days,
        &t.day_headers,
        DAY_WIDTHS,
        e.days.len(),
        limit,
        &write_days,
    )?;
    add_sheets(
        &mut wb,
        t.records,
        &t.record_headers,
        RECORD_WIDTHS,
        e.records.len(),
        limit,
        &write_records,
    )?;
    wb.write(out)?;
    Ok(())
}

/// The month's workbook as bytes.
pub fn export_month(e: &MonthExport<'_>) -> Result<Vec<u8>, ExportError> {
    let mut out = Cursor::new(Vec::new());
    write_month(e, &mut out)?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    /// The remembered offsets equal a lookup per time, across DST changes (both ways, and
    /// Lord Howe's half hour), far from any, and beyond jiff's range.
    #[test]
    fn local_times_equal_a_lookup_per_time() {
        let zones = [
            "Asia/Shanghai",
            "America/New_York",
            "Europe/Berlin",
            "Australia/Lord_Howe",
            "UTC",
        ];
        let min = jiff::Timestamp::MIN.as_second();
        let max = jiff::Timestamp::MAX.as_second();
        for name in zones {
            let tz = calendar::time_zone(name).unwrap();
            let mut times: Vec<i64> = (0..20_000).map(|i| 1_700_000_000 + i * 7_919).collect();
            // Around each transition of those years, to the second.
            for tr in tz.following(calendar::timestamp(1_700_000_000)).take(8) {
                let at = tr.timestamp().as_second();
                times.extend([at - 3601, at - 1, at, at + 1, at + 3600]);
            }
            times.extend([
                min - 86_400,
                min - 1,
                min,
                min + 1,
                0,
                max - 1,
                max,
                max + 86_400,
            ]);
            let backwards: Vec<i64> = times.iter().rev().copied().collect();
            for order in [&times, &backwards] {
                let mut local = Local::new(&tz);
                for &at in order.iter() {
                    assert_eq!(local.seconds(at), local_seconds(at, &tz), "{name} {at}");
                }
            }
        }
        let utc = TimeZone::UTC;
        let mut local = Local::new(&utc);
        for d in [
            Date::constant(2025, 3, 1),
            Date::constant(2025, 3, 31),
            Date::constant(2025, 4, 1),
            Date::constant(2025, 3, 1),
            Date::constant(-9999, 1, 1),
            Date::constant(9999, 12, 31),
        ] {
            assert_eq!(local.date(d), excel_date(d), "{d}");
        }
    }
}
