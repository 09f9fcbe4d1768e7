//! Property test: random sequences of administrative actions (create,
//! grant, withdraw, lock, unlock, deactivate, restrict the organisation,
//! lock an administrator) over HTTP against a fresh server per case. After
//! every action each viewer (a Nutzer:in and both administrators of A and B,
//! a Kassen clerk, the Portaladministration) reads every user and every
//! group mailbox settings page, and the answers must match a model of who
//! is entitled at that moment.
//!
//! Sessions are seeded into the store (no TOTP per case); requests carry the
//! session cookie and its CSRF token by hand. Cases: `PROPTEST_CASES`
//! (default 12 in CI; `tests/reliability-heavy` runs more).

use std::collections::BTreeSet;

use jiff::Timestamp;
use meine_versorgung::app::passwords::PasswordHasher;
use meine_versorgung::domain::account::{Account, Grants, Role};
use meine_versorgung::domain::org::{Bereich, GroupMailbox, PortalFunction};
use meine_versorgung::domain::secret;
use meine_versorgung::domain::session::{Session, Stage};
use meine_versorgung::store::{self, Store};
use meine_versorgung::web::session::csrf_token;
use proptest::prelude::*;

use crate::support::accounts::organisation;
use crate::support::{DataDir, TestServer};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Org {
    A,
    B,
}

#[derive(Debug, Clone)]
enum Action {
    /// The organisation's administrator creates a Nutzer:in.
    Create(Org),
    /// Grants (or withdraws, when empty) mailboxes of the n-th user.
    Grant(usize, Vec<usize>),
    Lock(usize),
    Unlock(usize),
    Deactivate(usize),
    /// The Kassen restrict the organisation's group mailboxes.
    Restrict(Org, Vec<usize>),
    /// The Kassen lock the organisation's administrator.
    LockAdmin(Org),
}

fn action() -> impl Strategy<Value = Action> {
    let org = prop_oneof![Just(Org::A), Just(Org::B)];
    let boxes = proptest::collection::vec(0..GroupMailbox::ALL.len(), 0..3);
    let some_boxes = proptest::collection::vec(0..GroupMailbox::ALL.len(), 1..4);
    prop_oneof![
        3 => org.clone().prop_map(Action::Create),
        2 => (0..6usize, boxes).prop_map(|(u, b)| Action::Grant(u, b)),
        2 => (0..6usize).prop_map(Action::Lock),
        1 => (0..6usize).prop_map(Action::Unlock),
        1 => (0..6usize).prop_map(Action::Deactivate),
        2 => (org.clone(), some_boxes).prop_map(|(o, b)| Action::Restrict(o, b)),
        1 => org.prop_map(Action::LockAdmin),
    ]
}

/// A user of the model: the viewer Nutzer:in is user 0.
#[derive(Debug, Clone)]
struct User {
    id: String,
    org: Org,
    exists: bool,
    /// Locked once: its session ended (unlocking does not revive it).
    locked: bool,
}

struct Model {
    users: Vec<User>,
    enabled: [BTreeSet<usize>; 2],
    admin_alive: [bool; 2],
}

/// A signed-in browser of one role, with its session cookie and CSRF token.
struct Viewer {
    name: &'static str,
    /// The organisation whose users and mailboxes it may read, if any.
    admin_of: Option<Org>,
    /// The model user it is (the Nutzer:in), if any.
    user: Option<usize>,
    cookie: String,
    csrf: String,
}

struct World {
    server: TestServer,
    http: reqwest::Client,
    viewers: Vec<Viewer>,
    org_ids: [u64; 2],
    admin_ids: [String; 2],
    model: Model,
    created: usize,
}

fn ix(o: Org) -> usize {
    match o {
        Org::A => 0,
        Org::B => 1,
    }
}

