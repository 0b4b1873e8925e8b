//! The lead list: my leads (or, for supervisors and managers, their scope's) with status,
//! source and custom field filters, search and custom sorts, each row drawn with the reader's
//! columns; and the queue of leads waiting to be handed out.

use std::collections::BTreeMap;

use kaidan_shared::lead::{Lead, LeadListQuery, LeadStatus, DEFAULT_QUEUE};
use kaidan_shared::option_list::builtin;
use kaidan_shared::{Action as Act, Resource};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::api;
use crate::app::use_auth;
use crate::components::list_tools::{
    cells, custom_query, custom_sort, ColumnChooser, CustomFilters, SortSelect,
};
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
    let custom = RwSignal::new(BTreeMap::<String, String>::new());
    let sort = RwSignal::new(String::new());
    let show_filters = RwSignal::new(false);
    let show_columns = RwSignal::new(false);
    catalog.load_fields(Resource::Lead);
    let paged = Paged::<Lead>::new();
    let load = move |reset: bool| {
        let q = LeadListQuery {
            limit: Some(30),
            q: Some(search.get_untracked().trim().to_owned()).filter(|s| !s.is_empty()),
            status: LeadStatus::parse(&status.get_untracked()),
            source: Some(source.get_untracked()).filter(|s| !s.is_empty()),
            queue: queue.get_untracked().then(|| DEFAULT_QUEUE.to_owned()),
            custom: custom.with_untracked(custom_query),
            custom_sort: custom_sort(&sort.get_untracked()),
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
    // Custom filters and the sort reload the list as they change.
    Effect::new(move |first: Option<()>| {
        custom.track();
        sort.track();
        if first.is_some() {
            load(true);
        }
    });
    load(true);
    let sorts = Signal::derive(move || vec![(String::new(), i18n.t(T::SortUpdated).to_owned())]);
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
                <button class="btn" type="button" data-testid="filters-open" aria-expanded=move || show_filters.get().to_string()
                    on:click=move |_| show_filters.update(|s| *s = !*s)>{move || i18n.t(T::Filters)}</button>
                <button class="btn" type="button" data-testid="columns-open" aria-expanded=move || show_columns.get().to_string()
                    on:click=move |_| show_columns.update(|s| *s = !*s)>{move || i18n.t(T::Columns)}</button>
            </form>
            <Show when=move || show_columns.get() fallback=|| ()>
                <ColumnChooser resource=Resource::Lead on_close=Callback::new(move |_| show_columns.set(false))/>
            </Show>
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
                <Show when=move || show_filters.get() fallback=|| ()>
                    <CustomFilters resource=Resource::Lead chosen=custom/>
                    <SortSelect resource=Resource::Lead sort=sort builtin=sorts/>
                </Show>
            </div>
            <ul class="list" data-testid="lead-list">
                <For each=move || paged.items.get() key=|l| (l.id, l.version) let:l>
                    {
                        let status = l.status;
                        let who = l.owner_name.clone();
                        let queue = l.queue.clone();
                        let row = l.clone();
                        view! {
                            <li class="row" data-testid="lead-row">
                                <A href=format!("/leads/{}", l.id) attr:class="row-main">
                                    <span class="row-title">{l.name.clone()}
                                        " "<span class=format!("badge status-{}", status.as_str())>{move || status_label(status, i18n.lang())}</span>
                                    </span>
                                    <span class="row-sub">{cells(Resource::Lead, &["name", "status", "owner"], l.custom.clone(), move |k, lang| {
                                        super::builtin_text(&row, k, catalog, lang)
                                    })}</span>
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
