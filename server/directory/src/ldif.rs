//! LDIF (RFC 2849) content records: a reader for OpenLDAP / 389-ds exports and a writer for
//! orgdir's own export. Folded lines, comments, base64 (`::`) values and UTF-8 are handled;
//! change records and URL values are refused with the line number.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// One content record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// The DN as written (after base64 decoding).
    pub dn: String,
    /// Attribute descriptions and raw values, in file order.
    pub attrs: Vec<(String, Vec<u8>)>,
    /// Line number of the `dn:` line (1-based).
    pub line: usize,
}

impl Record {
    /// Values of an attribute (case-insensitive, options such as `;binary` ignored).
    pub fn values<'a>(&'a self, attr: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.attrs
            .iter()
            .filter(move |(a, _)| base_name(a).eq_ignore_ascii_case(attr))
            .map(|(_, v)| v.as_slice())
    }

    /// UTF-8 values of an attribute (invalid UTF-8 is skipped).
    pub fn strings<'a>(&'a self, attr: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.values(attr)
            .filter_map(|v| std::str::from_utf8(v).ok())
    }

    /// The first UTF-8 value of an attribute, trimmed, if non-empty.
    pub fn first(&self, attr: &str) -> Option<String> {
        self.strings(attr)
            .map(str::trim)
            .find(|s| !s.is_empty())
            .map(String::from)
    }

    /// Whether the entry has this object class (case-insensitive).
    pub fn has_class(&self, class: &str) -> bool {
        self.strings("objectClass")
            .any(|c| c.trim().eq_ignore_ascii_case(class))
    }
}

/// The attribute type of a description, without options (`cn;lang-zh` → `cn`).
pub fn base_name(desc: &str) -> &str {
    desc.split(';').next().unwrap_or(desc)
}

/// Why an LDIF file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("LDIF line {line}: {message}")]
pub struct LdifError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

fn err(line: usize, message: impl Into<String>) -> LdifError {
    LdifError {
        line,
        message: message.into(),
    }
}

