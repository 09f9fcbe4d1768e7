//! Route paths, defined once; the web layer routes them and the views link
//! to them.

pub const HOME: &str = "/";
pub const LOGIN: &str = "/login";
pub const LOGIN_TAN: &str = "/login/tan";
pub const LOGIN_TOTP_SETUP: &str = "/login/authenticator";
pub const LOGIN_CANCEL: &str = "/login/abbrechen";
pub const LOGOUT: &str = "/abmelden";
pub const KEEP_ALIVE: &str = "/sitzung/verlaengern";
pub const SETUP: &str = "/setup";
/// The GET page after the first-run setup (post/redirect/get).
pub const SETUP_DONE: &str = "/setup/fertig";
pub const FORGOT_PASSWORD: &str = "/passwort-vergessen";
/// The set-password page; the link's token follows as query parameter
/// (`app::links` builds the e-mailed links from it).
pub const SET_PASSWORD: &str = "/passwort-festlegen";
/// The Nutzerkennung-abrufen page (token as query parameter, as above).
pub const RETRIEVE_ID: &str = "/nutzerkennung-abrufen";
/// The GET pages after setting a password and retrieving a Nutzerkennung.
pub const PASSWORD_SET: &str = "/passwort-festgelegt";
pub const ID_RETRIEVED: &str = "/nutzerkennung-abgerufen";
pub const SETTINGS: &str = "/einstellungen";
pub const CHANGE_PASSWORD: &str = "/einstellungen/passwort";
pub const ORG_DATA: &str = "/mitgliederdaten";
pub const HEALTH: &str = "/healthz";
pub const READY: &str = "/readyz";
pub const METRICS: &str = "/metrics";
pub const FAQ: &str = "/faq";
pub const FEEDBACK: &str = "/feedback";
pub const FEEDBACK_THANKS: &str = "/feedback/danke";
pub const SUPPORT: &str = "/support";
pub const SUPPORT_THANKS: &str = "/support/danke";
pub const SEARCH: &str = "/suche";

// Kassen-Portaladministration
pub const KASSEN_ORGS: &str = "/kassen/mitglieder";
pub const KASSEN_ORG_NEW: &str = "/kassen/mitglieder/neu";
pub const KASSEN_ADMINS: &str = "/kassen/administratoren";
pub const KASSEN_ADMIN_NEW: &str = "/kassen/administratoren/neu";
pub const KASSEN_STAFF: &str = "/kassen/personal";
pub const KASSEN_STAFF_NEW: &str = "/kassen/personal/neu";
pub const KASSEN_AUDIT: &str = "/kassen/protokoll";
pub const KASSEN_AUDIT_CSV: &str = "/kassen/protokoll.csv";
pub const KASSEN_OUTBOX: &str = "/kassen/postausgang";
pub const KASSEN_BACKUP: &str = "/kassen/datensicherung";
pub const KASSEN_FAQ: &str = "/kassen/faq";
pub const KASSEN_FAQ_NEW: &str = "/kassen/faq/neu";
pub const KASSEN_FEEDBACK: &str = "/kassen/rueckmeldungen";

/// The Kassen' pages of one kind of account: Administrator:innen of member
/// organisations or Kassenpersonal. Every action has its own route (the
/// web layer maps each `app::kassen_accounts::Action` to one of them).
pub struct AccountPaths {
    pub list: &'static str,
    pub new: &'static str,
    pub details: &'static str,
    pub lock: &'static str,
    pub unlock: &'static str,
    pub resend: &'static str,
    pub factor_email: &'static str,
    pub factor_totp: &'static str,
    pub reset_totp: &'static str,
    pub deactivate: &'static str,
}

impl AccountPaths {
    /// `template` (one of this kind's paths) for the account `id`.
    pub fn of(template: &str, id: &str) -> String {
        template.replace("{id}", id)
    }

    pub fn details_of(&self, id: &str) -> String {
        Self::of(self.details, id)
    }
}

