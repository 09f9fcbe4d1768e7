//! Pages of the Kassen-Portaladministration.

pub mod admins;
pub mod audit;
pub mod backup;
pub mod faq;
pub mod feedback;
pub mod import;
pub mod orgs;
pub mod outbox;
pub mod reports;
pub mod staff;

use maud::{Markup, html};

/// Figures on the Kassen home page.
pub use crate::app::kassen_home::Overview;

pub fn home(full_name: &str, portal_admin: bool, o: &Overview) -> Markup {
    html! {
        h1 { "Guten Tag, " (full_name) "!" }
        @if portal_admin {
            section aria-labelledby="ueberblick" {
                h2 id="ueberblick" { "Überblick" }
                ul class="link-list" {
                    li { a href="/kassen/mitglieder" { "Mitglieder" } ": " (o.orgs) }
                    li { a href="/kassen/administratoren" { "Administrator:innen" } ": " (o.admins) }
                    li { a href="/kassen/personal" { "Kassenpersonal" } ": " (o.staff) }
                    li { a href="/kassen/postausgang" { "Postausgang" } ": " (o.mail_queued) " in Warteschlange, " (o.mail_failed) " fehlgeschlagen" }
                    li { a href="/kassen/datensicherung" { "Datensicherung" } ": " (last_backup(o)) }
                }
            }
        } @else {
            p { "Willkommen im Portal Meine Versorgung." }
        }
    }
}

fn last_backup(o: &Overview) -> String {
    match (o.last_backup, &o.last_backup_name) {
        (Some(at), _) => crate::views::components::datetime(at),
        (None, Some(name)) => name.clone(),
        (None, None) => "noch keine Sicherung".to_owned(),
    }
}
