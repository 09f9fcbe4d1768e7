//! User administration by an organisation's administrator (handbook §3–5).
//! Only the `OrgAdmin` guard lets people in; every target is checked to be
//! a Nutzer:in of the administrator's own organisation (else 404).

use crate::web::routes::{Routes, get, post};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;

use super::error::WebResult;
use super::frame;
use super::guards::OrgAdmin;
use super::session::{CsrfForm, FormData};
use super::state::AppState;
use crate::app::users::{self, PageAt, UserFilter, UserInput};
use crate::app::{self, Actor};
use crate::domain::account::{Grants, Status};
use crate::domain::org::{GroupMailbox, PortalFunction};
use crate::views::components::Paging;
use crate::views::users::{self as v, DetailsPage, ListPage, UserForm};

/// Paths of this area.
pub use crate::paths::users as path;

pub fn routes() -> Routes {
    Routes::new()
        .route(path::LIST, get(list))
        .route(path::NEW, get(new_page).post(new_submit))
        .route(path::DETAILS, get(details))
        .route(path::EDIT, get(edit_page).post(edit_submit))
        .route(path::LOCK, post(lock))
        .route(path::UNLOCK, post(unlock))
        .route(path::RESEND, post(resend))
        .route(path::DEACTIVATE, get(deactivate_page).post(deactivate))
        .route(path::RESET_TOTP, get(reset_totp_page).post(reset_totp))
        .route(path::CREATED, get(created))
}

fn actor(admin: &OrgAdmin) -> Actor {
    Actor {
        id: admin.authed.account.id.to_string(),
        client: admin.authed.ctx.client_text(),
    }
}

/// The form fields as sent.
fn input(form: &FormData) -> UserInput {
    UserInput {
        first_name: form.get("vorname").to_owned(),
        last_name: form.get("name").to_owned(),
        email: form.get("email").to_owned(),
        mailboxes: form
            .all("postfach")
            .into_iter()
            .map(str::to_owned)
            .collect(),
        functions: form
            .all("funktion")
            .into_iter()
            .map(str::to_owned)
            .collect(),
        terms_accepted: form.has("nutzungsbedingungen"),
    }
}

/// The form re-rendered after an error: the values as entered.
fn refill(input: &UserInput, errors: app::FieldErrors) -> UserForm {
    UserForm {
        first_name: input.first_name.clone(),
        last_name: input.last_name.clone(),
        email: input.email.clone(),
        grants: crate::domain::permissions::canonical(&Grants {
            mailboxes: input
                .mailboxes
                .iter()
                .filter_map(|k| GroupMailbox::from_key(k))
                .collect(),
            functions: input
                .functions
                .iter()
                .filter_map(|k| PortalFunction::from_key(k))
                .collect(),
        }),
        terms_accepted: input.terms_accepted,
        errors,
    }
}

/// "innerhalb der nächsten 60 Minuten".
fn validity_text(state: &AppState) -> String {
    let minutes = state.config.security.link_validity.as_secs().div_ceil(60);
    if minutes == 1 {
        "innerhalb der nächsten Minute".to_owned()
    } else {
        format!("innerhalb der nächsten {minutes} Minuten")
    }
}

async fn new_page(State(state): State<AppState>, admin: OrgAdmin) -> WebResult {
    let body = v::new_form(&admin.authed.ctx.csrf, admin.org(), &UserForm::default());
    Ok(frame::render(&admin.authed.ctx, &state, "Nutzer:in anlegen", body).into_response())
}

