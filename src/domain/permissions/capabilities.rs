//! Who may do what: one predicate per permission, and one proof type per
//! capability that only its check can construct.
//!
//! Every rule of who may use a page lives here, once. The web layer's
//! guards (`web::guards::Guard<C>`) run [`Capability::check`] before a
//! handler runs, the navigation (`web::frame`) asks the same predicates
//! which entries to show, and use cases take the proof (`&ReadPersons`, …)
//! instead of trusting their caller: a handler that forgets its guard has
//! no proof to hand on, and does not compile.
//!
//! Every predicate takes the account and its organisation as loaded
//! together (`None` for the Kassen, or when the organisation is gone); an
//! organisation that is not the account's own allows nothing.

use super::effective;
use crate::domain::account::{Account, Role};
use crate::domain::message::Mailbox;
use crate::domain::org::{Bereich, GroupMailbox, OrgId, Organisation, PortalFunction};

/// The account's own organisation, when `org` is it.
fn own<'a>(account: &Account, org: Option<&'a Organisation>) -> Option<&'a Organisation> {
    org.filter(|o| account.org() == Some(o.id))
}

/// Kassen-Portaladministration: members, administrators, staff, FAQ,
/// feedback, Protokoll, Postausgang, Datensicherung, Datenimport.
pub fn may_administer_portal(account: &Account) -> bool {
    account.is_kassen_admin()
}

/// "Formularmeldungen" of the Kassen: the Portaladministration and
/// Kassen-Sachbearbeitung Beamtenversorgung.
pub fn may_read_reports(account: &Account) -> bool {
    matches!(&account.role, Role::Kassen { portal_admin, sachbearbeitung }
        if *portal_admin || sachbearbeitung.contains(&Bereich::Beamtenversorgung))
}

/// An administrator:in of `org` (Nutzer:innen, group mailboxes, Protokoll,
/// access review).
pub fn may_administer_org(account: &Account, org: Option<&Organisation>) -> bool {
    matches!(account.role, Role::OrgAdmin { .. }) && own(account, org).is_some()
}

/// "Postfach-Konfiguration": an administrator of an organisation with the
/// Beamtenformulare (receipts exist only for them, handbook §1.7).
pub fn may_configure_mailboxes(account: &Account, org: Option<&Organisation>) -> bool {
    may_administer_org(account, org)
        && own(account, org).is_some_and(|o| super::has_mailbox_config(&o.enabled_functions))
}

/// Any account of `org` ("Mitgliederdaten").
pub fn is_member(account: &Account, org: Option<&Organisation>) -> bool {
    own(account, org).is_some()
}

/// A Nutzer:in of `org` holding `f` within the organisation's current
/// restrictions (its effective grants).
pub fn holds(account: &Account, org: Option<&Organisation>, f: PortalFunction) -> bool {
    match (&account.role, own(account, org)) {
        (Role::OrgUser { grants, .. }, Some(o)) => effective(o, grants).has(f),
        _ => false,
    }
}

/// "Anspruchsberechtigte": the list and details of the organisation's persons.
pub fn may_read_persons(account: &Account, org: Option<&Organisation>) -> bool {
    holds(account, org, PortalFunction::AnspruchsberechtigteAnzeigen)
}

/// "Kontaktdaten bearbeiten" of the organisation's persons.
pub fn may_edit_persons(account: &Account, org: Option<&Organisation>) -> bool {
    holds(account, org, PortalFunction::PersonendatenBearbeiten)
}

/// "Formulare": the Beamtenformulare and the organisation's reports.
pub fn may_submit_forms(account: &Account, org: Option<&Organisation>) -> bool {
    holds(account, org, PortalFunction::Beamtenformulare)
}

/// The mailboxes `account` may read, in the navigation's order:
/// administrators their organisation's Administration mailbox,
/// Nutzer:innen their personal mailbox and the group mailboxes of their
/// *effective* grants (grant, Postfachfunktionalität and the
/// organisation's current restrictions), Kassen-Sachbearbeitung the
/// Kassenpostfach of its Bereiche. `app::messages::access` applies it to
/// every message, inside write transactions too.
pub fn readable_mailboxes(account: &Account, org: Option<&Organisation>) -> Vec<Mailbox> {
    match &account.role {
        Role::Kassen {
            sachbearbeitung, ..
        } => Bereich::ALL
            .into_iter()
            .filter(|b| sachbearbeitung.contains(b))
            .map(Mailbox::Kassen)
            .collect(),
        Role::OrgAdmin { org: id } => vec![Mailbox::Group(*id, GroupMailbox::Administration)],
        Role::OrgUser { org: id, grants } => {
            let mut out = vec![Mailbox::Personal(account.id.clone())];
            if let Some(o) = own(account, org) {
                out.extend(
                    effective(o, grants)
                        .mailboxes
                        .into_iter()
                        .map(|g| Mailbox::Group(*id, g)),
                );
            }
            out
        }
    }
}

/// "Postfach": everyone with at least one mailbox.
pub fn may_use_mailboxes(account: &Account, org: Option<&Organisation>) -> bool {
    !readable_mailboxes(account, org).is_empty()
}

/// A capability: a proof that only [`Capability::check`] constructs (the
/// fields are private to this module). Guards, use cases and transactions
/// that re-check call the same `check`.
///
/// A proof cannot be made without its check:
///
/// ```compile_fail
/// use meine_versorgung::domain::permissions::AdministerPortal;
/// let forged = AdministerPortal(());
/// ```
pub trait Capability: Sized {
    /// The proof, when `account` (with its organisation, loaded together)
    /// has the capability.
    fn check(account: &Account, org: Option<&Organisation>) -> Option<Self>;
}

