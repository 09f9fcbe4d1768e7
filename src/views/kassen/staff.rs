//! Kassenpersonal: staff of the funds and their roles.

use maud::{Markup, html};

use super::admins::{account_actions, status_text};
use crate::app::kassen_accounts::{StaffInput, role_text};
use crate::domain::account::Account;
use crate::domain::org::Bereich;
use crate::views::components::{
    AlertKind, Field, alert, checkbox, checkbox_group, csrf_field, empty_row, error_for,
    required_note,
};

pub fn list(staff: &[Account], now: jiff::Timestamp, notice: Option<&str>) -> Markup {
    html! {
        h1 { "Kassenpersonal" }
        @if let Some(n) = notice { (alert(AlertKind::Success, None, n)) }
        p { a class="button" href="/kassen/personal/neu" { "Kassenpersonal anlegen" } }
        div class="table-wrap" tabindex="0" role="region" aria-label="Kassenpersonal" {
            table {
                caption class="visually-hidden" { "Kassenpersonal" }
                thead { tr {
                    th scope="col" { "Name" } th scope="col" { "Vorname" } th scope="col" { "Nutzerkennung" }
                    th scope="col" { "Rollen" } th scope="col" { "Status" }
                } }
                tbody {
                    @if staff.is_empty() { (empty_row(5)) }
                    @for a in staff {
                        tr class="clickable" {
                            td { (a.last_name) } td { (a.first_name) }
                            td { a href={ "/kassen/personal/" (a.id) } { (a.id) } }
                            td { (role_text(&a.role)) } td { (status_text(a, None, now)) }
                        }
                    }
                }
            }
        }
    }
}

fn role_fields(input: &StaffInput, errors: &[(&'static str, String)]) -> Markup {
    let bereiche: Vec<(&str, &str, bool)> = Bereich::ALL
        .iter()
        .map(|b| (b.key(), b.label(), input.bereiche.contains(b)))
        .collect();
    html! {
        fieldset class="checks" {
            legend { "Rollen" }
            (checkbox("portaladministration", "1", "Portaladministration", input.portal_admin))
            @if let Some(e) = error_for(errors, "rollen") { p class="error" { (e) } }
        }
        (checkbox_group("Sachbearbeitung", "bereiche", &bereiche, None))
    }
}

pub fn new_page(csrf: &str, input: &StaffInput, errors: &[(&'static str, String)]) -> Markup {
    html! {
        h1 { "Kassenpersonal anlegen" }
        @if !errors.is_empty() {
            (alert(AlertKind::Error, Some("Bitte prüfen Sie Ihre Eingaben."), "Einige Felder sind nicht korrekt ausgefüllt."))
        }
        form method="post" action="/kassen/personal/neu" novalidate {
            (csrf_field(csrf))
            (required_note())
            div class="grid-2" {
                (Field::text("Vorname", "vorname", &input.first_name).required().error(error_for(errors, "vorname")).render())
                (Field::text("Name", "name", &input.last_name).required().error(error_for(errors, "name")).render())
                (Field::text("E-Mail-Adresse", "email", &input.email).kind("email").required().error(error_for(errors, "email")).render())
            }
            (role_fields(input, errors))
            div class="actions" {
                a class="button button-secondary" href="/kassen/personal" { "Abbrechen" }
                button type="submit" { "Anlegen" }
            }
        }
    }
}

pub fn details(
    csrf: &str,
    a: &Account,
    input: &StaffInput,
    errors: &[(&'static str, String)],
    notice: Option<&str>,
    now: jiff::Timestamp,
) -> Markup {
    let base = format!("/kassen/personal/{}", a.id);
    html! {
        h1 { "Kassenpersonal: " (a.full_name()) }
        @if let Some(n) = notice { (alert(AlertKind::Success, None, n)) }
        @if let Some(e) = error_for(errors, "konto") { (alert(AlertKind::Error, None, e)) }
        dl class="facts" {
            dt { "Nutzerkennung" } dd { (a.id) }
            dt { "Nutzerstatus" } dd { (status_text(a, None, now)) }
            dt { "Rollen" } dd { (role_text(&a.role)) }
        }
        h2 { "Bearbeiten" }
        form method="post" action=(base) novalidate {
            (csrf_field(csrf))
            (required_note())
            div class="grid-2" {
                (Field::text("Vorname", "vorname", &input.first_name).required().error(error_for(errors, "vorname")).render())
                (Field::text("Name", "name", &input.last_name).required().error(error_for(errors, "name")).render())
                (Field::text("E-Mail-Adresse", "email", &input.email).kind("email").required().error(error_for(errors, "email")).render())
            }
            (role_fields(input, errors))
            div class="actions" { button type="submit" { "Speichern" } }
        }
        h2 { "Aktionen" }
        (account_actions(csrf, &base, a, None, now))
    }
}
