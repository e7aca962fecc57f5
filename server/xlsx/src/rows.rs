//! A sheet's rows as they are written: each row checked against the XLSX limits, then
//! appended as XML to a small buffer that goes on to the compressor whenever it fills, so a
//! sheet's size never shows in memory.

use std::io::Write;

use crate::cell::Cell;
use crate::error::{Error, Result};
use crate::escape;
use crate::package::{STYLE_DATE, STYLE_DATETIME, STYLE_TIME};
use crate::strings::Local;
use crate::{MAX_COLUMNS, MAX_ROWS, MAX_TEXT_CHARS};

/// Bytes of XML gathered before they go to the compressor.
const FLUSH_AT: usize = 128 * 1024;

/// How text cells are written.
pub(crate) enum Text<'t> {
    /// In the cell (`t="inlineStr"`).
    Inline,
    /// As an index into the workbook's shared-string table (`t="s"`).
    Shared(Local<'t>),
}

/// The rows of one sheet, handed to the sheet's callback ([`Workbook::add_sheet`]); rows
/// are written in order, top to bottom, after the header.
///
/// [`Workbook::add_sheet`]: crate::Workbook::add_sheet
pub struct Rows<'w> {
    sheet: &'w str,
    out: &'w mut dyn Write,
    buf: Vec<u8>,
    /// Rows written so far, header included.
    written: u32,
    text: Text<'w>,
}

