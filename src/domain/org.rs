//! Member organisations (Mitglieder), their Geschäftsbereiche and the
//! permission vocabulary shared by organisations and accounts.

use serde::{Deserialize, Serialize};

/// A Geschäftsbereich of the funds; also the Bereich of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Bereich {
    Beamtenversorgung,
    Beihilfe,
    Zusatzversorgung,
}

impl Bereich {
    pub const ALL: [Bereich; 3] = [
        Bereich::Beamtenversorgung,
        Bereich::Beihilfe,
        Bereich::Zusatzversorgung,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Bereich::Beamtenversorgung => "Beamtenversorgung",
            Bereich::Beihilfe => "Beihilfe",
            Bereich::Zusatzversorgung => "Zusatzversorgung",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Bereich::Beamtenversorgung => "beamtenversorgung",
            Bereich::Beihilfe => "beihilfe",
            Bereich::Zusatzversorgung => "zusatzversorgung",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.key() == key)
    }

    /// The stable code stored in index entries (2 bits), independent of
    /// the display order of [`Bereich::ALL`]; pinned by a golden test.
    pub const fn code(self) -> u8 {
        match self {
            Bereich::Beamtenversorgung => 0,
            Bereich::Beihilfe => 1,
            Bereich::Zusatzversorgung => 2,
        }
    }

    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.code() == code)
    }
}

/// The group mailboxes of an organisation, in the handbook's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum GroupMailbox {
    Beihilfe,
    Beamtenversorgung,
    Finanzierung,
    MitgliederRecht,
    Geschaeftsleitung,
    Zusatzversorgung,
    Administration,
}

impl GroupMailbox {
    pub const ALL: [GroupMailbox; 7] = [
        GroupMailbox::Beihilfe,
        GroupMailbox::Beamtenversorgung,
        GroupMailbox::Finanzierung,
        GroupMailbox::MitgliederRecht,
        GroupMailbox::Geschaeftsleitung,
        GroupMailbox::Zusatzversorgung,
        GroupMailbox::Administration,
    ];

    pub fn label(self) -> &'static str {
        match self {
            GroupMailbox::Beihilfe => "Beihilfe",
            GroupMailbox::Beamtenversorgung => "Beamtenversorgung",
            GroupMailbox::Finanzierung => "Finanzierung",
            GroupMailbox::MitgliederRecht => "Mitglieder/Recht",
            GroupMailbox::Geschaeftsleitung => "Geschäftsleitung",
            GroupMailbox::Zusatzversorgung => "Zusatzversorgung",
            GroupMailbox::Administration => "Administration",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            GroupMailbox::Beihilfe => "beihilfe",
            GroupMailbox::Beamtenversorgung => "beamtenversorgung",
            GroupMailbox::Finanzierung => "finanzierung",
            GroupMailbox::MitgliederRecht => "mitglieder-recht",
            GroupMailbox::Geschaeftsleitung => "geschaeftsleitung",
            GroupMailbox::Zusatzversorgung => "zusatzversorgung",
            GroupMailbox::Administration => "administration",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.key() == key)
    }

    /// The stable code stored in the account index (the bit of a grant in
    /// a 16-bit set), independent of the display order of
    /// [`GroupMailbox::ALL`]: a new mailbox gets the next free code
    /// wherever it is shown. Pinned by a golden test (`store::codes`).
    pub const fn code(self) -> u8 {
        match self {
            GroupMailbox::Beihilfe => 0,
            GroupMailbox::Beamtenversorgung => 1,
            GroupMailbox::Finanzierung => 2,
            GroupMailbox::MitgliederRecht => 3,
            GroupMailbox::Geschaeftsleitung => 4,
            GroupMailbox::Zusatzversorgung => 5,
            GroupMailbox::Administration => 6,
        }
    }
}

/// The portal functions an organisation's users can be granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PortalFunction {
    Postfach,
    AnspruchsberechtigteAnzeigen,
    PersonendatenBearbeiten,
    Beamtenformulare,
}

impl PortalFunction {
    pub const ALL: [PortalFunction; 4] = [
        PortalFunction::Postfach,
        PortalFunction::AnspruchsberechtigteAnzeigen,
        PortalFunction::PersonendatenBearbeiten,
        PortalFunction::Beamtenformulare,
    ];

