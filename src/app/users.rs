//! User administration by an organisation's administrator (handbook §3–5):
//! Nutzer:innen (`S` accounts) of the administrator's own organisation only.
//! Every function checks the organisation boundary itself; an account of
//! another organisation, or of another kind, is `Error::NotFound`.

use jiff::Timestamp;

use super::accounts::audit;
use super::accounts::{self, NewAccount};
use super::links::LinkSettings;
use super::{Actor, Check, Error};
use crate::domain::account::{Account, Grants, Role, Status};
use crate::domain::ids::{IdPrefix, Nutzerkennung};
use crate::domain::org::{GroupMailbox, OrgId, Organisation, PortalFunction};
use crate::domain::permissions;
use crate::mail::Mailer;
use crate::store::{self, ReadAccess, Store};

/// What the forms "Nutzer:in anlegen" and "Bearbeiten" send, unchecked.
#[derive(Debug, Clone, Default)]
pub struct UserInput {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    /// Keys of the checked group mailboxes (`GroupMailbox::key`).
    pub mailboxes: Vec<String>,
    /// Keys of the checked portal functions (`PortalFunction::key`).
    pub functions: Vec<String>,
    /// "Ich bestätige, dass die Nutzungsbedingungen …" (creation only).
    pub terms_accepted: bool,
}

const TERMS_MISSING: &str =
    "Bitte bestätigen Sie, dass die Nutzungsbedingungen dem Beschäftigten bekannt sind.";

/// The grants named by the form keys; unknown keys are refused like
/// permissions the organisation has not enabled.
fn parse_grants(input: &UserInput, check: &mut Check) -> Grants {
    let mut grants = Grants::default();
    for key in &input.mailboxes {
        match GroupMailbox::from_key(key) {
            Some(m) if grants.mailboxes.contains(&m) => {}
            Some(m) => grants.mailboxes.push(m),
            None => check.fail(
                "postfaecher",
                "Das gewählte Gruppenpostfach ist für Ihre Organisation nicht freigegeben.",
            ),
        }
    }
    for key in &input.functions {
        match PortalFunction::from_key(key) {
            Some(f) if grants.functions.contains(&f) => {}
            Some(f) => grants.functions.push(f),
            None => check.fail(
                "funktionen",
                "Die gewählte Berechtigung ist für Ihre Organisation nicht freigegeben.",
            ),
        }
    }
    grants
}

/// Validated data of a Nutzer:in.
struct Checked {
    first_name: String,
    last_name: String,
    email: String,
    grants: Grants,
}

fn check_input(org: &Organisation, input: &UserInput, creating: bool) -> Result<Checked, Error> {
    let mut check = Check::default();
    let (first_name, last_name, email) =
        check.person(&input.first_name, &input.last_name, &input.email);
    let requested = parse_grants(input, &mut check);
    let grants = match permissions::validate(org, &requested) {
        Ok(g) => g,
        Err(errors) => {
            // Several messages per group are shown together next to it.
            for field in ["postfaecher", "funktionen"] {
                let text: Vec<&str> = errors
                    .iter()
                    .filter(|(f, _)| *f == field)
                    .map(|(_, m)| m.as_str())
                    .collect();
                if !text.is_empty() {
                    check.fail(field, text.join(" "));
                }
            }
            Grants::default()
        }
    };
    if creating && !input.terms_accepted {
        check.fail("nutzungsbedingungen", TERMS_MISSING);
    }
    check.finish()?;
    Ok(Checked {
        first_name,
        last_name,
        email,
        grants,
    })
}

/// The Nutzer:in `id` of organisation `org`, or `NotFound` for anything
/// else (unknown id, other organisation, administrators, Kassen staff).
pub fn load(tx: &impl ReadAccess, org: OrgId, id: &str) -> Result<Account, Error> {
    let id = Nutzerkennung::parse(id).ok_or(Error::NotFound)?;
    if id.prefix() != IdPrefix::S {
        return Err(Error::NotFound);
    }
    let account = store::accounts::get(tx, &id)?.ok_or(Error::NotFound)?;
    match &account.role {
        Role::OrgUser { org: o, .. } if *o == org => Ok(account),
        _ => Err(Error::NotFound),
    }
}

/// [`load`] in its own read transaction.
pub fn get(store: &Store, org: OrgId, id: &str) -> Result<Account, Error> {
    store.read(|tx| load(tx, org, id))
}

fn load_org(tx: &impl ReadAccess, org: OrgId) -> Result<Organisation, Error> {
    store::orgs::get(tx, org)?.ok_or(Error::NotFound)
}

