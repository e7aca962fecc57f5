//! The attendance panel pages (mounted by the host at `/panel/p/attendance/`, inside the
//! panel's layout, English and Chinese, no JavaScript): overview, daily report, monthly
//! report and one member's month, the drill-down list behind every number, clock records,
//! the rules form, "my attendance" for every member, and the XLSX export (ATT-3, ATT-5).
//!
//! Every value is escaped ([`html::esc`]); the one form that posts (the rules) carries the
//! panel's CSRF token, which the host checks before the page sees the request. Filter
//! forms are GET forms (nothing secret in their URLs). Data comes from [`crate::query`],
//! the same functions the API uses.

mod html;
mod text;

use std::fmt::Write as _;

use axum::Router;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use jiff::civil::Date;
use orgdir_plugin_api::{Caller, Context, PluginError, Scope, axum};
use serde::Deserialize;

use crate::api::{export_lang, may_set_rules, save_rules, xlsx_response};
use crate::calendar::{self, Month};
use crate::classify::Status;
use crate::input::{self, InputError};
use crate::plugin::{SET_RULES, VIEW};
use crate::query::{self, Scoped};
use crate::report::{Counts, DailyReport, DayRow};
use crate::rules::{Day, Rules, RulesSpec};
use crate::store;
use crate::view::{self, Env};
use html::{BASE, DayColumns, counts_table, days_table, esc, href, message, records_table};
use text::{Text, text};

/// The panel routes (state: the plugin's context).
pub fn router(ctx: Context) -> Router {
    Router::new()
        .route("/", get(overview))
        .route("/daily", get(daily))
        .route("/monthly", get(monthly))
        .route("/days", get(days))
        .route("/records", get(records))
        .route("/rules", get(rules_page).post(rules_post))
        .route("/me", get(me))
        .route("/export", get(export))
        .with_state(ctx)
}

