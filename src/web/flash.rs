//! The result of a successful public POST (first-run setup, Nutzerkennung
//! abrufen) shown on a GET page (post/redirect/get). The values travel in
//! a short-lived cookie of the browser that made the request, so they
//! never appear in a URL and the GET page looks nothing up: tampering
//! only changes what that browser shows itself.

use axum_extra::extract::cookie::{Cookie, CookieJar};

const COOKIE: &str = "mv_ergebnis";

/// How long (seconds) the result page can be reloaded.
const LIFETIME_SECS: u32 = 600;

/// Adds the result `pairs` to `jar`.
pub fn set(jar: CookieJar, secure: bool, pairs: &[(&str, &str)]) -> CookieJar {
    let value = serde_urlencoded::to_string(pairs).unwrap_or_default();
    let secure = if secure { "; Secure" } else { "" };
    // The same attributes as the session cookie, plus a lifetime.
    match Cookie::parse(format!(
        "{COOKIE}={value}; Max-Age={LIFETIME_SECS}; Path=/; HttpOnly; SameSite=Strict{secure}"
    )) {
        Ok(cookie) => jar.add(cookie.into_owned()),
        Err(_) => jar,
    }
}

/// The value `name` of the result, if the browser still has it.
pub fn get(jar: &CookieJar, name: &str) -> Option<String> {
    let cookie = jar.get(COOKIE)?;
    serde_urlencoded::from_str::<Vec<(String, String)>>(cookie.value())
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}