/// "Nutzer:in anlegen": creates the account, queues its set-password
/// e-mail and audits it, in one transaction. The caller wakes the mailer.
pub fn create(
    store: &Store,
    mailer: &Mailer,
    links: &LinkSettings,
    org: OrgId,
    input: &UserInput,
    actor: &Actor,
    now: Timestamp,
) -> Result<Account, Error> {
    store.write(|tx| {
        // The organisation's restrictions as of this transaction.
        let organisation = load_org(tx, org)?;
        let c = check_input(&organisation, input, true)?;
        let detail = grants_text(&c.grants);
        let account = accounts::create(
            tx,
            mailer,
            links,
            NewAccount {
                first_name: c.first_name,
                last_name: c.last_name,
                email: c.email,
                birth_date: None,
                role: Role::OrgUser {
                    org,
                    grants: c.grants,
                },
            },
            actor,
            now,
        )?;
        audit(
            tx,
            actor,
            &account,
            "account.grants_set",
            format!("Berechtigungen vergeben: {detail}"),
            now,
        )?;
        Ok(account)
    })
}

/// "Bearbeiten" → "Speichern": name, e-mail address and grants. The
/// Nutzer:in is not notified.
pub fn update(
    store: &Store,
    org: OrgId,
    id: &str,
    input: &UserInput,
    actor: &Actor,
    now: Timestamp,
) -> Result<Account, Error> {
    store.write(|tx| {
        let organisation = load_org(tx, org)?;
        let mut account = load(tx, org, id)?;
        let c = check_input(&organisation, input, false)?;
        accounts::update_profile(
            tx,
            &mut account,
            c.first_name,
            c.last_name,
            c.email,
            actor,
            now,
        )?;
        let before = account.grants().cloned().unwrap_or_default();
        if before != c.grants {
            let detail = format!(
                "Berechtigungen geändert: {} → {}",
                grants_text(&before),
                grants_text(&c.grants)
            );
            account.role = Role::OrgUser {
                org,
                grants: c.grants,
            };
            store::accounts::put(tx, &account)?;
            audit(tx, actor, &account, "account.grants_changed", detail, now)?;
        }
        Ok(account)
    })
}

/// "Nutzer:in temporär sperren" / "Nutzer:in entsperren".
pub fn set_lock(
    store: &Store,
    org: OrgId,
    id: &str,
    locked: bool,
    actor: &Actor,
    now: Timestamp,
) -> Result<Account, Error> {
    store.write(|tx| {
        let mut account = load(tx, org, id)?;
        if account.admin_locked != locked {
            accounts::set_admin_lock(tx, &mut account, locked, actor, now)?;
        }
        Ok(account)
    })
}

/// "E-Mail für neues Passwort versenden" (only while not activated).
pub fn resend_set_password(
    store: &Store,
    mailer: &Mailer,
    links: &LinkSettings,
    org: OrgId,
    id: &str,
    actor: &Actor,
    now: Timestamp,
) -> Result<Account, Error> {
    store.write(|tx| {
        let account = load(tx, org, id)?;
        accounts::resend_set_password(tx, mailer, links, &account, actor, now)?;
        Ok(account)
    })
}

/// "Authenticator zurücksetzen": forgets the Nutzer:in's authenticator and
/// ends their sessions; they set up a new one at the next login.
pub fn reset_authenticator(
    store: &Store,
    org: OrgId,
    id: &str,
    actor: &Actor,
    now: Timestamp,
) -> Result<Account, Error> {
    store.write(|tx| {
        let mut account = load(tx, org, id)?;
        accounts::reset_authenticator(tx, &mut account, actor, now)?;
        Ok(account)
    })
}

/// "Endgültig deaktivieren".
pub fn deactivate(
    store: &Store,
    org: OrgId,
    id: &str,
    actor: &Actor,
    now: Timestamp,
) -> Result<Account, Error> {
    store.write(|tx| {
        let account = load(tx, org, id)?;
        accounts::deactivate(tx, &account, actor, now)?;
        Ok(account)
    })
}

/// The filter of "Übersicht: Nutzer:innen" (all parts optional).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserFilter {
    pub last_name: String,
    pub first_name: String,
    pub id: String,
    pub mailbox: Option<GroupMailbox>,
    pub status: Option<Status>,
}

impl UserFilter {
    pub fn is_empty(&self) -> bool {
        *self == UserFilter::default()
    }
}

