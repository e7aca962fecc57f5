//! The API through the plugin's router: who gets 403, which rows each caller sees, clock-in
//! and clock-out, the schedule, bad input, the export read back.

use std::io::Cursor;

use calamine::{Reader, Xlsx, open_workbook_from_rs};
use serde_json::json;

use super::*;

/// Monday 3 March: Sam, Fiona, Eve and the hidden member clock in late; the others are
/// absent. The clock is at 20:00 that day.
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

async fn record_accounts(h: &Harness, caller: &Caller, filters: &str) -> Vec<String> {
    let uri = format!("/records?from=2025-03-01&to=2025-03-31{filters}");
    let r = h.call_api(caller, Method::GET, &uri, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    accounts(&r.json()["records"])
}

const VIEW_ROUTES: [&str; 8] = [
    "/daily?date=2025-03-03",
    "/records?from=2025-03-03",
    "/monthly?month=2025-03",
    "/monthly?month=2025-03&member=10012",
    "/overview",
    "/export?month=2025-03",
    "/days?from=2025-03-03&to=2025-03-03&status=late",
    "/rules",
];

#[tokio::test]
async fn permissions_and_scopes_decide_every_list() {
    let h = monday().await;
    let sam = h.member(SAM);
    for route in VIEW_ROUTES {
        let r = h.call_api(&sam, Method::GET, route, None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{route}: {}", r.text());
        assert_eq!(r.json()["code"], "forbidden");
        assert_eq!(
            r.headers["content-type"], "application/problem+json",
            "{route}"
        );
        let r = h.call_api(&h.admin(), Method::GET, route, None).await;
        assert_eq!(r.status, StatusCode::OK, "{route}: {}", r.text());
    }

    let ids = |list: &[u64]| {
        let mut v: Vec<String> = list.iter().map(|i| acct(*i)).collect();
        v.sort();
        v
    };
    // Daily report: the administrator sees everybody, the hidden member too; the system
    // administrator everybody but the hidden member; the info admin only Sales (and East).
    let cases = [
        (
            h.admin(),
            ids(&[SYSADMIN, INFOADMIN, SAM, FIONA, HIDDEN, EVE]),
        ),
        (h.sysadmin(), ids(&[SYSADMIN, INFOADMIN, SAM, FIONA, EVE])),
        (h.infoadmin(), ids(&[INFOADMIN, SAM, EVE])),
    ];
    for (caller, want) in &cases {
        let d = h
            .call_api(caller, Method::GET, "/daily?date=2025-03-03", None)
            .await
            .json();
        assert_eq!(accounts(&d["abnormal"]), *want, "{:?}", caller.who);
        let m = h
            .call_api(caller, Method::GET, "/monthly?month=2025-03", None)
            .await
            .json();
        assert_eq!(accounts(&m["members"]), *want, "{:?}", caller.who);
    }
    let info = h.infoadmin();
    let d = h
        .call_api(&info, Method::GET, "/daily?date=2025-03-03", None)
        .await
        .json();
    assert_eq!(d["counts"]["working"], 3);
    assert_eq!(d["counts"]["late"], 2);
    assert_eq!(d["counts"]["absent"], 1);
    assert_eq!(d["members"], 3);
    let o = h
        .call_api(&info, Method::GET, "/overview", None)
        .await
        .json();
    assert_eq!(o["today_counts"], d["counts"]);

    // Records: only the scope's, whatever the filters ask for.
    assert_eq!(
        record_accounts(&h, &h.admin(), "").await,
        ids(&[SAM, FIONA, HIDDEN, EVE])
    );
    assert_eq!(
        record_accounts(&h, &h.sysadmin(), "").await,
        ids(&[SAM, FIONA, EVE])
    );
    assert_eq!(record_accounts(&h, &info, "").await, ids(&[SAM, EVE]));
    assert_eq!(
        record_accounts(&h, &info, "&org=3").await,
        Vec::<String>::new()
    );
    assert_eq!(
        record_accounts(&h, &info, "&member=10013").await,
        Vec::<String>::new()
    );
    assert_eq!(record_accounts(&h, &info, "&org=4").await, ids(&[EVE]));
    assert_eq!(
        record_accounts(&h, &info, "&member=10012").await,
        ids(&[SAM])
    );
    let late = h
        .call_api(
            &info,
            Method::GET,
            "/days?from=2025-03-03&to=2025-03-03&status=late",
            None,
        )
        .await
        .json();
    assert_eq!(accounts(&late["days"]), ids(&[SAM, EVE]));
    // Finance's member is as unknown to the info admin as a member that does not exist.
    let r = h
        .call_api(
            &info,
            Method::GET,
            "/monthly?month=2025-03&member=10013",
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Paging.
    let p = h
        .call_api(
            &h.admin(),
            Method::GET,
            "/records?from=2025-03-03&per_page=3&page=2",
            None,
        )
        .await
        .json();
    assert_eq!(p["total"], 4);
    assert_eq!(p["records"].as_array().unwrap().len(), 1);
    assert_eq!(p["records"][0]["account"], acct(SAM), "oldest last");

    // Holders of view read the rules (they do not change them).
    let r = h.call_api(&info, Method::GET, "/rules", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["rules"]["work_start"], "09:00");
}

#[tokio::test]
async fn rules_need_set_rules_over_the_whole_enterprise() {
    let h = monday().await;
    let body = json!({
        "time_zone": TZ, "work_start": "08:30", "work_end": "17:30",
        "working_weekdays": ["mon", "tue", "wed", "thu", "fri", "sat"],
        "special_holiday_dates": ["2025-04-04"], "grace_minutes": 10,
    });
    let sales_rules = h.caller(
        Who::Member(INFOADMIN),
        &[(SET_RULES, Scope::Orgs(vec![SALES]))],
        Lang::En,
    );
    for c in [h.infoadmin(), h.member(SAM), sales_rules] {
        let r = h
            .call_api(&c, Method::PUT, "/rules", Some(body.clone()))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{:?}", c.who);
    }
    let audits_before = h.host.audits.lock().unwrap().len();
    let r = h
        .call_api(&h.sysadmin(), Method::PUT, "/rules", Some(body.clone()))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    assert_eq!(v["rules"]["grace_minutes"], 10);
    assert_eq!(v["effective_from"], "2025-03-03");
    assert_eq!(v["history"].as_array().unwrap().len(), 2);
    assert_eq!(v["history"][0]["changed_by"], "10010 Sys Admin");
    {
        let audits = h.host.audits.lock().unwrap();
        assert_eq!(audits.len(), audits_before + 1);
        let a = audits.last().unwrap();
        assert_eq!(a.action, "attendance.rules");
        assert_eq!(a.who, Who::Member(SYSADMIN));
        assert!(a.detail.contains("08:30"), "{}", a.detail);
    }

    // Refusals name the problem.
    let bad = [
        (
            json!({"time_zone": "Mars/Olympus", "work_start": "09:00", "work_end": "18:00", "working_weekdays": ["mon"]}),
            "time zone",
        ),
        (
            json!({"time_zone": TZ, "work_start": "18:00", "work_end": "09:00", "working_weekdays": ["mon"]}),
            "before work end",
        ),
        (
            json!({"time_zone": TZ, "work_start": "9", "work_end": "18:00", "working_weekdays": ["mon"]}),
            "work_start",
        ),
        (
            json!({"time_zone": TZ, "work_start": "09:00", "work_end": "18:00", "working_weekdays": []}),
            "working",
        ),
        (
            json!({"time_zone": TZ, "work_start": "09:00", "work_end": "18:00", "working_weekdays": ["mon"], "grace_minutes": 500}),
            "grace",
        ),
        (
            json!({"time_zone": TZ, "work_start": "09:00", "work_end": "18:00", "working_weekdays": ["mon"], "special_holiday_dates": ["2025-02-30"]}),
            "2025-02-30",
        ),
        (
            json!({"time_zone": TZ, "work_start": "09:00", "work_end": "18:00", "working_weekdays": ["mon"], "overtime": true}),
            "overtime",
        ),
    ];
    for (b, needle) in bad {
        let r = h.call_api(&h.admin(), Method::PUT, "/rules", Some(b)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{needle}");
        let detail = r.json()["detail"].as_str().unwrap().to_string();
        assert!(detail.contains(needle), "{needle}: {detail}");
    }
    let rules = h
        .call_api(&h.admin(), Method::GET, "/rules", None)
        .await
        .json();
    assert_eq!(
        rules["history"].as_array().unwrap().len(),
        2,
        "refusals saved nothing"
    );
}

#[tokio::test]
async fn members_clock_in_and_out_and_read_their_schedule() {
    let h = Harness::new("2025-03-02 10:00", "2025-03-02 11:00");
    h.standard_rules().await;
    h.set_now("2025-03-03 08:00");
    let sam = h.member(SAM);
    let s = h.call_api(&sam, Method::GET, "/schedule", None).await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.text());
    let s = s.json();
    assert_eq!(s["configured"], true);
    assert_eq!(s["today"], "2025-03-03");
    assert_eq!(s["working_day"], true);
    assert_eq!(s["today_hours"]["work_start_local"], "09:00");
    assert_eq!(s["remind_at"], at("2025-03-03 08:50"));
    assert_eq!(s["exit_remind_at"], at("2025-03-03 18:00"));
    assert_eq!(s["clocked_in"], false);

    let r = h
        .call_api(
            &sam,
            Method::POST,
            "/clock",
            Some(json!({"kind": "in", "ip": "192.168.1.20", "mac": "00-1a-2b-3c-4d-5e", "client": "Windows"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let v = r.json();
    assert_eq!(v["kind"], "in");
    assert_eq!(v["at"], at("2025-03-03 08:00"));
    assert_eq!(v["local_time"], "2025-03-03 08:00:00");
    assert_eq!(v["ip_seen"], "203.0.113.7");
    assert_eq!(v["ip_reported"], "192.168.1.20");
    assert_eq!(v["mac_reported"], "00:1A:2B:3C:4D:5E");
    assert_eq!(v["client"], "windows");
    assert_eq!(v["account"], acct(SAM));

    let s = h
        .call_api(&sam, Method::GET, "/schedule", None)
        .await
        .json();
    assert_eq!(
        s["remind_at"],
        Value::Null,
        "clocked in: no clock-in reminder"
    );
    assert_eq!(s["clocked_in"], true);

    // Bad input is refused with the reason; nothing is stored.
    let bad = [
        (json!({"kind": "in", "mac": "00:1a:2b"}), "mac"),
        (json!({"kind": "in", "ip": "999.1.1.1"}), "ip"),
        (json!({"kind": "lunch"}), "kind"),
        (json!({"kind": "in", "at": 0}), "at"),
        (json!({"kind": "in", "client": "win dows"}), "client"),
        (json!({}), "kind"),
    ];
    for (b, needle) in bad {
        let r = h.call_api(&sam, Method::POST, "/clock", Some(b)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{needle}: {}", r.text());
        assert!(
            r.json()["detail"].as_str().unwrap().contains(needle),
            "{needle}: {}",
            r.text()
        );
    }
    // Only members clock in.
    for c in [h.admin(), h.caller(Who::Service(3), &[], Lang::En)] {
        let r = h
            .call_api(&c, Method::POST, "/clock", Some(json!({"kind": "in"})))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = h.call_api(&c, Method::GET, "/schedule", None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }

    h.clock_at(SAM, "out", "2025-03-03 18:05").await;
    h.set_now("2025-03-04 08:00");
    let me = h
        .call_api(&sam, Method::GET, "/me?month=2025-03", None)
        .await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text());
    let me = me.json();
    assert_eq!(me["records"].as_array().unwrap().len(), 2);
    assert_eq!(me["records"][0]["mac_reported"], "00:1A:2B:3C:4D:5E");
    let day = me["days"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["date"] == "2025-03-03")
        .unwrap()
        .clone();
    assert_eq!(day["normal"], true);
    assert_eq!(day["first_in_local"], "08:00:00");
    assert_eq!(day["last_out_local"], "18:05:00");
    assert_eq!(me["counts"]["normal"], 1);
    assert_eq!(
        me["counts"]["pending"], 1,
        "Tuesday morning is still pending"
    );
    let r = h
        .call_api(&sam, Method::GET, "/me?month=2025-13", None)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.json()["detail"].as_str().unwrap().contains("month"));

    // Saturday: no work; the next working day is Monday.
    h.set_now("2025-03-08 10:00");
    let s = h
        .call_api(&sam, Method::GET, "/schedule", None)
        .await
        .json();
    assert_eq!(s["working_day"], false);
    assert_eq!(s["remind_at"], Value::Null);
    assert_eq!(s["next_working_day"]["date"], "2025-03-10");

    // The daily cap.
    h.set_now("2025-03-10 08:00");
    for _ in 0..crate::api::MAX_RECORDS_PER_DAY {
        h.clock(SAM, "in").await;
    }
    let r = h
        .call_api(&sam, Method::POST, "/clock", Some(json!({"kind": "in"})))
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn the_export_holds_only_the_scope_and_reads_back() {
    let h = monday().await;
    let r = h
        .call_api(
            &h.infoadmin(),
            Method::GET,
            "/export?month=2025-03&lang=en",
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        r.headers["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(
        r.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attendance-2025-03.xlsx")
    );
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(r.body.clone())).unwrap();
    assert_eq!(wb.sheet_names(), ["Summary", "Days", "Records"]);
    let sheet = |wb: &mut Xlsx<_>, name: &str| -> Vec<Vec<String>> {
        wb.worksheet_range(name)
            .unwrap()
            .rows()
            .map(|row| row.iter().map(|c| c.to_string()).collect())
            .collect()
    };
    let records = sheet(&mut wb, "Records");
    let accounts: Vec<&str> = records.iter().skip(1).map(|r| r[1].as_str()).collect();
    // By name: Eve East, then Sam Sales; Finance and the hidden member are out.
    assert_eq!(accounts, [acct(EVE), acct(SAM)]);
    // Times are Excel date-times (serial days, local time): 2025-03-03 09:30 in Shanghai.
    let serial: f64 = records[1][0].parse().unwrap();
    let local = (at("2025-03-03 09:30") + 8 * 3600) as f64 / 86_400.0 + 25_569.0;
    assert!((serial - local).abs() < 1e-6, "{serial} vs {local}");
    assert_eq!(records[1][5], "203.0.113.7");
    let summary = sheet(&mut wb, "Summary");
    let mut people: Vec<&str> = summary.iter().skip(1).map(|r| r[0].as_str()).collect();
    people.sort();
    assert_eq!(people, [acct(INFOADMIN), acct(SAM), acct(EVE)]);

    let r = h
        .call_api(
            &h.admin(),
            Method::GET,
            "/export?month=2025-03&lang=zh",
            None,
        )
        .await;
    let wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(r.body)).unwrap();
    assert_eq!(wb.sheet_names(), ["月度汇总", "每日明细", "打卡记录"]);
    let r = h
        .call_api(
            &h.admin(),
            Method::GET,
            "/export?month=2025-03&lang=fr",
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = h
        .call_api(&h.admin(), Method::GET, "/export?month=March", None)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}
