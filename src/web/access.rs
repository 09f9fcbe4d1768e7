//! Login in two steps, logout and keep-alive (handbook §1); passwords and
//! Nutzerkennung retrieval are in `credentials`.

use crate::web::routes::{Routes, get, post};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

use super::error::{AppError, WebResult};
use super::frame;
use super::paths;
use super::session::{self, Authed, CsrfForm, Ctx, SESSION_COOKIE};
use super::state::AppState;
use crate::app::auth::{self, Next, Refusal, TanOutcome};
use crate::domain::session::Stage;
use crate::views::access::{self as v, LoginNotice};
use crate::views::components::datetime;

pub fn routes() -> Routes {
    Routes::new()
        .route(paths::LOGIN, get(login_page).post(login_submit))
        .route(paths::LOGIN_TAN, get(tan_page).post(tan_submit))
        .route(paths::LOGIN_TOTP_SETUP, get(totp_page).post(tan_submit))
        .route(paths::LOGIN_CANCEL, post(cancel))
        .route(paths::LOGOUT, post(logout))
        .route(paths::KEEP_ALIVE, post(keep_alive))
        .merge(super::results::routes())
        .merge(super::credentials::routes())
}

const CODE_REUSED: &str =
    "Dieser Code wurde bereits verwendet. Bitte warten Sie auf den nächsten Code.";
/// The answer to a login with an Identifikationsnummer/PNR.
const MEMBER_LOGIN: &str = "Die Anmeldung mit einer Identifikationsnummer/PNR ist für Mitglieder vorgesehen und in diesem Portal nicht verfügbar. Bitte melden Sie sich mit Ihrer Nutzerkennung an (ein Buchstabe und 11 Ziffern, z. B. X20177120281).";

fn refusal_text(r: &Refusal) -> String {
    match r {
        Refusal::Credentials => "Die Anmeldung ist fehlgeschlagen. Bitte überprüfen Sie Ihre Nutzerkennung und Ihr Passwort.".to_owned(),
        Refusal::SelfLocked(until) => format!(
            "Ihr Nutzerkonto ist wegen zu vieler fehlgeschlagener Anmeldeversuche vorübergehend gesperrt. Die Sperre endet automatisch am {} Uhr.",
            datetime(*until)
        ),
        Refusal::AdminLocked => "Ihr Nutzerkonto ist gesperrt. Bitte wenden Sie sich an Ihre Administration.".to_owned(),
        Refusal::Tan => "Die TAN ist ungültig oder abgelaufen. Bitte versuchen Sie es erneut.".to_owned(),
    }
}

fn session_hash(jar: &CookieJar) -> Option<String> {
    jar.get(SESSION_COOKIE)
        .map(|c| crate::domain::secret::token_hash(c.value()))
}

fn with_session(state: &AppState, jar: CookieJar, token: String, to: &str) -> Response {
    let jar = jar.add(session::cookie(SESSION_COOKIE, token, state.secure_cookies));
    (jar, Redirect::to(to)).into_response()
}

pub(super) fn without_session(state: &AppState, jar: CookieJar, to: &str) -> Response {
    (
        jar.add(session::removal(SESSION_COOKIE, state.secure_cookies)),
        Redirect::to(to),
    )
        .into_response()
}

#[derive(Deserialize, Default)]
struct LoginQuery {
    inaktiv: Option<String>,
    abgemeldet: Option<String>,
    passwort: Option<String>,
}

async fn login_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<LoginQuery>,
) -> WebResult {
    if ctx.account().is_some() {
        return Ok(Redirect::to(paths::HOME).into_response());
    }
    let info = if q.passwort.is_some() {
        Some(
            "Ihr Passwort wurde geändert. Bitte melden Sie sich mit Ihrem neuen Passwort an."
                .to_owned(),
        )
    } else if q.abgemeldet.is_some() {
        Some("Sie haben sich erfolgreich abgemeldet.".to_owned())
    } else {
        None
    };
    let notice = LoginNotice {
        idle: q.inaktiv.is_some(),
        info,
        error: None,
    };
    Ok(frame::render(&ctx, &state, "Anmelden", v::login(&ctx.csrf, "", &notice)).into_response())
}

