//! Reads restricted to a scope give what reading everybody and leaving the others out
//! gives: the judged days (closed and open), the records, the monthly report and the
//! export — whether the store seeks the scope's members or reads the whole enterprise. And
//! the streamed month equals the core's report and export functions over rows.

use super::*;
use crate::calendar::Month;
use crate::classify::Status;
use crate::export::{self, MonthExport};
use crate::query::{self, Scoped};
use crate::record::{ClockRecord, Kind};
use crate::report::{self, DayRow};
use crate::store::{self, Members};
use crate::view::{self, Env};

fn record(member: u64, when: &str, kind: Kind, ip_seen: &str) -> ClockRecord {
    ClockRecord {
        member,
        at: at(when),
        kind,
        ip_seen: ip_seen.into(),
        ip_reported: "192.168.1.20".into(),
        mac_reported: format!("00:1A:2B:3C:4D:{member:02}"),
        client_kind: if member.is_multiple_of(2) {
            "windows"
        } else {
            "android"
        }
        .into(),
    }
}

/// Attendance on since Sunday 2 March 2025, the standard rules, and two weeks of records:
/// each member and working day one of six patterns (absent, late, no clock-out, early
/// leave, normal with a second clock-in and two records at the same minute, no clock-in),
/// a few from another address, and Sam's Saturday overtime.
pub async fn two_weeks() -> Harness {
    let h = Harness::new("2025-03-02 10:00", "2025-03-02 11:00");
    h.standard_rules().await;
    seed(&h).await;
    h
}

/// Stores the records of [`two_weeks`] in `h`.
pub async fn seed(h: &Harness) {
    let tz = calendar::time_zone(TZ).unwrap();
    let people = [SYSADMIN, INFOADMIN, SAM, FIONA, HIDDEN, EVE];
    let mut records = Vec::new();
    for day in 3u64..=14 {
        let d = format!("2025-03-{day:02}");
        let weekday = date(&d).weekday().to_monday_zero_offset();
        if weekday >= 5 {
            if day == 8 {
                records.push(record(SAM, &format!("{d} 10:00"), Kind::In, "203.0.113.7"));
                records.push(record(SAM, &format!("{d} 15:00"), Kind::Out, "203.0.113.7"));
            }
            continue;
        }
        for m in people {
            let ip = if (day + m) % 4 == 0 {
                format!("198.51.100.{day}")
            } else {
                "203.0.113.7".to_string()
            };
            let r = |t: &str, k| record(m, &format!("{d} {t}"), k, &ip);
            match (day + m) % 6 {
                0 => {}
                5 => records.push(r("18:10", Kind::Out)),
                1 => records.extend([r("09:20", Kind::In), r("18:05", Kind::Out)]),
                2 => records.push(r("08:50", Kind::In)),
                3 => records.extend([r("08:55", Kind::In), r("17:30", Kind::Out)]),
                _ => records.extend([
                    r("08:58", Kind::In),
                    r("13:00", Kind::In),
                    r("13:00", Kind::Out),
                    r("18:02", Kind::Out),
                ]),
            }
        }
    }
    for rec in records {
        let day = calendar::day_bounds(calendar::local_date(rec.at, &tz), &tz);
        store::add_record(h.ctx.db(), ENTERPRISE, rec, day, 50)
            .await
            .unwrap()
            .unwrap();
    }
}

fn sorted(mut rows: Vec<DayRow>) -> Vec<DayRow> {
    rows.sort_by_key(|r| (r.member, r.date));
    rows
}

/// Closes 3–11 March, then stands on Thursday 13 March at 10:00 (the 12th and the 13th
/// open, the rest of the month to come).
async fn half_closed(h: &Harness) -> Env {
    h.set_now("2025-03-12 00:10");
    assert_eq!(h.close().await, 9);
    h.set_now("2025-03-13 10:00");
    Env::load(&h.ctx, ENTERPRISE).await.unwrap()
}

