//! orgdir-xlsx's tests, one binary (see STYLE.md): workbooks written and read back with
//! calamine and with LibreOffice, and every XLSX limit refused with its error.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
mod limits;
mod office;
mod roundtrip;
