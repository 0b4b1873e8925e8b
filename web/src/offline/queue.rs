//! The steps of a visit that wait for a network, the copies of visits kept for reading offline,
//! and `submit`, the one way the visit screens write: sent at once when it can be, queued when
//! the network is gone (or steps of the same visit already wait, so the order holds).
//!
//! Each step has its own UUIDv7: the queue's order and the request's `Idempotency-Key`, so a
//! send cut off halfway, or an app closed mid-sync, never counts twice. A check-in or check-out
//! queued without a network carries the phone's time (`device_at`); the server keeps its own
//! receipt time beside it.

use kaidan_shared::geo::LatLng;
use kaidan_shared::patch::Patch;
use kaidan_shared::visit::{
    assess_check_in, CheckIn, CheckInRecord, CheckOut, Visit, VisitCreate, VisitStatus,
    VisitUpdate, DEFAULT_RADIUS_M,
};
use kaidan_shared::Problem;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::api::{self, ApiError, ApiResult, Reply};

/// One thing the rep did to a visit.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Step {
    /// A visit logged on the spot, its id made on the phone.
    Create {
        body: VisitCreate,
    },
    CheckIn {
        body: CheckIn,
    },
    /// The record; `base` is the version it was written over (`None`: whatever the steps queued
    /// before it leave — set when the step before it is sent).
    Record {
        body: VisitUpdate,
        base: Option<String>,
    },
    /// A photo, its resized JPEG kept beside the entry.
    Photo {
        name: String,
    },
    CheckOut {
        body: CheckOut,
    },
}

impl Step {
    /// Whether sending it changes the visit's version (a photo does not).
    fn versions(&self) -> bool {
        !matches!(self, Step::Photo { .. })
    }
}

/// What the server answered when it refused a step: shown to the rep, who retries or drops it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Conflict {
    pub status: u16,
    pub problem: Option<Problem>,
}

