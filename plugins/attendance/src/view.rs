//! What one request (or one run of the closing job) works from: the enterprise's rules
//! history, its time zone, its first counted day (ATT-2), how far its days are closed, and
//! the members the caller may see — and the judged days of a period built from these:
//! stored results for closed dates, judged from the clock records for the others.
//!
//! A period is visited, not built: [`visit_days`] hands each member's day to a [`DaySink`]
//! by the member's *slot* (its position in the list of members) and the day's number in
//! the period, straight from the store's rows, and the sink keeps only what its report
//! needs (counts per member, or the rows it lists). Only the members asked for are read
//! ([`member_filter`]).
//!
//! The API and the panel both go through here, so a number means the same on both.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use orgdir_plugin_api::{Caller, Context, Directory, MemberInfo, PluginError, Who};

use crate::calendar;
use crate::classify::{DayPlan, DayResult, Status, classify_member};
use crate::record::Punch;
use crate::report::{Counts, DayRow, Person, Roster};
use crate::rules::RulesHistory;
use crate::store::{self, Members};

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

    /// The first date `m` counts on (its result is judged from then on): its
    /// [`Env::counts_from`], `None` when disabled. A closed day keeps the result it was
    /// closed with.
    pub fn counted_from(&self, m: &MemberInfo) -> Option<Date> {
        if m.disabled {
            None
        } else {
            self.counts_from(m)
        }
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

/// A read covers a few members of a large enterprise when they are at most one in
/// `SEEK_RATIO` of its members: then the store seeks each member's rows in an index instead
/// of reading the enterprise's whole period and leaving the others out. (A seek costs about
/// as much as reading 5–10 rows of a range: measured on a month of 30,000 members.)
pub const SEEK_RATIO: usize = 8;

/// What to ask the store for when reading the days or records of `members` out of an
/// enterprise of `total` members: only theirs when they are few (see [`SEEK_RATIO`]), else
/// everybody's (the reader leaves the others out).
pub fn member_filter(members: &[&MemberInfo], total: usize) -> Members {
    if members.len().saturating_mul(SEEK_RATIO) <= total {
        Members::Only(members.iter().map(|m| m.id).collect())
    } else {
        Members::All
    }
}

/// The members of a read, each at a *slot*: its position in the list it was given.
#[derive(Clone, Debug)]
pub struct Slots {
    index: SlotIndex,
}

/// Member id → slot: a table indexed by id when the ids are small numbers (the directory
/// numbers its members from 1), else a hash map. Looked up once per row read.
#[derive(Clone, Debug)]
enum SlotIndex {
    Dense(Vec<u32>),
    Map(HashMap<u64, u32>),
}

/// A `SlotIndex::Dense` entry with no member.
const NO_SLOT: u32 = u32::MAX;

impl Slots {
    /// The slots of `ids`, in order (a repeated id keeps its first slot).
    pub fn new(ids: impl IntoIterator<Item = u64>) -> Slots {
        let ids: Vec<u64> = ids.into_iter().collect();
        let max = ids.iter().copied().max().unwrap_or(0);
        // A table of at most 4 entries per member (and a little more) is small enough.
        let dense_limit = ids.len().saturating_mul(4).saturating_add(4096);
        let index = match usize::try_from(max) {
            Ok(max) if max < dense_limit => {
                let mut table = vec![NO_SLOT; max + 1];
                for (slot, id) in (0u32..).zip(&ids) {
                    let entry = usize::try_from(*id).ok().and_then(|i| table.get_mut(i));
                    if let Some(e) = entry.filter(|e| **e == NO_SLOT) {
                        *e = slot;
                    }
                }
                SlotIndex::Dense(table)
            }
            _ => {
                let mut map = HashMap::with_capacity(ids.len());
                for (slot, id) in (0u32..).zip(ids) {
                    map.entry(id).or_insert(slot);
                }
                SlotIndex::Map(map)
            }
        };
        Slots { index }
    }

    /// The slot of member `id`, if it is one of them.
    pub fn of(&self, id: u64) -> Option<usize> {
        let slot = match &self.index {
            SlotIndex::Dense(table) => usize::try_from(id)
                .ok()
                .and_then(|i| table.get(i))
                .copied()
                .filter(|s| *s != NO_SLOT)?,
            SlotIndex::Map(map) => *map.get(&id)?,
        };
        usize::try_from(slot).ok()
    }
}

/// Clock punches grouped by member slot, each member's oldest first (in the order read).
#[derive(Clone, Debug, Default)]
pub struct Punches {
    /// Where each slot's punches start in `all`; one more entry than slots.
    starts: Vec<usize>,
    all: Vec<Punch>,
}

impl Punches {
    /// Groups `(slot, punch)` pairs of `slots` slots by slot, keeping their order within a
    /// slot (a stable counting sort; pairs of slots out of range are dropped).
    pub fn group(slots: usize, pairs: &[(u32, Punch)]) -> Punches {
        let mut starts = vec![0usize; slots + 1];
        for (s, _) in pairs {
            if let Some(n) = usize::try_from(*s).ok().and_then(|s| starts.get_mut(s + 1)) {
                *n += 1;
            }
        }
        for i in 1..starts.len() {
            let before = starts.get(i - 1).copied().unwrap_or(0);
            if let Some(n) = starts.get_mut(i) {
                *n += before;
            }
        }
        let mut next = starts.clone();
        let mut all = vec![Punch::clock_in(0); starts.last().copied().unwrap_or(0)];
        for (s, p) in pairs {
            let Some(at) = usize::try_from(*s).ok().and_then(|s| next.get_mut(s)) else {
                continue;
            };
            if let Some(slot) = all.get_mut(*at) {
                *slot = *p;
            }
            *at += 1;
        }
        Punches { starts, all }
    }

    /// The punches of `slot`.
    pub fn of(&self, slot: usize) -> &[Punch] {
        match (self.starts.get(slot), self.starts.get(slot + 1)) {
            (Some(a), Some(b)) => self.all.get(*a..*b).unwrap_or_default(),
            _ => &[],
        }
    }
}

/// Reads the punches of `members` (slots) in `[start, end)` from the store, grouped.
async fn punches(
    ctx: &Context,
    enterprise: u64,
    read: Members,
    slots: Arc<Slots>,
    count: usize,
    bounds: (i64, i64),
) -> Result<Punches, PluginError> {
    let pairs = store::fold_punches(
        ctx.db(),
        enterprise,
        read,
        bounds,
        Vec::new(),
        move |pairs: &mut Vec<(u32, Punch)>, member, p| {
            if let Some(s) = slots.of(member).and_then(|s| u32::try_from(s).ok()) {
                pairs.push((s, p));
            }
        },
    )
    .await?;
    Ok(Punches::group(count, &pairs))
}

/// For each member, the first date it counts on ([`Env::counted_from`]).
pub fn first_days(env: &Env, members: &[&MemberInfo]) -> Vec<Option<Date>> {
    members.iter().map(|m| env.counted_from(m)).collect()
}

/// Judges every member (slot) on the dates of `plans` as of `now` from its punches, handing
/// each day to `f` with the slot and the plan's index; `first[slot]` is the member's first
/// counted date ([`first_days`]).
pub fn judge(
    plans: &[DayPlan],
    now: i64,
    first: &[Option<Date>],
    punches: &Punches,
    mut f: impl FnMut(usize, usize, DayResult),
) {
    for (slot, first) in first.iter().enumerate() {
        let days = classify_member(plans, now, punches.of(slot), |d| {
            first.is_some_and(|f| d >= f)
        });
        for (i, (_, result)) in days.into_iter().enumerate() {
            f(slot, i, result);
        }
    }
}

/// Receives the judged days of a period ([`visit_days`]): one call per member and date,
/// in no particular order.
pub trait DaySink: Send + 'static {
    /// The member at `slot` (its position in the members given) on the `day`-th date of
    /// the period (0 for the first).
    fn day(&mut self, slot: usize, day: usize, result: &DayResult);
}

