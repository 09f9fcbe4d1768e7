//! Datensicherung for the Portaladministration.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};

use super::{Params, param, render};
use crate::backup;
use crate::views::kassen::backup as v;
use crate::web::error::{AppError, WebResult};
use crate::web::guards::KassenAdmin;
use crate::web::session::CsrfForm;
use crate::web::state::AppState;

pub async fn page(
    State(state): State<AppState>,
    k: KassenAdmin,
    Query(p): Query<Params>,
) -> WebResult {
    let files = state
        .blocking(|st| Ok::<_, AppError>(backup::list(&st.config)))
        .await?
        .into_iter()
        .map(|f| v::Row {
            name: f.name,
            bytes: f.bytes,
            created: f.created,
        })
        .collect::<Vec<_>>();
    let settings = v::Settings {
        dir: backup::backup_dir(&state.config).display().to_string(),
        schedule: state.config.backup.schedule.clone(),
        keep: state.config.backup.keep,
    };
    let (notice, error) = match param(&p, "hinweis") {
        "erstellt" => (Some("Die Sicherung wurde erstellt und geprüft."), None),
        "fehler" => (
            None,
            Some("Die Sicherung ist fehlgeschlagen. Details stehen im Server-Protokoll."),
        ),
        _ => (None, None),
    };
    Ok(render(
        &k.authed,
        &state,
        "Datensicherung",
        v::page(&k.authed.ctx.csrf, &files, &settings, notice, error),
    )
    .into_response())
}

pub async fn create(
    State(state): State<AppState>,
    k: KassenAdmin,
    CsrfForm(_): CsrfForm,
) -> WebResult {
    let (proof, actor) = (k.proof, k.actor());
    let outcome = state
        .blocking(move |st| {
            crate::app::backups::create_now(&st.store, &proof, &st.config, &actor, st.now())
        })
        .await?;
    let key = if outcome { "erstellt" } else { "fehler" };
    Ok(Redirect::to(&format!("/kassen/datensicherung?hinweis={key}")).into_response())
}
