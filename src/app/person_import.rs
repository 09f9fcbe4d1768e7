//! The Datenimport of entitled persons and Lebensläufe (UI and CLI): every
//! row is checked first; "Probelauf" only reports, "Importieren" writes all
//! rows in one transaction or nothing. Windows-1252 files are converted
//! first; contact fields the organisation changed since the last import are
//! kept or overwritten as the Kassen choose, and every change of an
//! existing person is audited with old and new values.

use jiff::Timestamp;

use super::{Actor, Error};
use crate::domain::audit::AuditEntry;
use crate::domain::org::{OrgId, Organisation};
use crate::domain::person_csv::{self, Encoding, FileKind, PersonRow, RowError};
use crate::domain::persons::{self, Art, ContactPolicy, Person, format_date};
use crate::store::{self, Store};

/// What an import found and did.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Data rows read (without the header).
    pub rows: usize,
    /// Every problem; when there is one, nothing was imported.
    pub errors: Vec<RowError>,
    /// Persons created / updated (Anspruchsberechtigte), or persons whose
    /// Lebenslauf was replaced (`updated`, Lebensläufe).
    pub created: usize,
    pub updated: usize,
    /// Whether the data was written.
    pub imported: bool,
    /// The file was Windows-1252 and was converted.
    pub converted: bool,
    /// Contact fields the organisation changed since the last import whose
    /// file value differs (Anspruchsberechtigte).
    pub conflicts: Vec<Conflict>,
    /// What was (or would be) done with them.
    pub policy: ContactPolicy,
}

/// One "Abweichung in Kontaktdaten": person, field, portal and file value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub personalnummer: String,
    /// "Name, Vorname".
    pub person: String,
    pub field: &'static str,
    pub portal: String,
    pub file: String,
}

/// Progress callback: (rows done, rows in all).
pub type Progress<'a> = &'a mut dyn FnMut(usize, usize);

/// One import request.
pub struct Request<'a> {
    pub org: OrgId,
    pub kind: FileKind,
    pub bytes: &'a [u8],
    /// "Probelauf": check only.
    pub dry_run: bool,
    /// What to do with contact fields the organisation changed.
    pub contact: ContactPolicy,
    /// The session the import runs for (the web upload), checked again
    /// inside the write transaction: still live, and its account still the
    /// actor and a Kassen-Portaladministration. `None` for the CLI.
    pub session: Option<super::sessions::Recheck<'a>>,
}

/// Checks (and unless `dry_run`, imports) the file of `req`.
pub fn run(
    store: &Store,
    req: &Request<'_>,
    actor: &Actor,
    now: Timestamp,
    progress: Progress<'_>,
) -> Result<Outcome, Error> {
    let (org, kind, dry_run) = (req.org, req.kind, req.dry_run);
    let organisation = store
        .read(|tx| store::orgs::get(tx, org))?
        .ok_or(Error::NotFound)?;
    let Some((text, encoding)) = person_csv::decode(req.bytes) else {
        return Ok(undecidable(req.contact));
    };
    let bytes = text.as_bytes();
    let result = match kind {
        FileKind::Persons => {
            let audit = AuditCtx {
                actor: actor.clone(),
                now,
            };
            import_persons(store, org, bytes, req, audit, progress)?
        }
        FileKind::Periods => import_periods(store, org, bytes, dry_run, progress)?,
    };
    let (mut outcome, write) = result;
    outcome.converted = encoding == Encoding::Windows1252;
    outcome.policy = req.contact;
    if outcome.errors.is_empty()
        && let Some(write) = write
    {
        store.write(|tx| {
            if let Some(session) = &req.session {
                let account = session.account(tx, now)?;
                if account.id.as_str() != actor.id
                    || !crate::domain::permissions::may_administer_portal(&account)
                {
                    return Err(Error::SessionEnded);
                }
            }
            write(tx)?;
            store::audit::append(tx, &import_entry(kind, &organisation, &outcome, actor, now))?;
            Ok::<_, Error>(())
        })?;
        return Ok(Outcome {
            imported: true,
            ..outcome
        });
    }
    Ok(outcome)
}

