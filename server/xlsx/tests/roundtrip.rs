//! Workbooks written and read back with calamine: every kind of cell, text that needs
//! escaping or holds characters XML forbids, several sheets with their layout, and the same
//! cells whatever the options (strings inline or shared, threads, deflate level).

use orgdir_xlsx::{
    Cell, Options, Sheet, Strings, Workbook, date_serial, datetime_serial, time_serial,
};

use crate::common::{part, parts, read};

/// One cell per row: what is written, and what calamine reads back.
fn cases() -> Vec<(Cell<'static>, &'static str)> {
    vec![
        (Cell::Text("Zhang San"), "Zhang San"),
        (Cell::Text("张三 / 研发部"), "张三 / 研发部"),
        (Cell::Text("emoji 😀 and é"), "emoji 😀 and é"),
        (Cell::Text("a<b>&c\"d'e"), "a<b>&c\"d'e"),
        (Cell::Text("</t></is></c><c>"), "</t></is></c><c>"),
        (Cell::Text("]]> &amp; &#65;"), "]]> &amp; &#65;"),
        // Control characters XML 1.0 forbids are dropped; tab and line feed are kept.
        (Cell::Text("nul\0bell\x07esc\x1b!"), "nulbellesc!"),
        (Cell::Text("\x01\x02\x03"), ""),
        (Cell::Text("tab\there\nnext line"), "tab\there\nnext line"),
        // A carriage return survives the XML parser's line-end normalisation.
        (Cell::Text("crlf\r\nand cr\r."), "crlf\r\nand cr\r."),
        (Cell::Text("no\u{FFFE}n\u{FFFF}chars"), "nonchars"),
        // Excel's own escapes are protected.
        (Cell::Text("_x0041_ _x000D_"), "_x0041_ _x000D_"),
        (Cell::Text("  padded  "), "  padded  "),
        (Cell::Text("=1+1"), "=1+1"),
        (Cell::Int(42), "42"),
        (Cell::Int(-7), "-7"),
        (Cell::Int(1_234_567_890_123), "1234567890123"),
        (Cell::Number(3.25), "3.25"),
        (Cell::Number(-0.1), "-0.1"),
        // Written in exponent form (`1.5e20`).
        (Cell::Number(1.5e20), "150000000000000000000"),
        (Cell::Number(2.5e-9), "0.0000000025"),
        // 2025-03-03, 09:10:30, and 2025-03-03 08:56:00.
        (Cell::Date(date_serial(20_150)), "date 45719"),
        (
            Cell::Time(time_serial(9 * 3600 + 10 * 60 + 30)),
            "date 0.38229166666666664",
        ),
        (
            Cell::DateTime(datetime_serial(20_150 * 86_400 + 8 * 3600 + 56 * 60)),
            "date 45719.37222222222",
        ),
        (Cell::Empty, ""),
    ]
}

fn one_sheet(options: Options) -> Vec<u8> {
    let mut wb = Workbook::with_options(options);
    wb.add_sheet(Sheet::new("Cells").header(["Value"]), |rows| {
        for (cell, _) in cases() {
            rows.row(&[cell])?;
        }
        Ok(())
    })
    .unwrap();
    wb.to_bytes().unwrap()
}

#[test]
fn every_kind_of_cell_reads_back() {
    for options in [
        Options::default(),
        Options::default().strings(Strings::Shared),
    ] {
        let sheets = read(&one_sheet(options));
        assert_eq!(sheets.len(), 1);
        let (name, rows) = &sheets[0];
        assert_eq!(name, "Cells");
        assert_eq!(rows[0], ["Value"]);
        let cases = cases();
        // calamine's range ends at the last cell that holds something.
        let got: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
        let want: Vec<&str> = cases.iter().map(|(_, w)| *w).collect();
        assert_eq!(got, want[..got.len()], "{options:?}");
        assert!(want[got.len()..].iter().all(|w| w.is_empty()));
    }
}

