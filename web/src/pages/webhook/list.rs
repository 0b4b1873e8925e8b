//! Admin → 事件推送: subscribe an API client to events at a URL, see the signing secret once,
//! rotate it, disable and enable a subscription, and read its deliveries (status, attempts, the
//! target's answers) with a button to send one again. Rows stack into cards on a phone.

use kaidan_shared::api_client::ApiClient;
use kaidan_shared::webhook::{
    DeliveryStatus, EventType, Webhook, WebhookCreate, WebhookDelivery, WebhookSecret,
    WebhookUpdate,
};
use kaidan_shared::FieldError;
use leptos::prelude::*;
use uuid::Uuid;

use crate::api;
use crate::components::{error_for, local_time, on_save, ErrorState, Loading, TextField};
use crate::i18n::webhook::{event_label, status_label, WebhookText as W};
use crate::i18n::{field_error_text, use_i18n, T};

#[component]
pub fn WebhooksTab() -> impl IntoView {
    let i18n = use_i18n();
    let data = LocalResource::new(|| async {
        let hooks = api::webhook::list().await?;
        let clients = api::api_client::list().await?;
        Ok::<_, api::ApiError>((hooks, clients))
    });
    let reload = Callback::new(move |_| data.refetch());
    let secret = RwSignal::new(None::<WebhookSecret>);
    view! {
        <p class="muted">{move || i18n.t(W::Intro)}</p>
        <SecretOnce secret=secret/>
        <Transition fallback=|| view! { <Loading/> }>
            {move || data.get().map(|r| match r {
                Ok((hooks, clients)) => {
                    let clients = StoredValue::new(clients);
                    view! {
                        {hooks.is_empty().then(|| view! { <p class="muted">{move || i18n.t(W::NoWebhooks)}</p> })}
                        <ul class="list webhooks">
                            {hooks.into_iter().map(|w| view! {
                                <WebhookRow hook=w secret=secret reload=reload/>
                            }).collect_view()}
                        </ul>
                        <NewWebhook clients=clients secret=secret reload=reload/>
                    }.into_any()
                }
                Err(e) => view! { <ErrorState error=e on_retry=move |_| reload.run(())/> }.into_any(),
            })}
        </Transition>
    }
}

/// The signing secret of a subscription just made or rotated, once.
#[component]
fn SecretOnce(secret: RwSignal<Option<WebhookSecret>>) -> impl IntoView {
    let i18n = use_i18n();
    let card = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let (Some(_), Some(el)) = (secret.get(), card.get()) {
            el.scroll_into_view();
        }
    });
    move || {
        secret.get().map(|s| {
            view! {
                <div class="card notice" data-testid="webhook-secret" node_ref=card>
                    <p role="status"><b>{s.webhook.url.clone()}</b>" · "{move || i18n.t(W::SecretOnce)}</p>
                    <p><code class="secret" data-testid="webhook-secret-value">{s.secret.clone()}</code></p>
                    <div class="actions">
                        <button class="btn" type="button" on:click=move |_| secret.set(None)>
                            {move || i18n.t(crate::i18n::api_client::ApiClientText::Saved)}
                        </button>
                    </div>
                </div>
            }
        })
    }
}

/// The events as checkboxes, each with its wire name.
#[component]
fn EventChoices(
    events: RwSignal<Vec<EventType>>,
    #[prop(into)] errors: Signal<Vec<FieldError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let err = move || {
        errors
            .with(|e| error_for(e, "events"))
            .map(|c| field_error_text(c, i18n.lang()))
    };
    view! {
        <fieldset class="field" class:invalid=move || err().is_some()>
            <legend>{move || i18n.t(W::Events)}" *"</legend>
            {EventType::ALL.into_iter().map(|e| view! {
                <label class="check">
                    <input type="checkbox" data-event=e.as_str()
                        prop:checked=move || events.with(|v| v.contains(&e))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            events.update(|v| { v.retain(|x| *x != e); if on { v.push(e) } });
                        }/>
                    {move || event_label(e, i18n.lang())}" "<code class="muted">{e.as_str()}</code>
                </label>
            }).collect_view()}
            <p class="field-error">{err}</p>
        </fieldset>
    }
}

