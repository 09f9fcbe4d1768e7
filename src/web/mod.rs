//! HTTP: routes grouped by guard, extractors, security headers, assets.

pub mod access;
pub mod assets;
pub mod credentials;
pub mod error;
pub mod flash;
pub mod forms;
pub mod frame;
pub mod guards;
pub mod headers;
pub mod help;
pub mod home;
pub mod info;
pub mod kassen;
pub mod messages;
pub mod messages_export;
pub mod ops;
pub mod org;
pub mod persons;
pub mod recertification;
pub mod request_id;
pub mod results;
pub mod routes;
pub mod session;
pub mod setup;
pub mod slots;
pub mod state;
pub mod stream;
pub mod throttle;
pub mod upload;
pub mod users;

pub use crate::paths;

use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use routes::{Routes, get};
use tower_http::limit::RequestBodyLimitLayer;

pub use state::AppState;

/// Largest request body (attachments included).
const BODY_LIMIT: usize = 12 * 1024 * 1024;

pub fn router(state: AppState) -> Router {
    routes()
        .into_router()
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            session::ensure_binding_cookie,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            headers::same_origin,
        ))
        .layer(middleware::from_fn(headers::security_headers))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            headers::transport_security,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), track))
        .layer(middleware::from_fn(request_id::request_id))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .with_state(state)
}

/// Every route of the portal, without fallback and layers. Add new routes
/// here (or in a module merged here): the router and [`route_table`] (which
/// the authorization matrix test checks) are both built from this list.
fn routes() -> Routes {
    Routes::new()
        .route(paths::HOME, get(home::home))
        .route(paths::SETUP, get(setup::show).post(setup::submit))
        .route(paths::SETUP_DONE, get(setup::done))
        .merge(access::routes())
        .merge(info::routes())
        .merge(help::routes())
        .merge(kassen::routes())
        .merge(kassen::org_audit_routes())
        .merge(recertification::routes())
        .merge(users::routes())
        .merge(org::routes())
        .merge(persons::routes())
        .merge(forms::routes())
        .merge(messages::routes())
        .route(paths::HEALTH, get(ops::health))
        .route(paths::READY, get(ops::ready))
        .route(paths::METRICS, get(ops::metrics_on_main_port))
        .route("/static/{*path}", get(assets::serve))
}

/// Every (method, path template) the router serves, from the list the
/// router is built from (see [`routes`]).
pub fn route_table() -> Vec<(axum::http::Method, String)> {
    routes().table()
}

async fn not_found() -> Response {
    error::AppError::NotFound.into_response()
}

/// Logs each request and counts it for `/metrics`.
async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let res = next.run(req).await;
    let elapsed = started.elapsed();
    let status = res.status().as_u16();
    state
        .metrics
        .record_request(&route, status, elapsed.as_secs_f64());
    tracing::info!(%method, %path, status, ms = elapsed.as_millis() as u64, "request");
    res
}
