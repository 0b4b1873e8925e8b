//! The deal list: every deal of the reader's scope, most recently changed first (or by a custom
//! field), filtered by status (open, won, lost), stale only, a name or custom fields, each row
//! drawn with the reader's columns — the view beside the board for closed deals and for finding
//! one.

use std::collections::BTreeMap;

use kaidan_shared::opportunity::{Opportunity, OpportunityListQuery, Outcome};
use kaidan_shared::Resource;
use leptos::prelude::*;
use leptos_router::components::A;

use crate::api;
use crate::components::list_tools::{
    cells, custom_query, custom_sort, ColumnChooser, CustomFilters, SortSelect,
};
use crate::components::paged::{PageTail, Paged};
use crate::i18n::opportunity::OpportunityText;
use crate::i18n::{use_i18n, T};
use crate::options::use_catalog;

use super::{builtin_text, stage_label};

#[component]
pub fn DealListPage() -> impl IntoView {
    let i18n = use_i18n();
    let catalog = use_catalog();
    catalog.load_fields(Resource::Opportunity);
    let stages = LocalResource::new(|| async { api::opportunity::stages().await });
    let search = RwSignal::new(String::new());
    let status = RwSignal::new("open".to_owned());
    let stale = RwSignal::new(false);
    let custom = RwSignal::new(BTreeMap::<String, String>::new());
    let sort = RwSignal::new(String::new());
    let show_filters = RwSignal::new(false);
    let show_columns = RwSignal::new(false);
    let paged = Paged::<Opportunity>::new();
    let load = move |reset: bool| {
        let q = OpportunityListQuery {
            limit: Some(30),
            q: Some(search.get_untracked().trim().to_owned()).filter(|s| !s.is_empty()),
            status: Outcome::parse(&status.get_untracked()),
            stale: stale.get_untracked().then_some(true),
            custom: custom.with_untracked(custom_query),
            custom_sort: custom_sort(&sort.get_untracked()),
            ..Default::default()
        };
        paged.load(reset, move |cursor| {
            let q = OpportunityListQuery {
                cursor,
                ..q.clone()
            };
            async move { api::opportunity::list(&q).await }
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
    let stage_list = move || {
        stages
            .get()
            .and_then(Result::ok)
            .map(|s| s.stages)
            .unwrap_or_default()
    };
    let outcome_label = move |o: Outcome| match o {
        Outcome::Open => i18n.t(OpportunityText::OpenDeals),
        Outcome::Won => i18n.t(OpportunityText::Won),
        Outcome::Lost => i18n.t(OpportunityText::Lost),
    };
    let sorts = Signal::derive(move || vec![(String::new(), i18n.t(T::SortUpdated).to_owned())]);
    view! {
        <section class="page">
            <div class="page-head">
                <h1>{move || i18n.t(OpportunityText::Opportunities)}</h1>
                <A href="/opportunities" attr:class="btn small">{move || i18n.t(OpportunityText::Board)}</A>
            </div>
            <form class="searchbar" role="search" on:submit=move |ev| { ev.prevent_default(); load(true); }>
                <input type="search" enterkeyhint="search" aria-label=move || i18n.t(OpportunityText::DealName)
                    placeholder=move || i18n.t(OpportunityText::DealName)
                    prop:value=move || search.get() on:input=move |ev| search.set(event_target_value(&ev))/>
                <button class="btn" type="submit">{move || i18n.t(T::Search)}</button>
                <button class="btn" type="button" data-testid="filters-open" aria-expanded=move || show_filters.get().to_string()
                    on:click=move |_| show_filters.update(|s| *s = !*s)>{move || i18n.t(T::Filters)}</button>
                <button class="btn" type="button" data-testid="columns-open" aria-expanded=move || show_columns.get().to_string()
                    on:click=move |_| show_columns.update(|s| *s = !*s)>{move || i18n.t(T::Columns)}</button>
            </form>
            <Show when=move || show_columns.get() fallback=|| ()>
                <ColumnChooser resource=Resource::Opportunity on_close=Callback::new(move |_| show_columns.set(false))/>
            </Show>
            <div class="filters">
                <select aria-label=move || i18n.t(OpportunityText::Status) data-testid="deal-status-filter"
                    on:change=move |ev| { status.set(event_target_value(&ev)); load(true); }>
                    {[Outcome::Open, Outcome::Won, Outcome::Lost].into_iter().map(|o| view! {
                        <option value=o.as_str() selected=o == Outcome::Open>{move || outcome_label(o)}</option>
                    }).collect_view()}
                    <option value="">{move || i18n.t(OpportunityText::AllDeals)}</option>
                </select>
                <label class="check"><input type="checkbox" prop:checked=move || stale.get()
                    on:change=move |ev| { stale.set(event_target_checked(&ev)); load(true); }/>{move || i18n.t(OpportunityText::Stale)}</label>
                <Show when=move || show_filters.get() fallback=|| ()>
                    <CustomFilters resource=Resource::Opportunity chosen=custom/>
                    <SortSelect resource=Resource::Opportunity sort=sort builtin=sorts/>
                </Show>
            </div>
            <ul class="list" data-testid="deal-list">
                <For each=move || paged.items.get() key=|o| (o.id, o.version) let:o>
                    {
                        let stage = o.stage.clone();
                        let row = o.clone();
                        view! {
                            <li class="row" data-testid="deal-row">
                                <A href=format!("/opportunities/{}", o.id) attr:class="row-main">
                                    <span class="row-title">{o.name.clone()}" "
                                        <span class="badge">{move || stage_label(&stage_list(), &stage, i18n.lang())}</span>
                                        {o.stale.then(|| view! { " "<span class="badge muted">{move || i18n.t(OpportunityText::Stale)}</span> })}
                                    </span>
                                    <span class="row-sub">{cells(Resource::Opportunity, &["name", "stage", "owner"], o.custom.clone(), move |k, lang| {
                                        builtin_text(&row, k, &stage_list(), lang)
                                    })}</span>
                                    <span class="row-sub">{o.owner_name.clone().unwrap_or_default()}</span>
                                </A>
                            </li>
                        }
                    }
                </For>
            </ul>
            <PageTail paged=paged empty=OpportunityText::NoDeals on_retry=move |_| load(true) on_more=move |_| load(false)/>
        </section>
    }
}
