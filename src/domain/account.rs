//! Accounts of every role, their status and their grants.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::ids::{IdPrefix, Nutzerkennung};
use super::org::{Bereich, GroupMailbox, OrgId, Organisation, PortalFunction};

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

impl SecondFactor {
    pub const ALL: [SecondFactor; 2] = [SecondFactor::Totp, SecondFactor::EmailTan];

    /// The handbook's name ("Authenticator-App" / "E-Mail-TAN").
    pub fn label(self) -> &'static str {
        match self {
            SecondFactor::Totp => "Authenticator-App",
            SecondFactor::EmailTan => "E-Mail-TAN",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            SecondFactor::Totp => "authenticator-app",
            SecondFactor::EmailTan => "email-tan",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.key() == key)
    }
}

/// The second factor an account uses at login — the one rule, used by the
/// login and every page that shows it:
///
/// 1. a choice the Kassen made for this account ("Zweiten Faktor auf …
///    umstellen" on an administrator) wins;
/// 2. otherwise the setting of the account's organisation ("Zweiter Faktor"
///    on the Mitglied form) applies;
/// 3. accounts without an organisation (Kassen staff) use the
///    authenticator app.
pub fn effective_second_factor(account: &Account, org: Option<&Organisation>) -> SecondFactor {
    account
        .second_factor_choice()
        .or_else(|| org.map(|o| o.second_factor))
        .unwrap_or_default()
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
    /// The account's own second factor; see [`Account::second_factor_choice`].
    pub second_factor: SecondFactor,
    /// Set when the Kassen chose `second_factor` for this account, so that
    /// it overrides the organisation's setting (see
    /// [`effective_second_factor`]).
    #[serde(default)]
    pub second_factor_override: bool,
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
    /// Expiry of the latest "Passwort festlegen" link sent while the
    /// account was not activated yet.
    #[serde(default)]
    pub activation_expires_at: Option<Timestamp>,
    /// The last complete sign-in (password and second factor).
    #[serde(default)]
    pub last_login_at: Option<Timestamp>,
    /// Bookkeeping of the lock of unused accounts (issue 22 §3).
    #[serde(default)]
    pub dormancy: Dormancy,
    /// When an administrator last confirmed this Nutzer:in's grants in the
    /// access review (Rezertifizierung, issue 22 §2).
    #[serde(default)]
    pub recertified_at: Option<Timestamp>,
    /// Grants taken away because the review was overdue past the grace
    /// period (`security.recertification_enforce`); "Bestätigen" restores them.
    #[serde(default)]
    pub suspended_grants: Option<Grants>,
}

/// What the dormant-account rule remembers of an account, so that each
/// e-mail goes out once and an unlock starts a new period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dormancy {
    /// Locked because unused ("Gesperrt (inaktiv)"); `admin_locked` is set too.
    #[serde(default)]
    pub locked: bool,
    /// When the advance notice went out (for the current period).
    #[serde(default)]
    pub warned_at: Option<Timestamp>,
    /// Start of the counted period when it did not begin with a login: the
    /// unlock, or the first run that saw an account without a recorded login.
    #[serde(default)]
    pub since: Option<Timestamp>,
}

/// The status shown in overviews (SPEC §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Status {
    Angelegt,
    TotpAusstehend,
    Aktiv,
    Gesperrt,
    /// Locked because it was not used for `security.dormant_days`.
    GesperrtInaktiv,
}

impl Status {
    /// In display order (the stored code is [`Status::code`]).
    pub const ALL: [Status; 5] = [
        Status::Angelegt,
        Status::TotpAusstehend,
        Status::Aktiv,
        Status::Gesperrt,
        Status::GesperrtInaktiv,
    ];

    /// Locked by the administration or as unused.
    pub fn is_locked(self) -> bool {
        matches!(self, Status::Gesperrt | Status::GesperrtInaktiv)
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Angelegt => "Angelegt",
            Status::TotpAusstehend => "Angelegt (TOTP-Einrichtung ausstehend)",
            Status::Aktiv => "Aktiv",
            Status::Gesperrt => "Gesperrt",
            Status::GesperrtInaktiv => "Gesperrt (inaktiv)",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Status::Angelegt => "angelegt",
            Status::TotpAusstehend => "totp-ausstehend",
            Status::Aktiv => "aktiv",
            Status::Gesperrt => "gesperrt",
            Status::GesperrtInaktiv => "gesperrt-inaktiv",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }

