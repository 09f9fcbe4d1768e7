//! The fictional demo data set of `serve --demo` (the handbook's
//! organisations and people), loaded only into an empty store. The demo
//! Nutzerkennungen are fixed and documented in the README; every account
//! that can log in shares [`DEMO_PASSWORD`], and the active ones share the
//! authenticator secret [`DEMO_TOTP_SECRET`]. The logins are printed on
//! every start of a demo data directory.
//!
//! `messages` adds the demo conversations, `persons` the entitled persons,
//! Lebensläufe and form reports of Blaugraben.

use jiff::{SignedDuration, Timestamp};

use crate::app::Error;
use crate::app::passwords::PasswordHasher;
use crate::domain::account::{Account, Grants, Role, SecondFactor};
use crate::domain::audit::AuditEntry;
use crate::domain::help::FaqEntry;
use crate::domain::ids::Nutzerkennung;
use crate::domain::org::{Bereich, GroupMailbox, Organisation, PortalFunction, ReceiptTarget};
use crate::store::{self, Store, WriteTx};

pub mod messages;
pub mod persons;

/// Password of every demo account (printed at start; change it in real use).
pub const DEMO_PASSWORD: &str = "Demo-Versorgung-2026!";

/// Authenticator secret (base32) of every demo account in status "Aktiv":
/// enter it in an authenticator app to log in at once.
pub const DEMO_TOTP_SECRET: &str = "DEMODEMODEMODEMODEMODEMODEMODEMO";

/// How long the self-locked demo account stays locked after loading.
const DEMO_SELF_LOCK: SignedDuration = SignedDuration::from_mins(30);

/// The state a demo account is loaded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoState {
    /// No password yet (status "Angelegt"); cannot log in.
    Angelegt,
    /// Password set, authenticator set up at the first login.
    TotpPending,
    /// Password and authenticator ([`DEMO_TOTP_SECRET`]) set.
    Aktiv,
    /// Locked by an administrator ("Gesperrt").
    Gesperrt,
    /// Active, but locked by too many failed logins until the Sperrfrist ends.
    SelfLocked,
    /// Password set, second factor by e-mail (TANs in the Postausgang).
    EmailTan,
}

impl DemoState {
    fn text(self) -> &'static str {
        match self {
            DemoState::Angelegt => "Angelegt (keine Anmeldung möglich)",
            DemoState::TotpPending => "TOTP-Einrichtung bei der ersten Anmeldung",
            DemoState::Aktiv => "Aktiv (Authenticator eingerichtet)",
            DemoState::Gesperrt => "Gesperrt",
            DemoState::SelfLocked => "Aktiv, selbst gesperrt (30 Minuten)",
            DemoState::EmailTan => "Aktiv, E-Mail-TAN (siehe Postausgang)",
        }
    }
}

/// The organisations of the demo, by position in [`load`].
const BLAUGRABEN: usize = 0;
const MAEUSERAST: usize = 1;
const LINDENHAIN: usize = 2;

/// What kind of account a demo person has.
#[derive(Clone, Copy)]
enum Kind {
    KassenAdmin,
    KassenSachbearbeitung,
    OrgAdmin(usize),
    /// Organisation, group mailboxes, portal functions.
    OrgUser(usize, &'static [GroupMailbox], &'static [PortalFunction]),
}

/// A documented demo account.
pub struct DemoPerson {
    pub id: &'static str,
    pub(crate) first: &'static str,
    last: &'static str,
    kind: Kind,
    pub state: DemoState,
    pub role: &'static str,
}

const fn person(
    id: &'static str,
    first: &'static str,
    last: &'static str,
    kind: Kind,
    state: DemoState,
    role: &'static str,
) -> DemoPerson {
    DemoPerson {
        id,
        first,
        last,
        kind,
        state,
        role,
    }
}

use GroupMailbox as M;
use PortalFunction as F;

