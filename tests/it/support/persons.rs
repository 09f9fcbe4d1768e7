//! Seeding for the functional-use tests: two organisations, Kassen staff,
//! an administrator and Nutzer:innen with different grants, and entitled
//! persons written through the library before the server starts.

use jiff::civil::Date;
use meine_versorgung::Config;
use meine_versorgung::app::passwords::PasswordHasher;
use meine_versorgung::domain::account::{Grants, Role};
use meine_versorgung::domain::org::{Bereich, GroupMailbox, PortalFunction as F};
use meine_versorgung::domain::persons::{Art, Contact, Period, Person};
use meine_versorgung::store::{self, Store};

use super::accounts::{PASSWORD, TestAccount, organisation};
use super::{TestServer, TestServerBuilder};

/// Everyone the tests sign in as.
pub struct People {
    /// Kassen-Portaladministration.
    pub kassen: TestAccount,
    /// Kassen-Sachbearbeitung Beamtenversorgung (no Portaladministration).
    pub sb_bv: TestAccount,
    /// Kassen-Sachbearbeitung Beihilfe only.
    pub sb_bh: TestAccount,
    /// Administrator:in of Blaugraben.
    pub admin: TestAccount,
    /// Nutzer:in of Blaugraben with every function and the group mailbox
    /// Beamtenversorgung.
    pub full: TestAccount,
    /// Nutzer:in of Blaugraben who may only view persons.
    pub viewer: TestAccount,
    /// Nutzer:in of Blaugraben with the mailbox only.
    pub plain: TestAccount,
    /// Nutzer:in of Lindenhain with every function.
    pub other: TestAccount,
    pub org_a: u64,
    pub org_b: u64,
}

pub fn date(y: i16, m: i8, d: i8) -> Date {
    Date::new(y, m, d).unwrap()
}

/// A civil servant in service since 1.8.1995 (open period).
pub fn beamter(org: u64, pnr: &str, name: &str, vorname: &str) -> Person {
    Person {
        org,
        personalnummer: pnr.to_owned(),
        art: Art::Beamter,
        name: name.to_owned(),
        vorname: vorname.to_owned(),
        geburtsdatum: date(1970, 1, 1),
        contact: Contact {
            strasse: "Alte Straße 1".into(),
            plz: "59999".into(),
            ort: "Blaugraben".into(),
            telefon: "0301 1234".into(),
            email: String::new(),
        },
        bereich: Some(Bereich::Beamtenversorgung),
        lebenslauf: vec![Period {
            von: date(1995, 8, 1),
            bis: None,
            dienststelle: "Bauamt".into(),
            amtsbezeichnung: "Stadtinspektor".into(),
            besoldungsgruppe: "A 9".into(),
            umfang: 100,
        }],
        contact_changed: None,
        imported_contact: None,
    }
}

/// Seeds the people (and `persons`, given the two organisation ids) and
/// starts the server.
pub async fn start(
    mut builder: TestServerBuilder,
    persons: impl FnOnce(u64, u64) -> Vec<Person>,
) -> (TestServer, People) {
    let config: Config = builder.config();
    let people = {
        let store = Store::open(&config.data_dir).expect("open store");
        let hasher = PasswordHasher::new(&config.argon2).expect("hasher");
        let hash = hasher.hash_blocking(PASSWORD).expect("hash");
        store
            .write(|tx| {
                let mut a = organisation("Blaugraben", "78970");
                a.id = store::next_id(tx, "org")?;
                store::orgs::put(tx, &a)?;
                let mut b = organisation("Lindenhain", "12345");
                b.id = store::next_id(tx, "org")?;
                store::orgs::put(tx, &b)?;
                let mut n = 0;
                let mut seed = |role: Role, first: &str, last: &str| {
                    n += 1;
                    let email = format!("person{n}@example.org");
                    super::accounts::seed_active(tx, role, (first, last, &email), &hash)
                };
                let user = |org: u64, functions: &[F]| Role::OrgUser {
                    org,
                    grants: Grants {
                        mailboxes: if functions.contains(&F::Beamtenformulare) {
                            vec![GroupMailbox::Beamtenversorgung]
                        } else {
                            Vec::new()
                        },
                        functions: functions.to_vec(),
                    },
                };
                let people = People {
                    kassen: seed(
                        Role::Kassen {
                            portal_admin: true,
                            sachbearbeitung: Vec::new(),
                        },
                        "Kim",
                        "Kassenwart",
                    )?,
                    sb_bv: seed(
                        Role::Kassen {
                            portal_admin: false,
                            sachbearbeitung: vec![Bereich::Beamtenversorgung],
                        },
                        "Bea",
                        "Versorger",
                    )?,
                    sb_bh: seed(
                        Role::Kassen {
                            portal_admin: false,
                            sachbearbeitung: vec![Bereich::Beihilfe],
                        },
                        "Bert",
                        "Beihelfer",
                    )?,
                    admin: seed(Role::OrgAdmin { org: a.id }, "Kim", "Mustermensch")?,
                    full: seed(user(a.id, &F::ALL), "Max", "Mustermensch")?,
                    viewer: seed(
                        user(a.id, &[F::Postfach, F::AnspruchsberechtigteAnzeigen]),
                        "Vera",
                        "Nurlesen",
                    )?,
                    plain: seed(user(a.id, &[F::Postfach]), "Paul", "Postfach")?,
                    other: seed(user(b.id, &F::ALL), "Olga", "Anderswo")?,
                    org_a: a.id,
                    org_b: b.id,
                };
                for p in persons(a.id, b.id) {
                    store::persons::put(tx, &p)?;
                }
                Ok::<_, store::Error>(people)
            })
            .expect("seed")
    };
    (builder.start().await, people)
}
