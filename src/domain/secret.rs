//! Random tokens for links and sessions, stored only as hashes.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// A fresh random token with 256 bits of entropy, hex-encoded for URLs and cookies.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The form in which a token is stored: its SHA-256, hex-encoded. A leaked
/// database therefore does not leak usable links or sessions.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Constant-time comparison of two secrets.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}