/// Every documented demo account (the README lists the same).
pub const PEOPLE: [DemoPerson; 12] = [
    person(
        "K20000000001",
        "Erika",
        "Kassenfrau",
        Kind::KassenAdmin,
        DemoState::Aktiv,
        "Kassen-Portaladministration und Sachbearbeitung",
    ),
    person(
        "K20000000002",
        "Bernd",
        "Beihilfer",
        Kind::KassenSachbearbeitung,
        DemoState::Aktiv,
        "Kassen-Sachbearbeitung Beihilfe und Beamtenversorgung",
    ),
    person(
        "X20177120281",
        "Kim",
        "Mustermensch",
        Kind::OrgAdmin(BLAUGRABEN),
        DemoState::Aktiv,
        "Administrator:in Blaugraben",
    ),
    person(
        "S20106542291",
        "Max",
        "Mustermensch",
        Kind::OrgUser(BLAUGRABEN, &[M::Beihilfe, M::Beamtenversorgung], &F::ALL),
        DemoState::Aktiv,
        "Nutzer:in Blaugraben",
    ),
    person(
        "S20100000101",
        "Tom",
        "Tanne",
        Kind::OrgUser(BLAUGRABEN, &[M::Beamtenversorgung], &[F::Postfach]),
        DemoState::TotpPending,
        "Nutzer:in Blaugraben",
    ),
    person(
        "S20100000102",
        "Anna",
        "Angelegt",
        Kind::OrgUser(BLAUGRABEN, &[M::Zusatzversorgung], &[F::Postfach]),
        DemoState::Angelegt,
        "Nutzer:in Blaugraben",
    ),
    person(
        "S20100000103",
        "Greta",
        "Gesperrt",
        Kind::OrgUser(BLAUGRABEN, &[M::Beihilfe], &[F::Postfach]),
        DemoState::Gesperrt,
        "Nutzer:in Blaugraben",
    ),
    person(
        "S20100000104",
        "Selma",
        "Sperrfrist",
        Kind::OrgUser(BLAUGRABEN, &[M::Beihilfe], &[F::Postfach]),
        DemoState::SelfLocked,
        "Nutzer:in Blaugraben",
    ),
    person(
        "X20100000201",
        "Mia",
        "Mausgrau",
        Kind::OrgAdmin(MAEUSERAST),
        DemoState::Aktiv,
        "Administrator:in Mäuserast (Funktionseinschränkungen)",
    ),
    person(
        "S20100000202",
        "Moritz",
        "Maus",
        Kind::OrgUser(
            MAEUSERAST,
            &[M::Beamtenversorgung],
            &[F::Postfach, F::AnspruchsberechtigteAnzeigen],
        ),
        DemoState::Aktiv,
        "Nutzer:in Mäuserast (seit 170 Tagen nicht angemeldet)",
    ),
    person(
        "X20100000301",
        "Lena",
        "Linde",
        Kind::OrgAdmin(LINDENHAIN),
        DemoState::EmailTan,
        "Administrator:in Lindenhain (E-Mail-TAN)",
    ),
    person(
        "S20100000302",
        "Paul",
        "Pappel",
        Kind::OrgUser(LINDENHAIN, &[M::Beihilfe], &[F::Postfach]),
        DemoState::EmailTan,
        "Nutzer:in Lindenhain (E-Mail-TAN)",
    ),
];

/// The demo organisations: Blaugraben as in the handbook (registered in two
/// Geschäftsbereiche), Mäuserast with function restrictions, Lindenhain on
/// E-Mail-TAN.
fn organisations() -> [Organisation; 3] {
    let org = |name: &str, number: &str, billing: &str, address: &str| Organisation {
        id: 0,
        name: name.to_owned(),
        number: number.to_owned(),
        billing_number: billing.to_owned(),
        address: address.to_owned(),
        bereiche: Bereich::ALL.to_vec(),
        enabled_mailboxes: GroupMailbox::ALL.to_vec(),
        enabled_functions: PortalFunction::ALL.to_vec(),
        receipt_target: ReceiptTarget::Personal,
        group_emails: Default::default(),
        second_factor: SecondFactor::Totp,
    };
    let mut blaugraben = org(
        "Blaugraben",
        "78970",
        "102898",
        "Rathausplatz 1\n59999 Blaugraben",
    );
    blaugraben.bereiche = vec![Bereich::Beamtenversorgung, Bereich::Zusatzversorgung];
    let mut maeuserast = org(
        "Mäuserast",
        "78971",
        "102899",
        "Marktstraße 5\n59998 Mäuserast",
    );
    maeuserast.bereiche = vec![Bereich::Beamtenversorgung];
    maeuserast.enabled_mailboxes = vec![M::Beamtenversorgung, M::Administration];
    maeuserast.enabled_functions = vec![F::Postfach, F::AnspruchsberechtigteAnzeigen];
    let mut lindenhain = org(
        "Lindenhain",
        "78972",
        "102900",
        "Lindenallee 3\n59997 Lindenhain",
    );
    lindenhain.second_factor = SecondFactor::EmailTan;
    [blaugraben, maeuserast, lindenhain]
}

/// Loads the demo data when the store has no accounts, and prints the
/// logins whenever the data directory holds the demo data.
pub fn load(store: &Store, passwords: &PasswordHasher) -> Result<(), Error> {
    let hash = passwords
        .hash_blocking(DEMO_PASSWORD)
        .map_err(Error::Internal)?;
    let now = Timestamp::now();
    let loaded = store.write(|tx| {
        if store::accounts::count(tx)? > 0 {
            return Ok::<_, Error>(false);
        }
        let mut org_ids = Vec::new();
        for mut o in organisations() {
            o.id = store::next_id(tx, "org")?;
            store::orgs::put(tx, &o)?;
            org_ids.push(o.id);
        }
        for p in &PEOPLE {
            put_person(tx, p, &org_ids, &hash, now)?;
        }
        staff_of_blaugraben(tx, org_ids[BLAUGRABEN], now)?;
        if let Some(max) = Nutzerkennung::parse(PEOPLE[3].id) {
            messages::load(tx, org_ids[BLAUGRABEN], org_ids[MAEUSERAST], &max, now)?;
        }
        faq(tx, now)?;
        store::audit::append(
            tx,
            &AuditEntry::new(now, "System", "demo.loaded", "Demodaten geladen"),
        )?;
        Ok(true)
    })?;
    if loaded {
        tracing::info!(accounts = PEOPLE.len(), "demo data loaded");
    }
    if !print_if_demo(store)? {
        tracing::info!("data directory holds other data; demo data not loaded");
    }
    Ok(())
}

