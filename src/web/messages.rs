//! The mailbox pages of every role: list with filters, Schreiben,
//! message view, Antworten, Weitere Aktionen, attachment downloads. Every
//! handler takes the `MailboxReader` guard, whose proof holds the mailboxes
//! the signed-in person may read (`domain::permissions::readable_mailboxes`,
//! every request), and resolves the mailbox among them; anything else
//! answers 404. Writes re-check inside their transaction.

use crate::web::routes::{Routes, get, post};
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, RawQuery, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};

use super::error::{AppError, WebResult};
use super::frame;
use super::guards::{Guard, MailboxReader};
use super::session::{Authed, CsrfForm};
use super::state::AppState;
use super::upload;
use crate::app::messages::access;
use crate::app::messages::compose::{self, Draft};
use crate::app::messages::list::{self, Filter, PageAt};
use crate::app::messages::marks::{self, MarkAction};
use crate::app::{Check, Error};
use crate::domain::message::{Mailbox, Message};
use crate::domain::permissions::ReadMailboxes;
use crate::paths::messages as path;
use crate::store::messages::Entry;
use crate::views::messages as v;

/// Request body limit of the forms with attachments: 10 MB of files plus
/// the text fields and the multipart framing; larger requests are cut off
/// before they are read.
pub const UPLOAD_LIMIT: usize = 10 * 1024 * 1024 + 256 * 1024;

