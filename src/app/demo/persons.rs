//! Demo data of the functional use: entitled persons of Blaugraben (civil
//! servants with Lebensläufe, pensioners, a survivor) and one submitted
//! form with its receipt in Max Mustermensch's mailbox. Loaded after the
//! accounts of `demo::load`, once. The persons count as imported from
//! `demo/anspruchsberechtigte-blaugraben.csv`; afterwards Max Mustermensch
//! corrected Moritz Muster's street, so a Probelauf of that file shows one
//! "Abweichung in Kontaktdaten".

use jiff::Timestamp;
use jiff::civil::Date;

use crate::app::Error;
use crate::app::forms::{FormInput, Submission, submit_in};
use crate::domain::forms::FormKind;
use crate::domain::ids::Nutzerkennung;
use crate::domain::org::Bereich;
use crate::domain::persons::{Art, Contact, Period, Person};
use crate::mail::Mailer;
use crate::store::{self, Store};

/// Mitgliedsnummer of Blaugraben and the demo user who submits the form.
const ORG_NUMBER: &str = "78970";
const SUBMITTER: &str = "S20106542291";
/// The person whose street the organisation corrected after the import,
/// and the corrected street (the demo file still has "Am Markt 7").
const CORRECTED: (&str, &str) = ("100102", "Am Markt 9");

fn date((y, m, d): Ymd) -> Date {
    Date::new(y, m, d).unwrap_or_default()
}

/// A date as year, month, day.
type Ymd = (i16, i8, i8);

/// A Lebenslauf row: Von, Bis (none: current), Dienststelle,
/// Amtsbezeichnung, Besoldungsgruppe, Beschäftigungsumfang.
type PeriodRow = (
    Ymd,
    Option<Ymd>,
    &'static str,
    &'static str,
    &'static str,
    u8,
);

/// An entitled person of Blaugraben: Personalnummer, Art, Name, Vorname,
/// Geburtsdatum, Straße, Lebenslauf.
type PersonRow = (
    &'static str,
    Art,
    &'static str,
    &'static str,
    Ymd,
    &'static str,
    &'static [PeriodRow],
);

#[rustfmt::skip]
const PERSONS: [PersonRow; 6] = [
    ("100101", Art::Beamter, "Beispiel", "Berta", (1975, 3, 14), "Lindenweg 4", &[
        ((1998, 8, 1), Some((2009, 12, 31)), "Bauamt", "Stadtinspektorin", "A 9", 100),
        ((2010, 1, 1), Some((2017, 6, 30)), "Bauamt", "Stadtoberinspektorin", "A 10", 100),
        ((2017, 7, 1), None, "Kämmerei", "Stadtamtfrau", "A 11", 75),
    ]),
    ("100102", Art::Beamter, "Muster", "Moritz", (1982, 11, 2), "Am Markt 7", &[
        ((2005, 9, 1), None, "Ordnungsamt", "Stadtsekretär", "A 7", 100),
    ]),
    ("100103", Art::Beamter, "Sonnenschein", "Sophie", (1990, 6, 21), "Birkenallee 12", &[
        ((2014, 4, 1), Some((2020, 3, 31)), "Schulamt", "Regierungsrätin", "A 13", 100),
        ((2020, 4, 1), None, "Schulamt", "Oberregierungsrätin", "A 14", 50),
    ]),
    ("200201", Art::Versorgungsempfaenger, "Altmann", "Anton", (1952, 1, 9), "Rosenstraße 1", &[]),
    ("200202", Art::Versorgungsempfaenger, "Ruhig", "Renate", (1956, 8, 30), "Seeweg 3", &[]),
    ("300301", Art::Hinterbliebener, "Witt", "Waltraud", (1950, 5, 5), "Kirchgasse 2", &[]),
];

fn period(&(von, bis, stelle, amt, bes, umfang): &PeriodRow) -> Period {
    Period {
        von: date(von),
        bis: bis.map(date),
        dienststelle: stelle.to_owned(),
        amtsbezeichnung: amt.to_owned(),
        besoldungsgruppe: bes.to_owned(),
        umfang,
    }
}

