//! The package parts around the sheets: content types, relationships, the workbook part and
//! the style sheet — the minimal set Excel and LibreOffice open (no docProps, no theme).

use std::fmt::Write as _;

use crate::escape;

const XML_DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
const MAIN_NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// Cell styles (indexes into `cellXfs`).
pub const STYLE_BOLD: u8 = 1;
/// `yyyy-mm-dd`.
pub const STYLE_DATE: u8 = 2;
/// `hh:mm:ss`.
pub const STYLE_TIME: u8 = 3;
/// `yyyy-mm-dd hh:mm:ss`.
pub const STYLE_DATETIME: u8 = 4;

/// The path of sheet `n` (1-based) in the package.
pub fn sheet_path(n: usize) -> String {
    format!("xl/worksheets/sheet{n}.xml")
}

pub const SHARED_STRINGS_PATH: &str = "xl/sharedStrings.xml";

/// `[Content_Types].xml`.
pub fn content_types(sheets: usize, shared_strings: bool) -> String {
    let mut x = String::from(XML_DECL);
    x.push_str(
        "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
         <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
         <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
         <Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>\
         <Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>",
    );
    for n in 1..=sheets {
        let _ = write!(
            x,
            "<Override PartName=\"/{}\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>",
            sheet_path(n)
        );
    }
    if shared_strings {
        let _ = write!(
            x,
            "<Override PartName=\"/{SHARED_STRINGS_PATH}\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/>"
        );
    }
    x.push_str("</Types>");
    x
}

/// `_rels/.rels`: the package's one relationship, to the workbook.
pub fn root_rels() -> String {
    format!(
        "{XML_DECL}<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
         <Relationship Id=\"rId1\" Type=\"{REL_NS}/officeDocument\" Target=\"xl/workbook.xml\"/>\
         </Relationships>"
    )
}

/// `xl/workbook.xml`: the sheets in order (sheet `n` is relationship `rId<n>`).
pub fn workbook<'a>(names: impl Iterator<Item = &'a str>) -> Vec<u8> {
    let mut x = Vec::new();
    x.extend_from_slice(XML_DECL.as_bytes());
    x.extend_from_slice(
        format!(
            "<workbook xmlns=\"{MAIN_NS}\" xmlns:r=\"{REL_NS}\"><bookViews><workbookView/></bookViews><sheets>"
        )
        .as_bytes(),
    );
    for (n, name) in (1..).zip(names) {
        x.extend_from_slice(b"<sheet name=\"");
        escape::attr(&mut x, name);
        x.extend_from_slice(format!("\" sheetId=\"{n}\" r:id=\"rId{n}\"/>").as_bytes());
    }
    x.extend_from_slice(b"</sheets></workbook>");
    x
}

/// `xl/_rels/workbook.xml.rels`: the sheets, the styles, the shared strings.
pub fn workbook_rels(sheets: usize, shared_strings: bool) -> String {
    let mut x = format!(
        "{XML_DECL}<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    );
    for n in 1..=sheets {
        let _ = write!(
            x,
            "<Relationship Id=\"rId{n}\" Type=\"{REL_NS}/worksheet\" Target=\"worksheets/sheet{n}.xml\"/>"
        );
    }
    let _ = write!(
        x,
        "<Relationship Id=\"rId{}\" Type=\"{REL_NS}/styles\" Target=\"styles.xml\"/>",
        sheets + 1
    );
    if shared_strings {
        let _ = write!(
            x,
            "<Relationship Id=\"rId{}\" Type=\"{REL_NS}/sharedStrings\" Target=\"sharedStrings.xml\"/>",
            sheets + 2
        );
    }
    x.push_str("</Relationships>");
    x
}

/// `xl/styles.xml`: the default style, bold, and the three date/time number formats, in the
/// order of the `STYLE_*` constants.
pub fn styles() -> String {
    format!(
        "{XML_DECL}<styleSheet xmlns=\"{MAIN_NS}\">\
         <numFmts count=\"3\">\
         <numFmt numFmtId=\"164\" formatCode=\"yyyy\\-mm\\-dd\"/>\
         <numFmt numFmtId=\"165\" formatCode=\"hh:mm:ss\"/>\
         <numFmt numFmtId=\"166\" formatCode=\"yyyy\\-mm\\-dd hh:mm:ss\"/>\
         </numFmts>\
         <fonts count=\"2\">\
         <font><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font>\
         <font><b/><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font>\
         </fonts>\
         <fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill>\
         <fill><patternFill patternType=\"gray125\"/></fill></fills>\
         <borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
         <cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>\
         <cellXfs count=\"5\">\
         <xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>\
         <xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/>\
         <xf numFmtId=\"164\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>\
         <xf numFmtId=\"165\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>\
         <xf numFmtId=\"166\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>\
         </cellXfs>\
         <cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>\
         <dxfs count=\"0\"/>\
         <tableStyles count=\"0\" defaultTableStyle=\"TableStyleMedium9\" defaultPivotStyle=\"PivotStyleLight16\"/>\
         </styleSheet>"
    )
}

/// A worksheet's start, up to and including `<sheetData>`.
pub fn sheet_head(out: &mut Vec<u8>, selected: bool, freeze_first_row: bool, widths: &[f64]) {
    out.extend_from_slice(XML_DECL.as_bytes());
    out.extend_from_slice(
        format!("<worksheet xmlns=\"{MAIN_NS}\" xmlns:r=\"{REL_NS}\"><sheetViews><sheetView")
            .as_bytes(),
    );
    if selected {
        out.extend_from_slice(b" tabSelected=\"1\"");
    }
    out.extend_from_slice(b" workbookViewId=\"0\"");
    if freeze_first_row {
        out.extend_from_slice(
            b"><pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>\
              <selection pane=\"bottomLeft\" activeCell=\"A2\" sqref=\"A2\"/></sheetView>",
        );
    } else {
        out.extend_from_slice(b"/>");
    }
    out.extend_from_slice(b"</sheetViews><sheetFormatPr defaultRowHeight=\"15\"/>");
    if !widths.is_empty() {
        out.extend_from_slice(b"<cols>");
        for (n, w) in (1..).zip(widths) {
            let stored = stored_width(*w);
            out.extend_from_slice(
                format!("<col min=\"{n}\" max=\"{n}\" width=\"{stored}\" customWidth=\"1\"/>")
                    .as_bytes(),
            );
        }
        out.extend_from_slice(b"</cols>");
    }
    out.extend_from_slice(b"<sheetData>");
}

/// A worksheet's end, after the last row.
pub const SHEET_TAIL: &[u8] = b"</sheetData></worksheet>";

/// A column width in characters (what Excel's column-width dialog shows) as stored in the
/// file: the characters' pixels plus Excel's 5 pixels of padding, for the default font
/// (Calibri 11, 7 pixels a digit), in 1/256 steps.
fn stored_width(chars: f64) -> f64 {
    const DIGIT: f64 = 7.0;
    const PADDING: f64 = 5.0;
    if chars <= 0.0 {
        0.0
    } else if chars < 1.0 {
        ((chars * (DIGIT + PADDING)).round() / DIGIT * 256.0).floor() / 256.0
    } else {
        (((chars * DIGIT).round() + PADDING) / DIGIT * 256.0).floor() / 256.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_as_excel_stores_them() {
        assert_eq!(stored_width(8.43), 9.140625);
        assert_eq!(stored_width(14.0), 14.7109375);
        assert_eq!(stored_width(0.0), 0.0);
    }
}
