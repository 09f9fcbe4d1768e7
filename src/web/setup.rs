//! `/setup?token=…`: creates the first Kassen account on a fresh install.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
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

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
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
            Ok(views::setup::done(
                &ctx.csrf,
                account.id.as_str(),
                &account.full_name(),
                &account.email,
            )
            .into_response())
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
