//! Terms of the message search: lower-case words of at least two
//! characters; umlauts are kept, so "Prüfung" finds "prüfung".

/// The distinct terms of `text`, at most 64 characters each.
pub fn terms(text: &str) -> Vec<String> {
    let mut out: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2)
        .map(|w| w.to_lowercase().chars().take(64).collect())
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_split_and_lowered() {
        assert_eq!(
            terms("Prüfung der Beiträge, 2026: Prüfung!"),
            vec!["2026", "beiträge", "der", "prüfung"]
        );
    }
}
