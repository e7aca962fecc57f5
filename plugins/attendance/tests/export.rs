//! The monthly workbook read back with calamine: sheets, headers, the addresses of every
//! record, neutralised cells, and sheets split when full.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use orgdir_attendance::{
    ClockRecord, Kind, Lang, Month, MonthExport, Person, calendar, export_month,
};

use crate::report::fixture;

/// An Excel date/time number as text: a time of day, a date, or both.
fn excel_text(serial: f64) -> String {
    let utc = calendar::time_zone("UTC").unwrap();
    let secs = (serial * 86400.0).round() as i64 - 25569 * 86400;
    let t = calendar::local_datetime(secs, &utc);
    let time = format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second());
    if serial < 1.0 {
        time
    } else if secs % 86400 == 0 {
        calendar::ymd(t.date())
    } else {
        format!("{} {time}", calendar::ymd(t.date()))
    }
}

fn read(bytes: Vec<u8>) -> Vec<(String, Vec<Vec<String>>)> {
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let names = wb.sheet_names();
    names
        .into_iter()
        .map(|n| {
            let range = wb.worksheet_range(&n).unwrap();
            let rows = range
                .rows()
                .map(|r| {
                    r.iter()
                        .map(|c| match c {
                            Data::Empty => String::new(),
                            Data::String(s) => s.clone(),
                            Data::Float(f) => format!("{f}"),
                            Data::Int(i) => format!("{i}"),
                            Data::DateTime(d) => excel_text(d.as_f64()),
                            other => format!("{other:?}"),
                        })
                        .collect()
                })
                .collect();
            (n, rows)
        })
        .collect()
}

#[test]
fn month_workbook() {
    let mut f = fixture();
    // Client-controlled text that would run as formulas, and a name that would too.
    f.records.push(ClockRecord {
        member: 1,
        at: f.records[0].at + 60,
        kind: Kind::Out,
        ip_seen: "2001:db8::1".into(),
        ip_reported: "+1+1".into(),
        mac_reported: "=HYPERLINK(\"http://x\")".into(),
        client_kind: "@SUM(A1)".into(),
    });
    f.roster.insert(
        4,
        Person {
            account: "1004".into(),
            name: "-Alice".into(),
            org: "Sales".into(),
        },
    );
    // A record of April stays out of March.
    f.records.push(ClockRecord {
        member: 1,
        at: crate::common::at(crate::common::date("2025-04-01"), "09:00", &f.tz),
        kind: Kind::In,
        ip_seen: "10.9.9.9".into(),
        ip_reported: String::new(),
        mac_reported: String::new(),
        client_kind: "macos".into(),
    });
    let month = Month::parse("2025-03").unwrap();
    let export = MonthExport::new(month, &f.tz, Lang::En, &f.roster, &f.rows, &f.records);
    let sheets = read(export_month(&export).unwrap());
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Summary", "Days", "Records"]);

    let summary = &sheets[0].1;
    assert_eq!(
        summary[0].join("|"),
        "Account|Name|Org|Working days|Normal|Late|Late minutes|Early leave|Early minutes|Absent|Missing clock-in|Missing clock-out|Abnormal days|Rest days"
    );
    assert_eq!(summary.len(), 6);
    assert_eq!(
        summary[1].join("|"),
        "1004|'-Alice|Sales|5|3|1|10|0|0|0|1|0|2|2"
    );
    // A member deleted since (no person) comes last, with empty name cells.
    assert_eq!(summary[5].join("|"), "|||5|4|1|30|1|30|0|0|0|1|2");

    let days = &sheets[1].1;
    // 5 members × 5 working days + Wang Wu's worked Saturday.
    assert_eq!(days.len(), 1 + 26);
    let wang_wu_sat = days
        .iter()
        .find(|r| r[0] == "2025-03-08")
        .unwrap()
        .join("|");
    assert_eq!(
        wang_wu_sat,
        "2025-03-08|1003|Wang Wu|Sales|Rest day||10:00:00|12:00:00||"
    );
    let alice_mon = days.iter().find(|r| r[2] == "'-Alice").unwrap().join("|");
    assert_eq!(
        alice_mon,
        "2025-03-03|1004|'-Alice|Sales|Late|09:00-18:00|09:10:00|18:00:00|10|"
    );
    assert!(
        days.iter()
            .any(|r| r[4] == "Missing clock-out" && r[2] == "Wang Wu")
    );
    assert!(
        days.iter()
            .any(|r| r[4] == "Late, Early leave" && r[1].is_empty())
    );

    let records = &sheets[2].1;
    assert_eq!(
        records[0].join("|"),
        "Time|Account|Name|Org|Kind|IP (seen by server)|IP (reported)|MAC (reported)|Client"
    );
    // Every March record once (the April one left out), with its addresses.
    let march = f.records.len() - 1;
    assert_eq!(records.len(), 1 + march);
    let planted = records
        .iter()
        .find(|r| r[5] == "2001:db8::1")
        .unwrap()
        .join("|");
    assert_eq!(
        planted,
        "2025-03-03 08:56:00|1001|Zhang San|Sales|Out|2001:db8::1|'+1+1|'=HYPERLINK(\"http://x\")|'@SUM(A1)"
    );
    let wang = records
        .iter()
        .find(|r| r[2] == "Wang Wu")
        .unwrap()
        .join("|");
    assert_eq!(
        wang,
        "2025-03-03 08:55:00|1003|Wang Wu|Sales|In|10.0.0.3|192.168.1.3|00:11:22:33:44:03|windows"
    );
    assert!(!records.iter().any(|r| r[5] == "10.9.9.9"));
}

