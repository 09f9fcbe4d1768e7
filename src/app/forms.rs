//! Beamtenformulare: checking a report ("Weiter"), submitting it
//! ("Absenden": report, PDF and Quittungsnachricht in one transaction), the
//! organisation's and the Kassen' lists and the status at the Kassen.
//!
//! The organisation's side takes the proof `SubmitForms`, the Kassen' side
//! `ReadReports` (`domain::permissions`); a report is looked up for a
//! [`ReportViewer`], which limits it to what that proof lets one see.

use jiff::Timestamp;

use super::messages::{MailboxRef, SystemMessage, deliver_system_message};
use super::{Actor, Error};
use crate::domain::account::Account;
use crate::domain::audit::AuditEntry;
use crate::domain::forms::{self, FormKind, ReceiptPlace, Report, ReportStatus, Summary};
use crate::domain::org::{Bereich, GroupMailbox, OrgId, Organisation, ReceiptTarget};
use crate::domain::permissions::{Capability, ReadReports, SubmitForms};
use crate::domain::persons::Person;
use crate::mail::Mailer;
use crate::store::{self, Store};

/// Who looks at a report: the organisation's reports for a Nutzer:in with
/// the Beamtenformulare, every report for the Kassen' readers.
pub trait ReportViewer {
    /// The organisation whose reports the viewer sees; `None`: all.
    fn only_org(&self) -> Option<OrgId>;
}

impl ReportViewer for SubmitForms {
    fn only_org(&self) -> Option<OrgId> {
        Some(self.org_id())
    }
}

impl ReportViewer for ReadReports {
    fn only_org(&self) -> Option<OrgId> {
        None
    }
}

/// The form as entered: the chosen person and the values by field name.
#[derive(Debug, Clone, Default)]
pub struct FormInput {
    pub personalnummer: String,
    pub values: Vec<(String, String)>,
}

impl FormInput {
    pub fn get(&self, name: &str) -> String {
        self.values
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
}

fn person_of(tx: &impl store::ReadAccess, org: OrgId, input: &FormInput) -> Result<Person, Error> {
    let pnr = input.personalnummer.trim();
    let found = if pnr.is_empty() {
        None
    } else {
        store::persons::get(tx, org, pnr)?
    };
    found.ok_or_else(|| {
        Error::Invalid(vec![(
            "person",
            "Bitte wählen Sie eine:n Anspruchsberechtigte:n aus.".to_owned(),
        )])
    })
}

fn checked(kind: FormKind, person: &Person, input: &FormInput) -> Result<Summary, Error> {
    forms::check(kind, person, &|name| input.get(name)).map_err(Error::Invalid)
}

/// "Weiter": checks the form; returns the person and the summary.
pub fn preview(
    store: &Store,
    proof: &SubmitForms,
    kind: FormKind,
    input: &FormInput,
) -> Result<(Person, Summary), Error> {
    store.read(|tx| {
        let person = person_of(tx, proof.org_id(), input)?;
        let summary = checked(kind, &person, input)?;
        Ok((person, summary))
    })
}

/// What "Absenden" sends.
pub struct Submission<'a> {
    pub kind: FormKind,
    pub input: &'a FormInput,
    /// Client address for the audit log.
    pub client: Option<String>,
    /// The one-time submission token of the summary page: a second
    /// "Absenden" with the same token creates nothing and returns the
    /// report of the first.
    pub token: Option<String>,
}

/// What "Absenden" did.
pub struct Submitted {
    pub report: Report,
    /// The token had been used: `report` is the one sent before.
    pub repeated: bool,
}

