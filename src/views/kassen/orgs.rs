//! Mitglieder (organisations) for the Kassen-Portaladministration.

use maud::{Markup, html};

use crate::app::orgs::{Exceeding, OrgInput};
use crate::domain::account::SecondFactor;
use crate::domain::org::{Bereich, GroupMailbox, Organisation, PortalFunction};
use crate::views::components::{
    AlertKind, EMAIL_TAN_WARNING, Field, Paging, action_button, alert, checkbox_group, csrf_field,
    empty_row, error_for, pager, radio_group, required_note, textarea,
};

pub fn list(
    rows: &[crate::app::orgs::OrgRow],
    paging: &Paging,
    query: &str,
    notice: Option<&str>,
) -> Markup {
    let href = |page: usize| format!("/kassen/mitglieder?q={}&seite={page}", urlencode(query));
    html! {
        h1 { "Mitglieder" }
        @if let Some(n) = notice { (alert(AlertKind::Success, None, n)) }
        p { a class="button" href="/kassen/mitglieder/neu" { "Mitglied anlegen" } }
        form method="get" action="/kassen/mitglieder" class="filter" {
            (Field::text("Name oder Mitgliedsnummer", "q", query).kind("search").render())
            div class="actions" {
                button type="submit" { "Filtern" }
                @if !query.is_empty() { a class="button button-secondary" href="/kassen/mitglieder" { "Alle Filter löschen" } }
            }
        }
        div class="table-wrap" tabindex="0" role="region" aria-label="Mitglieder" {
            table {
                caption class="visually-hidden" { "Mitglieder" }
                thead { tr {
                    th scope="col" { "Name" } th scope="col" { "Mitgliedsnummer" } th scope="col" { "Abrechnungsnummer" }
                    th scope="col" { "Geschäftsbereiche" } th scope="col" { "Administrator:innen" }
                } }
                tbody {
                    @if rows.is_empty() { (empty_row(5)) }
                    @for r in &rows[paging.range()] {
                        tr class="clickable" {
                            td { a href={ "/kassen/mitglieder/" (r.org.id) } { (r.org.name) } }
                            td { (r.org.number) }
                            td { (r.org.billing_number) }
                            td { (r.org.bereiche.iter().map(|b| b.label()).collect::<Vec<_>>().join(", ")) }
                            td class="num" { (r.admins) }
                        }
                    }
                }
            }
        }
        (pager(paging, href))
    }
}

