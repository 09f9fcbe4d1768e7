//! Response bodies produced by blocking work (a store snapshot read in
//! chunks), streamed to the client: memory stays bounded by a few chunks
//! whatever the size of the answer.

use axum::body::{Body, Bytes};

use super::state::AppState;

/// Chunks in flight between the producer and the connection.
const CHUNKS_IN_FLIGHT: usize = 4;

/// A body whose chunks `produce` hands to its sink on a blocking thread; the
/// sink returns false once the client is gone, and `produce` should stop.
pub fn from_blocking(
    state: &AppState,
    produce: impl FnOnce(&AppState, &mut dyn FnMut(Vec<u8>) -> bool) -> Result<(), crate::app::Error>
    + Send
    + 'static,
) -> Body {
    let (tx, rx) = tokio::sync::mpsc::channel::<Vec<u8>>(CHUNKS_IN_FLIGHT);
    let st = state.clone();
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        span.in_scope(|| {
            let mut sink = |chunk: Vec<u8>| tx.blocking_send(chunk).is_ok();
            if let Err(e) = produce(&st, &mut sink) {
                // The status line is out already; the client sees a cut-off
                // body, the log says why.
                tracing::error!(error = %e, "streamed response failed");
            }
        })
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|chunk| (Ok::<_, std::convert::Infallible>(Bytes::from(chunk)), rx))
    });
    Body::from_stream(stream)
}
