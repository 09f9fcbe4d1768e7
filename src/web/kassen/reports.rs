//! "Formularmeldungen" for Kassen-Sachbearbeitung Beamtenversorgung and the
//! Portaladministration; everyone else gets 404.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};

use super::{Params, param, render};
use crate::app::forms;
use crate::domain::forms::ReportStatus;
use crate::paths::persons as path;
use crate::views::kassen::reports as v;
use crate::web::error::{AppError, WebResult};
use crate::web::guards::ReportReader;
use crate::web::routes::{Routes, get, post};
use crate::web::session::CsrfForm;
use crate::web::state::AppState;

/// The Formularmeldungen's routes (every handler takes `ReportReader`).
pub fn routes() -> Routes {
    Routes::new()
        .route(path::KASSEN_REPORTS, get(list))
        .route(path::KASSEN_REPORT, get(details))
        .route(path::KASSEN_REPORT_PDF, get(pdf))
        .route(path::KASSEN_REPORT_STATUS, post(set_status))
}

pub async fn list(
    State(state): State<AppState>,
    k: ReportReader,
    Query(p): Query<Params>,
) -> WebResult {
    let status = ReportStatus::from_key(param(&p, "status"));
    let before = param(&p, "vor").parse().ok();
    let org = param(&p, "mitglied").parse::<u64>().ok();
    let proof = &k.proof;
    let (page, orgs) = state.inline(move |st| {
        Ok::<_, AppError>((
            forms::list(&st.store, proof, status, org, before)?,
            crate::app::orgs::all(&st.store)?,
        ))
    })?;
    let filter = v::Filter { status, org };
    Ok(render(
        &k.authed,
        &state,
        "Formularmeldungen",
        v::list(&page, &filter, &orgs),
    )
    .into_response())
}

fn id_of(id: &str) -> Result<u64, AppError> {
    id.parse().map_err(|_| AppError::NotFound)
}

pub async fn details(
    State(state): State<AppState>,
    k: ReportReader,
    Path(id): Path<String>,
    Query(p): Query<Params>,
) -> WebResult {
    let id = id_of(&id)?;
    let proof = &k.proof;
    let (r, org) = state.inline(move |st| {
        let r = forms::get(&st.store, proof, id)?;
        let org = crate::app::orgs::get(&st.store, r.org)?;
        Ok::<_, AppError>((r, format!("{} ({})", org.name, org.number)))
    })?;
    let notice = (param(&p, "hinweis") == "status").then_some("Der Status wurde geändert.");
    let title = format!("Formularmeldung {}", r.referenz);
    Ok(render(
        &k.authed,
        &state,
        &title,
        v::details(&r, &org, &k.authed.ctx.csrf, notice),
    )
    .into_response())
}

pub async fn pdf(
    State(state): State<AppState>,
    k: ReportReader,
    Path(id): Path<String>,
) -> WebResult {
    let id = id_of(&id)?;
    let proof = k.proof;
    let (r, bytes) = state
        .blocking(move |st| forms::pdf(&st.store, &proof, id))
        .await?;
    Ok(crate::web::forms::pdf_response(&r.pdf_name(), bytes))
}

pub async fn set_status(
    State(state): State<AppState>,
    k: ReportReader,
    Path(id): Path<String>,
    Query(p): Query<Params>,
    CsrfForm(_): CsrfForm,
) -> WebResult {
    let id = id_of(&id)?;
    let status = ReportStatus::from_key(param(&p, "neu")).ok_or(AppError::NotFound)?;
    let (proof, actor) = (k.proof, k.actor());
    state
        .blocking(move |st| forms::set_status(&st.store, &proof, id, status, &actor, st.now()))
        .await?;
    Ok(Redirect::to(&format!("{}?hinweis=status", path::kassen_report(id))).into_response())
}
