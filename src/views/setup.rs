//! First-run setup: creates the first Kassen-Portaladministration account.

use maud::{Markup, html};

use super::components::{AlertKind, Field, alert, csrf_field, required_note};
use super::{Page, page};

#[derive(Default)]
pub struct SetupForm {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub errors: Vec<(&'static str, String)>,
}

impl SetupForm {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

pub fn form(csrf: &str, token: &str, f: &SetupForm) -> Markup {
    page(
        &Page {
            title: "Einrichtung",
            csrf,
            user: None,
            nav: &[],
            current_path: "/setup",
            session_timing: None,
        },
        html! {
            h1 { "Einrichtung des Portals" }
            p { "Legen Sie hier das erste Konto der Kassen-Portaladministration an. Es erhält die Portaladministration und die Sachbearbeitung für alle Bereiche. An die E-Mail-Adresse wird ein Link zum Festlegen des Passwortes gesendet." }
            @if !f.errors.is_empty() {
                (alert(AlertKind::Error, Some("Bitte prüfen Sie Ihre Eingaben."), "Einige Felder sind nicht korrekt ausgefüllt."))
            }
            form method="post" action="/setup" novalidate {
                (csrf_field(csrf))
                input type="hidden" name="token" value=(token);
                (required_note())
                (Field::text("Vorname", "vorname", &f.first_name).required().autocomplete("given-name").error(f.error("vorname")).render())
                (Field::text("Name", "name", &f.last_name).required().autocomplete("family-name").error(f.error("name")).render())
                (Field::text("E-Mail-Adresse", "email", &f.email).kind("email").required().autocomplete("email").error(f.error("email")).render())
                div class="actions" { button type="submit" { "Anlegen" } }
            }
        },
    )
}

pub fn done(csrf: &str, id: &str, full_name: &str, email: &str) -> Markup {
    page(
        &Page {
            title: "Einrichtung abgeschlossen",
            csrf,
            user: None,
            nav: &[],
            current_path: "/setup",
            session_timing: None,
        },
        html! {
            h1 { "Einrichtung abgeschlossen" }
            (alert(AlertKind::Success, Some("ANLAGE ERFOLGREICH"), &format!("Das Konto für {full_name} wurde angelegt. An {email} wurde eine E-Mail zum erstmaligen Setzen des Passwortes gesendet.")))
            p { "Ihre Nutzerkennung lautet:" }
            p class="big-id" { strong id="nutzerkennung" { (id) } }
            p { "Bitte notieren Sie die Nutzerkennung. Sie benötigen sie für die Anmeldung." }
            p { a class="button" href="/login" { "Zur Anmeldung" } }
        },
    )
}

pub fn invalid(csrf: &str) -> Markup {
    page(
        &Page {
            title: "Einrichtung",
            csrf,
            user: None,
            nav: &[],
            current_path: "/setup",
            session_timing: None,
        },
        html! {
            h1 { "Einrichtung nicht möglich" }
            p { "Der Einrichtungslink ist ungültig oder wurde bereits verwendet. Das Portal ist bereits eingerichtet oder der Link ist unvollständig." }
            p { a href="/login" { "Zur Anmeldung" } }
        },
    )
}
