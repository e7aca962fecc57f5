//! The attendance API (mounted by the host at `/api/v1/p/attendance/`): clocking in and out
//! and the reminder schedule for the clients (ATT-4), the caller's own month, and for
//! holders of *view attendance* the records, daily, monthly and overview reports and the
//! XLSX export of the members within their scope (ATT-5); the rules for holders of *set
//! attendance rules* (ATT-3).
//!
//! Errors are `application/problem+json` like the core API's: a stable `code` and a
//! `detail` for people. 403 without the permission, 400 on bad input, 409 before
//! attendance starts counting.

use axum::Json;
use axum::Router;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use jiff::tz::TimeZone;
use orgdir_plugin_api::{Caller, Context, Directory, MemberInfo, PluginError, Who, axum};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::calendar::{self, Month};
use crate::classify::{DayResult, Status};
use crate::input::{self, InputError};
use crate::plugin::{SET_RULES, VIEW};
use crate::query::{self, Scoped};
use crate::record::{ClockRecord, Kind};
use crate::report::{Counts, DayRow, MemberSummary, Roster, Totals};
use crate::rules::{Rules, RulesSpec};
use crate::schedule::{DayHours, schedule};
use crate::store::{self, StoredRecord};
use crate::view::{self, Env};

/// The most clock records one member may leave on one local day.
pub const MAX_RECORDS_PER_DAY: u32 = 50;

/// The API routes (state: the plugin's context).
pub fn router(ctx: Context) -> Router {
    Router::new()
        .route("/clock", post(clock))
        .route("/schedule", get(schedule_of))
        .route("/me", get(me))
        .route("/records", get(records))
        .route("/daily", get(daily))
        .route("/days", get(days))
        .route("/monthly", get(monthly))
        .route("/overview", get(overview))
        .route("/rules", get(get_rules).put(put_rules))
        .route("/export", get(export))
        .with_state(ctx)
}

/// An API error: `application/problem+json`, never internals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code.
    pub code: &'static str,
    /// For people.
    pub detail: String,
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    code: &'a str,
    detail: &'a str,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            detail: detail.into(),
        }
    }

    /// 400.
    pub fn bad_request(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", detail)
    }

    /// 403.
    pub fn forbidden(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }
}

impl From<InputError> for ApiError {
    fn from(e: InputError) -> ApiError {
        ApiError::bad_request(e.to_string())
    }
}

impl From<PluginError> for ApiError {
    fn from(e: PluginError) -> ApiError {
        tracing::error!(plugin = "attendance", error = %e, "request failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the server could not complete the request",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Problem {
            kind: format!("/problems/{}", self.code),
            title: self.status.canonical_reason().unwrap_or("Error"),
            status: self.status.as_u16(),
            code: self.code,
            detail: &self.detail,
        };
        let mut resp = (self.status, Json(body)).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        resp
    }
}

type ApiResult<T> = Result<T, ApiError>;

fn query<T>(q: Result<Query<T>, QueryRejection>) -> ApiResult<T> {
    q.map(|Query(v)| v)
        .map_err(|e| ApiError::bad_request(e.body_text()))
}

/// 403 unless the caller holds `view`.
fn need_view(caller: &Caller) -> ApiResult<()> {
    if caller.holds(VIEW) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "this needs the \u{201c}View attendance\u{201d} permission",
        ))
    }
}

/// The calling member (403 for the administrator and service accounts, and for a member
/// no longer in the directory or disabled).
fn calling_member(caller: &Caller) -> ApiResult<&MemberInfo> {
    let Who::Member(id) = caller.who else {
        return Err(ApiError::forbidden(
            "only members clock in and have their own attendance; the administrator and service accounts do not",
        ));
    };
    match caller.directory.member(id) {
        Some(m) if !m.disabled => Ok(m),
        _ => Err(ApiError::forbidden("this member cannot clock in")),
    }
}

fn local_time(at: i64, tz: &TimeZone) -> String {
    let t = calendar::local_datetime(at, tz);
    format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
}

