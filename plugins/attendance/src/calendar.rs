//! Local calendar arithmetic in one place: which local date a Unix timestamp falls on, where a
//! local day begins and ends (23 or 25 hours on DST days), months, and the ATT-2 rule that
//! attendance counts from the day after it is enabled.
//!
//! Every timestamp at this crate's boundary is Unix seconds (`i64`, server time). Time zones
//! come from jiff's bundled tz database, so the answers do not depend on the machine's
//! `/usr/share/zoneinfo`.

use std::fmt;

use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;

/// Looks up an IANA time zone name (`Asia/Shanghai`, `UTC`) in the bundled tz database.
pub fn time_zone(name: &str) -> Option<TimeZone> {
    TimeZone::get(name).ok()
}

/// `at` as a jiff timestamp; values beyond jiff's range (years −9999..=9999) saturate.
pub(crate) fn timestamp(at: i64) -> Timestamp {
    Timestamp::from_second(at.clamp(Timestamp::MIN.as_second(), Timestamp::MAX.as_second()))
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The local civil date and time of `at` in `tz`.
pub fn local_datetime(at: i64, tz: &TimeZone) -> DateTime {
    tz.to_datetime(timestamp(at))
}

/// The local date of `at` in `tz`.
pub fn local_date(at: i64, tz: &TimeZone) -> Date {
    local_datetime(at, tz).date()
}

/// The Unix time of a local date and time in `tz`. A time skipped by a DST change maps to
/// the same wall-clock distance after the change (02:30 on a spring-forward night is
/// 03:30); a repeated time takes its first occurrence. Dates at the very edge of jiff's
/// range saturate instead of failing.
pub fn unix_at(date: Date, time: Time, tz: &TimeZone) -> i64 {
    let dt = date.to_datetime(time);
    match tz.to_ambiguous_timestamp(dt).compatible() {
        Ok(ts) => ts.as_second(),
        Err(_) if dt.date() < Date::constant(1970, 1, 1) => Timestamp::MIN.as_second(),
        Err(_) => Timestamp::MAX.as_second(),
    }
}

/// The half-open interval `[local midnight, next local midnight)` of `date` in `tz`, in
/// Unix seconds. It lasts 23 or 25 hours on DST change days; a clock record belongs to
/// `date` exactly when its time falls inside it.
pub fn day_bounds(date: Date, tz: &TimeZone) -> (i64, i64) {
    let start = unix_at(date, Time::midnight(), tz);
    let end = match date.tomorrow() {
        Ok(next) => unix_at(next, Time::midnight(), tz),
        Err(_) => Timestamp::MAX.as_second(),
    };
    (start, end)
}

/// ATT-2: attendance enabled at `enabled_at` counts from the next local day in `tz` (the
/// enterprise's attendance time zone), so nobody is judged on a day that was already under
/// way when it was switched on.
pub fn first_counted_day(enabled_at: i64, tz: &TimeZone) -> Date {
    let day = local_date(enabled_at, tz);
    day.tomorrow().unwrap_or(day)
}

/// Formats a local time as `HH:MM`.
pub fn hh_mm(t: Time) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// Formats a date as `YYYY-MM-DD`.
pub fn ymd(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// Parses exactly `YYYY-MM-DD` (a real calendar date).
pub fn parse_ymd(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let year: i16 = digits(s.get(0..4)?)?.try_into().ok()?;
    let month: i8 = digits(s.get(5..7)?)?.try_into().ok()?;
    let day: i8 = digits(s.get(8..10)?)?.try_into().ok()?;
    Date::new(year, month, day).ok()
}

/// Parses exactly `HH:MM` (00:00 to 23:59).
pub fn parse_hh_mm(s: &str) -> Option<Time> {
    if s.len() != 5 || s.as_bytes().get(2) != Some(&b':') {
        return None;
    }
    let hour: i8 = digits(s.get(0..2)?)?.try_into().ok()?;
    let minute: i8 = digits(s.get(3..5)?)?.try_into().ok()?;
    Time::new(hour, minute, 0, 0).ok()
}

fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A calendar month, the unit of the monthly report and export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    first: Date,
}

impl Month {
    /// The month `month` (1..=12) of `year`; `None` if it does not exist.
    pub fn new(year: i16, month: i8) -> Option<Month> {
        Date::new(year, month, 1).ok().map(|first| Month { first })
    }

    /// The month containing `date`.
    pub fn of(date: Date) -> Month {
        Month {
            first: date.first_of_month(),
        }
    }

    /// Parses `YYYY-MM`.
    pub fn parse(s: &str) -> Option<Month> {
        if s.len() != 7 {
            return None;
        }
        parse_ymd(&format!("{s}-01")).map(Month::of)
    }

    /// The year.
    pub fn year(self) -> i16 {
        self.first.year()
    }

    /// The month number, 1..=12.
    pub fn month(self) -> i8 {
        self.first.month()
    }

    /// The first day.
    pub fn first_day(self) -> Date {
        self.first
    }

    /// The last day.
    pub fn last_day(self) -> Date {
        self.first.last_of_month()
    }

    /// Every day of the month, in order.
    pub fn days(self) -> impl Iterator<Item = Date> {
        let first = self.first;
        (0..i64::from(first.days_in_month()))
            .filter_map(move |n| first.checked_add(jiff::Span::new().days(n)).ok())
    }

    /// The month before (itself at the start of jiff's range).
    pub fn previous(self) -> Month {
        match self.first.yesterday() {
            Ok(d) => Month::of(d),
            Err(_) => self,
        }
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}
