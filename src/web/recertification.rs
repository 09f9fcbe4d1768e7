//! The access review pages of an organisation's administrator (issue 22
//! §2). The `OrgAdmin` guard lets only administrators in; the app layer
//! re-checks the administrator and the target's organisation in the write
//! transaction (a foreign Nutzerkennung answers 404).

use crate::web::routes::{Routes, get, post};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;

use super::error::WebResult;
use super::frame;
use super::guards::OrgAdmin;
use super::session::CsrfForm;
use super::state::AppState;
use crate::app::{self, Actor, recertification};
use crate::paths::users as path;
use crate::views::recertification as v;

pub fn routes() -> Routes {
    Routes::new()
        .route(path::REVIEW, get(page))
        .route(path::REVIEW_CONFIRM, post(confirm))
}

#[derive(Deserialize)]
struct NoticeQuery {
    hinweis: Option<String>,
}

async fn page(
    State(state): State<AppState>,
    admin: OrgAdmin,
    Query(q): Query<NoticeQuery>,
) -> WebResult {
    let proof = admin.proof.clone();
    let sec = state.config.security.clone();
    let rows = state
        .blocking(move |st| {
            recertification::review(&st.store, &proof, sec.recertification_months, st.now())
        })
        .await?;
    let ctx = &admin.authed.ctx;
    let notice = match q.hinweis.as_deref() {
        Some("bestaetigt") => Some("Die Berechtigungen wurden bestätigt."),
        _ => None,
    };
    let sec = &state.config.security;
    let body = v::page(&v::ReviewPage {
        csrf: &ctx.csrf,
        rows: &rows,
        months: sec.recertification_months,
        enforce: sec.recertification_enforce,
        grace_days: sec.recertification_grace_days,
        notice,
    });
    Ok(frame::render(ctx, &state, "Berechtigungen überprüfen", body).into_response())
}

async fn confirm(
    State(state): State<AppState>,
    admin: OrgAdmin,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let actor = Actor {
        id: admin.authed.account.id.to_string(),
        client: admin.authed.ctx.client_text(),
    };
    let proof = admin.proof.clone();
    let id = (!form.has("alle")).then(|| form.get("kennung").to_owned());
    if id.as_deref().is_some_and(str::is_empty) {
        // Nothing chosen: back to the page.
        return Ok(Redirect::to(path::REVIEW).into_response());
    }
    let months = state.config.security.recertification_months;
    state
        .blocking(move |st| {
            recertification::confirm(&st.store, months, &proof, id.as_deref(), &actor, st.now())
        })
        .await
        .map_err(|e: app::Error| e)?;
    Ok(Redirect::to(&format!("{}?hinweis=bestaetigt", path::REVIEW)).into_response())
}
