//! Administrator:innen of member organisations and Kassenpersonal.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::{Params, notice, paging, param, render};
use crate::app::kassen_accounts::{
    self as ka, Action, AdminFilter, AdminInput, Outcome, StaffInput,
};
use crate::app::{self, Actor};
use crate::domain::account::{Account, Role, Status};
use crate::domain::org::{Bereich, Organisation};
use crate::views::kassen::{admins as va, staff as vs};
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

/// Which kind of account a route serves.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Admin,
    Staff,
}

impl Kind {
    fn base(self) -> &'static str {
        match self {
            Kind::Admin => "/kassen/administratoren",
            Kind::Staff => "/kassen/personal",
        }
    }

    fn fits(self, a: &Account) -> bool {
        match self {
            Kind::Admin => matches!(a.role, Role::OrgAdmin { .. }),
            Kind::Staff => matches!(a.role, Role::Kassen { .. }),
        }
    }
}

async fn load(
    state: &AppState,
    kind: Kind,
    id: String,
) -> Result<(Account, Option<Organisation>), AppError> {
    let (account, org) = state
        .blocking(move |st| {
            let a = ka::managed_account(&st.store, &id)?;
            let org = match a.org() {
                Some(o) => app::orgs::get(&st.store, o).ok(),
                None => None,
            };
            Ok::<_, app::Error>((a, org))
        })
        .await?;
    if !kind.fits(&account) {
        return Err(AppError::NotFound);
    }
    Ok((account, org))
}

async fn all_orgs(state: &AppState) -> Result<Vec<Organisation>, AppError> {
    let mut orgs = state.blocking(|st| app::orgs::all(&st.store)).await?;
    orgs.sort_by_key(|o| o.name.to_lowercase());
    Ok(orgs)
}

fn action_notice(p: &Params) -> Option<&'static str> {
    Action::from_key(param(p, "aktion"))
        .map(Action::notice)
        .or_else(|| notice(p))
}

/// Last path segment of the page after "Administrator:in anlegen".
const CREATED: &str = "angelegt";

// ----- Administrator:innen -----

pub async fn admin_list(
    State(state): State<AppState>,
    k: KassenAdmin,
    Query(p): Query<Params>,
) -> WebResult {
    let f = AdminFilter {
        name: param(&p, "name").to_owned(),
        email: param(&p, "email").to_owned(),
        org: param(&p, "mitglied").parse().ok(),
        id: param(&p, "nutzerkennung").to_owned(),
        status: Status::from_key(param(&p, "status")),
    };
    let now = state.now();
    let f2 = f.clone();
    let rows = state
        .blocking(move |st| ka::list_admins(&st.store, &f2))
        .await?;
    let orgs = all_orgs(&state).await?;
    let pg = paging(&p, rows.len());
    Ok(render(
        &k.authed,
        &state,
        "Administrator:innen",
        va::list(&rows, &orgs, &f, &pg, now),
    )
    .into_response())
}

fn admin_input(form: &FormData) -> AdminInput {
    AdminInput {
        first_name: form.get("vorname").to_owned(),
        last_name: form.get("name").to_owned(),
        birth_date: form.get("geburtsdatum").to_owned(),
        email: form.get("email").to_owned(),
        org: form.get("mitglied").to_owned(),
    }
}

pub async fn admin_new_page(
    State(state): State<AppState>,
    k: KassenAdmin,
    Query(p): Query<Params>,
) -> WebResult {
    let orgs = all_orgs(&state).await?;
    let input = AdminInput {
        org: param(&p, "mitglied").to_owned(),
        ..Default::default()
    };
    Ok(render(
        &k.authed,
        &state,
        "Administrator:in anlegen",
        va::new_page(&k.authed.ctx.csrf, &orgs, &input, &[]),
    )
    .into_response())
}

pub async fn admin_create(
    State(state): State<AppState>,
    k: KassenAdmin,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let input = admin_input(&form);
    let actor = actor(&k);
    let i2 = input.clone();
    let result = state
        .attempt(move |st| {
            ka::create_admin(&st.store, &st.mailer, &st.links(), &i2, &actor, st.now())
        })
        .await?;
    match result {
        // Post/redirect/get: reloading the confirmation creates nothing.
        Ok(account) => {
            Ok(
                Redirect::to(&format!("{}/{}/{CREATED}", Kind::Admin.base(), account.id))
                    .into_response(),
            )
        }
        Err(errors) => {
            let orgs = all_orgs(&state).await?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(
                    &k.authed,
                    &state,
                    "Administrator:in anlegen",
                    va::new_page(&k.authed.ctx.csrf, &orgs, &input, &errors),
                ),
            )
                .into_response())
        }
    }
}

pub async fn admin_details(
    State(state): State<AppState>,
    k: KassenAdmin,
    Path(id): Path<String>,
    Query(p): Query<Params>,
) -> WebResult {
    let (account, org) = load(&state, Kind::Admin, id).await?;
    let body = va::details(
        &k.authed.ctx.csrf,
        &account,
        org.as_ref(),
        &[],
        None,
        action_notice(&p),
        state.now(),
    );
    Ok(render(&k.authed, &state, &account.full_name(), body).into_response())
}

