//! The Datenimport's CSV parsers: any bytes give valid rows and row errors,
//! never a panic; every error names a line of the file (the header is line
//! 1) and a column, and a Personalnummer appears at most once among the
//! valid rows. The encoding check (`decode`) never panics, keeps valid
//! UTF-8 as it is and converts Windows-1252 byte for byte (same number of
//! lines).
#![no_main]

use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;
use meine_versorgung::domain::person_csv::{Encoding, decode, parse_periods, parse_persons};

fuzz_target!(|data: &[u8]| {
    let lines = data.split(|b| *b == b'\n').count() as u64;
    let (rows, errors) = parse_persons(data);
    let mut seen = HashSet::new();
    for r in &rows {
        assert!(seen.insert(r.personalnummer.clone()), "{} twice", r.personalnummer);
    }
    for e in errors.iter().chain(parse_periods(data).1.iter()) {
        assert!(e.line >= 1 && e.line <= lines.max(1), "{e:?} of {lines} lines");
        assert!(!e.message.is_empty());
    }
    if let Some((text, encoding)) = decode(data) {
        let body = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
        match encoding {
            Encoding::Utf8 => assert_eq!(text.as_bytes(), body),
            Encoding::Windows1252 => assert_eq!(text.chars().count(), body.len()),
        }
        assert_eq!(text.split('\n').count() as u64, lines);
    }
});
