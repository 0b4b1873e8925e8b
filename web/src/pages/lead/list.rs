//! The lead list: my leads (or, for supervisors and managers, their scope's) with status and
//! source filters and search, and the queue of leads waiting to be handed out.

use kaidan_shared::lead::{Lead, LeadListQuery, LeadStatus, DEFAULT_QUEUE};
use kaidan_shared::option_list::builtin;
use kaidan_shared::{Action as Act, Resource};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::api;
use crate::app::use_auth;
use crate::components::paged::{PageTail, Paged};
use crate::i18n::lead::{status_label, LeadText};
use crate::i18n::{use_i18n, T};
use crate::options::{option_items, use_catalog};

#[component]
pub fn LeadsPage() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let catalog = use_catalog();
    let search = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let source = RwSignal::new(String::new());
    let queue = RwSignal::new(false);
    let paged = Paged::<Lead>::new();
    let load = move |reset: bool| {
        let q = LeadListQuery {
            limit: Some(30),
            q: Some(search.get_untracked().trim().to_owned()).filter(|s| !s.is_empty()),
            status: LeadStatus::parse(&status.get_untracked()),
            source: Some(source.get_untracked()).filter(|s| !s.is_empty()),
            queue: queue.get_untracked().then(|| DEFAULT_QUEUE.to_owned()),
            ..Default::default()
        };
        paged.load(reset, move |cursor| {
            let q = LeadListQuery {
                cursor,
                ..q.clone()
            };
            async move { api::lead::list(&q).await }
        });
    };
    load(true);
    // Supervisors and above hand out the queue's leads; only they see the tab.
    let can_assign = move || auth.can(Resource::Lead, Act::Transfer);
    view! {
        <section class="page">
            <div class="page-head">
                <h1>{move || i18n.t(LeadText::Leads)}</h1>
                <Show when=move || auth.can(Resource::Lead, Act::Create) fallback=|| ()>
                    <A href="/leads/new" attr:class="btn primary" attr:data-testid="new-lead">"+ "{move || i18n.t(LeadText::NewLead)}</A>
                </Show>
            </div>
            <Show when=can_assign fallback=|| ()>
                <div class="segmented" role="tablist">
                    <button class="btn small" role="tab" aria-selected=move || (!queue.get()).to_string()
                        on:click=move |_| { queue.set(false); load(true); }>{move || i18n.t(LeadText::Leads)}</button>
                    <button class="btn small" role="tab" data-testid="lead-queue" aria-selected=move || queue.get().to_string()
                        on:click=move |_| { queue.set(true); load(true); }>{move || i18n.t(LeadText::Queue)}</button>
                    <Show when=move || auth.can(Resource::Lead, Act::Manage) fallback=|| ()>
                        <A href="/leads/rules" attr:class="btn small" attr:data-testid="lead-rules">{move || i18n.t(LeadText::Rules)}</A>
                    </Show>
                </div>
            </Show>
            <form class="searchbar" role="search" on:submit=move |ev| { ev.prevent_default(); load(true); }>
                <input type="search" enterkeyhint="search" aria-label=move || i18n.t(LeadText::SearchPlaceholder)
                    placeholder=move || i18n.t(LeadText::SearchPlaceholder)
                    prop:value=move || search.get() on:input=move |ev| search.set(event_target_value(&ev))/>
                <button class="btn" type="submit">{move || i18n.t(T::Search)}</button>
            </form>
            <div class="filters">
                <select aria-label=move || i18n.t(LeadText::Status) data-testid="lead-status-filter"
                    on:change=move |ev| { status.set(event_target_value(&ev)); load(true); }>
                    <option value="">{move || i18n.t(LeadText::AllStatuses)}</option>
                    {LeadStatus::ALL.into_iter().map(|s| view! {
                        <option value=s.as_str()>{move || status_label(s, i18n.lang())}</option>
                    }).collect_view()}
                </select>
                <select aria-label=move || i18n.t(LeadText::Source)
                    on:change=move |ev| { source.set(event_target_value(&ev)); load(true); }>
                    <option value="">{move || i18n.t(LeadText::AllSources)}</option>
                    {move || option_items(builtin::LEAD_SOURCE, &source.get_untracked())}
                </select>
            </div>
            <ul class="list" data-testid="lead-list">
                <For each=move || paged.items.get() key=|l| (l.id, l.version) let:l>
                    {
                        let status = l.status;
                        let src = l.source.clone();
                        let who = l.owner_name.clone();
                        let queue = l.queue.clone();
                        view! {
                            <li class="row" data-testid="lead-row">
                                <A href=format!("/leads/{}", l.id) attr:class="row-main">
                                    <span class="row-title">{l.name.clone()}
                                        {l.company.clone().map(|c| view! { <span class="muted">" · "{c}</span> })}
                                        " "<span class=format!("badge status-{}", status.as_str())>{move || status_label(status, i18n.lang())}</span>
                                    </span>
                                    <span class="row-sub">{l.phone.clone().unwrap_or_default()}
                                        {move || src.as_deref().map(|k| format!(" · {}", catalog.label(builtin::LEAD_SOURCE, k, i18n.lang())))}</span>
                                    <span class="row-sub">{move || match (&who, &queue) {
                                        (Some(w), _) => format!("{}：{w}", i18n.t(LeadText::Owner)),
                                        (None, Some(q)) => format!("{}{}", i18n.t(LeadText::InQueue), catalog.label(super::QUEUE, q, i18n.lang())),
                                        _ => String::new(),
                                    }}</span>
                                </A>
                            </li>
                        }
                    }
                </For>
            </ul>
            <PageTail paged=paged empty=LeadText::NoLeads on_retry=move |_| load(true) on_more=move |_| load(false)/>
        </section>
    }
}
