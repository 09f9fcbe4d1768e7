//! Messages between member organisations and the funds (handbook §8):
//! mailboxes, Themen per Bereich, Referenzen, marks and attachment rules.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::ids::Nutzerkennung;
use super::org::{Bereich, GroupMailbox, OrgId};

/// Most characters of a message text.
pub const MAX_TEXT: usize = 10_000;
/// Most characters of a Betreff (checked by `app::Check::required`).
pub const MAX_SUBJECT: usize = super::MAX_LINE_CHARS;
/// Most attachments per message.
pub const MAX_ATTACHMENTS: usize = 10;
/// Most bytes of all attachments of one message together.
pub const MAX_ATTACHMENT_BYTES: u64 = 10 * 1024 * 1024;

/// The Themen of each Bereich, kept in one place (the Schreiben form and
/// the filter menu both use it).
pub fn themen(b: Bereich) -> &'static [&'static str] {
    match b {
        Bereich::Beamtenversorgung => &[
            "Allgemeine Anfrage",
            "Versorgungsauskunft",
            "Dienstzeiten und Lebenslauf",
            "Meldungen und Formulare",
            "Quittung",
        ],
        Bereich::Beihilfe => &[
            "Allgemeine Anfrage",
            "Beihilfeanträge",
            "Abrechnung",
            "Quittung",
        ],
        Bereich::Zusatzversorgung => &[
            "Allgemeine Anfrage",
            "Anmeldung und Abmeldung",
            "Entgeltmeldungen",
            "Umlagen und Beiträge",
            "Quittung",
        ],
    }
}

/// The stable code of each Thema, stored in index entries (5 bits, 0 =
/// unknown): one code per name across the Bereiche, never reused and
/// independent of the order of [`themen`]; pinned by a golden test. A new
/// Thema gets the next free code.
const THEMA_CODES: [(&str, u8); 10] = [
    ("Allgemeine Anfrage", 1),
    ("Versorgungsauskunft", 2),
    ("Dienstzeiten und Lebenslauf", 3),
    ("Meldungen und Formulare", 4),
    ("Quittung", 5),
    ("Beihilfeanträge", 6),
    ("Abrechnung", 7),
    ("Anmeldung und Abmeldung", 8),
    ("Entgeltmeldungen", 9),
    ("Umlagen und Beiträge", 10),
];

/// Largest Thema code an index entry can hold.
pub const MAX_THEMA_CODE: u8 = 31;

/// The stored code of a Thema (0 when unknown).
pub fn thema_code(thema: &str) -> u8 {
    THEMA_CODES
        .iter()
        .find(|(t, _)| *t == thema)
        .map_or(0, |(_, c)| *c)
}

/// The Thema of a stored code.
pub fn thema_of_code(code: u8) -> Option<&'static str> {
    THEMA_CODES
        .iter()
        .find(|(_, c)| *c == code)
        .map(|(t, _)| *t)
}

/// Whether `thema` belongs to `bereich`.
pub fn is_thema(bereich: Bereich, thema: &str) -> bool {
    themen(bereich).contains(&thema)
}

/// The Thema of the system's receipts; nobody chooses it for a new message.
pub const RECEIPT_THEMA: &str = "Quittung";

/// The Themen a person may choose for a new message: all but the receipts'.
pub fn writable_themen(b: Bereich) -> impl Iterator<Item = &'static str> {
    themen(b).iter().copied().filter(|t| *t != RECEIPT_THEMA)
}

/// The deletion period of messages in words, from
/// `retention.message_days`: whole months where the days make whole
/// months (730 → "24 Monaten"), days otherwise.
pub fn retention_period(days: u32) -> String {
    let months = u64::from(days) * 12;
    if days > 0 && months % 365 == 0 {
        match months / 365 {
            1 => "einem Monat".to_owned(),
            n => format!("{n} Monaten"),
        }
    } else if days == 1 {
        "einem Tag".to_owned()
    } else {
        format!("{days} Tagen")
    }
}

/// The sentence on the mailbox page and in the FAQ (handbook §8.4).
pub fn retention_notice(days: u32) -> String {
    format!(
        "Nachrichten werden nach {} gelöscht, außer archivierte und wichtige.",
        retention_period(days)
    )
}

/// The length of a text as its writer sees it: characters (not bytes or
/// UTF-16 units), a line break counting as one whether sent as LF or CRLF.
/// The counter script (assets/session.js) counts the same way.
pub fn text_len(text: &str) -> usize {
    let chars = text.chars().count();
    chars - text.matches("\r\n").count()
}

