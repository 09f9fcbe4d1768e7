//! The matrix's real objects of the functional areas: one message with an
//! attachment in each of several mailboxes (own and foreign), an entitled
//! civil servant with a Lebenslauf in each organisation, and a submitted
//! form report of each organisation — seeded through the app and store
//! functions, each with a marker text that tells who may ever see it.

use jiff::Timestamp;
use meine_versorgung::app::forms::{FormInput, Submission, submit_in};
use meine_versorgung::app::messages::{NewMessage, store_message};
use meine_versorgung::domain::account::Account;
use meine_versorgung::domain::forms::FormKind;
use meine_versorgung::domain::message::{Attachment, Mailbox};
use meine_versorgung::domain::org::{Bereich, GroupMailbox};
use meine_versorgung::mail::Mailer;
use meine_versorgung::store::{self, WriteTx};

use super::Who;
use crate::support::persons::beamter;

/// A mailbox slug of the path `/postfach/{postfach}`, as the asker reads
/// it: `persoenlich` and the group mailboxes name the asker's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slug {
    Personal,
    Administration,
    Beihilfe,
    /// The Kassenpostfach of the Bereich the matrix's clerk handles.
    Kassen,
    /// The Kassenpostfach of a Bereich the clerk does not handle.
    OtherKassen,
}

/// Where a seeded message lies (each lies in exactly one mailbox: it is a
/// system message, so no sender's copy exists).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The personal mailbox of the Nutzer:in of A without grants.
    PersonalNoGrants,
    /// The personal mailbox of the Nutzer:in of A with every grant.
    PersonalAll,
    AdministrationA,
    AdministrationB,
    BeihilfeA,
    BeihilfeB,
    /// Kassenpostfach Beamtenversorgung (the clerk's Bereich).
    KassenBv,
    /// Kassenpostfach Zusatzversorgung (not the clerk's).
    KassenZv,
}

pub const PLACES: [Place; 8] = [
    Place::PersonalNoGrants,
    Place::PersonalAll,
    Place::AdministrationA,
    Place::AdministrationB,
    Place::BeihilfeA,
    Place::BeihilfeB,
    Place::KassenBv,
    Place::KassenZv,
];

/// The mailbox `who` reaches under `slug`, if any — the declared table of
/// mailbox access.
pub fn reach(who: Who, slug: Slug) -> Option<Place> {
    use Who::*;
    match (slug, who) {
        (Slug::Personal, UserANoGrants) => Some(Place::PersonalNoGrants),
        (Slug::Personal, UserAAllGrants) => Some(Place::PersonalAll),
        (Slug::Administration, UserAAllGrants | AdminA) => Some(Place::AdministrationA),
        (Slug::Administration, AdminB) => Some(Place::AdministrationB),
        (Slug::Beihilfe, UserAAllGrants) => Some(Place::BeihilfeA),
        (Slug::Kassen, Clerk) => Some(Place::KassenBv),
        _ => None,
    }
}

pub const SLUGS: [Slug; 5] = [
    Slug::Personal,
    Slug::Administration,
    Slug::Beihilfe,
    Slug::Kassen,
    Slug::OtherKassen,
];

/// The Betreff of the message in `place`.
pub fn subject(place: Place) -> String {
    format!("Matrixnachricht-{place:?}")
}

/// The content of the attachment of the message in `place`.
pub fn attachment(place: Place) -> String {
    format!("Matrixanhang-{place:?}")
}

/// Person, Lebenslauf and report markers of organisation A and B.
pub const PERSON: [&str; 2] = ["Matrixperson-Alma", "Matrixperson-Bodo"];
pub const LEBENSLAUF: [&str; 2] = ["Matrixamt-Alma", "Matrixamt-Bodo"];
pub const REPORT: [&str; 2] = ["Matrixmeldung-Alma", "Matrixmeldung-Bodo"];
pub const PNR: [&str; 2] = ["71000001", "72000002"];

