//! Beamtenformulare: the list "Formulare", each form, its summary and the
//! page of a submitted report (organisation side).

use maud::{Markup, html};

use super::components::{
    AlertKind, Field, alert, csrf_field, datetime, empty_row, error_for, select, textarea,
};
use crate::app::forms::{FormInput, ReportPage};
use crate::domain::counted;
use crate::domain::forms::{FieldType, FormKind, Report};
use crate::domain::persons::Person;
use crate::paths::persons as path;

pub fn index(reports: &ReportPage, notice: Option<&str>) -> Markup {
    html! {
        h1 { "Formulare" }
        @if let Some(n) = notice { (alert(AlertKind::Success, None, n)) }
        p { "Melden Sie hier Änderungen an aktiven Beamten mittels Beamtenformularen." }
        ul class="link-list" {
            @for k in FormKind::ALL {
                li { a href=(path::form(k.key())) { (k.label()) } }
            }
        }
        h2 { "Abgesandte Meldungen" }
        (report_table(&reports.reports, |r| path::report(r.id), None))
        p class="pager-summary" { (counted(reports.total, "Meldung", "Meldungen")) }
        @if let Some(n) = reports.next {
            p { a class="pager-link" href={ (path::FORMS) "?vor=" (n) } { "Ältere Meldungen" } }
        }
    }
}

/// The table of reports, shared with the Kassen' list; `mitglied` names
/// the organisation of a report for the column "Mitglied" (Kassen only).
pub fn report_table(
    reports: &[Report],
    href: impl Fn(&Report) -> String,
    mitglied: Option<&dyn Fn(&Report) -> String>,
) -> Markup {
    let columns = if mitglied.is_some() { 6 } else { 5 };
    html! {
        div class="table-wrap" tabindex="0" role="region" aria-label="Meldungen" {
            table {
                caption class="visually-hidden" { "Meldungen" }
                thead { tr {
                    th scope="col" { "Datum" } th scope="col" { "Formular" }
                    @if mitglied.is_some() { th scope="col" { "Mitglied" } }
                    th scope="col" { "Anspruchsberechtigte:r" }
                    th scope="col" { "Referenz" } th scope="col" { "Status" }
                } }
                tbody {
                    @if reports.is_empty() { (empty_row(columns)) }
                    @for r in reports {
                        tr class="clickable" {
                            td { (datetime(r.submitted_at)) }
                            td { a href=(href(r)) { (r.kind.label()) } }
                            @if let Some(m) = mitglied { td { (m(r)) } }
                            td { (r.person_name) " (" (r.personalnummer) ")" }
                            td { (r.referenz) }
                            td { (r.status.label()) }
                        }
                    }
                }
            }
        }
    }
}

pub struct FormPage<'a> {
    pub csrf: &'a str,
    pub kind: FormKind,
    pub persons: &'a [Person],
    pub input: &'a FormInput,
    pub errors: &'a [(&'static str, String)],
}

pub fn form(p: &FormPage<'_>) -> Markup {
    let e = |f| error_for(p.errors, f);
    let options: Vec<(String, String)> =
        std::iter::once((String::new(), "Bitte auswählen".to_owned()))
            .chain(p.persons.iter().map(|x| {
                (
                    x.personalnummer.clone(),
                    format!("{} ({})", x.display_name(), x.personalnummer),
                )
            }))
            .collect();
    html! {
        h1 { (p.kind.label()) }
        @if !p.errors.is_empty() {
            (alert(AlertKind::Error, None, "Bitte korrigieren Sie die markierten Angaben."))
        }
        p { "Mit * gekennzeichnete Felder sind Pflichtfelder" }
        form method="post" action=(path::form(p.kind.key())) {
            (csrf_field(p.csrf))
            (select("Anspruchsberechtigte:r", "person", &options, &p.input.personalnummer, true, e("person")))
            @for f in p.kind.fields() {
                @let value = p.input.get(f.name);
                @match f.kind {
                    FieldType::Text if f.name == "bemerkung" => (textarea(f.label, f.name, &value, f.required, e(f.name))),
                    FieldType::Choice(options) => {
                        @let opts: Vec<(String, String)> = std::iter::once((String::new(), "Bitte auswählen".to_owned()))
                            .chain(options.iter().map(|o| ((*o).to_owned(), (*o).to_owned()))).collect();
                        (select(f.label, f.name, &opts, &value, f.required, e(f.name)))
                    }
                    _ => (input_field(f, &value, e(f.name))),
                }
            }
            div class="actions" {
                button type="submit" { "Weiter" }
                a class="button button-secondary" href=(path::FORMS) { "Abbrechen" }
            }
        }
    }
}

