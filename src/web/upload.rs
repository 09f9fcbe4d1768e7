//! Reading a multipart form with attachments: text fields into memory
//! (bounded), each file streamed into a temp file under `<data_dir>/tmp/`
//! while its type, the number of files and the total size are checked, so
//! a refused upload is cut off as soon as a limit is crossed and no write
//! transaction waits on the network. The temp files are removed when the
//! [`Upload`] is dropped.

use std::path::{Path, PathBuf};

use axum::extract::Multipart;
use tokio::io::AsyncWriteExt;

use super::error::AppError;
use crate::app::messages::compose::Staged;
use crate::domain::message::{self, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS};
use crate::domain::secret;

/// Largest text field (the message text is at most 10,000 characters).
const FIELD_LIMIT: usize = 64 * 1024;
/// Bytes looked at to recognise a file's type.
const HEAD: usize = 8192;

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

/// Reads the form; the `csrf` field must come before any file and match
/// `expected`.
pub async fn read(mut mp: Multipart, data_dir: &Path, expected: &str) -> Result<Upload, AppError> {
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
