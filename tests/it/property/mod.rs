//! Property test: random sequences of actions over HTTP against a fresh
//! server per case — create, grant and withdraw mailboxes and functions,
//! lock, unlock, deactivate, restrict the organisation's mailboxes and
//! functions, lock an administrator, change the Postfach-Konfiguration
//! ("move receipts"), submit a form, send messages with attachments into
//! personal, group and Kassen mailboxes. After every action each viewer (a
//! Nutzer:in of A and of B, both administrators, a Kassen clerk, the
//! Portaladministration) reads every mailbox, every copy of every message
//! and its attachment, both entitled persons, every report (organisation
//! and Kassen side), every user and every group mailbox's settings, and
//! each answer must match the model ([`model`]) of who is entitled at that
//! moment; an allowed answer shows the object, a denied one does not.
//!
//! Cases: `PROPTEST_CASES` (default [`DEFAULT_CASES`] in CI;
//! `tests/reliability-heavy` runs more).

mod check;
mod model;
mod world;

use std::collections::BTreeSet;

use meine_versorgung::domain::org::{Bereich, GroupMailbox, PortalFunction as F};
use proptest::prelude::*;

use crate::support::accounts::organisation;
use model::{Msg, Org, Place, Report, Role, User, ix};
use world::{Answer, ORGS, PERSONS, World, start};

pub const DEFAULT_CASES: u32 = 24;

/// Where the clerk sends a message.
#[derive(Debug, Clone)]
enum Target {
    Group(Org, usize),
    /// Model user n (modulo the users there are).
    Personal(usize),
}

#[derive(Debug, Clone)]
enum Action {
    /// The organisation's administrator creates a Nutzer:in.
    Create(Org),
    /// Grants the n-th user these mailboxes and functions (withdraws the
    /// rest); prerequisites the organisation allows are added.
    Grant(usize, Vec<usize>, Vec<usize>),
    Lock(usize),
    Unlock(usize),
    Deactivate(usize),
    /// The Kassen restrict the organisation's group mailboxes and functions
    /// and register it in Beamtenversorgung (true) or not.
    Restrict(Org, Vec<usize>, Vec<usize>, bool),
    /// The Kassen lock the organisation's administrator.
    LockAdmin(Org),
    /// The administrator sets the Postfach-Konfiguration: receipts into the
    /// group mailbox (true) or the submitter's personal mailbox.
    MoveReceipts(Org, bool),
    /// Nutzer:in 0 or 1 submits a Beamtenformular.
    Submit(usize),
    /// Nutzer:in 0 or 1 writes to the Kassen of a Bereich.
    SendByUser(usize, usize),
    /// The clerk (Beamtenversorgung) writes to a mailbox of a Mitglied.
    SendByClerk(Target),
}

fn action() -> impl Strategy<Value = Action> {
    let org = prop_oneof![Just(Org::A), Just(Org::B)];
    let boxes = proptest::collection::vec(0..GroupMailbox::ALL.len(), 0..3);
    let some_boxes = proptest::collection::vec(0..GroupMailbox::ALL.len(), 1..4);
    let functions = proptest::collection::vec(0..F::ALL.len(), 0..5);
    let user = prop_oneof![3 => 0..2usize, 1 => 0..6usize];
    prop_oneof![
        2 => org.clone().prop_map(Action::Create),
        4 => (user.clone(), boxes, functions.clone())
            .prop_map(|(u, b, f)| Action::Grant(u, b, f)),
        1 => user.clone().prop_map(Action::Lock),
        1 => (0..6usize).prop_map(Action::Unlock),
        1 => (0..6usize).prop_map(Action::Deactivate),
        2 => (org.clone(), some_boxes, functions, prop_oneof![3 => Just(true), 1 => Just(false)])
            .prop_map(|(o, b, f, bv)| Action::Restrict(o, b, f, bv)),
        1 => org.clone().prop_map(Action::LockAdmin),
        3 => (org.clone(), prop_oneof![3 => Just(true), 1 => Just(false)])
            .prop_map(|(o, g)| Action::MoveReceipts(o, g)),
        4 => (0..2usize).prop_map(Action::Submit),
        2 => (0..2usize, 0..Bereich::ALL.len()).prop_map(|(u, b)| Action::SendByUser(u, b)),
        2 => prop_oneof![
            (org, 0..GroupMailbox::ALL.len()).prop_map(|(o, g)| Target::Group(o, g)),
            (0..6usize).prop_map(Target::Personal),
        ]
        .prop_map(Action::SendByClerk),
    ]
}

/// A small PDF holding `marker`.
fn pdf(marker: &str) -> Vec<u8> {
    format!("%PDF-1.7\n% {marker}\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n").into_bytes()
}

