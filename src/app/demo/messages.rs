//! Demo conversations of `serve --demo`: Referenzen, replies, marks and
//! attachments in several mailboxes of Blaugraben and Mäuserast, in a
//! personal mailbox and in the Kassenpostfach (Beamtenversorgung and
//! Beihilfe, which the demo clerk "Bernd Beihilfer" handles; unread
//! messages wait in both, shown on the Kassen home). "Entgeltmeldungen
//! 2025" is archived and important in Blaugraben's Administration.

use jiff::{SignedDuration, Timestamp};

use crate::app::messages::{NewMessage, store_message};
use crate::domain::ids::Nutzerkennung;
use crate::domain::message::{Attachment, Mailbox, Marks};
use crate::domain::org::{Bereich, GroupMailbox, OrgId};
use crate::store::{self, WriteTx, blobs, messages as repo};

/// A small valid PDF, for the demo attachments.
const DEMO_PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";
const DEMO_CSV: &[u8] = "Personalnummer;Name;Vorname;Besoldungsgruppe\n100234;Beispiel;Erika;A 11\n100235;Muster;Jonas;A 9\n".as_bytes();

fn attachment(
    tx: &WriteTx,
    name: &str,
    mime: &str,
    bytes: &[u8],
) -> Result<Attachment, store::Error> {
    Ok(Attachment {
        blob: blobs::put(tx, bytes)?,
        name: name.to_owned(),
        mime: mime.to_owned(),
        len: bytes.len() as u64,
    })
}

struct Demo<'a> {
    tx: &'a WriteTx,
    now: Timestamp,
    /// Who writes from which mailbox (the message view names the author).
    authors: Vec<(Mailbox, Nutzerkennung)>,
}

/// The Nutzerkennung of the demo person with first name `first`.
fn demo_id(first: &str) -> Option<Nutzerkennung> {
    super::PEOPLE
        .iter()
        .find(|p| p.first == first)
        .and_then(|p| Nutzerkennung::parse(p.id))
}

/// One demo message: sent `days_ago` days before loading, from a mailbox
/// (none: a system message) to a mailbox, in reply to a Referenz or not.
struct Letter<'a> {
    days_ago: i64,
    from: Option<Mailbox>,
    to: Mailbox,
    referenz: Option<&'a str>,
    subject: &'a str,
    bereich: Bereich,
    thema: &'a str,
    text: &'a str,
    attachments: Vec<Attachment>,
}

impl Demo<'_> {
    fn send(&self, letter: Letter<'_>) -> Result<String, store::Error> {
        let Letter {
            days_ago,
            from,
            to,
            referenz,
            subject,
            bereich,
            thema,
            text,
            attachments,
        } = letter;
        let at = self.now - SignedDuration::from_hours(24 * days_ago);
        let author = from.as_ref().and_then(|f| {
            self.authors
                .iter()
                .find(|(mb, _)| mb == f)
                .map(|(_, id)| id.clone())
        });
        let m = store_message(
            self.tx,
            NewMessage {
                from,
                to,
                referenz: referenz.map(str::to_owned),
                subject: subject.to_owned(),
                text: text.to_owned(),
                bereich,
                thema: thema.to_owned(),
                author,
                attachments,
            },
            at,
        )?;
        Ok(format!("{}#{}", m.referenz, m.id))
    }

    /// Sets marks of the message `tagged` ("Referenz#id") in `mailbox`.
    fn mark(
        &self,
        tagged: &str,
        mailbox: &Mailbox,
        f: impl FnOnce(&mut Marks),
    ) -> Result<(), store::Error> {
        let Some(id) = tagged.split('#').nth(1).and_then(|s| s.parse().ok()) else {
            return Ok(());
        };
        let key = mailbox.key();
        if let Some(mut e) = repo::entry(self.tx, &key, id)? {
            f(&mut e.marks);
            repo::set_entry(self.tx, &key, id, e)?;
        }
        Ok(())
    }
}

fn referenz(tagged: &str) -> &str {
    tagged.split('#').next().unwrap_or(tagged)
}

