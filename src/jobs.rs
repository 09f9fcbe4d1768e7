//! Periodic background work; every loop stops on shutdown.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use tokio::sync::watch;

use crate::web::AppState;

/// How often expired sessions and links and old audit entries are purged
/// (and whether the day's audit chain anchor is due).
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(60);
/// How often (seconds) the account rules look at every account.
const ACCOUNT_RULES_EVERY: i64 = 3600;

/// The in-memory state of the hourly account rules.
#[derive(Debug)]
pub struct AccountJobs {
    last_run: AtomicI64,
}

impl Default for AccountJobs {
    fn default() -> Self {
        Self {
            last_run: AtomicI64::new(i64::MIN),
        }
    }
}

/// How often remembered session activity is written to the store.
const ACTIVITY_EVERY: Duration = Duration::from_secs(15);

pub async fn run(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let mut housekeeping = tokio::time::interval(HOUSEKEEPING_EVERY);
    let mut activity = tokio::time::interval(ACTIVITY_EVERY);
    // The first tick of an interval is immediate; start-up stays light.
    housekeeping.reset();
    activity.reset();
    loop {
        let job: (&'static str, Job) = tokio::select! {
            _ = shutdown.wait_for(|stop| *stop) => break,
            _ = housekeeping.tick() => ("housekeeping", housekeep),
            _ = activity.tick() => ("session activity", persist_activity),
        };
        blocking(&state, job.0, job.1).await;
    }
    blocking(&state, "session activity", persist_activity).await;
    tracing::debug!("jobs stopped");
}

type Job = fn(&AppState) -> Result<(), crate::app::Error>;

async fn blocking(state: &AppState, what: &'static str, f: Job) {
    let st = state.clone();
    match tokio::task::spawn_blocking(move || f(&st)).await {
        Ok(Err(e)) => tracing::error!(error = %e, "{what} failed"),
        Err(e) => tracing::error!(error = %e, "{what} task failed"),
        Ok(Ok(())) => {}
    }
}

fn housekeep(state: &AppState) -> Result<(), crate::app::Error> {
    let removed = crate::app::housekeeping::run(&state.store, &state.config, state.now())?;
    if removed.total() > 0 {
        tracing::debug!(?removed, "housekeeping removed expired records");
    }
    // After retention, so the day's anchor is taken on the remaining chain.
    crate::app::audit_chain::daily(&state.store, &state.config, &state.mailer, state.now())?;
    account_reviews(state)
}

/// The account rules that run with the housekeeping: dormant accounts
/// (issue 22 §3) and the access review's reminders (§2).
pub(crate) fn account_reviews(state: &AppState) -> Result<(), crate::app::Error> {
    let now = state.now();
    let sec = &state.config.security;
    // At most hourly (kept in memory, so a run with nothing to do writes
    // nothing; after a restart the rules run at the first housekeeping).
    let now_s = now.as_second();
    let last = state.account_jobs.last_run.load(Ordering::Relaxed);
    if last != i64::MIN && now_s < last.saturating_add(ACCOUNT_RULES_EVERY) {
        return Ok(());
    }
    state.account_jobs.last_run.store(now_s, Ordering::Relaxed);
    let dormant = crate::app::dormancy::run(&state.store, &state.mailer, sec, now)?;
    if dormant.warned + dormant.locked > 0 {
        tracing::info!(?dormant, "dormant accounts warned or locked");
    }
    crate::app::recertification::remind(&state.store, &state.mailer, sec, now)?;
    Ok(())
}

fn persist_activity(state: &AppState) -> Result<(), crate::app::Error> {
    state.activity.persist(&state.store).map(|_| ())
}