/// Three sheets, one of them written by several threads' worth of rows, with gaps in rows.
fn three_sheets(options: Options) -> Vec<u8> {
    let mut wb = Workbook::with_options(options);
    wb.add_sheet(
        Sheet::new("Summary")
            .header(["Account", "Name", "Days"])
            .widths(&[14.0, 16.0]),
        |rows| {
            rows.row(&["1001".into(), "张三".into(), 22u32.into()])?;
            rows.row(&["1002".into(), Cell::Empty, 21u32.into()])?;
            Ok(())
        },
    )
    .unwrap();
    wb.add_sheet(
        Sheet::new("R&D 研发 \"2025\"").header(["Row", "Square", "Name"]),
        |rows| {
            for i in 0..5_000i64 {
                let name = format!("Member {i:05}");
                rows.row(&[
                    Cell::Int(i),
                    Cell::Number((i * i) as f64),
                    Cell::Text(&name),
                ])?;
            }
            Ok(())
        },
    )
    .unwrap();
    wb.add_sheet(Sheet::new("Empty"), |_| Ok(())).unwrap();
    wb.to_bytes().unwrap()
}

#[test]
fn several_sheets_in_order_whatever_the_options() {
    let reference = read(&three_sheets(Options::default().threads(1)));
    let names: Vec<&str> = reference.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Summary", "R&D 研发 \"2025\"", "Empty"]);
    assert_eq!(
        reference[0].1,
        [
            vec!["Account", "Name", "Days"],
            vec!["1001", "张三", "22"],
            vec!["1002", "", "21"]
        ]
    );
    let big = &reference[1].1;
    assert_eq!(big.len(), 5_001);
    assert_eq!(big[4_321], ["4320", "18662400", "Member 04320"]);
    assert!(reference[2].1.is_empty());

    for options in [
        Options::default().threads(2),
        Options::default().threads(3).strings(Strings::Shared),
        Options::default().level(0),
        Options::default().level(1),
        Options::default().level(9).threads(2),
    ] {
        assert_eq!(read(&three_sheets(options)), reference, "{options:?}");
    }
}

#[test]
fn package_parts_and_layout() {
    let bytes = three_sheets(Options::default());
    assert_eq!(
        parts(&bytes),
        [
            "[Content_Types].xml",
            "_rels/.rels",
            "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels",
            "xl/styles.xml",
            "xl/worksheets/sheet1.xml",
            "xl/worksheets/sheet2.xml",
            "xl/worksheets/sheet3.xml",
        ]
    );
    let workbook = part(&bytes, "xl/workbook.xml");
    assert!(
        workbook
            .contains(r#"<sheet name="R&amp;D 研发 &quot;2025&quot;" sheetId="2" r:id="rId2"/>"#),
        "{workbook}"
    );
    let summary = part(&bytes, "xl/worksheets/sheet1.xml");
    // The first sheet is the selected one; the header is bold and frozen; two widths.
    for want in [
        r#"<sheetView tabSelected="1" workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#,
        r#"<cols><col min="1" max="1" width="14.7109375" customWidth="1"/><col min="2" max="2" width="16.7109375" customWidth="1"/></cols>"#,
        r#"<row r="1"><c r="A1" s="1" t="inlineStr"><is><t>Account</t></is></c>"#,
        r#"<row r="3"><c r="A3" t="inlineStr"><is><t>1002</t></is></c><c r="C3"><v>21</v></c></row>"#,
    ] {
        assert!(summary.contains(want), "{want}\nnot in\n{summary}");
    }
    let empty = part(&bytes, "xl/worksheets/sheet3.xml");
    assert!(
        empty.contains(r#"<sheetView workbookViewId="0"/>"#),
        "{empty}"
    );
    assert!(empty.contains("<sheetData></sheetData>"), "{empty}");

    // Shared strings: one table, every text once, cells by index.
    let shared = three_sheets(Options::default().strings(Strings::Shared));
    assert!(parts(&shared).contains(&"xl/sharedStrings.xml".to_string()));
    let sst = part(&shared, "xl/sharedStrings.xml");
    // 3 + 3 header texts and 3 + 5,000 cell texts, 5,008 of them distinct ("Name" twice).
    assert!(
        sst.contains(r#"count="5009" uniqueCount="5008""#),
        "{}",
        &sst[..300]
    );
    assert!(part(&shared, "[Content_Types].xml").contains("/xl/sharedStrings.xml"));
    assert!(part(&shared, "xl/_rels/workbook.xml.rels").contains("sharedStrings.xml"));
}
