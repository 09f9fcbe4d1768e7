//! Pages of the Kassen-Portaladministration.

pub mod admins;
pub mod audit;
pub mod backup;
pub mod faq;
pub mod feedback;
pub mod orgs;
pub mod outbox;
pub mod staff;

use maud::{Markup, html};

/// Figures on the Kassen home page.
pub struct Overview {
    pub orgs: usize,
    pub admins: usize,
    pub staff: usize,
    pub mail_queued: u64,
    pub mail_failed: u64,
    /// When the newest backup was taken, formatted.
    pub last_backup: Option<String>,
}

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
                    li { a href="/kassen/datensicherung" { "Datensicherung" } ": " (o.last_backup.as_deref().unwrap_or("noch keine Sicherung")) }
                }
            }
        } @else {
            p { "Willkommen im Portal Meine Versorgung." }
        }
    }
}
