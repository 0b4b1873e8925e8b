//! The customer list: search, filters, infinite scroll over the keyset API.

use std::collections::BTreeMap;

use kaidan_shared::customer::{Customer, CustomerListQuery, CustomerSort, Level};
use kaidan_shared::option_list::builtin;
use kaidan_shared::user::UserListQuery;
use kaidan_shared::{Action as Act, Resource};
use leptos::html;
use leptos::lazy;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::LazyRoute as _;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use crate::api::{self, ApiError};
use crate::app::use_auth;
use crate::components::list_tools::{
    cells, custom_query, custom_sort, ColumnChooser, CustomFilters, SortSelect,
};
use crate::components::{ErrorState, Loading};
use crate::i18n::customer::level_label;
use crate::i18n::customer::CustomerText;
use crate::i18n::{use_i18n, T};
use crate::options::{option_items, use_catalog};

#[derive(Clone, Debug, PartialEq, Default)]
struct Filters {
    q: String,
    level: String,
    industry: String,
    tag: String,
    owner: String,
}

/// What the list asks for: the filters, the custom field filters (field key → value, "" for
/// any) and the sort ("" recently changed first, a `CustomerSort` name, or `custom:<key>` /
/// `custom:-<key>`).
#[derive(Clone, Copy)]
struct Asked {
    filters: RwSignal<Filters>,
    custom: RwSignal<BTreeMap<String, String>>,
    sort: RwSignal<String>,
}

impl Asked {
    fn query(&self, cursor: Option<String>) -> CustomerListQuery {
        let f = self.filters.get_untracked();
        let sort = self.sort.get_untracked();
        let text = |v: &String| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        CustomerListQuery {
            limit: Some(30),
            cursor,
            q: text(&f.q),
            level: Level::parse(f.level.trim()),
            industry: text(&f.industry),
            tag: text(&f.tag),
            owner_id: f.owner.trim().parse().ok(),
            custom: self.custom.with_untracked(custom_query),
            sort: match sort.as_str() {
                "created_desc" => Some(CustomerSort::CreatedDesc),
                "name_asc" => Some(CustomerSort::NameAsc),
                _ => None,
            },
            custom_sort: custom_sort(&sort),
            ..Default::default()
        }
    }
    fn any(&self) -> bool {
        let f = self.filters.get();
        !(f.q.is_empty()
            && f.level.is_empty()
            && f.industry.is_empty()
            && f.tag.is_empty()
            && f.owner.is_empty()
            && self.custom.with(|c| c.values().all(String::is_empty)))
    }
}

