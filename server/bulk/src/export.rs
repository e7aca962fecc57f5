//! Export of the whole tree or a subtree as XLSX or CSV, in the import's own columns so an
//! export can be imported again unchanged (IMP-4). Cells a spreadsheet would run as a
//! formula are neutralised in CSV; XLSX cells are written as strings, which never run.

use orgdir_domain::model::{EnterpriseState, Member, OrgId};
use rust_xlsxwriter::{Format, Workbook};

use crate::column::{Column, Lang};
use crate::error::WriteError;
use crate::path;
use crate::progress::{Phase, Progress};

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// An XLSX workbook.
    Xlsx,
    /// UTF-8 CSV with a byte-order mark (so Excel opens it as UTF-8).
    Csv,
}

/// Prefixes `'` to a value a spreadsheet would treat as a formula.
pub fn neutralise(v: &str) -> String {
    if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{v}")
    } else {
        v.to_string()
    }
}

/// The member sheet's name in `lang`.
pub fn sheet_name(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "Members",
        Lang::Zh => "成员",
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// The cells of one member, in [`Column::ALL`] order.
pub fn member_cells(state: &EnterpriseState, m: &Member) -> Vec<String> {
    let root = state.root();
    Column::ALL
        .iter()
        .map(|c| match c {
            Column::OrgPath => path::of(state, m.org),
            Column::Account => m.account.clone(),
            Column::Name => m.name.clone(),
            Column::Mobile => m.mobile.clone().unwrap_or_default(),
            Column::Email => m.email.clone().unwrap_or_default(),
            Column::Title => m.title.clone().unwrap_or_default(),
            Column::Role => state
                .roles
                .get(&m.role)
                .map(|r| r.name.clone())
                .unwrap_or_default(),
            Column::Scope => {
                if m.scope == [root] {
                    String::new()
                } else {
                    m.scope
                        .iter()
                        .map(|o| path::of(state, *o))
                        .collect::<Vec<_>>()
                        .join(";")
                }
            }
            Column::Hidden => yes_no(m.hidden).into(),
            Column::Disabled => yes_no(m.disabled).into(),
        })
        .collect()
}

/// The rows of an export: members of `subtree` (the whole tree when `None`), ordered by
/// org path, then account.
pub fn rows(state: &EnterpriseState, subtree: Option<OrgId>) -> Vec<Vec<String>> {
    let mut rows: Vec<(String, &str, Vec<String>)> = state
        .members
        .values()
        .filter(|m| subtree.is_none_or(|s| state.org_within(m.org, s)))
        .map(|m| {
            let cells = member_cells(state, m);
            (path::of(state, m.org), m.account.as_str(), cells)
        })
        .collect();
    rows.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    rows.into_iter().map(|(_, _, c)| c).collect()
}

/// Exports members as XLSX or CSV with headers in `lang`.
pub fn export(
    state: &EnterpriseState,
    subtree: Option<OrgId>,
    format: ExportFormat,
    lang: Lang,
) -> Result<Vec<u8>, WriteError> {
    export_with_progress(state, subtree, format, lang, &Progress::new())
}

/// [`export`], reporting [`Phase::Exporting`] on `progress` (members written of the rows).
pub fn export_with_progress(
    state: &EnterpriseState,
    subtree: Option<OrgId>,
    format: ExportFormat,
    lang: Lang,
    progress: &Progress,
) -> Result<Vec<u8>, WriteError> {
    progress.start(Phase::Exporting, 0);
    let rows = rows(state, subtree);
    progress.set_total(rows.len() as u64);
    let bytes = write(&rows, format, lang, progress)?;
    progress.finish();
    Ok(bytes)
}

fn write(
    rows: &[Vec<String>],
    format: ExportFormat,
    lang: Lang,
    progress: &Progress,
) -> Result<Vec<u8>, WriteError> {
    match format {
        ExportFormat::Xlsx => {
            let mut wb = Workbook::new();
            let ws = wb.add_worksheet();
            ws.set_name(sheet_name(lang))?;
            let bold = Format::new().set_bold();
            for (c, col) in Column::ALL.iter().enumerate() {
                ws.write_string_with_format(0, c as u16, col.header(lang), &bold)?;
            }
            for (r, cells) in rows.iter().enumerate() {
                progress.tick(r);
                for (c, v) in cells.iter().enumerate() {
                    if !v.is_empty() {
                        ws.write_string(r as u32 + 1, c as u16, v)?;
                    }
                }
            }
            Ok(wb.save_to_buffer()?)
        }
        ExportFormat::Csv => {
            let mut out = b"\xEF\xBB\xBF".to_vec();
            {
                let mut w = csv::Writer::from_writer(&mut out);
                w.write_record(Column::ALL.iter().map(|c| c.header(lang)))?;
                for (r, cells) in rows.iter().enumerate() {
                    progress.tick(r);
                    w.write_record(cells.iter().map(|v| neutralise(v)))?;
                }
                w.flush().map_err(|e| WriteError(e.to_string()))?;
            }
            Ok(out)
        }
    }
}
