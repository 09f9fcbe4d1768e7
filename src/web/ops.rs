//! Health, readiness and metrics endpoints for operators.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::state::AppState;

pub async fn health() -> &'static str {
    "ok\n"
}

/// Ready when the store accepts a write transaction.
pub async fn ready(State(state): State<AppState>) -> Response {
    let ok = state
        .blocking(|st| st.store.write(|_tx| Ok::<_, crate::app::Error>(())))
        .await
        .is_ok();
    if ok {
        (StatusCode::OK, "ready\n").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "store not writable\n").into_response()
    }
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    let text = state.metrics.render(state.store.file_size());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}
