//! Seeds a store through the crate's own store layer (`store::accounts::put`,
//! `store::audit::append`, `Mailer::enqueue`), in bounded batches, so that
//! every index those functions maintain is part of the measurement.

use std::path::Path;

use jiff::{SignedDuration, Timestamp};
use meine_versorgung::app::passwords::PasswordHasher;
use meine_versorgung::config::Argon2Config;
use meine_versorgung::domain::account::{Account, Grants, Role};
use meine_versorgung::domain::audit::AuditEntry;
use meine_versorgung::domain::mail::MailState;
use meine_versorgung::domain::org::{
    Bereich, GroupMailbox, OrgId, Organisation, PortalFunction, ReceiptTarget,
};
use meine_versorgung::domain::totp;
use meine_versorgung::mail::{Mailer, templates};
use meine_versorgung::store::{self, Store, WriteTx};

/// Password of every seeded account (hashed once with the production
/// argon2 parameters, so logins cost what they cost in production).
pub const PASSWORD: &str = "Bench-Versorgung!Fluss7Wiese";

/// Records written per write transaction.
pub const BATCH: usize = 2_000;

const LAST: [&str; 25] = [
    "Amsel", "Buche", "Dachs", "Eiche", "Fink", "Gans", "Hase", "Igel", "Jäger", "Kranich",
    "Linde", "Marder", "Nuss", "Otter", "Pappel", "Quelle", "Rabe", "Specht", "Tanne", "Ulme",
    "Vogel", "Weide", "Xylem", "Ysop", "Zeisig",
];
const FIRST: [&str; 20] = [
    "Anna", "Ben", "Clara", "David", "Elif", "Finn", "Greta", "Hanna", "Ilias", "Jana", "Kai",
    "Lea", "Mats", "Nora", "Ole", "Paula", "Rami", "Sina", "Tom", "Uta",
];

/// The filter of the "filtered" overview: one of the 25 last names (4 %).
pub const FILTER_LAST_NAME: &str = "Specht";

/// How much to seed.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Organisations with this many Nutzer:innen each.
    pub org_sizes: Vec<usize>,
    pub audit_entries: usize,
    pub mails: usize,
    /// Accounts that log in once each during the login storm.
    pub storm_accounts: usize,
}

/// An account the benchmark can log in as.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Login {
    pub id: String,
    pub secret: String,
}

/// An organisation of a given size with its administrator.
#[derive(Debug, Clone)]
pub struct SizedOrg {
    pub size: usize,
    pub admin: Login,
    /// A Nutzer:in of the organisation (for the details page).
    pub sample_user: String,
}

#[derive(Debug, Clone, Default)]
pub struct BytesPerRecord {
    pub account: f64,
    pub audit_entry: f64,
    pub mail: f64,
}

#[derive(Debug, Clone)]
pub struct Seeded {
    pub kassen: Login,
    pub orgs: Vec<SizedOrg>,
    pub storm: Vec<Login>,
    pub bytes: BytesPerRecord,
    pub file_size: u64,
    pub records: u64,
}

