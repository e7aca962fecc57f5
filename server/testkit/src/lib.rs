//! Black-box test support for orgdir: start a real `orgdir` server on loopback and talk to it.
//!
//! The end-to-end suite (`tests/e2e`) treats the server as a black box. This crate holds what
//! that suite needs and that is worth testing on its own:
//!
//! - [`Server`] spawns `<bin> serve --demo` on `127.0.0.1:0` with a fresh data directory,
//!   waits (bounded) for the server's *ready file* and exposes the addresses it bound. It kills
//!   and reaps the process on drop; its output goes to files and is printed when a test fails.
//! - [`Shared`] lets several concurrently running tests share one read-only server.
//! - [`run`] runs a client program (ldapsearch, python, …) with a deadline.
//! - [`ldif`] parses the LDIF that OpenLDAP's client tools print.
//! - [`ber`] builds and reads raw BER/LDAP messages for protocol-level tests.
//!
//! The server's contract this crate relies on: `serve --demo --data-dir D --ready-file F`
//! loads (or creates, when `D` is empty) the demo enterprise, binds every listener and then
//! atomically writes `F` as
//! `{"ldap": "127.0.0.1:41234", "ldaps": "127.0.0.1:41235", "http": "127.0.0.1:41236",
//! "ca_cert": "/abs/path/ca.pem"}`. Listen addresses come from `ORGDIR_*` environment variables.
//!
//! # Example
//!
//! ```no_run
//! use std::path::Path;
//! use orgdir_testkit::{Options, Server};
//!
//! # fn main() -> anyhow::Result<()> {
//! let server = Server::start(
//!     Path::new("target/debug/orgdir"),
//!     Options::new().env("ORGDIR_SECURITY_BIND_LOCKOUT_THRESHOLD", "3"),
//! )?;
//! println!("LDAP at {}, trust {}", server.ldap_url(), server.ca_cert().display());
//! # Ok(())
//! # }
//! ```

pub mod ber;
pub mod ldif;
mod process;
mod server;
mod shared;

pub use process::{Output, run};
pub use server::{Options, Ready, Server};
pub use shared::Shared;
