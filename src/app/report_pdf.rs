//! The PDF of a submitted form report (attached to the receipt and
//! downloadable by the Kassen): a tagged PDF/A-3a document (see
//! [`super::pdfa`]).

use super::Error;
use super::pdfa::{self, Block};
use crate::domain::forms::Report;

/// The report as blocks in reading order.
fn blocks(report: &Report, org_name: &str) -> Vec<Block> {
    let when = crate::format::datetime(report.submitted_at);
    let mut out = vec![
        Block::H1("Meine Versorgung – Formularmeldung".to_owned()),
        Block::H2(report.kind.label().to_owned()),
        Block::Gap,
        Block::P(format!("Referenz: {}", report.referenz)),
        Block::P(format!("Mitglied: {org_name}")),
        Block::P(format!(
            "Abgesandt am {when} von {} ({})",
            report.submitter_name, report.submitted_by
        )),
        Block::P(format!(
            "Anspruchsberechtigte:r: {} (Personalnummer {})",
            report.person_name, report.personalnummer
        )),
        Block::Gap,
    ];
    for (label, value) in &report.values {
        let value = if value.is_empty() { "–" } else { value };
        out.push(Block::P(format!("{label}: {value}")));
    }
    out
}

/// The document title of the receipt PDF.
pub fn title(report: &Report) -> String {
    format!(
        "Formularmeldung {} – {}",
        report.referenz,
        report.kind.label()
    )
}

/// Renders the PDF of `report` (tagged PDF/A-3a, title, language de).
pub fn render(report: &Report, org_name: &str) -> Result<Vec<u8>, Error> {
    pdfa::render(
        &title(report),
        &blocks(report, org_name),
        std::iter::empty(),
        report.submitted_at,
    )
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
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("<pdfaid:part>3</pdfaid:part>"));
        assert!(text.contains("/StructTreeRoot"));
    }
}
