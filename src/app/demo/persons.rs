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

fn date(y: i16, m: i8, d: i8) -> Date {
    Date::new(y, m, d).unwrap_or_default()
}

fn period(von: Date, bis: Option<Date>, stelle: &str, amt: &str, bes: &str, umfang: u8) -> Period {
    Period {
        von,
        bis,
        dienststelle: stelle.to_owned(),
        amtsbezeichnung: amt.to_owned(),
        besoldungsgruppe: bes.to_owned(),
        umfang,
    }
}

fn persons(org: u64) -> Vec<Person> {
    let p = |pnr: &str,
             art: Art,
             name: &str,
             vorname: &str,
             geb: Date,
             strasse: &str,
             lebenslauf: Vec<Period>| Person {
        org,
        personalnummer: pnr.to_owned(),
        art,
        name: name.to_owned(),
        vorname: vorname.to_owned(),
        geburtsdatum: geb,
        contact: Contact {
            strasse: strasse.to_owned(),
            plz: "59999".to_owned(),
            ort: "Blaugraben".to_owned(),
            telefon: "02345 6789-0".to_owned(),
            email: String::new(),
        },
        bereich: Some(Bereich::Beamtenversorgung),
        lebenslauf,
        contact_changed: None,
        imported_contact: None,
    };
    vec![
        p(
            "100101",
            Art::Beamter,
            "Beispiel",
            "Berta",
            date(1975, 3, 14),
            "Lindenweg 4",
            vec![
                period(
                    date(1998, 8, 1),
                    Some(date(2009, 12, 31)),
                    "Bauamt",
                    "Stadtinspektorin",
                    "A 9",
                    100,
                ),
                period(
                    date(2010, 1, 1),
                    Some(date(2017, 6, 30)),
                    "Bauamt",
                    "Stadtoberinspektorin",
                    "A 10",
                    100,
                ),
                period(
                    date(2017, 7, 1),
                    None,
                    "Kämmerei",
                    "Stadtamtfrau",
                    "A 11",
                    75,
                ),
            ],
        ),
        p(
            "100102",
            Art::Beamter,
            "Muster",
            "Moritz",
            date(1982, 11, 2),
            "Am Markt 7",
            vec![period(
                date(2005, 9, 1),
                None,
                "Ordnungsamt",
                "Stadtsekretär",
                "A 7",
                100,
            )],
        ),
        p(
            "100103",
            Art::Beamter,
            "Sonnenschein",
            "Sophie",
            date(1990, 6, 21),
            "Birkenallee 12",
            vec![
                period(
                    date(2014, 4, 1),
                    Some(date(2020, 3, 31)),
                    "Schulamt",
                    "Regierungsrätin",
                    "A 13",
                    100,
                ),
                period(
                    date(2020, 4, 1),
                    None,
                    "Schulamt",
                    "Oberregierungsrätin",
                    "A 14",
                    50,
                ),
            ],
        ),
        p(
            "200201",
            Art::Versorgungsempfaenger,
            "Altmann",
            "Anton",
            date(1952, 1, 9),
            "Rosenstraße 1",
            Vec::new(),
        ),
        p(
            "200202",
            Art::Versorgungsempfaenger,
            "Ruhig",
            "Renate",
            date(1956, 8, 30),
            "Seeweg 3",
            Vec::new(),
        ),
        p(
            "300301",
            Art::Hinterbliebener,
            "Witt",
            "Waltraud",
            date(1950, 5, 5),
            "Kirchgasse 2",
            Vec::new(),
        ),
    ]
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
        let berta = crate::app::persons::get(&store, org, "100101").unwrap();
        assert_eq!(berta.lebenslauf.len(), 3);
        let reports = crate::app::forms::of_org(&store, org, None).unwrap();
        assert_eq!(reports.total, 1);
        assert!(!reports.reports[0].referenz.starts_with("Meldung"));
    }
}
