//! The portal's e-mails, in German, as plain text and HTML.

use maud::{DOCTYPE, html};

use crate::format::minutes;

/// A rendered e-mail before addressing.
#[derive(Debug, Clone)]
pub struct Template {
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Contains a link or TAN (its `secret`).
    pub confidential: bool,
    /// The live link or TAN in the bodies. It is never stored in the clear:
    /// the stored copy shows [`Template::placeholder`] instead.
    pub secret: Option<String>,
    /// How long the mail is of use (an e-mail TAN): once this has passed
    /// since queueing, the worker drops it instead of delivering it late.
    pub valid_for: Option<std::time::Duration>,
}

impl Template {
    /// What the stored copy shows instead of the secret.
    pub fn placeholder(&self) -> &'static str {
        match &self.secret {
            Some(s) if s.contains("://") => "[Link entfernt]",
            _ => "[TAN entfernt]",
        }
    }

    /// The template with the secret replaced by its placeholder.
    pub fn redacted(&self) -> Template {
        let Some(secret) = self.secret.as_deref().filter(|s| !s.is_empty()) else {
            return self.clone();
        };
        let placeholder = self.placeholder();
        Template {
            subject: self.subject.replace(secret, placeholder),
            text: self.text.replace(secret, placeholder),
            html: self.html.replace(secret, placeholder),
            confidential: self.confidential,
            secret: None,
            valid_for: self.valid_for,
        }
    }
}

/// Builds both bodies from a greeting, paragraphs and an optional link.
fn compose(
    subject: &str,
    greeting: &str,
    paragraphs: &[String],
    link: Option<(&str, &str)>,
) -> Template {
    let mut text = format!("{greeting}\n\n");
    for p in paragraphs {
        text.push_str(p);
        text.push_str("\n\n");
    }
    if let Some((label, url)) = link {
        text.push_str(&format!("{label}:\n{url}\n\n"));
    }
    text.push_str("Mit freundlichen Grüßen\nIhr Portal „Meine Versorgung“\n\nDiese E-Mail wurde automatisch erzeugt. Bitte antworten Sie nicht darauf.\n");
    let html = html! {
        (DOCTYPE)
        html lang="de" {
            head { meta charset="utf-8"; title { (subject) } }
            body style="font-family: sans-serif; color: #1a1a1a;" {
                p { (greeting) }
                @for p in paragraphs { p { (p) } }
                @if let Some((label, url)) = link {
                    p { a href=(url) { (label) } }
                    p style="font-size: 0.9em;" { "Falls der Link nicht funktioniert, kopieren Sie diese Adresse in Ihren Browser: " (url) }
                }
                p { "Mit freundlichen Grüßen" br; "Ihr Portal „Meine Versorgung“" }
                p style="font-size: 0.8em; color: #555;" { "Diese E-Mail wurde automatisch erzeugt. Bitte antworten Sie nicht darauf." }
            }
        }
    }
    .into_string();
    Template {
        subject: subject.to_owned(),
        text,
        html,
        confidential: link.is_some(),
        secret: link.map(|(_, url)| url.to_owned()),
        valid_for: None,
    }
}

/// Whom a person turns to when a link has expired: the Kassen register
/// administrators and their own staff, an organisation's administrators
/// register its Nutzer:innen (handbook §1.1, §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contact {
    /// "die Portal-Administratoren der Kassen".
    Kassen,
    /// "Ihre Portaladministration" (the organisation's administrators).
    Organisation,
}

impl Contact {
    fn dative(self) -> &'static str {
        match self {
            Contact::Kassen => "die Portal-Administratoren der Kassen",
            Contact::Organisation => "Ihre Portaladministration",
        }
    }
}

fn greeting(full_name: &str) -> String {
    format!("Guten Tag {full_name},")
}

/// "Passwort festlegen": first password or a new one after a reset.
pub fn set_password(
    full_name: &str,
    url: &str,
    valid_minutes: u64,
    reset: bool,
    contact: Contact,
) -> Template {
    let intro = if reset {
        "für Ihr Nutzerkonto im Portal „Meine Versorgung“ wurde das Zurücksetzen des Passwortes angefordert.".to_owned()
    } else {
        "für Sie wurde ein Nutzerkonto im Portal „Meine Versorgung“ angelegt.".to_owned()
    };
    compose(
        "Meine Versorgung: Passwort festlegen",
        &greeting(full_name),
        &[
            intro,
            "Mit Klick auf den folgenden Link können Sie ein individuelles Passwort vergeben. Ihr Passwort muss zwischen 12 und 128 Zeichen lang sein, mindestens einen Buchstaben, eine Ziffer und ein Sonderzeichen enthalten und darf zuvor noch nicht für dieses Nutzerkonto genutzt worden sein.".to_owned(),
            format!(
                "Der Link ist {} gültig und kann nur einmal verwendet werden. Bei Überschreitung des Zeitfensters wenden Sie sich bitte an {}.",
                minutes(valid_minutes),
                contact.dative()
            ),
            "Falls Sie diese E-Mail nicht erwartet haben, können Sie sie ignorieren.".to_owned(),
        ],
        Some(("Passwort festlegen", url)),
    )
}