fn local_datetime(at: i64, tz: &TimeZone) -> String {
    let t = calendar::local_datetime(at, tz);
    format!(
        "{} {:02}:{:02}:{:02}",
        calendar::ymd(t.date()),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Counts as JSON: one number per status key, and the minutes.
pub fn counts_json(c: &Counts) -> Value {
    let mut m = serde_json::Map::new();
    for s in Status::ALL {
        m.insert(s.key().to_string(), json!(c.get(s)));
    }
    m.insert("late_minutes".into(), json!(c.late_minutes));
    m.insert("early_minutes".into(), json!(c.early_minutes));
    Value::Object(m)
}

fn totals_json(t: &Totals) -> Value {
    json!({
        "members": t.members,
        "abnormal_members": t.abnormal_members,
        "counts": counts_json(&t.counts),
    })
}

fn person_json(roster: &Roster, member: u64) -> Value {
    match roster.get(member) {
        Some(p) => json!({"member": member, "account": p.account, "name": p.name, "org": p.org}),
        None => json!({"member": member, "account": null, "name": null, "org": null}),
    }
}

/// One judged day as JSON (times local in the enterprise's time zone).
pub fn day_json(row: &DayRow, roster: &Roster, env: &Env) -> Value {
    let tz = &env.tz;
    let r = &row.result;
    let status = match r {
        DayResult::NotCounted => "not_counted",
        DayResult::Rest(_) => "rest",
        DayResult::Working(_) => "working",
    };
    let findings: Vec<&str> = r.findings().map(Status::key).collect();
    let work = r.work();
    let mut v = person_json(roster, row.member);
    if let Value::Object(m) = &mut v {
        let t = |at: Option<i64>| at.map(|a| local_time(a, tz));
        m.insert("date".into(), json!(calendar::ymd(row.date)));
        m.insert("status".into(), json!(status));
        m.insert("normal".into(), json!(r.has(Status::Normal)));
        m.insert("pending".into(), json!(r.has(Status::Pending)));
        // Final: the result can no longer change (a working day closed, any other day over).
        let fin = work.map_or(row.date < env.today, |w| w.is_final());
        m.insert("final".into(), json!(fin));
        m.insert("findings".into(), json!(findings));
        m.insert("work_start".into(), json!(work.map(|w| w.start)));
        m.insert("work_end".into(), json!(work.map(|w| w.end)));
        m.insert("first_in".into(), json!(r.first_in()));
        m.insert("last_out".into(), json!(r.last_out()));
        m.insert("first_in_local".into(), json!(t(r.first_in())));
        m.insert("last_out_local".into(), json!(t(r.last_out())));
        m.insert(
            "late_minutes".into(),
            json!(work.and_then(|w| w.late_minutes)),
        );
        m.insert(
            "early_minutes".into(),
            json!(work.and_then(|w| w.early_minutes)),
        );
    }
    v
}

fn summary_json(s: &MemberSummary, roster: &Roster) -> Value {
    let mut v = person_json(roster, s.member);
    if let Value::Object(m) = &mut v {
        m.insert("counts".into(), counts_json(&s.counts));
    }
    v
}

/// Counts as [`counts_json`] writes them (keys in order), written straight to the output.
struct CountsOut<'a>(&'a Counts);

impl Serialize for CountsOut<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let c = self.0;
        let mut entries: Vec<(&str, u64)> = Status::ALL
            .iter()
            .map(|st| (st.key(), u64::from(c.get(*st))))
            .collect();
        entries.push(("late_minutes", c.late_minutes));
        entries.push(("early_minutes", c.early_minutes));
        entries.sort_unstable_by_key(|(k, _)| *k);
        let mut m = s.serialize_map(Some(entries.len()))?;
        for (k, v) in entries {
            m.serialize_entry(k, &v)?;
        }
        m.end()
    }
}

