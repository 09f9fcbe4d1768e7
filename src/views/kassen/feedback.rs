//! "Rückmeldungen": the feedback and support inbox.

use maud::{Markup, html};

use crate::app::feedback::InboxFilter;
use crate::domain::help::{FeedbackEntry, FeedbackKind};
use crate::views::components::{
    AlertKind, Paging, action_button, alert, datetime, empty_row, pager, paragraphs, select,
};

pub fn sender(e: &FeedbackEntry) -> &str {
    e.account.as_deref().unwrap_or("anonym")
}

pub fn status(e: &FeedbackEntry) -> &'static str {
    if e.done { "erledigt" } else { "neu" }
}

fn kind_key(f: &InboxFilter) -> &'static str {
    f.kind.map_or("", FeedbackKind::key)
}

fn status_key(f: &InboxFilter) -> &'static str {
    match f.done {
        None => "",
        Some(false) => "neu",
        Some(true) => "erledigt",
    }
}

pub fn list(
    entries: &[FeedbackEntry],
    paging: &Paging,
    filter: &InboxFilter,
    notice: Option<&str>,
) -> Markup {
    let (art, st) = (kind_key(filter), status_key(filter));
    let href = |page: usize| format!("/kassen/rueckmeldungen?art={art}&status={st}&seite={page}");
    let kinds: Vec<(String, String)> = std::iter::once((String::new(), "Alle".to_owned()))
        .chain(
            FeedbackKind::ALL
                .iter()
                .map(|k| (k.key().to_owned(), k.label().to_owned())),
        )
        .collect();
    let states: Vec<(String, String)> = [("", "Alle"), ("neu", "neu"), ("erledigt", "erledigt")]
        .iter()
        .map(|(k, l)| ((*k).to_owned(), (*l).to_owned()))
        .collect();
    html! {
        h1 { "Rückmeldungen" }
        @if let Some(n) = notice { (alert(AlertKind::Success, None, n)) }
        p { "Nachrichten aus dem Feedback- und dem Supportformular, die neuesten zuerst." }
        form method="get" action="/kassen/rueckmeldungen" class="filter" {
            div class="grid-2" {
                (select("Art", "art", &kinds, art, false, None))
                (select("Status", "status", &states, st, false, None))
            }
            div class="actions" {
                button type="submit" { "Filtern" }
                @if filter.kind.is_some() || filter.done.is_some() {
                    a class="button button-secondary" href="/kassen/rueckmeldungen" { "Alle Filter löschen" }
                }
            }
        }
        div class="table-wrap" tabindex="0" role="region" aria-label="Rückmeldungen" {
            table {
                caption class="visually-hidden" { "Rückmeldungen" }
                thead { tr {
                    th scope="col" { "Art" } th scope="col" { "Betreff" } th scope="col" { "Eingang" }
                    th scope="col" { "Absender" } th scope="col" { "Status" }
                } }
                tbody {
                    @if entries.is_empty() { (empty_row(5)) }
                    @for e in entries {
                        tr class={ "clickable" @if !e.done { " unread" } } {
                            td { (e.kind.label()) }
                            td { a href={ "/kassen/rueckmeldungen/" (e.id) } { (e.subject) } }
                            td { (datetime(e.created_at)) }
                            td { (sender(e)) }
                            td { (status(e)) }
                        }
                    }
                }
            }
        }
        (pager(paging, href))
    }
}

pub fn details(
    e: &FeedbackEntry,
    org_name: Option<&str>,
    csrf: &str,
    notice: Option<&str>,
) -> Markup {
    let base = format!("/kassen/rueckmeldungen/{}", e.id);
    html! {
        h1 { (e.kind.label()) ": " (e.subject) }
        @if let Some(n) = notice { (alert(AlertKind::Success, None, n)) }
        dl class="facts" {
            dt { "Art" } dd { (e.kind.label()) }
            dt { "Eingang" } dd { (datetime(e.created_at)) }
            dt { "Absender" } dd { (sender(e)) }
            @if let Some(name) = org_name { dt { "Mitglied" } dd { (name) } }
            dt { "E-Mail-Adresse" } dd {
                @match &e.email {
                    Some(addr) => a href={ "mailto:" (addr) } { (addr) },
                    None => "keine angegeben",
                }
            }
            dt { "Status" } dd { (status(e)) }
        }
        h2 { "Text" }
        div class="message-text" { (paragraphs(&e.text)) }
        div class="actions" {
            a class="button button-secondary" href="/kassen/rueckmeldungen" { "Zurück zu den Rückmeldungen" }
            @if e.done {
                (action_button(&format!("{base}/wieder-oeffnen"), csrf, "Wieder öffnen", "button-secondary"))
            } @else {
                (action_button(&format!("{base}/erledigt"), csrf, "Als erledigt markieren", ""))
            }
        }
    }
}