fn persons(org: u64) -> Vec<Person> {
    PERSONS
        .iter()
        .map(
            |&(pnr, art, name, vorname, geb, strasse, lebenslauf)| Person {
                org,
                personalnummer: pnr.to_owned(),
                art,
                name: name.to_owned(),
                vorname: vorname.to_owned(),
                geburtsdatum: date(geb),
                contact: Contact {
                    strasse: strasse.to_owned(),
                    plz: "59999".to_owned(),
                    ort: "Blaugraben".to_owned(),
                    telefon: "02345 6789-0".to_owned(),
                    email: String::new(),
                },
                bereich: Some(Bereich::Beamtenversorgung),
                lebenslauf: lebenslauf.iter().map(period).collect(),
                contact_changed: None,
                imported_contact: None,
            },
        )
        .collect()
}

/// Loads the demo persons and the submitted form unless already there.
pub fn load(store: &Store, mailer: &Mailer, public_url: &str) -> Result<(), Error> {
    let loaded = store.write(|tx| {
        let Some(org) = store::orgs::by_number(tx, ORG_NUMBER)? else {
            return Ok::<_, Error>(false);
        };
        // Only in the demo data set: its Nutzer:in belongs to Blaugraben.
        let submitter = Nutzerkennung::parse(SUBMITTER)
            .and_then(|id| store::accounts::get(tx, &id).ok().flatten())
            .filter(|a| a.org() == Some(org));
        if submitter.is_none() || store::persons::count(tx, org, None)? > 0 {
            return Ok(false);
        }
        for mut p in persons(org) {
            p.imported_contact = Some(p.contact.clone());
            if p.personalnummer == CORRECTED.0 {
                p.contact.strasse = CORRECTED.1.to_owned();
                p.contact_changed = Some((Timestamp::now(), SUBMITTER.to_owned()));
            }
            store::persons::put(tx, &p)?;
        }
        if let Some(submitter) = submitter {
            let input = FormInput {
                personalnummer: "100101".to_owned(),
                values: vec![
                    ("gueltig_ab".to_owned(), "01.01.2026".to_owned()),
                    ("umfang".to_owned(), "80".to_owned()),
                    (
                        "bemerkung".to_owned(),
                        "Aufstockung auf Antrag der Beamtin.".to_owned(),
                    ),
                ],
            };
            submit_in(
                tx,
                mailer,
                public_url,
                &submitter,
                &Submission {
                    kind: FormKind::Beschaeftigungsumfang,
                    input: &input,
                    client: None,
                    token: None,
                },
                Timestamp::now(),
            )?;
        }
        Ok(true)
    })?;
    if loaded {
        tracing::info!("demo persons and form report loaded");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::passwords::PasswordHasher;

    #[test]
    fn demo_has_persons_with_lebenslauf_and_a_report_with_receipt() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let hasher = PasswordHasher::new(&crate::config::Config::default().argon2).unwrap();
        crate::app::demo::load(&store, &hasher).unwrap();
        let key = crate::mail::seal::SealKey::load_or_create(dir.path()).unwrap();
        let mailer = Mailer::new("portal@example.org", std::sync::Arc::new(key));
        load(&store, &mailer, "http://localhost").unwrap();
        // A second start changes nothing.
        load(&store, &mailer, "http://localhost").unwrap();
        let org = store
            .read(|tx| store::orgs::by_number(tx, ORG_NUMBER))
            .unwrap()
            .unwrap();
        assert_eq!(
            store
                .read(|tx| store::persons::count(tx, org, None))
                .unwrap(),
            6
        );
        let berta = store
            .read(|tx| store::persons::get(tx, org, "100101"))
            .unwrap()
            .unwrap();
        assert_eq!(berta.lebenslauf.len(), 3);
        let reports = store
            .read(|tx| store::reports::page_of_org(tx, org, None, None, 10))
            .unwrap();
        assert_eq!(reports.reports.len(), 1);
        assert!(!reports.reports[0].referenz.starts_with("Meldung"));
    }
}
