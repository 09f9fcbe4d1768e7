//! Realistic German message texts for the mailbox benchmark: a vocabulary
//! of ~2,800 compound nouns (stem × second part, as in administrative
//! German) drawn with a skewed (Zipf-like) distribution, mixed with the
//! frequent function words, so the inverted search index has a few huge
//! posting lists, many middling ones and a long tail — like real mail.

use rand::Rng;
use rand::rngs::StdRng;

const FUNCTION: [&str; 48] = [
    "der", "die", "das", "und", "in", "zu", "den", "von", "mit", "für", "auf", "ist", "im", "dem",
    "nicht", "ein", "eine", "als", "auch", "an", "werden", "aus", "hat", "dass", "nach", "wird",
    "bei", "einer", "um", "am", "sind", "noch", "wie", "einem", "über", "einen", "zum", "haben",
    "nur", "oder", "aber", "vor", "zur", "bis", "durch", "bitte", "wir", "Ihnen",
];

const STEMS: [&str; 60] = [
    "Versorgungs",
    "Beihilfe",
    "Dienst",
    "Beitrags",
    "Umlage",
    "Entgelt",
    "Renten",
    "Kranken",
    "Pflege",
    "Besoldungs",
    "Personal",
    "Melde",
    "Antrags",
    "Zahlungs",
    "Bank",
    "Steuer",
    "Familien",
    "Kinder",
    "Ehe",
    "Hinterbliebenen",
    "Ruhe",
    "Alters",
    "Teilzeit",
    "Urlaubs",
    "Eltern",
    "Zuschlags",
    "Abrechnungs",
    "Kassen",
    "Mitglieds",
    "Gemeinde",
    "Stadt",
    "Kreis",
    "Verwaltungs",
    "Arbeits",
    "Jahres",
    "Monats",
    "Quartals",
    "Nachzahlungs",
    "Erstattungs",
    "Unfall",
    "Schul",
    "Ausbildungs",
    "Wohn",
    "Reise",
    "Fahrt",
    "Sach",
    "Fach",
    "Amts",
    "Leistungs",
    "Vertrags",
    "Versicherungs",
    "Anwartschafts",
    "Ausgleichs",
    "Bewilligungs",
    "Prüf",
    "Bearbeitungs",
    "Widerspruchs",
    "Rechts",
    "Sozial",
    "Gesundheits",
];

const PARTS: [&str; 46] = [
    "antrag",
    "bescheid",
    "stelle",
    "zeit",
    "nachweis",
    "unterlagen",
    "auskunft",
    "prüfung",
    "frist",
    "betrag",
    "zahlung",
    "konto",
    "nummer",
    "daten",
    "meldung",
    "verfahren",
    "recht",
    "gesetz",
    "ordnung",
    "leistung",
    "anspruch",
    "kosten",
    "beitrag",
    "satz",
    "jahr",
    "monat",
    "änderung",
    "erklärung",
    "formular",
    "vertrag",
    "schreiben",
    "akte",
    "liste",
    "übersicht",
    "berechnung",
    "festsetzung",
    "bescheinigung",
    "vollmacht",
    "abrechnung",
    "erstattung",
    "gruppe",
    "stufe",
    "grenze",
    "höhe",
    "termin",
    "bogen",
];

/// Number of content words.
pub const VOCABULARY: usize = STEMS.len() * PARTS.len();

/// Content word `i` (0 = the most frequent).
pub fn word(i: usize) -> String {
    let i = i % VOCABULARY;
    format!("{}{}", STEMS[i % STEMS.len()], PARTS[i / STEMS.len()])
}

/// A content word drawn with a skewed distribution (low indices often).
fn content(rng: &mut StdRng) -> String {
    let u: f64 = rng.random();
    word((u.powf(2.5) * VOCABULARY as f64) as usize)
}

/// A Betreff of 2–6 words.
pub fn subject(rng: &mut StdRng) -> String {
    let n = rng.random_range(2..=6);
    let mut words = Vec::with_capacity(n);
    for k in 0..n {
        if k % 2 == 1 && rng.random_bool(0.3) {
            words.push(["zum", "für", "und", "zur"][rng.random_range(0..4)].to_owned());
        } else {
            words.push(content(rng));
        }
    }
    words.join(" ")
}

/// A letter of 50–300 words in sentences.
pub fn text(rng: &mut StdRng) -> String {
    let target = rng.random_range(50..=300);
    let mut out = String::from("Sehr geehrte Damen und Herren,\n\n");
    let mut words = 5;
    while words < target {
        let len = rng.random_range(6..=15);
        for k in 0..len {
            let w = if rng.random_bool(0.45) {
                FUNCTION[rng.random_range(0..FUNCTION.len())].to_owned()
            } else {
                content(rng)
            };
            if k == 0 {
                let mut c = w.chars();
                if let Some(first) = c.next() {
                    out.extend(first.to_uppercase());
                    out.push_str(c.as_str());
                }
            } else {
                out.push(' ');
                out.push_str(&w);
            }
        }
        out.push_str(". ");
        words += len;
    }
    out.push_str("\n\nMit freundlichen Grüßen");
    out
}

/// Words a person would type into the search: one frequent, middling and
/// rare content word each, and two-word queries.
pub fn queries() -> Vec<String> {
    vec![
        word(3),
        word(40),
        word(400),
        word(1500),
        format!("{} {}", word(5), word(60)),
        format!("{} {}", word(200), word(900)),
    ]
}
