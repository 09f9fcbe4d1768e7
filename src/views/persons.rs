//! Anspruchsberechtigte: list with filter, details with Lebenslauf, the
//! contact form.

use maud::{Markup, html};

use super::components::{
    AlertKind, Field, alert, csrf_field, datetime, empty_row, error_for, select,
};
use crate::app::persons::{Filter, ListPage};
use crate::domain::counted;
use crate::domain::forms::FormKind;
use crate::domain::persons::{Art, Contact, Person, format_date};
use crate::paths::persons as path;

fn art_options() -> Vec<(String, String)> {
    std::iter::once((String::new(), "Alle".to_owned()))
        .chain(
            Art::ALL
                .iter()
                .map(|a| (a.key().to_owned(), a.label().to_owned())),
        )
        .collect()
}

fn query(f: &Filter) -> String {
    serde_urlencoded::to_string([
        ("name", f.name.as_str()),
        ("personalnummer", f.personalnummer.as_str()),
        ("art", f.art.map_or("", Art::key)),
    ])
    .unwrap_or_default()
}

pub fn list(page: &ListPage, filter: &Filter, first: bool) -> Markup {
    let q = query(filter);
    html! {
        h1 { "Anspruchsberechtigte" }
        p { "Die Anspruchsberechtigten Ihrer Organisation (aktive Beamte, Versorgungsempfänger und Hinterbliebene)." }
        form method="get" action=(path::LIST) class="filter" {
            div class="grid-3" {
                (Field::text("Name", "name", &filter.name).render())
                (Field::text("Personalnummer", "personalnummer", &filter.personalnummer).render())
                (select("Art", "art", &art_options(), filter.art.map_or("", Art::key), false, None))
            }
            div class="actions" {
                button type="submit" { "Filtern" }
                @if !filter.is_empty() {
                    a class="button button-secondary" href=(path::LIST) { "Alle Filter löschen" }
                }
            }
        }
        div class="table-wrap" tabindex="0" role="region" aria-label="Anspruchsberechtigte" {
            table {
                caption class="visually-hidden" { "Anspruchsberechtigte" }
                thead { tr {
                    th scope="col" { "Name" } th scope="col" { "Vorname" } th scope="col" { "Personalnummer" }
                    th scope="col" { "Art" } th scope="col" { "Geburtsdatum" }
                } }
                tbody {
                    @if page.persons.is_empty() { (empty_row(5)) }
                    @for p in &page.persons {
                        tr class="clickable" {
                            td { a href=(path::details(&p.personalnummer)) { (p.name) } }
                            td { (p.vorname) }
                            td { (p.personalnummer) }
                            td { (p.art.label()) }
                            td { (format_date(p.geburtsdatum)) }
                        }
                    }
                }
            }
        }
        nav class="pager" aria-label="Seitennavigation" {
            span class="pager-summary" {
                @if page.total.more { "mindestens " }
                (counted(page.total.count, "Anspruchsberechtigte:r", "Anspruchsberechtigte"))
            }
            @if first {
                span class="pager-link disabled" aria-hidden="true" { "Erste Seite" }
            } @else {
                a class="pager-link" href={ (path::LIST) "?" (q) } { "Erste Seite" }
            }
            @match &page.next {
                Some(n) => a class="pager-link" href={ (path::LIST) "?" (q) "&nach=" (urlencode(n)) } { "Nächste Seite" },
                None => span class="pager-link disabled" aria-hidden="true" { "Nächste Seite" },
            }
        }
    }
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("x", s)])
        .unwrap_or_default()
        .trim_start_matches("x=")
        .to_owned()
}

fn or_dash(s: &str) -> &str {
    if s.is_empty() { "–" } else { s }
}

/// What the viewer may do besides looking.
pub struct Abilities {
    pub edit: bool,
    pub report: bool,
}

