//! The overviews of an organisation's accounts: "Übersicht: Nutzer:innen"
//! (filtered, paged by keyset) and "Übersicht: Gruppenpostfächer", both
//! answered from the account index without decoding every account.

use crate::domain::permissions::AdministerOrg;
use jiff::Timestamp;

use super::Error;
use crate::domain::account::{Account, Grants, Status};
use crate::domain::org::{GroupMailbox, OrgId};
use crate::domain::permissions;
use crate::store::{self, ReadAccess, Store};

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
            if e.status != s && !(s == Status::Gesperrt && (self_locked || e.status.is_locked())) {
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
    proof: &AdministerOrg,
    filter: &UserFilter,
    at: &PageAt,
    now: Timestamp,
) -> Result<UserPage, Error> {
    let org = proof.org_id();
    use store::accounts::{Entry, From, Kind, scan, scan_back};
    const PER_PAGE: usize = crate::domain::PAGE_SIZE;
    let prefix = filter.name_prefix();
    store.read(|tx| {
        let total = count(tx, org, filter, &prefix, now)?;
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
                scan(
                    tx,
                    org,
                    Kind::User,
                    &prefix,
                    &from,
                    take(filter, now, PER_PAGE, &mut shown),
                )?;
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
                let collect = take(filter, now, PER_PAGE, &mut shown);
                scan_back(tx, org, Kind::User, &prefix, Some(&key), collect)?;
                shown.reverse();
                *n
            }
            PageAt::Number(n) if (*n).clamp(1, last_page) == last_page && last_page > 1 => {
                // The last page, from the end of the range.
                let on_last = total - (last_page - 1) * PER_PAGE;
                scan_back(
                    tx,
                    org,
                    Kind::User,
                    &prefix,
                    None,
                    take(filter, now, on_last, &mut shown),
                )?;
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

/// How many Nutzer:innen of `org` pass `filter`: the stored counter
/// without a filter, else a scan of the index keys of the Name range.
fn count(
    tx: &impl ReadAccess,
    org: OrgId,
    filter: &UserFilter,
    prefix: &str,
    now: Timestamp,
) -> Result<usize, Error> {
    use store::accounts::{From, Kind, scan};
    if prefix.is_empty() && filter.only_name() {
        return Ok(store::accounts::count_in_org(tx, org, Kind::User)? as usize);
    }
    let mut n = 0;
    scan(
        tx,
        org,
        Kind::User,
        prefix,
        &From::NamePrefix(prefix.to_owned()),
        |e| {
            if filter.matches_entry(&e, now) {
                n += 1;
            }
            std::ops::ControlFlow::Continue(())
        },
    )?;
    Ok(n)
}

/// An index visitor that keeps the entries passing `filter` in `shown` and
/// stops once it holds `limit`.
fn take<'a>(
    filter: &'a UserFilter,
    now: Timestamp,
    limit: usize,
    shown: &'a mut Vec<store::accounts::Entry>,
) -> impl FnMut(store::accounts::Entry) -> std::ops::ControlFlow<()> + 'a {
    move |e| {
        if filter.matches_entry(&e, now) {
            shown.push(e);
        }
        if shown.len() == limit {
            std::ops::ControlFlow::Break(())
        } else {
            std::ops::ControlFlow::Continue(())
        }
    }
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
    proof: &AdministerOrg,
    filter: &MailboxFilter,
    shown: usize,
) -> Result<Vec<MailboxRow>, Error> {
    let org = proof.org();
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
