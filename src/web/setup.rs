//! `/setup?token=…`: creates the first Kassen account on a fresh install.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

use super::error::{AppError, WebResult};
use super::session::{CsrfForm, Ctx};
use super::state::AppState;
use crate::app::{self, setup};
use crate::views;

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TokenQuery>,
) -> WebResult {
    let token = q.token.clone();
    let valid = state
        .blocking(move |st| setup::token_valid(&st.store, &token))
        .await?;
    if !valid {
        return Ok((
            axum::http::StatusCode::NOT_FOUND,
            views::setup::invalid(&ctx.csrf),
        )
            .into_response());
    }
    Ok(
        views::setup::form(&ctx.csrf, &q.token, &views::setup::SetupForm::default())
            .into_response(),
    )
}

/// The result of the first-run setup, for the browser that ran it.
pub async fn done(ctx: Ctx, jar: CookieJar) -> WebResult {
    let value = |name: &str| super::flash::get(&jar, name).unwrap_or_default();
    let id = value("kennung");
    if crate::domain::ids::Nutzerkennung::parse(&id).is_none() {
        return Ok(Redirect::to(crate::paths::LOGIN).into_response());
    }
    Ok(views::setup::done(&ctx.csrf, &id, &value("name"), &value("email")).into_response())
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let token = form.get("token").to_owned();
    let input = setup::FirstAccount {
        first_name: form.get("vorname").to_owned(),
        last_name: form.get("name").to_owned(),
        email: form.get("email").to_owned(),
    };
    let client = ctx.client_text();
    let first = (
        input.first_name.clone(),
        input.last_name.clone(),
        input.email.clone(),
    );
    let token2 = token.clone();
    let result = state
        .blocking(move |st| {
            let data_dir = st.config.data_dir.clone();
            Ok::<_, AppError>(setup::create_first_account(
                &st.store,
                &data_dir,
                &st.mailer,
                &st.links(),
                &token2,
                &input,
                client,
                st.now(),
            ))
        })
        .await?;
    match result {
        Ok(account) => {
            tracing::info!(id = %account.id, "first Kassen account created");
            // Post/redirect/get: the result page can be reloaded.
            let name = account.full_name();
            let jar = super::flash::set(
                jar,
                state.secure_cookies,
                &[
                    ("kennung", account.id.as_str()),
                    ("name", &name),
                    ("email", &account.email),
                ],
            );
            Ok((jar, Redirect::to(crate::paths::SETUP_DONE)).into_response())
        }
        Err(app::Error::Invalid(errors)) => {
            let f = views::setup::SetupForm {
                first_name: first.0,
                last_name: first.1,
                email: first.2,
                errors,
            };
            Ok(render_invalid(&ctx, &token, &f))
        }
        Err(app::Error::NotFound) => Ok((
            axum::http::StatusCode::NOT_FOUND,
            views::setup::invalid(&ctx.csrf),
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

fn render_invalid(ctx: &Ctx, token: &str, f: &views::setup::SetupForm) -> Response {
    (
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        views::setup::form(&ctx.csrf, token, f),
    )
        .into_response()
}
