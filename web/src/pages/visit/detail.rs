//! One visit on the phone: the big check-in button (the phone says where it is, the server says
//! when and whether it is near enough), then the record — notes, outcome, next step, next
//! follow-up date — photos from the camera, and check-out. Each write goes through the offline
//! queue (`crate::offline::queue::submit`): without a network the visit shows as the rep left it
//! (the last copy, with the waiting steps laid over it) and is sent when the network returns.

use kaidan_shared::attachment::Attachment;
use kaidan_shared::option_list::builtin;
use kaidan_shared::patch::Patch;
use kaidan_shared::visit::{CheckIn, CheckOut, Visit, VisitStatus, VisitUpdate};
use kaidan_shared::{Action as Act, Resource};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;
use wasm_bindgen::JsCast;

use crate::api::{self, ApiResult, Reply};
use crate::app::use_auth;
use crate::components::{local_time, save_error_text, ErrorState, Loading};
use crate::i18n::use_i18n;
use crate::i18n::visit::VisitText;
use crate::offline::queue::{self, Queued, Sent, Step};
use crate::options::option_items;

use super::device::{position, resized_jpeg};
use super::{flag_text, status_text};

#[component]
pub fn VisitDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let visit = LocalResource::new(move || {
        let id = id();
        async move {
            let id = id.parse::<Uuid>().map_err(|_| api::not_found())?;
            load(id).await
        }
    });
    let i18n = use_i18n();
    // Outlives each reload of the visit, so "saved on this phone" stays after the screen redraws.
    let queued_note = RwSignal::new(false);
    // Made once for the page: a task that finishes after the visit was redrawn still reaches it.
    let on_change = Callback::new(move |_| visit.refetch());
    view! {
        <section class="page narrow">
            <A href="/visits" attr:class="back">"‹ " {move || i18n.t(VisitText::Visits)}</A>
            <Transition fallback=|| view! { <Loading/> }>
                {move || visit.get().map(|r| match r {
                    Ok(seen) => view! { <VisitView seen=seen queued_note=queued_note on_change=on_change/> }.into_any(),
                    Err(e) => view! { <ErrorState error=e on_retry=move |_| visit.refetch()/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// A visit as the screen shows it: the server's (or the last copy kept, without a network) with
/// the steps still waiting laid over it.
#[derive(Clone)]
struct Seen {
    reply: Reply<Visit>,
    /// No network: this is the copy kept on the phone.
    offline: bool,
    waiting: Vec<Queued>,
}

async fn load(id: Uuid) -> ApiResult<Seen> {
    let waiting = queue::of_visit(id).await;
    let (mut reply, offline) = match api::visit::get(id).await {
        Ok(r) => {
            queue::remember_visit(&r.body, r.etag.clone()).await;
            (r, false)
        }
        Err(e) if e.is_network() => {
            let Some(c) = queue::recall::<queue::Copy>(&queue::visit_key(id)).await else {
                return Err(e);
            };
            (
                Reply {
                    body: c.visit,
                    etag: c.etag,
                },
                true,
            )
        }
        Err(e) => return Err(e),
    };
    queue::overlay(&mut reply.body, &waiting);
    Ok(Seen {
        reply,
        offline,
        waiting,
    })
}

/// What a write's outcome says to the rep: nothing when the server has it, a note when it waits.
fn after_write(r: &ApiResult<Sent>, note: RwSignal<bool>, on_change: Callback<()>) {
    if let Ok(sent) = r {
        note.set(matches!(sent, Sent::Queued));
        on_change.run(());
    }
}

#[component]
fn VisitView(seen: Seen, queued_note: RwSignal<bool>, on_change: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let reply = seen.reply.clone();
    let v = reply.body.clone();
    let status = v.status;
    let error = RwSignal::new(None::<String>);
    let may_edit = auth.can(Resource::Visit, Act::Update);
    let may_locate = v.customer_lat.is_none() && auth.can(Resource::Customer, Act::Update);
    let set_location = RwSignal::new(may_locate);
    let locating = RwSignal::new(false);
    let this = StoredValue::new(v.clone());
    let check_in = Action::new_local(move |_: &()| {
        let v = this.get_value();
        async move {
            locating.set(true);
            let fix = position().await;
            locating.set(false);
            let Some(fix) = fix else {
                return Err(None);
            };
            let body = CheckIn {
                lat: fix.lat,
                lng: fix.lng,
                accuracy_m: fix.accuracy_m,
                set_customer_location: set_location.get_untracked(),
                device_at: None,
            };
            queue::submit(&v, Step::CheckIn { body }, None)
                .await
                .map_err(Some)
        }
    });
    Effect::new(move |_| {
        if let Some(r) = check_in.value().get() {
            match r {
                Ok(sent) => after_write(&Ok(sent), queued_note, on_change),
                Err(None) => error.set(Some(i18n.t(VisitText::NoGeolocation).to_owned())),
                Err(Some(e)) => error.set(Some(save_error_text(&e, i18n.lang()))),
            }
        }
    });
    let check_out = Action::new_local(move |_: &()| {
        let v = this.get_value();
        async move {
            let body = CheckOut::default();
            queue::submit(&v, Step::CheckOut { body }, None).await
        }
    });
    Effect::new(move |_| {
        if let Some(r) = check_out.value().get() {
            match r {
                Err(e) => error.set(Some(save_error_text(&e, i18n.lang()))),
                ok => after_write(&ok, queued_note, on_change),
            }
        }
    });
    let photos_waiting: Vec<(Uuid, web_sys::Blob)> = seen
        .waiting
        .iter()
        .filter(|q| matches!(q.entry.step, Step::Photo { .. }))
        .filter_map(|q| q.photo.clone().map(|p| (q.entry.id, p)))
        .collect();
    let offline = seen.offline;
    let waiting = seen.waiting.clone();
    let record = v.check_in.clone();
    view! {
        <article class="card detail" data-testid="visit-detail" data-status=format!("{status:?}") data-version=v.version>
            {offline.then(|| view! { <p class="notice" role="status" data-testid="offline-copy">{move || i18n.t(VisitText::OfflineCopy)}</p> })}
            <h1>{v.customer_name.clone().unwrap_or_default()}</h1>
            <p>
                <span class="badge" data-testid="visit-status">{move || i18n.t(status_text(status))}</span>
                " "<span class="muted">{local_time(v.visit_at)}</span>
            </p>
            {v.purpose.clone().map(|p| view! { <p>{p}</p> })}
            {record.map(|c| {
                let gap = c.device_at.map(|d| (c.at - d).num_minutes().abs()).filter(|m| *m > 0);
                view! {
                    <dl class="facts" data-testid="check-in-record">
                        <div><dt>{move || i18n.t(VisitText::CheckIn)}</dt><dd>{local_time(c.at)}</dd></div>
                        {c.assessment.distance_m.map(|d| view! {
                            <div><dt>{move || i18n.t(VisitText::Distance)}</dt>
                                <dd data-testid="check-in-distance">{d}{move || i18n.t(VisitText::Metres)}</dd></div>
                        })}
                        <div><dt>{move || i18n.t(VisitText::Accuracy)}</dt><dd>{c.accuracy_m.round() as i64}{move || i18n.t(VisitText::Metres)}</dd></div>
                        {gap.map(|m| view! {
                            <div><dt>{move || i18n.t(VisitText::DeviceGap)}</dt><dd>{m}{move || i18n.t(VisitText::Minutes)}</dd></div>
                        })}
                    </dl>
                    <p data-testid="check-in-flags">
                        {c.assessment.flags.into_iter().map(|f| view! { <span class="badge warn">{move || i18n.t(flag_text(f))}</span>" " }).collect_view()}
                    </p>
                }
            })}
            {v.duration_s.map(|s| view! { <p class="muted">{move || i18n.t(VisitText::Duration)}": "{s / 60}{move || i18n.t(VisitText::Minutes)}</p> })}
            <Show when=move || may_edit && status == VisitStatus::Planned fallback=|| ()>
                {may_locate.then(|| view! {
                    <label class="check">
                        <input type="checkbox" prop:checked=move || set_location.get()
                            on:change=move |ev| set_location.set(event_target_checked(&ev))/>
                        {move || i18n.t(VisitText::SetLocation)}
                    </label>
                })}
                <button class="btn primary big" data-testid="check-in"
                    prop:disabled=move || check_in.pending().get()
                    on:click=move |_| { error.set(None); check_in.dispatch(()); }>
                    {move || if locating.get() { i18n.t(VisitText::CheckingIn) } else { i18n.t(VisitText::CheckIn) }}
                </button>
            </Show>
            <p class="form-error" role="alert" data-testid="visit-error">{move || error.get()}</p>
            <Show when=move || queued_note.get() fallback=|| ()>
                <p class="notice" role="status" data-testid="queued-note">{move || i18n.t(VisitText::SavedOnPhone)}</p>
            </Show>
        </article>
        {(!waiting.is_empty()).then(|| view! { <super::sync::SyncList entries=waiting.clone() on_change=on_change/> })}
        {(may_edit && matches!(status, VisitStatus::CheckedIn | VisitStatus::Done)).then(|| view! {
            <RecordForm visit=v.clone() etag=reply.etag.clone().unwrap_or_default() on_saved=on_change queued_note=queued_note/>
            <Photos visit=v.clone() editable=true waiting=photos_waiting offline=offline on_change=on_change queued_note=queued_note/>
        })}
        <Show when=move || may_edit && status == VisitStatus::CheckedIn fallback=|| ()>
            <button class="btn primary big" data-testid="check-out"
                prop:disabled=move || check_out.pending().get()
                on:click=move |_| { check_out.dispatch(()); }>{move || i18n.t(VisitText::CheckOut)}</button>
        </Show>
    }
}

#[component]
fn RecordForm(
    visit: Visit,
    etag: String,
    on_saved: Callback<()>,
    queued_note: RwSignal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let this = StoredValue::new(visit.clone());
    let notes = RwSignal::new(visit.notes.clone().unwrap_or_default());
    let outcome = RwSignal::new(visit.outcome.clone().unwrap_or_default());
    let next_step = RwSignal::new(visit.next_step.clone().unwrap_or_default());
    let next_date = RwSignal::new(
        visit
            .next_follow_up_on
            .map(|d| d.to_string())
            .unwrap_or_default(),
    );
    let message = RwSignal::new(None::<String>);
    let save = Action::new_local(move |_: &()| {
        let etag = etag.clone();
        let text = |s: String| {
            if s.trim().is_empty() {
                Patch::Null
            } else {
                Patch::Value(s)
            }
        };
        let body = VisitUpdate {
            notes: text(notes.get_untracked()),
            outcome: text(outcome.get_untracked()),
            next_step: text(next_step.get_untracked()),
            next_follow_up_on: match next_date.get_untracked().parse() {
                Ok(d) => Patch::Value(d),
                Err(_) => Patch::Null,
            },
            ..Default::default()
        };
        let v = this.get_value();
        async move {
            let step = Step::Record {
                body,
                base: Some(etag).filter(|e| !e.is_empty()),
            };
            queue::submit(&v, step, None).await
        }
    });
    Effect::new(move |_| {
        if let Some(r) = save.value().get() {
            match r {
                Err(e) => message.set(Some(save_error_text(&e, i18n.lang()))),
                ok => after_write(&ok, queued_note, on_saved),
            }
        }
    });
    let current_outcome = visit.outcome.clone().unwrap_or_default();
    view! {
        <form class="card form" data-testid="visit-record" on:submit=move |ev| { ev.prevent_default(); save.dispatch(()); }>
            <div class="field">
                <label for="f-notes">{move || i18n.t(VisitText::Notes)}</label>
                <textarea id="f-notes" rows="4" prop:value=move || notes.get()
                    on:input=move |ev| notes.set(event_target_value(&ev))></textarea>
            </div>
            <div class="field">
                <label for="f-outcome">{move || i18n.t(VisitText::Outcome)}</label>
                <select id="f-outcome" on:change=move |ev| outcome.set(event_target_value(&ev))>
                    <option value="">"—"</option>
                    {option_items(builtin::VISIT_OUTCOME, &current_outcome)}
                </select>
            </div>
            <div class="field">
                <label for="f-next-step">{move || i18n.t(VisitText::NextStep)}</label>
                <input id="f-next-step" maxlength="500" prop:value=move || next_step.get()
                    on:input=move |ev| next_step.set(event_target_value(&ev))/>
            </div>
            <div class="field">
                <label for="f-next-date">{move || i18n.t(VisitText::NextFollowUp)}</label>
                <input id="f-next-date" type="date" prop:value=move || next_date.get()
                    on:change=move |ev| next_date.set(event_target_value(&ev))/>
            </div>
            <button class="btn primary" type="submit" data-testid="save-record"
                prop:disabled=move || save.pending().get()>{move || i18n.t(VisitText::Save)}</button>
            <p class="form-error" role="alert">{move || message.get()}</p>
        </form>
    }
}

/// The visit's photos as thumbnails (fetched with the token), those still waiting on the phone,
/// and the camera button.
#[component]
fn Photos(
    visit: Visit,
    editable: bool,
    waiting: Vec<(Uuid, web_sys::Blob)>,
    offline: bool,
    on_change: Callback<()>,
    queued_note: RwSignal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = visit.id;
    let this = StoredValue::new(visit);
    let list = LocalResource::new(move || async move {
        if offline {
            return Ok(Vec::new());
        }
        api::visit::photos(id).await
    });
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    // The picked file stays on this thread: the upload runs as a local task, not an action.
    let upload = move |file: web_sys::File| {
        busy.set(true);
        error.set(None);
        let v = this.get_value();
        leptos::task::spawn_local(async move {
            let sent = async {
                let blob = resized_jpeg(&file).await.map_err(|_| None)?;
                let step = Step::Photo { name: file.name() };
                queue::submit(&v, step, Some(blob)).await.map_err(Some)
            }
            .await;
            // The list may be gone (the visit redrawn): its signals are let be then.
            let _ = busy.try_set(false);
            match sent {
                // The page reads the visit again (this list may have been redrawn meanwhile).
                Ok(sent) => {
                    let _ = queued_note.try_set(matches!(sent, Sent::Queued));
                    on_change.try_run(());
                }
                Err(Some(e)) => {
                    let _ = error.try_set(Some(save_error_text(&e, i18n.lang())));
                }
                Err(None) => {
                    let _ = error.try_set(Some(i18n.t(crate::i18n::T::LoadFailed).to_owned()));
                }
            }
        });
    };
    view! {
        <section class="card" data-testid="visit-photos">
            <h2>{move || i18n.t(VisitText::Photos)}</h2>
            <Transition fallback=|| view! { <Loading/> }>
                {move || list.get().map(|r| match r {
                    Ok(items) => view! {
                        <ul class="thumbs">
                            {items.into_iter().map(|a| view! { <Thumb photo=a/> }).collect_view()}
                            {waiting.clone().into_iter().map(|(_, b)| view! { <LocalThumb blob=b/> }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <ErrorState error=e on_retry=move |_| list.refetch()/> }.into_any(),
                })}
            </Transition>
            {editable.then(|| view! {
                <label class="btn" for="photo-input">{move || if busy.get() { i18n.t(VisitText::Uploading) } else { i18n.t(VisitText::TakePhoto) }}</label>
                <input id="photo-input" class="sr-only" type="file" accept="image/*" capture="environment"
                    data-testid="photo-input"
                    on:change=move |ev| {
                        let input: Option<web_sys::HtmlInputElement> =
                            ev.target().and_then(|t| t.dyn_into().ok());
                        if let Some(f) = input.as_ref().and_then(|i| i.files()).and_then(|l| l.get(0)) {
                            upload(f);
                        }
                        if let Some(i) = input { i.set_value("") }
                    }/>
            })}
            <p class="form-error" role="alert">{move || error.get()}</p>
        </section>
    }
}

/// A photo still on the phone, waiting to be sent.
#[component]
fn LocalThumb(blob: web_sys::Blob) -> impl IntoView {
    let i18n = use_i18n();
    let url = web_sys::Url::create_object_url_with_blob(&blob).unwrap_or_default();
    let kept = url.clone();
    on_cleanup(move || {
        let _ = web_sys::Url::revoke_object_url(&kept);
    });
    view! {
        <li class="waiting">
            <img src=url alt=move || i18n.t(VisitText::WaitingPhoto) width="96" height="96" data-testid="photo-waiting"/>
        </li>
    }
}

#[component]
fn Thumb(photo: Attachment) -> impl IntoView {
    let url = photo.thumb_url.clone().unwrap_or(photo.content_url.clone());
    // Gone before its bytes arrived: the object URL made then is let go at once.
    let gone = StoredValue::new(false);
    let src = LocalResource::new(move || {
        let url = url.clone();
        async move {
            let made = api::blob_url(&url).await.ok()?;
            if gone.try_get_value().unwrap_or(true) {
                let _ = web_sys::Url::revoke_object_url(&made);
                return None;
            }
            Some(made)
        }
    });
    on_cleanup(move || {
        gone.set_value(true);
        if let Some(Some(u)) = src.get_untracked() {
            let _ = web_sys::Url::revoke_object_url(&u);
        }
    });
    let name = photo.original_name.clone().unwrap_or_default();
    view! {
        <li>{move || src.get().flatten().map(|s| view! { <img src=s alt=name.clone() width="96" height="96" data-testid="photo-thumb"/> })}</li>
    }
}