/// The monthly report's member lines as [`summary_json`] writes them (keys in order),
/// written straight to the output instead of building a JSON tree of 30,000 objects.
struct SummariesOut<'a>(&'a [MemberSummary], &'a Roster);

impl Serialize for SummariesOut<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for sm in self.0 {
            #[derive(Serialize)]
            struct Line<'a> {
                account: Option<&'a str>,
                counts: CountsOut<'a>,
                member: u64,
                name: Option<&'a str>,
                org: Option<&'a str>,
            }
            let p = self.1.get(sm.member);
            seq.serialize_element(&Line {
                account: p.map(|p| p.account.as_str()),
                counts: CountsOut(&sm.counts),
                member: sm.member,
                name: p.map(|p| p.name.as_str()),
                org: p.map(|p| p.org.as_str()),
            })?;
        }
        seq.end()
    }
}

/// One clock record as JSON.
pub fn record_json(r: &StoredRecord, dir: &Directory, tz: &TimeZone) -> Value {
    let rec = &r.record;
    let m = dir.member(rec.member);
    json!({
        "id": r.id,
        "member": rec.member,
        "account": m.map(|m| m.account.as_str()),
        "name": m.map(|m| m.name.as_str()),
        "org": m.map(|m| view::org_label(dir, m.org)),
        "at": rec.at,
        "local_time": local_datetime(rec.at, tz),
        "kind": rec.kind.as_str(),
        "ip_seen": rec.ip_seen,
        "ip_reported": rec.ip_reported,
        "mac_reported": rec.mac_reported,
        "client": rec.client_kind,
    })
}

fn hours_json(h: &DayHours) -> Value {
    json!({
        "date": calendar::ymd(h.date),
        "work_start": h.start,
        "work_end": h.end,
        "work_start_local": h.start_local,
        "work_end_local": h.end_local,
    })
}

/// `POST /clock` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockBody {
    /// `in` or `out`.
    pub kind: String,
    /// The address the client reports for itself.
    pub ip: Option<String>,
    /// The MAC address the client reports.
    pub mac: Option<String>,
    /// The kind of client (`windows`, `android`…).
    pub client: Option<String>,
}

/// `POST /clock`: the signed-in member clocks in or out at the server's time (ATT-4).
async fn clock(
    State(ctx): State<Context>,
    caller: Caller,
    body: Result<Json<ClockBody>, JsonRejection>,
) -> ApiResult<Response> {
    let Json(body) = body.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let member = calling_member(&caller)?;
    let kind: Kind = body
        .kind
        .parse()
        .map_err(|_| InputError::Kind(body.kind.chars().take(16).collect()))?;
    let ip_reported = input::reported_ip(body.ip.as_deref())?;
    let mac_reported = input::reported_mac(body.mac.as_deref())?;
    let client_kind = input::client_kind(body.client.as_deref())?;
    let env = Env::load(&ctx, caller.enterprise).await?;
    let Some(first) = env.first_day() else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_started",
            "attendance is not turned on for this enterprise",
        ));
    };
    if env.today < first {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_started",
            format!(
                "attendance counts from {} (the day after it was turned on); clock in from then on",
                calendar::ymd(first)
            ),
        ));
    }
    let record = ClockRecord {
        member: member.id,
        at: env.now,
        kind,
        ip_seen: caller
            .client_ip
            .map(|ip| ip.to_string())
            .unwrap_or_default(),
        ip_reported,
        mac_reported,
        client_kind,
    };
    let day = calendar::day_bounds(env.today, &env.tz);
    let Some(id) = store::add_record(
        ctx.db(),
        caller.enterprise,
        record.clone(),
        day,
        MAX_RECORDS_PER_DAY,
    )
    .await?
    else {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_records",
            format!("at most {MAX_RECORDS_PER_DAY} clock records per day"),
        ));
    };
    let stored = StoredRecord { id, record };
    let mut v = record_json(&stored, &caller.directory, &env.tz);
    if let Value::Object(m) = &mut v {
        m.insert("date".into(), json!(calendar::ymd(env.today)));
        m.insert("time_zone".into(), json!(env.tz_name));
    }
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

