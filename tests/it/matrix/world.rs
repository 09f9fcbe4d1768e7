//! The matrix's seeded world: two organisations, the role accounts, one
//! target object of every administrative kind and the real objects of the
//! functional areas (see [`super::objects`]), and the values each path
//! parameter takes.

use std::sync::Arc;

use jiff::Timestamp;
use meine_versorgung::app::passwords::PasswordHasher;
use meine_versorgung::domain::account::{Account, Grants, Role};
use meine_versorgung::domain::help::{FaqEntry, FeedbackEntry, FeedbackKind};
use meine_versorgung::domain::ids::Nutzerkennung;
use meine_versorgung::domain::mail::{MailState, OutgoingMail};
use meine_versorgung::domain::org::{Bereich, GroupMailbox, PortalFunction};
use meine_versorgung::domain::totp;
use meine_versorgung::mail::Mailer;
use meine_versorgung::mail::seal::SealKey;
use meine_versorgung::store::{self, Store};

use super::objects::{self, Objects, Owners, Slug};
use super::{Owner, Who};
use crate::support::accounts::{TestAccount, organisation};
use crate::support::login::PASSWORD;
use crate::support::{Client, TestServer};

/// The seeded world: two organisations, the role accounts and one target
/// object of every kind.
pub struct World {
    pub people: Vec<(Who, TestAccount)>,
    pub user_a: String,
    pub user_b: String,
    pub org_a: u64,
    pub org_b: u64,
    pub admin_target: String,
    pub staff_target: String,
    pub faq: u64,
    pub feedback: u64,
    pub mail: u64,
    /// Messages (with attachments), persons and reports of A and B.
    pub objects: Objects,
}

impl World {
    /// The values of a path parameter: (value, whose object it is).
    pub fn values(&self, path: &str, param: &str) -> Vec<(String, Owner)> {
        let missing = |v: &str| (v.to_owned(), Owner::Missing);
        match (param, path) {
            ("kennung", _) => vec![
                (self.user_a.clone(), Owner::OrgA),
                (self.user_b.clone(), Owner::OrgB),
                missing("S99999999999"),
            ],
            ("postfach", p) if p.starts_with("/postfach/") => vec![
                ("persoenlich".to_owned(), Owner::Mailbox(Slug::Personal)),
                (
                    GroupMailbox::Administration.key().to_owned(),
                    Owner::Mailbox(Slug::Administration),
                ),
                (
                    GroupMailbox::Beihilfe.key().to_owned(),
                    Owner::Mailbox(Slug::Beihilfe),
                ),
                (
                    format!("kasse-{}", Bereich::ALL[0].key()),
                    Owner::Mailbox(Slug::Kassen),
                ),
                (
                    format!("kasse-{}", Bereich::ALL[2].key()),
                    Owner::Mailbox(Slug::OtherKassen),
                ),
                missing("gibt-es-nicht"),
            ],
            ("postfach", _) => vec![(GroupMailbox::ALL[0].key().to_owned(), Owner::Any)],
            // Every seeded message under every mailbox slug: the id alone
            // must not open a message; it has to lie in the mailbox the slug
            // names for the asker.
            ("id", p) if p.starts_with("/postfach/") => {
                let mut v: Vec<_> = self
                    .objects
                    .messages
                    .iter()
                    .map(|(place, id)| (id.to_string(), Owner::Stored(*place)))
                    .collect();
                v.push(missing("999999"));
                v
            }
            ("nr", _) => vec![("1".to_owned(), Owner::Any), missing("99")],
            ("aktion", _) => vec![("wichtig".to_owned(), Owner::Any)],
            ("pnr", _) => vec![
                (objects::PNR[0].to_owned(), Owner::OrgA),
                (objects::PNR[1].to_owned(), Owner::OrgB),
                missing("99999999"),
            ],
            ("id", p)
                if p.starts_with("/formulare/") || p.starts_with("/kassen/formularmeldungen/") =>
            {
                vec![
                    (self.objects.reports[0].to_string(), Owner::OrgA),
                    (self.objects.reports[1].to_string(), Owner::OrgB),
                    missing("999999"),
                ]
            }
            ("formular", _) => vec![("beschaeftigungsumfang".to_owned(), Owner::Any)],
            ("id", p) if p.starts_with("/kassen/mitglieder/") => vec![
                (self.org_a.to_string(), Owner::OrgA),
                (self.org_b.to_string(), Owner::OrgB),
                missing("999999"),
            ],
            ("id", p) if p.starts_with("/kassen/administratoren/") => vec![
                (self.admin_target.clone(), Owner::OrgB),
                missing("X99999999999"),
            ],
            ("id", p) if p.starts_with("/kassen/personal/") => vec![
                (self.staff_target.clone(), Owner::Kassen),
                missing("K99999999999"),
            ],
            ("id", p) if p.starts_with("/kassen/faq/") => {
                vec![(self.faq.to_string(), Owner::Kassen), missing("999999")]
            }
            ("id", p) if p.starts_with("/kassen/rueckmeldungen/") => {
                vec![
                    (self.feedback.to_string(), Owner::Kassen),
                    missing("999999"),
                ]
            }
            ("id", p) if p.starts_with("/kassen/postausgang/") => {
                vec![(self.mail.to_string(), Owner::Kassen), missing("999999")]
            }
            ("action", p) if p.starts_with("/kassen/rueckmeldungen/") => {
                vec![("erledigt".to_owned(), Owner::Any)]
            }
            ("direction", _) => vec![("nach-unten".to_owned(), Owner::Any)],
            ("*path", _) => vec![("style.css".to_owned(), Owner::Any)],
            _ => panic!(
                "no values for the parameter {{{param}}} of {path}: add them to World::values in tests/it/matrix/world.rs"
            ),
        }
    }

