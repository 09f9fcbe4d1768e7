//! The Postausgang.

use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;

use super::{Params, paging, render};
use crate::store;
use crate::views::kassen::outbox as v;
use crate::web::error::{AppError, WebResult};
use crate::web::guards::KassenAdmin;
use crate::web::state::AppState;

pub async fn list(
    State(state): State<AppState>,
    k: KassenAdmin,
    Query(p): Query<Params>,
) -> WebResult {
    let mut mails = state
        .blocking(|st| Ok::<_, AppError>(st.store.read(store::mail_queue::all)?))
        .await?;
    mails.reverse();
    let pg = paging(&p, mails.len());
    Ok(render(&k.0, &state, "Postausgang", v::list(&mails, &pg)).into_response())
}

/// One e-mail with its text. Only Portaladministration reaches this page,
/// so links and TANs in the text are shown to them alone.
pub async fn details(
    State(state): State<AppState>,
    k: KassenAdmin,
    Path(id): Path<String>,
) -> WebResult {
    let id: u64 = id.parse().map_err(|_| AppError::NotFound)?;
    let mail = state
        .blocking(move |st| Ok::<_, AppError>(st.store.read(|tx| store::mail_queue::get(tx, id))?))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(render(&k.0, &state, "Postausgang", v::details(&mail)).into_response())
}
