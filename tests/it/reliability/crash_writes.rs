//! The message and import writers of the crash-safety load (see `crash`),
//! and the checks of what they left in the store after the last kill.
//!
//! - "Schreiben" in the Administration mailbox with one attachment (64 KiB
//!   of bytes unique to the message): an acknowledged message is stored
//!   with its attachment byte-identical; any other stored message is
//!   complete too (one transaction: record, blob and index entries).
//! - "Datenimport" of 20 entitled persons per file by the
//!   Kassen-Portaladministration: an acknowledged import is wholly there;
//!   any other is wholly there or wholly absent (all rows or none).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use meine_versorgung::domain::account::Role;
use meine_versorgung::store::{self, Store};
use rand::{RngCore, SeedableRng};

use crate::support::accounts::{TestAccount, password_hash, seed_active};
use crate::support::{Client, Form};

/// Persons per import file.
const ROWS: usize = 20;

/// The n-th message of the load: its Betreff and attachment.
pub fn message(n: usize) -> (String, Vec<u8>) {
    let mut bytes = format!("%PDF-1.7\n% Crashpost {n}\n").into_bytes();
    let mut noise = vec![0u8; 64 * 1024];
    rand::rngs::StdRng::seed_from_u64(n as u64).fill_bytes(&mut noise);
    bytes.extend_from_slice(&noise);
    bytes.extend_from_slice(b"\n%%EOF\n");
    (format!("Crashpost {n:05}"), bytes)
}

/// The Personalnummer of row `row` of the n-th import.
fn personalnummer(n: usize, row: usize) -> String {
    format!("{:08}", 70_000_000 + n * 100 + row)
}

/// The n-th import file (Anspruchsberechtigte, SPEC §10 layout).
pub fn import_file(n: usize) -> String {
    let mut out = String::from(
        "Personalnummer;Art;Name;Vorname;Geburtsdatum;Straße;PLZ;Ort;Telefon;E-Mail;Geschäftsbereich\n",
    );
    for row in 0..ROWS {
        out.push_str(&format!(
            "{};Beamter;Crashimport{n:05};Zeile{row:02};01.02.1970;Weg 1;12345;Ort;;;Beamtenversorgung\n",
            personalnummer(n, row)
        ));
    }
    out
}

/// Seeds a Kassen-Portaladministration account into `dir`.
pub fn seed_kassen(dir: &Path) -> TestAccount {
    let hash = password_hash();
    let role = Role::Kassen {
        portal_admin: true,
        sachbearbeitung: Vec::new(),
    };
    let names = ("Kai", "Kassenprobe", "crash.kasse@versorgungskasse.example");
    Store::open(dir)
        .expect("open store")
        .write(|tx| seed_active(tx, role, names, &hash))
        .expect("seed")
}

/// What the writers sent and what was acknowledged.
#[derive(Default)]
pub struct Sent {
    pub messages_tried: Vec<usize>,
    pub messages_acked: Vec<usize>,
    pub imports_tried: Vec<usize>,
    pub imports_acked: Vec<usize>,
}

/// The form on `path` with `button`, or `None` when the server is gone.
async fn form(client: &Client, path: &str, button: &str) -> Option<Form> {
    let (status, body) = client.try_get(path).await.ok()?;
    assert_eq!(status, 200, "{path} is not there: {body}");
    Some(Form::find(&body, &client.url(path), button).unwrap_or_else(|e| panic!("{e}")))
}

