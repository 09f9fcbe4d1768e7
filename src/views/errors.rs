//! Error pages. They never show internals.

use maud::{Markup, html};

use super::{Page, page};

pub fn not_found(csrf: &str) -> Markup {
    page(
        &anonymous("Seite nicht gefunden", csrf),
        html! {
            h1 { "Seite nicht gefunden" }
            p { "Die aufgerufene Seite gibt es nicht oder Sie haben keinen Zugriff darauf." }
            p { a href="/" { "Zur Startseite" } }
        },
    )
}

pub fn server_error(csrf: &str) -> Markup {
    page(
        &anonymous("Technischer Fehler", csrf),
        html! {
            h1 { "Technischer Fehler" }
            p { "Leider ist ein technischer Fehler aufgetreten. Bitte versuchen Sie es später erneut. Besteht das Problem weiter, wenden Sie sich bitte an den Support." }
            p { a href="/" { "Zur Startseite" } }
        },
    )
}

pub fn forbidden(csrf: &str) -> Markup {
    page(
        &anonymous("Anfrage abgelehnt", csrf),
        html! {
            h1 { "Anfrage abgelehnt" }
            p { "Die Anfrage konnte aus Sicherheitsgründen nicht verarbeitet werden. Bitte laden Sie die Seite neu und versuchen Sie es erneut." }
            p { a href="/" { "Zur Startseite" } }
        },
    )
}

pub fn timeout(csrf: &str) -> Markup {
    page(
        &anonymous("Zeitüberschreitung", csrf),
        html! {
            h1 { "Zeitüberschreitung" }
            p { "Die gesendeten Daten sind nicht rechtzeitig vollständig angekommen und wurden nicht verarbeitet. Bitte versuchen Sie es erneut." }
            p { a href="/" { "Zur Startseite" } }
        },
    )
}

pub fn storage_full(csrf: &str) -> Markup {
    page(
        &anonymous("Speicherplatz erschöpft", csrf),
        html! {
            h1 { "Speicherplatz erschöpft" }
            p { "Ihre Eingabe konnte nicht gespeichert werden, weil der Speicherplatz des Portals erschöpft ist. Es wurde nichts gespeichert. Bitte versuchen Sie es später erneut." }
            p { "Bereits gespeicherte Daten sind nicht betroffen und können weiterhin angezeigt werden. Besteht das Problem weiter, wenden Sie sich bitte an den Support." }
            p { a href="/" { "Zur Startseite" } }
        },
    )
}

pub fn too_large(csrf: &str) -> Markup {
    page(
        &anonymous("Eingabe zu groß", csrf),
        html! {
            h1 { "Eingabe zu groß" }
            p { "Die gesendeten Daten sind zu umfangreich und wurden nicht verarbeitet. Bitte kürzen Sie Ihre Eingaben und versuchen Sie es erneut." }
            p { a href="/" { "Zur Startseite" } }
        },
    )
}

pub fn too_many_requests(csrf: &str) -> Markup {
    page(
        &anonymous("Zu viele Anfragen", csrf),
        html! {
            h1 { "Zu viele Anfragen" }
            p { "Von Ihrem Anschluss kamen zu viele Anfragen dieser Art (z. B. fehlgeschlagene Anmeldeversuche oder Anfragen „Passwort vergessen“). Bitte versuchen Sie es später erneut." }
        },
    )
}

fn anonymous<'a>(title: &'a str, csrf: &'a str) -> Page<'a> {
    Page {
        title,
        csrf,
        user: None,
        nav: &[],
        current_path: "",
        session_timing: None,
    }
}
