//! The enterprise's audit log: who changed what, when, from where (newest first), with filters
//! and keyset paging ("older entries").
//!
//! Read from the store exactly as `GET /api/v1/audit` (`crate::roles::audit`) does, with the
//! same access rule: the enterprise administrator and members whose role holds
//! `manage_roles`. Times are shown in UTC.

use std::fmt::Write as _;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use orgdir_domain::role::Permission;
use orgdir_store::{AuditEntry, AuditQuery};
use serde::Deserialize;

use super::html::{esc, message, url_enc};
use super::i18n::Lang;
use super::{Session, date, non_empty, to_sign_in};
use crate::AppState;

/// Entries per page.
const PER_PAGE: u32 = 50;

const SECONDS_PER_DAY: i64 = 86_400;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/panel/audit", get(audit))
}

/// The strings of this page, one table per language.
struct Text {
    title: &'static str,
    forbidden: &'static str,
    when: &'static str,
    who: &'static str,
    action: &'static str,
    what: &'static str,
    source: &'static str,
    filter: &'static str,
    actor_contains: &'static str,
    action_hint: &'static str,
    since: &'static str,
    until: &'static str,
    show: &'static str,
    clear: &'static str,
    older: &'static str,
    newest: &'static str,
    none: &'static str,
    bad_date: &'static str,
}

static EN: Text = Text {
    title: "Audit log",
    forbidden: "The audit log is for the enterprise administrator and for members whose role holds “Manage roles”.",
    when: "When (UTC)",
    who: "Who",
    action: "Action",
    what: "What",
    source: "From where",
    filter: "Filter",
    actor_contains: "Who contains",
    action_hint: "e.g. member.role",
    since: "From (date)",
    until: "To (date, inclusive)",
    show: "Show",
    clear: "Clear filters",
    older: "Older entries →",
    newest: "← Newest entries",
    none: "No entries match.",
    bad_date: "Dates are written YYYY-MM-DD.",
};

static ZH: Text = Text {
    title: "操作日志",
    forbidden: "操作日志仅对企业管理员和拥有“管理角色”权限的成员开放。",
    when: "时间（UTC）",
    who: "操作人",
    action: "操作",
    what: "对象",
    source: "来源",
    filter: "筛选",
    actor_contains: "操作人包含",
    action_hint: "例如 member.role",
    since: "起始日期",
    until: "截止日期（含当天）",
    show: "查询",
    clear: "清除筛选",
    older: "更早的记录 →",
    newest: "← 最新记录",
    none: "没有符合条件的记录。",
    bad_date: "日期格式为 YYYY-MM-DD。",
};

fn text(lang: Lang) -> &'static Text {
    match lang {
        Lang::En => &EN,
        Lang::Zh => &ZH,
    }
}

/// The filter form's fields (all optional; empty means no filter) and the paging key.
#[derive(Deserialize, Default)]
struct Filters {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    since: String,
    #[serde(default)]
    until: String,
    before: Option<u64>,
}

impl Filters {
    /// The store query, or `None` when a date is not `YYYY-MM-DD`. `until` includes its day.
    fn query(&self) -> Option<AuditQuery> {
        let day = |s: &str| non_empty(s).map(|d| day_start(&d).ok_or(())).transpose();
        let since = day(&self.since).ok()?;
        let until = day(&self.until).ok()?;
        Some(AuditQuery {
            actor_contains: non_empty(&self.actor),
            action: non_empty(&self.action),
            since,
            until: until.map(|t| t.saturating_add(SECONDS_PER_DAY)),
            before_id: self.before,
            // One more than shown tells whether older entries exist.
            limit: PER_PAGE + 1,
            ..AuditQuery::default()
        })
    }

    /// The query string of these filters (without the paging key).
    fn to_query_string(&self) -> String {
        [
            ("actor", &self.actor),
            ("action", &self.action),
            ("since", &self.since),
            ("until", &self.until),
        ]
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", url_enc(v.trim())))
        .collect::<Vec<_>>()
        .join("&")
    }
}

async fn audit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(f): Query<Filters>,
) -> Response {
    let Some(s) = Session::of(&state, &headers) else {
        return to_sign_in();
    };
    let t = text(s.lang);
    if !s.holds(Permission::ManageRoles) {
        return s.page(
            StatusCode::FORBIDDEN,
            t.title,
            "/panel/audit",
            &message(false, t.forbidden),
        );
    }
    let Some(query) = f.query() else {
        return audit_page(&s, &f, &[], StatusCode::BAD_REQUEST, Some(t.bad_date));
    };
    let enterprise = s.principal.enterprise;
    let rows = crate::store_call(&state, move |st| st.audit(enterprise, &query)).await;
    match rows {
        Ok(rows) => audit_page(&s, &f, &rows, StatusCode::OK, None),
        Err(e) => {
            let status = e.status;
            audit_page(&s, &f, &[], status, Some(&s.refusal(e)))
        }
    }
}

