//! Seeds the store of the messaging and persons scenarios (issues 12, 13)
//! through the crate's own functions — `app::messages::store_message`,
//! `store::blobs::put`, `store::messages::set_entry`, `store::persons::put`
//! — in write batches of 2,000, so every index and counter they keep is
//! part of the measurement.
//!
//! One organisation per mailbox size, its administrator reading the
//! Administration mailbox that holds all of that size's messages; one
//! organisation per persons size with a Nutzer:in holding the grant
//! "Anzeige von Anspruchsberechtigten".
//!
//! The full run caches the seeded store under `target/bench/cache/`, keyed
//! by [`SEED_VERSION`] and the sizes (seeding 1M messages takes minutes):
//! a later full run reuses it (`--fresh` seeds again). The measured server
//! runs on the cached store, so a cached store also holds the few messages
//! earlier runs sent and the read marks of the messages they opened.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use jiff::{SignedDuration, Timestamp};
use meine_versorgung::app::messages::{NewMessage, store_message};
use meine_versorgung::app::passwords::PasswordHasher;
use meine_versorgung::config::Argon2Config;
use meine_versorgung::domain::account::{Grants, Role};
use meine_versorgung::domain::message::{self, Attachment, Mailbox};
use meine_versorgung::domain::org::{Bereich, GroupMailbox, PortalFunction};
use meine_versorgung::domain::persons::{Art, Contact, Period, Person};
use meine_versorgung::store::{self, Store, blobs, messages as repo};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::corpus;
use super::seed::{BATCH, Login, account, organisation};

/// Bump when what is seeded changes: a cached store of another version is
/// seeded again.
pub const SEED_VERSION: u32 = 2;

/// Page cache of the seeding store (bytes).
const SEED_CACHE: u64 = 6 << 30;

/// Message ids of a mailbox kept for the "open a message" scenario.
const SAMPLE_IDS: usize = 2_000;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MailboxSeed {
    pub size: usize,
    pub admin: Login,
    /// Ids of messages in the mailbox, spread over its whole age.
    pub sample_ids: Vec<u64>,
    /// The Referenz of a conversation with replies.
    pub referenz: String,
    /// Betreff, Text and attachment bytes seeded.
    pub payload_bytes: u64,
    /// Growth of the disk space of the store file (`st_blocks × 512`)
    /// while seeding this mailbox.
    pub store_bytes: u64,
    /// Growth of the pages in use (redb's statistics) while seeding it.
    #[serde(default)]
    pub live_bytes: u64,
    /// The oldest message: the only one whose Text holds both words of
    /// [`RARE_QUERY`] (each word alone is in many newer messages).
    #[serde(default)]
    pub rare_id: u64,
    pub attachments: usize,
    pub seconds: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PersonsSeed {
    pub size: usize,
    pub user: Login,
    /// A Personalnummer of the organisation.
    pub personalnummer: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MsgSeeded {
    pub version: u32,
    pub mailboxes: Vec<MailboxSeed>,
    pub persons: Vec<PersonsSeed>,
    pub file_size: u64,
    /// Per message table: (name, bytes of its pages, bytes of its entries).
    /// Pages = stored + metadata + fragmented bytes (redb's TableStats).
    #[serde(default)]
    pub tables: Vec<(String, u64, u64)>,
}

/// Two words that meet only in the oldest message of each mailbox: the
/// search must walk past every newer message holding one of them.
pub const RARE_QUERY: &str = "Zaunkönig Kreuzotter";

/// The Text of message `i` of a mailbox, with the words of [`RARE_QUERY`]
/// added: both in message 0, each alone in about 1 % of the others.
fn with_rare_words(i: usize, text: String) -> String {
    match i {
        0 => format!("{text} Zaunkönig und Kreuzotter"),
        i if i % 97 == 0 => format!("{text} Zaunkönig"),
        i if i % 89 == 0 => format!("{text} Kreuzotter"),
        _ => text,
    }
}

/// Disk space the store file occupies (`st_blocks × 512`), which is what
/// a sparse or preallocated file really costs, unlike its length.
fn disk_bytes(store: &Store) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(store.path())
        .map(|m| m.blocks() * 512)
        .unwrap_or(0)
}

/// Bytes of the pages in use, from redb's statistics.
fn live_bytes(store: &Store) -> Result<u64, String> {
    store
        .write(|tx| {
            let s = tx.stats().map_err(|e| store::Error::Db(e.into()))?;
            Ok::<_, store::Error>(s.allocated_pages() * s.page_size() as u64)
        })
        .map_err(|e| e.to_string())
}

/// The Name filter of the persons list (one of [`SURNAMES`]).
pub const FILTER_NAME: &str = "Schmidt";

const SURNAMES: [&str; 40] = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Schmitt",
    "Werner",
    "Schmitz",
    "Krause",
    "Meier",
    "Lehmann",
    "Schmid",
    "Schulze",
    "Maier",
    "Köhler",
    "Herrmann",
    "König",
    "Walter",
    "Mayer",
    "Huber",
];
const FIRST: [&str; 16] = [
    "Anna", "Bernd", "Claudia", "Dieter", "Eva", "Frank", "Gabi", "Heinz", "Ines", "Jürgen",
    "Karin", "Lars", "Monika", "Norbert", "Petra", "Uwe",
];