/// Administrator:innen of member organisations, at the Kassen.
pub const KASSEN_ADMIN_PATHS: AccountPaths = AccountPaths {
    list: KASSEN_ADMINS,
    new: KASSEN_ADMIN_NEW,
    details: "/kassen/administratoren/{id}",
    lock: "/kassen/administratoren/{id}/sperren",
    unlock: "/kassen/administratoren/{id}/entsperren",
    resend: "/kassen/administratoren/{id}/passwort-email",
    factor_email: "/kassen/administratoren/{id}/zweiter-faktor-email",
    factor_totp: "/kassen/administratoren/{id}/zweiter-faktor-app",
    reset_totp: "/kassen/administratoren/{id}/authenticator-zuruecksetzen",
    deactivate: "/kassen/administratoren/{id}/deaktivieren",
};
/// The GET page after "Administrator:in anlegen" (post/redirect/get).
pub const KASSEN_ADMIN_CREATED: &str = "/kassen/administratoren/{id}/angelegt";

/// Kassenpersonal.
pub const KASSEN_STAFF_PATHS: AccountPaths = AccountPaths {
    list: KASSEN_STAFF,
    new: KASSEN_STAFF_NEW,
    details: "/kassen/personal/{id}",
    lock: "/kassen/personal/{id}/sperren",
    unlock: "/kassen/personal/{id}/entsperren",
    resend: "/kassen/personal/{id}/passwort-email",
    factor_email: "/kassen/personal/{id}/zweiter-faktor-email",
    factor_totp: "/kassen/personal/{id}/zweiter-faktor-app",
    reset_totp: "/kassen/personal/{id}/authenticator-zuruecksetzen",
    deactivate: "/kassen/personal/{id}/deaktivieren",
};

// Administration of a member organisation
pub const USERS: &str = "/nutzer";
pub const USERS_NEW: &str = "/nutzer/neu";
pub const GROUP_MAILBOXES: &str = "/gruppenpostfaecher";
pub const MAILBOX_CONFIG: &str = "/postfach-konfiguration";
pub const ORG_AUDIT: &str = "/protokoll";

/// Pages of the organisation administrators' user administration.
pub mod users {
    pub use super::{USERS as LIST, USERS_NEW as NEW};

    pub const DETAILS: &str = "/nutzer/{kennung}";
    pub const EDIT: &str = "/nutzer/{kennung}/bearbeiten";
    pub const LOCK: &str = "/nutzer/{kennung}/sperren";
    pub const UNLOCK: &str = "/nutzer/{kennung}/entsperren";
    pub const RESEND: &str = "/nutzer/{kennung}/passwort-email";
    pub const DEACTIVATE: &str = "/nutzer/{kennung}/deaktivieren";
    pub const RESET_TOTP: &str = "/nutzer/{kennung}/authenticator-zuruecksetzen";
    /// The GET page after "Anlegen" (post/redirect/get).
    pub const CREATED: &str = "/nutzer/{kennung}/angelegt";
    /// The access review (Rezertifizierung) and its "Bestätigen".
    pub const REVIEW: &str = "/nutzer/berechtigungen-pruefen";
    pub const REVIEW_CONFIRM: &str = "/nutzer/berechtigungen-pruefen/bestaetigen";

    fn fill(template: &str, id: &str) -> String {
        template.replace("{kennung}", id)
    }

    pub fn details(id: &str) -> String {
        fill(DETAILS, id)
    }
    pub fn edit(id: &str) -> String {
        fill(EDIT, id)
    }
    pub fn lock(id: &str) -> String {
        fill(LOCK, id)
    }
    pub fn unlock(id: &str) -> String {
        fill(UNLOCK, id)
    }
    pub fn resend(id: &str) -> String {
        fill(RESEND, id)
    }
    pub fn deactivate(id: &str) -> String {
        fill(DEACTIVATE, id)
    }
    pub fn reset_totp(id: &str) -> String {
        fill(RESET_TOTP, id)
    }
    pub fn created(id: &str) -> String {
        fill(CREATED, id)
    }
}

/// Pages of an organisation's group mailboxes and settings.
pub mod org {
    pub use super::{GROUP_MAILBOXES as LIST, MAILBOX_CONFIG as CONFIG, ORG_DATA};
    use crate::domain::org::GroupMailbox;

    pub const GROUP: &str = "/gruppenpostfaecher/{postfach}";
    pub const GROUP_EDIT: &str = "/gruppenpostfaecher/{postfach}/bearbeiten";

    pub fn group(m: GroupMailbox) -> String {
        GROUP.replace("{postfach}", m.key())
    }

