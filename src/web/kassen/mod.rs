//! Pages of the Kassen-Portaladministration. Every handler takes the
//! `KassenAdmin` guard (the Formularmeldungen: `ReportReader`): everyone
//! else gets 404.

mod accounts;
mod audit;
mod backup;
mod faq;
mod feedback;
mod import;
mod orgs;
mod outbox;
pub mod reports;

use std::collections::HashMap;

use crate::web::routes::{Routes, get, post};
use maud::Markup;

use super::error::AppError;
use super::frame;
use super::paths;
use super::session::{Authed, Ctx};
use super::state::AppState;
use crate::domain::account::{Account, Role};
use crate::views::components::Paging;

pub use audit::org_audit_routes;

/// The routes of the Kassen, grouped by guard: everything behind
/// `KassenAdmin`, and the Formularmeldungen behind `ReportReader`.
pub fn routes() -> Routes {
    admin_routes().merge(reports::routes())
}

/// The Kassen-Portaladministration's routes (every handler takes `KassenAdmin`).
fn admin_routes() -> Routes {
    Routes::new()
        .merge(accounts::routes())
        .route(paths::KASSEN_ORGS, get(orgs::list))
        .route(
            paths::KASSEN_ORG_NEW,
            get(orgs::new_page).post(orgs::create),
        )
        .route(
            "/kassen/mitglieder/{id}",
            get(orgs::details).post(orgs::update),
        )
        .route(
            "/kassen/mitglieder/{id}/berechtigungen-bereinigen",
            post(orgs::remove_exceeding),
        )
        .route(paths::KASSEN_AUDIT, get(audit::page))
        .route(paths::KASSEN_AUDIT_CSV, get(audit::csv))
        .route(paths::KASSEN_OUTBOX, get(outbox::list))
        .route("/kassen/postausgang/{id}", get(outbox::details))
        .route(paths::KASSEN_BACKUP, get(backup::page).post(backup::create))
        .route(paths::KASSEN_FAQ, get(faq::list))
        .route(paths::KASSEN_FAQ_NEW, get(faq::new_page).post(faq::create))
        .route("/kassen/faq/{id}", get(faq::edit_page).post(faq::update))
        .route(
            "/kassen/faq/{id}/loeschen",
            get(faq::delete_page).post(faq::delete),
        )
        .route("/kassen/faq/{id}/{direction}", post(faq::move_entry))
        .route(
            paths::persons::KASSEN_IMPORT,
            get(import::page)
                .post(import::submit)
                .layer(axum::extract::DefaultBodyLimit::max(import::BODY_LIMIT)),
        )
        .route(paths::KASSEN_FEEDBACK, get(feedback::list))
        .route("/kassen/rueckmeldungen/{id}", get(feedback::details))
        .route(
            "/kassen/rueckmeldungen/{id}/{action}",
            post(feedback::set_done),
        )
}

/// Query parameters of list pages.
type Params = HashMap<String, String>;

fn param<'a>(p: &'a Params, name: &str) -> &'a str {
    p.get(name).map(String::as_str).unwrap_or("")
}

fn paging(p: &Params, total: usize) -> Paging {
    Paging::new(param(p, "seite").parse().unwrap_or(1), total)
}

/// A success notice chosen by key (Post/Redirect/Get keeps texts out of URLs).
fn notice(p: &Params) -> Option<&'static str> {
    Some(match param(p, "hinweis") {
        "angelegt" => "Das Mitglied wurde angelegt.",
        "gespeichert" => "Die Änderungen wurden gespeichert.",
        "bereinigt" => "Die überschreitenden Berechtigungen wurden entfernt.",
        "deaktiviert" => "Das Nutzerkonto wurde dauerhaft deaktiviert.",
        _ => return None,
    })
}

fn render(authed: &Authed, state: &AppState, title: &str, body: Markup) -> Markup {
    frame::render(&authed.ctx, state, title, body)
}

/// The Kassen home page (any `K` account).
pub async fn home(state: &AppState, ctx: &Ctx, account: &Account) -> Result<Markup, AppError> {
    let Role::Kassen {
        portal_admin,
        sachbearbeitung,
    } = account.role.clone()
    else {
        return Err(AppError::NotFound);
    };
    let reads_reports = crate::domain::permissions::may_read_reports(account);
    let (overview, queues) = state.inline(move |st| {
        let overview = crate::app::kassen_home::overview(&st.store, &st.config)?;
        let queues = crate::app::kassen_home::queues(
            &st.store,
            &sachbearbeitung,
            portal_admin,
            reads_reports,
        )?;
        Ok::<_, AppError>((overview, queues))
    })?;
    Ok(frame::render(
        ctx,
        state,
        "Startseite",
        crate::views::kassen::home(
            &account.full_name(),
            portal_admin,
            &overview,
            &queues,
            state.config.retention.message_days,
        ),
    ))
}
