//! The PDF of a submitted form report (attached to the receipt and
//! downloadable by the Kassen), written with krilla and the embedded
//! DejaVu Sans (licence in `assets/fonts/`).

use krilla::Document;
use krilla::geom::Point;
use krilla::page::PageSettings;
use krilla::text::{Font, TextDirection};

use super::Error;
use crate::domain::forms::Report;

const FONT_FILE: &str = "fonts/DejaVuSans.ttf";
const WIDTH: f32 = 595.0;
const HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;
/// Characters per line at 10 pt (a safe estimate for DejaVu Sans on A4).
const WRAP: usize = 85;

fn font() -> Result<Font, Error> {
    let file = crate::assets::Assets::get(FONT_FILE)
        .ok_or_else(|| Error::Internal(format!("embedded font {FONT_FILE} missing")))?;
    Font::new(file.data.into_owned().into(), 0)
        .ok_or_else(|| Error::Internal("embedded font unreadable".to_owned()))
}

/// Splits `text` into lines of at most `width` characters at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.lines() {
        let mut line = String::new();
        for word in para.split_whitespace() {
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        lines.push(line);
    }
    lines
}

/// The report as (font size, text) lines.
fn lines(report: &Report, org_name: &str) -> Vec<(f32, String)> {
    let when = crate::views::components::datetime(report.submitted_at);
    let mut out = vec![
        (16.0, "Meine Versorgung – Formularmeldung".to_owned()),
        (13.0, report.kind.label().to_owned()),
        (10.0, String::new()),
        (10.0, format!("Referenz: {}", report.referenz)),
        (10.0, format!("Mitglied: {org_name}")),
        (
            10.0,
            format!(
                "Abgesandt am {when} von {} ({})",
                report.submitter_name, report.submitted_by
            ),
        ),
        (
            10.0,
            format!(
                "Anspruchsberechtigte:r: {} (Personalnummer {})",
                report.person_name, report.personalnummer
            ),
        ),
        (10.0, String::new()),
    ];
    for (label, value) in &report.values {
        let value = if value.is_empty() { "–" } else { value };
        for (i, l) in wrap(&format!("{label}: {value}"), WRAP)
            .into_iter()
            .enumerate()
        {
            out.push((10.0, if i == 0 { l } else { format!("    {l}") }));
        }
    }
    out
}

/// Renders the PDF of `report`.
pub fn render(report: &Report, org_name: &str) -> Result<Vec<u8>, Error> {
    let font = font()?;
    let mut document = Document::new();
    let all = lines(report, org_name);
    let mut rest = all.as_slice();
    while !rest.is_empty() {
        let mut page = document.start_page_with(PageSettings::new(WIDTH, HEIGHT));
        let mut surface = page.surface();
        let mut y = MARGIN;
        while let Some(((size, text), tail)) = rest.split_first() {
            if y + size * 1.6 > HEIGHT - MARGIN {
                break;
            }
            y += size * 1.6;
            if !text.is_empty() {
                surface.draw_text(
                    Point::from_xy(MARGIN, y),
                    font.clone(),
                    *size,
                    text,
                    false,
                    TextDirection::Auto,
                );
            }
            rest = tail;
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| Error::Internal(format!("PDF: {e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::forms::{FormKind, ReceiptPlace, ReportStatus};

    #[test]
    fn renders_a_pdf_with_umlauts() {
        let report = Report {
            id: 1,
            org: 1,
            kind: FormKind::Beschaeftigungsumfang,
            personalnummer: "1001".into(),
            person_name: "Müller, Jürgen".into(),
            values: vec![("Bemerkung".into(), "Straße ".repeat(60))],
            submitted_by: "S20106542291".into(),
            submitter_name: "Max Mustermensch".into(),
            submitted_at: jiff::Timestamp::UNIX_EPOCH,
            status: ReportStatus::Eingegangen,
            referenz: "R-1".into(),
            pdf_blob: 0,
            receipt: ReceiptPlace::GroupBeamtenversorgung,
            history: Vec::new(),
        };
        let pdf = render(&report, "Blaugraben").unwrap_or_default();
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.len() > 1000);
    }
}