fn profile_input(form: &FormData, staff: bool) -> StaffInput {
    StaffInput {
        first_name: form.get("vorname").to_owned(),
        last_name: form.get("name").to_owned(),
        email: form.get("email").to_owned(),
        portal_admin: staff && form.get("portaladministration") == "1",
        bereiche: form
            .all("bereiche")
            .into_iter()
            .filter_map(Bereich::from_key)
            .collect(),
    }
}

pub async fn admin_update(
    State(state): State<AppState>,
    k: KassenAdmin,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let (account, org) = load(&state, Kind::Admin, id.clone()).await?;
    let input = profile_input(&form, false);
    let actor = actor(&k);
    let i2 = input.clone();
    let result = state
        .attempt(move |st| ka::update(&st.store, &id, &i2, &actor, st.now()))
        .await?;
    match result {
        Ok(a) => Ok(Redirect::to(&format!(
            "/kassen/administratoren/{}?hinweis=gespeichert",
            a.id
        ))
        .into_response()),
        Err(errors) => {
            let values = Some((
                input.first_name.as_str(),
                input.last_name.as_str(),
                input.email.as_str(),
            ));
            let body = va::details(
                &k.authed.ctx.csrf,
                &account,
                org.as_ref(),
                &errors,
                values,
                None,
                state.now(),
            );
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&k.authed, &state, &account.full_name(), body),
            )
                .into_response())
        }
    }
}

pub async fn admin_action(
    state: State<AppState>,
    k: KassenAdmin,
    path: Path<(String, String)>,
    form: CsrfForm,
) -> WebResult {
    action(state, k, Kind::Admin, path, form).await
}

pub async fn staff_action(
    state: State<AppState>,
    k: KassenAdmin,
    path: Path<(String, String)>,
    form: CsrfForm,
) -> WebResult {
    action(state, k, Kind::Staff, path, form).await
}

/// GET of an action URL: the confirmation page of "dauerhaft deaktivieren".
pub async fn confirm_page(
    State(state): State<AppState>,
    k: KassenAdmin,
    Path((id, action)): Path<(String, String)>,
) -> WebResult {
    let kind = if k.authed.ctx.path.starts_with(Kind::Staff.base()) {
        Kind::Staff
    } else {
        Kind::Admin
    };
    if kind == Kind::Admin && action == CREATED {
        let (account, _) = load(&state, kind, id).await?;
        let minutes = state.config.security.link_validity.as_secs().div_ceil(60);
        return Ok(render(
            &k.authed,
            &state,
            "Administrator:in anlegen",
            va::created(&account, minutes),
        )
        .into_response());
    }
    if Action::from_key(&action) != Some(Action::Deactivate) {
        return Err(AppError::NotFound);
    }
    let (account, _) = load(&state, kind, id).await?;
    Ok(render(
        &k.authed,
        &state,
        "Nutzer:in dauerhaft deaktivieren",
        deactivate_confirm(&k, kind, &account, None),
    )
    .into_response())
}

fn deactivate_confirm(
    k: &KassenAdmin,
    kind: Kind,
    a: &Account,
    warning: Option<&str>,
) -> maud::Markup {
    let base = format!("{}/{}", kind.base(), a.id);
    va::confirm(
        &k.authed.ctx.csrf,
        &format!("{base}/deaktivieren"),
        "Nutzer:in dauerhaft deaktivieren",
        &format!(
            "Möchten Sie das Nutzerkonto von {} ({}) dauerhaft deaktivieren? Die Deaktivierung kann nicht aufgehoben werden; die verbundenen Daten (insbesondere Postfach und Nachrichten) gehen verloren.",
            a.full_name(),
            a.id
        ),
        warning,
        "Endgültig deaktivieren",
        &base,
    )
}

async fn action(
    State(state): State<AppState>,
    k: KassenAdmin,
    kind: Kind,
    Path((id, key)): Path<(String, String)>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let action = Action::from_key(&key).ok_or(AppError::NotFound)?;
    let (account, org) = load(&state, kind, id.clone()).await?;
    let confirmed = form.get("bestaetigt") == "1";
    if action == Action::Deactivate && !confirmed {
        return Ok(
            Redirect::to(&format!("{}/{}/deaktivieren", kind.base(), account.id)).into_response(),
        );
    }
    let actor = actor(&k);
    let result = state
        .blocking(move |st| {
            Ok::<_, AppError>(ka::act(
                &st.store,
                &st.mailer,
                &st.links(),
                &id,
                action,
                confirmed,
                &actor,
                st.now(),
            ))
        })
        .await?;
    let base = format!("{}/{}", kind.base(), account.id);
    match result {
        Ok(Outcome::Done) if action == Action::Deactivate => {
            Ok(Redirect::to(&format!("{}?hinweis=deaktiviert", kind.base())).into_response())
        }
        Ok(Outcome::Done) => {
            Ok(Redirect::to(&format!("{base}?aktion={}", action.key())).into_response())
        }
        Ok(Outcome::Confirm(warning)) => {
            let body = if action == Action::Deactivate {
                deactivate_confirm(&k, kind, &account, Some(&warning))
            } else {
                va::confirm(
                    &k.authed.ctx.csrf,
                    &format!("{base}/{}", action.key()),
                    "Nutzer:in temporär sperren",
                    &format!(
                        "Möchten Sie das Nutzerkonto von {} trotzdem sperren?",
                        account.full_name()
                    ),
                    Some(&warning),
                    "Trotzdem sperren",
                    &base,
                )
            };
            Ok(render(&k.authed, &state, "Bestätigung", body).into_response())
        }
        Err(app::Error::Invalid(errors)) => Ok(details_with_errors(
            &state,
            &k,
            kind,
            &account,
            org.as_ref(),
            &errors,
        )),
        Err(e) => Err(e.into()),
    }
}

