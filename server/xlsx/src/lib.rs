//! A small streaming XLSX writer for large exports: sheets of rows of typed cells, written
//! fast and in bounded memory.
//!
//! General-purpose writers keep every cell (or spill them to a temporary file) and compress
//! at zlib's default level on one thread. Here each sheet's rows come from a callback that
//! writes them one at a time straight into the sheet's XML and on into the compressor, so a
//! sheet of a million rows never exists as cells in memory; sheets are built and compressed
//! in parallel on the available cores (one sheet per thread), at a low deflate level; the
//! main thread then copies the compressed sheets into the package.
//!
//! What it writes: text (inline strings by default, or a shared-string table, see
//! [`Strings`]), numbers, dates, times and date-times (Excel serial numbers shown as
//! `yyyy-mm-dd`, `hh:mm:ss`, `yyyy-mm-dd hh:mm:ss`), a bold header row frozen at the top,
//! column widths. Nothing else: no formulas, no merged cells, no charts. Text is escaped for
//! XML; characters XML 1.0 forbids (control characters other than tab, line feed and
//! carriage return, U+FFFE, U+FFFF) are dropped; text that looks like Excel's own `_xHHHH_`
//! escape is protected so it reads back unchanged.
//!
//! Memory: per thread, a zlib state and a 128 KiB XML buffer; per sheet, its compressed
//! entry until it is copied into the output (a sheet waits only while an earlier one is
//! still being built); with [`Strings::Shared`], the string table. Inline strings (the
//! default) were also the faster choice on an attendance export of 1.3 M rows of
//! repeated text: the table's lookups cost more than deflating the longer XML saves.
//!
//! XLSX limits are checked, never silently cut: [`MAX_ROWS`] rows per sheet (header
//! included — a caller with more splits them over several sheets), [`MAX_COLUMNS`] cells
//! per row, [`MAX_TEXT_CHARS`] characters per text cell, valid and unique sheet names.
//!
//! ```
//! use orgdir_xlsx::{Cell, Sheet, Workbook, datetime_serial};
//!
//! let people = [("1001", "Zhang San", 1_741_000_000_i64), ("1002", "李四", 1_741_003_600)];
//! let mut wb = Workbook::new();
//! wb.add_sheet(
//!     Sheet::new("People").header(["Account", "Name", "Seen"]).widths(&[10.0, 16.0, 20.0]),
//!     |rows| {
//!         for (account, name, seen) in &people {
//!             // Times are written as local wall-clock seconds (here: UTC+8).
//!             let seen = datetime_serial(seen + 8 * 3600);
//!             rows.row(&[Cell::Text(account), Cell::Text(name), Cell::DateTime(seen)])?;
//!         }
//!         Ok(())
//!     },
//! )?;
//! let bytes: Vec<u8> = wb.to_bytes()?;
//! assert_eq!(&bytes[..2], b"PK");
//! # Ok::<(), orgdir_xlsx::Error>(())
//! ```

#![deny(missing_docs)]

mod cell;
mod error;
mod escape;
mod package;
mod rows;
mod strings;
mod workbook;

pub use cell::{Cell, date_serial, datetime_serial, time_serial};
pub use error::{Error, Result};
pub use rows::Rows;
pub use workbook::{Options, Sheet, Strings, Workbook};

/// Rows a sheet holds, header included (Excel's limit).
pub const MAX_ROWS: u32 = 1_048_576;

/// Cells a row holds (columns A to XFD, Excel's limit).
pub const MAX_COLUMNS: usize = 16_384;

/// Characters (UTF-16 code units) a text cell holds (Excel's limit).
pub const MAX_TEXT_CHARS: usize = 32_767;

/// Characters a sheet name holds (Excel's limit).
pub const MAX_SHEET_NAME_CHARS: usize = 31;
