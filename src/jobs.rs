//! Periodic background work; every loop stops on shutdown. The loops sleep
//! on the portal's clock, so a test that moves the clock runs them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use tokio::sync::watch;

use crate::app::sessions::SessionActivity;
use crate::clock::Clock;
use crate::config::Config;
use crate::mail::Mailer;
use crate::store::Store;

/// What the jobs need of the running portal. The web layer's state
/// implements it (`web::state`), so the jobs do not depend on web.
pub trait Context: Clone + Send + Sync + 'static {
    fn store(&self) -> &Store;
    fn config(&self) -> &Config;
    fn mailer(&self) -> &Mailer;
    fn clock(&self) -> &Clock;
    /// Session activity not yet persisted.
    fn activity(&self) -> &SessionActivity;
    fn account_jobs(&self) -> &AccountJobs;
}

/// How often expired sessions and links and old audit entries are purged
/// (and whether the day's audit chain anchor is due).
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(60);
/// How often (seconds) the account rules look at every account.
const ACCOUNT_RULES_EVERY: i64 = 3600;

/// The in-memory state of the periodic jobs.
#[derive(Debug)]
pub struct AccountJobs {
    /// When the hourly account rules last ran (seconds). Held while they
    /// run, so a second caller (the jobs loop woken by a moved clock, and
    /// a test's or operator's explicit run) waits for the running pass and
    /// then finds it done, instead of skipping past work still in flight.
    last_run: std::sync::Mutex<i64>,
    /// How many times the housekeeping loop ran (tests wait on it).
    housekeeping_runs: AtomicU64,
}

impl Default for AccountJobs {
    fn default() -> Self {
        Self {
            last_run: std::sync::Mutex::new(i64::MIN),
            housekeeping_runs: AtomicU64::new(0),
        }
    }
}

impl AccountJobs {
    /// How many times the housekeeping job ran by itself since the start.
    pub fn housekeeping_runs(&self) -> u64 {
        self.housekeeping_runs.load(Ordering::SeqCst)
    }
}

/// How often remembered session activity is written to the store.
const ACTIVITY_EVERY: Duration = Duration::from_secs(15);

/// The moment `every` after `now` on the clock.
fn after(clock: &Clock, every: Duration) -> Timestamp {
    clock
        .now()
        .checked_add(SignedDuration::try_from(every).unwrap_or(SignedDuration::MAX))
        .unwrap_or(Timestamp::MAX)
}

/// The loop of the periodic jobs. Its first moments are taken when it is
/// created, not when the task first runs, so a clock moved right after the
/// start counts.
pub fn run<C: Context>(
    state: C,
    shutdown: watch::Receiver<bool>,
) -> impl std::future::Future<Output = ()> + Send + 'static {
    let clock = state.clock().clone();
    // Start-up stays light: the first runs come one period after it. When
    // the clock jumps past several periods, a job runs once.
    let housekeeping_at = after(&clock, HOUSEKEEPING_EVERY);
    let activity_at = after(&clock, ACTIVITY_EVERY);
    run_from(state, clock, shutdown, housekeeping_at, activity_at)
}

async fn run_from<C: Context>(
    state: C,
    clock: Clock,
    mut shutdown: watch::Receiver<bool>,
    mut housekeeping_at: Timestamp,
    mut activity_at: Timestamp,
) {
    loop {
        let housekeeping = tokio::select! {
            _ = shutdown.wait_for(|stop| *stop) => break,
            _ = clock.sleep_until(housekeeping_at) => true,
            _ = clock.sleep_until(activity_at) => false,
        };
        if housekeeping {
            blocking(&state, "housekeeping", housekeep).await;
            // The next moment first: a test that sees the count and moves
            // the clock a period on gets the next run.
            housekeeping_at = after(&clock, HOUSEKEEPING_EVERY);
            state
                .account_jobs()
                .housekeeping_runs
                .fetch_add(1, Ordering::SeqCst);
        } else {
            blocking(&state, "session activity", persist_activity).await;
            activity_at = after(&clock, ACTIVITY_EVERY);
        }
    }
    blocking(&state, "session activity", persist_activity).await;
    tracing::debug!("jobs stopped");
}

async fn blocking<C: Context>(
    state: &C,
    what: &'static str,
    f: fn(&C) -> Result<(), crate::app::Error>,
) {
    let st = state.clone();
    match tokio::task::spawn_blocking(move || f(&st)).await {
        Ok(Err(e)) => tracing::error!(error = %e, "{what} failed"),
        Err(e) => tracing::error!(error = %e, "{what} task failed"),
        Ok(Ok(())) => {}
    }
}

fn housekeep<C: Context>(state: &C) -> Result<(), crate::app::Error> {
    let removed =
        crate::app::housekeeping::run(state.store(), state.config(), state.clock().now())?;
    if removed.total() > 0 {
        tracing::debug!(?removed, "housekeeping removed expired records");
    }
    // After retention, so the day's anchor is taken on the remaining chain.
    crate::app::audit_chain::daily(
        state.store(),
        state.config(),
        state.mailer(),
        state.clock().now(),
    )?;
    account_reviews(state)
}

/// The account rules that run with the housekeeping: dormant accounts
/// (issue 22 §3) and the access review's reminders (§2).
pub(crate) fn account_reviews<C: Context>(state: &C) -> Result<(), crate::app::Error> {
    let now = state.clock().now();
    let sec = &state.config().security;
    // At most hourly (kept in memory, so a run with nothing to do writes
    // nothing; after a restart the rules run at the first housekeeping).
    let now_s = now.as_second();
    let mut last = state
        .account_jobs()
        .last_run
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if *last != i64::MIN && now_s < last.saturating_add(ACCOUNT_RULES_EVERY) {
        return Ok(());
    }
    *last = now_s;
    let dormant = crate::app::dormancy::run(state.store(), state.mailer(), sec, now)?;
    if dormant.warned + dormant.locked > 0 {
        tracing::info!(?dormant, "dormant accounts warned or locked");
    }
    crate::app::recertification::remind(state.store(), state.mailer(), sec, now)?;
    Ok(())
}

fn persist_activity<C: Context>(state: &C) -> Result<(), crate::app::Error> {
    state.activity().persist(state.store()).map(|_| ())
}
