//! Cookies, the request context (CSRF token, session, client address) and
//! the guards that let only signed-in people through.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::error::AppError;
use super::state::AppState;
use crate::app::sessions::Lookup;
use crate::domain::account::Account;
use crate::domain::secret;
use crate::domain::session::{Session, Stage};

pub const SESSION_COOKIE: &str = "mv_session";
/// Random value binding the CSRF token of visitors without a session.
pub const PRE_COOKIE: &str = "mv_pre";
/// Largest form body accepted (text forms; uploads have their own limit).
const FORM_LIMIT: usize = 256 * 1024;
/// Most fields a url-encoded form may have: far above any form of the
/// portal (the grant forms repeat fields a few thousand times at worst),
/// far below what would cost memory and time to parse (100,000 empty
/// fields fit in [`FORM_LIMIT`]).
const MAX_FORM_FIELDS: usize = 10_000;

/// Builds a cookie with the portal's attributes.
pub fn cookie(name: &'static str, value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((name, value))
        .http_only(true)
        .same_site(SameSite::Strict)
        .path("/")
        .secure(secure)
        .build()
}

/// A cookie that deletes `name`.
pub fn removal(name: &'static str, secure: bool) -> Cookie<'static> {
    let mut c = cookie(name, String::new(), secure);
    c.make_removal();
    c
}

/// Makes sure every visitor carries a cookie that CSRF tokens can be bound to.
pub async fn ensure_binding_cookie(
    axum::extract::State(state): axum::extract::State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let jar = CookieJar::from_headers(req.headers());
    if jar.get(SESSION_COOKIE).is_some() || jar.get(PRE_COOKIE).is_some() {
        return next.run(req).await;
    }
    let value = secret::new_token();
    if let Ok(v) = HeaderValue::from_str(&format!("{PRE_COOKIE}={value}")) {
        req.headers_mut().append(header::COOKIE, v);
    }
    let mut res = next.run(req).await;
    if let Ok(v) =
        HeaderValue::from_str(&cookie(PRE_COOKIE, value, state.secure_cookies).to_string())
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// The CSRF token for the cookie value `binding`.
pub fn csrf_token(key: &[u8], binding: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(b"csrf:");
    mac.update(binding.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn binding_cookie(jar: &CookieJar) -> String {
    jar.get(SESSION_COOKIE)
        .or_else(|| jar.get(PRE_COOKIE))
        .map(|c| c.value().to_owned())
        .unwrap_or_default()
}

/// The client address, believing `X-Forwarded-For` only from trusted proxies.
pub fn client_addr(state: &AppState, parts: &Parts) -> Option<IpAddr> {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let trusted = &state.config.http.trusted_proxies;
    match peer {
        Some(ip) if trusted.contains(&ip) => {
            let forwarded = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            forwarded
                .split(',')
                .rev()
                .filter_map(|s| s.trim().parse::<IpAddr>().ok())
                .find(|ip| !trusted.contains(ip))
                .or(Some(ip))
        }
        other => other,
    }
}

/// A session found through the cookie, with its account.
#[derive(Clone)]
pub struct LoadedSession {
    pub key_hash: String,
    pub session: Session,
    pub account: Account,
    /// The account's organisation, read with the session (`None` for the
    /// Kassen): the capability guards and the navigation decide on it.
    pub org: Option<crate::domain::org::Organisation>,
}

/// What every handler may know about the request.
#[derive(Clone)]
pub struct Ctx {
    pub csrf: String,
    pub path: String,
    pub client: Option<IpAddr>,
    pub session: Option<LoadedSession>,
    /// The cookie named a session that ended through inactivity.
    pub idle_expired: bool,
}

impl Ctx {
    pub fn client_text(&self) -> Option<String> {
        self.client.map(|c| c.to_string())
    }

    /// The fully signed-in account, if any.
    pub fn account(&self) -> Option<&Account> {
        self.session
            .as_ref()
            .filter(|s| s.session.stage == Stage::Full)
            .map(|s| &s.account)
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        if let Some(ctx) = parts.extensions.get::<Ctx>() {
            return Ok(ctx.clone());
        }
        let jar = CookieJar::from_headers(&parts.headers);
        let csrf = csrf_token(&state.csrf_key, &binding_cookie(&jar));
        let client = client_addr(state, parts);
        let mut idle_expired = false;
        let mut session = None;
        if let Some(c) = jar.get(SESSION_COOKIE) {
            let key_hash = secret::token_hash(c.value());
            // One read where the request runs; only a session that must be
            // ended (or a full activity map) goes to the blocking pool.
            let (found, idle) = match state.inline(|st| peek_session(st, &key_hash))? {
                Some(answer) => answer,
                None => state.blocking(move |st| load_session(st, key_hash)).await?,
            };
            session = found;
            idle_expired = idle;
        }
        let ctx = Ctx {
            csrf,
            path: parts.uri.path().to_owned(),
            client,
            session,
            idle_expired,
        };
        parts.extensions.insert(ctx.clone());
        Ok(ctx)
    }
}

/// Loads the session (counting the request as activity); ends it when
/// expired. Returns the session (if live) and whether it ended through
/// inactivity.
fn load_session(
    state: &AppState,
    key_hash: String,
) -> Result<(Option<LoadedSession>, bool), AppError> {
    let lookup = crate::app::sessions::load(
        &state.store,
        &state.activity,
        &state.config.security,
        &key_hash,
        state.now(),
    )?;
    Ok(answer(lookup, key_hash))
}

/// [`load_session`] without writing; `None` when it would have to write.
fn peek_session(
    state: &AppState,
    key_hash: &str,
) -> Result<Option<(Option<LoadedSession>, bool)>, AppError> {
    let lookup = crate::app::sessions::load_without_writing(
        &state.store,
        &state.activity,
        &state.config.security,
        key_hash,
        state.now(),
    )?;
    Ok(lookup.map(|l| answer(l, key_hash.to_owned())))
}

fn answer(lookup: Lookup, key_hash: String) -> (Option<LoadedSession>, bool) {
    match lookup {
        Lookup::Live(loaded) => (
            Some(LoadedSession {
                key_hash,
                session: loaded.session,
                account: loaded.account,
                org: loaded.org,
            }),
            false,
        ),
        Lookup::None => (None, false),
        Lookup::Ended { idle } => (None, idle),
    }
}

/// A fully signed-in person. Anyone else is sent to the login page.
pub struct Authed {
    pub ctx: Ctx,
    pub account: Account,
}

impl Authed {
    /// The account's organisation, read with the session.
    pub fn org(&self) -> Option<&crate::domain::org::Organisation> {
        self.ctx.session.as_ref().and_then(|s| s.org.as_ref())
    }
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let ctx = Ctx::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        match &ctx.session {
            Some(s) if s.session.stage == Stage::Full => {
                let account = s.account.clone();
                Ok(Authed { ctx, account })
            }
            Some(_) => Err(Redirect::to("/login/tan").into_response()),
            None if ctx.idle_expired => Err(Redirect::to("/login?inaktiv=1").into_response()),
            None => Err(Redirect::to("/login").into_response()),
        }
    }
}

/// Form fields in the order sent; checkboxes may repeat a name.
#[derive(Debug, Default, Clone)]
pub struct FormData(Vec<(String, String)>);

impl FormData {
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Every field as sent, in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }
}

/// Parses a url-encoded body: more than [`MAX_FORM_FIELDS`] fields is
/// `TooLarge` (counted before anything is allocated per field), a body that
/// is not url-encoded `Forbidden`. Fuzzed by `fuzz/fuzz_targets/form.rs`.
pub fn parse_form(bytes: &[u8]) -> Result<FormData, AppError> {
    if bytes.iter().filter(|b| **b == b'&').count() >= MAX_FORM_FIELDS {
        return Err(AppError::TooLarge);
    }
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(bytes).map_err(|_| AppError::Forbidden)?;
    Ok(FormData(pairs))
}

/// A url-encoded form whose CSRF token was checked in constant time.
pub struct CsrfForm(pub FormData);

impl FromRequest<AppState> for CsrfForm {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, AppError> {
        let (parts, body) = req.into_parts();
        let jar = CookieJar::from_headers(&parts.headers);
        let expected = csrf_token(&state.csrf_key, &binding_cookie(&jar));
        // A body trickling in would hold a connection slot for ever (the
        // header timeout ends only slow headers): it gets as long as a header.
        let bytes = tokio::time::timeout(
            state.config.http.header_timeout,
            axum::body::to_bytes(body, FORM_LIMIT),
        )
        .await
        .map_err(|_| AppError::Timeout)?
        .map_err(|_| AppError::TooLarge)?;
        let form = parse_form(&bytes)?;
        let given = form.get("csrf");
        if given.is_empty() || !secret::constant_time_eq(given.as_bytes(), expected.as_bytes()) {
            tracing::warn!(path = %parts.uri.path(), "form without valid CSRF token refused");
            return Err(AppError::Forbidden);
        }
        Ok(CsrfForm(form))
    }
}
