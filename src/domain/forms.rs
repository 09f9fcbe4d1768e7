//! The Beamtenformulare (reports of changes for active civil servants),
//! their fields and plausibility checks, and the stored report.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::org::OrgId;
use super::persons::{Art, Person, format_date, parse_date};

/// The four forms (handbook §3, SPEC §10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FormKind {
    Beschaeftigungsumfang,
    Besoldungsgruppe,
    Beurlaubung,
    Ausscheiden,
}

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Date,
    Percent,
    Text,
    /// One of the listed options.
    Choice(&'static [&'static str]),
}

/// One field of a form: name (form key), label, type, required.
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: FieldType,
    pub required: bool,
}

const fn field(
    name: &'static str,
    label: &'static str,
    kind: FieldType,
    required: bool,
) -> FieldSpec {
    FieldSpec {
        name,
        label,
        kind,
        required,
    }
}

const BEMERKUNG: FieldSpec = field("bemerkung", "Bemerkung", FieldType::Text, false);

pub const AUSSCHEIDEN_GRUENDE: &[&str] = &[
    "Eintritt in den Ruhestand",
    "Entlassung",
    "Versetzung zu einem anderen Dienstherrn",
    "Tod",
    "Sonstiger Grund",
];

impl FormKind {
    pub const ALL: [FormKind; 4] = [
        FormKind::Beschaeftigungsumfang,
        FormKind::Besoldungsgruppe,
        FormKind::Beurlaubung,
        FormKind::Ausscheiden,
    ];

    pub fn label(self) -> &'static str {
        match self {
            FormKind::Beschaeftigungsumfang => "Änderung des Beschäftigungsumfangs",
            FormKind::Besoldungsgruppe => "Änderung der Besoldungsgruppe / Beförderung",
            FormKind::Beurlaubung => "Beurlaubung ohne Dienstbezüge",
            FormKind::Ausscheiden => "Ausscheiden aus dem Dienst",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            FormKind::Beschaeftigungsumfang => "beschaeftigungsumfang",
            FormKind::Besoldungsgruppe => "besoldungsgruppe",
            FormKind::Beurlaubung => "beurlaubung",
            FormKind::Ausscheiden => "ausscheiden",
        }
    }

    pub fn from_key(key: &str) -> Option<FormKind> {
        Self::ALL.into_iter().find(|k| k.key() == key)
    }

    pub fn fields(self) -> &'static [FieldSpec] {
        match self {
            FormKind::Beschaeftigungsumfang => &F_UMFANG,
            FormKind::Besoldungsgruppe => &F_BESOLDUNG,
            FormKind::Beurlaubung => &F_URLAUB,
            FormKind::Ausscheiden => &F_AUSSCHEIDEN,
        }
    }
}

const F_UMFANG: [FieldSpec; 3] = [
    field("gueltig_ab", "Gültig ab", FieldType::Date, true),
    field(
        "umfang",
        "Neuer Beschäftigungsumfang in %",
        FieldType::Percent,
        true,
    ),
    BEMERKUNG,
];
const F_BESOLDUNG: [FieldSpec; 4] = [
    field("gueltig_ab", "Gültig ab", FieldType::Date, true),
    field(
        "amtsbezeichnung",
        "Neue Amtsbezeichnung",
        FieldType::Text,
        true,
    ),
    field(
        "besoldungsgruppe",
        "Neue Besoldungsgruppe",
        FieldType::Text,
        true,
    ),
    BEMERKUNG,
];
const F_URLAUB: [FieldSpec; 4] = [
    field("von", "Von", FieldType::Date, true),
    field("bis", "Bis", FieldType::Date, true),
    field("grund", "Grund der Beurlaubung", FieldType::Text, false),
    BEMERKUNG,
];
const F_AUSSCHEIDEN: [FieldSpec; 3] = [
    field("datum", "Datum des Ausscheidens", FieldType::Date, true),
    field(
        "grund",
        "Grund des Ausscheidens",
        FieldType::Choice(AUSSCHEIDEN_GRUENDE),
        true,
    ),
    BEMERKUNG,
];

/// Status of a report at the Kassen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ReportStatus {
    #[default]
    Eingegangen,
    InBearbeitung,
    Erledigt,
}

