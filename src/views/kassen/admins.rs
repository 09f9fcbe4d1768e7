//! Administrator:innen of member organisations, for the Kassen.

use maud::{Markup, html};

use super::orgs::urlencode;
use crate::app::kassen_accounts::{AdminFilter, AdminInput};
use crate::domain::account::{Account, SecondFactor, Status, effective_second_factor};
use crate::domain::org::Organisation;
use crate::views::components::{
    AlertKind, EMAIL_TAN_WARNING, Field, Paging, action_button, alert, csrf_field, datetime,
    empty_row, error_for, pager, required_note, select,
};

fn org_options(orgs: &[Organisation], with_all: bool) -> Vec<(String, String)> {
    let mut opts = vec![(
        String::new(),
        if with_all { "Alle" } else { "Bitte auswählen" }.to_owned(),
    )];
    opts.extend(orgs.iter().map(|o| {
        (
            o.id.to_string(),
            format!("{} (PNR: {}, Abr: {})", o.name, o.number, o.billing_number),
        )
    }));
    opts
}

/// Status text including a self-lock with its end; `org` is the account's
/// organisation (its second factor decides about the TOTP set-up).
pub fn status_text(a: &Account, org: Option<&Organisation>, now: jiff::Timestamp) -> String {
    let status = a.status_in(org);
    match a.self_locked_until(now) {
        Some(until) if !status.is_locked() => {
            format!(
                "{} – vorübergehend gesperrt bis {}",
                status.label(),
                datetime(until)
            )
        }
        _ => status.label().to_owned(),
    }
}

pub fn filter_query(f: &AdminFilter) -> String {
    format!(
        "name={}&email={}&mitglied={}&nutzerkennung={}&status={}",
        urlencode(&f.name),
        urlencode(&f.email),
        f.org.map(|o| o.to_string()).unwrap_or_default(),
        urlencode(&f.id),
        f.status.map(|s| s.key()).unwrap_or("")
    )
}

pub fn list(
    rows: &[(Account, String)],
    orgs: &[Organisation],
    f: &AdminFilter,
    paging: &Paging,
    now: jiff::Timestamp,
) -> Markup {
    let query = filter_query(f);
    let href = |page: usize| format!("/kassen/administratoren?{query}&seite={page}");
    let mut statuses = vec![(String::new(), "Alle".to_owned())];
    statuses.extend(
        Status::ALL
            .iter()
            .map(|s| (s.key().to_owned(), s.label().to_owned())),
    );
    let active = !f.name.is_empty()
        || !f.email.is_empty()
        || f.org.is_some()
        || !f.id.is_empty()
        || f.status.is_some();
    html! {
        h1 { "Administrator:innen" }
        p { "Administrator:innen der Mitglieder verwalten. Über den Filter finden Sie auch die Nutzerkennung einer Person, die sie vergessen hat." }
        p { a class="button" href="/kassen/administratoren/neu" { "Administrator:in anlegen" } }
        form method="get" action="/kassen/administratoren" class="filter" {
            div class="grid-2" {
                (Field::text("Name", "name", &f.name).render())
                (Field::text("E-Mail-Adresse", "email", &f.email).render())
                (select("Mitglied", "mitglied", &org_options(orgs, true), &f.org.map(|o| o.to_string()).unwrap_or_default(), false, None))
                (Field::text("Nutzerkennung", "nutzerkennung", &f.id).render())
                (select("Benutzerstatus", "status", &statuses, f.status.map(|s| s.key()).unwrap_or(""), false, None))
            }
            div class="actions" {
                button type="submit" { "Filtern" }
                @if active { a class="button button-secondary" href="/kassen/administratoren" { "Alle Filter löschen" } }
            }
        }
        div class="table-wrap" tabindex="0" role="region" aria-label="Administrator:innen" {
            table {
                caption class="visually-hidden" { "Administrator:innen" }
                thead { tr {
                    th scope="col" { "Name" } th scope="col" { "Vorname" } th scope="col" { "Nutzerkennung" }
                    th scope="col" { "Mitglied" } th scope="col" { "E-Mail-Adresse" } th scope="col" { "Status" }
                } }
                tbody {
                    @if rows.is_empty() { (empty_row(6)) }
                    @for (a, org) in &rows[paging.range()] {
                        tr class="clickable" {
                            td { (a.last_name) } td { (a.first_name) }
                            td { a href={ "/kassen/administratoren/" (a.id) } { (a.id) } }
                            td { (org) } td { (a.email) } td { (status_text(a, a.org().and_then(|o| orgs.iter().find(|x| x.id == o)), now)) }
                        }
                    }
                }
            }
        }
        (pager(paging, href))
    }
}

