//! Judging one member's day (ATT-3, ATT-5): from the rules in force, the local date, the
//! current time and the member's clock records to a [`DayResult`] — rest day, or working day
//! with its late / early-leave / absent / missing clock-in / missing clock-out findings.
//!
//! # Semantics
//!
//! * A record belongs to the local date whose `[midnight, next midnight)` contains its time
//!   (23 or 25 hours on DST days). Records of other days and records after `now` are ignored.
//! * `first_in` is the earliest clock-in, `last_out` the latest clock-out.
//! * Times are compared at minute precision, as a wall clock shows them: with work from 09:00
//!   and grace `g`, a first clock-in at 09:`g`:59 is on time and one at 09:`g+1`:00 is late
//!   by `g+1` minutes (lateness counts from the start of work, not from the end of grace).
//!   Likewise a last clock-out is early when its wall-clock minute is before `end − g`, by
//!   the minutes from that minute to the end of work: with work until 18:00, a clock-out
//!   at 17:58:30 is 2 minutes early (on time if `g` ≥ 2).
//! * Late and early are independent: a day can be both. Missing clock-in means clock-outs
//!   but no clock-in, missing clock-out the reverse, absent means no record at all. Records
//!   are not paired: any clock-out of the day counts as one, even one before the clock-in.
//! * Rest days are never abnormal; their records (overtime) are only reported.
//! * A day still under way is judged as of `now`, check by check ([`Progress`]):
//!   before `start + grace + 1 min` nothing is held against anyone; from then on the
//!   clock-in is judged (no record yet = absent so far; outs only = missing clock-in so far);
//!   from the end of work the clock-out is judged too (no out yet = missing clock-out so far;
//!   an out before the end = early so far). Until the next local midnight a later record can
//!   still change the result; from then on it is final.
//! * A day that has not begun at `now`, a day with no rules in force, and a day on which the
//!   member does not count (not yet created, disabled, before the first counted day of
//!   ATT-2) are [`DayResult::NotCounted`].

use jiff::civil::Date;

use crate::calendar;
use crate::record::{Kind, Punch};
use crate::rules::{Rules, RulesHistory};

/// What one local date means under the rules in force, precomputed once and shared by every
/// member judged for that date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayPlan {
    /// The local date.
    pub date: Date,
    /// Local midnight starting the date, Unix seconds.
    pub day_start: i64,
    /// The next local midnight, Unix seconds (exclusive end of the date).
    pub day_end: i64,
    /// The kind of day.
    pub kind: PlanKind,
}

/// The kind of a [`DayPlan`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanKind {
    /// No rules were in force: nobody counts.
    NoRules,
    /// Not a working day.
    Rest,
    /// A working day.
    Work(WorkHours),
}

/// Working hours of one working day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WorkHours {
    /// Start of work, Unix seconds.
    pub start: i64,
    /// End of work, Unix seconds.
    pub end: i64,
    /// Grace minutes for late and early.
    pub grace_minutes: u32,
}

impl WorkHours {
    /// The moment the clock-in is judged: `start + grace + 1 minute` (a clock-in within the
    /// last grace minute is still on time).
    pub fn in_due(&self) -> i64 {
        self.start + (i64::from(self.grace_minutes) + 1) * 60
    }
}

impl DayPlan {
    /// The plan of `date` under `rules`.
    pub fn new(rules: &Rules, date: Date) -> DayPlan {
        let (day_start, day_end) = calendar::day_bounds(date, rules.time_zone());
        let kind = if rules.is_working_day(date) {
            let (start, end) = rules.work_hours(date);
            PlanKind::Work(WorkHours {
                start,
                end,
                grace_minutes: rules.grace_minutes(),
            })
        } else {
            PlanKind::Rest
        };
        DayPlan {
            date,
            day_start,
            day_end,
            kind,
        }
    }

    /// The plan of `date` under the version of `history` in force on it
    /// ([`RulesHistory::in_force`]); [`PlanKind::NoRules`] (bounds in UTC) if none.
    pub fn from_history(history: &RulesHistory, date: Date) -> DayPlan {
        match history.in_force(date) {
            Some(rules) => DayPlan::new(rules, date),
            None => {
                let (day_start, day_end) = calendar::day_bounds(date, &jiff::tz::TimeZone::UTC);
                DayPlan {
                    date,
                    day_start,
                    day_end,
                    kind: PlanKind::NoRules,
                }
            }
        }
    }

    /// Plans for each of `dates` (e.g. [`crate::Month::days`]) from `history`.
    pub fn for_dates(
        history: &RulesHistory,
        dates: impl IntoIterator<Item = Date>,
    ) -> Vec<DayPlan> {
        dates
            .into_iter()
            .map(|d| DayPlan::from_history(history, d))
            .collect()
    }

    /// Whether `at` falls on this date.
    pub fn contains(&self, at: i64) -> bool {
        self.day_start <= at && at < self.day_end
    }
}

/// How far a working day has run at `now`, which decides what is judged (see the module
/// documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Progress {
    /// Before `start + grace + 1 min`: only a clock-in already made is judged.
    BeforeStart,
    /// From then until the end of work: the clock-in is judged.
    AtWork,
    /// From the end of work until midnight: everything is judged, a later record can still
    /// change it.
    AfterWork,
    /// The day is over: the result is final.
    Closed,
}