/// The outcome for a file that is neither UTF-8 nor Windows-1252.
fn undecidable(policy: ContactPolicy) -> Outcome {
    Outcome {
        errors: vec![RowError {
            line: 1,
            column: String::new(),
            message: person_csv::UNDECIDABLE.to_owned(),
        }],
        policy,
        ..Outcome::default()
    }
}

/// The Protokoll entry of a completed import: file type, Mitglied, figures,
/// the contact conflicts and their decision, a conversion.
fn import_entry(
    kind: FileKind,
    organisation: &Organisation,
    outcome: &Outcome,
    actor: &Actor,
    now: Timestamp,
) -> AuditEntry {
    let (action, what) = match kind {
        FileKind::Persons => ("person.imported", "Anspruchsberechtigte"),
        FileKind::Periods => ("person.periods_imported", "Lebensläufe"),
    };
    let conflicts = if outcome.conflicts.is_empty() {
        String::new()
    } else {
        format!(
            "; {}: {}",
            crate::domain::counted(
                outcome.conflicts.len() as u64,
                "Abweichung in Kontaktdaten",
                "Abweichungen in Kontaktdaten"
            ),
            outcome.policy.label()
        )
    };
    let converted = if outcome.converted {
        "; Datei in Windows-1252 umgewandelt"
    } else {
        ""
    };
    AuditEntry::new(
        now,
        actor.id.as_str(),
        action,
        format!(
            "Datenimport {what} für {} ({}): {}{conflicts}{converted}",
            organisation.name,
            organisation.number,
            figures(outcome),
        ),
    )
    .target(format!("Mitglied {}", organisation.number))
    .org(Some(organisation.id))
    .client(actor.client.clone())
}

/// "3 Zeilen, 1 neu, 2 aktualisiert".
pub fn figures(o: &Outcome) -> String {
    format!(
        "{}, {} neu, {} aktualisiert",
        crate::domain::counted(o.rows as u64, "Zeile", "Zeilen"),
        o.created,
        o.updated
    )
}

/// Who imports, and when (for the audit entries of changed persons).
struct AuditCtx {
    actor: Actor,
    now: Timestamp,
}

/// Number of data lines (not the header) with a problem.
fn bad_data_lines(errors: &[RowError]) -> usize {
    errors
        .iter()
        .map(|e| e.line)
        .filter(|l| *l > 1)
        .collect::<std::collections::BTreeSet<_>>()
        .len()
}

type Writer = Box<dyn FnOnce(&store::WriteTx) -> Result<(), Error>>;

fn import_persons(
    store: &Store,
    org: OrgId,
    bytes: &[u8],
    req: &Request<'_>,
    audit: AuditCtx,
    progress: Progress<'_>,
) -> Result<(Outcome, Option<Writer>), Error> {
    let (dry_run, policy) = (req.dry_run, req.contact);
    let (rows, errors) = person_csv::parse_persons(bytes);
    let total = rows.len() + bad_data_lines(&errors);
    let mut outcome = Outcome {
        rows: total,
        errors,
        ..Outcome::default()
    };
    // Which Personalnummern exist already, and where the organisation's
    // contact data differ (the figures and conflicts of the Probelauf).
    store.read(|tx| {
        for (i, r) in rows.iter().enumerate() {
            if let Some(p) = store::persons::get(tx, org, &r.personalnummer)? {
                outcome.updated += 1;
                let (_, conflicts) = persons::merge_imported_contact(&p, &r.contact, policy);
                outcome
                    .conflicts
                    .extend(conflicts.into_iter().map(|c| Conflict {
                        personalnummer: p.personalnummer.clone(),
                        person: p.display_name(),
                        field: c.field,
                        portal: c.portal,
                        file: c.file,
                    }));
            } else {
                outcome.created += 1;
            }
            if i % 500 == 0 {
                progress(i, rows.len());
            }
        }
        Ok::<_, Error>(())
    })?;
    progress(rows.len(), rows.len());
    if dry_run || !outcome.errors.is_empty() {
        return Ok((outcome, None));
    }
    let write: Writer = Box::new(move |tx| {
        for r in rows {
            let existing = store::persons::get(tx, org, &r.personalnummer)?;
            let person = imported_person(org, existing.as_ref(), r, policy);
            if let Some(old) = &existing {
                audit_changes(tx, &audit, old, &person)?;
            }
            store::persons::put(tx, &person)?;
        }
        Ok(())
    });
    Ok((outcome, Some(write)))
}

