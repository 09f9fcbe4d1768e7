//! The property test's model of who is entitled to what at a moment,
//! written from the handbook's rules independently of the portal's code:
//! grants count only within the organisation's current restrictions and
//! with their prerequisites; group mailboxes need the Postfachfunktionalität;
//! a message opens only in a mailbox it lies in; receipts go where the
//! Postfach-Konfiguration said at the moment of "Absenden".

use std::collections::BTreeSet;

use meine_versorgung::domain::org::{Bereich, GroupMailbox, PortalFunction as F};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Org {
    A,
    B,
}

pub fn ix(o: Org) -> usize {
    match o {
        Org::A => 0,
        Org::B => 1,
    }
}

/// An organisation's restrictions and settings.
#[derive(Debug, Clone)]
pub struct OrgState {
    pub mailboxes: BTreeSet<GroupMailbox>,
    pub functions: BTreeSet<F>,
    /// Postfach-Konfiguration: receipts into the group mailbox
    /// Beamtenversorgung (else the submitter's personal mailbox).
    pub receipts_to_group: bool,
    pub admin_alive: bool,
    /// Registered in the Geschäftsbereich Beamtenversorgung (the clerk's):
    /// only then may the clerk write to it.
    pub in_beamtenversorgung: bool,
}

/// A Nutzer:in: users 0 (of A) and 1 (of B) are viewers with a session.
#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub org: Org,
    pub exists: bool,
    /// Locked once: its session ended (unlocking does not revive it).
    pub locked: bool,
    pub mailboxes: BTreeSet<GroupMailbox>,
    pub functions: BTreeSet<F>,
}

/// Where a copy of a message lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The personal mailbox of model user n.
    Personal(usize),
    Group(Org, GroupMailbox),
    Kassen(Bereich),
}

impl Place {
    /// The path segment naming the mailbox (for whoever asks).
    pub fn slug(self) -> String {
        match self {
            Place::Personal(_) => "persoenlich".to_owned(),
            Place::Group(_, g) => g.key().to_owned(),
            Place::Kassen(b) => format!("kasse-{}", b.key()),
        }
    }
}

/// Every mailbox slug there is.
pub fn all_slugs() -> Vec<String> {
    let mut out = vec!["persoenlich".to_owned()];
    out.extend(GroupMailbox::ALL.iter().map(|g| g.key().to_owned()));
    out.extend(Bereich::ALL.iter().map(|b| format!("kasse-{}", b.key())));
    out
}

#[derive(Debug, Clone)]
pub struct Msg {
    pub id: u64,
    pub places: Vec<Place>,
    /// Text the message's page shows.
    pub marker: String,
    /// Text its attachment holds, when known.
    pub attachment: Option<String>,
}

#[derive(Debug, Clone, Copy)]
pub struct Report {
    pub id: u64,
    pub org: Org,
}

/// Who looks: the signed-in accounts of the test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Model user n (a Nutzer:in).
    User(usize),
    Admin(Org),
    /// Kassen-Sachbearbeitung Beamtenversorgung.
    Clerk,
    /// Kassen-Portaladministration.
    Kassen,
}

#[derive(Debug, Clone)]
pub struct Model {
    pub orgs: [OrgState; 2],
    pub users: Vec<User>,
    pub messages: Vec<Msg>,
    pub reports: Vec<Report>,
}

impl Model {
    pub fn org(&self, o: Org) -> &OrgState {
        &self.orgs[ix(o)]
    }

    /// The grants of user `u` that count now.
    pub fn effective(&self, u: usize) -> (BTreeSet<GroupMailbox>, BTreeSet<F>) {
        let user = &self.users[u];
        let org = self.org(user.org);
        let mut f: BTreeSet<F> = user
            .functions
            .intersection(&org.functions)
            .copied()
            .collect();
        let (anzeige, postfach) = (
            f.contains(&F::AnspruchsberechtigteAnzeigen),
            f.contains(&F::Postfach),
        );
        if !anzeige {
            f.remove(&F::PersonendatenBearbeiten);
        }
        if !(anzeige && postfach) {
            f.remove(&F::Beamtenformulare);
        }
        let m = if postfach {
            user.mailboxes
                .intersection(&org.mailboxes)
                .copied()
                .collect()
        } else {
            BTreeSet::new()
        };
        (m, f)
    }

