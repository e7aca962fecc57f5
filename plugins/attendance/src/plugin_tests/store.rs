//! The plugin's tables: what goes in comes back out.

use super::*;
use crate::classify::{DayResult, Progress, RestDay, WorkDay};
use crate::record::{ClockRecord, Kind};
use crate::rules::{Rules, RulesSpec};
use crate::store::{self, Members, RecordQuery};

fn rules(start: &str) -> Rules {
    let spec: RulesSpec = serde_json::from_value(serde_json::json!({
        "time_zone": TZ, "work_start": start, "work_end": "18:00",
        "working_weekdays": ["mon", "tue", "wed", "thu", "fri"],
        "special_holiday_dates": ["2025-04-04"], "grace_minutes": 5,
    }))
    .unwrap();
    Rules::new(&spec).unwrap()
}

fn record(member: u64, when: &str, kind: Kind) -> ClockRecord {
    ClockRecord {
        member,
        at: at(when),
        kind,
        ip_seen: "203.0.113.7".into(),
        ip_reported: "192.168.1.20".into(),
        mac_reported: "00:1A:2B:3C:4D:5E".into(),
        client_kind: "windows".into(),
    }
}

#[tokio::test]
async fn rules_versions_round_trip() {
    let h = Harness::new("2025-03-01 10:00", "2025-03-03 08:00");
    let db = h.ctx.db();
    assert!(store::saved_rules(db, ENTERPRISE).await.unwrap().is_empty());
    store::save_rules(
        db,
        ENTERPRISE,
        at("2025-03-01 12:00"),
        "admin".into(),
        &rules("09:00"),
    )
    .await
    .unwrap();
    store::save_rules(
        db,
        ENTERPRISE,
        at("2025-03-05 12:00"),
        "10010 Sys".into(),
        &rules("10:00"),
    )
    .await
    .unwrap();
    // Another enterprise's rules stay apart.
    store::save_rules(db, 2, at("2025-03-02 12:00"), "x".into(), &rules("08:00"))
        .await
        .unwrap();
    let saved = store::saved_rules(db, ENTERPRISE).await.unwrap();
    assert_eq!(saved.len(), 2);
    assert_eq!(saved[0].changed_by, "admin");
    assert_eq!(saved[0].rules, rules("09:00"));
    assert_eq!(saved[1].changed_by, "10010 Sys");
    let history = store::history(db, ENTERPRISE).await.unwrap();
    let start = |d| {
        history
            .in_force(date(d))
            .map(|r| calendar::hh_mm(r.work_start()))
    };
    assert_eq!(start("2025-02-28"), None);
    assert_eq!(start("2025-03-04"), Some("09:00".into()));
    assert_eq!(start("2025-03-05"), Some("10:00".into()));
}

