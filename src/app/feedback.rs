//! The feedback and support forms and the inbox of the Portaladministration.

use crate::domain::permissions::AdministerPortal;
use jiff::Timestamp;

use super::{Actor, Check, Error};
use crate::domain::account::Status;
use crate::domain::audit::AuditEntry;
use crate::domain::help::{FeedbackEntry, FeedbackKind, MAX_TEXT};
use crate::domain::org::OrgId;
use crate::mail::{Mailer, templates};
use crate::store::{self, Store};

/// The form as entered.
#[derive(Debug, Clone, Default)]
pub struct FeedbackInput {
    pub subject: String,
    pub text: String,
    pub email: String,
}

/// Who sent a message: nobody known (anonymous) or a signed-in account.
#[derive(Debug, Clone, Default)]
pub struct Sender {
    pub account: Option<String>,
    pub org: Option<OrgId>,
}

fn validate(input: &FeedbackInput) -> Result<FeedbackInput, Error> {
    let mut check = Check::default();
    let subject = check.required("betreff", &input.subject, "einen Betreff");
    let text = input.text.trim().replace("\r\n", "\n");
    if text.is_empty() {
        check.fail("text", "Bitte geben Sie einen Text ein.");
    } else if text.chars().count() > MAX_TEXT {
        check.fail(
            "text",
            format!("Der Text darf höchstens {MAX_TEXT} Zeichen lang sein."),
        );
    }
    let email = if input.email.trim().is_empty() {
        String::new()
    } else {
        check.email("email", &input.email)
    };
    check.finish()?;
    Ok(FeedbackInput {
        subject,
        text,
        email,
    })
}

/// Stores a message. A Support message is announced by e-mail (without its
/// content) to every active account of the Portaladministration; returns
/// whether mail was queued, so that the caller wakes the mail worker.
pub fn submit(
    store: &Store,
    mailer: &Mailer,
    public_url: &str,
    kind: FeedbackKind,
    input: &FeedbackInput,
    sender: &Sender,
    now: Timestamp,
) -> Result<(FeedbackEntry, bool), Error> {
    let v = validate(input)?;
    store.write(|tx| {
        let entry = FeedbackEntry {
            id: store::feedback::next_id(tx)?,
            kind,
            subject: v.subject.clone(),
            text: v.text.clone(),
            email: (!v.email.is_empty()).then(|| v.email.clone()),
            account: sender.account.clone(),
            org: sender.org,
            created_at: now,
            done: false,
        };
        store::feedback::put(tx, &entry)?;
        let mut queued = false;
        if kind == FeedbackKind::Support {
            let url = format!("{public_url}/kassen/rueckmeldungen/{}", entry.id);
            for admin in store::accounts::all_of(tx, 0, store::accounts::Kind::Kassen)? {
                if admin.is_kassen_admin() && admin.status() == Status::Aktiv {
                    mailer.enqueue(
                        tx,
                        &admin.email,
                        templates::support_notification(&admin.full_name(), &url),
                        now,
                    )?;
                    queued = true;
                }
            }
        }
        Ok((entry, queued))
    })
}

/// Filter of the inbox; `None` means all.
#[derive(Debug, Clone, Copy, Default)]
pub struct InboxFilter {
    pub kind: Option<FeedbackKind>,
    pub done: Option<bool>,
}

/// One page of the inbox.
pub struct InboxPage {
    pub entries: Vec<FeedbackEntry>,
    /// Messages matching the filter in all (from stored counters).
    pub total: usize,
    pub page: usize,
}

/// Page `page` (1-based, clamped) of the messages matching `filter`,
/// newest first.
pub fn list(
    store: &Store,
    _proof: &AdministerPortal,
    filter: InboxFilter,
    page: usize,
) -> Result<InboxPage, Error> {
    let kinds: Vec<FeedbackKind> = FeedbackKind::ALL
        .into_iter()
        .filter(|k| filter.kind.is_none_or(|f| f == *k))
        .collect();
    let states: Vec<bool> = [false, true]
        .into_iter()
        .filter(|d| filter.done.is_none_or(|f| f == *d))
        .collect();
    store.read(|tx| {
        let mut total = 0;
        for k in &kinds {
            for d in &states {
                total += store::feedback::count(tx, *k, *d)? as usize;
            }
        }
        let per_page = crate::domain::PAGE_SIZE;
        let page = page.clamp(1, total.div_ceil(per_page).max(1));
        let entries = store::feedback::page(tx, &kinds, &states, (page - 1) * per_page, per_page)?;
        Ok(InboxPage {
            entries,
            total,
            page,
        })
    })
}

pub fn get(store: &Store, _proof: &AdministerPortal, id: u64) -> Result<FeedbackEntry, Error> {
    store
        .read(|tx| store::feedback::get(tx, id))?
        .ok_or(Error::NotFound)
}

/// "Als erledigt markieren" (`done`) or "Wieder öffnen".
pub fn set_done(
    store: &Store,
    _proof: &AdministerPortal,
    id: u64,
    done: bool,
    actor: &Actor,
    now: Timestamp,
) -> Result<FeedbackEntry, Error> {
    store.write(|tx| {
        let mut entry = store::feedback::get(tx, id)?.ok_or(Error::NotFound)?;
        if entry.done == done {
            return Ok(entry);
        }
        entry.done = done;
        store::feedback::put(tx, &entry)?;
        let (action, word) = if done {
            ("feedback.done", "als erledigt markiert")
        } else {
            ("feedback.reopened", "wieder geöffnet")
        };
        store::audit::append(
            tx,
            &AuditEntry::new(
                now,
                actor.id.as_str(),
                action,
                format!("{} „{}“ {word}", entry.kind.label(), entry.subject),
            )
            .target(format!("Rückmeldung {}", entry.id))
            .org(entry.org)
            .client(actor.client.clone()),
        )?;
        Ok(entry)
    })
}
