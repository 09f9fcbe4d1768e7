//! Static information pages linked from the footer and the login page.

use maud::{Markup, html};

/// A static page: its path, title and body.
pub struct InfoPage {
    pub path: &'static str,
    pub title: &'static str,
    pub body: fn() -> Markup,
}

pub const PAGES: [InfoPage; 6] = [
    InfoPage {
        path: "/barrierefreiheit",
        title: "Erklärung zur Barrierefreiheit",
        body: barrierefreiheit,
    },
    InfoPage {
        path: "/datenschutz",
        title: "Datenschutz",
        body: datenschutz,
    },
    InfoPage {
        path: "/impressum",
        title: "Impressum",
        body: impressum,
    },
    InfoPage {
        path: "/nutzungsbedingungen",
        title: "Nutzungsbedingungen",
        body: nutzungsbedingungen,
    },
    InfoPage {
        path: "/nutzerkennung-vergessen",
        title: "Nutzerkennung vergessen",
        body: nutzerkennung_vergessen,
    },
    InfoPage {
        path: "/registrieren",
        title: "Registrieren",
        body: registrieren,
    },
];

fn barrierefreiheit() -> Markup {
    html! {
        h1 { "Erklärung zur Barrierefreiheit" }
        p { "Das Portal „Meine Versorgung“ soll für alle Menschen nutzbar sein. Es ist nach den Web Content Accessibility Guidelines (WCAG) 2.1, Stufe AA, gestaltet: Alle Seiten funktionieren ohne JavaScript, alle Eingabefelder sind beschriftet, die Bedienung ist vollständig mit der Tastatur möglich und Fokus, Kontraste und Überschriften folgen den Anforderungen." }
        h2 { "Barriere melden" }
        p { "Stoßen Sie auf eine Barriere, melden Sie diese bitte über das " a href="/support" { "Supportformular" } ". Wir antworten Ihnen so schnell wie möglich." }
    }
}

fn datenschutz() -> Markup {
    html! {
        h1 { "Datenschutz" }
        p { "Das Portal verarbeitet personenbezogene Daten ausschließlich zur Erfüllung der Aufgaben der Kassen gegenüber ihren Mitgliedern und deren Anspruchsberechtigten." }
        h2 { "Welche Daten verarbeitet werden" }
        ul {
            li { "Nutzer:innen-Daten: Name, dienstliche E-Mail-Adresse, Nutzerkennung und Berechtigungen." }
            li { "Nachrichten und Anhänge, die Sie mit den Kassen austauschen." }
            li { "Daten der Anspruchsberechtigten Ihrer Organisation, soweit Ihre Berechtigungen dies vorsehen." }
            li { "Protokolldaten administrativer Aktionen (wer, was, wann, von welcher Adresse)." }
        }
        h2 { "Cookies" }
        p { "Das Portal setzt ausschließlich technisch notwendige Cookies für die Anmeldung und den Schutz der Formulare. Es werden keine Analyse- oder Werbedienste eingebunden." }
        h2 { "Löschfristen" }
        p { "Nachrichten werden nach Ablauf der gesetzlichen Löschfrist automatisch gelöscht, ausgenommen archivierte und als wichtig markierte Nachrichten. Deaktivierte Nutzerkonten werden mit ihrem persönlichen Postfach gelöscht." }
    }
}

fn impressum() -> Markup {
    html! {
        h1 { "Impressum" }
        p { "Herausgeber:" br; "Kommunale Versorgungskassen Westfalen-Lippe" br; "Zumsandstraße 12" br; "48145 Münster" }
        p { "Auskunft: " a href="mailto:meineversorgung.beamtenversorgung@kvw-muenster.de" { "meineversorgung.beamtenversorgung@kvw-muenster.de" } }
    }
}

fn nutzungsbedingungen() -> Markup {
    html! {
        h1 { "Nutzungsbedingungen" }
        ol {
            li { "Das Portal „Meine Versorgung“ dient ausschließlich dem dienstlichen Austausch zwischen den Mitgliedern und den Kassen." }
            li { "Zugangsdaten (Nutzerkennung, Passwort, Authenticator-App) sind persönlich und dürfen nicht weitergegeben werden." }
            li { "Personenbezogene Daten der Anspruchsberechtigten dürfen nur im Rahmen der dienstlichen Aufgaben eingesehen und verarbeitet werden." }
            li { "Verlust oder Missbrauch der Zugangsdaten ist unverzüglich der Portaladministration zu melden." }
            li { "Die Administrator:innen der Mitglieder vergeben Berechtigungen nur im erforderlichen Umfang und entziehen sie, sobald sie nicht mehr benötigt werden." }
        }
    }
}

fn nutzerkennung_vergessen() -> Markup {
    html! {
        h1 { "Nutzerkennung vergessen" }
        p { "Sollten Sie Ihre Nutzerkennung vergessen haben, wenden Sie sich bitte direkt an die Portal-Administratoren der Kassen." }
        p { "Nutzer:innen Ihrer Organisation erhalten ihre Nutzerkennung von ihrer Administration." }
        p { a href="/login" { "Zurück zur Anmeldung" } }
    }
}

fn registrieren() -> Markup {
    html! {
        h1 { "Registrieren" }
        p { "Eine Selbstregistrierung ist im Portal „Meine Versorgung“ nicht vorgesehen." }
        ul {
            li { "Administrator:innen der Mitglieder werden von den Portal-Administratoren der Kassen registriert. Sie erhalten anschließend zwei E-Mails: eine zum Festlegen des Passwortes und eine zum Abruf der Nutzerkennung." }
            li { "Nutzer:innen werden von der Administration ihrer Organisation angelegt und erhalten eine E-Mail zum Festlegen des Passwortes. Die Nutzerkennung teilt ihnen die Administration mit." }
        }
        p { a href="/login" { "Zurück zur Anmeldung" } }
    }
}