/// Loads the demo conversations; `blaugraben` and `maeuserast` are the
/// organisations' ids, `max` the demo Nutzer:in of Blaugraben.
pub fn load(
    tx: &WriteTx,
    blaugraben: OrgId,
    maeuserast: OrgId,
    max: &Nutzerkennung,
    now: Timestamp,
) -> Result<(), store::Error> {
    let admin_b = Mailbox::Group(blaugraben, GroupMailbox::Administration);
    let bv_b = Mailbox::Group(blaugraben, GroupMailbox::Beamtenversorgung);
    let beihilfe_b = Mailbox::Group(blaugraben, GroupMailbox::Beihilfe);
    let admin_m = Mailbox::Group(maeuserast, GroupMailbox::Administration);
    let bv_m = Mailbox::Group(maeuserast, GroupMailbox::Beamtenversorgung);
    let k_bv = Mailbox::Kassen(Bereich::Beamtenversorgung);
    let k_bh = Mailbox::Kassen(Bereich::Beihilfe);
    let k_zv = Mailbox::Kassen(Bereich::Zusatzversorgung);
    let authors = [
        (&admin_b, "Kim"),
        (&bv_b, "Max"),
        (&beihilfe_b, "Max"),
        (&admin_m, "Mia"),
        (&bv_m, "Moritz"),
        (&k_bv, "Bernd"),
        (&k_bh, "Bernd"),
        (&k_zv, "Erika"),
    ]
    .into_iter()
    .filter_map(|(mb, first)| demo_id(first).map(|id| (mb.clone(), id)))
    .collect();
    let d = Demo { tx, now, authors };
    let b = Boxes {
        admin_b,
        bv_b,
        beihilfe_b,
        admin_m,
        bv_m,
        k_bv,
        k_bh,
        k_zv,
    };
    blaugraben_administration(&d, &b)?;
    blaugraben_staff(&d, &b, max)?;
    maeuserast_conversations(&d, &b)
}

/// The mailboxes the demo conversations use: Blaugraben's Administration,
/// Beamtenversorgung and Beihilfe, Mäuserast's Administration and
/// Beamtenversorgung, the Kassenpostfächer.
struct Boxes {
    admin_b: Mailbox,
    bv_b: Mailbox,
    beihilfe_b: Mailbox,
    admin_m: Mailbox,
    bv_m: Mailbox,
    k_bv: Mailbox,
    k_bh: Mailbox,
    k_zv: Mailbox,
}

/// Blaugraben, Administration ↔ Beamtenversorgung and Zusatzversorgung.
fn blaugraben_administration(d: &Demo, bx: &Boxes) -> Result<(), store::Error> {
    let Boxes {
        admin_b,
        k_bv,
        k_zv,
        ..
    } = bx;
    let tx = d.tx;
    let a = d.send(Letter {
        days_ago: 21, from: Some(admin_b.clone()), to: k_bv.clone(), referenz: None,
        subject: "Rückfrage zur Versorgungsauskunft", bereich: Bereich::Beamtenversorgung, thema: "Versorgungsauskunft",
        text: "Sehr geehrte Damen und Herren,\n\nbitte teilen Sie uns mit, bis wann die Versorgungsauskunft für Frau Erika Beispiel (Personalnummer 100234) vorliegt.\n\nMit freundlichen Grüßen\nKim Mustermensch",
        attachments: vec![],
    })?;
    let a2 = d.send(Letter {
        days_ago: 19, from: Some(k_bv.clone()), to: admin_b.clone(), referenz: Some(referenz(&a)),
        subject: "AW: Rückfrage zur Versorgungsauskunft", bereich: Bereich::Beamtenversorgung, thema: "Versorgungsauskunft",
        text: "Sehr geehrte Frau Mustermensch,\n\ndie Versorgungsauskunft ist erstellt; Sie finden sie im Anhang.\n\nMit freundlichen Grüßen\nIhre Versorgungskasse",
        attachments: vec![attachment(tx, "Versorgungsauskunft_100234.pdf", "application/pdf", DEMO_PDF)?],
    })?;
    d.mark(&a2, admin_b, |m| m.important = true)?;
    d.mark(&a, k_bv, |m| m.unread = false)?;

    let b = d.send(Letter {
        days_ago: 12, from: Some(admin_b.clone()), to: k_zv.clone(), referenz: None,
        subject: "Entgeltmeldungen 2025", bereich: Bereich::Zusatzversorgung, thema: "Entgeltmeldungen",
        text: "Sehr geehrte Damen und Herren,\n\nanbei erhalten Sie die Liste der Entgeltmeldungen für 2025.\n\nMit freundlichen Grüßen\nKim Mustermensch",
        attachments: vec![attachment(tx, "Entgeltmeldungen_2025.csv", "text/csv", DEMO_CSV)?],
    })?;
    // Archived and important: kept from deletion (handbook §8.4).
    d.mark(&b, admin_b, |m| {
        m.archived = true;
        m.important = true;
    })?;

    Ok(())
}

