//! The client's schedule: reminders and the next working day, as a table of moments.

use orgdir_attendance::{RulesHistory, RulesVersion, Schedule, calendar, schedule};

use crate::common::{at, date, punches, rules};

fn render(s: &Schedule) -> String {
    let tz = calendar::time_zone(&s.time_zone).unwrap();
    let t = |at: Option<i64>| match at {
        Some(at) => {
            let d = calendar::local_datetime(at, &tz);
            format!(
                "{} {:02}:{:02}",
                calendar::ymd(d.date()),
                d.hour(),
                d.minute()
            )
        }
        None => "-".into(),
    };
    let hours = |h: &Option<orgdir_attendance::DayHours>| match h {
        Some(h) => {
            assert_eq!(t(Some(h.start)).get(11..), Some(h.start_local.as_str()));
            assert_eq!(t(Some(h.end)).get(11..), Some(h.end_local.as_str()));
            format!(
                "{} {}-{}",
                calendar::ymd(h.date),
                h.start_local,
                h.end_local
            )
        }
        None => "-".into(),
    };
    format!(
        "today={} hours={} remind={} exit={} next={}",
        calendar::ymd(s.today),
        hours(&s.today_hours),
        t(s.remind_at),
        t(s.exit_remind_at),
        hours(&s.next_working_day)
    )
}

#[test]
fn schedules() {
    let r = rules("Asia/Shanghai", |s| {
        s.special_working_dates = vec!["2025-03-08".into()];
        s.special_holiday_dates = vec!["2025-03-10".into()];
        s.grace_minutes = 5;
    });
    let tz = r.time_zone().clone();
    let history = RulesHistory::new([RulesVersion {
        changed_at: 0,
        rules: r,
    }]);
    let from = date("2025-03-01");
    /// Day, now, today's records, counts from, expected.
    type Case<'a> = (
        &'a str,
        &'a str,
        &'a [(&'a str, &'a str)],
        Option<&'a str>,
        &'a str,
    );
    let cases: &[Case] = &[
        (
            "2025-03-03",
            "07:00",
            &[],
            None,
            "today=2025-03-03 hours=2025-03-03 09:00-18:00 remind=2025-03-03 08:50 exit=2025-03-03 18:00 next=-",
        ),
        (
            "2025-03-03",
            "09:30",
            &[],
            None,
            "today=2025-03-03 hours=2025-03-03 09:00-18:00 remind=2025-03-03 08:50 exit=2025-03-03 18:00 next=-",
        ),
        (
            "2025-03-03",
            "09:30",
            &[("in", "08:58")],
            None,
            "today=2025-03-03 hours=2025-03-03 09:00-18:00 remind=- exit=2025-03-03 18:00 next=-",
        ),
        // Clocked out early: still reminded at the end.
        (
            "2025-03-03",
            "17:00",
            &[("in", "08:58"), ("out", "16:00")],
            None,
            "today=2025-03-03 hours=2025-03-03 09:00-18:00 remind=- exit=2025-03-03 18:00 next=-",
        ),
        // Out within grace: done; work over, so the next working day is given.
        (
            "2025-03-03",
            "18:10",
            &[("in", "08:58"), ("out", "17:55")],
            None,
            "today=2025-03-03 hours=2025-03-03 09:00-18:00 remind=- exit=- next=2025-03-04 09:00-18:00",
        ),
        // Records of yesterday do not count for today.
        (
            "2025-03-04",
            "08:00",
            &[("in", "-1 08:58")],
            None,
            "today=2025-03-04 hours=2025-03-04 09:00-18:00 remind=2025-03-04 08:50 exit=2025-03-04 18:00 next=-",
        ),
        // Friday evening: the special working Saturday is next.
        (
            "2025-03-07",
            "19:00",
            &[("in", "09:00"), ("out", "18:00")],
            None,
            "today=2025-03-07 hours=2025-03-07 09:00-18:00 remind=- exit=- next=2025-03-08 09:00-18:00",
        ),
        // Sunday: Monday is a special holiday, Tuesday is next.
        (
            "2025-03-09",
            "10:00",
            &[],
            None,
            "today=2025-03-09 hours=- remind=- exit=- next=2025-03-11 09:00-18:00",
        ),
        // Enabled today: counts from tomorrow.
        (
            "2025-03-03",
            "10:00",
            &[],
            Some("2025-03-04"),
            "today=2025-03-03 hours=- remind=- exit=- next=2025-03-04 09:00-18:00",
        ),
    ];
    let mut failures = Vec::new();
    for (day, now, records, counts_from, expect) in cases {
        let day = date(day);
        let got = schedule(
            &history,
            at(day, now, &tz),
            counts_from.map_or(from, date),
            &punches(day, records, &tz),
        )
        .map(|s| render(&s))
        .unwrap();
        if got != *expect {
            failures.push(format!(
                "{day} {now}:\n  expected {expect}\n  got      {got}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(schedule(&RulesHistory::default(), 0, from, &[]).is_none());
}