    /// The stable code stored in the account index, independent of the
    /// display order of [`Status::ALL`]. Pinned by a golden test
    /// (`store::codes`).
    pub const fn code(self) -> u8 {
        match self {
            Status::Angelegt => 0,
            Status::TotpAusstehend => 1,
            Status::Aktiv => 2,
            Status::Gesperrt => 3,
            Status::GesperrtInaktiv => 4,
        }
    }

    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
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
            second_factor_override: false,
            totp_secret: None,
            totp_last_step: None,
            admin_locked: false,
            failed_logins: 0,
            locked_until: None,
            created_at: now,
            activated_at: None,
            activation_expires_at: None,
            last_login_at: None,
            dormancy: Dormancy::default(),
            recertified_at: None,
            suspended_grants: None,
        }
    }

    /// Start of the period the dormant-account rule counts: the last login,
    /// the activation or the last unlock, whichever is latest. `None` for an
    /// account never activated.
    pub fn dormancy_reference(&self) -> Option<Timestamp> {
        self.activated_at?;
        [self.last_login_at, self.activated_at, self.dormancy.since]
            .into_iter()
            .flatten()
            .max()
    }

    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }

    /// "Name, Vorname" as in the handbook's lists.
    pub fn sort_name(&self) -> String {
        format!("{}, {}", self.last_name, self.first_name)
    }

    /// The status of an account without organisation (Kassen staff), or
    /// where the organisation's setting is not at hand; prefer
    /// [`Account::status_in`] for accounts of an organisation.
    pub fn status(&self) -> Status {
        self.status_with(self.second_factor_choice().unwrap_or_default())
    }

    /// The status with the second factor that applies in `org`.
    pub fn status_in(&self, org: Option<&Organisation>) -> Status {
        self.status_with(effective_second_factor(self, org))
    }

    fn status_with(&self, factor: SecondFactor) -> Status {
        if self.admin_locked && self.dormancy.locked {
            Status::GesperrtInaktiv
        } else if self.admin_locked {
            Status::Gesperrt
        } else if self.password_hash.is_none() {
            Status::Angelegt
        } else if self.needs_totp_setup(factor) {
            Status::TotpAusstehend
        } else {
            Status::Aktiv
        }
    }

    /// The Kassen's choice for this account, if any. An account switched to
    /// E-Mail-TAN before organisations had their own setting keeps it.
    pub fn second_factor_choice(&self) -> Option<SecondFactor> {
        (self.second_factor_override || self.second_factor == SecondFactor::EmailTan)
            .then_some(self.second_factor)
    }

    /// Sets the Kassen's choice; choosing what `org` uses anyway removes
    /// the override, so that the account follows its organisation again.
    pub fn choose_second_factor(&mut self, factor: SecondFactor, org: Option<&Organisation>) {
        let org_factor = org.map(|o| o.second_factor).unwrap_or_default();
        if factor == org_factor {
            self.second_factor = SecondFactor::Totp;
            self.second_factor_override = false;
        } else {
            self.second_factor = factor;
            self.second_factor_override = true;
        }
    }

    /// The account uses the authenticator app (`factor` is its effective
    /// second factor) but has not set it up yet: it does so at the next
    /// login.
    pub fn needs_totp_setup(&self, factor: SecondFactor) -> bool {
        factor == SecondFactor::Totp && self.totp_secret.is_none()
    }

    /// Not yet activated: a set-password e-mail may be sent again.
    pub fn is_activation_pending(&self) -> bool {
        self.password_hash.is_none()
    }

    /// Not activated yet and the last activation link has expired at `now`
    /// ("Aktivierungslink abgelaufen"): a new one must be sent.
    pub fn activation_link_expired(&self, now: Timestamp) -> bool {
        self.is_activation_pending() && self.activation_expires_at.is_some_and(|t| t <= now)
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
            second_factor_override: false,
            totp_secret: None,
            totp_last_step: None,
            admin_locked: false,
            failed_logins: 0,
            locked_until: None,
            created_at: Timestamp::UNIX_EPOCH,
            activated_at: None,
            activation_expires_at: None,
            last_login_at: None,
            dormancy: Dormancy::default(),
            recertified_at: None,
            suspended_grants: None,
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

    fn org(factor: SecondFactor) -> Organisation {
        let mut o = crate::domain::org::tests::org(Bereich::ALL.to_vec());
        o.second_factor = factor;
        o
    }

    #[test]
    fn the_kassen_choice_wins_over_the_organisation() {
        use SecondFactor::{EmailTan, Totp};
        let mut a = sample(Role::OrgAdmin { org: 1 });
        // No choice: the organisation decides; no organisation: the app.
        assert_eq!(effective_second_factor(&a, None), Totp);
        assert_eq!(effective_second_factor(&a, Some(&org(EmailTan))), EmailTan);
        // A choice overrides in both directions.
        a.choose_second_factor(Totp, Some(&org(EmailTan)));
        assert_eq!(effective_second_factor(&a, Some(&org(EmailTan))), Totp);
        a.choose_second_factor(EmailTan, Some(&org(Totp)));
        assert_eq!(effective_second_factor(&a, Some(&org(Totp))), EmailTan);
        // Choosing what the organisation uses removes the override.
        a.choose_second_factor(Totp, Some(&org(Totp)));
        assert_eq!(a.second_factor_choice(), None);
        assert_eq!(effective_second_factor(&a, Some(&org(EmailTan))), EmailTan);
        // Back on the app without an authenticator: set up at next login.
        a.password_hash = Some("x".into());
        assert_eq!(a.status_in(Some(&org(EmailTan))), Status::Aktiv);
        assert_eq!(a.status_in(Some(&org(Totp))), Status::TotpAusstehend);
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