/// A mailbox, as a stable key used in the store: `p:<Nutzerkennung>` for a
/// personal mailbox, `g:<org>:<group>` for a group mailbox, `k:<bereich>`
/// for the Kassenpostfach of one Bereich.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Mailbox {
    Personal(Nutzerkennung),
    Group(OrgId, GroupMailbox),
    Kassen(Bereich),
}

impl Mailbox {
    pub fn key(&self) -> String {
        match self {
            Mailbox::Personal(id) => format!("p:{}", id.as_str()),
            Mailbox::Group(org, g) => format!("g:{org}:{}", g.key()),
            Mailbox::Kassen(b) => format!("k:{}", b.key()),
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        let (kind, rest) = key.split_once(':')?;
        match kind {
            "p" => Nutzerkennung::parse(rest).map(Mailbox::Personal),
            "g" => {
                let (org, g) = rest.split_once(':')?;
                Some(Mailbox::Group(
                    org.parse().ok()?,
                    GroupMailbox::from_key(g)?,
                ))
            }
            "k" => Bereich::from_key(rest).map(Mailbox::Kassen),
            _ => None,
        }
    }

    /// The heading's name: "Postfach: {label}".
    pub fn label(&self) -> String {
        match self {
            Mailbox::Personal(_) => "Persönliches Postfach".to_owned(),
            Mailbox::Group(_, g) => g.label().to_owned(),
            Mailbox::Kassen(b) => format!("Kassenpostfach {}", b.label()),
        }
    }

    /// The organisation whose mailbox this is (none for the Kassen).
    pub fn org(&self) -> Option<OrgId> {
        match self {
            Mailbox::Group(org, _) => Some(*org),
            _ => None,
        }
    }
}

/// The `from` of a system message (it has no sender mailbox).
pub const SYSTEM_SENDER: &str = "system";

/// Where a message is in one mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    Incoming,
    Outgoing,
}

impl Direction {
    /// The stable code stored in index entries (1 bit).
    pub fn code(self) -> u8 {
        match self {
            Direction::Incoming => 0,
            Direction::Outgoing => 1,
        }
    }

    pub fn from_code(code: u8) -> Self {
        if code == 1 {
            Direction::Outgoing
        } else {
            Direction::Incoming
        }
    }
}

/// One attachment: the bytes are a blob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub blob: u64,
    /// Sanitised file name.
    pub name: String,
    /// The detected MIME type.
    pub mime: String,
    pub len: u64,
}

/// A message. It lies in exactly two mailboxes: the sender's (outgoing)
/// and the recipient's (incoming); the marks are per mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: u64,
    pub referenz: String,
    pub subject: String,
    pub text: String,
    pub bereich: Bereich,
    pub thema: String,
    pub created_at: Timestamp,
    /// Mailbox key of the sender's side.
    pub from: String,
    /// Mailbox key of the recipient's side.
    pub to: String,
    /// The person who wrote it (none for system messages).
    #[serde(default)]
    pub author: Option<Nutzerkennung>,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

/// Most characters of the excerpt a header keeps of the Text.
pub const EXCERPT_CHARS: usize = 200;

/// Everything a list row or a search hit shows of a message, stored apart
/// from the Text: reading it never decodes a Text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageHeader {
    pub id: u64,
    pub referenz: String,
    pub subject: String,
    pub bereich: Bereich,
    pub thema: String,
    pub created_at: Timestamp,
    /// Mailbox key of the sender's side.
    pub from: String,
    /// Mailbox key of the recipient's side.
    pub to: String,
    pub author: Option<Nutzerkennung>,
    pub attachments: Vec<Attachment>,
    /// The member organisation of the conversation (the non-Kassen side),
    /// for the Kassenpostfach's Mitglied column and filter.
    pub org: Option<OrgId>,
    /// The beginning of the Text on one line ([`excerpt`]).
    pub excerpt: String,
}

impl MessageHeader {
    /// The header of a message.
    pub fn of(m: &Message, org: Option<OrgId>) -> Self {
        Self {
            id: m.id,
            referenz: m.referenz.clone(),
            subject: m.subject.clone(),
            bereich: m.bereich,
            thema: m.thema.clone(),
            created_at: m.created_at,
            from: m.from.clone(),
            to: m.to.clone(),
            author: m.author.clone(),
            attachments: m.attachments.clone(),
            org,
            excerpt: excerpt(&m.text, EXCERPT_CHARS),
        }
    }