async fn login_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    // The slot is taken before the password check, so parallel guesses
    // cannot all pass; a correct password gives it back.
    let Some(slot) = state.throttle.try_reserve(ctx.client) else {
        return Err(AppError::TooManyRequests);
    };
    let id = form.get("nutzerkennung").to_owned();
    if crate::domain::ids::is_member_number(&id) {
        // Decided by the input's shape alone: reveals nothing about accounts.
        let notice = LoginNotice {
            error: Some(MEMBER_LOGIN.to_owned()),
            ..Default::default()
        };
        let page = frame::render(&ctx, &state, "Anmelden", v::login(&ctx.csrf, &id, &notice));
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let password = form.get("passwort").to_owned();
    let old = session_hash(&jar);
    let client = ctx.client_text();
    let _permit = state.passwords.permit().await;
    let id2 = id.clone();
    let result = state
        .blocking(move |st| {
            auth::login_password(
                &st.store,
                &st.passwords,
                &st.mailer,
                &st.config.security,
                &id2,
                &password,
                old,
                client,
                st.now(),
            )
        })
        .await?;
    match result {
        Ok(started) => {
            state.throttle.release(slot);
            let to = match started.next {
                Next::Tan { .. } => paths::LOGIN_TAN,
                Next::TotpSetup => paths::LOGIN_TOTP_SETUP,
            };
            Ok(with_session(&state, jar, started.token, to))
        }
        Err(refusal) => {
            // The reserved slot stays taken: this failure counts.
            drop(slot);
            state.metrics.login_failed();
            let notice = LoginNotice {
                error: Some(refusal_text(&refusal)),
                ..Default::default()
            };
            let page = frame::render(&ctx, &state, "Anmelden", v::login(&ctx.csrf, &id, &notice));
            let jar = jar.add(session::removal(SESSION_COOKIE, state.secure_cookies));
            Ok((jar, page).into_response())
        }
    }
}

/// The session of a login in progress, or where to go instead.
#[allow(clippy::result_large_err)]
fn pending_stage(ctx: &Ctx) -> Result<Stage, Response> {
    match &ctx.session {
        Some(s) if s.session.stage == Stage::Full => Err(Redirect::to(paths::HOME).into_response()),
        Some(s) => Ok(s.session.stage.clone()),
        None => Err(Redirect::to(paths::LOGIN).into_response()),
    }
}

async fn tan_page(State(state): State<AppState>, ctx: Ctx) -> WebResult {
    match pending_stage(&ctx) {
        Err(r) => Ok(r),
        Ok(Stage::TotpSetup { .. }) => Ok(Redirect::to(paths::LOGIN_TOTP_SETUP).into_response()),
        Ok(_) => Ok(render_tan(&state, &ctx, None).into_response()),
    }
}

fn render_tan(state: &AppState, ctx: &Ctx, error: Option<&str>) -> maud::Markup {
    let by_email = ctx
        .session
        .as_ref()
        .is_some_and(|s| s.session.email_tan.is_some());
    frame::render(
        ctx,
        state,
        "TAN eingeben",
        v::tan(&ctx.csrf, by_email, error),
    )
}

fn render_totp_setup(state: &AppState, ctx: &Ctx, error: Option<&str>) -> Option<maud::Markup> {
    let s = ctx.session.as_ref()?;
    let Stage::TotpSetup { secret } = &s.session.stage else {
        return None;
    };
    let (svg, secret) = auth::totp_setup_material(&s.account, secret);
    Some(frame::render(
        ctx,
        state,
        "Authenticator-App einrichten",
        v::totp_setup(&ctx.csrf, &svg, &secret, error),
    ))
}

async fn totp_page(State(state): State<AppState>, ctx: Ctx) -> WebResult {
    match pending_stage(&ctx) {
        Err(r) => Ok(r),
        Ok(Stage::TotpSetup { .. }) => Ok(render_totp_setup(&state, &ctx, None)
            .map(IntoResponse::into_response)
            .unwrap_or_else(|| Redirect::to(paths::LOGIN).into_response())),
        Ok(_) => Ok(Redirect::to(paths::LOGIN_TAN).into_response()),
    }
}

