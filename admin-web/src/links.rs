//! Signed links: super password recovery (SPEC ENT-2) and the SSO hand-off (LOGIN-3).
//!
//! A token is `<kind>.<payload>.<mac>` in unpadded base64url, where the MAC is
//! HMAC-SHA256 under the server's secret key (`<data_dir>/secret.key`) over the kind and the
//! payload, so neither kind can be passed off as the other and nothing in a token can be
//! changed without the key.
//!
//! * Recovery (`r1`): enterprise number, expiry, and a keyed digest of the enterprise's
//!   current super password hash and recovery email ([`Links::recovery_state`]). Using the
//!   link changes the hash, so it works once; it also dies when the super password or the
//!   recovery email change in any other way. Nothing is kept on the server.
//! * SSO (`s1`): enterprise number, member id, the member's entryUUID at issue time, expiry
//!   (a minute) and a random nonce. Single use is an in-memory set of used nonces, pruned
//!   after their expiry ([`Links::consume_sso`]); a restart forgets it, which at most revives
//!   links younger than a minute that were already used before the restart.
//!
//! Times are the directory's clock (`Directory::now`), so tests move them.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How long an SSO hand-off link lives, in seconds.
pub const SSO_SECONDS: i64 = 60;
/// Default lifetime of a recovery link, in minutes.
pub const DEFAULT_RECOVERY_MINUTES: u32 = 30;
/// Most used SSO nonces remembered at once; beyond (after pruning), links are refused
/// until older ones expire, rather than forgetting a used one.
const MAX_USED_NONCES: usize = 100_000;

const RECOVERY: &str = "r1";
const SSO: &str = "s1";

/// A fixed-window counter per key: at most `limit` hits per `window` seconds.
#[derive(Debug)]
pub(crate) struct Throttle {
    limit: u32,
    window: i64,
    hits: Mutex<HashMap<String, (u32, i64)>>,
}

/// Keys remembered by one [`Throttle`] at most (expired windows are dropped first).
const MAX_THROTTLE_KEYS: usize = 100_000;

impl Throttle {
    pub(crate) fn new(limit: u32, window: i64) -> Throttle {
        Throttle {
            limit,
            window,
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `key` has used up its hits in the current window.
    pub(crate) fn exhausted(&self, key: &str, now: i64) -> bool {
        let map = self.hits.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(key)
            .is_some_and(|(n, since)| now - since < self.window && *n >= self.limit)
    }

    /// Counts one hit of `key`; `false` when it was already exhausted (the hit is not
    /// counted then).
    pub(crate) fn hit(&self, key: &str, now: i64) -> bool {
        let mut map = self.hits.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= MAX_THROTTLE_KEYS && !map.contains_key(key) {
            let window = self.window;
            map.retain(|_, (_, since)| now - *since < window);
            if map.len() >= MAX_THROTTLE_KEYS {
                map.clear();
            }
        }
        let e = map.entry(key.to_string()).or_insert((0, now));
        if now - e.1 >= self.window {
            *e = (0, now);
        }
        if e.0 >= self.limit {
            return false;
        }
        e.0 += 1;
        true
    }
}

/// What a recovery link says, once its signature is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecoveryClaim {
    /// The enterprise.
    pub enterprise: u64,
    /// Unix time it stops working.
    pub expires: i64,
    /// [`Links::recovery_state`] when it was made.
    pub state: [u8; 16],
}

/// What an SSO link says, once its signature is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SsoClaim {
    /// The enterprise.
    pub enterprise: u64,
    /// The member.
    pub member: u64,
    /// The member's entryUUID when the link was made.
    pub holder: [u8; 16],
    /// Unix time it stops working.
    pub expires: i64,
    /// Random; single use.
    pub nonce: [u8; 16],
}

/// A token that does not verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unverified<C> {
    /// Not a token of this kind at all.
    Malformed,
    /// Well formed, but the MAC is wrong: what it claims, not to be trusted.
    BadSignature(C),
}

/// Whether an SSO nonce was free.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Consumed {
    /// First use: it is now used.
    First,
    /// Used before.
    Again,
    /// Too many live used nonces to remember another: refused.
    Full,
}

/// The key, the public address links point to, and what using links needs to remember.
#[derive(Debug)]
pub struct Links {
    key: [u8; 32],
    public_url: String,
    recovery_seconds: i64,
    used_sso: Mutex<HashMap<[u8; 16], i64>>,
    /// Serializes recovery completions, so two uses of one link cannot both pass the check
    /// before either changes the hash.
    pub(crate) recovery_lock: tokio::sync::Mutex<()>,
    /// Recovery requests per client address.
    pub(crate) requests_by_address: Throttle,
    /// Recovery mails per enterprise.
    pub(crate) mails_by_enterprise: Throttle,
    /// Refused recovery completions per client address.
    pub(crate) refusals_by_address: Throttle,
}

