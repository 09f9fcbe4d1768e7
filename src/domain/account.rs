//! Accounts of every role, their status and their grants.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::ids::{IdPrefix, Nutzerkennung};
use super::org::{Bereich, GroupMailbox, OrgId, PortalFunction};

/// What an account is, with the data that only that kind has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    /// Staff of the funds (`K`).
    Kassen {
        portal_admin: bool,
        /// Bereiche of Kassen-Sachbearbeitung; empty means no Sachbearbeitung.
        sachbearbeitung: Vec<Bereich>,
    },
    /// Administrator:in of a member organisation (`X`).
    OrgAdmin { org: OrgId },
    /// Nutzer:in of a member organisation (`S`).
    OrgUser { org: OrgId, grants: Grants },
}

impl Role {
    pub fn id_prefix(&self) -> IdPrefix {
        match self {
            Role::Kassen { .. } => IdPrefix::K,
            Role::OrgAdmin { .. } => IdPrefix::X,
            Role::OrgUser { .. } => IdPrefix::S,
        }
    }

    pub fn org(&self) -> Option<OrgId> {
        match self {
            Role::Kassen { .. } => None,
            Role::OrgAdmin { org } | Role::OrgUser { org, .. } => Some(*org),
        }
    }
}

/// Permissions of a Nutzer:in (handbook §3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grants {
    pub mailboxes: Vec<GroupMailbox>,
    pub functions: Vec<PortalFunction>,
}

/// The second factor used at login.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum SecondFactor {
    #[default]
    Totp,
    EmailTan,
}

/// A date of birth as entered (no time zone).
pub type Date = jiff::civil::Date;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: Nutzerkennung,
    pub role: Role,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub birth_date: Option<Date>,
    /// argon2id PHC string; `None` until the password is set.
    pub password_hash: Option<String>,
    /// Earlier password hashes, to refuse reuse.
    pub password_history: Vec<String>,
    pub second_factor: SecondFactor,
    /// Base32 TOTP secret once the authenticator is set up.
    pub totp_secret: Option<String>,
    /// The last accepted TOTP time step; a code of this step or earlier is refused.
    pub totp_last_step: Option<u64>,
    /// Locked by an administrator ("Gesperrt").
    pub admin_locked: bool,
    /// Consecutive failed logins (password or TAN).
    pub failed_logins: u32,
    /// Self-lock after too many failures, until this instant.
    pub locked_until: Option<Timestamp>,
    pub created_at: Timestamp,
    pub activated_at: Option<Timestamp>,
}

/// The status shown in overviews (SPEC §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Status {
    Angelegt,
    TotpAusstehend,
    Aktiv,
    Gesperrt,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Angelegt,
        Status::TotpAusstehend,
        Status::Aktiv,
        Status::Gesperrt,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Status::Angelegt => "Angelegt",
            Status::TotpAusstehend => "Angelegt (TOTP-Einrichtung ausstehend)",
            Status::Aktiv => "Aktiv",
            Status::Gesperrt => "Gesperrt",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Status::Angelegt => "angelegt",
            Status::TotpAusstehend => "totp-ausstehend",
            Status::Aktiv => "aktiv",
            Status::Gesperrt => "gesperrt",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }
}

