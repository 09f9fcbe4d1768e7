//! "Datenimport": CSV files of entitled persons and Lebensläufe.

use maud::{Markup, html};

use crate::app::person_import::Outcome;
use crate::domain::org::Organisation;
use crate::domain::person_csv::{FileKind, PERIOD_COLUMNS, PERSON_COLUMNS};
use crate::paths::persons as path;
use crate::views::components::{AlertKind, alert, csrf_field, error_for, select};

pub struct ImportPage<'a> {
    pub csrf: &'a str,
    pub orgs: &'a [Organisation],
    pub org: &'a str,
    pub kind: &'a str,
    pub errors: &'a [(&'static str, String)],
    /// The result of the last run: (dry run?, outcome).
    pub result: Option<(bool, &'a Outcome)>,
}

pub fn page(p: &ImportPage<'_>) -> Markup {
    let orgs: Vec<(String, String)> =
        std::iter::once((String::new(), "Bitte auswählen".to_owned()))
            .chain(
                p.orgs
                    .iter()
                    .map(|o| (o.id.to_string(), format!("{} ({})", o.name, o.number))),
            )
            .collect();
    let kinds: Vec<(String, String)> = FileKind::ALL
        .iter()
        .map(|k| (k.key().to_owned(), k.label().to_owned()))
        .collect();
    html! {
        h1 { "Datenimport" }
        p { "Laden Sie die Anspruchsberechtigten eines Mitglieds und die Lebensläufe der Beamten als CSV-Datei (UTF-8, Trennzeichen „;“, Datumsangaben TT.MM.JJJJ). Der Probelauf prüft jede Zeile und importiert nichts; „Importieren“ übernimmt alle Zeilen oder keine." }
        details {
            summary { "Aufbau der Dateien" }
            p { strong { "Anspruchsberechtigte: " } code { (PERSON_COLUMNS.join(";")) } }
            p { strong { "Lebensläufe: " } code { (PERIOD_COLUMNS.join(";")) } }
        }
        @if let Some((dry, o)) = p.result { (result(dry, o)) }
        form method="post" action=(path::KASSEN_IMPORT) enctype="multipart/form-data" {
            (csrf_field(p.csrf))
            (select("Mitglied", "mitglied", &orgs, p.org, true, error_for(p.errors, "mitglied")))
            (select("Art der Datei", "art", &kinds, p.kind, true, error_for(p.errors, "art")))
            @let err = error_for(p.errors, "datei");
            div class={ "field" @if err.is_some() { " field-error" } } {
                label for="f-datei" { "CSV-Datei" span class="req" aria-hidden="true" { "*" } }
                input id="f-datei" type="file" name="datei" accept=".csv,text/csv" required
                    aria-invalid=[err.map(|_| "true")] aria-describedby=[err.map(|_| "f-datei-fehler")];
                @if let Some(e) = err { p class="error" id="f-datei-fehler" { (e) } }
            }
            div class="actions" {
                button type="submit" name="aktion" value="probelauf" class="button-secondary" { "Probelauf" }
                button type="submit" name="aktion" value="importieren" { "Importieren" }
            }
        }
    }
}

/// Row errors listed at most: a file of bad rows gives a short page with
/// a count of the rest (issue 19: 2 MB of bad rows made a 65 MB page).
pub const SHOWN_ERRORS: usize = 200;

fn result(dry: bool, o: &Outcome) -> Markup {
    let figures = format!(
        "{} Zeilen gelesen, {} neu, {} aktualisiert.",
        o.rows, o.created, o.updated
    );
    html! {
        @if !o.errors.is_empty() {
            (alert(AlertKind::Error, Some("Fehler in der Datei"), &format!(
                "{} Fehler gefunden. Es wurde nichts importiert.", o.errors.len()
            )))
            div class="table-wrap" {
                table {
                    caption { "Fehler je Zeile" }
                    thead { tr { th scope="col" { "Zeile" } th scope="col" { "Spalte" } th scope="col" { "Fehler" } } }
                    tbody {
                        @for e in o.errors.iter().take(SHOWN_ERRORS) {
                            tr { td { (e.line) } td { (e.column) } td { (e.message) } }
                        }
                    }
                }
            }
            @if o.errors.len() > SHOWN_ERRORS {
                p { (format!(
                    "Angezeigt sind die ersten {SHOWN_ERRORS} Fehler; {} weitere Fehler sind nicht aufgeführt.",
                    o.errors.len() - SHOWN_ERRORS
                )) }
            }
        } @else if dry {
            (alert(AlertKind::Success, Some("Probelauf ohne Fehler"), &format!("{figures} Es wurde nichts importiert.")))
        } @else if o.imported {
            (alert(AlertKind::Success, Some("Import abgeschlossen"), &figures))
        }
    }
}
