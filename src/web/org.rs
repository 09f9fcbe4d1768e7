//! The own organisation: homes of administrators and Nutzer:innen,
//! "Mitgliederdaten", group mailboxes and "Postfach-Konfiguration".

use crate::web::routes::{Routes, get};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;

use super::error::{AppError, OrNotFound, WebResult};
use super::frame;
use super::guards::{MailboxConfigurer, OrgAdmin, OrgMember};
use super::session::{CsrfForm, Ctx, FormData};
use super::state::AppState;
use crate::app::Actor;
use crate::app::org_settings::{self, MAX_GROUP_EMAILS};
use crate::app::users::{self, MailboxRow};
use crate::domain::account::Account;
use crate::domain::org::{GroupMailbox, ReceiptTarget};
use crate::views::org as v;

/// Paths of this area.
pub use crate::paths::org as path;

/// The routes of this area, grouped by guard.
pub fn routes() -> Routes {
    Routes::new()
        // OrgMember
        .route(path::ORG_DATA, get(org_data))
        // OrgAdmin
        .route(path::LIST, get(mailboxes))
        .route(path::GROUP, get(group_details))
        .route(
            path::GROUP_EDIT,
            get(group_edit_page).post(group_edit_submit),
        )
        // MailboxConfigurer
        .route(path::CONFIG, get(config_page).post(config_submit))
}

fn actor(admin: &OrgAdmin) -> Actor {
    admin.actor()
}

/// `/` for an administrator.
pub async fn admin_home(state: &AppState, ctx: &Ctx, account: &Account) -> WebResult {
    let rows = newest(state, account, true).await?;
    let mut body = v::admin_home(account, &rows);
    if let Some(org) = account.org() {
        let months = state.config.security.recertification_months;
        let overdue = state.inline(|st| {
            st.store
                .read(|tx| crate::app::recertification::overdue_count(tx, org, months))
        })?;
        if overdue > 0 {
            // The access review's banner (issue 22 §2) above the home.
            body = maud::html! { (crate::views::recertification::banner(overdue)) (body) };
        }
    }
    Ok(frame::render(ctx, state, "Startseite", body).into_response())
}

/// The newest messages of the account's mailboxes, for the home pages.
async fn newest(
    state: &AppState,
    account: &Account,
    incoming_only: bool,
) -> Result<Vec<v::HomeRow>, AppError> {
    use crate::app::messages::{access, list};
    let account = account.clone();
    let rows = state.inline(move |st| {
        let readable = access::mailboxes_of(&st.store, &account)?;
        list::newest(&st.store, &readable, incoming_only, 10)
    })?;
    Ok(rows
        .into_iter()
        .map(|(mb, r)| v::HomeRow {
            href: crate::paths::messages::message(&access::slug(&mb), r.message.id),
            at: r.message.created_at,
            subject: r.message.subject,
            unread: r.entry.marks.unread,
        })
        .collect())
}

/// `/` for a Nutzer:in.
pub async fn user_home(state: &AppState, ctx: &Ctx, account: &Account) -> WebResult {
    // The organisation as read with the session.
    let org = ctx.session.as_ref().and_then(|s| s.org.as_ref());
    let org = org.or_not_found()?;
    let rows = newest(state, account, false).await?;
    Ok(frame::render(ctx, state, "Startseite", v::user_home(account, org, &rows)).into_response())
}

/// "Mitgliederdaten": for administrators and Nutzer:innen of the organisation.
async fn org_data(State(state): State<AppState>, member: OrgMember) -> WebResult {
    let body = v::org_data(member.org());
    Ok(frame::render(&member.authed.ctx, &state, "Mitgliederdaten", body).into_response())
}

#[derive(Deserialize, Default)]
struct MailboxQuery {
    #[serde(default)]
    gruppe: String,
    #[serde(default)]
    nutzer: String,
    /// "Mehr anzeigen": every member of every row.
    #[serde(default)]
    alle: Option<String>,
}

async fn mailboxes(
    State(state): State<AppState>,
    admin: OrgAdmin,
    Query(q): Query<MailboxQuery>,
) -> WebResult {
    let proof = admin.proof.clone();
    let filter = users::MailboxFilter {
        mailbox: GroupMailbox::from_key(&q.gruppe),
        member: q.nutzer.trim().to_owned(),
    };
    let f2 = filter.clone();
    let shown = if q.alle.is_some() {
        usize::MAX
    } else {
        v::MEMBERS_SHOWN
    };
    let rows = state.inline(move |st| users::mailbox_overview(&st.store, &proof, &f2, shown))?;
    let body = v::mailboxes(&v::MailboxesPage {
        org: admin.org(),
        rows: &rows,
        filter: &filter,
        all: q.alle.is_some(),
    });
    Ok(frame::render(
        &admin.authed.ctx,
        &state,
        "Übersicht: Gruppenpostfächer",
        body,
    )
    .into_response())
}

/// An enabled group mailbox of the administrator's organisation (else 404).
fn enabled_mailbox(admin: &OrgAdmin, key: &str) -> Result<GroupMailbox, AppError> {
    GroupMailbox::from_key(key)
        .filter(|m| admin.org().enabled_mailboxes.contains(m))
        .or_not_found()
}

async fn mailbox_row(state: &AppState, admin: &OrgAdmin, m: GroupMailbox) -> WebResult<MailboxRow> {
    let proof = admin.proof.clone();
    let only = users::MailboxFilter {
        mailbox: Some(m),
        member: String::new(),
    };
    let rows =
        state.inline(move |st| users::mailbox_overview(&st.store, &proof, &only, usize::MAX))?;
    rows.into_iter().find(|r| r.mailbox == m).or_not_found()
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    hinweis: Option<String>,
}

