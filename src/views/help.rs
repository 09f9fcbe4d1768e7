//! FAQ, the feedback and support forms, and the search results.

use maud::{Markup, html};

use crate::app::feedback::FeedbackInput;
use crate::app::search::{COUNT_LIMIT, Results, SearchHit};
use crate::domain::help::{FaqEntry, FeedbackKind, MAX_TEXT};
use crate::views::components::{
    AlertKind, Field, alert, csrf_field, error_for, paragraphs, required_note, textarea_counted,
};

pub const FAQ_TITLE: &str = "FAQ – Häufig gestellte Fragen";

/// The FAQ; after the Kassen's entries, the deletion period of messages
/// from the configuration (`retention.message_days`).
pub fn faq(entries: &[FaqEntry], retention_days: u32) -> Markup {
    html! {
        h1 { (FAQ_TITLE) }
        p { "Hier finden Sie Antworten auf häufig gestellte Fragen zum Portal „Meine Versorgung“. Angemeldet können Sie die Fragen und Antworten auch über die Suchleiste in der Kopfleiste durchsuchen." }
        @if entries.is_empty() {
            p class="empty" { "Derzeit sind keine häufig gestellten Fragen vorhanden." }
        } @else {
            nav aria-labelledby="faq-uebersicht" {
                h2 id="faq-uebersicht" { "Übersicht" }
                ul class="link-list" {
                    @for e in entries {
                        li { a href={ "#" (e.anchor()) } { (e.question) } }
                    }
                }
            }
            @for e in entries {
                section class="faq-entry" id=(e.anchor()) aria-labelledby={ (e.anchor()) "-frage" } {
                    h2 id={ (e.anchor()) "-frage" } { (e.question) }
                    (paragraphs(&e.answer))
                }
            }
        }
        section class="faq-retention" id="loeschfrist" aria-labelledby="loeschfrist-frage" {
            h2 id="loeschfrist-frage" { "Wann werden Nachrichten gelöscht?" }
            p { (crate::domain::message::retention_notice(retention_days)) }
            p { "Archivierte und als wichtig markierte Nachrichten werden von der gesetzlichen Löschfrist ausgenommen." }
        }
        p { "Ihre Frage ist nicht dabei? Dann wenden Sie sich bitte über das " a href="/support" { "Supportformular" } " an uns." }
    }
}

fn intro(kind: FeedbackKind) -> &'static str {
    match kind {
        FeedbackKind::Feedback => {
            "Sie möchten uns Feedback zum Portal „Meine Versorgung“ geben? Wir freuen uns über Ihre Rückmeldung."
        }
        FeedbackKind::Support => {
            "Sie benötigen technische Unterstützung? Beschreiben Sie Ihr Anliegen bitte möglichst genau. Schauen Sie vorher gern in die häufig gestellten Fragen (FAQ)."
        }
    }
}

/// The form of `/feedback` or `/support`; `signed_in` names the account
/// that is sent along.
pub fn form(
    kind: FeedbackKind,
    csrf: &str,
    input: &FeedbackInput,
    errors: &[(&'static str, String)],
    refused: Option<&str>,
    signed_in: Option<&str>,
) -> Markup {
    let action = format!("/{}", kind.key());
    html! {
        h1 { (kind.label()) }
        p { (intro(kind)) }
        @if let Some(r) = refused { (alert(AlertKind::Error, Some("Nachricht nicht gesendet"), r)) }
        @if !errors.is_empty() {
            (alert(AlertKind::Error, Some("Bitte prüfen Sie Ihre Eingaben."), "Einige Felder sind nicht korrekt ausgefüllt."))
        }
        form method="post" action=(action) novalidate {
            (csrf_field(csrf))
            (required_note())
            (Field::text("Betreff", "betreff", &input.subject).required().error(error_for(errors, "betreff")).render())
            (textarea_counted("Text", "text", &input.text, true, error_for(errors, "text"), MAX_TEXT))
            (Field::text("E-Mail-Adresse", "email", &input.email).kind("email").autocomplete("email")
                .hint("Optional. Geben Sie eine Adresse an, wenn Sie eine Antwort wünschen.")
                .error(error_for(errors, "email")).render())
            @if let Some(id) = signed_in {
                p class="hint" { "Mit Ihrer Nachricht wird Ihre Nutzerkennung " (id) " übermittelt." }
            }
            div class="actions" {
                button type="submit" { "Senden" }
            }
        }
    }
}

pub fn thanks(kind: FeedbackKind) -> Markup {
    html! {
        h1 { "Vielen Dank" }
        @match kind {
            FeedbackKind::Feedback => p { "Ihr Feedback ist bei uns eingegangen. Vielen Dank, dass Sie uns helfen, das Portal „Meine Versorgung“ zu verbessern." },
            FeedbackKind::Support => p { "Ihre Support-Anfrage ist bei uns eingegangen. Die Portal-Administratoren der Kassen kümmern sich darum. Haben Sie eine E-Mail-Adresse angegeben, melden wir uns bei Rückfragen dort." },
        }
        p { a href="/" { "Zur Startseite" } }
    }
}

/// Results of `/suche?q=…`, grouped by kind.
pub fn search_results(query: &str, results: &Results) -> Markup {
    let hits = &results.hits;
    let faq: Vec<_> = hits
        .iter()
        .filter(|h| matches!(h, SearchHit::Faq { .. }))
        .collect();
    let messages: Vec<_> = hits
        .iter()
        .filter(|h| matches!(h, SearchHit::Message { .. }))
        .collect();
    html! {
        @if query.is_empty() {
            h1 { "Suche" }
            p { "Bitte geben Sie einen Suchbegriff in das Suchfeld in der Kopfleiste ein." }
        } @else {
            h1 { "Suchergebnisse für „" (query) "“" }
            @if results.too_general {
                p role="status" { "Der Suchbegriff ist zu allgemein. Bitte geben Sie mehr Buchstaben ein." }
            }
            @if hits.is_empty() && results.messages == 0 {
                p { "Zu Ihrer Suche wurden keine Treffer gefunden. Versuchen Sie es bitte mit einem anderen Begriff." }
            } @else if results.more_messages {
                p role="status" { "Mehr als " (faq.len() + COUNT_LIMIT) " Treffer" }
            } @else {
                p role="status" { (faq.len() + results.messages) " Treffer" }
            }
            @if !faq.is_empty() {
                section aria-labelledby="treffer-faq" {
                    h2 id="treffer-faq" { "Häufig gestellte Fragen (FAQ)" }
                    ul class="search-hits" {
                        @for hit in faq {
                            @match hit {
                                SearchHit::Faq { question, excerpt, .. } => li {
                                    a href=(hit.href()) { (question) }
                                    p { (excerpt) }
                                },
                                SearchHit::Message { .. } => {},
                            }
                        }
                    }
                }
            }
            @if !messages.is_empty() {
                section aria-labelledby="treffer-nachrichten" {
                    h2 id="treffer-nachrichten" { "Nachrichten" }
                    ul class="search-hits" {
                        @for hit in messages {
                            @if let SearchHit::Message { subject, referenz, mailbox_label, excerpt, .. } = hit {
                                li {
                                    a href=(hit.href()) { (subject) }
                                    " (" (referenz) ", Postfach: " (mailbox_label) ")"
                                    p { (excerpt) }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(next) = results.next {
                p {
                    a href=(format!("{}?{}", crate::paths::SEARCH, serde_urlencoded::to_string([("q", query.to_owned()), ("nach", next.to_string())]).unwrap_or_default())) { "Weitere Treffer" }
                }
            }
        }
    }
}
