//! Passwords and the Nutzerkennung (handbook §1): "Passwort vergessen",
//! the set-password and "Nutzerkennung abrufen" links, "Einstellungen" with
//! "Passwort ändern".

use std::sync::atomic::Ordering;

use crate::web::routes::{Routes, get};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

use super::access::without_session;
use super::error::{AppError, WebResult};
use super::frame;
use super::paths;
use super::session::{Authed, CsrfForm, Ctx};
use super::state::AppState;
use crate::app::credentials::{
    self, ChangeOutcome, RetrieveInput, RetrieveOutcome, SetPasswordOutcome,
};
use crate::domain::link::LinkKind;
use crate::views::access::{self as v, PasswordForm, RetrieveForm};

pub fn routes() -> Routes {
    Routes::new()
        .route(paths::FORGOT_PASSWORD, get(forgot_page).post(forgot_submit))
        .route(
            paths::SET_PASSWORD,
            get(set_password_page).post(set_password_submit),
        )
        .route(paths::RETRIEVE_ID, get(retrieve_page).post(retrieve_submit))
        .route(paths::SETTINGS, get(settings_page))
        .route(
            paths::CHANGE_PASSWORD,
            get(change_password_page).post(change_password_submit),
        )
}

#[derive(Deserialize, Default)]
struct SentQuery {
    gesendet: Option<String>,
}

async fn forgot_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<SentQuery>,
) -> WebResult {
    Ok(frame::render(
        &ctx,
        &state,
        "Passwort zurücksetzen",
        v::forgot_password(&ctx.csrf, "", q.gesendet.is_some()),
    )
    .into_response())
}

async fn forgot_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let Some(slot) = state.resets.by_address.try_reserve(ctx.client) else {
        return Err(AppError::TooManyRequests);
    };
    drop(slot);
    let id = form.get("nutzerkennung").to_owned();
    let client = ctx.client_text();
    // The work (store lookup, link, mail) runs after the answer, so known
    // and unknown Nutzerkennungen take the same time to answer; the limit
    // per Nutzerkennung applies to unknown ones too.
    let st = state.clone();
    tokio::task::spawn_blocking(move || {
        reset_after_answer(&st, &id, client);
        st.resets.answered_and_done.fetch_add(1, Ordering::SeqCst);
    });
    Ok(Redirect::to(&format!("{}?gesendet=1", paths::FORGOT_PASSWORD)).into_response())
}

/// The work of "Passwort vergessen" after the answer: the limit per
/// Nutzerkennung, then link and mail for a known one.
fn reset_after_answer(st: &AppState, id: &str, client: Option<String>) {
    let key = id.trim().to_uppercase();
    if st.resets.by_account.try_reserve(Some(key)).is_none() {
        tracing::warn!("password reset requests per account exceeded");
        return;
    }
    if let Err(e) =
        credentials::request_reset(&st.store, &st.mailer, &st.links(), id, client, st.now())
    {
        tracing::error!(error = %e, "password reset request failed");
    }
}

#[derive(Deserialize)]
struct TokenQuery {
    #[serde(default)]
    token: String,
}

pub(super) fn link_invalid(state: &AppState, ctx: &Ctx) -> Response {
    (
        StatusCode::NOT_FOUND,
        frame::render(ctx, state, "Link ungültig", v::link_invalid()),
    )
        .into_response()
}

async fn link_valid(state: &AppState, token: &str, kind: LinkKind) -> Result<bool, AppError> {
    let token = token.to_owned();
    Ok(state
        .blocking(move |st| credentials::link_is_valid(&st.store, &token, kind, st.now()))
        .await?)
}

async fn set_password_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TokenQuery>,
) -> WebResult {
    if !link_valid(&state, &q.token, LinkKind::SetPassword).await? {
        return Ok(link_invalid(&state, &ctx));
    }
    Ok(frame::render(
        &ctx,
        &state,
        "Passwort festlegen",
        v::set_password(&ctx.csrf, &q.token, &PasswordForm::default()),
    )
    .into_response())
}

async fn set_password_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let token = form.get("token").to_owned();
    let new = form.get("neues_passwort").to_owned();
    let confirm = form.get("neues_passwort_bestaetigen").to_owned();
    let client = ctx.client_text();
    let _permit = state.passwords.permit().await;
    let t = token.clone();
    let result = state
        .attempt(move |st| {
            credentials::set_password_with_link(
                &st.store,
                &st.passwords,
                &st.mailer,
                &st.links(),
                &st.config.security,
                &t,
                &new,
                &confirm,
                client,
                st.now(),
            )
        })
        .await?;
    match result {
        Ok(SetPasswordOutcome::Done { retrieve_mail }) => {
            let query = if retrieve_mail { "?abruf=1" } else { "" };
            Ok(Redirect::to(&format!("{}{query}", paths::PASSWORD_SET)).into_response())
        }
        Ok(SetPasswordOutcome::LinkInvalid) => Ok(link_invalid(&state, &ctx)),
        Err(errors) => {
            let f = PasswordForm { errors };
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                frame::render(
                    &ctx,
                    &state,
                    "Passwort festlegen",
                    v::set_password(&ctx.csrf, &token, &f),
                ),
            )
                .into_response())
        }
    }
}

