//! Puts a page body into the frame that fits the signed-in person.

use maud::Markup;

use super::paths;
use super::session::Ctx;
use super::state::AppState;
use crate::domain::account::{Account, Role};
use crate::domain::org::PortalFunction;
use crate::views::{self, NavItem, Page, UserMenu};

/// The navigation of an account's role. Only pages that exist are listed.
/// `functions` are a Nutzer:in's portal functions within the organisation's
/// current restrictions (the account's grants when not known), or an
/// administrator's organisation's enabled functions.
pub fn nav_for(account: &Account, functions: Option<&[PortalFunction]>) -> Vec<NavItem> {
    let item = |label: &'static str, href: &str| NavItem {
        label,
        href: href.to_owned(),
    };
    match &account.role {
        Role::Kassen {
            portal_admin,
            sachbearbeitung,
        } => {
            let mut nav = Vec::new();
            if !sachbearbeitung.is_empty() {
                nav.push(item("Kassenpostfach", paths::messages::INDEX));
            }
            if super::kassen::reports::may_read(&account.role) {
                nav.push(item("Formularmeldungen", paths::persons::KASSEN_REPORTS));
            }
            if *portal_admin {
                nav.push(item("Datenimport", paths::persons::KASSEN_IMPORT));
                nav.push(item("Mitglieder", paths::KASSEN_ORGS));
                nav.push(item("Administrator:innen", paths::KASSEN_ADMINS));
                nav.push(item("Kassenpersonal", paths::KASSEN_STAFF));
                nav.push(item("FAQ verwalten", paths::KASSEN_FAQ));
                nav.push(item("Rückmeldungen", paths::KASSEN_FEEDBACK));
                nav.push(item("Protokoll", paths::KASSEN_AUDIT));
                nav.push(item("Postausgang", paths::KASSEN_OUTBOX));
                nav.push(item("Datensicherung", paths::KASSEN_BACKUP));
            }
            nav
        }
        Role::OrgAdmin { .. } => {
            let mut nav = vec![
                item("Nutzer:in anlegen", paths::USERS_NEW),
                item("Nutzer:in verwalten", paths::USERS),
                item("Übersicht: Gruppenpostfächer", paths::GROUP_MAILBOXES),
            ];
            if functions.is_none_or(crate::domain::permissions::has_mailbox_config) {
                nav.push(item("Postfach-Konfiguration", paths::MAILBOX_CONFIG));
            }
            nav.push(item("Gruppenpostfächer", paths::messages::INDEX));
            nav
        }
        Role::OrgUser { grants, .. } => {
            use crate::domain::org::PortalFunction as F;
            let holds = |f: F| functions.unwrap_or(&grants.functions).contains(&f);
            let mut nav = vec![item("Postfach", paths::messages::INDEX)];
            if holds(F::AnspruchsberechtigteAnzeigen) {
                nav.push(item("Anspruchsberechtigte", paths::persons::LIST));
            }
            if holds(F::Beamtenformulare) {
                nav.push(item("Formulare", paths::persons::FORMS));
            }
            nav
        }
    }
}

/// Renders `body` with the frame for this request.
pub fn render(ctx: &Ctx, state: &AppState, title: &str, body: Markup) -> Markup {
    let account = ctx.account();
    let menu = account.map(|a| UserMenu {
        full_name: a.full_name(),
        id: a.id.to_string(),
        has_org: a.org().is_some(),
    });
    let functions = ctx.session.as_ref().and_then(|s| s.functions.as_deref());
    let nav = account.map(|a| nav_for(a, functions)).unwrap_or_default();
    let sec = &state.config.security;
    views::page(
        &Page {
            title,
            csrf: &ctx.csrf,
            user: menu.as_ref(),
            nav: &nav,
            current_path: &ctx.path,
            session_timing: account
                .map(|_| (sec.session_idle.as_secs(), sec.session_warning.as_secs())),
        },
        body,
    )
}
