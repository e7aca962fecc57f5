//! Reading an upload into a [`Sheet`]: XLSX (calamine, behind zip guards that run before
//! anything is decompressed) or CSV in UTF-8 or GBK. The header row is matched to
//! [`Column`]s; every failure is a [`FileError`] and nothing further happens.

use std::io::{Cursor, Read};

use calamine::{DataRef, Reader, Xlsx};

use crate::column::Column;
use crate::error::FileError;
use crate::progress::{Phase, Progress};

/// Largest upload accepted (the caller should also cap the request body).
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// Most data rows in one sheet.
pub const MAX_ROWS: usize = 100_000;
/// Most columns read per row (cells further right are ignored).
const MAX_COLUMNS: u32 = 64;
/// Most entries in an XLSX zip.
const MAX_ZIP_ENTRIES: usize = 1_000;
/// Largest declared size of one zip entry.
const MAX_ENTRY_BYTES: u64 = 200 * 1024 * 1024;
/// Largest declared size of all zip entries together.
const MAX_TOTAL_BYTES: u64 = 400 * 1024 * 1024;
/// Largest compression ratio of an entry bigger than 1 MiB.
const MAX_RATIO: u64 = 200;
/// Sheet names looked for before falling back to the first sheet.
pub const SHEET_NAMES: [&str; 2] = ["Members", "成员"];

/// The format of an uploaded file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// An XLSX workbook.
    Xlsx,
    /// CSV text in the given encoding.
    Csv(TextEncoding),
}

/// The encoding a CSV upload was read in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8 (with or without a byte-order mark).
    Utf8,
    /// GBK (GB 2312 superset), as Excel saves CSV on Chinese Windows.
    Gbk,
}

/// One data row as uploaded.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// 1-based row number in the spreadsheet (the header is row 1 when it is the first row).
    pub line: usize,
    /// Cell texts by column position (same positions as [`Sheet::headers`]), trimmed.
    pub cells: Vec<String>,
}

/// An uploaded sheet: headers, which column each is, and the data rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Sheet {
    /// What was read.
    pub source: Source,
    /// The sheet name (`"CSV"` for CSV).
    pub name: String,
    /// The header row's texts as uploaded.
    pub headers: Vec<String>,
    /// Which column each header position is (`None`: an empty header, ignored).
    pub columns: Vec<Option<Column>>,
    /// 1-based row number of the header row.
    pub header_line: usize,
    /// Data rows (fully empty rows are skipped).
    pub rows: Vec<Row>,
}

impl Sheet {
    /// The position of `col`, if the sheet has it.
    pub fn position(&self, col: Column) -> Option<usize> {
        self.columns.iter().position(|c| *c == Some(col))
    }

    /// The value of `col` in `row`; `None` if the sheet lacks the column.
    pub fn value<'a>(&self, row: &'a Row, col: Column) -> Option<&'a str> {
        self.position(col)
            .map(|i| row.cells.get(i).map(String::as_str).unwrap_or(""))
    }
}

/// Reads an upload. `filename_hint` is only used when the content is ambiguous (an `.xls`
/// name gets the "old format" message).
pub fn read(bytes: &[u8], filename_hint: &str) -> Result<Sheet, FileError> {
    read_with_progress(bytes, filename_hint, &Progress::new())
}

/// [`read`], reporting [`Phase::Reading`] on `progress`: data rows read so far out of an
/// estimate (the sheet's declared size, or the CSV's line count), exact once read.
pub fn read_with_progress(
    bytes: &[u8],
    filename_hint: &str,
    progress: &Progress,
) -> Result<Sheet, FileError> {
    progress.start(Phase::Reading, 0);
    let sheet = read_any(bytes, filename_hint, progress)?;
    progress.set_total(sheet.rows.len() as u64);
    progress.finish();
    Ok(sheet)
}

fn read_any(bytes: &[u8], filename_hint: &str, progress: &Progress) -> Result<Sheet, FileError> {
    if bytes.is_empty() {
        return Err(FileError::Empty);
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(FileError::TooLarge {
            size: bytes.len(),
            max: MAX_FILE_BYTES,
        });
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(FileError::Encrypted);
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return read_xlsx(bytes, progress);
    }
    if filename_hint.to_ascii_lowercase().ends_with(".xlsx") {
        return Err(FileError::NotASpreadsheet(
            "named .xlsx but not a zip container".into(),
        ));
    }
    read_csv(bytes, progress)
}