#[tokio::test]
async fn records_round_trip_page_and_cap() {
    let h = Harness::new("2025-03-01 10:00", "2025-03-03 08:00");
    let db = h.ctx.db();
    let day = calendar::day_bounds(date("2025-03-03"), &calendar::time_zone(TZ).unwrap());
    let mut ids = Vec::new();
    for (m, t, k) in [
        (SAM, "2025-03-03 08:55", Kind::In),
        (FIONA, "2025-03-03 09:10", Kind::In),
        (SAM, "2025-03-03 18:02", Kind::Out),
        (EVE, "2025-03-04 09:00", Kind::In),
    ] {
        let id = store::add_record(db, ENTERPRISE, record(m, t, k), day, 50)
            .await
            .unwrap();
        ids.push(id.unwrap());
    }
    let all = store::records_between(db, ENTERPRISE, None, day.0, day.1)
        .await
        .unwrap();
    assert_eq!(all.len(), 3, "the next day's record is outside");
    assert_eq!(all[0], record(SAM, "2025-03-03 08:55", Kind::In));
    let sam = store::records_between(db, ENTERPRISE, Some(SAM), day.0, day.1)
        .await
        .unwrap();
    assert_eq!(
        sam.iter().map(|r| r.kind).collect::<Vec<_>>(),
        [Kind::In, Kind::Out]
    );

    let q = |members, offset, limit| RecordQuery {
        enterprise: ENTERPRISE,
        from: at("2025-03-01 00:00"),
        to: at("2025-04-01 00:00"),
        members,
        offset,
        limit,
    };
    let (page, total) = store::query_records(db, q(Members::All, 0, 2))
        .await
        .unwrap();
    assert_eq!(total, 4);
    let got: Vec<i64> = page.iter().map(|r| r.id).collect();
    assert_eq!(got, [ids[3], ids[2]], "newest first");
    let (page, _) = store::query_records(db, q(Members::All, 2, 2))
        .await
        .unwrap();
    assert_eq!(
        page.iter().map(|r| r.id).collect::<Vec<_>>(),
        [ids[1], ids[0]]
    );
    let (page, total) = store::query_records(db, q(Members::Only(vec![SAM, EVE]), 0, 10))
        .await
        .unwrap();
    assert_eq!(total, 3);
    assert!(page.iter().all(|r| r.record.member != FIONA));
    let (page, total) = store::query_records(db, q(Members::Only(vec![]), 0, 10))
        .await
        .unwrap();
    assert_eq!((page.len(), total), (0, 0));

    // The per-day cap: Sam has 2 records on the 3rd.
    let capped = store::add_record(
        db,
        ENTERPRISE,
        record(SAM, "2025-03-03 19:00", Kind::Out),
        day,
        2,
    )
    .await
    .unwrap();
    assert_eq!(capped, None);
    let other = store::add_record(
        db,
        ENTERPRISE,
        record(FIONA, "2025-03-03 19:00", Kind::Out),
        day,
        2,
    )
    .await
    .unwrap();
    assert!(other.is_some());
}

#[tokio::test]
async fn closed_days_round_trip_once() {
    let h = Harness::new("2025-03-01 10:00", "2025-03-05 08:00");
    let db = h.ctx.db();
    assert_eq!(store::closed_through(db, ENTERPRISE).await.unwrap(), None);
    let work = WorkDay {
        start: at("2025-03-03 09:00"),
        end: at("2025-03-03 18:00"),
        first_in: Some(at("2025-03-03 09:07")),
        last_out: None,
        records: 1,
        progress: Progress::Closed,
        late_minutes: Some(7),
        early_minutes: None,
        absent: false,
        missing_in: false,
        missing_out: true,
    };
    let rest = RestDay {
        first_in: Some(at("2025-03-03 10:00")),
        last_out: Some(at("2025-03-03 12:00")),
        records: 2,
    };
    let results = vec![
        (SAM, DayResult::Working(work)),
        (FIONA, DayResult::Rest(rest)),
        (EVE, DayResult::NotCounted),
    ];
    assert!(
        store::close_day(db, ENTERPRISE, date("2025-03-03"), results)
            .await
            .unwrap()
    );
    assert_eq!(
        store::closed_through(db, ENTERPRISE).await.unwrap(),
        Some(date("2025-03-03"))
    );
    let rows = store::closed_days(db, ENTERPRISE, None, date("2025-03-01"), date("2025-03-31"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 2, "a day not counted has no row");
    let sam = rows.iter().find(|r| r.member == SAM).unwrap();
    assert_eq!(sam.result, DayResult::Working(work));
    assert_eq!(sam.date, date("2025-03-03"));
    let fiona = rows.iter().find(|r| r.member == FIONA).unwrap();
    assert_eq!(fiona.result, DayResult::Rest(rest));
    let only = store::closed_days(
        db,
        ENTERPRISE,
        Some(FIONA),
        date("2025-03-03"),
        date("2025-03-03"),
    )
    .await
    .unwrap();
    assert_eq!(only.len(), 1);

    // Closing the same date again writes nothing.
    let again = vec![(SAM, DayResult::Rest(RestDay::default()))];
    assert!(
        !store::close_day(db, ENTERPRISE, date("2025-03-03"), again)
            .await
            .unwrap()
    );
    let rows = store::closed_days(
        db,
        ENTERPRISE,
        Some(SAM),
        date("2025-03-03"),
        date("2025-03-03"),
    )
    .await
    .unwrap();
    assert_eq!(rows[0].result, DayResult::Working(work));
}