/// Prints the demo logins when the data directory holds the demo data
/// (on every start, with or without `--demo`); returns whether it does.
pub fn print_if_demo(store: &Store) -> Result<bool, Error> {
    let is_demo = store.read(|tx| {
        Ok::<_, Error>(match Nutzerkennung::parse(PEOPLE[0].id) {
            Some(id) => {
                store::accounts::get(tx, &id)?.is_some_and(|a| a.email.ends_with(DEMO_DOMAIN))
            }
            None => false,
        })
    })?;
    if is_demo {
        print!("{}", logins_text());
    }
    Ok(is_demo)
}

const DEMO_DOMAIN: &str = "@demo.meineversorgung.invalid";

fn email(first: &str, last: &str) -> String {
    format!(
        "{}.{}{DEMO_DOMAIN}",
        first.to_lowercase(),
        last.to_lowercase()
    )
}

fn put_person(
    tx: &WriteTx,
    p: &DemoPerson,
    orgs: &[u64],
    hash: &str,
    now: Timestamp,
) -> Result<(), Error> {
    let id =
        Nutzerkennung::parse(p.id).ok_or_else(|| Error::Internal(format!("demo id {}", p.id)))?;
    store::accounts::issue_fixed(tx, &id, now)?;
    let role = match p.kind {
        Kind::KassenAdmin => Role::Kassen {
            portal_admin: true,
            sachbearbeitung: Bereich::ALL.to_vec(),
        },
        Kind::KassenSachbearbeitung => Role::Kassen {
            portal_admin: false,
            sachbearbeitung: vec![Bereich::Beihilfe, Bereich::Beamtenversorgung],
        },
        Kind::OrgAdmin(o) => Role::OrgAdmin { org: orgs[o] },
        Kind::OrgUser(o, mailboxes, functions) => Role::OrgUser {
            org: orgs[o],
            grants: Grants {
                mailboxes: mailboxes.to_vec(),
                functions: functions.to_vec(),
            },
        },
    };
    let birth = jiff::civil::Date::new(1980, 5, 17).ok();
    let mut a = Account::new(
        id,
        role,
        p.first.to_owned(),
        p.last.to_owned(),
        email(p.first, p.last),
        birth,
        now,
    );
    if p.state != DemoState::Angelegt {
        a.password_hash = Some(hash.to_owned());
    }
    if matches!(
        p.state,
        DemoState::Aktiv | DemoState::Gesperrt | DemoState::SelfLocked
    ) {
        a.totp_secret = Some(DEMO_TOTP_SECRET.to_owned());
        a.activated_at = Some(now);
    }
    match p.state {
        DemoState::Gesperrt => a.admin_locked = true,
        DemoState::SelfLocked => a.locked_until = now.checked_add(DEMO_SELF_LOCK).ok(),
        DemoState::EmailTan => a.activated_at = Some(now),
        _ => {}
    }
    if p.id == DORMANT_DEMO_ID {
        // Close to the dormant-account limit (default 180 days): the next
        // housekeeping run sends the advance notice.
        let past = now.checked_sub(DORMANT_DEMO_AGE).ok();
        a.activated_at = past;
        a.last_login_at = past;
    }
    store::accounts::put(tx, &a)?;
    Ok(())
}

/// The demo account whose last login lies [`DORMANT_DEMO_AGE`] back.
pub const DORMANT_DEMO_ID: &str = "S20100000202";
const DORMANT_DEMO_AGE: SignedDuration = SignedDuration::from_hours(170 * 24);

/// The logins, as printed on every start of a demo data directory.
pub fn logins_text() -> String {
    let mut out = format!(
        "Demo-Zugänge (Passwort für alle: {DEMO_PASSWORD}; Authenticator-Schlüssel der aktiven Konten: {DEMO_TOTP_SECRET}):\n"
    );
    for p in &PEOPLE {
        let name = format!("{} {}", p.first, p.last);
        out.push_str(&format!(
            "  {}  {name:<18} {:<55} {}\n",
            p.id,
            p.role,
            p.state.text()
        ));
    }
    out
}

/// Further Nutzer:innen of Blaugraben (not yet activated, Nutzerkennungen
/// S20100001000 to S20100001020), so that the overview has more than one
/// page as in the handbook.
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
        let id = Nutzerkennung::parse(&format!("S20100001{i:03}"))
            .ok_or_else(|| Error::Internal("demo id".to_owned()))?;
        store::accounts::issue_fixed(tx, &id, now)?;
        store::accounts::put(
            tx,
            &Account::new(
                id,
                role,
                first.to_owned(),
                last.to_owned(),
                email(first, last),
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