/// `GET /schedule`: today's plan and the reminder times of the calling member (ATT-4).
async fn schedule_of(State(ctx): State<Context>, caller: Caller) -> ApiResult<Json<Value>> {
    let member = calling_member(&caller)?;
    let env = Env::load(&ctx, caller.enterprise).await?;
    let Some(counts_from) = env.counts_from(member) else {
        return Ok(Json(json!({"configured": false})));
    };
    let (start, end) = calendar::day_bounds(env.today, &env.tz);
    let today = store::records_between(ctx.db(), caller.enterprise, Some(member.id), start, end)
        .await?
        .iter()
        .map(ClockRecord::punch)
        .collect::<Vec<_>>();
    let Some(s) = schedule(&env.history, env.now, counts_from, &today) else {
        return Ok(Json(json!({"configured": false})));
    };
    Ok(Json(json!({
        "configured": true,
        "now": env.now,
        "today": calendar::ymd(s.today),
        "time_zone": s.time_zone,
        "counts_from": calendar::ymd(counts_from),
        "working_day": s.today_hours.is_some(),
        "today_hours": s.today_hours.as_ref().map(hours_json),
        "remind_at": s.remind_at,
        "exit_remind_at": s.exit_remind_at,
        "next_working_day": s.next_working_day.as_ref().map(hours_json),
        "clocked_in": today.iter().any(|p| p.kind == Kind::In),
    })))
}

/// Query of `GET /me`.
#[derive(Debug, Deserialize)]
struct MonthQuery {
    month: Option<String>,
    member: Option<String>,
    org: Option<String>,
    lang: Option<String>,
}

/// `GET /me?month=YYYY-MM`: the calling member's own days and records of a month.
async fn me(
    State(ctx): State<Context>,
    caller: Caller,
    q: Result<Query<MonthQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    let q = query(q)?;
    let member = calling_member(&caller)?;
    let env = Env::load(&ctx, caller.enterprise).await?;
    let month = input::month("month", &q.month, Month::of(env.today))?;
    let days = query::member_month(&ctx, &env, member, month).await?;
    let records =
        query::member_records(&ctx, &env, member.id, month.first_day(), month.last_day()).await?;
    let roster = view::roster(&caller.directory, &[member]);
    Ok(Json(json!({
        "month": month.to_string(),
        "time_zone": env.tz_name,
        "counts": counts_json(&Counts::of(&days)),
        "days": days.iter().map(|d| day_json(d, &roster, &env)).collect::<Vec<_>>(),
        "records": records.into_iter().map(|r| {
            let s = StoredRecord { id: 0, record: r };
            let mut v = record_json(&s, &caller.directory, &env.tz);
            if let Value::Object(m) = &mut v { m.remove("id"); }
            v
        }).collect::<Vec<_>>(),
    })))
}

