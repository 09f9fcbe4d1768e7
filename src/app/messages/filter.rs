//! The filters of the mailbox page (quick filters and the filter menu),
//! how each is read from and written to the URL, how it is checked on the
//! covering entry of a message, and which index answers it.

use crate::domain::message::{self, MessageHeader};
use crate::domain::org::Bereich;
use crate::domain::search_text;
use crate::store::mailboxes::{Entry, FACET_ARCHIVE, FACET_IMPORTANT, FACET_INBOX};
use crate::store::mailboxes::{FACET_OUTBOX, FACET_UNREAD, facet_bereich, facet_thema};

/// The folders of the "Postfach" multi-select.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folder {
    Archiviert,
    Ausgehend,
    Eingehend,
}

impl Folder {
    pub const ALL: [Folder; 3] = [Folder::Archiviert, Folder::Ausgehend, Folder::Eingehend];

    pub fn label(self) -> &'static str {
        match self {
            Folder::Archiviert => "Archiviert",
            Folder::Ausgehend => "Ausgehend",
            Folder::Eingehend => "Eingehend",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Folder::Archiviert => "archiviert",
            Folder::Ausgehend => "ausgehend",
            Folder::Eingehend => "eingehend",
        }
    }

    pub fn from_key(k: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.key() == k)
    }

    pub(super) fn facet(self) -> u16 {
        match self {
            Folder::Archiviert => FACET_ARCHIVE,
            Folder::Ausgehend => FACET_OUTBOX,
            Folder::Eingehend => FACET_INBOX,
        }
    }
}

/// Every filter of the mailbox page; lives in the URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// "Postfach": the folders shown (default Ausgehend + Eingehend).
    pub folders: Vec<Folder>,
    /// "als wichtig markiert".
    pub important: bool,
    /// "Lesestatus": `Some(false)` = ungelesen, `Some(true)` = gelesen.
    pub read: Option<bool>,
    pub subject: String,
    pub referenz: String,
    pub bereich: Option<Bereich>,
    pub thema: String,
    /// "Mitglied" (Kassenpostfach): the member organisation.
    pub mitglied: Option<u64>,
}

impl Default for Filter {
    fn default() -> Self {
        Self {
            folders: vec![Folder::Ausgehend, Folder::Eingehend],
            important: false,
            read: None,
            subject: String::new(),
            referenz: String::new(),
            bereich: None,
            thema: String::new(),
            mitglied: None,
        }
    }
}

impl Filter {
    /// Whether anything differs from the default (the mark on "Filter").
    pub fn is_active(&self) -> bool {
        *self != Filter::default()
    }

    pub(super) fn matches_entry(&self, e: &Entry) -> bool {
        let folder = match e.folder() {
            FACET_ARCHIVE => Folder::Archiviert,
            FACET_INBOX => Folder::Eingehend,
            _ => Folder::Ausgehend,
        };
        self.folders.contains(&folder)
            && (!self.important || e.marks.important)
            && self.read.is_none_or(|r| r != e.marks.unread)
            && self.bereich.is_none_or(|b| b == e.bereich)
            && (self.thema.is_empty() || e.thema_name() == Some(self.thema.as_str()))
    }

    pub(super) fn needs_message(&self) -> bool {
        !self.subject.trim().is_empty() || self.mitglied.is_some()
    }

    /// Betreff: every word typed matches a word of the Betreff by the
    /// German search semantics (`domain::search_text`), as the
    /// per-mailbox Betreff postings answer it; a filter of one-letter
    /// words only is a substring match.
    pub(super) fn matches_message(&self, m: &MessageHeader) -> bool {
        if self.mitglied.is_some() && m.org != self.mitglied {
            return false;
        }
        let wanted = search_text::query(&self.subject);
        if wanted.is_empty() {
            let s = search_text::fold(self.subject.trim());
            return s.is_empty() || search_text::fold(&m.subject).contains(&s);
        }
        search_text::subject_matches(&wanted, &m.subject)
    }

