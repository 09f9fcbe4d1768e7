//! FAQ, feedback and support (footer, for everyone) and the search (header,
//! signed in).

use std::collections::HashMap;
use std::time::Duration;

use crate::web::routes::{Routes, get};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};

use super::error::{AppError, WebResult};
use super::frame;
use super::paths;
use super::session::{Authed, CsrfForm, Ctx};
use super::state::AppState;
use crate::app::feedback::{self, FeedbackInput, Sender};
use crate::app::{faq, search};
use crate::domain::help::FeedbackKind;
use crate::views::help as v;

/// Feedback and support messages per client address and window.
pub const SUBMISSION_LIMIT: u32 = 10;
pub const SUBMISSION_WINDOW: Duration = Duration::from_secs(60 * 60);

const TOO_MANY: &str = "Von Ihrer Adresse wurden in der letzten Stunde zu viele Nachrichten gesendet. Bitte versuchen Sie es später erneut.";

pub fn routes() -> Routes {
    Routes::new()
        .route(paths::FAQ, get(faq_page))
        .route(paths::FEEDBACK, get(feedback_form).post(feedback_submit))
        .route(paths::SUPPORT, get(support_form).post(support_submit))
        .route(
            paths::FEEDBACK_THANKS,
            get(|s: State<AppState>, c: Ctx| thanks(s, c, FeedbackKind::Feedback)),
        )
        .route(
            paths::SUPPORT_THANKS,
            get(|s: State<AppState>, c: Ctx| thanks(s, c, FeedbackKind::Support)),
        )
        .route(paths::SEARCH, get(search_page))
}

async fn faq_page(State(state): State<AppState>, ctx: Ctx) -> WebResult {
    let entries = state.blocking(|st| faq::list(&st.store)).await?;
    Ok(frame::render(
        &ctx,
        &state,
        v::FAQ_TITLE,
        v::faq(&entries, state.config.retention.message_days),
    )
    .into_response())
}

fn form_page(
    state: &AppState,
    ctx: &Ctx,
    kind: FeedbackKind,
    input: &FeedbackInput,
    errors: &[(&'static str, String)],
    refused: Option<&str>,
) -> maud::Markup {
    let id = ctx.account().map(|a| a.id.to_string());
    frame::render(
        ctx,
        state,
        kind.label(),
        v::form(kind, &ctx.csrf, input, errors, refused, id.as_deref()),
    )
}

async fn feedback_form(State(state): State<AppState>, ctx: Ctx) -> WebResult {
    let body = form_page(
        &state,
        &ctx,
        FeedbackKind::Feedback,
        &FeedbackInput::default(),
        &[],
        None,
    );
    Ok(body.into_response())
}

async fn support_form(State(state): State<AppState>, ctx: Ctx) -> WebResult {
    let body = form_page(
        &state,
        &ctx,
        FeedbackKind::Support,
        &FeedbackInput::default(),
        &[],
        None,
    );
    Ok(body.into_response())
}

async fn feedback_submit(state: State<AppState>, ctx: Ctx, form: CsrfForm) -> WebResult {
    submit(state, ctx, form, FeedbackKind::Feedback).await
}

async fn support_submit(state: State<AppState>, ctx: Ctx, form: CsrfForm) -> WebResult {
    submit(state, ctx, form, FeedbackKind::Support).await
}

async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(form): CsrfForm,
    kind: FeedbackKind,
) -> WebResult {
    let input = FeedbackInput {
        subject: form.get("betreff").to_owned(),
        text: form.get("text").to_owned(),
        email: form.get("email").to_owned(),
    };
    // Reserved before the work, so parallel submissions cannot all pass.
    let Some(slot) = state.submissions.try_reserve(ctx.client) else {
        tracing::warn!(client = ?ctx.client, kind = kind.key(), "feedback throttled");
        let body = form_page(&state, &ctx, kind, &input, &[], Some(TOO_MANY));
        return Ok((StatusCode::TOO_MANY_REQUESTS, body).into_response());
    };
    let sender = Sender {
        account: ctx.account().map(|a| a.id.to_string()),
        org: ctx.account().and_then(|a| a.org()),
    };
    let i2 = input.clone();
    let result = state
        .attempt(move |st| {
            feedback::submit(
                &st.store,
                &st.mailer,
                &st.public_url,
                kind,
                &i2,
                &sender,
                st.now(),
            )
        })
        .await?;
    match result {
        Ok((entry, queued)) => {
            drop(slot);
            if queued {
                state.mailer.wake();
            }
            tracing::info!(id = entry.id, kind = kind.key(), "feedback received");
            let to = match kind {
                FeedbackKind::Feedback => paths::FEEDBACK_THANKS,
                FeedbackKind::Support => paths::SUPPORT_THANKS,
            };
            Ok(Redirect::to(to).into_response())
        }
        Err(errors) => {
            // Refused input is not a submission.
            state.submissions.release(slot);
            let body = form_page(&state, &ctx, kind, &input, &errors, None);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
    }
}

async fn thanks(State(state): State<AppState>, ctx: Ctx, kind: FeedbackKind) -> WebResult {
    Ok(frame::render(&ctx, &state, "Vielen Dank", v::thanks(kind)).into_response())
}

/// The window of `security.search_limit` (searches per session; more
/// answer 429: a search that finds nothing readable can cost a second of
/// CPU).
pub const SEARCH_WINDOW: Duration = Duration::from_secs(60);

async fn search_page(
    State(state): State<AppState>,
    authed: Authed,
    Query(p): Query<HashMap<String, String>>,
) -> WebResult {
    let query = search::normalise_query(p.get("q").map(String::as_str).unwrap_or(""));
    if !query.is_empty() {
        let session = authed.ctx.session.as_ref().map(|s| s.key_hash.clone());
        if state.searches.try_reserve(session).is_none() {
            tracing::warn!("search refused: too many searches of this session");
            return Err(AppError::TooManyRequests);
        }
    }
    let account = authed.account.clone();
    let q2 = query.clone();
    let below = p.get("nach").and_then(|s| s.parse::<u64>().ok());
    let results = state
        .blocking(move |st| search::search(&st.store, &account, &q2, below))
        .await?;
    let title = if query.is_empty() {
        "Suche".to_owned()
    } else {
        format!("Suchergebnisse für „{query}“")
    };
    Ok(frame::render(
        &authed.ctx,
        &state,
        &title,
        v::search_results(&query, &results),
    )
    .into_response())
}
