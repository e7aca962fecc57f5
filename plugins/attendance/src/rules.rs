//! Attendance rules (ATT-3) and their history.
//!
//! [`RulesSpec`] is the stored and wire form (JSON through serde); [`Rules`] is a checked
//! spec, and (de)serializes through `RulesSpec`, so rules read back from storage are
//! validated again. A change never rewrites the past: every change is kept as a
//! [`RulesVersion`], and [`RulesHistory::in_force`] picks the version that governed a given
//! local date.

use std::collections::BTreeSet;

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::calendar;

/// The largest allowed grace period, in minutes.
pub const MAX_GRACE_MINUTES: u32 = 120;

/// The most special dates (working and holiday together) one rule set may list.
pub const MAX_SPECIAL_DATES: usize = 1000;

/// A day of the week as stored in [`RulesSpec::working_weekdays`]: `"mon"` … `"sun"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Day {
    /// Monday.
    Mon,
    /// Tuesday.
    Tue,
    /// Wednesday.
    Wed,
    /// Thursday.
    Thu,
    /// Friday.
    Fri,
    /// Saturday.
    Sat,
    /// Sunday.
    Sun,
}

impl Day {
    /// Monday to Sunday.
    pub const ALL: [Day; 7] = [
        Day::Mon,
        Day::Tue,
        Day::Wed,
        Day::Thu,
        Day::Fri,
        Day::Sat,
        Day::Sun,
    ];

    /// The jiff weekday.
    pub fn weekday(self) -> Weekday {
        match self {
            Day::Mon => Weekday::Monday,
            Day::Tue => Weekday::Tuesday,
            Day::Wed => Weekday::Wednesday,
            Day::Thu => Weekday::Thursday,
            Day::Fri => Weekday::Friday,
            Day::Sat => Weekday::Saturday,
            Day::Sun => Weekday::Sunday,
        }
    }

    /// The day of a jiff weekday.
    pub fn of(w: Weekday) -> Day {
        match w {
            Weekday::Monday => Day::Mon,
            Weekday::Tuesday => Day::Tue,
            Weekday::Wednesday => Day::Wed,
            Weekday::Thursday => Day::Thu,
            Weekday::Friday => Day::Fri,
            Weekday::Saturday => Day::Sat,
            Weekday::Sunday => Day::Sun,
        }
    }

    fn bit(self) -> u8 {
        1 << self.weekday().to_monday_zero_offset()
    }
}

/// The rules as stored (JSON) and as sent by the API. Check them with [`Rules::new`].
///
/// ```json
/// {"time_zone":"Asia/Shanghai","work_start":"09:00","work_end":"18:00",
///  "working_weekdays":["mon","tue","wed","thu","fri"],
///  "special_working_dates":["2025-09-28"],"special_holiday_dates":["2025-10-01"],
///  "grace_minutes":5}
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesSpec {
    /// IANA time zone of the enterprise's attendance (`Asia/Shanghai`, `UTC`).
    pub time_zone: String,
    /// Start of work, local `HH:MM`.
    pub work_start: String,
    /// End of work, local `HH:MM`, later than the start on the same day.
    pub work_end: String,
    /// Weekdays that are working days.
    pub working_weekdays: Vec<Day>,
    /// Dates (`YYYY-MM-DD`) that are working days whatever their weekday (a working
    /// Saturday before a holiday week).
    #[serde(default)]
    pub special_working_dates: Vec<String>,
    /// Dates (`YYYY-MM-DD`) that are not working days whatever their weekday.
    #[serde(default)]
    pub special_holiday_dates: Vec<String>,
    /// Minutes of tolerance for a late clock-in and for an early clock-out (0..=120).
    #[serde(default)]
    pub grace_minutes: u32,
}