/// A non-working day, with the member's records if any (overtime).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct RestDay {
    /// Earliest clock-in, Unix seconds.
    pub first_in: Option<i64>,
    /// Latest clock-out, Unix seconds.
    pub last_out: Option<i64>,
    /// Number of records that day.
    pub records: u32,
}

/// A working day's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WorkDay {
    /// Start of work, Unix seconds.
    pub start: i64,
    /// End of work, Unix seconds.
    pub end: i64,
    /// Earliest clock-in, Unix seconds.
    pub first_in: Option<i64>,
    /// Latest clock-out, Unix seconds.
    pub last_out: Option<i64>,
    /// Number of records that day.
    pub records: u32,
    /// How far the day has run; [`Progress::Closed`] means final.
    pub progress: Progress,
    /// Minutes late (from the start of work), when late.
    pub late_minutes: Option<u32>,
    /// Minutes left early (until the end of work), when early.
    pub early_minutes: Option<u32>,
    /// No record at all (so far, if not closed).
    pub absent: bool,
    /// Clock-outs but no clock-in.
    pub missing_in: bool,
    /// Clock-ins but no clock-out.
    pub missing_out: bool,
}

impl WorkDay {
    /// Late, early leave, absent, missing clock-in or missing clock-out.
    pub fn is_abnormal(&self) -> bool {
        self.late_minutes.is_some()
            || self.early_minutes.is_some()
            || self.absent
            || self.missing_in
            || self.missing_out
    }

    /// Not judged yet: before `start + grace + 1 min` with no clock-in.
    pub fn is_pending(&self) -> bool {
        self.progress == Progress::BeforeStart && self.first_in.is_none()
    }

    /// Whether the result can no longer change.
    pub fn is_final(&self) -> bool {
        self.progress == Progress::Closed
    }
}

/// The result of one member's day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayResult {
    /// The member does not count that day (see the module documentation).
    NotCounted,
    /// Not a working day.
    Rest(RestDay),
    /// A working day.
    Working(WorkDay),
}

/// A category a day falls into, for counts and drill-down lists. One day falls into several:
/// a working day that is late and misses its clock-out is [`Status::Working`],
/// [`Status::Abnormal`], [`Status::Late`] and [`Status::MissingOut`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// A working day.
    Working,
    /// A working day with nothing abnormal and not pending.
    Normal,
    /// A working day not judged yet ([`WorkDay::is_pending`]).
    Pending,
    /// A working day with at least one of the five findings below.
    Abnormal,
    /// Late.
    Late,
    /// Early leave.
    EarlyLeave,
    /// Absent.
    Absent,
    /// Missing clock-in.
    MissingIn,
    /// Missing clock-out.
    MissingOut,
    /// A rest day.
    Rest,
    /// Not counted.
    NotCounted,
}

impl Status {
    /// The five abnormal findings, in report order.
    pub const FINDINGS: [Status; 5] = [
        Status::Late,
        Status::EarlyLeave,
        Status::Absent,
        Status::MissingIn,
        Status::MissingOut,
    ];

    /// Every status.
    pub const ALL: [Status; 11] = [
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
        Status::NotCounted,
    ];

    /// A stable key for URLs and JSON (`late`, `early_leave`, `missing_in`…).
    pub fn key(self) -> &'static str {
        match self {
            Status::Working => "working",
            Status::Normal => "normal",
            Status::Pending => "pending",
            Status::Abnormal => "abnormal",
            Status::Late => "late",
            Status::EarlyLeave => "early_leave",
            Status::Absent => "absent",
            Status::MissingIn => "missing_in",
            Status::MissingOut => "missing_out",
            Status::Rest => "rest",
            Status::NotCounted => "not_counted",
        }
    }

    /// The status of a [`Status::key`].
    pub fn from_key(key: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.key() == key)
    }
}

impl DayResult {
    /// Whether the day falls into `status`.
    pub fn has(&self, status: Status) -> bool {
        match self {
            DayResult::NotCounted => status == Status::NotCounted,
            DayResult::Rest(_) => status == Status::Rest,
            DayResult::Working(w) => match status {
                Status::Working => true,
                Status::Normal => !w.is_abnormal() && !w.is_pending(),
                Status::Pending => w.is_pending(),
                Status::Abnormal => w.is_abnormal(),
                Status::Late => w.late_minutes.is_some(),
                Status::EarlyLeave => w.early_minutes.is_some(),
                Status::Absent => w.absent,
                Status::MissingIn => w.missing_in,
                Status::MissingOut => w.missing_out,
                Status::Rest | Status::NotCounted => false,
            },
        }
    }