/// Blaugraben, Beamtenversorgung and Beihilfe (Max Mustermensch) ↔ Kasse,
/// and a receipt in Max's personal mailbox.
fn blaugraben_staff(d: &Demo, bx: &Boxes, max: &Nutzerkennung) -> Result<(), store::Error> {
    let Boxes {
        bv_b,
        beihilfe_b,
        k_bv,
        k_bh,
        ..
    } = bx;
    let tx = d.tx;
    let c = d.send(Letter {
        days_ago: 9, from: Some(bv_b.clone()), to: k_bv.clone(), referenz: None,
        subject: "Meldung einer Beförderung", bereich: Bereich::Beamtenversorgung, thema: "Meldungen und Formulare",
        text: "Guten Tag,\n\nHerr Jonas Muster (Personalnummer 100235) wurde zum 1. des Monats nach A 10 befördert. Die Urkunde liegt bei.\n\nFreundliche Grüße\nMax Mustermensch",
        attachments: vec![attachment(tx, "Ernennungsurkunde.pdf", "application/pdf", DEMO_PDF)?],
    })?;
    d.send(Letter {
        days_ago: 7, from: Some(k_bv.clone()), to: bv_b.clone(), referenz: Some(referenz(&c)),
        subject: "AW: Meldung einer Beförderung", bereich: Bereich::Beamtenversorgung, thema: "Meldungen und Formulare",
        text: "Guten Tag Herr Mustermensch,\n\nvielen Dank, die Beförderung ist erfasst.\n\nMit freundlichen Grüßen\nIhre Versorgungskasse",
        attachments: vec![],
    })?;
    // Work waiting in the Kassenpostfach Beihilfe (the Kassen home shows it).
    d.send(Letter {
        days_ago: 4, from: Some(beihilfe_b.clone()), to: k_bh.clone(), referenz: None,
        subject: "Beihilfeantrag Frau Beispiel", bereich: Bereich::Beihilfe, thema: "Beihilfeanträge",
        text: "Guten Tag,\n\nanbei der Beihilfeantrag von Frau Erika Beispiel (Personalnummer 100234) mit den Belegen.\n\nFreundliche Grüße\nMax Mustermensch",
        attachments: vec![attachment(tx, "Beihilfeantrag_100234.pdf", "application/pdf", DEMO_PDF)?],
    })?;
    d.send(Letter {
        days_ago: 3, from: Some(k_bh.clone()), to: beihilfe_b.clone(), referenz: None,
        subject: "Neue Hinweise zur Beihilfe", bereich: Bereich::Beihilfe, thema: "Allgemeine Anfrage",
        text: "Sehr geehrte Damen und Herren,\n\nab dem kommenden Quartal gelten neue Hinweise zur Einreichung von Beihilfeanträgen. Einzelheiten entnehmen Sie bitte dem Merkblatt.\n\nIhre Versorgungskasse",
        attachments: vec![attachment(tx, "Merkblatt_Beihilfe.pdf", "application/pdf", DEMO_PDF)?],
    })?;
    // A receipt in Max's personal mailbox (a system message).
    d.send(Letter {
        days_ago: 2, from: None, to: Mailbox::Personal(max.clone()), referenz: None,
        subject: "Quittung: Änderung der Besoldungsgruppe / Beförderung", bereich: Bereich::Beamtenversorgung, thema: "Quittung",
        text: "Ihre Meldung „Änderung der Besoldungsgruppe / Beförderung“ für Jonas Muster ist bei der Versorgungskasse eingegangen.",
        attachments: vec![],
    })?;

    Ok(())
}

/// Mäuserast's Administration and Beamtenversorgung ↔ Kasse.
fn maeuserast_conversations(d: &Demo, bx: &Boxes) -> Result<(), store::Error> {
    let Boxes {
        admin_m,
        bv_m,
        k_bv,
        ..
    } = bx;
    let e = d.send(Letter {
        days_ago: 6, from: Some(admin_m.clone()), to: k_bv.clone(), referenz: None,
        subject: "Zugang für neue Sachbearbeiterin", bereich: Bereich::Beamtenversorgung, thema: "Allgemeine Anfrage",
        text: "Guten Tag,\n\nwir haben eine neue Sachbearbeiterin. Welche Unterlagen benötigen Sie von uns?\n\nMia Mausgrau",
        attachments: vec![],
    })?;
    d.send(Letter {
        days_ago: 5, from: Some(k_bv.clone()), to: admin_m.clone(), referenz: Some(referenz(&e)),
        subject: "AW: Zugang für neue Sachbearbeiterin", bereich: Bereich::Beamtenversorgung, thema: "Allgemeine Anfrage",
        text: "Guten Tag Frau Mausgrau,\n\nSie können den Zugang selbst unter „Nutzer:in anlegen“ einrichten; Unterlagen benötigen wir nicht.\n\nIhre Versorgungskasse",
        attachments: vec![],
    })?;
    d.send(Letter {
        days_ago: 1, from: Some(bv_m.clone()), to: k_bv.clone(), referenz: None,
        subject: "Versorgungsausgleich Herr Beispiel", bereich: Bereich::Beamtenversorgung, thema: "Versorgungsauskunft",
        text: "Guten Tag,\n\nbitte senden Sie uns die Berechnung zum Versorgungsausgleich.\n\nMoritz Maus",
        attachments: vec![],
    })?;
    Ok(())
}
