//! Password hashing and verification for LDAP simple binds and panel logins.
//!
//! New passwords are always stored as Argon2id in OpenLDAP's `{ARGON2}`
//! format; existing values in the schemes OpenLDAP understands (`{SSHA}`,
//! `{SHA512}`, `{CRYPT}`, cleartext, …) are still verified, and
//! [`Verification::needs_upgrade`] tells the caller to re-hash them. The
//! crate is pure computation: no I/O, no clock, and the salt comes from the
//! caller.
//!
//! ```
//! use orgdir_passwords::{Argon2Params, Hasher};
//!
//! # fn main() -> orgdir_passwords::Result<()> {
//! // Small parameters keep the example fast; use `Argon2Params::default()`.
//! let hasher = Hasher::new(Argon2Params { m_cost_kib: 64, t_cost: 1, p_cost: 1 })?;
//! let salt = [7u8; 16]; // in real code: 16 bytes from a secure RNG
//! let stored = hasher.hash("correct horse", &salt)?;
//! assert!(stored.starts_with("{ARGON2}$argon2id$v=19$m=64,t=1,p=1$"));
//!
//! let ok = hasher.verify(&stored, "correct horse")?;
//! assert!(ok.matched && !ok.needs_upgrade);
//! assert!(!hasher.verify(&stored, "wrong")?.matched);
//! # Ok(())
//! # }
//! ```

mod argon;
mod crypt;
mod digest;
mod error;
mod hasher;
mod scheme;

pub use argon::Argon2Params;
pub use crypt::{MAX_BCRYPT_COST, MAX_SHA_CRYPT_ROUNDS};
pub use error::{Error, Result};
pub use hasher::{Hasher, Verification};
pub use scheme::{Scheme, scheme_of};
