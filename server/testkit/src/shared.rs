//! Sharing one server between tests that run at the same time.
//!
//! Starting a server costs seconds (the demo enterprise hashes its passwords), so read-only
//! tests share one. A `static` would never be dropped — the process would outlive the test
//! binary — so the slot holds only a [`Weak`] reference: the server lives while at least one
//! test holds the [`Arc`], is killed when the last one finishes, and the next test starts a
//! fresh one. Under `cargo test` (threads) tests overlap and mostly share; under nextest
//! (a process per test) each test simply gets its own server.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError, Weak};

use anyhow::Result;

use crate::{Options, Server};

/// A slot for a server shared by concurrently running tests; use it as a `static`.
///
/// ```no_run
/// use std::path::Path;
/// use orgdir_testkit::{Options, Shared};
///
/// static READ_ONLY: Shared = Shared::new();
///
/// # fn main() -> anyhow::Result<()> {
/// let server = READ_ONLY.get(Path::new("target/debug/orgdir"), Options::new)?;
/// println!("{}", server.ldap_url());
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Shared {
    slot: Mutex<Weak<Server>>,
}

impl Default for Shared {
    fn default() -> Self {
        Self::new()
    }
}

impl Shared {
    /// An empty slot.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            slot: Mutex::new(Weak::new()),
        }
    }

    /// The running shared server, or a newly started one (`opts` is called only then).
    /// Tests must not change what other tests observe through a shared server.
    ///
    /// # Errors
    /// When a new server has to be started and [`Server::start`] fails.
    pub fn get(&self, bin: &Path, opts: impl FnOnce() -> Options) -> Result<Arc<Server>> {
        // Holding the lock while starting makes concurrent callers wait for, then share,
        // the same server instead of starting their own.
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(server) = slot.upgrade() {
            return Ok(server);
        }
        let server = Arc::new(Server::start(bin, opts())?);
        *slot = Arc::downgrade(&server);
        Ok(server)
    }
}