/// The create/edit form. `org_id` is `None` when creating.
pub fn form(
    csrf: &str,
    org_id: Option<u64>,
    input: &OrgInput,
    errors: &[(&'static str, String)],
) -> Markup {
    let action = match org_id {
        Some(id) => format!("/kassen/mitglieder/{id}"),
        None => "/kassen/mitglieder/neu".to_owned(),
    };
    let bereiche: Vec<(&str, &str, bool)> = Bereich::ALL
        .iter()
        .map(|b| (b.key(), b.label(), input.bereiche.contains(b)))
        .collect();
    let mailboxes: Vec<(&str, &str, bool)> = GroupMailbox::ALL
        .iter()
        .map(|m| (m.key(), m.label(), input.mailboxes.contains(m)))
        .collect();
    let functions: Vec<(&str, &str, bool)> = PortalFunction::ALL
        .iter()
        .map(|f| (f.key(), f.label(), input.functions.contains(f)))
        .collect();
    let factors: Vec<(&str, &str)> = SecondFactor::ALL
        .iter()
        .map(|f| (f.key(), f.label()))
        .collect();
    let factor_hint = format!(
        "Gilt für alle Nutzerkonten des Mitglieds; eine abweichende Einstellung einzelner Administrator:innen bleibt bestehen. Beim Wechsel zurück zur Authenticator-App richten Konten ohne Authenticator diesen bei der nächsten Anmeldung ein. {EMAIL_TAN_WARNING}"
    );
    html! {
        @if !errors.is_empty() {
            (alert(AlertKind::Error, Some("Bitte prüfen Sie Ihre Eingaben."), "Einige Felder sind nicht korrekt ausgefüllt."))
        }
        form method="post" action=(action) novalidate {
            (csrf_field(csrf))
            (required_note())
            div class="grid-2" {
                (Field::text("Name", "name", &input.name).required().error(error_for(errors, "name")).render())
                (Field::text("Mitgliedsnummer", "mitgliedsnummer", &input.number).required().error(error_for(errors, "mitgliedsnummer")).render())
                (Field::text("Abrechnungsnummer", "abrechnungsnummer", &input.billing_number).required().error(error_for(errors, "abrechnungsnummer")).render())
            }
            (textarea("Anschrift", "anschrift", &input.address, true, error_for(errors, "anschrift")))
            (checkbox_group("Geschäftsbereiche", "bereiche", &bereiche, error_for(errors, "bereiche")))
            (checkbox_group("Freigegebene Gruppenpostfächer", "postfaecher", &mailboxes, None))
            (checkbox_group("Freigegebene Portal-Funktionalitäten", "funktionen", &functions, None))
            p class="hint" { "Nicht freigegebene Gruppenpostfächer und Funktionen werden den Administrator:innen des Mitglieds bei der Rechtevergabe nicht angezeigt." }
            (radio_group("Zweiter Faktor", "zweiter_faktor", &factors, input.second_factor.key(), Some(&factor_hint)))
            div class="actions" {
                a class="button button-secondary" href="/kassen/mitglieder" { "Abbrechen" }
                button type="submit" { @if org_id.is_some() { "Speichern" } @else { "Anlegen" } }
            }
        }
    }
}

pub fn new_page(csrf: &str, input: &OrgInput, errors: &[(&'static str, String)]) -> Markup {
    html! {
        h1 { "Mitglied anlegen" }
        (form(csrf, None, input, errors))
    }
}

pub struct AdminRow {
    pub id: String,
    pub name: String,
    pub status: String,
}

pub fn details(
    csrf: &str,
    org: &Organisation,
    input: &OrgInput,
    errors: &[(&'static str, String)],
    admins: &[AdminRow],
    exceeding: &[Exceeding],
    notice: Option<&str>,
) -> Markup {
    html! {
        h1 { "Mitglied: " (org.name) }
        @if let Some(n) = notice { (alert(AlertKind::Success, None, n)) }
        (form(csrf, Some(org.id), input, errors))
        @if !exceeding.is_empty() {
            section aria-labelledby="ueberschreitend" {
                h2 id="ueberschreitend" { "Berechtigungen außerhalb der Funktionseinschränkungen" }
                p { "Folgende Nutzer:innen haben Berechtigungen, die für dieses Mitglied nicht mehr freigegeben sind. Neue Vergaben sind bereits ausgeschlossen; bestehende können hier entfernt werden." }
                ul {
                    @for e in exceeding {
                        li {
                            (e.name) " " (e.id) ": "
                            (e.grants.mailboxes.iter().map(|m| m.label()).chain(e.grants.functions.iter().map(|f| f.label())).collect::<Vec<_>>().join(", "))
                        }
                    }
                }
                (action_button(&format!("/kassen/mitglieder/{}/berechtigungen-bereinigen", org.id), csrf, "Überschreitende Berechtigungen entfernen", "button-danger"))
            }
        }
        section aria-labelledby="admins" {
            h2 id="admins" { "Administrator:innen" }
            @if admins.is_empty() {
                p { "Für dieses Mitglied ist noch keine Administrator:in angelegt." }
            } @else {
                ul {
                    @for a in admins {
                        li { a href={ "/kassen/administratoren/" (a.id) } { (a.name) " " (a.id) } " – " (a.status) }
                    }
                }
            }
            p { a class="button" href={ "/kassen/administratoren/neu?mitglied=" (org.id) } { "Administrator:in anlegen" } }
        }
    }
}

/// Percent-encodes a query value.
pub fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("v", s)])
        .map(|x| x[2..].to_owned())
        .unwrap_or_default()
}
