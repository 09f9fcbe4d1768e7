//! argon2id hashing, off the async threads and limited in parallelism so a
//! burst of logins cannot exhaust memory.
//!
//! Memory: every hash needs `m_cost` KiB of working memory (19 MiB by
//! default). Instead of allocating it per hash (which general-purpose
//! allocators tend to keep per thread: a login storm grew RSS to hundreds of
//! MB), the hasher keeps a small pool of buffers, one per hashing permit, and
//! hands them out again. When the last running hash finishes, the pool is
//! emptied, so an idle server holds no argon2 memory at all; during a burst
//! the memory stays bounded by `max_concurrent × m_cost` (plus one buffer per
//! hash that runs without a permit, e.g. setting a password).

use std::sync::{Arc, Mutex, PoisonError};

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use subtle::ConstantTimeEq;
use tokio::sync::Semaphore;

use crate::config::Argon2Config;

/// Length of the salt of new hashes (the PHC recommendation).
const SALT_LEN: usize = 16;

#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    permits: Arc<Semaphore>,
    buffers: Arc<BufferPool>,
    /// A PHC string with the configured parameters, a random salt and a
    /// random output: verified for unknown accounts so that their answer
    /// takes as long as for known ones. Made without hashing (the output
    /// never matches anyway), so start-up does not pay for an argon2 run.
    dummy: Arc<String>,
}

impl PasswordHasher {
    pub fn new(cfg: &Argon2Config) -> Result<Self, String> {
        let params = Params::new(cfg.memory_kib, cfg.iterations, cfg.parallelism, None)
            .map_err(|e| format!("argon2 parameters: {e}"))?;
        let dummy = phc_string(
            &params,
            &rand::random::<[u8; SALT_LEN]>(),
            &rand::random::<[u8; Params::DEFAULT_OUTPUT_LEN]>(),
        )?;
        Ok(Self {
            params,
            permits: Arc::new(Semaphore::new(cfg.max_concurrent)),
            buffers: Arc::new(BufferPool::new(cfg.max_concurrent)),
            dummy: Arc::new(dummy),
        })
    }

    /// Hashes synchronously (for use inside blocking tasks).
    pub fn hash_blocking(&self, password: &str) -> Result<String, String> {
        let salt = rand::random::<[u8; SALT_LEN]>();
        let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone());
        self.buffers
            .with(self.params.block_count(), |blocks| {
                argon.hash_password_into_with_memory(password.as_bytes(), &salt, &mut out, blocks)
            })
            .map_err(|e| format!("argon2: {e}"))?;
        phc_string(&self.params, &salt, &out)
    }

    /// Verifies synchronously; a malformed hash never matches. The hash
    /// carries its own parameters (older hashes keep theirs).
    pub fn verify_blocking(&self, password: &str, hash: &str) -> bool {
        self.verify_phc(password, hash).unwrap_or(false)
    }

    fn verify_phc(&self, password: &str, hash: &str) -> Option<bool> {
        let parsed = PasswordHash::new(hash).ok()?;
        let algorithm = Algorithm::try_from(parsed.algorithm.as_str()).ok()?;
        let version = match parsed.version {
            Some(v) => Version::try_from(v).ok()?,
            None => Version::default(),
        };
        let params = Params::try_from(&parsed).ok()?;
        let salt = parsed.salt?;
        let expected = parsed.hash?;
        let mut out = vec![0u8; expected.len()];
        let blocks = params.block_count();
        let argon = Argon2::new(algorithm, version, params);
        self.buffers
            .with(blocks, |memory| {
                argon.hash_password_into_with_memory(
                    password.as_bytes(),
                    salt.as_ref(),
                    &mut out,
                    memory,
                )
            })
            .ok()?;
        Some(bool::from(out.as_slice().ct_eq(expected.as_bytes())))
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

    /// Working-memory buffers currently kept for reuse (for tests).
    pub fn pooled_buffers(&self) -> usize {
        self.buffers.pooled()
    }
}

/// The PHC string `$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>`, exactly as
/// `argon2`'s own `hash_password` writes it.
fn phc_string(params: &Params, salt: &[u8], output: &[u8]) -> Result<String, String> {
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).map_err(|e| format!("argon2: {e}"))?,
        salt: Some(Salt::new(salt).map_err(|e| format!("argon2 salt: {e}"))?),
        hash: Some(Output::new(output).map_err(|e| format!("argon2 output: {e}"))?),
    };
    Ok(hash.to_string())
}

/// Reused argon2 working memory: at most `keep` idle buffers, all released
/// when no hash is running.
struct BufferPool {
    keep: usize,
    state: Mutex<PoolState>,
}

#[derive(Default)]
struct PoolState {
    idle: Vec<Vec<Block>>,
    running: usize,
}

impl BufferPool {
    fn new(keep: usize) -> Self {
        Self {
            keep,
            state: Mutex::new(PoolState::default()),
        }
    }

    /// Runs `f` over a buffer of exactly `blocks` blocks.
    fn with<T>(&self, blocks: usize, f: impl FnOnce(&mut [Block]) -> T) -> T {
        let mut buffer = {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            state.running += 1;
            state.idle.pop().unwrap_or_default()
        };
        // Contents need no clearing: argon2 overwrites every block it reads.
        buffer.resize(blocks, Block::default());
        let result = f(&mut buffer[..blocks]);
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.running -= 1;
        if state.running == 0 {
            // Idle: give all argon2 memory back (the allocator returns
            // blocks this large to the operating system).
            state.idle = Vec::new();
        } else if state.idle.len() < self.keep {
            state.idle.push(buffer);
        }
        result
    }

    fn pooled(&self) -> usize {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .idle
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};

    fn small() -> Argon2Config {
        Argon2Config {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
            max_concurrent: 2,
        }
    }

    #[test]
    fn hashes_verify_both_ways_with_the_argon2_crate() {
        let hasher = PasswordHasher::new(&small()).expect("hasher");
        let ours = hasher.hash_blocking("geheim-Passwort-1").expect("hash");
        assert!(ours.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{ours}");
        let parsed = PasswordHash::new(&ours).expect("phc");
        assert!(
            Argon2::default()
                .verify_password(b"geheim-Passwort-1", &parsed)
                .is_ok()
        );
        // A hash made by the crate itself, with other parameters (an old hash).
        let params = Params::new(128, 2, 1, None).expect("params");
        let theirs = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password(b"altes Passwort")
            .expect("hash")
            .to_string();
        assert!(hasher.verify_blocking("altes Passwort", &theirs));
        assert!(!hasher.verify_blocking("falsches Passwort", &theirs));
        assert!(hasher.verify_blocking("geheim-Passwort-1", &ours));
        assert!(!hasher.verify_blocking("geheim-Passwort-2", &ours));
        assert!(!hasher.verify_blocking("x", "kein hash"));
        assert!(!hasher.verify_or_dummy("geheim-Passwort-1", None));
    }

    #[test]
    fn buffers_are_reused_while_busy_and_released_when_idle() {
        let hasher = PasswordHasher::new(&small()).expect("hasher");
        let hash = hasher.hash_blocking("pw-1234567890").expect("hash");
        assert_eq!(hasher.pooled_buffers(), 0, "idle: nothing kept");
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..10 {
                        assert!(hasher.verify_blocking("pw-1234567890", &hash));
                        assert!(hasher.pooled_buffers() <= 2, "at most one per permit");
                    }
                });
            }
        });
        assert_eq!(hasher.pooled_buffers(), 0, "released after the burst");
    }
}