/// "Nutzerkennung abrufen": sent to administrators after their password is set.
pub fn retrieve_id(full_name: &str, url: &str, valid_minutes: u64) -> Template {
    compose(
        "Meine Versorgung: Nutzerkennung abrufen",
        &greeting(full_name),
        &[
            "Ihr Passwort wurde erfolgreich gesetzt.".to_owned(),
            "Über den folgenden Link können Sie Ihre persönliche Nutzerkennung abrufen. Zum Abruf benötigen Sie Vorname, Name, Geburtsdatum und Mitgliedsnummer.".to_owned(),
            format!("Der Link ist {} gültig. Bei Überschreitung des Zeitfensters bzw. fehlgeschlagenem Abruf der Nutzerkennung wenden Sie sich bitte an die Portal-Administratoren der Kassen.", minutes(valid_minutes)),
        ],
        Some(("Nutzerkennung abrufen", url)),
    )
}

/// The e-mail TAN for one login attempt.
pub fn email_tan(full_name: &str, tan: &str, valid_minutes: u64) -> Template {
    let mut t = compose(
        "Meine Versorgung: Ihre TAN",
        &greeting(full_name),
        &[
            format!("Ihre TAN für die Anmeldung im Portal „Meine Versorgung“ lautet: {tan}"),
            format!("Die TAN ist {} gültig und nur für diese Anmeldung verwendbar.", minutes(valid_minutes)),
            "Falls Sie sich nicht angemeldet haben, ändern Sie bitte Ihr Passwort und informieren Sie Ihre Portaladministration.".to_owned(),
        ],
        None,
    );
    t.confidential = true;
    t.secret = Some(tan.to_owned());
    t.valid_for = Some(std::time::Duration::from_secs(
        valid_minutes.saturating_mul(60),
    ));
    t
}

/// Notification about a new message in a group mailbox: names the mailbox only.
pub fn mailbox_notification(organisation: &str, mailbox: &str, portal_url: &str) -> Template {
    let mut t = compose(
        "Meine Versorgung: Neue Nachricht im Gruppenpostfach",
        "Guten Tag,",
        &[format!(
            "im Gruppenpostfach {mailbox} der Organisation {organisation} ist im Portal „Meine Versorgung“ eine neue Nachricht eingegangen. Bitte melden Sie sich im Portal an, um sie zu lesen."
        )],
        Some(("Zum Portal", portal_url)),
    );
    t.confidential = false;
    t.secret = None;
    t
}

/// The daily anchor of the Protokoll's hash chain, for a copy outside the
/// machine: names the head entry and its hash, no content.
pub fn audit_anchor(day: &str, seq: u64, hash: &str, entries: u64) -> Template {
    let mut t = compose(
        &format!("Meine Versorgung: Tagesanker des Protokolls vom {day}"),
        "Guten Tag,",
        &[
            format!(
                "der Tagesanker des Protokolls vom {day}: Eintrag Nr. {seq}, Hash (SHA-256) {hash}."
            ),
            format!(
                "Die Prüfung der Hash-Kette ergab: {entries} Einträge geprüft. Bitte bewahren Sie diese E-Mail auf; mit dem Hash lässt sich später zeigen, dass das Protokoll bis zu diesem Eintrag nicht verändert wurde."
            ),
        ],
        None,
    );
    t.confidential = false;
    t.secret = None;
    t
}

/// A new Support message for the Portaladministration: names no content.
pub fn support_notification(full_name: &str, url: &str) -> Template {
    let mut t = compose(
        "Meine Versorgung: Neue Support-Anfrage",
        &greeting(full_name),
        &["über das Supportformular des Portals „Meine Versorgung“ ist eine neue Anfrage eingegangen. Sie finden sie unter „Rückmeldungen“.".to_owned()],
        Some(("Zur Anfrage", url)),
    );
    t.confidential = false;
    t.secret = None;
    t
}

/// Advance notice of the lock of an unused account, to the account itself
/// (`about` is `None`) or to its administrator (`about` names the account).
pub fn dormant_notice(
    full_name: &str,
    about: Option<(&str, &str)>,
    lock_at: jiff::Timestamp,
    days: u32,
) -> Template {
    let paragraphs = match about {
        None => vec![
            format!(
                "Sie haben sich seit längerer Zeit nicht im Portal „Meine Versorgung“ angemeldet. Nutzerkonten, die {days} Tage nicht genutzt werden, werden aus Sicherheitsgründen gesperrt."
            ),
            format!(
                "Ihr Nutzerkonto wird am {} gesperrt, wenn Sie sich bis dahin nicht anmelden. Melden Sie sich einfach an, um die Sperre abzuwenden.",
                crate::format::date(lock_at)
            ),
        ],
        Some((name, id)) => vec![
            format!(
                "das Nutzerkonto von {name} (Nutzerkennung {id}) wurde seit längerer Zeit nicht genutzt. Nutzerkonten, die {days} Tage nicht genutzt werden, werden aus Sicherheitsgründen gesperrt."
            ),
            format!(
                "Das Nutzerkonto wird am {} gesperrt, wenn bis dahin keine Anmeldung erfolgt. Wird das Nutzerkonto nicht mehr benötigt, deaktivieren Sie es bitte.",
                crate::format::date(lock_at)
            ),
        ],
    };
    compose(
        "Meine Versorgung: Nutzerkonto wird wegen Inaktivität gesperrt",
        &greeting(full_name),
        &paragraphs,
        None,
    )
}

