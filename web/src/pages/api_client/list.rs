//! Admin → 开放平台 → 应用: register a client (scopes, place in the org, source addresses, rate),
//! see its secret once, rotate it, disable it. Rows stack into cards on a phone.

use kaidan_shared::api_client::{
    ApiClient, ApiClientCreate, ApiClientSecret, ApiClientUpdate, ApiScope,
};
use kaidan_shared::org::{Region, Team};
use kaidan_shared::{FieldError, Patch};
use leptos::prelude::*;
use uuid::Uuid;

use crate::api;
use crate::components::{error_for, on_save, ErrorState, Loading, TextField};
use crate::i18n::api_client::{scope_label, ApiClientText as A};
use crate::i18n::{field_error_text, use_i18n, T};
use crate::pages::org::list::name_of;

#[component]
pub fn ApiClientsTab(teams: Vec<Team>, regions: Vec<Region>) -> impl IntoView {
    let i18n = use_i18n();
    let teams = StoredValue::new(teams);
    let regions = StoredValue::new(regions);
    let clients = LocalResource::new(|| async { api::api_client::list().await });
    let reload = Callback::new(move |_| clients.refetch());
    // The secret of the client just registered or rotated: shown once, until dismissed.
    let secret = RwSignal::new(None::<ApiClientSecret>);
    view! {
        <p class="muted">{move || i18n.t(A::Intro)}</p>
        <SecretOnce secret=secret/>
        <Transition fallback=|| view! { <Loading/> }>
            {move || clients.get().map(|r| match r {
                Ok(list) if list.is_empty() => view! { <p class="muted">{move || i18n.t(A::NoClients)}</p> }.into_any(),
                Ok(list) => view! {
                    <ul class="list api-clients">
                        {list.into_iter().map(|c| view! {
                            <ClientRow client=c teams=teams regions=regions secret=secret reload=reload/>
                        }).collect_view()}
                    </ul>
                }.into_any(),
                Err(e) => view! { <ErrorState error=e on_retry=move |_| reload.run(())/> }.into_any(),
            })}
        </Transition>
        <NewClient teams=teams regions=regions secret=secret reload=reload/>
    }
}

/// The secret of a client, once, with its id and a copy button.
#[component]
fn SecretOnce(secret: RwSignal<Option<ApiClientSecret>>) -> impl IntoView {
    let i18n = use_i18n();
    // The form is at the foot of a long tab on a phone: bring the secret into view when it
    // arrives, or it would be missed.
    let card = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let (Some(_), Some(el)) = (secret.get(), card.get()) {
            el.scroll_into_view();
        }
    });
    move || {
        secret.get().map(|s| {
            // Per secret: a new one has not been copied yet.
            let copied = RwSignal::new(false);
            let value = s.client_secret.clone();
            let copy = move |_| {
                // Only secure pages (https, localhost) have a clipboard; elsewhere the secret is
                // selected by hand from the box.
                let nav = window().navigator();
                let has = js_sys::Reflect::get(&nav, &"clipboard".into())
                    .is_ok_and(|c| !c.is_undefined());
                if has {
                    let _ = nav.clipboard().write_text(&value);
                    copied.set(true);
                }
            };
            view! {
                <div class="card notice" data-testid="client-secret" node_ref=card>
                    <p role="status"><b>{s.client.name.clone()}</b>" · "{move || i18n.t(A::SecretOnce)}</p>
                    <p>{move || i18n.t(A::ClientId)}": "<code class="id" data-testid="client-id">{s.client.id.to_string()}</code></p>
                    <p><code class="secret" data-testid="secret-value">{s.client_secret.clone()}</code></p>
                    <div class="actions">
                        <button class="btn primary" type="button" on:click=copy>
                            {move || if copied.get() { i18n.t(A::Copied) } else { i18n.t(A::Copy) }}
                        </button>
                        <button class="btn" type="button" on:click=move |_| secret.set(None)>
                            {move || i18n.t(A::Saved)}
                        </button>
                    </div>
                </div>
            }
        })
    }
}

/// The place choice: "" (the company), `r:<id>` or `t:<id>`.
fn place_key(team: Option<Uuid>, region: Option<Uuid>) -> String {
    match (team, region) {
        (Some(t), _) => format!("t:{t}"),
        (None, Some(r)) => format!("r:{r}"),
        _ => String::new(),
    }
}

fn place_of(key: &str) -> (Option<Uuid>, Option<Uuid>) {
    match key.split_once(':') {
        Some(("t", id)) => (id.parse().ok(), None),
        Some(("r", id)) => (None, id.parse().ok()),
        _ => (None, None),
    }
}

