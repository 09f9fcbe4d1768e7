//! The Protokoll export: any text in a cell survives the CSV round trip
//! unchanged but for the apostrophe that keeps a spreadsheet from reading
//! it as a formula, and never ends up starting with a formula character.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meine_versorgung::app::audit_log::csv_cell;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let cells: Vec<String> = s.split('\u{1f}').map(|c| csv_cell(c.to_owned())).collect();
    for c in &cells {
        assert!(!c.starts_with(['=', '+', '-', '@', '\t', '\r']), "{c:?}");
    }
    let mut w = csv::WriterBuilder::new().delimiter(b';').from_writer(Vec::new());
    w.write_record(&cells).expect("write");
    let bytes = w.into_inner().expect("flush");
    let mut r = csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .from_reader(bytes.as_slice());
    let row = r.records().next().expect("one row").expect("valid CSV");
    let back: Vec<&str> = row.iter().collect();
    if cells.len() > 1 || !cells[0].is_empty() {
        assert_eq!(back, cells.iter().map(String::as_str).collect::<Vec<_>>());
    }
});
