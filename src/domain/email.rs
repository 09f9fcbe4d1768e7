//! E-mail addresses: a pragmatic check of what people type into forms.

/// Returns the normalised address when `input` looks like a deliverable
/// address (`local@domain.tld`, no spaces, no angle brackets).
pub fn parse_address(input: &str) -> Option<String> {
    let addr = input.trim();
    if addr.len() > 254
        || addr
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>()[],;:\"\\".contains(c))
    {
        return None;
    }
    let (local, domain) = addr.rsplit_once('@')?;
    if local.is_empty() || local.len() > 64 || local.contains('@') {
        return None;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return None;
    }
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    if !labels.iter().all(label_ok) {
        return None;
    }
    Some(format!("{local}@{}", domain.to_lowercase()))
}

/// Parses `Display Name <addr>` or a bare address into (name, address).
/// A control character anywhere (a line break in the display name would
/// start a new header line) refuses the whole value; found by fuzzing.
pub fn parse_mailbox(input: &str) -> Option<(Option<String>, String)> {
    let input = input.trim();
    if input.chars().any(char::is_control) {
        return None;
    }
    if let Some(start) = input.find('<') {
        let end = input.rfind('>')?;
        if end < start || end != input.len() - 1 {
            return None;
        }
        let name = input[..start].trim().trim_matches('"').trim();
        let addr = parse_address(&input[start + 1..end])?;
        let name = (!name.is_empty()).then(|| name.to_owned());
        Some((name, addr))
    } else {
        parse_address(input).map(|a| (None, a))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mailbox_with_a_line_break_in_its_name_is_refused() {
        assert_eq!(
            parse_mailbox("K@kasseim Kasse\nwart <kim@kasse.example>"),
            None
        );
        assert_eq!(
            parse_mailbox("Kasse\r\nBcc: x@y.de <kim@kasse.example>"),
            None
        );
        assert_eq!(
            parse_mailbox("Kassenwart <kim@kasse.example>"),
            Some((
                Some("Kassenwart".to_owned()),
                "kim@kasse.example".to_owned()
            ))
        );
    }

    #[test]
    fn accepts_ordinary_addresses() {
        assert_eq!(
            parse_address(" Max.Mustermensch@Musterstadt.DE ").as_deref(),
            Some("Max.Mustermensch@musterstadt.de")
        );
    }

    #[test]
    fn refuses_broken_addresses() {
        for bad in [
            "", "a", "a@b", "a b@c.de", "@c.de", "a@.de", "a@c..de", "a@-c.de",
        ] {
            assert!(parse_address(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn parses_mailbox_with_name() {
        assert_eq!(
            parse_mailbox("Meine Versorgung <noreply@example.org>"),
            Some((
                Some("Meine Versorgung".into()),
                "noreply@example.org".into()
            ))
        );
    }
}
