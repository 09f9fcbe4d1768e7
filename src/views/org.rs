//! Pages about the own organisation: the homes of administrators and
//! Nutzer:innen, "Mitgliederdaten", "Übersicht: Gruppenpostfächer",
//! "Gruppendetails" and "Postfach-Konfiguration" (handbook §2, §6, §7).

use maud::{Markup, html};

use super::components::{AlertKind, Field, alert, csrf_field, empty_row, select};
use crate::app::users::{MailboxFilter, MailboxRow};
use crate::domain::account::Account;
use crate::domain::org::{Bereich, GroupMailbox, Organisation, ReceiptTarget};
use crate::paths::org as path;

pub const NO_EMAILS: &str = "⚠ Keine E-Mail-Adresse(n) hinterlegt.";
pub const RECEIPT_HINT: &str = "Die Quittungsnachrichten zu den aktuell vorhandenen Formularen sind dem Gruppenpostfach Beamtenversorgung zugeordnet.";

fn greeting(account: &Account) -> Markup {
    html! { h1 { "Guten Tag, " (account.full_name()) "!" } }
}

/// Home of an administrator: the newest messages of the group mailboxes.
/// Messaging comes later; until then the table is honestly empty.
pub fn admin_home(account: &Account, newest: &[HomeRow]) -> Markup {
    html! {
        (greeting(account))
        section aria-labelledby="eingang-titel" {
            h2 id="eingang-titel" { "Eingang Gruppenpostfächer" }
            p { "Neueste Nachrichten in Gruppenpostfächern." }
            (home_table(newest))
        }
    }
}

/// A row of a home page's newest messages: link, Datum, Betreff, unread.
pub struct HomeRow {
    pub href: String,
    pub at: jiff::Timestamp,
    pub subject: String,
    pub unread: bool,
}

fn home_table(rows: &[HomeRow]) -> Markup {
    html! {
        div class="table-wrap" tabindex="0" role="region" aria-label="Neueste Nachrichten" {
            table {
                thead {
                    tr {
                        th scope="col" { "Datum" }
                        th scope="col" { "Betreff" }
                    }
                }
                tbody {
                    @if rows.is_empty() { (empty_row(2)) }
                    @for r in rows {
                        tr class={ @if r.unread { "unread" } } {
                            td { (crate::views::components::datetime(r.at)) }
                            td { a href=(r.href) { @if r.unread { strong { (r.subject) } } @else { (r.subject) } } }
                        }
                    }
                }
            }
        }
    }
}

/// Home of a Nutzer:in: what they have been granted.
pub fn user_home(account: &Account, org: &Organisation, newest: &[HomeRow]) -> Markup {
    // Only what the organisation's current restrictions still allow.
    let grants =
        crate::domain::permissions::effective(org, &account.grants().cloned().unwrap_or_default());
    html! {
        (greeting(account))
        p { "Sie sind im Portal Meine Versorgung als Nutzer:in von " (org.name) " angemeldet." }
        section aria-labelledby="neueste-titel" {
            h2 id="neueste-titel" { "Neueste Nachrichten" }
            p { "Neueste Nachrichten in Ihren Postfächern." }
            (home_table(newest))
        }
        h2 { "Ihre Berechtigungen" }
        @if grants.functions.is_empty() {
            p { "Ihnen wurden noch keine Berechtigungen für Portal-Funktionalitäten erteilt. Bitte wenden Sie sich an die Administration Ihrer Organisation." }
        } @else {
            p { "Ihnen wurden folgende Portal-Funktionalitäten freigegeben:" }
            ul {
                @for f in &grants.functions { li { (f.label()) } }
            }
        }
        @if !grants.mailboxes.is_empty() {
            p { "Sie haben Zugriff auf folgende Gruppenpostfächer:" }
            ul {
                @for m in &grants.mailboxes { li { (m.label()) } }
            }
        }
    }
}

