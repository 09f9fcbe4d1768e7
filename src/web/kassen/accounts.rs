//! Administrator:innen of member organisations and Kassenpersonal. Every
//! action has its own route (`paths::KASSEN_ADMIN_PATHS`,
//! `paths::KASSEN_STAFF_PATHS`), mapped to its [`Action`] here.

use crate::web::routes::{Routes, get, post};
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
use crate::paths::{self, AccountPaths};
use crate::views::kassen::{admins as va, staff as vs};
use crate::web::error::{AppError, WebResult};
use crate::web::guards::KassenAdmin;
use crate::web::session::{CsrfForm, FormData};
use crate::web::state::AppState;

fn actor(k: &KassenAdmin) -> Actor {
    k.actor()
}

/// The routes of both kinds of account (all behind [`KassenAdmin`]).
pub fn routes() -> Routes {
    let mut router = Routes::new()
        .route(paths::KASSEN_ADMINS, get(admin_list))
        .route(
            paths::KASSEN_ADMIN_NEW,
            get(admin_new_page).post(admin_create),
        )
        .route(
            KASSEN_ADMIN_PATHS.details,
            get(admin_details).post(admin_update),
        )
        .route(paths::KASSEN_ADMIN_CREATED, get(admin_created))
        .route(paths::KASSEN_STAFF, get(staff_list))
        .route(
            paths::KASSEN_STAFF_NEW,
            get(staff_new_page).post(staff_create),
        )
        .route(
            KASSEN_STAFF_PATHS.details,
            get(staff_details).post(staff_update),
        );
    for kind in [Kind::Admin, Kind::Staff] {
        router = router.route(
            kind.paths().deactivate,
            get(
                move |state: State<AppState>, k: KassenAdmin, id: Path<String>| {
                    confirm_page(state, k, kind, id)
                },
            ),
        );
        for act in Action::ALL {
            router = router.route(
                action_path(kind.paths(), act),
                post(
                    move |state: State<AppState>,
                          k: KassenAdmin,
                          Path(id): Path<String>,
                          form: CsrfForm| {
                        action(state, k, kind, act, id, form)
                    },
                ),
            );
        }
    }
    router
}

use paths::{KASSEN_ADMIN_PATHS, KASSEN_STAFF_PATHS};

/// The route of `action` (exhaustive: a new action needs its route).
fn action_path(p: &AccountPaths, action: Action) -> &'static str {
    match action {
        Action::Lock => p.lock,
        Action::Unlock => p.unlock,
        Action::ResendPassword => p.resend,
        Action::FactorEmail => p.factor_email,
        Action::FactorTotp => p.factor_totp,
        Action::ResetAuthenticator => p.reset_totp,
        Action::Deactivate => p.deactivate,
    }
}

/// Which kind of account a route serves.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Admin,
    Staff,
}

impl Kind {
    fn paths(self) -> &'static AccountPaths {
        match self {
            Kind::Admin => &KASSEN_ADMIN_PATHS,
            Kind::Staff => &KASSEN_STAFF_PATHS,
        }
    }

    /// The list's path.
    fn base(self) -> &'static str {
        self.paths().list
    }

    /// The path `template` of this kind for `a`.
    fn of(self, template: fn(&AccountPaths) -> &'static str, a: &Account) -> String {
        AccountPaths::of(template(self.paths()), a.id.as_str())
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
    k: &KassenAdmin,
    kind: Kind,
    id: String,
) -> Result<(Account, Option<Organisation>), AppError> {
    let proof = k.proof;
    let (account, org) = state
        .blocking(move |st| {
            let a = ka::managed_account(&st.store, &proof, &id)?;
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
        .blocking(move |st| ka::list_admins(&st.store, &k.proof, &f2))
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
            ka::create_admin(
                &st.store,
                &k.proof,
                &st.mailer,
                &st.links(),
                &i2,
                &actor,
                st.now(),
            )
        })
        .await?;
    match result {
        // Post/redirect/get: reloading the confirmation creates nothing.
        Ok(account) => {
            let to = AccountPaths::of(paths::KASSEN_ADMIN_CREATED, account.id.as_str());
            Ok(Redirect::to(&to).into_response())
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
    let (account, org) = load(&state, &k, Kind::Admin, id).await?;
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
    let (account, org) = load(&state, &k, Kind::Admin, id.clone()).await?;
    let input = profile_input(&form, false);
    let actor = actor(&k);
    let i2 = input.clone();
    let result = state
        .attempt(move |st| ka::update(&st.store, &k.proof, &id, &i2, &actor, st.now()))
        .await?;
    match result {
        Ok(a) => Ok(Redirect::to(&format!(
            "{}?hinweis=gespeichert",
            Kind::Admin.of(|p| p.details, &a)
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

/// The page after "Administrator:in anlegen".
pub async fn admin_created(
    State(state): State<AppState>,
    k: KassenAdmin,
    Path(id): Path<String>,
) -> WebResult {
    let (account, _) = load(&state, &k, Kind::Admin, id).await?;
    let minutes = state.config.security.link_validity.as_secs().div_ceil(60);
    Ok(render(
        &k.authed,
        &state,
        "Administrator:in anlegen",
        va::created(&account, minutes),
    )
    .into_response())
}

/// GET of "dauerhaft deaktivieren": the confirmation page.
async fn confirm_page(
    State(state): State<AppState>,
    k: KassenAdmin,
    kind: Kind,
    Path(id): Path<String>,
) -> WebResult {
    let (account, _) = load(&state, &k, kind, id).await?;
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
    let base = kind.of(|p| p.details, a);
    va::confirm(
        &k.authed.ctx.csrf,
        &kind.of(|p| p.deactivate, a),
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
    action: Action,
    id: String,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let (account, org) = load(&state, &k, kind, id.clone()).await?;
    let confirmed = form.get("bestaetigt") == "1";
    if action == Action::Deactivate && !confirmed {
        return Ok(Redirect::to(&kind.of(|p| p.deactivate, &account)).into_response());
    }
    let actor = actor(&k);
    let result = state
        .blocking(move |st| {
            Ok::<_, AppError>(ka::act(
                &st.store,
                &k.proof,
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
    let base = kind.of(|p| p.details, &account);
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
                    &AccountPaths::of(action_path(kind.paths(), action), account.id.as_str()),
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
    let staff = state
        .blocking(move |st| ka::list_staff(&st.store, &k.proof))
        .await?;
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
            ka::create_staff(
                &st.store,
                &k.proof,
                &st.mailer,
                &st.links(),
                &i2,
                &actor,
                st.now(),
            )
        })
        .await?;
    match result {
        Ok(a) => Ok(Redirect::to(&format!(
            "{}?hinweis=angelegt_personal",
            Kind::Staff.of(|p| p.details, &a)
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
    let (account, _) = load(&state, &k, Kind::Staff, id).await?;
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
    let (account, _) = load(&state, &k, Kind::Staff, id.clone()).await?;
    let input = profile_input(&form, true);
    let actor = actor(&k);
    let i2 = input.clone();
    let result = state
        .attempt(move |st| ka::update(&st.store, &k.proof, &id, &i2, &actor, st.now()))
        .await?;
    match result {
        Ok(a) => Ok(Redirect::to(&format!(
            "{}?hinweis=gespeichert",
            Kind::Staff.of(|p| p.details, &a)
        ))
        .into_response()),
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
