//! Why an uploaded file cannot be read at all. Each error has a stable code so the panel can
//! translate it; the English message names the problem without internals.

/// An uploaded file that is not a usable member sheet. Nothing is changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    /// Larger than the upload cap.
    #[error("the file is {size} bytes; at most {max} bytes can be imported")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The cap.
        max: usize,
    },
    /// Empty upload.
    #[error("the file is empty")]
    Empty,
    /// Neither an XLSX workbook nor CSV text.
    #[error("the file is not an XLSX workbook or a CSV file ({0})")]
    NotASpreadsheet(String),
    /// An OLE compound file: a password-protected (encrypted) workbook or an old .xls.
    #[error(
        "the file is password-protected or in the old .xls format; remove the password and save it as .xlsx or CSV"
    )]
    Encrypted,
    /// An OpenDocument spreadsheet (LibreOffice's own format).
    #[error("the file is an OpenDocument spreadsheet (.ods); save it as .xlsx or CSV")]
    OpenDocument,
    /// The zip container would expand beyond the caps (a zip bomb, or simply too big).
    #[error("the workbook expands to too much data ({0})")]
    TooMuchData(String),
    /// More data rows than the cap.
    #[error("the sheet has more than {max} rows")]
    TooManyRows {
        /// The cap.
        max: usize,
    },
    /// The XLSX structure is broken.
    #[error("the workbook cannot be read: {0}")]
    BadWorkbook(String),
    /// CSV text that is neither UTF-8 nor GBK, or malformed CSV.
    #[error("the CSV file cannot be read: {0}")]
    BadCsv(String),
    /// No usable sheet.
    #[error("the workbook has no sheet with member rows")]
    NoSheet,
    /// The same column twice.
    #[error("column {name:?} appears twice (columns {first} and {second})")]
    DuplicateHeader {
        /// The header.
        name: String,
        /// 1-based column numbers.
        first: usize,
        /// 1-based column numbers.
        second: usize,
    },
    /// A header that names no column.
    #[error("column {name:?} (column {column}) is not a known column; expected: {expected}")]
    UnknownHeader {
        /// The header.
        name: String,
        /// 1-based column number.
        column: usize,
        /// The accepted headers.
        expected: String,
    },
    /// Required columns are absent (often: the wrong sheet, or no header row).
    #[error("sheet {sheet:?} lacks the required column(s): {missing}")]
    MissingColumns {
        /// The sheet read.
        sheet: String,
        /// The missing headers.
        missing: String,
    },
}

impl FileError {
    /// A stable code for translation (`file.too_large` …).
    pub fn code(&self) -> &'static str {
        match self {
            FileError::TooLarge { .. } => "file.too_large",
            FileError::Empty => "file.empty",
            FileError::NotASpreadsheet(_) => "file.not_spreadsheet",
            FileError::Encrypted => "file.encrypted",
            FileError::OpenDocument => "file.opendocument",
            FileError::TooMuchData(_) => "file.too_much_data",
            FileError::TooManyRows { .. } => "file.too_many_rows",
            FileError::BadWorkbook(_) => "file.bad_workbook",
            FileError::BadCsv(_) => "file.bad_csv",
            FileError::NoSheet => "file.no_sheet",
            FileError::DuplicateHeader { .. } => "file.duplicate_header",
            FileError::UnknownHeader { .. } => "file.unknown_header",
            FileError::MissingColumns { .. } => "file.missing_columns",
        }
    }
}

/// A file could not be produced (a writer failure; not expected in practice).
#[derive(Debug, thiserror::Error)]
#[error("cannot write the file: {0}")]
pub struct WriteError(pub String);

impl From<rust_xlsxwriter::XlsxError> for WriteError {
    fn from(e: rust_xlsxwriter::XlsxError) -> WriteError {
        WriteError(e.to_string())
    }
}

impl From<csv::Error> for WriteError {
    fn from(e: csv::Error) -> WriteError {
        WriteError(e.to_string())
    }
}
