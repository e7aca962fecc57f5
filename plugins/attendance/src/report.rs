//! The views of ATT-5 over judged days: the daily report, monthly summaries per member and
//! for the whole scope, one member's month, the ranking of abnormal attendance and the
//! overview.
//!
//! Every number is a count of [`DayRow`]s falling into a [`Status`], so each can be shown as
//! the rows behind it with [`rows_with`] (drill-down): `Counts::of(rows).get(s)` always
//! equals `rows_with(rows, s).count()`.
//!
//! Scope (which members a viewer may see) is the caller's: pass only the rows and people of
//! that scope.

use std::collections::HashMap;

use jiff::civil::Date;

use crate::calendar::Month;
use crate::classify::{DayResult, Status};

/// A member as the reports show them.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Person {
    /// The member's account (employee number).
    pub account: String,
    /// Display name.
    pub name: String,
    /// The member's org, as the caller wants it shown (a path such as `Sales/East`).
    pub org: String,
}

/// The people of a report, by member id. Reports list people by name, then account, then
/// id; ids without a person (a member deleted since) come last, by id.
#[derive(Clone, Debug, Default)]
pub struct Roster {
    people: HashMap<u64, Person>,
}

impl Roster {
    /// An empty roster.
    pub fn new() -> Roster {
        Roster::default()
    }

    /// Adds or replaces a member.
    pub fn insert(&mut self, member: u64, person: Person) {
        self.people.insert(member, person);
    }

    /// The member's person.
    pub fn get(&self, member: u64) -> Option<&Person> {
        self.people.get(&member)
    }

    /// Number of people.
    pub fn len(&self) -> usize {
        self.people.len()
    }

    /// Whether there is nobody.
    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
    }

    /// The listing order of every known member, for sorting many rows quickly.
    pub fn order(&self) -> Order {
        let mut ids: Vec<(&Person, u64)> = self.people.iter().map(|(id, p)| (p, *id)).collect();
        ids.sort_unstable_by(|a, b| {
            (&a.0.name, &a.0.account, a.1).cmp(&(&b.0.name, &b.0.account, b.1))
        });
        Order {
            rank: ids
                .into_iter()
                .enumerate()
                .map(|(i, (_, id))| (id, u32::try_from(i).unwrap_or(u32::MAX)))
                .collect(),
        }
    }
}

impl FromIterator<(u64, Person)> for Roster {
    fn from_iter<I: IntoIterator<Item = (u64, Person)>>(iter: I) -> Roster {
        Roster {
            people: iter.into_iter().collect(),
        }
    }
}

/// A roster's listing order ([`Roster::order`]).
#[derive(Clone, Debug)]
pub struct Order {
    rank: HashMap<u64, u32>,
}

impl Order {
    /// The sort key of `member`: known members by name, account and id; unknown ones last.
    pub fn key(&self, member: u64) -> (u32, u64) {
        (self.rank.get(&member).copied().unwrap_or(u32::MAX), member)
    }
}

/// One member's judged day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DayRow {
    /// The member's id.
    pub member: u64,
    /// The local date.
    pub date: Date,
    /// The result.
    pub result: DayResult,
}

/// How many days fall into each [`Status`], plus minutes late and early.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Working days.
    pub working: u32,
    /// Normal working days.
    pub normal: u32,
    /// Working days not judged yet.
    pub pending: u32,
    /// Working days with at least one finding.
    pub abnormal: u32,
    /// Late days.
    pub late: u32,
    /// Early-leave days.
    pub early_leave: u32,
    /// Absent days.
    pub absent: u32,
    /// Days missing the clock-in.
    pub missing_in: u32,
    /// Days missing the clock-out.
    pub missing_out: u32,
    /// Rest days.
    pub rest: u32,
    /// Days not counted.
    pub not_counted: u32,
    /// Total minutes late.
    pub late_minutes: u64,
    /// Total minutes left early.
    pub early_minutes: u64,
}

