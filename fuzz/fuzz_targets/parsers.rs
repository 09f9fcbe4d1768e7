//! The parsers of user input: Nutzerkennung, e-mail address and mailbox,
//! date, search query. No panic; what they accept is well-formed (an
//! accepted address holds no control character, so it cannot carry a
//! header line into an e-mail).
#![no_main]

use libfuzzer_sys::fuzz_target;
use meine_versorgung::app::credentials::parse_date;
use meine_versorgung::app::search::normalise_query;
use meine_versorgung::domain::email::{parse_address, parse_mailbox};
use meine_versorgung::domain::ids::Nutzerkennung;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(id) = Nutzerkennung::parse(s) {
        assert_eq!(id.as_str().len(), 12);
        assert_eq!(Nutzerkennung::parse(id.as_str()), Some(id.clone()));
    }
    if let Some(addr) = parse_address(s) {
        assert!(!addr.chars().any(char::is_control), "{addr:?}");
        assert!(addr.contains('@'));
    }
    if let Some((name, addr)) = parse_mailbox(s) {
        assert!(!addr.chars().any(char::is_control), "{addr:?}");
        if let Some(name) = name {
            assert!(!name.contains(['\r', '\n']), "{name:?}");
        }
    }
    if let Some(d) = parse_date(s) {
        let again = parse_date(&d.strftime("%d.%m.%Y").to_string());
        assert_eq!(again, Some(d));
    }
    let q = normalise_query(s);
    assert_eq!(normalise_query(&q), q, "normalising is idempotent");
});
