//! Settings an organisation's administrator keeps: the notification
//! addresses of the group mailboxes (handbook §6) and where receipt messages
//! go (handbook §7).

use crate::domain::permissions::{AdministerOrg, ConfigureMailboxes};
use jiff::Timestamp;

use super::orgs::audit;
use super::{Actor, Error};
use crate::domain::email;
use crate::domain::org::{GroupMailbox, OrgId, Organisation, ReceiptTarget};
use crate::store::{self, Store, WriteTx};

/// At most this many notification addresses per group mailbox.
pub const MAX_GROUP_EMAILS: usize = 20;

pub const INVALID_EMAIL: &str =
    "Bitte geben Sie eine gültige E-Mail-Adresse ein (z. B. name@beispiel.de).";

/// Checks the entered addresses: empty fields are dropped, every other one
/// must be valid, duplicates are removed. On error: one message (or none)
/// per entered field, in the order given.
pub fn clean_group_emails(raw: &[String]) -> Result<Vec<String>, Vec<Option<String>>> {
    let mut errors = vec![None; raw.len()];
    let mut out: Vec<String> = Vec::new();
    let mut failed = false;
    for (i, value) in raw.iter().enumerate() {
        if value.trim().is_empty() {
            continue;
        }
        match email::parse_address(value) {
            Some(a) => {
                if !out.iter().any(|o| o.eq_ignore_ascii_case(&a)) {
                    out.push(a);
                }
            }
            None => {
                errors[i] = Some(INVALID_EMAIL.to_owned());
                failed = true;
            }
        }
    }
    if !failed && out.len() > MAX_GROUP_EMAILS {
        if let Some(last) = errors.last_mut() {
            *last = Some(format!(
                "Es können höchstens {MAX_GROUP_EMAILS} E-Mail-Adressen hinterlegt werden."
            ));
        }
        failed = true;
    }
    if failed { Err(errors) } else { Ok(out) }
}

fn load_org(tx: &WriteTx, org: OrgId) -> Result<Organisation, Error> {
    store::orgs::get(tx, org)?.ok_or(Error::NotFound)
}

/// Stores the notification addresses of an enabled group mailbox.
pub fn set_group_emails(
    store: &Store,
    proof: &AdministerOrg,
    mailbox: GroupMailbox,
    raw: &[String],
    actor: &Actor,
    now: Timestamp,
) -> Result<Vec<String>, Error> {
    let org = proof.org_id();
    let emails = clean_group_emails(raw).map_err(|errors| {
        let text: Vec<String> = errors.into_iter().flatten().collect();
        Error::Invalid(vec![("emails", text.join(" "))])
    })?;
    store.write(|tx| {
        let mut organisation = load_org(tx, org)?;
        if !organisation.enabled_mailboxes.contains(&mailbox) {
            return Err(Error::NotFound);
        }
        let before = organisation
            .group_emails
            .get(&mailbox)
            .cloned()
            .unwrap_or_default();
        if before == emails {
            return Ok(emails);
        }
        if emails.is_empty() {
            organisation.group_emails.remove(&mailbox);
        } else {
            organisation.group_emails.insert(mailbox, emails.clone());
        }
        store::orgs::put(tx, &organisation)?;
        let list = |v: &[String]| {
            if v.is_empty() {
                "keine".to_owned()
            } else {
                v.join(", ")
            }
        };
        audit(
            tx,
            actor,
            &organisation,
            "org.group_emails",
            format!(
                "E-Mail-Adressen des Gruppenpostfachs {}: {} → {}",
                mailbox.label(),
                list(&before),
                list(&emails)
            ),
            now,
        )?;
        Ok(emails)
    })
}

pub fn receipt_label(t: ReceiptTarget) -> &'static str {
    match t {
        ReceiptTarget::Personal => "persönliches Postfach",
        ReceiptTarget::Group => "Gruppenpostfächer",
    }
}

/// "Postfach-Konfiguration": where new receipt messages go. Existing
/// receipts stay where they are. Only for organisations with the
/// Beamtenformulare function; "Gruppenpostfächer" only when the
/// Beamtenversorgung group mailbox is enabled.
pub fn set_receipt_target(
    store: &Store,
    proof: &ConfigureMailboxes,
    target: ReceiptTarget,
    actor: &Actor,
    now: Timestamp,
) -> Result<(), Error> {
    let org = proof.org_id();
    store.write(|tx| {
        let mut organisation = load_org(tx, org)?;
        // Checked again here: the Kassen may have changed the
        // organisation's functions or mailboxes since the page was shown.
        if !crate::domain::permissions::has_mailbox_config(&organisation.enabled_functions) {
            return Err(Error::NotFound);
        }
        if target == ReceiptTarget::Group
            && let Some(why) = crate::domain::permissions::group_receipts_refusal(&organisation)
        {
            return Err(Error::Invalid(vec![("quittungen", why.to_owned())]));
        }
        if organisation.receipt_target == target {
            return Ok(());
        }
        let before = organisation.receipt_target;
        organisation.receipt_target = target;
        store::orgs::put(tx, &organisation)?;
        audit(
            tx,
            actor,
            &organisation,
            "org.receipt_target",
            format!(
                "Postfach-Konfiguration: Quittungsnachrichten {} → {}",
                receipt_label(before),
                receipt_label(target)
            ),
            now,
        )?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_fields_are_dropped_and_duplicates_removed() {
        let raw = vec![
            "a@example.org".to_owned(),
            " ".to_owned(),
            "A@example.org".to_owned(),
            "b@example.org".to_owned(),
        ];
        assert_eq!(
            clean_group_emails(&raw),
            Ok(vec!["a@example.org".to_owned(), "b@example.org".to_owned()])
        );
    }

    #[test]
    fn invalid_addresses_are_named_per_field() {
        let raw = vec!["a@example.org".to_owned(), "kaputt".to_owned()];
        let errors = clean_group_emails(&raw).expect_err("invalid");
        assert_eq!(errors[0], None);
        assert!(errors[1].is_some());
    }
}
