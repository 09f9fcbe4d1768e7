//! Domain rules. Nothing here knows HTTP or the database.

pub mod account;
pub mod audit;
pub mod email;
pub mod forms;
pub mod help;
pub mod ids;
pub mod link;
pub mod mail;
pub mod message;
pub mod org;
pub mod password;
pub mod permissions;
pub mod person_csv;
pub mod persons;
pub mod search_text;
pub mod secret;
pub mod session;
pub mod totp;

pub use jiff::Timestamp;

/// Rows per page of every paged list (handbook: "Elemente pro Seite: 20").
pub const PAGE_SIZE: usize = 20;

/// Most characters of a required one-line field (a name, a Betreff).
pub const MAX_LINE_CHARS: usize = 200;

/// A number with its noun in German singular or plural: `counted(1,
/// "Meldung", "Meldungen")` is "1 Meldung", every other number takes the
/// plural ("0 Meldungen", "2 Meldungen").
pub fn counted(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    #[test]
    fn singular_only_for_one() {
        assert_eq!(super::counted(1u64, "Meldung", "Meldungen"), "1 Meldung");
        assert_eq!(super::counted(0u64, "Meldung", "Meldungen"), "0 Meldungen");
        assert_eq!(
            super::counted(21u64, "Meldung", "Meldungen"),
            "21 Meldungen"
        );
    }
}
