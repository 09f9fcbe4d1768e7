//! Security headers on every response, and the cross-origin check for
//! state-changing requests.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::AppError;
use super::state::AppState;

/// HSTS for one year, sent only when the portal is reached over https.
const HSTS: &str = "max-age=31536000";

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub async fn security_headers(req: Request, next: Next) -> Response {
    let is_asset = req.uri().path().starts_with(super::assets::PREFIX);
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if !is_asset && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// `Strict-Transport-Security` when the portal is reached over https: TLS of
/// its own or an `https://` `public_url` (then cookies are already `Secure`),
/// or a trusted proxy's `X-Forwarded-Proto: https` (then this marks the
/// cookies of the response `Secure`).
pub async fn transport_security(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let by_proxy = !state.secure_cookies && forwarded_https(&state, &req);
    let mut res = next.run(req).await;
    if state.secure_cookies || by_proxy {
        res.headers_mut().insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    if by_proxy {
        mark_cookies_secure(res.headers_mut());
    }
    res
}

/// `X-Forwarded-Proto: https` (its first entry) from a trusted proxy.
fn forwarded_https(state: &AppState, req: &Request) -> bool {
    let from_proxy = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .is_some_and(|c| state.config.http.trusted_proxies.contains(&c.0.ip()));
    from_proxy
        && req
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
}

fn mark_cookies_secure(headers: &mut axum::http::HeaderMap) {
    let cookies: Vec<HeaderValue> = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .cloned()
        .collect();
    if cookies.is_empty() {
        return;
    }
    headers.remove(header::SET_COOKIE);
    for c in cookies {
        let secure = c.to_str().map_or(true, |t| {
            t.split(';')
                .any(|attr| attr.trim().eq_ignore_ascii_case("secure"))
        });
        let value = if secure {
            c
        } else {
            let mut bytes = c.as_bytes().to_vec();
            bytes.extend_from_slice(b"; Secure");
            HeaderValue::from_bytes(&bytes).unwrap_or(c)
        };
        headers.append(header::SET_COOKIE, value);
    }
}

/// Refuses unsafe requests that a browser marks as cross-site, or whose
/// `Origin` (scheme and host) is not this portal.
pub async fn same_origin(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let https = state.secure_cookies || forwarded_https(&state, &req);
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        && !is_same_origin(&req, if https { "https" } else { "http" })
    {
        tracing::warn!(path = %req.uri().path(), "cross-origin request refused");
        return AppError::Forbidden.into_response();
    }
    next.run(req).await
}

fn is_same_origin(req: &Request, scheme: &str) -> bool {
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return false;
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        if origin == "null" {
            return false;
        }
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        // The whole origin must match: an http page must not post to the
        // https portal (or the other way round) on the same host.
        return match origin.split_once("://") {
            Some((origin_scheme, origin_host)) => {
                origin_scheme.eq_ignore_ascii_case(scheme) && origin_host.eq_ignore_ascii_case(host)
            }
            None => false,
        };
    }
    true
}