/// The closed part of a visit: the sink, and which (slot, day) had a stored row.
struct Closed<S> {
    sink: S,
    slots: Arc<Slots>,
    dates: Vec<Date>,
    seen: Vec<u64>,
}

impl<S: DaySink> Closed<S> {
    fn stored(&mut self, member: u64, date: Date, result: DayResult) {
        let (Some(slot), Ok(day)) = (self.slots.of(member), self.dates.binary_search(&date)) else {
            return;
        };
        let bit = slot * self.dates.len() + day;
        if let Some(w) = self.seen.get_mut(bit / 64) {
            *w |= 1 << (bit % 64);
        }
        self.sink.day(slot, day, &result);
    }

    /// Every (slot, day) without a stored row did not count.
    fn finish(mut self, members: usize) -> (S, Arc<Slots>) {
        let days = self.dates.len();
        for slot in 0..members {
            for day in 0..days {
                let bit = slot * days + day;
                let seen = self
                    .seen
                    .get(bit / 64)
                    .is_some_and(|w| w & (1 << (bit % 64)) != 0);
                if !seen {
                    self.sink.day(slot, day, &DayResult::NotCounted);
                }
            }
        }
        (self.sink, self.slots)
    }
}

/// Hands every judged day of `members` from `from` to `to` (inclusive) to `sink`: one per
/// member and date — stored results for closed dates (a member without a stored row did
/// not count), judged from the records for the others (days still to come are not
/// counted). `read` says which rows to ask the store for ([`member_filter`]); the result
/// is the same either way. Nothing is kept per day beyond what the sink keeps.
pub async fn visit_days<S: DaySink>(
    ctx: &Context,
    env: &Env,
    members: &[&MemberInfo],
    read: &Members,
    (from, to): (Date, Date),
    sink: S,
) -> Result<S, PluginError> {
    if members.is_empty() || from > to {
        return Ok(sink);
    }
    let mut sink = sink;
    let mut slots = Arc::new(Slots::new(members.iter().map(|m| m.id)));
    // Closed dates: the stored results, streamed.
    let mut closed_days = 0;
    if let Some(through) = env.closed_through.filter(|t| *t >= from) {
        let dates = dates(from, through.min(to));
        closed_days = dates.len();
        let bits = members.len().saturating_mul(closed_days);
        let acc = Closed {
            sink,
            slots,
            dates,
            seen: vec![0; bits.div_ceil(64)],
        };
        let last = through.min(to);
        let acc = store::fold_closed_days(
            ctx.db(),
            env.enterprise,
            read.clone(),
            (from, last),
            acc,
            |c: &mut Closed<S>, member, date, result| c.stored(member, date, result),
        )
        .await?;
        (sink, slots) = acc.finish(members.len());
    }
    // Open dates: judged now from the records, off the async threads.
    let open_from = match env.closed_through {
        Some(t) if t >= from => t.tomorrow().ok(),
        _ => Some(from),
    };
    if let Some(open_from) = open_from.filter(|d| *d <= to) {
        let plans = DayPlan::for_dates(&env.history, dates(open_from, to));
        let start = plans.iter().map(|p| p.day_start).min().unwrap_or(0);
        let end = plans.iter().map(|p| p.day_end).max().unwrap_or(0);
        let punches = if start < env.now {
            let bounds = (start, end.min(env.now + 1));
            punches(
                ctx,
                env.enterprise,
                read.clone(),
                slots,
                members.len(),
                bounds,
            )
            .await?
        } else {
            Punches::default()
        };
        let first = first_days(env, members);
        let now = env.now;
        sink = tokio::task::spawn_blocking(move || {
            judge(&plans, now, &first, &punches, |slot, i, result| {
                sink.day(slot, closed_days + i, &result);
            });
            sink
        })
        .await
        .map_err(|e| PluginError::Internal(e.to_string()))?;
    }
    Ok(sink)
}