/// Parses content records. Fails on the first malformed line.
pub fn parse(input: &[u8]) -> Result<Vec<Record>, LdifError> {
    let text = std::str::from_utf8(input).map_err(|e| {
        let line = input
            .get(..e.valid_up_to())
            .map(|b| b.iter().filter(|c| **c == b'\n').count() + 1)
            .unwrap_or(1);
        err(
            line,
            "not UTF-8 text (binary values must be base64-encoded with '::')",
        )
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Unfold: physical lines → logical lines with the number of their first physical line.
    let mut logical: Vec<(usize, String)> = Vec::new();
    let mut in_comment = false;
    for (i, raw) in text.split('\n').enumerate() {
        let line_no = i + 1;
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(cont) = raw.strip_prefix(' ') {
            if in_comment {
                continue;
            }
            match logical.last_mut() {
                Some((_, last)) if !last.is_empty() => last.push_str(cont),
                _ => return Err(err(line_no, "continuation line without a line to continue")),
            }
            continue;
        }
        in_comment = raw.starts_with('#');
        if in_comment {
            continue;
        }
        logical.push((line_no, raw.to_string()));
    }
    let mut records = Vec::new();
    let mut current: Option<Record> = None;
    let mut first = true;
    for (line_no, line) in logical {
        if line.is_empty() {
            if let Some(r) = current.take() {
                records.push(r);
            }
            continue;
        }
        let (attr, value) = parse_line(&line, line_no)?;
        if first && current.is_none() && attr.eq_ignore_ascii_case("version") {
            first = false;
            if value != b"1" {
                return Err(err(line_no, "only LDIF version 1 is supported"));
            }
            continue;
        }
        first = false;
        match current.as_mut() {
            None => {
                if !attr.eq_ignore_ascii_case("dn") {
                    return Err(err(line_no, format!("expected 'dn:', found '{attr}:'")));
                }
                let dn =
                    String::from_utf8(value).map_err(|_| err(line_no, "the DN is not UTF-8"))?;
                current = Some(Record {
                    dn,
                    attrs: Vec::new(),
                    line: line_no,
                });
            }
            Some(r) => {
                if attr.eq_ignore_ascii_case("changetype") {
                    return Err(err(
                        line_no,
                        "change records are not supported: export content records (e.g. slapcat or ldapsearch -LLL)",
                    ));
                }
                if attr.eq_ignore_ascii_case("dn") {
                    return Err(err(
                        line_no,
                        "a record has two 'dn:' lines (missing blank line?)",
                    ));
                }
                r.attrs.push((attr, value));
            }
        }
    }
    if let Some(r) = current.take() {
        records.push(r);
    }
    Ok(records)
}

fn parse_line(line: &str, line_no: usize) -> Result<(String, Vec<u8>), LdifError> {
    let Some(colon) = line.find(':') else {
        return Err(err(line_no, "expected 'attribute: value'"));
    };
    let attr = line.get(..colon).unwrap_or_default().trim_end();
    if attr.is_empty()
        || !attr
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ';' || c == '.')
    {
        return Err(err(line_no, format!("bad attribute description {attr:?}")));
    }
    let rest = line.get(colon + 1..).unwrap_or_default();
    let value = if let Some(b64) = rest.strip_prefix(':') {
        STANDARD
            .decode(b64.trim())
            .map_err(|_| err(line_no, format!("bad base64 value for {attr}")))?
    } else if rest.starts_with('<') {
        return Err(err(line_no, "URL values ('attr:< url') are not supported"));
    } else {
        rest.trim_start_matches(' ').as_bytes().to_vec()
    };
    Ok((attr.to_string(), value))
}

/// Whether a value must be base64-encoded in LDIF (RFC 2849 SAFE-STRING).
fn needs_base64(v: &[u8]) -> bool {
    match v.first() {
        None => false,
        Some(b' ' | b':' | b'<') => true,
        Some(_) => {
            v.last() == Some(&b' ')
                || v.iter()
                    .any(|b| *b == 0 || *b == b'\n' || *b == b'\r' || *b >= 0x80)
        }
    }
}

/// Appends one `attr: value` line (base64 when needed), folded at 76 columns.
pub fn write_line(out: &mut String, attr: &str, value: &[u8]) {
    let line = if needs_base64(value) {
        format!("{attr}:: {}", STANDARD.encode(value))
    } else {
        format!("{attr}: {}", String::from_utf8_lossy(value))
    };
    let mut width = 0;
    for c in line.chars() {
        if width >= 76 {
            out.push_str("\n ");
            width = 1;
        }
        out.push(c);
        width += 1;
    }
    out.push('\n');
}

/// Appends one record followed by a blank line.
pub fn write_record(out: &mut String, dn: &str, attrs: &[(&str, Vec<u8>)]) {
    write_line(out, "dn", dn.as_bytes());
    for (a, v) in attrs {
        write_line(out, a, v);
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_folds_base64_comments_and_utf8() {
        let text = "version: 1\n\
# a comment\n\
#  folded comment\n\
dn: uid=1,ou=R\n \
 D,dc=x\n\
objectClass: inetOrgPerson\n\
cn:: 5byg5Lyf\n\
sn: Zh\n \
 ang\n\
\n\
\n\
dn:: b3U956CU56m2LGRjPXg=\n\
ou: x\n";
        let recs = parse(text.as_bytes()).unwrap();
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].dn, "uid=1,ou=RD,dc=x");
        assert_eq!(recs[0].first("CN").as_deref(), Some("张伟"));
        assert_eq!(recs[0].first("sn").as_deref(), Some("Zhang"));
        assert_eq!(recs[0].line, 4);
        assert_eq!(recs[1].dn, "ou=研究,dc=x");
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        for (text, line, what) in [
            ("dn: a=b\nchangetype: add\n", 2, "change records"),
            ("cn: x\n", 1, "expected 'dn:'"),
            ("dn: a=b\ncn:< file:///etc/passwd\n", 2, "URL"),
            ("dn: a=b\ncn:: !!!\n", 2, "base64"),
            ("dn: a=b\nno colon here\n", 2, "attribute: value"),
            (" leading\n", 1, "continuation"),
            ("dn: a=b\ndn: c=d\n", 2, "two 'dn:'"),
        ] {
            let e = parse(text.as_bytes()).unwrap_err();
            assert_eq!(e.line, line, "{text:?}");
            assert!(e.message.contains(what), "{text:?}: {e}");
        }
        let e = parse(b"dn: a=b\ncn: \xff\n").unwrap_err();
        assert_eq!(e.line, 2);
    }

    #[test]
    fn writes_what_it_reads() {
        let mut out = String::new();
        let long = "x".repeat(200);
        write_record(
            &mut out,
            "ou=研究,dc=x",
            &[
                ("cn", "张伟".as_bytes().to_vec()),
                ("description", long.as_bytes().to_vec()),
                ("sn", b" leading space".to_vec()),
            ],
        );
        assert!(out.lines().all(|l| l.chars().count() <= 77));
        let back = parse(out.as_bytes()).unwrap();
        assert_eq!(back[0].dn, "ou=研究,dc=x");
        assert_eq!(back[0].first("description").as_deref(), Some(long.as_str()));
        assert_eq!(back[0].values("sn").next(), Some(&b" leading space"[..]));
    }
}
