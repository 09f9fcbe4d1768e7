//! Entitled persons (Anspruchsberechtigte) of an organisation, the
//! Lebenslauf of civil servants, and the rules for their contact data.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::org::{Bereich, OrgId};

/// Art of an entitled person (SPEC §10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Art {
    Beamter,
    Versorgungsempfaenger,
    Hinterbliebener,
}

impl Art {
    pub const ALL: [Art; 3] = [
        Art::Beamter,
        Art::Versorgungsempfaenger,
        Art::Hinterbliebener,
    ];

    /// The word in the UI and in the CSV files.
    pub fn label(self) -> &'static str {
        match self {
            Art::Beamter => "Beamter",
            Art::Versorgungsempfaenger => "Versorgungsempfänger",
            Art::Hinterbliebener => "Hinterbliebener",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Art::Beamter => "beamter",
            Art::Versorgungsempfaenger => "versorgungsempfaenger",
            Art::Hinterbliebener => "hinterbliebener",
        }
    }

    pub fn code(self) -> u8 {
        match self {
            Art::Beamter => 0,
            Art::Versorgungsempfaenger => 1,
            Art::Hinterbliebener => 2,
        }
    }

    pub fn from_code(code: u8) -> Option<Art> {
        Self::ALL.into_iter().find(|a| a.code() == code)
    }

    pub fn from_key(key: &str) -> Option<Art> {
        Self::ALL.into_iter().find(|a| a.key() == key)
    }

    pub fn from_label(label: &str) -> Option<Art> {
        Self::ALL.into_iter().find(|a| a.label() == label)
    }
}

/// One period of a civil servant's Lebenslauf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub von: Date,
    /// `None` for the current period.
    pub bis: Option<Date>,
    pub dienststelle: String,
    pub amtsbezeichnung: String,
    pub besoldungsgruppe: String,
    /// Beschäftigungsumfang in percent (1–100).
    pub umfang: u8,
}

/// Address, phone and e-mail: the part users with the grant may change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub strasse: String,
    pub plz: String,
    pub ort: String,
    pub telefon: String,
    pub email: String,
}

/// An entitled person of one organisation, keyed by Personalnummer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub org: OrgId,
    pub personalnummer: String,
    pub art: Art,
    pub name: String,
    pub vorname: String,
    pub geburtsdatum: Date,
    pub contact: Contact,
    pub bereich: Option<Bereich>,
    /// Periods in order of Von (civil servants only).
    #[serde(default)]
    pub lebenslauf: Vec<Period>,
    /// Last change of the contact data through the portal: when and by whom.
    #[serde(default)]
    pub contact_changed: Option<(jiff::Timestamp, String)>,
    /// The contact data as the last Datenimport delivered it: a field that
    /// differs from it was changed by the organisation since (`None` for
    /// persons stored before this was kept; see [`merge_imported_contact`]).
    #[serde(default)]
    pub imported_contact: Option<Contact>,
}

impl Person {
    /// "Name, Vorname".
    pub fn display_name(&self) -> String {
        format!("{}, {}", self.name, self.vorname)
    }

    /// First and last day of service according to the Lebenslauf (the last
    /// is `None` while the current period is open).
    pub fn service_period(&self) -> Option<(Date, Option<Date>)> {
        let first = self.lebenslauf.iter().map(|p| p.von).min()?;
        let last = if self.lebenslauf.iter().any(|p| p.bis.is_none()) {
            None
        } else {
            self.lebenslauf.iter().filter_map(|p| p.bis).max()
        };
        Some((first, last))
    }

    /// The period covering `day`, if any.
    pub fn period_at(&self, day: Date) -> Option<&Period> {
        self.lebenslauf
            .iter()
            .find(|p| p.von <= day && p.bis.is_none_or(|b| day <= b))
    }
}

/// Parses a German date `TT.MM.JJJJ`.
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    let mut parts = s.split('.');
    let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || d.is_empty() || m.is_empty() {
        return None;
    }
    Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).ok()
}

/// Formats a date as `TT.MM.JJJJ`.
pub fn format_date(d: Date) -> String {
    d.strftime("%d.%m.%Y").to_string()
}