impl<'w> Rows<'w> {
    pub(crate) fn new(sheet: &'w str, out: &'w mut dyn Write, text: Text<'w>) -> Rows<'w> {
        Rows {
            sheet,
            out,
            buf: Vec::with_capacity(FLUSH_AT + 64 * 1024),
            written: 0,
            text,
        }
    }

    /// Appends a row of cells (`cells[0]` in column A).
    ///
    /// # Errors
    /// [`Error::TooManyRows`] when the sheet already has [`MAX_ROWS`] rows,
    /// [`Error::TooManyColumns`], [`Error::TextTooLong`], [`Error::NotFinite`] (the row is
    /// then not written, and the sheet stays valid), or [`Error::Io`] from the compressor.
    pub fn row(&mut self, cells: &[Cell<'_>]) -> Result<()> {
        self.write_row(cells, 0)
    }

    /// Rows written so far, header included.
    pub fn count(&self) -> u32 {
        self.written
    }

    /// The sheet's name.
    pub fn sheet(&self) -> &str {
        self.sheet
    }

    /// Writes a row with every cell in `style` (0: each cell's own).
    pub(crate) fn write_row(&mut self, cells: &[Cell<'_>], style: u8) -> Result<()> {
        if self.written >= MAX_ROWS {
            return Err(Error::TooManyRows {
                sheet: self.sheet.to_string(),
            });
        }
        let row = self.written + 1;
        self.check(cells, row)?;
        let mut number = itoa::Buffer::new();
        let row_digits = number.format(row).as_bytes();
        let buf = &mut self.buf;
        buf.extend_from_slice(b"<row r=\"");
        buf.extend_from_slice(row_digits);
        buf.extend_from_slice(b"\">");
        for (col, cell) in cells.iter().enumerate() {
            let own_style = match cell {
                Cell::Empty => continue,
                Cell::Text("") => continue,
                Cell::Text(_) | Cell::Int(_) | Cell::Number(_) => 0,
                Cell::Date(_) => STYLE_DATE,
                Cell::Time(_) => STYLE_TIME,
                Cell::DateTime(_) => STYLE_DATETIME,
            };
            buf.extend_from_slice(b"<c r=\"");
            column_name(buf, col);
            buf.extend_from_slice(row_digits);
            buf.push(b'"');
            let style = if style == 0 { own_style } else { style };
            if style != 0 {
                buf.extend_from_slice(b" s=\"");
                buf.extend_from_slice(number_bytes(&mut itoa::Buffer::new(), style));
                buf.push(b'"');
            }
            match cell {
                Cell::Text(s) => match &mut self.text {
                    Text::Inline => {
                        buf.extend_from_slice(b" t=\"inlineStr\"><is>");
                        if escape::needs_preserve(s) {
                            buf.extend_from_slice(b"<t xml:space=\"preserve\">");
                        } else {
                            buf.extend_from_slice(b"<t>");
                        }
                        escape::text(buf, s);
                        buf.extend_from_slice(b"</t></is></c>");
                    }
                    Text::Shared(table) => {
                        buf.extend_from_slice(b" t=\"s\"><v>");
                        buf.extend_from_slice(
                            itoa::Buffer::new().format(table.index(s)).as_bytes(),
                        );
                        buf.extend_from_slice(b"</v></c>");
                    }
                },
                Cell::Int(n) => {
                    buf.extend_from_slice(b"><v>");
                    buf.extend_from_slice(itoa::Buffer::new().format(*n).as_bytes());
                    buf.extend_from_slice(b"</v></c>");
                }
                Cell::Number(n) | Cell::Date(n) | Cell::Time(n) | Cell::DateTime(n) => {
                    buf.extend_from_slice(b"><v>");
                    write_number(buf, *n);
                    buf.extend_from_slice(b"</v></c>");
                }
                Cell::Empty => {}
            }
        }
        buf.extend_from_slice(b"</row>");
        self.written = row;
        if self.buf.len() >= FLUSH_AT {
            self.flush()?;
        }
        Ok(())
    }

    /// The checks that would stop the row half-way, done before writing any of it.
    fn check(&self, cells: &[Cell<'_>], row: u32) -> Result<()> {
        if cells.len() > MAX_COLUMNS {
            return Err(Error::TooManyColumns {
                sheet: self.sheet.to_string(),
                row,
                cells: cells.len(),
            });
        }
        for (col, cell) in cells.iter().enumerate() {
            match cell {
                Cell::Text(s) if s.len() > MAX_TEXT_CHARS => {
                    let chars = s.encode_utf16().count();
                    if chars > MAX_TEXT_CHARS {
                        return Err(Error::TextTooLong {
                            sheet: self.sheet.to_string(),
                            cell: cell_ref(col, row),
                            chars,
                        });
                    }
                }
                Cell::Number(n) | Cell::Date(n) | Cell::Time(n) | Cell::DateTime(n)
                    if !n.is_finite() =>
                {
                    return Err(Error::NotFinite {
                        sheet: self.sheet.to_string(),
                        cell: cell_ref(col, row),
                    });
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        Ok(())
    }

    /// Writes the rest of the buffer and the sheet's end; returns the shared-string
    /// references made.
    pub(crate) fn finish(mut self, tail: &[u8]) -> Result<u64> {
        self.buf.extend_from_slice(tail);
        self.flush()?;
        Ok(match &self.text {
            Text::Inline => 0,
            Text::Shared(local) => local.count,
        })
    }
}

fn number_bytes(b: &mut itoa::Buffer, n: u8) -> &[u8] {
    b.format(n).as_bytes()
}

/// Integers below 2⁵³ are written without a fraction; other numbers in the shortest form
/// that reads back as the same `f64` (`45719.5`, `1e300`).
fn write_number(buf: &mut Vec<u8>, n: f64) {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2⁵³
    if n.fract() == 0.0 && n.abs() < EXACT {
        // In range and integral: the conversion is exact.
        buf.extend_from_slice(itoa::Buffer::new().format(n as i64).as_bytes());
    } else {
        buf.extend_from_slice(ryu::Buffer::new().format_finite(n).as_bytes());
    }
}

/// Appends the letters of 0-based column `col` (0 → A, 26 → AA).
fn column_name(buf: &mut Vec<u8>, col: usize) {
    let mut letters = [0u8; 3];
    let mut n = col + 1;
    let mut len = 0;
    while n > 0 && len < letters.len() {
        let rem = (n - 1) % 26;
        if let Some(slot) = letters.get_mut(len) {
            *slot = b'A' + rem as u8;
        }
        len += 1;
        n = (n - 1) / 26;
    }
    for b in letters.iter().take(len).rev() {
        buf.push(*b);
    }
}

/// `B12` for column 1, row 12.
pub(crate) fn cell_ref(col: usize, row: u32) -> String {
    let mut b = Vec::new();
    column_name(&mut b, col);
    format!("{}{row}", String::from_utf8_lossy(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns() {
        let cases = [
            (0, "A1"),
            (25, "Z1"),
            (26, "AA1"),
            (701, "ZZ1"),
            (702, "AAA1"),
            (16_383, "XFD1"),
        ];
        for (col, want) in cases {
            assert_eq!(cell_ref(col, 1), want);
        }
    }

    #[test]
    fn numbers() {
        let cases: [(f64, &str); 7] = [
            (5.0, "5"),
            (-3.0, "-3"),
            (45_719.5, "45719.5"),
            (0.1, "0.1"),
            (1e300, "1e300"),
            (1.5e-7, "1.5e-7"),
            (-0.0, "0"),
        ];
        for (n, want) in cases {
            let mut b = Vec::new();
            write_number(&mut b, n);
            assert_eq!(String::from_utf8(b).unwrap(), want, "{n}");
        }
    }
}
