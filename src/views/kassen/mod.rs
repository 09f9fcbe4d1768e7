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
pub use crate::app::kassen_home::{Overview, Queues};
use crate::domain::org::Bereich;

/// The Kassen home: the account's queues first, then (Portaladministration)
/// the system figures.
pub fn home(
    full_name: &str,
    portal_admin: bool,
    o: &Overview,
    q: &Queues,
    retention_days: u32,
) -> Markup {
    html! {
        h1 { "Guten Tag, " (full_name) "!" }
        (queues(q))
        @if portal_admin {
            section aria-labelledby="ueberblick" {
                h2 id="ueberblick" { "Überblick" }
                ul class="link-list" {
                    li { a href="/kassen/mitglieder" { "Mitglieder" } ": " (o.orgs) }
                    li { a href="/kassen/administratoren" { "Administrator:innen" } ": " (o.admins) }
                    li { a href="/kassen/personal" { "Kassenpersonal" } ": " (o.staff) }
                    li { a href="/kassen/postausgang" { "Postausgang" } ": " (o.mail_queued) " in Warteschlange, " (o.mail_failed) " fehlgeschlagen" }
                    li { a href="/kassen/datensicherung" { "Datensicherung" } ": " (last_backup(o)) }
                    li { "Löschfrist für Nachrichten (Einstellung retention.message_days = " (retention_days) "): " (crate::domain::message::retention_notice(retention_days)) }
                }
            }
        } @else if q.unread.is_empty() && q.reports.is_none() {
            p { "Willkommen im Portal Meine Versorgung." }
        }
    }
}

/// "Ihre Aufgaben": unread messages per Kassenpostfach and Formularmeldungen
/// per status, each linking to the filtered list.
fn queues(q: &Queues) -> Markup {
    let unread_href = |b: Bereich| {
        // Archived messages count too (the counter includes them).
        format!(
            "{}?postfach=eingehend&postfach=archiviert&lesestatus=ungelesen",
            crate::paths::messages::mailbox(&format!("kasse-{}", b.key()))
        )
    };
    html! {
        @if !q.unread.is_empty() || q.reports.is_some() {
            section aria-labelledby="aufgaben" {
                h2 id="aufgaben" { "Ihre Aufgaben" }
                @if !q.unread.is_empty() {
                    h3 { "Kassenpostfach" }
                    ul class="link-list queue" {
                        @for (b, n, own) in &q.unread {
                            li {
                                @if *own {
                                    a href=(unread_href(*b)) { "Kassenpostfach " (b.label()) }
                                } @else {
                                    "Kassenpostfach " (b.label())
                                }
                                ": " (crate::views::messages::message_count(*n, true))
                            }
                        }
                    }
                }
                @if let Some(reports) = &q.reports {
                    h3 { "Formularmeldungen" }
                    ul class="link-list queue" {
                        @for (s, n) in reports {
                            li {
                                a href={ (crate::paths::persons::KASSEN_REPORTS) "?status=" (s.key()) } { (s.label()) }
                                ": " (report_count(*n))
                            }
                        }
                    }
                }
            }
        }
    }
}

fn report_count(n: u64) -> String {
    match n {
        0 => "keine Meldungen".to_owned(),
        1 => "1 Meldung".to_owned(),
        n => format!("{n} Meldungen"),
    }
}

fn last_backup(o: &Overview) -> String {
    match (o.last_backup, &o.last_backup_name) {
        (Some(at), _) => crate::views::components::datetime(at),
        (None, Some(name)) => name.clone(),
        (None, None) => "noch keine Sicherung".to_owned(),
    }
}