impl UserFilter {
    /// Whether an index entry passes every part of the filter but the Name
    /// (which the scan's range already applies).
    fn matches_entry(&self, e: &store::accounts::Entry, now: Timestamp) -> bool {
        let contains = |hay: &str, needle: &str| {
            let needle = needle.trim();
            needle.is_empty() || hay.contains(&needle.to_lowercase())
        };
        if !contains(&e.first_name, &self.first_name) || !contains(&e.id.to_lowercase(), &self.id) {
            return false;
        }
        if let Some(m) = self.mailbox
            && !e.mailboxes.contains(&m)
        {
            return false;
        }
        if let Some(s) = self.status {
            let self_locked = e.locked_until.is_some_and(|t| t > now);
            if e.status != s && !(s == Status::Gesperrt && self_locked) {
                return false;
            }
        }
        true
    }

    /// The lower-case Name prefix the scan is limited to.
    fn name_prefix(&self) -> String {
        self.last_name.trim().to_lowercase()
    }

    /// Whether only the Name prefix (or nothing) is set.
    fn only_name(&self) -> bool {
        self.first_name.trim().is_empty()
            && self.id.trim().is_empty()
            && self.mailbox.is_none()
            && self.status.is_none()
    }
}

/// Which page of the overview to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageAt {
    /// Page `n` (1-based; clamped to the last page).
    Number(usize),
    /// Page `n`, the one right after the page that ended with this
    /// Nutzerkennung (keyset paging: no entries are skipped).
    After(usize, String),
    /// Page `n`, the one right before the page that began with this
    /// Nutzerkennung.
    Before(usize, String),
}

/// One page of "Übersicht: Nutzer:innen".
#[derive(Debug, Clone)]
pub struct UserPage {
    pub users: Vec<Account>,
    /// Matching Nutzer:innen in all.
    pub total: usize,
    /// The page shown (1-based).
    pub page: usize,
}

/// One page of the Nutzer:innen of `org` that pass `filter`, sorted by Name,
/// Vorname. Reads the organisation's index, never every account: without
/// a filter the total is a stored counter and the page is found by keyset
/// or by skipping index keys; a Name filter is a range of the index. The
/// other filters are checked on the index entries, which means a scan of
/// the (Name-prefix) range to count the matches — index keys only, no
/// account is decoded except the ones shown.
pub fn list(
    store: &Store,
    org: OrgId,
    filter: &UserFilter,
    at: &PageAt,
    now: Timestamp,
) -> Result<UserPage, Error> {
    use std::ops::ControlFlow::{Break, Continue};
    use store::accounts::{Entry, From, Kind, scan, scan_back};
    const PER_PAGE: usize = crate::domain::PAGE_SIZE;
    let prefix = filter.name_prefix();
    store.read(|tx| {
        let total = if prefix.is_empty() && filter.only_name() {
            store::accounts::count_in_org(tx, org, Kind::User)? as usize
        } else {
            let mut n = 0;
            scan(
                tx,
                org,
                Kind::User,
                &prefix,
                &From::NamePrefix(prefix.clone()),
                |e| {
                    if filter.matches_entry(&e, now) {
                        n += 1;
                    }
                    Continue(())
                },
            )?;
            n
        };
        let last_page = total.div_ceil(PER_PAGE).max(1);
        let mut shown: Vec<Entry> = Vec::new();
        let page = match at {
            PageAt::After(n, id) if *n <= last_page => {
                let Some(after) = store::accounts::get(
                    tx,
                    &crate::domain::ids::Nutzerkennung::parse(id).ok_or(Error::NotFound)?,
                )?
                else {
                    return list_by_number(tx, org, filter, &prefix, *n, now);
                };
                let from = From::After(store::accounts::sort_key(&after));
                scan(tx, org, Kind::User, &prefix, &from, |e| {
                    if filter.matches_entry(&e, now) {
                        shown.push(e);
                    }
                    if shown.len() == PER_PAGE {
                        Break(())
                    } else {
                        Continue(())
                    }
                })?;
                *n
            }
            PageAt::Before(n, id) if *n >= 1 => {
                let Some(before) = store::accounts::get(
                    tx,
                    &crate::domain::ids::Nutzerkennung::parse(id).ok_or(Error::NotFound)?,
                )?
                else {
                    return list_by_number(tx, org, filter, &prefix, *n, now);
                };
                let key = store::accounts::sort_key(&before);
                scan_back(tx, org, Kind::User, &prefix, Some(&key), |e| {
                    if filter.matches_entry(&e, now) {
                        shown.push(e);
                    }
                    if shown.len() == PER_PAGE {
                        Break(())
                    } else {
                        Continue(())
                    }
                })?;
                shown.reverse();
                *n
            }
            PageAt::Number(n) if (*n).clamp(1, last_page) == last_page && last_page > 1 => {
                // The last page, from the end of the range.
                let on_last = total - (last_page - 1) * PER_PAGE;
                scan_back(tx, org, Kind::User, &prefix, None, |e| {
                    if filter.matches_entry(&e, now) {
                        shown.push(e);
                    }
                    if shown.len() == on_last {
                        Break(())
                    } else {
                        Continue(())
                    }
                })?;
                shown.reverse();
                last_page
            }
            PageAt::Number(n) | PageAt::After(n, _) | PageAt::Before(n, _) => {
                return list_by_number(tx, org, filter, &prefix, (*n).clamp(1, last_page), now)
                    .map(|p| UserPage { total, ..p });
            }
        };
        Ok(UserPage {
            users: store::accounts::load(tx, &shown)?,
            total,
            page,
        })
    })
}

