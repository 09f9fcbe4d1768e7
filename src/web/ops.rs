//! Health, readiness and metrics endpoints for operators.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jiff::{SignedDuration, Timestamp};

use super::error::AppError;
use super::paths;
use super::state::AppState;
use crate::domain::mail::OutgoingMail;

/// A queued e-mail whose next attempt is overdue by more than this means the
/// delivery worker is stuck.
pub const MAIL_QUEUE_STUCK_AFTER: SignedDuration = SignedDuration::from_secs(15 * 60);

pub async fn health() -> &'static str {
    "ok\n"
}

/// Ready when the store accepts a write transaction and the mail queue moves.
pub async fn ready(State(state): State<AppState>) -> Response {
    let result = state
        .blocking(|st| {
            st.store
                .write(|tx| crate::store::mail_queue::pending(tx).map_err(crate::app::Error::from))
        })
        .await;
    match result {
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "store not writable\n").into_response(),
        Ok(pending) if mail_queue_stuck(&pending, state.now()) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "mail queue stuck: a queued e-mail is overdue by more than 15 minutes\n",
        )
            .into_response(),
        Ok(_) => (StatusCode::OK, "ready\n").into_response(),
    }
}

/// Whether a queued e-mail should have been attempted more than
/// [`MAIL_QUEUE_STUCK_AFTER`] ago.
pub fn mail_queue_stuck(pending: &[OutgoingMail], now: Timestamp) -> bool {
    pending
        .iter()
        .map(|m| m.next_attempt_at)
        .min()
        .is_some_and(|due| now.duration_since(due) > MAIL_QUEUE_STUCK_AFTER)
}

/// `/metrics` on the main port: 404 when `http.metrics_addr` is set, and
/// otherwise for every client that is not on a loopback address (forwarded
/// requests count as remote).
pub async fn metrics_on_main_port(State(state): State<AppState>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let forwarded = ["x-forwarded-for", "forwarded", "x-real-ip"]
        .iter()
        .any(|h| parts.headers.contains_key(*h));
    let loopback = super::session::client_addr(&state, &parts).is_some_and(|ip| ip.is_loopback());
    if state.config.http.metrics_addr.is_some() || forwarded || !loopback {
        return AppError::NotFound.into_response();
    }
    metrics(State(state)).await
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    let text = state.metrics.render(state.store.file_size());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

/// The router of the separate `http.metrics_addr` listener.
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route(paths::METRICS, get(metrics))
        .fallback(|| async { StatusCode::NOT_FOUND })
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queued(due: Timestamp) -> OutgoingMail {
        OutgoingMail {
            id: 1,
            to: "a@example.org".to_owned(),
            subject: String::new(),
            text: String::new(),
            confidential: false,
            state: crate::domain::mail::MailState::Queued,
            attempts: 0,
            created_at: due,
            next_attempt_at: due,
            sent_at: None,
            last_error: None,
            live_body: false,
            body_removed: false,
        }
    }

    #[test]
    fn a_queue_is_stuck_only_when_a_mail_is_long_overdue() {
        let now = Timestamp::from_second(1_700_000_000).unwrap();
        assert!(!mail_queue_stuck(&[], now));
        let recent = now - SignedDuration::from_secs(60);
        assert!(!mail_queue_stuck(&[queued(recent)], now));
        let later = now + SignedDuration::from_secs(3600);
        assert!(!mail_queue_stuck(&[queued(later)], now));
        let old = now - SignedDuration::from_secs(16 * 60);
        assert!(mail_queue_stuck(&[queued(later), queued(old)], now));
    }
}
