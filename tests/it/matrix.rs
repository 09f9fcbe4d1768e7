//! The authorization matrix: every route the router serves (read from the
//! router itself, `web::route_table()`) × every role × own and foreign
//! object ids, GET and POST (with a valid CSRF token of the role's session),
//! checked against ONE declared table of who may do what.
//!
//! Denied: 404 for signed-in roles, a redirect to the login page for
//! anonymous visitors, and in either case none of the seeded objects' data.
//! Allowed: an answer that is neither 404, a login redirect nor a server
//! error.
//!
//! Adding an area (messages, persons, forms, …): add its routes to
//! [`DECLARED`] with their [`Access`], and — when a path has a parameter —
//! its values to [`World::values`] (an own and a foreign object). A route
//! served but not declared fails the test with the line to add.

use jiff::Timestamp;
use meine_versorgung::app::passwords::PasswordHasher;
use meine_versorgung::domain::account::{Account, Grants, Role};
use meine_versorgung::domain::help::{FaqEntry, FeedbackEntry, FeedbackKind};
use meine_versorgung::domain::mail::{MailState, OutgoingMail};
use meine_versorgung::domain::org::{Bereich, GroupMailbox, PortalFunction};
use meine_versorgung::domain::totp;
use meine_versorgung::store::{self, Store};

use crate::support::accounts::{TestAccount, organisation, sign_in};
use crate::support::login::PASSWORD;
use crate::support::{Client, Page, TestServer};

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Public pages and forms: every role gets an answer (not 404).
    Public,
    /// Steps of a flow that needs a token or a pending login (login, setup,
    /// links): the answer depends on the flow; checked for no server error
    /// and no object data only.
    Flow,
    /// Any signed-in account.
    SignedIn,
    /// Accounts of a member organisation (Nutzer:innen and administrators).
    OrgMember,
    /// Administrators, for their own organisation's objects only.
    OrgAdmin,
    /// The Kassen-Portaladministration.
    KassenAdmin,
    /// A Nutzer:in holding the portal function (the matrix's user of A with
    /// every grant), for the own organisation's objects.
    Function,
    /// The Formularmeldungen of the Kassen: Portaladministration and
    /// Sachbearbeitung Beamtenversorgung.
    KassenReports,
    /// The list of one's mailboxes: everyone who has at least one
    /// (Nutzer:innen, administrators, Kassen-Sachbearbeitung).
    Mailboxes,
    /// One mailbox (its path parameter decides who may read it; see
    /// [`Owner`]'s mailbox kinds).
    Mailbox,
}

use Access::*;

