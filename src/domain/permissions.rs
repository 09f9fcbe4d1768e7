//! Grants of Nutzer:innen: the organisation's function restrictions and the
//! dependencies between permissions (handbook §3), enforced on the server.

mod capabilities;

pub use capabilities::*;

use super::account::Grants;
use super::org::{GroupMailbox, Organisation, PortalFunction};

/// Info text on the dependencies, shown next to the permission checkboxes.
pub const DEPENDENCY_INFO: &str = "Gruppenpostfächer setzen die Postfachfunktionalität voraus. Die Anzeige und Bearbeitung von Personen-/Kontaktdaten setzt die Anzeige von Anspruchsberechtigten voraus. Die Meldung von Änderungen mittels Beamtenformularen setzt die Anzeige von Anspruchsberechtigten und die Postfachfunktionalität (für Quittungsnachrichten) voraus.";

/// Whether an organisation sees "Postfach-Konfiguration" (handbook §7):
/// receipts exist only for the Beamtenformulare, so the setting is offered
/// only where the organisation has that function (§1.7). `enabled` are the
/// organisation's enabled functions.
pub fn has_mailbox_config(enabled: &[PortalFunction]) -> bool {
    enabled.contains(&PortalFunction::Beamtenformulare)
}

/// Why receipts cannot go to the group mailboxes, when they cannot: the
/// receipts of the current forms go to Beamtenversorgung (handbook §7).
pub fn group_receipts_refusal(org: &Organisation) -> Option<&'static str> {
    (!org
        .enabled_mailboxes
        .contains(&GroupMailbox::Beamtenversorgung))
    .then_some("Die Einstellung „Gruppenpostfächer“ ist nicht möglich: Das Gruppenpostfach Beamtenversorgung, in das die Quittungsnachrichten eingehen, ist für Ihre Organisation nicht freigegeben.")
}

