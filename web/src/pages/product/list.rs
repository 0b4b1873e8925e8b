//! The catalogue: search by code or name, a category, on sale only; each row the product's code,
//! name, specification, unit price and tax rate (and the reader's custom columns). Keepers of the
//! catalogue open a row to edit it and add products; everyone else reads.

use std::collections::BTreeMap;

use kaidan_shared::option_list::builtin;
use kaidan_shared::product::{Product, ProductListQuery};
use kaidan_shared::{Action as Act, Resource};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::api;
use crate::app::use_auth;
use crate::components::list_tools::{cells, custom_query, custom_sort, CustomFilters, SortSelect};
use crate::components::paged::{PageTail, Paged};
use crate::i18n::product::ProductText;
use crate::i18n::{use_i18n, T};
use crate::options::{option_items, use_catalog};

use super::builtin_text;

#[component]
pub fn ProductsPage() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let catalog = use_catalog();
    catalog.load_fields(Resource::Product);
    let keeper = move || auth.can(Resource::Product, Act::Manage);
    let search = RwSignal::new(String::new());
    let category = RwSignal::new(String::new());
    let only_active = RwSignal::new(true);
    let custom = RwSignal::new(BTreeMap::<String, String>::new());
    let sort = RwSignal::new(String::new());
    let show_filters = RwSignal::new(false);
    let paged = Paged::<Product>::new();
    let load = move |reset: bool| {
        let q = ProductListQuery {
            limit: Some(50),
            q: Some(search.get_untracked().trim().to_owned()).filter(|s| !s.is_empty()),
            category: Some(category.get_untracked()).filter(|c| !c.is_empty()),
            active: only_active.get_untracked().then_some(true),
            custom: custom.with_untracked(custom_query),
            custom_sort: custom_sort(&sort.get_untracked()),
            ..Default::default()
        };
        paged.load(reset, move |cursor| {
            let q = ProductListQuery {
                cursor,
                ..q.clone()
            };
            async move { api::product::list(&q).await }
        });
    };
    Effect::new(move |first: Option<()>| {
        custom.track();
        sort.track();
        if first.is_some() {
            load(true);
        }
    });
    load(true);
    let sorts = Signal::derive(move || vec![(String::new(), i18n.t(ProductText::Code).to_owned())]);
    view! {
        <section class="page">
            <div class="page-head">
                <h1>{move || i18n.t(ProductText::Catalogue)}</h1>
                <A href="/price-lists" attr:class="btn small" attr:data-testid="price-lists-link">{move || i18n.t(ProductText::PriceLists)}</A>
                <Show when=keeper fallback=|| ()>
                    <A href="/products/new" attr:class="btn small primary" attr:data-testid="product-new">{move || i18n.t(ProductText::NewProduct)}</A>
                </Show>
            </div>
            <form class="searchbar" role="search" on:submit=move |ev| { ev.prevent_default(); load(true); }>
                <input type="search" enterkeyhint="search" aria-label=move || i18n.t(ProductText::SearchHint)
                    placeholder=move || i18n.t(ProductText::SearchHint) data-testid="product-search"
                    prop:value=move || search.get() on:input=move |ev| search.set(event_target_value(&ev))/>
                <button class="btn" type="submit">{move || i18n.t(T::Search)}</button>
                <button class="btn" type="button" aria-expanded=move || show_filters.get().to_string()
                    on:click=move |_| show_filters.update(|s| *s = !*s)>{move || i18n.t(T::Filters)}</button>
            </form>
            <div class="filters">
                <select aria-label=move || i18n.t(ProductText::Category) data-testid="product-category-filter"
                    on:change=move |ev| { category.set(event_target_value(&ev)); load(true); }>
                    <option value="">{move || i18n.t(ProductText::AllCategories)}</option>
                    {move || option_items(builtin::PRODUCT_CATEGORY, "")}
                </select>
                <label class="check"><input type="checkbox" prop:checked=move || only_active.get()
                    on:change=move |ev| { only_active.set(event_target_checked(&ev)); load(true); }/>{move || i18n.t(ProductText::OnlyActive)}</label>
                <Show when=move || show_filters.get() fallback=|| ()>
                    <CustomFilters resource=Resource::Product chosen=custom/>
                    <SortSelect resource=Resource::Product sort=sort builtin=sorts/>
                </Show>
            </div>
            <ul class="list" data-testid="product-list">
                <For each=move || paged.items.get() key=|p| (p.id, p.version) let:p>
                    {
                        let row = p.clone();
                        let title = view! {
                            <span class="row-title">{p.name.clone()}" "
                                <small class="muted">{p.code.clone()}</small>
                                {(!p.active).then(|| view! { " "<span class="badge muted">{move || i18n.t(ProductText::Retired)}</span> })}
                            </span>
                            <span class="row-sub">{cells(Resource::Product, &["name", "code", "active"], p.custom.clone(), move |k, lang| {
                                builtin_text(&row, k, catalog, lang)
                            })}</span>
                        };
                        let href = format!("/products/{}/edit", p.id);
                        view! {
                            <li class="row" data-testid="product-row" data-code=p.code.clone()>
                                {if keeper() {
                                    view! { <A href=href attr:class="row-main">{title}</A> }.into_any()
                                } else {
                                    view! { <div class="row-main">{title}</div> }.into_any()
                                }}
                            </li>
                        }
                    }
                </For>
            </ul>
            <PageTail paged=paged empty=ProductText::NoProducts on_retry=move |_| load(true) on_more=move |_| load(false)/>
        </section>
    }
}
