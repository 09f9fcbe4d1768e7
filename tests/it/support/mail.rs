//! A received e-mail, parsed with `mail-parser`.

use std::path::Path;

use mail_parser::{Address, MessageParser};

#[derive(Clone, Debug)]
pub struct Mail {
    /// The message as it was received (RFC 5322).
    pub raw: Vec<u8>,
    /// `RCPT TO` addresses (empty for outbox files).
    pub envelope_to: Vec<String>,
    /// Addresses in the `To`, `Cc`, `Bcc` and `From` headers.
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    pub from: Vec<String>,
    pub subject: String,
    /// The first text/plain body (decoded).
    pub text: String,
    /// Whether mail-parser found any header at all.
    pub parsed: bool,
}

fn addresses(addr: Option<&Address<'_>>) -> Vec<String> {
    addr.map(|a| {
        a.iter()
            .filter_map(|x| x.address().map(str::to_owned))
            .collect()
    })
    .unwrap_or_default()
}

impl Mail {
    /// Parses a message; unparsable input gives a `Mail` with `parsed: false`.
    pub fn parse(raw: &[u8]) -> Mail {
        let message = MessageParser::default().parse(raw);
        let parsed = message
            .as_ref()
            .is_some_and(|m| !m.headers().is_empty() && m.subject().is_some());
        Mail {
            raw: raw.to_vec(),
            envelope_to: Vec::new(),
            to: addresses(message.as_ref().and_then(|m| m.to())),
            cc: addresses(message.as_ref().and_then(|m| m.cc())),
            bcc: addresses(message.as_ref().and_then(|m| m.bcc())),
            from: addresses(message.as_ref().and_then(|m| m.from())),
            subject: message
                .as_ref()
                .and_then(|m| m.subject())
                .unwrap_or_default()
                .to_owned(),
            text: message
                .as_ref()
                .and_then(|m| m.body_text(0))
                .map(|t| t.into_owned())
                .unwrap_or_default(),
            parsed,
        }
    }

    /// Reads and parses an `.eml` file.
    #[track_caller]
    pub fn read(path: &Path) -> Mail {
        match std::fs::read(path) {
            Ok(raw) => Mail::parse(&raw),
            Err(e) => panic!("cannot read {}: {e}", path.display()),
        }
    }

    /// Whether `to` is one of the `To` addresses (case-insensitive).
    pub fn is_to(&self, to: &str) -> bool {
        self.to.iter().any(|a| a.eq_ignore_ascii_case(to))
    }

    /// Every `http://` or `https://` link in the text body, in order.
    pub fn links(&self) -> Vec<String> {
        extract_links(&self.text)
    }

    /// The first link starting with `prefix`.
    #[track_caller]
    pub fn link_starting_with(&self, prefix: &str) -> String {
        match self.links().into_iter().find(|l| l.starts_with(prefix)) {
            Some(l) => l,
            None => panic!(
                "no link starting with {prefix:?} in the mail {:?}; links: {:?}\n--- text ---\n{}",
                self.subject,
                self.links(),
                self.text
            ),
        }
    }

    /// The one link of the mail (panics if there is none or several).
    #[track_caller]
    pub fn only_link(&self) -> String {
        let links = self.links();
        match links.as_slice() {
            [one] => one.clone(),
            _ => panic!(
                "expected exactly one link in the mail {:?}, found {links:?}",
                self.subject
            ),
        }
    }

    /// Asserts the portal's rule: exactly one recipient, in `To`, no Cc/Bcc.
    #[track_caller]
    pub fn assert_single_recipient(&self, to: &str) {
        assert_eq!(
            self.to,
            vec![to.to_owned()],
            "To of mail {:?} must be exactly {to}",
            self.subject
        );
        assert!(self.cc.is_empty(), "mail has Cc: {:?}", self.cc);
        assert!(self.bcc.is_empty(), "mail has Bcc: {:?}", self.bcc);
        let raw = String::from_utf8_lossy(&self.raw).replace("\r\n", "\n");
        let head = format!("\n{}", raw.split("\n\n").next().unwrap_or("")).to_ascii_lowercase();
        assert!(
            !head.contains("\ncc:") && !head.contains("\nbcc:"),
            "raw mail carries a Cc/Bcc header"
        );
        if !self.envelope_to.is_empty() {
            assert_eq!(
                self.envelope_to.len(),
                1,
                "SMTP envelope has several recipients: {:?}",
                self.envelope_to
            );
            assert!(
                self.envelope_to[0].eq_ignore_ascii_case(to),
                "SMTP envelope recipient {:?} is not {to}",
                self.envelope_to
            );
        }
    }
}

/// Finds `http(s)://…` links in text, ending at whitespace, quotes or angle
/// brackets; trailing sentence punctuation is not part of the link.
pub fn extract_links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = ["http://", "https://"]
        .iter()
        .filter_map(|p| rest.find(p))
        .min()
    {
        let tail = &rest[start..];
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\''))
            .unwrap_or(tail.len());
        let link = tail[..end].trim_end_matches(['.', ',', ';', ':', ')', '!', '?']);
        out.push(link.to_owned());
        rest = &tail[end..];
    }
    out
}
