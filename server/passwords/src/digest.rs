//! The legacy RFC 2307-style digest schemes (`{SSHA}`, `{SHA}`, `{SMD5}`,
//! `{MD5}` and their SHA-2 siblings), which directories migrated from
//! OpenLDAP still contain. They are only ever verified, never produced.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use sha2::Digest;
use subtle::ConstantTimeEq;

use crate::error::malformed;
use crate::{Result, Scheme};

/// Standard base64 that accepts values with or without `=` padding, as
/// OpenLDAP's decoder does.
const LENIENT_B64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Verifies a digest-scheme value (the base64 part after the `{TAG}`).
///
/// `scheme` must be one of the digest schemes; any other yields an error.
pub(crate) fn verify(scheme: Scheme, encoded: &str, password: &[u8]) -> Result<bool> {
    match scheme {
        Scheme::Ssha => salted::<sha1::Sha1>(scheme, encoded, password),
        Scheme::Ssha256 => salted::<sha2::Sha256>(scheme, encoded, password),
        Scheme::Ssha512 => salted::<sha2::Sha512>(scheme, encoded, password),
        Scheme::Smd5 => salted::<md5::Md5>(scheme, encoded, password),
        Scheme::Sha => unsalted::<sha1::Sha1>(scheme, encoded, password),
        Scheme::Sha256 => unsalted::<sha2::Sha256>(scheme, encoded, password),
        Scheme::Sha512 => unsalted::<sha2::Sha512>(scheme, encoded, password),
        Scheme::Md5 => unsalted::<md5::Md5>(scheme, encoded, password),
        Scheme::Argon2 | Scheme::Crypt | Scheme::Cleartext => {
            Err(malformed(scheme, "not a digest scheme"))
        }
    }
}

/// `base64(digest(password ‖ salt) ‖ salt)` with a salt of at least one byte.
fn salted<D: Digest>(scheme: Scheme, encoded: &str, password: &[u8]) -> Result<bool> {
    let raw = decode(scheme, encoded)?;
    let (expected, salt) = raw
        .split_at_checked(<D as Digest>::output_size())
        .ok_or_else(|| malformed(scheme, "shorter than the digest"))?;
    if salt.is_empty() {
        return Err(malformed(scheme, "missing salt"));
    }
    let computed = D::new()
        .chain_update(password)
        .chain_update(salt)
        .finalize();
    Ok(computed.as_slice().ct_eq(expected).into())
}

/// `base64(digest(password))`.
fn unsalted<D: Digest>(scheme: Scheme, encoded: &str, password: &[u8]) -> Result<bool> {
    let expected = decode(scheme, encoded)?;
    if expected.len() != <D as Digest>::output_size() {
        return Err(malformed(scheme, "wrong digest length"));
    }
    let computed = D::digest(password);
    Ok(computed.as_slice().ct_eq(&expected).into())
}

fn decode(scheme: Scheme, encoded: &str) -> Result<Vec<u8>> {
    LENIENT_B64
        .decode(encoded)
        .map_err(|_| malformed(scheme, "invalid base64"))
}
