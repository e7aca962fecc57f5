//! The crate's error: every XLSX limit a caller can hit names the sheet and the cell, so a
//! failed export says what to change.

use crate::{MAX_COLUMNS, MAX_ROWS, MAX_SHEET_NAME_CHARS, MAX_TEXT_CHARS};

/// What went wrong writing a workbook.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A sheet was given more rows than XLSX allows; split them over several sheets.
    #[error(
        "sheet {sheet:?} has more than {MAX_ROWS} rows (the XLSX limit, header included): \
         split the rows over several sheets"
    )]
    TooManyRows {
        /// The sheet.
        sheet: String,
    },
    /// A row has more cells than XLSX has columns.
    #[error(
        "row {row} of sheet {sheet:?} has {cells} cells: a sheet has at most {MAX_COLUMNS} columns"
    )]
    TooManyColumns {
        /// The sheet.
        sheet: String,
        /// The row (1-based, as a spreadsheet shows it).
        row: u32,
        /// Cells given.
        cells: usize,
    },
    /// A text cell is longer than a cell can hold.
    #[error(
        "cell {cell} of sheet {sheet:?} holds {chars} characters: a cell holds at most {MAX_TEXT_CHARS}"
    )]
    TextTooLong {
        /// The sheet.
        sheet: String,
        /// The cell reference (`B12`).
        cell: String,
        /// Its length in UTF-16 code units.
        chars: usize,
    },
    /// A number cell is NaN or infinite, which XLSX cannot store.
    #[error("cell {cell} of sheet {sheet:?} is not a finite number")]
    NotFinite {
        /// The sheet.
        sheet: String,
        /// The cell reference (`B12`).
        cell: String,
    },
    /// A sheet name Excel would refuse.
    #[error(
        "sheet name {name:?} {reason} (a sheet name has 1 to {MAX_SHEET_NAME_CHARS} characters, \
         none of : \\ / ? * [ ], and does not start or end with ')"
    )]
    SheetName {
        /// The name.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Two sheets with the same name (compared ignoring case, as Excel does).
    #[error("two sheets are named {0:?} (sheet names are compared ignoring case)")]
    DuplicateSheet(String),
    /// A header longer than a row, or a column width that is not 0 to 255 characters.
    #[error("sheet {sheet:?}: {what}")]
    Layout {
        /// The sheet.
        sheet: String,
        /// What is wrong.
        what: String,
    },
    /// A workbook needs at least one sheet.
    #[error("a workbook needs at least one sheet")]
    NoSheets,
    /// A deflate level other than 0 to 9.
    #[error("compression level {0} is not 0 to 9")]
    Level(u32),
    /// The caller's row source failed (see [`Error::rows`]).
    #[error("producing the rows: {0}")]
    Rows(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The caller's row source panicked while writing a sheet.
    #[error("the rows of sheet {0:?} panicked")]
    Panicked(String),
    /// Writing the output failed.
    #[error("writing the workbook: {0}")]
    Io(#[from] std::io::Error),
    /// The ZIP container could not be written.
    #[error("writing the workbook's ZIP container: {0}")]
    Zip(#[from] zip::result::ZipError),
}

impl Error {
    /// Wraps an error of the caller's row source, to return it from a sheet's callback.
    pub fn rows(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Error {
        Error::Rows(e.into())
    }
}

/// This crate's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;