/// "Absenden": stores the report with its PDF and delivers the
/// Quittungsnachricht (with the PDF) into the mailbox chosen by the
/// organisation's Postfach-Konfiguration, all in one transaction. The
/// caller wakes the mailer afterwards (notification e-mails).
pub fn submit(
    store: &Store,
    mailer: &Mailer,
    public_url: &str,
    proof: &SubmitForms,
    submitter: &Account,
    sub: &Submission<'_>,
    now: Timestamp,
) -> Result<Submitted, Error> {
    store.write(|tx| {
        // The permission as it is now, inside the transaction: a grant or
        // function taken away since the page was loaded stops the report.
        let org = proof.org_id();
        let current = store::accounts::get(tx, &submitter.id)?.ok_or(Error::NotFound)?;
        let current_org = store::orgs::get(tx, org)?;
        SubmitForms::check(&current, current_org.as_ref()).ok_or(Error::NotFound)?;
        if let Some(token) = sub.token.as_deref()
            && let Some(id) = store::reports::by_token(tx, token)?
            && let Some(report) = store::reports::get(tx, id)?.filter(|r| r.org == org)
        {
            return Ok(Submitted {
                report,
                repeated: true,
            });
        }
        let report = submit_in(tx, mailer, public_url, submitter, sub, now)?;
        if let Some(token) = sub.token.as_deref() {
            store::reports::remember_token(tx, token, report.id)?;
        }
        Ok(Submitted {
            report,
            repeated: false,
        })
    })
}

/// [`submit`] inside the caller's transaction (also used by the demo).
pub fn submit_in(
    tx: &store::WriteTx,
    mailer: &Mailer,
    public_url: &str,
    submitter: &Account,
    sub: &Submission<'_>,
    now: Timestamp,
) -> Result<Report, Error> {
    let (kind, input) = (sub.kind, sub.input);
    let org_id = submitter.org().ok_or(Error::NotFound)?;
    let org = store::orgs::get(tx, org_id)?.ok_or(Error::NotFound)?;
    let person = person_of(tx, org_id, input)?;
    let values = checked(kind, &person, input)?;
    let id = store::reports::next_id(tx)?;
    // The receipt's Referenz is handed out first, so the PDF, its file
    // name, the receipt and the report all carry the same one.
    let referenz = super::messages::new_referenz(tx, now)?;
    let (to, receipt) = receipt_place(&org, submitter);
    let report = Report {
        id,
        org: org_id,
        kind,
        personalnummer: person.personalnummer.clone(),
        person_name: person.display_name(),
        values,
        submitted_by: submitter.id.to_string(),
        submitter_name: submitter.full_name(),
        submitted_at: now,
        status: ReportStatus::Eingegangen,
        referenz,
        pdf_blob: 0,
        receipt,
        history: Vec::new(),
    };
    let pdf = super::report_pdf::render(&report, &format!("{} ({})", org.name, org.number))?;
    let report = Report {
        pdf_blob: store::blobs::put(tx, &pdf)?,
        ..report
    };
    send_receipt(tx, mailer, public_url, &to, &report, &pdf, now)?;
    store::reports::put(tx, &report)?;
    store::audit::append(
        tx,
        &AuditEntry::new(
            now,
            submitter.id.as_str(),
            "report.submitted",
            format!(
                "{} für {} (Personalnummer {}) abgesandt, Referenz {}",
                kind.label(),
                report.person_name,
                report.personalnummer,
                report.referenz
            ),
        )
        .target(format!("Formularmeldung {id}"))
        .org(Some(org_id))
        .client(sub.client.clone()),
    )?;
    Ok(report)
}

/// Where the receipt goes, as the organisation's Postfach-Konfiguration
/// says: the submitter's personal mailbox or the group mailbox
/// Beamtenversorgung.
fn receipt_place(org: &Organisation, submitter: &Account) -> (MailboxRef, ReceiptPlace) {
    match org.receipt_target {
        ReceiptTarget::Personal => (
            MailboxRef::Personal(submitter.id.clone()),
            ReceiptPlace::Personal(submitter.id.to_string()),
        ),
        ReceiptTarget::Group => (
            MailboxRef::Group(org.id, GroupMailbox::Beamtenversorgung),
            ReceiptPlace::GroupBeamtenversorgung,
        ),
    }
}