/// Inspects the zip's central directory (no decompression) and then decompresses each
/// entry into a counting sink, refusing an entry that yields more than it declared.
fn guard_zip(bytes: &[u8]) -> Result<(), FileError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| FileError::NotASpreadsheet(format!("broken zip container: {e}")))?;
    if zip.len() > MAX_ZIP_ENTRIES {
        return Err(FileError::TooMuchData(format!(
            "{} entries; at most {MAX_ZIP_ENTRIES}",
            zip.len()
        )));
    }
    let mut total: u64 = 0;
    let mut declared = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        let f = zip
            .by_index_raw(i)
            .map_err(|e| FileError::BadWorkbook(format!("zip entry {i}: {e}")))?;
        if f.encrypted() {
            return Err(FileError::Encrypted);
        }
        let size = f.size();
        let packed = f.compressed_size().max(1);
        if size > MAX_ENTRY_BYTES {
            return Err(FileError::TooMuchData(format!(
                "entry {:?} declares {size} bytes; at most {MAX_ENTRY_BYTES}",
                f.name()
            )));
        }
        if size > 1024 * 1024 && size / packed > MAX_RATIO {
            return Err(FileError::TooMuchData(format!(
                "entry {:?} is compressed {}:1; at most {MAX_RATIO}:1",
                f.name(),
                size / packed
            )));
        }
        total = total.saturating_add(size);
        declared.push(size);
    }
    if total > MAX_TOTAL_BYTES {
        return Err(FileError::TooMuchData(format!(
            "{total} bytes in all; at most {MAX_TOTAL_BYTES}"
        )));
    }
    // Declared sizes can lie: decompress with a limit of the declared size + 1.
    for (i, size) in declared.into_iter().enumerate() {
        let f = zip
            .by_index(i)
            .map_err(|e| FileError::BadWorkbook(format!("zip entry {i}: {e}")))?;
        let name = f.name().to_string();
        let got = std::io::copy(&mut f.take(size.saturating_add(1)), &mut std::io::sink())
            .map_err(|e| FileError::BadWorkbook(format!("zip entry {name:?}: {e}")))?;
        if got > size {
            return Err(FileError::TooMuchData(format!(
                "entry {name:?} expands beyond its declared {size} bytes"
            )));
        }
    }
    Ok(())
}

/// An OpenDocument package starts with an uncompressed `mimetype` entry naming its type
/// (ODF 1.2 part 3, 3.3); a zip that holds one is not an XLSX workbook.
fn is_opendocument(bytes: &[u8]) -> bool {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return false;
    };
    let Ok(f) = zip.by_name("mimetype") else {
        return false;
    };
    let mut head = Vec::new();
    std::io::Read::take(f, 128)
        .read_to_end(&mut head)
        .is_ok_and(|_| head.starts_with(b"application/vnd.oasis.opendocument"))
}

fn read_xlsx(bytes: &[u8], progress: &Progress) -> Result<Sheet, FileError> {
    guard_zip(bytes)?;
    if is_opendocument(bytes) {
        return Err(FileError::OpenDocument);
    }
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| match e {
        calamine::XlsxError::Password => FileError::Encrypted,
        e => FileError::BadWorkbook(e.to_string()),
    })?;
    let names = wb.sheet_names();
    let name = names
        .iter()
        .find(|n| SHEET_NAMES.iter().any(|s| s.eq_ignore_ascii_case(n.trim())))
        .or_else(|| names.first())
        .cloned()
        .ok_or(FileError::NoSheet)?;
    let mut reader = wb
        .worksheet_cells_reader(&name)
        .map_err(|e| FileError::BadWorkbook(e.to_string()))?;
    // The declared size is only an estimate for progress (the header row is not data).
    let declared = reader.dimensions();
    progress.set_total(u64::from(declared.end.0.saturating_sub(declared.start.0)));
    // Rows keyed by their 0-based row index, in file order; the `dimension` claim is ignored.
    let mut rows: Vec<(u32, Vec<String>)> = Vec::new();
    while let Some(cell) = reader
        .next_cell()
        .map_err(|e| FileError::BadWorkbook(e.to_string()))?
    {
        let (r, c) = cell.get_position();
        if c >= MAX_COLUMNS {
            continue;
        }
        let text = cell_text(cell.get_value());
        if text.is_empty() {
            continue;
        }
        if rows.last().is_none_or(|(last, _)| *last != r) {
            if rows.len() > MAX_ROWS {
                return Err(FileError::TooManyRows { max: MAX_ROWS });
            }
            rows.push((r, Vec::new()));
            progress.tick(rows.len().saturating_sub(1));
        }
        if let Some((_, cells)) = rows.last_mut() {
            let c = c as usize;
            if cells.len() <= c {
                cells.resize(c + 1, String::new());
            }
            if let Some(slot) = cells.get_mut(c) {
                *slot = text;
            }
        }
    }
    // Cells of one row are contiguous in a well-formed sheet; merge any that were not.
    rows.sort_by_key(|(r, _)| *r);
    let mut merged: Vec<(u32, Vec<String>)> = Vec::with_capacity(rows.len());
    for (r, cells) in rows {
        match merged.last_mut() {
            Some((last, prev)) if *last == r => {
                for (i, v) in cells.into_iter().enumerate() {
                    if v.is_empty() {
                        continue;
                    }
                    if prev.len() <= i {
                        prev.resize(i + 1, String::new());
                    }
                    if let Some(slot) = prev.get_mut(i) {
                        *slot = v;
                    }
                }
            }
            _ => merged.push((r, cells)),
        }
    }
    build(
        Source::Xlsx,
        name,
        merged.into_iter().map(|(r, cells)| (r as usize + 1, cells)),
    )
}

