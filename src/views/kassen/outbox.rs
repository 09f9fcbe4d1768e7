//! The Postausgang: every e-mail the portal queued or sent, without the
//! live links and TANs (they are stored only sealed until delivery).

use maud::{Markup, html};

use crate::domain::mail::{MailState, OutgoingMail};
use crate::paths;
use crate::views::components::{datetime, empty_row};

fn list_url(filter: Option<MailState>, before: Option<u64>) -> String {
    let mut query = Vec::new();
    if let Some(s) = filter {
        query.push(format!("status={}", s.key()));
    }
    if let Some(b) = before {
        query.push(format!("vor={b}"));
    }
    if query.is_empty() {
        paths::KASSEN_OUTBOX.to_owned()
    } else {
        format!("{}?{}", paths::KASSEN_OUTBOX, query.join("&"))
    }
}

/// `continued`: this is not the newest page; `older`: cursor of the next page.
pub fn list(
    mails: &[OutgoingMail],
    filter: Option<MailState>,
    continued: bool,
    older: Option<u64>,
) -> Markup {
    html! {
        h1 { "Postausgang" }
        p { "Alle E-Mails, die das Portal versendet hat oder versenden wird, die neuesten zuerst. Links zum Festlegen des Passwortes und TANs sind hier nie lesbar. Bei der Zustellart „outbox“ liegen die E-Mails zusätzlich als .eml-Dateien im Datenverzeichnis." }
        nav aria-label="Status" class="filter-links" {
            ul class="link-list" {
                li { @if filter.is_none() { strong { "Alle" } } @else { a href=(list_url(None, None)) { "Alle" } } }
                @for s in MailState::ALL {
                    li { @if filter == Some(s) { strong { (s.label()) } } @else { a href=(list_url(Some(s), None)) { (s.label()) } } }
                }
            }
        }
        div class="table-wrap" tabindex="0" role="region" aria-label="Postausgang" {
            table {
                caption class="visually-hidden" { "Postausgang" }
                thead { tr {
                    th scope="col" { "Erstellt" } th scope="col" { "Empfänger:in" } th scope="col" { "Betreff" }
                    th scope="col" { "Status" } th scope="col" { "Versuche" } th scope="col" { "Versendet" }
                } }
                tbody {
                    @if mails.is_empty() { (empty_row(6)) }
                    @for m in mails {
                        tr class={ @if m.state == MailState::Failed { "failed" } } {
                            td { a href={ (paths::KASSEN_OUTBOX) "/" (m.id) } { (datetime(m.created_at)) } }
                            td { (m.to) } td { (m.subject) }
                            td { (m.state.label()) } td class="num" { (m.attempts) }
                            td { (m.sent_at.map(datetime).unwrap_or_default()) }
                        }
                    }
                }
            }
        }
        nav aria-label="Seiten" class="pager" {
            @if continued { a href=(list_url(filter, None)) { "Neueste E-Mails" } " " }
            @if let Some(o) = older { a href=(list_url(filter, Some(o))) rel="next" { "Ältere E-Mails" } }
        }
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
            @if m.unconfirmed { dt { "Hinweis" } dd { "Die Übergabe an den Mailserver wurde durch einen Neustart unterbrochen. Die E-Mail wird nicht erneut gesendet; ob der Mailserver sie angenommen hat, ist nicht bestätigt." } }
            @if let Some(e) = &m.last_error { dt { "Letzter Fehler" } dd { (e) } }
        }
        h2 { "Text" }
        @if m.body_removed || (m.live_body && m.text.is_empty()) {
            p { "Der Text dieser E-Mail wurde nach Ablauf der Aufbewahrungsfrist entfernt." }
        } @else {
            @if m.confidential {
                p class="hint" { "Link oder TAN dieser E-Mail sind im Portal nicht lesbar; die Empfänger:in erhält sie nur per E-Mail." }
            }
            pre class="mail-text" { (m.text) }
        }
        p { a href=(paths::KASSEN_OUTBOX) { "Zurück zum Postausgang" } }
    }
}
