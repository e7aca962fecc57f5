//! TLS for orgdir's listeners (LDAPS, StartTLS, later HTTPS).
//!
//! The protocol crates should not each deal with PEM files, key types, certificate renewal or
//! crypto-provider selection. This crate does it once:
//!
//! - [`ensure_self_signed`] creates (or reuses) a demo CA and server certificate so a fresh
//!   installation can offer TLS immediately;
//! - [`ReloadableCert`] loads a certificate and key from PEM files and hands out a
//!   [`rustls::ServerConfig`] / [`tokio_rustls::TlsAcceptor`] that always serves the most
//!   recently loaded certificate;
//! - [`spawn_reloader`] reloads it on `SIGHUP` and when the files change.
//!
//! All TLS objects use the *ring* crypto provider explicitly; no process-wide default provider
//! is needed.
//!
//! # Example
//!
//! ```no_run
//! # async fn demo() -> orgdir_tls::Result<()> {
//! use std::path::Path;
//! use std::time::Duration;
//!
//! let pki = orgdir_tls::ensure_self_signed(
//!     Path::new("/var/lib/orgdir/tls"),
//!     &["ldap.example.com".to_owned()],
//!     time::OffsetDateTime::now_utc(),
//! )?;
//! let cert = orgdir_tls::ReloadableCert::load(&pki.cert, &pki.key)?;
//! let acceptor = cert.acceptor()?;
//! let (shutdown_tx, shutdown_rx) = tokio::sync::watch::channel(false);
//! let reloader = orgdir_tls::spawn_reloader(cert, Duration::from_secs(30), shutdown_rx);
//!
//! let listener = tokio::net::TcpListener::bind("0.0.0.0:636").await.map_err(|e| {
//!     orgdir_tls::Error::Read { path: "listener".into(), source: e }
//! })?;
//! if let Ok((tcp, _peer)) = listener.accept().await {
//!     let _tls_stream = acceptor.accept(tcp).await;
//!     // ... speak LDAP over `_tls_stream` ...
//! }
//!
//! let _ = shutdown_tx.send(true);
//! let _ = reloader.await;
//! # Ok(())
//! # }
//! ```

mod error;
mod pem;
mod pki;
mod reload;
mod validity;

pub use error::{Error, Result};
pub use pki::{
    CA_CERT_FILE, CA_COMMON_NAME, CA_KEY_FILE, DEFAULT_NAMES, PkiPaths, SERVER_CERT_FILE,
    SERVER_KEY_FILE, ensure_self_signed,
};
pub use reload::{ReloadableCert, spawn_reloader};