    /// The whole message, given its Text.
    pub fn with_text(self, text: String) -> Message {
        Message {
            id: self.id,
            referenz: self.referenz,
            subject: self.subject,
            text,
            bereich: self.bereich,
            thema: self.thema,
            created_at: self.created_at,
            from: self.from,
            to: self.to,
            author: self.author,
            attachments: self.attachments,
        }
    }
}

/// The first `max` characters of `text` on one line, with "…" when cut.
pub fn excerpt(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        let cut: String = flat.chars().take(max).collect();
        format!("{}…", cut.trim_end())
    }
}

/// Who opened a message of a shared (group or Kassen) mailbox first, and
/// when (handbook: the read status is shared there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstOpened {
    pub by: Nutzerkennung,
    pub at: Timestamp,
}

/// Marks of a message in one mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Marks {
    pub unread: bool,
    pub important: bool,
    pub archived: bool,
}

impl Marks {
    pub fn bits(self) -> u8 {
        u8::from(self.unread) | (u8::from(self.important) << 1) | (u8::from(self.archived) << 2)
    }

    pub fn from_bits(b: u8) -> Self {
        Self {
            unread: b & 1 != 0,
            important: b & 2 != 0,
            archived: b & 4 != 0,
        }
    }
}

/// The readable Referenz of a conversation: year and a store-wide sequence
/// number, e.g. `2026-000123`.
pub fn referenz(year: i16, seq: u64) -> String {
    format!("{year}-{seq:06}")
}

/// Replaces every character outside `[A-Za-z0-9._-]` of a file name by `_`
/// (umlauts become ae/oe/ue/ss), drops path parts and leading dots, and
/// keeps the name at most 100 characters; never empty.
pub fn sanitize_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let mut out = String::new();
    for c in base.chars() {
        match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '-' | '_' => out.push(c),
            'ä' => out.push_str("ae"),
            'ö' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'Ä' => out.push_str("Ae"),
            'Ö' => out.push_str("Oe"),
            'Ü' => out.push_str("Ue"),
            'ß' => out.push_str("ss"),
            _ => out.push('_'),
        }
    }
    let trimmed = out.trim_start_matches('.');
    let mut s: String = trimmed
        .chars()
        .rev()
        .take(100)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if s.is_empty() || s.starts_with('.') {
        s = format!("Anhang{s}");
    }
    s
}

