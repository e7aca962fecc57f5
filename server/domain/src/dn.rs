//! Distinguished names (RFC 4514) as a value type that compares case-insensitively.
//!
//! DNs are used by every layer (bind-name resolution, the DIT projection, LDAP writes), so the
//! type lives in the pure domain crate. Parsing is strict about structure (every RDN is
//! `type=value`, escapes are valid) and lenient about spacing around separators, as RFC 4514
//! readers are expected to be.

use std::fmt;

/// One attribute-type/value pair of an RDN.
#[derive(Clone, Debug)]
pub struct Ava {
    /// Attribute type as written (e.g. `ou`, `UID`).
    pub attr: String,
    /// Unescaped value.
    pub value: String,
}

/// A relative distinguished name: one or more AVAs joined by `+`.
#[derive(Clone, Debug)]
pub struct Rdn(pub Vec<Ava>);

/// A parsed distinguished name, most specific RDN first (as written).
#[derive(Clone, Debug, Default)]
pub struct Dn {
    rdns: Vec<Rdn>,
}

/// Why a string is not a DN.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DnError {
    /// An RDN has no `=`.
    #[error("invalid DN: RDN {0:?} has no '='")]
    MissingEquals(String),
    /// An attribute type is empty or has characters outside `[A-Za-z0-9-.]`.
    #[error("invalid DN: bad attribute type {0:?}")]
    BadAttributeType(String),
    /// A backslash escape is malformed.
    #[error("invalid DN: bad escape in {0:?}")]
    BadEscape(String),
    /// An unescaped special character appears inside a value.
    #[error("invalid DN: unescaped special character in {0:?}")]
    Unescaped(String),
    /// The DN is too long or has too many RDNs.
    #[error("invalid DN: too long")]
    TooLong,
}

/// Longest DN string accepted, in bytes.
pub const MAX_DN_LEN: usize = 4096;
/// Most RDNs accepted in one DN.
pub const MAX_RDNS: usize = 64;

impl Dn {
    /// The empty DN (the RootDSE).
    pub fn root() -> Dn {
        Dn { rdns: Vec::new() }
    }

    /// Parses an RFC 4514 string.
    pub fn parse(s: &str) -> Result<Dn, DnError> {
        if s.len() > MAX_DN_LEN {
            return Err(DnError::TooLong);
        }
        let s = s.trim();
        if s.is_empty() {
            return Ok(Dn::root());
        }
        let mut rdns = Vec::new();
        for rdn_str in split_unescaped(s, &[',', ';']) {
            if rdns.len() >= MAX_RDNS {
                return Err(DnError::TooLong);
            }
            let mut avas = Vec::new();
            for ava_str in split_unescaped(rdn_str, &['+']) {
                avas.push(parse_ava(ava_str)?);
            }
            rdns.push(Rdn(avas));
        }
        Ok(Dn { rdns })
    }

    /// Builds a DN from an RDN and a parent.
    pub fn child(&self, attr: &str, value: &str) -> Dn {
        let mut rdns = Vec::with_capacity(self.rdns.len() + 1);
        rdns.push(Rdn(vec![Ava {
            attr: attr.to_string(),
            value: value.to_string(),
        }]));
        rdns.extend(self.rdns.iter().cloned());
        Dn { rdns }
    }

    /// RDNs, most specific first.
    pub fn rdns(&self) -> &[Rdn] {
        &self.rdns
    }

    /// Whether this is the empty DN.
    pub fn is_root(&self) -> bool {
        self.rdns.is_empty()
    }

    /// The parent DN (the root's parent is the root).
    pub fn parent(&self) -> Dn {
        Dn {
            rdns: self.rdns.iter().skip(1).cloned().collect(),
        }
    }

    /// The first RDN's first AVA, if any.
    pub fn first_ava(&self) -> Option<&Ava> {
        self.rdns.first().and_then(|r| r.0.first())
    }

