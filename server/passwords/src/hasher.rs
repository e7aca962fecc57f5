//! The entry point callers use: one [`Hasher`] configured with the Argon2id
//! parameters for new hashes, which verifies any supported stored value and
//! tells the caller when a stored value should be replaced.

use std::fmt;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::argon::{self, Argon2Params, OUTPUT_LEN};
use crate::scheme::split_scheme;
use crate::{Result, Scheme, crypt, digest};

/// Hashes new passwords with Argon2id and verifies stored `userPassword`
/// values of every supported [`Scheme`].
///
/// Holds only cost parameters, so `Debug` reveals nothing secret.
#[derive(Clone)]
pub struct Hasher {
    params: Argon2Params,
    /// The same parameters, converted once for the `argon2` crate.
    argon: argon2::Params,
}

impl fmt::Debug for Hasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hasher")
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

/// The result of [`Hasher::verify`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct Verification {
    /// The password matched the stored value.
    pub matched: bool,
    /// The password matched, and the stored value is not Argon2id with this
    /// hasher's parameters: the caller should store [`Hasher::hash`] of the
    /// password instead. Never `true` when `matched` is `false`.
    pub needs_upgrade: bool,
}

impl Hasher {
    /// Creates a hasher producing Argon2id hashes with `params`.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidParams`] if the parameters are rejected by
    /// [`Argon2Params::validate`].
    pub fn new(params: Argon2Params) -> Result<Self> {
        params.validate()?;
        let argon = params.to_argon2()?;
        Ok(Self { params, argon })
    }

    /// The parameters new hashes are made with.
    #[must_use]
    pub const fn params(&self) -> Argon2Params {
        self.params
    }

    /// Hashes `password` with Argon2id v1.3 and the given salt, returning the
    /// value to store in `userPassword`:
    /// `{ARGON2}$argon2id$v=19$m=…,t=…,p=…$<b64 salt>$<b64 hash>` (the format
    /// of OpenLDAP's argon2 module).
    ///
    /// The salt must come from a cryptographically secure random source.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Hashing`] if Argon2 fails (not expected with
    /// validated parameters).
    pub fn hash(&self, password: impl AsRef<[u8]>, salt: &[u8; 16]) -> Result<String> {
        let phc = argon::hash_phc(&self.argon, password.as_ref(), salt)?;
        Ok(format!("{{{}}}{phc}", Scheme::Argon2.tag()))
    }

    /// Verifies `password` against a stored `userPassword` value.
    ///
    /// A mismatch is `Ok` with `matched: false`; errors mean the stored value
    /// itself cannot be used.
    ///
    /// # Errors
    ///
    /// [`crate::Error::UnknownScheme`] for an unsupported `{TAG}`,
    /// [`crate::Error::Malformed`] for a value that cannot be decoded,
    /// [`crate::Error::CostTooHigh`] for a value demanding excessive work.
    pub fn verify(&self, stored: &str, password: impl AsRef<[u8]>) -> Result<Verification> {
        let password = password.as_ref();
        let (scheme, rest) = split_scheme(stored)?;
        let (matched, current) = match scheme {
            Scheme::Argon2 => {
                let checked = argon::verify_phc(rest, password, &self.argon)?;
                (checked.matched, checked.current)
            }
            Scheme::Crypt => (crypt::verify(rest, password)?, false),
            Scheme::Cleartext => (cleartext_eq(rest.as_bytes(), password), false),
            Scheme::Ssha
            | Scheme::Ssha256
            | Scheme::Ssha512
            | Scheme::Sha
            | Scheme::Sha256
            | Scheme::Sha512
            | Scheme::Smd5
            | Scheme::Md5 => (digest::verify(scheme, rest, password)?, false),
        };
        Ok(Verification {
            matched,
            needs_upgrade: matched && !current,
        })
    }

    /// Spends about the time [`Self::verify`] spends on an Argon2id hash made
    /// by this hasher, and discards the result. Call it when the bind name
    /// does not exist, so response times do not reveal which names exist.
    pub fn dummy_verify(&self, password: impl AsRef<[u8]>) {
        let mut out = [0u8; OUTPUT_LEN];
        argon::burn(&self.argon, password.as_ref(), &mut out);
        // Mirror verify's final comparison and keep the work observable.
        let _ = std::hint::black_box(out.ct_eq(&[0u8; OUTPUT_LEN]));
    }
}

/// Compares a cleartext stored password in constant time. Both sides are
/// hashed first so that not even their lengths influence the timing.
fn cleartext_eq(stored: &[u8], password: &[u8]) -> bool {
    Sha256::digest(stored)
        .as_slice()
        .ct_eq(Sha256::digest(password).as_slice())
        .into()
}
