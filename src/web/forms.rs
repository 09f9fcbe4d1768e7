//! Beamtenformulare for Nutzer:innen with the grant "Meldung von
//! Änderungen …": form → "Weiter" → summary → "Absenden", and the
//! organisation's submitted reports with their PDF.

use std::collections::HashMap;

use crate::web::routes::{Routes, get, post};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::error::{AppError, WebResult};
use super::frame;
use super::guards::FormsUser;
use super::session::{CsrfForm, FormData};
use super::state::AppState;
use crate::app::forms::{self, FormInput};
use crate::domain::forms::FormKind;
use crate::domain::persons::Art;
use crate::paths::persons as path;
use crate::views::forms as v;

/// Most persons offered in the select "Anspruchsberechtigte:r".
const CHOICES: usize = 500;

pub fn routes() -> Routes {
    Routes::new()
        .route(path::FORMS, get(index))
        .route(path::FORM, get(form_page).post(form_next))
        .route(path::FORM_SUBMIT, post(form_submit))
        .route(path::REPORT, get(report))
        .route(path::REPORT_PDF, get(report_pdf))
}

type Params = HashMap<String, String>;

fn kind_of(key: &str) -> Result<FormKind, AppError> {
    FormKind::from_key(key).ok_or(AppError::NotFound)
}

async fn index(
    State(state): State<AppState>,
    user: FormsUser,
    Query(p): Query<Params>,
) -> WebResult {
    let before = p.get("vor").and_then(|v| v.parse().ok());
    let proof = &user.proof;
    let page = state.inline(move |st| forms::of_org(&st.store, proof, before))?;
    Ok(frame::render(&user.authed.ctx, &state, "Formulare", v::index(&page, None)).into_response())
}

fn input_of(kind: FormKind, form: &FormData) -> FormInput {
    FormInput {
        personalnummer: form.get("person").trim().to_owned(),
        values: kind
            .fields()
            .iter()
            .map(|f| (f.name.to_owned(), form.get(f.name).to_owned()))
            .collect(),
    }
}

async fn render_form(
    state: &AppState,
    user: &FormsUser,
    kind: FormKind,
    input: &FormInput,
    errors: &[(&'static str, String)],
) -> WebResult {
    let proof = &user.proof;
    let persons = state
        .inline(move |st| crate::app::persons::choices(&st.store, proof, Art::Beamter, CHOICES))?;
    let body = v::form(&v::FormPage {
        csrf: &user.authed.ctx.csrf,
        kind,
        persons: &persons,
        input,
        errors,
    });
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        frame::render(&user.authed.ctx, state, kind.label(), body),
    )
        .into_response())
}

async fn form_page(
    State(state): State<AppState>,
    user: FormsUser,
    Path(key): Path<String>,
    Query(p): Query<Params>,
) -> WebResult {
    let kind = kind_of(&key)?;
    let input = FormInput {
        personalnummer: p.get("person").cloned().unwrap_or_default(),
        values: Vec::new(),
    };
    render_form(&state, &user, kind, &input, &[]).await
}

/// "Weiter": the summary, or the form again with the problems.
async fn form_next(
    State(state): State<AppState>,
    user: FormsUser,
    Path(key): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let kind = kind_of(&key)?;
    let input = input_of(kind, &form);
    if form.has("zurueck") {
        return render_form(&state, &user, kind, &input, &[]).await;
    }
    let (proof, i2) = (user.proof.clone(), input.clone());
    match state
        .attempt(move |st| forms::preview(&st.store, &proof, kind, &i2))
        .await?
    {
        Ok((person, values)) => {
            let token = crate::domain::secret::new_token();
            let body = v::summary(
                &v::SummaryPage {
                    csrf: &user.authed.ctx.csrf,
                    token: &token,
                    kind,
                },
                &person,
                &values,
                &input,
            );
            Ok(frame::render(&user.authed.ctx, &state, kind.label(), body).into_response())
        }
        Err(errors) => render_form(&state, &user, kind, &input, &errors).await,
    }
}

/// "Absenden".
async fn form_submit(
    State(state): State<AppState>,
    user: FormsUser,
    Path(key): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let kind = kind_of(&key)?;
    let input = input_of(kind, &form);
    let (proof, account) = (user.proof.clone(), user.authed.account.clone());
    let client = user.authed.ctx.client_text();
    let token = Some(form.get(v::TOKEN_FIELD).trim().to_owned()).filter(|t| !t.is_empty());
    let i2 = input.clone();
    match state
        .attempt(move |st| {
            forms::submit(
                &st.store,
                &st.mailer,
                &st.public_url,
                &proof,
                &account,
                &forms::Submission {
                    kind,
                    input: &i2,
                    client,
                    token,
                },
                st.now(),
            )
        })
        .await?
    {
        Ok(sent) => {
            let hint = if sent.repeated {
                "bereits-abgesandt"
            } else {
                state.mailer.wake();
                "abgesandt"
            };
            Ok(
                Redirect::to(&format!("{}?hinweis={hint}", path::report(sent.report.id)))
                    .into_response(),
            )
        }
        Err(errors) => render_form(&state, &user, kind, &input, &errors).await,
    }
}

fn report_id(id: &str) -> Result<u64, AppError> {
    id.parse().map_err(|_| AppError::NotFound)
}

async fn report(
    State(state): State<AppState>,
    user: FormsUser,
    Path(id): Path<String>,
    Query(p): Query<Params>,
) -> WebResult {
    let id = report_id(&id)?;
    let (proof, account) = (&user.proof, user.authed.account.clone());
    let (r, receipt) = state.inline(move |st| {
        let r = forms::get(&st.store, proof, id)?;
        // The Quittungsnachricht, where this person can read it.
        let receipt =
            crate::app::messages::access::find_readable(&st.store, &account, &r.referenz)?.map(
                |(mb, mid)| {
                    crate::paths::messages::message(&crate::app::messages::access::slug(&mb), mid)
                },
            );
        Ok::<_, AppError>((r, receipt))
    })?;
    let notice = match p.get("hinweis").map(String::as_str) {
        Some("abgesandt") => Some(
            "Die Meldung wurde abgesandt. Die Quittungsnachricht mit der Referenz und dem PDF liegt im Postfach.",
        ),
        Some("bereits-abgesandt") => {
            Some("Diese Meldung wurde bereits abgesandt; sie wurde nicht noch einmal gesendet.")
        }
        _ => None,
    };
    Ok(frame::render(
        &user.authed.ctx,
        &state,
        "Meldung",
        v::report(&r, notice, receipt.as_deref()),
    )
    .into_response())
}

/// The PDF of a report as a download.
pub fn pdf_response(name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

async fn report_pdf(
    State(state): State<AppState>,
    user: FormsUser,
    Path(id): Path<String>,
) -> WebResult {
    let id = report_id(&id)?;
    let proof = user.proof.clone();
    let (r, bytes) = state
        .blocking(move |st| forms::pdf(&st.store, &proof, id))
        .await?;
    Ok(pdf_response(&r.pdf_name(), bytes))
}
