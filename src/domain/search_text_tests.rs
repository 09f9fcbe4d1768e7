//! Unit tests of `domain::search_text`.

use super::*;
use proptest::prelude::*;

fn q(text: &str) -> Vec<QueryWord> {
    query(text)
}

#[test]
fn folding_spells_out_umlauts_and_drops_accents() {
    assert_eq!(fold("Rückfrage"), "rueckfrage");
    assert_eq!(fold("STRASSE"), fold("Straße"));
    assert_eq!(fold("ÄÖÜẞ"), "aeoeuess");
    assert_eq!(
        fold("Café Français, Søren, Łódź"),
        "cafe francais, soren, lodz"
    );
    assert_eq!(fold("Œuvre Ærø"), "oeuvre aero");
    // Decomposed umlauts fold like composed ones.
    assert_eq!(fold("Ru\u{308}ckfrage"), "rueckfrage");
    assert_eq!(fold("e\u{301}te\u{301}"), "ete");
    assert_eq!(fold("2026\u{2013}000123"), "2026-000123");
}

#[test]
fn words_split_at_non_alphanumerics_but_a_referenz_stays_whole() {
    assert_eq!(
        tokens("Ihre Rückfrage (Referenz 2026-000123), Frist: 30.06.2026!"),
        vec![
            "ihre",
            "rueckfrage",
            "referenz",
            "2026-000123",
            "frist",
            "30",
            "06",
            "2026"
        ]
    );
    // A hyphen not between digits splits; single characters are left out.
    assert_eq!(tokens("A-2026 2026- -17 x"), vec!["2026", "2026", "17"]);
    assert_eq!(tokens("1-2-3"), vec!["1-2-3"]);
}

#[test]
fn long_words_are_cut() {
    let long = "a".repeat(100);
    assert_eq!(tokens(&long), vec!["a".repeat(MAX_WORD_CHARS)]);
    assert!(matches(&q(&long), &[(&long, false)]));
}

#[test]
fn hyphenated_compounds_are_also_indexed_joined() {
    assert_eq!(
        document_words("Versorgungs-Auskunft zum Kranken-Versicherungs-Beitrag"),
        vec![
            "auskunft",
            "beitrag",
            "kranken",
            "krankenversicherungsbeitrag",
            "versicherungs",
            "versorgungs",
            "versorgungsauskunft",
            "zum",
        ]
    );
    // Numbers do not join with words; single letters do.
    assert_eq!(
        document_words("Anlage-3 E-Mail"),
        vec!["anlage", "email", "mail"]
    );
}

#[test]
fn index_terms_are_words_and_marked_suffixes() {
    assert_eq!(
        index_terms("Auskunft 2026", true),
        vec!["2026", "auskunft", "~kunft", "~skunft", "~unft", "~uskunft"]
    );
    assert_eq!(
        index_terms("Auskunft 2026", false),
        vec!["2026", "auskunft"]
    );
    // Words of four letters or fewer have no suffix term; numbers none.
    assert_eq!(
        index_terms("Frist 123456", true),
        vec!["123456", "frist", "~rist"]
    );
    assert!(is_suffix_term("~rist"));
    assert!(!is_suffix_term("rist"));
}

#[test]
fn queries_fold_and_mark_infix_words() {
    assert_eq!(
        q("Rückfrage ab 2026-0001 rueckfrage"),
        vec![
            QueryWord {
                word: "rueckfrage".into(),
                infix: true
            },
            QueryWord {
                word: "ab".into(),
                infix: false
            },
            QueryWord {
                word: "2026-0001".into(),
                infix: false
            },
        ]
    );
    assert_eq!(q("  - a . "), vec![]);
    assert_eq!(q("auskunft")[0].prefixes(), vec!["auskunft", "~auskunft"]);
    assert_eq!(q("aus")[0].prefixes(), vec!["aus"]);
}

fn text1(s: &str) -> Vec<(&str, bool)> {
    vec![(s, true)]
}

#[test]
fn the_rules_of_issue_18() {
    // Umlauts both ways, case.
    assert!(matches(&q("rueckfrage"), &text1("Ihre Rückfrage")));
    assert!(matches(&q("RÜCKFRAGE"), &text1("ihre rueckfrage")));
    assert!(matches(&q("Straße"), &text1("HAUPTSTRASSE 1")));
    assert!(matches(&q("strasse"), &text1("Hauptstraße 1")));
    // Compounds, in compound fields only.
    assert!(matches(&q("auskunft"), &text1("Versorgungsauskunft")));
    assert!(matches(
        &q("Auskunft Versorgung"),
        &text1("Versorgungsauskunft")
    ));
    assert!(!matches(&q("auskunft"), &[("Versorgungsauskunft", false)]));
    // Short words only as word beginnings.
    assert!(!matches(&q("kun"), &text1("Versorgungsauskunft")));
    assert!(matches(&q("ver"), &text1("Versorgungsauskunft")));
    // Referenz exactly and by its beginning, not by a later part.
    assert!(matches(&q("2026-000123"), &text1("Referenz 2026-000123")));
    assert!(matches(&q("2026-0001"), &text1("Referenz 2026-000123")));
    assert!(matches(&q("2026"), &text1("Referenz 2026-000123")));
    assert!(!matches(&q("2026-0002"), &text1("Referenz 2026-000123")));
    assert!(!matches(&q("000123"), &text1("Referenz 2026-000123")));
    // AND over fields.
    assert!(matches(
        &q("frist auskunft"),
        &[("Versorgungsauskunft", true), ("Die Frist läuft", false)]
    ));
    assert!(!matches(&q("frist zins"), &[("Die Frist läuft", false)]));
    // Attachment names (sanitized, with underscores).
    assert!(matches(&q("bescheid"), &text1("Rentenbescheid_2026.pdf")));
    assert!(matches(&q("pdf"), &text1("Rentenbescheid_2026.pdf")));
    // An empty query matches nothing.
    assert!(!matches(&q("!"), &text1("anything")));
}

