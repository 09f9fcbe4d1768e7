//! Periodic housekeeping; every loop stops on shutdown.

use std::time::Duration;

use tokio::sync::watch;

use crate::store;
use crate::web::AppState;

/// How often expired sessions and links are purged.
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(60);
/// How long an ended session is remembered for the idle notice.
const EXPIRED_SESSION_GRACE: Duration = Duration::from_secs(24 * 3600);

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
    let now = state.now();
    let sec = &state.config.security;
    state.store.write(|tx| {
        // Ended sessions are kept a while so that a returning browser is
        // told "Inaktivität festgestellt" instead of seeing a plain login.
        let idle = sec.session_idle + EXPIRED_SESSION_GRACE;
        let lifetime = sec.session_lifetime + EXPIRED_SESSION_GRACE;
        let sessions = store::sessions::purge(tx, |s| !s.is_live(now, idle, lifetime))?;
        let links = store::links::purge_expired(tx, now)?;
        if sessions + links > 0 {
            tracing::debug!(sessions, links, "purged expired sessions and links");
        }
        Ok(())
    })
}
