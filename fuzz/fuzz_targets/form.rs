//! Form parsing: any body either parses into at most 10,000 fields or is
//! refused; never a panic, never unbounded work.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meine_versorgung::web::session::parse_form;

fuzz_target!(|data: &[u8]| {
    if let Ok(form) = parse_form(data) {
        assert!(form.pairs().len() <= 10_000);
        // Lookups used by every handler.
        let _ = form.get("csrf");
        let _ = form.all("postfach");
    }
});