#[test]
fn full_sheets_continue_on_numbered_sheets_in_chinese() {
    let f = fixture();
    let month = Month::parse("2025-03").unwrap();
    let mut export = MonthExport::new(month, &f.tz, Lang::Zh, &f.roster, &f.rows, &f.records);
    export.rows_per_sheet = 20;
    let sheets = read(export_month(&export).unwrap());
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    // 26 days and 56 records (Bob's too: records are records, counted or not).
    assert_eq!(f.records.len(), 56);
    assert_eq!(
        names,
        [
            "月度汇总",
            "每日明细",
            "每日明细 2",
            "打卡记录",
            "打卡记录 2",
            "打卡记录 3"
        ]
    );
    let rows: Vec<usize> = sheets.iter().map(|(_, r)| r.len()).collect();
    assert_eq!(rows, [6, 21, 7, 21, 21, 17]);
    for (_, r) in &sheets[3..] {
        assert_eq!(r[0][0], "时间");
        assert_eq!(r[0][5], "IP（服务器所见）");
    }
    // Split sheets keep the order: member by member, by time.
    let all: Vec<&Vec<String>> = sheets[3..]
        .iter()
        .flat_map(|(_, r)| r.iter().skip(1))
        .collect();
    assert_eq!(all.len(), 56);
    assert_eq!(all[0][2], "Alice");
    assert_eq!(all[0][4], "上班");
    assert!(all.last().unwrap()[2].is_empty());
}

/// Text longer than a cell holds (a name, or a value a client reported) is cut to the cell
/// limit, neutralised, rather than failing the whole export.
#[test]
fn over_long_text_is_cut_to_a_cell() {
    let mut f = fixture();
    let long = format!("={}", "名".repeat(40_000));
    f.roster.insert(
        1,
        Person {
            account: "1001".into(),
            name: long.clone(),
            org: "Sales".into(),
        },
    );
    let month = Month::parse("2025-03").unwrap();
    let export = MonthExport::new(month, &f.tz, Lang::En, &f.roster, &f.rows, &f.records);
    let sheets = read(export_month(&export).unwrap());
    let cut: Vec<&String> = sheets[2]
        .1
        .iter()
        .filter(|r| r[1] == "1001")
        .map(|r| &r[2])
        .collect();
    assert!(!cut.is_empty());
    for name in cut {
        assert_eq!(name.chars().count(), 32_767);
        assert!(name.starts_with("'=名名"));
    }
    assert_eq!(orgdir_attendance::neutralise(&long).chars().count(), 40_002);
}