impl ReportStatus {
    pub const ALL: [ReportStatus; 3] = [
        ReportStatus::Eingegangen,
        ReportStatus::InBearbeitung,
        ReportStatus::Erledigt,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ReportStatus::Eingegangen => "eingegangen",
            ReportStatus::InBearbeitung => "in Bearbeitung",
            ReportStatus::Erledigt => "erledigt",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            ReportStatus::Eingegangen => "eingegangen",
            ReportStatus::InBearbeitung => "in-bearbeitung",
            ReportStatus::Erledigt => "erledigt",
        }
    }

    pub fn code(self) -> u8 {
        match self {
            ReportStatus::Eingegangen => 0,
            ReportStatus::InBearbeitung => 1,
            ReportStatus::Erledigt => 2,
        }
    }

    pub fn from_key(key: &str) -> Option<ReportStatus> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// Where the receipt of a report was put.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReceiptPlace {
    /// The submitter's personal mailbox (Nutzerkennung).
    Personal(String),
    /// The organisation's group mailbox Beamtenversorgung.
    GroupBeamtenversorgung,
}

impl ReceiptPlace {
    pub fn label(&self) -> String {
        match self {
            ReceiptPlace::Personal(id) => format!("Persönliches Postfach ({id})"),
            ReceiptPlace::GroupBeamtenversorgung => "Gruppenpostfach Beamtenversorgung".to_owned(),
        }
    }
}

/// A submitted report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub id: u64,
    pub org: OrgId,
    pub kind: FormKind,
    pub personalnummer: String,
    /// "Name, Vorname" at submission.
    pub person_name: String,
    /// The summary as (label, value), in the form's order.
    pub values: Vec<(String, String)>,
    pub submitted_by: String,
    pub submitter_name: String,
    pub submitted_at: jiff::Timestamp,
    pub status: ReportStatus,
    /// Referenz of the receipt.
    pub referenz: String,
    /// Blob id of the PDF of the report.
    pub pdf_blob: u64,
    /// Where the receipt went (fixed at submission).
    pub receipt: ReceiptPlace,
    /// Status changes: (when, who, new status).
    #[serde(default)]
    pub history: Vec<(jiff::Timestamp, String, ReportStatus)>,
}

impl Report {
    /// Betreff of the Quittungsnachricht.
    pub fn receipt_subject(&self) -> String {
        format!("Quittung: {} – {}", self.kind.label(), self.person_name)
    }

    pub fn pdf_name(&self) -> String {
        format!("Meldung-{}.pdf", self.referenz)
    }
}

