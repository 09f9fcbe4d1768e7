//! Login, TAN, authenticator set-up, passwords and Nutzerkennung retrieval.

use maud::{Markup, PreEscaped, html};

use super::components::{AlertKind, Field, alert, csrf_field, required_note};

/// Messages shown above the login form.
#[derive(Default)]
pub struct LoginNotice {
    pub error: Option<String>,
    pub info: Option<String>,
    /// Show the "Inaktivität festgestellt" dialog.
    pub idle: bool,
}

pub fn login(csrf: &str, user_id: &str, notice: &LoginNotice) -> Markup {
    html! {
        div class="login-box" {
            h1 { "Willkommen im Portal Meine Versorgung" }
            @if notice.idle {
                div class="dialog dialog-static" role="alert" aria-labelledby="inaktiv-titel" aria-describedby="inaktiv-text" {
                    h2 id="inaktiv-titel" { "Inaktivität festgestellt" }
                    p id="inaktiv-text" { "Sie wurden aufgrund von Inaktivität abgemeldet. Bitte melden Sie sich erneut an, um das Portal wieder zu benutzen." }
                    a class="button" href="/login" { "Bestätigen" }
                }
            }
            @if let Some(info) = &notice.info { (alert(AlertKind::Success, None, info)) }
            @if let Some(err) = &notice.error { (alert(AlertKind::Error, None, err)) }
            p { "Bitte melden Sie sich mit Ihren Zugangsdaten an." }
            form method="post" action="/login" {
                (csrf_field(csrf))
                (required_note())
                (Field::text("Nutzerkennung oder Identifikationsnummer/PNR", "nutzerkennung", user_id).required().autocomplete("username").render())
                (Field::text("Passwort", "passwort", "").kind("password").required().autocomplete("current-password").render())
                p class="links" {
                    a href="/passwort-vergessen" { "Passwort vergessen" }
                    " "
                    a href="/registrieren" { "Registrieren" }
                    " "
                    a href="/nutzerkennung-vergessen" { "Nutzerkennung vergessen" }
                }
                div class="actions" { button type="submit" { "Anmelden" } }
            }
        }
    }
}

/// Second step: the TAN from the authenticator app or from the e-mail.
pub fn tan(csrf: &str, by_email: bool, error: Option<&str>) -> Markup {
    html! {
        div class="login-box" {
            h1 { "Willkommen im Portal Meine Versorgung" }
            @if by_email {
                p { "Wir haben Ihnen eine TAN an Ihre hinterlegte E-Mail-Adresse gesendet. Geben Sie die TAN aus der E-Mail ein." }
            } @else {
                p { "Geben Sie die TAN Ihrer Authenticator-App ein." }
            }
            form method="post" action="/login/tan" {
                (csrf_field(csrf))
                (required_note())
                (Field::text("TAN", "tan", "").required().autocomplete("one-time-code").error(error).render())
                @if !by_email {
                    p class="info" { "Falls Sie Ihr TOTP-Verfahren nicht mehr im Zugriff haben, wenden Sie sich bitte an Ihre Portaladministration." }
                }
                div class="actions" {
                    button type="submit" formaction="/login/abbrechen" formnovalidate class="button-secondary" { "Abbrechen" }
                    button type="submit" { "Bestätigen" }
                }
            }
        }
    }
}

/// First login: set up the authenticator app.
pub fn totp_setup(csrf: &str, qr_svg: &str, secret: &str, error: Option<&str>) -> Markup {
    html! {
        div class="login-box" {
            h1 { "Authenticator-App einrichten" }
            p { "Für die Anmeldung benötigen Sie eine Authenticator-App (z. B. auf Ihrem Diensthandy). Scannen Sie den QR-Code mit der App oder geben Sie den Schlüssel von Hand ein. Bestätigen Sie die Einrichtung anschließend mit der ersten TAN aus der App." }
            figure class="qr" {
                (PreEscaped(qr_svg))
                figcaption { "QR-Code für Ihre Authenticator-App" }
            }
            p { "Schlüssel zur manuellen Eingabe:" }
            p { code class="secret" id="totp-secret" { (crate::domain::totp::grouped(secret)) } }
            form method="post" action="/login/authenticator" {
                (csrf_field(csrf))
                (required_note())
                (Field::text("TAN", "tan", "").required().autocomplete("one-time-code").error(error).render())
                div class="actions" {
                    button type="submit" formaction="/login/abbrechen" formnovalidate class="button-secondary" { "Abbrechen" }
                    button type="submit" { "Bestätigen" }
                }
            }
        }
    }
}