/// The seeded store of `sizes`: from the cache (full mode), or seeded
/// into `fresh_dir`. Returns the data directory and what it holds.
pub fn prepare(
    cache: Option<&Path>,
    fresh_dir: &Path,
    mailboxes: &[usize],
    persons: &[usize],
    reseed: bool,
) -> Result<(PathBuf, MsgSeeded), String> {
    let Some(cache_root) = cache else {
        let seeded = seed(fresh_dir, mailboxes, persons)?;
        return Ok((fresh_dir.to_owned(), seeded));
    };
    let name = format!(
        "messages-v{SEED_VERSION}-{}-{}",
        join(mailboxes),
        join(persons)
    );
    let dir = cache_root.join(name);
    let data = dir.join("data");
    let meta = dir.join("seeded.json");
    if reseed {
        let _ = std::fs::remove_dir_all(&dir);
    }
    if let Ok(text) = std::fs::read_to_string(&meta)
        && let Ok(seeded) = serde_json::from_str::<MsgSeeded>(&text)
        && seeded.version == SEED_VERSION
    {
        eprintln!("    reusing the seeded store {}", dir.display());
        return Ok((data, seeded));
    }
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&data).map_err(|e| format!("{}: {e}", data.display()))?;
    let seeded = seed(&data, mailboxes, persons)?;
    let json = serde_json::to_string_pretty(&seeded).map_err(|e| e.to_string())?;
    std::fs::write(&meta, json).map_err(|e| format!("{}: {e}", meta.display()))?;
    Ok((data, seeded))
}

fn join(sizes: &[usize]) -> String {
    sizes
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
        .join("_")
}

