//! Request ids: every request gets one, it is returned in `X-Request-Id`
//! and every log line written while the request is handled carries it
//! (the tracing span `request{id=…}`).

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

pub const HEADER: &str = "x-request-id";
/// Longest incoming id that is reused.
const MAX_LEN: usize = 64;

/// The id of the current request (a request extension).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Reuses an incoming `X-Request-Id` when it is short and made of ASCII
/// letters, digits and `-` (so a UUID passes, log injection does not);
/// otherwise makes a new one of 16 hex digits.
pub async fn request_id(mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable(v))
        .map(str::to_owned)
        .unwrap_or_else(generate);
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!("request", id = %id);
    let mut res = next.run(req).instrument(span).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(HEADER, v);
    }
    res
}

fn acceptable(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_LEN
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn generate() -> String {
    hex::encode(rand::random::<[u8; 8]>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(acceptable("abc123"));
        assert!(acceptable("3f2504e0-4f89-11d3-9a0c-0305e82c3301"));
        assert!(!acceptable(""));
        assert!(!acceptable("a b"));
        assert!(!acceptable("x\ny"));
        assert!(!acceptable(&"a".repeat(65)));
        let g = generate();
        assert_eq!(g.len(), 16);
        assert!(g.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
