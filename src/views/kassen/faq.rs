//! "FAQ verwalten" for the Kassen-Portaladministration.

use maud::{Markup, html};

use crate::app::faq::{FaqInput, MAX_ANSWER};
use crate::domain::help::FaqEntry;
use crate::views::components::{
    AlertKind, Field, alert, csrf_field, datetime, empty_row, error_for, required_note,
    textarea_counted,
};

/// "FAQ verwalten"; `retention_days` is `retention.message_days`, which the
/// FAQ page states after the entries.
pub fn list(entries: &[FaqEntry], csrf: &str, notice: Option<&str>, retention_days: u32) -> Markup {
    let last = entries.len();
    html! {
        h1 { "FAQ verwalten" }
        @if let Some(n) = notice { (alert(AlertKind::Success, None, n)) }
        p { "Die Einträge erscheinen in dieser Reihenfolge auf der " a href="/faq" { "FAQ-Seite" } " (für alle Besucher:innen, auch ohne Anmeldung) und in der Suche." }
        p class="info" {
            "Nach den Einträgen nennt die FAQ-Seite die Löschfrist aus der Konfiguration (retention.message_days = " (retention_days) "): „"
            (crate::domain::message::retention_notice(retention_days)) "“ Dieselbe Angabe steht auf jeder Postfachseite."
        }
        p { a class="button" href="/kassen/faq/neu" { "FAQ-Eintrag anlegen" } }
        div class="table-wrap" tabindex="0" role="region" aria-label="FAQ-Einträge" {
            table {
                caption class="visually-hidden" { "FAQ-Einträge" }
                thead { tr {
                    th scope="col" { "Reihenfolge" } th scope="col" { "Frage" }
                    th scope="col" { "Zuletzt geändert" } th scope="col" { "Verschieben" }
                } }
                tbody {
                    @if entries.is_empty() { (empty_row(4)) }
                    @for (i, e) in entries.iter().enumerate() {
                        tr {
                            td class="num" { (i + 1) }
                            td { a href={ "/kassen/faq/" (e.id) } { (e.question) } }
                            td { (datetime(e.updated_at)) }
                            td {
                                div class="row-actions" {
                                    @if i > 0 { (move_button(csrf, e, "nach-oben", "Nach oben")) }
                                    @if i + 1 < last { (move_button(csrf, e, "nach-unten", "Nach unten")) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// "Nach oben" / "Nach unten"; the accessible name names the question.
fn move_button(csrf: &str, e: &FaqEntry, action: &str, label: &str) -> Markup {
    html! {
        form method="post" action={ "/kassen/faq/" (e.id) "/" (action) } class="inline-form" {
            (csrf_field(csrf))
            button type="submit" class="button-secondary" {
                (label) span class="visually-hidden" { " verschieben: " (e.question) }
            }
        }
    }
}

/// The create/edit form; `id` is `None` when creating.
pub fn form(
    csrf: &str,
    id: Option<u64>,
    input: &FaqInput,
    errors: &[(&'static str, String)],
    notice: Option<&str>,
) -> Markup {
    let action = match id {
        Some(id) => format!("/kassen/faq/{id}"),
        None => "/kassen/faq/neu".to_owned(),
    };
    html! {
        h1 { @if id.is_some() { "FAQ-Eintrag bearbeiten" } @else { "FAQ-Eintrag anlegen" } }
        @if let Some(n) = notice { (alert(AlertKind::Success, None, n)) }
        @if !errors.is_empty() {
            (alert(AlertKind::Error, Some("Bitte prüfen Sie Ihre Eingaben."), "Einige Felder sind nicht korrekt ausgefüllt."))
        }
        form method="post" action=(action) novalidate {
            (csrf_field(csrf))
            (required_note())
            (Field::text("Frage", "frage", &input.question).required().error(error_for(errors, "frage")).render())
            (textarea_counted("Antwort", "antwort", &input.answer, true, error_for(errors, "antwort"), MAX_ANSWER))
            p class="hint" { "Leerzeilen trennen Absätze." }
            div class="actions" {
                a class="button button-secondary" href="/kassen/faq" { "Abbrechen" }
                button type="submit" { @if id.is_some() { "Speichern" } @else { "Anlegen" } }
                @if let Some(id) = id {
                    a class="button button-danger" href={ "/kassen/faq/" (id) "/loeschen" } { "Löschen" }
                }
            }
        }
        @if let Some(id) = id {
            p { a href={ "/faq#faq-" (id) } { "Eintrag auf der FAQ-Seite ansehen" } }
        }
    }
}
