//! The Postausgang: every e-mail the portal queued or sent.

use maud::{Markup, html};

use crate::domain::mail::{MailState, OutgoingMail};
use crate::views::components::{Paging, datetime, empty_row, pager};

pub fn list(mails: &[OutgoingMail], paging: &Paging) -> Markup {
    html! {
        h1 { "Postausgang" }
        p { "Alle E-Mails, die das Portal versendet hat oder versenden wird, die neuesten zuerst. Bei der Zustellart „outbox“ liegen sie zusätzlich als .eml-Dateien im Datenverzeichnis." }
        div class="table-wrap" {
            table {
                caption class="visually-hidden" { "Postausgang" }
                thead { tr {
                    th scope="col" { "Erstellt" } th scope="col" { "Empfänger:in" } th scope="col" { "Betreff" }
                    th scope="col" { "Status" } th scope="col" { "Versuche" } th scope="col" { "Versendet" }
                } }
                tbody {
                    @if mails.is_empty() { (empty_row(6)) }
                    @for m in &mails[paging.range()] {
                        tr class={ @if m.state == MailState::Failed { "failed" } } {
                            td { a href={ "/kassen/postausgang/" (m.id) } { (datetime(m.created_at)) } }
                            td { (m.to) } td { (m.subject) }
                            td { (m.state.label()) } td class="num" { (m.attempts) }
                            td { (m.sent_at.map(datetime).unwrap_or_default()) }
                        }
                    }
                }
            }
        }
        (pager(paging, |p| format!("/kassen/postausgang?seite={p}")))
    }
}

pub fn details(m: &OutgoingMail) -> Markup {
    html! {
        h1 { "E-Mail: " (m.subject) }
        dl class="facts" {
            dt { "Empfänger:in" } dd { (m.to) }
            dt { "Erstellt" } dd { (datetime(m.created_at)) }
            dt { "Status" } dd { (m.state.label()) }
            dt { "Versuche" } dd { (m.attempts) }
            @if let Some(s) = m.sent_at { dt { "Versendet" } dd { (datetime(s)) } }
            @if m.state == MailState::Queued { dt { "Nächster Versuch" } dd { (datetime(m.next_attempt_at)) } }
            @if let Some(e) = &m.last_error { dt { "Letzter Fehler" } dd { (e) } }
        }
        h2 { "Text" }
        pre class="mail-text" { (m.text) }
        p { a href="/kassen/postausgang" { "Zurück zum Postausgang" } }
    }
}
