//! The attendance plugin (SPEC ATT-1..5), built on `orgdir-plugin-api` only: [`Attendance`]
//! is the plugin the server loads (`[plugins] enabled = ["attendance"]`; user guide:
//! docs/plugins/attendance.md). Its core — the public modules below — is pure: plain data in,
//! plain data out, no HTTP, no SQL, no plugin API, so the private layers around it (storage in
//! the plugin's own database, the closing job, the JSON API, the panel pages) stay thin and
//! every rule is tested in memory.
//!
//! * [`rules`] — the rules (ATT-3) in their stored JSON form and checked, and their history:
//!   each past day is judged by the version in force on it.
//! * [`calendar`] — local dates and day bounds in the attendance time zone (jiff's bundled
//!   tz database), months, and ATT-2's [`first_counted_day`].
//! * [`classify`](mod@classify) — one member's day: rest day, or working day with late /
//!   early leave / absent / missing clock-in / missing clock-out, judged as of a given moment.
//! * [`schedule`](mod@schedule) — what a client needs for its clock-in and clock-out
//!   reminders (ATT-4).
//! * [`report`] — daily report, monthly summaries, one member's month, ranking, overview,
//!   and the drill-down from each number to its rows (ATT-5).
//! * [`export`] — the month as XLSX, with every record's addresses (ATT-5).
//!
//! Timestamps are Unix seconds (`i64`, server time) everywhere; member ids are the
//! directory's `MemberId.0`. Nothing here reads the clock: `now` is always a parameter.
//!
//! ```
//! use orgdir_attendance::{Punch, Rules, Status, calendar, classify_day};
//! use orgdir_attendance::jiff::civil::date;
//!
//! let rules: Rules = serde_json::from_str(r#"{"time_zone":"Asia/Shanghai",
//!     "work_start":"09:00","work_end":"18:00",
//!     "working_weekdays":["mon","tue","wed","thu","fri"]}"#)?;
//! let day = date(2025, 3, 3); // a Monday
//! let at = |h, m| calendar::unix_at(day, orgdir_attendance::jiff::civil::time(h, m, 0, 0),
//!     rules.time_zone());
//! let punches = [Punch::clock_in(at(9, 7)), Punch::clock_out(at(18, 2))];
//! let result = classify_day(&rules, day, at(23, 0), &punches, true);
//! assert!(result.has(Status::Late));
//! assert_eq!(result.work().and_then(|w| w.late_minutes), Some(7));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

pub mod calendar;
pub mod classify;
pub mod export;
pub mod record;
pub mod report;
pub mod rules;
pub mod schedule;

// The plugin around the core: manifest, storage, API, panel pages, the closing job.
mod api;
mod close;
mod input;
mod listing;
mod pages;
mod plugin;
#[cfg(test)]
mod plugin_tests;
mod query;
mod store;
mod view;

/// The date and time library this crate's types come from (dates are `jiff::civil::Date`,
/// time zones `jiff::tz::TimeZone`).
pub use jiff;

pub use calendar::{Month, day_bounds, first_counted_day, local_date, time_zone, unix_at};
pub use classify::{
    DayPlan, DayResult, PlanKind, Progress, RestDay, Status, WorkDay, WorkHours, classify,
    classify_day, classify_member,
};
pub use export::{ExportError, Lang, MonthExport, export_month, neutralise, write_month};
pub use record::{ClockRecord, Kind, Punch};
pub use report::{
    Counts, DailyReport, DayRow, MemberSummary, Order, Overview, Person, Roster, Totals,
    daily_report, member_days, member_summaries, overview, ranking, rows_with, totals,
};
pub use rules::{Day, Rules, RulesError, RulesHistory, RulesSpec, RulesVersion};
pub use schedule::{DayHours, Schedule, schedule};

pub use plugin::{Attendance, ID as PLUGIN_ID};
