//! Reading a workbook back: calamine for the cells, the ZIP itself for the XML parts.

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};

/// Every sheet as `(name, rows of cells as text)`. Numbers print as Rust prints them;
/// date/time cells as `date <serial>` (calamine recognised the date/time number format).
pub fn read(bytes: &[u8]) -> Vec<(String, Vec<Vec<String>>)> {
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
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
                            Data::DateTime(d) => format!("date {}", d.as_f64()),
                            other => format!("{other:?}"),
                        })
                        .collect()
                })
                .collect();
            (n, rows)
        })
        .collect()
}

/// The text of one part of the package.
pub fn part(bytes: &[u8], path: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut text = String::new();
    zip.by_name(path)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// The names of the package's parts, in order.
pub fn parts(bytes: &[u8]) -> Vec<String> {
    let zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    zip.file_names().map(str::to_string).collect()
}