/// Why a page could not be shown.
enum Refusal {
    /// 403 with this text.
    Forbidden(&'static str),
    /// 404 with this text.
    NotFound(&'static str),
    /// 400: bad input, in the page's language.
    Input(String),
    /// 500 (logged).
    Internal(PluginError),
}

impl From<PluginError> for Refusal {
    fn from(e: PluginError) -> Refusal {
        Refusal::Internal(e)
    }
}

/// The parameters of every page (all optional; blank means absent).
#[derive(Debug, Default, Deserialize)]
struct Params {
    date: Option<String>,
    from: Option<String>,
    to: Option<String>,
    month: Option<String>,
    member: Option<String>,
    org: Option<String>,
    status: Option<String>,
    page: Option<String>,
    saved: Option<String>,
    lang: Option<String>,
}

/// Renders the body, or the refusal, inside the panel's layout.
fn respond(caller: &Caller, title: &str, body: Result<String, Refusal>) -> Response {
    let t = text(caller.lang);
    match body {
        Ok(b) => caller.page(title, &b),
        Err(Refusal::Forbidden(m)) => {
            caller.page_with(StatusCode::FORBIDDEN, title, &message(false, m))
        }
        Err(Refusal::NotFound(m)) => {
            caller.page_with(StatusCode::NOT_FOUND, title, &message(false, m))
        }
        Err(Refusal::Input(m)) => caller.page_with(
            StatusCode::BAD_REQUEST,
            title,
            &message(false, &format!("{} {m}", t.bad_input)),
        ),
        Err(Refusal::Internal(e)) => {
            tracing::error!(plugin = "attendance", error = %e, "page failed");
            caller.page_with(
                StatusCode::INTERNAL_SERVER_ERROR,
                title,
                &message(false, t.failed),
            )
        }
    }
}

fn params(q: Result<Query<Params>, QueryRejection>) -> Result<Params, Refusal> {
    q.map(|Query(p)| p)
        .map_err(|e| Refusal::Input(e.body_text()))
}

fn bad(caller: &Caller) -> impl Fn(InputError) -> Refusal + '_ {
    move |e| Refusal::Input(text::input_error(caller.lang, &e))
}

fn need_view(caller: &Caller) -> Result<(), Refusal> {
    if caller.holds(VIEW) {
        Ok(())
    } else {
        Err(Refusal::Forbidden(text(caller.lang).forbidden_view))
    }
}

/// The line on top of every page: the time zone, the first counted day, or why nothing is
/// counted yet.
fn notice(t: &Text, env: &Env) -> String {
    let mut h = String::new();
    if env.history.is_empty() {
        let _ = write!(
            h,
            "<p class=\"msg err\" role=\"alert\" id=\"no-rules\">{}</p>",
            esc(t.no_rules)
        );
    }
    match env.first_day() {
        Some(first) if env.today < first => {
            let _ = write!(
                h,
                "<p class=\"msg\" role=\"status\" id=\"not-started\">{} \
                 <span id=\"first-day\">{}</span></p>",
                esc(t.not_started),
                calendar::ymd(first)
            );
        }
        Some(first) => {
            let _ = write!(
                h,
                "<p class=\"tz\">{} {}{} {} {}{}</p>",
                esc(t.times_in),
                esc(&env.tz_name),
                t.full_stop,
                esc(t.counting_since),
                calendar::ymd(first),
                t.full_stop
            );
        }
        None => {
            let _ = write!(
                h,
                "<p class=\"tz\">{} {}{}</p>",
                esc(t.times_in),
                esc(&env.tz_name),
                t.full_stop
            );
        }
    }
    h
}

/// A `<select>` of the departments within the caller's scope for `perm`.
fn org_select(caller: &Caller, t: &Text, perm: &str, selected: Option<u64>) -> String {
    let dir = &caller.directory;
    let scope = caller
        .scope(perm)
        .cloned()
        .unwrap_or(Scope::Orgs(Vec::new()));
    let mut orgs: Vec<(String, u64)> = dir
        .orgs
        .values()
        .filter(|o| scope.contains_org(dir, o.id))
        .map(|o| (view::org_label(dir, o.id), o.id))
        .collect();
    orgs.sort();
    let mut h = format!(
        "<label>{} <select name=\"org\" id=\"org\"><option value=\"\">{}</option>",
        esc(t.org),
        esc(t.all_orgs)
    );
    for (label, id) in orgs {
        let sel = if selected == Some(id) {
            " selected"
        } else {
            ""
        };
        let _ = write!(h, "<option value=\"{id}\"{sel}>{}</option>", esc(&label));
    }
    h.push_str("</select></label>");
    h
}

/// The query value of an org filter.
fn org_value(org: Option<u64>) -> String {
    org.map(|o| o.to_string()).unwrap_or_default()
}

/// A drill-down link: the days from `from` to `to` in `status`, of the org or member.
fn drill(from: Date, to: Date, status: Status, org: &str, member: &str) -> String {
    href(
        "days",
        &[
            ("from", &calendar::ymd(from)),
            ("to", &calendar::ymd(to)),
            ("status", status.key()),
            ("org", org),
            ("member", member),
        ],
    )
}

// ---- overview ----

async fn overview(State(ctx): State<Context>, caller: Caller) -> Response {
    if !caller.holds(VIEW) {
        return Redirect::to(&format!("{BASE}/me")).into_response();
    }
    let t = text(caller.lang);
    respond(&caller, t.overview, overview_body(&ctx, &caller, t).await)
}

async fn overview_body(ctx: &Context, caller: &Caller, t: &Text) -> Result<String, Refusal> {
    let env = Env::load(ctx, caller.enterprise).await?;
    let s = Scoped::new(caller, VIEW, None, None);
    let o = query::overview(ctx, &env, &s).await?;
    let mut h = notice(t, &env);
    let yesterday = o.today.yesterday().unwrap_or(o.today);
    for (id, label, date, counts) in [
        ("today", t.today, o.today, &o.today_counts),
        ("yesterday", t.yesterday, yesterday, &o.yesterday_counts),
    ] {
        let _ = write!(
            h,
            "<section id=\"{id}\"><h2>{} <a href=\"{}\">{}</a></h2>{}</section>",
            esc(label),
            esc(&href("daily", &[("date", &calendar::ymd(date))])),
            calendar::ymd(date),
            counts_table(t, &format!("counts-{id}"), counts, |st| Some(drill(
                date, date, st, "", ""
            )))
        );
    }
    let m = o.last_month;
    let (first, last) = (m.first_day(), m.last_day());
    let month = m.to_string();
    let tot = &o.last_month_totals;
    let _ = write!(
        h,
        "<section id=\"last-month\"><h2>{} <a href=\"{}\">{month}</a></h2>\
         <p>{}: <a id=\"last-month-members\" href=\"{}\">{}</a> \u{b7} {}: \
         <a id=\"last-month-abnormal-members\" href=\"{}\">{}</a></p>{}</section>",
        esc(t.last_month),
        esc(&href("monthly", &[("month", &month)])),
        esc(t.members),
        esc(&href("monthly", &[("month", &month)])),
        tot.members,
        esc(t.abnormal_members),
        esc(&drill(first, last, Status::Abnormal, "", "")),
        tot.abnormal_members,
        counts_table(t, "counts-last-month", &tot.counts, |st| Some(drill(
            first, last, st, "", ""
        )))
    );
    let _ = write!(h, "<section id=\"ranking\"><h2>{}</h2>", esc(t.ranking));
    if o.ranking.is_empty() {
        let _ = write!(h, "<p>{}</p>", esc(t.no_ranking));
    } else {
        let cols = [
            Status::Abnormal,
            Status::Late,
            Status::EarlyLeave,
            Status::Absent,
            Status::MissingIn,
            Status::MissingOut,
        ];
        let _ = write!(
            h,
            "<table id=\"ranking-table\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th>",
            esc(t.rank),
            esc(t.account),
            esc(t.name),
            esc(t.org)
        );
        for st in cols {
            let _ = write!(h, "<th>{}</th>", esc(t.status(st)));
        }
        h.push_str("</tr></thead><tbody>");
        for (i, r) in o.ranking.iter().enumerate() {
            let p = s.roster.get(r.member).cloned().unwrap_or_default();
            let _ = write!(
                h,
                "<tr data-member=\"{}\"><td>{}</td><td><a href=\"{}\">{}</a></td><td>{}</td><td>{}</td>",
                r.member,
                i + 1,
                esc(&href(
                    "monthly",
                    &[("month", &month), ("member", &p.account)]
                )),
                esc(&p.account),
                esc(&p.name),
                esc(&p.org)
            );
            for st in cols {
                let _ = write!(
                    h,
                    "<td><a href=\"{}\" data-status=\"{}\">{}</a></td>",
                    esc(&drill(first, last, st, "", &p.account)),
                    st.key(),
                    r.counts.get(st)
                );
            }
            h.push_str("</tr>");
        }
        h.push_str("</tbody></table>");
    }
    h.push_str("</section>");
    h.push_str(&export_links(t, &month, ""));
    Ok(h)
}

/// Links to the month's export in both languages.
fn export_links(t: &Text, month: &str, org: &str) -> String {
    format!(
        "<p class=\"export\">{}: <a id=\"export-en\" href=\"{}\">{}</a> \u{b7} \
         <a id=\"export-zh\" href=\"{}\">{}</a></p>",
        esc(t.export),
        esc(&href(
            "export",
            &[("month", month), ("org", org), ("lang", "en")]
        )),
        esc(t.export_en),
        esc(&href(
            "export",
            &[("month", month), ("org", org), ("lang", "zh")]
        )),
        esc(t.export_zh)
    )
}

// ---- daily report ----

async fn daily(
    State(ctx): State<Context>,
    caller: Caller,
    q: Result<Query<Params>, QueryRejection>,
) -> Response {
    let t = text(caller.lang);
    let body = match params(q) {
        Ok(p) => daily_body(&ctx, &caller, t, p).await,
        Err(e) => Err(e),
    };
    respond(&caller, t.daily, body)
}

async fn daily_body(
    ctx: &Context,
    caller: &Caller,
    t: &Text,
    p: Params,
) -> Result<String, Refusal> {
    need_view(caller)?;
    let env = Env::load(ctx, caller.enterprise).await?;
    let date = input::date("date", &p.date, env.today).map_err(bad(caller))?;
    let org = input::org(&p.org).map_err(bad(caller))?;
    let s = Scoped::new(caller, VIEW, org, None);
    let report = query::daily(ctx, &env, &s, date).await?;
    let org_v = org_value(org);
    let mut h = notice(t, &env);
    let _ = write!(
        h,
        "<form method=\"get\" action=\"{BASE}/daily\" id=\"daily-form\">\
         <label>{} <input type=\"date\" name=\"date\" id=\"date\" value=\"{}\"></label> {} \
         <button type=\"submit\">{}</button></form>",
        esc(t.date),
        calendar::ymd(date),
        org_select(caller, t, VIEW, org),
        esc(t.show)
    );
    let _ = write!(
        h,
        "<h2>{} {}</h2>{}",
        esc(t.summary),
        calendar::ymd(date),
        counts_table(t, "daily-counts", &report.counts, |st| Some(drill(
            date, date, st, &org_v, ""
        )))
    );
    h.push_str(&abnormal_list(t, &report, &s, &env));
    Ok(h)
}

/// The daily report's list of abnormal members (ATT-5).
///
/// SMS-6 seam: the SMS plugin's "notify selected members" form belongs around this table
/// (each row carries `data-member` with the member's id). When that plugin exists, it
/// declares its own permission, and this list gains a checkbox per row and a form posting
/// the selected ids to the SMS plugin's route, offered only to callers holding both this
/// page's permission and the SMS plugin's send permission (SPEC SMS-5, SMS-6); until then
/// nothing is offered here.
fn abnormal_list(t: &Text, report: &DailyReport, s: &Scoped<'_>, env: &Env) -> String {
    format!(
        "<section id=\"abnormal-people\"><h2>{}</h2>{}</section>",
        esc(t.abnormal_people),
        if report.abnormal.is_empty() {
            format!("<p id=\"no-abnormal\">{}</p>", esc(t.no_abnormal))
        } else {
            days_table(
                t,
                "abnormal",
                &report.abnormal,
                &s.roster,
                &env.tz,
                DayColumns {
                    date: false,
                    person: true,
                    today: env.today,
                },
            )
        }
    )
}

// ---- monthly report ----

async fn monthly(
    State(ctx): State<Context>,
    caller: Caller,
    q: Result<Query<Params>, QueryRejection>,
) -> Response {
    let t = text(caller.lang);
    let body = match params(q) {
        Ok(p) => monthly_body(&ctx, &caller, t, p).await,
        Err(e) => Err(e),
    };
    respond(&caller, t.monthly, body)
}

async fn monthly_body(
    ctx: &Context,
    caller: &Caller,
    t: &Text,
    p: Params,
) -> Result<String, Refusal> {
    need_view(caller)?;
    let env = Env::load(ctx, caller.enterprise).await?;
    let month = input::month("month", &p.month, Month::of(env.today)).map_err(bad(caller))?;
    let org = input::org(&p.org).map_err(bad(caller))?;
    let org_v = org_value(org);
    let (first, last) = (month.first_day(), month.last_day());
    let m = month.to_string();
    let mut h = notice(t, &env);
    if let Some(account) = input::given(&p.member) {
        let s = Scoped::new(caller, VIEW, None, Some(account));
        let Some(member) = s.members.first().copied() else {
            return Err(Refusal::NotFound(t.not_found));
        };
        let rows = query::member_month(ctx, &env, member, month).await?;
        let records = query::member_records(ctx, &env, member.id, first, last).await?;
        let _ = write!(
            h,
            "<p><a id=\"back\" href=\"{}\">{}</a></p><h2 id=\"member-month\">{} {} {} ({}) \u{2014} {m}</h2>",
            esc(&href("monthly", &[("month", &m)])),
            esc(t.back_to_month),
            esc(t.member_month_of),
            esc(&member.account),
            esc(&member.name),
            esc(&view::org_label(&caller.directory, member.org))
        );
        h.push_str(&month_picker(t, "monthly", month, &[("member", account)]));
        h.push_str(&counts_table(
            t,
            "member-counts",
            &Counts::of(&rows),
            |st| Some(drill(first, last, st, "", &member.account)),
        ));
        h.push_str(&days_table(
            t,
            "member-days",
            &rows,
            &s.roster,
            &env.tz,
            DayColumns {
                date: true,
                person: false,
                today: env.today,
            },
        ));
        let stored: Vec<store::StoredRecord> = records
            .into_iter()
            .map(|r| store::StoredRecord { id: 0, record: r })
            .collect();
        let _ = write!(h, "<h2>{}</h2>", esc(t.records_of_month));
        h.push_str(&records_table(
            t,
            "member-records",
            &stored,
            &caller.directory,
            &env.tz,
            false,
        ));
        return Ok(h);
    }
    let s = Scoped::new(caller, VIEW, org, None);
    let (summaries, totals) = query::monthly(ctx, &env, &s, month).await?;
    let _ = write!(
        h,
        "<form method=\"get\" action=\"{BASE}/monthly\" id=\"monthly-form\">\
         <label>{} <input type=\"month\" name=\"month\" id=\"month\" value=\"{m}\" placeholder=\"YYYY-MM\"></label> {} \
         <button type=\"submit\">{}</button></form>",
        esc(t.month),
        org_select(caller, t, VIEW, org),
        esc(t.show)
    );
    let _ = write!(
        h,
        "<h2>{} {m}</h2><p>{}: {} \u{b7} {}: <a href=\"{}\">{}</a></p>{}",
        esc(t.summary),
        esc(t.members),
        totals.members,
        esc(t.abnormal_members),
        esc(&drill(first, last, Status::Abnormal, &org_v, "")),
        totals.abnormal_members,
        counts_table(t, "monthly-counts", &totals.counts, |st| Some(drill(
            first, last, st, &org_v, ""
        )))
    );
    h.push_str(&export_links(t, &m, &org_v));
    let _ = write!(h, "<h2>{}</h2>", esc(t.whole_scope));
    if summaries.is_empty() {
        let _ = write!(h, "<p id=\"monthly-none\">{}</p>", esc(t.none));
        return Ok(h);
    }
    let cols = [
        Status::Working,
        Status::Normal,
        Status::Abnormal,
        Status::Late,
        Status::EarlyLeave,
        Status::Absent,
        Status::MissingIn,
        Status::MissingOut,
        Status::Rest,
    ];
    let _ = write!(
        h,
        "<table id=\"monthly\"><thead><tr><th>{}</th><th>{}</th><th>{}</th>",
        esc(t.account),
        esc(t.name),
        esc(t.org)
    );
    for st in cols {
        let _ = write!(h, "<th>{}</th>", esc(t.status(st)));
    }
    let _ = write!(
        h,
        "<th>{}</th><th>{}</th></tr></thead><tbody>",
        esc(t.late_min),
        esc(t.early_min)
    );
    for sm in &summaries {
        let p = s.roster.get(sm.member).cloned().unwrap_or_default();
        let _ = write!(
            h,
            "<tr data-member=\"{}\"><td><a href=\"{}\">{}</a></td><td>{}</td><td>{}</td>",
            sm.member,
            esc(&href("monthly", &[("month", &m), ("member", &p.account)])),
            esc(&p.account),
            esc(&p.name),
            esc(&p.org)
        );
        for st in cols {
            let _ = write!(
                h,
                "<td><a href=\"{}\" data-status=\"{}\">{}</a></td>",
                esc(&drill(first, last, st, "", &p.account)),
                st.key(),
                sm.counts.get(st)
            );
        }
        let _ = write!(
            h,
            "<td>{}</td><td>{}</td></tr>",
            sm.counts.late_minutes, sm.counts.early_minutes
        );
    }
    h.push_str("</tbody></table>");
    Ok(h)
}

/// A GET form choosing a month for page `path`, keeping `keep` parameters.
fn month_picker(t: &Text, path: &str, month: Month, keep: &[(&str, &str)]) -> String {
    let mut h = format!(
        "<form method=\"get\" action=\"{BASE}/{path}\" id=\"month-form\">\
         <label>{} <input type=\"month\" name=\"month\" id=\"month\" value=\"{month}\" placeholder=\"YYYY-MM\"></label>",
        esc(t.month)
    );
    for (k, v) in keep {
        let _ = write!(
            h,
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            esc(k),
            esc(v)
        );
    }
    let _ = write!(
        h,
        " <button type=\"submit\">{}</button></form>",
        esc(t.show)
    );
    h
}

// ---- drill-down ----

async fn days(
    State(ctx): State<Context>,
    caller: Caller,
    q: Result<Query<Params>, QueryRejection>,
) -> Response {
    let t = text(caller.lang);
    let body = match params(q) {
        Ok(p) => days_body(&ctx, &caller, t, p).await,
        Err(e) => Err(e),
    };
    respond(&caller, t.days, body)
}

async fn days_body(ctx: &Context, caller: &Caller, t: &Text, p: Params) -> Result<String, Refusal> {
    need_view(caller)?;
    let env = Env::load(ctx, caller.enterprise).await?;
    let (from, to) = input::period(&env, &p.from, &p.to).map_err(bad(caller))?;
    let status = input::status(&p.status).map_err(bad(caller))?;
    let org = input::org(&p.org).map_err(bad(caller))?;
    let account = input::given(&p.member);
    let s = Scoped::new(caller, VIEW, org, account);
    let rows = query::drill(ctx, &env, &s, from, to, status).await?;
    let mut h = notice(t, &env);
    let what = status.map_or(t.any_status, |st| t.status(st));
    let period = if from == to {
        calendar::ymd(from)
    } else {
        format!("{} \u{2013} {}", calendar::ymd(from), calendar::ymd(to))
    };
    let mut heading = format!("{what}: {period}");
    if let Some(o) = org {
        let _ = write!(heading, " \u{b7} {}", view::org_label(&caller.directory, o));
    }
    if let Some(a) = account {
        let _ = write!(heading, " \u{b7} {a}");
    }
    let _ = write!(
        h,
        "<h2 id=\"drill\">{} <span class=\"badge\" id=\"drill-count\">{}</span></h2>",
        esc(&heading),
        rows.len()
    );
    h.push_str(&days_table(
        t,
        "days",
        &rows,
        &s.roster,
        &env.tz,
        DayColumns {
            date: from != to,
            person: true,
            today: env.today,
        },
    ));
    Ok(h)
}

// ---- records ----

async fn records(
    State(ctx): State<Context>,
    caller: Caller,
    q: Result<Query<Params>, QueryRejection>,
) -> Response {
    let t = text(caller.lang);
    let body = match params(q) {
        Ok(p) => records_body(&ctx, &caller, t, p).await,
        Err(e) => Err(e),
    };
    respond(&caller, t.records, body)
}

async fn records_body(
    ctx: &Context,
    caller: &Caller,
    t: &Text,
    p: Params,
) -> Result<String, Refusal> {
    need_view(caller)?;
    let env = Env::load(ctx, caller.enterprise).await?;
    let (from, to) = input::period(&env, &p.from, &p.to).map_err(bad(caller))?;
    let org = input::org(&p.org).map_err(bad(caller))?;
    let page = input::number("page", &p.page, 1).map_err(bad(caller))?;
    let account = input::given(&p.member).unwrap_or("");
    let s = Scoped::new(caller, VIEW, org, input::given(&p.member));
    let (rows, total) = query::records(ctx, &env, &s, (from, to), page, input::PER_PAGE).await?;
    let mut h = notice(t, &env);
    let _ = write!(
        h,
        "<form method=\"get\" action=\"{BASE}/records\" id=\"records-form\">\
         <label>{} <input type=\"date\" name=\"from\" id=\"from\" value=\"{}\"></label>\
         <label>{} <input type=\"date\" name=\"to\" id=\"to\" value=\"{}\"></label>\
         <label>{} <input name=\"member\" id=\"member\" value=\"{}\"></label> {} \
         <button type=\"submit\">{}</button></form>",
        esc(t.from),
        calendar::ymd(from),
        esc(t.to),
        calendar::ymd(to),
        esc(t.member_account),
        esc(account),
        org_select(caller, t, VIEW, org),
        esc(t.show)
    );
    let _ = write!(
        h,
        "<p>{} <span id=\"records-total\">{total}</span></p>",
        esc(t.total_records)
    );
    h.push_str(&records_table(
        t,
        "records",
        &rows,
        &caller.directory,
        &env.tz,
        true,
    ));
    let org_v = org_value(org);
    let (f, tt) = (calendar::ymd(from), calendar::ymd(to));
    let link = |n: u64| {
        href(
            "records",
            &[
                ("from", &f),
                ("to", &tt),
                ("member", account),
                ("org", &org_v),
                ("page", &n.to_string()),
            ],
        )
    };
    h.push_str("<nav class=\"pager\">");
    if page > 1 {
        let _ = write!(
            h,
            "<a id=\"newer\" href=\"{}\">{}</a> ",
            esc(&link(page - 1)),
            esc(t.newer)
        );
    }
    if page.saturating_mul(u64::from(input::PER_PAGE)) < total {
        let _ = write!(
            h,
            "<a id=\"older\" rel=\"next\" href=\"{}\">{}</a>",
            esc(&link(page + 1)),
            esc(t.older)
        );
    }
    h.push_str("</nav>");
    Ok(h)
}

// ---- rules ----

/// The rules form's fields as posted.
#[derive(Debug, Default, Deserialize)]
struct RulesForm {
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    work_start: String,
    #[serde(default)]
    work_end: String,
    wd_mon: Option<String>,
    wd_tue: Option<String>,
    wd_wed: Option<String>,
    wd_thu: Option<String>,
    wd_fri: Option<String>,
    wd_sat: Option<String>,
    wd_sun: Option<String>,
    #[serde(default)]
    special_working: String,
    #[serde(default)]
    holidays: String,
    #[serde(default)]
    grace: String,
}

impl RulesForm {
    fn of(spec: &RulesSpec) -> RulesForm {
        let on = |d: Day| spec.working_weekdays.contains(&d).then(|| "on".to_string());
        RulesForm {
            time_zone: spec.time_zone.clone(),
            work_start: spec.work_start.clone(),
            work_end: spec.work_end.clone(),
            wd_mon: on(Day::Mon),
            wd_tue: on(Day::Tue),
            wd_wed: on(Day::Wed),
            wd_thu: on(Day::Thu),
            wd_fri: on(Day::Fri),
            wd_sat: on(Day::Sat),
            wd_sun: on(Day::Sun),
            special_working: spec.special_working_dates.join("\n"),
            holidays: spec.special_holiday_dates.join("\n"),
            grace: spec.grace_minutes.to_string(),
        }
    }

