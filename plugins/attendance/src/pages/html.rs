//! HTML pieces of the attendance pages without a template engine: [`esc`] for every value
//! put into a page, query strings, messages, and the tables several pages share.

use std::fmt::Write as _;

use jiff::tz::TimeZone;
use orgdir_plugin_api::Directory;

use super::text::Text;
use crate::calendar;
use crate::classify::{DayResult, Status};
use crate::record::Kind;
use crate::report::{Counts, DayRow, Roster};
use crate::store::StoredRecord;
use crate::view;

/// Where the pages are mounted.
pub const BASE: &str = "/panel/p/attendance";

/// Escapes text for HTML element content and quoted attribute values.
pub use orgdir_plugin_api::html::escape as esc;

/// Percent-encodes a query value.
pub fn url_enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A page's URL with its query: `path?k=v&…`, empty values left out.
pub fn href(path: &str, query: &[(&str, &str)]) -> String {
    let q: Vec<String> = query
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", url_enc(v)))
        .collect();
    if q.is_empty() {
        format!("{BASE}/{path}")
    } else {
        format!("{BASE}/{path}?{}", q.join("&"))
    }
}

/// A message box (`ok` green, else red).
pub fn message(ok: bool, text: &str) -> String {
    format!(
        "<p class=\"msg {}\" role=\"{}\">{}</p>",
        if ok { "ok" } else { "err" },
        if ok { "status" } else { "alert" },
        esc(text)
    )
}

/// `HH:MM:SS` of `at` in `tz`.
pub fn clock_time(at: i64, tz: &TimeZone) -> String {
    let t = calendar::local_datetime(at, tz);
    format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
}

/// `YYYY-MM-DD HH:MM:SS` of `at` in `tz`.
pub fn date_time(at: i64, tz: &TimeZone) -> String {
    let t = calendar::local_datetime(at, tz);
    format!("{} {}", calendar::ymd(t.date()), clock_time(at, tz))
}

/// `HH:MM` of `at` in `tz`.
pub fn hh_mm(at: i64, tz: &TimeZone) -> String {
    calendar::hh_mm(calendar::local_datetime(at, tz).time())
}

/// The statuses the count tables show, in order.
pub const SHOWN: [Status; 10] = [
    Status::Working,
    Status::Normal,
    Status::Pending,
    Status::Abnormal,
    Status::Late,
    Status::EarlyLeave,
    Status::Absent,
    Status::MissingIn,
    Status::MissingOut,
    Status::Rest,
];

/// A table of counts; each number links to the rows it counts (`link(status)`), or is
/// plain text when `link` gives `None`.
pub fn counts_table(
    t: &Text,
    id: &str,
    c: &Counts,
    link: impl Fn(Status) -> Option<String>,
) -> String {
    let mut h = format!("<table class=\"counts\" id=\"{}\"><thead><tr>", esc(id));
    for s in SHOWN {
        let _ = write!(h, "<th>{}</th>", esc(t.status(s)));
    }
    h.push_str("</tr></thead><tbody><tr>");
    for s in SHOWN {
        let n = c.get(s);
        match link(s) {
            Some(url) => {
                let _ = write!(
                    h,
                    "<td><a href=\"{}\" data-status=\"{}\">{n}</a></td>",
                    esc(&url),
                    s.key()
                );
            }
            None => {
                let _ = write!(h, "<td data-status=\"{}\">{n}</td>", s.key());
            }
        }
    }
    h.push_str("</tr></tbody></table>");
    h
}

/// What a day came to, in words: not counted, rest day, pending, normal, or its findings.
pub fn result_text(t: &Text, r: &DayResult) -> String {
    match r {
        DayResult::NotCounted => t.status(Status::NotCounted).to_string(),
        DayResult::Rest(_) => t.rest_day.to_string(),
        DayResult::Working(w) if w.is_pending() => t.status(Status::Pending).to_string(),
        DayResult::Working(_) => {
            let parts: Vec<&str> = r.findings().map(|s| t.status(s)).collect();
            if parts.is_empty() {
                t.status(Status::Normal).to_string()
            } else {
                parts.join(" \u{b7} ")
            }
        }
    }
}

/// Which columns a days table shows.
#[derive(Clone, Copy, Debug)]
pub struct DayColumns {
    /// The date.
    pub date: bool,
    /// Account, name and department.
    pub person: bool,
    /// Today: later dates show no result yet.
    pub today: jiff::civil::Date,
}