fn networks(text: &str) -> Vec<String> {
    text.split(|c: char| c == '\n' || c == ',' || c.is_whitespace())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Scopes, place, addresses and rate: the form both registration and editing show.
#[component]
fn ClientFields(
    prefix: String,
    scopes: RwSignal<Vec<ApiScope>>,
    place: RwSignal<String>,
    ips: RwSignal<String>,
    rate: RwSignal<String>,
    teams: StoredValue<Vec<Team>>,
    regions: StoredValue<Vec<Region>>,
    #[prop(into)] errors: Signal<Vec<FieldError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let err = move |field: &'static str| {
        move || {
            errors
                .with(|e| error_for(e, field))
                .map(|c| field_error_text(c, i18n.lang()))
        }
    };
    let scope_err = err("scopes");
    let ips_err = err("allowed_ips");
    let rate_err = err("rate_per_minute");
    let (place_id, ips_id, rate_id) = (
        format!("{prefix}-place"),
        format!("{prefix}-ips"),
        format!("{prefix}-rate"),
    );
    view! {
        <fieldset class="field" class:invalid=move || scope_err().is_some()>
            <legend>{move || i18n.t(A::Scopes)}" *"</legend>
            {ApiScope::ALL.into_iter().map(|s| view! {
                <label class="check">
                    <input type="checkbox" data-scope=s.as_str()
                        prop:checked=move || scopes.with(|v| v.contains(&s))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            scopes.update(|v| { v.retain(|x| *x != s); if on { v.push(s) } });
                        }/>
                    {move || scope_label(s, i18n.lang())}" "<code class="muted">{s.as_str()}</code>
                </label>
            }).collect_view()}
            <p class="field-error">{scope_err}</p>
        </fieldset>
        <div class="field">
            <label for=place_id.clone()>{move || i18n.t(A::Place)}</label>
            <select id=place_id on:change=move |ev| place.set(event_target_value(&ev))>
                <option value="" selected=move || place.get().is_empty()>{move || i18n.t(A::WholeCompany)}</option>
                {regions.get_value().into_iter().map(|r| {
                    let v = format!("r:{}", r.id);
                    let sel = v == place.get_untracked();
                    view! { <option value=v selected=sel>{move || format!("{} · {}", i18n.t(T::Region), r.name)}</option> }
                }).collect_view()}
                {teams.get_value().into_iter().map(|t| {
                    let v = format!("t:{}", t.id);
                    let sel = v == place.get_untracked();
                    view! { <option value=v selected=sel>{move || format!("{} · {}", i18n.t(T::Team), t.name)}</option> }
                }).collect_view()}
            </select>
        </div>
        <div class="field" class:invalid=move || ips_err().is_some()>
            <label for=ips_id.clone()>{move || i18n.t(A::AllowedIps)}</label>
            <textarea id=ips_id rows="2" placeholder="203.0.113.0/24" prop:value=move || ips.get()
                on:input=move |ev| ips.set(event_target_value(&ev))></textarea>
            <p class="field-error">{ips_err}</p>
        </div>
        <div class="field" class:invalid=move || rate_err().is_some()>
            <label for=rate_id.clone()>{move || i18n.t(A::RatePerMinute)}</label>
            <input id=rate_id type="number" inputmode="numeric" min="1" max="100000" prop:value=move || rate.get()
                on:input=move |ev| rate.set(event_target_value(&ev))/>
            <p class="field-error">{rate_err}</p>
        </div>
    }
}

#[component]
fn NewClient(
    teams: StoredValue<Vec<Team>>,
    regions: StoredValue<Vec<Region>>,
    secret: RwSignal<Option<ApiClientSecret>>,
    reload: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let name = RwSignal::new(String::new());
    let scopes = RwSignal::new(Vec::<ApiScope>::new());
    let place = RwSignal::new(String::new());
    let ips = RwSignal::new(String::new());
    let rate = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let message = RwSignal::new(None::<String>);
    let add = Action::new_local(move |_: &()| {
        let (team_id, region_id) = place_of(&place.get_untracked());
        let body = ApiClientCreate {
            name: name.get_untracked(),
            scopes: scopes.get_untracked(),
            team_id,
            region_id,
            allowed_ips: networks(&ips.get_untracked()),
            rate_per_minute: rate.get_untracked().trim().parse().ok(),
        };
        async move { api::api_client::create(&body).await }
    });
    on_save(add, errors, message, move |r| {
        secret.set(Some(r.body));
        name.set(String::new());
        scopes.set(Vec::new());
        ips.set(String::new());
        rate.set(String::new());
        message.set(None);
        reload.run(());
    });
    let errs = Signal::derive(move || errors.get());
    view! {
        <form class="card" data-testid="new-client" on:submit=move |ev| { ev.prevent_default(); add.dispatch(()); }>
            <h2>{move || i18n.t(A::NewClient)}</h2>
            <TextField label=T::Name field="name" id="client-name" value=name errors=errs required=true maxlength=64 autocomplete="off"/>
            <ClientFields prefix="new-client".into() scopes=scopes place=place ips=ips rate=rate teams=teams regions=regions errors=errs/>
            <p class="form-error" role="alert">{move || message.get()}</p>
            <button class="btn primary" type="submit" prop:disabled=move || add.pending().get()>{move || i18n.t(A::NewClient)}</button>
        </form>
    }
}

