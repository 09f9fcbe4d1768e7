//! The CSV layouts of the Datenimport (SPEC §10): UTF-8 with or without BOM
//! (or Windows-1252, converted first: see [`decode`]), `;` as separator, a
//! header row (line 1), dates as `TT.MM.JJJJ`.
//! Parsing checks every row and reports each problem with its line and
//! column; it never stops at the first error.

use serde::Serialize;

use super::org::Bereich;
use super::persons::{Art, Contact, Period, parse_date, valid_personalnummer};

pub const PERSON_COLUMNS: [&str; 11] = [
    "Personalnummer",
    "Art",
    "Name",
    "Vorname",
    "Geburtsdatum",
    "Straße",
    "PLZ",
    "Ort",
    "Telefon",
    "E-Mail",
    "Geschäftsbereich",
];

pub const PERIOD_COLUMNS: [&str; 7] = [
    "Personalnummer",
    "Von",
    "Bis",
    "Dienststelle",
    "Amtsbezeichnung",
    "Besoldungsgruppe",
    "Beschäftigungsumfang",
];

/// The two kinds of files ("Art der Datei").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FileKind {
    Persons,
    Periods,
}

impl FileKind {
    pub const ALL: [FileKind; 2] = [FileKind::Persons, FileKind::Periods];

    pub fn label(self) -> &'static str {
        match self {
            FileKind::Persons => "Anspruchsberechtigte",
            FileKind::Periods => "Lebensläufe",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            FileKind::Persons => "anspruchsberechtigte",
            FileKind::Periods => "lebenslaeufe",
        }
    }

    pub fn from_key(key: &str) -> Option<FileKind> {
        Self::ALL
            .into_iter()
            .find(|k| k.key() == key || k.label() == key)
    }
}

/// A problem in one row: line number (header = 1), column name, message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub line: u64,
    pub column: String,
    pub message: String,
}

/// A valid row of the Anspruchsberechtigte file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRow {
    pub line: u64,
    pub personalnummer: String,
    pub art: Art,
    pub name: String,
    pub vorname: String,
    pub geburtsdatum: jiff::civil::Date,
    pub contact: Contact,
    pub bereich: Option<Bereich>,
}

/// A valid row of the Lebensläufe file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodRow {
    pub line: u64,
    pub personalnummer: String,
    pub period: Period,
}

/// How a file was encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8, with or without BOM.
    Utf8,
    /// Windows-1252, Excel's usual "CSV (Trennzeichen-getrennt)".
    Windows1252,
}

/// The message for a file in neither UTF-8 nor Windows-1252.
pub const UNDECIDABLE: &str = "Die Kodierung der Datei ist nicht zu erkennen (weder UTF-8 noch Windows-1252). Bitte speichern Sie die Datei in Excel als „CSV UTF-8 (durch Trennzeichen getrennt)“ und laden Sie sie erneut hoch.";

/// Windows-1252's characters for the bytes 0x80–0x9F (0 where undefined);
/// every byte from 0xA0 is the Unicode code point of the same number.
const CP1252_80_9F: [u16; 32] = [
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
    0x0152, 0, 0x017D, 0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC,
    0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
];

/// The file as UTF-8 text: UTF-8 (BOM removed) as it is, otherwise
/// converted from Windows-1252. `None` when neither fits: a NUL byte (e.g.
/// UTF-16), a UTF-16 BOM, a byte Windows-1252 does not define, or a mix
/// (valid UTF-8 umlauts next to invalid bytes: converting would garble the
/// valid ones).
pub fn decode(bytes: &[u8]) -> Option<(std::borrow::Cow<'_, str>, Encoding)> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") || body.contains(&0) {
        return None;
    }
    if let Ok(text) = std::str::from_utf8(body) {
        return Some((text.into(), Encoding::Utf8));
    }
    if body.utf8_chunks().any(|c| !c.valid().is_ascii()) {
        return None;
    }
    let mut out = String::with_capacity(body.len() + body.len() / 8);
    for &b in body {
        let ch = match b {
            0x80..=0x9F => char::from_u32(u32::from(CP1252_80_9F[usize::from(b - 0x80)]))
                .filter(|c| *c != '\0')?,
            _ => char::from(b),
        };
        out.push(ch);
    }
    Some((out.into(), Encoding::Windows1252))
}

