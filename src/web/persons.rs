//! Anspruchsberechtigte and contact data for Nutzer:innen with the grants.
//! Every handler takes the guard of its function (checked against the
//! user's effective grants, 404 without it) and hands its proof to the use
//! case, which looks persons up within the user's organisation only.

use std::collections::HashMap;

use crate::web::routes::{Routes, get};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};

use super::error::WebResult;
use super::frame;
use super::guards::{PersonsEditor, PersonsReader};
use super::session::CsrfForm;
use super::state::AppState;
use crate::app::persons::{self, Filter};
use crate::domain::permissions;
use crate::domain::persons::{Art, Contact};
use crate::paths::persons as path;
use crate::views::persons as v;

/// The routes of this area, grouped by guard.
pub fn routes() -> Routes {
    Routes::new()
        // PersonsReader
        .route(path::LIST, get(list))
        .route(path::DETAILS, get(details))
        // PersonsEditor
        .route(path::EDIT, get(edit_page).post(edit_submit))
}

type Params = HashMap<String, String>;

fn param<'a>(p: &'a Params, name: &str) -> &'a str {
    p.get(name).map(String::as_str).unwrap_or("")
}

async fn list(
    State(state): State<AppState>,
    user: PersonsReader,
    Query(p): Query<Params>,
) -> WebResult {
    let filter = Filter {
        name: param(&p, "name").trim().to_owned(),
        personalnummer: param(&p, "personalnummer").trim().to_owned(),
        art: Art::from_key(param(&p, "art")),
    };
    let after = p.get("nach").filter(|a| !a.is_empty()).cloned();
    let first = after.is_none();
    let (proof, f2) = (&user.proof, filter.clone());
    let page = state.inline(move |st| persons::list(&st.store, proof, &f2, after.as_deref()))?;
    Ok(frame::render(
        &user.authed.ctx,
        &state,
        "Anspruchsberechtigte",
        v::list(&page, &filter, first),
    )
    .into_response())
}

async fn load(
    state: &AppState,
    user: &PersonsEditor,
    pnr: String,
) -> WebResult<crate::domain::persons::Person> {
    let proof = &user.proof;
    Ok(state.inline(move |st| persons::get(&st.store, proof, &pnr))?)
}

async fn details(
    State(state): State<AppState>,
    user: PersonsReader,
    Path(pnr): Path<String>,
    Query(p): Query<Params>,
) -> WebResult {
    let proof = user.proof.clone();
    let (person, changed_by) = state
        .blocking(move |st| persons::details(&st.store, &proof, &pnr))
        .await?;
    let (account, org) = (&user.authed.account, Some(user.org()));
    let can = v::Abilities {
        edit: permissions::may_edit_persons(account, org),
        report: permissions::may_submit_forms(account, org),
    };
    let notice = match param(&p, "hinweis") {
        "gespeichert" => Some("Die Kontaktdaten wurden gespeichert."),
        "unveraendert" => Some("Sie haben nichts geändert; die Kontaktdaten sind unverändert."),
        _ => None,
    };
    let title = person.display_name();
    Ok(frame::render(
        &user.authed.ctx,
        &state,
        &title,
        v::details(&person, changed_by.as_deref(), &can, notice),
    )
    .into_response())
}

async fn edit_page(
    State(state): State<AppState>,
    user: PersonsEditor,
    Path(pnr): Path<String>,
) -> WebResult {
    let person = load(&state, &user, pnr).await?;
    let body = v::edit(&user.authed.ctx.csrf, &person, &person.contact, &[]);
    Ok(frame::render(&user.authed.ctx, &state, "Kontaktdaten bearbeiten", body).into_response())
}

async fn edit_submit(
    State(state): State<AppState>,
    user: PersonsEditor,
    Path(pnr): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let person = load(&state, &user, pnr.clone()).await?;
    let contact = Contact {
        strasse: form.get("strasse").to_owned(),
        plz: form.get("plz").to_owned(),
        ort: form.get("ort").to_owned(),
        telefon: form.get("telefon").to_owned(),
        email: form.get("email").to_owned(),
    };
    let (proof, actor, c2) = (user.proof.clone(), user.actor(), contact.clone());
    let p2 = pnr.clone();
    match state
        .attempt(move |st| persons::update_contact(&st.store, &proof, &p2, &c2, &actor, st.now()))
        .await?
    {
        Ok(changed) => {
            let hint = if changed == 0 {
                "unveraendert"
            } else {
                "gespeichert"
            };
            Ok(Redirect::to(&format!("{}?hinweis={hint}", path::details(&pnr))).into_response())
        }
        Err(errors) => {
            let body = v::edit(&user.authed.ctx.csrf, &person, &contact, &errors);
            Ok((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                frame::render(&user.authed.ctx, &state, "Kontaktdaten bearbeiten", body),
            )
                .into_response())
        }
    }
}
