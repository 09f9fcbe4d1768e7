//! Periodic housekeeping; every loop stops on shutdown.

use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::watch;

use crate::store;
use crate::web::AppState;

/// How often expired sessions and links are purged.
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(60);

pub async fn run(state: AppState, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = shutdown.wait_for(|stop| *stop) => break,
            _ = tokio::time::sleep(HOUSEKEEPING_EVERY) => {}
        }
        let st = state.clone();
        let result = tokio::task::spawn_blocking(move || housekeeping(&st)).await;
        match result {
            Ok(Err(e)) => tracing::error!(error = %e, "housekeeping failed"),
            Err(e) => tracing::error!(error = %e, "housekeeping task failed"),
            Ok(Ok(())) => {}
        }
    }
    tracing::debug!("jobs stopped");
}

fn housekeeping(state: &AppState) -> Result<(), store::Error> {
    let now = Timestamp::now();
    let sec = &state.config.security;
    state.store.write(|tx| {
        let sessions = store::sessions::purge(tx, |s| {
            !s.is_live(now, sec.session_idle, sec.session_lifetime)
        })?;
        let links = store::links::purge_expired(tx, now)?;
        if sessions + links > 0 {
            tracing::debug!(sessions, links, "purged expired sessions and links");
        }
        Ok(())
    })
}