fn cell_text(v: &DataRef<'_>) -> String {
    match v {
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e17 {
                format!("{f:.0}")
            } else {
                f.to_string()
            }
        }
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
            s.trim().to_string()
        }
        DataRef::SharedString(s) => s.trim().to_string(),
        DataRef::Bool(b) => if *b { "yes" } else { "no" }.to_string(),
        DataRef::DateTime(d) => d.as_f64().to_string(),
        DataRef::Error(e) => format!("#{e}"),
        DataRef::Empty => String::new(),
    }
}

/// Decodes CSV bytes: UTF-8 first (a BOM is dropped), GBK if that fails.
pub fn decode_text(bytes: &[u8]) -> Result<(String, TextEncoding), FileError> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let (text, enc) = match std::str::from_utf8(body) {
        Ok(s) => (s.to_string(), TextEncoding::Utf8),
        Err(_) => {
            match encoding_rs::GBK.decode_without_bom_handling_and_without_replacement(body) {
                Some(s) => (s.into_owned(), TextEncoding::Gbk),
                None => {
                    return Err(FileError::NotASpreadsheet("not UTF-8 or GBK text".into()));
                }
            }
        }
    };
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n'))
    {
        return Err(FileError::NotASpreadsheet(
            "binary data (control characters) in text".into(),
        ));
    }
    Ok((text, enc))
}

fn read_csv(bytes: &[u8], progress: &Progress) -> Result<Sheet, FileError> {
    let (text, enc) = decode_text(bytes)?;
    // Lines bound the records from above (a quoted cell may hold a line break).
    let lines = text.bytes().filter(|b| *b == b'\n').count();
    progress.set_total(lines as u64);
    let first = text.lines().next().unwrap_or("");
    let delimiter = if !first.contains(',') && first.contains('\t') {
        b'\t'
    } else if !first.contains(',') && first.contains(';') {
        b';'
    } else {
        b','
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| FileError::BadCsv(e.to_string()))?;
        let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
        let cells: Vec<String> = rec
            .iter()
            .take(MAX_COLUMNS as usize)
            .map(|s| s.trim().to_string())
            .collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        if rows.len() > MAX_ROWS {
            return Err(FileError::TooManyRows { max: MAX_ROWS });
        }
        rows.push((line, cells));
        progress.tick(rows.len().saturating_sub(1));
    }
    build(Source::Csv(enc), "CSV".into(), rows.into_iter())
}

fn build(
    source: Source,
    name: String,
    mut rows: impl Iterator<Item = (usize, Vec<String>)>,
) -> Result<Sheet, FileError> {
    let missing_all = || FileError::MissingColumns {
        sheet: name.clone(),
        missing: required_list(),
    };
    let (header_line, headers) = rows.next().ok_or_else(missing_all)?;
    let mut columns: Vec<Option<Column>> = Vec::with_capacity(headers.len());
    for (i, h) in headers.iter().enumerate() {
        if h.trim().is_empty() || is_errors_header(h) {
            columns.push(None);
            continue;
        }
        let Some(col) = Column::from_header(h) else {
            // A first row that names no column at all: the wrong sheet, or no header row.
            if !headers.iter().any(|h| Column::from_header(h).is_some()) {
                return Err(missing_all());
            }
            return Err(FileError::UnknownHeader {
                name: h.clone(),
                column: i + 1,
                expected: Column::ALL
                    .iter()
                    .map(|c| format!("{} / {}", c.en(), c.zh()))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        };
        if let Some(first) = columns.iter().position(|c| *c == Some(col)) {
            return Err(FileError::DuplicateHeader {
                name: h.clone(),
                first: first + 1,
                second: i + 1,
            });
        }
        columns.push(Some(col));
    }
    let missing: Vec<&str> = Column::ALL
        .iter()
        .filter(|c| c.required() && !columns.contains(&Some(**c)))
        .map(|c| c.en())
        .collect();
    if !missing.is_empty() {
        return Err(FileError::MissingColumns {
            sheet: name,
            missing: missing.join(", "),
        });
    }
    let rows = rows
        .filter(|(_, cells)| cells.iter().any(|c| !c.is_empty()))
        .map(|(line, cells)| Row { line, cells })
        .collect();
    Ok(Sheet {
        source,
        name,
        headers,
        columns,
        header_line,
        rows,
    })
}

/// The error file's own column (row-level errors): ignored on upload, so a corrected
/// error file can be imported again.
pub const ERRORS_HEADER: &str = "errors";

fn is_errors_header(h: &str) -> bool {
    let h = h.trim();
    h.eq_ignore_ascii_case(ERRORS_HEADER) || h == "错误"
}

fn required_list() -> String {
    Column::ALL
        .iter()
        .filter(|c| c.required())
        .map(|c| c.en())
        .collect::<Vec<_>>()
        .join(", ")
}