/// A table of judged days.
pub fn days_table(
    t: &Text,
    id: &str,
    rows: &[DayRow],
    roster: &Roster,
    tz: &TimeZone,
    cols: DayColumns,
) -> String {
    if rows.is_empty() {
        return format!("<p id=\"{}-none\">{}</p>", esc(id), esc(t.none));
    }
    let mut h = format!("<table id=\"{}\"><thead><tr>", esc(id));
    if cols.date {
        let _ = write!(h, "<th>{}</th>", esc(t.date));
    }
    if cols.person {
        let _ = write!(
            h,
            "<th>{}</th><th>{}</th><th>{}</th>",
            esc(t.account),
            esc(t.name),
            esc(t.org)
        );
    }
    let _ = write!(
        h,
        "<th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        esc(t.result),
        esc(t.hours),
        esc(t.first_in),
        esc(t.last_out),
        esc(t.late_min),
        esc(t.early_min)
    );
    for r in rows {
        let findings: Vec<&str> = r.result.findings().map(Status::key).collect();
        let _ = write!(
            h,
            "<tr data-member=\"{}\" data-date=\"{}\" data-findings=\"{}\">",
            r.member,
            calendar::ymd(r.date),
            findings.join(" ")
        );
        if cols.date {
            let _ = write!(
                h,
                "<td>{} {}</td>",
                calendar::ymd(r.date),
                esc(t.day(crate::rules::Day::of(r.date.weekday())))
            );
        }
        if cols.person {
            let p = roster.get(r.member);
            let _ = write!(
                h,
                "<td>{}</td><td>{}</td><td>{}</td>",
                esc(p.map(|p| p.account.as_str()).unwrap_or("")),
                esc(p.map(|p| p.name.as_str()).unwrap_or("")),
                esc(p.map(|p| p.org.as_str()).unwrap_or(""))
            );
        }
        let work = r.result.work();
        let hours = work
            .map(|w| format!("{}\u{2013}{}", hh_mm(w.start, tz), hh_mm(w.end, tz)))
            .unwrap_or_default();
        let at = |v: Option<i64>| v.map(|a| clock_time(a, tz)).unwrap_or_default();
        let mins = |v: Option<u32>| v.map(|m| m.to_string()).unwrap_or_default();
        let result = if r.date > cols.today {
            String::new()
        } else {
            result_text(t, &r.result)
        };
        let _ = write!(
            h,
            "<td class=\"result\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&result),
            esc(&hours),
            esc(&at(r.result.first_in())),
            esc(&at(r.result.last_out())),
            mins(work.and_then(|w| w.late_minutes)),
            mins(work.and_then(|w| w.early_minutes))
        );
    }
    h.push_str("</tbody></table>");
    h
}

/// A table of clock records.
pub fn records_table(
    t: &Text,
    id: &str,
    rows: &[StoredRecord],
    dir: &Directory,
    tz: &TimeZone,
    person: bool,
) -> String {
    if rows.is_empty() {
        return format!("<p id=\"{}-none\">{}</p>", esc(id), esc(t.none));
    }
    let mut h = format!(
        "<table id=\"{}\"><thead><tr><th>{}</th>",
        esc(id),
        esc(t.time)
    );
    if person {
        let _ = write!(
            h,
            "<th>{}</th><th>{}</th><th>{}</th>",
            esc(t.account),
            esc(t.name),
            esc(t.org)
        );
    }
    let _ = write!(
        h,
        "<th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        esc(t.kind),
        esc(t.ip_seen),
        esc(t.ip_reported),
        esc(t.mac),
        esc(t.client)
    );
    for r in rows {
        let rec = &r.record;
        let _ = write!(
            h,
            "<tr data-member=\"{}\" data-kind=\"{}\"><td>{}</td>",
            rec.member,
            rec.kind.as_str(),
            esc(&date_time(rec.at, tz))
        );
        if person {
            let m = dir.member(rec.member);
            let _ = write!(
                h,
                "<td>{}</td><td>{}</td><td>{}</td>",
                esc(m.map(|m| m.account.as_str()).unwrap_or("")),
                esc(m.map(|m| m.name.as_str()).unwrap_or("")),
                esc(&m.map(|m| view::org_label(dir, m.org)).unwrap_or_default())
            );
        }
        let kind = match rec.kind {
            Kind::In => t.clock_in,
            Kind::Out => t.clock_out,
        };
        let _ = write!(
            h,
            "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(kind),
            esc(&rec.ip_seen),
            esc(&rec.ip_reported),
            esc(&rec.mac_reported),
            esc(&rec.client_kind)
        );
    }
    h.push_str("</tbody></table>");
    h
}