/// "Mitgliederdaten" (read-only).
pub fn org_data(org: &Organisation) -> Markup {
    let bereiche: Vec<&str> = Bereich::ALL
        .into_iter()
        .filter(|b| org.bereiche.contains(b))
        .map(Bereich::label)
        .collect();
    html! {
        h1 { "Mitgliederdaten" }
        dl class="grid-2" {
            div { dt { "Name" } dd { (org.name) } }
            div { dt { "Mitgliedsnummer/PNR" } dd { (org.number) } }
            div { dt { "Abrechnungsnummer" } dd { (org.billing_number) } }
            div {
                dt { "Anschrift" }
                dd {
                    @for (i, line) in org.address.lines().enumerate() {
                        @if i > 0 { br; }
                        (line)
                    }
                }
            }
            div {
                dt { "Geschäftsbereiche" }
                dd {
                    @if bereiche.is_empty() { "keine" } @else { (bereiche.join(", ")) }
                }
            }
            div { dt { "Zweiter Faktor" } dd { (org.second_factor.label()) } }
        }
        @if let Some(hint) = org.registration_hint() { p class="info" { (hint) } }
    }
}

fn member_line(a: &Account) -> String {
    format!("{} {}", a.sort_name(), a.id)
}

/// Members shown per group mailbox before "Mehr anzeigen".
pub const MEMBERS_SHOWN: usize = 5;

/// What "Übersicht: Gruppenpostfächer" shows.
pub struct MailboxesPage<'a> {
    pub org: &'a Organisation,
    pub rows: &'a [MailboxRow],
    pub filter: &'a MailboxFilter,
    /// "Mehr anzeigen" was pressed: every member of every row.
    pub all: bool,
}

fn mailbox_filter_query(f: &MailboxFilter) -> Vec<(&'static str, String)> {
    let mut q = Vec::new();
    if let Some(m) = f.mailbox {
        q.push(("gruppe", m.key().to_owned()));
    }
    if !f.member.trim().is_empty() {
        q.push(("nutzer", f.member.trim().to_owned()));
    }
    q
}

/// "Übersicht: Gruppenpostfächer" with the handbook's "Filter" and
/// "Mehr anzeigen" (both plain links and forms, no script needed).
pub fn mailboxes(p: &MailboxesPage<'_>) -> Markup {
    let f = p.filter;
    let hidden = p.rows.iter().any(|r| r.member_count > r.members.len());
    let mut more = mailbox_filter_query(f);
    more.push(("alle", "1".to_owned()));
    let more_href = format!(
        "{}?{}",
        path::LIST,
        serde_urlencoded::to_string(&more).unwrap_or_default()
    );
    html! {
        h1 { "Übersicht: Gruppenpostfächer" }
        p { "Sie können hier die Gruppenpostfächer Ihrer Organisation im Portal Meine Versorgung verwalten." }
        (mailboxes_filter(p))
        (mailboxes_table(p))
        @if hidden && !p.all {
            p { a class="button button-secondary" href=(more_href) { "Mehr anzeigen" } }
        }
    }
}

/// The filter of the overview (Gruppenpostfach, Nutzer:in).
fn mailboxes_filter(p: &MailboxesPage<'_>) -> Markup {
    let f = p.filter;
    let active = !f.is_empty();
    let options: Vec<(String, String)> = std::iter::once((String::new(), "Alle".to_owned()))
        .chain(
            GroupMailbox::ALL
                .into_iter()
                .filter(|m| p.org.enabled_mailboxes.contains(m))
                .map(|m| (m.key().to_owned(), m.label().to_owned())),
        )
        .collect();
    html! {
        details class="filter" open[active] {
            summary {
                "Filter"
                @if active { span class="filter-mark" { " ●" span class="visually-hidden" { " (Filter aktiv)" } } }
            }
            form method="get" action=(path::LIST) {
                div class="grid-2" {
                    (select("Gruppenpostfach", "gruppe", &options, f.mailbox.map(GroupMailbox::key).unwrap_or(""), false, None))
                    (Field::text("Nutzer:in", "nutzer", &f.member).hint("Name, Vorname oder Nutzerkennung").render())
                }
                div class="actions" {
                    a class="button button-secondary" href=(path::LIST) { "Alle Filter löschen" }
                    button type="submit" { "Filtern" }
                }
            }
        }
    }
}

