//! The `close_days` job: closing finished days, once; catching up after a restart; rules
//! changed later leaving closed days alone (ATT-3); counting from the day after enabling
//! (ATT-2).

use super::*;
use crate::classify::{DayResult, Status};
use crate::store;

async fn stored(h: &Harness, member: u64, day: &str) -> Option<DayResult> {
    store::closed_days(h.ctx.db(), ENTERPRISE, Some(member), date(day), date(day))
        .await
        .unwrap()
        .first()
        .map(|r| r.result)
}

async fn through(h: &Harness) -> Option<jiff::civil::Date> {
    store::closed_through(h.ctx.db(), ENTERPRISE).await.unwrap()
}

fn findings(r: &DayResult) -> Vec<&'static str> {
    r.findings().map(Status::key).collect()
}

#[tokio::test]
async fn closes_finished_days_once_and_catches_up_after_a_restart() {
    // Turned on on Sunday 2 March: counting starts on Monday 3 March.
    let h = Harness::new("2025-03-02 10:00", "2025-03-02 11:00");
    h.standard_rules().await;
    h.clock_at(SAM, "in", "2025-03-03 09:05").await;
    h.clock_at(SAM, "out", "2025-03-03 18:00").await;
    h.clock_at(FIONA, "in", "2025-03-03 08:50").await;

    h.set_now("2025-03-03 23:59");
    assert_eq!(h.close().await, 0, "Monday is not over yet");
    assert_eq!(through(&h).await, None);

    h.set_now("2025-03-04 00:10");
    assert_eq!(h.close().await, 1);
    assert_eq!(through(&h).await, Some(date("2025-03-03")));
    let sam = stored(&h, SAM, "2025-03-03").await.unwrap();
    assert_eq!(findings(&sam), ["late"]);
    assert_eq!(sam.work().unwrap().late_minutes, Some(5));
    assert!(sam.work().unwrap().is_final());
    let fiona = stored(&h, FIONA, "2025-03-03").await.unwrap();
    assert_eq!(findings(&fiona), ["missing_out"]);
    for absent in [EVE, INFOADMIN, SYSADMIN, HIDDEN] {
        let r = stored(&h, absent, "2025-03-03").await.unwrap();
        assert_eq!(findings(&r), ["absent"], "member {absent}");
    }
    assert_eq!(
        stored(&h, DISABLED, "2025-03-03").await,
        None,
        "disabled: not counted"
    );

    // A second run closes nothing and changes nothing.
    assert_eq!(h.close().await, 0);
    assert_eq!(stored(&h, SAM, "2025-03-03").await, Some(sam));

    // The server was down from Tuesday to Saturday noon: the first run after the restart
    // closes Tuesday to Friday; Saturday is still under way.
    let h = h.restart();
    h.set_now("2025-03-08 12:00");
    assert_eq!(h.close().await, 4);
    assert_eq!(through(&h).await, Some(date("2025-03-07")));
    for day in ["2025-03-04", "2025-03-05", "2025-03-06", "2025-03-07"] {
        let r = stored(&h, SAM, day).await.unwrap();
        assert_eq!(findings(&r), ["absent"], "{day}");
    }
    assert_eq!(stored(&h, SAM, "2025-03-08").await, None);
    // Sunday night: Saturday (a rest day) is closed as a rest day.
    h.set_now("2025-03-09 00:00");
    assert_eq!(h.close().await, 1);
    assert!(matches!(
        stored(&h, SAM, "2025-03-08").await,
        Some(DayResult::Rest(_))
    ));
    // Through the plugin's entry point, as the host's scheduler calls it.
    h.set_now("2025-03-10 00:00");
    Attendance
        .run_job(h.ctx.clone(), crate::plugin::CLOSE_DAYS)
        .await
        .unwrap();
    assert_eq!(through(&h).await, Some(date("2025-03-09")));
    assert!(Attendance.run_job(h.ctx.clone(), "nope").await.is_err());
}

