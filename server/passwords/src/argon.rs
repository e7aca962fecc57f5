//! Argon2: the scheme every new password is stored in, and verification of
//! existing Argon2 PHC strings (any variant, as written by OpenLDAP's argon2
//! module or any PHC-conformant tool).

use argon2::password_hash::{PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, PasswordHasher, Version};
use subtle::ConstantTimeEq;

use crate::error::malformed;
use crate::{Error, Result, Scheme};

/// Length in bytes of the hash output this crate writes (the PHC default).
pub(crate) const OUTPUT_LEN: usize = 32;

/// Argon2id cost parameters for new hashes.
///
/// The default is OWASP's recommendation: 19 MiB of memory, 2 iterations,
/// 1 lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Argon2Params {
    /// Memory cost in KiB.
    pub m_cost_kib: u32,
    /// Number of passes over the memory.
    pub t_cost: u32,
    /// Degree of parallelism (lanes).
    pub p_cost: u32,
}

impl Argon2Params {
    /// OWASP's recommended Argon2id parameters (m=19456 KiB, t=2, p=1).
    pub const OWASP: Self = Self {
        m_cost_kib: 19_456,
        t_cost: 2,
        p_cost: 1,
    };

    /// Largest memory cost (1 GiB) accepted, both for new hashes and for
    /// stored hashes being verified, so a planted hash cannot exhaust memory.
    pub const MAX_M_COST_KIB: u32 = 1 << 20;
    /// Largest number of passes accepted (see [`Self::MAX_M_COST_KIB`]).
    pub const MAX_T_COST: u32 = 64;
    /// Largest degree of parallelism accepted (see [`Self::MAX_M_COST_KIB`]).
    pub const MAX_P_COST: u32 = 64;

    /// Checks the parameters against Argon2's own rules and this crate's
    /// limits.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParams`] describing the first problem found.
    pub fn validate(&self) -> Result<()> {
        if self.m_cost_kib > Self::MAX_M_COST_KIB {
            return Err(Error::InvalidParams(format!(
                "m_cost_kib {} exceeds the limit of {}",
                self.m_cost_kib,
                Self::MAX_M_COST_KIB
            )));
        }
        if self.t_cost > Self::MAX_T_COST {
            return Err(Error::InvalidParams(format!(
                "t_cost {} exceeds the limit of {}",
                self.t_cost,
                Self::MAX_T_COST
            )));
        }
        if self.p_cost > Self::MAX_P_COST {
            return Err(Error::InvalidParams(format!(
                "p_cost {} exceeds the limit of {}",
                self.p_cost,
                Self::MAX_P_COST
            )));
        }
        self.to_argon2().map(|_| ())
    }

    /// Converts to the `argon2` crate's parameters (with a 32-byte output).
    pub(crate) fn to_argon2(self) -> Result<argon2::Params> {
        argon2::Params::new(self.m_cost_kib, self.t_cost, self.p_cost, Some(OUTPUT_LEN)).map_err(
            |e| {
                Error::InvalidParams(format!(
                    "m_cost_kib={}, t_cost={}, p_cost={}: {e}",
                    self.m_cost_kib, self.t_cost, self.p_cost
                ))
            },
        )
    }

    /// Whether stored hash parameters are within the verification limits.
    fn within_limits(params: &argon2::Params) -> bool {
        params.m_cost() <= Self::MAX_M_COST_KIB
            && params.t_cost() <= Self::MAX_T_COST
            && params.p_cost() <= Self::MAX_P_COST
    }
}

impl Default for Argon2Params {
    fn default() -> Self {
        Self::OWASP
    }
}

/// Hashes `password` with Argon2id v1.3 and returns the PHC string
/// (`$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>`).
pub(crate) fn hash_phc(params: &argon2::Params, password: &[u8], salt: &[u8]) -> Result<String> {
    let salt = SaltString::encode_b64(salt).map_err(|e| Error::Hashing(e.to_string()))?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let phc = argon
        .hash_password(password, &salt)
        .map_err(|e| Error::Hashing(e.to_string()))?;
    Ok(phc.to_string())
}

