//! Tests of bulk import/export against real files built in memory: a file in, the plan,
//! the error file or the FileError out.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{Cursor, Read, Write};

use orgdir_bulk::*;
use orgdir_domain::command::{Command, Ctx, apply};
use orgdir_domain::limits::Limits;
use orgdir_domain::model::{Enterprise, EnterpriseState};
use rust_xlsxwriter::Workbook;

fn state(seats: u32) -> EnterpriseState {
    let ent = Enterprise {
        number: 100001,
        short_name: "Example".into(),
        name: "Example Ltd".into(),
        naming_context: "dc=example,dc=com".into(),
        seats,
        account_range: (10001, 99999),
        expires_at: None,
        domain: None,
        super_password: None,
        limits: Limits::default(),
        posix_base: 10000,
        groups_rdn: "cn=groups".into(),
        services_rdn: "cn=services".into(),
        uuid: [0; 16],
        account: Default::default(),
        created_at: 0,
        modified_at: 0,
    };
    let mut n = 0u8;
    EnterpriseState::new(ent, || {
        n = n.wrapping_add(1);
        [n; 16]
    })
}

fn plan_of(state: &EnterpriseState, sheet: &Sheet, mode: Mode) -> Plan {
    let mut uuid = || [7u8; 16];
    let mut ctx = Ctx {
        now: 100,
        uuid: &mut uuid,
    };
    plan(state, sheet, mode, &mut ctx)
}

/// Runs commands the way the directory would (one after the other on a copy).
fn run(state: &EnterpriseState, cmds: &[Command]) -> EnterpriseState {
    let mut next = state.clone();
    let mut uuid = || [9u8; 16];
    let mut ctx = Ctx {
        now: 200,
        uuid: &mut uuid,
    };
    for c in cmds {
        apply(&mut next, c.clone(), &mut ctx).unwrap();
    }
    next
}

