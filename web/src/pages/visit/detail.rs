//! One visit on the phone: the big check-in button (the phone says where it is, the server says
//! when and whether it is near enough), then the record — notes, outcome, next step, next
//! follow-up date — photos from the camera, and check-out.

use kaidan_shared::attachment::Attachment;
use kaidan_shared::option_list::builtin;
use kaidan_shared::patch::Patch;
use kaidan_shared::visit::{CheckIn, Visit, VisitStatus, VisitUpdate};
use kaidan_shared::{Action as Act, Resource};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;
use wasm_bindgen::JsCast;

use crate::api::{self, Reply};
use crate::app::use_auth;
use crate::components::{local_time, save_error_text, ErrorState, Loading};
use crate::i18n::use_i18n;
use crate::i18n::visit::VisitText;
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
            api::visit::get(id).await
        }
    });
    let i18n = use_i18n();
    view! {
        <section class="page narrow">
            <A href="/visits" attr:class="back">"‹ " {move || i18n.t(VisitText::Visits)}</A>
            <Transition fallback=|| view! { <Loading/> }>
                {move || visit.get().map(|r| match r {
                    Ok(reply) => view! { <VisitView reply=reply on_change=Callback::new(move |_| visit.refetch())/> }.into_any(),
                    Err(e) => view! { <ErrorState error=e on_retry=move |_| visit.refetch()/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn VisitView(reply: Reply<Visit>, on_change: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let v = reply.body.clone();
    let id = v.id;
    let status = v.status;
    let error = RwSignal::new(None::<String>);
    let may_edit = auth.can(Resource::Visit, Act::Update);
    let may_locate = v.customer_lat.is_none() && auth.can(Resource::Customer, Act::Update);
    let set_location = RwSignal::new(may_locate);
    let locating = RwSignal::new(false);
    let check_in = Action::new_local(move |_: &()| async move {
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
        api::visit::check_in(id, &body).await.map_err(Some)
    });
    Effect::new(move |_| {
        if let Some(r) = check_in.value().get() {
            match r {
                Ok(_) => on_change.run(()),
                Err(None) => error.set(Some(i18n.t(VisitText::NoGeolocation).to_owned())),
                Err(Some(e)) => error.set(Some(save_error_text(&e, i18n.lang()))),
            }
        }
    });
    let check_out = Action::new_local(move |_: &()| async move { api::visit::check_out(id).await });
    Effect::new(move |_| {
        if let Some(r) = check_out.value().get() {
            match r {
                Ok(_) => on_change.run(()),
                Err(e) => error.set(Some(save_error_text(&e, i18n.lang()))),
            }
        }
    });
    let record = v.check_in.clone();
    view! {
        <article class="card detail" data-testid="visit-detail" data-status=format!("{status:?}")>
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
        </article>
        {(may_edit && matches!(status, VisitStatus::CheckedIn | VisitStatus::Done)).then(|| view! {
            <RecordForm visit=v.clone() etag=reply.etag.clone().unwrap_or_default() on_saved=on_change/>
            <Photos id=id editable=true/>
        })}
        <Show when=move || may_edit && status == VisitStatus::CheckedIn fallback=|| ()>
            <button class="btn primary big" data-testid="check-out"
                prop:disabled=move || check_out.pending().get()
                on:click=move |_| { check_out.dispatch(()); }>{move || i18n.t(VisitText::CheckOut)}</button>
        </Show>
    }
}

#[component]
fn RecordForm(visit: Visit, etag: String, on_saved: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let id = visit.id;
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
        async move { api::visit::update(id, &etag, &body).await }
    });
    Effect::new(move |_| {
        if let Some(r) = save.value().get() {
            match r {
                Ok(_) => on_saved.run(()),
                Err(e) => message.set(Some(save_error_text(&e, i18n.lang()))),
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

/// The visit's photos as thumbnails (fetched with the token), and the camera button.
#[component]
fn Photos(id: Uuid, editable: bool) -> impl IntoView {
    let i18n = use_i18n();
    let list = LocalResource::new(move || async move { api::visit::photos(id).await });
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    // The picked file stays on this thread: the upload runs as a local task, not an action.
    let upload = move |file: web_sys::File| {
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let sent = async {
                let blob = resized_jpeg(&file).await.map_err(|_| None)?;
                let form = web_sys::FormData::new().map_err(|_| None)?;
                form.append_with_blob_and_filename("file", &blob, &file.name())
                    .map_err(|_| None)?;
                let key = Uuid::new_v4().to_string();
                api::visit::add_photo(id, form, &key).await.map_err(Some)
            }
            .await;
            busy.set(false);
            match sent {
                Ok(_) => list.refetch(),
                Err(Some(e)) => error.set(Some(save_error_text(&e, i18n.lang()))),
                Err(None) => error.set(Some(i18n.t(crate::i18n::T::LoadFailed).to_owned())),
            }
        });
    };
    view! {
        <section class="card" data-testid="visit-photos">
            <h2>{move || i18n.t(VisitText::Photos)}</h2>
            <Transition fallback=|| view! { <Loading/> }>
                {move || list.get().map(|r| match r {
                    Ok(items) => view! {
                        <ul class="thumbs">{items.into_iter().map(|a| view! { <Thumb photo=a/> }).collect_view()}</ul>
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