/// The person a row of the file makes: a civil servant keeps the
/// Lebenslauf, and contact fields the organisation changed are kept or
/// overwritten as `policy` says.
fn imported_person(
    org: OrgId,
    existing: Option<&Person>,
    r: PersonRow,
    policy: ContactPolicy,
) -> Person {
    let lebenslauf = match (existing, r.art) {
        (Some(p), Art::Beamter) => p.lebenslauf.clone(),
        _ => Vec::new(),
    };
    let (contact, contact_changed) = match existing {
        None => (r.contact.clone(), None),
        Some(p) => {
            let (merged, _) = persons::merge_imported_contact(p, &r.contact, policy);
            // Once the portal shows the file's contact data again,
            // the last change in the portal no longer describes it.
            let changed = if merged == r.contact {
                None
            } else {
                p.contact_changed.clone()
            };
            (merged, changed)
        }
    };
    Person {
        org,
        personalnummer: r.personalnummer,
        art: r.art,
        name: r.name,
        vorname: r.vorname,
        geburtsdatum: r.geburtsdatum,
        imported_contact: Some(r.contact),
        contact,
        bereich: r.bereich,
        lebenslauf,
        contact_changed,
    }
}

/// Audits what an import changed in an existing person, with old and new
/// values (nothing when nothing changed).
fn audit_changes(
    tx: &store::WriteTx,
    audit: &AuditCtx,
    old: &Person,
    new: &Person,
) -> Result<(), Error> {
    let bereich = |p: &Person| p.bereich.map_or("", |b| b.label()).to_owned();
    let mut changes: Vec<(&str, String, String)> = [
        (
            "Art",
            old.art.label().to_owned(),
            new.art.label().to_owned(),
        ),
        ("Name", old.name.clone(), new.name.clone()),
        ("Vorname", old.vorname.clone(), new.vorname.clone()),
        (
            "Geburtsdatum",
            format_date(old.geburtsdatum),
            format_date(new.geburtsdatum),
        ),
        ("Geschäftsbereich", bereich(old), bereich(new)),
    ]
    .into_iter()
    .filter(|(_, a, b)| a != b)
    .collect();
    changes.extend(persons::contact_changes(&old.contact, &new.contact));
    if changes.is_empty() {
        return Ok(());
    }
    let detail = changes
        .iter()
        .map(|(label, old, new)| format!("{label}: „{old}“ → „{new}“"))
        .collect::<Vec<_>>()
        .join("; ");
    store::audit::append(
        tx,
        &AuditEntry::new(
            audit.now,
            audit.actor.id.as_str(),
            "person.import_changed",
            format!(
                "Datenimport: Daten von {} (Personalnummer {}) geändert: {detail}",
                old.display_name(),
                old.personalnummer
            ),
        )
        .target(format!("Personalnummer {}", old.personalnummer))
        .org(Some(old.org))
        .client(audit.actor.client.clone()),
    )?;
    Ok(())
}

fn import_periods(
    store: &Store,
    org: OrgId,
    bytes: &[u8],
    dry_run: bool,
    progress: Progress<'_>,
) -> Result<(Outcome, Option<Writer>), Error> {
    let (rows, mut errors) = person_csv::parse_periods(bytes);
    let bad_lines = bad_data_lines(&errors);
    let mut by_person: std::collections::BTreeMap<String, Vec<crate::domain::persons::Period>> =
        Default::default();
    store.read(|tx| {
        let mut known: std::collections::HashMap<String, Option<Art>> = Default::default();
        for (i, r) in rows.iter().enumerate() {
            let art = match known.get(&r.personalnummer) {
                Some(a) => *a,
                None => {
                    let a = store::persons::get(tx, org, &r.personalnummer)?.map(|p| p.art);
                    known.insert(r.personalnummer.clone(), a);
                    a
                }
            };
            match art {
                None => errors.push(RowError {
                    line: r.line,
                    column: "Personalnummer".to_owned(),
                    message: format!(
                        "Es gibt keine anspruchsberechtigte Person mit der Personalnummer {} bei diesem Mitglied.",
                        r.personalnummer
                    ),
                }),
                Some(a) if a != Art::Beamter => errors.push(RowError {
                    line: r.line,
                    column: "Personalnummer".to_owned(),
                    message: format!(
                        "Die Person mit der Personalnummer {} ist kein Beamter; Lebensläufe gibt es nur für Beamte.",
                        r.personalnummer
                    ),
                }),
                Some(_) => by_person
                    .entry(r.personalnummer.clone())
                    .or_default()
                    .push(r.period.clone()),
            }
            if i % 500 == 0 {
                progress(i, rows.len());
            }
        }
        Ok::<_, Error>(())
    })?;
    progress(rows.len(), rows.len());
    errors.sort_by_key(|e| e.line);
    let outcome = Outcome {
        rows: rows.len() + bad_lines,
        errors,
        updated: by_person.len(),
        ..Outcome::default()
    };
    if dry_run || !outcome.errors.is_empty() {
        return Ok((outcome, None));
    }
    let write: Writer = Box::new(move |tx| {
        for (pnr, mut periods) in by_person {
            periods.sort_by_key(|p| p.von);
            if let Some(mut p) = store::persons::get(tx, org, &pnr)? {
                p.lebenslauf = periods;
                store::persons::put(tx, &p)?;
            }
        }
        Ok(())
    });
    Ok((outcome, Some(write)))
}