/// Every route with who may use it. Keep in step with the router: the test
/// names every route missing here.
pub const DECLARED: &[(&str, &str, Access)] = &[
    ("GET", "/", SignedIn),
    ("POST", "/abmelden", SignedIn),
    ("GET", "/barrierefreiheit", Public),
    ("GET", "/datenschutz", Public),
    ("GET", "/impressum", Public),
    ("GET", "/nutzungsbedingungen", Public),
    ("GET", "/registrieren", Public),
    ("GET", "/einstellungen", SignedIn),
    ("GET", "/einstellungen/passwort", SignedIn),
    ("POST", "/einstellungen/passwort", SignedIn),
    ("GET", "/faq", Public),
    ("GET", "/feedback", Public),
    ("POST", "/feedback", Public),
    ("GET", "/feedback/danke", Public),
    ("GET", "/support", Public),
    ("POST", "/support", Public),
    ("GET", "/support/danke", Public),
    ("GET", "/suche", SignedIn),
    ("GET", "/mitgliederdaten", OrgMember),
    ("GET", "/healthz", Public),
    ("GET", "/readyz", Flow),
    ("GET", "/metrics", Flow),
    ("GET", "/static/{*path}", Public),
    // Access flows
    ("GET", "/login", Flow),
    ("POST", "/login", Flow),
    ("POST", "/login/abbrechen", Flow),
    ("GET", "/login/authenticator", Flow),
    ("POST", "/login/authenticator", Flow),
    ("GET", "/login/tan", Flow),
    ("POST", "/login/tan", Flow),
    ("GET", "/passwort-vergessen", Flow),
    ("POST", "/passwort-vergessen", Flow),
    ("GET", "/passwort-festlegen", Flow),
    ("POST", "/passwort-festlegen", Flow),
    ("GET", "/passwort-festgelegt", Flow),
    ("GET", "/nutzerkennung-vergessen", Flow),
    ("GET", "/nutzerkennung-abrufen", Flow),
    ("POST", "/nutzerkennung-abrufen", Flow),
    ("GET", "/nutzerkennung-abgerufen", Flow),
    ("POST", "/sitzung/verlaengern", SignedIn),
    ("GET", "/setup", Flow),
    ("POST", "/setup", Flow),
    ("GET", "/setup/fertig", Flow),
    // Administration of a member organisation
    ("GET", "/nutzer", OrgAdmin),
    ("GET", "/nutzer/neu", OrgAdmin),
    ("POST", "/nutzer/neu", OrgAdmin),
    ("GET", "/nutzer/{kennung}", OrgAdmin),
    ("GET", "/nutzer/{kennung}/angelegt", OrgAdmin),
    (
        "GET",
        "/nutzer/{kennung}/authenticator-zuruecksetzen",
        OrgAdmin,
    ),
    (
        "POST",
        "/nutzer/{kennung}/authenticator-zuruecksetzen",
        OrgAdmin,
    ),
    ("GET", "/nutzer/{kennung}/bearbeiten", OrgAdmin),
    ("POST", "/nutzer/{kennung}/bearbeiten", OrgAdmin),
    ("GET", "/nutzer/{kennung}/deaktivieren", OrgAdmin),
    ("POST", "/nutzer/{kennung}/deaktivieren", OrgAdmin),
    ("POST", "/nutzer/{kennung}/entsperren", OrgAdmin),
    ("POST", "/nutzer/{kennung}/passwort-email", OrgAdmin),
    ("POST", "/nutzer/{kennung}/sperren", OrgAdmin),
    ("GET", "/gruppenpostfaecher", OrgAdmin),
    ("GET", "/gruppenpostfaecher/{postfach}", OrgAdmin),
    ("GET", "/gruppenpostfaecher/{postfach}/bearbeiten", OrgAdmin),
    (
        "POST",
        "/gruppenpostfaecher/{postfach}/bearbeiten",
        OrgAdmin,
    ),
    ("GET", "/postfach-konfiguration", OrgAdmin),
    ("POST", "/postfach-konfiguration", OrgAdmin),
    ("GET", "/protokoll", OrgAdmin),
    ("GET", "/protokoll.csv", OrgAdmin),
    // Kassen-Portaladministration
    ("GET", "/kassen/mitglieder", KassenAdmin),
    ("GET", "/kassen/mitglieder/neu", KassenAdmin),
    ("POST", "/kassen/mitglieder/neu", KassenAdmin),
    ("GET", "/kassen/mitglieder/{id}", KassenAdmin),
    ("POST", "/kassen/mitglieder/{id}", KassenAdmin),
    (
        "POST",
        "/kassen/mitglieder/{id}/berechtigungen-bereinigen",
        KassenAdmin,
    ),
    ("GET", "/kassen/administratoren", KassenAdmin),
    ("GET", "/kassen/administratoren/neu", KassenAdmin),
    ("POST", "/kassen/administratoren/neu", KassenAdmin),
    ("GET", "/kassen/administratoren/{id}", KassenAdmin),
    ("POST", "/kassen/administratoren/{id}", KassenAdmin),
    ("GET", "/kassen/administratoren/{id}/{action}", KassenAdmin),
    ("POST", "/kassen/administratoren/{id}/{action}", KassenAdmin),
    ("GET", "/kassen/personal", KassenAdmin),
    ("GET", "/kassen/personal/neu", KassenAdmin),
    ("POST", "/kassen/personal/neu", KassenAdmin),
    ("GET", "/kassen/personal/{id}", KassenAdmin),
    ("POST", "/kassen/personal/{id}", KassenAdmin),
    ("GET", "/kassen/personal/{id}/{action}", KassenAdmin),
    ("POST", "/kassen/personal/{id}/{action}", KassenAdmin),
    ("GET", "/kassen/datensicherung", KassenAdmin),
    ("POST", "/kassen/datensicherung", KassenAdmin),
    ("GET", "/kassen/faq", KassenAdmin),
    ("GET", "/kassen/faq/neu", KassenAdmin),
    ("POST", "/kassen/faq/neu", KassenAdmin),
    ("GET", "/kassen/faq/{id}", KassenAdmin),
    ("POST", "/kassen/faq/{id}", KassenAdmin),
    ("GET", "/kassen/faq/{id}/loeschen", KassenAdmin),
    ("POST", "/kassen/faq/{id}/loeschen", KassenAdmin),
    ("POST", "/kassen/faq/{id}/{direction}", KassenAdmin),
    ("GET", "/kassen/postausgang", KassenAdmin),
    ("GET", "/kassen/postausgang/{id}", KassenAdmin),
    ("GET", "/kassen/protokoll", KassenAdmin),
    ("GET", "/kassen/protokoll.csv", KassenAdmin),
    ("GET", "/kassen/rueckmeldungen", KassenAdmin),
    ("GET", "/kassen/rueckmeldungen/{id}", KassenAdmin),
    ("POST", "/kassen/rueckmeldungen/{id}/{action}", KassenAdmin),
    // Functional use (grants) and its Kassen side
    ("GET", "/anspruchsberechtigte", Function),
    ("GET", "/anspruchsberechtigte/{pnr}", Function),
    ("GET", "/anspruchsberechtigte/{pnr}/bearbeiten", Function),
    ("POST", "/anspruchsberechtigte/{pnr}/bearbeiten", Function),
    ("GET", "/formulare", Function),
    ("GET", "/formulare/meldungen/{id}", Function),
    ("GET", "/formulare/meldungen/{id}/pdf", Function),
    ("GET", "/formulare/{formular}", Function),
    ("POST", "/formulare/{formular}", Function),
    ("POST", "/formulare/{formular}/absenden", Function),
    ("GET", "/kassen/datenimport", KassenAdmin),
    ("POST", "/kassen/datenimport", KassenAdmin),
    ("GET", "/kassen/formularmeldungen", KassenReports),
    ("GET", "/kassen/formularmeldungen/{id}", KassenReports),
    ("GET", "/kassen/formularmeldungen/{id}/pdf", KassenReports),
    (
        "POST",
        "/kassen/formularmeldungen/{id}/status",
        KassenReports,
    ),
    // Messaging
    ("GET", "/postfach", Mailboxes),
    ("GET", "/postfach/{postfach}", Mailbox),
    ("GET", "/postfach/{postfach}/nachricht/{id}", Mailbox),
    (
        "POST",
        "/postfach/{postfach}/nachricht/{id}/aktion/{aktion}",
        Mailbox,
    ),
    (
        "GET",
        "/postfach/{postfach}/nachricht/{id}/anhang/{nr}",
        Mailbox,
    ),
    (
        "GET",
        "/postfach/{postfach}/nachricht/{id}/antworten",
        Mailbox,
    ),
    (
        "POST",
        "/postfach/{postfach}/nachricht/{id}/antworten",
        Mailbox,
    ),
    ("GET", "/postfach/{postfach}/schreiben", Mailbox),
    ("POST", "/postfach/{postfach}/schreiben", Mailbox),
];