    pub fn label(self) -> &'static str {
        match self {
            PortalFunction::Postfach => "Postfachfunktionalität",
            PortalFunction::AnspruchsberechtigteAnzeigen => {
                "Anzeige von Anspruchsberechtigten (bei Beamten inkl. Lebensläufen)"
            }
            PortalFunction::PersonendatenBearbeiten => {
                "Anzeige und Bearbeitung von Personen-/Kontaktdaten von Anspruchsberechtigten"
            }
            PortalFunction::Beamtenformulare => {
                "Meldung von Änderungen an aktiven Beamten mittels Beamtenformularen"
            }
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            PortalFunction::Postfach => "postfach",
            PortalFunction::AnspruchsberechtigteAnzeigen => "anspruchsberechtigte",
            PortalFunction::PersonendatenBearbeiten => "personendaten",
            PortalFunction::Beamtenformulare => "beamtenformulare",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.key() == key)
    }

    /// The stable code stored in the account index (the bit of a grant in
    /// an 8-bit set), independent of the display order of
    /// [`PortalFunction::ALL`]. Pinned by a golden test (`store::codes`).
    pub const fn code(self) -> u8 {
        match self {
            PortalFunction::Postfach => 0,
            PortalFunction::AnspruchsberechtigteAnzeigen => 1,
            PortalFunction::PersonendatenBearbeiten => 2,
            PortalFunction::Beamtenformulare => 3,
        }
    }

    /// The functions this one cannot work without (handbook §3 info texts).
    pub fn requires(self) -> &'static [PortalFunction] {
        match self {
            PortalFunction::Postfach | PortalFunction::AnspruchsberechtigteAnzeigen => &[],
            PortalFunction::PersonendatenBearbeiten => {
                &[PortalFunction::AnspruchsberechtigteAnzeigen]
            }
            PortalFunction::Beamtenformulare => &[
                PortalFunction::AnspruchsberechtigteAnzeigen,
                PortalFunction::Postfach,
            ],
        }
    }
}

/// Identifier of an organisation in the store.
pub type OrgId = u64;

/// Which receipt messages go where (handbook §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum ReceiptTarget {
    /// As a system message into the submitter's personal mailbox.
    #[default]
    Personal,
    /// Into the group mailbox of the form's area (Beamtenversorgung).
    Group,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    pub id: OrgId,
    pub name: String,
    /// Mitgliedsnummer / PNR, unique.
    pub number: String,
    pub billing_number: String,
    pub address: String,
    pub bereiche: Vec<Bereich>,
    /// Group mailboxes its administrators may grant.
    pub enabled_mailboxes: Vec<GroupMailbox>,
    /// Portal functions its administrators may grant.
    pub enabled_functions: Vec<PortalFunction>,
    pub receipt_target: ReceiptTarget,
    /// Notification addresses per group mailbox (handbook §6).
    #[serde(default)]
    pub group_emails: std::collections::BTreeMap<GroupMailbox, Vec<String>>,
    /// "Zweiter Faktor" for every account of the organisation (handbook
    /// §1.2 note); see `account::effective_second_factor`.
    #[serde(default)]
    pub second_factor: super::account::SecondFactor,
}

impl Organisation {
    /// The handbook's hint where the organisation is registered in only some
    /// Geschäftsbereiche, e.g. "Sie sind nur in den Geschäftsbereichen
    /// Beamtenversorgung und Zusatzversorgung bei der Kasse gemeldet."
    pub fn registration_hint(&self) -> Option<String> {
        let mut names: Vec<&str> = Bereich::ALL
            .into_iter()
            .filter(|b| self.bereiche.contains(b))
            .map(Bereich::label)
            .collect();
        match names.len() {
            0 => Some("Sie sind in keinem Geschäftsbereich bei der Kasse gemeldet.".to_owned()),
            1 => Some(format!(
                "Sie sind nur im Geschäftsbereich {} bei der Kasse gemeldet.",
                names[0]
            )),
            2 => {
                let last = names.pop().unwrap_or_default();
                Some(format!(
                    "Sie sind nur in den Geschäftsbereichen {} und {last} bei der Kasse gemeldet.",
                    names.join(", ")
                ))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn org(bereiche: Vec<Bereich>) -> Organisation {
        Organisation {
            id: 1,
            name: "Blaugraben".into(),
            number: "78970".into(),
            billing_number: "102898".into(),
            address: String::new(),
            bereiche,
            enabled_mailboxes: GroupMailbox::ALL.to_vec(),
            enabled_functions: PortalFunction::ALL.to_vec(),
            receipt_target: ReceiptTarget::Personal,
            group_emails: Default::default(),
            second_factor: Default::default(),
        }
    }

    #[test]
    fn hint_names_the_registered_areas_like_the_handbook() {
        let o = org(vec![Bereich::Zusatzversorgung, Bereich::Beamtenversorgung]);
        assert_eq!(
            o.registration_hint().as_deref(),
            Some(
                "Sie sind nur in den Geschäftsbereichen Beamtenversorgung und Zusatzversorgung bei der Kasse gemeldet."
            )
        );
        assert_eq!(org(Bereich::ALL.to_vec()).registration_hint(), None);
    }
}