    /// Every concrete path of a template with the owner of its objects (the
    /// most specific owner of its parameters).
    pub fn expand(&self, template: &str) -> Vec<(String, Owner)> {
        let mut out = vec![(String::new(), Owner::Any)];
        let mut rest = template;
        while let Some(start) = rest.find('{') {
            let end = rest[start..]
                .find('}')
                .map(|e| start + e)
                .expect("closing brace");
            let literal = &rest[..start];
            let param = &rest[start + 1..end];
            let values = self.values(template, param);
            out = out
                .into_iter()
                .flat_map(|(prefix, owner)| {
                    values
                        .iter()
                        .map(move |(v, o)| (format!("{prefix}{literal}{v}"), owner.combine(*o)))
                })
                .collect();
            rest = &rest[end + 1..];
        }
        // A form's action may carry its choice in the query.
        let query = match template {
            "/kassen/formularmeldungen/{id}/status" => "?neu=in-bearbeitung",
            _ => "",
        };
        out.into_iter()
            .map(|(p, o)| (format!("{p}{rest}{query}"), o))
            .collect()
    }
}

/// Seeds the world into the data directory and starts the server.
pub async fn start_world() -> (TestServer, World) {
    let mut builder = TestServer::builder();
    let config = builder.config();
    let store = Store::open(&config.data_dir).expect("open store");
    let hasher = PasswordHasher::new(&config.argon2).expect("hasher");
    let hash = hasher.hash_blocking(PASSWORD).expect("hash");
    let now = Timestamp::now();
    let key = SealKey::load_or_create(&config.data_dir).expect("mail key");
    let mailer = Mailer::new("portal@matrix.example", Arc::new(key));
    let world = store
        .write(|tx| {
            let mut org_a = organisation("Blaugraben", "78970");
            org_a.id = store::next_id(tx, "org")?;
            store::orgs::put(tx, &org_a)?;
            let mut org_b = organisation("Grüntal", "78971");
            org_b.id = store::next_id(tx, "org")?;
            store::orgs::put(tx, &org_b)?;
            let mut people = Vec::new();
            let seed = |role: Role, last: &str, email: &str, active: bool| {
                let id = store::accounts::issue_id(tx, &role, now)?;
                let secret = totp::new_secret();
                let mut account = Account::new(
                    id.clone(),
                    role,
                    "Maxi".to_owned(),
                    last.to_owned(),
                    email.to_owned(),
                    jiff::civil::Date::new(1980, 5, 17).ok(),
                    now,
                );
                account.password_hash = Some(hash.clone());
                account.totp_secret = Some(secret.clone());
                account.activated_at = active.then_some(now);
                store::accounts::put(tx, &account)?;
                Ok::<_, store::Error>(TestAccount::new(id.as_str(), PASSWORD, email, &secret))
            };
            let all = Grants {
                mailboxes: GroupMailbox::ALL.to_vec(),
                functions: PortalFunction::ALL.to_vec(),
            };
            let user = |org: u64, grants: Grants| Role::OrgUser { org, grants };
            let roles = [
                (
                    Who::UserANoGrants,
                    user(org_a.id, Grants::default()),
                    "a.ohne",
                ),
                (Who::UserAAllGrants, user(org_a.id, all.clone()), "a.alle"),
                (Who::AdminA, Role::OrgAdmin { org: org_a.id }, "a.admin"),
                (Who::AdminB, Role::OrgAdmin { org: org_b.id }, "b.admin"),
                (
                    Who::Clerk,
                    Role::Kassen {
                        portal_admin: false,
                        sachbearbeitung: vec![Bereich::ALL[0]],
                    },
                    "sachbearbeitung",
                ),
                (
                    Who::Kassen,
                    Role::Kassen {
                        portal_admin: true,
                        sachbearbeitung: Vec::new(),
                    },
                    "portaladmin",
                ),
            ];
            for (who, role, mail) in roles {
                let email = format!("{mail}@matrix.example");
                people.push((who, seed(role, "Rollenkonto", &email, true)?));
            }
            let user_a = seed(
                user(org_a.id, Grants::default()),
                "Zielperson-Anna",
                "ziel.anna@blaugraben.example",
                true,
            )?
            .id;
            let user_b = seed(
                user(org_b.id, Grants::default()),
                "Zielperson-Bernd",
                "ziel.bernd@gruental.example",
                true,
            )?
            .id;
            let admin_target = seed(
                Role::OrgAdmin { org: org_b.id },
                "Zielverwaltung-Xaver",
                "ziel.xaver@gruental.example",
                true,
            )?
            .id;
            let staff_target = seed(
                Role::Kassen {
                    portal_admin: false,
                    sachbearbeitung: vec![Bereich::ALL[0]],
                },
                "Zielpersonal-Kurt",
                "ziel.kurt@kasse.example",
                true,
            )?
            .id;
            let faq = store::faq::next_id(tx)?;
            store::faq::put(
                tx,
                &FaqEntry {
                    id: faq,
                    question: "Matrixfrage-Geheim?".to_owned(),
                    answer: "Antwort.".to_owned(),
                    position: 1_000,
                    created_at: now,
                    updated_at: now,
                },
            )?;
            let feedback = store::feedback::next_id(tx)?;
            store::feedback::put(
                tx,
                &FeedbackEntry {
                    id: feedback,
                    kind: FeedbackKind::Support,
                    subject: "Matrixrueckmeldung-Geheim".to_owned(),
                    text: "Text".to_owned(),
                    email: None,
                    account: None,
                    org: None,
                    created_at: now,
                    done: false,
                },
            )?;
            let mail = store::mail_queue::next_id(tx)?;
            store::mail_queue::insert(
                tx,
                &OutgoingMail {
                    id: mail,
                    to: "ziel.anna@blaugraben.example".to_owned(),
                    subject: "Matrixpost-Geheim".to_owned(),
                    text: "Text".to_owned(),
                    confidential: false,
                    state: MailState::Failed,
                    attempts: 1,
                    created_at: now,
                    next_attempt_at: now,
                    sent_at: None,
                    last_error: None,
                    live_body: false,
                    body_removed: false,
                    valid_until: None,
                    unconfirmed: false,
                },
                b"Subject: Matrixpost-Geheim\r\n\r\nText",
                None,
            )?;
            let account = |who: Option<Who>, id: Option<&str>| {
                let id = id.or_else(|| {
                    people
                        .iter()
                        .find(|(w, _)| Some(*w) == who)
                        .map(|(_, p)| p.id.as_str())
                });
                let id = id.and_then(Nutzerkennung::parse).expect("seeded id");
                store::accounts::get(tx, &id).map(|a| a.expect("seeded account"))
            };
            let submitter_b = seed(
                user(org_b.id, all.clone()),
                "Rollenkonto",
                "b.meldend@matrix.example",
                true,
            )?;
            let (no_grants, all_grants, submitter_b) = (
                account(Some(Who::UserANoGrants), None)?,
                account(Some(Who::UserAAllGrants), None)?,
                account(None, Some(submitter_b.id.as_str()))?,
            );
            let objects = objects::seed(
                tx,
                &mailer,
                [org_a.id, org_b.id],
                &Owners {
                    no_grants: &no_grants,
                    all_grants: &all_grants,
                    submitter_b: &submitter_b,
                },
                now,
            )
            .map_err(|e| store::Error::Corrupt {
                table: "matrix",
                detail: format!("{e:?}"),
            })?;
            Ok::<_, store::Error>(World {
                objects,
                people,
                user_a,
                user_b,
                org_a: org_a.id,
                org_b: org_b.id,
                admin_target,
                staff_target,
                faq,
                feedback,
                mail,
            })
        })
        .expect("seed");
    drop(store);
    (builder.start().await, world)
}

/// The CSRF token of the client's session (any form carries it).
pub async fn csrf_of(client: &Client) -> String {
    let page = client.get("/feedback").await;
    page.assert_status(200);
    page.html()
        .select_attrs("input[name=csrf]", "value")
        .into_iter()
        .next()
        .expect("a CSRF field on /feedback")
}
