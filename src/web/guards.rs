//! Role guards. Each lets only its role through; everyone else gets 404,
//! so a page's existence is not revealed to people who may not use it.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use super::error::AppError;
use super::session::Authed;
use super::state::AppState;
use crate::domain::account::Role;
use crate::domain::org::Organisation;

/// Kassen-Portaladministration.
pub struct KassenAdmin(pub Authed);

impl FromRequestParts<AppState> for KassenAdmin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let authed = Authed::from_request_parts(parts, state).await?;
        if authed.account.is_kassen_admin() {
            Ok(KassenAdmin(authed))
        } else {
            Err(AppError::NotFound.into_response())
        }
    }
}

/// Administrator:in of a member organisation, with the organisation.
pub struct OrgAdmin {
    pub authed: Authed,
    pub org: Organisation,
}

impl FromRequestParts<AppState> for OrgAdmin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let authed = Authed::from_request_parts(parts, state).await?;
        let Role::OrgAdmin { org } = authed.account.role else {
            return Err(AppError::NotFound.into_response());
        };
        let org = load_org(state, org)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(OrgAdmin { authed, org })
    }
}

/// Nutzer:in of a member organisation, with the organisation.
pub struct OrgUser {
    pub authed: Authed,
    pub org: Organisation,
}

impl FromRequestParts<AppState> for OrgUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let authed = Authed::from_request_parts(parts, state).await?;
        let Role::OrgUser { org, .. } = authed.account.role else {
            return Err(AppError::NotFound.into_response());
        };
        let org = load_org(state, org)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(OrgUser { authed, org })
    }
}

async fn load_org(state: &AppState, id: u64) -> Result<Organisation, AppError> {
    state
        .inline(move |st| crate::app::orgs::get(&st.store, id))
        .map_err(AppError::from)
}