async fn start() -> World {
    let dir = DataDir::new();
    let mut builder = TestServer::builder().data_dir(&dir);
    let config = builder.config();
    let hash = PasswordHasher::new(&config.argon2)
        .expect("hasher")
        .hash_blocking("Blau-Graben!Fluss7Wiese")
        .expect("hash");
    let store = Store::open(dir.path()).expect("store");
    let now = Timestamp::now();
    let (viewers, org_ids, admin_ids, user0) = store
        .write(|tx| {
            let key = store::secrets::csrf_key(tx)?;
            let mut ids = [0u64; 2];
            for (i, (name, number)) in [("Blaugraben", "78970"), ("Grüntal", "78971")]
                .into_iter()
                .enumerate()
            {
                let mut org = organisation(name, number);
                org.id = store::next_id(tx, "org")?;
                store::orgs::put(tx, &org)?;
                ids[i] = org.id;
            }
            let seed = |name: &'static str, role: Role| {
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
            let user = seed(
                "nutzerin",
                Role::OrgUser {
                    org: ids[0],
                    grants: Grants::default(),
                },
            )?;
            let admin_a = seed("admin-a", Role::OrgAdmin { org: ids[0] })?;
            let admin_b = seed("admin-b", Role::OrgAdmin { org: ids[1] })?;
            let clerk = seed(
                "sachbearbeitung",
                Role::Kassen {
                    portal_admin: false,
                    sachbearbeitung: vec![Bereich::ALL[0]],
                },
            )?;
            let kassen = seed(
                "portaladmin",
                Role::Kassen {
                    portal_admin: true,
                    sachbearbeitung: Vec::new(),
                },
            )?;
            let viewer = |name, admin_of, user, (_, token): &(String, String)| Viewer {
                name,
                admin_of,
                user,
                cookie: format!("mv_session={token}"),
                csrf: csrf_token(&key, token),
            };
            let viewers = vec![
                viewer("Nutzer:in A", None, Some(0), &user),
                viewer("Admin A", Some(Org::A), None, &admin_a),
                viewer("Admin B", Some(Org::B), None, &admin_b),
                viewer("Sachbearbeitung", None, None, &clerk),
                viewer("Portaladministration", None, None, &kassen),
            ];
            Ok::<_, store::Error>((
                viewers,
                ids,
                [admin_a.0.clone(), admin_b.0.clone()],
                user.0.clone(),
            ))
        })
        .expect("seed");
    drop(store);
    let server = builder.start().await;
    let all: BTreeSet<usize> = (0..GroupMailbox::ALL.len()).collect();
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
            users: vec![User {
                id: user0,
                org: Org::A,
                exists: true,
                locked: false,
            }],
            enabled: [all.clone(), all],
            admin_alive: [true, true],
        },
        created: 0,
    }
}

impl World {
    async fn post(&self, viewer: usize, path: &str, fields: &[(&str, String)]) -> (u16, String) {
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
        let status = res.status().as_u16();
        let location = res
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .unwrap_or("")
            .to_owned();
        (status, location)
    }

    async fn get(&self, viewer: usize, path: &str) -> (u16, String) {
        let res = self
            .http
            .get(self.server.url(path))
            .header("Cookie", &self.viewers[viewer].cookie)
            .send()
            .await
            .expect("GET");
        let status = res.status().as_u16();
        (status, res.text().await.unwrap_or_default())
    }

    fn viewer_alive(&self, v: usize) -> bool {
        let viewer = &self.viewers[v];
        match (viewer.admin_of, viewer.user) {
            (Some(o), _) => self.model.admin_alive[ix(o)],
            (_, Some(u)) => {
                let u = &self.model.users[u];
                u.exists && !u.locked
            }
            _ => true,
        }
    }

    /// Applies `action` through the portal and to the model.
    async fn apply(&mut self, action: &Action) {
        let admin_viewer = |o: Org| 1 + ix(o);
        match action {
            Action::Create(o) => {
                if !self.model.admin_alive[ix(*o)] {
                    return;
                }
                self.created += 1;
                let n = self.created;
                let (status, location) = self
                    .post(
                        admin_viewer(*o),
                        "/nutzer/neu",
                        &[
                            ("vorname", "Eva".to_owned()),
                            ("name", format!("Zufall-{n}")),
                            ("email", format!("zufall{n}@probe.example")),
                            ("nutzungsbedingungen", "1".to_owned()),
                        ],
                    )
                    .await;
                assert_eq!(status, 303, "create: {location}");
                let id = location
                    .trim_start_matches("/nutzer/")
                    .split('/')
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                self.model.users.push(User {
                    id,
                    org: *o,
                    exists: true,
                    locked: false,
                });
            }
            Action::Grant(u, _) | Action::Lock(u) | Action::Unlock(u) | Action::Deactivate(u) => {
                let Some(user) = self.model.users.get(*u % self.model.users.len()).cloned() else {
                    return;
                };
                let u = *u % self.model.users.len();
                if !user.exists || !self.model.admin_alive[ix(user.org)] {
                    return;
                }
                let admin = admin_viewer(user.org);
                let base = format!("/nutzer/{}", user.id);
                let (status, location) = match action {
                    Action::Grant(_, boxes) => {
                        let enabled = &self.model.enabled[ix(user.org)];
                        let mut fields = vec![
                            ("vorname", "Eva".to_owned()),
                            ("name", format!("Geaendert-{u}")),
                            ("email", format!("geaendert{u}@probe.example")),
                        ];
                        for b in boxes.iter().filter(|b| enabled.contains(b)) {
                            fields.push(("postfach", GroupMailbox::ALL[*b].key().to_owned()));
                        }
                        if fields.len() > 3 {
                            // Mailboxes go with the Postfachfunktionalität.
                            fields.push(("funktion", PortalFunction::Postfach.key().to_owned()));
                        }
                        self.post(admin, &format!("{base}/bearbeiten"), &fields)
                            .await
                    }
                    Action::Lock(_) => self.post(admin, &format!("{base}/sperren"), &[]).await,
                    Action::Unlock(_) => self.post(admin, &format!("{base}/entsperren"), &[]).await,
                    _ => {
                        self.post(
                            admin,
                            &format!("{base}/deaktivieren"),
                            &[("bestaetigt", "1".to_owned())],
                        )
                        .await
                    }
                };
                assert_eq!(status, 303, "{action:?} on {}: {location}", user.id);
                let m = &mut self.model.users[u];
                match action {
                    Action::Lock(_) => m.locked = true,
                    // Unlocking does not bring back an ended session.
                    Action::Deactivate(_) => m.exists = false,
                    _ => {}
                }
            }
            Action::Restrict(o, boxes) => {
                let keys: BTreeSet<usize> = boxes.iter().copied().collect();
                let org = organisation(
                    ["Blaugraben", "Grüntal"][ix(*o)],
                    ["78970", "78971"][ix(*o)],
                );
                let mut fields = vec![
                    ("name", org.name.clone()),
                    ("mitgliedsnummer", org.number.clone()),
                    ("abrechnungsnummer", org.billing_number.clone()),
                    ("anschrift", org.address.clone()),
                    ("zweiter_faktor", "authenticator-app".to_owned()),
                ];
                for b in Bereich::ALL {
                    fields.push(("bereiche", b.key().to_owned()));
                }
                for k in &keys {
                    fields.push(("postfaecher", GroupMailbox::ALL[*k].key().to_owned()));
                }
                for f in PortalFunction::ALL {
                    fields.push(("funktionen", f.key().to_owned()));
                }
                let path = format!("/kassen/mitglieder/{}", self.org_ids[ix(*o)]);
                let (status, location) = self.post(4, &path, &fields).await;
                assert_eq!(status, 303, "restrict: {location}");
                self.model.enabled[ix(*o)] = keys;
            }
            Action::LockAdmin(o) => {
                let path = format!("/kassen/administratoren/{}/sperren", self.admin_ids[ix(*o)]);
                let (status, location) =
                    self.post(4, &path, &[("bestaetigt", "1".to_owned())]).await;
                assert_eq!(status, 303, "lock admin: {location}");
                self.model.admin_alive[ix(*o)] = false;
            }
        }
    }

