//! The pool list: pick a pool (a rep usually has their region's and the company-wide one),
//! search, claim with one tap — the quota shows what is left today.

use kaidan_shared::customer::Customer;
use kaidan_shared::pool::PoolCustomerQuery;
use kaidan_shared::{Action as Act, Resource};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use uuid::Uuid;

use crate::api;
use crate::app::use_auth;
use crate::components::paged::{PageTail, Paged};
use crate::components::{local_time, save_error_text, ErrorState, Loading};
use crate::i18n::customer::level_label;
use crate::i18n::pool::PoolText;
use crate::i18n::{use_i18n, T};

use super::QuotaLine;

#[component]
pub fn PoolPage() -> impl IntoView {
    let i18n = use_i18n();
    let pools = LocalResource::new(|| async { api::pool::list().await });
    let chosen = RwSignal::new(None::<Uuid>);
    view! {
        <section class="page">
            <div class="page-head">
                <h1>{move || i18n.t(PoolText::Pool)}</h1>
            </div>
            <Transition fallback=|| view! { <Loading/> }>
                {move || pools.get().map(|r| match r {
                    Ok(list) => {
                        // The region's own pool first; the company-wide one when it is all there is.
                        let first = list.iter().find(|p| p.region_id.is_some()).or(list.first()).map(|p| p.id);
                        if chosen.get_untracked().is_none() {
                            chosen.set(first);
                        }
                        let many = list.len() > 1;
                        view! {
                            <Show when=move || many fallback=|| ()>
                                <div class="segmented" role="tablist">
                                    {list.iter().map(|p| {
                                        let id = p.id;
                                        let name = p.name.clone();
                                        view! {
                                            <button class="btn small" role="tab"
                                                aria-selected=move || (chosen.get() == Some(id)).to_string()
                                                on:click=move |_| chosen.set(Some(id))>{name}</button>
                                        }
                                    }).collect_view()}
                                </div>
                            </Show>
                            {move || chosen.get().map(|id| view! { <PoolCustomers pool=id/> })}
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorState error=e on_retry=move |_| pools.refetch()/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn PoolCustomers(pool: Uuid) -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let navigate = use_navigate();
    let search = RwSignal::new(String::new());
    let paged = Paged::<Customer>::new();
    let message = RwSignal::new(None::<String>);
    let quota = LocalResource::new(|| async { api::pool::quota().await });
    let load = move |reset: bool| {
        let q = search.get_untracked().trim().to_owned();
        paged.load(reset, move |cursor| async move {
            let query = PoolCustomerQuery {
                limit: Some(30),
                cursor,
                q: Some(q).filter(|s| !s.is_empty()),
                ..Default::default()
            };
            api::pool::customers(pool, &query).await
        });
    };
    load(true);
    let claim = Action::new_local(move |id: &Uuid| {
        let id = *id;
        async move { api::pool::claim(id).await }
    });
    Effect::new(move |_| {
        if let Some(r) = claim.value().get() {
            match r {
                Ok(c) => navigate(
                    &format!("/customers/{}?claimed=1", c.id),
                    Default::default(),
                ),
                Err(e) => {
                    message.set(Some(save_error_text(&e, i18n.lang())));
                    quota.refetch();
                    load(true);
                }
            }
        }
    });
    let can_claim = move || auth.can(Resource::Pool, Act::Claim);
    view! {
        <Transition fallback=|| ()>
            {move || quota.get().and_then(Result::ok).map(|q| view! { <QuotaLine quota=q/> })}
        </Transition>
        <form class="searchbar" role="search" on:submit=move |ev| { ev.prevent_default(); load(true); }>
            <input type="search" enterkeyhint="search" aria-label=move || i18n.t(PoolText::SearchPool)
                placeholder=move || i18n.t(PoolText::SearchPool)
                prop:value=move || search.get() on:input=move |ev| search.set(event_target_value(&ev))/>
            <button class="btn" type="submit">{move || i18n.t(T::Search)}</button>
        </form>
        <p class="muted small">{move || i18n.t(PoolText::Masked)}</p>
        <p class="form-error" role="alert" data-testid="pool-message">{move || message.get()}</p>
        <ul class="list" data-testid="pool-list">
            <For each=move || paged.items.get() key=|c| (c.id, c.version) let:c>
                {
                    let id = c.id;
                    let reason = match c.pool_reason.as_deref() {
                        Some("reclaimed") => i18n.t(PoolText::Reclaimed).to_owned(),
                        Some(r) => r.to_owned(),
                        None => String::new(),
                    };
                    let since = c.pooled_at.map(local_time).unwrap_or_default();
                    let level = c.level;
                    view! {
                        <li class="row" data-testid="pool-row">
                            <A href=format!("/pool/customers/{id}") attr:class="row-main">
                                <span class="row-title">{c.name.clone()}
                                    {level.map(|l| view! { " "<span class=format!("badge level-{}", l.as_str())>{move || level_label(l, i18n.lang())}</span> })}
                                </span>
                                <span class="row-sub">{c.phone.clone().unwrap_or_default()}</span>
                                <span class="row-sub">{move || i18n.t(PoolText::ReturnedOn)}{since.clone()}" · "{reason.clone()}</span>
                            </A>
                            <Show when=can_claim fallback=|| ()>
                                <button class="btn primary" data-testid="claim" prop:disabled=move || claim.pending().get()
                                    on:click=move |_| { claim.dispatch(id); }>{move || i18n.t(PoolText::Claim)}</button>
                            </Show>
                        </li>
                    }
                }
            </For>
        </ul>
        <PageTail paged=paged empty=PoolText::Empty on_retry=move |_| load(true) on_more=move |_| load(false)/>
    }
}
