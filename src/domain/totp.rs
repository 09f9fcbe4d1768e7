//! TOTP (RFC 6238: SHA-1, 6 digits, 30 s, ±1 step) with replay protection.

use totp_rs::{Algorithm, Secret, Totp};

pub const ISSUER: &str = "Meine Versorgung";

/// A new random secret, base32-encoded.
pub fn new_secret() -> String {
    Secret::generate().to_base32()
}

fn build(secret_b32: &str, account: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(secret_b32).ok()?;
    totp_rs::Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_skew(1)
        .with_secret(secret)
        .with_account_name(account)
        .with_issuer(Some(ISSUER))
        .build()
        .ok()
}

/// The outcome of checking a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Valid and new: the matched time step.
    Accepted(u64),
    /// Valid for its time, but of a step already used (a replay or a
    /// second login within the same 30 s).
    Reused,
    Wrong,
}

/// Checks `code` at `unix_secs`; returns the matched time step when the code
/// is valid and newer than `last_step` (a code is accepted once only).
pub fn verify(secret_b32: &str, code: &str, unix_secs: u64, last_step: Option<u64>) -> Option<u64> {
    match check(secret_b32, code, unix_secs, last_step) {
        Verdict::Accepted(step) => Some(step),
        Verdict::Reused | Verdict::Wrong => None,
    }
}

/// Like [`verify`], but tells a reused code from a wrong one.
pub fn check(secret_b32: &str, code: &str, unix_secs: u64, last_step: Option<u64>) -> Verdict {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Verdict::Wrong;
    }
    let Some(totp) = build(secret_b32, "konto") else {
        return Verdict::Wrong;
    };
    // totp-rs compares in constant time and reports the step it matched.
    match (totp.check(&code, unix_secs), last_step) {
        (None, _) => Verdict::Wrong,
        (Some(step), Some(last)) if step <= last => Verdict::Reused,
        (Some(step), _) => Verdict::Accepted(step),
    }
}

/// The `otpauth://` URL for authenticator apps.
pub fn url(secret_b32: &str, account: &str) -> Option<String> {
    build(secret_b32, account)?.to_url().ok()
}

/// The code for `unix_secs` (used by tests and the demo).
pub fn code_at(secret_b32: &str, unix_secs: u64) -> Option<String> {
    Some(build(secret_b32, "konto")?.generate(unix_secs).to_string())
}

/// The URL as an SVG QR code, rendered locally (no external service).
pub fn qr_svg(url: &str) -> Option<String> {
    use qrcode::QrCode;
    use qrcode::render::svg;
    let code = QrCode::new(url.as_bytes()).ok()?;
    Some(
        code.render::<svg::Color<'_>>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
    )
}

/// The secret in groups of four characters ("JBSW Y3DP …"), so that it can
/// be typed into an authenticator app; apps ignore the spaces.
pub fn grouped(secret: &str) -> String {
    secret
        .chars()
        .collect::<Vec<_>>()
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_current_and_adjacent_steps_once() {
        let secret = new_secret();
        let now = 1_800_000_000;
        let code = code_at(&secret, now).expect("code");
        let step = verify(&secret, &code, now, None).expect("valid");
        assert_eq!(verify(&secret, &code, now, Some(step)), None, "replay");
        let prev = code_at(&secret, now - 30).expect("code");
        assert!(verify(&secret, &prev, now, None).is_some(), "one step back");
        let old = code_at(&secret, now - 90).expect("code");
        assert!(
            verify(&secret, &old, now, None).is_none(),
            "three steps back"
        );
    }
}
