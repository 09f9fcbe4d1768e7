//! Mitglieder: list, create, edit, function restrictions.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};

use super::{Params, notice, paging, param, render};
use crate::app::Actor;
use crate::app::orgs::{self, OrgInput};
use crate::domain::account::SecondFactor;
use crate::domain::org::{Bereich, GroupMailbox, PortalFunction};
use crate::views::kassen::orgs as v;
use crate::views::kassen::orgs::AdminRow;
use crate::web::error::{AppError, WebResult};
use crate::web::guards::KassenAdmin;
use crate::web::session::{CsrfForm, FormData};
use crate::web::state::AppState;

fn input(form: &FormData) -> OrgInput {
    OrgInput {
        name: form.get("name").to_owned(),
        number: form.get("mitgliedsnummer").to_owned(),
        billing_number: form.get("abrechnungsnummer").to_owned(),
        address: form.get("anschrift").to_owned(),
        bereiche: form
            .all("bereiche")
            .into_iter()
            .filter_map(Bereich::from_key)
            .collect(),
        mailboxes: form
            .all("postfaecher")
            .into_iter()
            .filter_map(GroupMailbox::from_key)
            .collect(),
        functions: form
            .all("funktionen")
            .into_iter()
            .filter_map(PortalFunction::from_key)
            .collect(),
        second_factor: SecondFactor::from_key(form.get("zweiter_faktor")).unwrap_or_default(),
    }
}

fn actor(k: &KassenAdmin) -> Actor {
    Actor {
        id: k.authed.account.id.to_string(),
        client: k.authed.ctx.client_text(),
    }
}

pub async fn list(
    State(state): State<AppState>,
    k: KassenAdmin,
    Query(p): Query<Params>,
) -> WebResult {
    let q = param(&p, "q").to_owned();
    let q2 = q.clone();
    let rows = state
        .blocking(move |st| orgs::list(&st.store, &k.proof, &q2))
        .await?;
    let pg = paging(&p, rows.len());
    Ok(render(
        &k.authed,
        &state,
        "Mitglieder",
        v::list(&rows, &pg, &q, notice(&p)),
    )
    .into_response())
}

pub async fn new_page(State(state): State<AppState>, k: KassenAdmin) -> WebResult {
    let input = OrgInput {
        bereiche: Bereich::ALL.to_vec(),
        mailboxes: GroupMailbox::ALL.to_vec(),
        functions: PortalFunction::ALL.to_vec(),
        ..Default::default()
    };
    Ok(render(
        &k.authed,
        &state,
        "Mitglied anlegen",
        v::new_page(&k.authed.ctx.csrf, &input, &[]),
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
        .attempt(move |st| orgs::create(&st.store, &k.proof, &i2, &actor, st.now()))
        .await?;
    match result {
        Ok(org) => Ok(
            Redirect::to(&format!("/kassen/mitglieder/{}?hinweis=angelegt", org.id))
                .into_response(),
        ),
        Err(errors) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(
                &k.authed,
                &state,
                "Mitglied anlegen",
                v::new_page(&k.authed.ctx.csrf, &input, &errors),
            ),
        )
            .into_response()),
    }
}

async fn details_page(
    state: &AppState,
    k: &KassenAdmin,
    id: u64,
    input: Option<OrgInput>,
    errors: Vec<(&'static str, String)>,
    notice: Option<&str>,
) -> WebResult {
    let (now, proof) = (state.now(), k.proof);
    let details = state
        .blocking(move |st| orgs::details(&st.store, &proof, id))
        .await?;
    let (org, exceeding) = (details.org, details.exceeding);
    let admins: Vec<AdminRow> = details
        .admins
        .iter()
        .map(|a| AdminRow {
            id: a.id.to_string(),
            name: a.sort_name(),
            status: crate::views::kassen::admins::status_text(a, Some(&org), now),
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let input = input.unwrap_or_else(|| OrgInput::from_org(&org));
    let body = v::details(
        &k.authed.ctx.csrf,
        &org,
        &input,
        &errors,
        &admins,
        &exceeding,
        notice,
    );
    let months = state.config.security.recertification_months;
    let org_id = org.id;
    let review = state
        .blocking(move |st| {
            crate::app::recertification::summary(&st.store, org_id, months, st.now())
        })
        .await?;
    let body = maud::html! {
        (body)
        (crate::views::recertification::kassen_section(&review, months))
    };
    Ok((status, render(&k.authed, state, &org.name, body)).into_response())
}

pub async fn details(
    State(state): State<AppState>,
    k: KassenAdmin,
    Path(id): Path<String>,
    Query(p): Query<Params>,
) -> WebResult {
    let id: u64 = id.parse().map_err(|_| AppError::NotFound)?;
    details_page(&state, &k, id, None, Vec::new(), notice(&p)).await
}

pub async fn update(
    State(state): State<AppState>,
    k: KassenAdmin,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let id: u64 = id.parse().map_err(|_| AppError::NotFound)?;
    let input = input(&form);
    let actor = actor(&k);
    let i2 = input.clone();
    let result = state
        .attempt(move |st| orgs::update(&st.store, &k.proof, id, &i2, &actor, st.now()))
        .await?;
    match result {
        Ok(_) => Ok(
            Redirect::to(&format!("/kassen/mitglieder/{id}?hinweis=gespeichert")).into_response(),
        ),
        Err(errors) => details_page(&state, &k, id, Some(input), errors, None).await,
    }
}

pub async fn remove_exceeding(
    State(state): State<AppState>,
    k: KassenAdmin,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm,
) -> WebResult {
    let id: u64 = id.parse().map_err(|_| AppError::NotFound)?;
    let actor = actor(&k);
    state
        .blocking(move |st| {
            orgs::remove_exceeding_grants(&st.store, &k.proof, id, &actor, st.now())
        })
        .await?;
    Ok(Redirect::to(&format!("/kassen/mitglieder/{id}?hinweis=bereinigt")).into_response())
}
