//! The error file (IMP-3): the uploaded sheet with invalid cells filled red and empty
//! required cells filled orange, each with a comment saying why, a column for row-level
//! errors, and a summary sheet. Always XLSX, whatever was uploaded.

use std::collections::BTreeMap;

use rust_xlsxwriter::{Color, Format, FormatPattern, Note, Workbook};

use crate::column::Column;
use crate::error::WriteError;
use crate::plan::{CellErrorKind, Plan};
use crate::progress::{Phase, Progress};
use crate::read::Sheet;

/// Fill of an invalid cell.
pub const RED: u32 = 0xFF0000;
/// Fill of an empty required cell.
pub const ORANGE: u32 = 0xFFA500;

/// Builds the error file for `sheet` as planned in `plan`.
pub fn error_file(sheet: &Sheet, plan: &Plan) -> Result<Vec<u8>, WriteError> {
    error_file_with_progress(sheet, plan, &Progress::new())
}

/// [`error_file`], reporting [`Phase::ErrorFile`] on `progress` (rows written).
pub fn error_file_with_progress(
    sheet: &Sheet,
    plan: &Plan,
    progress: &Progress,
) -> Result<Vec<u8>, WriteError> {
    progress.start(Phase::ErrorFile, sheet.rows.len() as u64);
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(&sheet.name)?;
    let red = Format::new()
        .set_pattern(FormatPattern::Solid)
        .set_background_color(Color::RGB(RED));
    let orange = Format::new()
        .set_pattern(FormatPattern::Solid)
        .set_background_color(Color::RGB(ORANGE));
    let bold = Format::new().set_bold();
    let width = sheet.headers.len();
    for (c, h) in sheet.headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold)?;
    }
    ws.write_string_with_format(0, width as u16, crate::read::ERRORS_HEADER, &bold)?;

    let mut cells: BTreeMap<(usize, usize), Vec<&CellErrorKind>> = BTreeMap::new();
    for e in &plan.cell_errors {
        if let Some(c) = sheet.position(e.column) {
            cells.entry((e.row, c)).or_default().push(&e.kind);
        }
    }
    let mut row_notes: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for e in &plan.row_errors {
        row_notes.entry(e.row).or_default().push(e.reason.clone());
    }
    for (i, row) in sheet.rows.iter().enumerate() {
        progress.tick(i);
        let r = i as u32 + 1;
        for c in 0..width {
            let v = row.cells.get(c).map(String::as_str).unwrap_or("");
            match cells.get(&(i, c)) {
                Some(kinds) => {
                    let missing = kinds
                        .iter()
                        .any(|k| matches!(k, CellErrorKind::MissingRequired));
                    let col = sheet.columns.get(c).copied().flatten();
                    let text = kinds
                        .iter()
                        .map(|k| match k {
                            CellErrorKind::MissingRequired => format!(
                                "required: {} must not be empty",
                                col.map(Column::en).unwrap_or("value")
                            ),
                            CellErrorKind::Invalid(why) => why.clone(),
                        })
                        .collect::<Vec<_>>()
                        .join("\n");
                    let fmt = if missing { &orange } else { &red };
                    ws.write_string_with_format(r, c as u16, v, fmt)?;
                    ws.insert_note(r, c as u16, &Note::new(text).add_author_prefix(false))?;
                }
                None if !v.is_empty() => {
                    ws.write_string(r, c as u16, v)?;
                }
                None => {}
            }
        }
        if let Some(notes) = row_notes.get(&i) {
            ws.write_string_with_format(r, width as u16, notes.join("; "), &red)?;
        }
    }

    let s = &plan.summary;
    let summary = wb.add_worksheet();
    summary.set_name("Summary")?;
    let lines: [(&str, usize); 7] = [
        ("rows", s.rows),
        ("rows with errors", s.error_rows),
        ("members to create", s.created),
        ("members to update", s.updated),
        ("members unchanged", s.unchanged),
        ("orgs to create", s.orgs_created),
        (
            "invalid cells",
            plan.cell_errors
                .iter()
                .filter(|e| matches!(e.kind, CellErrorKind::Invalid(_)))
                .count(),
        ),
    ];
    for (r, (k, v)) in lines.iter().enumerate() {
        summary.write_string(r as u32, 0, *k)?;
        summary.write_number(r as u32, 1, *v as f64)?;
    }
    let missing = plan
        .cell_errors
        .iter()
        .filter(|e| e.kind == CellErrorKind::MissingRequired)
        .count();
    summary.write_string(7, 0, "empty required cells")?;
    summary.write_number(7, 1, missing as f64)?;
    summary.write_string(
        9,
        0,
        "Red cells are invalid, orange cells are required but empty; each has a comment saying why. Nothing was imported unless the import ran in 'apply valid rows' mode.",
    )?;
    summary.set_column_width(0, 24)?;
    let bytes = wb.save_to_buffer()?;
    progress.finish();
    Ok(bytes)
}