/// Collects the days a [`visit_days`] hands over as rows, those `keep` accepts.
pub struct RowSink {
    ids: Vec<u64>,
    dates: Vec<Date>,
    keep: fn(&DayResult, Option<Status>) -> bool,
    status: Option<Status>,
    /// The rows, in the order visited.
    pub rows: Vec<DayRow>,
}

impl RowSink {
    /// Every day of `members` over `from..=to`.
    pub fn all(members: &[&MemberInfo], from: Date, to: Date) -> RowSink {
        RowSink::with(members, from, to, None, |_, _| true)
    }

    /// The days in `status` (every counted day when `None`), as the drill-down lists them.
    pub fn drill(members: &[&MemberInfo], from: Date, to: Date, status: Option<Status>) -> RowSink {
        RowSink::with(members, from, to, status, |r, status| match status {
            Some(st) => r.has(st),
            None => !r.has(Status::NotCounted),
        })
    }

    fn with(
        members: &[&MemberInfo],
        from: Date,
        to: Date,
        status: Option<Status>,
        keep: fn(&DayResult, Option<Status>) -> bool,
    ) -> RowSink {
        RowSink {
            ids: members.iter().map(|m| m.id).collect(),
            dates: dates(from, to),
            keep,
            status,
            rows: Vec::new(),
        }
    }
}