    pub fn group_edit(m: GroupMailbox) -> String {
        GROUP_EDIT.replace("{postfach}", m.key())
    }
}

/// The mailboxes (handbook §8): `{postfach}` is a mailbox of the signed-in
/// person (`persoenlich`, a group mailbox key, `kasse-<bereich>`).
pub mod messages {
    pub const INDEX: &str = "/postfach";
    pub const MAILBOX: &str = "/postfach/{postfach}";
    pub const COMPOSE: &str = "/postfach/{postfach}/schreiben";
    pub const MESSAGE: &str = "/postfach/{postfach}/nachricht/{id}";
    pub const REPLY: &str = "/postfach/{postfach}/nachricht/{id}/antworten";
    pub const MARK: &str = "/postfach/{postfach}/nachricht/{id}/aktion/{aktion}";
    pub const ATTACHMENT: &str = "/postfach/{postfach}/nachricht/{id}/anhang/{nr}";
    pub const EXPORT: &str = "/postfach/{postfach}/nachricht/{id}/pdf";

    pub fn mailbox(slug: &str) -> String {
        MAILBOX.replace("{postfach}", slug)
    }
    pub fn compose(slug: &str) -> String {
        COMPOSE.replace("{postfach}", slug)
    }
    pub fn message(slug: &str, id: u64) -> String {
        MESSAGE
            .replace("{postfach}", slug)
            .replace("{id}", &id.to_string())
    }
    pub fn reply(slug: &str, id: u64) -> String {
        format!("{}/antworten", message(slug, id))
    }
    pub fn mark(slug: &str, id: u64, action: &str) -> String {
        format!("{}/aktion/{action}", message(slug, id))
    }
    pub fn export(slug: &str, id: u64) -> String {
        format!("{}/pdf", message(slug, id))
    }

    pub fn attachment(slug: &str, id: u64, nr: usize) -> String {
        format!("{}/anhang/{nr}", message(slug, id))
    }
}

/// Functional use by Nutzer:innen and the Kassen' side of it.
pub mod persons {
    pub const LIST: &str = "/anspruchsberechtigte";
    pub const DETAILS: &str = "/anspruchsberechtigte/{pnr}";
    pub const EDIT: &str = "/anspruchsberechtigte/{pnr}/bearbeiten";
    pub const FORMS: &str = "/formulare";
    pub const FORM: &str = "/formulare/{formular}";
    pub const FORM_SUBMIT: &str = "/formulare/{formular}/absenden";
    pub const REPORT: &str = "/formulare/meldungen/{id}";
    pub const REPORT_PDF: &str = "/formulare/meldungen/{id}/pdf";
    pub const KASSEN_IMPORT: &str = "/kassen/datenimport";
    pub const KASSEN_REPORTS: &str = "/kassen/formularmeldungen";
    pub const KASSEN_REPORT: &str = "/kassen/formularmeldungen/{id}";
    pub const KASSEN_REPORT_PDF: &str = "/kassen/formularmeldungen/{id}/pdf";
    pub const KASSEN_REPORT_STATUS: &str = "/kassen/formularmeldungen/{id}/status";

    pub fn details(pnr: &str) -> String {
        DETAILS.replace("{pnr}", pnr)
    }
    pub fn edit(pnr: &str) -> String {
        EDIT.replace("{pnr}", pnr)
    }
    pub fn form(key: &str) -> String {
        FORM.replace("{formular}", key)
    }
    pub fn form_submit(key: &str) -> String {
        FORM_SUBMIT.replace("{formular}", key)
    }
    pub fn report(id: u64) -> String {
        REPORT.replace("{id}", &id.to_string())
    }
    pub fn report_pdf(id: u64) -> String {
        REPORT_PDF.replace("{id}", &id.to_string())
    }
    pub fn kassen_report(id: u64) -> String {
        KASSEN_REPORT.replace("{id}", &id.to_string())
    }
    pub fn kassen_report_pdf(id: u64) -> String {
        KASSEN_REPORT_PDF.replace("{id}", &id.to_string())
    }
    pub fn kassen_report_status(id: u64) -> String {
        KASSEN_REPORT_STATUS.replace("{id}", &id.to_string())
    }
}