#[component]
fn NewWebhook(
    clients: StoredValue<Vec<ApiClient>>,
    secret: RwSignal<Option<WebhookSecret>>,
    reload: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let first = clients.with_value(|c| c.iter().find(|c| !c.disabled).map(|c| c.id));
    let client = RwSignal::new(first.map(|id| id.to_string()).unwrap_or_default());
    let url = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let events = RwSignal::new(Vec::<EventType>::new());
    let allow_private = RwSignal::new(false);
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let message = RwSignal::new(None::<String>);
    let add = Action::new_local(move |_: &()| {
        let body = WebhookCreate {
            api_client_id: client.get_untracked().parse().unwrap_or_default(),
            url: url.get_untracked(),
            events: events.get_untracked(),
            description: description.get_untracked(),
            allow_private: allow_private.get_untracked(),
        };
        async move { api::webhook::create(&body).await }
    });
    on_save(add, errors, message, move |r| {
        secret.set(Some(r.body));
        url.set(String::new());
        description.set(String::new());
        events.set(Vec::new());
        message.set(None);
        reload.run(());
    });
    let errs = Signal::derive(move || errors.get());
    let client_err = move || {
        errors
            .with(|e| error_for(e, "api_client_id"))
            .map(|c| field_error_text(c, i18n.lang()))
    };
    if first.is_none() {
        return view! { <p class="muted" data-testid="no-clients">{move || i18n.t(W::NoClients)}</p> }.into_any();
    }
    view! {
        <form class="card" data-testid="new-webhook" on:submit=move |ev| { ev.prevent_default(); add.dispatch(()); }>
            <h2>{move || i18n.t(W::NewWebhook)}</h2>
            <div class="field" class:invalid=move || client_err().is_some()>
                <label for="webhook-client">{move || i18n.t(W::Client)}" *"</label>
                <select id="webhook-client" on:change=move |ev| client.set(event_target_value(&ev))>
                    {clients.get_value().into_iter().filter(|c| !c.disabled).map(|c| {
                        let v = c.id.to_string();
                        let sel = v == client.get_untracked();
                        view! { <option value=v selected=sel>{c.name.clone()}</option> }
                    }).collect_view()}
                </select>
                <p class="field-error">{client_err}</p>
            </div>
            <TextField label=W::Url field="url" id="webhook-url" value=url errors=errs required=true maxlength=2000 input_type="url" inputmode="url" autocomplete="off"/>
            <EventChoices events=events errors=errs/>
            <TextField label=W::Description field="description" id="webhook-description" value=description errors=errs maxlength=200/>
            <label class="check">
                <input type="checkbox" prop:checked=move || allow_private.get()
                    on:change=move |ev| allow_private.set(event_target_checked(&ev))/>
                {move || i18n.t(W::AllowPrivate)}
            </label>
            <p class="form-error" role="alert">{move || message.get()}</p>
            <button class="btn primary" type="submit" prop:disabled=move || add.pending().get()>{move || i18n.t(W::NewWebhook)}</button>
        </form>
    }
    .into_any()
}