fn seed(data_dir: &Path, mailboxes: &[usize], persons: &[usize]) -> Result<MsgSeeded, String> {
    // A page cache that holds the whole 1M store: with the product's
    // 16 MiB default, seeding re-reads index leaves from the file and a
    // 1M seeding took over an hour. What is written is the same.
    let store = Store::open_with(data_dir, SEED_CACHE).map_err(|e| e.to_string())?;
    let hasher = PasswordHasher::new(&Argon2Config::default())?;
    let hash = hasher.hash_blocking(super::seed::PASSWORD)?;
    let now = Timestamp::now();
    let mut rng = StdRng::seed_from_u64(0x5eed_0012);
    let mut out = MsgSeeded {
        version: SEED_VERSION,
        mailboxes: Vec::new(),
        persons: Vec::new(),
        file_size: 0,
        tables: Vec::new(),
    };
    for (k, &size) in mailboxes.iter().enumerate() {
        let started = Instant::now();
        let seeded = seed_mailbox(&store, &hash, 200 + k, size, now, &mut rng)?;
        eprintln!(
            "    mailbox of {size}: {:.1} s, store +{:.1} MB for {:.1} MB payload",
            started.elapsed().as_secs_f64(),
            seeded.store_bytes as f64 / 1e6,
            seeded.payload_bytes as f64 / 1e6
        );
        out.mailboxes.push(MailboxSeed {
            seconds: started.elapsed().as_secs_f64(),
            ..seeded
        });
    }
    for (k, &size) in persons.iter().enumerate() {
        out.persons
            .push(seed_persons(&store, &hash, 300 + k, size, now)?);
    }
    out.file_size = store.file_size();
    out.tables = table_sizes(&store)?;
    for (name, pages, stored) in &out.tables {
        eprintln!(
            "    table {name}: {:.1} MB in pages, {:.1} MB stored",
            *pages as f64 / 1e6,
            *stored as f64 / 1e6
        );
    }
    Ok(out)
}

/// Pages and stored bytes of each message table (where the store's size
/// goes).
fn table_sizes(store: &Store) -> Result<Vec<(String, u64, u64)>, String> {
    use meine_versorgung::store::{ReadAccess, tables as t};
    use redb::ReadableTableMetadata;
    fn one<K: redb::Key + 'static, V: redb::Value + 'static>(
        tx: &impl ReadAccess,
        def: redb::TableDefinition<K, V>,
    ) -> Result<(String, u64, u64), store::Error> {
        let table = tx.open(def)?;
        let s = table.stats()?;
        let pages = s.stored_bytes() + s.metadata_bytes() + s.fragmented_bytes();
        Ok((def.to_string(), pages, s.stored_bytes()))
    }
    store
        .read(|tx| {
            Ok::<_, store::Error>(vec![
                one(tx, t::MESSAGE_HEADERS)?,
                one(tx, t::MESSAGE_TEXTS)?,
                one(tx, t::SEARCH_TERMS)?,
                one(tx, t::SEARCH_POSTINGS)?,
                one(tx, t::MAILBOX_FACETS)?,
                one(tx, t::MAILBOX_ENTRIES)?,
                one(tx, t::MESSAGES_BY_REF)?,
                one(tx, t::BLOB_CHUNKS)?,
            ])
        })
        .map_err(|e| e.to_string())
}