impl Links {
    /// Links signed with `key`, pointing at `public_url` (`https://panel.example.com`, no
    /// trailing slash needed), recovery links valid for `recovery_minutes`.
    pub fn new(key: [u8; 32], public_url: &str, recovery_minutes: u32) -> Links {
        Links {
            key,
            public_url: public_url.trim_end_matches('/').to_string(),
            recovery_seconds: i64::from(recovery_minutes.max(1)) * 60,
            used_sso: Mutex::new(HashMap::new()),
            recovery_lock: tokio::sync::Mutex::new(()),
            requests_by_address: Throttle::new(10, 900),
            mails_by_enterprise: Throttle::new(3, 1800),
            refusals_by_address: Throttle::new(10, 900),
        }
    }

    /// Links under a random key (valid until the process ends), for `http://127.0.0.1:8080`.
    pub fn ephemeral() -> Links {
        let mut key = [0u8; 32];
        rand::Rng::fill(&mut rand::thread_rng(), &mut key[..]);
        Links::new(key, "http://127.0.0.1:8080", DEFAULT_RECOVERY_MINUTES)
    }

    /// The absolute URL of a path on this server.
    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.public_url)
    }

    /// How long recovery links live, in seconds.
    pub fn recovery_seconds(&self) -> i64 {
        self.recovery_seconds
    }

    fn mac(&self, parts: &[&[u8]]) -> Hmac<Sha256> {
        // HMAC takes keys of any length: this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| <Hmac<Sha256> as Mac>::new(&Default::default()));
        for p in parts {
            mac.update(&(p.len() as u64).to_be_bytes());
            mac.update(p);
        }
        mac
    }

    fn sign(&self, kind: &str, payload: &[u8]) -> String {
        let tag = self
            .mac(&[kind.as_bytes(), payload])
            .finalize()
            .into_bytes();
        format!(
            "{kind}.{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(tag)
        )
    }

    /// The payload of a `kind` token of `len` bytes and whether its MAC verifies
    /// (constant time); `None` when it is not such a token.
    fn open(&self, kind: &str, token: &str, len: usize) -> Option<(Vec<u8>, bool)> {
        let mut parts = token.trim().split('.');
        let (Some(k), Some(payload), Some(tag), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        if k != kind {
            return None;
        }
        let payload = URL_SAFE_NO_PAD.decode(payload).ok()?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        if payload.len() != len {
            return None;
        }
        let ok = self
            .mac(&[kind.as_bytes(), &payload])
            .verify_slice(&tag)
            .is_ok();
        Some((payload, ok))
    }

    /// A keyed digest of what a recovery link depends on: the super password hash and the
    /// recovery email. Keyed, so a link shows nothing about the hash.
    pub fn recovery_state(&self, super_hash: Option<&str>, email: Option<&str>) -> [u8; 16] {
        let full = self
            .mac(&[
                b"recovery-state",
                super_hash.unwrap_or_default().as_bytes(),
                email.unwrap_or_default().as_bytes(),
            ])
            .finalize()
            .into_bytes();
        let mut out = [0u8; 16];
        out.copy_from_slice(full.get(..16).unwrap_or(&[0u8; 16]));
        out
    }

    /// A recovery token for `enterprise` in `state`, valid from `now`.
    pub fn recovery_token(&self, enterprise: u64, state: [u8; 16], now: i64) -> String {
        let mut p = Vec::with_capacity(32);
        p.extend_from_slice(&enterprise.to_be_bytes());
        p.extend_from_slice(&(now + self.recovery_seconds).to_be_bytes());
        p.extend_from_slice(&state);
        self.sign(RECOVERY, &p)
    }

    /// Reads a recovery token (signature only: expiry and state are the caller's to check).
    pub fn read_recovery(&self, token: &str) -> Result<RecoveryClaim, Unverified<RecoveryClaim>> {
        let (p, ok) = self
            .open(RECOVERY, token, 32)
            .ok_or(Unverified::Malformed)?;
        let claim = RecoveryClaim {
            enterprise: u64::from_be_bytes(bytes(&p, 0)),
            expires: i64::from_be_bytes(bytes(&p, 8)),
            state: bytes(&p, 16),
        };
        verdict(claim, ok)
    }

    /// An SSO token for a member (with its current entryUUID), valid for [`SSO_SECONDS`]
    /// from `now`; returns it with its expiry.
    pub fn sso_token(
        &self,
        enterprise: u64,
        member: u64,
        holder: [u8; 16],
        now: i64,
    ) -> (String, i64) {
        let mut nonce = [0u8; 16];
        rand::Rng::fill(&mut rand::thread_rng(), &mut nonce[..]);
        let expires = now + SSO_SECONDS;
        let mut p = Vec::with_capacity(56);
        p.extend_from_slice(&enterprise.to_be_bytes());
        p.extend_from_slice(&member.to_be_bytes());
        p.extend_from_slice(&holder);
        p.extend_from_slice(&expires.to_be_bytes());
        p.extend_from_slice(&nonce);
        (self.sign(SSO, &p), expires)
    }

    /// Reads an SSO token (signature only).
    pub fn read_sso(&self, token: &str) -> Result<SsoClaim, Unverified<SsoClaim>> {
        let (p, ok) = self.open(SSO, token, 56).ok_or(Unverified::Malformed)?;
        let claim = SsoClaim {
            enterprise: u64::from_be_bytes(bytes(&p, 0)),
            member: u64::from_be_bytes(bytes(&p, 8)),
            holder: bytes(&p, 16),
            expires: i64::from_be_bytes(bytes(&p, 32)),
            nonce: bytes(&p, 40),
        };
        verdict(claim, ok)
    }

    /// Marks an SSO link's nonce used (remembered until the link's expiry).
    pub fn consume_sso(&self, claim: &SsoClaim, now: i64) -> Consumed {
        let mut used = self.used_sso.lock().unwrap_or_else(PoisonError::into_inner);
        if used.contains_key(&claim.nonce) {
            return Consumed::Again;
        }
        if used.len() >= MAX_USED_NONCES {
            used.retain(|_, expires| *expires >= now);
            if used.len() >= MAX_USED_NONCES {
                return Consumed::Full;
            }
        }
        used.insert(claim.nonce, claim.expires);
        Consumed::First
    }
}