fn reader(bytes: &[u8]) -> csv::Reader<&[u8]> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes)
}

/// Reads the records, checking the header; calls `row` for every data
/// record with its line number. Problems of the file as a whole (header,
/// encoding, column count) are pushed to `errors`.
fn for_each_record(
    bytes: &[u8],
    columns: &[&str],
    errors: &mut Vec<RowError>,
    mut row: impl FnMut(u64, &csv::StringRecord, &mut Vec<RowError>),
) {
    let mut rdr = reader(bytes);
    let mut record = csv::StringRecord::new();
    let mut first = true;
    loop {
        let line = rdr.position().line();
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(line);
                errors.push(RowError {
                    line,
                    column: String::new(),
                    message: match e.kind() {
                        csv::ErrorKind::Utf8 { .. } => {
                            "Die Zeile ist nicht in UTF-8 kodiert.".to_owned()
                        }
                        _ => format!("Die Zeile kann nicht gelesen werden ({e})."),
                    },
                });
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
                continue;
            }
        }
        let line = record.position().map(|p| p.line()).unwrap_or(line);
        if first {
            first = false;
            let found: Vec<&str> = record.iter().map(str::trim).collect();
            if found != columns {
                errors.push(RowError {
                    line: 1,
                    column: String::new(),
                    message: format!(
                        "Die Kopfzeile muss lauten: {} (gefunden: {}).",
                        columns.join(";"),
                        found.join(";")
                    ),
                });
                return;
            }
            continue;
        }
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if record.len() != columns.len() {
            errors.push(RowError {
                line,
                column: String::new(),
                message: format!(
                    "Die Zeile hat {} statt {} Spalten.",
                    record.len(),
                    columns.len()
                ),
            });
            continue;
        }
        row(line, &record, errors);
    }
    if first {
        errors.push(RowError {
            line: 1,
            column: String::new(),
            message: "Die Datei ist leer.".to_owned(),
        });
    }
}

struct Row<'a> {
    line: u64,
    record: &'a csv::StringRecord,
    columns: &'a [&'a str],
    errors: &'a mut Vec<RowError>,
}

