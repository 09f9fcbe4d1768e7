//! Rückmeldungen: the feedback and support inbox.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};

use super::{Params, param, render};
use crate::app::Actor;
use crate::app::feedback::{self, InboxFilter};
use crate::domain::help::FeedbackKind;
use crate::views::components::Paging;
use crate::views::kassen::feedback as v;
use crate::web::error::{AppError, WebResult};
use crate::web::guards::KassenAdmin;
use crate::web::session::CsrfForm;
use crate::web::state::AppState;

fn filter(p: &Params) -> InboxFilter {
    InboxFilter {
        kind: FeedbackKind::from_key(param(p, "art")),
        done: match param(p, "status") {
            "neu" => Some(false),
            "erledigt" => Some(true),
            _ => None,
        },
    }
}

fn notice(p: &Params) -> Option<&'static str> {
    Some(match param(p, "hinweis") {
        "erledigt" => "Die Rückmeldung wurde als erledigt markiert.",
        "geoeffnet" => "Die Rückmeldung wurde wieder geöffnet.",
        _ => return None,
    })
}

pub async fn list(
    State(state): State<AppState>,
    k: KassenAdmin,
    Query(p): Query<Params>,
) -> WebResult {
    let f = filter(&p);
    let page = param(&p, "seite").parse().unwrap_or(1);
    let inbox = state
        .blocking(move |st| feedback::list(&st.store, &k.proof, f, page))
        .await?;
    let pg = Paging::new(inbox.page, inbox.total);
    let entries = inbox.entries;
    Ok(render(
        &k.authed,
        &state,
        "Rückmeldungen",
        v::list(&entries, &pg, &f, notice(&p)),
    )
    .into_response())
}

pub async fn details(
    State(state): State<AppState>,
    k: KassenAdmin,
    Path(id): Path<String>,
    Query(p): Query<Params>,
) -> WebResult {
    let id: u64 = id.parse().map_err(|_| AppError::NotFound)?;
    let (entry, org_name) = state
        .blocking(move |st| {
            let entry = feedback::get(&st.store, &k.proof, id)?;
            let org = match entry.org {
                Some(o) => crate::app::orgs::get(&st.store, o).ok(),
                None => None,
            };
            Ok::<_, AppError>((entry, org.map(|o| format!("{} ({})", o.name, o.number))))
        })
        .await?;
    let title = format!("{}: {}", entry.kind.label(), entry.subject);
    Ok(render(
        &k.authed,
        &state,
        &title,
        v::details(&entry, org_name.as_deref(), &k.authed.ctx.csrf, notice(&p)),
    )
    .into_response())
}

pub async fn set_done(
    State(state): State<AppState>,
    k: KassenAdmin,
    Path((id, action)): Path<(String, String)>,
    CsrfForm(_): CsrfForm,
) -> WebResult {
    let id: u64 = id.parse().map_err(|_| AppError::NotFound)?;
    let (done, key) = match action.as_str() {
        "erledigt" => (true, "erledigt"),
        "wieder-oeffnen" => (false, "geoeffnet"),
        _ => return Err(AppError::NotFound),
    };
    let actor = Actor {
        id: k.authed.account.id.to_string(),
        client: k.authed.ctx.client_text(),
    };
    state
        .blocking(move |st| feedback::set_done(&st.store, &k.proof, id, done, &actor, st.now()))
        .await?;
    Ok(Redirect::to(&format!("/kassen/rueckmeldungen/{id}?hinweis={key}")).into_response())
}