/// Page `n` by skipping index entries from the start of the range (a page
/// reached without a cursor, e.g. a bookmark). `total` is left to the caller.
fn list_by_number(
    tx: &impl ReadAccess,
    org: OrgId,
    filter: &UserFilter,
    prefix: &str,
    n: usize,
    now: Timestamp,
) -> Result<UserPage, Error> {
    use std::ops::ControlFlow::{Break, Continue};
    use store::accounts::{From, Kind, scan};
    const PER_PAGE: usize = crate::domain::PAGE_SIZE;
    let n = n.max(1);
    let mut skip = (n - 1) * PER_PAGE;
    let mut shown = Vec::new();
    scan(
        tx,
        org,
        Kind::User,
        prefix,
        &From::NamePrefix(prefix.to_owned()),
        |e| {
            if !filter.matches_entry(&e, now) {
                return Continue(());
            }
            if skip > 0 {
                skip -= 1;
                return Continue(());
            }
            shown.push(e);
            if shown.len() == PER_PAGE {
                Break(())
            } else {
                Continue(())
            }
        },
    )?;
    Ok(UserPage {
        users: store::accounts::load(tx, &shown)?,
        total: 0,
        page: n,
    })
}

/// A group mailbox of the organisation with its notification addresses and
/// the people who may read it (handbook §6).
pub struct MailboxRow {
    pub mailbox: GroupMailbox,
    pub emails: Vec<String>,
    /// The first members by Name (all of them, or as many as asked for).
    pub members: Vec<Account>,
    /// Every member (matching the filter), shown or not.
    pub member_count: usize,
}

/// The "Filter" of "Übersicht: Gruppenpostfächer" (both parts optional).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailboxFilter {
    pub mailbox: Option<GroupMailbox>,
    /// Part of a member's Name, Vorname or Nutzerkennung.
    pub member: String,
}

impl MailboxFilter {
    pub fn is_empty(&self) -> bool {
        self.mailbox.is_none() && self.member.trim().is_empty()
    }

    fn matches_member(&self, e: &store::accounts::Entry) -> bool {
        let needle = self.member.trim().to_lowercase();
        needle.is_empty()
            || [
                e.last_name.clone(),
                e.first_name.clone(),
                e.id.to_lowercase(),
                format!("{}, {}", e.last_name, e.first_name),
                format!("{} {}", e.first_name, e.last_name),
            ]
            .iter()
            .any(|h| h.contains(&needle))
    }
}

