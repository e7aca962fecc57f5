//! The `close_days` job: for every enterprise with attendance on, judges and stores each
//! member's finished local days not yet closed, with the rules in force on each day, so
//! monthly reports read stored results and a later change of the rules never rewrites a
//! closed day (ATT-3).
//!
//! A day is finished when the host's clock has passed its next local midnight in the time
//! zone of the rules in force that day. Closing starts at the first counted day (ATT-2) or
//! the first day any rules were in force, whichever is later, and continues from the last
//! closed day; each day is stored with its "closed through" mark in one transaction, so a
//! run interrupted by a restart resumes where it stopped and a second run changes nothing.
//! One run closes at most [`MAX_DAYS_PER_RUN`] days per enterprise (a server that was down
//! for months catches up over a few runs; meanwhile unclosed days are judged from the
//! records when asked, with the same result).
//!
//! Members are judged as the directory stands when the day is closed: a member disabled or
//! deleted before a late close is not counted that day.

use std::sync::Arc;

use orgdir_plugin_api::{Context, Enablement, MemberInfo, PluginError};

use crate::classify::{DayPlan, PlanKind};
use crate::record::Punch;
use crate::store::{self, Members};
use crate::view::{Env, Punches, Slots, first_days, judge};

/// The most days one run closes per enterprise.
pub const MAX_DAYS_PER_RUN: usize = 62;

/// Runs the job once over every enterprise with attendance on; returns how many days it
/// closed in all. An enterprise that fails does not stop the others; the first error is
/// returned after all were tried (the host logs it and runs the job again next turn).
pub async fn close_days(ctx: &Context) -> Result<usize, PluginError> {
    let mut closed = 0;
    let mut first_error = None;
    for e in ctx.enterprises() {
        match close_enterprise(ctx, e).await {
            Ok(n) => closed += n,
            Err(err) => {
                tracing::warn!(enterprise = e.enterprise, error = %err, "closing attendance days failed");
                first_error.get_or_insert(err);
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(closed),
    }
}

/// Closes the finished days of one enterprise; returns how many.
async fn close_enterprise(ctx: &Context, e: Enablement) -> Result<usize, PluginError> {
    let Some(dir) = ctx.directory(e.enterprise) else {
        return Ok(0);
    };
    let env = Env::load(ctx, e.enterprise).await?;
    let Some(first_rules) = env.history.versions().next().map(|v| v.effective_date()) else {
        // No rules yet: nothing counts, nothing to close.
        return Ok(0);
    };
    let Some(first_day) = env.first_day() else {
        return Ok(0);
    };
    let mut date = first_day.max(first_rules);
    if let Some(t) = env.closed_through
        && t >= date
    {
        match t.tomorrow() {
            Ok(d) => date = d,
            Err(_) => return Ok(0),
        }
    }
    let members: Vec<&MemberInfo> = dir.members.values().collect();
    let slots = Arc::new(Slots::new(members.iter().map(|m| m.id)));
    let first = first_days(&env, &members);
    let mut closed = 0;
    for _ in 0..MAX_DAYS_PER_RUN {
        let plan = DayPlan::from_history(&env.history, date);
        if env.now < plan.day_end {
            break;
        }
        let results = if matches!(plan.kind, PlanKind::NoRules) {
            Vec::new()
        } else {
            let punches = store::fold_punches(
                ctx.db(),
                e.enterprise,
                Members::All,
                (plan.day_start, plan.day_end),
                Vec::new(),
                {
                    let slots = slots.clone();
                    move |pairs: &mut Vec<(u32, Punch)>, member, p| {
                        if let Some(s) = slots.of(member).and_then(|s| u32::try_from(s).ok()) {
                            pairs.push((s, p));
                        }
                    }
                },
            )
            .await?;
            let punches = Punches::group(members.len(), &punches);
            let mut results = Vec::with_capacity(members.len());
            judge(
                std::slice::from_ref(&plan),
                env.now,
                &first,
                &punches,
                |slot, _, result| {
                    if let Some(m) = members.get(slot) {
                        results.push((m.id, result));
                    }
                },
            );
            results
        };
        if store::close_day(ctx.db(), e.enterprise, date, results).await? {
            closed += 1;
        }
        match date.tomorrow() {
            Ok(d) => date = d,
            Err(_) => break,
        }
    }
    Ok(closed)
}
