//! The day classification as a table: rules, date, moment, records → one rendered line.

use orgdir_attendance::{
    DayPlan, RulesHistory, RulesSpec, RulesVersion, Status, calendar, classify_day,
    classify_member, first_counted_day,
};

use crate::common::{at, date, punches, render, rules};

struct Case {
    name: &'static str,
    tz: &'static str,
    tweak: fn(&mut RulesSpec),
    day: &'static str,
    /// When the day is judged, relative to `day` (see `common::at`).
    now: &'static str,
    records: &'static [(&'static str, &'static str)],
    counts: bool,
    expect: &'static str,
}

fn same(_: &mut RulesSpec) {}

const SH: &str = "Asia/Shanghai";
const NY: &str = "America/New_York";
/// A Monday.
const MON: &str = "2025-03-03";
/// The day after.
const CLOSED: &str = "+1 00:00";

const CASES: &[Case] = &[
    Case {
        name: "normal",
        tz: SH,
        tweak: same,
        day: MON,
        now: CLOSED,
        records: &[("in", "08:55"), ("out", "18:05")],
        counts: true,
        expect: "closed normal in=08:55:00 out=18:05:00",
    },
    Case {
        name: "late",
        tz: SH,
        tweak: same,
        day: MON,
        now: CLOSED,
        records: &[("in", "09:07"), ("out", "18:00")],
        counts: true,
        expect: "closed late=7 in=09:07:00 out=18:00:00",
    },
    Case {
        name: "late: the start minute is on time",
        tz: SH,
        tweak: same,
        day: MON,
        now: CLOSED,
        records: &[("in", "09:00:59"), ("out", "18:00")],
        counts: true,
        expect: "closed normal in=09:00:59 out=18:00:00",
    },
    Case {
        name: "late: one minute",
        tz: SH,
        tweak: same,
        day: MON,
        now: CLOSED,
        records: &[("in", "09:01:00"), ("out", "18:00")],
        counts: true,
        expect: "closed late=1 in=09:01:00 out=18:00:00",
    },
    Case {
        name: "early leave",
        tz: SH,
        tweak: same,
        day: MON,
        now: CLOSED,
        records: &[("in", "09:00"), ("out", "17:30")],
        counts: true,
        expect: "closed early=30 in=09:00:00 out=17:30:00",
    },
    Case {
        name: "early: the minute before the end",
        tz: SH,
        tweak: same,
        day: MON,
        now: CLOSED,
        records: &[("in", "09:00"), ("out", "17:59:59")],
        counts: true,
        expect: "closed early=1 in=09:00:00 out=17:59:59",
    },
    Case {
        name: "early: at the end is on time",
        tz: SH,
        tweak: same,
        day: MON,
        now: CLOSED,
        records: &[("in", "09:00"), ("out", "18:00:00")],
        counts: true,
        expect: "closed normal in=09:00:00 out=18:00:00",
    },
    Case {
        name: "late and early",
        tz: SH,
        tweak: same,
        day: MON,
        now: CLOSED,
        records: &[("in", "09:10"), ("out", "17:50")],
        counts: true,
        expect: "closed late=10 early=10 in=09:10:00 out=17:50:00",
    },
    Case {
        name: "absent",
        tz: SH,
        tweak: same,
        day: MON,
        now: CLOSED,
        records: &[],
        counts: true,
        expect: "closed absent in=- out=-",
    },
    Case {
        name: "missing clock-in",
        tz: SH,
        tweak: same,
        day: MON,
        now: CLOSED,
        records: &[("out", "18:03")],
        counts: true,
        expect: "closed missing_in in=- out=18:03:00",
    },
    Case {
        name: "missing clock-out",
        tz: SH,
        tweak: same,
        day: MON,
        now: CLOSED,
        records: &[("in", "08:59")],
        counts: true,
        expect: "closed missing_out in=08:59:00 out=-",
    },
    Case {
        name: "late and missing clock-out",
        tz: SH,
        tweak: same,
        day: MON,
        now: CLOSED,
        records: &[("in", "09:20")],
        counts: true,
        expect: "closed late=20 missing_out in=09:20:00 out=-",
    },
    Case {
        name: "first in is the earliest, last out the latest",
        tz: SH,
        tweak: same,
        day: MON,
        now: CLOSED,
        records: &[
            ("in", "09:30"),
            ("out", "12:00"),
            ("in", "08:50"),
            ("out", "18:10"),
            ("out", "13:00"),
        ],
        counts: true,
        expect: "closed normal in=08:50:00 out=18:10:00",
    },
    Case {
        name: "records of the days before and after belong to them",
        tz: SH,
        tweak: same,
        day: MON,
        now: "+2 00:00",
        records: &[("in", "-1 23:59:59"), ("out", "+1 00:00")],
        counts: true,
        expect: "closed absent in=- out=-",
    },
    Case {
        name: "weekend with overtime",
        tz: SH,
        tweak: same,
        day: "2025-03-08",
        now: CLOSED,
        records: &[("in", "10:00"), ("out", "12:00")],
        counts: true,
        expect: "rest records=2",
    },
    Case {
        name: "special working Saturday",
        tz: SH,
        tweak: |s| s.special_working_dates = vec!["2025-03-08".into()],
        day: "2025-03-08",
        now: CLOSED,
        records: &[],
        counts: true,
        expect: "closed absent in=- out=-",
    },
    Case {
        name: "special holiday on a Monday",
        tz: SH,
        tweak: |s| s.special_holiday_dates = vec![MON.into()],
        day: MON,
        now: CLOSED,
        records: &[],
        counts: true,
        expect: "rest records=0",
    },
    Case {
        name: "grace: last second of grace is on time",
        tz: SH,
        tweak: |s| s.grace_minutes = 5,
        day: MON,
        now: CLOSED,
        records: &[("in", "09:05:59"), ("out", "17:55:00")],
        counts: true,
        expect: "closed normal in=09:05:59 out=17:55:00",
    },
    Case {
        name: "grace: past it, lateness counts from the start",
        tz: SH,
        tweak: |s| s.grace_minutes = 5,
        day: MON,
        now: CLOSED,
        records: &[("in", "09:06:00"), ("out", "17:54:30")],
        counts: true,
        expect: "closed late=6 early=6 in=09:06:00 out=17:54:30",
    },
    Case {
        name: "not counted",
        tz: SH,
        tweak: same,
        day: MON,
        now: CLOSED,
        records: &[("in", "09:30")],
        counts: false,
        expect: "not counted",
    },
    Case {
        name: "UTC",
        tz: "UTC",
        tweak: same,
        day: MON,
        now: CLOSED,
        records: &[("in", "09:02"), ("out", "18:00")],
        counts: true,
        expect: "closed late=2 in=09:02:00 out=18:00:00",
    },
    Case {
        name: "New York, spring forward (23 h day)",
        tz: NY,
        tweak: |s| s.special_working_dates = vec!["2025-03-09".into()],
        day: "2025-03-09",
        now: CLOSED,
        records: &[("in", "09:15"), ("out", "23:59")],
        counts: true,
        expect: "closed late=15 in=09:15:00 out=23:59:00",
    },
    Case {
        name: "New York, start inside the DST gap moves past it",
        tz: NY,
        tweak: |s| {
            s.special_working_dates = vec!["2025-03-09".into()];
            s.work_start = "02:30".into();
            s.work_end = "10:00".into();
        },
        day: "2025-03-09",
        now: CLOSED,
        records: &[("in", "03:30"), ("out", "10:00")],
        counts: true,
        expect: "closed normal in=03:30:00 out=10:00:00",
    },
    Case {
        name: "New York, fall back (25 h day)",
        tz: NY,
        tweak: |s| {
            s.special_working_dates = vec!["2025-11-02".into()];
            s.work_start = "01:00".into();
        },
        day: "2025-11-02",
        now: CLOSED,
        records: &[("in", "01:30"), ("out", "23:59:59")],
        counts: true,
        expect: "closed late=30 in=01:30:00 out=23:59:59",
    },
    Case {
        name: "New York, Monday after the change uses the new offset",
        tz: NY,
        tweak: same,
        day: "2025-03-10",
        now: CLOSED,
        records: &[("in", "09:00"), ("out", "18:00")],
        counts: true,
        expect: "closed normal in=09:00:00 out=18:00:00",
    },
    Case {
        name: "running: before start, nothing yet",
        tz: SH,
        tweak: same,
        day: MON,
        now: "08:30",
        records: &[],
        counts: true,
        expect: "before_start pending in=- out=-",
    },
    Case {
        name: "running: clocked in early",
        tz: SH,
        tweak: same,
        day: MON,
        now: "08:30",
        records: &[("in", "08:25")],
        counts: true,
        expect: "before_start normal in=08:25:00 out=-",
    },
    Case {
        name: "running: within the start minute",
        tz: SH,
        tweak: same,
        day: MON,
        now: "09:00:59",
        records: &[],
        counts: true,
        expect: "before_start pending in=- out=-",
    },
    Case {
        name: "running: after start, no record is absent so far",
        tz: SH,
        tweak: same,
        day: MON,
        now: "09:01",
        records: &[],
        counts: true,
        expect: "at_work absent in=- out=-",
    },
    Case {
        name: "running: grace delays judging",
        tz: SH,
        tweak: |s| s.grace_minutes = 10,
        day: MON,
        now: "09:10:30",
        records: &[],
        counts: true,
        expect: "before_start pending in=- out=-",
    },
    Case {
        name: "running: late so far",
        tz: SH,
        tweak: same,
        day: MON,
        now: "10:00",
        records: &[("in", "09:07")],
        counts: true,
        expect: "at_work late=7 in=09:07:00 out=-",
    },
    Case {
        name: "running: outs only is missing clock-in so far",
        tz: SH,
        tweak: same,
        day: MON,
        now: "10:00",
        records: &[("out", "09:30")],
        counts: true,
        expect: "at_work missing_in in=- out=09:30:00",
    },
    Case {
        name: "running: an out before the end is not early yet",
        tz: SH,
        tweak: same,
        day: MON,
        now: "17:00",
        records: &[("in", "09:00"), ("out", "12:00")],
        counts: true,
        expect: "at_work normal in=09:00:00 out=12:00:00",
    },
    Case {
        name: "running: no out is not missing before the end",
        tz: SH,
        tweak: same,
        day: MON,
        now: "17:59:59",
        records: &[("in", "09:00")],
        counts: true,
        expect: "at_work normal in=09:00:00 out=-",
    },
    Case {
        name: "running: after the end, no out is missing so far",
        tz: SH,
        tweak: same,
        day: MON,
        now: "18:30",
        records: &[("in", "09:00"), ("out", "19:00")],
        counts: true,
        expect: "after_work missing_out in=09:00:00 out=-",
    },
    Case {
        name: "running: after the end, an early out is early so far",
        tz: SH,
        tweak: same,
        day: MON,
        now: "18:30",
        records: &[("in", "09:00"), ("out", "17:00")],
        counts: true,
        expect: "after_work early=60 in=09:00:00 out=17:00:00",
    },
    Case {
        name: "a day not begun is not counted",
        tz: SH,
        tweak: same,
        day: MON,
        now: "-1 23:59:59",
        records: &[],
        counts: true,
        expect: "not counted",
    },
];

