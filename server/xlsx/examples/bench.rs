//! Timing of a large workbook shaped like the attendance month export: a summary sheet
//! (30,000 rows × 14 cells), a day sheet (660,000 × 10) and 1,320,000 clock records (9 cells
//! each: date-time, six texts, two of them repeated per member) over two sheets. Prints the
//! time, the size and the peak memory (VmHWM) of one configuration; timing is printed, never
//! asserted.
//!
//! ```text
//! cargo run --release -p orgdir-xlsx --example bench [level] [inline|shared] [threads] [members]
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::time::Instant;

use orgdir_xlsx::{
    Cell, MAX_ROWS, Options, Sheet, Strings, Workbook, date_serial, datetime_serial, time_serial,
};

struct Person {
    account: String,
    name: String,
    org: String,
    ip: String,
    mac: String,
}

fn peak() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or("?".into(), |kb| format!("{} MiB", kb / 1024))
}

fn main() {
    let mut args = std::env::args().skip(1);
    let level: u32 = args.next().map_or(2, |a| a.parse().expect("level"));
    let strings = match args.next().as_deref() {
        Some("shared") => Strings::Shared,
        _ => Strings::Inline,
    };
    let threads: usize = args.next().map_or(0, |a| a.parse().expect("threads"));
    let members: usize = args.next().map_or(30_000, |a| a.parse().expect("members"));
    let days = 22_i64;
    let people: Vec<Person> = (0..members)
        .map(|m| Person {
            account: format!("{}", 100_000 + m),
            name: format!("Member {:06}", (m * 7919) % members),
            org: format!("Company/Division {}/Team {}", m % 20, m % 400),
            ip: format!("10.{}.{}.{}", m / 65536, (m / 256) % 256, m % 256),
            mac: format!(
                "02:00:00:{:02x}:{:02x}:{:02x}",
                m / 65536,
                (m / 256) % 256,
                m % 256
            ),
        })
        .collect();
    let first_day = 20_179_i64; // 2025-04-01
    let records = members * days as usize * 2;
    let per_sheet = (MAX_ROWS - 1) as usize;
    println!(
        "level {level}, {strings:?} strings, threads {threads} (0 = cores), {members} members, {records} records; peak before: {}",
        peak()
    );

    let t = Instant::now();
    let mut wb = Workbook::with_options(
        Options::default()
            .level(level)
            .threads(threads)
            .strings(strings),
    );
    let people = &people;
    wb.add_sheet(
        Sheet::new("Summary")
            .header((0..14).map(|c| format!("Column {c}")))
            .widths(&[14.0, 16.0, 24.0]),
        move |rows| {
            for p in people {
                let mut cells = vec![
                    Cell::Text(&p.account),
                    Cell::Text(&p.name),
                    Cell::Text(&p.org),
                ];
                cells.extend((0..11).map(|n| Cell::Int(n * 3)));
                rows.row(&cells)?;
            }
            Ok(())
        },
    )
    .unwrap();
    wb.add_sheet(
        Sheet::new("Days").header((0..10).map(|c| format!("Day {c}"))),
        move |rows| {
            for p in people {
                for d in 0..days {
                    rows.row(&[
                        Cell::Date(date_serial(first_day + d)),
                        Cell::Text(&p.account),
                        Cell::Text(&p.name),
                        Cell::Text(&p.org),
                        Cell::Text(if d % 7 == 0 { "Late" } else { "Normal" }),
                        Cell::Text("09:00-18:00"),
                        Cell::Time(time_serial(8 * 3600 + 50 * 60 + d * 37)),
                        Cell::Time(time_serial(18 * 3600 + 5 * 60 + d * 41)),
                        if d % 7 == 0 {
                            Cell::Int(7)
                        } else {
                            Cell::Empty
                        },
                        Cell::Empty,
                    ])?;
                }
            }
            Ok(())
        },
    )
    .unwrap();
    let record = |i: usize| {
        let m = i / (days as usize * 2);
        let d = (i / 2) % days as usize;
        let at = (first_day + d as i64) * 86_400
            + if i.is_multiple_of(2) { 31_000 } else { 65_000 }
            + (i as i64 * 7919) % 3600;
        (
            &people[m],
            datetime_serial(at),
            if i.is_multiple_of(2) { "In" } else { "Out" },
        )
    };
    let mut start = 0;
    let mut n = 1;
    while start < records {
        let end = (start + per_sheet).min(records);
        let name = if n == 1 {
            "Records".to_string()
        } else {
            format!("Records {n}")
        };
        wb.add_sheet(
            Sheet::new(name)
                .header((0..9).map(|c| format!("Record {c}")))
                .widths(&[20.0, 14.0, 16.0, 24.0, 6.0, 40.0, 40.0, 18.0, 10.0]),
            move |rows| {
                for i in start..end {
                    let (p, at, kind) = record(i);
                    rows.row(&[
                        Cell::DateTime(at),
                        Cell::Text(&p.account),
                        Cell::Text(&p.name),
                        Cell::Text(&p.org),
                        Cell::Text(kind),
                        Cell::Text(&p.ip),
                        Cell::Text(&p.ip),
                        Cell::Text(&p.mac),
                        Cell::Text("windows"),
                    ])?;
                }
                Ok(())
            },
        )
        .unwrap();
        start = end;
        n += 1;
    }
    let bytes = wb.to_bytes().unwrap();
    println!(
        "{:.1} MiB in {:.2?}; peak memory {}",
        bytes.len() as f64 / 1_048_576.0,
        t.elapsed(),
        peak()
    );
    if let Ok(path) = std::env::var("BENCH_XLSX_OUT") {
        std::fs::write(&path, &bytes).unwrap();
        println!("written to {path}");
    }
}