fn xlsx(rows: &[&[&str]]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (r, cells) in rows.iter().enumerate() {
        for (c, v) in cells.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r as u32, c as u16, *v).unwrap();
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

fn zip_entry(bytes: &[u8], name: &str) -> String {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut s = String::new();
    z.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

const HEADER: &[&str] = &[
    "org path",
    "account",
    "name",
    "mobile",
    "email",
    "title",
    "role",
    "scope orgs",
    "hidden",
    "disabled",
];

const ROWS: &[&[&str]] = &[
    HEADER,
    &[
        "R&D/Platform/Storage",
        "10001",
        "Zhang Wei",
        "+86 138 0000 0000",
        "zhang.wei@example.com",
        "=1+1 Engineer",
        "member",
        "",
        "no",
        "no",
    ],
    &[
        "R&D/Platform",
        "10002",
        "李娜",
        "13900000000",
        "",
        "",
        "System administrator",
        "R&D;Sales\\/EU",
        "yes",
        "no",
    ],
    &[
        "Sales\\/EU",
        "10003",
        "Bob",
        "",
        "bob@example.com",
        "@lead",
        "member",
        "",
        "",
        "yes",
    ],
    &[
        "/",
        "ceo",
        "Boss",
        "",
        "",
        "-CEO",
        "information administrator",
        "R&D/Platform/Storage",
        "是",
        "否",
    ],
];

#[test]
fn template_has_a_comment_on_every_header_and_a_valid_example() {
    let s = state(500);
    for lang in [Lang::En, Lang::Zh] {
        let bytes = template(Some(&s), lang).unwrap();
        let sheet = read(&bytes, "template.xlsx").unwrap();
        let cols: Vec<_> = sheet.columns.iter().map(|c| c.unwrap()).collect();
        assert_eq!(cols, Column::ALL.to_vec());
        assert_eq!(sheet.rows.len(), 1);
        let comments = zip_entry(&bytes, "xl/comments1.xml");
        assert_eq!(comments.matches("<comment ").count(), Column::ALL.len());
        for c in Column::ALL {
            let rule = c.rule(lang).replace('&', "&amp;");
            assert!(comments.contains(&rule), "{c:?} rule missing in comments");
        }
        let workbook = zip_entry(&bytes, "xl/workbook.xml");
        assert!(workbook.contains("Roles") || workbook.contains("角色"));
        let p = plan_of(&s, &sheet, Mode::AllOrNothing);
        assert!(!p.has_errors(), "{:?} {:?}", p.cell_errors, p.row_errors);
        assert_eq!((p.summary.created, p.summary.orgs_created), (1, 3));
    }
}

#[test]
fn import_then_reimport_and_export_round_trip_change_nothing() {
    let s = state(500);
    let sheet = read(&xlsx(ROWS), "members.xlsx").unwrap();
    let p = plan_of(&s, &sheet, Mode::AllOrNothing);
    assert!(!p.has_errors(), "{:?} {:?}", p.cell_errors, p.row_errors);
    assert_eq!(p.summary.created, 4);
    assert_eq!(p.summary.orgs_created, 4); // R&D, Platform, Storage, Sales/EU
    let s2 = run(&s, &p.commands);
    assert_eq!(s2.members.len(), 4);
    let li = s2.member_by_account("10002").unwrap();
    assert!(li.hidden);
    assert_eq!(li.scope.len(), 2);
    assert!(s2.member_by_account("10003").unwrap().disabled);

    // The same file again: nothing to do.
    let again = plan_of(&s2, &sheet, Mode::AllOrNothing);
    assert!(again.commands.is_empty(), "{:?}", again.commands);
    assert_eq!(again.summary.unchanged, 4);

    // Export → read → plan: nothing to do, in both formats and languages.
    for (format, lang) in [
        (ExportFormat::Xlsx, Lang::En),
        (ExportFormat::Csv, Lang::Zh),
        (ExportFormat::Csv, Lang::En),
    ] {
        let bytes = export(&s2, None, format, lang).unwrap();
        let back = read(&bytes, "export").unwrap();
        assert_eq!(back.rows.len(), 4);
        let p = plan_of(&s2, &back, Mode::AllOrNothing);
        assert!(!p.has_errors(), "{:?} {:?}", p.cell_errors, p.row_errors);
        assert!(p.commands.is_empty(), "{format:?}: {:?}", p.commands);
    }

    // A change in the file becomes exactly the commands for what differs.
    let mut edited: Vec<Vec<&str>> = ROWS.iter().map(|r| r.to_vec()).collect();
    edited[1][3] = "";
    edited[3][0] = "R&D";
    let refs: Vec<&[&str]> = edited.iter().map(|r| r.as_slice()).collect();
    let p = plan_of(
        &s2,
        &read(&xlsx(&refs), "x.xlsx").unwrap(),
        Mode::AllOrNothing,
    );
    assert_eq!(p.summary.updated, 2);
    assert_eq!(p.commands.len(), 2, "{:?}", p.commands);
    let s3 = run(&s2, &p.commands);
    assert_eq!(s3.member_by_account("10001").unwrap().mobile, None);
}

#[test]
fn export_of_a_subtree_and_formula_neutralisation() {
    let s = state(500);
    let sheet = read(&xlsx(ROWS), "m.xlsx").unwrap();
    let s2 = run(&s, &plan_of(&s, &sheet, Mode::AllOrNothing).commands);
    let rd = s2.orgs.values().find(|o| o.name == "R&D").unwrap().id;
    let csv =
        String::from_utf8(export(&s2, Some(rd), ExportFormat::Csv, Lang::En).unwrap()).unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(csv.contains("'=1+1 Engineer"), "{csv}");
    assert!(csv.contains("'+86 138 0000 0000"), "{csv}");
    let all = String::from_utf8(export(&s2, None, ExportFormat::Csv, Lang::En).unwrap()).unwrap();
    assert!(all.contains(",'@lead,") && all.contains(",'-CEO,"), "{all}");
    assert!(all.contains("Sales\\/EU"), "{all}");
    for line in all.lines() {
        for cell in line.split(',') {
            assert!(!cell.starts_with(['=', '+', '-', '@']), "{cell}");
        }
    }
    assert_eq!(
        export::neutralise("=HYPERLINK(\"x\")"),
        "'=HYPERLINK(\"x\")"
    );
    assert_eq!(export::neutralise("plain"), "plain");
    assert_eq!(plan::unguard("'+86"), "+86");
    assert_eq!(plan::unguard("'quoted"), "'quoted");
}

#[test]
fn every_kind_of_row_error_lands_on_its_cell_and_in_the_error_file() {
    let s = state(500);
    let rows: &[&[&str]] = &[
        HEADER,
        /* 0 ok     */ &["A", "10001", "Ok", "", "", "", "member", "", "", ""],
        /* 1 */ &["A", "10002", "", "", "not-mail", "", "member", "", "", ""],
        /* 2 */
        &[
            "", "10003", "Nina", "call me", "", "", "nobody", "", "maybe", "",
        ],
        /* 3 */ &["A", "10001", "Dup", "", "", "", "member", "", "", ""],
        /* 4 */ &["A", "5", "Low", "", "", "", "member", "", "", ""],
        /* 5 */
        &[
            "A",
            "10006",
            "Admin",
            "",
            "",
            "",
            "enterprise administrator",
            "",
            "",
            "",
        ],
        /* 6 */
        &[
            "B",
            "10007",
            "Scope",
            "",
            "",
            "",
            "member",
            "A;Nowhere",
            "",
            "",
        ],
        /* 7 */
        &[
            "A", "10008", "Wide", "", "", "", "member", "A;B;C;/", "", "",
        ],
    ];
    // B and C exist as orgs of an earlier row so only the limit is at fault in row 7.
    let mut setup = s.clone();
    let root = setup.root();
    let mut uuid = || [1u8; 16];
    let mut ctx = Ctx {
        now: 1,
        uuid: &mut uuid,
    };
    for n in ["B", "C"] {
        apply(
            &mut setup,
            Command::CreateOrg {
                parent: root,
                name: n.into(),
            },
            &mut ctx,
        )
        .unwrap();
    }
    let sheet = read(&xlsx(rows), "e.xlsx").unwrap();
    let p = plan_of(&setup, &sheet, Mode::AllOrNothing);
    let mut got: Vec<(usize, Column, bool)> = p
        .cell_errors
        .iter()
        .map(|e| (e.row, e.column, e.kind == CellErrorKind::MissingRequired))
        .collect();
    got.sort();
    let want = vec![
        (1, Column::Name, true),
        (1, Column::Email, false),
        (2, Column::OrgPath, true),
        (2, Column::Mobile, false),
        (2, Column::Role, false),
        (2, Column::Hidden, false),
        (3, Column::Account, false),
        (4, Column::Account, false),
        (5, Column::Role, false),
        (6, Column::Scope, false),
        (7, Column::Scope, false),
    ];
    assert_eq!(got, want, "{:#?}", p.cell_errors);
    assert_eq!(p.summary.error_rows, 7);
    assert!(p.commands.is_empty(), "all-or-nothing runs nothing");

    let valid = plan_of(&setup, &sheet, Mode::ValidRows);
    assert_eq!(valid.summary.created, 1);
    let after = run(&setup, &valid.commands);
    assert_eq!(after.members.len(), 1);
    // The failed row 7 created no org; A was created by row 0 only once.
    assert_eq!(after.orgs.len(), setup.orgs.len() + 1);

    let file = error_file(&sheet, &p).unwrap();
    let styles = zip_entry(&file, "xl/styles.xml");
    assert!(styles.contains("FFFF0000"), "red fill");
    assert!(styles.contains("FFFFA500"), "orange fill");
    let comments = zip_entry(&file, "xl/comments1.xml");
    assert_eq!(comments.matches("<comment ").count(), want.len());
    for needle in [
        "required: name must not be empty",
        "is not a mail address",
        "no role named",
        "also in row 2",
        "outside the enterprise",
        "enterprise administrator role",
        "\"Nowhere\" does not exist",
        "max_scope_orgs",
    ] {
        assert!(comments.contains(needle), "{needle} not in {comments}");
    }
    let back = read(&file, "errors.xlsx").unwrap();
    assert_eq!(back.rows.len(), sheet.rows.len());
    let summary = zip_entry(&file, "xl/workbook.xml");
    assert!(summary.contains("Summary"));
}

#[test]
fn seats_and_org_capacity_come_from_the_domain_rules() {
    let s = state(2);
    let rows: &[&[&str]] = &[
        HEADER,
        &["A", "10001", "One", "", "", "", "member", "", "", ""],
        &["A", "10002", "Two", "", "", "", "member", "", "", ""],
        &["A", "10003", "Three", "", "", "", "member", "", "", ""],
    ];
    let p = plan_of(&s, &read(&xlsx(rows), "x.xlsx").unwrap(), Mode::ValidRows);
    assert_eq!(p.row_errors.len(), 1, "{:?}", p.row_errors);
    assert_eq!(p.row_errors[0].row, 2);
    assert!(p.row_errors[0].reason.contains("seats"));
    assert_eq!(p.summary.created, 2);
}

#[test]
fn gbk_and_utf8_csv_are_detected() {
    let text = "部门路径,帐号,姓名,角色\n研发/平台,10001,张伟,member\n";
    let (gbk, _, bad) = encoding_rs::GBK.encode(text);
    assert!(!bad);
    let sheet = read(&gbk, "m.csv").unwrap();
    assert_eq!(sheet.source, Source::Csv(TextEncoding::Gbk));
    assert_eq!(sheet.rows[0].cells[2], "张伟");
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(text.as_bytes());
    let sheet = read(&bom, "m.csv").unwrap();
    assert_eq!(sheet.source, Source::Csv(TextEncoding::Utf8));
    assert_eq!(sheet.headers[0], "部门路径");
    let p = plan_of(&state(500), &sheet, Mode::AllOrNothing);
    assert!(!p.has_errors(), "{:?}", p.cell_errors);
}

fn bomb() -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut out);
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    z.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
    z.write_all(b"<worksheet/>").unwrap();
    z.finish().unwrap();
    let mut bytes = out.into_inner();
    // Claim 1 GB in the central directory (uncompressed size at offset 24).
    let cd = bytes.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    bytes[cd + 24..cd + 28].copy_from_slice(&0x4000_0000u32.to_le_bytes());
    bytes
}