/// The roles of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Anonymous,
    UserANoGrants,
    UserAAllGrants,
    AdminA,
    AdminB,
    /// Kassen-Sachbearbeitung of one Bereich, not Portaladministration.
    Clerk,
    Kassen,
}

pub const ROLES: [Who; 7] = [
    Who::Anonymous,
    Who::UserANoGrants,
    Who::UserAAllGrants,
    Who::AdminA,
    Who::AdminB,
    Who::Clerk,
    Who::Kassen,
];

/// Whose object a path parameter names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// Not tied to an organisation (a group mailbox kind, an action word).
    Any,
    OrgA,
    OrgB,
    /// An object of the Kassen (FAQ, feedback, mail, Kassen staff).
    Kassen,
    /// An id that does not exist: 404 for everybody.
    Missing,
    /// The personal mailbox of whoever asks.
    PersonalMailbox,
    /// The group mailbox Administration of the asker's organisation.
    AdministrationMailbox,
    /// The group mailbox Beihilfe of the asker's organisation.
    BeihilfeMailbox,
    /// The Kassenpostfach of the Bereich the matrix's clerk handles.
    KassenMailbox,
    /// The Kassenpostfach of a Bereich the clerk does not handle.
    OtherKassenMailbox,
}

/// Data of the seeded objects that no denied answer may contain.
const MARKERS: &[&str] = &[
    "Zielperson-Anna",
    "Zielperson-Bernd",
    "Zielverwaltung-Xaver",
    "Zielpersonal-Kurt",
    "Matrixfrage-Geheim",
    "Matrixrueckmeldung-Geheim",
    "Matrixpost-Geheim",
    "ziel.anna@blaugraben.example",
    "ziel.bernd@gruental.example",
];

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
}