thread_local! {
    /// Argon2's working memory, kept per thread between hashes: a verification at the
    /// default cost touches 19 MiB, and allocating it afresh each time makes the allocator
    /// hoard freed blocks (the server's memory grew by hundreds of MiB under load).
    static MEMORY: std::cell::RefCell<Vec<argon2::Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Most blocks (1 KiB each) a thread keeps between hashes; larger parameters (e.g. an
/// imported hash with a huge `m`) get memory for that one call only.
const KEEP_BLOCKS: usize = 64 * 1024;

/// `Argon2::hash_password_into`, with the thread's reusable working memory.
fn hash_into(
    argon: &Argon2<'_>,
    params: &argon2::Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> argon2::Result<()> {
    let n = params.block_count();
    if n > KEEP_BLOCKS {
        return argon.hash_password_into(password, salt, out);
    }
    MEMORY.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() < n {
            m.resize(n, argon2::Block::default());
        }
        match m.get_mut(..n) {
            Some(blocks) => argon.hash_password_into_with_memory(password, salt, out, blocks),
            None => argon.hash_password_into(password, salt, out),
        }
    })
}

/// Computes raw Argon2id output into `out`, discarding errors; used to burn
/// time for unknown bind names.
pub(crate) fn burn(params: &argon2::Params, password: &[u8], out: &mut [u8]) {
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    // A failure here (impossible with validated params and a 16-byte salt)
    // only means less time is burnt; there is nothing to report.
    let _ = hash_into(&argon, params, password, &[0u8; 16], out);
}

/// Outcome of checking a PHC string.
pub(crate) struct Checked {
    /// The password matched.
    pub(crate) matched: bool,
    /// The hash is Argon2id v1.3 with exactly the wanted params and a
    /// 32-byte output.
    pub(crate) current: bool,
}

/// Verifies `password` against an Argon2 PHC string.
pub(crate) fn verify_phc(phc: &str, password: &[u8], wanted: &argon2::Params) -> Result<Checked> {
    let bad = |reason| malformed(Scheme::Argon2, reason);
    let hash = PasswordHash::new(phc).map_err(|_| bad("not a valid PHC string"))?;
    let algorithm =
        Algorithm::try_from(hash.algorithm).map_err(|_| bad("not an argon2 algorithm"))?;
    // As in the reference implementation, a PHC string without `v=` is 1.0.
    let version = match hash.version {
        Some(v) => Version::try_from(v).map_err(|_| bad("unsupported argon2 version"))?,
        None => Version::V0x10,
    };
    let params = argon2::Params::try_from(&hash).map_err(|_| bad("invalid argon2 parameters"))?;
    if !Argon2Params::within_limits(&params) {
        return Err(Error::CostTooHigh {
            scheme: Scheme::Argon2,
            reason: "argon2 m, t or p above the configured maximum",
        });
    }
    let salt = hash.salt.ok_or_else(|| bad("missing salt"))?;
    let mut salt_buf = [0u8; 64];
    let salt = salt
        .decode_b64(&mut salt_buf)
        .map_err(|_| bad("invalid salt encoding"))?;
    let expected = hash.hash.ok_or_else(|| bad("missing hash"))?;
    let expected = expected.as_bytes();

    let mut computed = vec![0u8; expected.len()];
    let argon = Argon2::new(algorithm, version, params.clone());
    hash_into(&argon, &params, password, salt, &mut computed)
        .map_err(|_| bad("parameters or salt rejected by argon2"))?;
    let matched = computed.ct_eq(expected).into();

    let current = algorithm == Algorithm::Argon2id
        && version == Version::V0x13
        && params.m_cost() == wanted.m_cost()
        && params.t_cost() == wanted.t_cost()
        && params.p_cost() == wanted.p_cost()
        && expected.len() == OUTPUT_LEN
        && params.keyid().is_empty()
        && params.data().is_empty();
    Ok(Checked { matched, current })
}
