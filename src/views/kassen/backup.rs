//! Datensicherung: the backups and a button to take one now.

use maud::{Markup, html};

use crate::views::components::{AlertKind, action_button, alert, datetime, empty_row};

/// One backup file as the page lists it (built by the web layer from
/// `backup::list`, so the view does not know the backup module).
pub struct Row {
    pub name: String,
    pub bytes: u64,
    pub created: Option<jiff::Timestamp>,
}

pub struct Settings {
    pub dir: String,
    pub schedule: String,
    pub keep: usize,
}

fn size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{:.0} KB", (bytes as f64 / 1024.0).ceil())
    }
}

pub fn page(
    csrf: &str,
    files: &[Row],
    s: &Settings,
    notice: Option<&str>,
    error: Option<&str>,
) -> Markup {
    html! {
        h1 { "Datensicherung" }
        @if let Some(n) = notice { (alert(AlertKind::Success, None, n)) }
        @if let Some(e) = error { (alert(AlertKind::Error, None, e)) }
        dl class="facts" {
            dt { "Letzte Sicherung" }
            dd { @if let Some(f) = files.first() { (f.created.map(datetime).unwrap_or_default()) " (" (f.name) ")" } @else { "Noch keine Sicherung vorhanden" } }
            dt { "Automatische Sicherung" }
            dd { @if s.schedule.eq_ignore_ascii_case("off") { "ausgeschaltet" } @else { "alle " (s.schedule) ", die letzten " (s.keep) " werden aufbewahrt" } }
            dt { "Verzeichnis" } dd { code { (s.dir) } }
        }
        (action_button("/kassen/datensicherung", csrf, "Sicherung jetzt erstellen", ""))
        p class="hint" { "Eine Sicherung ist eine vollständige, geprüfte Kopie aller Daten (Konten, Mitglieder, Nachrichten, Protokoll, Postausgang). Wiederhergestellt wird sie bei gestopptem Server mit „meine-versorgung restore --from DATEI“." }
        div class="table-wrap" tabindex="0" role="region" aria-label="Sicherungen" {
            table {
                caption class="visually-hidden" { "Sicherungen" }
                thead { tr { th scope="col" { "Datei" } th scope="col" { "Erstellt" } th scope="col" { "Größe" } } }
                tbody {
                    @if files.is_empty() { (empty_row(3)) }
                    @for f in files {
                        tr { td { (f.name) } td { (f.created.map(datetime).unwrap_or_default()) } td class="num" { (size(f.bytes)) } }
                    }
                }
            }
        }
    }
}