/// Writes messages with an attachment until `stop`.
pub async fn message_writer(
    client: Client,
    next: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    sent: Arc<Mutex<Sent>>,
) {
    while !stop.load(Ordering::SeqCst) {
        let n = next.fetch_add(1, Ordering::SeqCst);
        let (subject, attachment) = message(n);
        let Some(form) = form(&client, "/postfach/administration/schreiben", "Senden").await else {
            return;
        };
        let form = form
            .fill("Betreff", &subject)
            .fill("Bereich", "Beihilfe")
            .fill("Thema", "Abrechnung")
            .fill("Text", &format!("Lastprobe {n}: Nachricht mit Anhang."))
            .attach("Anhang hinzufügen", "Abrechnung.pdf", &attachment);
        sent.lock().unwrap().messages_tried.push(n);
        match client
            .try_post_multipart(&form.target(), form.multipart_body())
            .await
        {
            Ok((303, Some(loc))) if loc.starts_with("/postfach/administration/nachricht/") => {
                sent.lock().unwrap().messages_acked.push(n);
            }
            Ok((status, loc)) => panic!("sending {subject} answered {status} {loc:?}"),
            Err(_) => return,
        }
    }
}

/// Imports files of persons until `stop`.
pub async fn import_writer(
    client: Client,
    next: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    sent: Arc<Mutex<Sent>>,
) {
    while !stop.load(Ordering::SeqCst) {
        let n = next.fetch_add(1, Ordering::SeqCst);
        let Some(form) = form(&client, "/kassen/datenimport", "Importieren").await else {
            return;
        };
        let form = form
            .select("Mitglied", "Blaugraben (78970)")
            .select("Art der Datei", "Anspruchsberechtigte")
            .attach("CSV-Datei", "daten.csv", import_file(n).as_bytes())
            .press("Importieren");
        sent.lock().unwrap().imports_tried.push(n);
        match client
            .try_post_multipart(&form.target(), form.multipart_body())
            .await
        {
            Ok((303, Some(loc))) if loc.starts_with("/kassen/datenimport?") => {
                sent.lock().unwrap().imports_acked.push(n);
            }
            Ok((status, loc)) => panic!("import {n} answered {status} {loc:?}"),
            Err(_) => return,
        }
    }
}

/// Checks the stopped store against what was sent; returns the figures
/// (messages stored, imports stored).
pub fn verify(store: &Store, org: u64, sent: &Sent) -> (usize, usize) {
    // Every stored load message, by number, with its attachment's bytes.
    let stored: BTreeMap<usize, Vec<Vec<u8>>> = store
        .read(|tx| {
            let mut out = BTreeMap::new();
            for id in store::messages::ids_from(tx, 0, usize::MAX)? {
                let Some(m) = store::messages::get(tx, id)? else {
                    continue;
                };
                let Some(n) = m
                    .subject
                    .strip_prefix("Crashpost ")
                    .and_then(|n| n.parse::<usize>().ok())
                else {
                    continue;
                };
                let mut files = Vec::new();
                for a in &m.attachments {
                    files.push(store::blobs::read_all(tx, a.blob)?.unwrap_or_default());
                }
                assert!(
                    out.insert(n, files).is_none(),
                    "message {n} is stored twice"
                );
            }
            Ok::<_, store::Error>(out)
        })
        .expect("messages");
    for n in &sent.messages_acked {
        assert!(stored.contains_key(n), "acknowledged message {n} is lost");
    }
    for (n, files) in &stored {
        assert!(
            sent.messages_tried.contains(n),
            "message {n} was never sent"
        );
        assert_eq!(files.len(), 1, "message {n} lost its attachment");
        assert!(
            files[0] == message(*n).1,
            "the attachment of message {n} is not byte-identical"
        );
    }
    // Imports: all rows or none, acknowledged ones all.
    let mut imports = 0;
    for n in &sent.imports_tried {
        let present = store
            .read(|tx| {
                let mut found = 0;
                for row in 0..ROWS {
                    if let Some(p) = store::persons::get(tx, org, &personalnummer(*n, row))? {
                        assert_eq!(p.name, format!("Crashimport{n:05}"));
                        found += 1;
                    }
                }
                Ok::<_, store::Error>(found)
            })
            .expect("persons");
        assert!(
            present == 0 || present == ROWS,
            "import {n} is half there: {present} of {ROWS} rows"
        );
        if sent.imports_acked.contains(n) {
            assert_eq!(present, ROWS, "acknowledged import {n} is lost");
        }
        if present == ROWS {
            imports += 1;
        }
    }
    (stored.len(), imports)
}