async fn new_submit(
    State(state): State<AppState>,
    admin: OrgAdmin,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let input = input(&form);
    let actor = actor(&admin);
    let proof = admin.proof.clone();
    let input2 = input.clone();
    let result = state
        .blocking(move |st| {
            Ok::<_, app::Error>(users::create(
                &st.store,
                &st.mailer,
                &st.links(),
                &proof,
                &input2,
                &actor,
                st.now(),
            ))
        })
        .await?;
    let ctx = &admin.authed.ctx;
    match result {
        Ok(account) => {
            state.mailer.wake();
            tracing::info!(id = %account.id, "Nutzer:in angelegt");
            // Post/redirect/get: reloading the confirmation creates nothing.
            Ok(Redirect::to(&path::created(account.id.as_str())).into_response())
        }
        Err(app::Error::Invalid(errors)) => {
            let body = v::new_form(&ctx.csrf, admin.org(), &refill(&input, errors));
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                frame::render(ctx, &state, "Nutzer:in anlegen", body),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// "ANLAGE ERFOLGREICH" for a Nutzer:in of the administrator's organisation.
async fn created(
    State(state): State<AppState>,
    admin: OrgAdmin,
    Path(id): Path<String>,
) -> WebResult {
    let account = target(&state, &admin, id).await?;
    let body = v::created(&account, &validity_text(&state));
    Ok(frame::render(&admin.authed.ctx, &state, "Anlage erfolgreich", body).into_response())
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    name: String,
    #[serde(default)]
    vorname: String,
    #[serde(default)]
    kennung: String,
    #[serde(default)]
    gruppe: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    seite: Option<String>,
    /// Keyset paging: the page after the one ending with this Nutzerkennung.
    #[serde(default)]
    nach: Option<String>,
    /// Keyset paging: the page before the one starting with this Nutzerkennung.
    #[serde(default)]
    vor: Option<String>,
    #[serde(default)]
    hinweis: Option<String>,
}

fn notice_text(key: Option<&str>) -> Option<&'static str> {
    Some(match key? {
        "deaktiviert" => "Das Nutzer:innen-Konto wurde dauerhaft deaktiviert.",
        "gespeichert" => "Die Änderungen wurden gespeichert.",
        "gesperrt" => "Das Nutzer:innen-Konto wurde gesperrt.",
        "entsperrt" => "Das Nutzer:innen-Konto wurde entsperrt.",
        "authenticator" => {
            "Der Authenticator wurde zurückgesetzt und alle Sitzungen des Nutzer:innen-Kontos wurden beendet. Bei der nächsten Anmeldung wird ein neuer Authenticator eingerichtet."
        }
        "versendet" => {
            "Die E-Mail zum Setzen des Passwortes wurde versendet. Frühere Links sind nicht mehr gültig."
        }
        _ => return None,
    })
}

async fn list(
    State(state): State<AppState>,
    admin: OrgAdmin,
    Query(mut q): Query<ListQuery>,
) -> WebResult {
    let filter = UserFilter {
        last_name: q.name.trim().to_owned(),
        first_name: q.vorname.trim().to_owned(),
        id: q.kennung.trim().to_owned(),
        mailbox: GroupMailbox::from_key(&q.gruppe),
        status: Status::from_key(&q.status),
    };
    let page: usize = q
        .seite
        .as_deref()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(1);
    let at = match (q.nach.take(), q.vor.take()) {
        (Some(id), _) => PageAt::After(page, id),
        (None, Some(id)) => PageAt::Before(page, id),
        (None, None) => PageAt::Number(page),
    };
    let proof = admin.proof.clone();
    let now = state.now();
    let f2 = filter.clone();
    let found = state.inline(move |st| users::list(&st.store, &proof, &f2, &at, now))?;
    let paging = Paging::new(found.page, found.total);
    let shown = &found.users;
    let body = v::list(&ListPage {
        org: admin.org(),
        filter: &filter,
        users: shown,
        paging,
        notice: notice_text(q.hinweis.as_deref()),
        now,
    });
    Ok(frame::render(&admin.authed.ctx, &state, "Übersicht: Nutzer:innen", body).into_response())
}

/// Loads the Nutzer:in `id` of the administrator's organisation (or 404).
async fn target(
    state: &AppState,
    admin: &OrgAdmin,
    id: String,
) -> Result<crate::domain::account::Account, super::error::AppError> {
    let proof = admin.proof.clone();
    Ok(state.inline(move |st| users::get(&st.store, &proof, &id))?)
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    hinweis: Option<String>,
}

async fn details(
    State(state): State<AppState>,
    admin: OrgAdmin,
    Path(id): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> WebResult {
    let account = target(&state, &admin, id).await?;
    let ctx = &admin.authed.ctx;
    let body = v::details(&DetailsPage {
        csrf: &ctx.csrf,
        org: admin.org(),
        account: &account,
        notice: notice_text(q.hinweis.as_deref()),
        error: None,
        now: state.now(),
    });
    Ok(frame::render(ctx, &state, "Nutzer:innen-Details", body).into_response())
}

async fn edit_page(
    State(state): State<AppState>,
    admin: OrgAdmin,
    Path(id): Path<String>,
) -> WebResult {
    let account = target(&state, &admin, id).await?;
    let ctx = &admin.authed.ctx;
    let body = v::edit_form(&ctx.csrf, admin.org(), &account, &UserForm::of(&account));
    Ok(frame::render(ctx, &state, "Nutzer:innen-Details bearbeiten", body).into_response())
}

async fn edit_submit(
    State(state): State<AppState>,
    admin: OrgAdmin,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    // 404 before anything else for ids the administrator may not see.
    let account = target(&state, &admin, id).await?;
    let input = input(&form);
    let actor = actor(&admin);
    let proof = admin.proof.clone();
    let (input2, id2) = (input.clone(), account.id.to_string());
    let result = state
        .blocking(move |st| {
            Ok::<_, app::Error>(users::update(
                &st.store,
                &proof,
                &id2,
                &input2,
                &actor,
                st.now(),
            ))
        })
        .await?;
    match result {
        Ok(a) => Ok(redirect_notice(
            &path::details(a.id.as_str()),
            "gespeichert",
        )),
        Err(app::Error::Invalid(errors)) => {
            let ctx = &admin.authed.ctx;
            let body = v::edit_form(&ctx.csrf, admin.org(), &account, &refill(&input, errors));
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                frame::render(ctx, &state, "Nutzer:innen-Details bearbeiten", body),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

fn redirect_notice(to: &str, notice: &str) -> axum::response::Response {
    Redirect::to(&format!("{to}?hinweis={notice}")).into_response()
}

async fn set_lock(state: AppState, admin: OrgAdmin, id: String, locked: bool) -> WebResult {
    let actor = actor(&admin);
    let proof = admin.proof.clone();
    let account = state
        .blocking(move |st| users::set_lock(&st.store, &proof, &id, locked, &actor, st.now()))
        .await?;
    let notice = if locked { "gesperrt" } else { "entsperrt" };
    Ok(redirect_notice(&path::details(account.id.as_str()), notice))
}

async fn lock(
    State(state): State<AppState>,
    admin: OrgAdmin,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm,
) -> WebResult {
    set_lock(state, admin, id, true).await
}

async fn unlock(
    State(state): State<AppState>,
    admin: OrgAdmin,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm,
) -> WebResult {
    set_lock(state, admin, id, false).await
}

async fn resend(
    State(state): State<AppState>,
    admin: OrgAdmin,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm,
) -> WebResult {
    let actor = actor(&admin);
    let proof = admin.proof.clone();
    let id2 = id.clone();
    let result = state
        .blocking(move |st| {
            Ok::<_, app::Error>(users::resend_set_password(
                &st.store,
                &st.mailer,
                &st.links(),
                &proof,
                &id2,
                &actor,
                st.now(),
            ))
        })
        .await?;
    match result {
        Ok(account) => {
            state.mailer.wake();
            Ok(redirect_notice(
                &path::details(account.id.as_str()),
                "versendet",
            ))
        }
        Err(app::Error::Invalid(errors)) => {
            // Already activated: no e-mail; say so on the details page.
            let account = target(&state, &admin, id).await?;
            let ctx = &admin.authed.ctx;
            let message = errors
                .first()
                .map(|(_, m)| m.as_str())
                .unwrap_or("Die E-Mail konnte nicht versendet werden.");
            let body = v::details(&DetailsPage {
                csrf: &ctx.csrf,
                org: admin.org(),
                account: &account,
                notice: None,
                error: Some(message),
                now: state.now(),
            });
            Ok((
                StatusCode::CONFLICT,
                frame::render(ctx, &state, "Nutzer:innen-Details", body),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn deactivate_page(
    State(state): State<AppState>,
    admin: OrgAdmin,
    Path(id): Path<String>,
) -> WebResult {
    let account = target(&state, &admin, id).await?;
    let ctx = &admin.authed.ctx;
    let body = v::deactivate_confirm(&ctx.csrf, &account);
    Ok(frame::render(ctx, &state, "Nutzer:in dauerhaft deaktivieren", body).into_response())
}

async fn deactivate(
    State(state): State<AppState>,
    admin: OrgAdmin,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm,
) -> WebResult {
    let actor = actor(&admin);
    let proof = admin.proof.clone();
    state
        .blocking(move |st| users::deactivate(&st.store, &proof, &id, &actor, st.now()))
        .await?;
    Ok(redirect_notice(path::LIST, "deaktiviert"))
}

async fn reset_totp_page(
    State(state): State<AppState>,
    admin: OrgAdmin,
    Path(id): Path<String>,
) -> WebResult {
    let account = target(&state, &admin, id).await?;
    let ctx = &admin.authed.ctx;
    let body = v::reset_totp_confirm(&ctx.csrf, &account);
    Ok(frame::render(ctx, &state, "Authenticator zurücksetzen", body).into_response())
}

async fn reset_totp(
    State(state): State<AppState>,
    admin: OrgAdmin,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm,
) -> WebResult {
    let actor = actor(&admin);
    let proof = admin.proof.clone();
    let account = state
        .blocking(move |st| users::reset_authenticator(&st.store, &proof, &id, &actor, st.now()))
        .await?;
    Ok(redirect_notice(
        &path::details(account.id.as_str()),
        "authenticator",
    ))
}
