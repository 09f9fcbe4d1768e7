//! Password rules (handbook §1.1): 12–128 characters, a letter, a digit and
//! a special character, not guessable. Every character counts; nothing is
//! truncated. Reuse of earlier passwords is checked against the hashes by
//! the caller.

use zxcvbn::feedback::Warning;

pub const MIN_LEN: usize = 12;
pub const MAX_LEN: usize = 128;

/// Checks a new password; returns one German message per violated rule.
///
/// `context` are the person's own data (name, e-mail, Nutzerkennung), which
/// make a password easy to guess when it contains them.
pub fn check(password: &str, context: &[&str], min_strength: u8) -> Vec<String> {
    let mut errors = Vec::new();
    let len = password.chars().count();
    if !(MIN_LEN..=MAX_LEN).contains(&len) {
        errors.push(format!(
            "Das Passwort muss zwischen {MIN_LEN} und {MAX_LEN} Zeichen lang sein (derzeit {len})."
        ));
    }
    if !password.chars().any(char::is_alphabetic) {
        errors.push("Das Passwort muss mindestens einen Buchstaben enthalten.".to_owned());
    }
    if !password.chars().any(|c| c.is_ascii_digit()) {
        errors.push("Das Passwort muss mindestens eine Ziffer enthalten.".to_owned());
    }
    if !password.chars().any(|c| !c.is_alphanumeric()) {
        errors.push("Das Passwort muss mindestens ein Sonderzeichen enthalten.".to_owned());
    }
    if len <= MAX_LEN && !password.is_empty() {
        let entropy = zxcvbn::zxcvbn(password, context);
        if u8::from(entropy.score()) < min_strength {
            let hint = entropy
                .feedback()
                .and_then(|f| f.warning())
                .map(german_warning)
                .unwrap_or("Verwenden Sie eine längere, weniger vorhersehbare Zeichenfolge, z. B. mehrere zufällige Wörter mit Ziffern und Sonderzeichen.");
            errors.push(format!("Das Passwort ist zu leicht zu erraten. {hint}"));
        }
    }
    errors
}

fn german_warning(w: Warning) -> &'static str {
    match w {
        Warning::StraightRowsOfKeysAreEasyToGuess => "Tastaturreihen sind leicht zu erraten.",
        Warning::ShortKeyboardPatternsAreEasyToGuess => {
            "Kurze Tastaturmuster sind leicht zu erraten."
        }
        Warning::RepeatsLikeAaaAreEasyToGuess => "Wiederholungen wie „aaa“ sind leicht zu erraten.",
        Warning::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess => {
            "Wiederholungen wie „abcabcabc“ sind kaum schwerer zu erraten als „abc“."
        }
        Warning::ThisIsATop10Password
        | Warning::ThisIsATop100Password
        | Warning::ThisIsACommonPassword => "Dies ist ein sehr häufig verwendetes Passwort.",
        Warning::ThisIsSimilarToACommonlyUsedPassword => {
            "Es ähnelt einem häufig verwendeten Passwort."
        }
        Warning::SequencesLikeAbcAreEasyToGuess => {
            "Folgen wie „abc“ oder „6543“ sind leicht zu erraten."
        }
        Warning::RecentYearsAreEasyToGuess => {
            "Jahreszahlen der letzten Jahre sind leicht zu erraten."
        }
        Warning::AWordByItselfIsEasyToGuess => "Ein einzelnes Wort ist leicht zu erraten.",
        Warning::DatesAreOftenEasyToGuess => "Datumsangaben sind oft leicht zu erraten.",
        Warning::NamesAndSurnamesByThemselvesAreEasyToGuess => {
            "Namen und Nachnamen allein sind leicht zu erraten."
        }
        Warning::CommonNamesAndSurnamesAreEasyToGuess => {
            "Häufige Namen und Nachnamen sind leicht zu erraten."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_strong_password_passes() {
        assert!(check("Blau-Graben!Fluss7Wiese", &[], 3).is_empty());
    }

    #[test]
    fn every_violated_rule_is_named() {
        let errors = check("abc", &[], 3);
        assert!(errors.iter().any(|e| e.contains("zwischen 12 und 128")));
        assert!(errors.iter().any(|e| e.contains("Ziffer")));
        assert!(errors.iter().any(|e| e.contains("Sonderzeichen")));
        assert!(errors.iter().any(|e| e.contains("zu leicht zu erraten")));
    }

    #[test]
    fn long_passwords_count_every_character() {
        let long = format!("{}1!", "a".repeat(127));
        assert!(
            check(&long, &[], 0)
                .iter()
                .any(|e| e.contains("zwischen 12 und 128"))
        );
    }

    #[test]
    fn the_persons_data_make_a_password_guessable() {
        let errors = check("Mustermensch2026!", &["Mustermensch", "Kim"], 3);
        assert!(
            errors.iter().any(|e| e.contains("zu leicht zu erraten")),
            "{errors:?}"
        );
    }
}