async fn group_details(
    State(state): State<AppState>,
    admin: OrgAdmin,
    Path(key): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> WebResult {
    let m = enabled_mailbox(&admin, &key)?;
    let row = mailbox_row(&state, &admin, m).await?;
    let notice = q
        .hinweis
        .is_some_and(|h| h == "gespeichert")
        .then_some("Die E-Mail-Adressen wurden gespeichert.");
    let body = v::group_details(&row, notice);
    Ok(frame::render(&admin.authed.ctx, &state, "Gruppendetails", body).into_response())
}

async fn group_edit_page(
    State(state): State<AppState>,
    admin: OrgAdmin,
    Path(key): Path<String>,
) -> WebResult {
    let m = enabled_mailbox(&admin, &key)?;
    let mut values = admin
        .org()
        .group_emails
        .get(&m)
        .cloned()
        .unwrap_or_default();
    if values.is_empty() {
        values.push(String::new());
    }
    let body = v::group_edit(&admin.authed.ctx.csrf, m, &values, &[]);
    Ok(frame::render(&admin.authed.ctx, &state, "Gruppendetails", body).into_response())
}

/// The address fields `email_0`, `email_1`, … as sent.
fn entered_emails(form: &FormData) -> Vec<String> {
    (0..=MAX_GROUP_EMAILS * 2)
        .map(|i| format!("email_{i}"))
        .take_while(|name| form.has(name))
        .map(|name| form.get(&name).to_owned())
        .collect()
}

async fn group_edit_submit(
    State(state): State<AppState>,
    admin: OrgAdmin,
    Path(key): Path<String>,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let m = enabled_mailbox(&admin, &key)?;
    let mut values = entered_emails(&form);
    let ctx = &admin.authed.ctx;
    if let Some(i) = form
        .get("aktion")
        .strip_prefix("entfernen-")
        .and_then(|i| i.parse::<usize>().ok())
    {
        // "Entfernen": the same form without that row (saved with
        // "Speichern"); one empty field stays.
        if i < values.len() {
            values.remove(i);
        }
        if values.is_empty() {
            values.push(String::new());
        }
        let body = v::group_edit(&ctx.csrf, m, &values, &[]);
        return Ok(frame::render(ctx, &state, "Gruppendetails", body).into_response());
    }
    if form.get("aktion") == "hinzufuegen" {
        // "+ E-Mail-Adresse hinzufügen": the same form with one more field.
        if values.len() < MAX_GROUP_EMAILS {
            values.push(String::new());
        }
        let body = v::group_edit(&ctx.csrf, m, &values, &[]);
        return Ok(frame::render(ctx, &state, "Gruppendetails", body).into_response());
    }
    if let Err(errors) = org_settings::clean_group_emails(&values) {
        let body = v::group_edit(&ctx.csrf, m, &values, &errors);
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            frame::render(ctx, &state, "Gruppendetails", body),
        )
            .into_response());
    }
    let actor = actor(&admin);
    let proof = admin.proof.clone();
    state
        .blocking(move |st| {
            org_settings::set_group_emails(&st.store, &proof, m, &values, &actor, st.now())
        })
        .await?;
    Ok(Redirect::to(&format!("{}?hinweis=gespeichert", path::group(m))).into_response())
}

fn config_body(
    admin: &MailboxConfigurer,
    notice: Option<&str>,
    error: Option<&str>,
) -> maud::Markup {
    v::mailbox_config(&v::MailboxConfig {
        csrf: &admin.authed.ctx.csrf,
        target: admin.org().receipt_target,
        notice,
        group_refused: crate::domain::permissions::group_receipts_refusal(admin.org()),
        error,
    })
}

/// "Postfach-Konfiguration" exists only for organisations with the
/// Beamtenformulare function (handbook §1.7): the guard answers 404 to others.
async fn config_page(
    State(state): State<AppState>,
    admin: MailboxConfigurer,
    Query(q): Query<NoticeQuery>,
) -> WebResult {
    let notice = q
        .hinweis
        .is_some_and(|h| h == "gespeichert")
        .then_some("Die Postfach-Konfiguration wurde gespeichert.");
    let body = config_body(&admin, notice, None);
    Ok(frame::render(&admin.authed.ctx, &state, "Postfach-Konfiguration", body).into_response())
}

async fn config_submit(
    State(state): State<AppState>,
    admin: MailboxConfigurer,
    CsrfForm(form): CsrfForm,
) -> WebResult {
    let refuse = |error: &str| {
        let body = config_body(&admin, None, Some(error));
        let ctx = &admin.authed.ctx;
        Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            frame::render(ctx, &state, "Postfach-Konfiguration", body),
        )
            .into_response())
    };
    let target = match form.get("quittungen") {
        "persoenlich" => ReceiptTarget::Personal,
        "gruppe" => ReceiptTarget::Group,
        _ => return refuse("Bitte wählen Sie eine Einstellung aus."),
    };
    let actor = admin.actor();
    let proof = admin.proof.clone();
    let saved = state
        .attempt(move |st| {
            org_settings::set_receipt_target(&st.store, &proof, target, &actor, st.now())
        })
        .await?;
    if let Err(errors) = saved {
        let text: Vec<String> = errors.into_iter().map(|(_, e)| e).collect();
        return refuse(&text.join(" "));
    }
    Ok(Redirect::to(&format!("{}?hinweis=gespeichert", path::CONFIG)).into_response())
}