/// Query of the period lists.
#[derive(Debug, Deserialize)]
struct PeriodQuery {
    date: Option<String>,
    from: Option<String>,
    to: Option<String>,
    member: Option<String>,
    org: Option<String>,
    status: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

/// `GET /records?from=&to=&member=&org=&page=&per_page=`: clock records of the members in
/// the caller's view scope, newest first.
async fn records(
    State(ctx): State<Context>,
    caller: Caller,
    q: Result<Query<PeriodQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    let q = query(q)?;
    need_view(&caller)?;
    let env = Env::load(&ctx, caller.enterprise).await?;
    let period = input::period(&env, &q.from, &q.to)?;
    let page = input::number("page", &q.page, 1)?;
    let per_page = input::number("per_page", &q.per_page, u64::from(input::PER_PAGE))?;
    let per_page = u32::try_from(per_page)
        .ok()
        .filter(|n| *n <= input::MAX_PER_PAGE)
        .ok_or_else(|| {
            ApiError::bad_request(format!("per_page must be at most {}", input::MAX_PER_PAGE))
        })?;
    let org = input::org(&q.org)?;
    let s = Scoped::new(&caller, VIEW, org, input::given(&q.member));
    let (rows, total) = query::records(&ctx, &env, &s, period, page, per_page).await?;
    Ok(Json(json!({
        "from": calendar::ymd(period.0),
        "to": calendar::ymd(period.1),
        "time_zone": env.tz_name,
        "page": page,
        "per_page": per_page,
        "total": total,
        "records": rows.iter().map(|r| record_json(r, &caller.directory, &env.tz)).collect::<Vec<_>>(),
    })))
}

/// `GET /daily?date=&org=`: one day's counts and abnormal members over the scope.
async fn daily(
    State(ctx): State<Context>,
    caller: Caller,
    q: Result<Query<PeriodQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    let q = query(q)?;
    need_view(&caller)?;
    let env = Env::load(&ctx, caller.enterprise).await?;
    let date = input::date("date", &q.date, env.today)?;
    let s = Scoped::new(&caller, VIEW, input::org(&q.org)?, None);
    let r = query::daily(&ctx, &env, &s, date).await?;
    Ok(Json(json!({
        "date": calendar::ymd(r.date),
        "time_zone": env.tz_name,
        "members": s.members.len(),
        "counts": counts_json(&r.counts),
        "abnormal": r.abnormal.iter().map(|d| day_json(d, &s.roster, &env)).collect::<Vec<_>>(),
    })))
}

/// `GET /days?from=&to=&status=&member=&org=`: the days behind a count (drill-down).
async fn days(
    State(ctx): State<Context>,
    caller: Caller,
    q: Result<Query<PeriodQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    let q = query(q)?;
    need_view(&caller)?;
    let env = Env::load(&ctx, caller.enterprise).await?;
    let (from, to) = input::period(&env, &q.from, &q.to)?;
    let status = input::status(&q.status)?;
    let s = Scoped::new(&caller, VIEW, input::org(&q.org)?, input::given(&q.member));
    let rows = query::drill(&ctx, &env, &s, from, to, status).await?;
    Ok(Json(json!({
        "from": calendar::ymd(from),
        "to": calendar::ymd(to),
        "status": status.map(Status::key),
        "days": rows.iter().map(|d| day_json(d, &s.roster, &env)).collect::<Vec<_>>(),
    })))
}

/// `GET /monthly?month=&member=&org=`: the month over the scope, or one member's month
/// day by day.
async fn monthly(
    State(ctx): State<Context>,
    caller: Caller,
    q: Result<Query<MonthQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    need_view(&caller)?;
    let env = Env::load(&ctx, caller.enterprise).await?;
    let month = input::month("month", &q.month, Month::of(env.today))?;
    let org = input::org(&q.org)?;
    if let Some(account) = input::given(&q.member) {
        let s = Scoped::new(&caller, VIEW, org, Some(account));
        let Some(member) = s.members.first().copied() else {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "member not found",
            ));
        };
        let days = query::member_month(&ctx, &env, member, month).await?;
        return Ok(Json(json!({
            "month": month.to_string(),
            "time_zone": env.tz_name,
            "member": person_json(&s.roster, member.id),
            "counts": counts_json(&Counts::of(&days)),
            "days": days.iter().map(|d| day_json(d, &s.roster, &env)).collect::<Vec<_>>(),
        }))
        .into_response());
    }
    let s = Scoped::new(&caller, VIEW, org, None);
    let (summaries, totals) = query::monthly(&ctx, &env, &s, month).await?;
    // The same object as `json!` would make (keys in order), without the tree.
    #[derive(Serialize)]
    struct Body<'a> {
        members: SummariesOut<'a>,
        month: String,
        time_zone: &'a str,
        totals: Value,
    }
    Ok(Json(Body {
        members: SummariesOut(&summaries, &s.roster),
        month: month.to_string(),
        time_zone: &env.tz_name,
        totals: totals_json(&totals),
    })
    .into_response())
}

