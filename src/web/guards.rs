//! Capability guards: one extractor per capability of
//! `domain::permissions`. A handler that needs a capability takes its
//! guard as an argument, so it cannot run without the check; the guard
//! holds the proof, which only the check constructs, and use cases take
//! that proof. Everyone without the capability gets 404, so a page's
//! existence is not revealed to people who may not use it; anonymous
//! visitors are sent to the login page (by [`Authed`]).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use super::error::AppError;
use super::session::Authed;
use super::state::AppState;
use crate::app::Actor;
use crate::domain::org::Organisation;
use crate::domain::permissions::{self as cap, Capability};

/// A signed-in person with the capability `C`, checked against the account
/// and its organisation as read with the session.
pub struct Guard<C> {
    pub authed: Authed,
    /// The proof, handed on to use cases.
    pub proof: C,
}

impl<C: Capability + Send> FromRequestParts<AppState> for Guard<C> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let authed = Authed::from_request_parts(parts, state).await?;
        match C::check(&authed.account, authed.org()) {
            Some(proof) => Ok(Guard { authed, proof }),
            None => Err(AppError::NotFound.into_response()),
        }
    }
}

impl<C> Guard<C> {
    /// The signed-in person as the audit log names them.
    pub fn actor(&self) -> Actor {
        Actor {
            id: self.authed.account.id.to_string(),
            client: self.authed.ctx.client_text(),
        }
    }
}

/// Capabilities bound to the own organisation carry it.
macro_rules! with_org {
    ($($cap:ident),*) => {$(
        impl Guard<cap::$cap> {
            /// The own organisation, as read with the session.
            pub fn org(&self) -> &Organisation {
                self.proof.org()
            }
        }
    )*};
}

with_org!(
    AdministerOrg,
    ConfigureMailboxes,
    Member,
    ReadPersons,
    EditPersons,
    SubmitForms
);

/// Kassen-Portaladministration.
pub type KassenAdmin = Guard<cap::AdministerPortal>;
/// Kassen staff who read the "Formularmeldungen".
pub type ReportReader = Guard<cap::ReadReports>;
/// Administrator:in of a member organisation.
pub type OrgAdmin = Guard<cap::AdministerOrg>;
/// Administrator:in whose organisation has the "Postfach-Konfiguration".
pub type MailboxConfigurer = Guard<cap::ConfigureMailboxes>;
/// Any account of a member organisation.
pub type OrgMember = Guard<cap::Member>;
/// Nutzer:in holding "Anzeige von Anspruchsberechtigten".
pub type PersonsReader = Guard<cap::ReadPersons>;
/// Nutzer:in holding "Bearbeitung von Personen-/Kontaktdaten".
pub type PersonsEditor = Guard<cap::EditPersons>;
/// Nutzer:in holding "Meldung von Änderungen mittels Beamtenformularen".
pub type FormsUser = Guard<cap::SubmitForms>;
/// Everyone with at least one mailbox.
pub type MailboxReader = Guard<cap::ReadMailboxes>;
