//! The start page: anonymous visitors go to the login page; signed-in
//! people see the home of their role.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect};

use super::error::WebResult;
use super::session::Ctx;
use super::state::AppState;
use crate::domain::account::Role;

pub async fn home(State(state): State<AppState>, ctx: Ctx) -> WebResult {
    let Some(account) = ctx.account().cloned() else {
        if ctx.session.is_some() {
            return Ok(Redirect::to(super::paths::LOGIN_TAN).into_response());
        }
        if ctx.idle_expired {
            return Ok(Redirect::to("/login?inaktiv=1").into_response());
        }
        return Ok(Redirect::to(super::paths::LOGIN).into_response());
    };
    match account.role {
        // Each role's home lives with its area.
        Role::OrgAdmin { .. } => super::org::admin_home(&state, &ctx, &account).await,
        Role::OrgUser { .. } => super::org::user_home(&state, &ctx, &account).await,
        Role::Kassen { .. } => Ok(super::kassen::home(&state, &ctx, &account)
            .await?
            .into_response()),
    }
}
