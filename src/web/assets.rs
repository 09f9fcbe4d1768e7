//! Static assets embedded in the binary, served with ETag and a long cache.

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::error::AppError;

pub use crate::assets::{Assets, PREFIX, url};

pub async fn serve(Path(name): Path<String>, headers: HeaderMap) -> Result<Response, AppError> {
    let file = Assets::get(&name).ok_or(AppError::NotFound)?;
    let etag = format!("\"{}\"", hex::encode(file.metadata.sha256_hash()));
    let cache = HeaderValue::from_static("public, max-age=31536000, immutable");
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag)],
            [(header::CACHE_CONTROL, cache)],
        )
            .into_response());
    }
    let mime = mime_guess::from_path(&name).first_or_octet_stream();
    Ok((
        [
            (header::CONTENT_TYPE, mime.as_ref().to_owned()),
            (header::ETAG, etag),
        ],
        [(header::CACHE_CONTROL, cache)],
        file.data.into_owned(),
    )
        .into_response())
}
