//! "Formularmeldungen": the reports submitted by the organisations.

use maud::{Markup, html};

use crate::app::forms::ReportPage;
use crate::domain::counted;
use crate::domain::forms::{Report, ReportStatus};
use crate::domain::org::Organisation;
use crate::paths::persons as path;
use crate::views::components::{AlertKind, action_button, alert, datetime, select};
use crate::views::forms::{report_facts, report_table};

/// The list's filter.
pub struct Filter {
    pub status: Option<ReportStatus>,
    pub org: Option<u64>,
}

pub fn list(page: &ReportPage, filter: &Filter, orgs: &[Organisation]) -> Markup {
    let st = filter.status.map_or("", ReportStatus::key);
    let mg = filter.org.map(|o| o.to_string()).unwrap_or_default();
    let org_options: Vec<(String, String)> = std::iter::once((String::new(), "Alle".to_owned()))
        .chain(
            orgs.iter()
                .map(|o| (o.id.to_string(), format!("{} ({})", o.name, o.number))),
        )
        .collect();
    let options: Vec<(String, String)> = std::iter::once((String::new(), "Alle".to_owned()))
        .chain(
            ReportStatus::ALL
                .iter()
                .map(|s| (s.key().to_owned(), s.label().to_owned())),
        )
        .collect();
    html! {
        h1 { "Formularmeldungen" }
        p { "Die Meldungen der Mitglieder über Beamtenformulare, die neuesten zuerst." }
        form method="get" action=(path::KASSEN_REPORTS) class="filter" {
            div class="grid-2" {
                (select("Status", "status", &options, st, false, None))
                (select("Mitglied", "mitglied", &org_options, &mg, false, None))
            }
            div class="actions" {
                button type="submit" { "Filtern" }
                @if filter.status.is_some() || filter.org.is_some() {
                    a class="button button-secondary" href=(path::KASSEN_REPORTS) { "Alle Filter löschen" }
                }
            }
        }
        @let mitglied = |r: &Report| {
            orgs.iter()
                .find(|o| o.id == r.org)
                .map_or_else(String::new, |o| format!("{} ({})", o.name, o.number))
        };
        (report_table(&page.reports, |r| path::kassen_report(r.id), Some(&mitglied)))
        nav class="pager" aria-label="Seitennavigation" {
            span class="pager-summary" { (counted(page.total, "Meldung", "Meldungen")) }
            @if let Some(n) = page.next {
                a class="pager-link" href={ (path::KASSEN_REPORTS) "?status=" (st) "&mitglied=" (mg) "&vor=" (n) } { "Ältere Meldungen" }
            }
        }
    }
}

pub fn details(r: &Report, org_name: &str, csrf: &str, notice: Option<&str>) -> Markup {
    let action = path::kassen_report_status(r.id);
    html! {
        h1 { "Formularmeldung: " (r.kind.label()) }
        @if let Some(n) = notice { (alert(AlertKind::Success, None, n)) }
        (report_facts(r, Some(org_name)))
        @if !r.history.is_empty() {
            h2 { "Verlauf" }
            ul {
                @for (at, by, s) in &r.history {
                    li { (datetime(*at)) ": " (s.label()) " (" (by) ")" }
                }
            }
        }
        div class="actions" {
            a class="button" href=(path::kassen_report_pdf(r.id)) { "PDF herunterladen" }
            @for s in ReportStatus::ALL {
                @if s != r.status {
                    (action_button(&format!("{action}?neu={}", s.key()), csrf, &format!("Status: {}", s.label()), "button-secondary"))
                }
            }
            a class="button button-secondary" href=(path::KASSEN_REPORTS) { "Zurück zu den Formularmeldungen" }
        }
    }
}
