//! Background import and export jobs (SPEC IMP-2, IMP-4 for large files): the work of
//! [`crate::bulk`] run on tokio while the caller asks how far it got, from the API
//! (`/api/v1/import/jobs`, `/api/v1/export/jobs`) or the panel's self-refreshing job page.
//!
//! The registry is in memory (a restart forgets it). A job's id is 16 random bytes in hex,
//! so it cannot be guessed; it is shown only to the principal that started it and to the
//! enterprise administrator — anyone else gets "not found". An enterprise runs at most one
//! import at a time (a second answers 409 `import_running`) and a few exports. Finished jobs
//! are kept [`KEEP_SECONDS`], at most [`KEEP_PER_ENTERPRISE`] per enterprise, then dropped
//! with their results.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Mutex, PoisonError};

use axum::http::StatusCode;
use orgdir_bulk::Progress;
use orgdir_directory::service::{DirError, Principal, PrincipalKind};
use tokio::sync::watch;

use crate::AppState;
use crate::bulk::{ExportFile, ImportOutcome};
use crate::error::{ApiError, ApiResult};

/// How long a finished job is kept, in seconds.
pub const KEEP_SECONDS: i64 = 3600;
/// Most finished jobs kept per enterprise (the oldest go first).
pub const KEEP_PER_ENTERPRISE: usize = 20;
/// Most exports running at once per enterprise.
pub const MAX_RUNNING_EXPORTS: usize = 3;

/// What a job does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobKind {
    /// A spreadsheet import.
    Import,
    /// An export.
    Export,
}

impl JobKind {
    /// `import` or `export` (also the API path segment).
    pub fn key(self) -> &'static str {
        match self {
            JobKind::Import => "import",
            JobKind::Export => "export",
        }
    }
}

/// Where a job is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobState {
    /// Still working.
    Running,
    /// Finished with a result.
    Done,
    /// Finished with an error.
    Failed,
}

impl JobState {
    /// `running`, `done` or `failed`.
    pub fn key(self) -> &'static str {
        match self {
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
        }
    }
}

/// A finished job's result.
#[derive(Clone, Debug)]
pub enum JobOutput {
    /// What an import did.
    Import(ImportOutcome),
    /// An export's file.
    Export(ExportFile),
}

/// Who started a job.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Owner {
    enterprise: u64,
    kind: PrincipalKind,
    holder: Option<[u8; 16]>,
}

impl Owner {
    fn of(p: &Principal) -> Owner {
        Owner {
            enterprise: p.enterprise,
            kind: p.kind,
            holder: p.holder,
        }
    }

    /// The owner itself (the same person: a reassigned account's new holder is not), or
    /// the administrator of the owner's enterprise.
    fn readable_by(&self, p: &Principal) -> bool {
        self.enterprise == p.enterprise && (p.kind == PrincipalKind::Admin || *self == Owner::of(p))
    }
}

struct Job {
    owner: Owner,
    kind: JobKind,
    progress: Progress,
    started: i64,
    finished: Option<i64>,
    outcome: Option<Result<JobOutput, ApiError>>,
    done: watch::Sender<bool>,
}

/// A job as seen at one moment.
#[derive(Clone, Debug)]
pub struct JobView {
    /// Its id.
    pub id: String,
    /// Import or export.
    pub kind: JobKind,
    /// Running, done or failed.
    pub state: JobState,
    /// `reading`, `checking`, `storing`, `error_file`, `exporting` — `done` once done (a
    /// failed job keeps the phase it failed in).
    pub phase: &'static str,
    /// Units of the phase done.
    pub done: u64,
    /// Units of the phase in all.
    pub total: u64,
    /// When it started (unix seconds).
    pub started: i64,
    /// When it finished.
    pub finished: Option<i64>,
    /// The result of a done job.
    pub output: Option<JobOutput>,
    /// Why a failed job failed.
    pub error: Option<ApiError>,
}

/// The job registry (one per server, in [`AppState`]).
#[derive(Default)]
pub struct Jobs {
    map: Mutex<HashMap<String, Job>>,
}

impl std::fmt::Debug for Jobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self
            .map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        f.debug_struct("Jobs").field("jobs", &n).finish()
    }
}

