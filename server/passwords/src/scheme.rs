//! Recognising which scheme a stored `userPassword` value uses, following
//! OpenLDAP's conventions: a case-insensitive `{TAG}` prefix, a bare Argon2
//! PHC string, or no tag at all for a cleartext password.

use std::fmt;

use crate::{Error, Result};

/// Longest `{TAG}` this crate treats as a scheme tag. Longer brace-prefixed
/// values are treated as cleartext, like any other untagged value.
const MAX_TAG_LEN: usize = 32;

/// The password storage schemes this crate can verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scheme {
    /// `{ARGON2}` (OpenLDAP's argon2 module) or a bare `$argon2…$` PHC string.
    Argon2,
    /// `{SSHA}`: salted SHA-1.
    Ssha,
    /// `{SSHA256}`: salted SHA-256.
    Ssha256,
    /// `{SSHA512}`: salted SHA-512.
    Ssha512,
    /// `{SHA}`: unsalted SHA-1.
    Sha,
    /// `{SHA256}`: unsalted SHA-256.
    Sha256,
    /// `{SHA512}`: unsalted SHA-512.
    Sha512,
    /// `{SMD5}`: salted MD5.
    Smd5,
    /// `{MD5}`: unsalted MD5.
    Md5,
    /// `{CRYPT}`: a crypt(3) string (md5-crypt, sha256/512-crypt, bcrypt, DES).
    Crypt,
    /// `{CLEARTEXT}` or a value without any scheme tag.
    Cleartext,
}

impl Scheme {
    /// Every scheme, in declaration order.
    pub const ALL: [Self; 11] = [
        Self::Argon2,
        Self::Ssha,
        Self::Ssha256,
        Self::Ssha512,
        Self::Sha,
        Self::Sha256,
        Self::Sha512,
        Self::Smd5,
        Self::Md5,
        Self::Crypt,
        Self::Cleartext,
    ];

    /// The scheme's tag as OpenLDAP writes it, without braces (e.g. `"SSHA"`).
    #[must_use]
    pub const fn tag(self) -> &'static str {
        match self {
            Self::Argon2 => "ARGON2",
            Self::Ssha => "SSHA",
            Self::Ssha256 => "SSHA256",
            Self::Ssha512 => "SSHA512",
            Self::Sha => "SHA",
            Self::Sha256 => "SHA256",
            Self::Sha512 => "SHA512",
            Self::Smd5 => "SMD5",
            Self::Md5 => "MD5",
            Self::Crypt => "CRYPT",
            Self::Cleartext => "CLEARTEXT",
        }
    }

    /// Looks a tag (without braces) up, ignoring ASCII case.
    fn from_tag(tag: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|scheme| scheme.tag().eq_ignore_ascii_case(tag))
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{{}}}", self.tag())
    }
}

/// Returns the scheme of a stored `userPassword` value.
///
/// A value without a `{TAG}` prefix is cleartext, except a bare Argon2 PHC
/// string (`$argon2id$…`, `$argon2i$…`, `$argon2d$…`).
///
/// # Errors
///
/// [`Error::UnknownScheme`] if the value starts with a `{TAG}` that is not
/// one of [`Scheme`]'s.
pub fn scheme_of(stored: &str) -> Result<Scheme> {
    split_scheme(stored).map(|(scheme, _)| scheme)
}

/// Splits a stored value into its scheme and the scheme-specific rest (the
/// part after the tag; for a bare PHC string or untagged cleartext, the whole
/// value).
pub(crate) fn split_scheme(stored: &str) -> Result<(Scheme, &str)> {
    if is_bare_argon2(stored) {
        return Ok((Scheme::Argon2, stored));
    }
    match split_tag(stored) {
        Some((tag, rest)) => match Scheme::from_tag(tag) {
            Some(scheme) => Ok((scheme, rest)),
            None => Err(Error::UnknownScheme(tag.to_owned())),
        },
        None => Ok((Scheme::Cleartext, stored)),
    }
}

/// Whether the value is an untagged Argon2 PHC string.
fn is_bare_argon2(stored: &str) -> bool {
    ["$argon2id$", "$argon2i$", "$argon2d$"]
        .iter()
        .any(|prefix| stored.starts_with(prefix))
}

/// Splits `{TAG}rest` into `("TAG", "rest")` if the value starts with a
/// plausible scheme tag: 1 to [`MAX_TAG_LEN`] ASCII letters, digits, `-`,
/// `_` or `.` between braces.
fn split_tag(stored: &str) -> Option<(&str, &str)> {
    let inner = stored.strip_prefix('{')?;
    let (tag, rest) = inner.split_once('}')?;
    let plausible = !tag.is_empty()
        && tag.len() <= MAX_TAG_LEN
        && tag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    plausible.then_some((tag, rest))
}