async fn retrieve_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TokenQuery>,
) -> WebResult {
    if !link_valid(&state, &q.token, LinkKind::RetrieveId).await? {
        return Ok(link_invalid(&state, &ctx));
    }
    Ok(frame::render(
        &ctx,
        &state,
        "Nutzerkennung abrufen",
        v::retrieve_id(&ctx.csrf, &q.token, &RetrieveForm::default()),
    )
    .into_response())
}

async fn retrieve_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let token = form.get("token").to_owned();
    let input = RetrieveInput {
        first_name: form.get("vorname").to_owned(),
        last_name: form.get("name").to_owned(),
        birth_date: form.get("geburtsdatum").to_owned(),
        member_number: form.get("mitgliedsnummer").to_owned(),
    };
    let mut f = RetrieveForm {
        first_name: input.first_name.clone(),
        last_name: input.last_name.clone(),
        birth_date: input.birth_date.clone(),
        member_number: input.member_number.clone(),
        error: None,
    };
    let client = ctx.client_text();
    let t = token.clone();
    let outcome = state
        .blocking(move |st| credentials::retrieve_id(&st.store, &t, &input, client, st.now()))
        .await?;
    match outcome {
        RetrieveOutcome::Found(id) => {
            let jar = super::flash::set(jar, state.secure_cookies, &[("kennung", id.as_str())]);
            Ok((jar, Redirect::to(paths::ID_RETRIEVED)).into_response())
        }
        RetrieveOutcome::LinkInvalid => Ok(link_invalid(&state, &ctx)),
        RetrieveOutcome::Mismatch { tries_left } => {
            if tries_left == 0 {
                return Ok(link_invalid(&state, &ctx));
            }
            f.error = Some(format!(
                "Die Angaben stimmen nicht mit den hinterlegten Daten überein. Verbleibende Versuche: {tries_left}."
            ));
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                frame::render(
                    &ctx,
                    &state,
                    "Nutzerkennung abrufen",
                    v::retrieve_id(&ctx.csrf, &token, &f),
                ),
            )
                .into_response())
        }
    }
}

async fn settings_page(State(state): State<AppState>, authed: Authed) -> WebResult {
    Ok(frame::render(
        &authed.ctx,
        &state,
        "Einstellungen",
        v::settings(matches!(
            authed.account.role,
            crate::domain::account::Role::OrgAdmin { .. }
        )),
    )
    .into_response())
}

async fn change_password_page(State(state): State<AppState>, authed: Authed) -> WebResult {
    let ctx = &authed.ctx;
    Ok(frame::render(
        ctx,
        &state,
        "Passwort ändern",
        v::change_password(&ctx.csrf, &PasswordForm::default()),
    )
    .into_response())
}

async fn change_password_submit(
    State(state): State<AppState>,
    authed: Authed,
    jar: CookieJar,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let ctx = &authed.ctx;
    let old = form.get("altes_passwort").to_owned();
    let new = form.get("neues_passwort").to_owned();
    let confirm = form.get("neues_passwort_bestaetigen").to_owned();
    let id = authed.account.id.clone();
    let client = ctx.client_text();
    // Old-password guesses are throttled like login failures.
    let Some(slot) = state.throttle.try_reserve(ctx.client) else {
        return Err(AppError::TooManyRequests);
    };
    let _permit = state.passwords.permit().await;
    let result = state
        .attempt(move |st| {
            credentials::change_password(
                &st.store,
                &st.passwords,
                &st.config.security,
                &id,
                &old,
                &new,
                &confirm,
                client,
                st.now(),
            )
        })
        .await?;
    let wrong_old =
        matches!(&result, Err(errors) if errors.iter().any(|(f, _)| *f == "altes_passwort"));
    if !wrong_old && !matches!(result, Ok(ChangeOutcome::Locked)) {
        state.throttle.release(slot);
    }
    match result {
        Ok(ChangeOutcome::Changed) => Ok(without_session(&state, jar, "/login?passwort=geaendert")),
        Ok(ChangeOutcome::Locked) => Ok(without_session(&state, jar, paths::LOGIN)),
        Err(errors) => {
            let f = PasswordForm { errors };
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                frame::render(
                    ctx,
                    &state,
                    "Passwort ändern",
                    v::change_password(&ctx.csrf, &f),
                ),
            )
                .into_response())
        }
    }
}