#[component]
fn WebhookRow(
    hook: Webhook,
    secret: RwSignal<Option<WebhookSecret>>,
    reload: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = hook.id;
    let etag = format!("\"{}\"", hook.version);
    let editing = RwSignal::new(false);
    let showing_log = RwSignal::new(false);
    let url = RwSignal::new(hook.url.clone());
    let description = RwSignal::new(hook.description.clone());
    let events = RwSignal::new(hook.events.clone());
    let allow_private = RwSignal::new(hook.allow_private);
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let message = RwSignal::new(None::<String>);
    #[derive(Clone)]
    enum Op {
        Save,
        Disabled(bool),
        Rotate,
    }
    let act = Action::new_local({
        let etag = etag.clone();
        move |op: &Op| {
            let (op, etag) = (op.clone(), etag.clone());
            async move {
                match op {
                    Op::Save => {
                        let body = WebhookUpdate {
                            url: Some(url.get_untracked()),
                            events: Some(events.get_untracked()),
                            description: Some(description.get_untracked()),
                            allow_private: Some(allow_private.get_untracked()),
                            ..Default::default()
                        };
                        api::webhook::update(id, &etag, &body).await.map(|_| None)
                    }
                    Op::Disabled(d) => {
                        let body = WebhookUpdate {
                            disabled: Some(d),
                            ..Default::default()
                        };
                        api::webhook::update(id, &etag, &body).await.map(|_| None)
                    }
                    Op::Rotate => api::webhook::rotate(id, &etag).await.map(|r| Some(r.body)),
                }
            }
        }
    });
    on_save(act, errors, message, move |rotated| {
        if let Some(s) = rotated {
            secret.set(Some(s));
        }
        editing.set(false);
        message.set(None);
        reload.run(());
    });
    let disabled = hook.disabled;
    let reason = hook.disabled_reason.clone();
    let names = hook
        .events
        .iter()
        .map(|e| e.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let rotate = move |_| {
        if window()
            .confirm_with_message(i18n.t(W::RotateConfirm))
            .unwrap_or(false)
        {
            act.dispatch(Op::Rotate);
        }
    };
    let toggle = move |_| {
        if disabled
            || window()
                .confirm_with_message(i18n.t(W::DisableConfirm))
                .unwrap_or(false)
        {
            act.dispatch(Op::Disabled(!disabled));
        }
    };
    let errs = Signal::derive(move || errors.get());
    let disabled_text = crate::i18n::api_client::ApiClientText::Disabled;
    view! {
        <li class="row webhook" class:inactive=disabled data-webhook=hook.url.clone()>
            <div class="row-main">
                <span class="row-title"><code class="id">{hook.url.clone()}</code>
                    {disabled.then(|| view! { " " <span class="badge muted">{move || i18n.t(disabled_text)}</span> })}</span>
                <span class="row-sub">{hook.api_client_name.clone()}
                    {(!hook.description.is_empty()).then(|| format!(" · {}", hook.description))}</span>
                <span class="row-sub muted"><code>{names}</code></span>
                {reason.map(|r| view! { <span class="row-sub warn" role="status">{r}</span> })}
            </div>
            <div class="actions">
                <button class="btn" aria-expanded=move || showing_log.get().to_string()
                    on:click=move |_| showing_log.update(|s| *s = !*s)>{move || i18n.t(W::Deliveries)}</button>
                <button class="btn" aria-expanded=move || editing.get().to_string()
                    on:click=move |_| editing.update(|e| *e = !*e)>{move || i18n.t(T::Edit)}</button>
                <button class="btn" prop:disabled=move || act.pending().get() on:click=rotate>
                    {move || i18n.t(crate::i18n::api_client::ApiClientText::Rotate)}</button>
                <button class="btn" data-testid="webhook-toggle" prop:disabled=move || act.pending().get() on:click=toggle>
                    {move || if disabled {
                        i18n.t(crate::i18n::api_client::ApiClientText::Enable)
                    } else {
                        i18n.t(crate::i18n::api_client::ApiClientText::Disable)
                    }}
                </button>
            </div>
            <Show when=move || editing.get() fallback=|| ()>
                <form class="sheet" on:submit=move |ev| { ev.prevent_default(); act.dispatch(Op::Save); }>
                    <TextField label=W::Url field="url" id=format!("url-{id}") value=url errors=errs required=true maxlength=2000 input_type="url"/>
                    <EventChoices events=events errors=errs/>
                    <TextField label=W::Description field="description" id=format!("desc-{id}") value=description errors=errs maxlength=200/>
                    <label class="check">
                        <input type="checkbox" prop:checked=move || allow_private.get()
                            on:change=move |ev| allow_private.set(event_target_checked(&ev))/>
                        {move || i18n.t(W::AllowPrivate)}
                    </label>
                    <button class="btn primary" type="submit" prop:disabled=move || act.pending().get()>{move || i18n.t(T::Save)}</button>
                </form>
            </Show>
            <Show when=move || showing_log.get() fallback=|| ()>
                <DeliveryLog webhook=id/>
            </Show>
            <p class="form-error" role="status">{move || message.get()}</p>
        </li>
    }
}

/// A subscription's deliveries, newest first, a page at a time.
#[component]
fn DeliveryLog(webhook: Uuid) -> impl IntoView {
    let i18n = use_i18n();
    let items = RwSignal::new(Vec::<WebhookDelivery>::new());
    let next = RwSignal::new(None::<String>);
    let load = Action::new_local(move |cursor: &Option<String>| {
        let cursor = cursor.clone();
        async move { api::webhook::deliveries(webhook, cursor).await }
    });
    Effect::new(move |_| {
        if let Some(Ok(page)) = load.value().get() {
            items.update(|v| v.extend(page.items));
            next.set(page.next_cursor);
        }
    });
    load.dispatch(None);
    let reload = move || {
        items.set(Vec::new());
        load.dispatch(None);
    };
    view! {
        <div class="sheet delivery-log" data-testid="delivery-log">
            <h3>{move || i18n.t(W::Deliveries)}</h3>
            {move || match load.value().get() {
                Some(Err(e)) => view! { <ErrorState error=e on_retry=move |_| reload()/> }.into_any(),
                None if items.with(Vec::is_empty) => view! { <Loading/> }.into_any(),
                _ if items.with(Vec::is_empty) => view! { <p class="muted">{move || i18n.t(W::NoDeliveries)}</p> }.into_any(),
                _ => ().into_any(),
            }}
            <ul class="list">
                <For each=move || items.get() key=|d| (d.id, d.status.as_str(), d.attempts) let:d>
                    <DeliveryRow delivery=d on_sent=Callback::new(move |_| reload())/>
                </For>
            </ul>
            <Show when=move || next.with(Option::is_some) fallback=|| ()>
                <button class="btn" prop:disabled=move || load.pending().get()
                    on:click=move |_| { load.dispatch(next.get_untracked()); }>{move || i18n.t(W::More)}</button>
            </Show>
        </div>
    }
}

#[component]
fn DeliveryRow(delivery: WebhookDelivery, on_sent: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let id = delivery.id;
    let again = Action::new_local(move |_: &()| async move { api::webhook::redeliver(id).await });
    Effect::new(move |_| {
        if let Some(Ok(_)) = again.value().get() {
            on_sent.run(());
        }
    });
    let status = delivery.status;
    let last = delivery.log.first().cloned();
    let when = local_time(delivery.created_at);
    let next = delivery.next_attempt_at.map(local_time);
    let attempts = delivery.attempts;
    // The last answer: its status and time, or why none came, and the start of its body.
    let answer = last.as_ref().map(|a| match (a.status_code, &a.error) {
        (Some(code), _) => format!("HTTP {code} · {} ms", a.duration_ms),
        (None, Some(e)) => e.clone(),
        (None, None) => String::new(),
    });
    let response = last
        .map(|a| a.response.chars().take(200).collect::<String>())
        .filter(|r| !r.trim().is_empty());
    view! {
        <li class="row delivery" data-status=status.as_str()>
            <div class="row-main">
                <span class="row-title">{move || event_label(delivery.event_type, i18n.lang())}" "
                    <span class="badge" class:muted={status != DeliveryStatus::Delivered}>{move || status_label(status, i18n.lang())}</span></span>
                <span class="row-sub muted">{when}" · "{attempts}" "{move || i18n.t(W::Attempts)}
                    {next.clone().map(|n| view! { " · " {move || i18n.t(W::NextAttempt)} " " {n} })}</span>
                {answer.map(|a| view! { <span class="row-sub"><code class="id">{a}</code></span> })}
                {response.map(|r| view! { <span class="row-sub muted"><code class="id">{r}</code></span> })}
            </div>
            <div class="actions">
                <button class="btn" data-testid="redeliver" prop:disabled=move || again.pending().get()
                    on:click=move |_| { again.dispatch(()); }>{move || i18n.t(W::Redeliver)}</button>
            </div>
            {move || match again.value().get() {
                Some(Err(e)) => Some(view! { <p class="form-error" role="alert">{crate::components::save_error_text(&e, i18n.lang())}</p> }),
                _ => None,
            }}
        </li>
    }
}
