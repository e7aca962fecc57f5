//! orgdir's black-box end-to-end suite: a real `orgdir serve --demo` on loopback, driven by
//! real clients. One test binary (compiled as an integration test of the `orgdir` package,
//! which hands it the binary's path); one module per kind of client.
//!
//! Tests run in parallel threads: every server listens on `127.0.0.1:0`, read-only tests
//! share one server (`support::read_only_server`), tests that change state start their own.
//! Deadlines are generous failure bounds, never timing assertions. External clients
//! (ldap-utils, Python ldap3) are installed by `scripts/install-test-deps.sh`.

mod browser;
mod cli;
mod http;
mod ldap_utils;
mod ldap_writes;
mod mail;
mod office;
mod operator;
mod python_ldap3;
mod raw_protocol;
mod rust_ldap3;
mod security;
mod support;
