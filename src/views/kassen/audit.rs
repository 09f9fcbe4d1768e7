//! The audit log ("Protokoll").

use maud::{Markup, html};

use super::orgs::urlencode;
use crate::app::audit_log::{AuditFilter, AuditPage};
use crate::domain::audit::{Verification, action_label};
use crate::domain::org::Organisation;
use crate::views::components::{
    AlertKind, Field, alert, cursor_pager, datetime_seconds, empty_row, select,
};

/// The state of the hash chain from the housekeeping job's last
/// verification run (docs/audit-chain.md).
pub fn chain_state(v: Option<&Verification>) -> Markup {
    match v {
        None => alert(
            AlertKind::Info,
            None,
            "Die Hash-Kette des Protokolls wurde noch nicht geprüft; die tägliche Prüfung folgt.",
        ),
        Some(v) => match &v.broken {
            None => alert(
                AlertKind::Success,
                None,
                &format!(
                    "Protokoll unverändert seit {}, {} Einträge geprüft (letzte Prüfung: {}).",
                    datetime_seconds(v.intact_since.unwrap_or(v.at)),
                    v.entries,
                    datetime_seconds(v.at)
                ),
            ),
            Some(b) => alert(
                AlertKind::Error,
                Some("Protokoll verändert"),
                &format!(
                    "Die Prüfung am {} fand eine Unterbrechung der Hash-Kette: {}",
                    datetime_seconds(v.at),
                    b.reason
                ),
            ),
        },
    }
}

pub fn filter_query(f: &AuditFilter) -> String {
    format!(
        "akteur={}&ziel={}&mitglied={}&aktion={}&von={}&bis={}",
        urlencode(&f.actor),
        urlencode(&f.target),
        f.org.map(|o| o.to_string()).unwrap_or_default(),
        urlencode(&f.action),
        f.from.map(|d| d.to_string()).unwrap_or_default(),
        f.to.map(|d| d.to_string()).unwrap_or_default(),
    )
}

/// `base` is the page's path (Kassen or organisation view); `orgs` is empty
/// where the organisation filter makes no sense.
pub fn page(
    base: &str,
    page: &AuditPage,
    orgs: &[Organisation],
    f: &AuditFilter,
    chain: Option<Markup>,
) -> Markup {
    let query = filter_query(f);
    let entries = &page.entries;
    let newest = page.newer.map(|_| format!("{base}?{query}"));
    let newer = page.newer.map(|id| format!("{base}?{query}&nach={id}"));
    let older = page.older.map(|id| format!("{base}?{query}&vor={id}"));
    let summary = match page.total {
        Some(n) => format!(
            "{} insgesamt",
            crate::domain::counted(n, "Eintrag", "Einträge")
        ),
        None => format!(
            "{} auf dieser Seite",
            crate::domain::counted(entries.len() as u64, "Eintrag", "Einträge")
        ),
    };
    let org_name = |id: Option<u64>| {
        id.and_then(|id| orgs.iter().find(|o| o.id == id))
            .map(|o| o.name.clone())
            .unwrap_or_default()
    };
    html! {
        h1 { "Protokoll" }
        p { "Alle administrativen Aktionen: wer hat wann von wo was an wem getan." }
        @if let Some(chain) = chain { (chain) }
        (filter_form(base, &query, orgs, f))
        div class="table-wrap" tabindex="0" role="region" aria-label="Protokoll" {
            table {
                caption class="visually-hidden" { "Protokoll" }
                thead { tr {
                    th scope="col" { "Zeitpunkt" } th scope="col" { "Akteur" } th scope="col" { "Aktion" }
                    th scope="col" { "Ziel" } th scope="col" { "Mitglied" } th scope="col" { "Adresse" } th scope="col" { "Beschreibung" }
                } }
                tbody {
                    @if entries.is_empty() { (empty_row(7)) }
                    @for e in entries {
                        tr {
                            td { (datetime_seconds(e.at)) }
                            td { (e.actor) } td { (action_label(&e.action)) }
                            td { (e.target.as_deref().unwrap_or("")) }
                            td { (org_name(e.org)) }
                            td { (e.client.as_deref().unwrap_or("")) }
                            td { (e.detail) }
                        }
                    }
                }
            }
        }
        @if page.interrupted {
            (alert(AlertKind::Info, None, &format!("Die Suche wurde nach {} geprüften Einträgen unterbrochen. „Ältere Einträge“ sucht weiter.", crate::app::audit_log::SCAN_BUDGET)))
        }
        (cursor_pager(newest, newer, older, &summary))
    }
}

/// The Protokoll's filter (Akteur, Ziel, Aktion, Mitglied, Von, Bis) and
/// the CSV export of the filtered entries.
fn filter_form(base: &str, query: &str, orgs: &[Organisation], f: &AuditFilter) -> Markup {
    let mut org_opts = vec![(String::new(), "Alle".to_owned())];
    org_opts.extend(
        orgs.iter()
            .map(|o| (o.id.to_string(), format!("{} ({})", o.name, o.number))),
    );
    html! {
        form method="get" action=(base) class="filter" {
            div class="grid-2" {
                (Field::text("Akteur", "akteur", &f.actor).render())
                (Field::text("Ziel", "ziel", &f.target).render())
                (Field::text("Aktion", "aktion", &f.action).render())
                @if !orgs.is_empty() {
                    (select("Mitglied", "mitglied", &org_opts, &f.org.map(|o| o.to_string()).unwrap_or_default(), false, None))
                }
                (Field::text("Von", "von", &f.from.map(|d| d.to_string()).unwrap_or_default()).kind("date").render())
                (Field::text("Bis", "bis", &f.to.map(|d| d.to_string()).unwrap_or_default()).kind("date").render())
            }
            div class="actions" {
                button type="submit" { "Filtern" }
                @if f.is_active() { a class="button button-secondary" href=(base) { "Alle Filter löschen" } }
                a class="button button-secondary" href={ (base) ".csv?" (query) } { "Als CSV exportieren" }
            }
        }
    }
}
