//! "Als PDF exportieren" on a message view: the conversation as a PDF/A
//! document, streamed to the client in chunks, the attachments read from
//! the blob store as they are sent. The mailbox and the message
//! are checked like every message page (a foreign id answers 404).

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::error::{AppError, WebResult};
use super::guards::{Guard, MailboxReader};
use super::state::AppState;
use crate::app::conversation_pdf;
use crate::app::messages::access;

pub async fn export(
    State(state): State<AppState>,
    Guard { authed, proof }: MailboxReader,
    Path((slug, id)): Path<(String, String)>,
) -> WebResult {
    let id: u64 = id.parse().map_err(|_| AppError::NotFound)?;
    let account = authed.account.clone();
    let client = authed.ctx.client_text();
    let now = state.now();
    let export = state
        .blocking(move |st| {
            let readable = proof.mailboxes();
            let mb = access::resolve(readable, &slug)?;
            conversation_pdf::export(&st.store, readable, &mb, id, &account, client, now)
        })
        .await?;
    let len = export.pdf.byte_len();
    let name = export.file_name.clone();
    let body = super::stream::from_blocking(&state, move |st, sink| {
        export.pdf.write_from(&st.store, sink)
    });
    let res: Response = (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CONTENT_LENGTH, len.to_string()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        body,
    )
        .into_response();
    Ok(res)
}