fn input_field(f: &crate::domain::forms::FieldSpec, value: &str, error: Option<&str>) -> Markup {
    let mut field = Field::text(f.label, f.name, value)
        .error(error)
        .autocomplete("off");
    if f.kind == FieldType::Date {
        field = field.hint("TT.MM.JJJJ");
    }
    if f.required {
        field = field.required();
    }
    field.render()
}

/// Name of the hidden field with the one-time submission token.
pub const TOKEN_FIELD: &str = "einreichung";

/// What the summary page needs besides the values.
pub struct SummaryPage<'a> {
    pub csrf: &'a str,
    /// One-time submission token: a second "Absenden" of this page shows
    /// the report of the first.
    pub token: &'a str,
    pub kind: FormKind,
}

/// The summary after "Weiter": every value, "Absenden" or "Zurück".
pub fn summary(
    page: &SummaryPage<'_>,
    person: &Person,
    values: &[(String, String)],
    input: &FormInput,
) -> Markup {
    let kind = page.kind;
    html! {
        h1 { (kind.label()) ": Zusammenfassung" }
        p { "Bitte prüfen Sie Ihre Angaben und senden Sie die Meldung ab." }
        dl class="facts" {
            dt { "Anspruchsberechtigte:r" } dd { (person.display_name()) " (Personalnummer " (person.personalnummer) ")" }
            @for (label, value) in values {
                dt { (label) } dd { @if value.is_empty() { "–" } @else { (value) } }
            }
        }
        form method="post" action=(path::form_submit(kind.key())) {
            (csrf_field(page.csrf))
            input type="hidden" name=(TOKEN_FIELD) value=(page.token);
            input type="hidden" name="person" value=(input.personalnummer);
            @for (k, v) in &input.values {
                input type="hidden" name=(k) value=(v);
            }
            div class="actions" {
                button type="submit" { "Absenden" }
                button type="submit" class="button-secondary" formaction=(path::form(kind.key())) name="zurueck" value="1" { "Zurück" }
            }
        }
    }
}

/// A report with its facts, shared with the Kassen' details page.
pub fn report_facts(r: &Report, org_name: Option<&str>) -> Markup {
    html! {
        dl class="facts" {
            dt { "Referenz" } dd { (r.referenz) }
            dt { "Formular" } dd { (r.kind.label()) }
            @if let Some(o) = org_name { dt { "Mitglied" } dd { (o) } }
            dt { "Anspruchsberechtigte:r" } dd { (r.person_name) " (Personalnummer " (r.personalnummer) ")" }
            dt { "Abgesandt" } dd { (datetime(r.submitted_at)) " von " (r.submitter_name) " (" (r.submitted_by) ")" }
            dt { "Status" } dd { (r.status.label()) }
            dt { "Quittungsnachricht" } dd { (r.receipt.label()) }
        }
        h2 { "Angaben" }
        dl class="facts" {
            @for (label, value) in &r.values {
                dt { (label) } dd { @if value.is_empty() { "–" } @else { (value) } }
            }
        }
    }
}

/// A sent report; `receipt` links to its Quittungsnachricht where the
/// person can read it (otherwise the page says where it went).
pub fn report(r: &Report, notice: Option<&str>, receipt: Option<&str>) -> Markup {
    html! {
        h1 { "Meldung: " (r.kind.label()) }
        @if let Some(n) = notice { (alert(AlertKind::Success, None, n)) }
        (report_facts(r, None))
        @if let Some(href) = receipt {
            p { a href=(href) { "Zur Quittungsnachricht" } " (Referenz " (r.referenz) ")" }
        } @else {
            p class="hint" { "Die Quittungsnachricht liegt in einem Postfach, auf das Sie keinen Zugriff haben (Postfach-Konfiguration Ihrer Organisation)." }
        }
        div class="actions" {
            a class="button" href=(path::report_pdf(r.id)) { "PDF herunterladen" }
            a class="button button-secondary" href=(path::FORMS) { "Zurück zu den Formularen" }
        }
    }
}