fn audit_page(
    s: &Session,
    f: &Filters,
    rows: &[AuditEntry],
    status: StatusCode,
    error: Option<&str>,
) -> Response {
    let t = text(s.lang);
    let filters = f.to_query_string();
    let here = match (filters.is_empty(), f.before) {
        (true, None) => "/panel/audit".to_string(),
        (false, None) => format!("/panel/audit?{filters}"),
        (true, Some(b)) => format!("/panel/audit?before={b}"),
        (false, Some(b)) => format!("/panel/audit?{filters}&before={b}"),
    };
    let mut b = String::new();
    if let Some(e) = error {
        b.push_str(&message(false, &format!("{} {e}", s.tr().failed)));
    }
    let _ = write!(
        b,
        "<form method=\"get\" action=\"/panel/audit\" id=\"audit-filter\"><fieldset><legend>{}</legend>\
         <label>{} <input name=\"actor\" id=\"filter-actor\" value=\"{}\"></label>\
         <label>{} <input name=\"action\" id=\"filter-action\" value=\"{}\" placeholder=\"{}\"></label>\
         <label>{} <input type=\"date\" name=\"since\" id=\"filter-since\" value=\"{}\"></label>\
         <label>{} <input type=\"date\" name=\"until\" id=\"filter-until\" value=\"{}\"></label>\
         <button type=\"submit\">{}</button> <a href=\"/panel/audit\">{}</a></fieldset></form>",
        esc(t.filter),
        esc(t.actor_contains),
        esc(&f.actor),
        esc(t.action),
        esc(&f.action),
        esc(t.action_hint),
        esc(t.since),
        esc(&f.since),
        esc(t.until),
        esc(&f.until),
        esc(t.show),
        esc(t.clear)
    );
    let shown = rows.iter().take(PER_PAGE as usize);
    if rows.is_empty() {
        let _ = write!(b, "<p id=\"no-entries\">{}</p>", esc(t.none));
    } else {
        let _ = write!(
            b,
            "<table id=\"audit\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            esc(t.when),
            esc(t.who),
            esc(t.action),
            esc(t.what),
            esc(t.source)
        );
        for r in shown.clone() {
            let what = if r.detail.is_empty() {
                r.target.clone()
            } else {
                format!("{} — {}", r.target, r.detail)
            };
            let _ = write!(
                b,
                "<tr data-id=\"{}\" data-action=\"{}\"><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                r.id,
                esc(&r.action),
                esc(&super::datetime(r.at)),
                esc(&r.actor),
                esc(&r.action),
                esc(&what),
                esc(&r.source)
            );
        }
        b.push_str("</tbody></table>");
    }
    let sep = if filters.is_empty() { "" } else { "&" };
    b.push_str("<nav class=\"pager\">");
    if f.before.is_some() {
        let _ = write!(
            b,
            "<a id=\"newest\" href=\"/panel/audit?{}\">{}</a> ",
            esc(&filters),
            esc(t.newest)
        );
    }
    if rows.len() > PER_PAGE as usize
        && let Some(last) = rows.get(PER_PAGE as usize - 1)
    {
        let _ = write!(
            b,
            "<a id=\"older\" rel=\"next\" href=\"/panel/audit?{}\">{}</a>",
            esc(&format!("{filters}{sep}before={}", last.id)),
            esc(t.older)
        );
    }
    b.push_str("</nav>");
    s.page(status, t.title, &here, &b)
}