impl Counts {
    /// Adds one day: one to the count of each [`Status`] it [has](DayResult::has) (spelled
    /// out, as reports add up a million days), and its minutes.
    pub fn add(&mut self, r: &DayResult) {
        fn one(n: &mut u32, yes: bool) {
            *n = n.saturating_add(u32::from(yes));
        }
        match r {
            DayResult::NotCounted => one(&mut self.not_counted, true),
            DayResult::Rest(_) => one(&mut self.rest, true),
            DayResult::Working(w) => {
                let (abnormal, pending) = (w.is_abnormal(), w.is_pending());
                one(&mut self.working, true);
                one(&mut self.normal, !abnormal && !pending);
                one(&mut self.pending, pending);
                one(&mut self.abnormal, abnormal);
                one(&mut self.late, w.late_minutes.is_some());
                one(&mut self.early_leave, w.early_minutes.is_some());
                one(&mut self.absent, w.absent);
                one(&mut self.missing_in, w.missing_in);
                one(&mut self.missing_out, w.missing_out);
                self.late_minutes += u64::from(w.late_minutes.unwrap_or(0));
                self.early_minutes += u64::from(w.early_minutes.unwrap_or(0));
            }
        }
    }

    /// Adds the days of `other` (counted apart, e.g. another member's).
    pub fn merge(&mut self, other: &Counts) {
        for s in Status::ALL {
            let n = other.get(s);
            let mine = self.slot(s);
            *mine = mine.saturating_add(n);
        }
        self.late_minutes = self.late_minutes.saturating_add(other.late_minutes);
        self.early_minutes = self.early_minutes.saturating_add(other.early_minutes);
    }

    /// The counts of `rows`.
    pub fn of<'a>(rows: impl IntoIterator<Item = &'a DayRow>) -> Counts {
        let mut c = Counts::default();
        for r in rows {
            c.add(&r.result);
        }
        c
    }

    /// The number of days in `status`.
    pub fn get(&self, status: Status) -> u32 {
        let mut c = *self;
        *c.slot(status)
    }

    fn slot(&mut self, s: Status) -> &mut u32 {
        match s {
            Status::Working => &mut self.working,
            Status::Normal => &mut self.normal,
            Status::Pending => &mut self.pending,
            Status::Abnormal => &mut self.abnormal,
            Status::Late => &mut self.late,
            Status::EarlyLeave => &mut self.early_leave,
            Status::Absent => &mut self.absent,
            Status::MissingIn => &mut self.missing_in,
            Status::MissingOut => &mut self.missing_out,
            Status::Rest => &mut self.rest,
            Status::NotCounted => &mut self.not_counted,
        }
    }

    /// Whether any day was counted (working or rest).
    pub fn any_counted(&self) -> bool {
        self.working > 0 || self.rest > 0
    }
}

/// Drill-down: the rows behind a count, in the given order.
pub fn rows_with<'a>(
    rows: impl IntoIterator<Item = &'a DayRow>,
    status: Status,
) -> impl Iterator<Item = &'a DayRow> {
    rows.into_iter().filter(move |r| r.result.has(status))
}

/// Sorts rows by member (roster order), then date.
pub fn sort_rows(rows: &mut [DayRow], roster: &Roster) {
    let order = roster.order();
    rows.sort_by_cached_key(|r| (order.key(r.member), r.date));
}

/// One day across the scope (ATT-5 daily report).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DailyReport {
    /// The date.
    pub date: Date,
    /// The summary.
    pub counts: Counts,
    /// The abnormal members' rows, in roster order (each row's
    /// [`DayResult::findings`] says what is abnormal).
    pub abnormal: Vec<DayRow>,
}

/// The daily report of `date` from `rows` (rows of other dates are ignored).
pub fn daily_report(date: Date, rows: &[DayRow], roster: &Roster) -> DailyReport {
    let day = || rows.iter().filter(move |r| r.date == date);
    let mut abnormal: Vec<DayRow> = rows_with(day(), Status::Abnormal).copied().collect();
    sort_rows(&mut abnormal, roster);
    DailyReport {
        date,
        counts: Counts::of(day()),
        abnormal,
    }
}

/// One member's summary over a period (a line of the monthly report).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemberSummary {
    /// The member's id.
    pub member: u64,
    /// The member's counts (`working` is the number of working days, `abnormal` the
    /// number of abnormal days).
    pub counts: Counts,
}

/// Per-member summaries of `rows` (a month's, typically), in roster order; members with no
/// counted day (only [`DayResult::NotCounted`]) are left out.
pub fn member_summaries(rows: &[DayRow], roster: &Roster) -> Vec<MemberSummary> {
    let mut by_member: HashMap<u64, Counts> = HashMap::new();
    for r in rows {
        by_member.entry(r.member).or_default().add(&r.result);
    }
    summaries_of(by_member, roster)
}