pub fn routes() -> Routes {
    Routes::new()
        .route(path::INDEX, get(index))
        .route(path::MAILBOX, get(mailbox))
        .route(
            path::COMPOSE,
            get(compose_page)
                .post(compose_submit)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(path::MESSAGE, get(view))
        .route(
            path::REPLY,
            get(reply_page)
                .post(reply_submit)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(path::MARK, post(mark))
        .route(path::ATTACHMENT, get(attachment))
        .route(path::EXPORT, get(super::messages_export::export))
}

/// The mailbox `slug` names among those the guard's proof opens.
fn resolve(reader: &ReadMailboxes, slug: &str) -> Result<Mailbox, AppError> {
    Ok(access::resolve(reader.mailboxes(), slug)?)
}

/// The tabs of the readable mailboxes with their unread counts.
fn tabs(st: &AppState, readable: &[Mailbox]) -> Result<Vec<v::Tab>, Error> {
    readable
        .iter()
        .map(|m| {
            let unread = crate::app::messages::unread_count(&st.store, m)?;
            Ok((m.label(), access::slug(m), unread))
        })
        .collect()
}

async fn index(State(state): State<AppState>, Guard { authed, proof }: MailboxReader) -> WebResult {
    let readable = proof.mailboxes();
    let tabs = state.inline(|st| tabs(st, readable))?;
    if readable.len() == 1 {
        return Ok(Redirect::to(&path::mailbox(&access::slug(&readable[0]))).into_response());
    }
    Ok(frame::render(&authed.ctx, &state, "Postfächer", v::index(&tabs)).into_response())
}

fn pairs(q: Option<String>) -> Vec<(String, String)> {
    serde_urlencoded::from_str(q.as_deref().unwrap_or("")).unwrap_or_default()
}

fn notice(p: &[(String, String)]) -> Option<&'static str> {
    let h = p
        .iter()
        .find(|(k, _)| k == "hinweis")
        .map(|(_, v)| v.as_str())?;
    Some(match h {
        "gesendet" => "Ihre Nachricht wurde gesendet.",
        "ungelesen" => "Die Nachricht wurde als ungelesen markiert.",
        "wichtig" => "Die Nachricht wurde als wichtig markiert.",
        "nicht-wichtig" => "Die Markierung „wichtig“ wurde entfernt.",
        "archivieren" => "Die Nachricht wurde archiviert.",
        "dearchivieren" => "Die Archivierung wurde aufgehoben.",
        _ => return None,
    })
}

async fn mailbox(
    State(state): State<AppState>,
    Guard { authed, proof }: MailboxReader,
    Path(slug): Path<String>,
    RawQuery(q): RawQuery,
) -> WebResult {
    let p = pairs(q);
    let filter = Filter::from_query(&p);
    let get = |k: &str| p.iter().find(|(x, _)| x == k).map(|(_, v)| v.as_str());
    let n = get("seite").and_then(|s| s.parse().ok()).unwrap_or(1usize);
    let at = if get("letzte").is_some() {
        PageAt::Last
    } else if let Some(id) = get("nach").and_then(|s| s.parse().ok()) {
        PageAt::After(n, id)
    } else if let Some(id) = get("vor").and_then(|s| s.parse().ok()) {
        PageAt::Before(n, id)
    } else {
        PageAt::First
    };
    // The mailboxes and the page in one read where the request runs (the
    // most visited page: a hand-off to the blocking pool would cost about
    // half of its CPU in thread switches).
    let (readable, f2, s2) = (proof.mailboxes(), filter.clone(), slug.clone());
    let (tabs, mb, page, members) = state.inline(move |st| {
        let mb = access::resolve(readable, &s2)?;
        let page = list::page(&st.store, &mb, &f2, at)?;
        let members = list::members(&st.store, &mb)?;
        let tabs = tabs(st, readable)?;
        Ok::<_, AppError>((tabs, mb, page, members))
    })?;
    let label = mb.label();
    let notes = v::Notes {
        retention_days: state.config.retention.message_days,
        shared: matches!(mb, Mailbox::Group(..)),
    };
    Ok(frame::render(
        &authed.ctx,
        &state,
        &format!("Postfach: {label}"),
        v::mailbox(
            &label,
            &slug,
            &tabs,
            &filter,
            &page,
            members.as_deref(),
            notice(&p),
            &notes,
        ),
    )
    .into_response())
}

/// The organisations a Kassen clerk may write to (for a new conversation).
async fn kassen_orgs(
    state: &AppState,
    mb: &Mailbox,
) -> Result<Vec<crate::domain::org::Organisation>, AppError> {
    let Mailbox::Kassen(b) = mb else {
        return Ok(Vec::new());
    };
    let b = *b;
    let orgs =
        state.inline(move |st| st.store.read(crate::store::orgs::all).map_err(Error::from))?;
    Ok(orgs
        .into_iter()
        .filter(|o| o.bereiche.contains(&b))
        .collect())
}

#[allow(clippy::too_many_arguments)]
async fn render_compose(
    state: &AppState,
    authed: &Authed,
    slug: &str,
    mb: &Mailbox,
    d: &Draft,
    errors: &[(&'static str, String)],
    refused: Option<&str>,
    reply_to: Option<(&Message, &str)>,
    chosen: &[String],
) -> WebResult {
    let orgs = kassen_orgs(state, mb).await?;
    let choices = match mb {
        Mailbox::Kassen(b) => Some(v::KassenChoices {
            orgs: &orgs,
            bereich: *b,
        }),
        _ => None,
    };
    let label = mb.label();
    let status = if errors.is_empty() && refused.is_none() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        frame::render(
            &authed.ctx,
            state,
            if reply_to.is_some() {
                "Antworten"
            } else {
                "Nachricht schreiben"
            },
            v::compose(
                &label,
                slug,
                &authed.ctx.csrf,
                d,
                errors,
                refused,
                choices.as_ref(),
                reply_to,
                chosen,
            ),
        ),
    )
        .into_response())
}

async fn compose_page(
    State(state): State<AppState>,
    Guard { authed, proof }: MailboxReader,
    Path(slug): Path<String>,
) -> WebResult {
    let mb = resolve(&proof, &slug)?;
    let mut d = Draft::default();
    if let Mailbox::Kassen(b) = &mb {
        d.bereich = b.key().to_owned();
    }
    render_compose(&state, &authed, &slug, &mb, &d, &[], None, None, &[]).await
}

/// The names of the files read before a send was refused: the page names
/// them, since a browser cannot keep a file choice across a new page.
fn chosen_names(up: &upload::Upload) -> Vec<String> {
    up.files.iter().map(|f| f.name.clone()).collect()
}

fn draft_of(up: &upload::Upload) -> Draft {
    Draft {
        subject: up.get("betreff").to_owned(),
        bereich: up.get("bereich").to_owned(),
        thema: up.get("thema").to_owned(),
        text: up.get("text").to_owned(),
        org: up.get("mitglied").to_owned(),
        group: up.get("gruppenpostfach").to_owned(),
        user: up.get("nutzer").to_owned(),
    }
}

/// The key hash of the signed-in session, for the checks inside the write
/// transaction.
fn session_key(authed: &Authed) -> String {
    authed
        .ctx
        .session
        .as_ref()
        .map(|s| s.key_hash.clone())
        .unwrap_or_default()
}

/// The multipart body of an upload form, read only after the mailbox (and
/// message) were authorised, so that nobody learns more than a 404 from a
/// mailbox they may not use. A body that is no multipart form cannot carry
/// a valid CSRF token: refused like one without.
async fn multipart(state: &AppState, req: Request) -> Result<Multipart, AppError> {
    Multipart::from_request(req, state)
        .await
        .map_err(|_| AppError::Forbidden)
}

async fn compose_submit(
    State(state): State<AppState>,
    Guard { authed, proof }: MailboxReader,
    Path(slug): Path<String>,
    req: Request,
) -> WebResult {
    let mb = resolve(&proof, &slug)?;
    let _slots = upload::begin(
        &state,
        authed.account.id.as_str(),
        authed.ctx.client,
        crate::domain::message::MAX_ATTACHMENT_BYTES,
    )?;
    let mp = multipart(&state, req).await?;
    let up = upload::read(mp, &state, &authed.ctx.csrf).await?;
    let mut d = draft_of(&up);
    if let Mailbox::Kassen(b) = &mb {
        // A clerk writes in the Bereich of this Kassenpostfach only.
        d.bereich = b.key().to_owned();
    }
    if up.get("aktion") == "mitglied" {
        // "Mitglied wählen" (without script): the same form, offering the
        // chosen Mitglied's group mailboxes.
        return render_compose(
            &state,
            &authed,
            &slug,
            &mb,
            &d,
            &[],
            None,
            None,
            &chosen_names(&up),
        )
        .await;
    }
    let mut check = Check::default();
    let bereich = compose::validate(&d, &mut check);
    let (to, d2, check) = {
        let st = state.clone();
        let mb2 = mb.clone();
        let d2 = d.clone();
        state
            .blocking(move |_| {
                let mut check = check;
                let to = match (&mb2, bereich) {
                    (Mailbox::Kassen(b), _) => {
                        compose::kassen_recipient(&st.store, *b, &d2, &mut check)
                            .map(|r| r.mailbox())
                    }
                    (_, Some(b)) => Some(Mailbox::Kassen(b)),
                    (_, None) => None,
                };
                Ok::<_, AppError>((to, d2, check))
            })
            .await?
    };
    let errors = check.into_problems();
    if !errors.is_empty() || up.refused.is_some() {
        return render_compose(
            &state,
            &authed,
            &slug,
            &mb,
            &d2,
            &errors,
            up.refused.as_deref(),
            None,
            &chosen_names(&up),
        )
        .await;
    }
    let (Some(to), Some(bereich)) = (to, bereich) else {
        return Err(AppError::NotFound);
    };
    let author = authed.account.id.clone();
    let files = up.files.clone();
    let key_hash = session_key(&authed);
    let m = state
        .blocking(move |st| {
            let now = st.now();
            compose::send(
                &st.store,
                &st.mailer,
                &st.public_url,
                &compose::Sender {
                    key_hash: &key_hash,
                    activity: &st.activity,
                    security: &st.config.security,
                    reply_to: None,
                },
                &mb,
                to,
                None,
                bereich,
                &d2,
                &author,
                &files,
                now,
            )
        })
        .await?;
    drop(up);
    Ok(Redirect::to(&format!("{}?hinweis=gesendet", path::message(&slug, m.id))).into_response())
}

/// A message of `mb` with its entry there, the other side's name and its
/// author's (see [`access::author_label`]).
struct Loaded {
    m: Message,
    e: Entry,
    other: String,
    author: String,
}

async fn load(state: &AppState, mb: &Mailbox, id: &str) -> Result<Loaded, AppError> {
    let id: u64 = id.parse().map_err(|_| AppError::NotFound)?;
    let mb = mb.clone();
    state
        .inline(move |st| {
            st.store.read(|tx| {
                let (m, e) = access::message_in(tx, &mb, id)?;
                let other = access::counterpart(tx, &m, &mb)?;
                let author = access::author_label(tx, &m, &mb)?;
                Ok::<_, Error>(Loaded {
                    m,
                    e,
                    other,
                    author,
                })
            })
        })
        .map_err(AppError::from)
}

async fn view(
    State(state): State<AppState>,
    Guard { authed, proof }: MailboxReader,
    Path((slug, id)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> WebResult {
    let mb = resolve(&proof, &slug)?;
    let Loaded {
        m,
        mut e,
        other,
        author,
    } = load(&state, &mb, &id).await?;
    // Opening a message marks it read (in this mailbox only) and, in a
    // shared mailbox, records who opened it first.
    let (mb2, mid, who, now) = (mb.clone(), m.id, authed.account.id.clone(), state.now());
    // Read where the request runs; only an opening that writes (the first
    // of an unread message) goes to the blocking pool.
    let opened = match state.inline(|st| marks::open_without_writing(&st.store, &mb2, mid))? {
        Some(opened) => opened,
        None => {
            state
                .blocking(move |st| marks::open(&st.store, &mb2, mid, &who, now))
                .await?
        }
    };
    e.marks.unread = false;
    let p = pairs(q);
    Ok(frame::render(
        &authed.ctx,
        &state,
        &m.subject,
        v::view(
            &mb.label(),
            &slug,
            &authed.ctx.csrf,
            &m,
            v::Placing {
                marks: e.marks,
                direction: e.direction,
            },
            &v::Sides {
                counterpart: &other,
                author: &author,
            },
            opened.as_ref(),
            notice(&p),
        ),
    )
    .into_response())
}

async fn reply_page(
    State(state): State<AppState>,
    Guard { authed, proof }: MailboxReader,
    Path((slug, id)): Path<(String, String)>,
) -> WebResult {
    let mb = resolve(&proof, &slug)?;
    let Loaded { m, author, .. } = load(&state, &mb, &id).await?;
    let subject = if m.subject.starts_with("AW: ") {
        m.subject.clone()
    } else {
        format!("AW: {}", m.subject)
    };
    let d = Draft {
        subject: subject
            .chars()
            .take(crate::domain::message::MAX_SUBJECT)
            .collect(),
        bereich: m.bereich.key().to_owned(),
        thema: m.thema.clone(),
        ..Draft::default()
    };
    render_compose(
        &state,
        &authed,
        &slug,
        &mb,
        &d,
        &[],
        None,
        Some((&m, &author)),
        &[],
    )
    .await
}

async fn reply_submit(
    State(state): State<AppState>,
    Guard { authed, proof }: MailboxReader,
    Path((slug, id)): Path<(String, String)>,
    req: Request,
) -> WebResult {
    let mb = resolve(&proof, &slug)?;
    let Loaded { m, author, .. } = load(&state, &mb, &id).await?;
    let _slots = upload::begin(
        &state,
        authed.account.id.as_str(),
        authed.ctx.client,
        crate::domain::message::MAX_ATTACHMENT_BYTES,
    )?;
    let mp = multipart(&state, req).await?;
    let up = upload::read(mp, &state, &authed.ctx.csrf).await?;
    let mut d = draft_of(&up);
    // A reply keeps the conversation's Bereich and Thema.
    d.bereich = m.bereich.key().to_owned();
    d.thema = m.thema.clone();
    let mut check = Check::default();
    compose::validate_reply(&d, &mut check);
    let errors = check.into_problems();
    if !errors.is_empty() || up.refused.is_some() {
        return render_compose(
            &state,
            &authed,
            &slug,
            &mb,
            &d,
            &errors,
            up.refused.as_deref(),
            Some((&m, &author)),
            &chosen_names(&up),
        )
        .await;
    }
    let to = compose::reply_target(&m, &mb);
    let author = authed.account.id.clone();
    let files = up.files.clone();
    let key_hash = session_key(&authed);
    let (referenz, bereich, reply_to) = (m.referenz.clone(), m.bereich, m.id);
    let sent = state
        .blocking(move |st| {
            let now = st.now();
            compose::send(
                &st.store,
                &st.mailer,
                &st.public_url,
                &compose::Sender {
                    key_hash: &key_hash,
                    activity: &st.activity,
                    security: &st.config.security,
                    reply_to: Some(reply_to),
                },
                &mb,
                to,
                Some(referenz),
                bereich,
                &d,
                &author,
                &files,
                now,
            )
        })
        .await?;
    drop(up);
    Ok(Redirect::to(&format!(
        "{}?hinweis=gesendet",
        path::message(&slug, sent.id)
    ))
    .into_response())
}

async fn mark(
    State(state): State<AppState>,
    Guard { proof, .. }: MailboxReader,
    Path((slug, id, action)): Path<(String, String, String)>,
    CsrfForm(_): CsrfForm,
) -> WebResult {
    let mb = resolve(&proof, &slug)?;
    let a = MarkAction::from_key(&action).ok_or(AppError::NotFound)?;
    let id: u64 = id.parse().map_err(|_| AppError::NotFound)?;
    let mb2 = mb.clone();
    state
        .blocking(move |st| marks::apply(&st.store, &mb2, id, a))
        .await?;
    // "Als ungelesen markieren" leads back to the list (opening the
    // message again would mark it read).
    let target = if a == MarkAction::Unread {
        format!("{}?hinweis=ungelesen", path::mailbox(&slug))
    } else {
        format!("{}?hinweis={action}", path::message(&slug, id))
    };
    Ok(Redirect::to(&target).into_response())
}

/// RFC 6266/5987 `Content-Disposition` for a (sanitised) file name.
fn disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

async fn attachment(
    State(state): State<AppState>,
    Guard { proof, .. }: MailboxReader,
    Path((slug, id, nr)): Path<(String, String, String)>,
) -> WebResult {
    let mb = resolve(&proof, &slug)?;
    let Loaded { m, .. } = load(&state, &mb, &id).await?;
    let nr: usize = nr.parse().map_err(|_| AppError::NotFound)?;
    let a = nr
        .checked_sub(1)
        .and_then(|i| m.attachments.get(i))
        .cloned()
        .ok_or(AppError::NotFound)?;
    let blob = a.blob;
    let body = super::stream::from_blocking(&state, move |st, sink| {
        st.store.read(|tx| {
            crate::store::blobs::read_chunks(tx, blob, |c| {
                c.chunks(256 * 1024).all(|piece| sink(piece.to_vec()))
            })
        })?;
        Ok(())
    });
    let res: Response = (
        [
            (header::CONTENT_TYPE, a.mime.clone()),
            (header::CONTENT_DISPOSITION, disposition(&a.name)),
            (header::CONTENT_LENGTH, a.len.to_string()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        body,
    )
        .into_response();
    Ok(res)
}
