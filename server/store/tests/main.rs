//! Integration tests of orgdir-store against real SQLite files in a temporary directory:
//! the shared storage suite plus what only the SQLite backend has (files, migrations,
//! backups, volume). One binary for the whole crate.

// A failing test panics; the workspace's panic-free lints are for library code.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod sqlite;
mod volume;
