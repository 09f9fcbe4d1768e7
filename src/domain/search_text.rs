//! German search semantics, shared by the index (what a message is stored
//! under) and the query (what a user typed): both go through the same
//! folding and tokenizing, so a query word matches exactly when the brute
//! force [`matches()`] says so.
//!
//! # Semantics
//!
//! * **Folding** ([`fold`]): lower case; `ä ö ü ß` become `ae oe ue ss` (so
//!   "Rückfrage" = "rueckfrage", "STRASSE" = "Straße"); other Latin accents
//!   are dropped (`é` → `e`, `ç` → `c`, `ø` → `o`; `æ œ þ` → `ae oe th`),
//!   also in decomposed form (`u` + U+0308 → `ue`); dashes U+2010–2013 and
//!   U+2212 become `-`.
//! * **Words** ([`tokens`]): maximal runs of alphanumeric characters of the
//!   folded text; a `-` between two ASCII digits joins, so a Referenz
//!   "2026-000123" is one word (in the text and in a query). Words are cut
//!   to [`MAX_WORD_CHARS`] characters; words shorter than
//!   [`MIN_WORD_CHARS`] are neither indexed nor searched (a query of only
//!   such words is empty).
//! * **Document words** ([`document_words`]): the words, plus for letters
//!   joined by hyphens ("Versorgungs-Auskunft") the joined word
//!   ("versorgungsauskunft"), so both spellings find it.
//! * **Query** ([`query`]): the distinct words, ANDed. A query word `q`
//!   matches a document word `w` when `w` begins with `q` (word prefix,
//!   e.g. a Referenz by its beginning) or — in a field indexed *with
//!   compounds*, and when `q` has at least [`MIN_INFIX_CHARS`] characters —
//!   when `q` occurs anywhere inside `w` ("auskunft" finds
//!   "Versorgungsauskunft"). Only words made of letters are searched inside;
//!   numbers and mixed words only by their beginning.
//!
//! # Index terms
//!
//! [`index_terms`] gives the terms a field is stored under: each document
//! word as a *word term* (the word itself) and, with compounds, each proper
//! suffix of at least [`MIN_INFIX_CHARS`] characters of an all-letter word
//! as a *suffix term* (the suffix behind [`SUFFIX_MARK`]: "~auskunft").
//! Then "q occurs inside w" is "some suffix term begins with `~q`", so every
//! query word becomes at most two dictionary prefixes
//! ([`QueryWord::prefixes`]): the word prefix `q`, and for an infix word
//! also `~q`. A document matches a query word when it has a term beginning
//! with one of its prefixes; it matches the query when it matches every
//! query word.
//!
//! # API
//!
//! * [`fold`]`(&str) -> String` — the folding above.
//! * [`tokens`]`(&str) -> Vec<String>` — the words in order.
//! * [`document_words`]`(&str) -> Vec<String>` — distinct words of a field,
//!   hyphen-joined letter chains added.
//! * [`index_terms`]`(text, compounds: bool) -> Vec<String>` — the terms to
//!   index a field under (sorted, distinct; several fields of one message
//!   may be concatenated, `index_document` dedups).
//! * [`query`]`(&str) -> Vec<QueryWord>` — the ANDed words;
//!   [`QueryWord`]` { word: String, infix: bool }` with
//!   [`QueryWord::prefixes`]`() -> Vec<String>` (the dictionary prefixes of
//!   its OR), [`QueryWord::matches_term`]`(term)` and
//!   [`QueryWord::matches_word`]`(word, compounds)`.
//! * [`matches()`]`(&[QueryWord], &[(text, compounds)]) -> bool` — the brute
//!   force rule over the fields of one document.
//! * Betreff filter: [`subject_terms`]`(subject)` (= `index_terms(subject,
//!   true)`) and [`subject_matches`]`(&[QueryWord], subject)`.
//! * [`is_suffix_term`], [`is_letter_word`]; constants [`SUFFIX_MARK`]
//!   (`'~'`), [`MIN_WORD_CHARS`] (2), [`MAX_WORD_CHARS`] (64),
//!   [`MIN_INFIX_CHARS`] (4).
//!
//! A hyphenated query ("Versorgungs-Auskunft") is searched as its parts
//! ANDed (in a compound field this also finds "Versorgungsauskunft").
//!
//! # Size (measured by `tests::size_of_terms_for_typical_messages`)
//!
//! For the sample message of that test (a typical Kassen letter; Betreff 6
//! words, Text 110 words / 831 characters, one attachment name):
//!
//! | field | whole words: terms / bytes | with compounds: terms / bytes | factor |
//! |---|---|---|---|
//! | Betreff | 7 / 43 | 29 / 273 | 4.1× |
//! | Text | 86 / 627 | 372 / 3,419 | 4.3× |
//! | attachment name | 3 / 30 | 22 / 296 | 7.3× |
//!
//! Each term is one posting of the message, ≈ 1.7–1.9 bytes encoded and
//! ≈ 2.6–3.7 bytes on redb pages (`store::postings`, "Size"). Whole words
//! everywhere: ≈ 100 postings, ≈ 0.3 KB per message. Compounds in Betreff,
//! attachment names and Referenz: + ≈ 40 postings, ≈ 0.1 KB. Compounds in
//! the Text too: + ≈ 290 postings, ≈ 1 KB per message — about half the
//! payload again (2.16 KB per message in the 1M benchmark), too much for
//! the target of ≤ 2× payload. Recommendation: Betreff, attachment names
//! and Referenz with compounds; the Text whole words only (word prefixes).
//! The dictionary grows too: suffix terms multiply the distinct terms (the
//! store helper should measure it at 1M).

