//! User administration of an organisation's administrator (handbook §3–5):
//! "Nutzer:in anlegen", "Übersicht: Nutzer:innen", "Nutzer:innen-Details",
//! "Bearbeiten" and the deactivation confirmation.

use jiff::Timestamp;
use maud::{Markup, html};

use super::components::{
    AlertKind, Field, Paging, alert, csrf_field, datetime, empty_row, pager, required_note,
};
use crate::domain::account::{Account, Grants, Status};
use crate::domain::org::{GroupMailbox, Organisation, PortalFunction};
use crate::domain::permissions::{self, DEPENDENCY_INFO};
use crate::paths::users as path;

pub const MAILBOX_LEGEND: &str = "Berechtigungen für Gruppenpostfächer";
pub const MAILBOX_TEXT: &str = "Bitte wählen Sie hier die Gruppenpostfächer aus, auf welche der/die Nutzer:in zugreifen können soll.";
pub const FUNCTION_LEGEND: &str = "Berechtigungen für Portal-Funktionalitäten";
pub const FUNCTION_TEXT: &str = "Bitte wählen Sie die Berechtigungen des/der Nutzer:in aus.";
pub const TERMS_LABEL: &str = "Ich bestätige, dass die Nutzungsbedingungen dem Beschäftigten bekannt sind und dass er/sie diese mit der Anlage des Zugangs akzeptiert.";
pub const SELF_LOCK_HINT: &str = "Hat ein Nutzer sich durch die Fehleingabe seiner Anmeldedaten selbst gesperrt, können Sie das Nutzerkonto nicht entsperren. Eine Entsperrung erfolgt automatisch nach Ablauf der Sperrfrist.";
const NOT_ENABLED: &str = "nicht mehr freigegeben";
pub const LINK_EXPIRED: &str = "Aktivierungslink abgelaufen";