/// The Quittungsnachricht with the report's PDF attached, into `to`.
fn send_receipt(
    tx: &store::WriteTx,
    mailer: &Mailer,
    public_url: &str,
    to: &MailboxRef,
    report: &Report,
    pdf: &[u8],
    now: Timestamp,
) -> Result<(), Error> {
    let subject = report.receipt_subject();
    let text = format!(
        "Ihre Meldung „{}“ für {} (Personalnummer {}) ist am {} bei der Versorgungskasse eingegangen.\n\nDie Meldung liegt dieser Nachricht als PDF bei.",
        report.kind.label(),
        report.person_name,
        report.personalnummer,
        crate::format::datetime(now),
    );
    let file = report.pdf_name();
    deliver_system_message(
        tx,
        mailer,
        public_url,
        to,
        &SystemMessage {
            subject: &subject,
            text: &text,
            bereich: Bereich::Beamtenversorgung,
            thema: "Quittung",
            attachment: Some((&file, "application/pdf", pdf)),
            referenz: Some(&report.referenz),
        },
        now,
    )?;
    Ok(())
}

/// A page of reports and the cursor of the next one.
pub struct ReportPage {
    pub reports: Vec<Report>,
    pub next: Option<u64>,
    pub total: u64,
}

/// The organisation's reports, newest first.
pub fn of_org(
    store: &Store,
    proof: &SubmitForms,
    before: Option<u64>,
) -> Result<ReportPage, Error> {
    let org = proof.org_id();
    store.read(|tx| {
        let page = store::reports::page_of_org(tx, org, None, before, crate::domain::PAGE_SIZE)?;
        Ok(ReportPage {
            reports: page.reports,
            next: page.next,
            total: store::reports::count_of_org(tx, org, None)?,
        })
    })
}

/// The Kassen' "Formularmeldungen", newest first, by status and Mitglied.
pub fn list(
    store: &Store,
    _proof: &ReadReports,
    status: Option<ReportStatus>,
    org: Option<OrgId>,
    before: Option<u64>,
) -> Result<ReportPage, Error> {
    let limit = crate::domain::PAGE_SIZE;
    store.read(|tx| {
        let (page, total) = match org {
            Some(o) => (
                store::reports::page_of_org(tx, o, status, before, limit)?,
                store::reports::count_of_org(tx, o, status)?,
            ),
            None => (
                store::reports::page(tx, status, before, limit)?,
                store::reports::count(tx, status)?,
            ),
        };
        Ok(ReportPage {
            reports: page.reports,
            next: page.next,
            total,
        })
    })
}

/// A report the viewer may see (404 for others).
pub fn get(store: &Store, viewer: &impl ReportViewer, id: u64) -> Result<Report, Error> {
    let org = viewer.only_org();
    store
        .read(|tx| store::reports::get(tx, id))?
        .filter(|r| org.is_none_or(|o| o == r.org))
        .ok_or(Error::NotFound)
}

/// The PDF of a report the viewer may see.
pub fn pdf(store: &Store, viewer: &impl ReportViewer, id: u64) -> Result<(Report, Vec<u8>), Error> {
    let org = viewer.only_org();
    store.read(|tx| {
        let report = store::reports::get(tx, id)?
            .filter(|r| org.is_none_or(|o| o == r.org))
            .ok_or(Error::NotFound)?;
        let bytes = store::blobs::read_all(tx, report.pdf_blob)?.ok_or(Error::NotFound)?;
        Ok((report, bytes))
    })
}

/// The Kassen set the status (audited).
pub fn set_status(
    store: &Store,
    _proof: &ReadReports,
    id: u64,
    status: ReportStatus,
    actor: &Actor,
    now: Timestamp,
) -> Result<Report, Error> {
    store.write(|tx| {
        let mut report = store::reports::get(tx, id)?.ok_or(Error::NotFound)?;
        if report.status == status {
            return Ok(report);
        }
        report.status = status;
        report.history.push((now, actor.id.clone(), status));
        store::reports::put(tx, &report)?;
        store::audit::append(
            tx,
            &AuditEntry::new(
                now,
                actor.id.as_str(),
                "report.status_changed",
                format!(
                    "Formularmeldung {} ({}, {}) auf „{}“ gesetzt",
                    report.referenz,
                    report.kind.label(),
                    report.person_name,
                    status.label()
                ),
            )
            .target(format!("Formularmeldung {id}"))
            .org(Some(report.org))
            .client(actor.client.clone()),
        )?;
        Ok(report)
    })
}
