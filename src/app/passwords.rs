//! argon2id hashing, off the async threads and limited in parallelism so a
//! burst of logins cannot exhaust memory.

use std::sync::Arc;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::config::Argon2Config;

#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    permits: Arc<Semaphore>,
    /// A hash of a random password, verified for unknown accounts so that
    /// their answer takes as long as for known ones.
    dummy: Arc<String>,
}

impl PasswordHasher {
    pub fn new(cfg: &Argon2Config) -> Result<Self, String> {
        let params = Params::new(cfg.memory_kib, cfg.iterations, cfg.parallelism, None)
            .map_err(|e| format!("argon2 parameters: {e}"))?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
        let dummy = argon
            .hash_password(crate::domain::secret::new_token().as_bytes())
            .map_err(|e| format!("argon2: {e}"))?
            .to_string();
        Ok(Self {
            params,
            permits: Arc::new(Semaphore::new(cfg.max_concurrent)),
            dummy: Arc::new(dummy),
        })
    }

    fn argon(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// Hashes synchronously (for use inside blocking tasks).
    pub fn hash_blocking(&self, password: &str) -> Result<String, String> {
        self.argon()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| format!("argon2: {e}"))
    }

    /// Verifies synchronously; a malformed hash never matches.
    pub fn verify_blocking(&self, password: &str, hash: &str) -> bool {
        match PasswordHash::new(hash) {
            Ok(parsed) => self
                .argon()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok(),
            Err(_) => false,
        }
    }

    /// Waits for one of the limited hashing slots.
    pub async fn permit(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.permits.clone().acquire_owned().await.ok()
    }

    /// Verifies `password` against `hash`, or against a dummy hash when the
    /// account has none (same work, same time: no user enumeration).
    pub fn verify_or_dummy(&self, password: &str, hash: Option<&str>) -> bool {
        match hash {
            Some(h) => self.verify_blocking(password, h),
            None => {
                let _ = self.verify_blocking(password, &self.dummy);
                false
            }
        }
    }

    /// Whether `password` matches any of the given hashes (password history).
    pub fn matches_any_blocking(&self, password: &str, hashes: &[String]) -> bool {
        hashes.iter().any(|h| self.verify_blocking(password, h))
    }
}
