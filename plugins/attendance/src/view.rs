//! What one request (or one run of the closing job) works from: the enterprise's rules
//! history, its time zone, its first counted day (ATT-2), how far its days are closed, and
//! the members the caller may see — and the judged days of a period built from these:
//! stored results for closed dates, judged from the clock records for the others.
//!
//! The API and the panel both go through here, so a number means the same on both.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use orgdir_plugin_api::{Caller, Context, Directory, MemberInfo, PluginError, Who};

use crate::calendar;
use crate::classify::{DayPlan, DayResult, classify_member};
use crate::record::{ClockRecord, Punch};
use crate::report::{DayRow, Person, Roster};
use crate::rules::RulesHistory;
use crate::store;

/// The longest period one report or query covers, in days.
pub const MAX_PERIOD_DAYS: i32 = 366;

/// An enterprise's attendance state at one moment.
#[derive(Clone, Debug)]
pub struct Env {
    /// The enterprise.
    pub enterprise: u64,
    /// Every saved rules version.
    pub history: RulesHistory,
    /// The time zone of the rules saved last (UTC before any rules exist): "today", dates in
    /// queries and times on pages are in it.
    pub tz: TimeZone,
    /// Its IANA name.
    pub tz_name: String,
    /// When the enterprise turned attendance on, if it has it on.
    pub enabled_at: Option<i64>,
    /// The last closed local date.
    pub closed_through: Option<Date>,
    /// Now (the host's clock).
    pub now: i64,
    /// Today's local date in [`Env::tz`].
    pub today: Date,
}

impl Env {
    /// Reads the state of `enterprise` now.
    pub async fn load(ctx: &Context, enterprise: u64) -> Result<Env, PluginError> {
        let history = store::history(ctx.db(), enterprise).await?;
        let closed_through = store::closed_through(ctx.db(), enterprise).await?;
        Ok(Env::new(
            enterprise,
            history,
            ctx.enabled_at(enterprise),
            closed_through,
            ctx.now(),
        ))
    }

    /// The state from its parts.
    pub fn new(
        enterprise: u64,
        history: RulesHistory,
        enabled_at: Option<i64>,
        closed_through: Option<Date>,
        now: i64,
    ) -> Env {
        let (tz, tz_name) = match history.current() {
            Some(r) => (r.time_zone().clone(), r.time_zone_name().to_string()),
            None => (TimeZone::UTC, "UTC".to_string()),
        };
        let today = calendar::local_date(now, &tz);
        Env {
            enterprise,
            history,
            tz,
            tz_name,
            enabled_at,
            closed_through,
            now,
            today,
        }
    }

    /// ATT-2: the first day attendance counts (the local day after it was turned on).
    pub fn first_day(&self) -> Option<Date> {
        self.enabled_at
            .map(|at| calendar::first_counted_day(at, &self.tz))
    }

    /// The first day `m` counts on: the later of the enterprise's first counted day and the
    /// day after the member was created (like ATT-2, nobody is judged on a day that was
    /// already under way when they appeared). `None` while attendance is off.
    pub fn counts_from(&self, m: &MemberInfo) -> Option<Date> {
        let joined = calendar::first_counted_day(m.created_at, &self.tz);
        self.first_day().map(|f| f.max(joined))
    }

    /// Whether `m` counts on `date` (its result is judged): on or after its first day and
    /// not disabled. A closed day keeps the result it was closed with.
    pub fn counts(&self, m: &MemberInfo, date: Date) -> bool {
        !m.disabled && self.counts_from(m).is_some_and(|f| date >= f)
    }

    /// The UTC bounds `[start, end)` of the local dates `from..=to` in [`Env::tz`].
    pub fn bounds(&self, from: Date, to: Date) -> (i64, i64) {
        (
            calendar::day_bounds(from, &self.tz).0,
            calendar::day_bounds(to, &self.tz).1,
        )
    }
}

/// Every date from `from` to `to`, inclusive.
pub fn dates(from: Date, to: Date) -> Vec<Date> {
    let mut out = Vec::new();
    let mut d = from;
    while d <= to {
        out.push(d);
        match d.tomorrow() {
            Ok(n) => d = n,
            Err(_) => break,
        }
    }
    out
}

/// Judges `members` on the dates of `plans` as of `now`, from `records` (any members, any
/// order).
pub fn judge(
    env: &Env,
    plans: &[DayPlan],
    members: &[&MemberInfo],
    records: &[ClockRecord],
) -> Vec<DayRow> {
    let mut by_member: std::collections::HashMap<u64, Vec<Punch>> =
        std::collections::HashMap::new();
    for r in records {
        by_member.entry(r.member).or_default().push(r.punch());
    }
    let mut out = Vec::with_capacity(members.len().saturating_mul(plans.len()));
    for m in members {
        let punches = by_member.get(&m.id).map(Vec::as_slice).unwrap_or_default();
        let days = classify_member(plans, env.now, punches, |d| env.counts(m, d));
        out.extend(days.into_iter().map(|(date, result)| DayRow {
            member: m.id,
            date,
            result,
        }));
    }
    out
}