fn dense_bomb() -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut out);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    z.start_file("xl/sharedStrings.xml", opts).unwrap();
    z.write_all(&vec![b'a'; 20 * 1024 * 1024]).unwrap();
    z.finish().unwrap();
    out.into_inner()
}

#[test]
fn bad_files_get_clear_errors() {
    let junk: Vec<u8> = (0..10 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    ole.extend_from_slice(&[0; 504]);
    let dup = xlsx(&[&["org path", "account", "name", "role", "Account "]]);
    let missing = xlsx(&[&["org path", "name", "role"], &["A", "x", "member"]]);
    let data_first = xlsx(&[&["R&D", "10001", "Zhang"]]);
    let unknown = xlsx(&[&["org path", "account", "name", "role", "emial"]]);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", Vec::new(), "file.empty"),
        ("junk", junk, "file.not_spreadsheet"),
        ("too large", vec![b'a'; MAX + 1], "file.too_large"),
        ("ole", ole, "file.encrypted"),
        ("bomb", bomb(), "file.too_much_data"),
        ("dense bomb", dense_bomb(), "file.too_much_data"),
        ("duplicate", dup, "file.duplicate_header"),
        ("missing", missing, "file.missing_columns"),
        ("wrong sheet", data_first, "file.missing_columns"),
        ("unknown", unknown, "file.unknown_header"),
        (
            "broken zip",
            b"PK\x03\x04garbage".to_vec(),
            "file.not_spreadsheet",
        ),
    ];
    for (what, bytes, code) in cases {
        let err = read(&bytes, "upload.xlsx").unwrap_err();
        assert_eq!(err.code(), code, "{what}: {err}");
        assert!(!err.to_string().is_empty());
    }
    let err = read(&bomb(), "b.xlsx").unwrap_err();
    assert!(err.to_string().contains("1073741824"), "{err}");
}