/// The timestamp of 00:00:00 UTC on a `YYYY-MM-DD` date (years 1–9999), or `None`.
fn day_start(s: &str) -> Option<i64> {
    let mut parts = s.trim().splitn(3, '-');
    let mut next = || parts.next().and_then(|p| p.parse::<i64>().ok());
    let (y, m, d) = (next()?, next()?, next()?);
    if !(1..=9999).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm, proleptic Gregorian).
    let y_march = if m <= 2 { y - 1 } else { y };
    let era = y_march.div_euclid(400);
    let year_of_era = y_march - era * 400;
    let day_of_year = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let t = (era * 146_097 + day_of_era - 719_468) * SECONDS_PER_DAY;
    // 2023-02-30 and the like do not survive the round trip.
    (date(t) == format!("{y:04}-{m:02}-{d:02}")).then_some(t)
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;

    use super::super::testkit::{Resp, app, send, sign_in};
    use super::{PER_PAGE, day_start};

    async fn get(app: &axum::Router, cookie: &str, path: &str) -> Resp {
        send(app, "GET", path, cookie, &[], None).await
    }

    /// (id, action) of every listed row.
    fn rows(body: &str) -> Vec<(u64, String)> {
        body.split("<tr data-id=\"")
            .skip(1)
            .map(|s| {
                let (id, rest) = s.split_once('"').unwrap();
                let action = rest.split("data-action=\"").nth(1).unwrap();
                (
                    id.parse().unwrap(),
                    action.split('"').next().unwrap().to_string(),
                )
            })
            .collect()
    }

    /// The target of the "older entries" link, unescaped.
    fn older(body: &str) -> Option<String> {
        body.split("id=\"older\" rel=\"next\" href=\"")
            .nth(1)
            .map(|s| s.split('"').next().unwrap().replace("&amp;", "&"))
    }

    #[test]
    fn dates_and_times() {
        assert_eq!(day_start("1970-01-01"), Some(0));
        assert_eq!(day_start("2000-03-01"), Some(951_868_800));
        assert_eq!(day_start("2024-02-29"), Some(1_709_164_800));
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-1",
            "x",
            "",
            "0-01-01",
        ] {
            assert_eq!(day_start(bad), None, "{bad}");
        }
        assert_eq!(
            super::super::datetime(1_709_164_800 + 3_723),
            "2024-02-29 01:02:03"
        );
    }

    #[tokio::test]
    async fn the_log_lists_changes_newest_first_with_filters_and_paging() {
        let app = app().await;
        let (cookie, csrf) = sign_in(&app, "", "Admin-Passw0rd-1").await;
        // Enough role changes for more than one page.
        let roles = get(&app, &cookie, "/api/v1/roles").await.body;
        let roles: serde_json::Value = serde_json::from_str(&roles).unwrap();
        let sys = roles
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["builtin"] == "system-admin")
            .unwrap()["id"]
            .clone();
        for i in 0..PER_PAGE + 5 {
            let form = format!("csrf_token={csrf}&name=Sys+{i}&perm=send_sms");
            let r = send(
                &app,
                "POST",
                &format!("/panel/roles/{sys}"),
                &cookie,
                &[],
                Some(&form),
            )
            .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        }
        let page = get(&app, &cookie, "/panel/audit").await;
        assert_eq!(page.status, StatusCode::OK);
        let first = rows(&page.body);
        assert_eq!(first.len(), PER_PAGE as usize);
        assert!(first.windows(2).all(|w| w[0].0 > w[1].0), "newest first");
        assert_eq!(first[0].1, "role.update");
        // Who, what, from where, when (UTC, to the second).
        let top = page.body.split("<tr data-id=").nth(1).unwrap();
        let cells: Vec<&str> = top
            .split("<td>")
            .skip(1)
            .map(|c| c.split("</td>").next().unwrap())
            .collect();
        assert_eq!(cells[1], "super");
        assert_eq!(cells[2], "<code>role.update</code>");
        assert_eq!(cells[3], format!("Sys {}", PER_PAGE + 3));
        assert!(cells[4].starts_with("panel "), "{}", cells[4]);
        let at = cells[0].as_bytes();
        assert_eq!(at.len(), 19, "{}", cells[0]);
        assert!(at.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b' ',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        }));

        // Older entries continue where the page ended.
        let next = older(&page.body).unwrap();
        assert_eq!(
            next,
            format!("/panel/audit?before={}", first.last().unwrap().0)
        );
        let page2 = get(&app, &cookie, &next).await;
        let second = rows(&page2.body);
        assert!(!second.is_empty());
        assert!(second[0].0 < first.last().unwrap().0);
        assert!(page2.body.contains("id=\"newest\""));
        assert!(second.iter().any(|r| r.1 == "org.create"), "{second:?}");

        // Filters: action, actor (case-insensitive), dates; kept by the "older" link.
        let page = get(&app, &cookie, "/panel/audit?action=role.update&actor=SUP").await;
        let listed = rows(&page.body);
        assert_eq!(listed.len(), PER_PAGE as usize);
        assert!(listed.iter().all(|r| r.1 == "role.update"));
        let next = older(&page.body).unwrap();
        assert!(
            next.starts_with("/panel/audit?actor=SUP&action=role.update&before="),
            "{next}"
        );
        let rest = rows(&get(&app, &cookie, &next).await.body);
        assert_eq!(rest.len(), 5);
        assert!(rest.iter().all(|r| r.1 == "role.update"));
        assert!(page.body.contains("id=\"filter-actor\" value=\"SUP\""));
        for (query, any) in [
            ("actor=nobody", false),
            ("since=2999-01-01", false),
            ("until=2000-01-01", false),
            ("since=2000-01-01&until=2999-12-31", true),
            ("action=member.role", false),
        ] {
            let page = get(&app, &cookie, &format!("/panel/audit?{query}")).await;
            assert_eq!(page.status, StatusCode::OK, "{query}");
            assert_eq!(!rows(&page.body).is_empty(), any, "{query}");
            assert_eq!(page.body.contains("id=\"no-entries\""), !any, "{query}");
        }
        let page = get(&app, &cookie, "/panel/audit?since=2024-02-30").await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST);
        assert!(page.body.contains("YYYY-MM-DD") && page.body.contains("value=\"2024-02-30\""));
    }

    #[tokio::test]
    async fn the_page_renders_in_chinese() {
        let app = app().await;
        let (cookie, _) = sign_in(&app, "", "Admin-Passw0rd-1").await;
        let page = get(&app, &cookie.replace("lang=en", "lang=zh"), "/panel/audit").await;
        assert_eq!(page.status, StatusCode::OK);
        for want in [
            "lang=\"zh-CN\"",
            "操作日志",
            "时间（UTC）",
            "操作人包含",
            "截止日期",
        ] {
            assert!(page.body.contains(want), "{want}");
        }
    }
}