    /// Canonical form used as a map key: lower-case types and values, escaped, no spaces.
    pub fn normalized(&self) -> String {
        let mut out = String::new();
        for (i, rdn) in self.rdns.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let mut avas: Vec<(String, String)> = rdn
                .0
                .iter()
                .map(|a| (a.attr.to_ascii_lowercase(), normalize_value(&a.value)))
                .collect();
            avas.sort();
            for (j, (t, v)) in avas.iter().enumerate() {
                if j > 0 {
                    out.push('+');
                }
                out.push_str(t);
                out.push('=');
                escape_value_into(v, &mut out);
            }
        }
        out
    }

    /// Whether `self` equals `ancestor` or lies below it.
    pub fn is_within(&self, ancestor: &Dn) -> bool {
        if ancestor.rdns.len() > self.rdns.len() {
            return false;
        }
        let skip = self.rdns.len() - ancestor.rdns.len();
        self.rdns
            .iter()
            .skip(skip)
            .zip(ancestor.rdns.iter())
            .all(|(a, b)| rdn_eq(a, b))
    }
}

fn rdn_eq(a: &Rdn, b: &Rdn) -> bool {
    if a.0.len() != b.0.len() {
        return false;
    }
    let mut x: Vec<(String, String)> =
        a.0.iter()
            .map(|v| (v.attr.to_ascii_lowercase(), normalize_value(&v.value)))
            .collect();
    let mut y: Vec<(String, String)> =
        b.0.iter()
            .map(|v| (v.attr.to_ascii_lowercase(), normalize_value(&v.value)))
            .collect();
    x.sort();
    y.sort();
    x == y
}

impl PartialEq for Dn {
    fn eq(&self, other: &Dn) -> bool {
        self.rdns.len() == other.rdns.len()
            && self
                .rdns
                .iter()
                .zip(other.rdns.iter())
                .all(|(a, b)| rdn_eq(a, b))
    }
}
impl Eq for Dn {}

impl fmt::Display for Dn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        for (i, rdn) in self.rdns.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            for (j, ava) in rdn.0.iter().enumerate() {
                if j > 0 {
                    out.push('+');
                }
                out.push_str(&ava.attr);
                out.push('=');
                escape_value_into(&ava.value, &mut out);
            }
        }
        f.write_str(&out)
    }
}

/// Case- and space-insensitive form of a string value (caseIgnoreMatch with insignificant
/// space handling, simplified: trim, fold runs of spaces, lower-case).
pub fn normalize_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let mut space = false;
    for c in v.trim().chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        for l in c.to_lowercase() {
            out.push(l);
        }
    }
    out
}

/// Escapes a value for use inside a DN string (RFC 4514 section 2.4).
pub fn escape_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    escape_value_into(v, &mut out);
    out
}

fn escape_value_into(v: &str, out: &mut String) {
    let n = v.chars().count();
    for (i, c) in v.chars().enumerate() {
        let special = matches!(c, '"' | '+' | ',' | ';' | '<' | '>' | '\\')
            || (i == 0 && (c == '#' || c == ' '))
            || (i + 1 == n && c == ' ');
        if c == '\0' {
            out.push_str("\\00");
        } else {
            if special {
                out.push('\\');
            }
            out.push(c);
        }
    }
}

/// Splits at unescaped separators, honouring backslash escapes and quoted strings.
fn split_unescaped<'a>(s: &'a str, seps: &[char]) -> Vec<&'a str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    let mut quoted = false;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '"' => quoted = !quoted,
            c if !quoted && seps.contains(&c) => {
                parts.push(s.get(start..i).unwrap_or(""));
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(s.get(start..).unwrap_or(""));
    parts
}