const MAX: usize = orgdir_bulk::read::MAX_FILE_BYTES;

#[test]
fn plan_of_30000_rows_timing() {
    let mut s = state(40_000);
    s.enterprise.account_range = (10_001, 99_999);
    let mut csv = String::from("org path,account,name,mobile,email,title,role\n");
    for i in 0..30_000u32 {
        csv.push_str(&format!(
            "Division {}/Team {},{},Person {i},+86 138{:08},p{i}@example.com,Engineer,member\n",
            i / 3000,
            i / 150,
            10_001 + i,
            i
        ));
    }
    let t = std::time::Instant::now();
    let sheet = read(csv.as_bytes(), "big.csv").unwrap();
    let read_time = t.elapsed();
    let p = plan_of(&s, &sheet, Mode::AllOrNothing);
    let plan_time = t.elapsed() - read_time;
    assert!(!p.has_errors(), "{:?}", p.cell_errors.first());
    assert_eq!(p.summary.created, 30_000);
    eprintln!(
        "30,000 rows: read {read_time:?}, plan {plan_time:?} ({} commands, {} orgs)",
        p.commands.len(),
        p.summary.orgs_created
    );
}

/// Every phase a caller can watch ends with all its units done, and watching changes
/// nothing: the plan and the export are those of the plain functions.
#[test]
fn progress_reaches_the_total_of_every_phase() {
    let s = state(5_000);
    let mut csv = String::from("org path,account,name,role\n");
    for i in 0..1_000u32 {
        // Every 100th row lacks its name: the plan has errors, so an error file is written.
        let name = if i % 100 == 7 {
            String::new()
        } else {
            format!("Person {i}")
        };
        csv.push_str(&format!("Team {},{},{name},member\n", i / 100, 10_001 + i));
    }
    let progress = Progress::new();
    let watcher = progress.clone();
    let done = |phase: Phase, n: u64| {
        assert_eq!(
            watcher.seen(),
            Seen {
                phase,
                done: n,
                total: n
            }
        );
    };

    let sheet = read_with_progress(csv.as_bytes(), "m.csv", &progress).unwrap();
    assert_eq!(sheet, read(csv.as_bytes(), "m.csv").unwrap());
    done(Phase::Reading, 1_000);
    let rows: Vec<&[&str]> = vec![HEADER, ROWS[1], ROWS[2]];
    let book = read_with_progress(&xlsx(&rows), "m.xlsx", &progress).unwrap();
    assert_eq!(book.rows.len(), 2);
    done(Phase::Reading, 2);

    let p = plan_at_with_progress(&s, &sheet, Mode::ValidRows, 100, &progress);
    done(Phase::Checking, 1_000);
    assert_eq!(p, plan_at(&s, &sheet, Mode::ValidRows, 100));
    assert_eq!((p.summary.created, p.summary.error_rows), (990, 10));

    let file = error_file_with_progress(&sheet, &p, &progress).unwrap();
    assert!(file.starts_with(b"PK"));
    done(Phase::ErrorFile, 1_000);

    let s2 = run(&s, &p.commands);
    for format in [ExportFormat::Csv, ExportFormat::Xlsx] {
        let out = export_with_progress(&s2, None, format, Lang::En, &progress).unwrap();
        done(Phase::Exporting, 990);
        if format == ExportFormat::Csv {
            assert_eq!(out, export(&s2, None, format, Lang::En).unwrap());
        }
    }
}