async fn tan_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let stage = match pending_stage(&ctx) {
        Err(r) => return Ok(r),
        Ok(s) => s,
    };
    let Some(hash) = ctx.session.as_ref().map(|s| s.key_hash.clone()) else {
        return Ok(Redirect::to(paths::LOGIN).into_response());
    };
    let code = form.get("tan").to_owned();
    let client = ctx.client_text();
    let outcome = state
        .blocking(move |st| {
            auth::confirm_tan(
                &st.store,
                &st.mailer,
                &st.config.security,
                &hash,
                &code,
                client,
                st.now(),
            )
        })
        .await?;
    match outcome {
        TanOutcome::SignedIn { token } => {
            state.metrics.login_ok();
            Ok(with_session(&state, jar, token, paths::HOME))
        }
        TanOutcome::Retry | TanOutcome::Reused => {
            let msg = if matches!(outcome, TanOutcome::Reused) {
                CODE_REUSED.to_owned()
            } else {
                state.throttle.record_failure(ctx.client);
                state.metrics.login_failed();
                refusal_text(&Refusal::Tan)
            };
            let page = match stage {
                Stage::TotpSetup { .. } => render_totp_setup(&state, &ctx, Some(&msg)),
                _ => Some(render_tan(&state, &ctx, Some(&msg))),
            };
            Ok(page
                .map(|p| (StatusCode::OK, p).into_response())
                .unwrap_or_else(|| Redirect::to(paths::LOGIN).into_response()))
        }
        TanOutcome::Locked(refusal) => {
            state.throttle.record_failure(ctx.client);
            state.metrics.login_failed();
            let notice = LoginNotice {
                error: Some(refusal_text(&refusal)),
                ..Default::default()
            };
            let ctx = Ctx {
                session: None,
                ..ctx
            };
            let page = frame::render(&ctx, &state, "Anmelden", v::login(&ctx.csrf, "", &notice));
            Ok((
                jar.add(session::removal(SESSION_COOKIE, state.secure_cookies)),
                page,
            )
                .into_response())
        }
    }
}

async fn cancel(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    CsrfForm(_): CsrfForm,
) -> WebResult {
    end_session(&state, &ctx).await?;
    Ok(without_session(&state, jar, paths::LOGIN))
}

async fn logout(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    CsrfForm(_): CsrfForm,
) -> WebResult {
    end_session(&state, &ctx).await?;
    Ok(without_session(&state, jar, "/login?abgemeldet=1"))
}

async fn end_session(state: &AppState, ctx: &Ctx) -> Result<(), AppError> {
    if let Some(hash) = ctx.session.as_ref().map(|s| s.key_hash.clone()) {
        let client = ctx.client_text();
        state
            .blocking(move |st| auth::logout(&st.store, &hash, client, st.now()))
            .await?;
    }
    Ok(())
}

/// "Ich bin noch hier": counts as activity. Answers 204 for the script and
/// a redirect back for a plain form post. Loading the session for `Authed` already counted the request.
async fn keep_alive(
    _authed: Authed,
    headers: axum::http::HeaderMap,
    CsrfForm(_): CsrfForm,
) -> WebResult {
    let from_script = headers.get("sec-fetch-mode").and_then(|v| v.to_str().ok()) == Some("cors")
        || headers.get("x-requested-with").is_some();
    if from_script {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let back = headers
        .get(axum::http::header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| {
            r.split_once("://")
                .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_owned()))
        })
        .filter(|p| is_local_path(p))
        .unwrap_or_else(|| paths::HOME.to_owned());
    Ok(Redirect::to(&back).into_response())
}

/// A path on this portal: starts with one `/`, then neither `/` nor `\`
/// (browsers read `/\host` like `//host`), and holds no backslash or
/// control character anywhere.
fn is_local_path(p: &str) -> bool {
    p.starts_with('/')
        && !p[1..].starts_with(['/', '\\'])
        && !p.contains('\\')
        && !p.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::is_local_path;

    #[test]
    fn only_local_paths_are_redirect_targets() {
        assert!(is_local_path("/"));
        assert!(is_local_path("/nutzer?seite=2"));
        for evil in [
            "//evil.example",
            "/\\evil.example",
            "/a\\b",
            "https://evil",
            "",
            "/\r\nX: y",
        ] {
            assert!(!is_local_path(evil), "{evil:?}");
        }
    }
}
