//! Stored codes: every enum the store writes into a key, an index value or
//! a counter name is written as an explicit code, never as its position in
//! a display list (`ALL`) or as its discriminant. Inserting a mailbox "in
//! the handbook's order" therefore changes no stored entry.
//!
//! Where the codes are defined (each pinned by [`tests`] below):
//! - `Status::code`, `GroupMailbox::code`, `PortalFunction::code`: the
//!   account index (`store::accounts`), grants as bit sets;
//! - `Bereich::code`, `Direction::code`, `Marks::bits`,
//!   `message::thema_code`, the `FACET_*` constants: the mailboxes and the
//!   search index (`store::mailboxes`, `store::search_index`);
//! - `Art::code`, `ReportStatus::code`, `MailState::code`: the indexes and
//!   counters of persons, reports and the mail queue;
//! - the account kinds (`tables::ACCOUNT_KIND_*`) and the feedback kinds
//!   (`store::feedback`).
//!
//! A new variant gets the next free code; a code is never reused. The
//! bit sets below check at compile time that every code fits its bits.

use crate::domain::org::{Bereich, GroupMailbox, PortalFunction};

/// Bits of the mailbox grants in an account index entry (a `u16`).
const MAILBOX_BITS: u8 = 16;
/// Bits of the portal-function grants in an account index entry (a `u8`).
const FUNCTION_BITS: u8 = 8;
/// Bits of the Bereich in a mailbox entry (`store::mailboxes`).
pub(super) const BEREICH_BITS: u8 = 2;

const _: () = {
    let mut i = 0;
    while i < GroupMailbox::ALL.len() {
        assert!(
            GroupMailbox::ALL[i].code() < MAILBOX_BITS,
            "a GroupMailbox code does not fit the 16 bits of the account index"
        );
        i += 1;
    }
    let mut i = 0;
    while i < PortalFunction::ALL.len() {
        assert!(
            PortalFunction::ALL[i].code() < FUNCTION_BITS,
            "a PortalFunction code does not fit the 8 bits of the account index"
        );
        i += 1;
    }
    let mut i = 0;
    while i < Bereich::ALL.len() {
        assert!(
            Bereich::ALL[i].code() < 1 << BEREICH_BITS,
            "a Bereich code does not fit the 2 bits of a mailbox entry"
        );
        i += 1;
    }
};

/// The set of mailbox grants as stored (bit `code()` per mailbox).
pub(super) fn mailbox_set(set: &[GroupMailbox]) -> u16 {
    set.iter().fold(0, |acc, m| acc | 1 << m.code())
}

/// The mailboxes of a stored set, in display order.
pub(super) fn mailboxes_of(bits: u16) -> Vec<GroupMailbox> {
    GroupMailbox::ALL
        .into_iter()
        .filter(|m| bits & 1 << m.code() != 0)
        .collect()
}

/// The set of portal-function grants as stored (bit `code()` per function).
pub(super) fn function_set(set: &[PortalFunction]) -> u8 {
    set.iter().fold(0, |acc, f| acc | 1 << f.code())
}

/// The portal functions of a stored set, in display order.
pub(super) fn functions_of(bits: u8) -> Vec<PortalFunction> {
    PortalFunction::ALL
        .into_iter()
        .filter(|f| bits & 1 << f.code() != 0)
        .collect()
}

#[cfg(test)]
#[path = "codes_tests.rs"]
mod tests;
