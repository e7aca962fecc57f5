//! The downloadable template (IMP-1): the header row with a comment on every header
//! giving the column's rules, an example row, and a sheet listing the enterprise's roles.

use orgdir_domain::model::{BuiltinRole, EnterpriseState};
use rust_xlsxwriter::{Color, Format, Note, Workbook};

use crate::column::{Column, Lang};
use crate::error::WriteError;
use crate::export::sheet_name;

/// The template workbook. With `state`, the example row uses the enterprise's role names
/// and a "Roles" sheet lists the assignable roles.
pub fn template(state: Option<&EnterpriseState>, lang: Lang) -> Result<Vec<u8>, WriteError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet_name(lang))?;
    let required = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xFFF2CC));
    let optional = Format::new().set_bold();
    for (c, col) in Column::ALL.iter().enumerate() {
        let c = c as u16;
        let fmt = if col.required() { &required } else { &optional };
        ws.write_string_with_format(0, c, col.header(lang), fmt)?;
        ws.insert_note(0, c, &Note::new(col.rule(lang)).add_author_prefix(false))?;
        ws.set_column_width(c, 18)?;
    }
    let role = state
        .and_then(|s| s.builtin_role(BuiltinRole::Member))
        .map(|r| r.name.clone())
        .unwrap_or_else(|| "member".into());
    let example = [
        "R&D/Platform/Storage",
        "10001",
        "Zhang Wei",
        "+86 138 0000 0000",
        "zhang.wei@example.com",
        "Engineer",
        role.as_str(),
        "",
        "no",
        "no",
    ];
    for (c, v) in example.iter().enumerate() {
        if !v.is_empty() {
            ws.write_string(1, c as u16, *v)?;
        }
    }
    if let Some(state) = state {
        let roles = wb.add_worksheet();
        roles.set_name(match lang {
            Lang::En => "Roles",
            Lang::Zh => "角色",
        })?;
        roles.write_string_with_format(0, 0, Column::Role.header(lang), &optional)?;
        let mut names: Vec<&str> = state
            .roles
            .values()
            .filter(|r| r.builtin != Some(BuiltinRole::EnterpriseAdmin))
            .map(|r| r.name.as_str())
            .collect();
        names.sort_unstable();
        for (r, n) in names.iter().enumerate() {
            roles.write_string(r as u32 + 1, 0, *n)?;
        }
        roles.set_column_width(0, 30)?;
    }
    Ok(wb.save_to_buffer()?)
}