impl Account {
    /// A new account: no password yet, authenticator app as second factor.
    pub fn new(
        id: Nutzerkennung,
        role: Role,
        first_name: String,
        last_name: String,
        email: String,
        birth_date: Option<Date>,
        now: Timestamp,
    ) -> Self {
        Account {
            id,
            role,
            first_name,
            last_name,
            email,
            birth_date,
            password_hash: None,
            password_history: Vec::new(),
            second_factor: SecondFactor::Totp,
            totp_secret: None,
            totp_last_step: None,
            admin_locked: false,
            failed_logins: 0,
            locked_until: None,
            created_at: now,
            activated_at: None,
        }
    }

    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }

    /// "Name, Vorname" as in the handbook's lists.
    pub fn sort_name(&self) -> String {
        format!("{}, {}", self.last_name, self.first_name)
    }

    pub fn status(&self) -> Status {
        if self.admin_locked {
            Status::Gesperrt
        } else if self.password_hash.is_none() {
            Status::Angelegt
        } else if self.needs_totp_setup() {
            Status::TotpAusstehend
        } else {
            Status::Aktiv
        }
    }

    /// The account has a password but its authenticator app is not set up yet.
    pub fn needs_totp_setup(&self) -> bool {
        self.second_factor == SecondFactor::Totp && self.totp_secret.is_none()
    }

    /// Not yet activated: a set-password e-mail may be sent again.
    pub fn is_activation_pending(&self) -> bool {
        self.password_hash.is_none()
    }

    /// End of a self-lock still in force at `now`.
    pub fn self_locked_until(&self, now: Timestamp) -> Option<Timestamp> {
        self.locked_until.filter(|until| *until > now)
    }

    pub fn org(&self) -> Option<OrgId> {
        self.role.org()
    }

    pub fn is_kassen_admin(&self) -> bool {
        matches!(
            self.role,
            Role::Kassen {
                portal_admin: true,
                ..
            }
        )
    }

    pub fn kassen_bereiche(&self) -> &[Bereich] {
        match &self.role {
            Role::Kassen {
                sachbearbeitung, ..
            } => sachbearbeitung,
            _ => &[],
        }
    }

    pub fn grants(&self) -> Option<&Grants> {
        match &self.role {
            Role::OrgUser { grants, .. } => Some(grants),
            _ => None,
        }
    }

    /// Records a failed login; returns true when this failure locks the account.
    pub fn register_failure(
        &mut self,
        now: Timestamp,
        threshold: u32,
        lock_for: std::time::Duration,
    ) -> bool {
        self.failed_logins = self.failed_logins.saturating_add(1);
        if self.failed_logins >= threshold {
            self.failed_logins = 0;
            let span =
                jiff::SignedDuration::try_from(lock_for).unwrap_or(jiff::SignedDuration::MAX);
            self.locked_until = Some(now.checked_add(span).unwrap_or(Timestamp::MAX));
            true
        } else {
            false
        }
    }

    pub fn register_success(&mut self) {
        self.failed_logins = 0;
        self.locked_until = None;
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn sample(role: Role) -> Account {
        Account {
            id: Nutzerkennung::parse("X20177120281").expect("valid id"),
            role,
            first_name: "Kim".into(),
            last_name: "Mustermensch".into(),
            email: "kim@musterstadt.de".into(),
            birth_date: None,
            password_hash: None,
            password_history: Vec::new(),
            second_factor: SecondFactor::Totp,
            totp_secret: None,
            totp_last_step: None,
            admin_locked: false,
            failed_logins: 0,
            locked_until: None,
            created_at: Timestamp::UNIX_EPOCH,
            activated_at: None,
        }
    }

    #[test]
    fn status_follows_the_account_life_cycle() {
        let mut a = sample(Role::OrgAdmin { org: 1 });
        assert_eq!(a.status(), Status::Angelegt);
        a.password_hash = Some("x".into());
        assert_eq!(a.status(), Status::TotpAusstehend);
        a.totp_secret = Some("ABC".into());
        assert_eq!(a.status(), Status::Aktiv);
        a.admin_locked = true;
        assert_eq!(a.status(), Status::Gesperrt);
    }

    #[test]
    fn threshold_failures_lock_for_the_duration() {
        let mut a = sample(Role::OrgAdmin { org: 1 });
        let now = Timestamp::UNIX_EPOCH;
        for _ in 0..4 {
            assert!(!a.register_failure(now, 5, std::time::Duration::from_secs(60)));
        }
        assert!(a.register_failure(now, 5, std::time::Duration::from_secs(60)));
        assert_eq!(
            a.self_locked_until(now),
            Some(Timestamp::from_second(60).expect("ts"))
        );
        assert_eq!(
            a.self_locked_until(Timestamp::from_second(61).expect("ts")),
            None
        );
    }
}
