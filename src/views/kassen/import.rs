//! "Datenimport": CSV files of entitled persons and Lebensläufe.

use maud::{Markup, html};

use crate::app::person_import::{Conflict, Outcome};
use crate::domain::counted;
use crate::domain::org::Organisation;
use crate::domain::person_csv::{FileKind, PERIOD_COLUMNS, PERSON_COLUMNS};
use crate::domain::persons::ContactPolicy;
use crate::paths::persons as path;
use crate::views::components::{AlertKind, alert, csrf_field, error_for, radio_group, select};

/// Conflicts listed at most on the page (the rest are counted).
const CONFLICTS_SHOWN: usize = 200;

pub struct ImportPage<'a> {
    pub csrf: &'a str,
    pub orgs: &'a [Organisation],
    /// The chosen Mitglied (id), file type (key) and contact policy: the
    /// form keeps them after a Probelauf or an import.
    pub org: &'a str,
    pub kind: &'a str,
    pub policy: ContactPolicy,
    pub errors: &'a [(&'static str, String)],
    /// The result of the last run: (dry run?, outcome).
    pub result: Option<(bool, &'a Outcome)>,
    /// After "Importieren" (post/redirect/get): what was imported.
    pub done: Option<&'a Done>,
}

/// A completed import as the page after the redirect shows it.
pub struct Done {
    pub kind: FileKind,
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub conflicts: usize,
    pub policy: ContactPolicy,
    pub converted: bool,
}

/// "Blaugraben (78970)" for the chosen id, if it is one.
fn org_label(orgs: &[Organisation], id: &str) -> Option<String> {
    orgs.iter()
        .find(|o| o.id.to_string() == id)
        .map(|o| format!("{} ({})", o.name, o.number))
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
    let policies: Vec<(&str, &str)> = ContactPolicy::ALL
        .iter()
        .map(|c| (c.key(), c.label()))
        .collect();
    let what = |kind: FileKind| match org_label(p.orgs, p.org) {
        Some(o) => format!("{} für {o}", kind.label()),
        None => kind.label().to_owned(),
    };
    html! {
        h1 { "Datenimport" }
        p { "Laden Sie die Anspruchsberechtigten eines Mitglieds und die Lebensläufe der Beamten als CSV-Datei (UTF-8 oder Windows-1252, Trennzeichen „;“, Datumsangaben TT.MM.JJJJ). Der Probelauf prüft jede Zeile und importiert nichts; „Importieren“ übernimmt alle Zeilen oder keine." }
        details {
            summary { "Aufbau der Dateien" }
            p { strong { "Anspruchsberechtigte: " } code { (PERSON_COLUMNS.join(";")) } }
            p { strong { "Lebensläufe: " } code { (PERIOD_COLUMNS.join(";")) } }
        }
        @if let Some(d) = p.done { (done(d, &what(d.kind))) }
        @if let Some((dry, o)) = p.result {
            (result(dry, o, &FileKind::from_key(p.kind).map(&what).unwrap_or_default()))
        }
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
            (radio_group("Abweichungen in Kontaktdaten", "kontaktdaten", &policies, p.policy.key(),
                Some("Gilt für Anspruchsberechtigte: Kontaktdaten, die die Organisation seit dem letzten Import geändert hat und die in der Datei anders lauten. Der Probelauf listet jede Abweichung.")))
            div class="actions" {
                button type="submit" name="aktion" value="probelauf" class="button-secondary" { "Probelauf" }
                button type="submit" name="aktion" value="importieren" { "Importieren" }
            }
        }
    }
}

const CONVERTED: &str = "Datei war in Windows-1252 kodiert und wurde umgewandelt.";

fn conflict_summary(n: usize, policy: ContactPolicy) -> String {
    format!(
        "{}: {}.",
        counted(
            n as u64,
            "Abweichung in Kontaktdaten",
            "Abweichungen in Kontaktdaten"
        ),
        policy.label()
    )
}

fn done(d: &Done, what: &str) -> Markup {
    let mut text = format!(
        "{what}: {} gelesen, {} neu, {} aktualisiert.",
        counted(d.rows as u64, "Zeile", "Zeilen"),
        d.created,
        d.updated
    );
    if d.conflicts > 0 {
        text.push(' ');
        text.push_str(&conflict_summary(d.conflicts, d.policy));
    }
    if d.converted {
        text.push(' ');
        text.push_str(CONVERTED);
    }
    alert(AlertKind::Success, Some("Import abgeschlossen"), &text)
}

/// Row errors listed at most: a file of bad rows gives a short page with
/// a count of the rest (issue 19: 2 MB of bad rows made a 65 MB page).
pub const SHOWN_ERRORS: usize = 200;

fn result(dry: bool, o: &Outcome, what: &str) -> Markup {
    let read = format!(
        "{} gelesen, {} neu, {} aktualisiert",
        counted(o.rows as u64, "Zeile", "Zeilen"),
        o.created,
        o.updated
    );
    html! {
        @if o.converted { (alert(AlertKind::Info, None, CONVERTED)) }
        @if !o.errors.is_empty() {
            (alert(AlertKind::Error, Some("Fehler in der Datei"), &format!(
                "{} gefunden. Es wurde nichts importiert.", counted(o.errors.len() as u64, "Fehler", "Fehler")
            )))
            div class="table-wrap" tabindex="0" role="region" aria-label="Fehler je Zeile" {
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
            (alert(AlertKind::Success, Some("Probelauf ohne Fehler"), &format!("{what}: {read}. Es wurde nichts importiert.")))
            @if !o.conflicts.is_empty() { (conflicts(&o.conflicts, o.policy)) }
        }
    }
}

fn conflicts(list: &[Conflict], policy: ContactPolicy) -> Markup {
    html! {
        h2 { "Abweichungen in Kontaktdaten" }
        p {
            "Diese Kontaktdaten hat die Organisation seit dem letzten Import geändert; die Datei enthält andere Werte. "
            (conflict_summary(list.len(), policy))
            " Die Auswahl „Abweichungen in Kontaktdaten“ gilt für den Import."
        }
        div class="table-wrap" tabindex="0" role="region" aria-label="Abweichungen in Kontaktdaten" {
            table {
                caption class="visually-hidden" { "Abweichungen in Kontaktdaten" }
                thead { tr {
                    th scope="col" { "Anspruchsberechtigte:r" } th scope="col" { "Feld" }
                    th scope="col" { "Wert im Portal" } th scope="col" { "Wert in der Datei" }
                } }
                tbody {
                    @for c in list.iter().take(CONFLICTS_SHOWN) {
                        tr {
                            td { (c.person) " (" (c.personalnummer) ")" }
                            td { (c.field) }
                            td { @if c.portal.is_empty() { "–" } @else { (c.portal) } }
                            td { @if c.file.is_empty() { "–" } @else { (c.file) } }
                        }
                    }
                }
            }
        }
        @if list.len() > CONFLICTS_SHOWN {
            p { "Die ersten " (CONFLICTS_SHOWN) " von " (list.len()) " Abweichungen sind aufgeführt." }
        }
    }
}