fn details_with_errors(
    state: &AppState,
    k: &KassenAdmin,
    kind: Kind,
    a: &Account,
    org: Option<&Organisation>,
    errors: &[(&'static str, String)],
) -> Response {
    let now = state.now();
    let body = match kind {
        Kind::Admin => va::details(&k.authed.ctx.csrf, a, org, errors, None, None, now),
        Kind::Staff => vs::details(&k.authed.ctx.csrf, a, &staff_values(a), errors, None, now),
    };
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        render(&k.authed, state, &a.full_name(), body),
    )
        .into_response()
}

// ----- Kassenpersonal -----

fn staff_values(a: &Account) -> StaffInput {
    let (portal_admin, bereiche) = match &a.role {
        Role::Kassen {
            portal_admin,
            sachbearbeitung,
        } => (*portal_admin, sachbearbeitung.clone()),
        _ => (false, Vec::new()),
    };
    StaffInput {
        first_name: a.first_name.clone(),
        last_name: a.last_name.clone(),
        email: a.email.clone(),
        portal_admin,
        bereiche,
    }
}

pub async fn staff_list(
    State(state): State<AppState>,
    k: KassenAdmin,
    Query(p): Query<Params>,
) -> WebResult {
    let staff = state.blocking(|st| ka::list_staff(&st.store)).await?;
    Ok(render(
        &k.authed,
        &state,
        "Kassenpersonal",
        vs::list(&staff, state.now(), action_notice(&p)),
    )
    .into_response())
}

pub async fn staff_new_page(State(state): State<AppState>, k: KassenAdmin) -> WebResult {
    Ok(render(
        &k.authed,
        &state,
        "Kassenpersonal anlegen",
        vs::new_page(&k.authed.ctx.csrf, &StaffInput::default(), &[]),
    )
    .into_response())
}

pub async fn staff_create(
    State(state): State<AppState>,
    k: KassenAdmin,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let input = profile_input(&form, true);
    let actor = actor(&k);
    let i2 = input.clone();
    let result = state
        .attempt(move |st| {
            ka::create_staff(&st.store, &st.mailer, &st.links(), &i2, &actor, st.now())
        })
        .await?;
    match result {
        Ok(a) => Ok(Redirect::to(&format!(
            "/kassen/personal/{}?hinweis=angelegt_personal",
            a.id
        ))
        .into_response()),
        Err(errors) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(
                &k.authed,
                &state,
                "Kassenpersonal anlegen",
                vs::new_page(&k.authed.ctx.csrf, &input, &errors),
            ),
        )
            .into_response()),
    }
}

pub async fn staff_details(
    State(state): State<AppState>,
    k: KassenAdmin,
    Path(id): Path<String>,
    Query(p): Query<Params>,
) -> WebResult {
    let (account, _) = load(&state, Kind::Staff, id).await?;
    let notice = if param(&p, "hinweis") == "angelegt_personal" {
        Some(
            "Das Nutzerkonto wurde angelegt. Die Person erhält eine E-Mail zum Festlegen des Passwortes; ihre Nutzerkennung steht oben.",
        )
    } else {
        action_notice(&p)
    };
    let body = vs::details(
        &k.authed.ctx.csrf,
        &account,
        &staff_values(&account),
        &[],
        notice,
        state.now(),
    );
    Ok(render(&k.authed, &state, &account.full_name(), body).into_response())
}

pub async fn staff_update(
    State(state): State<AppState>,
    k: KassenAdmin,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let (account, _) = load(&state, Kind::Staff, id.clone()).await?;
    let input = profile_input(&form, true);
    let actor = actor(&k);
    let i2 = input.clone();
    let result = state
        .attempt(move |st| ka::update(&st.store, &id, &i2, &actor, st.now()))
        .await?;
    match result {
        Ok(a) => Ok(
            Redirect::to(&format!("/kassen/personal/{}?hinweis=gespeichert", a.id)).into_response(),
        ),
        Err(errors) => {
            let body = vs::details(
                &k.authed.ctx.csrf,
                &account,
                &input,
                &errors,
                None,
                state.now(),
            );
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&k.authed, &state, &account.full_name(), body),
            )
                .into_response())
        }
    }
}