    /// A new enterprise's starting point: Monday to Friday, 09:00–18:00, Asia/Shanghai.
    fn default_form() -> RulesForm {
        RulesForm::of(&RulesSpec {
            time_zone: "Asia/Shanghai".into(),
            work_start: "09:00".into(),
            work_end: "18:00".into(),
            working_weekdays: vec![Day::Mon, Day::Tue, Day::Wed, Day::Thu, Day::Fri],
            special_working_dates: Vec::new(),
            special_holiday_dates: Vec::new(),
            grace_minutes: 0,
        })
    }

    fn weekday(&self, d: Day) -> bool {
        let v = match d {
            Day::Mon => &self.wd_mon,
            Day::Tue => &self.wd_tue,
            Day::Wed => &self.wd_wed,
            Day::Thu => &self.wd_thu,
            Day::Fri => &self.wd_fri,
            Day::Sat => &self.wd_sat,
            Day::Sun => &self.wd_sun,
        };
        v.is_some()
    }

    /// The spec typed into the form, or the refusal in the page's language.
    fn spec(&self, caller: &Caller) -> Result<Rules, String> {
        let list = |s: &str| -> Vec<String> {
            s.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '，' | '；' | '、'))
                .filter(|x| !x.is_empty())
                .map(str::to_string)
                .collect()
        };
        let grace = if self.grace.trim().is_empty() {
            0
        } else {
            self.grace.trim().parse::<u32>().map_err(|_| {
                text::input_error(
                    caller.lang,
                    &InputError::Number {
                        field: "grace",
                        value: self.grace.clone(),
                    },
                )
            })?
        };
        let spec = RulesSpec {
            time_zone: self.time_zone.trim().to_string(),
            work_start: self.work_start.trim().to_string(),
            work_end: self.work_end.trim().to_string(),
            working_weekdays: Day::ALL.into_iter().filter(|d| self.weekday(*d)).collect(),
            special_working_dates: list(&self.special_working),
            special_holiday_dates: list(&self.holidays),
            grace_minutes: grace,
        };
        Rules::new(&spec).map_err(|e| text::rules_error(caller.lang, &e))
    }
}