/// Why a [`RulesSpec`] was refused. The texts are meant for the administrator who typed
/// the rules.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum RulesError {
    /// The time zone is not in the tz database.
    #[error("unknown time zone {0:?}: use an IANA name such as Asia/Shanghai or UTC")]
    UnknownTimeZone(String),
    /// A time is not `HH:MM`.
    #[error("{field} must be a time HH:MM between 00:00 and 23:59, got {value:?}")]
    BadTime {
        /// `work_start` or `work_end`.
        field: &'static str,
        /// The refused text.
        value: String,
    },
    /// The start is not before the end.
    #[error(
        "work start {start} must be before work end {end} on the same day (overnight shifts are not supported)"
    )]
    StartNotBeforeEnd {
        /// The start, `HH:MM`.
        start: String,
        /// The end, `HH:MM`.
        end: String,
    },
    /// No day could ever be a working day.
    #[error("at least one working weekday or special working date is required")]
    NoWorkingDay,
    /// The grace period is out of range.
    #[error("grace_minutes must be between 0 and {MAX_GRACE_MINUTES}, got {0}")]
    Grace(u32),
    /// A special date is not `YYYY-MM-DD`.
    #[error("special date must be a date YYYY-MM-DD, got {0:?}")]
    BadDate(String),
    /// Too many special dates.
    #[error("at most {MAX_SPECIAL_DATES} special dates are allowed, got {0}")]
    TooManyDates(usize),
    /// A date is listed both as a working date and as a holiday.
    #[error("{0} is listed both as a special working date and as a special holiday")]
    WorkingAndHoliday(String),
}

/// Checked attendance rules. Built by [`Rules::new`]; serializes as its [`RulesSpec`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(try_from = "RulesSpec", into = "RulesSpec")]
pub struct Rules {
    tz_name: String,
    tz: TimeZone,
    start: Time,
    end: Time,
    weekdays: u8,
    working_dates: BTreeSet<Date>,
    holiday_dates: BTreeSet<Date>,
    grace: u32,
}

impl PartialEq for Rules {
    fn eq(&self, other: &Rules) -> bool {
        self.tz_name == other.tz_name
            && self.start == other.start
            && self.end == other.end
            && self.weekdays == other.weekdays
            && self.working_dates == other.working_dates
            && self.holiday_dates == other.holiday_dates
            && self.grace == other.grace
    }
}

impl Eq for Rules {}

impl TryFrom<RulesSpec> for Rules {
    type Error = RulesError;
    fn try_from(spec: RulesSpec) -> Result<Rules, RulesError> {
        Rules::new(&spec)
    }
}

impl From<Rules> for RulesSpec {
    fn from(r: Rules) -> RulesSpec {
        r.spec()
    }
}

fn dates(list: &[String]) -> Result<BTreeSet<Date>, RulesError> {
    list.iter()
        .map(|s| calendar::parse_ymd(s.trim()).ok_or_else(|| RulesError::BadDate(s.clone())))
        .collect()
}