/// One row per group mailbox: its notification addresses and members.
fn mailboxes_table(p: &MailboxesPage<'_>) -> Markup {
    html! {
        div class="table-wrap" tabindex="0" role="region" aria-label="Gruppenpostfächer Ihrer Organisation" {
            table {
                caption class="visually-hidden" { "Gruppenpostfächer Ihrer Organisation" }
                thead {
                    tr {
                        th scope="col" { "Gruppenpostfach" }
                        th scope="col" { "E-Mail-Adresse(n)" }
                        th scope="col" { "Nutzer:innen" }
                    }
                }
                tbody {
                    @if p.rows.is_empty() { (empty_row(3)) }
                    @for row in p.rows {
                        tr class="clickable" {
                            td { a class="row-link" href=(path::group(row.mailbox)) { (row.mailbox.label()) } }
                            td {
                                @if row.emails.is_empty() {
                                    (NO_EMAILS)
                                } @else {
                                    @for (i, e) in row.emails.iter().enumerate() {
                                        @if i > 0 { br; }
                                        (e)
                                    }
                                }
                            }
                            td {
                                @for (i, a) in row.members.iter().enumerate() {
                                    @if i > 0 { br; }
                                    (member_line(a))
                                }
                                @if row.member_count > row.members.len() {
                                    br;
                                    span class="hint" { "… und " (row.member_count - row.members.len()) " weitere" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// "Gruppendetails" (read view).
pub fn group_details(row: &MailboxRow, notice: Option<&str>) -> Markup {
    let m = row.mailbox;
    html! {
        h1 { "Gruppendetails" }
        @if let Some(n) = notice { (alert(AlertKind::Success, None, n)) }
        h2 { "Gruppe: " (m.label()) }
        p class="actions" { a class="button" href=(path::group_edit(m)) { "Bearbeiten" } }
        h3 { "E-Mail-Adresse(n)" }
        @if row.emails.is_empty() {
            p { "Es sind keine E-Mail-Adressen für diese Gruppe hinterlegt." }
        } @else {
            ul { @for e in &row.emails { li { (e) } } }
        }
        p class="info" { "An die hinterlegte/n E-Mail-Adresse/n erfolgt eine Benachrichtigung über den Eingang einer Nachricht im Gruppenpostfach." }
        h3 { "Nutzer:innen" }
        @if row.members.is_empty() {
            p { "Diesem Gruppenpostfach sind keine Nutzer:innen zugeordnet." }
        } @else {
            ul { @for a in &row.members { li { (member_line(a)) } } }
        }
        p { a href=(path::LIST) { "Zurück zur Übersicht: Gruppenpostfächer" } }
    }
}

/// "Gruppendetails" → "Bearbeiten": any number of address fields.
pub fn group_edit(
    csrf: &str,
    mailbox: GroupMailbox,
    values: &[String],
    errors: &[Option<String>],
) -> Markup {
    let failed = errors.iter().any(Option::is_some);
    html! {
        h1 { "Gruppendetails" }
        h2 { "Gruppe: " (mailbox.label()) }
        @if failed { (alert(AlertKind::Error, None, "Bitte korrigieren Sie die markierten Angaben.")) }
        form method="post" action=(path::group_edit(mailbox)) novalidate {
            (csrf_field(csrf))
            // Enter in an address field saves (the first submit button is
            // the default one), instead of adding or removing a row.
            button type="submit" name="aktion" value="speichern" class="visually-hidden" tabindex="-1" aria-hidden="true" { "Speichern" }
            // No field is required: without an address nobody is notified.
            p class="hint" id="f-email-hinweis" { "Alle Felder sind optional. An jede hinterlegte E-Mail-Adresse geht eine Benachrichtigung über neue Nachrichten im Gruppenpostfach; ohne Adresse wird niemand benachrichtigt. Leere Felder werden beim Speichern ignoriert." }
            @for (i, value) in values.iter().enumerate() {
                @let name = format!("email_{i}");
                @let error = errors.get(i).and_then(Option::as_deref);
                @let id = format!("f-{name}");
                @let err_id = format!("{id}-fehler");
                div class={ "field field-row" @if error.is_some() { " field-error" } } {
                    label for=(id) { "E-Mail-Adresse" }
                    div class="field-with-action" {
                        input id=(id) name=(name) type="email" value=(value) autocomplete="off"
                            aria-invalid=[error.map(|_| "true")]
                            aria-describedby={ "f-email-hinweis" @if error.is_some() { " " (err_id) } };
                        button type="submit" name="aktion" value={ "entfernen-" (i) } class="button-secondary" formnovalidate {
                            "Entfernen" span class="visually-hidden" { " (E-Mail-Adresse " (i + 1) ")" }
                        }
                    }
                    @if let Some(e) = error { p class="error" id=(err_id) { (e) } }
                }
            }
            p {
                button type="submit" name="aktion" value="hinzufuegen" class="button-secondary" formnovalidate { "+ E-Mail-Adresse hinzufügen" }
            }
            div class="actions" {
                a class="button button-secondary" href=(path::group(mailbox)) { "Abbrechen" }
                button type="submit" name="aktion" value="speichern" { "Speichern" }
            }
        }
    }
}

/// What "Postfach-Konfiguration" shows.
pub struct MailboxConfig<'a> {
    pub csrf: &'a str,
    pub target: ReceiptTarget,
    pub notice: Option<&'a str>,
    /// Why "Gruppenpostfächer" cannot be chosen, when it cannot.
    pub group_refused: Option<&'a str>,
    /// The refusal of a submitted choice.
    pub error: Option<&'a str>,
}

/// "Postfach-Konfiguration" (handbook §7).
pub fn mailbox_config(c: &MailboxConfig<'_>) -> Markup {
    let radio = |value: &str, label: &str, hint: &str, checked: bool, disabled: bool| {
        let id = format!("f-quittungen-{value}");
        let hint_id = format!("{id}-hinweis");
        html! {
            div class="check" {
                input type="radio" id=(id) name="quittungen" value=(value) checked[checked] disabled[disabled] aria-describedby=(hint_id);
                label for=(id) { (label) }
            }
            p class="hint" id=(hint_id) { (hint) }
        }
    };
    let target = c.target;
    html! {
        h1 { "Postfach-Konfiguration" }
        @if let Some(n) = c.notice { (alert(AlertKind::Success, None, n)) }
        @if let Some(e) = c.error { (alert(AlertKind::Error, Some("Die Postfach-Konfiguration wurde nicht gespeichert."), e)) }
        p { "Hier können Sie steuern, ob Quittungsnachrichten zu abgesandten Formularen in persönliche oder Gruppenpostfächer eingestellt werden." }
        form method="post" action=(path::CONFIG) {
            (csrf_field(c.csrf))
            fieldset {
                legend { "Quittungsnachrichten" }
                (radio("persoenlich", "persönliches Postfach",
                    "Wenn Sie die Einstellung „persönliches Postfach“ wählen, gehen die Quittungsnachrichten als Systemmeldung im persönlichen Postfach der Nutzer ein.",
                    target == ReceiptTarget::Personal, false))
                (radio("gruppe", "Gruppenpostfächer",
                    c.group_refused.unwrap_or("Wenn Sie die Einstellung „Gruppenpostfächer“ wählen, gehen die Quittungsnachrichten im entsprechenden Gruppenpostfach ein. Die Nutzer benötigen eine Zuordnung zum entsprechenden Gruppenpostfach, um diese lesen zu können."),
                    target == ReceiptTarget::Group, c.group_refused.is_some()))
            }
            p { "Die Postfach-Konfiguration bewirkt kein Verschieben bestehender Quittungsnachrichten. Diese verbleiben im jeweiligen Postfach." }
            p class="info" { "Hinweis: " (RECEIPT_HINT) }
            div class="actions" { button type="submit" { "Speichern" } }
        }
    }
}
