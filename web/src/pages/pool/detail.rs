//! One customer in a pool, masked: its facts, its contacts' names and titles with their numbers
//! hidden, why it is in the pool — and the claim button.

use kaidan_shared::customer::CustomerDetail;
use kaidan_shared::{Action as Act, Resource};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use uuid::Uuid;

use crate::api;
use crate::app::use_auth;
use crate::components::layout::DetailSections;
use crate::components::{local_time, save_error_text, ErrorState, Loading};
use crate::i18n::contact::ContactText;
use crate::i18n::pool::PoolText;
use crate::i18n::{use_i18n, T};
use crate::options::use_catalog;

#[component]
pub fn PoolCustomerPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let data = LocalResource::new(move || {
        let id = id();
        async move {
            let id = id.parse::<Uuid>().map_err(|_| api::not_found())?;
            api::pool::customer(id).await
        }
    });
    view! {
        <section class="page">
            <A href="/pool" attr:class="back">"‹ " {move || i18n.t(PoolText::Pool)}</A>
            <Transition fallback=|| view! { <Loading/> }>
                {move || data.get().map(|r| match r {
                    Ok(d) => view! { <Pooled detail=d/> }.into_any(),
                    Err(e) => view! { <ErrorState error=e on_retry=move |_| data.refetch()/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Pooled(detail: CustomerDetail) -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let catalog = use_catalog();
    let navigate = use_navigate();
    let c = detail.customer.clone();
    let id = c.id;
    let message = RwSignal::new(None::<String>);
    let claim = Action::new_local(move |_: &()| async move { api::pool::claim(id).await });
    Effect::new(move |_| {
        if let Some(r) = claim.value().get() {
            match r {
                Ok(_) => navigate(&format!("/customers/{id}?claimed=1"), Default::default()),
                Err(e) => message.set(Some(save_error_text(&e, i18n.lang()))),
            }
        }
    });
    let fact_of = {
        let c = c.clone();
        move |key: &str| -> Option<(String, String)> {
            let lang = i18n.lang();
            if key == "name" || key == "owner" {
                return None;
            }
            crate::pages::customer::builtin_text(&c, key, catalog, lang).map(|v| {
                (
                    crate::pages::customer::builtin_label(Resource::Customer, key, lang),
                    v,
                )
            })
        }
    };
    let reason = match c.pool_reason.as_deref() {
        Some("reclaimed") => i18n.t(PoolText::Reclaimed).to_owned(),
        Some(r) => r.to_owned(),
        None => String::new(),
    };
    let since = c.pooled_at.map(local_time).unwrap_or_default();
    view! {
        <article class="card detail" data-testid="pool-customer">
            <h1>{c.name.clone()}</h1>
            <p class="muted">{move || i18n.t(PoolText::ReturnedOn)}{since.clone()}" · "{reason.clone()}</p>
            <DetailSections resource=Resource::Customer builtin=fact_of values=c.custom.clone()/>
            <p class="muted small">{move || i18n.t(PoolText::Masked)}</p>
            <p class="form-error" role="alert">{move || message.get()}</p>
            <Show when=move || auth.can(Resource::Pool, Act::Claim) fallback=|| ()>
                <button class="btn primary block" data-testid="claim" prop:disabled=move || claim.pending().get()
                    on:click=move |_| { claim.dispatch(()); }>{move || i18n.t(PoolText::Claim)}</button>
            </Show>
        </article>
        <section class="card">
            <h2>{move || i18n.t(ContactText::Contacts)}</h2>
            <ul class="contacts">
                {detail.contacts.into_iter().map(|p| view! {
                    <li class="contact">
                        <div class="contact-head">
                            <strong>{p.name}</strong>
                            {p.title.map(|t| view! { <span class="muted">{t}</span> })}
                        </div>
                        <p class="muted">{p.phones.join(" · ")}{p.email.map(|e| format!(" · {e}"))}</p>
                    </li>
                }).collect_view()}
            </ul>
        </section>
        <p><A href="/pool">{move || i18n.t(T::Back)}</A></p>
    }
}