impl Conflict {
    pub fn error(&self) -> ApiError {
        ApiError {
            status: self.status,
            problem: self.problem.clone(),
            retry_after: None,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Entry {
    /// UUIDv7: the order, and the `Idempotency-Key`.
    pub id: Uuid,
    pub visit: Uuid,
    /// The customer's name, to list the entry.
    pub customer: String,
    /// When the rep did it, on the phone's clock (ms since 1970).
    pub at_ms: u64,
    pub step: Step,
    #[serde(default)]
    pub conflict: Option<Conflict>,
}

/// An entry and its photo.
#[derive(Clone)]
pub struct Queued {
    pub entry: Entry,
    pub photo: Option<web_sys::Blob>,
}

/// A UUIDv7 from the phone's clock (`Uuid::now_v7` needs a clock the browser build has not).
pub fn new_id() -> Uuid {
    let ms = js_sys::Date::now() as u64;
    let random = Uuid::new_v4();
    let mut bytes = [0u8; 10];
    bytes.copy_from_slice(&random.as_bytes()[6..16]);
    uuid::Builder::from_unix_timestamp_millis(ms, &bytes).into_uuid()
}

fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

fn device_time(ms: u64) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::from_timestamp_millis(i64::try_from(ms).ok()?)
}

/// The user's entries, oldest first (none when the store cannot be opened).
pub async fn load(user: Uuid) -> Vec<Queued> {
    let Ok(v) = JsFuture::from(super::queue_of(&user.to_string())).await else {
        return Vec::new();
    };
    let mut out: Vec<Queued> = js_sys::Array::from(&v)
        .iter()
        .filter_map(|o| {
            let json = js_sys::Reflect::get(&o, &JsValue::from_str("json"))
                .ok()?
                .as_string()?;
            let entry: Entry = serde_json::from_str(&json).ok()?;
            let photo = js_sys::Reflect::get(&o, &JsValue::from_str("photo"))
                .ok()
                .and_then(|p| p.dyn_into::<web_sys::Blob>().ok());
            Some(Queued { entry, photo })
        })
        .collect();
    out.sort_by_key(|q| q.entry.id);
    out
}

/// The entries of one visit (for showing it as the rep left it).
pub async fn of_visit(visit: Uuid) -> Vec<Queued> {
    let Some(user) = api::user_id() else {
        return Vec::new();
    };
    load(user)
        .await
        .into_iter()
        .filter(|q| q.entry.visit == visit)
        .collect()
}

async fn put(user: Uuid, e: &Entry, photo: Option<web_sys::Blob>) -> bool {
    let Ok(json) = serde_json::to_string(e) else {
        return false;
    };
    JsFuture::from(super::queue_put(
        &e.id.to_string(),
        &user.to_string(),
        &json,
        photo,
    ))
    .await
    .is_ok()
}

/// Saves a changed entry (its base, its conflict), keeping its photo.
pub async fn save(e: &Entry) {
    if let Ok(json) = serde_json::to_string(e) {
        let _ = JsFuture::from(super::queue_set_json(
            &e.id.to_string(),
            &json,
            e.conflict.is_some(),
        ))
        .await;
    }
}

pub async fn remove(id: Uuid) {
    let _ = JsFuture::from(super::queue_delete(&id.to_string())).await;
}

/// Keeps a copy for reading offline (a visit, a day's list).
pub async fn remember<T: Serialize>(key: &str, value: &T) {
    if let Ok(json) = serde_json::to_string(value) {
        let _ = JsFuture::from(super::cache_put(key, &json)).await;
    }
}

pub async fn recall<T: DeserializeOwned>(key: &str) -> Option<T> {
    let v = JsFuture::from(super::cache_get(key)).await.ok()?;
    serde_json::from_str(&v.as_string()?).ok()
}

/// A visit as last seen, with its ETag.
#[derive(Clone, Serialize, Deserialize)]
pub struct Copy {
    pub visit: Visit,
    pub etag: Option<String>,
}

/// Copies are kept per user: another person signing in on this phone never reads them.
pub fn visit_key(id: Uuid) -> String {
    format!("{}:visit:{id}", api::user_id().unwrap_or_default())
}

/// The key of a day's list kept for the user (`whose`: `mine` or `team`).
pub fn day_key(day: chrono::NaiveDate, whose: &str) -> String {
    format!("{}:day:{day}:{whose}", api::user_id().unwrap_or_default())
}

pub async fn remember_visit(visit: &Visit, etag: Option<String>) {
    let copy = Copy {
        visit: visit.clone(),
        etag,
    };
    remember(&visit_key(visit.id), &copy).await;
}

/// The visit as the rep left it: the server's copy (or the last one kept) with the steps still
/// waiting laid over it, so an offline check-in shows as checked in.
pub fn overlay(v: &mut Visit, waiting: &[Queued]) {
    for q in waiting.iter().filter(|q| q.entry.visit == v.id) {
        let at = device_time(q.entry.at_ms).unwrap_or(v.visit_at);
        match &q.entry.step {
            Step::Create { .. } | Step::Photo { .. } => {}
            Step::CheckIn { body } if v.status == VisitStatus::Planned => {
                let customer = v
                    .customer_lat
                    .zip(v.customer_lng)
                    .map(|(lat, lng)| LatLng::new(lat, lng));
                v.status = VisitStatus::CheckedIn;
                v.check_in = Some(CheckInRecord {
                    at,
                    lat: body.lat,
                    lng: body.lng,
                    accuracy_m: body.accuracy_m,
                    assessment: assess_check_in(
                        customer,
                        body.at(),
                        body.accuracy_m,
                        DEFAULT_RADIUS_M,
                    ),
                    radius_m: DEFAULT_RADIUS_M,
                    device_at: Some(at),
                });
            }
            Step::CheckIn { .. } => {}
            Step::Record { body, .. } => {
                let set = |field: &mut Option<String>, p: &Patch<String>| match p {
                    Patch::Value(s) => *field = Some(s.clone()),
                    Patch::Null => *field = None,
                    _ => {}
                };
                set(&mut v.notes, &body.notes);
                set(&mut v.outcome, &body.outcome);
                set(&mut v.next_step, &body.next_step);
                match &body.next_follow_up_on {
                    Patch::Value(d) => v.next_follow_up_on = Some(*d),
                    Patch::Null => v.next_follow_up_on = None,
                    _ => {}
                }
            }
            Step::CheckOut { .. } if v.status == VisitStatus::CheckedIn => {
                v.status = VisitStatus::Done;
                let start = v.check_in.as_ref().map_or(at, |c| c.at);
                v.check_out_at = Some(at);
                v.duration_s = Some(kaidan_shared::visit::duration_s(start, at));
            }
            Step::CheckOut { .. } => {}
        }
    }
}

/// How a write went: answered by the server, or kept on the phone for later.
#[derive(Clone)]
pub enum Sent {
    /// The server has it (the screen reads the visit again).
    Now,
    Queued,
}

/// An error the queue waits out rather than shows: no network, the server busy or restarting,
/// the same step still being answered.
pub fn retry_later(e: &ApiError) -> bool {
    e.is_network()
        || e.status >= 500
        || e.status == 429
        || e.status == 401
        || e.code() == Some(kaidan_shared::ErrorCode::IdempotencyInProgress)
}

/// Writes one step of a visit: at once when the phone is online and nothing of this visit
/// waits; otherwise — or when the network fails on the way — into the queue. Errors the server
/// gave (a refused check-in, a bad field) come back to the screen as they would without a queue.
pub async fn submit(visit: &Visit, step: Step, photo: Option<web_sys::Blob>) -> ApiResult<Sent> {
    let Some(user) = api::user_id() else {
        return Err(ApiError {
            status: 401,
            problem: None,
            retry_after: None,
        });
    };
    let waiting = load(user)
        .await
        .iter()
        .any(|q| q.entry.visit == visit.id && q.entry.step.versions());
    // A create's key is the visit's own id (the screen's first try used it), so a resend is the
    // same request; every other step gets its own.
    let id = match &step {
        Step::Create { body } => body.id.unwrap_or_else(new_id),
        _ => new_id(),
    };
    let mut entry = Entry {
        id,
        visit: visit.id,
        customer: visit.customer_name.clone().unwrap_or_default(),
        at_ms: now_ms(),
        step,
        conflict: None,
    };
    let queued = waiting || !super::online();
    if !queued {
        match send(&entry, photo.as_ref()).await {
            Ok(_) => return Ok(Sent::Now),
            Err(e) if !retry_later(&e) || e.status == 401 => return Err(e),
            Err(_) => {
                // The first try may have reached the server: a check-in or check-out sent again
                // carries the phone's time, so it is another request with its own key (a second
                // check-in is answered by the state the first left, see `sync`); the others keep
                // their key.
                if matches!(entry.step, Step::CheckIn { .. } | Step::CheckOut { .. }) {
                    entry.id = new_id();
                }
            }
        }
    }
    let at = device_time(entry.at_ms);
    match &mut entry.step {
        Step::CheckIn { body } => body.device_at = at,
        Step::CheckOut { body } => body.device_at = at,
        // Over whatever the waiting steps leave, not over the copy the screen showed.
        Step::Record { base, .. } if waiting => *base = None,
        _ => {}
    }
    if !put(user, &entry, photo).await {
        return Err(ApiError {
            status: 0,
            problem: None,
            retry_after: None,
        });
    }
    super::refresh_counts().await;
    Ok(Sent::Queued)
}

/// Sends one step. A record without a base goes over the server's current version.
pub async fn send(e: &Entry, photo: Option<&web_sys::Blob>) -> ApiResult<Option<Reply<Visit>>> {
    let key = e.id.to_string();
    let path = format!("/api/v1/visits/{}", e.visit);
    match &e.step {
        Step::Create { body } => api::send_keyed("/api/v1/visits", Some(body), &key)
            .await
            .map(Some),
        Step::CheckIn { body } => api::send_keyed(&format!("{path}/check-in"), Some(body), &key)
            .await
            .map(Some),
        Step::CheckOut { body } => api::send_keyed(&format!("{path}/check-out"), Some(body), &key)
            .await
            .map(Some),
        Step::Record { body, base } => {
            let etag = match base {
                Some(b) => b.clone(),
                None => api::visit::get(e.visit).await?.etag.unwrap_or_default(),
            };
            api::visit::update(e.visit, &etag, body).await.map(Some)
        }
        Step::Photo { name } => {
            let blob = photo.ok_or_else(api::not_found)?;
            let form = web_sys::FormData::new().map_err(|_| api::not_found())?;
            form.append_with_blob_and_filename("file", blob, name)
                .map_err(|_| api::not_found())?;
            api::visit::add_photo(e.visit, form, &key)
                .await
                .map(|_| None)
        }
    }
}

/// Whether a refused step had in fact been done already (its first send reached the server and
/// the answer was lost, longer ago than the server remembers keys): the visit as it is now, or
/// `None` when the refusal stands.
pub async fn already_done(e: &Entry, err: &ApiError) -> Option<Reply<Visit>> {
    let expected = match (&e.step, err.status) {
        (Step::Create { .. }, 409) => |_: &Visit, _: &Step| true,
        (Step::CheckIn { .. }, 409) => {
            |v: &Visit, _: &Step| matches!(v.status, VisitStatus::CheckedIn | VisitStatus::Done)
        }
        (Step::CheckOut { .. }, 409) => |v: &Visit, _: &Step| v.status == VisitStatus::Done,
        (Step::Record { .. }, 412) => |v: &Visit, s: &Step| recorded(v, s),
        _ => return None,
    };
    let now = api::visit::get(e.visit).await.ok()?;
    expected(&now.body, &e.step).then_some(now)
}

/// Whether the visit already holds what a record step wrote.
fn recorded(v: &Visit, s: &Step) -> bool {
    let Step::Record { body, .. } = s else {
        return false;
    };
    let same = |have: &Option<String>, p: &Patch<String>| match p {
        Patch::Value(x) => have.as_deref() == Some(x.as_str()),
        Patch::Null => have.is_none(),
        _ => true,
    };
    same(&v.notes, &body.notes)
        && same(&v.outcome, &body.outcome)
        && same(&v.next_step, &body.next_step)
        && match &body.next_follow_up_on {
            Patch::Value(d) => v.next_follow_up_on == Some(*d),
            Patch::Null => v.next_follow_up_on.is_none(),
            _ => true,
        }
}

/// The rep drops a step the server refused.
pub async fn drop_entry(id: Uuid) {
    remove(id).await;
    super::refresh_counts().await;
}

/// The rep sends a refused step again: a record then goes over the server's current version
/// (the rep has seen the conflict and chosen theirs).
pub async fn retry_entry(mut e: Entry) {
    e.conflict = None;
    if let Step::Record { base, .. } = &mut e.step {
        *base = None;
    }
    save(&e).await;
    super::kick();
}

/// The visit a new on-the-spot visit will be before the server has it (its id made here).
pub fn planned_copy(body: &VisitCreate, customer_name: String) -> Option<Visit> {
    let id = body.id?;
    let now = device_time(now_ms())?;
    Some(Visit {
        id,
        customer_id: body.customer_id,
        customer_name: Some(customer_name),
        customer_lat: None,
        customer_lng: None,
        opportunity_id: body.opportunity_id,
        owner_id: api::user_id(),
        owner_name: None,
        purpose: body.purpose.clone(),
        planned_at: body.planned_at,
        status: VisitStatus::Planned,
        visit_at: body.planned_at.unwrap_or(now),
        check_in: None,
        check_out_at: None,
        duration_s: None,
        contact_ids: Vec::new(),
        notes: None,
        outcome: None,
        next_step: None,
        next_follow_up_on: None,
        custom: Default::default(),
        archived: false,
        version: 0,
        created_at: now,
        updated_at: now,
    })
}
