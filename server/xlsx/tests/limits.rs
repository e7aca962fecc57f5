//! XLSX limits and failures, each refused with an error that says what to change: the row
//! limit (a full sheet is fine, one row more is not), columns, text length, numbers, sheet
//! names, options, and the caller's own errors and panics.

use orgdir_xlsx::{Cell, Error, MAX_COLUMNS, MAX_ROWS, MAX_TEXT_CHARS, Options, Sheet, Workbook};

use crate::common::read;

/// A sheet of exactly MAX_ROWS rows reads back; the row after it is refused.
#[test]
fn a_sheet_holds_max_rows_and_not_one_more() {
    let mut wb = Workbook::with_options(Options::default().level(1));
    wb.add_sheet(Sheet::new("Full").header(["n"]), |rows| {
        for n in 2..=MAX_ROWS {
            rows.row(&[Cell::Int(n.into())])?;
        }
        assert_eq!(rows.count(), MAX_ROWS);
        Ok(())
    })
    .unwrap();
    let sheets = read(&wb.to_bytes().unwrap());
    let rows = &sheets[0].1;
    assert_eq!(rows.len(), MAX_ROWS as usize);
    assert_eq!(rows[MAX_ROWS as usize - 1], ["1048576"]);

    let mut wb = Workbook::new();
    let mut refused_at = None;
    let refused = &mut refused_at;
    wb.add_sheet(Sheet::new("Records 1").header(["n"]), move |rows| {
        for n in 2..=MAX_ROWS + 1 {
            if let Err(e) = rows.row(&[Cell::Int(n.into())]) {
                *refused = Some(n);
                return Err(e);
            }
        }
        Ok(())
    })
    .unwrap();
    let e = wb.to_bytes().unwrap_err();
    assert_eq!(refused_at, Some(MAX_ROWS + 1));
    assert!(matches!(&e, Error::TooManyRows { sheet } if sheet == "Records 1"));
    assert_eq!(
        e.to_string(),
        "sheet \"Records 1\" has more than 1048576 rows (the XLSX limit, header included): split the rows over several sheets"
    );
}

/// A refused row leaves nothing behind: the caller may skip it and go on.
#[test]
fn a_refused_row_leaves_the_sheet_valid() {
    let long = "x".repeat(MAX_TEXT_CHARS + 1);
    let longest = "字".repeat(MAX_TEXT_CHARS);
    let mut wb = Workbook::new();
    wb.add_sheet(Sheet::new("S"), |rows| {
        rows.row(&["first".into()])?;
        let e = rows.row(&["ok".into(), Cell::Text(&long)]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cell B2 of sheet \"S\" holds 32768 characters: a cell holds at most 32767"
        );
        let e = rows.row(&[Cell::Number(f64::NAN)]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cell A2 of sheet \"S\" is not a finite number"
        );
        let e = rows.row(&[Cell::Empty; MAX_COLUMNS + 1]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "row 2 of sheet \"S\" has 16385 cells: a sheet has at most 16384 columns"
        );
        rows.row(&[Cell::Text(&longest)])?;
        Ok(())
    })
    .unwrap();
    let sheets = read(&wb.to_bytes().unwrap());
    let rows = &sheets[0].1;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0][0], "first");
    assert_eq!(rows[1][0], longest);
}

fn fails(build: impl FnOnce(&mut Workbook<'_>) -> Result<(), Error>) -> String {
    let mut wb = Workbook::new();
    match build(&mut wb).and_then(|()| wb.to_bytes().map(drop)) {
        Ok(()) => panic!("no error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn refusals() {
    let name = |n: &str| {
        let n = n.to_string();
        fails(move |wb| wb.add_sheet(Sheet::new(n), |_| Ok(())))
    };
    let rule = "(a sheet name has 1 to 31 characters, none of : \\ / ? * [ ], and does not start or end with ')";
    let cases = [
        (name(""), format!("sheet name \"\" is empty {rule}")),
        (
            name(&"x".repeat(32)),
            format!("sheet name \"{}\" is too long {rule}", "x".repeat(32)),
        ),
        (
            name("a/b"),
            format!("sheet name \"a/b\" holds a character Excel does not allow {rule}"),
        ),
        (
            name("'q'"),
            format!("sheet name \"'q'\" starts or ends with an apostrophe {rule}"),
        ),
        (
            name("tab\there"),
            format!("sheet name \"tab\\there\" holds a control character {rule}"),
        ),
        (
            fails(|wb| {
                wb.add_sheet(Sheet::new("Data"), |_| Ok(()))?;
                wb.add_sheet(Sheet::new("DATA"), |_| Ok(()))
            }),
            "two sheets are named \"DATA\" (sheet names are compared ignoring case)".into(),
        ),
        (
            fails(|wb| wb.add_sheet(Sheet::new("W").widths(&[10.0, 300.0]), |_| Ok(()))),
            "sheet \"W\": column width 300 is not 0 to 255 characters".into(),
        ),
        (
            fails(|wb| {
                let header = vec!["h"; MAX_COLUMNS + 1];
                wb.add_sheet(Sheet::new("H").header(header), |_| Ok(()))
            }),
            "sheet \"H\": 16385 header cells, more than the 16384 columns of a sheet".into(),
        ),
        (
            fails(|_| Ok(())),
            "a workbook needs at least one sheet".into(),
        ),
        (
            {
                let mut wb = Workbook::with_options(Options::default().level(10));
                wb.add_sheet(Sheet::new("S"), |_| Ok(())).unwrap();
                wb.to_bytes().unwrap_err().to_string()
            },
            "compression level 10 is not 0 to 9".into(),
        ),
        // The caller's error, returned from its callback, comes back as it was.
        (
            fails(|wb| {
                wb.add_sheet(Sheet::new("A"), |rows| rows.row(&["a".into()]))?;
                wb.add_sheet(Sheet::new("B"), |_| {
                    Err(Error::rows(std::io::Error::other("database gone")))
                })
            }),
            "producing the rows: database gone".into(),
        ),
        // A panicking callback fails the write and names its sheet.
        (
            fails(|wb| wb.add_sheet(Sheet::new("Boom"), |_| panic!("planted"))),
            "the rows of sheet \"Boom\" panicked".into(),
        ),
    ];
    for (got, want) in cases {
        assert_eq!(got, want);
    }
}
