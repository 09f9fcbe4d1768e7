//! FAQ verwalten: list, create, edit, reorder, delete.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};

use super::{Params, param, render};
use crate::app::Actor;
use crate::app::faq::{self, Direction, FaqInput};
use crate::views::kassen::{admins::confirm, faq as v};
use crate::web::error::{AppError, WebResult};
use crate::web::guards::KassenAdmin;
use crate::web::session::{CsrfForm, FormData};
use crate::web::state::AppState;

fn actor(k: &KassenAdmin) -> Actor {
    Actor {
        id: k.authed.account.id.to_string(),
        client: k.authed.ctx.client_text(),
    }
}

fn input(form: &FormData) -> FaqInput {
    FaqInput {
        question: form.get("frage").to_owned(),
        answer: form.get("antwort").to_owned(),
    }
}

fn id_of(raw: &str) -> Result<u64, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

fn notice(p: &Params) -> Option<&'static str> {
    Some(match param(p, "hinweis") {
        "angelegt" => "Der FAQ-Eintrag wurde angelegt.",
        "gespeichert" => "Die Änderungen wurden gespeichert.",
        "geloescht" => "Der FAQ-Eintrag wurde gelöscht.",
        "verschoben" => "Die Reihenfolge wurde geändert.",
        _ => return None,
    })
}

pub async fn list(
    State(state): State<AppState>,
    k: KassenAdmin,
    Query(p): Query<Params>,
) -> WebResult {
    let entries = state.blocking(|st| faq::list(&st.store)).await?;
    Ok(render(
        &k.authed,
        &state,
        "FAQ verwalten",
        v::list(
            &entries,
            &k.authed.ctx.csrf,
            notice(&p),
            state.config.retention.message_days,
        ),
    )
    .into_response())
}

pub async fn new_page(State(state): State<AppState>, k: KassenAdmin) -> WebResult {
    Ok(render(
        &k.authed,
        &state,
        "FAQ-Eintrag anlegen",
        v::form(&k.authed.ctx.csrf, None, &FaqInput::default(), &[], None),
    )
    .into_response())
}

pub async fn create(
    State(state): State<AppState>,
    k: KassenAdmin,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let input = input(&form);
    let actor = actor(&k);
    let i2 = input.clone();
    let result = state
        .attempt(move |st| faq::create(&st.store, &k.proof, &i2, &actor, st.now()))
        .await?;
    match result {
        Ok(_) => Ok(Redirect::to("/kassen/faq?hinweis=angelegt").into_response()),
        Err(errors) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(
                &k.authed,
                &state,
                "FAQ-Eintrag anlegen",
                v::form(&k.authed.ctx.csrf, None, &input, &errors, None),
            ),
        )
            .into_response()),
    }
}

pub async fn edit_page(
    State(state): State<AppState>,
    k: KassenAdmin,
    Path(id): Path<String>,
    Query(p): Query<Params>,
) -> WebResult {
    let id = id_of(&id)?;
    let entry = state.blocking(move |st| faq::get(&st.store, id)).await?;
    Ok(render(
        &k.authed,
        &state,
        "FAQ-Eintrag bearbeiten",
        v::form(
            &k.authed.ctx.csrf,
            Some(id),
            &FaqInput::from_entry(&entry),
            &[],
            notice(&p),
        ),
    )
    .into_response())
}

pub async fn update(
    State(state): State<AppState>,
    k: KassenAdmin,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let id = id_of(&id)?;
    // A missing entry answers 404 before any validation message.
    state.blocking(move |st| faq::get(&st.store, id)).await?;
    let input = input(&form);
    let actor = actor(&k);
    let i2 = input.clone();
    let result = state
        .attempt(move |st| faq::update(&st.store, &k.proof, id, &i2, &actor, st.now()))
        .await?;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/kassen/faq/{id}?hinweis=gespeichert")).into_response()),
        Err(errors) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(
                &k.authed,
                &state,
                "FAQ-Eintrag bearbeiten",
                v::form(&k.authed.ctx.csrf, Some(id), &input, &errors, None),
            ),
        )
            .into_response()),
    }
}

/// "Löschen": the confirmation page.
pub async fn delete_page(
    State(state): State<AppState>,
    k: KassenAdmin,
    Path(id): Path<String>,
) -> WebResult {
    let id = id_of(&id)?;
    let entry = state.blocking(move |st| faq::get(&st.store, id)).await?;
    Ok(render(
        &k.authed,
        &state,
        "FAQ-Eintrag löschen",
        confirm(
            &k.authed.ctx.csrf,
            &format!("/kassen/faq/{id}/loeschen"),
            "FAQ-Eintrag löschen",
            &format!(
                "Möchten Sie den FAQ-Eintrag „{}“ endgültig löschen? Er verschwindet sofort von der FAQ-Seite und aus der Suche.",
                entry.question
            ),
            None,
            "Endgültig löschen",
            &format!("/kassen/faq/{id}"),
        ),
    )
    .into_response())
}

pub async fn delete(
    State(state): State<AppState>,
    k: KassenAdmin,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let id = id_of(&id)?;
    state.blocking(move |st| faq::get(&st.store, id)).await?;
    if form.get("bestaetigt") != "1" {
        return Ok(Redirect::to(&format!("/kassen/faq/{id}/loeschen")).into_response());
    }
    let actor = actor(&k);
    state
        .blocking(move |st| faq::delete(&st.store, &k.proof, id, &actor, st.now()))
        .await?;
    Ok(Redirect::to("/kassen/faq?hinweis=geloescht").into_response())
}

pub async fn move_entry(
    State(state): State<AppState>,
    k: KassenAdmin,
    Path((id, direction)): Path<(String, String)>,
    CsrfForm(_): CsrfForm,
) -> WebResult {
    let id = id_of(&id)?;
    let direction = match direction.as_str() {
        "nach-oben" => Direction::Up,
        "nach-unten" => Direction::Down,
        _ => return Err(AppError::NotFound),
    };
    let actor = actor(&k);
    state
        .blocking(move |st| faq::move_entry(&st.store, &k.proof, id, direction, &actor, st.now()))
        .await?;
    Ok(Redirect::to("/kassen/faq?hinweis=verschoben").into_response())
}
