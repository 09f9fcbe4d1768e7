//! Use cases: each function is one user action, composed of domain rules and
//! store functions inside one write transaction. No HTTP here.

pub mod accounts;
pub mod audit_chain;
pub mod audit_log;
pub mod auth;
pub mod backups;
pub mod conversation_pdf;
pub mod credentials;
pub mod demo;
pub mod dormancy;
pub mod faq;
pub mod feedback;
pub mod forms;
pub mod housekeeping;
pub mod kassen_accounts;
pub mod kassen_home;
pub mod links;
pub mod messages;
pub mod ops;
pub mod org_settings;
pub mod orgs;
pub mod outbox;
pub mod passwords;
pub mod pdf_splice;
pub mod pdfa;
pub mod person_import;
pub mod persons;
pub mod recertification;
pub mod report_pdf;
pub mod search;
pub mod sessions;
pub mod setup;
pub mod user_overview;
pub mod users;

use crate::store;

/// Field-level problems of a form, in German, by field name.
pub type FieldErrors = Vec<(&'static str, String)>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] store::Error),
    /// The input breaks rules; the messages go next to the fields.
    #[error("invalid input")]
    Invalid(FieldErrors),
    /// The object does not exist or is not visible to the actor.
    #[error("not found")]
    NotFound,
    /// The session a change was made for ended before its write
    /// transaction (logout, lock, idle timeout while an upload ran).
    #[error("session ended")]
    SessionEnded,
    #[error("internal error: {0}")]
    Internal(String),
}

/// Whether a single-line value holds control characters (CR, LF, TAB, NUL,
/// DEL, C1 controls …).
pub fn has_control(value: &str) -> bool {
    value.chars().any(char::is_control)
}

/// Collects field errors and turns them into `Error::Invalid` at the end.
#[derive(Default)]
pub struct Check(FieldErrors);

impl Check {
    pub fn fail(&mut self, field: &'static str, message: impl Into<String>) {
        if !self.0.iter().any(|(f, _)| *f == field) {
            self.0.push((field, message.into()));
        }
    }

    /// A required single-line text; returns it trimmed. Control characters
    /// (line breaks, tabs, NUL …) are refused: such values end up in e-mail
    /// headers and texts, CSV exports and logs.
    pub fn required(&mut self, field: &'static str, value: &str, label: &str) -> String {
        let v = value.trim();
        if v.is_empty() {
            self.fail(field, format!("Bitte geben Sie {label} ein."));
        } else if has_control(v) {
            self.fail(
                field,
                format!("Bitte geben Sie {label} ohne Zeilenumbrüche oder Steuerzeichen ein."),
            );
        } else if v.chars().count() > crate::domain::MAX_LINE_CHARS {
            self.fail(
                field,
                format!(
                    "Bitte geben Sie {label} mit höchstens {} Zeichen ein.",
                    crate::domain::MAX_LINE_CHARS
                ),
            );
        }
        v.to_owned()
    }

    /// A required e-mail address; returns it normalised.
    pub fn email(&mut self, field: &'static str, value: &str) -> String {
        if value.trim().is_empty() {
            self.fail(field, "Bitte geben Sie eine E-Mail-Adresse ein.");
            return String::new();
        }
        match crate::domain::email::parse_address(value) {
            Some(a) => a,
            None => {
                self.fail(
                    field,
                    "Bitte geben Sie eine gültige E-Mail-Adresse ein (z. B. name@beispiel.de).",
                );
                value.trim().to_owned()
            }
        }
    }

    /// The person fields every account form has: "Vorname", "Name" and
    /// "E-Mail-Adresse" (fields `vorname`, `name`, `email`), checked and
    /// normalised.
    pub fn person(
        &mut self,
        first_name: &str,
        last_name: &str,
        email: &str,
    ) -> (String, String, String) {
        (
            self.required("vorname", first_name, "einen Vornamen"),
            self.required("name", last_name, "einen Namen"),
            self.email("email", email),
        )
    }

    pub fn is_ok(&self) -> bool {
        self.0.is_empty()
    }

    /// The problems found, for a page that shows them next to the fields
    /// (empty when the input is valid).
    pub fn into_problems(self) -> FieldErrors {
        self.0
    }

    pub fn finish(self) -> Result<(), Error> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(self.0))
        }
    }
}

/// Who performs an action, for the audit log.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: String,
    pub client: Option<String>,
}