/// Proof of [`may_administer_portal`].
#[derive(Debug, Clone, Copy)]
pub struct AdministerPortal(());

impl Capability for AdministerPortal {
    fn check(account: &Account, _: Option<&Organisation>) -> Option<Self> {
        may_administer_portal(account).then_some(AdministerPortal(()))
    }
}

/// Proof of [`may_read_reports`].
#[derive(Debug, Clone, Copy)]
pub struct ReadReports(());

impl Capability for ReadReports {
    fn check(account: &Account, _: Option<&Organisation>) -> Option<Self> {
        may_read_reports(account).then_some(ReadReports(()))
    }
}

/// Proof of [`may_use_mailboxes`], with the mailboxes it opens.
#[derive(Debug, Clone)]
pub struct ReadMailboxes(Vec<Mailbox>);

impl ReadMailboxes {
    /// The readable mailboxes, never empty, in the navigation's order.
    pub fn mailboxes(&self) -> &[Mailbox] {
        &self.0
    }
}

impl Capability for ReadMailboxes {
    fn check(account: &Account, org: Option<&Organisation>) -> Option<Self> {
        let readable = readable_mailboxes(account, org);
        (!readable.is_empty()).then_some(ReadMailboxes(readable))
    }
}

/// Declares a capability bound to the account's own organisation: the
/// proof carries the organisation it was checked against.
macro_rules! org_capability {
    ($(#[$doc:meta])* $name:ident, $predicate:path) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(Organisation);

        impl $name {
            /// The organisation the capability holds for.
            pub fn org(&self) -> &Organisation {
                &self.0
            }

            pub fn org_id(&self) -> OrgId {
                self.0.id
            }
        }

        impl Capability for $name {
            fn check(account: &Account, org: Option<&Organisation>) -> Option<Self> {
                if $predicate(account, org) {
                    own(account, org).cloned().map($name)
                } else {
                    None
                }
            }
        }
    };
}

org_capability!(
    /// Proof of [`may_administer_org`].
    AdministerOrg,
    may_administer_org
);
org_capability!(
    /// Proof of [`may_configure_mailboxes`].
    ConfigureMailboxes,
    may_configure_mailboxes
);
org_capability!(
    /// Proof of [`is_member`].
    Member,
    is_member
);
org_capability!(
    /// Proof of [`may_read_persons`].
    ReadPersons,
    may_read_persons
);
org_capability!(
    /// Proof of [`may_edit_persons`].
    EditPersons,
    may_edit_persons
);
org_capability!(
    /// Proof of [`may_submit_forms`].
    SubmitForms,
    may_submit_forms
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::account::Grants;
    use crate::domain::org::ReceiptTarget;

    fn org(id: OrgId, functions: Vec<PortalFunction>) -> Organisation {
        Organisation {
            id,
            name: "Blaugraben".into(),
            number: "78970".into(),
            billing_number: "102898".into(),
            address: String::new(),
            bereiche: Bereich::ALL.to_vec(),
            enabled_mailboxes: GroupMailbox::ALL.to_vec(),
            enabled_functions: functions,
            receipt_target: ReceiptTarget::Personal,
            group_emails: Default::default(),
            second_factor: Default::default(),
        }
    }

    fn account(role: Role) -> Account {
        crate::domain::account::tests::sample(role)
    }

    #[test]
    fn functions_hold_only_in_the_own_organisation_and_within_its_restrictions() {
        let grants = Grants {
            mailboxes: vec![],
            functions: vec![PortalFunction::AnspruchsberechtigteAnzeigen],
        };
        let user = account(Role::OrgUser { org: 1, grants });
        let all = org(1, PortalFunction::ALL.to_vec());
        assert!(may_read_persons(&user, Some(&all)));
        assert!(ReadPersons::check(&user, Some(&all)).is_some());
        assert!(!may_read_persons(
            &user,
            Some(&org(2, PortalFunction::ALL.to_vec()))
        ));
        assert!(!may_read_persons(&user, None));
        assert!(!may_read_persons(&user, Some(&org(1, vec![]))));
        assert!(!may_edit_persons(&user, Some(&all)));
    }

    #[test]
    fn mailbox_configuration_needs_the_forms_function() {
        let admin = account(Role::OrgAdmin { org: 1 });
        assert!(may_administer_org(&admin, Some(&org(1, vec![]))));
        assert!(!may_configure_mailboxes(&admin, Some(&org(1, vec![]))));
        let with_forms = org(1, vec![PortalFunction::Beamtenformulare]);
        assert!(may_configure_mailboxes(&admin, Some(&with_forms)));
        assert!(!may_administer_org(&admin, Some(&org(2, vec![]))));
    }

    #[test]
    fn reports_are_read_by_the_portal_administration_and_beamtenversorgung() {
        let clerk = |b: Vec<Bereich>, admin: bool| {
            account(Role::Kassen {
                portal_admin: admin,
                sachbearbeitung: b,
            })
        };
        assert!(may_read_reports(&clerk(vec![], true)));
        assert!(may_read_reports(&clerk(
            vec![Bereich::Beamtenversorgung],
            false
        )));
        let others: Vec<Bereich> = Bereich::ALL
            .into_iter()
            .filter(|b| *b != Bereich::Beamtenversorgung)
            .collect();
        assert!(!may_read_reports(&clerk(others, false)));
        assert!(!may_use_mailboxes(&clerk(vec![], true), None));
    }
}