#[component]
fn ClientRow(
    client: ApiClient,
    teams: StoredValue<Vec<Team>>,
    regions: StoredValue<Vec<Region>>,
    secret: RwSignal<Option<ApiClientSecret>>,
    reload: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = client.id;
    let etag = format!("\"{}\"", client.version);
    let editing = RwSignal::new(false);
    let name = RwSignal::new(client.name.clone());
    let scopes = RwSignal::new(client.scopes.clone());
    let place = RwSignal::new(place_key(client.team_id, client.region_id));
    let ips = RwSignal::new(client.allowed_ips.join("\n"));
    let rate = RwSignal::new(
        client
            .rate_per_minute
            .map(|r| r.to_string())
            .unwrap_or_default(),
    );
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
                        let (team_id, region_id) = place_of(&place.get_untracked());
                        let body = ApiClientUpdate {
                            name: Some(name.get_untracked()),
                            scopes: Some(scopes.get_untracked()),
                            team_id: team_id.map_or(Patch::Null, Patch::Value),
                            region_id: region_id.map_or(Patch::Null, Patch::Value),
                            allowed_ips: Some(networks(&ips.get_untracked())),
                            rate_per_minute: rate
                                .get_untracked()
                                .trim()
                                .parse()
                                .map_or(Patch::Null, Patch::Value),
                            disabled: None,
                        };
                        api::api_client::update(id, &etag, &body)
                            .await
                            .map(|_| None)
                    }
                    Op::Disabled(d) => {
                        let body = ApiClientUpdate {
                            disabled: Some(d),
                            ..Default::default()
                        };
                        api::api_client::update(id, &etag, &body)
                            .await
                            .map(|_| None)
                    }
                    Op::Rotate => api::api_client::rotate(id, &etag, 24)
                        .await
                        .map(|r| Some(r.body)),
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
    let placed = match (client.team_id, client.region_id) {
        (Some(t), _) => {
            Some(teams.with_value(|ts| name_of(ts, Some(t), |x| (x.id, x.name.clone()))))
        }
        (None, Some(r)) => {
            Some(regions.with_value(|rs| name_of(rs, Some(r), |x| (x.id, x.name.clone()))))
        }
        _ => None,
    };
    let place_name = move || {
        placed
            .clone()
            .unwrap_or_else(|| i18n.t(A::WholeCompany).to_owned())
    };
    let disabled = client.disabled;
    let used = client.last_used_at.map(crate::components::local_time);
    let old_until = client
        .previous_secret_valid_until
        .map(crate::components::local_time);
    let scope_names = client
        .scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let rotate = move |_| {
        if window()
            .confirm_with_message(i18n.t(A::RotateConfirm))
            .unwrap_or(false)
        {
            act.dispatch(Op::Rotate);
        }
    };
    let errs = Signal::derive(move || errors.get());
    view! {
        <li class="row api-client" class:inactive=disabled data-client=client.name.clone()>
            <div class="row-main">
                <span class="row-title">{client.name.clone()}
                    {disabled.then(|| view! { " " <span class="badge muted">{move || i18n.t(A::Disabled)}</span> })}</span>
                <span class="row-sub">{place_name}" · "<code>{scope_names}</code></span>
                <span class="row-sub muted">{move || i18n.t(A::ClientId)}" "<code class="id">{id.to_string()}</code>" · "
                    {move || i18n.t(A::LastUsed)}" "{move || used.clone().unwrap_or_else(|| i18n.t(A::Never).to_owned())}
                    {old_until.clone().map(|t| view! { " · " {move || i18n.t(A::OldSecretUntil)} " " {t} })}</span>
            </div>
            <div class="actions">
                <button class="btn" aria-expanded=move || editing.get().to_string()
                    on:click=move |_| editing.update(|e| *e = !*e)>{move || i18n.t(T::Edit)}</button>
                <button class="btn" data-testid="rotate" prop:disabled=move || act.pending().get() on:click=rotate>{move || i18n.t(A::Rotate)}</button>
                <button class="btn" data-testid="toggle" prop:disabled=move || act.pending().get()
                    on:click=move |_| {
                        // Disabling stops a live integration at once: asked first.
                        if disabled || window().confirm_with_message(i18n.t(A::DisableConfirm)).unwrap_or(false) {
                            act.dispatch(Op::Disabled(!disabled));
                        }
                    }>
                    {move || if disabled { i18n.t(A::Enable) } else { i18n.t(A::Disable) }}
                </button>
            </div>
            <Show when=move || editing.get() fallback=|| ()>
                <form class="sheet" on:submit=move |ev| { ev.prevent_default(); act.dispatch(Op::Save); }>
                    <TextField label=T::Name field="name" id=format!("name-{id}") value=name errors=errs required=true maxlength=64/>
                    <ClientFields prefix=format!("c-{id}") scopes=scopes place=place ips=ips rate=rate teams=teams regions=regions errors=errs/>
                    <button class="btn primary" type="submit" prop:disabled=move || act.pending().get()>{move || i18n.t(T::Save)}</button>
                </form>
            </Show>
            <p class="form-error" role="status">{move || message.get()}</p>
        </li>
    }
}