#[tokio::test]
async fn changing_rules_later_never_rewrites_a_closed_day() {
    let h = Harness::new("2025-03-02 10:00", "2025-03-02 11:00");
    h.standard_rules().await;
    h.clock_at(SAM, "in", "2025-03-03 09:05").await;
    h.clock_at(SAM, "out", "2025-03-03 18:00").await;
    h.set_now("2025-03-04 00:10");
    assert_eq!(h.close().await, 1);

    // Tuesday 08:00: work now starts at 10:00, from today on.
    h.set_now("2025-03-04 08:00");
    let r = h
        .call_api(
            &h.admin(),
            Method::PUT,
            "/rules",
            Some(serde_json::json!({
                "time_zone": TZ, "work_start": "10:00", "work_end": "18:00",
                "working_weekdays": ["mon", "tue", "wed", "thu", "fri"],
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["effective_from"], "2025-03-04");
    h.clock_at(SAM, "in", "2025-03-04 09:30").await;
    h.clock_at(SAM, "out", "2025-03-04 18:00").await;

    // The closed Monday is read from storage: even with its records gone it stays late.
    h.ctx
        .db()
        .write(|c| {
            c.execute(
                "DELETE FROM attendance_records WHERE at < ?1",
                [at("2025-03-04 00:00")],
            )?;
            Ok(())
        })
        .await
        .unwrap();
    let month = h
        .call_api(
            &h.admin(),
            Method::GET,
            "/monthly?month=2025-03&member=10012",
            None,
        )
        .await;
    assert_eq!(month.status, StatusCode::OK, "{}", month.text());
    let days = month.json()["days"].as_array().unwrap().clone();
    let day = |d: &str| days.iter().find(|x| x["date"] == d).unwrap().clone();
    assert_eq!(day("2025-03-03")["findings"], serde_json::json!(["late"]));
    assert_eq!(day("2025-03-03")["late_minutes"], 5);
    assert_eq!(day("2025-03-03")["first_in_local"], "09:05:00");
    // Tuesday, judged now under the new rules: 09:30 is before 10:00.
    assert_eq!(day("2025-03-04")["findings"], serde_json::json!([]));
    assert_eq!(day("2025-03-04")["normal"], true);

    // Closing Tuesday uses the rules in force on Tuesday; Monday is not touched.
    h.set_now("2025-03-05 00:10");
    assert_eq!(h.close().await, 1);
    let tue = stored(&h, SAM, "2025-03-04").await.unwrap();
    assert!(tue.has(Status::Normal), "{tue:?}");
    assert_eq!(tue.work().unwrap().start, at("2025-03-04 10:00"));
    let mon = stored(&h, SAM, "2025-03-03").await.unwrap();
    assert_eq!(mon.work().unwrap().late_minutes, Some(5));
}

#[tokio::test]
async fn enabling_counts_from_the_next_day() {
    // Turned on on Monday 3 March at 08:00: Monday is not counted, Tuesday is.
    let h = Harness::new("2025-03-03 08:00", "2025-03-03 08:00");
    h.standard_rules().await;
    h.set_now("2025-03-03 09:00");
    let r = h
        .call_api(
            &h.member(SAM),
            Method::POST,
            "/clock",
            Some(serde_json::json!({"kind": "in"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["code"], "not_started");
    assert!(
        r.json()["detail"].as_str().unwrap().contains("2025-03-04"),
        "{}",
        r.text()
    );
    let daily = h
        .call_api(&h.admin(), Method::GET, "/daily?date=2025-03-03", None)
        .await
        .json();
    assert_eq!(daily["counts"]["working"], 0);
    assert_eq!(daily["counts"]["not_counted"], 7);
    assert_eq!(daily["abnormal"], serde_json::json!([]));

    // Eve joins on Tuesday at noon: she counts from Wednesday.
    let mut d = directory();
    d.members.get_mut(&EVE).unwrap().created_at = at("2025-03-04 12:00");
    let d = Directory::new(
        d.enterprise,
        d.name.clone(),
        2,
        d.root,
        d.orgs.values().cloned(),
        d.members.values().cloned(),
    );
    h.set_directory(d);
    h.clock_at(SAM, "in", "2025-03-04 08:59").await;
    h.clock_at(SAM, "out", "2025-03-04 18:01").await;

    h.set_now("2025-03-06 00:10");
    assert_eq!(h.close().await, 2);
    assert_eq!(through(&h).await, Some(date("2025-03-05")));
    assert_eq!(
        stored(&h, SAM, "2025-03-03").await,
        None,
        "Monday not counted"
    );
    assert!(
        stored(&h, SAM, "2025-03-04")
            .await
            .unwrap()
            .has(Status::Normal)
    );
    assert_eq!(
        stored(&h, EVE, "2025-03-04").await,
        None,
        "Eve joined on Tuesday"
    );
    assert!(
        stored(&h, EVE, "2025-03-05")
            .await
            .unwrap()
            .has(Status::Absent)
    );

    // Turned off: nothing more is closed.
    h.set_enabled(Vec::new());
    h.set_now("2025-03-08 00:10");
    assert_eq!(h.close().await, 0);
    assert_eq!(through(&h).await, Some(date("2025-03-05")));
}