fn seed_mailbox(
    store: &Store,
    hash: &str,
    n: usize,
    size: usize,
    now: Timestamp,
    rng: &mut StdRng,
) -> Result<MailboxSeed, String> {
    let err = |e: store::Error| e.to_string();
    let (org, admin) = store
        .write(|tx| {
            let org = organisation(tx, n)?;
            let admin = account(
                tx,
                Role::OrgAdmin { org },
                "Kim",
                "Postfach",
                Some(hash),
                now,
            )?;
            Ok::<_, store::Error>((org, admin))
        })
        .map_err(err)?;
    let me = Mailbox::Group(org, GroupMailbox::Administration);
    let key = me.key();
    // Spread over a year: well inside the retention period (730 days).
    let spread = (365 * 86_400 * 1_000 / size.max(1)) as i64;
    let every = (size / SAMPLE_IDS).max(1);
    let before = disk_bytes(store);
    let live_before = live_bytes(store)?;
    let mut rare_id = 0;
    let (mut payload, mut attachments) = (0u64, 0usize);
    let mut sample_ids = Vec::new();
    let mut recent: Vec<String> = Vec::new();
    let mut replies: HashMap<String, usize> = HashMap::new();
    let mut done = 0;
    while done < size {
        let batch = BATCH.min(size - done);
        store
            .write(|tx| {
                for i in done..done + batch {
                    let at = now
                        .checked_sub(SignedDuration::from_millis((size - i) as i64 * spread))
                        .unwrap_or(now);
                    let b = Bereich::ALL[rng.random_range(0..3)];
                    let themen = message::themen(b);
                    let thema = themen[rng.random_range(0..themen.len())];
                    let outgoing = rng.random_bool(0.5);
                    let (from, to) = if outgoing {
                        (me.clone(), Mailbox::Kassen(b))
                    } else {
                        (Mailbox::Kassen(b), me.clone())
                    };
                    let referenz = (!recent.is_empty() && rng.random_bool(0.25))
                        .then(|| recent[rng.random_range(0..recent.len())].clone());
                    let subject = corpus::subject(rng);
                    let text = with_rare_words(i, corpus::text(rng));
                    payload += (subject.len() + text.len()) as u64;
                    let mut files = Vec::new();
                    if rng.random_range(0..50) == 0 {
                        let (bytes, name, mime) = attachment(rng);
                        payload += bytes.len() as u64;
                        attachments += 1;
                        files.push(Attachment {
                            blob: blobs::put(tx, &bytes)?,
                            name: name.to_owned(),
                            mime: mime.to_owned(),
                            len: bytes.len() as u64,
                        });
                    }
                    let m = store_message(
                        tx,
                        NewMessage {
                            from: Some(from),
                            to,
                            referenz: referenz.clone(),
                            subject,
                            text,
                            bereich: b,
                            thema: thema.to_owned(),
                            author: None,
                            attachments: files,
                        },
                        at,
                    )?;
                    match referenz {
                        Some(r) => *replies.entry(r).or_default() += 1,
                        None => {
                            recent.push(m.referenz.clone());
                            if recent.len() > 50 {
                                recent.remove(0);
                            }
                        }
                    }
                    if i == 0 {
                        rare_id = m.id;
                    }
                    if i % every == 0 && sample_ids.len() < SAMPLE_IDS {
                        sample_ids.push(m.id);
                    }
                    if let Some(mut e) = repo::entry(tx, &key, m.id)? {
                        let before = e;
                        e.marks.important = rng.random_range(0..20) == 0;
                        e.marks.archived = rng.random_range(0..15) == 0;
                        if !outgoing {
                            e.marks.unread = rng.random_range(0..10) < 3;
                        }
                        if e != before {
                            repo::set_entry(tx, &key, m.id, e)?;
                        }
                    }
                }
                Ok::<_, store::Error>(())
            })
            .map_err(err)?;
        done += batch;
    }
    let referenz = replies
        .iter()
        .max_by_key(|(r, n)| (**n, (*r).clone()))
        .map(|(r, _)| r.clone())
        .unwrap_or_default();
    Ok(MailboxSeed {
        size,
        admin,
        sample_ids,
        referenz,
        payload_bytes: payload,
        store_bytes: disk_bytes(store).saturating_sub(before),
        live_bytes: live_bytes(store)?.saturating_sub(live_before),
        rare_id,
        attachments,
        seconds: 0.0,
    })
}

/// A small PDF or PNG (2–16 KB).
fn attachment(rng: &mut StdRng) -> (Vec<u8>, &'static str, &'static str) {
    let len = rng.random_range(2_048..16_384);
    let (mut bytes, name, mime): (Vec<u8>, _, _) = if rng.random_bool(0.6) {
        (b"%PDF-1.7\n".to_vec(), "Bescheid.pdf", "application/pdf")
    } else {
        (
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(),
            "Scan.png",
            "image/png",
        )
    };
    while bytes.len() < len {
        bytes.push(rng.random());
    }
    (bytes, name, mime)
}

