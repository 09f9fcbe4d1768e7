//! The search of the header ("Suchen..."): the FAQ, and Betreff, Referenz,
//! attachment names and Text of the messages in every mailbox the user may
//! read — from the block-encoded postings (`store::search_index`), joined
//! with the readable mailboxes' entries, so results never leave them.

use super::Error;
use crate::domain::account::Account;
use crate::domain::help::FaqEntry;
use crate::domain::message::Mailbox;
use crate::store::{self, Store};

/// Longest query considered, in characters.
pub const MAX_QUERY: usize = 200;

/// One result, with what is needed to show it and jump to its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchHit {
    /// An FAQ entry (question or answer matched).
    Faq {
        id: u64,
        question: String,
        /// The beginning of the answer.
        excerpt: String,
    },
    /// A message in one of the user's mailboxes.
    Message {
        /// The mailbox part of its URL.
        mailbox: String,
        mailbox_label: String,
        id: u64,
        subject: String,
        referenz: String,
        excerpt: String,
    },
}

impl SearchHit {
    /// Where the hit lives.
    pub fn href(&self) -> String {
        match self {
            SearchHit::Faq { id, .. } => format!("/faq#faq-{id}"),
            SearchHit::Message { mailbox, id, .. } => crate::paths::messages::message(mailbox, *id),
        }
    }
}

/// The query as searched: trimmed, shortened to [`MAX_QUERY`] characters
/// (and trimmed again, so normalising twice changes nothing; found by
/// fuzzing).
pub fn normalise_query(query: &str) -> String {
    let short: String = query.trim().chars().take(MAX_QUERY).collect();
    short.trim_end().to_owned()
}

/// The results of a search: FAQ entries and one page of messages.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Results {
    pub hits: Vec<SearchHit>,
    /// Matching messages counted up to [`COUNT_LIMIT`].
    pub messages: usize,
    /// More than [`COUNT_LIMIT`] messages match ("mehr als 200 Treffer"),
    /// or the count stopped at its work budget.
    pub more_messages: bool,
    /// Where the next page of messages starts (`nach`), if any is left.
    pub next: Option<u64>,
    /// A word of the query is too short to search exactly.
    pub too_general: bool,
}

/// Everything `account` may see that matches `query` (German search
/// semantics, `domain::search_text`): FAQ entries in their page order, and
/// the page of messages below the message id `below` (newest first).
pub fn search(
    store: &Store,
    account: &Account,
    query: &str,
    below: Option<u64>,
) -> Result<Results, Error> {
    let needle = normalise_query(query).to_lowercase();
    if needle.is_empty() {
        return Ok(Results::default());
    }
    let mut out = Results::default();
    if below.is_none() {
        let faq = store.read(store::faq::all_in_order)?;
        out.hits = faq
            .into_iter()
            .filter(|e| matches_faq(e, &needle))
            .map(|e| SearchHit::Faq {
                id: e.id,
                excerpt: excerpt(&e.answer, 200),
                question: e.question,
            })
            .collect();
    }
    search_messages(store, account, &needle, below, &mut out)?;
    Ok(out)
}

/// Most message hits on one page.
pub const MAX_MESSAGE_HITS: usize = 50;
/// Matching messages counted exactly; beyond, "mehr als 200 Treffer".
pub const COUNT_LIMIT: usize = 200;
/// Work (index blocks and entries read) after which one evaluation stops
/// and says where to go on; never ends a result silently.
const WORK_BUDGET: u64 = 500_000;