    /// The abnormal findings of the day, in [`Status::FINDINGS`] order.
    pub fn findings(&self) -> impl Iterator<Item = Status> + '_ {
        Status::FINDINGS.into_iter().filter(|s| self.has(*s))
    }

    /// The working day's result, if a counted working day.
    pub fn work(&self) -> Option<&WorkDay> {
        match self {
            DayResult::Working(w) => Some(w),
            _ => None,
        }
    }

    /// Earliest clock-in of the day.
    pub fn first_in(&self) -> Option<i64> {
        match self {
            DayResult::NotCounted => None,
            DayResult::Rest(r) => r.first_in,
            DayResult::Working(w) => w.first_in,
        }
    }

    /// Latest clock-out of the day.
    pub fn last_out(&self) -> Option<i64> {
        match self {
            DayResult::NotCounted => None,
            DayResult::Rest(r) => r.last_out,
            DayResult::Working(w) => w.last_out,
        }
    }
}

/// What the records of one day add up to.
#[derive(Default)]
struct Seen {
    first_in: Option<i64>,
    last_out: Option<i64>,
    ins: u32,
    outs: u32,
}

fn seen(plan: &DayPlan, now: i64, punches: &[Punch]) -> Seen {
    let mut s = Seen::default();
    for p in punches {
        if !plan.contains(p.at) || p.at > now {
            continue;
        }
        match p.kind {
            Kind::In => {
                s.ins = s.ins.saturating_add(1);
                s.first_in = Some(s.first_in.map_or(p.at, |t| t.min(p.at)));
            }
            Kind::Out => {
                s.outs = s.outs.saturating_add(1);
                s.last_out = Some(s.last_out.map_or(p.at, |t| t.max(p.at)));
            }
        }
    }
    s
}

fn minutes(m: i64) -> u32 {
    u32::try_from(m.max(0)).unwrap_or(u32::MAX)
}

/// Judges one member's day planned by `plan`, as of `now`, from `punches` (any order; those
/// not on the date or after `now` are ignored). `counts` says whether the member counts that
/// day (existed, not disabled, on or after the first counted day). See the module
/// documentation for the exact rules.
pub fn classify(plan: &DayPlan, now: i64, punches: &[Punch], counts: bool) -> DayResult {
    if !counts || now < plan.day_start {
        return DayResult::NotCounted;
    }
    let hours = match plan.kind {
        PlanKind::NoRules => return DayResult::NotCounted,
        PlanKind::Rest => {
            let s = seen(plan, now, punches);
            return DayResult::Rest(RestDay {
                first_in: s.first_in,
                last_out: s.last_out,
                records: s.ins.saturating_add(s.outs),
            });
        }
        PlanKind::Work(h) => h,
    };
    let s = seen(plan, now, punches);
    let progress = if now >= plan.day_end {
        Progress::Closed
    } else if now >= hours.end {
        Progress::AfterWork
    } else if now >= hours.in_due() {
        Progress::AtWork
    } else {
        Progress::BeforeStart
    };
    let grace = i64::from(hours.grace_minutes);
    let in_judged = progress >= Progress::AtWork;
    let out_judged = progress >= Progress::AfterWork;
    // Minutes from the start of work to the clock-in's wall-clock minute.
    let late_minutes = s
        .first_in
        .map(|t| (t - hours.start).div_euclid(60))
        .filter(|m| *m > grace)
        .map(minutes);
    // Minutes from the clock-out's wall-clock minute to the end of work (rounded up).
    let early_minutes = s
        .last_out
        .filter(|_| out_judged)
        .map(|t| (hours.end - t + 59).div_euclid(60))
        .filter(|m| *m > grace)
        .map(minutes);
    DayResult::Working(WorkDay {
        start: hours.start,
        end: hours.end,
        first_in: s.first_in,
        last_out: s.last_out,
        records: s.ins.saturating_add(s.outs),
        progress,
        late_minutes,
        early_minutes,
        absent: in_judged && s.ins == 0 && s.outs == 0,
        missing_in: in_judged && s.ins == 0 && s.outs > 0,
        missing_out: out_judged && s.ins > 0 && s.outs == 0,
    })
}

/// Judges `date` under `rules`: [`classify`] with [`DayPlan::new`].
pub fn classify_day(
    rules: &Rules,
    date: Date,
    now: i64,
    punches: &[Punch],
    counts: bool,
) -> DayResult {
    classify(&DayPlan::new(rules, date), now, punches, counts)
}

/// Judges one member over several days: for each plan (see [`DayPlan::for_dates`]) the
/// date and its result. `punches` are the member's records over the period in any order;
/// `counts(date)` says whether the member counts on that date.
pub fn classify_member(
    plans: &[DayPlan],
    now: i64,
    punches: &[Punch],
    mut counts: impl FnMut(Date) -> bool,
) -> Vec<(Date, DayResult)> {
    let sorted;
    let punches = if punches.is_sorted_by_key(|p| p.at) {
        punches
    } else {
        let mut v = punches.to_vec();
        v.sort_by_key(|p| p.at);
        sorted = v;
        &sorted[..]
    };
    plans
        .iter()
        .map(|plan| {
            let from = punches.partition_point(|p| p.at < plan.day_start);
            let to = punches.partition_point(|p| p.at < plan.day_end);
            let day = punches.get(from..to).unwrap_or_default();
            (plan.date, classify(plan, now, day, counts(plan.date)))
        })
        .collect()
}