/// Checks requested grants against the organisation's restrictions and the
/// dependencies. Returns the grants in canonical order, or German messages
/// for the fields `postfaecher` / `funktionen`.
pub fn validate(
    org: &Organisation,
    requested: &Grants,
) -> Result<Grants, Vec<(&'static str, String)>> {
    // Duplicates first: a form repeating a field thousands of times must
    // cost no more than one naming each grant once, and name each problem once.
    let requested = &canonical(requested);
    let mut errors = Vec::new();
    for m in &requested.mailboxes {
        if !org.enabled_mailboxes.contains(m) {
            errors.push((
                "postfaecher",
                format!(
                    "Das Gruppenpostfach {} ist für Ihre Organisation nicht freigegeben.",
                    m.label()
                ),
            ));
        }
    }
    for f in &requested.functions {
        if !org.enabled_functions.contains(f) {
            errors.push((
                "funktionen",
                format!(
                    "Die Berechtigung „{}“ ist für Ihre Organisation nicht freigegeben.",
                    f.label()
                ),
            ));
        }
    }
    let has = |f: PortalFunction| requested.functions.contains(&f);
    if !requested.mailboxes.is_empty() && !has(PortalFunction::Postfach) {
        errors.push((
            "postfaecher",
            "Gruppenpostfächer können nur zusammen mit der Postfachfunktionalität vergeben werden."
                .to_owned(),
        ));
    }
    for f in &requested.functions {
        for needed in f.requires() {
            if !has(*needed) {
                errors.push((
                    "funktionen",
                    format!("„{}“ setzt „{}“ voraus.", f.label(), needed.label()),
                ));
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(canonical(requested))
}

/// Sorted, without duplicates.
pub fn canonical(g: &Grants) -> Grants {
    Grants {
        mailboxes: GroupMailbox::ALL
            .into_iter()
            .filter(|m| g.mailboxes.contains(m))
            .collect(),
        functions: PortalFunction::ALL
            .into_iter()
            .filter(|f| g.functions.contains(f))
            .collect(),
    }
}

/// The part of `grants` that the organisation's current restrictions no
/// longer allow (granted before a restriction was tightened).
pub fn exceeding(org: &Organisation, grants: &Grants) -> Grants {
    Grants {
        mailboxes: grants
            .mailboxes
            .iter()
            .copied()
            .filter(|m| !org.enabled_mailboxes.contains(m))
            .collect(),
        functions: grants
            .functions
            .iter()
            .copied()
            .filter(|f| !org.enabled_functions.contains(f))
            .collect(),
    }
}

/// The grants that count for permission checks: `grants` intersected with
/// the organisation's *current* restrictions, so a tightened restriction
/// takes effect at once, before anyone removes the exceeding grants.
pub fn effective(org: &Organisation, grants: &Grants) -> Grants {
    within_restrictions(org, grants)
}

/// `grants` without what the organisation no longer allows, and without
/// what then lacks its prerequisite.
pub fn within_restrictions(org: &Organisation, grants: &Grants) -> Grants {
    let mut g = Grants {
        mailboxes: grants
            .mailboxes
            .iter()
            .copied()
            .filter(|m| org.enabled_mailboxes.contains(m))
            .collect(),
        functions: grants
            .functions
            .iter()
            .copied()
            .filter(|f| org.enabled_functions.contains(f))
            .collect(),
    };
    // Drop dependants whose prerequisites went away (twice covers chains).
    for _ in 0..2 {
        let functions = g.functions.clone();
        g.functions
            .retain(|f| f.requires().iter().all(|r| functions.contains(r)));
    }
    if !g.functions.contains(&PortalFunction::Postfach) {
        g.mailboxes.clear();
    }
    canonical(&g)
}

impl Grants {
    pub fn is_empty(&self) -> bool {
        self.mailboxes.is_empty() && self.functions.is_empty()
    }

    pub fn has(&self, f: PortalFunction) -> bool {
        self.functions.contains(&f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::org::{Bereich, ReceiptTarget};

    fn org(mailboxes: Vec<GroupMailbox>, functions: Vec<PortalFunction>) -> Organisation {
        Organisation {
            id: 1,
            name: "Blaugraben".into(),
            number: "78970".into(),
            billing_number: "102898".into(),
            address: String::new(),
            bereiche: Bereich::ALL.to_vec(),
            enabled_mailboxes: mailboxes,
            enabled_functions: functions,
            receipt_target: ReceiptTarget::Personal,
            group_emails: Default::default(),
            second_factor: Default::default(),
        }
    }

    #[test]
    fn dependencies_are_enforced() {
        let o = org(GroupMailbox::ALL.to_vec(), PortalFunction::ALL.to_vec());
        let bad = Grants {
            mailboxes: vec![GroupMailbox::Beihilfe],
            functions: vec![PortalFunction::Beamtenformulare],
        };
        let errors = validate(&o, &bad).expect_err("invalid");
        assert!(
            errors
                .iter()
                .any(|(_, m)| m.contains("Postfachfunktionalität"))
        );
        assert!(
            errors
                .iter()
                .any(|(_, m)| m.contains("setzt „Anzeige von Anspruchsberechtigten"))
        );
        let good = Grants {
            mailboxes: vec![GroupMailbox::Beihilfe],
            functions: vec![
                PortalFunction::Beamtenformulare,
                PortalFunction::Postfach,
                PortalFunction::AnspruchsberechtigteAnzeigen,
            ],
        };
        assert!(validate(&o, &good).is_ok());
    }

    #[test]
    fn repeated_grants_are_named_once() {
        let o = org(vec![GroupMailbox::Beihilfe], vec![PortalFunction::Postfach]);
        let g = Grants {
            mailboxes: vec![GroupMailbox::Finanzierung; 9_500],
            functions: vec![PortalFunction::Postfach; 9_500],
        };
        let errors = validate(&o, &g).expect_err("invalid");
        assert_eq!(errors.len(), 1, "{errors:?}");
    }

    #[test]
    fn restrictions_are_enforced_and_reported() {
        let o = org(vec![GroupMailbox::Beihilfe], vec![PortalFunction::Postfach]);
        let g = Grants {
            mailboxes: vec![GroupMailbox::Finanzierung],
            functions: vec![PortalFunction::Postfach],
        };
        assert!(validate(&o, &g).is_err());
        assert_eq!(
            exceeding(&o, &g).mailboxes,
            vec![GroupMailbox::Finanzierung]
        );
        assert!(within_restrictions(&o, &g).mailboxes.is_empty());
    }
}