/// `GET /overview`: today, yesterday, last month and its ranking of abnormal attendance.
async fn overview(State(ctx): State<Context>, caller: Caller) -> ApiResult<Json<Value>> {
    need_view(&caller)?;
    let env = Env::load(&ctx, caller.enterprise).await?;
    let s = Scoped::new(&caller, VIEW, None, None);
    let o = query::overview(&ctx, &env, &s).await?;
    let yesterday = o.today.yesterday().unwrap_or(o.today);
    Ok(Json(json!({
        "today": calendar::ymd(o.today),
        "time_zone": env.tz_name,
        "today_counts": counts_json(&o.today_counts),
        "yesterday": calendar::ymd(yesterday),
        "yesterday_counts": counts_json(&o.yesterday_counts),
        "last_month": o.last_month.to_string(),
        "last_month_totals": totals_json(&o.last_month_totals),
        "ranking": o.ranking.iter().map(|m| summary_json(m, &s.roster)).collect::<Vec<_>>(),
    })))
}

/// Whether the caller may change the rules: *set attendance rules* over the whole
/// enterprise (the rules apply to everybody, so a holder whose scope is one department
/// may not change them).
pub fn may_set_rules(caller: &Caller) -> bool {
    caller
        .scope(SET_RULES)
        .is_some_and(|s| s.contains_org(&caller.directory, caller.directory.root))
}

/// The rules as JSON: the current ones, from when they apply, and every saved version.
async fn rules_json(ctx: &Context, enterprise: u64) -> ApiResult<Value> {
    let saved = store::saved_rules(ctx.db(), enterprise).await?;
    let current = saved.last();
    Ok(json!({
        "rules": current.map(|s| s.rules.spec()),
        "effective_from": current.map(|s| calendar::ymd(s.version().effective_date())),
        "history": saved.iter().rev().map(|s| json!({
            "changed_at": s.changed_at,
            "changed_by": s.changed_by,
            "effective_from": calendar::ymd(s.version().effective_date()),
            "rules": s.rules.spec(),
        })).collect::<Vec<_>>(),
    }))
}

/// `GET /rules` (view or set_rules).
async fn get_rules(State(ctx): State<Context>, caller: Caller) -> ApiResult<Json<Value>> {
    if !caller.holds(VIEW) && !caller.holds(SET_RULES) {
        return Err(ApiError::forbidden(
            "this needs the \u{201c}View attendance\u{201d} or \u{201c}Set attendance rules\u{201d} permission",
        ));
    }
    Ok(Json(rules_json(&ctx, caller.enterprise).await?))
}

/// Who saved a version, as the rules page shows it.
pub fn actor_label(caller: &Caller) -> String {
    match caller.who {
        Who::Admin => "administrator".to_string(),
        Who::Member(id) => match caller.directory.member(id) {
            Some(m) if m.name.is_empty() => m.account.clone(),
            Some(m) => format!("{} {}", m.account, m.name),
            None => format!("member {id}"),
        },
        Who::Service(id) => format!("service {id}"),
    }
}

/// Saves `rules` as a new version and writes the audit entry; returns the date from which
/// they apply (today in their time zone, ATT-3).
pub async fn save_rules(
    ctx: &Context,
    caller: &Caller,
    rules: &Rules,
) -> Result<jiff::civil::Date, PluginError> {
    let now = ctx.now();
    store::save_rules(ctx.db(), caller.enterprise, now, actor_label(caller), rules).await?;
    let from = calendar::local_date(now, rules.time_zone());
    let spec = rules.spec();
    let detail = format!(
        "{}–{} {} grace {} min, weekdays {}, {} special working, {} holidays; from {}",
        spec.work_start,
        spec.work_end,
        spec.time_zone,
        spec.grace_minutes,
        spec.working_weekdays
            .iter()
            .map(|d| format!("{d:?}").to_ascii_lowercase())
            .collect::<Vec<_>>()
            .join(","),
        spec.special_working_dates.len(),
        spec.special_holiday_dates.len(),
        calendar::ymd(from)
    );
    ctx.audit(caller, "rules", &detail).await?;
    Ok(from)
}

