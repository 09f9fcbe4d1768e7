//! FAQ entries, kept by the Kassen-Portaladministration and shown to everyone.

use crate::domain::permissions::AdministerPortal;
use jiff::Timestamp;

use super::{Actor, Check, Error};
use crate::domain::audit::AuditEntry;
use crate::domain::help::FaqEntry;
use crate::store::{self, Store};

/// Longest question and answer, in characters.
pub const MAX_QUESTION: usize = 300;
pub const MAX_ANSWER: usize = 5_000;

/// The FAQ form as entered.
#[derive(Debug, Clone, Default)]
pub struct FaqInput {
    pub question: String,
    pub answer: String,
}

impl FaqInput {
    pub fn from_entry(e: &FaqEntry) -> Self {
        FaqInput {
            question: e.question.clone(),
            answer: e.answer.clone(),
        }
    }
}

/// Moving an entry one place up or down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

fn long_text(
    check: &mut Check,
    field: &'static str,
    value: &str,
    name: &str,
    max: usize,
) -> String {
    // Line breaks as typed, without trailing blanks around the whole text.
    let v = value.trim().replace("\r\n", "\n");
    if v.is_empty() {
        check.fail(field, format!("Bitte geben Sie eine {name} ein."));
    } else if v.chars().count() > max {
        check.fail(
            field,
            format!("Die {name} darf höchstens {max} Zeichen lang sein."),
        );
    }
    v
}

fn validate(input: &FaqInput) -> Result<FaqInput, Error> {
    let mut check = Check::default();
    let question = long_text(&mut check, "frage", &input.question, "Frage", MAX_QUESTION);
    let answer = long_text(&mut check, "antwort", &input.answer, "Antwort", MAX_ANSWER);
    check.finish()?;
    Ok(FaqInput { question, answer })
}

fn audit(
    tx: &store::WriteTx,
    actor: &Actor,
    entry: &FaqEntry,
    action: &str,
    detail: String,
    now: Timestamp,
) -> Result<(), store::Error> {
    store::audit::append(
        tx,
        &AuditEntry::new(now, actor.id.as_str(), action, detail)
            .target(format!("FAQ {}", entry.id))
            .client(actor.client.clone()),
    )
    .map(|_| ())
}

/// Every entry in the order of the FAQ page. The FAQ is a short list kept
/// by hand (dozens of entries) and its page shows all of it, so this reads
/// the whole table.
pub fn list(store: &Store) -> Result<Vec<FaqEntry>, Error> {
    Ok(store.read(store::faq::all_in_order)?)
}

pub fn get(store: &Store, id: u64) -> Result<FaqEntry, Error> {
    store
        .read(|tx| store::faq::get(tx, id))?
        .ok_or(Error::NotFound)
}

/// Adds an entry at the end of the list.
pub fn create(
    store: &Store,
    _proof: &AdministerPortal,
    input: &FaqInput,
    actor: &Actor,
    now: Timestamp,
) -> Result<FaqEntry, Error> {
    let v = validate(input)?;
    store.write(|tx| {
        let last = store::faq::all_in_order(tx)?
            .last()
            .map_or(0, |e| e.position);
        let entry = FaqEntry {
            id: store::faq::next_id(tx)?,
            question: v.question.clone(),
            answer: v.answer.clone(),
            position: last + 1,
            created_at: now,
            updated_at: now,
        };
        store::faq::put(tx, &entry)?;
        audit(
            tx,
            actor,
            &entry,
            "faq.created",
            format!("FAQ-Eintrag „{}“ angelegt", entry.question),
            now,
        )?;
        Ok(entry)
    })
}

pub fn update(
    store: &Store,
    _proof: &AdministerPortal,
    id: u64,
    input: &FaqInput,
    actor: &Actor,
    now: Timestamp,
) -> Result<FaqEntry, Error> {
    let v = validate(input)?;
    store.write(|tx| {
        let mut entry = store::faq::get(tx, id)?.ok_or(Error::NotFound)?;
        let mut changes = Vec::new();
        if entry.question != v.question {
            changes.push(format!("Frage: „{}“ → „{}“", entry.question, v.question));
        }
        if entry.answer != v.answer {
            changes.push("Antwort geändert".to_owned());
        }
        if changes.is_empty() {
            return Ok(entry);
        }
        entry.question = v.question.clone();
        entry.answer = v.answer.clone();
        entry.updated_at = now;
        store::faq::put(tx, &entry)?;
        audit(tx, actor, &entry, "faq.updated", changes.join("; "), now)?;
        Ok(entry)
    })
}

pub fn delete(
    store: &Store,
    _proof: &AdministerPortal,
    id: u64,
    actor: &Actor,
    now: Timestamp,
) -> Result<FaqEntry, Error> {
    store.write(|tx| {
        let entry = store::faq::get(tx, id)?.ok_or(Error::NotFound)?;
        store::faq::delete(tx, id)?;
        audit(
            tx,
            actor,
            &entry,
            "faq.deleted",
            format!("FAQ-Eintrag „{}“ gelöscht", entry.question),
            now,
        )?;
        Ok(entry)
    })
}

/// Swaps the entry with its neighbour above or below; at the edge nothing
/// changes.
pub fn move_entry(
    store: &Store,
    _proof: &AdministerPortal,
    id: u64,
    direction: Direction,
    actor: &Actor,
    now: Timestamp,
) -> Result<(), Error> {
    store.write(|tx| {
        let mut entries = store::faq::all_in_order(tx)?;
        let i = entries
            .iter()
            .position(|e| e.id == id)
            .ok_or(Error::NotFound)?;
        let j = match direction {
            Direction::Up if i > 0 => i - 1,
            Direction::Down if i + 1 < entries.len() => i + 1,
            _ => return Ok(()),
        };
        // Positions are renumbered 1..n so that ties cannot stall a move.
        entries.swap(i, j);
        for (n, e) in entries.iter_mut().enumerate() {
            let pos = n as u64 + 1;
            if e.position != pos {
                e.position = pos;
                store::faq::put(tx, e)?;
            }
        }
        let moved = &entries[j];
        let word = match direction {
            Direction::Up => "nach oben",
            Direction::Down => "nach unten",
        };
        audit(
            tx,
            actor,
            moved,
            "faq.moved",
            format!(
                "FAQ-Eintrag „{}“ {word} verschoben (jetzt Position {})",
                moved.question, moved.position
            ),
            now,
        )?;
        Ok(())
    })
}