async fn rules_page(
    State(ctx): State<Context>,
    caller: Caller,
    q: Result<Query<Params>, QueryRejection>,
) -> Response {
    let t = text(caller.lang);
    let body = match params(q) {
        Ok(p) => rules_body(&ctx, &caller, t, p.saved.as_deref(), None).await,
        Err(e) => Err(e),
    };
    respond(&caller, t.rules, body)
}

async fn rules_post(
    State(ctx): State<Context>,
    caller: Caller,
    form: Result<Form<RulesForm>, FormRejection>,
) -> Response {
    let t = text(caller.lang);
    if !may_set_rules(&caller) {
        return respond(&caller, t.rules, Err(Refusal::Forbidden(t.read_only)));
    }
    let form = match form {
        Ok(Form(f)) => f,
        Err(e) => return respond(&caller, t.rules, Err(Refusal::Input(e.body_text()))),
    };
    match form.spec(&caller) {
        Ok(rules) => match save_rules(&ctx, &caller, &rules).await {
            Ok(from) => {
                Redirect::to(&href("rules", &[("saved", &calendar::ymd(from))])).into_response()
            }
            Err(e) => respond(&caller, t.rules, Err(Refusal::Internal(e))),
        },
        Err(why) => {
            let body = rules_body(&ctx, &caller, t, None, Some((form, why))).await;
            match body {
                Ok(b) => caller.page_with(StatusCode::BAD_REQUEST, t.rules, &b),
                Err(e) => respond(&caller, t.rules, Err(e)),
            }
        }
    }
}

