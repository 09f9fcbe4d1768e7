//! The search of the header ("Suchen..."): the FAQ, and Betreff and Text of
//! the messages in every mailbox the user may read — from the inverted
//! index of message terms, with the permission filter applied on the
//! mailboxes each hit lies in.

use super::Error;
use crate::domain::account::Account;
use crate::domain::help::FaqEntry;
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

/// Everything `account` may see that contains `query` (case-insensitive),
/// FAQ entries in their page order.
pub fn search(store: &Store, account: &Account, query: &str) -> Result<Vec<SearchHit>, Error> {
    let needle = normalise_query(query).to_lowercase();
    if needle.is_empty() {
        return Ok(Vec::new());
    }
    let faq = store.read(store::faq::all_in_order)?;
    let mut hits: Vec<SearchHit> = faq
        .into_iter()
        .filter(|e| matches_faq(e, &needle))
        .map(|e| SearchHit::Faq {
            id: e.id,
            excerpt: excerpt(&e.answer, 200),
            question: e.question,
        })
        .collect();
    hits.extend(search_messages(store, account, &needle)?);
    Ok(hits)
}

/// Most message hits shown.
pub const MAX_MESSAGE_HITS: usize = 50;
/// Most seeks into the postings for one query.
const SEEK_BUDGET: usize = 20_000;
/// Most messages decoded to check the other words of a query.
const DECODE_BUDGET: usize = 2_000;
/// Most distinct index terms beginning with the driving word that are
/// looked at ("Beitrag" finds "Beiträge").
const MAX_TERMS: usize = 32;

/// Messages in the account's readable mailboxes whose Betreff or Text holds
/// every word of `needle`, newest first. The longest word drives: for each
/// index term it begins (the word itself first), a join of the term's
/// postings with the readable mailboxes' entries (whose cost follows the
/// sparser side: a small mailbox is not searched through the postings of
/// other organisations' large ones) yields the newest candidates; the
/// other words are checked on the candidates.
fn search_messages(
    store: &Store,
    account: &Account,
    needle: &str,
) -> Result<Vec<SearchHit>, Error> {
    use crate::app::messages::access;
    use crate::domain::message_search::terms;
    let words = terms(needle);
    let Some(driver) = words.iter().max_by_key(|w| w.chars().count()).cloned() else {
        return Ok(Vec::new());
    };
    let readable = access::mailboxes_of(store, account)?;
    if readable.is_empty() {
        return Ok(Vec::new());
    }
    store.read(|tx| {
        // The readable mailboxes that ever received a message, by id.
        let mut known = Vec::new();
        let mut keys = Vec::new();
        for mb in &readable {
            if let Some(id) = store::messages::id_of(tx, &mb.key())? {
                known.push(mb.clone());
                keys.push(id);
            }
        }
        let readable = known;
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut decoded = 0usize;
        let mut term = store::messages::next_term(tx, &driver, None)?;
        let mut looked_at = 0;
        while let Some(t) = term {
            if looked_at >= MAX_TERMS || decoded >= DECODE_BUDGET {
                break;
            }
            looked_at += 1;
            // The newest hits of this term; merged with the other terms'
            // below, so each term needs at most a page of its own.
            let mut from_term = 0usize;
            store::messages::join_term(tx, &t, &keys, SEEK_BUDGET, |id, i| {
                if !seen.insert(id) {
                    return Ok(true);
                }
                decoded += 1;
                let Some(m) = store::messages::get(tx, id)? else {
                    return Ok(true);
                };
                let names: Vec<&str> = m.attachments.iter().map(|a| a.name.as_str()).collect();
                let hay = format!(
                    "{} {} {} {}",
                    m.subject,
                    m.text,
                    m.referenz,
                    names.join(" ")
                )
                .to_lowercase();
                if words.iter().all(|w| hay.contains(w.as_str())) {
                    from_term += 1;
                    out.push(SearchHit::Message {
                        mailbox: access::slug(&readable[i]),
                        mailbox_label: readable[i].label(),
                        id,
                        excerpt: excerpt(&m.text, 200),
                        subject: m.subject,
                        referenz: m.referenz,
                    });
                }
                Ok(from_term < MAX_MESSAGE_HITS && decoded < DECODE_BUDGET)
            })?;
            term = store::messages::next_term(tx, &driver, Some(&t))?;
        }
        out.sort_by_key(|h| match h {
            SearchHit::Message { id, .. } => std::cmp::Reverse(*id),
            SearchHit::Faq { .. } => std::cmp::Reverse(0),
        });
        out.truncate(MAX_MESSAGE_HITS);
        Ok(out)
    })
}

fn matches_faq(e: &FaqEntry, needle: &str) -> bool {
    e.question.to_lowercase().contains(needle) || e.answer.to_lowercase().contains(needle)
}

/// The first `max` characters of `text` on one line, with "…" when cut.
fn excerpt(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        let cut: String = flat.chars().take(max).collect();
        format!("{}…", cut.trim_end())
    }
}

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
