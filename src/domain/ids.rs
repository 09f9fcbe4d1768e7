//! Nutzerkennungen: `K`, `X` or `S` followed by 11 digits, generated, unique
//! and never reused.

use std::fmt;

use rand::Rng;
use serde::{Deserialize, Serialize};

/// The kind of account a Nutzerkennung belongs to, given by its first letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum IdPrefix {
    /// Staff of the funds (Kassen).
    K,
    /// Administrator:in of a member organisation.
    X,
    /// Nutzer:in of a member organisation.
    S,
}

impl IdPrefix {
    pub fn letter(self) -> char {
        match self {
            IdPrefix::K => 'K',
            IdPrefix::X => 'X',
            IdPrefix::S => 'S',
        }
    }
}

/// Whether a login input is an Identifikationsnummer/PNR (digits only,
/// perhaps grouped by spaces, dots or hyphens) rather than a Nutzerkennung.
/// That login is meant for members and not available in this portal; the
/// answer depends on the input's shape only, never on stored accounts.
pub fn is_member_number(input: &str) -> bool {
    let digits = input
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '/'))
        .collect::<String>();
    !digits.is_empty() && digits.len() <= 20 && digits.bytes().all(|b| b.is_ascii_digit())
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Nutzerkennung(String);

impl Nutzerkennung {
    /// Parses user input; accepts lower case and surrounding spaces.
    pub fn parse(input: &str) -> Option<Self> {
        let s = input.trim().to_ascii_uppercase();
        let mut chars = s.chars();
        let first = chars.next()?;
        if !matches!(first, 'K' | 'X' | 'S') {
            return None;
        }
        let digits = chars.as_str();
        if digits.len() != 11 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(Self(s))
    }

    /// A random candidate; the store makes sure it was never issued before.
    pub fn random(prefix: IdPrefix, rng: &mut impl Rng) -> Self {
        // Like the handbook's examples (X20177120281): "20" and nine digits.
        let n: u32 = rng.random_range(0..1_000_000_000);
        Self(format!("{}20{n:09}", prefix.letter()))
    }

    pub fn prefix(&self) -> IdPrefix {
        match self.0.as_bytes().first() {
            Some(b'K') => IdPrefix::K,
            Some(b'X') => IdPrefix::X,
            _ => IdPrefix::S,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Nutzerkennung {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl maud::Render for Nutzerkennung {
    fn render(&self) -> maud::Markup {
        maud::html! { (self.0) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_numbers_are_digits_only() {
        for pnr in ["78970", " 102 898 ", "12.345-6"] {
            assert!(is_member_number(pnr), "{pnr}");
        }
        for other in ["X20177120281", "", "K2", "abc", "  "] {
            assert!(!is_member_number(other), "{other}");
        }
    }

    #[test]
    fn random_ids_have_the_documented_shape() {
        let mut rng = rand::rng();
        for prefix in [IdPrefix::K, IdPrefix::X, IdPrefix::S] {
            let id = Nutzerkennung::random(prefix, &mut rng);
            assert_eq!(id.as_str().len(), 12);
            assert_eq!(id.prefix(), prefix);
            assert_eq!(Nutzerkennung::parse(id.as_str()), Some(id));
        }
    }

    #[test]
    fn parse_refuses_other_shapes() {
        for bad in ["", "X123", "Y20177120281", "X2017712028a", "X201771202811"] {
            assert!(Nutzerkennung::parse(bad).is_none(), "{bad}");
        }
        assert!(Nutzerkennung::parse(" x20177120281 ").is_some());
    }
}
