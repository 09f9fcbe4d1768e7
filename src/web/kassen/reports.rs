//! "Formularmeldungen" for Kassen-Sachbearbeitung Beamtenversorgung and the
//! Portaladministration; everyone else gets 404.

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};

use super::{Params, param, render};
use crate::app::Actor;
use crate::app::forms;
use crate::domain::account::Role;
use crate::domain::forms::ReportStatus;
use crate::domain::org::Bereich;
use crate::paths::persons as path;
use crate::views::kassen::reports as v;
use crate::web::error::{AppError, WebResult};
use crate::web::session::{Authed, CsrfForm};
use crate::web::state::AppState;

/// Kassen staff who may see the reports.
pub struct ReportReader(pub Authed);

/// Whether a Kassen account sees "Formularmeldungen".
pub fn may_read(role: &Role) -> bool {
    matches!(role, Role::Kassen { portal_admin, sachbearbeitung }
        if *portal_admin || sachbearbeitung.contains(&Bereich::Beamtenversorgung))
}

impl FromRequestParts<AppState> for ReportReader {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let authed = Authed::from_request_parts(parts, state).await?;
        if may_read(&authed.account.role) {
            Ok(ReportReader(authed))
        } else {
            Err(AppError::NotFound.into_response())
        }
    }
}

pub async fn list(
    State(state): State<AppState>,
    k: ReportReader,
    Query(p): Query<Params>,
) -> WebResult {
    let status = ReportStatus::from_key(param(&p, "status"));
    let before = param(&p, "vor").parse().ok();
    let org = param(&p, "mitglied").parse::<u64>().ok();
    let (page, orgs) = state.inline(move |st| {
        Ok::<_, AppError>((
            forms::list(&st.store, status, org, before)?,
            crate::app::orgs::all(&st.store)?,
        ))
    })?;
    let filter = v::Filter { status, org };
    Ok(render(
        &k.0,
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
    let (r, org) = state.inline(move |st| {
        let r = forms::get(&st.store, id, None)?;
        let org = crate::app::orgs::get(&st.store, r.org)?;
        Ok::<_, AppError>((r, format!("{} ({})", org.name, org.number)))
    })?;
    let notice = (param(&p, "hinweis") == "status").then_some("Der Status wurde geändert.");
    let title = format!("Formularmeldung {}", r.referenz);
    Ok(render(
        &k.0,
        &state,
        &title,
        v::details(&r, &org, &k.0.ctx.csrf, notice),
    )
    .into_response())
}

pub async fn pdf(
    State(state): State<AppState>,
    _k: ReportReader,
    Path(id): Path<String>,
) -> WebResult {
    let id = id_of(&id)?;
    let (r, bytes) = state
        .blocking(move |st| forms::pdf(&st.store, id, None))
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
    let actor = Actor {
        id: k.0.account.id.to_string(),
        client: k.0.ctx.client_text(),
    };
    state
        .blocking(move |st| forms::set_status(&st.store, id, status, &actor, st.now()))
        .await?;
    Ok(Redirect::to(&format!("{}?hinweis=status", path::kassen_report(id))).into_response())
}
