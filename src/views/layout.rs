//! The one page frame: header with portal name, search, user menu and the
//! role's navigation; main content; footer links.

use maud::{DOCTYPE, Markup, html};

/// A link in the header navigation.
pub struct NavItem {
    pub label: &'static str,
    pub href: String,
}

/// The signed-in person as shown in the user menu.
pub struct UserMenu {
    pub full_name: String,
    pub id: String,
    /// Organisation accounts have "Mitgliederdaten" in their menu.
    pub has_org: bool,
}

/// Everything the frame needs besides the body.
pub struct Page<'a> {
    pub title: &'a str,
    pub csrf: &'a str,
    pub user: Option<&'a UserMenu>,
    pub nav: &'a [NavItem],
    /// Path of the current page, to mark the active navigation entry.
    pub current_path: &'a str,
    /// Idle timeout and warning lead (seconds) for the inactivity script.
    pub session_timing: Option<(u64, u64)>,
}

pub const FOOTER_LINKS: [(&str, &str); 7] = [
    ("FAQ", "/faq"),
    ("Feedback", "/feedback"),
    ("Barrierefreiheit", "/barrierefreiheit"),
    ("Datenschutz", "/datenschutz"),
    ("Impressum", "/impressum"),
    ("Support", "/support"),
    ("Nutzungsbedingungen", "/nutzungsbedingungen"),
];

pub fn page(p: &Page<'_>, body: Markup) -> Markup {
    let current = current_item(p.current_path, p.nav);
    html! {
        (DOCTYPE)
        html lang="de" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="csrf-token" content=(p.csrf);
                title { (p.title) " – Meine Versorgung" }
                link rel="stylesheet" href=(crate::assets::url("style.css"));
                link rel="icon" href=(crate::assets::url("logo.svg")) type="image/svg+xml";
                script src=(crate::assets::url("session.js")) defer {}
            }
            body data-idle=[p.session_timing.map(|t| t.0)] data-warning=[p.session_timing.map(|t| t.1)] {
                a class="skip-link" href="#inhalt" { "Zum Inhalt springen" }
                header class="site-header" {
                    div class="header-top" {
                        a class="brand" href="/" {
                            img src=(crate::assets::url("logo.svg")) alt="" width="36" height="36";
                            span { "Meine Versorgung" }
                        }
                        @if let Some(user) = p.user {
                            form class="search" role="search" method="get" action="/suche" {
                                label class="visually-hidden" for="suche" { "Suchen" }
                                input id="suche" type="search" name="q" placeholder="Suchen...";
                                button type="submit" class="button-secondary" { "Suchen" }
                            }
                            (user_menu(user, p.csrf))
                        }
                    }
                    @if !p.nav.is_empty() {
                        nav class="main-nav" aria-label="Hauptnavigation" {
                            ul {
                                li { a href="/" aria-label="Startseite" aria-current=[(p.current_path == "/").then_some("page")] { "⌂" } }
                                @for (i, item) in p.nav.iter().enumerate() {
                                    li {
                                        a href=(item.href) aria-current=[(current == Some(i)).then_some("page")] { (item.label) }
                                    }
                                }
                            }
                        }
                    }
                }
                main id="inhalt" tabindex="-1" {
                    (body)
                }
                footer class="site-footer" {
                    nav aria-label="Fußzeile" {
                        ul {
                            @for (label, href) in FOOTER_LINKS {
                                li { a href=(href) { (label) } }
                            }
                        }
                    }
                }
                @if p.session_timing.is_some() {
                    div id="sitzung-warnung" class="dialog" role="alertdialog" aria-modal="true" aria-labelledby="sitzung-titel" aria-describedby="sitzung-text" hidden {
                        h2 id="sitzung-titel" { "Ihre Sitzung läuft bald ab" }
                        p id="sitzung-text" { "Um Ihre Sitzung aktiv zu halten, genügt eine Aktion wie ein Klick, eine Mausbewegung oder eine Tastatureingabe. Wenn keine Aktivität erfolgt, werden Sie automatisch abgemeldet und ungespeicherte Eingaben gehen möglicherweise verloren." }
                        form method="post" action="/sitzung/verlaengern" {
                            (super::components::csrf_field(p.csrf))
                            button type="submit" id="sitzung-verlaengern" { "Ich bin noch hier" }
                        }
                    }
                }
            }
        }
    }
}

/// The one navigation entry to mark: the one whose path matches the current
/// page most closely ("/nutzer/neu" marks "Nutzer:in anlegen", not also
/// "Nutzer:in verwalten" at "/nutzer").
fn current_item(current: &str, nav: &[NavItem]) -> Option<usize> {
    nav.iter()
        .enumerate()
        .filter(|(_, item)| is_current(current, &item.href))
        .max_by_key(|(_, item)| item.href.split('?').next().unwrap_or("").len())
        .map(|(i, _)| i)
}

fn is_current(current: &str, href: &str) -> bool {
    let path = href.split('?').next().unwrap_or(href);
    current == path || (path != "/" && current.starts_with(&format!("{path}/")))
}

fn user_menu(user: &UserMenu, csrf: &str) -> Markup {
    html! {
        details class="user-menu" {
            // The visible name and Nutzerkennung start the accessible name
            // (WCAG 2.5.3 Label in Name); "Nutzermenü" is for screen readers.
            summary {
                span class="user-name" { (user.full_name) }
                " "
                span class="user-id" { (user.id) }
                span class="visually-hidden" { " – Nutzermenü" }
            }
            div class="user-menu-items" {
                p { strong { (user.full_name) } br; (user.id) }
                ul {
                    li { a href="/einstellungen" { "Einstellungen" } }
                    @if user.has_org { li { a href="/mitgliederdaten" { "Mitgliederdaten" } } }
                    li {
                        form method="post" action="/abmelden" {
                            (super::components::csrf_field(csrf))
                            button type="submit" class="link-button" { "Abmelden" }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nav() -> Vec<NavItem> {
        ["/nutzer/neu", "/nutzer", "/gruppenpostfaecher"]
            .into_iter()
            .map(|href| NavItem {
                label: "x",
                href: href.to_owned(),
            })
            .collect()
    }

    #[test]
    fn only_the_closest_entry_is_current() {
        assert_eq!(current_item("/nutzer/neu", &nav()), Some(0));
        assert_eq!(current_item("/nutzer", &nav()), Some(1));
        assert_eq!(current_item("/nutzer/S20106542291", &nav()), Some(1));
        assert_eq!(current_item("/faq", &nav()), None);
    }
}
