//! The reports a caller asks for, as data (ATT-5): the caller's scope applied, the judged
//! days of the period visited ([`crate::view::visit_days`]) and summed up or listed, the
//! core's report functions run. The API renders these as JSON, the panel as HTML.
//!
//! Only the scope's members are read (the store seeks them when they are few, see
//! [`crate::view::member_filter`]), and a month is never held as rows: the monthly report
//! and the overview keep one [`Counts`] per member, the export its listed days and records
//! in compact form ([`crate::listing`]).

use std::sync::Arc;

use jiff::civil::Date;
use orgdir_plugin_api::{Caller, Context, MemberInfo, PluginError};

use crate::calendar::Month;
use crate::classify::Status;
use crate::export::{self, Listed};
use crate::listing::{MonthSink, RecordList};
use crate::record::ClockRecord;
use crate::report::{self, Counts, DailyReport, DayRow, MemberSummary, Overview, Roster, Totals};
use crate::store::{self, Members, RecordQuery, StoredRecord};
use crate::view::{self, CountSink, Env, RowSink};

/// How many members the overview's ranking lists.
pub const RANKING_LIMIT: usize = 10;

/// The members a caller sees with a permission, narrowed by the filters, and their people.
#[derive(Clone, Debug)]
pub struct Scoped<'a> {
    /// The members, by name.
    pub members: Vec<&'a MemberInfo>,
    /// Their people for the reports (shared with the export's workbook thread).
    pub roster: Arc<Roster>,
    /// Whether these are all the members of the directory (no scope, filter or hidden
    /// member left anyone out).
    pub everybody: bool,
    /// What to read from the store for them ([`view::member_filter`]).
    pub read: Members,
}

impl<'a> Scoped<'a> {
    /// The members `caller` sees with `perm`, in org `org` (and below) and with account
    /// `account` when given.
    pub fn new(
        caller: &'a Caller,
        perm: &str,
        org: Option<u64>,
        account: Option<&str>,
    ) -> Scoped<'a> {
        let dir = &caller.directory;
        let members = view::narrow(dir, view::visible(caller, perm), org, account);
        let roster = Arc::new(view::roster(dir, &members));
        let everybody = members.len() == dir.members.len();
        let read = view::member_filter(&members, dir.members.len());
        Scoped {
            members,
            roster,
            everybody,
            read,
        }
    }

    /// The ids.
    pub fn ids(&self) -> Vec<u64> {
        self.members.iter().map(|m| m.id).collect()
    }
}

/// The daily report of `date` over the scope.
pub async fn daily(
    ctx: &Context,
    env: &Env,
    s: &Scoped<'_>,
    date: Date,
) -> Result<DailyReport, PluginError> {
    let rows = view::day_rows(ctx, env, &s.members, &s.read, date, date).await?;
    Ok(report::daily_report(date, &rows, &s.roster))
}

/// Each member's counts over `from..=to` (by the scope's order) summed up: the summaries of
/// the members with a counted day, in roster order, and the totals.
async fn summed(
    ctx: &Context,
    env: &Env,
    s: &Scoped<'_>,
    from: Date,
    to: Date,
) -> Result<(Vec<MemberSummary>, Totals), PluginError> {
    let sink = CountSink::new(s.members.len());
    let counts = view::visit_days(ctx, env, &s.members, &s.read, (from, to), sink)
        .await?
        .counts;
    Ok(summaries_and_totals(&s.members, counts, &s.roster))
}

fn summaries_and_totals(
    members: &[&MemberInfo],
    counts: Vec<Counts>,
    roster: &Roster,
) -> (Vec<MemberSummary>, Totals) {
    let totals = report::totals_of(&counts);
    let summaries = report::summaries_of(members.iter().map(|m| m.id).zip(counts), roster);
    (summaries, totals)
}

/// The month over the scope: each member's summary (members with a counted day) and the
/// totals.
pub async fn monthly(
    ctx: &Context,
    env: &Env,
    s: &Scoped<'_>,
    month: Month,
) -> Result<(Vec<MemberSummary>, Totals), PluginError> {
    summed(ctx, env, s, month.first_day(), month.last_day()).await
}

/// One member's month, day by day.
pub async fn member_month(
    ctx: &Context,
    env: &Env,
    member: &MemberInfo,
    month: Month,
) -> Result<Vec<DayRow>, PluginError> {
    let read = Members::Only(vec![member.id]);
    let (first, last) = (month.first_day(), month.last_day());
    let rows = view::day_rows(ctx, env, &[member], &read, first, last).await?;
    Ok(report::member_days(&rows, member.id))
}