    /// Every viewer reads every user and mailbox page; returns the number of
    /// reads, failing on the first one that contradicts the model.
    async fn check(&self, after: &[Action]) -> usize {
        let mut reads = 0;
        for (v, viewer) in self.viewers.iter().enumerate() {
            let alive = self.viewer_alive(v);
            let (status, _) = self.get(v, "/einstellungen").await;
            assert_eq!(
                status == 200,
                alive,
                "{} signed in = {}, /einstellungen {status}, after {after:?}",
                viewer.name,
                alive
            );
            for user in &self.model.users {
                let may = alive
                    && user.exists
                    && viewer.admin_of == Some(user.org)
                    && self.model.admin_alive[ix(user.org)];
                let (status, body) = self.get(v, &format!("/nutzer/{}", user.id)).await;
                reads += 1;
                assert_eq!(
                    status == 200,
                    may,
                    "{} reading user {} ({:?}): {status}, after {after:?}",
                    viewer.name,
                    user.id,
                    user.org
                );
                if !may {
                    assert!(
                        !body.contains(&user.id),
                        "a denied answer names {}",
                        user.id
                    );
                }
            }
            for (i, m) in GroupMailbox::ALL.iter().enumerate() {
                let may = alive
                    && viewer
                        .admin_of
                        .is_some_and(|o| self.model.enabled[ix(o)].contains(&i));
                let (status, _) = self
                    .get(v, &format!("/gruppenpostfaecher/{}", m.key()))
                    .await;
                reads += 1;
                assert_eq!(
                    status == 200,
                    may,
                    "{} reading mailbox settings {}: {status}, after {after:?}",
                    viewer.name,
                    m.key()
                );
            }
        }
        reads
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12)
}

#[test]
fn nobody_reads_what_they_are_not_entitled_to_at_that_moment() {
    use proptest::test_runner::{Config, TestRunner};
    use std::sync::atomic::{AtomicUsize, Ordering};
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        max_shrink_iters: 32,
        failure_persistence: None,
        ..Config::default()
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (reads, steps) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let result = runner.run(&proptest::collection::vec(action(), 1..9), |actions| {
        rt.block_on(async {
            let mut world = start().await;
            reads.fetch_add(world.check(&[]).await, Ordering::Relaxed);
            for (i, a) in actions.iter().enumerate() {
                world.apply(a).await;
                steps.fetch_add(1, Ordering::Relaxed);
                reads.fetch_add(world.check(&actions[..=i]).await, Ordering::Relaxed);
            }
        });
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    eprintln!(
        "property test: {} cases, {} administrative actions, {} reads checked against the model",
        cases(),
        steps.load(Ordering::Relaxed),
        reads.load(Ordering::Relaxed)
    );
}
