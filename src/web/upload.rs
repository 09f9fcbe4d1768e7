//! Reading a multipart form with attachments: text fields into memory
//! (bounded), each file streamed into a temp file under `<data_dir>/tmp/`
//! while its type, the number of files and the total size are checked, so
//! a refused upload is cut off as soon as a limit is crossed and no write
//! transaction waits on the network. The temp files are removed when the
//! [`Upload`] is dropped.
//!
//! An upload is bounded (issue 19): [`begin`] takes one of the few upload
//! slots of the account and of the client address (else 429) and checks
//! that the free-space reserve plus 10 MB is free (else 507) before a byte
//! is staged; [`read`] must finish within `http.upload_timeout` (else 408,
//! and the staged files are removed with the dropped [`Upload`]).

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::Multipart;
use tokio::io::AsyncWriteExt;

use super::error::AppError;
use super::slots::{Slot, Slots};
use super::state::AppState;
use crate::app::messages::compose::Staged;
use crate::domain::message::{self, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS};
use crate::domain::secret;

/// Largest text field (the message text is at most 10,000 characters).
const FIELD_LIMIT: usize = 64 * 1024;
/// Bytes looked at to recognise a file's type.
const HEAD: usize = 8192;

/// The concurrent uploads per account and per client address.
pub struct UploadLimits {
    by_account: Arc<Slots<String>>,
    by_address: Arc<Slots<IpAddr>>,
}

impl UploadLimits {
    pub fn new(http: &crate::config::HttpConfig) -> Self {
        Self {
            by_account: Slots::new(http.max_uploads_per_account),
            by_address: Slots::new(http.max_uploads_per_address),
        }
    }
}

/// The slots one running upload holds; given back when dropped.
pub struct UploadGuard {
    _account: Slot<String>,
    _address: Option<Slot<IpAddr>>,
}

/// Admits an upload of `account` from `client`: one slot of each (else
/// `TooManyRequests`) and room for `max_bytes` above the free-space
/// reserve (else `StorageFull`). Call before the body is read; keep the
/// guard until the request is answered.
pub fn begin(
    state: &AppState,
    account: &str,
    client: Option<IpAddr>,
    max_bytes: u64,
) -> Result<UploadGuard, AppError> {
    let limits = &state.uploads;
    let Some(by_account) = limits.by_account.try_take(account.to_owned()) else {
        tracing::warn!(%account, "upload refused: too many uploads of this account at once");
        return Err(AppError::TooManyRequests);
    };
    let by_address = match client {
        Some(ip) => match limits.by_address.try_take(ip) {
            Some(slot) => Some(slot),
            None => {
                tracing::warn!(%ip, "upload refused: too many uploads from this address at once");
                return Err(AppError::TooManyRequests);
            }
        },
        None => None,
    };
    state.store.check_room(max_bytes)?;
    Ok(UploadGuard {
        _account: by_account,
        _address: by_address,
    })
}

/// Runs `read` (the reading of an upload's body) within
/// `http.upload_timeout`; `Timeout` (408) when it does not finish in time.
/// Dropping the unfinished future drops what it staged.
pub async fn within_deadline<T>(
    state: &AppState,
    read: impl std::future::Future<Output = Result<T, AppError>>,
) -> Result<T, AppError> {
    match tokio::time::timeout(state.config.http.upload_timeout, read).await {
        Ok(result) => result,
        Err(_) => {
            tracing::warn!("upload not complete within http.upload_timeout: 408");
            Err(AppError::Timeout)
        }
    }
}

/// The form as read.
pub struct Upload {
    pub fields: Vec<(String, String)>,
    pub files: Vec<Staged>,
    /// The rule a file broke; reading stopped there.
    pub refused: Option<String>,
    paths: Vec<PathBuf>,
}

impl Upload {
    pub fn get(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        for p in &self.paths {
            let _ = std::fs::remove_file(p);
        }
    }
}

fn too_large_or_bad(e: axum::extract::multipart::MultipartError) -> AppError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge
    } else {
        AppError::Forbidden
    }
}

/// Reads the form within `http.upload_timeout`; the `csrf` field must
/// come before any file and match `expected`.
pub async fn read(mp: Multipart, state: &AppState, expected: &str) -> Result<Upload, AppError> {
    within_deadline(state, read_body(mp, &state.config.data_dir, expected)).await
}