/// The summary of a form: (label, value) in the form's order.
pub type Summary = Vec<(String, String)>;
/// German messages by field name.
pub type FieldProblems = Vec<(&'static str, String)>;

/// Checks the entered values of `kind` for `person`; returns the summary
/// (label, value) or German messages by field name.
pub fn check(
    kind: FormKind,
    person: &Person,
    input: &dyn Fn(&str) -> String,
) -> Result<Summary, FieldProblems> {
    let mut errors: Vec<(&'static str, String)> = Vec::new();
    if person.art != Art::Beamter {
        errors.push((
            "person",
            "Beamtenformulare gibt es nur für aktive Beamte.".to_owned(),
        ));
    }
    let mut values = Vec::new();
    let mut dates: Vec<(&'static str, Date)> = Vec::new();
    for f in kind.fields() {
        let raw = input(f.name).trim().to_owned();
        if raw.is_empty() {
            if f.required {
                errors.push((f.name, format!("Bitte füllen Sie „{}“ aus.", f.label)));
            }
            values.push((f.label.to_owned(), String::new()));
            continue;
        }
        let checked = check_value(f, raw);
        if let Some(d) = checked.date {
            dates.push((f.name, d));
        }
        if let Some(problem) = checked.problem {
            errors.push((f.name, problem));
        }
        values.push((f.label.to_owned(), checked.shown));
    }
    if let (Some(von), Some(bis)) = (
        dates.iter().find(|(n, _)| *n == "von").map(|d| d.1),
        dates.iter().find(|(n, _)| *n == "bis").map(|d| d.1),
    ) && von > bis
    {
        errors.push(("bis", "„Bis“ darf nicht vor „Von“ liegen.".to_owned()));
    }
    if person.art == Art::Beamter {
        check_service_period(person.service_period(), &dates, &mut errors);
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(errors)
    }
}

/// One filled-in field, checked: the value as the summary shows it, the
/// date it names, and the German message when it is not acceptable.
struct Checked {
    shown: String,
    date: Option<Date>,
    problem: Option<String>,
}

/// Checks the (trimmed, non-empty) value `raw` of field `f` by its type.
fn check_value(f: &FieldSpec, raw: String) -> Checked {
    let plain = |shown: String, problem: Option<String>| Checked {
        shown,
        date: None,
        problem,
    };
    match f.kind {
        FieldType::Date => match parse_date(&raw).or_else(|| Date::strptime("%Y-%m-%d", &raw).ok())
        {
            Some(d) => Checked {
                shown: format_date(d),
                date: Some(d),
                problem: None,
            },
            None => plain(
                raw,
                Some(format!(
                    "Bitte geben Sie „{}“ als Datum TT.MM.JJJJ ein.",
                    f.label
                )),
            ),
        },
        FieldType::Percent => match raw.trim_end_matches('%').trim().parse::<u8>() {
            Ok(p) if (1..=100).contains(&p) => plain(format!("{p} %"), None),
            _ => plain(
                raw,
                Some("Der Beschäftigungsumfang ist eine ganze Zahl von 1 bis 100.".to_owned()),
            ),
        },
        FieldType::Text => {
            let problem = text_problem(f, &raw);
            plain(raw, problem)
        }
        FieldType::Choice(options) => {
            let problem = (!options.contains(&raw.as_str()))
                .then(|| format!("Bitte wählen Sie „{}“ aus.", f.label));
            plain(raw, problem)
        }
    }
}

/// What is wrong with a text value: too long, a line break in a one-line
/// field, or control characters.
fn text_problem(f: &FieldSpec, raw: &str) -> Option<String> {
    let limit = if f.name == "bemerkung" { 2000 } else { 200 };
    if raw.chars().count() > limit {
        Some(format!("Höchstens {limit} Zeichen."))
    } else if f.name != "bemerkung" && raw.chars().any(char::is_control) {
        Some("Bitte ohne Zeilenumbrüche eingeben.".to_owned())
    } else if raw
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        // The multi-line Bemerkung keeps line breaks and tabs,
        // but no NUL, ESC, BEL … (as the message text).
        Some("Der Text enthält unzulässige Steuerzeichen.".to_owned())
    } else {
        None
    }
}

/// Every date of the form must lie in the civil servant's service period
/// (`service`: first day, last day if ended); without a Lebenslauf nothing
/// can be checked.
fn check_service_period(
    service: Option<(Date, Option<Date>)>,
    dates: &[(&'static str, Date)],
    errors: &mut FieldProblems,
) {
    match service {
        None => errors.push((
            "person",
            "Für diese Person ist kein Lebenslauf hinterlegt; die Daten können nicht geprüft werden.".to_owned(),
        )),
        Some((first, last)) => {
            for (name, d) in dates {
                if *d < first || last.is_some_and(|l| *d > l) {
                    let range = match last {
                        Some(l) => format!("{} bis {}", format_date(first), format_date(l)),
                        None => format!("ab {}", format_date(first)),
                    };
                    errors.push((
                        name,
                        format!("Das Datum liegt außerhalb der Dienstzeit ({range})."),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::persons::{Contact, Period};

    fn beamter() -> Person {
        Person {
            org: 1,
            personalnummer: "1001".into(),
            art: Art::Beamter,
            name: "Muster".into(),
            vorname: "Max".into(),
            geburtsdatum: Date::new(1970, 1, 1).unwrap_or_default(),
            contact: Contact::default(),
            bereich: None,
            lebenslauf: vec![Period {
                von: Date::new(1995, 8, 1).unwrap_or_default(),
                bis: None,
                dienststelle: "Bauamt".into(),
                amtsbezeichnung: "Inspektor".into(),
                besoldungsgruppe: "A 9".into(),
                umfang: 100,
            }],
            contact_changed: None,
            imported_contact: None,
        }
    }

    fn input(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> String {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
                .unwrap_or_default()
        }
    }

    #[test]
    fn percent_and_service_period() {
        let ok = check(
            FormKind::Beschaeftigungsumfang,
            &beamter(),
            &input(&[("gueltig_ab", "01.01.2024"), ("umfang", "50")]),
        );
        assert!(ok.is_ok());
        let bad = check(
            FormKind::Beschaeftigungsumfang,
            &beamter(),
            &input(&[("gueltig_ab", "01.01.1990"), ("umfang", "150")]),
        )
        .err()
        .unwrap_or_default();
        let fields: Vec<_> = bad.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, vec!["umfang", "gueltig_ab"]);
    }

    #[test]
    fn von_not_after_bis() {
        let bad = check(
            FormKind::Beurlaubung,
            &beamter(),
            &input(&[("von", "01.03.2024"), ("bis", "01.02.2024")]),
        )
        .err()
        .unwrap_or_default();
        assert_eq!(bad.iter().map(|(f, _)| *f).collect::<Vec<_>>(), vec!["bis"]);
    }
}
