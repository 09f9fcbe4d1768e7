//! The authorization matrix: every route the router serves (read from the
//! route list the router is built from, `web::route_table()`) × every role × own and foreign
//! object ids, GET and POST (with a valid CSRF token of the role's session),
//! checked against ONE declared table of who may do what.
//!
//! Denied: 404 for signed-in roles, a redirect to the login page for
//! anonymous visitors, and in either case none of the seeded objects' data.
//! Allowed: an answer that is neither 404, a login redirect nor a server
//! error; a page of one seeded message, attachment, person or report shows
//! it (its marker text).
//!
//! Messages are tried by id under every mailbox slug: a message opens only
//! in the mailbox it lies in, as the slug names it for the asker. On every
//! answer, allowed or not, no object marker appears that the role may not
//! see anywhere ([`objects::entitled`]).
//!
//! Adding an area (messages, persons, forms, …): add its routes to
//! [`DECLARED`] with their [`Access`], and — when a path has a parameter —
//! its values to [`World::values`] (an own and a foreign object). A route
//! served but not declared fails the test with the line to add.

mod objects;
mod world;

use objects::{Place, Slug};
pub use world::{World, csrf_of, start_world};

use crate::support::Page;
use crate::support::accounts::sign_in;

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
    ("GET", "/nutzer/berechtigungen-pruefen", OrgAdmin),
    (
        "POST",
        "/nutzer/berechtigungen-pruefen/bestaetigen",
        OrgAdmin,
    ),
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
    ("GET", "/kassen/administratoren/{id}/angelegt", KassenAdmin),
    (
        "GET",
        "/kassen/administratoren/{id}/deaktivieren",
        KassenAdmin,
    ),
    ("POST", "/kassen/administratoren/{id}/sperren", KassenAdmin),
    (
        "POST",
        "/kassen/administratoren/{id}/entsperren",
        KassenAdmin,
    ),
    (
        "POST",
        "/kassen/administratoren/{id}/passwort-email",
        KassenAdmin,
    ),
    (
        "POST",
        "/kassen/administratoren/{id}/zweiter-faktor-email",
        KassenAdmin,
    ),
    (
        "POST",
        "/kassen/administratoren/{id}/zweiter-faktor-app",
        KassenAdmin,
    ),
    (
        "POST",
        "/kassen/administratoren/{id}/authenticator-zuruecksetzen",
        KassenAdmin,
    ),
    (
        "POST",
        "/kassen/administratoren/{id}/deaktivieren",
        KassenAdmin,
    ),
    ("GET", "/kassen/personal", KassenAdmin),
    ("GET", "/kassen/personal/neu", KassenAdmin),
    ("POST", "/kassen/personal/neu", KassenAdmin),
    ("GET", "/kassen/personal/{id}", KassenAdmin),
    ("POST", "/kassen/personal/{id}", KassenAdmin),
    ("GET", "/kassen/personal/{id}/deaktivieren", KassenAdmin),
    ("POST", "/kassen/personal/{id}/sperren", KassenAdmin),
    ("POST", "/kassen/personal/{id}/entsperren", KassenAdmin),
    ("POST", "/kassen/personal/{id}/passwort-email", KassenAdmin),
    (
        "POST",
        "/kassen/personal/{id}/zweiter-faktor-email",
        KassenAdmin,
    ),
    (
        "POST",
        "/kassen/personal/{id}/zweiter-faktor-app",
        KassenAdmin,
    ),
    (
        "POST",
        "/kassen/personal/{id}/authenticator-zuruecksetzen",
        KassenAdmin,
    ),
    ("POST", "/kassen/personal/{id}/deaktivieren", KassenAdmin),
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
    ("GET", "/postfach/{postfach}/nachricht/{id}/pdf", Mailbox),
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
    /// A mailbox slug (`/postfach/{postfach}`), read as the asker's own.
    Mailbox(Slug),
    /// A seeded message id, before it is combined with its slug.
    Stored(Place),
    /// A seeded message asked for under a mailbox slug.
    Message(Slug, Place),
}

