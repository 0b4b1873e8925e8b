//! Working without a network: a rep in a basement checks in, writes the visit and takes photos;
//! each step waits in the phone's queue (IndexedDB, `idb.js`) and is sent, in order, when the
//! network returns — on the browser's `online` event, when the app starts, and every half
//! minute while anything waits. The shell shows 待同步 (n) while steps wait, and the conflicts
//! the server refused (the customer moved to someone else meanwhile) until the rep deals with them.
//!
//! What the first screen needs is here (the counts, the triggers); the steps, the copies of
//! visits kept for offline reading (`queue`) and the sending (`sync`, a lazily loaded function)
//! are downloaded with the visit screens or on the first sync.

pub mod queue;
mod sync;

use std::cell::Cell;

use js_sys::Promise;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::api;

#[wasm_bindgen(module = "/src/offline/idb.js")]
extern "C" {
    #[wasm_bindgen(js_name = queuePut)]
    fn queue_put(id: &str, user: &str, json: &str, photo: Option<web_sys::Blob>) -> Promise;
    #[wasm_bindgen(js_name = queueSetJson)]
    fn queue_set_json(id: &str, json: &str, conflict: bool) -> Promise;
    #[wasm_bindgen(js_name = queueOf)]
    fn queue_of(user: &str) -> Promise;
    #[wasm_bindgen(js_name = queueCount)]
    fn queue_count(user: &str) -> Promise;
    #[wasm_bindgen(js_name = queueDelete)]
    fn queue_delete(id: &str) -> Promise;
    #[wasm_bindgen(js_name = cachePut)]
    fn cache_put(key: &str, json: &str) -> Promise;
    #[wasm_bindgen(js_name = cacheGet)]
    fn cache_get(key: &str) -> Promise;
    #[wasm_bindgen(js_name = cacheClear)]
    fn cache_clear() -> Promise;
}

/// How often the queue is tried again while steps wait (the `online` event is not reliable on
/// every phone: a captive portal, a network that is up but goes nowhere).
const RETRY_MS: u32 = 30_000;

/// The badge's numbers: steps waiting to be sent, and those stuck on a conflict.
#[derive(Clone, Copy)]
pub struct Pending {
    pub waiting: RwSignal<u32>,
    pub conflicts: RwSignal<u32>,
}

pub fn use_pending() -> Pending {
    use_context::<Pending>().unwrap_or(Pending {
        waiting: RwSignal::new(0),
        conflicts: RwSignal::new(0),
    })
}

thread_local! {
    static SYNCING: Cell<bool> = const { Cell::new(false) };
}

/// Whether the browser believes it has a network (a `false` is certain; a `true` is a hope).
pub fn online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

/// Provides the counts and starts the triggers: the `online` event, and a timer while anything
/// waits. Called by the shell each time it mounts; the triggers start once per page.
pub fn start() -> Pending {
    if let Some(p) = PENDING.with(Cell::get) {
        provide_context(p);
        return p;
    }
    // Owned by no component (a root owner, never dropped): the counts live as long as the page,
    // not as long as the shell that first asked for them (it unmounts at sign-out).
    let owner = Owner::new_root(None);
    let p = owner.with(|| Pending {
        waiting: RwSignal::new(0),
        conflicts: RwSignal::new(0),
    });
    std::mem::forget(owner);
    provide_context(p);
    PENDING.with(|c| c.set(Some(p)));
    let h = window_event_listener(leptos::ev::online, move |_| kick());
    // The listener lives as long as the app.
    std::mem::forget(h);
    let _ = set_interval_with_handle(
        move || {
            if p.waiting.get_untracked() > p.conflicts.get_untracked() && online() {
                kick();
            }
        },
        std::time::Duration::from_millis(u64::from(RETRY_MS)),
    );
    p
}

/// Reads the counts again (after a step was queued, sent or dropped).
pub async fn refresh_counts() {
    let Some(user) = api::user_id() else {
        return;
    };
    let Ok(v) = JsFuture::from(queue_count(&user.to_string())).await else {
        return;
    };
    let arr = js_sys::Array::from(&v);
    let n = |i| arr.get(i).as_f64().map_or(0, |f| f as u32);
    let p = use_pending_untracked();
    p.waiting.set(n(0));
    p.conflicts.set(n(1));
}

/// The counts outside a reactive owner (from a task): the context the shell provided.
fn use_pending_untracked() -> Pending {
    PENDING.with(|c| c.get()).unwrap_or_else(use_pending)
}

thread_local! {
    static PENDING: Cell<Option<Pending>> = const { Cell::new(None) };
}

/// Sends what waits, unless a send is already running; then reads the counts again.
pub fn kick() {
    if SYNCING.with(|s| s.replace(true)) {
        return;
    }
    leptos::task::spawn_local(async move {
        refresh_counts().await;
        if let Some(user) = api::user_id() {
            let p = use_pending_untracked();
            if online() && p.waiting.get_untracked() > p.conflicts.get_untracked() {
                sync::run(user).await;
            }
        }
        SYNCING.with(|s| s.set(false));
        refresh_counts().await;
    });
}

/// On sign-out: the copies of visits go; queued steps stay for their own user's next sign-in.
pub fn forget_copies() {
    leptos::task::spawn_local(async {
        let _ = JsFuture::from(cache_clear()).await;
    });
}
