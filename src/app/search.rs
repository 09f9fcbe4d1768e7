//! The search of the header ("Suchen..."): today the FAQ; the group-mailbox
//! messages a user may read join as another kind of hit once they exist.

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
}

impl SearchHit {
    /// Where the hit lives.
    pub fn href(&self) -> String {
        match self {
            SearchHit::Faq { id, .. } => format!("/faq#faq-{id}"),
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
pub fn search(store: &Store, _account: &Account, query: &str) -> Result<Vec<SearchHit>, Error> {
    let needle = normalise_query(query).to_lowercase();
    if needle.is_empty() {
        return Ok(Vec::new());
    }
    let faq = store.read(store::faq::all_in_order)?;
    Ok(faq
        .into_iter()
        .filter(|e| matches_faq(e, &needle))
        .map(|e| SearchHit::Faq {
            id: e.id,
            excerpt: excerpt(&e.answer, 200),
            question: e.question,
        })
        .collect())
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
