//! The mailbox pages (handbook §8): list with quick filters and the filter
//! menu, Schreiben/Antworten, and the message view.

use maud::{Markup, html};

use crate::app::messages::compose::Draft;
use crate::app::messages::list::{Filter, Folder, MailboxPage};
use crate::domain::PAGE_SIZE;
use crate::domain::message::{self, MAX_SUBJECT, MAX_TEXT, Marks, Message, MessageHeader};
use crate::domain::org::{Bereich, GroupMailbox, Organisation};
use crate::format::size;
use crate::paths::messages as path;
use crate::views::components::{
    AlertKind, Field, alert, checkbox, csrf_field, datetime, empty_row, error_for, input_counted,
    paragraphs, required_note, select, textarea_counted,
};

/// A mailbox of the signed-in person: (label, slug, unread messages).
pub type Tab = (String, String, u64);

/// "1 Nachricht", "3 Nachrichten"; with `unread`: "1 ungelesene
/// Nachricht", "keine ungelesenen Nachrichten".
pub fn message_count(n: u64, unread: bool) -> String {
    match (n, unread) {
        (0, true) => "keine ungelesenen Nachrichten".to_owned(),
        (0, false) => "keine Nachrichten".to_owned(),
        (1, true) => "1 ungelesene Nachricht".to_owned(),
        (1, false) => "1 Nachricht".to_owned(),
        (n, true) => format!("{n} ungelesene Nachrichten"),
        (n, false) => format!("{n} Nachrichten"),
    }
}

/// The unread count after a mailbox's name: a badge, read out in words.
fn unread_badge(n: u64) -> Markup {
    html! {
        @if n > 0 {
            " " span class="badge badge-count" aria-hidden="true" { (n) }
            span class="visually-hidden" { " (" (message_count(n, true)) ")" }
        }
    }
}

/// What the mailbox page says about the mailbox itself.
pub struct Notes {
    /// `retention.message_days`.
    pub retention_days: u32,
    /// A group mailbox: its members share read/unread.
    pub shared: bool,
}

fn query_string(pairs: &[(&str, String)]) -> String {
    if pairs.is_empty() {
        return String::new();
    }
    let s = serde_urlencoded::to_string(pairs).unwrap_or_default();
    format!("?{s}")
}

/// `/postfach`: the mailboxes to choose from.
pub fn index(tabs: &[Tab]) -> Markup {
    html! {
        h1 { "Postfächer" }
        @if tabs.is_empty() {
            p class="empty" { "Ihnen ist kein Postfach zugeordnet." }
        } @else {
            ul class="link-list" {
                @for (label, slug, unread) in tabs {
                    li {
                        a href=(path::mailbox(slug)) { "Postfach: " (label) }
                        " – " (message_count(*unread, true))
                    }
                }
            }
        }
    }
}

fn tabs_nav(tabs: &[Tab], current: &str) -> Markup {
    html! {
        @if tabs.len() > 1 {
            nav class="tabs" aria-label="Postfächer" {
                ul {
                    @for (label, slug, unread) in tabs {
                        li {
                            a href=(path::mailbox(slug)) aria-current=[(slug == current).then_some("page")] { (label) (unread_badge(*unread)) }
                        }
                    }
                }
            }
        }
    }
}

/// Thema as one select with an option group per Bereich (works without
/// script; the script narrows it to the chosen Bereich). The form for a
/// new message (`required`) leaves out the receipts' Thema "Quittung";
/// the filter offers it.
fn thema_select(
    selected: &str,
    required: bool,
    error: Option<&str>,
    only: Option<Bereich>,
) -> Markup {
    let themen = |b: Bereich| -> Vec<&'static str> {
        if required {
            message::writable_themen(b).collect()
        } else {
            message::themen(b).to_vec()
        }
    };
    let err_id = "f-thema-fehler";
    html! {
        div class={ "field" @if error.is_some() { " field-error" } } {
            label for="f-thema" { "Thema" @if required { span class="req" aria-hidden="true" { "*" } } }
            select id="f-thema" name="thema" required[required] data-narrow-by="f-bereich"
                aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| err_id)] {
                option value="" { "Bitte wählen" }
                @for b in Bereich::ALL.into_iter().filter(|b| only.is_none_or(|o| o == *b)) {
                    optgroup label=(b.label()) data-bereich=(b.key()) {
                        @for t in themen(b) {
                            option value=(t) selected[t == selected] { (t) }
                        }
                    }
                }
            }
            @if let Some(e) = error { p class="error" id=(err_id) { (e) } }
        }
    }
}