/// Messages in the account's readable mailboxes matching every word of
/// `needle`: a join of each word's postings with the entries of the
/// readable mailboxes (its cost follows the sparsest side, so a small
/// mailbox is not searched through other organisations' postings). Only
/// headers are read, never a Text.
fn search_messages(
    store: &Store,
    account: &Account,
    needle: &str,
    below: Option<u64>,
    out: &mut Results,
) -> Result<(), Error> {
    use crate::app::messages::access;
    use store::search_index::{self, MailboxSource};
    let words = crate::domain::search_text::query(needle);
    if words.is_empty() {
        return Ok(());
    }
    let readable = access::mailboxes_of(store, account)?;
    store.read(|tx| {
        // The readable mailboxes that ever received a message, by id.
        let mut known = Vec::new();
        let mut ids = Vec::new();
        for mb in &readable {
            if let Some(id) = store::messages::id_of(tx, &mb.key())? {
                known.push(mb.clone());
                ids.push(id);
            }
        }
        if ids.is_empty() {
            return Ok(());
        }
        let tags = tags_of(&known);
        let mut scope = MailboxSource::new(tx, ids.clone())?;
        let counted = search_index::search(
            tx,
            &words,
            &mut scope,
            tags,
            None,
            COUNT_LIMIT,
            WORK_BUDGET,
            |_| Ok(true),
        )?;
        out.too_general = counted.too_general;
        out.messages = counted.ids.len();
        out.more_messages = counted.more;
        let mut scope = MailboxSource::new(tx, ids.clone())?;
        let page = search_index::search(
            tx,
            &words,
            &mut scope,
            tags,
            below,
            MAX_MESSAGE_HITS,
            WORK_BUDGET,
            |_| Ok(true),
        )?;
        out.next = page.next;
        let read = store::messages::Reader::new(tx)?;
        for id in page.ids {
            let Some(h) = read.header(id)? else { continue };
            let Some(i) = lies_in(tx, &ids, &known, id, &h.to)? else {
                continue;
            };
            out.hits.push(SearchHit::Message {
                mailbox: access::slug(&known[i]),
                mailbox_label: known[i].label(),
                id,
                excerpt: h.excerpt,
                subject: h.subject,
                referenz: h.referenz,
            });
        }
        Ok::<_, Error>(())
    })
}

/// The Bereich tags of the postings a reader of `known` may find: a Kassen
/// clerk reads Kassenpostfächer only, so postings of other Bereiche are
/// skipped by their tag.
fn tags_of(known: &[Mailbox]) -> store::postings::TagSet {
    if known.iter().all(|m| matches!(m, Mailbox::Kassen(_))) {
        let codes: Vec<u8> = known
            .iter()
            .filter_map(|m| match m {
                Mailbox::Kassen(b) => Some(b.code()),
                _ => None,
            })
            .collect();
        store::postings::TagSet::of(&codes)
    } else {
        store::postings::TagSet::ALL
    }
}

/// The index in `known` (ids in `ids`) of the readable mailbox message `id`
/// lies in, the recipient's side (`to`) first.
fn lies_in(
    tx: &impl store::ReadAccess,
    ids: &[store::messages::MailboxId],
    known: &[Mailbox],
    id: u64,
    to: &str,
) -> Result<Option<usize>, Error> {
    let mut at = None;
    for (i, mb) in ids.iter().enumerate() {
        if store::messages::entry_in(tx, *mb, id)?.is_some() {
            at = Some(i);
            if known[i].key() == to {
                break;
            }
        }
    }
    Ok(at)
}

fn matches_faq(e: &FaqEntry, needle: &str) -> bool {
    e.question.to_lowercase().contains(needle) || e.answer.to_lowercase().contains(needle)
}

use crate::domain::message::excerpt;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_cut_on_characters() {
        assert_eq!(excerpt("Ä b\n c", 10), "Ä b c");
        assert_eq!(excerpt("äöüäöü", 3), "äöü…");
    }

    #[test]
    fn matching_ignores_case() {
        let e = FaqEntry {
            id: 1,
            question: "Passwort vergessen?".into(),
            answer: "Über die Schaltfläche „Passwort vergessen“.".into(),
            position: 1,
            created_at: jiff::Timestamp::UNIX_EPOCH,
            updated_at: jiff::Timestamp::UNIX_EPOCH,
        };
        assert!(matches_faq(&e, "passwort"));
        assert!(matches_faq(&e, "über die"));
        assert!(!matches_faq(&e, "authenticator"));
    }
}