#[test]
fn days() {
    let mut failures = Vec::new();
    for case in CASES {
        let rules = rules(case.tz, case.tweak);
        let tz = rules.time_zone();
        let day = date(case.day);
        let records = punches(day, case.records, tz);
        let now = at(day, case.now, tz);
        let got = render(&classify_day(&rules, day, now, &records, case.counts), tz);
        if got != case.expect {
            failures.push(format!(
                "{}:\n  expected {}\n  got      {got}",
                case.name, case.expect
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn dst_days_last_23_and_25_hours() {
    let tz = calendar::time_zone(NY).unwrap();
    let len = |d| {
        let (a, b) = calendar::day_bounds(date(d), &tz);
        (b - a) / 3600
    };
    assert_eq!(
        [len("2025-03-08"), len("2025-03-09"), len("2025-11-02")],
        [24, 23, 25]
    );
}

#[test]
fn rules_changed_mid_month_leave_earlier_days_alone() {
    let v1 = rules(SH, same);
    let v2 = rules(SH, |s| s.work_start = "10:00".into());
    let tz = v1.time_zone().clone();
    let history = RulesHistory::new([
        // Saved in the afternoon of Wednesday the 12th: governs the 12th on.
        RulesVersion {
            changed_at: at(date("2025-03-12"), "14:00", &tz),
            rules: v2,
        },
        RulesVersion {
            changed_at: at(date("2025-02-20"), "10:00", &tz),
            rules: v1,
        },
    ]);
    let days = ["2025-03-11", "2025-03-12", "2025-03-13"];
    let mut records = Vec::new();
    for d in days {
        records.extend(punches(date(d), &[("in", "09:30"), ("out", "18:00")], &tz));
    }
    let plans = DayPlan::for_dates(&history, days.map(date));
    let now = at(date("2025-03-31"), "12:00", &tz);
    let got: Vec<String> = classify_member(&plans, now, &records, |_| true)
        .iter()
        .map(|(d, r)| format!("{} {}", calendar::ymd(*d), render(r, &tz)))
        .collect();
    assert_eq!(
        got,
        [
            "2025-03-11 closed late=30 in=09:30:00 out=18:00:00",
            "2025-03-12 closed normal in=09:30:00 out=18:00:00",
            "2025-03-13 closed normal in=09:30:00 out=18:00:00",
        ]
    );
    // Before the first version nothing is counted.
    let early = DayPlan::for_dates(&history, [date("2025-02-19")]);
    let got = classify_member(&early, now, &[], |_| true);
    assert_eq!(render(&got[0].1, &tz), "not counted");
}

#[test]
fn enabling_counts_from_the_next_local_day() {
    let sh = calendar::time_zone(SH).unwrap();
    let utc = calendar::time_zone("UTC").unwrap();
    let monday = date(MON);
    // 00:30 on Monday in Shanghai is still Sunday in UTC.
    let enabled_at = at(monday, "00:30", &sh);
    assert_eq!(first_counted_day(enabled_at, &sh), date("2025-03-04"));
    assert_eq!(first_counted_day(enabled_at, &utc), monday);
    assert_eq!(
        first_counted_day(at(monday, "23:59:59", &sh), &sh),
        date("2025-03-04")
    );

    let rules = rules(SH, same);
    let history = RulesHistory::new([RulesVersion {
        changed_at: enabled_at,
        rules,
    }]);
    let first = first_counted_day(enabled_at, &sh);
    let plans = DayPlan::for_dates(&history, [monday, date("2025-03-04")]);
    let got: Vec<String> =
        classify_member(&plans, at(monday, "+2 00:00", &sh), &[], |d| d >= first)
            .iter()
            .map(|(_, r)| render(r, &sh))
            .collect();
    assert_eq!(got, ["not counted", "closed absent in=- out=-"]);
}

#[test]
fn classify_member_takes_records_in_any_order() {
    let rules = rules(SH, same);
    let tz = rules.time_zone().clone();
    let history = RulesHistory::new([RulesVersion {
        changed_at: 0,
        rules,
    }]);
    let days = [date("2025-03-03"), date("2025-03-04")];
    let mut records = punches(days[1], &[("out", "18:00"), ("in", "09:03")], &tz);
    records.extend(punches(days[0], &[("out", "17:00"), ("in", "08:00")], &tz));
    let plans = DayPlan::for_dates(&history, days);
    let results = classify_member(&plans, at(days[1], "+1 00:00", &tz), &records, |_| true);
    let got: Vec<String> = results.iter().map(|(_, r)| render(r, &tz)).collect();
    assert_eq!(
        got,
        [
            "closed early=60 in=08:00:00 out=17:00:00",
            "closed late=3 in=09:03:00 out=18:00:00"
        ]
    );
    assert!(results[0].1.has(Status::EarlyLeave) && results[0].1.has(Status::Abnormal));
    assert!(!results[0].1.has(Status::Normal));
}

#[test]
fn months_and_text_forms() {
    let m = orgdir_attendance::Month::parse("2024-02").unwrap();
    assert_eq!(m.days().count(), 29);
    assert_eq!(m.last_day(), date("2024-02-29"));
    assert_eq!(
        orgdir_attendance::Month::parse("2025-01")
            .unwrap()
            .previous()
            .to_string(),
        "2024-12"
    );
    for bad in ["2025-13", "2025-1", "25-01", "2025-01-01"] {
        assert_eq!(orgdir_attendance::Month::parse(bad), None, "{bad}");
    }
    assert_eq!(
        calendar::parse_hh_mm("23:59")
            .map(calendar::hh_mm)
            .as_deref(),
        Some("23:59")
    );
    for bad in ["24:00", "9:00", "09:60", "0900", "09:0a", " 9:00"] {
        assert_eq!(calendar::parse_hh_mm(bad), None, "{bad}");
    }
    for bad in ["2025-02-29", "2025-2-01", "+002025-01", "2025-01-01T"] {
        assert_eq!(calendar::parse_ymd(bad), None, "{bad}");
    }
}