/// Marks a suffix term: `~` followed by a proper suffix of a word. Never part
/// of a folded word, so word terms and suffix terms never collide, and the
/// suffix terms sort after every word term.
pub const SUFFIX_MARK: char = '~';
/// Shortest word indexed or searched, in characters.
pub const MIN_WORD_CHARS: usize = 2;
/// Longest word kept (longer words are cut to this many characters, in the
/// index and in the query alike).
pub const MAX_WORD_CHARS: usize = 64;
/// Shortest suffix indexed, and shortest query word searched inside words.
pub const MIN_INFIX_CHARS: usize = 4;

/// `text` folded for search: lower case, umlauts and ß spelt out, other
/// accents dropped, dashes as `-`. Idempotent.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars().flat_map(char::to_lowercase) {
        // A decomposed umlaut: the diaeresis after a, o, u spells an "e".
        if c == '\u{308}' {
            if out.ends_with(['a', 'o', 'u']) {
                out.push('e');
            }
        } else if !is_combining_mark(c) {
            fold_lower(c, &mut out);
        }
    }
    out
}

/// Combining diacritical marks (dropped after folding their base letter).
fn is_combining_mark(c: char) -> bool {
    matches!(c, '\u{300}'..='\u{36f}' | '\u{1ab0}'..='\u{1aff}' | '\u{1dc0}'..='\u{1dff}')
        || matches!(c, '\u{20d0}'..='\u{20ff}' | '\u{fe20}'..='\u{fe2f}')
}

/// Appends the folded form of a lower-case character.
fn fold_lower(c: char, out: &mut String) {
    let s: &str = match c {
        'ä' => "ae",
        'ö' => "oe",
        'ü' => "ue",
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'þ' => "th",
        'á' | 'à' | 'â' | 'ã' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'é' | 'è' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'í' | 'ì' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' => "n",
        'ó' | 'ò' | 'ô' | 'õ' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => "s",
        'ţ' | 'ť' | 'ŧ' | 'ț' => "t",
        'ú' | 'ù' | 'û' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        '\u{2010}'..='\u{2013}' | '\u{2212}' => "-",
        _ => {
            out.push(c);
            return;
        }
    };
    out.push_str(s);
}

