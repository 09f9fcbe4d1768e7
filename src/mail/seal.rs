//! Sealing of deliverable messages that carry a live link or TAN.
//!
//! The key lives in `<data_dir>/mail.key` (32 random bytes, mode 0600),
//! never in the database, so neither the database file nor a backup holds
//! a usable link or TAN. A sealed value is `nonce ‖ AES-256-GCM(ciphertext
//! ‖ tag)`, bound to its mail id as associated data.

use std::io::Write;
use std::path::{Path, PathBuf};

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

/// File name of the key inside the data directory.
pub const KEY_FILE: &str = "mail.key";

pub struct SealKey {
    key: LessSafeKey,
    rng: SystemRandom,
    /// HMAC key of E-Mail-TANs, derived from the key file (so it is never
    /// in the database or a backup either).
    tan_key: Vec<u8>,
}

/// Marks a TAN stored as [`SealKey::tan_mac`] (older rows hold a plain
/// SHA-256 of the TAN; they are valid for minutes only).
pub const TAN_MAC_PREFIX: &str = "hmac1:";

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

fn mac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    use hmac::Mac;
    // HMAC takes keys of any length; `new_from_slice` cannot fail.
    let mut m = match HmacSha256::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return Vec::new(),
    };
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().to_vec()
}

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealKey(..)")
    }
}

impl SealKey {
    /// Reads the key from `data_dir`, creating it (0600) when missing.
    pub fn load_or_create(data_dir: &Path) -> std::io::Result<SealKey> {
        let path = data_dir.join(KEY_FILE);
        let bytes = match std::fs::read(&path) {
            Ok(b) => {
                let wide = crate::modes::wide_bits(&path)?;
                if wide != 0 {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::PermissionDenied,
                        format!(
                            "{} is accessible to group or others (mode {:o}); it must be 0600 (chmod 600)",
                            path.display(),
                            0o600 | wide
                        ),
                    ));
                }
                b
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(&path)?,
            Err(e) => return Err(e),
        };
        let unbound = UnboundKey::new(&AES_256_GCM, &bytes).map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{} does not hold a 32-byte key", path.display()),
            )
        })?;
        Ok(SealKey {
            key: LessSafeKey::new(unbound),
            rng: SystemRandom::new(),
            tan_key: mac(&bytes, &[b"meine-versorgung e-mail-tan v1"]),
        })
    }

    /// What is stored of the E-Mail-TAN `tan` of the session `session_hash`:
    /// an HMAC under a key derived from the key file, bound to the session.
    /// Without the key file, a backup's value cannot be tried against the
    /// million possible TANs.
    pub fn tan_mac(&self, session_hash: &str, tan: &str) -> String {
        format!(
            "{TAN_MAC_PREFIX}{}",
            hex::encode(mac(
                &self.tan_key,
                &[session_hash.as_bytes(), b":", tan.as_bytes()]
            ))
        )
    }

    /// Seals `plain` for the mail `id`.
    pub fn seal(&self, id: u64, plain: &[u8]) -> Result<Vec<u8>, String> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng
            .fill(&mut nonce)
            .map_err(|_| "no random numbers".to_owned())?;
        let mut data = plain.to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(id.to_be_bytes()),
                &mut data,
            )
            .map_err(|_| "cannot seal the message".to_owned())?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        Ok(out)
    }

    /// Opens what [`SealKey::seal`] sealed for the mail `id`.
    pub fn open(&self, id: u64, sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < NONCE_LEN {
            return None;
        }
        let (nonce, rest) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut data = rest.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(id.to_be_bytes()), &mut data)
            .ok()?;
        Some(plain.to_vec())
    }
}

fn create(path: &PathBuf) -> std::io::Result<Vec<u8>> {
    let mut key = vec![0u8; 32];
    SystemRandom::new()
        .fill(&mut key)
        .map_err(|_| std::io::Error::other("no random numbers"))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(&key)?;
    file.sync_all()?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_only_for_the_same_mail_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let key = SealKey::load_or_create(dir.path()).unwrap();
        let sealed = key.seal(7, b"secret link").unwrap();
        assert!(!sealed.windows(6).any(|w| w == b"secret"));
        assert_eq!(key.open(7, &sealed).as_deref(), Some(&b"secret link"[..]));
        assert_eq!(key.open(8, &sealed), None);
        // The same file gives the same key; the file is private.
        let again = SealKey::load_or_create(dir.path()).unwrap();
        assert!(again.open(7, &sealed).is_some());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
