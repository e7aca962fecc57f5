//! Progress of long spreadsheet work, for callers that show it while it runs (the panel's
//! and the API's import and export jobs). A [`Progress`] is a cheap handle over three
//! atomics — phase, done, total — that [`crate::read_with_progress`],
//! [`crate::plan_with_progress`], [`crate::error_file_with_progress`] and
//! [`crate::export_with_progress`] update as they go. Observing never changes a result: the
//! plain functions run the same code with a handle nobody reads.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};

/// What the work is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Reading the upload into rows (`done`/`total` count data rows; `total` is an estimate
    /// until the file is read, then exact).
    Reading,
    /// Checking the rows against the rules (planning; rows).
    Checking,
    /// Storing the planned changes (commands; the caller sets it, the store commits them in
    /// one transaction).
    Storing,
    /// Writing the error file (rows).
    ErrorFile,
    /// Writing an export (members).
    Exporting,
}

impl Phase {
    /// A stable name (`reading`, `checking`, `storing`, `error_file`, `exporting`).
    pub fn key(self) -> &'static str {
        match self {
            Phase::Reading => "reading",
            Phase::Checking => "checking",
            Phase::Storing => "storing",
            Phase::ErrorFile => "error_file",
            Phase::Exporting => "exporting",
        }
    }

    fn from_u8(v: u8) -> Phase {
        match v {
            1 => Phase::Checking,
            2 => Phase::Storing,
            3 => Phase::ErrorFile,
            4 => Phase::Exporting,
            _ => Phase::Reading,
        }
    }

    fn to_u8(self) -> u8 {
        match self {
            Phase::Reading => 0,
            Phase::Checking => 1,
            Phase::Storing => 2,
            Phase::ErrorFile => 3,
            Phase::Exporting => 4,
        }
    }
}

#[derive(Debug, Default)]
struct Inner {
    phase: AtomicU8,
    done: AtomicU64,
    total: AtomicU64,
}

/// A shared progress handle: clones observe and update the same counters.
#[derive(Clone, Debug, Default)]
pub struct Progress(Arc<Inner>);

/// What a [`Progress`] shows at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seen {
    /// The phase.
    pub phase: Phase,
    /// Units of the phase done (never above `total`).
    pub done: u64,
    /// Units of the phase in all.
    pub total: u64,
}

/// How many units pass between two updates of `done` in a loop (keeps the atomics off the
/// hot path of a 100,000-row sheet).
pub(crate) const STEP: usize = 256;

impl Progress {
    /// A new handle, in [`Phase::Reading`] with nothing counted.
    pub fn new() -> Progress {
        Progress::default()
    }

    /// Enters `phase` with `total` units, none done.
    pub fn start(&self, phase: Phase, total: u64) {
        self.0.done.store(0, Ordering::Relaxed);
        self.0.total.store(total, Ordering::Relaxed);
        self.0.phase.store(phase.to_u8(), Ordering::Release);
    }

    /// Sets how many units of the current phase are done.
    pub fn set_done(&self, done: u64) {
        self.0.done.store(done, Ordering::Relaxed);
    }

    /// Changes the current phase's total (an estimate made exact).
    pub fn set_total(&self, total: u64) {
        self.0.total.store(total, Ordering::Relaxed);
    }

    /// Marks the current phase complete (`done` = `total`).
    pub fn finish(&self) {
        let total = self.0.total.load(Ordering::Relaxed);
        self.0.done.store(total, Ordering::Relaxed);
    }

    /// The current phase and counts. `done` is clamped to `total`: the counters are updated
    /// one by one, so a reader between two updates could otherwise see more done than there is.
    pub fn seen(&self) -> Seen {
        let phase = Phase::from_u8(self.0.phase.load(Ordering::Acquire));
        let total = self.0.total.load(Ordering::Relaxed);
        let done = self.0.done.load(Ordering::Relaxed).min(total);
        Seen { phase, done, total }
    }

    /// Updates `done` to `i` when `i` is a multiple of the step (for loops).
    pub(crate) fn tick(&self, i: usize) {
        if i.is_multiple_of(STEP) {
            self.set_done(i as u64);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_and_counts_are_shared_by_clones() {
        let p = Progress::new();
        let seen = p.clone();
        assert_eq!(
            seen.seen(),
            Seen {
                phase: Phase::Reading,
                done: 0,
                total: 0
            }
        );
        p.start(Phase::Checking, 10);
        p.set_done(4);
        assert_eq!(
            seen.seen(),
            Seen {
                phase: Phase::Checking,
                done: 4,
                total: 10
            }
        );
        p.set_done(99);
        assert_eq!(seen.seen().done, 10, "clamped to the total");
        p.start(Phase::Storing, 3);
        assert_eq!(seen.seen().done, 0);
        p.finish();
        assert_eq!(seen.seen().done, 3);
        for ph in [
            Phase::Reading,
            Phase::Checking,
            Phase::Storing,
            Phase::ErrorFile,
            Phase::Exporting,
        ] {
            assert_eq!(Phase::from_u8(ph.to_u8()), ph);
        }
        assert_eq!(Phase::ErrorFile.key(), "error_file");
    }
}
