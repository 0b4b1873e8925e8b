//! One customer: its facts, contacts (call, copy WeChat, edit, make primary), history, and the
//! actions the user's role allows (edit, transfer, archive/restore).

use kaidan_shared::audit::HistoryQuery;
use kaidan_shared::contact::{Contact, ContactUpdate};
use kaidan_shared::customer::{Customer, CustomerDetail, TransferRequest};
use kaidan_shared::pool::ReleaseRequest;
use kaidan_shared::user::UserListQuery;
use kaidan_shared::{Action as Act, Resource};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use crate::api::{self, ApiError};
use crate::app::use_auth;
use crate::components::contact_form::ContactForm;
use crate::components::custom_fields::CustomFacts;
use crate::components::history::History;
use crate::components::layout::DetailSections;
use crate::components::{save_error_text, ErrorState, Loading};
use crate::i18n::contact::ContactText;
use crate::i18n::customer::CustomerText;
use crate::i18n::pool::PoolText;
use crate::i18n::{use_i18n, T};
use crate::options::use_catalog;

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
            let id = id.parse::<Uuid>().map_err(|_| api::not_found())?;
            api::customer::get(id).await.map(|r| Loaded {
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
    let release_open = RwSignal::new(false);
    let pooled = c.pool_id.is_some();
    let claimed =
        leptos_router::hooks::use_query_map().with_untracked(|q| q.get("claimed").is_some());

    let archive = Action::new_local(move |(etag, restore): &(String, bool)| {
        let (etag, restore) = (etag.clone(), *restore);
        async move {
            if restore {
                api::customer::restore(id, Some(&etag)).await
            } else {
                api::customer::archive(id, &etag).await
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
    let etag_for_release = etag.clone();
    let on_archive = move |_| {
        let confirmed = archived
            || window()
                .confirm_with_message(i18n.t(CustomerText::ConfirmArchive))
                .unwrap_or(false);
        if confirmed {
            archive.dispatch((etag_for_archive.clone(), archived));
        }
    };

    let catalog = use_catalog();
    // A built-in field as (label, value), where the layout places it; `None` when empty (the
    // name is the heading).
    let fact_of = {
        let c = c.clone();
        move |key: &str| -> Option<(String, String)> {
            let lang = i18n.lang();
            if key == "name" {
                return None;
            }
            super::builtin_text(&c, key, catalog, lang)
                .map(|v| (super::builtin_label(Resource::Customer, key, lang), v))
        }
    };
    let owner = c.owner_name.clone();
    let phone = c.phone.clone();
    view! {
        <article class="card detail" data-testid="customer-detail">
            <h1 data-testid="customer-name">{c.name.clone()}
                {archived.then(|| view! { <span class="badge muted">{move || i18n.t(T::Archived)}</span> })}
            </h1>
            {owner.map(|o| view! {
                <dl class="facts"><div data-field="owner"><dt>{move || i18n.t(CustomerText::Owner)}</dt><dd>{o}</dd></div></dl>
            })}
            <DetailSections resource=Resource::Customer builtin=fact_of values=c.custom.clone()/>
            <div class="actions">
                {phone.map(|p| view! { <a class="btn" href=format!("tel:{p}")>{move || i18n.t(ContactText::Call)}</a> })}
                <Show when=move || !archived && auth.can(Resource::Customer, Act::Update) fallback=|| ()>
                    <A href=format!("/customers/{id}/edit") attr:class="btn" attr:data-testid="edit-customer">{move || i18n.t(T::Edit)}</A>
                </Show>
                <Show when=move || !archived && auth.can(Resource::Customer, Act::Transfer) fallback=|| ()>
                    <button class="btn" data-testid="transfer-open" on:click=move |_| transfer_open.set(true)>{move || i18n.t(CustomerText::Transfer)}</button>
                </Show>
                <Show when=move || !archived && !pooled && auth.can(Resource::Opportunity, Act::Create) fallback=|| ()>
                    <A href=format!("/opportunities/new?customer={id}") attr:class="btn" attr:data-testid="new-deal">
                        "+ "{move || i18n.t(crate::i18n::opportunity::OpportunityText::NewDeal)}</A>
                </Show>
                <Show when=move || !archived && !pooled && auth.can(Resource::Contract, Act::Create) fallback=|| ()>
                    <A href=format!("/contracts/new?customer={id}") attr:class="btn" attr:data-testid="new-contract">
                        "+ "{move || i18n.t(crate::i18n::contract::ContractText::NewContract)}</A>
                </Show>
                <Show when=move || !archived && !pooled && auth.can(Resource::Visit, Act::Create) fallback=|| ()>
                    <A href=format!("/visits/new?customer={id}") attr:class="btn" attr:data-testid="new-visit">
                        "+ "{move || i18n.t(crate::i18n::visit::VisitText::NewVisit)}</A>
                    <A href=format!("/follow-ups?customer={id}") attr:class="btn" attr:data-testid="new-task">
                        "+ "{move || i18n.t(crate::i18n::visit::VisitText::NewTask)}</A>
                </Show>
                <Show when=move || !archived && !pooled && auth.can(Resource::Customer, Act::Update) fallback=|| ()>
                    <button class="btn" data-testid="release-open" on:click=move |_| release_open.set(true)>{move || i18n.t(PoolText::Release)}</button>
                </Show>
                <Show when=move || auth.can(Resource::Customer, Act::Archive) fallback=|| ()>
                    <button class="btn danger" prop:disabled=move || archive.pending().get() on:click=on_archive.clone()>
                        {move || if archived { i18n.t(T::Restore) } else { i18n.t(T::Archive) }}
                    </button>
                </Show>
            </div>
            <p class="form-error" role="alert">{move || message.get()}</p>
            {claimed.then(|| view! { <p class="notice" role="status" data-testid="claimed">{move || i18n.t(PoolText::Claimed)}</p> })}
            <Show when=move || release_open.get() fallback=|| ()>
                <ReleaseForm id=id etag=etag_for_release.clone() on_cancel=Callback::new(move |_| release_open.set(false))/>
            </Show>
            <Show when=move || transfer_open.get() fallback=|| ()>
                <TransferForm id=id etag=etag.clone() owner=c.owner_id on_done=Callback::new(move |changed: bool| {
                    transfer_open.set(false);
                    if changed { on_change.run(()) }
                })/>
            </Show>
        </article>
        <Contacts customer_id=id contacts=loaded.detail.contacts.clone() archived=archived on_change=on_change/>
        <crate::pages::customer::timeline::Timeline customer=id/>
        <History load=move || async move {
            api::customer::history(id, &HistoryQuery { limit: Some(50), ..Default::default() }).await
        }/>
    }
}

/// Put the customer back into the pool, with a reason (required).
#[component]
fn ReleaseForm(id: Uuid, etag: String, on_cancel: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let navigate = leptos_router::hooks::use_navigate();
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let save = Action::new_local(move |(etag, why): &(String, String)| {
        let body = ReleaseRequest {
            reason: why.trim().to_owned(),
        };
        let etag = etag.clone();
        async move { api::pool::release(id, Some(&etag), &body).await }
    });
    Effect::new(move |_| {
        if let Some(r) = save.value().get() {
            match r {
                Ok(_) => navigate("/customers", Default::default()),
                Err(e) => error.set(Some(save_error_text(&e, i18n.lang()))),
            }
        }
    });
    view! {
        <form class="sheet" data-testid="release-form" on:submit=move |ev| {
            ev.prevent_default();
            save.dispatch((etag.clone(), reason.get_untracked()));
        }>
            <p class="muted">{move || i18n.t(PoolText::ConfirmRelease)}</p>
            <div class="field">
                <label for="release-reason">{move || i18n.t(PoolText::ReleaseReason)}</label>
                <textarea id="release-reason" required maxlength="500" prop:value=move || reason.get()
                    on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
            </div>
            <p class="form-error" role="alert">{move || error.get()}</p>
            <div class="actions">
                <button class="btn primary" type="submit" data-testid="release-submit"
                    prop:disabled=move || save.pending().get() || reason.with(|r| r.trim().is_empty())>{move || i18n.t(PoolText::Release)}</button>
                <button class="btn" type="button" on:click=move |_| on_cancel.run(())>{move || i18n.t(T::Cancel)}</button>
            </div>
        </form>
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
        api::user::list(&UserListQuery {
            limit: Some(200),
            ..Default::default()
        })
        .await
        .map(|p| p.items)
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
            api::customer::transfer(id, Some(&etag), &body).await
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
                <label for="transfer-to">{move || i18n.t(CustomerText::TransferTo)}</label>
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
                    prop:disabled=move || save.pending().get() || target.with(String::is_empty)>{move || i18n.t(CustomerText::Transfer)}</button>
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
                <h2>{move || i18n.t(ContactText::Contacts)}</h2>
                <Show when=move || can_edit() && !adding.get() fallback=|| ()>
                    <button class="btn" data-testid="add-contact" on:click=move |_| adding.set(true)>"+ " {move || i18n.t(ContactText::AddContact)}</button>
                </Show>
            </div>
            <Show when=move || adding.get() fallback=|| ()>
                <ContactForm customer_id=customer_id contact=None on_done=Callback::new(move |changed: bool| {
                    adding.set(false);
                    if changed { on_change.run(()) }
                })/>
            </Show>
            {empty.then(|| view! { <p class="state empty">{move || i18n.t(ContactText::NoContacts)}</p> })}
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
    let etag = StoredValue::new(api::etag(contact.version));
    let contact = StoredValue::new(contact);
    let act = Action::new_local(move |remove: &bool| {
        let remove = *remove;
        let etag = etag.get_value();
        async move {
            if remove {
                api::contact::archive(id, &etag).await
            } else {
                let body = ContactUpdate {
                    is_primary: Some(true),
                    ..Default::default()
                };
                api::contact::update(id, &etag, &body).await.map(|_| ())
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
                    {is_primary.then(|| view! { <span class="badge">{move || i18n.t(ContactText::Primary)}</span> })}
                </div>
                <div class="actions">
                    {c.phones.iter().map(|p| view! { <a class="btn" href=format!("tel:{}", p.replace(' ', ""))>"☎ " {p.clone()}</a> }).collect_view()}
                    {c.wechat.clone().map(|w| view! {
                        <button class="btn" on:click=copy aria-label=move || format!("{} {w}", i18n.t(ContactText::CopyWechat))>
                            {move || if copied.get() { i18n.t(T::Copied) } else { i18n.t(ContactText::CopyWechat) }}
                        </button>
                    })}
                    {c.email.clone().map(|m| view! { <a class="btn" href=format!("mailto:{m}") aria-label=m.clone()>"✉"</a> })}
                </div>
                {(!c.custom.is_empty()).then(|| view! {
                    <dl class="facts"><CustomFacts resource=Resource::Contact values=c.custom.clone()/></dl>
                })}
                <Show when=move || can_edit.get() fallback=|| ()>
                    <div class="actions">
                        <button class="btn" on:click=move |_| editing.set(true)>{move || i18n.t(T::Edit)}</button>
                        <Show when=move || !is_primary fallback=|| ()>
                            <button class="btn" prop:disabled=move || act.pending().get()
                                on:click=move |_| { act.dispatch(false); }>{move || i18n.t(ContactText::MakePrimary)}</button>
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
