//! Field validation shared by every command: lengths, character sets, shapes.
//! Returns the cleaned value (trimmed) or a [`RuleError::Invalid`] naming the field.

use crate::error::RuleError;

fn no_control(field: &'static str, v: &str) -> Result<(), RuleError> {
    if v.chars().any(char::is_control) {
        return Err(RuleError::invalid(
            field,
            "control characters are not allowed",
        ));
    }
    Ok(())
}

/// Free text of at most `max` characters, not empty.
pub fn text(field: &'static str, v: &str, max: usize) -> Result<String, RuleError> {
    let v = v.trim();
    if v.is_empty() {
        return Err(RuleError::invalid(field, "must not be empty"));
    }
    if v.chars().count() > max {
        return Err(RuleError::invalid(
            field,
            format!("longer than {max} characters"),
        ));
    }
    no_control(field, v)?;
    Ok(v.to_string())
}

/// An org name: 1–64 characters.
pub fn org_name(v: &str) -> Result<String, RuleError> {
    text("org name", v, 64)
}

/// A person's name part: 1–64 characters.
pub fn person_name(field: &'static str, v: &str) -> Result<String, RuleError> {
    text(field, v, 64)
}

/// A group or service account name: 1–64 of `[A-Za-z0-9._-]` and CJK/letters, no spaces
/// at the ends, no DN specials.
pub fn group_name(v: &str) -> Result<String, RuleError> {
    let v = text("name", v, 64)?;
    if v.chars()
        .any(|c| matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=' | '#'))
    {
        return Err(RuleError::invalid(
            "name",
            "must not contain , + \" \\ < > ; = #",
        ));
    }
    Ok(v)
}

/// An account: 1–64 of `[A-Za-z0-9._-]`, starting with a letter or digit.
pub fn account(v: &str) -> Result<String, RuleError> {
    let v = v.trim();
    if v.is_empty() || v.len() > 64 {
        return Err(RuleError::invalid("account", "must be 1 to 64 characters"));
    }
    let ok_first = v.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if !ok_first
        || !v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(RuleError::invalid(
            "account",
            "only letters, digits, '.', '_' and '-' are allowed, starting with a letter or digit",
        ));
    }
    Ok(v.to_string())
}

/// A mobile number: digits with an optional leading `+`, spaces and dashes, 3–20 characters.
pub fn mobile(v: &str) -> Result<String, RuleError> {
    let v = v.trim();
    let digits = v.chars().filter(char::is_ascii_digit).count();
    let ok = v.len() <= 20
        && digits >= 3
        && v.chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || c == ' ' || c == '-' || (i == 0 && c == '+'));
    if !ok {
        return Err(RuleError::invalid(
            "mobile",
            "expected digits, optionally starting with '+' (at most 20 characters)",
        ));
    }
    Ok(v.to_string())
}

/// A mail address of the shape `local@domain.tld`.
pub fn email(v: &str) -> Result<String, RuleError> {
    let v = v.trim();
    let valid = v.len() <= 254
        && v.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !v.chars().any(|c| c.is_whitespace() || c.is_control())
                && !domain.contains('@')
        });
    if !valid {
        return Err(RuleError::invalid(
            "email",
            format!("{v:?} is not a mail address"),
        ));
    }
    Ok(v.to_string())
}

/// An absolute path for POSIX attributes.
pub fn path(field: &'static str, v: &str) -> Result<String, RuleError> {
    let v = text(field, v, 255)?;
    if !v.starts_with('/') {
        return Err(RuleError::invalid(field, "must be an absolute path"));
    }
    Ok(v)
}

/// The surname to use when none is given: the first character of a CJK name (Chinese names
/// put the family name first), otherwise the first word of a name that has several (pinyin
/// order, `Zhang Wei`), otherwise the whole name.
pub fn derive_surname(name: &str) -> String {
    let first = name.chars().next();
    if first.is_some_and(is_cjk) && name.chars().count() > 1 {
        return first.map(String::from).unwrap_or_default();
    }
    name.split_whitespace()
        .next()
        .filter(|_| name.split_whitespace().count() > 1)
        .unwrap_or(name)
        .to_string()
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields() {
        assert_eq!(account(" 10001 ").unwrap(), "10001");
        assert!(account("-x").is_err());
        assert!(account("a b").is_err());
        assert!(account(&"a".repeat(65)).is_err());
        assert!(mobile("+86 138-0000-0000").is_ok());
        assert!(mobile("call me").is_err());
        assert!(email("zhang.wei@example.com").is_ok());
        for bad in ["x", "a@b", "a@@b.c", "a b@c.d", "@c.d", "a@.c"] {
            assert!(email(bad).is_err(), "{bad}");
        }
        assert!(org_name("").is_err());
        assert!(org_name("R&D / 研发").is_ok());
        assert!(org_name("a\u{0}b").is_err());
        assert!(group_name("eng,x").is_err());
        assert_eq!(derive_surname("张伟"), "张");
        assert_eq!(derive_surname("Zhang Wei"), "Zhang");
        assert_eq!(derive_surname("Madonna"), "Madonna");
    }
}