#[component]
pub fn CustomersPage() -> impl IntoView {
    let i18n = use_i18n();
    let catalog = use_catalog();
    let auth = use_auth();
    let search = RwSignal::new(String::new());
    let filters = RwSignal::new(Filters::default());
    let asked = Asked {
        filters,
        custom: RwSignal::new(BTreeMap::new()),
        sort: RwSignal::new(String::new()),
    };
    let items = RwSignal::new(Vec::<Customer>::new());
    let next = RwSignal::new(None::<String>);
    let loading = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let generation = StoredValue::new(0u32);
    let show_filters = RwSignal::new(false);
    let show_columns = RwSignal::new(false);
    // The reader's list columns (their own, else the layout's) and the custom fields' labels
    // and values come with the field definitions.
    catalog.load_fields(Resource::Customer);
    let columns = Memo::new(move |_| catalog.layout(Resource::Customer).columns);

    // Loads the first page (reset) or the next one; stale answers of an older query are dropped.
    let load = move |reset: bool| {
        let cursor = if reset { None } else { next.get_untracked() };
        if !reset && cursor.is_none() {
            return;
        }
        let gen = generation.get_value().wrapping_add(reset as u32);
        generation.set_value(gen);
        loading.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let r = api::customer::list(&asked.query(cursor)).await;
            if generation.get_value() != gen {
                return;
            }
            loading.set(false);
            match r {
                Ok(page) => {
                    // A rep's next tap is nearly always a customer: fetch the detail screen's
                    // code once the list is on screen, so that tap does not wait for it.
                    if !page.items.is_empty() {
                        leptos::task::spawn_local(super::CustomerDetailRoute::preload());
                    }
                    if reset {
                        items.set(page.items);
                    } else {
                        items.update(|v| v.extend(page.items));
                    }
                    next.set(page.next_cursor);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    Effect::new(move |_| {
        filters.track();
        asked.custom.track();
        asked.sort.track();
        load(true);
    });
    // Search as you type, after a pause.
    let debounce = StoredValue::new_local(None::<gloo_timers::callback::Timeout>);
    let on_search = move |ev| {
        let v = event_target_value(&ev);
        search.set(v.clone());
        debounce.set_value(Some(gloo_timers::callback::Timeout::new(300, move || {
            filters.update(|f| f.q = v);
        })));
    };

    // Infinite scroll: load more when the sentinel comes into view.
    let sentinel = NodeRef::<html::Div>::new();
    Effect::new(move |_| {
        if let Some(el) = sentinel.get() {
            let cb = Closure::<dyn Fn(js_sys::Array)>::new(move |entries: js_sys::Array| {
                let visible = entries
                    .get(0)
                    .dyn_into::<web_sys::IntersectionObserverEntry>()
                    .map(|e| e.is_intersecting())
                    .unwrap_or(false);
                if visible && !loading.get_untracked() {
                    load(false);
                }
            });
            if let Ok(obs) = web_sys::IntersectionObserver::new(cb.as_ref().unchecked_ref()) {
                obs.observe(&el);
            }
            cb.forget();
        }
    });

    view! {
        <section class="page">
            <div class="page-head">
                <h1>{move || i18n.t(T::Customers)}</h1>
                <Show when=move || auth.can(Resource::Customer, Act::Create) fallback=|| ()>
                    <A href="/customers/new" attr:class="btn primary" attr:data-testid="new-customer">
                        "+ " {move || i18n.t(CustomerText::NewCustomer)}
                    </A>
                </Show>
            </div>
            <div class="searchbar" role="search">
                <label for="q" class="sr-only">{move || i18n.t(T::Search)}</label>
                <input id="q" type="search" enterkeyhint="search" placeholder=move || i18n.t(CustomerText::SearchPlaceholder)
                    prop:value=move || search.get() on:input=on_search/>
                <button class="btn" aria-expanded=move || show_filters.get().to_string()
                    on:click=move |_| show_filters.update(|s| *s = !*s)>{move || i18n.t(T::Filters)}</button>
                <button class="btn" data-testid="columns-open" aria-expanded=move || show_columns.get().to_string()
                    on:click=move |_| show_columns.update(|s| *s = !*s)>{move || i18n.t(T::Columns)}</button>
            </div>
            <Show when=move || show_columns.get() fallback=|| ()>
                <Suspense fallback=|| view! { <Loading/> }>
                    {move || Suspend::new(async move { columns_panel(show_columns).await })}
                </Suspense>
            </Show>
            // The filter and column panels are code of their own, fetched on first open.
            <Show when=move || show_filters.get() fallback=|| ()>
                <Suspense fallback=|| view! { <Loading/> }>
                    {move || Suspend::new(async move { filters_panel(asked).await })}
                </Suspense>
            </Show>
            <ul class="list" data-testid="customer-list">
                <For each=move || items.get() key=|c| (c.id, c.version) let:c>
                    <li>
                        <A href=format!("/customers/{}", c.id) attr:class="row">
                            <div class="row-main">
                                <span class="row-title">{c.name.clone()}</span>
                                <span class="row-sub">
                                    {
                                        let row = c.clone();
                                        cells(Resource::Customer, &["name", "level"], c.custom.clone(), move |k, lang| {
                                            super::builtin_text(&row, k, catalog, lang)
                                        })
                                    }
                                </span>
                            </div>
                            {move || columns.with(|cols| cols.iter().any(|k| k == "level")).then(|| c.level.map(|l| view! { <span class=format!("badge level-{}", l.as_str())>{l.as_str()}</span> }))}
                        </A>
                    </li>
                </For>
            </ul>
            {move || error.get().map(|e| view! { <ErrorState error=e on_retry=move |_| load(items.with_untracked(Vec::is_empty))/> })}
            {move || loading.get().then(|| view! { <Loading/> })}
            {move || (!loading.get() && error.with(Option::is_none) && items.with(Vec::is_empty)).then(|| view! {
                <p class="state empty">{move || if asked.any() { i18n.t(CustomerText::NoResults) } else { i18n.t(CustomerText::NoCustomers) }}</p>
            })}
            <div node_ref=sentinel class="sentinel" aria-hidden="true"></div>
            {move || (next.with(Option::is_some) && !loading.get()).then(|| view! {
                <button class="btn block" on:click=move |_| load(false)>{move || i18n.t(T::LoadMore)}</button>
            })}
        </section>
    }
}

/// The filter panel, its code fetched when first opened.
#[lazy]
fn filters_panel(asked: Asked) -> AnyView {
    view! { <FiltersPanel asked=asked/> }.into_any()
}

/// The column chooser, its code fetched when first opened; closes by setting `open` to false.
#[lazy]
fn columns_panel(open: RwSignal<bool>) -> AnyView {
    view! { <ColumnChooser resource=Resource::Customer on_close=Callback::new(move |_| open.set(false))/> }.into_any()
}

/// Filters by level, industry, tag, custom fields and (for those who see more than their own)
/// owner; and the sort order.
#[component]
fn FiltersPanel(asked: Asked) -> impl IntoView {
    let i18n = use_i18n();
    let filters = asked.filters;
    let sorts = Signal::derive(move || {
        vec![
            (String::new(), i18n.t(T::SortUpdated).to_owned()),
            (
                "created_desc".into(),
                i18n.t(CustomerText::SortCreated).to_owned(),
            ),
            ("name_asc".into(), i18n.t(CustomerText::SortName).to_owned()),
        ]
    });
    let auth = use_auth();
    // Owners to filter by, for those who see more than their own.
    let can_see_team = move || auth.can(Resource::Customer, Act::Transfer);
    let owners = LocalResource::new(move || async move {
        if !can_see_team() {
            return Vec::new();
        }
        api::user::list(&UserListQuery {
            limit: Some(200),
            ..Default::default()
        })
        .await
        .map(|p| p.items)
        .unwrap_or_default()
    });

    view! {
                <div class="filters">
                    <div class="field">
                        <label for="flt-level">{move || i18n.t(CustomerText::Level)}</label>
                        <select id="flt-level" on:change=move |ev| { let v = event_target_value(&ev); filters.update(|f| f.level = v) }>
                            <option value="">{move || i18n.t(CustomerText::AllLevels)}</option>
                            {[Level::A, Level::B, Level::C].into_iter().map(|l| view! {
                                <option value=l.as_str() selected=move || filters.with(|f| f.level == l.as_str())>{move || level_label(l, i18n.lang())}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="flt-industry">{move || i18n.t(CustomerText::Industry)}</label>
                        <select id="flt-industry" on:change=move |ev| { let v = event_target_value(&ev); filters.update(|f| f.industry = v) }>
                            <option value="" selected=move || filters.with(|f| f.industry.is_empty())>"—"</option>
                            {move || option_items(builtin::CUSTOMER_INDUSTRY, &filters.with(|f| f.industry.clone()))}
                        </select>
                    </div>
                    <div class="field">
                        <label for="flt-tag">{move || i18n.t(CustomerText::Tag)}</label>
                        <input id="flt-tag" prop:value=move || filters.with(|f| f.tag.clone())
                            on:change=move |ev| { let v = event_target_value(&ev); filters.update(|f| f.tag = v) }/>
                    </div>
                    <CustomFilters resource=Resource::Customer chosen=asked.custom/>
                    <SortSelect resource=Resource::Customer sort=asked.sort builtin=sorts/>
                    <Show when=can_see_team fallback=|| ()>
                        <div class="field">
                            <label for="flt-owner">{move || i18n.t(CustomerText::Owner)}</label>
                            <select id="flt-owner" on:change=move |ev| { let v = event_target_value(&ev); filters.update(|f| f.owner = v) }>
                                <option value="">{move || i18n.t(CustomerText::AllOwners)}</option>
                                {move || owners.get().unwrap_or_default().into_iter().map(|u| {
                                    let id = u.id.to_string();
                                    view! { <option value=id.clone()>{u.display_name}</option> }
                                }).collect_view()}
                            </select>
                        </div>
                    </Show>
                </div>
    }
}