impl DaySink for RowSink {
    fn day(&mut self, slot: usize, day: usize, result: &DayResult) {
        if !(self.keep)(result, self.status) {
            return;
        }
        if let (Some(member), Some(date)) = (self.ids.get(slot), self.dates.get(day)) {
            self.rows.push(DayRow {
                member: *member,
                date: *date,
                result: *result,
            });
        }
    }
}

/// Sums each member's days ([`Counts`] per slot).
#[derive(Clone, Debug)]
pub struct CountSink {
    /// Per slot.
    pub counts: Vec<Counts>,
}

impl CountSink {
    /// Zero counts for `members` slots.
    pub fn new(members: usize) -> CountSink {
        CountSink {
            counts: vec![Counts::default(); members],
        }
    }
}

impl DaySink for CountSink {
    fn day(&mut self, slot: usize, _day: usize, result: &DayResult) {
        if let Some(c) = self.counts.get_mut(slot) {
            c.add(result);
        }
    }
}

/// The judged days of `members` from `from` to `to` (inclusive): one row per member and
/// date (see [`visit_days`]), in no particular order.
pub async fn day_rows(
    ctx: &Context,
    env: &Env,
    members: &[&MemberInfo],
    read: &Members,
    from: Date,
    to: Date,
) -> Result<Vec<DayRow>, PluginError> {
    let sink = RowSink::all(members, from, to);
    Ok(visit_days(ctx, env, members, read, (from, to), sink)
        .await?
        .rows)
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn slots_by_table_or_map_and_punches_grouped_in_order() {
        // Small ids: a table; an id far beyond the members: a map. Same answers.
        for ids in [vec![7, 3, 9, 3], vec![7, 3, u64::MAX, 3]] {
            let slots = Slots::new(ids.clone());
            assert!(
                matches!(slots.index, SlotIndex::Dense(_)) == (ids[2] == 9),
                "{ids:?}"
            );
            assert_eq!(slots.of(7), Some(0));
            assert_eq!(slots.of(3), Some(1), "a repeated id keeps its first slot");
            assert_eq!(slots.of(ids[2]), Some(2));
            for absent in [0, 4, 8, 10, 1 << 40] {
                assert_eq!(slots.of(absent), None, "{absent}");
            }
        }
        let p = |at| Punch::clock_in(at);
        let pairs = [(2, p(5)), (0, p(9)), (2, p(1)), (0, p(3)), (7, p(0))];
        let g = Punches::group(3, &pairs);
        assert_eq!(g.of(0), [p(9), p(3)], "the order read, within a slot");
        assert_eq!(g.of(1), []);
        assert_eq!(g.of(2), [p(5), p(1)]);
        assert_eq!(g.of(3), [], "a slot out of range has none");
    }
}