/// Drops finished jobs older than [`KEEP_SECONDS`] and, per enterprise, all but the
/// [`KEEP_PER_ENTERPRISE`] newest finished ones.
fn prune(map: &mut HashMap<String, Job>, now: i64) {
    map.retain(|_, j| j.finished.is_none_or(|f| now - f < KEEP_SECONDS));
    let mut finished: HashMap<u64, Vec<(i64, String)>> = HashMap::new();
    for (id, j) in map.iter() {
        if let Some(f) = j.finished {
            finished
                .entry(j.owner.enterprise)
                .or_default()
                .push((f, id.clone()));
        }
    }
    for (_, mut list) in finished {
        if list.len() > KEEP_PER_ENTERPRISE {
            list.sort();
            let extra = list.len() - KEEP_PER_ENTERPRISE;
            for (_, id) in list.into_iter().take(extra) {
                map.remove(&id);
            }
        }
    }
}

impl Jobs {
    /// Registers a running job of `kind` for `principal` at `now`: its id and the progress
    /// handle the work reports on. 409 when the enterprise already runs an import (for an
    /// import) or [`MAX_RUNNING_EXPORTS`] exports (for an export).
    pub fn start(
        &self,
        principal: &Principal,
        kind: JobKind,
        now: i64,
    ) -> ApiResult<(String, Progress)> {
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        prune(&mut map, now);
        let running = map
            .values()
            .filter(|j| {
                j.kind == kind && j.finished.is_none() && j.owner.enterprise == principal.enterprise
            })
            .count();
        match kind {
            JobKind::Import if running > 0 => {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "import_running",
                    "an import of this enterprise is running; start another when it has finished",
                ));
            }
            JobKind::Export if running >= MAX_RUNNING_EXPORTS => {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "export_running",
                    format!(
                        "{running} exports of this enterprise are running; start another when one has finished"
                    ),
                ));
            }
            _ => {}
        }
        let id = crate::auth::random_hex(16);
        let progress = Progress::new();
        let (done, _) = watch::channel(false);
        map.insert(
            id.clone(),
            Job {
                owner: Owner::of(principal),
                kind,
                progress: progress.clone(),
                started: now,
                finished: None,
                outcome: None,
                done,
            },
        );
        Ok((id, progress))
    }

    /// Records the end of job `id` at `now`.
    pub fn finish(&self, id: &str, outcome: Result<JobOutput, ApiError>, now: i64) {
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(j) = map.get_mut(id) {
            j.finished = Some(now);
            j.outcome = Some(outcome);
            j.done.send_replace(true);
        }
        prune(&mut map, now);
    }

    /// Job `id` of `kind` as `viewer` may see it: `None` when there is no such job, it is of
    /// another kind, or `viewer` is neither its owner nor the enterprise administrator.
    pub fn view(&self, id: &str, viewer: &Principal, kind: JobKind, now: i64) -> Option<JobView> {
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        prune(&mut map, now);
        let j = map
            .get(id)
            .filter(|j| j.kind == kind && j.owner.readable_by(viewer))?;
        let seen = j.progress.seen();
        let (state, output, error) = match &j.outcome {
            None => (JobState::Running, None, None),
            Some(Ok(out)) => (JobState::Done, Some(out.clone()), None),
            Some(Err(e)) => (JobState::Failed, None, Some(e.clone())),
        };
        Some(JobView {
            id: id.to_string(),
            kind: j.kind,
            state,
            phase: if state == JobState::Done {
                "done"
            } else {
                seen.phase.key()
            },
            done: seen.done,
            total: seen.total,
            started: j.started,
            finished: j.finished,
            output,
            error,
        })
    }

    /// Waits until job `id` has finished (at once when there is no such job).
    pub async fn finished(&self, id: &str) {
        let rx = self
            .map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .map(|j| j.done.subscribe());
        if let Some(mut rx) = rx {
            // An error means the job was dropped: finished as well.
            let _ = rx.wait_for(|done| *done).await;
        }
    }
}

/// Runs `work` for job `id` on tokio and records its outcome in `state.jobs`; a task that
/// panics becomes a failed job (an internal error), never one that runs forever.
pub(crate) fn spawn<F>(state: &AppState, id: String, work: F)
where
    F: Future<Output = Result<JobOutput, ApiError>> + Send + 'static,
{
    let (jobs, dir) = (state.jobs.clone(), state.dir.clone());
    let task = tokio::spawn(work);
    tokio::spawn(async move {
        let outcome = match task.await {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(job = %id, "job task ended abnormally: {e}");
                Err(DirError::Internal(e.to_string()).into())
            }
        };
        jobs.finish(&id, outcome, dir.now());
    });
}

#[cfg(test)]
#[path = "jobs_tests.rs"]
mod tests;