/// A claim, trusted only if its MAC verified.
fn verdict<C>(claim: C, mac_ok: bool) -> Result<C, Unverified<C>> {
    if mac_ok {
        Ok(claim)
    } else {
        Err(Unverified::BadSignature(claim))
    }
}

/// `N` bytes of `p` from `at` (zeros past the end; callers check the length first).
fn bytes<const N: usize>(p: &[u8], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    if let Some(src) = p.get(at..at + N) {
        out.copy_from_slice(src);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links() -> Links {
        Links::new([7u8; 32], "https://panel.example.com/", 30)
    }

    #[test]
    fn recovery_tokens_carry_their_claim_and_refuse_changes() {
        let l = links();
        let state = l.recovery_state(Some("{ARGON2}hash"), Some("it@example.com"));
        let t = l.recovery_token(100001, state, 1000);
        assert!(t.starts_with("r1."));
        assert_eq!(
            l.read_recovery(&t),
            Ok(RecoveryClaim {
                enterprise: 100001,
                expires: 1000 + 1800,
                state
            })
        );
        // Another key, another kind, a changed payload or MAC: not accepted.
        let other = Links::new([8u8; 32], "https://x", 30);
        assert!(matches!(
            other.read_recovery(&t),
            Err(Unverified::BadSignature(c)) if c.enterprise == 100001
        ));
        assert_eq!(l.read_sso(&t), Err(Unverified::Malformed));
        let parts: Vec<&str> = t.split('.').collect();
        let mut payload = URL_SAFE_NO_PAD.decode(parts[1]).unwrap();
        payload[7] ^= 1; // enterprise 100001 -> 100000
        let forged = format!("r1.{}.{}", URL_SAFE_NO_PAD.encode(&payload), parts[2]);
        assert!(matches!(
            l.read_recovery(&forged),
            Err(Unverified::BadSignature(c)) if c.enterprise == 100000
        ));
        for bad in [
            "",
            "r1",
            "r1..",
            "r1.x.y",
            &format!("{t}.extra"),
            &t[..t.len() - 2],
        ] {
            assert!(l.read_recovery(bad).is_err(), "{bad:?}");
        }
        // The state depends on the hash and on the email.
        assert_ne!(
            state,
            l.recovery_state(Some("{ARGON2}other"), Some("it@example.com"))
        );
        assert_ne!(
            state,
            l.recovery_state(Some("{ARGON2}hash"), Some("ops@example.com"))
        );
        assert_ne!(state, l.recovery_state(Some("{ARGON2}hash"), None));
        assert_eq!(l.url("/panel/x"), "https://panel.example.com/panel/x");
    }

    #[test]
    fn sso_tokens_are_single_use() {
        let l = links();
        let (t, expires) = l.sso_token(100001, 7, [3u8; 16], 500);
        assert_eq!(expires, 500 + SSO_SECONDS);
        let claim = l.read_sso(&t).unwrap();
        assert_eq!(
            (claim.enterprise, claim.member, claim.holder),
            (100001, 7, [3u8; 16])
        );
        let (t2, _) = l.sso_token(100001, 7, [3u8; 16], 500);
        assert_ne!(t, t2, "every link has its own nonce");
        assert_eq!(l.consume_sso(&claim, 500), Consumed::First);
        assert_eq!(l.consume_sso(&claim, 501), Consumed::Again);
        assert_eq!(
            l.consume_sso(&l.read_sso(&t2).unwrap(), 501),
            Consumed::First
        );
        assert_eq!(l.read_recovery(&t), Err(Unverified::Malformed));
    }

    #[test]
    fn throttles_count_per_key_and_window() {
        let t = Throttle::new(2, 60);
        assert!(t.hit("a", 0) && t.hit("a", 10));
        assert!(t.exhausted("a", 20) && !t.hit("a", 20));
        assert!(!t.exhausted("b", 20) && t.hit("b", 20));
        assert!(!t.exhausted("a", 60) && t.hit("a", 60));
    }
}
