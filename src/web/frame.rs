//! Puts a page body into the frame that fits the signed-in person.

use maud::Markup;

use super::paths;
use super::session::Ctx;
use super::state::AppState;
use crate::domain::account::{Account, Role};
use crate::domain::org::Organisation;
use crate::domain::permissions as p;
use crate::views::{self, NavItem, Page, UserMenu};

/// Whether an account (with its organisation) sees an entry.
type Shown = fn(&Account, Option<&Organisation>) -> bool;

/// The navigation in the order shown. Each entry is shown on the predicate
/// of `domain::permissions` that opens its page, so the navigation lists
/// exactly the pages the guards let the person into. The mailbox entry is
/// named by role (the handbook's words).
const NAV: &[(&str, &str, Shown)] = &[
    ("Kassenpostfach", paths::messages::INDEX, |a, o| {
        matches!(a.role, Role::Kassen { .. }) && p::may_use_mailboxes(a, o)
    }),
    (
        "Formularmeldungen",
        paths::persons::KASSEN_REPORTS,
        |a, _| p::may_read_reports(a),
    ),
    ("Datenimport", paths::persons::KASSEN_IMPORT, portal),
    ("Mitglieder", paths::KASSEN_ORGS, portal),
    ("Administrator:innen", paths::KASSEN_ADMINS, portal),
    ("Kassenpersonal", paths::KASSEN_STAFF, portal),
    ("FAQ verwalten", paths::KASSEN_FAQ, portal),
    ("Rückmeldungen", paths::KASSEN_FEEDBACK, portal),
    ("Protokoll", paths::KASSEN_AUDIT, portal),
    ("Postausgang", paths::KASSEN_OUTBOX, portal),
    ("Datensicherung", paths::KASSEN_BACKUP, portal),
    ("Nutzer:in anlegen", paths::USERS_NEW, p::may_administer_org),
    ("Nutzer:in verwalten", paths::USERS, p::may_administer_org),
    (
        "Übersicht: Gruppenpostfächer",
        paths::GROUP_MAILBOXES,
        p::may_administer_org,
    ),
    (
        "Postfach-Konfiguration",
        paths::MAILBOX_CONFIG,
        p::may_configure_mailboxes,
    ),
    ("Gruppenpostfächer", paths::messages::INDEX, |a, o| {
        matches!(a.role, Role::OrgAdmin { .. }) && p::may_use_mailboxes(a, o)
    }),
    ("Postfach", paths::messages::INDEX, |a, o| {
        matches!(a.role, Role::OrgUser { .. }) && p::may_use_mailboxes(a, o)
    }),
    (
        "Anspruchsberechtigte",
        paths::persons::LIST,
        p::may_read_persons,
    ),
    ("Formulare", paths::persons::FORMS, p::may_submit_forms),
];

fn portal(a: &Account, _: Option<&Organisation>) -> bool {
    p::may_administer_portal(a)
}

/// The navigation of an account with its organisation (as read with the
/// session). Only pages that the person may open are listed.
pub fn nav_for(account: &Account, org: Option<&Organisation>) -> Vec<NavItem> {
    NAV.iter()
        .filter(|(_, _, shown)| shown(account, org))
        .map(|&(label, href, _)| NavItem {
            label,
            href: href.to_owned(),
        })
        .collect()
}

/// Renders `body` with the frame for this request.
pub fn render(ctx: &Ctx, state: &AppState, title: &str, body: Markup) -> Markup {
    let account = ctx.account();
    let menu = account.map(|a| UserMenu {
        full_name: a.full_name(),
        id: a.id.to_string(),
        has_org: a.org().is_some(),
    });
    let org = ctx.session.as_ref().and_then(|s| s.org.as_ref());
    let nav = account.map(|a| nav_for(a, org)).unwrap_or_default();
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
