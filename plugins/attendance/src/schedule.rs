//! What a client reads to remind its member (ATT-4): whether today is a working day, its
//! hours, when to pop the clock-in reminder (10 minutes before the start) and the clock-out
//! reminder (at the end), and the next working day when today is not one or is over.

use jiff::civil::Date;

use crate::calendar;
use crate::classify::{DayPlan, PlanKind};
use crate::record::{Kind, Punch};
use crate::rules::RulesHistory;

/// How long before the start of work the clock-in reminder pops, in seconds.
pub const REMIND_BEFORE_START_SECS: i64 = 600;

/// How far ahead [`schedule`] looks for the next working day, in days.
pub const LOOKAHEAD_DAYS: u32 = 366;

/// One working day's hours.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayHours {
    /// The local date.
    pub date: Date,
    /// Start of work, Unix seconds.
    pub start: i64,
    /// End of work, Unix seconds.
    pub end: i64,
    /// Start of work, local `HH:MM`.
    pub start_local: String,
    /// End of work, local `HH:MM`.
    pub end_local: String,
}

/// A member's schedule at one moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// Today's local date in the attendance time zone.
    pub today: Date,
    /// The attendance time zone's IANA name.
    pub time_zone: String,
    /// Today's hours if today is a working day on which the member counts.
    pub today_hours: Option<DayHours>,
    /// When to pop the clock-in reminder: 10 minutes before the start, present while today
    /// is a working day, the member has not clocked in today and work is not over. It may be
    /// in the past (the client then reminds at once).
    pub remind_at: Option<i64>,
    /// When to pop the clock-out reminder: the end of work, present on a working day unless
    /// the member already clocked out on time.
    pub exit_remind_at: Option<i64>,
    /// The next working day after today (within [`LOOKAHEAD_DAYS`]), present when today is
    /// not a working day or today's work is over.
    pub next_working_day: Option<DayHours>,
}

fn hours(plan: &DayPlan, history: &RulesHistory) -> Option<DayHours> {
    let PlanKind::Work(h) = plan.kind else {
        return None;
    };
    let rules = history.in_force(plan.date)?;
    Some(DayHours {
        date: plan.date,
        start: h.start,
        end: h.end,
        start_local: calendar::hh_mm(rules.work_start()),
        end_local: calendar::hh_mm(rules.work_end()),
    })
}

/// The schedule at `now` of a member who counts from `counts_from` (the first counted day,
/// [`calendar::first_counted_day`], or later if the member was created later), given the
/// member's clock records of today (`today_punches`; others are ignored). "Today" is the
/// local date in the time zone of the rules saved last. `None` when no rules exist.
pub fn schedule(
    history: &RulesHistory,
    now: i64,
    counts_from: Date,
    today_punches: &[Punch],
) -> Option<Schedule> {
    let current = history.current()?;
    let today = calendar::local_date(now, current.time_zone());
    let plan = DayPlan::from_history(history, today);
    let time_zone = history
        .in_force(today)
        .unwrap_or(current)
        .time_zone_name()
        .to_string();
    let today_hours = if today >= counts_from {
        hours(&plan, history)
    } else {
        None
    };
    let grace = match plan.kind {
        PlanKind::Work(h) => i64::from(h.grace_minutes),
        _ => 0,
    };
    let today_records = today_punches
        .iter()
        .filter(|p| plan.contains(p.at) && p.at <= now);
    let clocked_in = today_records.clone().any(|p| p.kind == Kind::In);
    let last_out = today_records
        .filter(|p| p.kind == Kind::Out)
        .map(|p| p.at)
        .max();
    let (remind_at, exit_remind_at) = match &today_hours {
        Some(h) => {
            let out_on_time = last_out.is_some_and(|t| (h.end - t + 59).div_euclid(60) <= grace);
            (
                (!clocked_in && now < h.end).then_some(h.start - REMIND_BEFORE_START_SECS),
                (!out_on_time).then_some(h.end),
            )
        }
        None => (None, None),
    };
    let over = today_hours.as_ref().is_none_or(|h| now >= h.end);
    let next_working_day = if over {
        let mut date = today;
        let mut found = None;
        for _ in 0..LOOKAHEAD_DAYS {
            let Ok(next) = date.tomorrow() else { break };
            date = next;
            if date < counts_from {
                continue;
            }
            if let Some(h) = hours(&DayPlan::from_history(history, date), history) {
                found = Some(h);
                break;
            }
        }
        found
    } else {
        None
    };
    Some(Schedule {
        today,
        time_zone,
        today_hours,
        remind_at,
        exit_remind_at,
        next_working_day,
    })
}