    pub fn holds(&self, u: usize, f: F) -> bool {
        self.effective(u).1.contains(&f)
    }

    pub fn alive(&self, r: Role) -> bool {
        match r {
            Role::User(u) => self.users[u].exists && !self.users[u].locked,
            Role::Admin(o) => self.org(o).admin_alive,
            Role::Clerk | Role::Kassen => true,
        }
    }

    /// The mailbox `slug` names for `r` (its own), entitled or not.
    fn own(&self, r: Role, slug: &str) -> Option<Place> {
        match r {
            Role::User(u) if slug == "persoenlich" => Some(Place::Personal(u)),
            Role::User(u) => {
                GroupMailbox::from_key(slug).map(|g| Place::Group(self.users[u].org, g))
            }
            Role::Admin(o) => GroupMailbox::from_key(slug).map(|g| Place::Group(o, g)),
            Role::Clerk | Role::Kassen => slug
                .strip_prefix("kasse-")
                .and_then(Bereich::from_key)
                .map(Place::Kassen),
        }
    }

    /// Whether `r` may read the mailbox at `p` now.
    pub fn reaches(&self, r: Role, p: Place) -> bool {
        if !self.alive(r) {
            return false;
        }
        match (r, p) {
            (Role::User(u), Place::Personal(x)) => u == x,
            (Role::User(u), Place::Group(o, g)) => {
                self.users[u].org == o && self.effective(u).0.contains(&g)
            }
            (Role::Admin(o), Place::Group(x, GroupMailbox::Administration)) => o == x,
            (Role::Clerk, Place::Kassen(Bereich::Beamtenversorgung)) => true,
            _ => false,
        }
    }

    /// Whether `r` may open the mailbox page `slug`.
    pub fn mailbox(&self, r: Role, slug: &str) -> bool {
        self.own(r, slug).is_some_and(|p| self.reaches(r, p))
    }

    /// Whether `r` may open the copy of a message lying at `p` under its slug.
    pub fn message(&self, r: Role, p: Place) -> bool {
        self.own(r, &p.slug()) == Some(p) && self.reaches(r, p)
    }

    /// Whether `r` may see the entitled person of organisation `o`.
    pub fn person(&self, r: Role, o: Org) -> bool {
        match r {
            Role::User(u) => {
                self.alive(r)
                    && self.users[u].org == o
                    && self.holds(u, F::AnspruchsberechtigteAnzeigen)
            }
            _ => false,
        }
    }

    /// Whether `r` may see a report on the organisation's side.
    pub fn own_report(&self, r: Role, rep: Report) -> bool {
        match r {
            Role::User(u) => {
                self.alive(r) && self.users[u].org == rep.org && self.holds(u, F::Beamtenformulare)
            }
            _ => false,
        }
    }

    /// Whether `r` may see the Kassen' Formularmeldungen.
    pub fn kassen_reports(&self, r: Role) -> bool {
        matches!(r, Role::Clerk | Role::Kassen)
    }

    /// Whether `r` may read user `u`'s page (its administration).
    pub fn user_page(&self, r: Role, u: usize) -> bool {
        let user = &self.users[u];
        r == Role::Admin(user.org) && self.alive(r) && user.exists
    }

    /// Whether `r` may read the settings of group mailbox `g`.
    pub fn group_settings(&self, r: Role, g: GroupMailbox) -> bool {
        match r {
            Role::Admin(o) => self.alive(r) && self.org(o).mailboxes.contains(&g),
            _ => false,
        }
    }
}
