//! The invariant after every step: every viewer reads every object over
//! HTTP, and reaches it iff the model says it is entitled at that moment.
//! An allowed answer shows the object; a denied one shows none of it.

use meine_versorgung::domain::org::GroupMailbox;

use super::Action;
use super::model::{all_slugs, ix};
use super::world::{PERSONS, World};

/// Compares one read with the model; returns 1 (one read).
#[track_caller]
fn judge(
    may: bool,
    status: u16,
    body: &str,
    marker: Option<&str>,
    what: &str,
    after: &[Action],
) -> usize {
    assert_eq!(
        status == 200,
        may,
        "{what}: answered {status}, the model says {may}, after {after:?}"
    );
    if let Some(m) = marker {
        assert_eq!(
            body.contains(m),
            may,
            "{what}: shows {m:?} = {}, the model says {may}, after {after:?}",
            !may
        );
    }
    1
}

impl World {
    /// Every viewer reads every object (the six viewers at once); returns
    /// the number of reads.
    pub async fn check(&self, after: &[Action]) -> usize {
        assert_eq!(self.viewers.len(), 6);
        let (a, b, c, d, e, f) = tokio::join!(
            self.check_viewer(0, after),
            self.check_viewer(1, after),
            self.check_viewer(2, after),
            self.check_viewer(3, after),
            self.check_viewer(4, after),
            self.check_viewer(5, after),
        );
        a + b + c + d + e + f
    }

    /// Viewer `v` reads every object.
    async fn check_viewer(&self, v: usize, after: &[Action]) -> usize {
        let mut reads = 0;
        let model = &self.model;
        {
            let r = self.viewers[v].role;
            let alive = model.alive(r);
            let a = self.get(v, "/einstellungen").await;
            assert_eq!(
                a.status == 200,
                alive,
                "{r:?} signed in = {alive}, /einstellungen {}, after {after:?}",
                a.status
            );
            for (u, user) in model.users.iter().enumerate() {
                let a = self.get(v, &format!("/nutzer/{}", user.id)).await;
                let what = format!("{r:?} reading user {} ({:?})", user.id, user.org);
                reads += judge(model.user_page(r, u), a.status, &a.body, None, &what, after);
                if a.status != 200 {
                    assert!(
                        !a.body.contains(&user.id),
                        "a denied answer names {}",
                        user.id
                    );
                }
            }
            for g in GroupMailbox::ALL {
                let a = self
                    .get(v, &format!("/gruppenpostfaecher/{}", g.key()))
                    .await;
                let what = format!("{r:?} reading mailbox settings {}", g.key());
                reads += judge(model.group_settings(r, g), a.status, "", None, &what, after);
            }
            for slug in all_slugs() {
                let a = self.get(v, &format!("/postfach/{slug}")).await;
                let what = format!("{r:?} opening mailbox {slug}");
                reads += judge(model.mailbox(r, &slug), a.status, "", None, &what, after);
            }
            for m in &model.messages {
                for p in &m.places {
                    let path = format!("/postfach/{}/nachricht/{}", p.slug(), m.id);
                    let may = model.message(r, *p);
                    let a = self.get(v, &path).await;
                    let what = format!("{r:?} reading message {} at {p:?}", m.id);
                    reads += judge(may, a.status, &a.body, Some(&m.marker), &what, after);
                    let a = self.get(v, &format!("{path}/anhang/1")).await;
                    let what = format!("{r:?} downloading the attachment of {} at {p:?}", m.id);
                    let marker = m.attachment.as_deref();
                    reads += judge(may, a.status, &a.body, marker, &what, after);
                }
            }
            for (o, org) in [super::Org::A, super::Org::B].into_iter().enumerate() {
                let (pnr, name) = PERSONS[o];
                let a = self.get(v, &format!("/anspruchsberechtigte/{pnr}")).await;
                let what = format!("{r:?} reading the person of {org:?}");
                reads += judge(
                    model.person(r, org),
                    a.status,
                    &a.body,
                    Some(name),
                    &what,
                    after,
                );
            }
            for rep in &model.reports {
                let name = PERSONS[ix(rep.org)].1;
                let a = self
                    .get(v, &format!("/formulare/meldungen/{}", rep.id))
                    .await;
                let what = format!("{r:?} reading report {} of {:?}", rep.id, rep.org);
                reads += judge(
                    model.own_report(r, *rep),
                    a.status,
                    &a.body,
                    Some(name),
                    &what,
                    after,
                );
                let a = self
                    .get(v, &format!("/kassen/formularmeldungen/{}", rep.id))
                    .await;
                let what = format!("{r:?} reading Formularmeldung {}", rep.id);
                reads += judge(
                    model.kassen_reports(r),
                    a.status,
                    &a.body,
                    Some(name),
                    &what,
                    after,
                );
            }
        }
        reads
    }
}