/// The organisation's enabled group mailboxes (those passing `filter`)
/// with addresses and members: at most `shown` members per mailbox are
/// loaded, all are counted. Administrators belong to "Administration" by
/// default (handbook §8.1); for users what counts is what the current
/// restrictions still allow. Works on the organisation's account index:
/// only the shown members are decoded. With a member text, only mailboxes
/// with a matching member are listed.
pub fn mailbox_overview(
    store: &Store,
    org: &Organisation,
    filter: &MailboxFilter,
    shown: usize,
) -> Result<Vec<MailboxRow>, Error> {
    use std::collections::BTreeMap;
    use std::ops::ControlFlow::Continue;
    use store::accounts::{Entry, From, Kind, scan};
    let wanted: Vec<GroupMailbox> = GroupMailbox::ALL
        .into_iter()
        .filter(|m| org.enabled_mailboxes.contains(m) && filter.mailbox.is_none_or(|f| f == *m))
        .collect();
    store.read(|tx| {
        let mut picked: BTreeMap<GroupMailbox, (Vec<(String, Entry)>, usize)> = BTreeMap::new();
        for kind in [Kind::Admin, Kind::User] {
            scan(
                tx,
                org.id,
                kind,
                "",
                &From::NamePrefix(String::new()),
                |e| {
                    if !filter.matches_member(&e) {
                        return Continue(());
                    }
                    let mailboxes = match kind {
                        Kind::Admin => vec![GroupMailbox::Administration],
                        _ => {
                            let grants = Grants {
                                mailboxes: e.mailboxes.clone(),
                                functions: e.functions.clone(),
                            };
                            permissions::effective(org, &grants).mailboxes
                        }
                    };
                    for m in mailboxes.into_iter().filter(|m| wanted.contains(m)) {
                        let (list, count) = picked.entry(m).or_default();
                        *count += 1;
                        if list.len() < shown {
                            let key =
                                format!("{}\u{1f}{}\u{1f}{}", e.last_name, e.first_name, e.id);
                            list.push((key, e.clone()));
                        }
                    }
                    Continue(())
                },
            )?;
        }
        let mut rows = Vec::new();
        for m in wanted {
            let (mut list, count) = picked.remove(&m).unwrap_or_default();
            if count == 0 && !filter.member.trim().is_empty() {
                continue;
            }
            // Administrators and users come from two ranges: merge by Name.
            list.sort_by(|a, b| a.0.cmp(&b.0));
            list.truncate(shown);
            let entries: Vec<Entry> = list.into_iter().map(|(_, e)| e).collect();
            rows.push(MailboxRow {
                mailbox: m,
                emails: org.group_emails.get(&m).cloned().unwrap_or_default(),
                members: store::accounts::load(tx, &entries)?,
                member_count: count,
            });
        }
        Ok(rows)
    })
}

/// "Beihilfe, Beamtenversorgung; Postfachfunktionalität, …" for the audit log.
fn grants_text(g: &Grants) -> String {
    let mailboxes: Vec<&str> = g.mailboxes.iter().map(|m| m.label()).collect();
    let functions: Vec<&str> = g.functions.iter().map(|f| f.label()).collect();
    let or_none = |v: Vec<&str>| {
        if v.is_empty() {
            "keine".to_owned()
        } else {
            v.join(", ")
        }
    };
    format!(
        "Gruppenpostfächer: {}; Portal-Funktionalitäten: {}",
        or_none(mailboxes),
        or_none(functions)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::org::{Bereich, ReceiptTarget};

    fn org() -> Organisation {
        Organisation {
            id: 7,
            name: "Blaugraben".into(),
            number: "78970".into(),
            billing_number: "102898".into(),
            address: String::new(),
            bereiche: Bereich::ALL.to_vec(),
            enabled_mailboxes: vec![GroupMailbox::Beihilfe],
            enabled_functions: vec![PortalFunction::Postfach],
            receipt_target: ReceiptTarget::Personal,
            group_emails: Default::default(),
            second_factor: Default::default(),
        }
    }

    fn input() -> UserInput {
        UserInput {
            first_name: " Max ".into(),
            last_name: "Mustermensch".into(),
            email: "max@musterstadt.de".into(),
            mailboxes: vec!["beihilfe".into()],
            functions: vec!["postfach".into()],
            terms_accepted: true,
        }
    }

    #[test]
    fn valid_input_is_trimmed_and_granted() {
        let c = check_input(&org(), &input(), true).expect("valid");
        assert_eq!(c.first_name, "Max");
        assert_eq!(c.grants.mailboxes, vec![GroupMailbox::Beihilfe]);
    }

    #[test]
    fn forged_and_missing_values_are_refused() {
        let mut i = input();
        i.first_name.clear();
        i.email = "kein-at".into();
        i.terms_accepted = false;
        i.mailboxes.push("finanzierung".into());
        i.functions.push("gibt-es-nicht".into());
        let Err(Error::Invalid(errors)) = check_input(&org(), &i, true) else {
            panic!("expected field errors");
        };
        let fields: Vec<&str> = errors.iter().map(|(f, _)| *f).collect();
        for f in [
            "vorname",
            "email",
            "postfaecher",
            "funktionen",
            "nutzungsbedingungen",
        ] {
            assert!(fields.contains(&f), "{f} missing in {fields:?}");
        }
        // The terms are confirmed only when creating.
        let mut edit = input();
        edit.terms_accepted = false;
        assert!(check_input(&org(), &edit, false).is_ok());
    }
}
