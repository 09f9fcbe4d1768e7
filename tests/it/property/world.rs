//! The property test's portal: a fresh server per case with two
//! organisations, an entitled civil servant in each, and the viewers'
//! sessions seeded into the store (no TOTP per case); requests carry the
//! session cookie and its CSRF token by hand.

use jiff::Timestamp;
use meine_versorgung::app::passwords::PasswordHasher;
use meine_versorgung::domain::account::{Account, Grants, Role as AccountRole};
use meine_versorgung::domain::org::{Bereich, GroupMailbox, PortalFunction, ReceiptTarget};
use meine_versorgung::domain::secret;
use meine_versorgung::domain::session::{Session, Stage};
use meine_versorgung::store::{self, Store};
use meine_versorgung::web::session::csrf_token;

use super::model::{Model, Org, OrgState, Role, User};
use crate::support::accounts::organisation;
use crate::support::persons::beamter;
use crate::support::{DataDir, TestServer};

/// The entitled person of A and of B (Personalnummer, Name).
pub const PERSONS: [(&str, &str); 2] = [
    ("81000001", "Probeperson-Alma"),
    ("82000002", "Probeperson-Bodo"),
];
pub const ORGS: [(&str, &str); 2] = [("Blaugraben", "78970"), ("Grüntal", "78971")];

/// A signed-in browser of one role, with its session cookie and CSRF token.
pub struct Viewer {
    pub role: Role,
    pub cookie: String,
    pub csrf: String,
}

/// An answer: status, `Location` and body.
pub struct Answer {
    pub status: u16,
    pub location: String,
    pub body: String,
}

pub struct World {
    pub server: TestServer,
    pub http: reqwest::Client,
    pub viewers: Vec<Viewer>,
    pub org_ids: [u64; 2],
    pub admin_ids: [String; 2],
    pub model: Model,
    /// Users created so far (for unique names).
    pub created: usize,
    /// The id the next stored message gets (ids ascend by one; every
    /// message the test sends checks it).
    pub next_message: u64,
    /// How often each kind of effect happened (for the figures).
    pub stats: std::collections::BTreeMap<&'static str, usize>,
}

pub async fn start() -> World {
    let dir = DataDir::new();
    let mut builder = TestServer::builder().data_dir(&dir);
    let config = builder.config();
    let hash = PasswordHasher::new(&config.argon2)
        .expect("hasher")
        .hash_blocking("Blau-Graben!Fluss7Wiese")
        .expect("hash");
    let store = Store::open(dir.path()).expect("store");
    let now = Timestamp::now();
    let (viewers, org_ids, admin_ids, user_ids) = store
        .write(|tx| {
            let key = store::secrets::csrf_key(tx)?;
            let mut ids = [0u64; 2];
            for (i, (name, number)) in ORGS.into_iter().enumerate() {
                let mut org = organisation(name, number);
                org.id = store::next_id(tx, "org")?;
                // B starts with receipts into the group mailbox.
                if i == 1 {
                    org.receipt_target = ReceiptTarget::Group;
                }
                store::orgs::put(tx, &org)?;
                ids[i] = org.id;
                let (pnr, person) = PERSONS[i];
                store::persons::put(tx, &beamter(org.id, pnr, person, "Probe"))?;
            }
            let seed = |name: &'static str, role: AccountRole| {
                let id = store::accounts::issue_id(tx, &role, now)?;
                let mut a = Account::new(
                    id.clone(),
                    role,
                    "Pia".to_owned(),
                    format!("Probe-{name}"),
                    format!("{name}@probe.example"),
                    None,
                    now,
                );
                a.password_hash = Some(hash.clone());
                a.activated_at = Some(now);
                store::accounts::put(tx, &a)?;
                let token = secret::new_token();
                store::sessions::put(
                    tx,
                    &secret::token_hash(&token),
                    &Session {
                        account: id.clone(),
                        stage: Stage::Full,
                        created_at: now,
                        last_seen: now,
                        email_tan: None,
                    },
                )?;
                Ok::<_, store::Error>((id.to_string(), token))
            };
            let user = |org, mailboxes: &[GroupMailbox]| AccountRole::OrgUser {
                org,
                grants: Grants {
                    mailboxes: mailboxes.to_vec(),
                    functions: PortalFunction::ALL.to_vec(),
                },
            };
            let user_a = seed("nutzerin-a", user(ids[0], &GroupMailbox::ALL))?;
            let user_b = seed("nutzerin-b", user(ids[1], &[]))?;
            let admin_a = seed("admin-a", AccountRole::OrgAdmin { org: ids[0] })?;
            let admin_b = seed("admin-b", AccountRole::OrgAdmin { org: ids[1] })?;
            let clerk = seed(
                "sachbearbeitung",
                AccountRole::Kassen {
                    portal_admin: false,
                    sachbearbeitung: vec![Bereich::Beamtenversorgung],
                },
            )?;
            let kassen = seed(
                "portaladmin",
                AccountRole::Kassen {
                    portal_admin: true,
                    sachbearbeitung: Vec::new(),
                },
            )?;
            let viewer = |role, (_, token): &(String, String)| Viewer {
                role,
                cookie: format!("mv_session={token}"),
                csrf: csrf_token(&key, token),
            };
            let viewers = vec![
                viewer(Role::User(0), &user_a),
                viewer(Role::User(1), &user_b),
                viewer(Role::Admin(Org::A), &admin_a),
                viewer(Role::Admin(Org::B), &admin_b),
                viewer(Role::Clerk, &clerk),
                viewer(Role::Kassen, &kassen),
            ];
            Ok::<_, store::Error>((
                viewers,
                ids,
                [admin_a.0.clone(), admin_b.0.clone()],
                [user_a.0.clone(), user_b.0.clone()],
            ))
        })
        .expect("seed");
    drop(store);
    let server = builder.start().await;
    let org = |receipts_to_group| OrgState {
        mailboxes: GroupMailbox::ALL.into_iter().collect(),
        functions: PortalFunction::ALL.into_iter().collect(),
        receipts_to_group,
        admin_alive: true,
        in_beamtenversorgung: true,
    };
    // Nutzer:in A starts with every grant, Nutzer:in B with every function
    // and no group mailbox; the actions take grants away and give them.
    let user = |id: &String, org, mailboxes: &[GroupMailbox]| User {
        id: id.clone(),
        org,
        exists: true,
        locked: false,
        mailboxes: mailboxes.iter().copied().collect(),
        functions: PortalFunction::ALL.into_iter().collect(),
    };
    World {
        server,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        viewers,
        org_ids,
        admin_ids,
        model: Model {
            orgs: [org(false), org(true)],
            users: vec![
                user(&user_ids[0], Org::A, &GroupMailbox::ALL),
                user(&user_ids[1], Org::B, &[]),
            ],
            messages: Vec::new(),
            reports: Vec::new(),
        },
        created: 0,
        next_message: 1,
        stats: Default::default(),
    }
}

