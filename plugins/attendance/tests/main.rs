//! The attendance core's tests, one binary (see STYLE.md): data-driven tables of days,
//! rules, schedules, reports and an export read back with calamine.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod classify;
mod common;
mod export;
mod report;
mod rules;
mod schedule;