impl World {
    /// The values of a path parameter: (value, whose object it is).
    pub fn values(&self, method: &str, path: &str, param: &str) -> Vec<(String, Owner)> {
        let missing = |v: &str| (v.to_owned(), Owner::Missing);
        match (param, path) {
            ("kennung", _) => vec![
                (self.user_a.clone(), Owner::OrgA),
                (self.user_b.clone(), Owner::OrgB),
                missing("S99999999999"),
            ],
            ("postfach", p) if p.starts_with("/postfach/") => vec![
                ("persoenlich".to_owned(), Owner::PersonalMailbox),
                (
                    GroupMailbox::Administration.key().to_owned(),
                    Owner::AdministrationMailbox,
                ),
                (
                    GroupMailbox::Beihilfe.key().to_owned(),
                    Owner::BeihilfeMailbox,
                ),
                (
                    format!("kasse-{}", Bereich::ALL[0].key()),
                    Owner::KassenMailbox,
                ),
                (
                    format!("kasse-{}", Bereich::ALL[2].key()),
                    Owner::OtherKassenMailbox,
                ),
                missing("gibt-es-nicht"),
            ],
            ("postfach", _) => vec![(GroupMailbox::ALL[0].key().to_owned(), Owner::Any)],
            // Messages, attachments, persons and reports: the dedicated tests
            // (messaging, persons, forms) try own and foreign objects; here
            // every role must get 404 for an id that does not exist.
            ("id", p) if p.starts_with("/postfach/") => vec![missing("999999")],
            ("nr", _) => vec![missing("99")],
            ("aktion", _) => vec![("wichtig".to_owned(), Owner::Any)],
            ("pnr", _) => vec![missing("99999999")],
            ("id", p)
                if p.starts_with("/formulare/") || p.starts_with("/kassen/formularmeldungen/") =>
            {
                vec![missing("999999")]
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
            // The confirmation page exists for "deaktivieren" only.
            ("action", _) if method == "GET" => vec![("deaktivieren".to_owned(), Owner::Any)],
            ("action", _) => vec![("sperren".to_owned(), Owner::Any)],
            ("direction", _) => vec![("nach-unten".to_owned(), Owner::Any)],
            ("*path", _) => vec![("style.css".to_owned(), Owner::Any)],
            _ => panic!(
                "no values for the parameter {{{param}}} of {path}: add them to World::values in tests/it/matrix.rs"
            ),
        }
    }

    /// Every concrete path of a template with the owner of its objects (the
    /// most specific owner of its parameters).
    pub fn expand(&self, method: &str, template: &str) -> Vec<(String, Owner)> {
        let mut out = vec![(String::new(), Owner::Any)];
        let mut rest = template;
        while let Some(start) = rest.find('{') {
            let end = rest[start..]
                .find('}')
                .map(|e| start + e)
                .expect("closing brace");
            let literal = &rest[..start];
            let param = &rest[start + 1..end];
            let values = self.values(method, template, param);
            out = out
                .into_iter()
                .flat_map(|(prefix, owner)| {
                    values.iter().map(move |(v, o)| {
                        let owner = if *o == Owner::Any { owner } else { *o };
                        (format!("{prefix}{literal}{v}"), owner)
                    })
                })
                .collect();
            rest = &rest[end + 1..];
        }
        out.into_iter()
            .map(|(p, o)| (format!("{p}{rest}"), o))
            .collect()
    }
}

/// Whether `who` may use a route of `access` on an object of `owner`.
pub fn allowed(access: Access, who: Who, owner: Owner) -> Option<bool> {
    use Who::*;
    if owner == Owner::Missing && !matches!(access, Public | Flow) {
        return Some(false);
    }
    Some(match access {
        Flow => return None,
        Public => true,
        SignedIn => who != Anonymous,
        OrgMember => matches!(who, UserANoGrants | UserAAllGrants | AdminA | AdminB),
        OrgAdmin => match who {
            AdminA => matches!(owner, Owner::Any | Owner::OrgA),
            AdminB => matches!(owner, Owner::Any | Owner::OrgB),
            _ => false,
        },
        KassenAdmin => who == Kassen,
        Function => who == UserAAllGrants && matches!(owner, Owner::Any | Owner::OrgA),
        // The matrix's clerk handles Bereich::ALL[0], Beamtenversorgung.
        KassenReports => matches!(who, Kassen | Clerk),
        Mailboxes => matches!(
            who,
            UserANoGrants | UserAAllGrants | AdminA | AdminB | Clerk
        ),
        Mailbox => match owner {
            Owner::PersonalMailbox => matches!(who, UserANoGrants | UserAAllGrants),
            Owner::AdministrationMailbox => matches!(who, UserAAllGrants | AdminA | AdminB),
            Owner::BeihilfeMailbox => who == UserAAllGrants,
            Owner::KassenMailbox => who == Clerk,
            _ => false,
        },
    })
}

/// Seeds the world into the data directory and starts the server.
pub async fn start_world() -> (TestServer, World) {
    let mut builder = TestServer::builder();
    let config = builder.config();
    let store = Store::open(&config.data_dir).expect("open store");
    let hasher = PasswordHasher::new(&config.argon2).expect("hasher");
    let hash = hasher.hash_blocking(PASSWORD).expect("hash");
    let now = Timestamp::now();
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
            Ok::<_, store::Error>(World {
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

/// The order of the requests: GETs first, then POSTs; those that end an
/// object, then the flows (a login page can end a session) and the logout
/// last.
fn rank(method: &str, path: &str, access: Access) -> u8 {
    if path == "/abmelden" {
        4
    } else if access == Flow {
        3
    } else if method == "GET" {
        0
    } else if path.ends_with("/deaktivieren") || path.ends_with("/loeschen") {
        2
    } else {
        1
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_every_role_as_declared() {
    let routed: Vec<(String, String)> = meine_versorgung::web::route_table()
        .into_iter()
        .map(|(m, p)| (m.to_string(), p))
        .collect();
    // Every routed path is declared, and every declared one is routed.
    let missing: Vec<String> = routed
        .iter()
        .filter(|(m, p)| !DECLARED.iter().any(|(dm, dp, _)| dm == m && dp == p))
        .map(|(m, p)| format!("    (\"{m}\", \"{p}\", <Access>),"))
        .collect();
    assert!(
        missing.is_empty(),
        "routes served but missing from the declared table DECLARED in tests/it/matrix.rs \
         (declare who may use each):\n{}",
        missing.join("\n")
    );
    let stale: Vec<_> = DECLARED
        .iter()
        .filter(|(dm, dp, _)| !routed.iter().any(|(m, p)| m == dm && p == dp))
        .collect();
    assert!(stale.is_empty(), "declared but not routed: {stale:?}");

    let (server, world) = start_world().await;
    let mut clients = Vec::new();
    for who in ROLES {
        let client = server.client();
        if let Some((_, person)) = world.people.iter().find(|(w, _)| *w == who) {
            sign_in(&client, person).await;
        }
        let csrf = csrf_of(&client).await;
        clients.push((who, client, csrf));
    }

    let mut requests = 0usize;
    let mut failures = Vec::new();
    let mut order: Vec<(&str, String, Owner, Access)> = DECLARED
        .iter()
        .flat_map(|(method, template, access)| {
            world
                .expand(method, template)
                .into_iter()
                .map(move |(path, owner)| (*method, path, owner, *access))
        })
        .collect();
    order.sort_by_key(|(method, path, _, access)| rank(method, path, *access));
    for (method, path, owner, access) in order {
        {
            for (who, client, csrf) in &clients {
                let page = if method == "GET" {
                    client.get(&path).await
                } else {
                    client.post_form(&path, &[("csrf", csrf)]).await
                };
                requests += 1;
                if let Some(problem) = judge(&page, *who, allowed(access, *who, owner)) {
                    failures.push(format!("{method} {path} as {who:?} ({owner:?}): {problem}"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {requests} requests broke the declared table:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!(
        "authorization matrix: {} routes × {} roles, {requests} requests (own, foreign and missing ids)",
        DECLARED.len(),
        ROLES.len()
    );
}

/// `None` when the answer fits the expectation, else what is wrong.
fn judge(page: &Page, who: Who, expected: Option<bool>) -> Option<String> {
    if page.status >= 500 {
        return Some(format!("server error {}", page.status));
    }
    let to_login = page.status == 303
        && page
            .location
            .as_deref()
            .is_some_and(|l| l.starts_with("/login"));
    let denied = page.status == 404 || to_login;
    // The one right way to deny: the login page for anonymous visitors,
    // 404 for everybody signed in.
    let denied_properly = if who == Who::Anonymous {
        to_login
    } else {
        page.status == 404
    };
    if expected == Some(false) && denied && !denied_properly {
        return Some(format!(
            "denied the wrong way: {} {:?}",
            page.status, page.location
        ));
    }
    match expected {
        Some(true) if denied => Some(format!(
            "allowed, but answered {} {:?}",
            page.status, page.location
        )),
        Some(false) if !denied => Some(format!(
            "must be denied (404 / login), but answered {} {:?}",
            page.status, page.location
        )),
        Some(false) | None => MARKERS
            .iter()
            .find(|m| denied && page.body.contains(*m))
            .map(|m| format!("a denied answer contains {m:?}")),
        Some(true) => None,
    }
}
