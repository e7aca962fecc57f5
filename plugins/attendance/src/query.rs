//! The reports a caller asks for, as data (ATT-5): the caller's scope applied, the judged
//! days of the period gathered ([`crate::view::day_rows`]), the core's report functions run.
//! The API renders these as JSON, the panel as HTML.

use jiff::civil::Date;
use orgdir_plugin_api::{Caller, Context, MemberInfo, PluginError};

use crate::calendar::Month;
use crate::classify::Status;
use crate::export::{self, MonthExport};
use crate::record::ClockRecord;
use crate::report::{self, DailyReport, DayRow, MemberSummary, Overview, Roster, Totals};
use crate::store::{self, Members, RecordQuery, StoredRecord};
use crate::view::{self, Env};

/// How many members the overview's ranking lists.
pub const RANKING_LIMIT: usize = 10;

/// The members a caller sees with a permission, narrowed by the filters, and their people.
#[derive(Clone, Debug)]
pub struct Scoped<'a> {
    /// The members, by name.
    pub members: Vec<&'a MemberInfo>,
    /// Their people for the reports.
    pub roster: Roster,
    /// Whether these are all the members of the directory (no scope, filter or hidden
    /// member left anyone out).
    pub everybody: bool,
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
        let roster = view::roster(dir, &members);
        let everybody = members.len() == dir.members.len();
        Scoped {
            members,
            roster,
            everybody,
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
    let rows = view::day_rows(ctx, env, &s.members, date, date).await?;
    Ok(report::daily_report(date, &rows, &s.roster))
}

/// The month over the scope: each member's summary (members with a counted day), the
/// totals and the rows.
pub async fn monthly(
    ctx: &Context,
    env: &Env,
    s: &Scoped<'_>,
    month: Month,
) -> Result<(Vec<MemberSummary>, Totals, Vec<DayRow>), PluginError> {
    let rows = view::day_rows(ctx, env, &s.members, month.first_day(), month.last_day()).await?;
    Ok((
        report::member_summaries(&rows, &s.roster),
        report::totals(&rows),
        rows,
    ))
}

/// One member's month, day by day.
pub async fn member_month(
    ctx: &Context,
    env: &Env,
    member: &MemberInfo,
    month: Month,
) -> Result<Vec<DayRow>, PluginError> {
    let rows = view::day_rows(ctx, env, &[member], month.first_day(), month.last_day()).await?;
    Ok(report::member_days(&rows, member.id))
}

/// The overview: today and yesterday, last month, the ranking.
pub async fn overview(ctx: &Context, env: &Env, s: &Scoped<'_>) -> Result<Overview, PluginError> {
    let yesterday = env.today.yesterday().unwrap_or(env.today);
    let recent = view::day_rows(ctx, env, &s.members, yesterday, env.today).await?;
    let last = Month::of(env.today).previous();
    let last_rows = view::day_rows(ctx, env, &s.members, last.first_day(), last.last_day()).await?;
    Ok(report::overview(
        env.today,
        &recent,
        &last_rows,
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
    let rows = view::day_rows(ctx, env, &s.members, from, to).await?;
    let mut out: Vec<DayRow> = rows
        .into_iter()
        .filter(|r| match status {
            Some(st) => r.result.has(st),
            None => !r.result.has(Status::NotCounted),
        })
        .collect();
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

/// The month of the scope as an XLSX workbook (ATT-5), built off the async threads.
pub async fn export_month(
    ctx: &Context,
    env: &Env,
    s: &Scoped<'_>,
    month: Month,
    lang: export::Lang,
) -> Result<Vec<u8>, PluginError> {
    let rows = view::day_rows(ctx, env, &s.members, month.first_day(), month.last_day()).await?;
    let (start, end) = env.bounds(month.first_day(), month.last_day());
    let ids: std::collections::HashSet<u64> = s.members.iter().map(|m| m.id).collect();
    let mut records = store::records_between(ctx.db(), env.enterprise, None, start, end).await?;
    records.retain(|r| ids.contains(&r.member));
    let roster = s.roster.clone();
    let tz = env.tz.clone();
    tokio::task::spawn_blocking(move || {
        let e = MonthExport::new(month, &tz, lang, &roster, &rows, &records);
        export::export_month(&e).map_err(|e| PluginError::Internal(e.to_string()))
    })
    .await
    .map_err(|e| PluginError::Internal(e.to_string()))?
}
