//! The GET pages after the public forms' successful POSTs
//! (post/redirect/get): "Passwort festgelegt" and the retrieved
//! Nutzerkennung.

use crate::web::routes::{Routes, get};
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

use super::credentials::link_invalid;
use super::error::WebResult;
use super::frame;
use super::paths;
use super::session::Ctx;
use super::state::AppState;
use crate::views::access as v;

pub fn routes() -> Routes {
    Routes::new()
        .route(paths::PASSWORD_SET, get(password_set_page))
        .route(paths::ID_RETRIEVED, get(retrieved_page))
}

#[derive(Deserialize, Default)]
struct SetQuery {
    /// The "Nutzerkennung abrufen" e-mail follows.
    abruf: Option<String>,
}

/// "Passwort festgelegt" (after the set-password form).
async fn password_set_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<SetQuery>,
) -> WebResult {
    Ok(frame::render(
        &ctx,
        &state,
        "Passwort festgelegt",
        v::password_set(q.abruf.is_some()),
    )
    .into_response())
}

/// The Nutzerkennung just retrieved by this browser.
async fn retrieved_page(State(state): State<AppState>, ctx: Ctx, jar: CookieJar) -> WebResult {
    let Some(id) = super::flash::get(&jar, "kennung")
        .and_then(|id| crate::domain::ids::Nutzerkennung::parse(&id))
    else {
        return Ok(link_invalid(&state, &ctx));
    };
    Ok(frame::render(
        &ctx,
        &state,
        "Nutzerkennung abrufen",
        v::retrieved_id(id.as_str()),
    )
    .into_response())
}