fn bereich_options(empty: &str) -> Vec<(String, String)> {
    std::iter::once((String::new(), empty.to_owned()))
        .chain(
            Bereich::ALL
                .into_iter()
                .map(|b| (b.key().to_owned(), b.label().to_owned())),
        )
        .collect()
}

/// The mailbox page.
#[allow(clippy::too_many_arguments)]
pub fn mailbox(
    label: &str,
    slug: &str,
    tabs: &[Tab],
    filter: &Filter,
    page: &MailboxPage,
    members: Option<&[(u64, String)]>,
    notice: Option<&str>,
    notes: &Notes,
) -> Markup {
    let base = path::mailbox(slug);
    html! {
        h1 { "Postfach: " (label) }
        p class="lead" { "Ihre Kommunikation mit der Versorgungskasse" }
        (tabs_nav(tabs, slug))
        (mailbox_notes(notes))
        @if let Some(n) = notice { (alert(AlertKind::Success, None, n)) }
        (mailbox_toolbar(&base, slug, filter, members))
        (quick_filter_chips(&base, filter))
        (message_table(slug, page, members))
        (mailbox_pager(&base, filter, page))
    }
}

/// "Alle Filter löschen", the filter menu and "Schreiben".
fn mailbox_toolbar(
    base: &str,
    slug: &str,
    filter: &Filter,
    members: Option<&[(u64, String)]>,
) -> Markup {
    html! {
        div class="toolbar" {
            @if filter.is_active() {
                a class="button-link" href=(base) { "Alle Filter löschen" }
            }
            details class="filter-menu" open[filter.is_active() && !filter.to_query().is_empty() && !quick_only(filter)] {
                summary class="button-link" {
                    "Filter"
                    @if filter.is_active() {
                        span class="filter-mark" aria-hidden="true" { " ●" }
                        span class="visually-hidden" { " (Filter aktiv)" }
                    }
                }
                form method="get" action=(base) class="filter-form" {
                    fieldset {
                        legend { "Postfach" }
                        @for f in Folder::ALL {
                            (checkbox("postfach", f.key(), f.label(), filter.folders.contains(&f)))
                        }
                    }
                    (Field::text("Betreff", "betreff", &filter.subject).render())
                    (select("Lesestatus", "lesestatus", &[
                        (String::new(), "Alle".to_owned()),
                        ("ungelesen".to_owned(), "Ungelesen".to_owned()),
                        ("gelesen".to_owned(), "Gelesen".to_owned()),
                    ], match filter.read { Some(false) => "ungelesen", Some(true) => "gelesen", None => "" }, false, None))
                    (Field::text("Referenz", "referenz", &filter.referenz).render())
                    (select("Bereich", "bereich", &bereich_options("Alle"), filter.bereich.map_or("", Bereich::key), false, None))
                    (thema_select(&filter.thema, false, None, None))
                    @if let Some(members) = members {
                        (select("Mitglied", "mitglied", &std::iter::once((String::new(), "Alle".to_owned()))
                            .chain(members.iter().map(|(id, name)| (id.to_string(), name.clone()))).collect::<Vec<_>>(),
                            &filter.mitglied.map(|m| m.to_string()).unwrap_or_default(), false, None))
                    }
                    @if filter.important { input type="hidden" name="wichtig" value="1"; }
                    div class="actions" { button type="submit" class="primary" { "Filtern" } }
                }
            }
            a class="button-link primary" href=(path::compose(slug)) { "Schreiben" }
        }
    }
}

/// The quick filters: wichtig, nur Eingang, nur Ausgang, nur Archiv (a
/// chip that is on switches its filter off).
fn quick_filter_chips(base: &str, filter: &Filter) -> Markup {
    let with = |f: &Filter| format!("{base}{}", query_string(&f.to_query()));
    let quick = |name: &str, f: Filter, on: bool| {
        let target = if on { Filter::default() } else { f };
        html! {
            a class={ "chip" @if on { " chip-on" } } href=(with(&target)) aria-current=[on.then_some("true")] { (name) }
        }
    };
    let only = |folder: Folder| Filter {
        folders: vec![folder],
        ..Filter::default()
    };
    let is_only = |folder: Folder| filter.folders == [folder] && *filter == only(folder);
    let important = Filter {
        important: true,
        folders: Folder::ALL.to_vec(),
        ..Filter::default()
    };
    html! {
        p class="quick-filters" {
            "Filter nach: "
            (quick("als wichtig markiert", important.clone(), *filter == important))
            " " (quick("nur Eingang", only(Folder::Eingehend), is_only(Folder::Eingehend)))
            " " (quick("nur Ausgang", only(Folder::Ausgehend), is_only(Folder::Ausgehend)))
            " " (quick("nur Archiv", only(Folder::Archiviert), is_only(Folder::Archiviert)))
        }
    }
}