/// A word of folded text, and whether it was joined to the previous word
/// by a single hyphen between letters ("versorgungs-auskunft").
struct RawWord<'a> {
    text: &'a str,
    hyphen_joined: bool,
}

/// Splits folded text into words: runs of alphanumerics, with `-` between
/// two ASCII digits kept inside the word.
fn raw_words(folded: &str) -> Vec<RawWord<'_>> {
    let bytes = folded.as_bytes();
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut prev_end: Option<usize> = None;
    let mut iter = folded.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        let inside = if c.is_alphanumeric() {
            true
        } else if c == '-' {
            // Digit-hyphen-digit stays one word (a Referenz).
            let before = i > 0 && bytes[i - 1].is_ascii_digit() && start.is_some();
            let after = iter.peek().is_some_and(|&(_, n)| n.is_ascii_digit());
            before && after
        } else {
            false
        };
        match (inside, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(RawWord {
                    text: &folded[s..i],
                    hyphen_joined: prev_end.is_some_and(|e| e + 1 == s)
                        && s >= 1
                        && bytes[s - 1] == b'-',
                });
                prev_end = Some(i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(RawWord {
            text: &folded[s..],
            hyphen_joined: prev_end.is_some_and(|e| e + 1 == s) && s >= 1 && bytes[s - 1] == b'-',
        });
    }
    out
}

/// `w` cut to [`MAX_WORD_CHARS`] characters; `None` when shorter than
/// [`MIN_WORD_CHARS`].
fn keep(w: &str) -> Option<String> {
    let n = w.chars().count();
    if n < MIN_WORD_CHARS {
        None
    } else if n <= MAX_WORD_CHARS {
        Some(w.to_owned())
    } else {
        Some(w.chars().take(MAX_WORD_CHARS).collect())
    }
}

/// The words of `text` in order (folded, cut, too short ones left out;
/// duplicates kept).
pub fn tokens(text: &str) -> Vec<String> {
    let folded = fold(text);
    raw_words(&folded)
        .into_iter()
        .filter_map(|w| keep(w.text))
        .collect()
}

/// Whether a (folded) word consists of letters only: only such words are
/// searched inside.
pub fn is_letter_word(w: &str) -> bool {
    w.chars().all(char::is_alphabetic)
}

/// The distinct words a document field consists of, sorted: its [`tokens`]
/// plus, for a chain of letter words joined by single hyphens
/// ("Versorgungs-Auskunft"), the joined word ("versorgungsauskunft").
pub fn document_words(text: &str) -> Vec<String> {
    let folded = fold(text);
    let raw = raw_words(&folded);
    let mut out: Vec<String> = Vec::new();
    let mut chain = String::new();
    let mut chain_parts = 0;
    for w in &raw {
        if let Some(k) = keep(w.text) {
            out.push(k);
        }
        let letters = is_letter_word(w.text);
        if w.hyphen_joined && letters && chain_parts > 0 {
            chain.push_str(w.text);
            chain_parts += 1;
        } else {
            if chain_parts > 1
                && let Some(k) = keep(&chain)
            {
                out.push(k);
            }
            chain.clear();
            chain_parts = 0;
            if letters {
                chain.push_str(w.text);
                chain_parts = 1;
            }
        }
    }
    if chain_parts > 1
        && let Some(k) = keep(&chain)
    {
        out.push(k);
    }
    out.sort();
    out.dedup();
    out
}

/// The index terms of one field, sorted and distinct: its
/// [`document_words`] as word terms and, when `compounds`, every proper
/// suffix of at least [`MIN_INFIX_CHARS`] characters of each all-letter
/// word as a suffix term (`~suffix`).
pub fn index_terms(text: &str, compounds: bool) -> Vec<String> {
    let words = document_words(text);
    let mut out = Vec::with_capacity(if compounds {
        words.len() * 5
    } else {
        words.len()
    });
    for w in &words {
        if compounds && is_letter_word(w) {
            out.extend(suffix_terms(w));
        }
    }
    out.extend(words);
    out.sort();
    out.dedup();
    out
}

