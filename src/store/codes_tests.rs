//! Golden tests: the stored codes never change. Each `pinned` function is
//! an exhaustive match, so a new variant does not compile until its code
//! is pinned here; the assertions then check the code the program writes.

#![allow(clippy::unwrap_used)]

use super::*;
use crate::domain::account::Status;
use crate::domain::forms::ReportStatus;
use crate::domain::help::FeedbackKind;
use crate::domain::mail::MailState;
use crate::domain::message::{Direction, Marks};
use crate::domain::persons::Art;
use crate::store::accounts::Kind;

fn distinct(codes: &[u8]) {
    let mut sorted = codes.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), codes.len(), "codes are unique: {codes:?}");
}

#[test]
fn account_status_codes_are_pinned() {
    fn pinned(s: Status) -> u8 {
        match s {
            Status::Angelegt => 0,
            Status::TotpAusstehend => 1,
            Status::Aktiv => 2,
            Status::Gesperrt => 3,
            Status::GesperrtInaktiv => 4,
        }
    }
    assert_eq!(Status::ALL.len(), 5, "every status is in ALL");
    for s in Status::ALL {
        assert_eq!(s.code(), pinned(s), "{s:?}");
        assert_eq!(Status::from_code(s.code()), Some(s));
    }
    distinct(&Status::ALL.map(Status::code));
    assert_eq!(Status::from_code(5), None);
}

#[test]
fn group_mailbox_codes_are_pinned() {
    fn pinned(m: GroupMailbox) -> u8 {
        match m {
            GroupMailbox::Beihilfe => 0,
            GroupMailbox::Beamtenversorgung => 1,
            GroupMailbox::Finanzierung => 2,
            GroupMailbox::MitgliederRecht => 3,
            GroupMailbox::Geschaeftsleitung => 4,
            GroupMailbox::Zusatzversorgung => 5,
            GroupMailbox::Administration => 6,
        }
    }
    assert_eq!(GroupMailbox::ALL.len(), 7, "every mailbox is in ALL");
    for m in GroupMailbox::ALL {
        assert_eq!(m.code(), pinned(m), "{m:?}");
    }
    distinct(&GroupMailbox::ALL.map(GroupMailbox::code));
    // The stored set: bit `code` per mailbox, read back in display order.
    let set = [GroupMailbox::Administration, GroupMailbox::Finanzierung];
    assert_eq!(mailbox_set(&set), 0b100_0100);
    assert_eq!(
        mailboxes_of(0b100_0100),
        [GroupMailbox::Finanzierung, GroupMailbox::Administration]
    );
    assert_eq!(
        mailboxes_of(mailbox_set(&GroupMailbox::ALL)),
        GroupMailbox::ALL
    );
    // Bits of codes nobody has are ignored.
    assert_eq!(mailboxes_of(1 << 15), []);
}

#[test]
fn portal_function_codes_are_pinned() {
    fn pinned(f: PortalFunction) -> u8 {
        match f {
            PortalFunction::Postfach => 0,
            PortalFunction::AnspruchsberechtigteAnzeigen => 1,
            PortalFunction::PersonendatenBearbeiten => 2,
            PortalFunction::Beamtenformulare => 3,
        }
    }
    assert_eq!(PortalFunction::ALL.len(), 4, "every function is in ALL");
    for f in PortalFunction::ALL {
        assert_eq!(f.code(), pinned(f), "{f:?}");
    }
    distinct(&PortalFunction::ALL.map(PortalFunction::code));
    let set = [PortalFunction::Beamtenformulare, PortalFunction::Postfach];
    assert_eq!(function_set(&set), 0b1001);
    assert_eq!(
        functions_of(0b1001),
        [PortalFunction::Postfach, PortalFunction::Beamtenformulare]
    );
}

#[test]
fn message_codes_are_pinned() {
    fn bereich(b: Bereich) -> u8 {
        match b {
            Bereich::Beamtenversorgung => 0,
            Bereich::Beihilfe => 1,
            Bereich::Zusatzversorgung => 2,
        }
    }
    fn direction(d: Direction) -> u8 {
        match d {
            Direction::Incoming => 0,
            Direction::Outgoing => 1,
        }
    }
    for b in Bereich::ALL {
        assert_eq!(b.code(), bereich(b), "{b:?}");
        assert_eq!(Bereich::from_code(b.code()), Some(b));
    }
    distinct(&Bereich::ALL.map(Bereich::code));
    for d in [Direction::Incoming, Direction::Outgoing] {
        assert_eq!(d.code(), direction(d), "{d:?}");
    }
    let marks = |unread, important, archived| {
        Marks {
            unread,
            important,
            archived,
        }
        .bits()
    };
    assert_eq!(
        [
            marks(true, false, false),
            marks(false, true, false),
            marks(false, false, true)
        ],
        [1, 2, 4]
    );
    // The Themen's codes: `domain::message` tests; the facets and the
    // packed entry: `store::mailboxes` tests.
}

#[test]
fn record_state_codes_are_pinned() {
    fn art(a: Art) -> u8 {
        match a {
            Art::Beamter => 0,
            Art::Versorgungsempfaenger => 1,
            Art::Hinterbliebener => 2,
        }
    }
    fn report(s: ReportStatus) -> u8 {
        match s {
            ReportStatus::Eingegangen => 0,
            ReportStatus::InBearbeitung => 1,
            ReportStatus::Erledigt => 2,
        }
    }
    fn mail(s: MailState) -> u8 {
        match s {
            MailState::Queued => 0,
            MailState::Sent => 1,
            MailState::Failed => 2,
        }
    }
    fn feedback(k: FeedbackKind) -> u8 {
        match k {
            FeedbackKind::Feedback => 0,
            FeedbackKind::Support => 1,
        }
    }
    fn kind(k: Kind) -> u8 {
        match k {
            Kind::Kassen => 0,
            Kind::Admin => 1,
            Kind::User => 2,
        }
    }
    for a in Art::ALL {
        assert_eq!(a.code(), art(a), "{a:?}");
        assert_eq!(Art::from_code(a.code()), Some(a));
    }
    distinct(&Art::ALL.map(Art::code));
    for s in ReportStatus::ALL {
        assert_eq!(s.code(), report(s), "{s:?}");
    }
    distinct(&ReportStatus::ALL.map(ReportStatus::code));
    for s in [MailState::Queued, MailState::Sent, MailState::Failed] {
        assert_eq!(s.code(), mail(s), "{s:?}");
    }
    // The state's key names its stored counter (`mail.count.<key>`).
    assert_eq!(
        [MailState::Queued, MailState::Sent, MailState::Failed].map(MailState::key),
        ["warteschlange", "versendet", "fehlgeschlagen"]
    );
    for k in [FeedbackKind::Feedback, FeedbackKind::Support] {
        assert_eq!(crate::store::feedback::kind_code(k), feedback(k), "{k:?}");
    }
    for k in [Kind::Kassen, Kind::Admin, Kind::User] {
        assert_eq!(k.code(), kind(k), "{k:?}");
    }
}