fn parse_ava(s: &str) -> Result<Ava, DnError> {
    let (attr, value) = s
        .split_once('=')
        .ok_or_else(|| DnError::MissingEquals(s.to_string()))?;
    let attr = attr.trim();
    if attr.is_empty()
        || !attr
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    {
        return Err(DnError::BadAttributeType(attr.to_string()));
    }
    let value = value.trim_start();
    let value = if let Some(hex) = value.strip_prefix('#') {
        // BER-encoded value: keep the hex form as the value (we never need to decode it).
        format!("#{}", hex.trim())
    } else {
        // Unescaped trailing spaces are insignificant; an escaped one (`\ `) is kept.
        let mut raw = value.trim_end().to_string();
        if raw.ends_with('\\') && value.len() > raw.len() {
            raw.push(' ');
        }
        unescape(&raw, s)?
    };
    Ok(Ava {
        attr: attr.to_string(),
        value,
    })
}

fn unescape(v: &str, whole: &str) -> Result<String, DnError> {
    let v = if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
        v.get(1..v.len() - 1).unwrap_or("")
    } else {
        v
    };
    let mut bytes = Vec::with_capacity(v.len());
    let mut chars = v.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            let Some(n1) = chars.next() else {
                return Err(DnError::BadEscape(whole.to_string()));
            };
            if n1.is_ascii_hexdigit() {
                let Some(n2) = chars.next().filter(|c| c.is_ascii_hexdigit()) else {
                    return Err(DnError::BadEscape(whole.to_string()));
                };
                let hi = n1.to_digit(16).unwrap_or(0);
                let lo = n2.to_digit(16).unwrap_or(0);
                bytes.push((hi * 16 + lo) as u8);
            } else if matches!(
                n1,
                ' ' | '"' | '#' | '+' | ',' | ';' | '<' | '=' | '>' | '\\'
            ) {
                bytes.push(n1 as u8);
            } else {
                return Err(DnError::BadEscape(whole.to_string()));
            }
        } else if matches!(c, '"' | '+' | ',' | ';' | '<' | '>') {
            return Err(DnError::Unescaped(whole.to_string()));
        } else {
            let mut buf = [0u8; 4];
            bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
    String::from_utf8(bytes).map_err(|_| DnError::BadEscape(whole.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_normalize_and_display() {
        let cases = [
            (
                "uid=10001,ou=R&D,dc=example,dc=com",
                "uid=10001,ou=r&d,dc=example,dc=com",
            ),
            (
                "UID=Ab , OU = Sales ,DC=Example",
                "uid=ab,ou=sales,dc=example",
            ),
            ("cn=Smith\\, John,dc=x", "cn=smith\\, john,dc=x"),
            ("cn=a\\2Cb,dc=x", "cn=a\\,b,dc=x"),
            ("ou=研发部,dc=example,dc=com", "ou=研发部,dc=example,dc=com"),
            ("cn=a+sn=B,dc=x", "cn=a+sn=b,dc=x"),
            ("", ""),
        ];
        for (input, norm) in cases {
            let dn = Dn::parse(input).unwrap();
            assert_eq!(dn.normalized(), norm, "{input}");
            // Display round-trips through the parser.
            assert_eq!(Dn::parse(&dn.to_string()).unwrap(), dn, "{input}");
        }
    }

    #[test]
    fn rejects_bad_dns() {
        for bad in [
            "foo",
            "=x",
            "cn=a,b",
            "cn=a\\",
            "cn=a\\zz",
            "c n=a",
            "cn=a\\ff\\fe",
        ] {
            assert!(Dn::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Dn::parse(&"a".repeat(MAX_DN_LEN + 1)).err(),
            Some(DnError::TooLong)
        );
    }

    #[test]
    fn within_and_parent() {
        let base = Dn::parse("dc=Example,dc=com").unwrap();
        let m = Dn::parse("uid=1,ou=a,DC=example,dc=COM").unwrap();
        assert!(m.is_within(&base));
        assert!(base.is_within(&base));
        assert!(!base.is_within(&m));
        assert!(m.is_within(&Dn::root()));
        assert_eq!(m.parent().parent(), base);
        assert_eq!(
            base.child("ou", "x,y").to_string(),
            "ou=x\\,y,dc=Example,dc=com"
        );
    }
}