/// Whether a Personalnummer is well-formed: 1–20 letters, digits or '-'.
pub fn valid_personalnummer(s: &str) -> bool {
    !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Checks contact data; returns the normalised data or, per field name
/// (`strasse`, `plz`, `ort`, `telefon`, `email`), a German message.
pub fn check_contact(c: &Contact) -> Result<Contact, Vec<(&'static str, String)>> {
    let mut errors = Vec::new();
    let single = |field: &'static str, v: &str, label: &str, errors: &mut Vec<_>| {
        let v = v.trim();
        if v.chars().any(char::is_control) {
            errors.push((
                field,
                format!("Bitte geben Sie {label} ohne Zeilenumbrüche oder Steuerzeichen ein."),
            ));
        } else if v.chars().count() > 100 {
            errors.push((
                field,
                format!("Bitte geben Sie {label} mit höchstens 100 Zeichen ein."),
            ));
        }
        v.to_owned()
    };
    let strasse = single("strasse", &c.strasse, "die Straße", &mut errors);
    let plz = c.plz.trim().to_owned();
    let plz_ok = plz.is_empty() || (plz.len() == 5 && plz.bytes().all(|b| b.is_ascii_digit()));
    if !plz_ok {
        errors.push(("plz", "Die PLZ besteht aus fünf Ziffern.".to_owned()));
    }
    let ort = single("ort", &c.ort, "den Ort", &mut errors);
    let telefon = c.telefon.trim().to_owned();
    if !telefon.is_empty()
        && (telefon.len() > 30
            || !telefon.chars().any(|ch| ch.is_ascii_digit())
            || !telefon
                .chars()
                .all(|ch| ch.is_ascii_digit() || " +-/()".contains(ch)))
    {
        errors.push((
            "telefon",
            "Bitte geben Sie eine gültige Telefonnummer ein (Ziffern, Leerzeichen und + - / ( ))."
                .to_owned(),
        ));
    }
    let email = if c.email.trim().is_empty() {
        String::new()
    } else {
        match super::email::parse_address(&c.email) {
            Some(a) => a,
            None => {
                errors.push((
                    "email",
                    "Bitte geben Sie eine gültige E-Mail-Adresse ein (z. B. name@beispiel.de)."
                        .to_owned(),
                ));
                c.email.trim().to_owned()
            }
        }
    };
    if errors.is_empty() {
        Ok(Contact {
            strasse,
            plz,
            ort,
            telefon,
            email,
        })
    } else {
        Err(errors)
    }
}

/// What a Datenimport does with a contact field the organisation changed
/// since the last import when the file has another value ("Abweichungen
/// in Kontaktdaten").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ContactPolicy {
    /// Keep the organisation's value (the default).
    #[default]
    KeepPortal,
    /// Take the file's value.
    TakeFile,
}

impl ContactPolicy {
    pub const ALL: [ContactPolicy; 2] = [ContactPolicy::KeepPortal, ContactPolicy::TakeFile];

    pub fn key(self) -> &'static str {
        match self {
            ContactPolicy::KeepPortal => "behalten",
            ContactPolicy::TakeFile => "uebernehmen",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ContactPolicy::KeepPortal => "Werte der Organisation behalten",
            ContactPolicy::TakeFile => "Werte aus der Datei übernehmen",
        }
    }

    pub fn from_key(key: &str) -> Option<ContactPolicy> {
        Self::ALL.into_iter().find(|p| p.key() == key)
    }
}

/// A contact field the organisation changed since the last import whose
/// value in the file is another one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactConflict {
    pub field: &'static str,
    pub portal: String,
    pub file: String,
}

const CONTACT_LABELS: [&str; 5] = ["Straße", "PLZ", "Ort", "Telefon", "E-Mail-Adresse"];

fn contact_values(c: &Contact) -> [&String; 5] {
    [&c.strasse, &c.plz, &c.ort, &c.telefon, &c.email]
}

fn contact_values_mut(c: &mut Contact) -> [&mut String; 5] {
    [
        &mut c.strasse,
        &mut c.plz,
        &mut c.ort,
        &mut c.telefon,
        &mut c.email,
    ]
}

/// The contact data a Datenimport stores for `person` when the file says
/// `file`, and the conflicts: fields the organisation changed since the
/// last import (they differ from `imported_contact`; without it, every
/// field once the contact data was changed in the portal) whose file value
/// differs. A conflicting field keeps the portal's value under
/// [`ContactPolicy::KeepPortal`]; every other field takes the file's.
pub fn merge_imported_contact(
    person: &Person,
    file: &Contact,
    policy: ContactPolicy,
) -> (Contact, Vec<ContactConflict>) {
    let baseline = match (&person.imported_contact, &person.contact_changed) {
        (Some(b), _) => Some(b),
        (None, None) => Some(&person.contact),
        (None, Some(_)) => None,
    };
    let portal = contact_values(&person.contact);
    let base = baseline.map(contact_values);
    let in_file = contact_values(file);
    let mut conflicts = Vec::new();
    let mut merged = file.clone();
    for (i, field) in contact_values_mut(&mut merged).into_iter().enumerate() {
        let changed_in_portal = base.is_none_or(|b| b[i] != portal[i]);
        if changed_in_portal && portal[i] != in_file[i] {
            conflicts.push(ContactConflict {
                field: CONTACT_LABELS[i],
                portal: portal[i].clone(),
                file: in_file[i].clone(),
            });
            if policy == ContactPolicy::KeepPortal {
                field.clone_from(portal[i]);
            }
        }
    }
    (merged, conflicts)
}