impl Owner {
    /// The owner of a path after a parameter with owner `next`: a missing
    /// part makes the whole path missing; a message id under a slug is a
    /// message as seen through that slug; otherwise the most specific wins.
    pub fn combine(self, next: Owner) -> Owner {
        match (self, next) {
            (Owner::Missing, _) | (_, Owner::Missing) => Owner::Missing,
            (Owner::Mailbox(s), Owner::Stored(p)) => Owner::Message(s, p),
            (prev, Owner::Any) => prev,
            (_, next) => next,
        }
    }
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
            Owner::Mailbox(s) => objects::reach(who, s).is_some(),
            Owner::Message(s, p) => objects::reach(who, s) == Some(p),
            _ => false,
        },
    })
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
        "routes served but missing from the declared table DECLARED in tests/it/matrix/mod.rs \
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
    let entitled = objects::entitled();
    let mut order: Vec<(&str, &str, String, Owner, Access)> = DECLARED
        .iter()
        .flat_map(|(method, template, access)| {
            world
                .expand(template)
                .into_iter()
                .map(move |(path, owner)| (*method, *template, path, owner, *access))
        })
        .collect();
    order.sort_by_key(|(method, _, path, _, access)| rank(method, path, *access));
    let started = std::time::Instant::now();
    // The search over messages: every role finds exactly the seeded
    // messages of the mailboxes it reaches, nothing else.
    for (who, client, _) in &clients {
        let page = client.get("/suche?q=Matrixnachricht").await;
        requests += 1;
        let reached: Vec<Place> = objects::PLACES
            .into_iter()
            .filter(|p| {
                objects::SLUGS
                    .iter()
                    .any(|s| objects::reach(*who, *s) == Some(*p))
            })
            .collect();
        let expected = if *who == Who::Anonymous {
            Some(false)
        } else {
            Some(true)
        };
        let mut problem = judge(&page, *who, expected);
        if problem.is_none() && *who != Who::Anonymous {
            problem = reached
                .iter()
                .map(|p| objects::subject(*p))
                .find(|m| !page.body.contains(m.as_str()))
                .map(|m| format!("the search does not find {m:?}"));
        }
        if problem.is_none() {
            problem = entitled
                .iter()
                .find(|(m, roles)| !roles.contains(who) && page.body.contains(m.as_str()))
                .map(|(m, _)| format!("the search shows {m:?}, which {who:?} may not see"));
        }
        if let Some(problem) = problem {
            failures.push(format!(
                "GET /suche?q=Matrixnachricht as {who:?}: {problem}"
            ));
        }
    }
    for (method, template, path, owner, access) in order {
        for (who, client, csrf) in &clients {
            let page = if method == "GET" {
                client.get(&path).await
            } else {
                client.post_form(&path, &[("csrf", csrf)]).await
            };
            requests += 1;
            let expected = allowed(access, *who, owner);
            let mut problem = judge(&page, *who, expected);
            if problem.is_none() && expected == Some(true) && method == "GET" {
                problem = shows(template, owner, *who)
                    .into_iter()
                    .find_map(|s| s.missing_in(&page));
            }
            if problem.is_none() {
                problem = entitled
                    .iter()
                    .find(|(m, roles)| !roles.contains(who) && page.body.contains(m.as_str()))
                    .map(|(m, _)| format!("the answer shows {m:?}, which {who:?} may not see"));
            }
            if let Some(problem) = problem {
                failures.push(format!("{method} {path} as {who:?} ({owner:?}): {problem}"));
            }
        }
    }
    let took = started.elapsed();
    assert!(
        failures.is_empty(),
        "{} of {requests} requests broke the declared table:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!(
        "authorization matrix: {} routes × {} roles, {requests} requests (own, foreign and missing ids) in {took:.1?}",
        DECLARED.len(),
        ROLES.len()
    );
}

/// What an allowed page of a seeded object must show.
enum Shown {
    Marker(String),
    Pdf,
}

impl Shown {
    fn missing_in(&self, page: &Page) -> Option<String> {
        match self {
            Shown::Marker(m) if !page.body.contains(m.as_str()) => {
                Some(format!("allowed, but the answer does not show {m:?}"))
            }
            Shown::Pdf
                if page
                    .headers
                    .get("content-type")
                    .is_none_or(|v| v.as_bytes() != b"application/pdf") =>
            {
                Some(format!("allowed, but no PDF ({})", page.status))
            }
            _ => None,
        }
    }
}

/// What an allowed GET of `template` on an object of `owner` shows `who`.
fn shows(template: &str, owner: Owner, who: Who) -> Vec<Shown> {
    let org = match owner {
        Owner::OrgA => Some(0),
        Owner::OrgB => Some(1),
        _ => None,
    };
    let marker = |m: &str| vec![Shown::Marker(m.to_owned())];
    match (template, owner) {
        (t, Owner::Message(_, p)) if t.ends_with("/anhang/{nr}") => marker(&objects::attachment(p)),
        (t, Owner::Message(..)) if t.ends_with("/pdf") => vec![Shown::Pdf],
        (_, Owner::Message(_, p)) => marker(&objects::subject(p)),
        ("/postfach/{postfach}", Owner::Mailbox(s)) => objects::reach(who, s)
            .map(|p| marker(&objects::subject(p)))
            .unwrap_or_default(),
        ("/anspruchsberechtigte", _) => marker(objects::PERSON[0]),
        ("/anspruchsberechtigte/{pnr}", _) => org
            .map(|i| {
                vec![
                    Shown::Marker(objects::PERSON[i].to_owned()),
                    Shown::Marker(objects::LEBENSLAUF[i].to_owned()),
                ]
            })
            .unwrap_or_default(),
        ("/anspruchsberechtigte/{pnr}/bearbeiten", _) => {
            org.map(|i| marker(objects::PERSON[i])).unwrap_or_default()
        }
        ("/formulare", _) => marker(objects::PERSON[0]),
        ("/kassen/formularmeldungen", _) => {
            vec![
                Shown::Marker(objects::PERSON[0].to_owned()),
                Shown::Marker(objects::PERSON[1].to_owned()),
            ]
        }
        ("/formulare/meldungen/{id}" | "/kassen/formularmeldungen/{id}", _) => {
            org.map(|i| marker(objects::REPORT[i])).unwrap_or_default()
        }
        (t, _) if t.ends_with("/{id}/pdf") => vec![Shown::Pdf],
        _ => Vec::new(),
    }
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
        Some(false) | None if denied => MARKERS
            .iter()
            .map(|m| m.to_string())
            .chain(objects::entitled().into_iter().map(|(m, _)| m))
            .find(|m| page.body.contains(m.as_str()))
            .map(|m| format!("a denied answer contains {m:?}")),
        Some(false) | None => None,
        Some(true) => None,
    }
}
