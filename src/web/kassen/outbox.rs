//! The Postausgang.

use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;

use super::{Params, param, render};
use crate::app::{Actor, outbox};
use crate::domain::mail::MailState;
use crate::views::kassen::outbox as v;
use crate::web::error::{AppError, WebResult};
use crate::web::guards::KassenAdmin;
use crate::web::state::AppState;

/// Newest first, 50 per page; `?status=` filters by state, `?vor=<id>`
/// continues with the mails older than that one (keyset paging).
pub async fn list(
    State(state): State<AppState>,
    k: KassenAdmin,
    Query(p): Query<Params>,
) -> WebResult {
    let filter = MailState::from_key(param(&p, "status"));
    let before = param(&p, "vor").parse::<u64>().ok();
    let page = state
        .blocking(move |st| outbox::page(&st.store, &k.proof, filter, before))
        .await?;
    Ok(render(
        &k.authed,
        &state,
        "Postausgang",
        v::list(&page.mails, filter, before.is_some(), page.older),
    )
    .into_response())
}

/// One e-mail: recipient, subject, times, state and the text with links
/// and TANs replaced. Each view is audited.
pub async fn details(
    State(state): State<AppState>,
    k: KassenAdmin,
    Path(id): Path<String>,
) -> WebResult {
    let id: u64 = id.parse().map_err(|_| AppError::NotFound)?;
    let actor = Actor {
        id: k.authed.account.id.to_string(),
        client: k.authed.ctx.client_text(),
    };
    let mail = state
        .blocking(move |st| outbox::view(&st.store, &k.proof, &actor, id, st.now()))
        .await?;
    Ok(render(&k.authed, &state, "Postausgang", v::details(&mail)).into_response())
}
