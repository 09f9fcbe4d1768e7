//! Health, readiness and metrics endpoints for operators.

use crate::app::ops::{self, Readiness};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::error::AppError;
use super::paths;
use super::state::AppState;

pub async fn health() -> &'static str {
    "ok\n"
}

/// Ready when the store can take writes (checked without committing to
/// disk) and the mail queue moves.
pub async fn ready(State(state): State<AppState>) -> Response {
    let result = state
        .blocking(|st| Ok::<_, AppError>(ops::readiness(&st.store, st.now())))
        .await;
    match result {
        Ok(Readiness::Ready) => (StatusCode::OK, "ready\n").into_response(),
        Ok(Readiness::MailQueueStuck) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "mail queue stuck: a queued e-mail is overdue by more than 15 minutes\n",
        )
            .into_response(),
        Ok(Readiness::StoreNotWritable) | Err(_) => {
            (StatusCode::SERVICE_UNAVAILABLE, "store not writable\n").into_response()
        }
    }
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
