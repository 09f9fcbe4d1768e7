//! Unit tests of `store::messages` (kept apart: the module is long enough).
#![allow(clippy::unwrap_used)]

use super::*;

/// A message is stored as a header and a compressed Text; the header
/// alone carries what a row shows, and the whole message comes back.
#[test]
fn headers_and_compressed_texts_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let store = crate::store::Store::open(dir.path()).unwrap();
    let text = "Sehr geehrte Damen und Herren, ".repeat(200);
    let m = Message {
        id: 1,
        referenz: "2026-000001".into(),
        subject: "Rückfrage".into(),
        text: text.clone(),
        bereich: Bereich::Zusatzversorgung,
        thema: "Entgeltmeldungen".into(),
        created_at: Timestamp::from_second(1_780_000_000).unwrap(),
        from: "g:3:zusatzversorgung".into(),
        to: "k:zusatzversorgung".into(),
        author: None,
        attachments: vec![Attachment {
            blob: 9,
            name: "Meldung.pdf".into(),
            mime: "application/pdf".into(),
            len: 1234,
        }],
    };
    store.write(|tx| insert(tx, &m, Some(3))).unwrap();
    let (h, back, stored) = store
        .read(|tx| {
            let stored = tx
                .open_table(tables::MESSAGE_TEXTS)?
                .get(1)?
                .map(|v| v.value().len())
                .unwrap();
            Ok::<_, Error>((header(tx, 1)?.unwrap(), get(tx, 1)?.unwrap(), stored))
        })
        .unwrap();
    assert_eq!(back, m);
    assert_eq!(h.org, Some(3));
    assert_eq!(h.from, "g:3:zusatzversorgung");
    assert_eq!(h.attachments[0].name, "Meldung.pdf");
    assert!(h.excerpt.starts_with("Sehr geehrte") && h.excerpt.ends_with('…'));
    assert!(
        stored * 10 < text.len(),
        "{stored} bytes for {}",
        text.len()
    );
    store.write(|tx| delete(tx, 1)).unwrap();
    assert_eq!(store.read(|tx| get(tx, 1)).unwrap(), None);
}