/// The page's messages (with the Mitglied column for the Kassen).
fn message_table(slug: &str, page: &MailboxPage, members: Option<&[(u64, String)]>) -> Markup {
    html! {
        // Wide tables scroll in their own box, never the page (reflow).
        div class="table-wrap" tabindex="0" role="region" aria-label="Nachrichten" {
            table class="data messages" {
                caption class="visually-hidden" { "Nachrichten" }
                thead { tr {
                    th scope="col" { "Datum" } th scope="col" { "Betreff" } th scope="col" { "Referenz" } th scope="col" { "Bereich" } th scope="col" { "Thema" }
                    @if members.is_some() { th scope="col" { "Mitglied" } }
                } }
                tbody {
                    @if page.rows.is_empty() { (empty_row(if members.is_some() { 6 } else { 5 })) }
                    @for r in &page.rows {
                        (row(slug, &r.message, r.entry.marks, members))
                    }
                }
            }
        }
    }
}

/// "1 - 20 von N" and the links to the first, previous, next and last
/// page (previous and next carry a cursor).
fn mailbox_pager(base: &str, filter: &Filter, page: &MailboxPage) -> Markup {
    let q = filter.to_query();
    let total = page.total;
    let first = page.rows.first().map(|r| r.message.id);
    let last = page.rows.last().map(|r| r.message.id);
    let last_page = total.div_ceil(PAGE_SIZE).max(1);
    let link = |extra: Vec<(&'static str, String)>| {
        let mut pairs = q.clone();
        pairs.extend(extra);
        format!("{base}{}", query_string(&pairs))
    };
    let start = (page.page - 1) * PAGE_SIZE;
    let summary = if total == 0 {
        "0 von 0".to_owned()
    } else {
        let of = if page.at_least { "mindestens " } else { "" };
        format!(
            "{} - {} von {of}{}",
            start + 1,
            start + page.rows.len(),
            total
        )
    };
    html! {
        nav class="pager" aria-label="Seitennavigation" {
            span { "Elemente pro Seite: " (PAGE_SIZE) }
            span class="pager-summary" { (summary) }
            (pager_link("|<", "Erste Seite", page.page > 1, link(vec![])))
            (pager_link("<", "Vorherige Seite", page.page > 1, link(vec![("vor", first.unwrap_or(0).to_string()), ("seite", (page.page - 1).to_string())])))
            (pager_link(">", "Nächste Seite", page.page < last_page || (page.at_least && last.is_some()), link(vec![("nach", last.unwrap_or(0).to_string()), ("seite", (page.page + 1).to_string())])))
            (pager_link(">|", "Letzte Seite", page.page < last_page && !page.at_least, link(vec![("letzte", "1".to_owned())])))
        }
    }
}

fn mailbox_notes(notes: &Notes) -> Markup {
    html! {
        div class="mailbox-notes" {
            p class="hint" { (message::retention_notice(notes.retention_days)) }
            @if notes.shared {
                p class="hint" { "Dieses Gruppenpostfach teilen sich alle zugeordneten Nutzer:innen: Öffnet jemand eine Nachricht, ist sie für alle gelesen; „Als ungelesen markieren“ gilt ebenso für alle." }
            }
        }
    }
}

fn quick_only(f: &Filter) -> bool {
    let d = Filter::default();
    f.subject.is_empty()
        && f.referenz.is_empty()
        && f.thema.is_empty()
        && f.bereich.is_none()
        && f.read.is_none()
        && f.mitglied.is_none()
        && (f.folders == d.folders
            || f.folders.len() == 1
            || (f.important && f.folders.len() == Folder::ALL.len()))
}

fn pager_link(label: &str, aria: &str, enabled: bool, href: String) -> Markup {
    html! {
        @if enabled {
            a class="pager-link" href=(href) aria-label=(aria) { (label) }
        } @else {
            span class="pager-link disabled" aria-hidden="true" { (label) }
        }
    }
}