impl Row<'_> {
    fn fail(&mut self, i: usize, message: impl Into<String>) {
        self.errors.push(RowError {
            line: self.line,
            column: self.columns[i].to_owned(),
            message: message.into(),
        });
    }

    fn text(&mut self, i: usize, required: bool) -> String {
        let v = self.record.get(i).unwrap_or("").trim().to_owned();
        if required && v.is_empty() {
            self.fail(i, "Pflichtfeld ist leer.");
        } else if v.chars().any(char::is_control) {
            self.fail(i, "Enthält Steuerzeichen.");
        } else if v.chars().count() > 100 {
            self.fail(i, "Höchstens 100 Zeichen.");
        }
        v
    }

    fn date(&mut self, i: usize, required: bool) -> Option<jiff::civil::Date> {
        let v = self.text(i, required);
        if v.is_empty() {
            return None;
        }
        let d = parse_date(&v);
        if d.is_none() {
            self.fail(i, format!("„{v}“ ist kein Datum im Format TT.MM.JJJJ."));
        }
        d
    }

    fn personalnummer(&mut self, i: usize) -> String {
        let v = self.text(i, true);
        if !v.is_empty() && !valid_personalnummer(&v) {
            self.fail(
                i,
                "Die Personalnummer besteht aus höchstens 20 Buchstaben, Ziffern oder Bindestrichen.",
            );
        }
        v
    }

    /// The Art (Beamter, Versorgungsempfänger, Hinterbliebener).
    fn art(&mut self, i: usize) -> Option<Art> {
        let text = self.text(i, true);
        let art = Art::from_label(&text);
        if art.is_none() && !text.is_empty() {
            self.fail(
                i,
                format!("„{text}“ ist keine Art (Beamter, Versorgungsempfänger, Hinterbliebener)."),
            );
        }
        art
    }

    /// The contact data in the five columns from `first` (Straße, PLZ,
    /// Ort, Telefon, E-Mail), checked like the portal's form.
    fn contact(&mut self, first: usize) -> Contact {
        let contact = Contact {
            strasse: self.text(first, false),
            plz: self.text(first + 1, false),
            ort: self.text(first + 2, false),
            telefon: self.text(first + 3, false),
            email: self.text(first + 4, false),
        };
        match super::persons::check_contact(&contact) {
            Ok(c) => c,
            Err(errs) => {
                for (field, msg) in errs {
                    let offset = match field {
                        "strasse" => 0,
                        "plz" => 1,
                        "ort" => 2,
                        "telefon" => 3,
                        _ => 4,
                    };
                    self.fail(first + offset, msg);
                }
                contact
            }
        }
    }

    /// The Geschäftsbereich, optional.
    fn bereich(&mut self, i: usize) -> Option<Bereich> {
        let text = self.text(i, false);
        let bereich = Bereich::ALL.into_iter().find(|b| b.label() == text);
        if bereich.is_none() && !text.is_empty() {
            self.fail(
                i,
                format!("„{text}“ ist kein Geschäftsbereich (Beamtenversorgung, Beihilfe, Zusatzversorgung)."),
            );
        }
        bereich
    }
}

/// Parses an Anspruchsberechtigte file. Returns the valid rows and every
/// problem; a Personalnummer twice in the file is a problem of the second row.
pub fn parse_persons(bytes: &[u8]) -> (Vec<PersonRow>, Vec<RowError>) {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for_each_record(
        bytes,
        &PERSON_COLUMNS,
        &mut errors,
        |line, record, errors| {
            let before = errors.len();
            let mut r = Row {
                line,
                record,
                columns: &PERSON_COLUMNS,
                errors,
            };
            let personalnummer = r.personalnummer(0);
            let art = r.art(1);
            let name = r.text(2, true);
            let vorname = r.text(3, true);
            let geburtsdatum = r.date(4, true);
            let contact = r.contact(5);
            let bereich = r.bereich(10);
            if !personalnummer.is_empty() {
                if let Some(first) = seen.get(&personalnummer) {
                    r.fail(
                        0,
                        format!(
                            "Die Personalnummer {personalnummer} steht schon in Zeile {first}."
                        ),
                    );
                } else {
                    seen.insert(personalnummer.clone(), line);
                }
            }
            if r.errors.len() == before
                && let (Some(art), Some(geburtsdatum)) = (art, geburtsdatum)
            {
                rows.push(PersonRow {
                    line,
                    personalnummer,
                    art,
                    name,
                    vorname,
                    geburtsdatum,
                    contact,
                    bereich,
                });
            }
        },
    );
    (rows, errors)
}

