//! Sending the queue: oldest step first. A step sent (or found already done) leaves the queue,
//! and the record steps queued after it take the version it produced; a step the server
//! refuses is kept as a conflict for the rep, and the later steps of that visit wait behind it
//! (a photo of a visit whose check-in was refused goes nowhere the rep has not seen). No network,
//! a busy server or an expired session stops the run; the next trigger starts it again.

use std::collections::HashSet;

use leptos::lazy;
use uuid::Uuid;

use super::queue::{self, Conflict, Step};

/// Sends what the user's queue holds; answers how many steps went.
#[lazy]
pub async fn run(user: Uuid) -> u32 {
    let mut waiting = queue::load(user).await;
    let mut blocked = HashSet::new();
    let mut sent = 0;
    let mut i = 0;
    while i < waiting.len() {
        let q = waiting[i].clone();
        let e = &q.entry;
        if blocked.contains(&e.visit) || e.conflict.is_some() {
            blocked.insert(e.visit);
            i += 1;
            continue;
        }
        let answer = match queue::send(e, q.photo.as_ref()).await {
            Ok(r) => Some(r),
            Err(err) if queue::retry_later(&err) => return sent,
            Err(err) => match queue::already_done(e, &err).await {
                Some(now) => Some(Some(now)),
                None => {
                    let mut stuck = e.clone();
                    stuck.conflict = Some(Conflict {
                        status: err.status,
                        problem: err.problem,
                    });
                    queue::save(&stuck).await;
                    blocked.insert(e.visit);
                    None
                }
            },
        };
        if let Some(reply) = answer {
            // The next step of this visit that changes its version was queued over what this
            // one leaves: a record waiting for that version gets it (each sent step hands its
            // version on to the next, so a chain create → check-in → record needs no guess).
            let etag = reply
                .and_then(|r| r.etag)
                .filter(|_| step_versions(&e.step));
            if let Some(etag) = etag {
                let next = waiting
                    .iter_mut()
                    .skip(i + 1)
                    .map(|q| &mut q.entry)
                    .find(|l| l.visit == e.visit && step_versions(&l.step));
                if let Some(l) = next {
                    if let Step::Record {
                        base: base @ None, ..
                    } = &mut l.step
                    {
                        *base = Some(etag);
                        queue::save(l).await;
                    }
                }
            }
            queue::remove(e.id).await;
            sent += 1;
        }
        i += 1;
    }
    sent
}

fn step_versions(s: &Step) -> bool {
    !matches!(s, Step::Photo { .. })
}
