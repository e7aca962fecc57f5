//! In-process tests of the LDAP protocol handler over the demo directory: data-driven
//! search, filter and access-control cases (fixture in, expected text out), plus the
//! protocol rules that do not need a socket, and LDAP writes on the wire (result codes,
//! matchedDN, who may write, a write seen by the next search). Black-box tests with real
//! clients live in /tests/e2e.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod fixture;
mod protocol;
mod search;
mod write;