    /// The facets to walk: the most selective index the filter names
    /// (disjoint facets, merged in time order); the rest is checked on
    /// the covering entry.
    pub(super) fn driving(&self) -> Vec<u16> {
        if self.important {
            return vec![FACET_IMPORTANT];
        }
        if self.read == Some(false) {
            return vec![FACET_UNREAD];
        }
        let bereiche: Vec<(u8, Bereich)> = Bereich::ALL
            .into_iter()
            .filter(|b| self.bereich.is_none_or(|x| x == *b))
            .map(|b| (b.code(), b))
            .collect();
        let mut out = Vec::new();
        for f in &self.folders {
            let folder = f.facet();
            if !self.thema.is_empty() {
                for (bi, b) in &bereiche {
                    if message::is_thema(*b, &self.thema) {
                        out.push(facet_thema(folder, *bi, message::thema_code(&self.thema)));
                    }
                }
            } else if self.bereich.is_some() {
                for (bi, _) in &bereiche {
                    out.push(facet_bereich(folder, *bi));
                }
            } else {
                out.push(folder);
            }
        }
        out
    }
}

impl Filter {
    /// The filter as URL query pairs (only what differs from the default).
    pub fn to_query(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        // "als wichtig markiert" covers every folder by default.
        let default_folders = if self.important {
            Folder::ALL.to_vec()
        } else {
            Filter::default().folders
        };
        if self.folders != default_folders {
            for f in &self.folders {
                q.push(("postfach", f.key().to_owned()));
            }
            if self.folders.is_empty() {
                q.push(("postfach", "keins".to_owned()));
            }
        }
        if self.important {
            q.push(("wichtig", "1".to_owned()));
        }
        match self.read {
            Some(false) => q.push(("lesestatus", "ungelesen".to_owned())),
            Some(true) => q.push(("lesestatus", "gelesen".to_owned())),
            None => {}
        }
        for (k, v) in [
            ("betreff", &self.subject),
            ("referenz", &self.referenz),
            ("thema", &self.thema),
        ] {
            if !v.trim().is_empty() {
                q.push((k, v.trim().to_owned()));
            }
        }
        if let Some(b) = self.bereich {
            q.push(("bereich", b.key().to_owned()));
        }
        if let Some(m) = self.mitglied {
            q.push(("mitglied", m.to_string()));
        }
        q
    }

    /// Reads the filter from URL query pairs; unknown values are ignored.
    pub fn from_query(pairs: &[(String, String)]) -> Filter {
        let mut f = Filter::default();
        let folders: Vec<&str> = pairs
            .iter()
            .filter(|(k, _)| k == "postfach")
            .map(|(_, v)| v.as_str())
            .collect();
        if !folders.is_empty() {
            f.folders = Folder::ALL
                .into_iter()
                .filter(|x| folders.contains(&x.key()))
                .collect();
        }
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.chars().take(200).collect::<String>())
                .unwrap_or_default()
        };
        f.important = get("wichtig") == "1";
        if f.important && folders.is_empty() {
            // Every important message, archived or not (the handbook keeps
            // exactly these from deletion).
            f.folders = Folder::ALL.to_vec();
        }
        f.read = match get("lesestatus").as_str() {
            "ungelesen" => Some(false),
            "gelesen" => Some(true),
            _ => None,
        };
        f.subject = get("betreff").trim().to_owned();
        f.referenz = get("referenz").trim().to_owned();
        f.bereich = Bereich::from_key(&get("bereich"));
        f.mitglied = get("mitglied").parse().ok();
        let thema = get("thema");
        f.thema = if Bereich::ALL
            .into_iter()
            .any(|b| crate::domain::message::is_thema(b, &thema))
        {
            thema
        } else {
            String::new()
        };
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_round_trip_through_the_url() {
        let f = Filter {
            folders: vec![Folder::Archiviert],
            important: true,
            read: Some(false),
            subject: "Beiträge".into(),
            referenz: "2026-000001".into(),
            bereich: Some(Bereich::Beihilfe),
            thema: "Abrechnung".into(),
            mitglied: Some(7),
        };
        let pairs: Vec<(String, String)> = f
            .to_query()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        assert_eq!(Filter::from_query(&pairs), f);
        assert!(Filter::from_query(&[]).to_query().is_empty());
        assert!(!Filter::default().is_active());
    }
}