/// `PUT /rules` (set_rules over the whole enterprise): saves a new version, which applies
/// from today (in its time zone) on; closed days keep their results.
async fn put_rules(
    State(ctx): State<Context>,
    caller: Caller,
    body: Result<Json<RulesSpec>, JsonRejection>,
) -> ApiResult<Json<Value>> {
    if !may_set_rules(&caller) {
        return Err(ApiError::forbidden(
            "changing the rules needs the \u{201c}Set attendance rules\u{201d} permission over the whole enterprise",
        ));
    }
    let Json(spec) = body.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let rules = Rules::new(&spec).map_err(|e| ApiError::bad_request(e.to_string()))?;
    save_rules(&ctx, &caller, &rules).await?;
    Ok(Json(rules_json(&ctx, caller.enterprise).await?))
}

/// The export's header language: `lang=en|zh|zh-CN`, else the caller's.
pub fn export_lang(caller: &Caller, lang: &Option<String>) -> Result<crate::export::Lang, String> {
    match input::given(lang).map(str::to_ascii_lowercase).as_deref() {
        None => Ok(match caller.lang {
            orgdir_plugin_api::Lang::Zh => crate::export::Lang::Zh,
            orgdir_plugin_api::Lang::En => crate::export::Lang::En,
        }),
        Some("en") => Ok(crate::export::Lang::En),
        Some("zh" | "zh-cn") => Ok(crate::export::Lang::Zh),
        Some(other) => Err(format!("lang must be en or zh, got {other:?}")),
    }
}

/// The XLSX response of a month's workbook.
pub fn xlsx_response(month: Month, bytes: Vec<u8>) -> Response {
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    );
    if let Ok(v) =
        HeaderValue::from_str(&format!("attachment; filename=\"attendance-{month}.xlsx\""))
    {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

/// `GET /export?month=YYYY-MM&lang=`: the month of the members in the caller's view scope
/// as XLSX (summary, days, records with IP and MAC).
async fn export(
    State(ctx): State<Context>,
    caller: Caller,
    q: Result<Query<MonthQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    need_view(&caller)?;
    let env = Env::load(&ctx, caller.enterprise).await?;
    let month = input::month("month", &q.month, Month::of(env.today))?;
    let lang = export_lang(&caller, &q.lang).map_err(ApiError::bad_request)?;
    let s = Scoped::new(&caller, VIEW, input::org(&q.org)?, input::given(&q.member));
    let bytes = query::export_month(&ctx, &env, &s, month, lang).await?;
    Ok(xlsx_response(month, bytes))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::report::Person;

    /// The monthly report's member lines written straight out are the bytes the JSON tree
    /// gives.
    #[test]
    fn summaries_out_equals_the_json_tree() {
        let mut roster = Roster::new();
        roster.insert(
            7,
            Person {
                account: "10007".into(),
                name: "Zhang \"San\" \u{5f20}".into(),
                org: "Sales/East".into(),
            },
        );
        // Each count its own number, to catch a key written with another's value.
        let c = Counts {
            working: 22,
            normal: 17,
            pending: 1,
            abnormal: 5,
            late: 3,
            early_leave: 2,
            absent: 4,
            missing_in: 6,
            missing_out: 7,
            rest: 9,
            not_counted: 8,
            late_minutes: 123,
            early_minutes: 4_000_000_000_000,
        };
        let lines = [
            MemberSummary {
                member: 7,
                counts: c,
            },
            // A member no longer in the roster.
            MemberSummary {
                member: 9,
                counts: Counts::default(),
            },
        ];
        let tree = Value::Array(lines.iter().map(|m| summary_json(m, &roster)).collect());
        let out = serde_json::to_string(&SummariesOut(&lines, &roster)).unwrap();
        assert_eq!(out, serde_json::to_string(&tree).unwrap());
    }
}
