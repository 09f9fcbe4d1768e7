//! The attachment rules: any file name is neutralised to a safe name, and
//! the type check accepts a file only when extension and content agree on
//! one of the allowed types.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meine_versorgung::domain::message::{check_type, sanitize_file_name};

fuzz_target!(|data: &[u8]| {
    // The first line is the file name, the rest the file's first bytes.
    let split = data.iter().position(|b| *b == b'\n').unwrap_or(data.len());
    let name = String::from_utf8_lossy(&data[..split]);
    let head = data.get(split + 1..).unwrap_or_default();

    let clean = sanitize_file_name(&name);
    assert!(!clean.is_empty());
    assert!(!clean.starts_with('.'), "{clean:?}");
    assert!(clean.len() <= 106, "{clean:?}");
    assert!(
        clean
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)),
        "{clean:?}"
    );

    if let Some(mime) = check_type(&clean, head) {
        let ext = clean.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
        let expected = match ext.as_deref() {
            Some("pdf") => "application/pdf",
            Some("jpg" | "jpeg") => "image/jpeg",
            Some("png") => "image/png",
            Some("csv") => "text/csv",
            other => panic!("accepted extension {other:?}"),
        };
        assert_eq!(mime, expected);
        if mime == "text/csv" {
            let lower = String::from_utf8_lossy(head).to_ascii_lowercase();
            assert!(!lower.contains("<script") && !lower.contains("<html"));
        }
    }
});
