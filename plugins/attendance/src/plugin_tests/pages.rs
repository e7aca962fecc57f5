//! The panel pages through the plugin's router: drill-down links that lead to the rows
//! they count, who sees which page, the rules form (CSRF field, refusals in both
//! languages, saving), escaping.

use super::*;

/// Monday 3 March, as in the API tests: four late, two absent (for the administrator).
async fn monday() -> Harness {
    let h = Harness::new("2025-03-02 10:00", "2025-03-02 11:00");
    h.standard_rules().await;
    h.clock_at(SAM, "in", "2025-03-03 09:10").await;
    h.clock_at(FIONA, "in", "2025-03-03 09:20").await;
    h.clock_at(EVE, "in", "2025-03-03 09:30").await;
    h.clock_at(HIDDEN, "in", "2025-03-03 09:40").await;
    h.set_now("2025-03-03 20:00");
    h
}

/// The part of `html` from the element with `id` to the end of its table.
fn table<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let rest = &html[start..];
    let end = rest.find("</table>").unwrap_or(rest.len());
    &rest[..end]
}

/// The link and number of `status` in the counts table `id`.
fn count_link(html: &str, id: &str, status: &str) -> (String, u32) {
    let t = table(html, id);
    let marker = format!("data-status=\"{status}\">");
    let at = t
        .find(&marker)
        .unwrap_or_else(|| panic!("no {status} in {t}"));
    let href_at = t[..at].rfind("href=\"").unwrap() + 6;
    let href = t[href_at..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let n = t[at + marker.len()..]
        .split('<')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    (href, n)
}

fn rows(html: &str, id: &str) -> usize {
    table(html, id).matches("<tr data-member=").count()
}

/// The path of a page link, relative to the plugin's mount point.
fn local(href: &str) -> &str {
    href.strip_prefix("/panel/p/attendance").unwrap()
}

#[tokio::test]
async fn every_number_leads_to_the_rows_it_counts() {
    let h = monday().await;
    let admin = h.admin();
    let o = h.get_panel(&admin, "/").await;
    assert_eq!(o.status, StatusCode::OK, "{}", o.text());
    let o = o.text();
    for (status, want) in [("late", 4), ("absent", 2), ("abnormal", 6), ("working", 6)] {
        let (href, n) = count_link(&o, "counts-today", status);
        assert_eq!(n, want, "{status}");
        let page = h.get_panel(&admin, local(&href)).await;
        assert_eq!(page.status, StatusCode::OK, "{href}");
        assert_eq!(rows(&page.text(), "days"), n as usize, "{href}");
    }

    let d = h.get_panel(&admin, "/daily?date=2025-03-03").await.text();
    assert_eq!(rows(&d, "abnormal"), 6);
    let (href, n) = count_link(&d, "daily-counts", "late");
    assert_eq!(n, 4);
    assert_eq!(
        rows(&h.get_panel(&admin, local(&href)).await.text(), "days"),
        4
    );
    assert!(d.contains("Dates and times in Asia/Shanghai"));

    // The info admin's numbers and rows stop at Sales.
    let info = h.infoadmin();
    let d = h.get_panel(&info, "/daily?date=2025-03-03").await.text();
    assert_eq!(rows(&d, "abnormal"), 3);
    assert!(
        !d.contains("Fiona"),
        "Finance leaked into the info admin's report"
    );
    let (href, n) = count_link(&d, "daily-counts", "late");
    assert_eq!(n, 2);
    let drill = h.get_panel(&info, local(&href)).await.text();
    assert_eq!(rows(&drill, "days"), 2);

    // Monthly: a member's line leads to that member's month.
    let m = h.get_panel(&admin, "/monthly?month=2025-03").await.text();
    assert_eq!(rows(&m, "monthly"), 6);
    let one = h
        .get_panel(&admin, "/monthly?month=2025-03&member=10012")
        .await
        .text();
    assert!(one.contains("id=\"member-month\""));
    assert_eq!(rows(&one, "member-days"), 31);
    assert!(one.contains("09:10:00"));
}

#[tokio::test]
async fn members_see_their_own_page_only() {
    let h = monday().await;
    let sam = h.member(SAM);
    let r = h.get_panel(&sam, "/").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers["location"], "/panel/p/attendance/me");
    for page in [
        "/daily",
        "/monthly",
        "/records",
        "/days?status=late",
        "/export?month=2025-03",
        "/rules",
    ] {
        let r = h.get_panel(&sam, page).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{page}");
    }
    let me = h.get_panel(&sam, "/me?month=2025-03").await;
    assert_eq!(me.status, StatusCode::OK);
    let me = me.text();
    assert_eq!(rows(&me, "my-days"), 31);
    assert_eq!(rows(&me, "my-records"), 1);
    assert!(!me.contains("Fiona"));
    let r = h.get_panel(&h.admin(), "/me").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = h.get_panel(&h.admin(), "/daily?date=2025-3-3").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("YYYY-MM-DD"));
}