fn row(slug: &str, m: &MessageHeader, marks: Marks, members: Option<&[(u64, String)]>) -> Markup {
    let href = path::message(slug, m.id);
    html! {
        tr class={ @if marks.unread { "unread" } } {
            td { (datetime(m.created_at)) }
            td {
                @if marks.unread {
                    span class="visually-hidden" { "Ungelesen: " }
                    a href=(href) { strong { (m.subject) } }
                } @else {
                    a href=(href) { (m.subject) }
                }
                @if marks.important { " " span class="badge badge-important" { "wichtig" } }
                @if marks.archived { " " span class="badge" { "archiviert" } }
                @if !m.attachments.is_empty() { " " span class="badge" title="Anhänge" { "📎 " (m.attachments.len()) } }
            }
            td { (m.referenz) }
            td { (m.bereich.label()) }
            td { (m.thema) }
            @if let Some(members) = members {
                td { (m.org.and_then(|o| members.iter().find(|(id, _)| *id == o)).map_or("", |(_, n)| n.as_str())) }
            }
        }
    }
}

/// What a Kassen clerk may choose as the recipient of a new conversation.
pub struct KassenChoices<'a> {
    pub orgs: &'a [Organisation],
    pub bereich: Bereich,
}

/// "Nachricht schreiben" and "Antworten".
#[allow(clippy::too_many_arguments)]
pub fn compose(
    label: &str,
    slug: &str,
    csrf: &str,
    d: &Draft,
    errors: &[(&'static str, String)],
    refused: Option<&str>,
    kassen: Option<&KassenChoices<'_>>,
    reply_to: Option<(&Message, &str)>,
    chosen: &[String],
) -> Markup {
    let action = match reply_to {
        Some((m, _)) => path::reply(slug, m.id),
        None => path::compose(slug),
    };
    let cancel = match reply_to {
        Some((m, _)) => path::message(slug, m.id),
        None => path::mailbox(slug),
    };
    // A browser cannot keep a file choice across a new page: say so, and
    // name the files that were chosen.
    let again = if chosen.is_empty() {
        "Bitte wählen Sie eventuelle Anhänge erneut aus.".to_owned()
    } else {
        format!(
            "Bitte wählen Sie eventuelle Anhänge erneut aus. Nicht übernommen: {}.",
            chosen.join(", ")
        )
    };
    let failed = refused.is_some() || !errors.is_empty();
    html! {
        h1 { "Postfach: " (label) }
        h2 { @if reply_to.is_some() { "Antworten" } @else { "Nachricht schreiben" } }
        @if let Some(r) = refused {
            (alert(AlertKind::Error, Some("Nachricht nicht gesendet"), &format!("{r} Es wurde nichts gespeichert. {again}")))
        } @else if !errors.is_empty() {
            (alert(AlertKind::Error, Some("Bitte prüfen Sie Ihre Eingaben."), &format!("Die Nachricht wurde nicht gesendet; es wurde nichts gespeichert. {again}")))
        }
        @if let Some((m, author)) = reply_to { (quoted(m, author)) }
        form method="post" action=(action) enctype="multipart/form-data" novalidate {
            (csrf_field(csrf))
            (required_note())
            @if let Some((m, _)) = reply_to {
                dl class="facts" {
                    dt { "Referenz" } dd { (m.referenz) }
                    dt { "Bereich" } dd { (m.bereich.label()) }
                    dt { "Thema" } dd { (m.thema) }
                }
            }
            @if let Some(k) = kassen.filter(|_| reply_to.is_none()) {
                (recipient(k, d, errors))
            }
            (input_counted("Betreff", "betreff", &d.subject, error_for(errors, "betreff"), MAX_SUBJECT))
            @if reply_to.is_none() {
                @if let Some(k) = kassen {
                    input type="hidden" name="bereich" value=(k.bereich.key());
                    p { "Bereich: " (k.bereich.label()) }
                    (thema_select(&d.thema, true, error_for(errors, "thema"), Some(k.bereich)))
                } @else {
                    (select("Bereich", "bereich", &bereich_options("Bitte wählen"), &d.bereich, true, error_for(errors, "bereich")))
                    (thema_select(&d.thema, true, error_for(errors, "thema"), None))
                }
            }
            (textarea_counted("Text", "text", &d.text, true, error_for(errors, "text"), MAX_TEXT))
            (attachment_field(errors, failed || !chosen.is_empty(), &again))
            div class="actions" {
                a class="button-link" href=(cancel) { "Abbrechen" }
                button type="submit" class="primary" { "Senden" }
            }
        }
    }
}

/// "Anhang hinzufügen" with its limits; `remind`: the files must be chosen
/// again (`again` says so and names them).
fn attachment_field(errors: &[(&'static str, String)], remind: bool, again: &str) -> Markup {
    html! {
        div class={ "field" @if error_for(errors, "anhang").is_some() { " field-error" } } {
            p class="hint" id="f-anhang-hinweis" {
                "Pro Nachricht sind max. 10 Anhänge (pdf, jpg, png, csv) mit insgesamt 10 MB zulässig."
                br;
                "Sonderzeichen im Dateinamen werden automatisch ersetzt."
            }
            label for="f-anhang" { "Anhang hinzufügen" }
            input id="f-anhang" type="file" name="anhang" multiple accept=".pdf,.jpg,.jpeg,.png,.csv,application/pdf,image/jpeg,image/png,text/csv"
                aria-describedby="f-anhang-hinweis" aria-invalid=[error_for(errors, "anhang").map(|_| "true")];
            @if let Some(e) = error_for(errors, "anhang") { p class="error" { (e) } }
            @if remind { p class="hint" id="f-anhang-erneut" { "Ausgewählte Anhänge werden nur mit „Senden“ übernommen. " (again) } }
        }
    }
}

/// The button that shows the chosen Mitglied's group mailboxes without
/// script (the form comes back with them); the script removes it.
pub const CHOOSE_ORG: &str = "Mitglied wählen";

/// A clerk's recipient of a new conversation: Mitglied, then one of its
/// enabled group mailboxes (the select starts on "Bitte wählen" and offers
/// only the chosen Mitglied's mailboxes: without script after "Mitglied
/// wählen", with script at once, from the `data-postfaecher` of the chosen
/// option and the `<template>` of all mailboxes), or a Nutzerkennung.
fn recipient(k: &KassenChoices<'_>, d: &Draft, errors: &[(&'static str, String)]) -> Markup {
    let chosen = k.orgs.iter().find(|o| o.id.to_string() == d.org);
    let offered: Vec<GroupMailbox> = chosen.map_or_else(Vec::new, |o| {
        GroupMailbox::ALL
            .into_iter()
            .filter(|g| o.enabled_mailboxes.contains(g))
            .collect()
    });
    let keys = |o: &Organisation| {
        GroupMailbox::ALL
            .into_iter()
            .filter(|g| o.enabled_mailboxes.contains(g))
            .map(GroupMailbox::key)
            .collect::<Vec<_>>()
            .join(" ")
    };
    let org_error = error_for(errors, "mitglied");
    let group_error = error_for(errors, "gruppenpostfach");
    html! {
        fieldset class="recipient" data-recipient="" {
            legend { "Empfänger" }
            div class={ "field" @if org_error.is_some() { " field-error" } } {
                label for="f-mitglied" { "Mitglied" }
                select id="f-mitglied" name="mitglied"
                    aria-invalid=[org_error.map(|_| "true")] aria-describedby=[org_error.map(|_| "f-mitglied-fehler")] {
                    option value="" { "Bitte wählen" }
                    @for o in k.orgs {
                        option value=(o.id) data-postfaecher=(keys(o)) selected[o.id.to_string() == d.org] { (o.name) " (" (o.number) ")" }
                    }
                }
                @if let Some(e) = org_error { p class="error" id="f-mitglied-fehler" { (e) } }
            }
            p class="choose-org" {
                button type="submit" name="aktion" value="mitglied" class="button-secondary" formnovalidate { (CHOOSE_ORG) }
            }
            div class={ "field" @if group_error.is_some() { " field-error" } } {
                label for="f-gruppenpostfach" { "Gruppenpostfach" }
                select id="f-gruppenpostfach" name="gruppenpostfach" aria-describedby={ "f-gruppenpostfach-hinweis" @if group_error.is_some() { " f-gruppenpostfach-fehler" } }
                    aria-invalid=[group_error.map(|_| "true")] {
                    option value="" { "Bitte wählen" }
                    @for g in &offered {
                        option value=(g.key()) selected[g.key() == d.group] { (g.label()) }
                    }
                }
                p class="hint" id="f-gruppenpostfach-hinweis" {
                    @if chosen.is_some() {
                        "Angeboten werden die für das Mitglied freigegebenen Gruppenpostfächer."
                    } @else {
                        "Bitte wählen Sie zuerst ein Mitglied; angeboten werden dann dessen freigegebene Gruppenpostfächer."
                    }
                }
                @if let Some(e) = group_error { p class="error" id="f-gruppenpostfach-fehler" { (e) } }
                template id="gruppenpostfaecher-alle" {
                    @for g in GroupMailbox::ALL {
                        option value=(g.key()) { (g.label()) }
                    }
                }
            }
            (Field::text("Nutzerkennung", "nutzer", &d.user)
                .hint("Optional: für eine Nachricht in das persönliche Postfach einer Nutzer:in statt in ein Gruppenpostfach.")
                .error(error_for(errors, "nutzer")).render())
        }
    }
}

/// The message being answered, shown above the reply form as mail
/// clients do.
fn quoted(m: &Message, author: &str) -> Markup {
    html! {
        section class="quoted-message" aria-labelledby="zitat-titel" {
            h3 id="zitat-titel" { "Ihre Antwort bezieht sich auf" }
            dl class="facts" {
                dt { "Betreff" } dd { (m.subject) }
                dt { "Datum" } dd { (datetime(m.created_at)) }
                dt { "Verfasst von" } dd { (author) }
            }
            blockquote class="message-text" { (paragraphs(&m.text)) }
        }
    }
}

/// Names around a message: the other mailbox and the person who wrote it.
/// Where a message lies in the mailbox shown: its marks there and
/// whether the mailbox sent or received it (built by the web layer from
/// the mailbox entry, so the view does not know the store).
#[derive(Debug, Clone, Copy)]
pub struct Placing {
    pub marks: Marks,
    pub direction: message::Direction,
}

pub struct Sides<'a> {
    pub counterpart: &'a str,
    pub author: &'a str,
}

/// The message view.
#[allow(clippy::too_many_arguments)]
pub fn view(
    label: &str,
    slug: &str,
    csrf: &str,
    m: &Message,
    e: Placing,
    sides: &Sides<'_>,
    opened: Option<&crate::app::messages::marks::Opened>,
    notice: Option<&str>,
) -> Markup {
    let counterpart = sides.counterpart;
    let action = |key: &str, text: &str| {
        html! {
            li {
                form method="post" action=(path::mark(slug, m.id, key)) class="inline-form" {
                    (csrf_field(csrf))
                    button type="submit" class="link-button" { (text) }
                }
            }
        }
    };
    let outgoing = e.direction == message::Direction::Outgoing;
    html! {
        p { a href=(path::mailbox(slug)) { "← Zurück zum Postfach: " (label) } }
        @if let Some(n) = notice { (alert(AlertKind::Success, None, n)) }
        h1 { (m.subject) }
        dl class="facts" {
            dt { "Datum" } dd { (datetime(m.created_at)) }
            dt { @if outgoing { "An" } @else { "Von" } } dd { (counterpart) }
            dt { "Verfasst von" } dd { (sides.author) }
            dt { "Referenz" } dd { a href={ (path::mailbox(slug)) "?referenz=" (m.referenz) } { (m.referenz) } }
            dt { "Bereich" } dd { (m.bereich.label()) }
            dt { "Thema" } dd { (m.thema) }
            @if let Some(o) = opened {
                dt { "Zuerst geöffnet" } dd { (o.name) ", " (datetime(o.at)) }
            }
            @if e.marks.important || e.marks.archived {
                dt { "Markierung" }
                dd {
                    @if e.marks.important { span class="badge badge-important" { "wichtig" } " " }
                    @if e.marks.archived { span class="badge" { "archiviert" } }
                }
            }
        }
        div class="message-text" { (paragraphs(&m.text)) }
        @if !m.attachments.is_empty() {
            h2 { "Anhänge" }
            ul class="attachments" {
                @for (i, a) in m.attachments.iter().enumerate() {
                    li { a href=(path::attachment(slug, m.id, i + 1)) download=(a.name) { (a.name) } " (" (size(a.len)) ")" }
                }
            }
        }
        div class="actions" {
            a class="button-link primary" href=(path::reply(slug, m.id)) { "Antworten" }
            a class="button-link" href=(path::export(slug, m.id)) download { "Als PDF exportieren" }
            details class="more-actions" {
                summary class="button-link" { "Weitere Aktionen" }
                ul class="menu" {
                    @if !e.marks.unread { (action("ungelesen", "Als ungelesen markieren")) }
                    @if e.marks.important {
                        (action("nicht-wichtig", "Markierung „wichtig“ entfernen"))
                    } @else {
                        (action("wichtig", "Als wichtig markieren"))
                    }
                    @if e.marks.archived {
                        (action("dearchivieren", "Archivierung aufheben"))
                    } @else {
                        (action("archivieren", "Archivieren"))
                    }
                }
            }
        }
    }
}