/// `changed_by`: who changed the contact data last (name and Nutzerkennung).
pub fn details(
    p: &Person,
    changed_by: Option<&str>,
    can: &Abilities,
    notice: Option<&str>,
) -> Markup {
    html! {
        h1 { (p.display_name()) }
        @if let Some(n) = notice { (alert(AlertKind::Success, None, n)) }
        h2 { "Personendaten" }
        dl class="facts" {
            dt { "Personalnummer" } dd { (p.personalnummer) }
            dt { "Art" } dd { (p.art.label()) }
            dt { "Name" } dd { (p.name) }
            dt { "Vorname" } dd { (p.vorname) }
            dt { "Geburtsdatum" } dd { (format_date(p.geburtsdatum)) }
            dt { "Geschäftsbereich" } dd { (p.bereich.map_or("–", |b| b.label())) }
        }
        h2 { "Kontaktdaten" }
        dl class="facts" {
            dt { "Straße" } dd { (or_dash(&p.contact.strasse)) }
            dt { "PLZ" } dd { (or_dash(&p.contact.plz)) }
            dt { "Ort" } dd { (or_dash(&p.contact.ort)) }
            dt { "Telefon" } dd { (or_dash(&p.contact.telefon)) }
            dt { "E-Mail-Adresse" } dd { (or_dash(&p.contact.email)) }
            @if let Some((at, by)) = &p.contact_changed {
                dt { "Zuletzt geändert" } dd { (datetime(*at)) " von " (changed_by.unwrap_or(by)) }
            }
        }
        @if can.edit {
            p { a class="button" href=(path::edit(&p.personalnummer)) { "Kontaktdaten bearbeiten" } }
        }
        @if p.art == Art::Beamter {
            h2 { "Lebenslauf" }
            div class="table-wrap" tabindex="0" role="region" aria-label="Lebenslauf" {
                table {
                    caption class="visually-hidden" { "Lebenslauf" }
                    thead { tr {
                        th scope="col" { "Von" } th scope="col" { "Bis" } th scope="col" { "Dienststelle" }
                        th scope="col" { "Amtsbezeichnung" } th scope="col" { "Besoldungsgruppe" }
                        th scope="col" { "Beschäftigungsumfang" }
                    } }
                    tbody {
                        @if p.lebenslauf.is_empty() { (empty_row(6)) }
                        @for period in &p.lebenslauf {
                            tr {
                                td { (format_date(period.von)) }
                                td { (period.bis.map_or("heute".to_owned(), format_date)) }
                                td { (period.dienststelle) }
                                td { (period.amtsbezeichnung) }
                                td { (period.besoldungsgruppe) }
                                td { (period.umfang) " %" }
                            }
                        }
                    }
                }
            }
            @if can.report {
                h2 { "Änderung melden" }
                ul {
                    @for k in FormKind::ALL {
                        li { a href={ (path::form(k.key())) "?person=" (p.personalnummer) } { (k.label()) } }
                    }
                }
            }
        }
        p { a class="button button-secondary" href=(path::LIST) { "Zurück zu den Anspruchsberechtigten" } }
    }
}

pub fn edit(csrf: &str, p: &Person, c: &Contact, errors: &[(&'static str, String)]) -> Markup {
    let e = |f| error_for(errors, f);
    html! {
        h1 { "Kontaktdaten bearbeiten" }
        p { (p.display_name()) ", Personalnummer " (p.personalnummer) }
        @if !errors.is_empty() {
            (alert(AlertKind::Error, None, "Bitte korrigieren Sie die markierten Angaben."))
        }
        form method="post" action=(path::edit(&p.personalnummer)) {
            (csrf_field(csrf))
            (Field::text("Straße", "strasse", &c.strasse).error(e("strasse")).autocomplete("off").render())
            (Field::text("PLZ", "plz", &c.plz).error(e("plz")).autocomplete("off").render())
            (Field::text("Ort", "ort", &c.ort).error(e("ort")).autocomplete("off").render())
            (Field::text("Telefon", "telefon", &c.telefon).kind("tel").error(e("telefon")).autocomplete("off").render())
            (Field::text("E-Mail-Adresse", "email", &c.email).kind("email").error(e("email")).autocomplete("off").render())
            div class="actions" {
                button type="submit" { "Speichern" }
                a class="button button-secondary" href=(path::details(&p.personalnummer)) { "Abbrechen" }
            }
        }
    }
}