/// The overview: today and yesterday, last month, the ranking.
pub async fn overview(ctx: &Context, env: &Env, s: &Scoped<'_>) -> Result<Overview, PluginError> {
    let yesterday = env.today.yesterday().unwrap_or(env.today);
    let recent = view::day_rows(ctx, env, &s.members, &s.read, yesterday, env.today).await?;
    let last = Month::of(env.today).previous();
    let (summaries, totals) = summed(ctx, env, s, last.first_day(), last.last_day()).await?;
    Ok(report::overview_of(
        env.today,
        &recent,
        &summaries,
        totals,
        &s.roster,
        RANKING_LIMIT,
    ))
}

/// Drill-down: the days from `from` to `to` in `status` (every counted day when `None`),
/// by member then date.
pub async fn drill(
    ctx: &Context,
    env: &Env,
    s: &Scoped<'_>,
    from: Date,
    to: Date,
    status: Option<Status>,
) -> Result<Vec<DayRow>, PluginError> {
    let sink = RowSink::drill(&s.members, from, to, status);
    let mut out = view::visit_days(ctx, env, &s.members, &s.read, (from, to), sink)
        .await?
        .rows;
    report::sort_rows(&mut out, &s.roster);
    Ok(out)
}

/// One page of the clock records of the scope from `from` to `to` (local dates), newest
/// first, and how many there are in all.
pub async fn records(
    ctx: &Context,
    env: &Env,
    s: &Scoped<'_>,
    (from, to): (Date, Date),
    page: u64,
    per_page: u32,
) -> Result<(Vec<StoredRecord>, u64), PluginError> {
    if s.members.is_empty() {
        return Ok((Vec::new(), 0));
    }
    let (start, end) = env.bounds(from, to);
    let members = if s.everybody {
        Members::All
    } else {
        Members::Only(s.ids())
    };
    store::query_records(
        ctx.db(),
        RecordQuery {
            enterprise: env.enterprise,
            from: start,
            to: end,
            members,
            offset: page.saturating_sub(1).saturating_mul(u64::from(per_page)),
            limit: per_page,
        },
    )
    .await
}

/// The clock records of one member from `from` to `to` (local dates), oldest first.
pub async fn member_records(
    ctx: &Context,
    env: &Env,
    member: u64,
    from: Date,
    to: Date,
) -> Result<Vec<ClockRecord>, PluginError> {
    let (start, end) = env.bounds(from, to);
    store::records_between(ctx.db(), env.enterprise, Some(member), start, end).await
}

/// The month of the scope as an XLSX workbook (ATT-5), built off the async threads. The
/// judged days and the records are read at once (two reading connections), each kept
/// compact ([`crate::listing`]) and listed by member in roster order.
pub async fn export_month(
    ctx: &Context,
    env: &Env,
    s: &Scoped<'_>,
    month: Month,
    lang: export::Lang,
) -> Result<Vec<u8>, PluginError> {
    let (first, last) = (month.first_day(), month.last_day());
    // Slots in roster order, so listing by slot is listing by roster order.
    let order = s.roster.order();
    let mut members = s.members.clone();
    members.sort_by_cached_key(|m| order.key(m.id));
    let ids: Vec<u64> = members.iter().map(|m| m.id).collect();
    let days = view::visit_days(
        ctx,
        env,
        &members,
        &s.read,
        (first, last),
        MonthSink::new(
            members.len(),
            view::period_days(first, last).try_into().unwrap_or(0),
        ),
    );
    let records = store::fold_records(
        ctx.db(),
        env.enterprise,
        s.read.clone(),
        env.bounds(first, last),
        RecordList::new(ids.clone()),
        |list: &mut RecordList, r| list.push(r),
    );
    let (days, records) = tokio::try_join!(days, records)?;
    let (counts, days) = days.into_days(ids.clone(), view::dates(first, last));
    // The slots are in roster order already.
    let summaries: Vec<MemberSummary> = ids
        .into_iter()
        .zip(counts)
        .filter(|(_, c)| c.any_counted())
        .map(|(member, counts)| MemberSummary { member, counts })
        .collect();
    let roster = Arc::clone(&s.roster);
    let tz = env.tz.clone();
    tokio::task::spawn_blocking(move || {
        let records = records.finish()?;
        let mut out = std::io::Cursor::new(Vec::new());
        export::write_lines(
            &Listed {
                time_zone: &tz,
                lang,
                roster: &roster,
                rows_per_sheet: export::XLSX_MAX_ROWS - 1,
                summaries: &summaries,
                days: &days,
                records: &records,
            },
            &mut out,
        )
        .map_err(|e| PluginError::Internal(e.to_string()))?;
        // Giving a month's lists back to the system takes a few tens of milliseconds: not
        // while the caller waits for the workbook.
        drop(tokio::task::spawn_blocking(move || drop((days, records))));
        Ok(out.into_inner())
    })
    .await
    .map_err(|e| PluginError::Internal(e.to_string()))?
}
