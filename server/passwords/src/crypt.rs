//! `{CRYPT}` values: crypt(3) strings as produced by glibc/libxcrypt and
//! stored by OpenLDAP. Verified with the `pwhash` crate after a strict
//! syntax check, so malformed values are rejected up front (and never reach
//! code paths in `pwhash` that could panic on unexpected characters).

use subtle::ConstantTimeEq;

use crate::error::malformed;
use crate::{Error, Result, Scheme};

/// Highest bcrypt cost (log2 of the rounds) accepted for verification.
pub const MAX_BCRYPT_COST: u32 = 16;
/// Highest sha256-crypt / sha512-crypt `rounds=` accepted for verification.
pub const MAX_SHA_CRYPT_ROUNDS: u32 = 1_000_000;

/// The crypt(3) algorithms supported, recognised from the prefix.
enum Algo {
    Md5,
    Sha256,
    Sha512,
    Bcrypt,
    Des,
}

/// Verifies `password` against a crypt(3) string (the part after `{CRYPT}`).
pub(crate) fn verify(hash: &str, password: &[u8]) -> Result<bool> {
    let bad = |reason| malformed(Scheme::Crypt, reason);
    // Every supported format uses only crypt's base64 alphabet, `$`
    // separators and the `rounds=` option.
    if !hash
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'/' | b'$' | b'='))
    {
        return Err(bad("invalid character"));
    }
    let computed = compute(&check_syntax(hash)?, hash, password)
        .map_err(|_| bad("rejected by the crypt(3) implementation"))?;
    Ok(computed.as_bytes().ct_eq(hash.as_bytes()).into())
}

/// Recomputes the crypt(3) string for `password` with the salt and
/// parameters of `hash`.
// pwhash marks the legacy algorithms deprecated for *new* hashes; verifying
// existing ones is exactly what they are used for here.
#[allow(deprecated)]
fn compute(algo: &Algo, hash: &str, password: &[u8]) -> pwhash::Result<String> {
    match algo {
        Algo::Md5 => pwhash::md5_crypt::hash_with(hash, password),
        Algo::Sha256 => pwhash::sha256_crypt::hash_with(hash, password),
        Algo::Sha512 => pwhash::sha512_crypt::hash_with(hash, password),
        Algo::Bcrypt => pwhash::bcrypt::hash_with(hash, password),
        Algo::Des => pwhash::unix_crypt::hash_with(hash, password),
    }
}

/// Recognises the algorithm and checks the structure and cost limits.
fn check_syntax(hash: &str) -> Result<Algo> {
    let bad = |reason| malformed(Scheme::Crypt, reason);
    let Some(rest) = hash.strip_prefix('$') else {
        // Traditional DES: 2 salt characters and 11 hash characters.
        return if hash.len() == 13 && !hash.contains(['$', '=']) {
            Ok(Algo::Des)
        } else {
            Err(bad("not a supported crypt(3) format"))
        };
    };
    let (id, rest) = rest
        .split_once('$')
        .ok_or_else(|| bad("not a supported crypt(3) format"))?;
    match id {
        "1" => {
            let (salt, digest) = rest
                .split_once('$')
                .ok_or_else(|| bad("md5-crypt without hash"))?;
            simple_fields(salt, 8, digest, 22)?;
            Ok(Algo::Md5)
        }
        "5" | "6" => {
            let (algo, digest_len) = if id == "5" {
                (Algo::Sha256, 43)
            } else {
                (Algo::Sha512, 86)
            };
            let rest = match rest.strip_prefix("rounds=") {
                Some(with_rounds) => {
                    let (rounds, rest) = with_rounds
                        .split_once('$')
                        .ok_or_else(|| bad("sha-crypt rounds without salt"))?;
                    let rounds: u32 = rounds
                        .parse()
                        .map_err(|_| bad("sha-crypt rounds is not a number"))?;
                    if rounds > MAX_SHA_CRYPT_ROUNDS {
                        return Err(Error::CostTooHigh {
                            scheme: Scheme::Crypt,
                            reason: "sha-crypt rounds above the maximum",
                        });
                    }
                    rest
                }
                None => rest,
            };
            let (salt, digest) = rest
                .split_once('$')
                .ok_or_else(|| bad("sha-crypt without hash"))?;
            simple_fields(salt, 16, digest, digest_len)?;
            Ok(algo)
        }
        "2a" | "2b" | "2y" => {
            let (cost, salt_and_digest) = rest
                .split_once('$')
                .ok_or_else(|| bad("bcrypt without hash"))?;
            let cost_ok = cost.len() == 2 && cost.bytes().all(|b| b.is_ascii_digit());
            let cost: u32 = cost
                .parse()
                .ok()
                .filter(|_| cost_ok)
                .ok_or_else(|| bad("bcrypt cost is not two digits"))?;
            if cost > MAX_BCRYPT_COST {
                return Err(Error::CostTooHigh {
                    scheme: Scheme::Crypt,
                    reason: "bcrypt cost above the maximum",
                });
            }
            if salt_and_digest.len() != 53 || salt_and_digest.contains(['$', '=']) {
                return Err(bad("bcrypt salt and hash must be 53 characters"));
            }
            Ok(Algo::Bcrypt)
        }
        _ => Err(bad("unsupported crypt(3) algorithm")),
    }
}

/// Checks a `salt$digest` pair: salt of 1..=`max_salt` characters, digest of
/// exactly `digest_len`, neither containing `$` or `=`.
fn simple_fields(salt: &str, max_salt: usize, digest: &str, digest_len: usize) -> Result<()> {
    let clean = |s: &str| !s.contains(['$', '=']);
    if salt.is_empty() || salt.len() > max_salt || !clean(salt) {
        return Err(malformed(Scheme::Crypt, "invalid salt"));
    }
    if digest.len() != digest_len || !clean(digest) {
        return Err(malformed(Scheme::Crypt, "invalid hash length"));
    }
    Ok(())
}
