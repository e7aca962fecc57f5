//! Text into XML: escaping, dropping what XML 1.0 forbids, and protecting text that looks
//! like Excel's `_xHHHH_` escapes. One pass over the bytes; text without special characters
//! is copied whole.

/// Bytes that need a look: controls other than tab and line feed, `&`, `<`, `>`, `_` (maybe
/// an `_xHHHH_`), 0xEF (maybe U+FFFE or U+FFFF), and in attributes `"`, tab and line feed.
// Evaluated at compile time: an index out of range would fail the build, not the program.
#[allow(clippy::indexing_slicing)]
const fn table(attr: bool) -> [bool; 256] {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[b'\t' as usize] = attr;
    t[b'\n' as usize] = attr;
    t[b'"' as usize] = attr;
    t[b'&' as usize] = true;
    t[b'<' as usize] = true;
    t[b'>' as usize] = true;
    t[b'_' as usize] = true;
    t[0xEF] = true;
    t
}

const TEXT: [bool; 256] = table(false);
const ATTR: [bool; 256] = table(true);

/// Appends `s` escaped as XML element content.
pub fn text(out: &mut Vec<u8>, s: &str) {
    escape(out, s, &TEXT);
}

/// Appends `s` escaped as an XML attribute value (between double quotes).
pub fn attr(out: &mut Vec<u8>, s: &str) {
    escape(out, s, &ATTR);
}

/// Whether `s` needs `xml:space="preserve"` to keep its leading or trailing white space.
pub fn needs_preserve(s: &str) -> bool {
    let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    s.as_bytes().first().is_some_and(ws) || s.as_bytes().last().is_some_and(ws)
}

fn escape(out: &mut Vec<u8>, s: &str, special: &[bool; 256]) {
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if !special.get(usize::from(b)).copied().unwrap_or(false) {
            i += 1;
            continue;
        }
        // The bytes before this one are plain.
        out.extend_from_slice(bytes.get(start..i).unwrap_or_default());
        let mut skip = 1;
        match b {
            b'&' => out.extend_from_slice(b"&amp;"),
            b'<' => out.extend_from_slice(b"&lt;"),
            b'>' => out.extend_from_slice(b"&gt;"),
            b'"' => out.extend_from_slice(b"&quot;"),
            // Character references survive the parser's line-end and attribute
            // normalisation.
            b'\r' => out.extend_from_slice(b"&#13;"),
            b'\n' => out.extend_from_slice(b"&#10;"),
            b'\t' => out.extend_from_slice(b"&#9;"),
            b'_' => {
                // Excel reads `_xHHHH_` as an escaped character: write the underscore
                // itself escaped, as Excel does, so the text reads back as written.
                if is_excel_escape(bytes.get(i + 1..i + 7)) {
                    out.extend_from_slice(b"_x005F_");
                } else {
                    out.push(b'_');
                }
            }
            0xEF => {
                // U+FFFE and U+FFFF (EF BF BE, EF BF BF) are not XML characters; any other
                // character starting with 0xEF is copied.
                if matches!(bytes.get(i + 1..i + 3), Some([0xBF, 0xBE | 0xBF])) {
                    skip = 3;
                } else {
                    out.push(b);
                }
            }
            // Other control characters are not XML 1.0 characters: dropped.
            _ => {}
        }
        i += skip;
        start = i;
    }
    out.extend_from_slice(bytes.get(start..).unwrap_or_default());
}

/// `xHHHH_` (after an underscore).
fn is_excel_escape(rest: Option<&[u8]>) -> bool {
    match rest {
        Some([b'x', h @ .., b'_']) => h.iter().all(u8::is_ascii_hexdigit),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> String {
        let mut out = Vec::new();
        text(&mut out, s);
        String::from_utf8(out).unwrap()
    }

    fn a(s: &str) -> String {
        let mut out = Vec::new();
        attr(&mut out, s);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escaping() {
        let cases = [
            ("plain 文字", "plain 文字"),
            ("a<b>&c\"d'", "a&lt;b&gt;&amp;c\"d'"),
            ("tab\tline\nreturn\r", "tab\tline\nreturn&#13;"),
            ("nul\0bell\x07esc\x1b|\x0b\x0c|", "nulbellesc||"),
            ("\u{FFFE}x\u{FFFF}y\u{FFFD}\u{EFFF}", "xy\u{FFFD}\u{EFFF}"),
            (
                "_x0041_ and _x00zz_ and _x12",
                "_x005F_x0041_ and _x00zz_ and _x12",
            ),
            ("__x1F2e_", "__x005F_x1F2e_"),
            ("", ""),
            ("&", "&amp;"),
        ];
        for (input, want) in cases {
            assert_eq!(t(input), want, "{input:?}");
        }
        assert_eq!(
            a("Q1 \"x\"\t<&>\n"),
            "Q1 &quot;x&quot;&#9;&lt;&amp;&gt;&#10;"
        );
    }

    #[test]
    fn preserve() {
        assert!(needs_preserve(" a"));
        assert!(needs_preserve("a\n"));
        assert!(!needs_preserve("a b"));
        assert!(!needs_preserve(""));
    }
}
