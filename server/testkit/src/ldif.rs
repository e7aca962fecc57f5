//! A small reader for the LDIF that OpenLDAP's client tools print (RFC 2849 content records).
//!
//! Enough for assertions on `ldapsearch` output: comments, folded lines, `attr:: base64`
//! values and blank-line separated records. Attribute names compare case-insensitively.

use anyhow::{Context as _, Result, bail};

/// One LDIF record: its DN and attribute values in the order printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The DN as printed (decoded if it was base64).
    pub dn: String,
    /// `(attribute description, value)` pairs; binary values are decoded lossily.
    pub attrs: Vec<(String, String)>,
}

impl Entry {
    /// All values of `attr` (case-insensitive name match).
    pub fn values(&self, attr: &str) -> Vec<&str> {
        self.attrs
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case(attr))
            .map(|(_, value)| value.as_str())
            .collect()
    }

    /// The first value of `attr`, if any.
    pub fn first(&self, attr: &str) -> Option<&str> {
        self.values(attr).into_iter().next()
    }

    /// Whether the entry has `attr` at all.
    pub fn has(&self, attr: &str) -> bool {
        self.attrs
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case(attr))
    }

    /// The distinct attribute names, lower-cased, in first-seen order.
    pub fn attr_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for (name, _) in &self.attrs {
            let lower = name.to_ascii_lowercase();
            if !names.contains(&lower) {
                names.push(lower);
            }
        }
        names
    }
}

/// Parses LDIF text into its records. `version:` lines and comments are skipped.
///
/// # Errors
/// When a line is not `name: value`, `name:: base64` or `name:< url`, a record does not
/// start with `dn:`, or base64 is malformed.
pub fn parse(text: &str) -> Result<Vec<Entry>> {
    let mut entries = Vec::new();
    let mut current: Option<Entry> = None;
    // Inside ldapsearch's result trailer (`search: 2` / `result: 0 Success` without -LLL).
    let mut trailer = false;
    for line in unfold(text) {
        if line.is_empty() {
            if let Some(entry) = current.take() {
                entries.push(entry);
            }
            trailer = false;
            continue;
        }
        if line.starts_with('#') || trailer {
            continue;
        }
        let (name, value) = split_line(&line)?;
        match current.as_mut() {
            None if name.eq_ignore_ascii_case("search") => trailer = true,
            None if name.eq_ignore_ascii_case("version") => {}
            None if name.eq_ignore_ascii_case("dn") => {
                current = Some(Entry {
                    dn: value,
                    attrs: Vec::new(),
                });
            }
            None => bail!("LDIF record does not start with dn: {line:?}"),
            Some(entry) => entry.attrs.push((name, value)),
        }
    }
    if let Some(entry) = current {
        entries.push(entry);
    }
    Ok(entries)
}

/// Joins folded lines (a line starting with one space continues the previous one).
fn unfold(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for raw in text.lines() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        match (raw.strip_prefix(' '), lines.last_mut()) {
            (Some(rest), Some(last)) if !last.is_empty() => last.push_str(rest),
            _ => lines.push(raw.to_owned()),
        }
    }
    lines
}

fn split_line(line: &str) -> Result<(String, String)> {
    let (name, rest) = line
        .split_once(':')
        .with_context(|| format!("LDIF line without a colon: {line:?}"))?;
    let value = if let Some(b64) = rest.strip_prefix(':') {
        let bytes = base64_decode(b64.trim())
            .with_context(|| format!("bad base64 in LDIF line {line:?}"))?;
        String::from_utf8_lossy(&bytes).into_owned()
    } else if let Some(url) = rest.strip_prefix('<') {
        url.trim().to_owned()
    } else {
        rest.strip_prefix(' ').unwrap_or(rest).to_owned()
    };
    Ok((name.to_owned(), value))
}

/// Standard base64 (RFC 4648) with padding, as LDIF uses.
fn base64_decode(text: &str) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => bail!("invalid base64 character {:?}", char::from(c)),
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff)?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ldapsearch_output() -> Result<()> {
        let text = "# extended LDIF\n#\nversion: 1\n\n\
                    dn: uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com\n\
                    cn: Zhang Wei\n\
                    memberOf: cn=engineering,cn=groups,dc=exam\n ple,dc=com\n\
                    displayName:: 5byg5Lyf\n\
                    description:: IGxlYWRpbmcgc3BhY2U=\n\
                    \n\
                    # search result\n\
                    dn: uid=10002,ou=Engineering,dc=example,dc=com\n\
                    CN: Li Na\n\n\
                    # search result\n\
                    search: 2\n\
                    result: 0 Success\n\n\
                    # numResponses: 3\n";
        let entries = parse(text)?;
        assert_eq!(entries.len(), 2);
        let zhang = entries.first().context("first entry")?;
        assert_eq!(
            zhang.dn,
            "uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com"
        );
        assert_eq!(
            zhang.values("memberof"),
            ["cn=engineering,cn=groups,dc=example,dc=com"]
        );
        assert_eq!(zhang.first("displayName"), Some("张伟"));
        assert_eq!(zhang.first("description"), Some(" leading space"));
        assert_eq!(
            zhang.attr_names(),
            ["cn", "memberof", "displayname", "description"]
        );
        let li = entries.get(1).context("second entry")?;
        assert_eq!(li.first("cn"), Some("Li Na"));
        assert!(!li.has("mail"));
        Ok(())
    }

    #[test]
    fn empty_output_has_no_entries() -> Result<()> {
        assert!(parse("")?.is_empty());
        assert!(parse("\n\n# numEntries: 0\n")?.is_empty());
        Ok(())
    }

    #[test]
    fn base64_round_numbers() -> Result<()> {
        assert_eq!(base64_decode("")?, b"");
        assert_eq!(base64_decode("Zg==")?, b"f");
        assert_eq!(base64_decode("Zm8=")?, b"fo");
        assert_eq!(base64_decode("Zm9v")?, b"foo");
        assert!(base64_decode("Zm9v!").is_err());
        Ok(())
    }

    #[test]
    fn rejects_a_record_without_dn() {
        assert!(parse("cn: x\n").is_err());
    }
}