/// The suffix terms of one (folded, letter-only) word.
fn suffix_terms(w: &str) -> impl Iterator<Item = String> + '_ {
    let n = w.chars().count();
    w.char_indices()
        .enumerate()
        .skip(1)
        .take_while(move |(k, _)| n - k >= MIN_INFIX_CHARS)
        .map(move |(_, (i, _))| {
            let mut s = String::with_capacity(w.len() - i + 1);
            s.push(SUFFIX_MARK);
            s.push_str(&w[i..]);
            s
        })
}

/// Whether a term is a suffix term (else a word term).
pub fn is_suffix_term(term: &str) -> bool {
    term.starts_with(SUFFIX_MARK)
}

/// One word of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryWord {
    /// The folded word.
    pub word: String,
    /// Whether the word is also searched inside words (compound parts):
    /// only letters, at least [`MIN_INFIX_CHARS`] characters.
    pub infix: bool,
}

impl QueryWord {
    /// The dictionary prefixes this word matches: a term matches the word
    /// when it begins with one of them. The word itself, and for an infix
    /// word also `~word` (the suffix terms beginning with it).
    pub fn prefixes(&self) -> Vec<String> {
        let mut out = vec![self.word.clone()];
        if self.infix {
            out.push(format!("{SUFFIX_MARK}{}", self.word));
        }
        out
    }

    /// Whether an index term matches this word.
    pub fn matches_term(&self, term: &str) -> bool {
        match term.strip_prefix(SUFFIX_MARK) {
            Some(suffix) => self.infix && suffix.starts_with(&self.word),
            None => term.starts_with(&self.word),
        }
    }

    /// Whether this word matches a document word of a field (with or
    /// without compounds) — the rule, without an index.
    pub fn matches_word(&self, word: &str, compounds: bool) -> bool {
        if word.starts_with(&self.word) {
            return true;
        }
        compounds
            && self.infix
            && is_letter_word(word)
            && word
                .char_indices()
                .skip(1)
                .any(|(i, _)| word[i..].starts_with(&self.word))
    }
}

/// The words of a query, distinct, in the order typed; empty when nothing
/// searchable is left. A document matches when it matches every word.
pub fn query(text: &str) -> Vec<QueryWord> {
    let mut out: Vec<QueryWord> = Vec::new();
    for word in tokens(text) {
        if out.iter().any(|q| q.word == word) {
            continue;
        }
        let infix = word.chars().count() >= MIN_INFIX_CHARS && is_letter_word(&word);
        out.push(QueryWord { word, infix });
    }
    out
}

/// Brute force: whether the fields (text, indexed with compounds?) of a
/// document match every word of the query. An empty query matches nothing.
/// This is the reference the index must agree with.
pub fn matches(query: &[QueryWord], fields: &[(&str, bool)]) -> bool {
    if query.is_empty() {
        return false;
    }
    let words: Vec<(Vec<String>, bool)> = fields
        .iter()
        .map(|(text, compounds)| (document_words(text), *compounds))
        .collect();
    query.iter().all(|q| {
        words
            .iter()
            .any(|(ws, compounds)| ws.iter().any(|w| q.matches_word(w, *compounds)))
    })
}

/// The Betreff filter: the index terms of a Betreff (with compounds).
pub fn subject_terms(subject: &str) -> Vec<String> {
    index_terms(subject, true)
}

/// The Betreff filter: whether a Betreff matches the filter's words.
pub fn subject_matches(query: &[QueryWord], subject: &str) -> bool {
    matches(query, &[(subject, true)])
}

#[cfg(test)]
#[path = "search_text_tests.rs"]
mod tests;