/// The rules page: the form (or the rules read-only), then earlier versions. `retry` is a
/// refused form with its reason, shown again as typed.
async fn rules_body(
    ctx: &Context,
    caller: &Caller,
    t: &Text,
    saved: Option<&str>,
    retry: Option<(RulesForm, String)>,
) -> Result<String, Refusal> {
    if !caller.holds(VIEW) && !caller.holds(SET_RULES) {
        return Err(Refusal::Forbidden(t.forbidden_rules));
    }
    let env = Env::load(ctx, caller.enterprise).await?;
    let versions = store::saved_rules(ctx.db(), caller.enterprise).await?;
    let mut h = String::new();
    if let Some(d) = saved.and_then(calendar::parse_ymd) {
        h.push_str(&message(
            true,
            &format!("{} {}", t.saved_from, calendar::ymd(d)),
        ));
    }
    let (form, error) = match retry {
        Some((f, why)) => (f, Some(why)),
        None => (
            versions
                .last()
                .map(|v| RulesForm::of(&v.rules.spec()))
                .unwrap_or_else(RulesForm::default_form),
            None,
        ),
    };
    if let Some(why) = &error {
        h.push_str(&message(false, &format!("{} {why}", t.bad_input)));
    }
    h.push_str(&notice(t, &env));
    let editable = may_set_rules(caller);
    if !editable {
        h.push_str(&message(true, t.read_only));
    }
    let dis = if editable { "" } else { " disabled" };
    let _ = write!(
        h,
        "<form method=\"post\" action=\"{BASE}/rules\" id=\"rules-form\">{}\
         <fieldset><legend>{}</legend>\
         <label>{} <input name=\"time_zone\" id=\"time_zone\" value=\"{}\" placeholder=\"{}\" required{dis}></label>\
         <label>{} <input type=\"time\" name=\"work_start\" id=\"work_start\" value=\"{}\" required{dis}></label>\
         <label>{} <input type=\"time\" name=\"work_end\" id=\"work_end\" value=\"{}\" required{dis}></label>\
         <fieldset id=\"weekdays\"><legend>{}</legend>",
        caller.csrf_input(),
        esc(t.current_rules),
        esc(t.time_zone),
        esc(&form.time_zone),
        esc(t.time_zone_hint),
        esc(t.work_start),
        esc(&form.work_start),
        esc(t.work_end),
        esc(&form.work_end),
        esc(t.weekdays)
    );
    for d in Day::ALL {
        let key = format!("wd_{}", format!("{d:?}").to_ascii_lowercase());
        let checked = if form.weekday(d) { " checked" } else { "" };
        let _ = write!(
            h,
            "<label class=\"inline\"><input type=\"checkbox\" name=\"{key}\" id=\"{key}\"{checked}{dis}> {}</label> ",
            esc(t.day(d))
        );
    }
    let _ = write!(
        h,
        "</fieldset>\
         <label>{} <small>({})</small><br><textarea name=\"special_working\" id=\"special_working\" rows=\"4\" cols=\"24\"{dis}>{}</textarea></label>\
         <label>{} <small>({})</small><br><textarea name=\"holidays\" id=\"holidays\" rows=\"6\" cols=\"24\"{dis}>{}</textarea></label>\
         <label>{} <input type=\"number\" name=\"grace\" id=\"grace\" min=\"0\" max=\"{}\" value=\"{}\"{dis}></label>\
         <p>{}</p>",
        esc(t.special_working),
        esc(t.dates_hint),
        esc(&form.special_working),
        esc(t.holidays),
        esc(t.dates_hint),
        esc(&form.holidays),
        esc(t.grace),
        crate::rules::MAX_GRACE_MINUTES,
        esc(&form.grace),
        esc(t.applies)
    );
    if editable {
        let _ = write!(
            h,
            "<button type=\"submit\" id=\"save-rules\">{}</button>",
            esc(t.save)
        );
    }
    h.push_str("</fieldset></form>");
    if !versions.is_empty() {
        let _ = write!(
            h,
            "<h2>{}</h2><table id=\"rules-history\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            esc(t.history),
            esc(t.changed_at),
            esc(t.changed_by),
            esc(t.effective_from),
            esc(t.current_rules)
        );
        for v in versions.iter().rev() {
            let spec = v.rules.spec();
            let days: Vec<&str> = spec.working_weekdays.iter().map(|d| t.day(*d)).collect();
            let summary = format!(
                "{}\u{2013}{} {} \u{b7} {} \u{b7} +{} \u{b7} \u{2212}{} \u{b7} {} min",
                spec.work_start,
                spec.work_end,
                spec.time_zone,
                days.join(" "),
                spec.special_working_dates.len(),
                spec.special_holiday_dates.len(),
                spec.grace_minutes
            );
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&html::date_time(v.changed_at, v.rules.time_zone())),
                esc(&v.changed_by),
                calendar::ymd(v.version().effective_date()),
                esc(&summary)
            );
        }
        h.push_str("</tbody></table>");
    }
    Ok(h)
}

