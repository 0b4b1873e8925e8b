//! One customer: its facts, contacts (call, copy WeChat, edit, make primary), history, and the
//! actions the user's role allows (edit, transfer, archive/restore).

use kaidan_shared::audit::AuditEntry;
use kaidan_shared::contact::{Contact, ContactInput, ContactUpdate};
use kaidan_shared::customer::{Customer, CustomerDetail, TransferRequest};
use kaidan_shared::page::Page;
use kaidan_shared::user::User;
use kaidan_shared::{Action as Act, FieldError, Resource};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use crate::api::{self, ApiError};
use crate::app::use_auth;
use crate::components::{on_save, save_error_text, ErrorState, Loading, TextField};
use crate::i18n::{action_label, field_label, level_label, use_i18n, T};

#[derive(Clone)]
struct Loaded {
    detail: CustomerDetail,
    etag: String,
}

#[component]
pub fn CustomerDetailPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let data = LocalResource::new(move || {
        let id = id();
        async move {
            api::get::<CustomerDetail>(&format!("/api/v1/customers/{id}"))
                .await
                .map(|r| Loaded {
                    etag: r.etag.unwrap_or_default(),
                    detail: r.body,
                })
        }
    });
    let reload = move || data.refetch();
    view! {
        <section class="page">
            <A href="/customers" attr:class="back">"‹ " {move || i18n.t(T::Back)}</A>
            <Transition fallback=|| view! { <Loading/> }>
                {move || data.get().map(|r| match r {
                    Ok(l) => view! { <Detail loaded=l on_change=Callback::new(move |_| reload())/> }.into_any(),
                    Err(e) => view! { <ErrorState error=e on_retry=move |_| reload()/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Detail(loaded: Loaded, on_change: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let c: Customer = loaded.detail.customer.clone();
    let etag = loaded.etag.clone();
    let id = c.id;
    let archived = c.archived;
    let message = RwSignal::new(None::<String>);
    let transfer_open = RwSignal::new(false);

    let archive = Action::new_local(move |(etag, restore): &(String, bool)| {
        let (etag, restore) = (etag.clone(), *restore);
        async move {
            if restore {
                api::post::<_, Customer>(
                    &format!("/api/v1/customers/{id}/restore"),
                    &serde_json::json!({}),
                )
                .await
            } else {
                api::delete::<Customer>(&format!("/api/v1/customers/{id}"), &etag).await
            }
        }
    });
    Effect::new(move |_| {
        if let Some(r) = archive.value().get() {
            match r {
                Ok(_) => on_change.run(()),
                Err(e) => message.set(Some(save_error_text(&e, i18n.lang()))),
            }
        }
    });
    let etag_for_archive = etag.clone();
    let on_archive = move |_| {
        let confirmed = archived
            || window()
                .confirm_with_message(i18n.t(T::ConfirmArchive))
                .unwrap_or(false);
        if confirmed {
            archive.dispatch((etag_for_archive.clone(), archived));
        }
    };

    let facts: Vec<(T, Option<String>)> = vec![
        (
            T::Level,
            c.level.map(|l| level_label(l, i18n.lang()).to_owned()),
        ),
        (T::Industry, c.industry.clone()),
        (T::Phone, c.phone.clone()),
        (T::CreditCode, c.credit_code.clone()),
        (T::Address, c.address.clone()),
        (T::Owner, c.owner_name.clone()),
        (T::Source, c.source.clone()),
        (T::Tag, (!c.tags.is_empty()).then(|| c.tags.join("、"))),
        (T::Notes, c.notes.clone()),
    ];
    let phone = c.phone.clone();
    view! {
        <article class="card detail" data-testid="customer-detail">
            <h1 data-testid="customer-name">{c.name.clone()}
                {archived.then(|| view! { <span class="badge muted">{move || i18n.t(T::Archived)}</span> })}
            </h1>
            <dl class="facts">
                {facts.into_iter().filter_map(|(k, v)| v.map(|v| view! {
                    <div><dt>{move || i18n.t(k)}</dt><dd>{v}</dd></div>
                })).collect_view()}
            </dl>
            <div class="actions">
                {phone.map(|p| view! { <a class="btn" href=format!("tel:{p}")>{move || i18n.t(T::Call)}</a> })}
                <Show when=move || !archived && auth.can(Resource::Customer, Act::Update) fallback=|| ()>
                    <A href=format!("/customers/{id}/edit") attr:class="btn" attr:data-testid="edit-customer">{move || i18n.t(T::Edit)}</A>
                </Show>
                <Show when=move || !archived && auth.can(Resource::Customer, Act::Transfer) fallback=|| ()>
                    <button class="btn" data-testid="transfer-open" on:click=move |_| transfer_open.set(true)>{move || i18n.t(T::Transfer)}</button>
                </Show>
                <Show when=move || auth.can(Resource::Customer, Act::Archive) fallback=|| ()>
                    <button class="btn danger" prop:disabled=move || archive.pending().get() on:click=on_archive.clone()>
                        {move || if archived { i18n.t(T::Restore) } else { i18n.t(T::Archive) }}
                    </button>
                </Show>
            </div>
            <p class="form-error" role="alert">{move || message.get()}</p>
            <Show when=move || transfer_open.get() fallback=|| ()>
                <TransferForm id=id etag=etag.clone() owner=c.owner_id on_done=Callback::new(move |changed: bool| {
                    transfer_open.set(false);
                    if changed { on_change.run(()) }
                })/>
            </Show>
        </article>
        <Contacts customer_id=id contacts=loaded.detail.contacts.clone() archived=archived on_change=on_change/>
        <History customer_id=id/>
    }
}

#[component]
fn TransferForm(
    id: Uuid,
    etag: String,
    owner: Option<Uuid>,
    on_done: Callback<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let users = LocalResource::new(|| async {
        api::get::<Page<User>>("/api/v1/users?limit=200")
            .await
            .map(|r| r.body.items)
    });
    let target = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let save = Action::new_local(move |(etag, to, why): &(String, String, String)| {
        let (etag, to, why) = (etag.clone(), to.clone(), why.clone());
        async move {
            let owner_id = to.parse::<Uuid>().map_err(|_| ApiError {
                status: 422,
                problem: None,
                retry_after: None,
            })?;
            let body = TransferRequest {
                owner_id,
                reason: (!why.trim().is_empty()).then(|| why.trim().to_owned()),
            };
            api::send::<_, Customer>(
                gloo_net::http::Method::POST,
                &format!("/api/v1/customers/{id}/transfer"),
                Some(&body),
                Some(&etag),
            )
            .await
        }
    });
    Effect::new(move |_| {
        if let Some(r) = save.value().get() {
            match r {
                Ok(_) => on_done.run(true),
                Err(e) => error.set(Some(save_error_text(&e, i18n.lang()))),
            }
        }
    });
    view! {
        <form class="sheet" on:submit=move |ev| {
            ev.prevent_default();
            save.dispatch((etag.clone(), target.get_untracked(), reason.get_untracked()));
        }>
            <div class="field">
                <label for="transfer-to">{move || i18n.t(T::TransferTo)}</label>
                <select id="transfer-to" required on:change=move |ev| target.set(event_target_value(&ev))>
                    <option value="">"—"</option>
                    {move || users.get().and_then(Result::ok).unwrap_or_default().into_iter()
                        .filter(|u| Some(u.id) != owner && u.role.can_own_customers())
                        .map(|u| view! { <option value=u.id.to_string()>{format!("{} ({})", u.display_name, u.username)}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="transfer-reason">{move || i18n.t(T::Reason)}</label>
                <input id="transfer-reason" maxlength="500" prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))/>
            </div>
            <p class="form-error" role="alert">{move || error.get()}</p>
            <div class="actions">
                <button class="btn primary" type="submit" data-testid="transfer-submit"
                    prop:disabled=move || save.pending().get() || target.with(String::is_empty)>{move || i18n.t(T::Transfer)}</button>
                <button class="btn" type="button" on:click=move |_| on_done.run(false)>{move || i18n.t(T::Cancel)}</button>
            </div>
        </form>
    }
}

#[component]
fn Contacts(
    customer_id: Uuid,
    contacts: Vec<Contact>,
    archived: bool,
    on_change: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let adding = RwSignal::new(false);
    let can_edit = move || !archived && auth.can(Resource::Contact, Act::Update);
    let empty = contacts.is_empty();
    view! {
        <section class="card">
            <div class="section-head">
                <h2>{move || i18n.t(T::Contacts)}</h2>
                <Show when=move || can_edit() && !adding.get() fallback=|| ()>
                    <button class="btn" data-testid="add-contact" on:click=move |_| adding.set(true)>"+ " {move || i18n.t(T::AddContact)}</button>
                </Show>
            </div>
            <Show when=move || adding.get() fallback=|| ()>
                <ContactForm customer_id=customer_id contact=None on_done=Callback::new(move |changed: bool| {
                    adding.set(false);
                    if changed { on_change.run(()) }
                })/>
            </Show>
            {empty.then(|| view! { <p class="state empty">{move || i18n.t(T::NoContacts)}</p> })}
            <ul class="contacts">
                {contacts.into_iter().map(|c| view! { <ContactRow customer_id=customer_id contact=c can_edit=Signal::derive(can_edit) on_change=on_change/> }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn ContactRow(
    customer_id: Uuid,
    contact: Contact,
    can_edit: Signal<bool>,
    on_change: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let editing = RwSignal::new(false);
    let copied = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let id = contact.id;
    let is_primary = contact.is_primary;
    let etag = StoredValue::new(format!("\"{}\"", contact.version));
    let contact = StoredValue::new(contact);
    let act = Action::new_local(move |remove: &bool| {
        let remove = *remove;
        let etag = etag.get_value();
        async move {
            if remove {
                api::delete::<serde_json::Value>(&format!("/api/v1/contacts/{id}"), &etag)
                    .await
                    .map(|_| ())
            } else {
                let body = ContactUpdate {
                    is_primary: Some(true),
                    ..Default::default()
                };
                api::patch::<_, Contact>(&format!("/api/v1/contacts/{id}"), &etag, &body)
                    .await
                    .map(|_| ())
            }
        }
    });
    Effect::new(move |_| {
        if let Some(r) = act.value().get() {
            match r {
                Ok(()) => on_change.run(()),
                Err(e) => error.set(Some(save_error_text(&e, i18n.lang()))),
            }
        }
    });
    let copy = move |_| {
        if let Some(w) = contact.with_value(|c| c.wechat.clone()) {
            let _ = window().navigator().clipboard().write_text(&w);
            copied.set(true);
        }
    };
    let c = contact.get_value();
    view! {
        <li class="contact" data-testid="contact">
            <Show when=move || !editing.get() fallback=move || view! {
                <ContactForm customer_id=customer_id contact=Some(contact.get_value()) on_done=Callback::new(move |changed: bool| {
                    editing.set(false);
                    if changed { on_change.run(()) }
                })/>
            }>
                <div class="contact-head">
                    <strong>{c.name.clone()}</strong>
                    {c.title.clone().map(|t| view! { <span class="muted">{t}</span> })}
                    {is_primary.then(|| view! { <span class="badge">{move || i18n.t(T::Primary)}</span> })}
                </div>
                <div class="actions">
                    {c.phones.iter().map(|p| view! { <a class="btn" href=format!("tel:{}", p.replace(' ', ""))>"☎ " {p.clone()}</a> }).collect_view()}
                    {c.wechat.clone().map(|w| view! {
                        <button class="btn" on:click=copy aria-label=move || format!("{} {w}", i18n.t(T::CopyWechat))>
                            {move || if copied.get() { i18n.t(T::Copied) } else { i18n.t(T::CopyWechat) }}
                        </button>
                    })}
                    {c.email.clone().map(|m| view! { <a class="btn" href=format!("mailto:{m}") aria-label=m.clone()>"✉"</a> })}
                </div>
                <Show when=move || can_edit.get() fallback=|| ()>
                    <div class="actions">
                        <button class="btn" on:click=move |_| editing.set(true)>{move || i18n.t(T::Edit)}</button>
                        <Show when=move || !is_primary fallback=|| ()>
                            <button class="btn" prop:disabled=move || act.pending().get()
                                on:click=move |_| { act.dispatch(false); }>{move || i18n.t(T::MakePrimary)}</button>
                        </Show>
                        <button class="btn danger" prop:disabled=move || act.pending().get()
                            on:click=move |_| { act.dispatch(true); }>{move || i18n.t(T::Remove)}</button>
                    </div>
                </Show>
                <p class="form-error" role="alert">{move || error.get()}</p>
            </Show>
        </li>
    }
}

fn split_list(s: &str) -> Vec<String> {
    s.split([',', '，', '、', ';', '；'])
        .map(|x| x.trim().to_owned())
        .filter(|x| !x.is_empty())
        .collect()
}

/// Add (contact = None) or edit a contact. Values stay in the form when saving fails.
#[component]
pub fn ContactForm(
    customer_id: Uuid,
    contact: Option<Contact>,
    on_done: Callback<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let c = contact.clone().unwrap_or_else(|| Contact {
        id: Uuid::nil(),
        customer_id,
        name: String::new(),
        title: None,
        phones: Vec::new(),
        email: None,
        wechat: None,
        is_primary: false,
        notes: None,
        version: 0,
        created_at: Default::default(),
        updated_at: Default::default(),
    });
    let name = RwSignal::new(c.name.clone());
    let title = RwSignal::new(c.title.clone().unwrap_or_default());
    let phones = RwSignal::new(c.phones.join(", "));
    let email = RwSignal::new(c.email.clone().unwrap_or_default());
    let wechat = RwSignal::new(c.wechat.clone().unwrap_or_default());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let message = RwSignal::new(None::<String>);
    let editing = contact.is_some();
    let opt = |s: String| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    let save = Action::new_local(move |_: &()| {
        let input = ContactInput {
            name: name.get_untracked(),
            title: opt(title.get_untracked()),
            phones: split_list(&phones.get_untracked()),
            email: opt(email.get_untracked()),
            wechat: opt(wechat.get_untracked()),
            is_primary: false,
            notes: None,
        };
        let version = c.version;
        let id = c.id;
        async move {
            if editing {
                let body = ContactUpdate {
                    name: Some(input.name),
                    title: input.title.into(),
                    phones: Some(input.phones),
                    email: input.email.into(),
                    wechat: input.wechat.into(),
                    ..Default::default()
                };
                api::patch::<_, Contact>(
                    &format!("/api/v1/contacts/{id}"),
                    &format!("\"{version}\""),
                    &body,
                )
                .await
                .map(|_| ())
            } else {
                api::post::<_, Contact>(
                    &format!("/api/v1/customers/{customer_id}/contacts"),
                    &input,
                )
                .await
                .map(|_| ())
            }
        }
    });
    on_save(save, errors, message, move |()| on_done.run(true));
    let errs = Signal::derive(move || errors.get());
    view! {
        <form class="sheet" data-testid="contact-form" on:submit=move |ev| { ev.prevent_default(); save.dispatch(()); }>
            <h3>{move || if editing { i18n.t(T::EditContact) } else { i18n.t(T::AddContact) }}</h3>
            <TextField label=T::ContactName field="name" value=name errors=errs required=true maxlength=64/>
            <TextField label=T::Title field="title" value=title errors=errs maxlength=64/>
            <TextField label=T::Phones field="phones" value=phones errors=errs input_type="tel" inputmode="tel"/>
            <TextField label=T::Email field="email" value=email errors=errs input_type="email"/>
            <TextField label=T::Wechat field="wechat" value=wechat errors=errs maxlength=64/>
            <p class="form-error" role="alert">{move || message.get()}</p>
            <div class="actions">
                <button class="btn primary" type="submit" prop:disabled=move || save.pending().get()>
                    {move || if save.pending().get() { i18n.t(T::Saving) } else { i18n.t(T::Save) }}
                </button>
                <button class="btn" type="button" on:click=move |_| on_done.run(false)>{move || i18n.t(T::Cancel)}</button>
            </div>
        </form>
    }
}

#[component]
fn History(customer_id: Uuid) -> impl IntoView {
    let i18n = use_i18n();
    let data = LocalResource::new(move || async move {
        api::get::<Page<AuditEntry>>(&format!("/api/v1/customers/{customer_id}/history?limit=50"))
            .await
            .map(|r| r.body.items)
    });
    view! {
        <section class="card">
            <h2>{move || i18n.t(T::History)}</h2>
            <Transition fallback=|| view! { <Loading/> }>
                {move || data.get().map(|r| match r {
                    Ok(items) if items.is_empty() => view! { <p class="state empty">{move || i18n.t(T::NoHistory)}</p> }.into_any(),
                    Ok(items) => view! {
                        <ol class="history">
                            {items.into_iter().map(|e| {
                                // Changed fields, for edits (a creation lists everything, which says nothing).
                                let lang = i18n.lang();
                                let mut fields: Vec<String> = if e.before.is_some() {
                                    e.after.as_ref().and_then(|a| a.as_object())
                                        .map(|o| o.keys().map(|k| field_label(k, lang)).filter(|l| !l.is_empty()).collect())
                                        .unwrap_or_default()
                                } else {
                                    Vec::new()
                                };
                                fields.dedup();
                                let fields = fields.join("、");
                                // Shown in China Standard Time, the users' zone.
                                let when = (e.at + chrono::Duration::hours(8)).format("%Y-%m-%d %H:%M").to_string();
                                view! {
                                    <li>
                                        <span class="muted">{when}</span>" "
                                        <strong>{e.actor_name.unwrap_or_default()}</strong>" "
                                        <span>{action_label(e.action, lang)}</span>
                                        {(!fields.is_empty()).then(|| view! { <span class="muted">{format!(" ({fields})")}</span> })}
                                    </li>
                                }
                            }).collect_view()}
                        </ol>
                    }.into_any(),
                    Err(e) => view! { <ErrorState error=e on_retry=move |_| data.refetch()/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}
