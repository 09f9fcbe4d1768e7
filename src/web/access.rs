//! Login in two steps, logout, passwords and Nutzerkennung retrieval.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use axum::routing::get;
use serde::Deserialize;

use super::error::WebResult;
use super::frame;
use super::paths;
use super::session::Ctx;
use super::state::AppState;
use crate::views::access::{self as v, LoginNotice};

pub fn routes() -> Router<AppState> {
    Router::new().route(paths::LOGIN, get(login_page))
}

#[derive(Deserialize, Default)]
struct LoginQuery {
    #[serde(default)]
    inaktiv: Option<String>,
}

async fn login_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<LoginQuery>,
) -> WebResult {
    let notice = LoginNotice {
        idle: q.inaktiv.is_some(),
        ..Default::default()
    };
    Ok(frame::render(&ctx, &state, "Anmelden", v::login(&ctx.csrf, "", &notice)).into_response())
}