/// The changes between two contact records as (label, old, new).
pub fn contact_changes(old: &Contact, new: &Contact) -> Vec<(&'static str, String, String)> {
    [
        ("Straße", &old.strasse, &new.strasse),
        ("PLZ", &old.plz, &new.plz),
        ("Ort", &old.ort, &new.ort),
        ("Telefon", &old.telefon, &new.telefon),
        ("E-Mail-Adresse", &old.email, &new.email),
    ]
    .into_iter()
    .filter(|(_, a, b)| a != b)
    .map(|(l, a, b)| (l, a.clone(), b.clone()))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_dates() {
        assert_eq!(parse_date("01.02.2020"), Date::new(2020, 2, 1).ok());
        assert_eq!(parse_date("1.2.2020"), Date::new(2020, 2, 1).ok());
        assert_eq!(parse_date("31.02.2020"), None);
        assert_eq!(parse_date("2020-02-01"), None);
        assert_eq!(
            format_date(Date::new(2020, 2, 1).unwrap_or_default()),
            "01.02.2020"
        );
    }

    #[test]
    fn an_import_keeps_or_takes_only_what_the_organisation_changed() {
        let imported = Contact {
            strasse: "Alt 1".into(),
            plz: "11111".into(),
            ort: "Alt".into(),
            telefon: "1".into(),
            email: String::new(),
        };
        let person = Person {
            org: 1,
            personalnummer: "1".into(),
            art: Art::Beamter,
            name: "N".into(),
            vorname: "V".into(),
            geburtsdatum: Date::new(1970, 1, 1).unwrap_or_default(),
            // The organisation corrected the street.
            contact: Contact {
                strasse: "Neu 2".into(),
                ..imported.clone()
            },
            bereich: None,
            lebenslauf: Vec::new(),
            contact_changed: Some((jiff::Timestamp::UNIX_EPOCH, "S1".into())),
            imported_contact: Some(imported.clone()),
        };
        // The file still has the old street and a new phone number.
        let file = Contact {
            telefon: "2".into(),
            ..imported.clone()
        };
        let (kept, conflicts) = merge_imported_contact(&person, &file, ContactPolicy::KeepPortal);
        assert_eq!(
            conflicts,
            vec![ContactConflict {
                field: "Straße",
                portal: "Neu 2".into(),
                file: "Alt 1".into()
            }]
        );
        assert_eq!(
            (kept.strasse.as_str(), kept.telefon.as_str()),
            ("Neu 2", "2")
        );
        let (taken, _) = merge_imported_contact(&person, &file, ContactPolicy::TakeFile);
        assert_eq!(taken, file);
        // Without a baseline, a person changed in the portal counts every
        // differing field as the organisation's.
        let legacy = Person {
            imported_contact: None,
            ..person.clone()
        };
        let (_, conflicts) = merge_imported_contact(&legacy, &file, ContactPolicy::KeepPortal);
        assert_eq!(conflicts.len(), 2);
        let untouched = Person {
            imported_contact: None,
            contact_changed: None,
            contact: imported.clone(),
            ..person
        };
        let (merged, conflicts) =
            merge_imported_contact(&untouched, &file, ContactPolicy::KeepPortal);
        assert!(conflicts.is_empty());
        assert_eq!(merged, file);
    }

    #[test]
    fn contact_rules() {
        let ok = Contact {
            strasse: " Hauptstraße 1 ".into(),
            plz: "12345".into(),
            ort: "Blaugraben".into(),
            telefon: "+49 (0)30 123-45".into(),
            email: "a@b.de".into(),
        };
        assert_eq!(
            check_contact(&ok).map(|c| c.strasse).ok().as_deref(),
            Some("Hauptstraße 1")
        );
        let bad = Contact {
            plz: "1234".into(),
            telefon: "abc".into(),
            email: "nope".into(),
            ..ok
        };
        let errs = check_contact(&bad).err().unwrap_or_default();
        let fields: Vec<_> = errs.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, vec!["plz", "telefon", "email"]);
    }
}
