//! The audit log: the Kassen see everything, an organisation's
//! administrators see the entries of their own organisation.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use super::{Params, paging, param, render};
use crate::app::audit_log::{self, AuditFilter};
use crate::app::credentials::parse_date;
use crate::domain::org::Organisation;
use crate::paths;
use crate::store;
use crate::views::kassen::audit as v;
use crate::web::error::{AppError, WebResult};
use crate::web::guards::{KassenAdmin, OrgAdmin};
use crate::web::state::AppState;

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

async fn entries(
    state: &AppState,
    f: &AuditFilter,
    scope: Option<u64>,
) -> Result<Vec<crate::domain::audit::AuditEntry>, AppError> {
    let f = f.clone();
    Ok(state
        .blocking(move |st| audit_log::search(&st.store, &f, scope))
        .await?)
}

async fn orgs(state: &AppState) -> Result<Vec<Organisation>, AppError> {
    state
        .blocking(|st| Ok::<_, AppError>(st.store.read(store::orgs::all)?))
        .await
}

pub async fn page(
    State(state): State<AppState>,
    k: KassenAdmin,
    Query(p): Query<Params>,
) -> WebResult {
    let f = filter(&p);
    let list = entries(&state, &f, None).await?;
    let orgs = orgs(&state).await?;
    let pg = paging(&p, list.len());
    Ok(render(
        &k.0,
        &state,
        "Protokoll",
        v::page(paths::KASSEN_AUDIT, &list, &orgs, &f, &pg),
    )
    .into_response())
}

fn csv_response(entries: &[crate::domain::audit::AuditEntry], orgs: &[Organisation]) -> WebResult {
    let body = audit_log::to_csv(entries, orgs)?;
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
    _k: KassenAdmin,
    Query(p): Query<Params>,
) -> WebResult {
    let orgs = orgs(&state).await?;
    csv_response(&entries(&state, &filter(&p), None).await?, &orgs)
}

/// The organisation administrators' view of their own organisation's log.
pub fn org_audit_routes() -> Router<AppState> {
    Router::new()
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
    let list = entries(&state, &f, Some(a.org.id)).await?;
    let pg = paging(&p, list.len());
    let body = v::page(
        paths::ORG_AUDIT,
        &list,
        std::slice::from_ref(&a.org),
        &AuditFilter { org: None, ..f },
        &pg,
    );
    Ok(render(&a.authed, &state, "Protokoll", body).into_response())
}

async fn org_csv(State(state): State<AppState>, a: OrgAdmin, Query(p): Query<Params>) -> WebResult {
    let mut f = filter(&p);
    f.org = None;
    csv_response(
        &entries(&state, &f, Some(a.org.id)).await?,
        std::slice::from_ref(&a.org),
    )
}