/// The lock of an unused account ("Gesperrt (inaktiv)").
pub fn dormant_locked(full_name: &str, about: Option<(&str, &str)>, days: u32) -> Template {
    let paragraphs = match about {
        None => vec![
            format!("Ihr Nutzerkonto im Portal „Meine Versorgung“ wurde gesperrt, weil Sie sich {days} Tage nicht angemeldet haben."),
            "Wenn Sie das Portal weiter nutzen möchten, wenden Sie sich bitte an Ihre Portaladministration; sie kann die Sperre aufheben.".to_owned(),
        ],
        Some((name, id)) => vec![
            format!("das Nutzerkonto von {name} (Nutzerkennung {id}) wurde gesperrt, weil es {days} Tage nicht genutzt wurde (Status „Gesperrt (inaktiv)“)."),
            "Sie können die Sperre in der Nutzerverwaltung aufheben („Entsperren“) oder das Nutzerkonto deaktivieren, wenn es nicht mehr benötigt wird.".to_owned(),
        ],
    };
    compose(
        "Meine Versorgung: Nutzerkonto wegen Inaktivität gesperrt",
        &greeting(full_name),
        &paragraphs,
        None,
    )
}

/// Reminder to an organisation administrator that the access review
/// (Rezertifizierung) is due.
pub fn recertification_due(full_name: &str, due: jiff::Timestamp, second: bool) -> Template {
    let mut paragraphs = vec![format!(
        "die regelmäßige Überprüfung der Berechtigungen Ihrer Nutzer:innen ist seit dem {} fällig. Bitte bestätigen Sie im Portal unter „Berechtigungen überprüfen“ für jede Nutzerin und jeden Nutzer die Gruppenpostfächer und Portalfunktionen oder ändern Sie sie.",
        crate::format::date(due)
    )];
    if second {
        paragraphs.insert(
            0,
            "dies ist eine Erinnerung: Die Überprüfung ist noch nicht abgeschlossen.".to_owned(),
        );
    }
    compose(
        "Meine Versorgung: Überprüfung der Berechtigungen fällig",
        &greeting(full_name),
        &paragraphs,
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_minute_is_singular_and_users_turn_to_their_administration() {
        let t = set_password("Max", "http://x/p", 1, false, Contact::Organisation);
        assert!(
            t.text.contains("Der Link ist 1 Minute gültig"),
            "{}",
            t.text
        );
        assert!(
            t.text
                .contains("wenden Sie sich bitte an Ihre Portaladministration.")
        );
        assert!(
            email_tan("Max", "123456", 1)
                .text
                .contains("Die TAN ist 1 Minute gültig")
        );
        assert!(
            retrieve_id("Kim", "http://x/r", 1)
                .text
                .contains("Der Link ist 1 Minute gültig")
        );
    }

    #[test]
    fn set_password_mail_carries_the_link_in_both_bodies() {
        let t = set_password(
            "Kim Mustermensch",
            "http://x/passwort?token=abc",
            60,
            false,
            Contact::Kassen,
        );
        assert!(t.text.contains("http://x/passwort?token=abc"));
        assert!(t.text.contains("Der Link ist 60 Minuten gültig"));
        assert!(t.text.contains("an die Portal-Administratoren der Kassen."));
        assert!(t.html.contains("http://x/passwort?token=abc"));
        assert!(t.confidential);
    }

    #[test]
    fn the_redacted_copy_holds_neither_link_nor_tan() {
        let t = set_password(
            "Kim Mustermensch",
            "http://x/passwort?token=abc",
            60,
            false,
            Contact::Kassen,
        );
        let r = t.redacted();
        assert!(!r.text.contains("token=abc") && !r.html.contains("token=abc"));
        assert!(r.text.contains("[Link entfernt]"));
        let t = email_tan("Kim Mustermensch", "123456", 10);
        let r = t.redacted();
        assert!(!r.text.contains("123456") && !r.html.contains("123456"));
        assert!(r.text.contains("lautet: [TAN entfernt]"));
        let n = support_notification("Kim", "http://x/kassen/rueckmeldungen/1");
        assert_eq!(n.redacted().text, n.text);
    }
}
