//! The fictional demo data set of `serve --demo` (the handbook's
//! organisations and people). Loaded only into an empty store.

use jiff::Timestamp;

use super::Error;
use super::passwords::PasswordHasher;
use crate::domain::account::{Account, Grants, Role};
use crate::domain::audit::AuditEntry;
use crate::domain::help::FaqEntry;
use crate::domain::org::{Bereich, GroupMailbox, Organisation, PortalFunction, ReceiptTarget};
use crate::store::{self, Store, WriteTx};

/// Password of every demo account (printed at start; change it in real use).
pub const DEMO_PASSWORD: &str = "Demo-Versorgung-2026!";

/// A demo login as printed on start.
pub struct DemoLogin {
    pub id: String,
    pub name: String,
    pub role: &'static str,
}

/// Loads the demo data when the store has no accounts; prints the logins.
pub fn load(store: &Store, passwords: &PasswordHasher) -> Result<(), Error> {
    let hash = passwords
        .hash_blocking(DEMO_PASSWORD)
        .map_err(Error::Internal)?;
    let now = Timestamp::now();
    let logins = store.write(|tx| {
        if store::accounts::count(tx)? > 0 {
            return Ok::<_, Error>(None);
        }
        let blaugraben = org(
            tx,
            "Blaugraben",
            "78970",
            "102898",
            "Rathausplatz 1\n59999 Blaugraben",
            vec![Bereich::Beamtenversorgung, Bereich::Zusatzversorgung],
        )?;
        let maeuserast = org(
            tx,
            "Mäuserast",
            "78971",
            "102899",
            "Marktstraße 5\n59998 Mäuserast",
            Bereich::ALL.to_vec(),
        )?;
        let mut logins = Vec::new();
        let people: [(&str, &str, Role, &'static str); 5] = [
            (
                "Erika",
                "Kassenfrau",
                Role::Kassen {
                    portal_admin: true,
                    sachbearbeitung: Bereich::ALL.to_vec(),
                },
                "Kassen-Portaladministration und Sachbearbeitung",
            ),
            (
                "Bernd",
                "Beihilfer",
                Role::Kassen {
                    portal_admin: false,
                    sachbearbeitung: vec![Bereich::Beihilfe, Bereich::Beamtenversorgung],
                },
                "Kassen-Sachbearbeitung Beihilfe und Beamtenversorgung",
            ),
            (
                "Kim",
                "Mustermensch",
                Role::OrgAdmin { org: blaugraben },
                "Administrator:in Blaugraben",
            ),
            (
                "Max",
                "Mustermensch",
                Role::OrgUser {
                    org: blaugraben,
                    grants: Grants {
                        mailboxes: vec![GroupMailbox::Beihilfe, GroupMailbox::Beamtenversorgung],
                        functions: PortalFunction::ALL.to_vec(),
                    },
                },
                "Nutzer:in Blaugraben",
            ),
            (
                "Mia",
                "Mausgrau",
                Role::OrgAdmin { org: maeuserast },
                "Administrator:in Mäuserast",
            ),
        ];
        for (first, last, role, label) in people {
            let id = store::accounts::issue_id(tx, &role, now)?;
            let email = format!(
                "{}.{}@demo.meineversorgung.invalid",
                first.to_lowercase(),
                last.to_lowercase()
            );
            let birth = jiff::civil::Date::new(1980, 5, 17).ok();
            let mut account = Account::new(
                id,
                role,
                first.to_owned(),
                last.to_owned(),
                email,
                birth,
                now,
            );
            account.password_hash = Some(hash.clone());
            store::accounts::put(tx, &account)?;
            logins.push(DemoLogin {
                id: account.id.to_string(),
                name: account.full_name(),
                role: label,
            });
        }
        staff_of_blaugraben(tx, blaugraben, now)?;
        faq(tx, now)?;
        store::audit::append(
            tx,
            &AuditEntry::new(now, "System", "demo.loaded", "Demodaten geladen"),
        )?;
        Ok(Some(logins))
    })?;
    match logins {
        Some(logins) => {
            println!(
                "Demo-Zugänge (Passwort für alle: {DEMO_PASSWORD}; die Authenticator-App wird bei der ersten Anmeldung eingerichtet):"
            );
            for l in &logins {
                println!("  {}  {:<20} {}", l.id, l.name, l.role);
            }
            tracing::info!(accounts = logins.len(), "demo data loaded");
        }
        None => tracing::info!("data directory not empty; demo data not loaded again"),
    }
    Ok(())
}

/// Further Nutzer:innen of Blaugraben (not yet activated), so that the
/// overview has more than one page as in the handbook.
fn staff_of_blaugraben(tx: &WriteTx, org: u64, now: jiff::Timestamp) -> Result<(), Error> {
    const FIRST: [&str; 7] = ["Anna", "Ben", "Clara", "David", "Elif", "Finn", "Greta"];
    const LAST: [&str; 3] = ["Amsel", "Buche", "Dachs"];
    for (i, (first, last)) in LAST
        .iter()
        .flat_map(|l| FIRST.iter().map(move |f| (*f, *l)))
        .enumerate()
    {
        let mailboxes = if i % 2 == 0 {
            vec![GroupMailbox::Beamtenversorgung]
        } else {
            vec![GroupMailbox::Zusatzversorgung]
        };
        let role = Role::OrgUser {
            org,
            grants: Grants {
                mailboxes,
                functions: vec![PortalFunction::Postfach],
            },
        };
        let id = store::accounts::issue_id(tx, &role, now)?;
        let email = format!(
            "{}.{}@demo.meineversorgung.invalid",
            first.to_lowercase(),
            last.to_lowercase()
        );
        store::accounts::put(
            tx,
            &Account::new(
                id,
                role,
                first.to_owned(),
                last.to_owned(),
                email,
                None,
                now,
            ),
        )?;
    }
    Ok(())
}

/// FAQ entries drawn from the handbook.
const FAQ: [(&str, &str); 5] = [
    (
        "Ich habe meine Nutzerkennung vergessen. Was kann ich tun?",
        "Sollten Sie Ihre Nutzerkennung vergessen haben, wenden Sie sich bitte direkt an die Portal-Administratoren der Kassen.\n\nHinweis: Nutzerkennungen von Administratoren beginnen mit einem „X“.",
    ),
    (
        "Ich habe mein Passwort vergessen. Was kann ich tun?",
        "Über die Schaltfläche „Passwort vergessen“ auf der Anmeldeseite können Sie Ihr Passwort zurücksetzen. Sie erhalten im Anschluss eine E-Mail mit einem Link zur Neuvergabe Ihres Passwortes.\n\nIhr neues Passwort muss zwischen 12 und 128 Zeichen lang sein, mindestens einen Buchstaben, eine Ziffer und ein Sonderzeichen enthalten und darf zuvor noch nicht für dieses Nutzerkonto genutzt worden sein.",
    ),
    (
        "Ich habe keinen Zugriff mehr auf meine Authenticator-App. Was nun?",
        "Falls Sie Ihr TOTP-Verfahren nicht mehr im Zugriff haben, wenden Sie sich bitte an Ihre Portaladministration.\n\nSofern die Zwei-Faktor-Authentifizierung per Authenticator-App in Ihrer Organisation nicht möglich ist, können die Portal-Administratoren der Kassen das Verfahren auf E-Mail-TAN umstellen. Bedenken Sie dabei bitte das geringere Sicherheitsniveau sowie mögliche Verzögerungen beim Anmelden, die durch Spam-Filter oder temporäre Server-Probleme verursacht werden können.",
    ),
    (
        "Wer legt Nutzer:innen an?",
        "Eine Selbstregistrierung ist nicht vorgesehen. Die Administrator:innen der Mitglieder werden von den Portal-Administratoren der Kassen registriert. Die Nutzer:innen einer Organisation legt deren Administration über „Nutzer:in anlegen“ an und legt dabei die Berechtigungen für Gruppenpostfächer und Portal-Funktionalitäten fest.",
    ),
    (
        "Werden Nachrichten automatisch gelöscht?",
        "Nachrichten unterliegen der gesetzlichen Löschfrist. Archivierte und als wichtig markierte Nachrichten werden von der gesetzlichen Löschfrist ausgenommen.",
    ),
];

fn faq(tx: &WriteTx, now: jiff::Timestamp) -> Result<(), Error> {
    for (i, (question, answer)) in FAQ.into_iter().enumerate() {
        store::faq::put(
            tx,
            &FaqEntry {
                id: store::faq::next_id(tx)?,
                question: question.to_owned(),
                answer: answer.to_owned(),
                position: i as u64 + 1,
                created_at: now,
                updated_at: now,
            },
        )?;
    }
    Ok(())
}

fn org(
    tx: &WriteTx,
    name: &str,
    number: &str,
    billing: &str,
    address: &str,
    bereiche: Vec<Bereich>,
) -> Result<u64, Error> {
    let id = store::next_id(tx, "org")?;
    store::orgs::put(
        tx,
        &Organisation {
            id,
            name: name.to_owned(),
            number: number.to_owned(),
            billing_number: billing.to_owned(),
            address: address.to_owned(),
            bereiche,
            enabled_mailboxes: GroupMailbox::ALL.to_vec(),
            enabled_functions: PortalFunction::ALL.to_vec(),
            receipt_target: ReceiptTarget::Personal,
            group_emails: Default::default(),
            second_factor: Default::default(),
        },
    )?;
    Ok(id)
}
