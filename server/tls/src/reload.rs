//! A server certificate that can be replaced while the server runs.
//!
//! Certificates expire and get renewed (by hand, certbot, an internal PKI...). Restarting the
//! directory server to pick up a new certificate would drop every LDAP connection, so the
//! listener's TLS configuration resolves its certificate through [`ReloadableCert`], whose
//! contents are swapped atomically by [`ReloadableCert::reload`]; [`spawn_reloader`] calls it
//! on `SIGHUP` and when the files change on disk. Connections already established keep the
//! certificate they were set up with; new handshakes see the new one.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwap;
use rustls::crypto::CryptoProvider;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::error::{Error, Result};
use crate::pem::{load_certified_key, provider};

/// Certificate chain + private key loaded from PEM files, reloadable at run time.
///
/// Implements [`ResolvesServerCert`]: every handshake gets whatever was loaded last.
pub struct ReloadableCert {
    cert_path: PathBuf,
    key_path: PathBuf,
    provider: Arc<CryptoProvider>,
    current: ArcSwap<CertifiedKey>,
}

impl fmt::Debug for ReloadableCert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReloadableCert")
            .field("cert_path", &self.cert_path)
            .field("key_path", &self.key_path)
            .finish_non_exhaustive()
    }
}

impl ReloadableCert {
    /// Loads the certificate chain (leaf first) from `cert` and the private key from `key`.
    ///
    /// Fails with a clear [`Error`] if a file is missing, holds no certificate, holds no or an
    /// unsupported private key, or if the key does not belong to the certificate.
    pub fn load(cert: &Path, key: &Path) -> Result<Arc<Self>> {
        let provider = provider();
        let loaded = load_certified_key(cert, key, &provider)?;
        Ok(Arc::new(Self {
            cert_path: cert.to_path_buf(),
            key_path: key.to_path_buf(),
            provider,
            current: ArcSwap::from_pointee(loaded),
        }))
    }

    /// Re-reads both files. On error the previously loaded certificate stays in use.
    pub fn reload(&self) -> Result<()> {
        let loaded = load_certified_key(&self.cert_path, &self.key_path, &self.provider)?;
        self.current.store(Arc::new(loaded));
        Ok(())
    }

    /// The certificate and key currently served.
    pub fn current(&self) -> Arc<CertifiedKey> {
        self.current.load_full()
    }

    /// Path of the certificate file.
    pub fn cert_path(&self) -> &Path {
        &self.cert_path
    }

    /// Path of the private key file.
    pub fn key_path(&self) -> &Path {
        &self.key_path
    }

    /// A rustls server configuration serving this certificate: *ring* provider, TLS 1.2 and
    /// 1.3, no client authentication.
    pub fn server_config(self: &Arc<Self>) -> Result<Arc<rustls::ServerConfig>> {
        let config = rustls::ServerConfig::builder_with_provider(Arc::clone(&self.provider))
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(Error::Config)?
            .with_no_client_auth()
            .with_cert_resolver(Arc::clone(self) as Arc<dyn ResolvesServerCert>);
        Ok(Arc::new(config))
    }

    /// A tokio acceptor using [`ReloadableCert::server_config`], for LDAPS listeners and for
    /// upgrading a plain connection after StartTLS.
    pub fn acceptor(self: &Arc<Self>) -> Result<tokio_rustls::TlsAcceptor> {
        Ok(tokio_rustls::TlsAcceptor::from(self.server_config()?))
    }

    /// What the files look like on disk now, to notice replacements.
    fn file_stamp(&self) -> (Option<FileStamp>, Option<FileStamp>) {
        (
            FileStamp::of(&self.cert_path),
            FileStamp::of(&self.key_path),
        )
    }
}

impl ResolvesServerCert for ReloadableCert {
    fn resolve(&self, _client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current.load_full())
    }
}

/// Identity of a file version: modification time, size and (on Unix) inode, so a file
/// replaced by rename is noticed even when time and size happen to be equal.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileStamp {
    modified: Option<SystemTime>,
    len: u64,
    inode: u64,
}

impl FileStamp {
    fn of(path: &Path) -> Option<Self> {
        let meta = std::fs::metadata(path).ok()?;
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(&meta);
        #[cfg(not(unix))]
        let inode = 0;
        Some(Self {
            modified: meta.modified().ok(),
            len: meta.len(),
            inode,
        })
    }
}

/// Smallest accepted polling interval (a zero interval would be a busy loop).
const MIN_INTERVAL: Duration = Duration::from_millis(10);

/// Starts a background task that keeps `cert` up to date.
///
/// The task calls [`ReloadableCert::reload`]
/// - when the process receives `SIGHUP` (Unix only), and
/// - when the certificate or key file changes (modification time, size or inode), checked
///   every `interval` (at least 10 ms).
///
/// Successes are logged at `info`, failures at `warn`/`error` (the old certificate keeps being
/// served). A failed reload after a file change is not retried until a file changes again or
/// `SIGHUP` arrives, which handles the usual "certificate written, key not yet" window.
///
/// The task ends when `shutdown` holds `true` or its sender is dropped; await the returned
/// handle to wait for it. The `SIGHUP` handler is installed before this function returns, so
/// a `SIGHUP` sent afterwards never terminates the process.
///
/// Must be called from within a Tokio runtime.
pub fn spawn_reloader(
    cert: Arc<ReloadableCert>,
    interval: Duration,
    mut shutdown: watch::Receiver<bool>,
) -> JoinHandle<()> {
    let mut hangup = Hangup::install();
    let interval = interval.max(MIN_INTERVAL);
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_stamp = cert.file_stamp();
        loop {
            if *shutdown.borrow_and_update() {
                break;
            }
            tokio::select! {
                changed = shutdown.changed() => {
                    if changed.is_err() {
                        break;
                    }
                }
                () = hangup.recv() => {
                    last_stamp = cert.file_stamp();
                    reload_logged(&cert, "SIGHUP");
                }
                _ = ticker.tick() => {
                    let stamp = cert.file_stamp();
                    if stamp != last_stamp {
                        last_stamp = stamp;
                        reload_logged(&cert, "file change");
                    }
                }
            }
        }
        tracing::debug!(cert = %cert.cert_path.display(), "certificate reloader stopped");
    })
}

fn reload_logged(cert: &ReloadableCert, trigger: &str) {
    match cert.reload() {
        Ok(()) => tracing::info!(
            cert = %cert.cert_path.display(),
            key = %cert.key_path.display(),
            trigger,
            "reloaded TLS certificate"
        ),
        Err(e) => tracing::warn!(
            cert = %cert.cert_path.display(),
            key = %cert.key_path.display(),
            trigger,
            error = %e,
            "reloading TLS certificate failed; still serving the previous certificate"
        ),
    }
}

/// `SIGHUP` stream, or nothing where signals are unavailable.
struct Hangup {
    #[cfg(unix)]
    signal: Option<tokio::signal::unix::Signal>,
}

impl Hangup {
    fn install() -> Self {
        #[cfg(unix)]
        {
            let signal = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
            {
                Ok(signal) => Some(signal),
                Err(e) => {
                    tracing::error!(error = %e, "cannot install SIGHUP handler; certificate reload only on file change");
                    None
                }
            };
            Self { signal }
        }
        #[cfg(not(unix))]
        {
            Self {}
        }
    }

    /// Resolves on the next `SIGHUP`; never if there is no signal stream.
    async fn recv(&mut self) {
        #[cfg(unix)]
        if let Some(signal) = self.signal.as_mut() {
            if signal.recv().await.is_some() {
                return;
            }
            self.signal = None;
        }
        std::future::pending::<()>().await;
    }
}
