//! Reports over a small month: each member's week written as one letter per day, the
//! reports checked as text, and every count checked against its drill-down rows.

use orgdir_attendance::jiff::tz::TimeZone;
use orgdir_attendance::{
    Counts, DayPlan, DayRow, Person, Roster, RulesHistory, RulesVersion, Status, classify_member,
    daily_report, member_days, member_summaries, overview, ranking, rows_with, totals,
};

use crate::common::{at, date, punches, rules};

/// Mon 3 … Sun 9 March 2025.
const WEEK: [&str; 7] = [
    "2025-03-03",
    "2025-03-04",
    "2025-03-05",
    "2025-03-06",
    "2025-03-07",
    "2025-03-08",
    "2025-03-09",
];

/// N normal, L late, E early, B both, A absent, I missing clock-in, O missing clock-out,
/// R rest day without records, W rest day worked.
fn day_records(code: char) -> &'static [(&'static str, &'static str)] {
    match code {
        'N' => &[("in", "08:55"), ("out", "18:05")],
        'L' => &[("in", "09:10"), ("out", "18:00")],
        'E' => &[("in", "09:00"), ("out", "17:00")],
        'B' => &[("in", "09:30"), ("out", "17:30")],
        'I' => &[("out", "18:00")],
        'O' => &[("in", "09:00")],
        'W' => &[("in", "10:00"), ("out", "12:00")],
        _ => &[],
    }
}

pub struct Fixture {
    pub tz: TimeZone,
    pub roster: Roster,
    pub rows: Vec<DayRow>,
    pub records: Vec<orgdir_attendance::ClockRecord>,
}

/// Members: id, name, week, counted.
const MEMBERS: &[(u64, &str, &str, bool)] = &[
    (1, "Zhang San", "NNNNNRR", true),
    (2, "Li Si", "LANNNRR", true),
    (3, "Wang Wu", "NNOEAWR", true),
    (4, "Alice", "LNNNIRR", true),
    (5, "Bob", "NNNNNRR", false),
    (99, "", "BNNNNRR", true),
];

pub fn fixture() -> Fixture {
    let rules = rules("Asia/Shanghai", |_| {});
    let tz = rules.time_zone().clone();
    let history = RulesHistory::new([RulesVersion {
        changed_at: 0,
        rules,
    }]);
    let plans = DayPlan::for_dates(&history, WEEK.map(date));
    let now = at(date(WEEK[6]), "+1 00:00", &tz);
    let mut roster = Roster::new();
    let mut rows = Vec::new();
    let mut records = Vec::new();
    for (id, name, week, counted) in MEMBERS {
        if !name.is_empty() {
            roster.insert(
                *id,
                Person {
                    account: format!("{}", 1000 + id),
                    name: name.to_string(),
                    org: "Sales".into(),
                },
            );
        }
        let mut punch_list = Vec::new();
        for (d, code) in WEEK.iter().zip(week.chars()) {
            for p in punches(date(d), day_records(code), &tz) {
                punch_list.push(p);
                records.push(orgdir_attendance::ClockRecord {
                    member: *id,
                    at: p.at,
                    kind: p.kind,
                    ip_seen: format!("10.0.0.{id}"),
                    ip_reported: format!("192.168.1.{id}"),
                    mac_reported: format!("00:11:22:33:44:{id:02}"),
                    client_kind: "windows".into(),
                });
            }
        }
        for (d, result) in classify_member(&plans, now, &punch_list, |_| *counted) {
            rows.push(DayRow {
                member: *id,
                date: d,
                result,
            });
        }
    }
    Fixture {
        tz,
        roster,
        rows,
        records,
    }
}

fn name(roster: &Roster, id: u64) -> String {
    roster.get(id).map_or(format!("#{id}"), |p| p.name.clone())
}

fn line(c: &Counts) -> String {
    format!(
        "w={} n={} p={} abn={} late={}/{}m early={}/{}m abs={} mi={} mo={} rest={} nc={}",
        c.working,
        c.normal,
        c.pending,
        c.abnormal,
        c.late,
        c.late_minutes,
        c.early_leave,
        c.early_minutes,
        c.absent,
        c.missing_in,
        c.missing_out,
        c.rest,
        c.not_counted
    )
}

/// Every count equals the number of rows its drill-down lists.
fn check_drill_down(rows: &[DayRow]) {
    let counts = Counts::of(rows);
    for s in Status::ALL {
        assert_eq!(
            counts.get(s) as usize,
            rows_with(rows, s).count(),
            "{}",
            s.key()
        );
    }
    // Each working day is exactly one of normal, pending, abnormal.
    assert_eq!(
        counts.working,
        counts.normal + counts.pending + counts.abnormal
    );
}