impl World {
    pub fn count(&mut self, what: &'static str) {
        *self.stats.entry(what).or_default() += 1;
    }

    /// The viewer of `role`.
    pub fn viewer(&self, role: Role) -> usize {
        self.viewers
            .iter()
            .position(|v| v.role == role)
            .expect("a viewer of the role")
    }

    async fn answer(res: reqwest::Response) -> Answer {
        let status = res.status().as_u16();
        let location = res
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .unwrap_or("")
            .to_owned();
        Answer {
            status,
            location,
            body: res.text().await.unwrap_or_default(),
        }
    }

    pub async fn post(&self, viewer: usize, path: &str, fields: &[(&str, String)]) -> Answer {
        let v = &self.viewers[viewer];
        let mut pairs: Vec<(&str, String)> = vec![("csrf", v.csrf.clone())];
        pairs.extend(fields.iter().cloned());
        let res = self
            .http
            .post(self.server.url(path))
            .header("Cookie", &v.cookie)
            .form(&pairs)
            .send()
            .await
            .expect("POST");
        Self::answer(res).await
    }

    /// A multipart form (Schreiben) with `file` as the attachment "anhang".
    pub async fn post_multipart(
        &self,
        viewer: usize,
        path: &str,
        fields: &[(&str, String)],
        file: Vec<u8>,
    ) -> Answer {
        let v = &self.viewers[viewer];
        let mut form = reqwest::multipart::Form::new().text("csrf", v.csrf.clone());
        for (k, val) in fields {
            form = form.text(k.to_string(), val.clone());
        }
        form = form.part(
            "anhang",
            reqwest::multipart::Part::bytes(file).file_name("Probe.pdf"),
        );
        let res = self
            .http
            .post(self.server.url(path))
            .header("Cookie", &v.cookie)
            .multipart(form)
            .send()
            .await
            .expect("POST multipart");
        Self::answer(res).await
    }

    pub async fn get(&self, viewer: usize, path: &str) -> Answer {
        let res = self
            .http
            .get(self.server.url(path))
            .header("Cookie", &self.viewers[viewer].cookie)
            .send()
            .await
            .expect("GET");
        Self::answer(res).await
    }
}