/// Values and messages of the create and edit forms.
#[derive(Default, Clone)]
pub struct UserForm {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub grants: Grants,
    pub terms_accepted: bool,
    pub errors: Vec<(&'static str, String)>,
}

impl UserForm {
    pub fn of(account: &Account) -> Self {
        UserForm {
            first_name: account.first_name.clone(),
            last_name: account.last_name.clone(),
            email: account.email.clone(),
            grants: account.grants().cloned().unwrap_or_default(),
            ..Default::default()
        }
    }

    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

/// "Vorübergehend gesperrt bis 28.11.2026 22:40".
pub fn self_lock_text(until: Timestamp) -> String {
    format!("Vorübergehend gesperrt bis {}", datetime(until))
}

/// "Letzte Anmeldung": date and time, or "Noch nie" / "Nicht erfasst"
/// (activated before logins were recorded).
pub fn last_login_text(a: &Account) -> String {
    match (a.last_login_at, a.activated_at) {
        (Some(t), _) => datetime(t),
        (None, None) => "Noch nie".to_owned(),
        (None, Some(_)) => "Nicht erfasst".to_owned(),
    }
}

/// The status as shown in lists and details.
pub fn status_text(a: &Account, org: &Organisation, now: Timestamp) -> String {
    let status = a.status_in(Some(org));
    match a.self_locked_until(now) {
        Some(until) if !status.is_locked() => {
            format!("{} – {}", status.label(), self_lock_text(until))
        }
        _ => status.label().to_owned(),
    }
}

fn mailbox_labels(a: &Account) -> String {
    a.grants()
        .map(|g| {
            g.mailboxes
                .iter()
                .map(|m| m.label())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

fn readonly_field(label: &str, id: &str, value: &str) -> Markup {
    html! {
        div class="field" {
            label for=(id) { (label) }
            input id=(id) type="text" value=(value) readonly;
        }
    }
}

/// Mailboxes offered for choice: the enabled ones, plus granted ones that
/// the organisation no longer enables (so they can be removed).
fn offered_mailboxes(org: &Organisation, granted: &Grants) -> Vec<(GroupMailbox, bool)> {
    GroupMailbox::ALL
        .into_iter()
        .filter_map(|m| {
            let enabled = org.enabled_mailboxes.contains(&m);
            (enabled || granted.mailboxes.contains(&m)).then_some((m, enabled))
        })
        .collect()
}

fn offered_functions(org: &Organisation, granted: &Grants) -> Vec<(PortalFunction, bool)> {
    PortalFunction::ALL
        .into_iter()
        .filter_map(|f| {
            let enabled = org.enabled_functions.contains(&f);
            (enabled || granted.functions.contains(&f)).then_some((f, enabled))
        })
        .collect()
}

fn check_box(
    name: &str,
    value: &str,
    label: &str,
    checked: bool,
    disabled: bool,
    enabled: bool,
) -> Markup {
    let id = format!("f-{name}-{value}");
    html! {
        div class="check" {
            input type="checkbox" id=(id) name=[(!disabled).then_some(name)] value=(value) checked[checked] disabled[disabled];
            label for=(id) {
                (label)
                @if !enabled { " (" (NOT_ENABLED) ")" }
            }
        }
    }
}

/// Both permission groups; `readonly` shows them as disabled marks.
fn permissions(org: &Organisation, form: &UserForm, readonly: bool) -> Markup {
    let g = &form.grants;
    let mailboxes = offered_mailboxes(org, g);
    let functions = offered_functions(org, g);
    let e_mb = form.error("postfaecher");
    let e_fn = form.error("funktionen");
    html! {
        fieldset id="postfaecher" aria-describedby=[e_mb.map(|_| "postfaecher-fehler")] {
            legend { (MAILBOX_LEGEND) }
            p { (MAILBOX_TEXT) }
            @if mailboxes.is_empty() {
                p { "Für Ihre Organisation sind keine Gruppenpostfächer freigegeben." }
            }
            @for (m, enabled) in &mailboxes {
                (check_box("postfach", m.key(), m.label(), g.mailboxes.contains(m), readonly, *enabled))
            }
            @if let Some(hint) = org.registration_hint() {
                p class="info" { (hint) }
            }
            @if let Some(e) = e_mb { p class="error" id="postfaecher-fehler" { (e) } }
        }
        fieldset id="funktionen" aria-describedby=[e_fn.map(|_| "funktionen-fehler")] {
            legend { (FUNCTION_LEGEND) }
            p { (FUNCTION_TEXT) }
            @if functions.is_empty() {
                p { "Für Ihre Organisation sind keine Portal-Funktionalitäten freigegeben." }
            }
            @for (f, enabled) in &functions {
                (check_box("funktion", f.key(), f.label(), g.functions.contains(f), readonly, *enabled))
            }
            p class="info" { (DEPENDENCY_INFO) }
            @if let Some(e) = e_fn { p class="error" id="funktionen-fehler" { (e) } }
        }
    }
}

fn form_errors_summary(form: &UserForm) -> Markup {
    html! {
        @if !form.errors.is_empty() {
            (alert(AlertKind::Error, None, "Bitte korrigieren Sie die markierten Angaben."))
        }
    }
}

/// "Nutzer:in anlegen".
pub fn new_form(csrf: &str, org: &Organisation, form: &UserForm) -> Markup {
    let e_terms = form.error("nutzungsbedingungen");
    html! {
        h1 { "Nutzer:in anlegen" }
        p { "Sie können hier neue Nutzer:innen für das Portal Meine Versorgung anlegen." }
        (form_errors_summary(form))
        form method="post" action=(path::NEW) novalidate {
            (csrf_field(csrf))
            (required_note())
            h2 { "Nutzer:innen-Daten" }
            div class="grid-2" {
                (Field::text("Vorname", "vorname", &form.first_name).required().autocomplete("off").error(form.error("vorname")).render())
                (Field::text("Name", "name", &form.last_name).required().autocomplete("off").error(form.error("name")).render())
                (readonly_field("Mitglied", "f-mitglied", &org.name))
                (Field::text("E-Mail-Adresse", "email", &form.email).kind("email").required().autocomplete("off").error(form.error("email")).render())
            }
            (permissions(org, form, false))
            div class={ "check" @if e_terms.is_some() { " field-error" } } {
                input type="checkbox" id="f-nutzungsbedingungen" name="nutzungsbedingungen" value="ja"
                    checked[form.terms_accepted] required
                    aria-invalid=[e_terms.map(|_| "true")]
                    aria-describedby={ "nutzungsbedingungen-link" @if e_terms.is_some() { " f-nutzungsbedingungen-fehler" } };
                label for="f-nutzungsbedingungen" {
                    (TERMS_LABEL) span class="req" aria-hidden="true" { "*" }
                }
                @if let Some(e) = e_terms { p class="error" id="f-nutzungsbedingungen-fehler" { (e) } }
            }
            p id="nutzungsbedingungen-link" {
                a href="/nutzungsbedingungen" target="_blank" rel="noopener" { "Nutzungsbedingungen" }
                " (öffnet in einem neuen Fenster)"
            }
            div class="actions" { button type="submit" { "Anlegen" } }
        }
    }
}

/// "ANLAGE ERFOLGREICH".
pub fn created(account: &Account, validity: &str) -> Markup {
    let name = account.full_name();
    html! {
        div class="dialog dialog-static" role="status" aria-labelledby="anlage-titel" aria-describedby="anlage-text" {
            h1 id="anlage-titel" { "ANLAGE ERFOLGREICH" }
            p id="anlage-text" {
                "Das Nutzer:innen-Konto wurde erfolgreich angelegt. Bitte teilen Sie " (name)
                " die Nutzerkennung separat mit. " (name)
                " erhält in Kürze automatisch eine E-Mail zum erstmaligen Setzen des Passwortes."
            }
            p { "Nutzerkennung:" }
            p class="big-id" { strong id="nutzerkennung" { (account.id) } }
            p {
                "Bitte teilen Sie die Nutzerkennung mit " (name)
                " und fordern Sie zur Aktivierung des Nutzerkontos " (validity)
                " auf. Die Nutzerkennung wird automatisch erzeugt und kann nicht verändert werden."
            }
            p { a class="button" href=(path::LIST) { "Bestätigen" } }
        }
    }
}

/// What the overview shows above the table.
pub struct ListPage<'a> {
    pub org: &'a Organisation,
    pub filter: &'a crate::app::users::UserFilter,
    pub users: &'a [Account],
    pub paging: Paging,
    pub notice: Option<&'a str>,
    pub now: Timestamp,
}

/// The query string of the filter (without the page).
pub fn filter_query(f: &crate::app::users::UserFilter) -> Vec<(&'static str, String)> {
    let mut q = Vec::new();
    for (k, v) in [
        ("name", &f.last_name),
        ("vorname", &f.first_name),
        ("kennung", &f.id),
    ] {
        if !v.trim().is_empty() {
            q.push((k, v.trim().to_owned()));
        }
    }
    if let Some(m) = f.mailbox {
        q.push(("gruppe", m.key().to_owned()));
    }
    if let Some(s) = f.status {
        q.push(("status", s.key().to_owned()));
    }
    q
}

fn select(label: &str, name: &str, options: &[(&str, &str)], selected: Option<&str>) -> Markup {
    let id = format!("f-{name}");
    html! {
        div class="field" {
            label for=(id) { (label) }
            select id=(id) name=(name) {
                option value="" selected[selected.is_none()] { "Alle" }
                @for (value, text) in options {
                    option value=(value) selected[selected == Some(*value)] { (text) }
                }
            }
        }
    }
}

/// "Übersicht: Nutzer:innen".
pub fn list(p: &ListPage<'_>) -> Markup {
    let base = filter_query(p.filter);
    // Next and previous carry the neighbouring row as a keyset cursor, so
    // the server continues from there instead of counting rows.
    let current = p.paging.page;
    let href = |page: usize| {
        let mut q = base.clone();
        q.push(("seite", page.to_string()));
        if page == current + 1
            && let Some(last) = p.users.last()
        {
            q.push(("nach", last.id.to_string()));
        } else if page + 1 == current
            && let Some(first) = p.users.first()
        {
            q.push(("vor", first.id.to_string()));
        }
        format!(
            "{}?{}",
            path::LIST,
            serde_urlencoded::to_string(&q).unwrap_or_default()
        )
    };
    html! {
        h1 { "Übersicht: Nutzer:innen" }
        p { "Sie können hier Nutzer:innen Ihrer Organisation für das Portal Meine Versorgung verwalten." }
        p { a href=(path::REVIEW) { "Berechtigungen überprüfen" } }
        @if let Some(n) = p.notice { (alert(AlertKind::Success, None, n)) }
        (list_filter(p))
        (list_table(p))
        (pager(&p.paging, href))
    }
}

/// The overview's filter (Name, Vorname, Nutzerkennung, Gruppen,
/// Benutzerstatus), open while a filter is active.
fn list_filter(p: &ListPage<'_>) -> Markup {
    let f = p.filter;
    let mailboxes: Vec<(&str, &str)> = GroupMailbox::ALL
        .into_iter()
        .filter(|m| p.org.enabled_mailboxes.contains(m) || f.mailbox == Some(*m))
        .map(|m| (m.key(), m.label()))
        .collect();
    let statuses: Vec<(&str, &str)> = Status::ALL
        .into_iter()
        .map(|s| (s.key(), s.label()))
        .collect();
    let active = !f.is_empty();
    html! {
        details class="filter" open[active] {
            summary {
                "Filter"
                @if active { span class="filter-mark" { " ●" span class="visually-hidden" { " (Filter aktiv)" } } }
            }
            form method="get" action=(path::LIST) {
                div class="grid-2" {
                    (Field::text("Name", "name", &f.last_name).render())
                    (Field::text("Vorname", "vorname", &f.first_name).render())
                    (Field::text("Nutzerkennung", "kennung", &f.id).render())
                    (select("Gruppen", "gruppe", &mailboxes, f.mailbox.map(GroupMailbox::key)))
                    (select("Benutzerstatus", "status", &statuses, f.status.map(Status::key)))
                }
                div class="actions" {
                    a class="button button-secondary" href=(path::LIST) { "Alle Filter löschen" }
                    button type="submit" { "Filtern" }
                }
            }
        }
    }
}

/// The page's Nutzer:innen, each row linking to the details.
fn list_table(p: &ListPage<'_>) -> Markup {
    html! {
        div class="table-wrap" tabindex="0" role="region" aria-label="Nutzer:innen Ihrer Organisation" {
            table {
                caption class="visually-hidden" { "Nutzer:innen Ihrer Organisation" }
                thead {
                    tr {
                        th scope="col" { "Name" }
                        th scope="col" { "Vorname" }
                        th scope="col" { "Nutzerkennung" }
                        th scope="col" { "Gruppenpostfach" }
                        th scope="col" { "Status" }
                        th scope="col" { "Letzte Anmeldung" }
                    }
                }
                tbody {
                    @if p.users.is_empty() { (empty_row(6)) }
                    @for a in p.users {
                        tr class="clickable" {
                            td { (a.last_name) }
                            td { (a.first_name) }
                            td { a class="row-link" href=(path::details(a.id.as_str())) { (a.id) } }
                            td { (mailbox_labels(a)) }
                            td {
                                (status_text(a, p.org, p.now))
                                @if a.activation_link_expired(p.now) {
                                    " – " span class="badge badge-warning" { (LINK_EXPIRED) }
                                }
                            }
                            td { (last_login_text(a)) }
                        }
                    }
                }
            }
        }
    }
}

/// What the details page needs.
pub struct DetailsPage<'a> {
    pub csrf: &'a str,
    pub org: &'a Organisation,
    pub account: &'a Account,
    pub notice: Option<&'a str>,
    pub error: Option<&'a str>,
    pub now: Timestamp,
}

fn data_item(label: &str, value: &str) -> Markup {
    html! { div { dt { (label) } dd { (value) } } }
}

fn action_button(csrf: &str, action: &str, text: &str, class: Option<&str>) -> Markup {
    html! {
        form method="post" action=(action) {
            (csrf_field(csrf))
            button type="submit" class=[class] { (text) }
        }
    }
}

/// "Nutzer:innen-Details" (read view with the actions).
pub fn details(p: &DetailsPage<'_>) -> Markup {
    let a = p.account;
    let id = a.id.as_str();
    let self_lock = a.self_locked_until(p.now);
    let form = UserForm::of(a);
    let exceeding = permissions::exceeding(p.org, &form.grants);
    html! {
        h1 { "Nutzer:innen-Details" }
        @if let Some(n) = p.notice { (alert(AlertKind::Success, None, n)) }
        @if let Some(e) = p.error { (alert(AlertKind::Error, None, e)) }
        p class="actions" { a class="button" href=(path::edit(id)) { "Bearbeiten" } }
        h2 { "Nutzer:innen-Daten" }
        dl class="grid-2" {
            (data_item("Vorname", &a.first_name))
            (data_item("Name", &a.last_name))
            (data_item("Mitglied", &p.org.name))
            (data_item("E-Mail-Adresse", &a.email))
            (data_item("Nutzerstatus", a.status_in(Some(p.org)).label()))
            (data_item("Nutzerkennung", id))
            (data_item("Letzte Anmeldung", &last_login_text(a)))
        }
        @if a.dormancy.locked && a.admin_locked {
            (alert(AlertKind::Warning, Some("Gesperrt (inaktiv)"), "Das Nutzerkonto wurde gesperrt, weil es längere Zeit nicht genutzt wurde. Mit „Nutzer:in entsperren“ heben Sie die Sperre auf."))
        }
        @if let Some(until) = self_lock {
            (alert(AlertKind::Warning, Some(&self_lock_text(until)), SELF_LOCK_HINT))
        }
        @if !exceeding.is_empty() {
            (alert(AlertKind::Warning, None, "Einige Berechtigungen sind für Ihre Organisation nicht mehr freigegeben. Bitte entfernen Sie diese über „Bearbeiten“."))
        }
        (permissions(p.org, &form, true))
        div class="actions" {
            @if a.admin_locked {
                (action_button(p.csrf, &path::unlock(id), "Nutzer:in entsperren", None))
            } @else {
                (action_button(p.csrf, &path::lock(id), "Nutzer:in temporär sperren", Some("button-secondary")))
            }
            form method="get" action=(path::deactivate(id)) {
                button type="submit" class="button-danger" { "Nutzer:in dauerhaft deaktivieren" }
            }
            @if a.is_activation_pending() {
                @if a.activation_link_expired(p.now) {
                    p class="badge badge-warning" id="aktivierungslink" { (LINK_EXPIRED) }
                }
                (action_button(p.csrf, &path::resend(id), "E-Mail für neues Passwort versenden", None))
            }
            @if a.totp_secret.is_some() {
                form method="get" action=(path::reset_totp(id)) {
                    button type="submit" class="button-secondary" { "Authenticator zurücksetzen" }
                }
            }
        }
        p { a href=(path::LIST) { "Zurück zur Übersicht: Nutzer:innen" } }
    }
}

/// "Bearbeiten" of the details.
pub fn edit_form(csrf: &str, org: &Organisation, account: &Account, form: &UserForm) -> Markup {
    let id = account.id.as_str();
    html! {
        h1 { "Nutzer:innen-Details" }
        (form_errors_summary(form))
        form method="post" action=(path::edit(id)) novalidate {
            (csrf_field(csrf))
            (required_note())
            h2 { "Nutzer:innen-Daten" }
            div class="grid-2" {
                (Field::text("Vorname", "vorname", &form.first_name).required().autocomplete("off").error(form.error("vorname")).render())
                (Field::text("Name", "name", &form.last_name).required().autocomplete("off").error(form.error("name")).render())
                (readonly_field("Mitglied", "f-mitglied", &org.name))
                (Field::text("E-Mail-Adresse", "email", &form.email).kind("email").required().autocomplete("off").error(form.error("email")).render())
                (readonly_field("Nutzerstatus", "f-nutzerstatus", account.status_in(Some(org)).label()))
                (readonly_field("Nutzerkennung", "f-nutzerkennung", id))
            }
            (permissions(org, form, false))
            p class="info" { "Eine Benachrichtigung über die Änderung der Daten an die Nutzer:innen erfolgt nicht. Bitte informieren Sie die Nutzer:innen über die Änderungen." }
            div class="actions" {
                a class="button button-secondary" href=(path::details(id)) { "Abbrechen" }
                button type="submit" { "Speichern" }
            }
        }
    }
}

/// The confirmation before "Endgültig deaktivieren".
pub fn deactivate_confirm(csrf: &str, account: &Account) -> Markup {
    let id = account.id.as_str();
    html! {
        div class="dialog dialog-static" role="group" aria-labelledby="deaktivieren-titel" aria-describedby="deaktivieren-text" {
            h2 id="deaktivieren-titel" { "Nutzer:in dauerhaft deaktivieren" }
            p id="deaktivieren-text" {
                "Möchten Sie das Nutzer:innen-Konto von " (account.full_name()) " (" (id) ") dauerhaft deaktivieren? "
                "Bitte bedenken Sie, dass die Deaktivierung nicht aufgehoben werden kann und die verbundenen Daten (insbesondere Postfach und Nachrichten) verloren gehen. "
                "Ein deaktivierter Nutzer erscheint nicht mehr in der Nutzerübersicht."
            }
            form method="post" action=(path::deactivate(id)) {
                (csrf_field(csrf))
                div class="actions" {
                    a class="button button-secondary" href=(path::details(id)) { "Abbrechen" }
                    button type="submit" class="button-danger" { "Endgültig deaktivieren" }
                }
            }
        }
    }
}

/// The confirmation before "Authenticator zurücksetzen".
pub fn reset_totp_confirm(csrf: &str, account: &Account) -> Markup {
    let id = account.id.as_str();
    html! {
        div class="dialog dialog-static" role="group" aria-labelledby="authenticator-titel" aria-describedby="authenticator-text" {
            h2 id="authenticator-titel" { "Authenticator zurücksetzen" }
            p id="authenticator-text" {
                "Möchten Sie den Authenticator von " (account.full_name()) " (" (id) ") zurücksetzen? "
                "Alle Sitzungen des Nutzer:innen-Kontos werden sofort beendet. "
                "Bei der nächsten Anmeldung richtet " (account.full_name()) " einen neuen Authenticator ein; der bisherige Authenticator ist dann nicht mehr gültig."
            }
            form method="post" action=(path::reset_totp(id)) {
                (csrf_field(csrf))
                div class="actions" {
                    a class="button button-secondary" href=(path::details(id)) { "Abbrechen" }
                    button type="submit" { "Authenticator zurücksetzen" }
                }
            }
        }
    }
}
