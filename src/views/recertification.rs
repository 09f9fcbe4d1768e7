//! "Berechtigungen überprüfen": the access review of an organisation's
//! administrator (issue 22 §2).

use maud::{Markup, html};

use super::components::{AlertKind, alert, csrf_field, date, empty_row};
use crate::app::recertification::Row;
use crate::paths::users as path;

pub struct ReviewPage<'a> {
    pub csrf: &'a str,
    pub rows: &'a [Row],
    pub months: u32,
    pub enforce: bool,
    pub grace_days: u32,
    pub notice: Option<&'a str>,
}

fn list(v: Vec<&str>) -> String {
    if v.is_empty() {
        "keine".to_owned()
    } else {
        v.join(", ")
    }
}

/// What an overdue review changes, as stated on the page.
pub fn consequence(enforce: bool, grace_days: u32) -> String {
    if enforce {
        format!(
            "Werden die Berechtigungen einer Nutzerin oder eines Nutzers nicht innerhalb von {grace_days} Tagen nach Fälligkeit bestätigt, werden sie ausgesetzt, bis Sie sie bestätigen oder ändern."
        )
    } else {
        "Eine überfällige Überprüfung ändert die Berechtigungen nicht.".to_owned()
    }
}

pub fn page(p: &ReviewPage<'_>) -> Markup {
    let overdue = p.rows.iter().filter(|r| r.overdue).count();
    html! {
        h1 { "Berechtigungen überprüfen" }
        @if let Some(n) = p.notice { (alert(AlertKind::Success, None, n)) }
        p { "Bitte prüfen Sie alle " (p.months) " Monate, ob Ihre Nutzer:innen die Gruppenpostfächer und Portalfunktionen noch benötigen. Bestätigen Sie die Berechtigungen oder ändern Sie sie über „Ändern“." }
        p { (consequence(p.enforce, p.grace_days)) }
        @if overdue > 0 {
            (alert(AlertKind::Warning, None, &format!("Die Überprüfung ist für {overdue} Nutzer:innen fällig.")))
        }
        @if !p.rows.is_empty() {
            form method="post" action=(path::REVIEW_CONFIRM) class="actions" {
                (csrf_field(p.csrf))
                input type="hidden" name="alle" value="1";
                button type="submit" { "Alle bestätigen" }
            }
        }
        div class="table-wrap" {
            table {
                caption class="visually-hidden" { "Berechtigungen Ihrer Nutzer:innen" }
                thead {
                    tr {
                        th scope="col" { "Name" }
                        th scope="col" { "Nutzerkennung" }
                        th scope="col" { "Gruppenpostfächer" }
                        th scope="col" { "Portalfunktionen" }
                        th scope="col" { "Zuletzt bestätigt" }
                        th scope="col" { "Fällig am" }
                        th scope="col" { "Aktion" }
                    }
                }
                tbody {
                    @if p.rows.is_empty() { (empty_row(7)) }
                    @for r in p.rows {
                        @let a = &r.account;
                        @let g = a.suspended_grants.clone().or_else(|| a.grants().cloned()).unwrap_or_default();
                        tr {
                            td { (a.sort_name()) }
                            td { (a.id) }
                            td { (list(g.mailboxes.iter().map(|m| m.label()).collect())) }
                            td { (list(g.functions.iter().map(|f| f.label()).collect())) }
                            td { (a.recertified_at.map(date).unwrap_or_else(|| "Noch nie".to_owned())) }
                            td {
                                (date(r.due_at))
                                @if r.overdue { " – " span class="badge badge-warning" { "überfällig" } }
                                @if a.suspended_grants.is_some() { " – " span class="badge badge-warning" { "Berechtigungen ausgesetzt" } }
                            }
                            td {
                                form method="post" action=(path::REVIEW_CONFIRM) class="inline" {
                                    (csrf_field(p.csrf))
                                    input type="hidden" name="kennung" value=(a.id);
                                    button type="submit" aria-label=(format!("Berechtigungen von {} bestätigen", a.full_name())) { "Bestätigen" }
                                }
                                " "
                                a href=(path::edit(a.id.as_str())) aria-label=(format!("Berechtigungen von {} ändern", a.full_name())) { "Ändern" }
                            }
                        }
                    }
                }
            }
        }
        p { a href=(path::LIST) { "Zurück zur Übersicht: Nutzer:innen" } }
    }
}

/// The banner on the administrator's home.
pub fn banner(overdue: usize) -> Markup {
    html! {
        div class="alert alert-warning" role="status" {
            p {
                "Die Überprüfung der Berechtigungen ist für " (overdue) " Nutzer:innen überfällig. "
                a href=(path::REVIEW) { "Berechtigungen überprüfen" }
            }
        }
    }
}

/// The section on the Kassen' page of a Mitglied.
pub fn kassen_section(s: &crate::app::recertification::OrgSummary, months: u32) -> Markup {
    html! {
        section aria-labelledby="rezertifizierung" {
            h2 id="rezertifizierung" { "Überprüfung der Berechtigungen" }
            @if months == 0 {
                p { "Die regelmäßige Überprüfung ist ausgeschaltet." }
            } @else {
                dl class="grid-2" {
                    div { dt { "Letzte Bestätigung" } dd { (s.last_review.map(date).unwrap_or_else(|| "Noch nie".to_owned())) } }
                    div { dt { "Überfällig" } dd { (s.overdue.len()) " von " (s.users) " Nutzer:innen" } }
                }
                @if !s.overdue.is_empty() {
                    ul {
                        @for a in &s.overdue { li { (a.sort_name()) " " (a.id) } }
                    }
                }
            }
        }
    }
}