/// [`member_summaries`] from each member's counts, summed already (one entry per member).
pub fn summaries_of(
    counts: impl IntoIterator<Item = (u64, Counts)>,
    roster: &Roster,
) -> Vec<MemberSummary> {
    let order = roster.order();
    let mut out: Vec<MemberSummary> = counts
        .into_iter()
        .filter(|(_, c)| c.any_counted())
        .map(|(member, counts)| MemberSummary { member, counts })
        .collect();
    out.sort_unstable_by_key(|s| order.key(s.member));
    out
}

/// Totals over the whole scope.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Members with at least one counted day.
    pub members: u32,
    /// Members with at least one abnormal day.
    pub abnormal_members: u32,
    /// Day counts over everybody.
    pub counts: Counts,
}

/// The scope's totals over `rows`.
pub fn totals(rows: &[DayRow]) -> Totals {
    let mut by_member: HashMap<u64, Counts> = HashMap::new();
    for r in rows {
        by_member.entry(r.member).or_default().add(&r.result);
    }
    totals_of(by_member.values())
}

/// [`totals`] from each member's counts, summed already (one entry per member).
pub fn totals_of<'a>(per_member: impl IntoIterator<Item = &'a Counts>) -> Totals {
    let mut t = Totals::default();
    for c in per_member {
        t.counts.merge(c);
        if c.any_counted() {
            t.members = t.members.saturating_add(1);
        }
        if c.abnormal > 0 {
            t.abnormal_members = t.abnormal_members.saturating_add(1);
        }
    }
    t
}

/// One member's days (ATT-5 "one member's month"), by date.
pub fn member_days(rows: &[DayRow], member: u64) -> Vec<DayRow> {
    let mut days: Vec<DayRow> = rows
        .iter()
        .filter(|r| r.member == member)
        .copied()
        .collect();
    days.sort_by_key(|r| r.date);
    days
}

/// The ranking of abnormal attendance: members with at least one abnormal day, most
/// abnormal days first, ties in roster order (by name); at most `limit`.
pub fn ranking(summaries: &[MemberSummary], roster: &Roster, limit: usize) -> Vec<MemberSummary> {
    let order = roster.order();
    let mut ranked: Vec<MemberSummary> = summaries
        .iter()
        .filter(|s| s.counts.abnormal > 0)
        .copied()
        .collect();
    ranked.sort_unstable_by_key(|s| (std::cmp::Reverse(s.counts.abnormal), order.key(s.member)));
    ranked.truncate(limit);
    ranked
}

/// The overview page's numbers (ATT-5). Drill down with [`rows_with`] over the rows that
/// made each number: today's or yesterday's rows, last month's rows, or a ranked member's
/// [`member_days`] of last month.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overview {
    /// Today.
    pub today: Date,
    /// Today's counts (so far).
    pub today_counts: Counts,
    /// Yesterday's counts.
    pub yesterday_counts: Counts,
    /// Last month.
    pub last_month: Month,
    /// Last month's totals.
    pub last_month_totals: Totals,
    /// Last month's ranking of abnormal attendance.
    pub ranking: Vec<MemberSummary>,
}

/// The overview on `today` from `recent` (rows of today and yesterday; others ignored) and
/// `last_month_rows` (the rows of the month before `today`'s), ranking at most
/// `ranking_limit` members.
pub fn overview(
    today: Date,
    recent: &[DayRow],
    last_month_rows: &[DayRow],
    roster: &Roster,
    ranking_limit: usize,
) -> Overview {
    overview_of(
        today,
        recent,
        &member_summaries(last_month_rows, roster),
        totals(last_month_rows),
        roster,
        ranking_limit,
    )
}

/// [`overview`] from last month's summaries and totals, made already (by
/// [`summaries_of`] and [`totals_of`], say).
pub fn overview_of(
    today: Date,
    recent: &[DayRow],
    last_month_summaries: &[MemberSummary],
    last_month_totals: Totals,
    roster: &Roster,
    ranking_limit: usize,
) -> Overview {
    let yesterday = today.yesterday().unwrap_or(today);
    let on = |d: Date| Counts::of(recent.iter().filter(move |r| r.date == d));
    let last_month = Month::of(today).previous();
    Overview {
        today,
        today_counts: on(today),
        yesterday_counts: if yesterday == today {
            Counts::default()
        } else {
            on(yesterday)
        },
        last_month,
        last_month_totals,
        ranking: ranking(last_month_summaries, roster, ranking_limit),
    }
}