// ---- my attendance ----

async fn me(
    State(ctx): State<Context>,
    caller: Caller,
    q: Result<Query<Params>, QueryRejection>,
) -> Response {
    let t = text(caller.lang);
    let body = match params(q) {
        Ok(p) => me_body(&ctx, &caller, t, p).await,
        Err(e) => Err(e),
    };
    respond(&caller, t.me, body)
}

async fn me_body(ctx: &Context, caller: &Caller, t: &Text, p: Params) -> Result<String, Refusal> {
    let Some(member) = caller.member().and_then(|id| caller.directory.member(id)) else {
        return Err(Refusal::Forbidden(t.admin_has_no_own));
    };
    let env = Env::load(ctx, caller.enterprise).await?;
    let month = input::month("month", &p.month, Month::of(env.today)).map_err(bad(caller))?;
    let rows: Vec<DayRow> = query::member_month(ctx, &env, member, month).await?;
    let records =
        query::member_records(ctx, &env, member.id, month.first_day(), month.last_day()).await?;
    let roster = view::roster(&caller.directory, &[member]);
    let mut h = notice(t, &env);
    h.push_str(&month_picker(t, "me", month, &[]));
    h.push_str(&counts_table(t, "my-counts", &Counts::of(&rows), |_| None));
    h.push_str(&days_table(
        t,
        "my-days",
        &rows,
        &roster,
        &env.tz,
        DayColumns {
            date: true,
            person: false,
            today: env.today,
        },
    ));
    let stored: Vec<store::StoredRecord> = records
        .into_iter()
        .map(|r| store::StoredRecord { id: 0, record: r })
        .collect();
    let _ = write!(h, "<h2>{}</h2>", esc(t.records_of_month));
    h.push_str(&records_table(
        t,
        "my-records",
        &stored,
        &caller.directory,
        &env.tz,
        false,
    ));
    Ok(h)
}

// ---- export ----

async fn export(
    State(ctx): State<Context>,
    caller: Caller,
    q: Result<Query<Params>, QueryRejection>,
) -> Response {
    let t = text(caller.lang);
    let result = async {
        let p = params(q)?;
        need_view(&caller)?;
        let env = Env::load(&ctx, caller.enterprise).await?;
        let month = input::month("month", &p.month, Month::of(env.today)).map_err(bad(&caller))?;
        let org = input::org(&p.org).map_err(bad(&caller))?;
        let lang = export_lang(&caller, &p.lang).map_err(Refusal::Input)?;
        let s = Scoped::new(&caller, VIEW, org, input::given(&p.member));
        let bytes = query::export_month(&ctx, &env, &s, month, lang).await?;
        Ok::<_, Refusal>(xlsx_response(month, bytes))
    }
    .await;
    match result {
        Ok(r) => r,
        Err(e) => respond(&caller, t.export, Err(e)),
    }
}