#[tokio::test]
async fn scoped_reads_equal_the_whole_read_left_to_the_scope() {
    let h = two_weeks().await;
    let env = half_closed(&h).await;
    assert_eq!(env.closed_through, Some(date("2025-03-11")));
    let dir = h.host.directory(ENTERPRISE).unwrap();
    let month = Month::new(2025, 3).unwrap();
    let (first, last) = (month.first_day(), month.last_day());
    let everybody: Vec<&MemberInfo> = dir.members.values().collect();
    let all = sorted(
        view::day_rows(&h.ctx, &env, &everybody, &Members::All, first, last)
            .await
            .unwrap(),
    );
    assert_eq!(
        all.len(),
        everybody.len() * 31,
        "one row per member and date"
    );
    // Closed, open and future dates are all there, and the two weeks hold every finding.
    let sam_on = |d: &str| all.iter().find(|r| r.member == SAM && r.date == date(d));
    assert!(
        sam_on("2025-03-03")
            .unwrap()
            .result
            .work()
            .unwrap()
            .is_final()
    );
    assert!(
        !sam_on("2025-03-13")
            .unwrap()
            .result
            .work()
            .unwrap()
            .is_final()
    );
    assert!(sam_on("2025-03-20").unwrap().result.has(Status::NotCounted));
    for s in Status::FINDINGS {
        assert!(all.iter().any(|r| r.result.has(s)), "no day is {s:?}");
    }

    let subsets: [&[u64]; 4] = [&[SAM], &[SAM, EVE], &[FIONA, HIDDEN, DISABLED], &[EVE, 999]];
    for ids in subsets {
        let members: Vec<&MemberInfo> = ids.iter().filter_map(|id| dir.member(*id)).collect();
        let want: Vec<DayRow> = all
            .iter()
            .filter(|r| ids.contains(&r.member))
            .copied()
            .collect();
        for read in [Members::All, Members::Only(ids.to_vec())] {
            let got = view::day_rows(&h.ctx, &env, &members, &read, first, last)
                .await
                .unwrap();
            assert_eq!(sorted(got), want, "{ids:?} read as {read:?}");
        }
        // The records: every one of the scope's, and no other.
        let (start, end) = env.bounds(first, last);
        let whole = store::records_between(h.ctx.db(), ENTERPRISE, None, start, end)
            .await
            .unwrap();
        let mut want: Vec<(u64, i64, Kind, String)> = whole
            .iter()
            .filter(|r| ids.contains(&r.member))
            .map(|r| (r.member, r.at, r.kind, r.ip_seen.clone()))
            .collect();
        want.sort_by_key(|r| (r.0, r.1));
        assert!(!want.is_empty());
        for read in [Members::All, Members::Only(ids.to_vec())] {
            let keep: Vec<u64> = ids.to_vec();
            let mut got = store::fold_records(
                h.ctx.db(),
                ENTERPRISE,
                read.clone(),
                (start, end),
                Vec::new(),
                move |v: &mut Vec<(u64, i64, Kind, String)>, r| {
                    if keep.contains(&r.member) {
                        v.push((r.member, r.at, r.kind, r.ip_seen.to_string()));
                    }
                    Ok(())
                },
            )
            .await
            .unwrap();
            got.sort_by_key(|r| (r.0, r.1));
            assert_eq!(got, want, "{ids:?} read as {read:?}");
        }
    }
}