/// Values and errors of a form with password fields.
#[derive(Default)]
pub struct PasswordForm {
    pub errors: Vec<(&'static str, String)>,
}

impl PasswordForm {
    pub fn error(&self, field: &str) -> Option<String> {
        let msgs: Vec<&str> = self
            .errors
            .iter()
            .filter(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
            .collect();
        (!msgs.is_empty()).then(|| msgs.join(" "))
    }
}

pub const PASSWORD_RULES: &str = "Das Passwort muss zwischen 12 und 128 Zeichen lang sein, mindestens einen Buchstaben, eine Ziffer und ein Sonderzeichen enthalten und darf zuvor noch nicht für dieses Nutzerkonto genutzt worden sein.";

pub fn set_password(csrf: &str, token: &str, f: &PasswordForm) -> Markup {
    let e_new = f.error("neues_passwort");
    let e_confirm = f.error("neues_passwort_bestaetigen");
    html! {
        div class="login-box" {
            h1 { "Passwort festlegen" }
            p { "Bitte vergeben Sie ein individuelles Passwort für Ihr Nutzerkonto." }
            form method="post" action="/passwort-festlegen" {
                (csrf_field(csrf))
                input type="hidden" name="token" value=(token);
                (required_note())
                (Field::text("Neues Passwort", "neues_passwort", "").kind("password").required().autocomplete("new-password").hint(PASSWORD_RULES).error(e_new.as_deref()).render())
                (Field::text("Neues Passwort bestätigen", "neues_passwort_bestaetigen", "").kind("password").required().autocomplete("new-password").error(e_confirm.as_deref()).render())
                div class="actions" { button type="submit" { "Passwort festlegen" } }
            }
        }
    }
}

pub fn link_invalid() -> Markup {
    html! {
        div class="login-box" {
            h1 { "Link ungültig" }
            (alert(AlertKind::Error, None, "Der Link ist ungültig, abgelaufen oder wurde bereits verwendet. Bitte wenden Sie sich an Ihre Portaladministration oder fordern Sie über „Passwort vergessen“ einen neuen Link an."))
            p { a href="/login" { "Zur Anmeldung" } }
        }
    }
}

pub fn password_set(retrieve_mail: bool) -> Markup {
    html! {
        div class="login-box" {
            h1 { "Passwort festgelegt" }
            (alert(AlertKind::Success, None, "Ihr Passwort wurde erfolgreich gesetzt."))
            @if retrieve_mail {
                p { "Sie erhalten in Kürze eine weitere E-Mail mit einem Link zum Abruf Ihrer Nutzerkennung." }
            }
            p { a class="button" href="/login" { "Zur Anmeldung" } }
        }
    }
}

pub fn forgot_password(csrf: &str, user_id: &str, sent: bool) -> Markup {
    html! {
        div class="login-box" {
            h1 { "Passwort zurücksetzen" }
            @if sent {
                (alert(AlertKind::Success, None, "Sofern zu der angegebenen Nutzerkennung ein Nutzerkonto besteht, erhalten Sie in Kürze eine E-Mail mit einem Link zur Neuvergabe Ihres Passwortes."))
                p { a href="/login" { "Zur Anmeldung" } }
            } @else {
                p { "Sie können unter Angabe Ihrer Nutzerkennung die Zurücksetzung Ihres Passwortes anfordern." }
                form method="post" action="/passwort-vergessen" {
                    (csrf_field(csrf))
                    (required_note())
                    (Field::text("Nutzerkennung", "nutzerkennung", user_id).required().autocomplete("username").render())
                    div class="actions" {
                        a class="button button-secondary" href="/login" { "Abbrechen" }
                        button type="submit" { "Passwort zurücksetzen" }
                    }
                }
            }
        }
    }
}

#[derive(Default)]
pub struct RetrieveForm {
    pub first_name: String,
    pub last_name: String,
    pub birth_date: String,
    pub member_number: String,
    pub error: Option<String>,
}

pub fn retrieve_id(csrf: &str, token: &str, f: &RetrieveForm) -> Markup {
    html! {
        div class="login-box" {
            h1 { "Nutzerkennung abrufen" }
            p { "Zum Abruf Ihrer Nutzerkennung geben Sie bitte folgende Daten ein." }
            @if let Some(e) = &f.error { (alert(AlertKind::Error, None, e)) }
            form method="post" action="/nutzerkennung-abrufen" {
                (csrf_field(csrf))
                input type="hidden" name="token" value=(token);
                (required_note())
                (Field::text("Vorname", "vorname", &f.first_name).required().autocomplete("given-name").render())
                (Field::text("Name", "name", &f.last_name).required().autocomplete("family-name").render())
                (Field::text("Geburtsdatum", "geburtsdatum", &f.birth_date).kind("date").required().autocomplete("bday").render())
                (Field::text("Mitgliedsnummer", "mitgliedsnummer", &f.member_number).required().render())
                div class="actions" { button type="submit" { "Nutzerkennung abrufen" } }
            }
        }
    }
}

pub fn retrieved_id(id: &str) -> Markup {
    html! {
        div class="login-box" {
            h1 { "Nutzerkennung abrufen" }
            p { "Ihre Nutzerkennung lautet:" }
            p class="big-id" { strong id="nutzerkennung" { (id) } }
            p { "Hinweis: Nutzerkennungen von Administratoren beginnen mit einem „X“. Bitte notieren Sie Ihre Nutzerkennung; dieser Link ist jetzt verbraucht." }
            p { a class="button" href="/login" { "Zur Anmeldung" } }
        }
    }
}

/// The settings page; organisation administrators also find their
/// organisation's audit log here.
pub fn settings(org_admin: bool) -> Markup {
    html! {
        h1 { "Einstellungen" }
        ul class="link-list" {
            li { a href="/einstellungen/passwort" { "Passwort ändern" } }
            @if org_admin {
                li { a href="/protokoll" { "Protokoll Ihrer Organisation" } }
            }
        }
    }
}

pub fn change_password(csrf: &str, f: &PasswordForm) -> Markup {
    let e_old = f.error("altes_passwort");
    let e_new = f.error("neues_passwort");
    let e_confirm = f.error("neues_passwort_bestaetigen");
    html! {
        h1 { "Passwort ändern" }
        p { "Bitte geben Sie Ihr aktuelles und ein neues Passwort ein." }
        (alert(AlertKind::Info, None, "Bitte beachten Sie, dass Sie nach der Passwortänderung unmittelbar von Ihrer aktuellen Portalsitzung abgemeldet werden und sich mit Ihrem neuen Passwort wieder anmelden können."))
        form method="post" action="/einstellungen/passwort" {
            (csrf_field(csrf))
            (required_note())
            (Field::text("Altes Passwort", "altes_passwort", "").kind("password").required().autocomplete("current-password").error(e_old.as_deref()).render())
            (Field::text("Neues Passwort", "neues_passwort", "").kind("password").required().autocomplete("new-password").hint("Das neue Passwort muss zwischen 12 und 128 Zeichen lang sein.").error(e_new.as_deref()).render())
            (Field::text("Neues Passwort bestätigen", "neues_passwort_bestaetigen", "").kind("password").required().autocomplete("new-password").error(e_confirm.as_deref()).render())
            div class="actions" { button type="submit" { "Passwort ändern" } }
        }
    }
}