/// Parses a Lebensläufe file (the checks against stored persons are the
/// import's).
pub fn parse_periods(bytes: &[u8]) -> (Vec<PeriodRow>, Vec<RowError>) {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for_each_record(
        bytes,
        &PERIOD_COLUMNS,
        &mut errors,
        |line, record, errors| {
            let before = errors.len();
            let mut r = Row {
                line,
                record,
                columns: &PERIOD_COLUMNS,
                errors,
            };
            let personalnummer = r.personalnummer(0);
            let von = r.date(1, true);
            let bis = r.date(2, false);
            if let (Some(v), Some(b)) = (von, bis)
                && b < v
            {
                r.fail(2, "Bis liegt vor Von.");
            }
            let dienststelle = r.text(3, true);
            let amtsbezeichnung = r.text(4, true);
            let besoldungsgruppe = r.text(5, true);
            let umfang_text = r.text(6, true);
            let umfang = umfang_text
                .trim_end_matches('%')
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|u| (1..=100).contains(u));
            if umfang.is_none() && !umfang_text.is_empty() {
                r.fail(
                    6,
                    "Der Beschäftigungsumfang ist eine ganze Zahl von 1 bis 100.",
                );
            }
            if r.errors.len() == before
                && let (Some(von), Some(umfang)) = (von, umfang)
            {
                rows.push(PeriodRow {
                    line,
                    personalnummer,
                    period: Period {
                        von,
                        bis,
                        dienststelle,
                        amtsbezeichnung,
                        besoldungsgruppe,
                        umfang,
                    },
                });
            }
        },
    );
    (rows, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn persons_with_bom_and_errors_by_line_and_column() {
        let csv = "\u{feff}Personalnummer;Art;Name;Vorname;Geburtsdatum;Straße;PLZ;Ort;Telefon;E-Mail;Geschäftsbereich\n\
            1001;Beamter;Muster;Max;01.02.1970;Weg 1;12345;Ort;0301;max@example.de;Beamtenversorgung\n\
            1002;Pirat;Muster;Erika;31.02.1970;;;;;;\n\
            1001;Beamter;Doppelt;Max;01.02.1970;;;;;;\n";
        let (rows, errors) = parse_persons(csv.as_bytes());
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].art, Art::Beamter);
        let found: Vec<(u64, &str)> = errors.iter().map(|e| (e.line, e.column.as_str())).collect();
        assert_eq!(
            found,
            vec![(3, "Art"), (3, "Geburtsdatum"), (4, "Personalnummer")]
        );
    }

    #[test]
    fn windows_1252_is_converted_and_undecidable_files_refused() {
        let utf8 = "Straße;„Grüße“ – 5 €\n";
        let cp1252: Vec<u8> = b"Stra\xDFe;\x84Gr\xFC\xDFe\x93 \x96 5 \x80\n".to_vec();
        let (text, enc) = decode(&cp1252).unwrap();
        assert_eq!((text.as_ref(), enc), (utf8, Encoding::Windows1252));
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(utf8.as_bytes());
        let (text, enc) = decode(&bom).unwrap();
        assert_eq!((text.as_ref(), enc), (utf8, Encoding::Utf8));
        // Undefined in Windows-1252, UTF-16, NUL bytes.
        assert!(decode(b"abc\x81def").is_none());
        assert!(decode(b"\xFF\xFEa\0b\0").is_none());
        assert!(decode(b"a\0b").is_none());
        // UTF-8 umlauts next to a Windows-1252 one: undecidable.
        assert!(
            decode(
                "Grüße;"
                    .bytes()
                    .chain([0xFC])
                    .collect::<Vec<_>>()
                    .as_slice()
            )
            .is_none()
        );
    }

    #[test]
    fn wrong_header_is_line_one() {
        let (_, errors) = parse_persons(b"Nummer;Name\n1;2\n");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 1);
    }

    #[test]
    fn periods_check_dates_and_percent() {
        let csv = "Personalnummer;Von;Bis;Dienststelle;Amtsbezeichnung;Besoldungsgruppe;Beschäftigungsumfang\n\
            1001;01.08.1995;;Bauamt;Inspektor;A 9;100\n\
            1001;01.08.1995;01.01.1990;Bauamt;Inspektor;A 9;0\n";
        let (rows, errors) = parse_periods(csv.as_bytes());
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].period.bis, None);
        let found: Vec<(u64, &str)> = errors.iter().map(|e| (e.line, e.column.as_str())).collect();
        assert_eq!(found, vec![(3, "Bis"), (3, "Beschäftigungsumfang")]);
    }
}