pub fn new_page(
    csrf: &str,
    orgs: &[Organisation],
    input: &AdminInput,
    errors: &[(&'static str, String)],
) -> Markup {
    html! {
        h1 { "Administrator:in anlegen" }
        p { "Die Person erhält zwei E-Mails: eine zum Festlegen des Passwortes und nach dem Setzen des Passwortes eine zum Abruf der Nutzerkennung." }
        @if !errors.is_empty() {
            (alert(AlertKind::Error, Some("Bitte prüfen Sie Ihre Eingaben."), "Einige Felder sind nicht korrekt ausgefüllt."))
        }
        form method="post" action="/kassen/administratoren/neu" novalidate {
            (csrf_field(csrf))
            (required_note())
            div class="grid-2" {
                (Field::text("Vorname", "vorname", &input.first_name).required().error(error_for(errors, "vorname")).render())
                (Field::text("Name", "name", &input.last_name).required().error(error_for(errors, "name")).render())
                (Field::text("Geburtsdatum", "geburtsdatum", &input.birth_date).kind("date").required().error(error_for(errors, "geburtsdatum")).render())
                (Field::text("E-Mail-Adresse", "email", &input.email).kind("email").required().error(error_for(errors, "email")).render())
                (select("Mitglied", "mitglied", &org_options(orgs, false), &input.org, true, error_for(errors, "mitglied")))
            }
            div class="actions" {
                a class="button button-secondary" href="/kassen/administratoren" { "Abbrechen" }
                button type="submit" { "Anlegen" }
            }
        }
    }
}

pub fn created(a: &Account, valid_minutes: u64) -> Markup {
    html! {
        h1 { "Administrator:in anlegen" }
        (alert(AlertKind::Success, Some("ANLAGE ERFOLGREICH"), &format!(
            "Das Nutzerkonto für {} wurde angelegt (Nutzerkennung {}). {} erhält in Kürze eine E-Mail zum erstmaligen Setzen des Passwortes (gültig {}) und danach eine E-Mail zum Abruf der Nutzerkennung.",
            a.full_name(), a.id, a.full_name(), crate::format::minutes(valid_minutes)
        )))
        p { a class="button" href={ "/kassen/administratoren/" (a.id) } { "Bestätigen" } }
    }
}

pub fn details(
    csrf: &str,
    a: &Account,
    org: Option<&Organisation>,
    errors: &[(&'static str, String)],
    values: Option<(&str, &str, &str)>,
    notice: Option<&str>,
    now: jiff::Timestamp,
) -> Markup {
    let base = format!("/kassen/administratoren/{}", a.id);
    let (first, last, email) = values.unwrap_or((&a.first_name, &a.last_name, &a.email));
    html! {
        h1 { "Administrator:in: " (a.full_name()) }
        @if let Some(n) = notice { (alert(AlertKind::Success, None, n)) }
        @if let Some(e) = error_for(errors, "konto") { (alert(AlertKind::Error, None, e)) }
        dl class="facts" {
            dt { "Nutzerkennung" } dd { (a.id) }
            dt { "Mitglied" } dd { @if let Some(o) = org { a href={ "/kassen/mitglieder/" (o.id) } { (o.name) " (PNR: " (o.number) ", Abr: " (o.billing_number) ")" } } }
            dt { "Geburtsdatum" } dd { (a.birth_date.map(|d| d.strftime("%d.%m.%Y").to_string()).unwrap_or_default()) }
            dt { "Nutzerstatus" } dd { (status_text(a, org, now)) }
            dt { "Zweiter Faktor" } dd { (factor_text(a, org)) }
        }
        h2 { "Bearbeiten" }
        form method="post" action=(base) novalidate {
            (csrf_field(csrf))
            (required_note())
            div class="grid-2" {
                (Field::text("Vorname", "vorname", first).required().error(error_for(errors, "vorname")).render())
                (Field::text("Name", "name", last).required().error(error_for(errors, "name")).render())
                (Field::text("E-Mail-Adresse", "email", email).kind("email").required().error(error_for(errors, "email")).render())
            }
            div class="actions" { button type="submit" { "Speichern" } }
        }
        h2 { "Aktionen" }
        (account_actions(csrf, &base, a, org, now))
    }
}

/// "E-Mail-TAN (Einstellung des Mitglieds)" or "… (abweichend vom Mitglied)".
fn factor_text(a: &Account, org: Option<&Organisation>) -> String {
    let factor = effective_second_factor(a, org);
    match (a.second_factor_choice(), org) {
        (Some(f), Some(o)) if f == o.second_factor => {
            format!("{} (für dieses Nutzerkonto eingestellt)", factor.label())
        }
        (Some(_), Some(_)) => format!(
            "{} (abweichend von der Einstellung des Mitglieds)",
            factor.label()
        ),
        (None, Some(_)) => format!("{} (Einstellung des Mitglieds)", factor.label()),
        _ => factor.label().to_owned(),
    }
}

/// The action buttons shared by administrators and staff.
pub fn account_actions(
    csrf: &str,
    base: &str,
    a: &Account,
    org: Option<&Organisation>,
    now: jiff::Timestamp,
) -> Markup {
    let factor = effective_second_factor(a, org);
    html! {
        div class="actions actions-wrap" {
            @if a.admin_locked {
                (action_button(&format!("{base}/entsperren"), csrf, "Nutzer:in entsperren", "button-secondary"))
            } @else {
                (action_button(&format!("{base}/sperren"), csrf, "Nutzer:in temporär sperren", "button-secondary"))
            }
            @if a.is_activation_pending() {
                (action_button(&format!("{base}/passwort-email"), csrf, "E-Mail für neues Passwort versenden", "button-secondary"))
            }
            (action_button(&format!("{base}/authenticator-zuruecksetzen"), csrf, "Authenticator zurücksetzen", "button-secondary"))
            a class="button button-danger" href={ (base) "/deaktivieren" } { "Nutzer:in dauerhaft deaktivieren" }
        }
        @if a.self_locked_until(now).is_some() {
            p class="hint" { "Das Nutzerkonto hat sich durch Fehleingaben selbst gesperrt. Die Sperre endet automatisch nach Ablauf der Sperrfrist." }
        }
        section aria-labelledby="zweiter-faktor" {
            h3 id="zweiter-faktor" { "Zweiter Faktor" }
            @if org.is_some() {
                p class="hint" { "Die Umstellung gilt nur für dieses Nutzerkonto und hat Vorrang vor der Einstellung des Mitglieds. Wird die Einstellung des Mitglieds gewählt, folgt das Nutzerkonto wieder dem Mitglied." }
            }
            @if factor == SecondFactor::Totp {
                (alert(AlertKind::Warning, None, EMAIL_TAN_WARNING))
                (action_button(&format!("{base}/zweiter-faktor-email"), csrf, "Zweiten Faktor auf E-Mail-TAN umstellen", "button-secondary"))
            } @else {
                (action_button(&format!("{base}/zweiter-faktor-app"), csrf, "Zweiten Faktor auf Authenticator-App umstellen", "button-secondary"))
            }
        }
    }
}

/// Confirmation before a lock or deactivation (with an optional warning).
pub fn confirm(
    csrf: &str,
    action_url: &str,
    title: &str,
    text: &str,
    warning: Option<&str>,
    button: &str,
    back: &str,
) -> Markup {
    html! {
        h1 { (title) }
        @if let Some(w) = warning { (alert(AlertKind::Warning, Some("Achtung"), w)) }
        p { (text) }
        form method="post" action=(action_url) {
            (csrf_field(csrf))
            input type="hidden" name="bestaetigt" value="1";
            div class="actions" {
                a class="button button-secondary" href=(back) { "Abbrechen" }
                button type="submit" class="button-danger" { (button) }
            }
        }
    }
}