/// Seeds `data_dir` according to `plan` and closes the store again.
pub fn seed(data_dir: &Path, plan: &Plan) -> Result<Seeded, String> {
    let store = Store::open(data_dir).map_err(|e| e.to_string())?;
    let hasher = PasswordHasher::new(&Argon2Config::default())?;
    let hash = hasher.hash_blocking(PASSWORD)?;
    let now = Timestamp::now();
    let err = |e: store::Error| e.to_string();

    let start_size = store.file_size();
    let kassen = store
        .write(|tx| {
            account(
                tx,
                Role::Kassen {
                    portal_admin: true,
                    sachbearbeitung: Bereich::ALL.to_vec(),
                },
                "Erika",
                "Kassenfrau",
                Some(&hash),
                now,
            )
        })
        .map_err(err)?;

    let mut orgs = Vec::new();
    let mut accounts = 1u64;
    for (n, &size) in plan.org_sizes.iter().enumerate() {
        let (org, admin) = store
            .write(|tx| {
                let org = organisation(tx, n)?;
                let admin = account(
                    tx,
                    Role::OrgAdmin { org },
                    "Kim",
                    "Mustermensch",
                    Some(&hash),
                    now,
                )?;
                Ok::<_, store::Error>((org, admin))
            })
            .map_err(err)?;
        let mut sample_user = String::new();
        let mut done = 0;
        while done < size {
            let batch = BATCH.min(size - done);
            let first_id = store
                .write(|tx| {
                    let mut first = None;
                    for i in done..done + batch {
                        let login = account(
                            tx,
                            user_role(org, i),
                            FIRST[i % FIRST.len()],
                            LAST[(i / FIRST.len()) % LAST.len()],
                            None,
                            now,
                        )?;
                        first.get_or_insert(login.id);
                    }
                    Ok::<_, store::Error>(first)
                })
                .map_err(err)?;
            if sample_user.is_empty() {
                sample_user = first_id.unwrap_or_default();
            }
            done += batch;
        }
        accounts += 1 + size as u64;
        orgs.push(SizedOrg {
            size,
            admin,
            sample_user,
        });
    }

    let storm_org = store.write(|tx| organisation(tx, 99)).map_err(err)?;
    let mut storm = Vec::new();
    while storm.len() < plan.storm_accounts {
        let batch = BATCH.min(plan.storm_accounts - storm.len());
        let logins = store
            .write(|tx| {
                (0..batch)
                    .map(|_| {
                        account(
                            tx,
                            Role::OrgAdmin { org: storm_org },
                            "Sturm",
                            "Anmeldung",
                            Some(&hash),
                            now,
                        )
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .map_err(err)?;
        storm.extend(logins);
    }
    accounts += plan.storm_accounts as u64;
    let after_accounts = store.file_size();

    let first_org = orgs.first().map(|_| 1).unwrap_or(1);
    let mut written = 0;
    while written < plan.audit_entries {
        let batch = BATCH.min(plan.audit_entries - written);
        store
            .write(|tx| {
                for i in written..written + batch {
                    let back = (plan.audit_entries - i) as i64;
                    let at = now
                        .checked_sub(SignedDuration::from_secs(back * 60))
                        .unwrap_or(now);
                    let entry = AuditEntry::new(
                        at,
                        kassen.id.clone(),
                        "account.updated",
                        "Nutzer:in geändert",
                    )
                    .target(format!("N{:07}", i % 10_000_000))
                    .org(Some(first_org + (i % 3) as OrgId))
                    .client(Some("127.0.0.1".to_owned()));
                    store::audit::append(tx, &entry)?;
                }
                Ok::<_, store::Error>(())
            })
            .map_err(err)?;
        written += batch;
    }
    let after_audit = store.file_size();

    let data_dir = store
        .path()
        .parent()
        .unwrap_or(std::path::Path::new("."))
        .to_owned();
    let seal = meine_versorgung::mail::seal::SealKey::load_or_create(&data_dir)
        .map_err(|e| e.to_string())?;
    let mailer = Mailer::new(
        "Meine Versorgung <noreply@meineversorgung.invalid>",
        std::sync::Arc::new(seal),
    );
    let mut sent = 0;
    while sent < plan.mails {
        let batch = BATCH.min(plan.mails - sent);
        store
            .write(|tx| {
                for i in sent..sent + batch {
                    let template = templates::set_password(
                        "Anna Amsel",
                        &format!("https://portal.example.org/passwort-festlegen?token=bench{i}"),
                        60,
                        false,
                        templates::Contact::Organisation,
                    );
                    let id = mailer.enqueue(
                        tx,
                        &format!("person{i}@blaugraben.example"),
                        template,
                        now,
                    )?;
                    // Delivered already: the worker of the measured server
                    // must not spend the benchmark delivering them.
                    if let Some(mut mail) = store::mail_queue::get(tx, id)? {
                        mail.state = MailState::Sent;
                        mail.attempts = 1;
                        mail.sent_at = Some(now);
                        store::mail_queue::put(tx, &mail)?;
                    }
                }
                Ok::<_, store::Error>(())
            })
            .map_err(err)?;
        sent += batch;
    }
    let end_size = store.file_size();

    let per = |bytes: u64, n: usize| {
        if n == 0 { 0.0 } else { bytes as f64 / n as f64 }
    };
    let records = accounts + plan.audit_entries as u64 + plan.mails as u64;
    Ok(Seeded {
        kassen,
        orgs,
        storm,
        bytes: BytesPerRecord {
            account: per(after_accounts.saturating_sub(start_size), accounts as usize),
            audit_entry: per(
                after_audit.saturating_sub(after_accounts),
                plan.audit_entries,
            ),
            mail: per(end_size.saturating_sub(after_audit), plan.mails),
        },
        file_size: end_size,
        records,
    })
}

pub fn organisation(tx: &WriteTx, n: usize) -> Result<OrgId, store::Error> {
    let id = store::next_id(tx, "org")?;
    store::orgs::put(
        tx,
        &Organisation {
            id,
            name: format!("Gemeinde {n}"),
            number: format!("{}", 80_000 + n),
            billing_number: format!("{}", 100_000 + n),
            address: "Rathausplatz 1\n59999 Blaugraben".to_owned(),
            bereiche: Bereich::ALL.to_vec(),
            enabled_mailboxes: GroupMailbox::ALL.to_vec(),
            enabled_functions: PortalFunction::ALL.to_vec(),
            receipt_target: ReceiptTarget::Personal,
            group_emails: Default::default(),
            second_factor: Default::default(),
        },
    )?;
    Ok(id)
}

fn user_role(org: OrgId, i: usize) -> Role {
    let mailboxes = if i.is_multiple_of(2) {
        vec![GroupMailbox::Beamtenversorgung]
    } else {
        vec![GroupMailbox::Zusatzversorgung, GroupMailbox::Beihilfe]
    };
    Role::OrgUser {
        org,
        grants: Grants {
            mailboxes,
            functions: vec![PortalFunction::Postfach],
        },
    }
}

/// Stores one account; with a password hash it is active with an
/// authenticator secret (a login goes password → TAN), else "Angelegt".
pub fn account(
    tx: &WriteTx,
    role: Role,
    first: &str,
    last: &str,
    hash: Option<&str>,
    now: Timestamp,
) -> Result<Login, store::Error> {
    let id = store::accounts::issue_id(tx, &role, now)?;
    let email = format!(
        "{}.{}.{}@bench.example",
        first.to_lowercase(),
        last.to_lowercase(),
        id.as_str().to_lowercase()
    );
    let mut account = Account::new(
        id.clone(),
        role,
        first.to_owned(),
        last.to_owned(),
        email,
        jiff::civil::Date::new(1980, 5, 17).ok(),
        now,
    );
    let mut secret = String::new();
    if let Some(hash) = hash {
        secret = totp::new_secret();
        account.password_hash = Some(hash.to_owned());
        account.totp_secret = Some(secret.clone());
        account.activated_at = Some(now);
    }
    store::accounts::put(tx, &account)?;
    Ok(Login {
        id: id.as_str().to_owned(),
        secret,
    })
}