impl Rules {
    /// Checks `spec`: a known IANA time zone, `HH:MM` times with start before end (no
    /// overnight shifts), at least one working weekday or special working date, grace
    /// 0..=120 minutes, at most [`MAX_SPECIAL_DATES`] special dates, none both working and
    /// holiday. Duplicates in the lists are merged.
    pub fn new(spec: &RulesSpec) -> Result<Rules, RulesError> {
        let tz_name = spec.time_zone.trim();
        let tz = calendar::time_zone(tz_name)
            .ok_or_else(|| RulesError::UnknownTimeZone(spec.time_zone.clone()))?;
        let time = |field: &'static str, value: &str| {
            calendar::parse_hh_mm(value.trim()).ok_or_else(|| RulesError::BadTime {
                field,
                value: value.to_string(),
            })
        };
        let start = time("work_start", &spec.work_start)?;
        let end = time("work_end", &spec.work_end)?;
        if start >= end {
            return Err(RulesError::StartNotBeforeEnd {
                start: calendar::hh_mm(start),
                end: calendar::hh_mm(end),
            });
        }
        if spec.grace_minutes > MAX_GRACE_MINUTES {
            return Err(RulesError::Grace(spec.grace_minutes));
        }
        let listed = spec.special_working_dates.len() + spec.special_holiday_dates.len();
        if listed > MAX_SPECIAL_DATES {
            return Err(RulesError::TooManyDates(listed));
        }
        let working_dates = dates(&spec.special_working_dates)?;
        let holiday_dates = dates(&spec.special_holiday_dates)?;
        if let Some(d) = working_dates.intersection(&holiday_dates).next() {
            return Err(RulesError::WorkingAndHoliday(calendar::ymd(*d)));
        }
        let weekdays = spec.working_weekdays.iter().fold(0u8, |m, d| m | d.bit());
        if weekdays == 0 && working_dates.is_empty() {
            return Err(RulesError::NoWorkingDay);
        }
        Ok(Rules {
            tz_name: tz_name.to_string(),
            tz,
            start,
            end,
            weekdays,
            working_dates,
            holiday_dates,
            grace: spec.grace_minutes,
        })
    }

    /// The spec these rules were built from, normalized (sorted, merged lists).
    pub fn spec(&self) -> RulesSpec {
        RulesSpec {
            time_zone: self.tz_name.clone(),
            work_start: calendar::hh_mm(self.start),
            work_end: calendar::hh_mm(self.end),
            working_weekdays: self.working_weekdays(),
            special_working_dates: self
                .working_dates
                .iter()
                .map(|d| calendar::ymd(*d))
                .collect(),
            special_holiday_dates: self
                .holiday_dates
                .iter()
                .map(|d| calendar::ymd(*d))
                .collect(),
            grace_minutes: self.grace,
        }
    }

    /// The attendance time zone.
    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    /// The attendance time zone's IANA name.
    pub fn time_zone_name(&self) -> &str {
        &self.tz_name
    }

    /// Local start of work.
    pub fn work_start(&self) -> Time {
        self.start
    }

    /// Local end of work.
    pub fn work_end(&self) -> Time {
        self.end
    }

    /// Grace minutes for late and early.
    pub fn grace_minutes(&self) -> u32 {
        self.grace
    }

    /// The working weekdays, Monday first.
    pub fn working_weekdays(&self) -> Vec<Day> {
        Day::ALL
            .into_iter()
            .filter(|d| self.weekdays & d.bit() != 0)
            .collect()
    }

    /// Whether `date` is a working day: a special working date, or a working weekday that
    /// is not a special holiday.
    pub fn is_working_day(&self, date: Date) -> bool {
        if self.working_dates.contains(&date) {
            return true;
        }
        if self.holiday_dates.contains(&date) {
            return false;
        }
        self.weekdays & Day::of(date.weekday()).bit() != 0
    }

    /// Start and end of work on `date` as Unix seconds (whether or not `date` is a working
    /// day).
    pub fn work_hours(&self, date: Date) -> (i64, i64) {
        (
            calendar::unix_at(date, self.start, &self.tz),
            calendar::unix_at(date, self.end, &self.tz),
        )
    }
}

/// One saved change of the rules: the rules as saved and when (Unix seconds, server time).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RulesVersion {
    /// When the rules were saved.
    pub changed_at: i64,
    /// The rules saved.
    pub rules: Rules,
}

impl RulesVersion {
    /// The first local date this version governs: `changed_at`'s local date in the
    /// version's own time zone. A change saved today applies from today on.
    pub fn effective_date(&self) -> Date {
        calendar::local_date(self.changed_at, self.rules.time_zone())
    }
}

/// Every saved version of an enterprise's rules, so each past day is judged by the rules
/// that governed it (ATT-3: a change never rewrites past days' results).
#[derive(Clone, Debug, Default)]
pub struct RulesHistory {
    /// Sorted by `changed_at`, oldest first; each with its effective date.
    versions: Vec<(Date, RulesVersion)>,
}

impl RulesHistory {
    /// A history of `versions`, in any order. Versions saved at the same second keep their
    /// given order (the later one wins).
    pub fn new(versions: impl IntoIterator<Item = RulesVersion>) -> RulesHistory {
        let mut h = RulesHistory::default();
        for v in versions {
            h.push(v);
        }
        h
    }

    /// Adds a saved version.
    pub fn push(&mut self, version: RulesVersion) {
        let at = self
            .versions
            .partition_point(|(_, v)| v.changed_at <= version.changed_at);
        self.versions
            .insert(at, (version.effective_date(), version));
    }

    /// The rules governing local date `date`: of the versions whose effective date is on or
    /// before `date`, the one saved last. `None` before the first version took effect.
    pub fn in_force(&self, date: Date) -> Option<&Rules> {
        self.versions
            .iter()
            .rev()
            .find(|(eff, _)| *eff <= date)
            .map(|(_, v)| &v.rules)
    }

    /// The rules saved last (what applies from today on).
    pub fn current(&self) -> Option<&Rules> {
        self.versions.last().map(|(_, v)| &v.rules)
    }

    /// The versions, oldest first.
    pub fn versions(&self) -> impl Iterator<Item = &RulesVersion> {
        self.versions.iter().map(|(_, v)| v)
    }

    /// Whether no version was ever saved.
    pub fn is_empty(&self) -> bool {
        self.versions.is_empty()
    }
}