#[test]
fn betreff_filter_helpers_use_the_same_rules() {
    assert!(subject_matches(&q("auskunft"), "Ihre Versorgungsauskunft"));
    assert!(!subject_matches(&q("zins"), "Ihre Versorgungsauskunft"));
    assert_eq!(subject_terms("Auskunft"), index_terms("Auskunft", true));
}

/// Figures for the module docs: terms and bytes per field of a typical
/// message, whole words only vs. with compounds. Run with `--nocapture` to
/// see them; the bounds keep the doc honest.
#[test]
fn size_of_terms_for_typical_messages() {
    let subject = "Rückfrage zu Ihrer Versorgungsauskunft vom 12.03.";
    let text = "Sehr geehrte Damen und Herren,\n\nzu der Versorgungsauskunft für \
        Frau Müller (Personalnummer 004711) benötigen wir noch die \
        Arbeitszeitnachweise der Jahre 2019 bis 2021 sowie eine Bestätigung \
        der Beschäftigungszeiten im öffentlichen Dienst. Bitte reichen Sie die \
        Unterlagen über das Portal bis zum 30.06.2026 ein. Die \
        Zusatzversorgung wird nach Eingang der Nachweise neu berechnet; die \
        Nachzahlung der Beihilfe erfolgt mit der nächsten Rentenanpassung. \
        Bei Rückfragen zur Beitragsberechnung oder zur Krankenversicherung \
        der Rentner wenden Sie sich bitte an die Sachbearbeitung der \
        Versorgungskasse. Für die Hinterbliebenenversorgung gelten die \
        Bestimmungen der Satzung in der Fassung vom 1. Januar 2025; eine \
        Übersicht der Anwartschaften liegt diesem Schreiben als Anlage bei.\n\n\
        Mit freundlichen Grüßen\nIhre Kommunale Versorgungskasse";
    let attachment = "Anwartschaftsuebersicht_2026.pdf";
    let measure = |s: &str, compounds: bool| {
        let t = index_terms(s, compounds);
        let bytes: usize = t.iter().map(String::len).sum();
        (t.len(), bytes)
    };
    let mut rows = Vec::new();
    for (name, field) in [
        ("subject", subject),
        ("text", text),
        ("attachment", attachment),
    ] {
        let words = field.split_whitespace().count();
        let (wt, wb) = measure(field, false);
        let (ct, cb) = measure(field, true);
        println!(
            "{name}: {words} words, {} chars; whole words {wt} terms {wb} B; \
             with compounds {ct} terms {cb} B ({:.1}x terms)",
            field.chars().count(),
            ct as f64 / wt as f64
        );
        rows.push((wt, ct));
    }
    // Compounds cost 3-8 times the terms of whole words.
    for (wt, ct) in rows {
        assert!(ct >= 3 * wt && ct <= 8 * wt, "{wt} {ct}");
    }
}

/// Strategy: text from German-ish words, with umlauts, numbers, Referenzen.
fn text_strategy() -> impl Strategy<Value = String> {
    let word = prop::sample::select(vec![
        "Versorgungsauskunft",
        "Auskunft",
        "Rückfrage",
        "rueckfrage",
        "Straße",
        "STRASSE",
        "Beitrag",
        "Beiträge",
        "Frist",
        "Fristen",
        "Zusatzversorgung",
        "Versorgungs-Auskunft",
        "2026-000123",
        "2026-000124",
        "2025",
        "ab",
        "x",
        "Anlage_3.pdf",
        "Café",
        "öffentlichen",
    ]);
    prop::collection::vec(word, 0..8).prop_map(|ws| ws.join(" "))
}

fn query_strategy() -> impl Strategy<Value = String> {
    let word = prop::sample::select(vec![
        "auskunft",
        "Versorg",
        "rück",
        "rueck",
        "frage",
        "strasse",
        "straß",
        "beitr",
        "frist",
        "2026-0001",
        "2026",
        "000123",
        "ab",
        "cafe",
        "oeffent",
        "sorgungsaus",
        "pdf",
    ]);
    prop::collection::vec(word, 1..3).prop_map(|ws| ws.join(" "))
}

proptest! {
    /// The index terms agree with the brute-force rule: a field matches a
    /// query exactly when every query word matches one of its terms.
    #[test]
    fn index_terms_agree_with_the_rule(
        text in text_strategy(),
        qs in query_strategy(),
        compounds in any::<bool>(),
    ) {
        let query = query(&qs);
        let terms = index_terms(&text, compounds);
        let by_terms = !query.is_empty()
            && query.iter().all(|w| terms.iter().any(|t| w.matches_term(t)));
        prop_assert_eq!(by_terms, matches(&query, &[(&text, compounds)]));
        // And the prefixes are what a dictionary lookup uses.
        for w in &query {
            let by_prefix = terms.iter().any(|t| w.prefixes().iter().any(|p| t.starts_with(p.as_str())));
            prop_assert_eq!(by_prefix, terms.iter().any(|t| w.matches_term(t)));
        }
    }

    /// Folding is idempotent and tokenizing never panics on any input.
    #[test]
    fn folding_is_idempotent(s in "\\PC{0,40}") {
        let f = fold(&s);
        prop_assert_eq!(fold(&f), f.clone());
        for t in index_terms(&s, true) {
            prop_assert!(!t.is_empty());
        }
        let _ = query(&s);
    }
}
