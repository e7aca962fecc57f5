//! The job scheduler: each declared job runs when `last run + every` has passed on the
//! host's clock. The last run is kept in the plugin's database (`_orgdir_jobs`), so after a
//! restart an overdue job runs at once and a job is never run twice for one turn. A failed
//! run is logged and tried again at the next poll.

use std::sync::Arc;
use std::time::Duration;

use orgdir_plugin_api::{Context, JobDecl, Plugin};

/// How often a scheduler looks at the clock at most (jobs declared more often than this
/// are polled at their own period).
const MAX_POLL: Duration = Duration::from_secs(30);

/// Runs `job` if it is due; returns whether it ran successfully.
pub(crate) async fn run_if_due(plugin: &dyn Plugin, ctx: &Context, job: &JobDecl) -> bool {
    let now = ctx.now();
    let every = i64::try_from(job.every.as_secs())
        .unwrap_or(i64::MAX)
        .max(1);
    let last = match ctx.db().job_last_run(job.name).await {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(plugin = ctx.id(), job = job.name, error = %e, "job state unreadable");
            return false;
        }
    };
    if last.is_some_and(|l| now < l.saturating_add(every)) {
        return false;
    }
    match plugin.run_job(ctx.clone(), job.name).await {
        Ok(()) => {
            if let Err(e) = ctx.db().set_job_last_run(job.name, now).await {
                tracing::warn!(plugin = ctx.id(), job = job.name, error = %e, "job run not recorded");
            }
            tracing::debug!(plugin = ctx.id(), job = job.name, "job ran");
            true
        }
        Err(e) => {
            tracing::warn!(plugin = ctx.id(), job = job.name, error = %e, "job failed; retried at the next poll");
            false
        }
    }
}

/// Spawns the scheduler of one job.
pub(crate) fn spawn(plugin: Arc<dyn Plugin>, ctx: Context, job: JobDecl) {
    let poll = job.every.min(MAX_POLL);
    tokio::spawn(async move {
        loop {
            run_if_due(plugin.as_ref(), &ctx, &job).await;
            tokio::time::sleep(poll).await;
        }
    });
}
