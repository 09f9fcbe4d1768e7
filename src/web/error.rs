//! The one place where errors become responses. Users see a plain German
//! page; the cause goes to the log.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::views;

#[derive(Debug)]
pub enum AppError {
    NotFound,
    /// Missing or wrong CSRF token, foreign origin.
    Forbidden,
    TooManyRequests,
    /// A form body beyond the limit.
    TooLarge,
    /// A request body that did not arrive in time (slow client).
    Timeout,
    /// The data directory is full: nothing was stored.
    StorageFull,
    /// The session ended while the request ran; nothing was stored.
    SessionEnded,
    Internal(String),
}

impl From<crate::store::Error> for AppError {
    fn from(e: crate::store::Error) -> Self {
        if e.is_storage_full() {
            return AppError::StorageFull;
        }
        AppError::Internal(e.to_string())
    }
}

impl From<crate::app::Error> for AppError {
    fn from(e: crate::app::Error) -> Self {
        match e {
            crate::app::Error::NotFound => AppError::NotFound,
            crate::app::Error::SessionEnded => AppError::SessionEnded,
            crate::app::Error::Store(e) => e.into(),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::NotFound => {
                (StatusCode::NOT_FOUND, views::errors::not_found("")).into_response()
            }
            AppError::Forbidden => {
                (StatusCode::FORBIDDEN, views::errors::forbidden("")).into_response()
            }
            AppError::TooLarge => {
                (StatusCode::PAYLOAD_TOO_LARGE, views::errors::too_large("")).into_response()
            }
            AppError::Timeout => {
                (StatusCode::REQUEST_TIMEOUT, views::errors::timeout("")).into_response()
            }
            AppError::StorageFull => {
                tracing::error!("write refused: the data directory is full");
                (
                    StatusCode::INSUFFICIENT_STORAGE,
                    views::errors::storage_full(""),
                )
                    .into_response()
            }
            AppError::SessionEnded => {
                tracing::warn!("change refused: the session ended while the request ran");
                axum::response::Redirect::to("/login").into_response()
            }
            AppError::TooManyRequests => (
                StatusCode::TOO_MANY_REQUESTS,
                views::errors::too_many_requests(""),
            )
                .into_response(),
            AppError::Internal(cause) => {
                tracing::error!(%cause, "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    views::errors::server_error(""),
                )
                    .into_response()
            }
        }
    }
}

/// Turns `Option::None` into a 404.
pub trait OrNotFound<T> {
    fn or_not_found(self) -> Result<T, AppError>;
}

impl<T> OrNotFound<T> for Option<T> {
    fn or_not_found(self) -> Result<T, AppError> {
        self.ok_or(AppError::NotFound)
    }
}

pub type WebResult<T = Response> = Result<T, AppError>;