/// The monthly report, the overview's month and the export of `s` against the core's
/// functions over the rows and records of the scope, for both ways of reading.
async fn check_scope(h: &Harness, env: &Env, s: &mut Scoped<'_>, month: Month) {
    let (first, last) = (month.first_day(), month.last_day());
    let rows = view::day_rows(&h.ctx, env, &s.members, &Members::All, first, last)
        .await
        .unwrap();
    let (start, end) = env.bounds(first, last);
    let records: Vec<ClockRecord> =
        store::records_between(h.ctx.db(), ENTERPRISE, None, start, end)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| s.roster.get(r.member).is_some())
            .collect();
    let want_summaries = report::member_summaries(&rows, &s.roster);
    let want_totals = report::totals(&rows);
    assert!(want_totals.counts.working > 0);
    let want_xlsx = |lang| {
        export::export_month(&MonthExport::new(
            month, &env.tz, lang, &s.roster, &rows, &records,
        ))
        .unwrap()
    };
    let (want_en, want_zh) = (want_xlsx(export::Lang::En), want_xlsx(export::Lang::Zh));
    let ids = s.ids();
    for read in [Members::All, Members::Only(ids.clone())] {
        s.read = read;
        let (summaries, totals) = query::monthly(&h.ctx, env, s, month).await.unwrap();
        assert_eq!(summaries, want_summaries, "{:?}", s.read);
        assert_eq!(totals, want_totals, "{:?}", s.read);
        let en = query::export_month(&h.ctx, env, s, month, export::Lang::En)
            .await
            .unwrap();
        assert!(en == want_en, "the export differs, read as {:?}", s.read);
        let zh = query::export_month(&h.ctx, env, s, month, export::Lang::Zh)
            .await
            .unwrap();
        assert!(
            zh == want_zh,
            "the Chinese export differs, read as {:?}",
            s.read
        );
        let drill = query::drill(&h.ctx, env, s, first, last, Some(Status::Late))
            .await
            .unwrap();
        let mut want: Vec<DayRow> = report::rows_with(&rows, Status::Late).copied().collect();
        report::sort_rows(&mut want, &s.roster);
        assert_eq!(drill, want);
    }
}

#[tokio::test]
async fn the_streamed_month_equals_the_reports_over_rows() {
    let h = two_weeks().await;
    let env = half_closed(&h).await;
    let month = Month::new(2025, 3).unwrap();
    let admin = h.admin();
    let info = h.infoadmin();
    let sysadmin = h.sysadmin();
    let mut scopes = [
        Scoped::new(&admin, VIEW, None, None),
        Scoped::new(&info, VIEW, None, None),
        Scoped::new(&sysadmin, VIEW, Some(FINANCE), None),
        Scoped::new(&admin, VIEW, None, Some("10012")),
    ];
    assert!(scopes[0].everybody);
    assert_eq!(
        scopes[1].ids(),
        [EVE, INFOADMIN, SAM],
        "Sales for the info admin, by name"
    );
    for s in &mut scopes {
        check_scope(&h, &env, s, month).await;
    }
    // Every day closed: the month is read from storage alone.
    h.set_now("2025-04-01 00:10");
    assert_eq!(h.close().await, 20);
    h.set_now("2025-04-02 09:00");
    let env = Env::load(&h.ctx, ENTERPRISE).await.unwrap();
    for s in &mut scopes {
        check_scope(&h, &env, s, month).await;
    }
}

#[tokio::test]
async fn month_reads_use_the_primary_key_without_a_sort() {
    let h = two_weeks().await;
    let db = h.ctx.db();
    for (sql, want) in [
        (
            store::MONTH_ALL_SQL,
            "SEARCH attendance_days USING PRIMARY KEY (enterprise=? AND date>? AND date<?)",
        ),
        (
            store::MONTH_ONLY_SQL,
            "SEARCH attendance_days USING PRIMARY KEY (enterprise=? AND date=? AND member=?)",
        ),
    ] {
        let steps: Vec<String> = db
            .read(move |c| {
                let mut stmt = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
                let nulls = [orgdir_plugin_api::rusqlite::types::Null; 3];
                let rows = stmt
                    .query_map(nulls, |r| r.get::<_, String>(3))?
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(rows)
            })
            .await
            .unwrap();
        assert!(steps.iter().any(|s| s == want), "{steps:?}");
        assert!(
            !steps.iter().any(|s| s.contains("TEMP B-TREE")),
            "a sort: {steps:?}"
        );
    }
}