fn seed_persons(
    store: &Store,
    hash: &str,
    n: usize,
    size: usize,
    now: Timestamp,
) -> Result<PersonsSeed, String> {
    let err = |e: store::Error| e.to_string();
    let (org, user) = store
        .write(|tx| {
            let org = organisation(tx, n)?;
            let role = Role::OrgUser {
                org,
                grants: Grants {
                    mailboxes: vec![],
                    functions: vec![
                        PortalFunction::Postfach,
                        PortalFunction::AnspruchsberechtigteAnzeigen,
                    ],
                },
            };
            let user = account(tx, role, "Pia", "Personal", Some(hash), now)?;
            Ok::<_, store::Error>((org, user))
        })
        .map_err(err)?;
    let mut done = 0;
    while done < size {
        let batch = BATCH.min(size - done);
        store
            .write(|tx| {
                for i in done..done + batch {
                    store::persons::put(tx, &person(org, i))?;
                }
                Ok::<_, store::Error>(())
            })
            .map_err(err)?;
        done += batch;
    }
    Ok(PersonsSeed {
        size,
        user,
        personalnummer: personalnummer(size / 2),
    })
}

pub fn personalnummer(i: usize) -> String {
    format!("{:08}", 10_000_000 + i * 7)
}

fn date(y: i16, m: i8, d: i8) -> jiff::civil::Date {
    jiff::civil::Date::new(y, m, d).unwrap_or(jiff::civil::Date::constant(1970, 1, 1))
}

fn person(org: u64, i: usize) -> Person {
    let art = match i % 10 {
        0..=5 => Art::Beamter,
        6..=8 => Art::Versorgungsempfaenger,
        _ => Art::Hinterbliebener,
    };
    let year = 1950 + (i % 50) as i16;
    let lebenslauf = if art == Art::Beamter {
        vec![
            Period {
                von: date(year + 20, 8, 1),
                bis: Some(date(year + 30, 12, 31)),
                dienststelle: "Bauamt".to_owned(),
                amtsbezeichnung: "Stadtinspektor:in".to_owned(),
                besoldungsgruppe: "A 9".to_owned(),
                umfang: 100,
            },
            Period {
                von: date(year + 31, 1, 1),
                bis: None,
                dienststelle: "Kämmerei".to_owned(),
                amtsbezeichnung: "Stadtamtsrat:rätin".to_owned(),
                besoldungsgruppe: "A 12".to_owned(),
                umfang: 75,
            },
        ]
    } else {
        Vec::new()
    };
    Person {
        org,
        personalnummer: personalnummer(i),
        art,
        name: SURNAMES[i % SURNAMES.len()].to_owned(),
        vorname: FIRST[(i / SURNAMES.len()) % FIRST.len()].to_owned(),
        geburtsdatum: date(year, (i % 12 + 1) as i8, (i % 28 + 1) as i8),
        contact: Contact {
            strasse: format!("Lindenweg {}", i % 200 + 1),
            plz: format!("{:05}", 10_000 + i % 89_999),
            ort: "Blaugraben".to_owned(),
            telefon: "02345 6789-0".to_owned(),
            email: format!("person{i}@blaugraben.example"),
        },
        bereich: Some(Bereich::Beamtenversorgung),
        lebenslauf,
        contact_changed: None,
        imported_contact: None,
    }
}

/// Rows of an Anspruchsberechtigte CSV (SPEC §10) for the import scenario.
pub fn import_csv(rows: usize) -> String {
    let mut out = String::from(
        "Personalnummer;Art;Name;Vorname;Geburtsdatum;Straße;PLZ;Ort;Telefon;E-Mail;Geschäftsbereich\n",
    );
    for i in 0..rows {
        let p = person(0, i);
        out.push_str(&format!(
            "{};{};{};{};{};{};{};{};{};{};Beamtenversorgung\n",
            p.personalnummer,
            p.art.label(),
            p.name,
            p.vorname,
            meine_versorgung::domain::persons::format_date(p.geburtsdatum),
            p.contact.strasse,
            p.contact.plz,
            p.contact.ort,
            p.contact.telefon,
            p.contact.email,
        ));
    }
    out
}
