//! Benchmark of a large month: 30,000 members × 22 working days (April 2025, Asia/Shanghai),
//! two clock records per member-day (about 1.3 million records) built in memory; times the
//! monthly report (classification + summaries + totals + ranking) and the XLSX export, and
//! prints the peak memory (VmHWM). Timing is printed, never asserted.
//!
//! ```text
//! cargo run --release -p orgdir-attendance --example bench_month [members]
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::time::Instant;

use orgdir_attendance::{
    ClockRecord, DayPlan, DayRow, Kind, Lang, Month, MonthExport, Person, Punch, Roster, Rules,
    RulesHistory, RulesSpec, RulesVersion, calendar, classify_member, export_month,
    member_summaries, ranking, totals,
};

fn status(field: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .map(|l| l.split_whitespace().nth(1).unwrap_or("?").to_string())
        })
        .map_or("?".into(), |kb| {
            format!("{} MiB", kb.parse::<u64>().unwrap_or(0) / 1024)
        })
}

fn memory(label: &str) {
    println!(
        "  {label}: VmRSS {} / VmHWM (peak) {}",
        status("VmRSS:"),
        status("VmHWM:")
    );
}

/// A small deterministic generator (xorshift), so every run builds the same month.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> i64 {
        (self.next() % n) as i64
    }
}

fn main() {
    let members: u64 = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("members"))
        .unwrap_or(30_000);
    let spec: RulesSpec = serde_json::from_str(
        r#"{"time_zone":"Asia/Shanghai","work_start":"09:00","work_end":"18:00",
            "working_weekdays":["mon","tue","wed","thu","fri"],"grace_minutes":5}"#,
    )
    .unwrap();
    let rules = Rules::new(&spec).unwrap();
    let tz = rules.time_zone().clone();
    let month = Month::new(2025, 4).unwrap();
    let history = RulesHistory::new([RulesVersion {
        changed_at: 0,
        rules: rules.clone(),
    }]);
    let working: Vec<_> = month.days().filter(|d| rules.is_working_day(*d)).collect();

    // Build the month.
    let t = Instant::now();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut roster = Roster::new();
    let mut records = Vec::with_capacity((members as usize) * working.len() * 2);
    for m in 1..=members {
        roster.insert(
            m,
            Person {
                account: format!("{}", 100_000 + m),
                name: format!("Member {:06}", (m * 7919) % members),
                org: format!("Company/Division {}/Team {}", m % 20, m % 400),
            },
        );
        let ip = format!("10.{}.{}.{}", m / 65536, (m / 256) % 256, m % 256);
        let mac = format!(
            "02:00:00:{:02x}:{:02x}:{:02x}",
            m / 65536,
            (m / 256) % 256,
            m % 256
        );
        for d in &working {
            let (start, end) = rules.work_hours(*d);
            for (kind, at) in [
                (Kind::In, start - 1800 + rng.below(2700)),
                (Kind::Out, end - 900 + rng.below(5400)),
            ] {
                records.push(ClockRecord {
                    member: m,
                    at,
                    kind,
                    ip_seen: ip.clone(),
                    ip_reported: ip.clone(),
                    mac_reported: mac.clone(),
                    client_kind: "windows".into(),
                });
            }
        }
    }
    println!(
        "built {} members, {} working days, {} records in {:.2?}",
        members,
        working.len(),
        records.len(),
        t.elapsed()
    );
    memory("after building");

    // The monthly report: classify every member-day, then summaries, totals, ranking.
    let now = calendar::unix_at(
        month.last_day().tomorrow().unwrap(),
        orgdir_attendance::jiff::civil::Time::midnight(),
        &tz,
    );
    let t = Instant::now();
    let plans = DayPlan::for_dates(&history, month.days());
    let mut rows: Vec<DayRow> = Vec::with_capacity(records.len() / 2 + members as usize * 10);
    let mut punches: Vec<Punch> = Vec::new();
    let mut i = 0;
    while i < records.len() {
        let member = records[i].member;
        punches.clear();
        while i < records.len() && records[i].member == member {
            punches.push(records[i].punch());
            i += 1;
        }
        for (date, result) in classify_member(&plans, now, &punches, |_| true) {
            rows.push(DayRow {
                member,
                date,
                result,
            });
        }
    }
    let classified = t.elapsed();
    let summaries = member_summaries(&rows, &roster);
    let total = totals(&rows);
    let ranked = ranking(&summaries, &roster, 20);
    println!(
        "monthly report: {} day rows, {} summaries, {} abnormal members, top {} ranked in {:.2?} (classification {:.2?})",
        rows.len(),
        summaries.len(),
        total.abnormal_members,
        ranked.len(),
        t.elapsed(),
        classified
    );
    memory("after the report");

    // The export.
    let t = Instant::now();
    let export = MonthExport::new(month, &tz, Lang::En, &roster, &rows, &records);
    let bytes = export_month(&export).unwrap();
    println!(
        "export: {:.1} MiB XLSX in {:.2?}",
        bytes.len() as f64 / 1048576.0,
        t.elapsed()
    );
    memory("after the export");
    if let Ok(path) = std::env::var("BENCH_XLSX_OUT") {
        std::fs::write(&path, &bytes).unwrap();
        println!("written to {path}");
    }
}