#[test]
fn daily_report_lists_the_abnormal_by_name() {
    let f = fixture();
    let monday = date(WEEK[0]);
    let report = daily_report(monday, &f.rows, &f.roster);
    assert_eq!(
        line(&report.counts),
        "w=5 n=2 p=0 abn=3 late=3/50m early=1/30m abs=0 mi=0 mo=0 rest=0 nc=1"
    );
    let listed: Vec<String> = report
        .abnormal
        .iter()
        .map(|r| {
            let findings: Vec<&str> = r.result.findings().map(|s| s.key()).collect();
            format!("{} {}", name(&f.roster, r.member), findings.join("+"))
        })
        .collect();
    assert_eq!(listed, ["Alice late", "Li Si late", "#99 late+early_leave"]);
    let monday_rows: Vec<DayRow> = f
        .rows
        .iter()
        .filter(|r| r.date == monday)
        .copied()
        .collect();
    check_drill_down(&monday_rows);
    assert_eq!(
        rows_with(&monday_rows, Status::Late)
            .map(|r| r.member)
            .collect::<Vec<_>>(),
        [2, 4, 99]
    );
}

#[test]
fn month_summaries_totals_ranking() {
    let f = fixture();
    check_drill_down(&f.rows);
    let summaries = member_summaries(&f.rows, &f.roster);
    let got: Vec<String> = summaries
        .iter()
        .map(|s| format!("{}: {}", name(&f.roster, s.member), line(&s.counts)))
        .collect();
    assert_eq!(
        got,
        [
            "Alice: w=5 n=3 p=0 abn=2 late=1/10m early=0/0m abs=0 mi=1 mo=0 rest=2 nc=0",
            "Li Si: w=5 n=3 p=0 abn=2 late=1/10m early=0/0m abs=1 mi=0 mo=0 rest=2 nc=0",
            "Wang Wu: w=5 n=2 p=0 abn=3 late=0/0m early=1/60m abs=1 mi=0 mo=1 rest=2 nc=0",
            "Zhang San: w=5 n=5 p=0 abn=0 late=0/0m early=0/0m abs=0 mi=0 mo=0 rest=2 nc=0",
            "#99: w=5 n=4 p=0 abn=1 late=1/30m early=1/30m abs=0 mi=0 mo=0 rest=2 nc=0",
        ]
    );
    // A member's line is the count of that member's rows.
    for s in &summaries {
        let days = member_days(&f.rows, s.member);
        assert!(days.windows(2).all(|w| w[0].date < w[1].date));
        assert_eq!(Counts::of(&days), s.counts);
        check_drill_down(&days);
    }
    let t = totals(&f.rows);
    assert_eq!((t.members, t.abnormal_members), (5, 4));
    assert_eq!(
        line(&t.counts),
        "w=25 n=17 p=0 abn=8 late=3/50m early=2/90m abs=2 mi=1 mo=1 rest=10 nc=7"
    );
    let ranked: Vec<String> = ranking(&summaries, &f.roster, 10)
        .iter()
        .map(|s| format!("{} {}", name(&f.roster, s.member), s.counts.abnormal))
        .collect();
    assert_eq!(ranked, ["Wang Wu 3", "Alice 2", "Li Si 2", "#99 1"]);
    assert_eq!(ranking(&summaries, &f.roster, 2).len(), 2);
}

#[test]
fn overview_of_today_yesterday_and_last_month() {
    let f = fixture();
    // "Today" is Wednesday 2 April at 10:00; last month is the March week above.
    let rules = rules("Asia/Shanghai", |_| {});
    let tz = f.tz.clone();
    let history = RulesHistory::new([RulesVersion {
        changed_at: 0,
        rules,
    }]);
    let today = date("2025-04-02");
    let now = at(today, "10:00", &tz);
    let plans = DayPlan::for_dates(&history, [date("2025-04-01"), today]);
    let mut recent = Vec::new();
    for (id, list) in [
        (
            1u64,
            &[("in", "-1 09:00"), ("out", "-1 18:00"), ("in", "08:59")][..],
        ),
        (2, &[("in", "-1 09:20"), ("in", "09:05")][..]),
        (3, &[][..]),
    ] {
        for (d, result) in classify_member(&plans, now, &punches(today, list, &tz), |_| true) {
            recent.push(DayRow {
                member: id,
                date: d,
                result,
            });
        }
    }
    let o = overview(today, &recent, &f.rows, &f.roster, 3);
    assert_eq!(
        line(&o.today_counts),
        "w=3 n=1 p=0 abn=2 late=1/5m early=0/0m abs=1 mi=0 mo=0 rest=0 nc=0"
    );
    assert_eq!(
        line(&o.yesterday_counts),
        "w=3 n=1 p=0 abn=2 late=1/20m early=0/0m abs=1 mi=0 mo=1 rest=0 nc=0"
    );
    assert_eq!(o.last_month.to_string(), "2025-03");
    assert_eq!(o.last_month_totals, totals(&f.rows));
    assert_eq!(
        o.ranking.iter().map(|s| s.member).collect::<Vec<_>>(),
        [3, 4, 2]
    );
    let today_rows: Vec<DayRow> = recent.iter().filter(|r| r.date == today).copied().collect();
    check_drill_down(&today_rows);
    let absent: Vec<u64> = rows_with(&today_rows, Status::Absent)
        .map(|r| r.member)
        .collect();
    assert_eq!(absent, [3]);
}