/// The CLI command `import-persons`: opens the store in `data_dir` (the
/// server must not be running), checks or imports `file` for the
/// organisation with Mitgliedsnummer `number`, with a progress line on
/// stderr. Row errors are the `Err` text, one per line.
pub fn run_cli(
    data_dir: &std::path::Path,
    number: &str,
    kind: FileKind,
    file: &std::path::Path,
    dry_run: bool,
    contact: ContactPolicy,
) -> Result<String, String> {
    use std::io::Write;
    let bytes = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let store = Store::open(data_dir).map_err(|e| e.to_string())?;
    let org = store
        .read(|tx| store::orgs::by_number(tx, number))
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("Kein Mitglied mit der Mitgliedsnummer {number}."))?;
    let actor = Actor {
        id: "System".to_owned(),
        client: Some("Kommandozeile".to_owned()),
    };
    let mut stderr = std::io::stderr();
    let mut progress = |done: usize, all: usize| {
        let _ = write!(stderr, "\rGeprüft: {done} von {all} Zeilen");
        let _ = stderr.flush();
    };
    let outcome = run(
        &store,
        &Request {
            org,
            kind,
            bytes: &bytes,
            dry_run,
            contact,
            session: None,
        },
        &actor,
        Timestamp::now(),
        &mut progress,
    )
    .map_err(|e| e.to_string())?;
    eprintln!();
    if !outcome.errors.is_empty() {
        return Err(errors_text(&outcome.errors));
    }
    Ok(summary_text(&outcome))
}

/// The CLI's answer to a file with problems, one per line.
fn errors_text(errors: &[RowError]) -> String {
    let mut text = format!(
        "{} Fehler gefunden, es wurde nichts importiert:",
        errors.len()
    );
    for e in errors {
        text.push_str(&format!(
            "\nZeile {}, Spalte {}: {}",
            e.line,
            if e.column.is_empty() {
                "–"
            } else {
                &e.column
            },
            e.message
        ));
    }
    text
}

/// The CLI's answer to a file without problems: figures, conversion and
/// the contact conflicts with their decision.
fn summary_text(outcome: &Outcome) -> String {
    let figures = figures(outcome);
    let mut text = if outcome.imported {
        format!("Import abgeschlossen: {figures}.")
    } else {
        format!("Probelauf ohne Fehler: {figures}; es wurde nichts importiert.")
    };
    if outcome.converted {
        text.push_str("\nDatei war in Windows-1252 kodiert und wurde umgewandelt.");
    }
    if !outcome.conflicts.is_empty() {
        text.push_str(&format!(
            "\n{} ({}):",
            crate::domain::counted(
                outcome.conflicts.len() as u64,
                "Abweichung in Kontaktdaten",
                "Abweichungen in Kontaktdaten"
            ),
            outcome.policy.label()
        ));
        for c in &outcome.conflicts {
            text.push_str(&format!(
                "\n{} ({}), {}: Portal „{}“, Datei „{}“",
                c.person, c.personalnummer, c.field, c.portal, c.file
            ));
        }
    }
    text
}