/// The judged days of `members` from `from` to `to` (inclusive): one row per member and
/// date, stored results for closed dates (a member without a stored row did not count),
/// judged from the records for the others (days still to come are not counted).
pub async fn day_rows(
    ctx: &Context,
    env: &Env,
    members: &[&MemberInfo],
    from: Date,
    to: Date,
) -> Result<Vec<DayRow>, PluginError> {
    if members.is_empty() || from > to {
        return Ok(Vec::new());
    }
    let one = match members {
        [m] => Some(m.id),
        _ => None,
    };
    let mut rows = Vec::new();
    // Closed dates: the stored results.
    if let Some(through) = env.closed_through.filter(|t| *t >= from) {
        let last = through.min(to);
        let stored = store::closed_days(ctx.db(), env.enterprise, one, from, last).await?;
        let stored: std::collections::HashMap<(u64, Date), DayResult> = stored
            .into_iter()
            .map(|r| ((r.member, r.date), r.result))
            .collect();
        let closed = dates(from, last);
        for m in members {
            for d in &closed {
                rows.push(DayRow {
                    member: m.id,
                    date: *d,
                    result: stored
                        .get(&(m.id, *d))
                        .copied()
                        .unwrap_or(DayResult::NotCounted),
                });
            }
        }
    }
    // Open dates: judged now from the records.
    let open_from = match env.closed_through {
        Some(t) if t >= from => t.tomorrow().ok(),
        _ => Some(from),
    };
    if let Some(open_from) = open_from.filter(|d| *d <= to) {
        let plans = DayPlan::for_dates(&env.history, dates(open_from, to));
        let start = plans.iter().map(|p| p.day_start).min().unwrap_or(0);
        let end = plans.iter().map(|p| p.day_end).max().unwrap_or(0);
        let records = if start < env.now {
            store::records_between(ctx.db(), env.enterprise, one, start, end.min(env.now + 1))
                .await?
        } else {
            Vec::new()
        };
        rows.extend(judge(env, &plans, members, &records));
    }
    Ok(rows)
}

/// Whether the caller sees hidden members (ORG-9): the administrator and hidden members.
fn sees_hidden(caller: &Caller) -> bool {
    match caller.who {
        Who::Admin => true,
        Who::Member(id) => caller.directory.member(id).is_some_and(|m| m.hidden),
        Who::Service(_) => false,
    }
}

/// The members whose attendance the caller may see with permission `perm`: those within
/// its scope for it, hidden members only if the caller sees them (ORG-9), by name.
pub fn visible<'a>(caller: &'a Caller, perm: &str) -> Vec<&'a MemberInfo> {
    let Some(scope) = caller.scope(perm) else {
        return Vec::new();
    };
    let hidden = sees_hidden(caller);
    let dir = &caller.directory;
    let mut out: Vec<&MemberInfo> = dir
        .members
        .values()
        .filter(|m| (hidden || !m.hidden) && scope.contains_org(dir, m.org))
        .collect();
    out.sort_by(|a, b| (&a.name, &a.account, a.id).cmp(&(&b.name, &b.account, b.id)));
    out
}

/// Narrows `members` to org `org` (and below) and to the member with account `account`.
pub fn narrow<'a>(
    dir: &Directory,
    members: Vec<&'a MemberInfo>,
    org: Option<u64>,
    account: Option<&str>,
) -> Vec<&'a MemberInfo> {
    members
        .into_iter()
        .filter(|m| org.is_none_or(|o| dir.within(m.org, o)))
        .filter(|m| account.is_none_or(|a| m.account.eq_ignore_ascii_case(a)))
        .collect()
}

/// How a member's org is shown: its path, or the enterprise's name for the root.
pub fn org_label(dir: &Directory, org: u64) -> String {
    let path = dir.org_path(org);
    if path.is_empty() {
        dir.name.clone()
    } else {
        path.to_string()
    }
}

/// The people of `members` for the reports.
pub fn roster(dir: &Directory, members: &[&MemberInfo]) -> Roster {
    members
        .iter()
        .map(|m| {
            (
                m.id,
                Person {
                    account: m.account.clone(),
                    name: m.name.clone(),
                    org: org_label(dir, m.org),
                },
            )
        })
        .collect()
}

/// The number of days from `from` to `to`, inclusive (0 when `to` is before `from`).
pub fn period_days(from: Date, to: Date) -> i32 {
    match from.until(to) {
        Ok(span) if to >= from => span.get_days().saturating_add(1),
        _ => 0,
    }
}