/// The message id at the end of a redirect to `/postfach/…/nachricht/{id}?…`.
fn message_id(location: &str) -> Option<u64> {
    let rest = location.split("/nachricht/").nth(1)?;
    rest.split(['?', '/']).next()?.parse().ok()
}

#[track_caller]
fn expect_login(a: &Answer, what: &str) {
    assert!(
        a.status == 303 && a.location.starts_with("/login"),
        "{what}: a dead session must lead to the login page, got {} {}",
        a.status,
        a.location
    );
}

impl World {
    /// Applies `action` through the portal and to the model.
    async fn apply(&mut self, action: &Action) {
        let admin = |o: Org| Role::Admin(o);
        match action {
            Action::Create(o) => {
                if !self.model.org(*o).admin_alive {
                    return;
                }
                self.created += 1;
                let n = self.created;
                let a = self
                    .post(
                        self.viewer(admin(*o)),
                        "/nutzer/neu",
                        &[
                            ("vorname", "Eva".to_owned()),
                            ("name", format!("Zufall-{n}")),
                            ("email", format!("zufall{n}@probe.example")),
                            ("nutzungsbedingungen", "1".to_owned()),
                        ],
                    )
                    .await;
                assert_eq!(a.status, 303, "create: {}", a.location);
                let id = a
                    .location
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
                    mailboxes: BTreeSet::new(),
                    functions: BTreeSet::new(),
                });
            }
            Action::Grant(u, ..) | Action::Lock(u) | Action::Unlock(u) | Action::Deactivate(u) => {
                let u = *u % self.model.users.len();
                let user = self.model.users[u].clone();
                if !user.exists || !self.model.org(user.org).admin_alive {
                    return;
                }
                let v = self.viewer(admin(user.org));
                let base = format!("/nutzer/{}", user.id);
                let a = match action {
                    Action::Grant(_, boxes, functions) => {
                        let (m, f) = self.valid_grants(user.org, boxes, functions);
                        let mut fields = vec![
                            ("vorname", "Eva".to_owned()),
                            ("name", format!("Geaendert-{u}")),
                            ("email", format!("geaendert{u}@probe.example")),
                        ];
                        fields.extend(m.iter().map(|g| ("postfach", g.key().to_owned())));
                        fields.extend(f.iter().map(|x| ("funktion", x.key().to_owned())));
                        let a = self.post(v, &format!("{base}/bearbeiten"), &fields).await;
                        let user = &mut self.model.users[u];
                        (user.mailboxes, user.functions) = (m, f);
                        self.count("grants changed");
                        a
                    }
                    Action::Lock(_) => self.post(v, &format!("{base}/sperren"), &[]).await,
                    Action::Unlock(_) => self.post(v, &format!("{base}/entsperren"), &[]).await,
                    _ => {
                        let confirm = [("bestaetigt", "1".to_owned())];
                        self.post(v, &format!("{base}/deaktivieren"), &confirm)
                            .await
                    }
                };
                assert_eq!(a.status, 303, "{action:?} on {}: {}", user.id, a.location);
                let m = &mut self.model.users[u];
                match action {
                    Action::Lock(_) => m.locked = true,
                    // Unlocking does not bring back an ended session.
                    Action::Deactivate(_) => m.exists = false,
                    _ => {}
                }
            }
            Action::Restrict(o, boxes, functions, bv) => {
                let boxes: BTreeSet<GroupMailbox> =
                    boxes.iter().map(|i| GroupMailbox::ALL[*i]).collect();
                let functions: BTreeSet<F> = functions.iter().map(|i| F::ALL[*i]).collect();
                let (name, number) = ORGS[ix(*o)];
                let org = organisation(name, number);
                let mut fields = vec![
                    ("name", org.name.clone()),
                    ("mitgliedsnummer", org.number.clone()),
                    ("abrechnungsnummer", org.billing_number.clone()),
                    ("anschrift", org.address.clone()),
                    ("zweiter_faktor", "authenticator-app".to_owned()),
                ];
                let bereiche = Bereich::ALL
                    .into_iter()
                    .filter(|b| *bv || *b != Bereich::Beamtenversorgung);
                fields.extend(bereiche.map(|b| ("bereiche", b.key().to_owned())));
                fields.extend(boxes.iter().map(|g| ("postfaecher", g.key().to_owned())));
                fields.extend(functions.iter().map(|f| ("funktionen", f.key().to_owned())));
                let path = format!("/kassen/mitglieder/{}", self.org_ids[ix(*o)]);
                let a = self.post(self.viewer(Role::Kassen), &path, &fields).await;
                assert_eq!(a.status, 303, "restrict: {}", a.location);
                let state = &mut self.model.orgs[ix(*o)];
                (state.mailboxes, state.functions) = (boxes, functions);
                state.in_beamtenversorgung = *bv;
                self.count("restrictions");
            }
            Action::LockAdmin(o) => {
                let path = format!("/kassen/administratoren/{}/sperren", self.admin_ids[ix(*o)]);
                let confirm = [("bestaetigt", "1".to_owned())];
                let a = self.post(self.viewer(Role::Kassen), &path, &confirm).await;
                assert_eq!(a.status, 303, "lock admin: {}", a.location);
                self.model.orgs[ix(*o)].admin_alive = false;
            }
            Action::MoveReceipts(o, group) => {
                let choice = if *group { "gruppe" } else { "persoenlich" };
                let fields = [("quittungen", choice.to_owned())];
                let a = self
                    .post(self.viewer(admin(*o)), "/postfach-konfiguration", &fields)
                    .await;
                let org = self.model.org(*o);
                if !org.admin_alive {
                    return expect_login(&a, "move receipts");
                }
                // Only with the Beamtenformulare function (handbook §1.7);
                // "Gruppenpostfächer" only with the group mailbox
                // Beamtenversorgung (issue 20).
                if !org.functions.contains(&F::Beamtenformulare) {
                    assert_eq!(a.status, 404, "move receipts without forms");
                    return;
                }
                if *group && !org.mailboxes.contains(&GroupMailbox::Beamtenversorgung) {
                    assert_eq!(a.status, 422, "receipts to a disabled mailbox");
                    return;
                }
                assert_eq!(a.status, 303, "move receipts: {}", a.location);
                self.model.orgs[ix(*o)].receipts_to_group = *group;
                self.count("receipts moved");
            }
            Action::Submit(u) => self.submit(*u).await,
            Action::SendByUser(u, b) => {
                let n = self.next_message;
                let bereich = Bereich::ALL[*b];
                let marker = format!("Probenachricht-{n}");
                let fields = [
                    ("betreff", marker.clone()),
                    ("bereich", bereich.key().to_owned()),
                    ("thema", "Allgemeine Anfrage".to_owned()),
                    ("text", "Text".to_owned()),
                ];
                let file = pdf(&format!("Probeanhang-{n}"));
                let path = "/postfach/persoenlich/schreiben";
                let a = self
                    .post_multipart(self.viewer(Role::User(*u)), path, &fields, file)
                    .await;
                if !self.model.alive(Role::User(*u)) {
                    return expect_login(&a, "send");
                }
                self.sent(
                    &a,
                    marker,
                    vec![Place::Personal(*u), Place::Kassen(bereich)],
                );
            }
            Action::SendByClerk(target) => {
                let n = self.next_message;
                let marker = format!("Probenachricht-{n}");
                let mut fields = vec![
                    ("betreff", marker.clone()),
                    ("thema", "Allgemeine Anfrage".to_owned()),
                    ("text", "Text".to_owned()),
                ];
                let (place, deliverable) = match target {
                    Target::Group(o, g) => {
                        let g = GroupMailbox::ALL[*g];
                        fields.push(("mitglied", self.org_ids[ix(*o)].to_string()));
                        fields.push(("gruppenpostfach", g.key().to_owned()));
                        let org = self.model.org(*o);
                        let ok = org.mailboxes.contains(&g) && org.in_beamtenversorgung;
                        (Place::Group(*o, g), ok)
                    }
                    Target::Personal(u) => {
                        let u = *u % self.model.users.len();
                        if !self.model.users[u].exists {
                            return;
                        }
                        fields.push(("nutzer", self.model.users[u].id.clone()));
                        let org = self.model.org(self.model.users[u].org);
                        (Place::Personal(u), org.in_beamtenversorgung)
                    }
                };
                let file = pdf(&format!("Probeanhang-{n}"));
                let path = "/postfach/kasse-beamtenversorgung/schreiben";
                let a = self
                    .post_multipart(self.viewer(Role::Clerk), path, &fields, file)
                    .await;
                if !deliverable {
                    assert_eq!(a.status, 422, "a mailbox the clerk may not write to");
                    self.count("clerk's messages refused");
                    return;
                }
                let kasse = Place::Kassen(Bereich::Beamtenversorgung);
                self.sent(&a, marker, vec![kasse, place]);
            }
        }
    }

    /// The grants an administrator can give within the restrictions: the
    /// requested ones the organisation allows, with their prerequisites
    /// (dropped when a prerequisite is not allowed).
    fn valid_grants(
        &self,
        o: Org,
        boxes: &[usize],
        functions: &[usize],
    ) -> (BTreeSet<GroupMailbox>, BTreeSet<F>) {
        let org = self.model.org(o);
        let mut m: BTreeSet<GroupMailbox> = boxes
            .iter()
            .map(|i| GroupMailbox::ALL[*i])
            .filter(|g| org.mailboxes.contains(g))
            .collect();
        let mut f: BTreeSet<F> = functions
            .iter()
            .map(|i| F::ALL[*i])
            .filter(|x| org.functions.contains(x))
            .collect();
        if !m.is_empty() {
            if org.functions.contains(&F::Postfach) {
                f.insert(F::Postfach);
            } else {
                m.clear();
            }
        }
        let needs = [
            (
                F::PersonendatenBearbeiten,
                &[F::AnspruchsberechtigteAnzeigen][..],
            ),
            (
                F::Beamtenformulare,
                &[F::AnspruchsberechtigteAnzeigen, F::Postfach][..],
            ),
        ];
        for (dependant, prerequisites) in needs {
            if !f.contains(&dependant) {
                continue;
            }
            if prerequisites.iter().all(|p| org.functions.contains(p)) {
                f.extend(prerequisites.iter().copied());
            } else {
                f.remove(&dependant);
            }
        }
        (m, f)
    }

    /// Records a message the portal confirmed as sent (redirect to it).
    #[track_caller]
    fn sent(&mut self, a: &Answer, marker: String, places: Vec<Place>) {
        assert_eq!(a.status, 303, "send: {} {}", a.status, a.location);
        let id = message_id(&a.location).expect("a redirect to the message");
        assert_eq!(id, self.next_message, "message ids ascend by one");
        let n = self.next_message;
        self.next_message += 1;
        self.count("messages sent");
        self.model.messages.push(Msg {
            id,
            places,
            marker,
            attachment: Some(format!("Probeanhang-{n}")),
        });
    }

    /// "Absenden" of a Beamtenformular by Nutzer:in `u` for the person of
    /// its organisation.
    async fn submit(&mut self, u: usize) {
        let role = Role::User(u);
        let org = self.model.users[u].org;
        let fields = [
            ("person", PERSONS[ix(org)].0.to_owned()),
            ("von", "01.03.2024".to_owned()),
            ("bis", "01.04.2024".to_owned()),
        ];
        let a = self
            .post(
                self.viewer(role),
                "/formulare/beurlaubung/absenden",
                &fields,
            )
            .await;
        if !self.model.alive(role) {
            return expect_login(&a, "submit");
        }
        if !self.model.holds(u, F::Beamtenformulare) {
            assert_eq!(a.status, 404, "submit without the function");
            self.count("submits refused (no function)");
            return;
        }
        assert_eq!(a.status, 303, "submit: {}", a.location);
        let id: u64 = a
            .location
            .trim_start_matches("/formulare/meldungen/")
            .split('?')
            .next()
            .and_then(|s| s.parse().ok())
            .expect("a redirect to the report");
        self.model.reports.push(Report { id, org });
        // The receipt goes where the configuration says *now*.
        let place = if self.model.org(org).receipts_to_group {
            self.count("receipts into the group mailbox");
            Place::Group(org, GroupMailbox::Beamtenversorgung)
        } else {
            self.count("receipts into the personal mailbox");
            Place::Personal(u)
        };
        let msg = self.next_message;
        self.next_message += 1;
        self.model.messages.push(Msg {
            id: msg,
            places: vec![place],
            marker: PERSONS[ix(org)].1.to_owned(),
            attachment: None,
        });
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES)
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
    let stats = std::sync::Mutex::new(std::collections::BTreeMap::<&str, usize>::new());
    let started = std::time::Instant::now();
    let result = runner.run(&proptest::collection::vec(action(), 1..12), |actions| {
        rt.block_on(async {
            let mut world = start().await;
            reads.fetch_add(world.check(&[]).await, Ordering::Relaxed);
            for (i, a) in actions.iter().enumerate() {
                world.apply(a).await;
                steps.fetch_add(1, Ordering::Relaxed);
                reads.fetch_add(world.check(&actions[..=i]).await, Ordering::Relaxed);
            }
            if let Ok(mut all) = stats.lock() {
                for (k, n) in &world.stats {
                    *all.entry(k).or_default() += n;
                }
            }
        });
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    eprintln!(
        "property test: {} cases, {} actions, {} reads checked against the model in {:.1?}",
        cases(),
        steps.load(Ordering::Relaxed),
        reads.load(Ordering::Relaxed),
        started.elapsed()
    );
    let effects: Vec<String> = stats
        .lock()
        .map(|s| s.iter().map(|(k, n)| format!("{n} {k}")).collect())
        .unwrap_or_default();
    eprintln!("property test: {}", effects.join(", "));
}