#[tokio::test]
async fn the_rules_form_checks_and_saves() {
    let h = monday().await;
    let admin = h.admin();
    let page = h.get_panel(&admin, "/rules").await.text();
    assert!(page.contains(r#"name="csrf_token" value="csrf-token-123""#));
    assert!(page.contains(r#"id="wd_mon" checked"#));
    assert!(!page.contains(r#"id="wd_sat" checked"#));
    assert_eq!(rows_in(&page, "rules-history"), 1);

    let form = "csrf_token=csrf-token-123&time_zone=Mars%2FOlympus&work_start=09%3A00&work_end=18%3A00&wd_mon=on";
    let r = h.post_panel(&admin, "/rules", form).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("unknown time zone"), "{}", r.text());
    assert!(
        r.text().contains("Mars/Olympus"),
        "the form keeps what was typed"
    );
    let zh = h.caller(Who::Admin, &[(SET_RULES, Scope::All)], Lang::Zh);
    let r = h.post_panel(&zh, "/rules", form).await;
    assert!(r.text().contains("未知的时区"), "{}", r.text());

    let form = "csrf_token=csrf-token-123&time_zone=Asia%2FShanghai&work_start=08%3A30&work_end=17%3A30\
                &wd_mon=on&wd_tue=on&wd_wed=on&wd_thu=on&wd_fri=on&wd_sat=on\
                &special_working=&holidays=2025-04-04%0D%0A2025-05-01%2C+2025-05-02&grace=5";
    let r = h.post_panel(&admin, "/rules", form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(
        r.headers["location"],
        "/panel/p/attendance/rules?saved=2025-03-03"
    );
    let page = h.get_panel(&admin, "/rules?saved=2025-03-03").await.text();
    assert!(page.contains("The new rules apply from 2025-03-03"));
    assert!(page.contains(r#"id="wd_sat" checked"#));
    assert!(page.contains("2025-05-02"));
    assert_eq!(rows_in(&page, "rules-history"), 2);
    let saved = crate::store::saved_rules(h.ctx.db(), ENTERPRISE)
        .await
        .unwrap();
    let spec = saved.last().unwrap().rules.spec();
    assert_eq!(spec.grace_minutes, 5);
    assert_eq!(
        spec.special_holiday_dates,
        ["2025-04-04", "2025-05-01", "2025-05-02"]
    );
    assert_eq!(
        h.host.audits.lock().unwrap().last().unwrap().action,
        "attendance.rules"
    );

    // Holders of view only read.
    let info = h.infoadmin();
    let page = h.get_panel(&info, "/rules").await;
    assert_eq!(page.status, StatusCode::OK);
    let page = page.text();
    assert!(!page.contains("id=\"save-rules\""));
    assert!(page.contains(" disabled"));
    let r = h.post_panel(&info, "/rules", form).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        crate::store::saved_rules(h.ctx.db(), ENTERPRISE)
            .await
            .unwrap()
            .len(),
        2
    );
}

fn rows_in(html: &str, id: &str) -> usize {
    table(html, id).matches("<tr><td>").count()
}

#[tokio::test]
async fn pages_escape_names_and_speak_chinese() {
    let h = monday().await;
    let mut d = directory();
    d.members.get_mut(&SAM).unwrap().name = "<script>alert(1)</script>".into();
    d.orgs.get_mut(&SALES).unwrap().path = "\"><b>Sales".into();
    h.set_directory(Directory::new(
        d.enterprise,
        d.name.clone(),
        2,
        d.root,
        d.orgs.values().cloned(),
        d.members.values().cloned(),
    ));
    let admin = h.admin();
    for page in [
        "/daily?date=2025-03-03",
        "/monthly?month=2025-03",
        "/records?from=2025-03-03",
        "/days?from=2025-03-03&status=late",
        "/",
    ] {
        let html = h.get_panel(&admin, page).await.text();
        assert!(!html.contains("<script>"), "{page}");
        assert!(!html.contains("<b>"), "{page}");
        assert!(html.contains("&lt;script&gt;") || page == "/", "{page}");
    }
    let zh = h.caller(Who::Admin, &[(VIEW, Scope::All)], Lang::Zh);
    let html = h.get_panel(&zh, "/daily?date=2025-03-03").await.text();
    assert!(html.contains("考勤异常人员"));
    assert!(html.contains("迟到"));
}