/// Every object marker with the roles that may see it somewhere (a page of
/// the object, a list, the search, the Protokoll, the Formularmeldungen).
pub fn entitled() -> Vec<(String, Vec<Who>)> {
    use Who::*;
    let mut out = Vec::new();
    for p in PLACES {
        let who: Vec<Who> = super::ROLES
            .into_iter()
            .filter(|w| SLUGS.iter().any(|s| reach(*w, *s) == Some(p)))
            .collect();
        out.push((subject(p), who.clone()));
        out.push((attachment(p), who));
    }
    // A person's name is in the persons pages, the form select, its
    // reports (Formularmeldungen of the Kassen) and the audit entry of the
    // report (the organisation's and the Kassen' Protokoll).
    out.push((
        PERSON[0].to_owned(),
        vec![UserAAllGrants, AdminA, Clerk, Kassen],
    ));
    out.push((PERSON[1].to_owned(), vec![AdminB, Clerk, Kassen]));
    out.push((LEBENSLAUF[0].to_owned(), vec![UserAAllGrants]));
    out.push((LEBENSLAUF[1].to_owned(), vec![]));
    out.push((REPORT[0].to_owned(), vec![UserAAllGrants, Clerk, Kassen]));
    out.push((REPORT[1].to_owned(), vec![Clerk, Kassen]));
    out
}

/// The seeded objects' ids.
pub struct Objects {
    pub messages: Vec<(Place, u64)>,
    /// The report of A and of B.
    pub reports: [u64; 2],
}

/// The accounts whose personal mailboxes hold messages, and the submitters
/// of the reports.
pub struct Owners<'a> {
    pub no_grants: &'a Account,
    pub all_grants: &'a Account,
    pub submitter_b: &'a Account,
}

fn mailbox(place: Place, orgs: [u64; 2], owners: &Owners<'_>) -> Mailbox {
    match place {
        Place::PersonalNoGrants => Mailbox::Personal(owners.no_grants.id.clone()),
        Place::PersonalAll => Mailbox::Personal(owners.all_grants.id.clone()),
        Place::AdministrationA => Mailbox::Group(orgs[0], GroupMailbox::Administration),
        Place::AdministrationB => Mailbox::Group(orgs[1], GroupMailbox::Administration),
        Place::BeihilfeA => Mailbox::Group(orgs[0], GroupMailbox::Beihilfe),
        Place::BeihilfeB => Mailbox::Group(orgs[1], GroupMailbox::Beihilfe),
        Place::KassenBv => Mailbox::Kassen(Bereich::Beamtenversorgung),
        Place::KassenZv => Mailbox::Kassen(Bereich::Zusatzversorgung),
    }
}

/// Seeds the messages, persons and reports into `tx`.
pub fn seed(
    tx: &WriteTx,
    mailer: &Mailer,
    orgs: [u64; 2],
    owners: &Owners<'_>,
    now: Timestamp,
) -> Result<Objects, meine_versorgung::app::Error> {
    let mut messages = Vec::new();
    for place in PLACES {
        let content = attachment(place);
        let blob = store::blobs::put(tx, content.as_bytes())?;
        let m = store_message(
            tx,
            NewMessage {
                from: None,
                to: mailbox(place, orgs, owners),
                referenz: None,
                subject: subject(place),
                text: "Text der Matrixnachricht.".to_owned(),
                bereich: Bereich::Beamtenversorgung,
                thema: "Matrix".to_owned(),
                author: None,
                attachments: vec![Attachment {
                    blob,
                    name: "anhang.txt".to_owned(),
                    mime: "text/plain".to_owned(),
                    len: content.len() as u64,
                }],
            },
            now,
        )?;
        messages.push((place, m.id));
    }
    let mut reports = [0; 2];
    for (i, submitter) in [owners.all_grants, owners.submitter_b]
        .into_iter()
        .enumerate()
    {
        let vorname = PERSON[i].split_once('-').map_or("", |(_, v)| v);
        let mut person = beamter(orgs[i], PNR[i], PERSON[i], vorname);
        person.lebenslauf[0].dienststelle = LEBENSLAUF[i].to_owned();
        store::persons::put(tx, &person)?;
        let input = FormInput {
            personalnummer: PNR[i].to_owned(),
            values: vec![
                ("von".to_owned(), "01.03.2024".to_owned()),
                ("bis".to_owned(), "01.04.2024".to_owned()),
                ("grund".to_owned(), REPORT[i].to_owned()),
            ],
        };
        let report = submit_in(
            tx,
            mailer,
            "http://localhost",
            submitter,
            &Submission {
                kind: FormKind::Beurlaubung,
                input: &input,
                client: None,
                token: None,
            },
            now,
        )?;
        reports[i] = report.id;
    }
    Ok(Objects { messages, reports })
}
