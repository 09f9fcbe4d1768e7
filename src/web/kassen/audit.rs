//! The audit log: the Kassen see everything, an organisation's
//! administrators see the entries of their own organisation.

use crate::web::routes::{Routes, get};
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;

use super::{Params, param, render};
use crate::app::audit_log::{self, AuditFilter, AuditPage, AuditViewer, Cursor};
use crate::app::credentials::parse_date;
use crate::app::orgs;
use crate::domain::org::Organisation;
use crate::paths;
use crate::views::kassen::audit as v;
use crate::web::error::{AppError, WebResult};
use crate::web::guards::{KassenAdmin, OrgAdmin};
use crate::web::state::AppState;
use crate::web::stream;

fn filter(p: &Params) -> AuditFilter {
    AuditFilter {
        actor: param(p, "akteur").to_owned(),
        target: param(p, "ziel").to_owned(),
        org: param(p, "mitglied").parse().ok(),
        action: param(p, "aktion").to_owned(),
        from: parse_date(param(p, "von")),
        to: parse_date(param(p, "bis")),
    }
}

fn cursor(p: &Params) -> Cursor {
    if let Ok(id) = param(p, "vor").parse() {
        Cursor::Before(id)
    } else if let Ok(id) = param(p, "nach").parse() {
        Cursor::After(id)
    } else {
        Cursor::Newest
    }
}

async fn entries(
    state: &AppState,
    viewer: &impl AuditViewer,
    f: &AuditFilter,
    cursor: Cursor,
) -> Result<AuditPage, AppError> {
    Ok(state.inline(|st| audit_log::page(&st.store, viewer, f, cursor))?)
}

async fn orgs(state: &AppState) -> Result<Vec<Organisation>, AppError> {
    Ok(state.inline(|st| orgs::all(&st.store))?)
}

pub async fn page(
    State(state): State<AppState>,
    k: KassenAdmin,
    Query(p): Query<Params>,
) -> WebResult {
    let f = filter(&p);
    let list = entries(&state, &k.proof, &f, cursor(&p)).await?;
    let orgs = orgs(&state).await?;
    let chain = state.inline(|st| crate::app::audit_chain::status(&st.store))?;
    Ok(render(
        &k.authed,
        &state,
        "Protokoll",
        v::page(
            paths::KASSEN_AUDIT,
            &list,
            &orgs,
            &f,
            Some(v::chain_state(chain.as_ref())),
        ),
    )
    .into_response())
}

/// The CSV export, streamed from one snapshot of the log.
fn csv_response(
    state: &AppState,
    viewer: impl AuditViewer + Send + 'static,
    f: AuditFilter,
) -> WebResult {
    let body = stream::from_blocking(state, move |st, sink| {
        audit_log::export_csv(&st.store, &viewer, &f, sink)
    });
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"protokoll.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}

pub async fn csv(
    State(state): State<AppState>,
    k: KassenAdmin,
    Query(p): Query<Params>,
) -> WebResult {
    csv_response(&state, k.proof, filter(&p))
}

/// The organisation administrators' view of their own organisation's log.
pub fn org_audit_routes() -> Routes {
    Routes::new()
        .route(paths::ORG_AUDIT, get(org_page))
        .route("/protokoll.csv", get(org_csv))
}

async fn org_page(
    State(state): State<AppState>,
    a: OrgAdmin,
    Query(p): Query<Params>,
) -> WebResult {
    let mut f = filter(&p);
    f.org = None;
    let list = entries(&state, &a.proof, &f, cursor(&p)).await?;
    let body = v::page(
        paths::ORG_AUDIT,
        &list,
        std::slice::from_ref(a.org()),
        &AuditFilter { org: None, ..f },
        None,
    );
    Ok(render(&a.authed, &state, "Protokoll", body).into_response())
}

async fn org_csv(State(state): State<AppState>, a: OrgAdmin, Query(p): Query<Params>) -> WebResult {
    let mut f = filter(&p);
    f.org = None;
    csv_response(&state, a.proof, f)
}