/// [`read`] without the deadline, staging under `<data_dir>/tmp` (the
/// fuzz target `multipart` drives it directly).
pub async fn read_body(
    mut mp: Multipart,
    data_dir: &Path,
    expected: &str,
) -> Result<Upload, AppError> {
    let tmp = data_dir.join("tmp");
    tokio::fs::create_dir_all(&tmp)
        .await
        .map_err(|e| AppError::Internal(format!("{}: {e}", tmp.display())))?;
    let mut up = Upload {
        fields: Vec::new(),
        files: Vec::new(),
        refused: None,
        paths: Vec::new(),
    };
    let mut csrf_ok = false;
    let mut total: u64 = 0;
    while let Some(mut field) = mp.next_field().await.map_err(too_large_or_bad)? {
        let name = field.name().unwrap_or("").to_owned();
        if name == "anhang" {
            if !csrf_ok {
                return Err(AppError::Forbidden);
            }
            let original = field.file_name().unwrap_or("").to_owned();
            if original.is_empty() {
                // An empty file input still sends one empty part.
                while field.chunk().await.map_err(too_large_or_bad)?.is_some() {}
                continue;
            }
            if up.files.len() == MAX_ATTACHMENTS {
                up.refused = Some(format!(
                    "Pro Nachricht sind höchstens {MAX_ATTACHMENTS} Anhänge zulässig."
                ));
                return Ok(up);
            }
            let clean = message::sanitize_file_name(&original);
            let path = tmp.join(format!("upload-{}", secret::new_token()));
            up.paths.push(path.clone());
            let mut file = tokio::fs::File::create(&path)
                .await
                .map_err(|e| AppError::Internal(format!("{}: {e}", path.display())))?;
            let io = |e: std::io::Error| AppError::Internal(format!("staging upload: {e}"));
            let mut head: Vec<u8> = Vec::new();
            let mut mime: Option<&'static str> = None;
            let mut len: u64 = 0;
            let refuse_type = || {
                format!(
                    "Die Datei „{clean}“ ist keine zulässige PDF-, JPG-, PNG- oder CSV-Datei (Inhalt und Dateiendung müssen passen)."
                )
            };
            while let Some(chunk) = field.chunk().await.map_err(too_large_or_bad)? {
                len += chunk.len() as u64;
                total += chunk.len() as u64;
                if total > MAX_ATTACHMENT_BYTES {
                    up.refused = Some(
                        "Die Anhänge sind zusammen größer als 10 MB. Insgesamt sind höchstens 10 MB zulässig."
                            .to_owned(),
                    );
                    return Ok(up);
                }
                if mime.is_none() {
                    head.extend_from_slice(&chunk);
                    if head.len() >= HEAD {
                        match message::check_type(&clean, &head) {
                            Some(m) => mime = Some(m),
                            None => {
                                up.refused = Some(refuse_type());
                                return Ok(up);
                            }
                        }
                        file.write_all(&head).await.map_err(io)?;
                        head = Vec::new();
                    }
                } else {
                    file.write_all(&chunk).await.map_err(io)?;
                }
            }
            if mime.is_none() {
                if head.is_empty() {
                    up.refused = Some(format!("Die Datei „{clean}“ ist leer."));
                    return Ok(up);
                }
                match message::check_type(&clean, &head) {
                    Some(m) => mime = Some(m),
                    None => {
                        up.refused = Some(refuse_type());
                        return Ok(up);
                    }
                }
                file.write_all(&head).await.map_err(io)?;
            }
            file.flush().await.map_err(io)?;
            up.files.push(Staged {
                name: clean,
                mime: mime.unwrap_or("application/octet-stream"),
                path,
                len,
            });
        } else {
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(too_large_or_bad)? {
                if bytes.len() + chunk.len() > FIELD_LIMIT {
                    return Err(AppError::TooLarge);
                }
                bytes.extend_from_slice(&chunk);
            }
            let value = String::from_utf8_lossy(&bytes).into_owned();
            if name == "csrf" {
                csrf_ok = !value.is_empty()
                    && secret::constant_time_eq(value.as_bytes(), expected.as_bytes());
                if !csrf_ok {
                    tracing::warn!("multipart form without valid CSRF token refused");
                    return Err(AppError::Forbidden);
                }
            }
            up.fields.push((name, value));
        }
    }
    if !csrf_ok {
        return Err(AppError::Forbidden);
    }
    Ok(up)
}