/// The allowed types: (extension, MIME type).
const ALLOWED: [(&str, &str); 5] = [
    ("pdf", "application/pdf"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("png", "image/png"),
    ("csv", "text/csv"),
];

/// Checks a file by its extension and its first bytes together; returns the
/// MIME type to serve it with, or `None` when the type is not allowed or
/// the content does not match the extension.
pub fn check_type(name: &str, head: &[u8]) -> Option<&'static str> {
    let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
    let (_, mime) = ALLOWED.iter().find(|(e, _)| *e == ext)?;
    if *mime == "text/csv" {
        // CSV has no magic number: it must be text (UTF-8 or a legacy
        // 8-bit encoding such as Windows-1252) without markup, control
        // characters or a binary signature.
        let known_binary = infer::get(head).is_some();
        let lower = String::from_utf8_lossy(head).to_ascii_lowercase();
        let markup =
            lower.contains("<html") || lower.contains("<script") || lower.contains("<!doctype");
        let controls = head
            .iter()
            .any(|b| *b < 0x09 || (*b > 0x0d && *b < 0x20) || *b == 0x7f);
        return (!known_binary && !markup && !controls).then_some("text/csv");
    }
    let detected = infer::get(head)?;
    (detected.mime_type() == *mime).then_some(*mime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailbox_keys_round_trip() {
        for m in [
            Mailbox::Group(7, GroupMailbox::MitgliederRecht),
            Mailbox::Kassen(Bereich::Beihilfe),
            Mailbox::Personal(Nutzerkennung::parse("S20123456789").expect("id")),
        ] {
            assert_eq!(Mailbox::from_key(&m.key()), Some(m));
        }
        assert_eq!(Mailbox::from_key("g:x:beihilfe"), None);
    }

    #[test]
    fn file_names_are_neutralised() {
        assert_eq!(sanitize_file_name("../../x.pdf"), "x.pdf");
        assert_eq!(
            sanitize_file_name("Prüfung 2026 (neu).pdf"),
            "Pruefung_2026__neu_.pdf"
        );
        assert_eq!(sanitize_file_name("..\\..\\.htaccess"), "htaccess");
        assert_eq!(sanitize_file_name("\"\r\n.pdf"), "___.pdf");
        assert_eq!(sanitize_file_name(""), "Anhang");
    }

    #[test]
    fn types_are_checked_by_content_and_extension() {
        let pdf = b"%PDF-1.7\n...";
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        let exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff";
        assert_eq!(check_type("a.pdf", pdf), Some("application/pdf"));
        assert_eq!(check_type("a.PNG", png), Some("image/png"));
        assert_eq!(check_type("a.pdf", exe), None);
        assert_eq!(check_type("a.png", b"<html><script>x</script>"), None);
        assert_eq!(
            check_type("a.csv", b"Name;Vorname\nA;B\n"),
            Some("text/csv")
        );
        assert_eq!(check_type("a.csv", b"<!DOCTYPE html><html>"), None);
        assert_eq!(check_type("a.csv", b"Name\nM\xfcller\n"), Some("text/csv"));
        assert_eq!(check_type("a.csv", b"a\0b"), None);
        assert_eq!(check_type("a.exe", exe), None);
        assert_eq!(check_type("a.png", pdf), None);
    }

    /// Stored codes never change: index entries written by older versions
    /// must keep their meaning.
    #[test]
    fn stored_codes_are_pinned() {
        let codes: Vec<(&str, u8)> = Bereich::ALL
            .iter()
            .flat_map(|b| themen(*b).iter())
            .map(|t| (*t, thema_code(t)))
            .collect();
        for (t, c) in &codes {
            assert!(*c > 0 && *c <= MAX_THEMA_CODE, "{t}");
            assert_eq!(thema_of_code(*c), Some(*t));
        }
        assert_eq!(
            THEMA_CODES,
            [
                ("Allgemeine Anfrage", 1),
                ("Versorgungsauskunft", 2),
                ("Dienstzeiten und Lebenslauf", 3),
                ("Meldungen und Formulare", 4),
                ("Quittung", 5),
                ("Beihilfeanträge", 6),
                ("Abrechnung", 7),
                ("Anmeldung und Abmeldung", 8),
                ("Entgeltmeldungen", 9),
                ("Umlagen und Beiträge", 10),
            ]
        );
        assert_eq!(thema_code("unbekannt"), 0);
        assert_eq!(
            (Direction::Incoming.code(), Direction::Outgoing.code()),
            (0, 1)
        );
        assert_eq!(
            Bereich::ALL.map(Bereich::code),
            [0, 1, 2],
            "Beamtenversorgung, Beihilfe, Zusatzversorgung"
        );
        let m = Marks {
            unread: true,
            important: false,
            archived: false,
        };
        assert_eq!(m.bits(), 1);
        assert!(Marks::from_bits(2).important);
        assert!(Marks::from_bits(4).archived);
        // Mailbox keys are stored strings.
        assert_eq!(
            GroupMailbox::ALL.map(|g| Mailbox::Group(1, g).key()),
            [
                "g:1:beihilfe",
                "g:1:beamtenversorgung",
                "g:1:finanzierung",
                "g:1:mitglieder-recht",
                "g:1:geschaeftsleitung",
                "g:1:zusatzversorgung",
                "g:1:administration"
            ]
        );
        assert_eq!(
            Bereich::ALL.map(|b| Mailbox::Kassen(b).key()),
            ["k:beamtenversorgung", "k:beihilfe", "k:zusatzversorgung"]
        );
    }

    #[test]
    fn a_line_break_counts_once() {
        assert_eq!(text_len("ab\r\ncd"), 5);
        assert_eq!(text_len("ab\ncd"), 5);
        assert_eq!(text_len("ä€😀"), 3);
        let hundred_lines = vec!["x".repeat(99); 100].join("\r\n");
        assert_eq!(text_len(&hundred_lines), 99 * 100 + 99);
    }

    #[test]
    fn the_deletion_period_reads_in_months_where_it_can() {
        assert_eq!(
            retention_notice(730),
            "Nachrichten werden nach 24 Monaten gelöscht, außer archivierte und wichtige."
        );
        assert_eq!(retention_period(365), "12 Monaten");
        assert_eq!(retention_period(90), "90 Tagen");
        assert_eq!(retention_period(1), "einem Tag");
    }

    #[test]
    fn the_receipt_thema_is_not_writable() {
        for b in Bereich::ALL {
            assert!(is_thema(b, RECEIPT_THEMA));
            assert!(writable_themen(b).all(|t| t != RECEIPT_THEMA));
        }
    }

    #[test]
    fn marks_round_trip() {
        let m = Marks {
            unread: true,
            important: false,
            archived: true,
        };
        assert_eq!(Marks::from_bits(m.bits()), m);
    }
}
