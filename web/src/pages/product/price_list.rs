//! Price lists: the lists with their dates and how many products they price (`/price-lists`), a
//! new one, and one list's editor (`/price-lists/:id`): its name, dates, in force or not, and its
//! prices — each product's list price beside the list's, products added by searching the
//! catalogue, every price typed in yuan and read exactly into 分. Saving sends all the prices.

use kaidan_shared::opportunity::{format_yuan, parse_yuan};
use kaidan_shared::product::{
    PriceEntry, PriceList, PriceListCreate, PriceListDetail, PriceListEntry, PriceListListQuery,
    PriceListUpdate, ProductListQuery,
};
use kaidan_shared::{Action as Act, FieldCode, FieldError, Patch, Resource};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::api;
use crate::app::use_auth;
use crate::components::paged::{PageTail, Paged};
use crate::components::{on_save, ErrorState, Loading, TextField};
use crate::i18n::product::ProductText;
use crate::i18n::{use_i18n, T};

fn period(l: &PriceList, open: &str) -> String {
    format!(
        "{} – {}",
        l.valid_from,
        l.valid_to
            .map(|d| d.to_string())
            .unwrap_or_else(|| open.to_owned())
    )
}

#[component]
pub fn PriceListsPage() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let keeper = move || auth.can(Resource::Product, Act::Manage);
    let paged = Paged::<PriceList>::new();
    let load = move |reset: bool| {
        paged.load(reset, move |cursor| {
            let q = PriceListListQuery {
                limit: Some(50),
                cursor,
                ..Default::default()
            };
            async move { api::product::price_lists(&q).await }
        });
    };
    load(true);
    view! {
        <section class="page">
            <A href="/products" attr:class="back">"‹ " {move || i18n.t(ProductText::Catalogue)}</A>
            <h1>{move || i18n.t(ProductText::PriceLists)}</h1>
            <Show when=keeper fallback=|| ()>
                <NewPriceList/>
            </Show>
            <ul class="list" data-testid="price-list-list">
                <For each=move || paged.items.get() key=|l| (l.id, l.version) let:l>
                    {
                        let when = period(&l, i18n.t(ProductText::OpenEnded));
                        view! {
                            <li class="row" data-testid="price-list-row">
                                <A href=format!("/price-lists/{}", l.id) attr:class="row-main">
                                    <span class="row-title">{l.name.clone()}
                                        {(!l.active).then(|| view! { " "<span class="badge muted">{move || i18n.t(ProductText::Inactive)}</span> })}
                                    </span>
                                    <span class="row-sub">{when}" · "{l.entry_count}{move || i18n.t(ProductText::ProductCount)}</span>
                                </A>
                            </li>
                        }
                    }
                </For>
            </ul>
            <PageTail paged=paged empty=ProductText::NoPriceLists on_retry=move |_| load(true) on_more=move |_| load(false)/>
        </section>
    }
}

#[component]
fn NewPriceList() -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let name = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let message = RwSignal::new(None::<String>);
    let save = Action::new_local(move |_: &()| {
        let body = PriceListCreate {
            name: name.get_untracked(),
            valid_from: from.get_untracked().parse().unwrap_or_default(),
            valid_to: to.get_untracked().parse().ok(),
            notes: None,
            entries: Vec::new(),
        };
        async move { api::product::create_price_list(&body).await.map(|r| r.body) }
    });
    on_save(save, errors, message, move |l: PriceListDetail| {
        navigate(
            &format!("/price-lists/{}", l.price_list.id),
            Default::default(),
        )
    });
    let errs = Signal::derive(move || errors.get());
    view! {
        <form class="card form" data-testid="price-list-new" novalidate on:submit=move |ev| {
            ev.prevent_default();
            if from.get_untracked().parse::<chrono::NaiveDate>().is_err() {
                errors.set(vec![FieldError::new("valid_from", FieldCode::Required, "")]);
                return;
            }
            save.dispatch(());
        }>
            <h2>{move || i18n.t(ProductText::NewPriceList)}</h2>
            <TextField label=ProductText::ListName field="name" value=name errors=errs required=true maxlength=200/>
            <TextField label=ProductText::ValidFrom field="valid_from" value=from errors=errs required=true input_type="date"/>
            <TextField label=ProductText::ValidTo field="valid_to" value=to errors=errs input_type="date"/>
            <p class="form-error" role="alert">{move || message.get()}</p>
            <button class="btn primary" type="submit" prop:disabled=move || save.pending().get()>{move || i18n.t(T::Save)}</button>
        </form>
    }
}

#[component]
pub fn PriceListPage() -> impl IntoView {
    let id = use_params_map().with_untracked(|p| p.get("id").and_then(|i| i.parse().ok()));
    let data = LocalResource::new(move || async move {
        match id {
            Some(id) => api::product::price_list(id).await,
            None => Err(api::not_found()),
        }
    });
    view! {
        <Transition fallback=|| view! { <Loading/> }>
            {move || data.get().map(|r| match r {
                Ok(reply) => view! { <Editor list=reply.body etag=reply.etag.unwrap_or_default()/> }.into_any(),
                Err(e) => view! { <ErrorState error=e on_retry=move |_| data.refetch()/> }.into_any(),
            })}
        </Transition>
    }
}

/// One row of the editor: the product and the price as typed. Plain values, not signals: a row
/// is added from a search result's click, whose reactive owner goes away with the results.
#[derive(Clone)]
struct Row {
    entry: PriceListEntry,
    price: String,
}

fn row(entry: PriceListEntry) -> Row {
    let price = format_yuan(entry.price).trim_start_matches('¥').to_owned();
    Row { entry, price }
}

#[component]
fn Editor(list: PriceListDetail, etag: String) -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let keeper = auth.can(Resource::Product, Act::Manage);
    let l = list.price_list.clone();
    let name = RwSignal::new(l.name.clone());
    let from = RwSignal::new(l.valid_from.to_string());
    let to = RwSignal::new(l.valid_to.map(|d| d.to_string()).unwrap_or_default());
    let active = RwSignal::new(l.active);
    let rows = RwSignal::new(list.entries.into_iter().map(row).collect::<Vec<_>>());
    let etag = RwSignal::new(etag);
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let message = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    let save = Action::new_local(move |entries: &Vec<PriceEntry>| {
        let body = PriceListUpdate {
            name: Some(name.get_untracked()),
            valid_from: from.get_untracked().parse().ok(),
            valid_to: match to.get_untracked().parse() {
                Ok(d) => Patch::Value(d),
                Err(_) => Patch::Null,
            },
            active: Some(active.get_untracked()),
            notes: Patch::Absent,
            entries: Some(entries.clone()),
        };
        let (id, tag) = (l.id, etag.get_untracked());
        async move { api::product::update_price_list(id, &tag, &body).await }
    });
    on_save(
        save,
        errors,
        message,
        move |r: api::Reply<PriceListDetail>| {
            etag.set(r.etag.unwrap_or_default());
            rows.set(r.body.entries.into_iter().map(row).collect());
            saved.set(true);
        },
    );
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        let mut bad = Vec::new();
        let entries: Vec<PriceEntry> = rows.with_untracked(|rs| {
            rs.iter()
                .enumerate()
                .filter_map(|(i, r)| match parse_yuan(&r.price) {
                    Some(price) => Some(PriceEntry {
                        product_id: r.entry.product_id,
                        price,
                    }),
                    None => {
                        bad.push(FieldError::new(
                            format!("entries[{i}].price"),
                            FieldCode::InvalidFormat,
                            "",
                        ));
                        None
                    }
                })
                .collect()
        });
        if bad.is_empty() {
            save.dispatch(entries);
        } else {
            errors.set(bad);
            message.set(Some(i18n.t(ProductText::BadPrice).to_owned()));
        }
    };
    let errs = Signal::derive(move || errors.get());
    let row_error = move |i: usize| {
        errors.with(|e| {
            e.iter()
                .any(|e| e.field.starts_with(&format!("entries[{i}]")))
        })
    };
    view! {
        <section class="page narrow">
            <A href="/price-lists" attr:class="back">"‹ " {move || i18n.t(ProductText::PriceLists)}</A>
            <h1>{move || name.get()}</h1>
            <form class="card form" data-testid="price-list-form" novalidate on:submit=submit>
                <fieldset prop:disabled=!keeper>
                    <TextField label=ProductText::ListName field="name" value=name errors=errs required=true maxlength=200/>
                    <TextField label=ProductText::ValidFrom field="valid_from" value=from errors=errs required=true input_type="date"/>
                    <TextField label=ProductText::ValidTo field="valid_to" value=to errors=errs input_type="date"/>
                    <label class="check"><input type="checkbox" prop:checked=move || active.get()
                        on:change=move |ev| active.set(event_target_checked(&ev))/>{move || i18n.t(ProductText::InForce)}</label>
                    <h2>{move || i18n.t(ProductText::Entries)}</h2>
                    <ul class="list" data-testid="price-entries">
                        {move || rows.get().into_iter().enumerate().map(|(i, r)| {
                            let pid = r.entry.product_id;
                            let label = format!("{} {}", r.entry.product_code, r.entry.product_name);
                            let input_id = format!("price-{pid}");
                            let typed = r.price.clone();
                            view! {
                                <li class="row" class:invalid=move || row_error(i) data-testid="price-entry" data-code=r.entry.product_code.clone()>
                                    <div class="row-main">
                                        <label class="row-title" for=input_id.clone()>{label}</label>
                                        <span class="row-sub">{move || i18n.t(ProductText::ListPrice)}" "{format_yuan(r.entry.list_price)}</span>
                                    </div>
                                    <input id=input_id class="price-input" inputmode="decimal" aria-invalid=move || row_error(i).to_string()
                                        prop:value=typed on:input=move |ev| {
                                            // Untracked: the rows are not drawn again per keystroke.
                                            let v = event_target_value(&ev);
                                            rows.update_untracked(|rs| {
                                                if let Some(x) = rs.iter_mut().find(|x| x.entry.product_id == pid) {
                                                    x.price = v;
                                                }
                                            });
                                        }/>
                                    <button class="btn" type="button" aria-label=move || i18n.t(ProductText::Remove)
                                        on:click=move |_| rows.update(|rs| rs.retain(|x| x.entry.product_id != pid))>"×"</button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <Show when=move || keeper fallback=|| ()>
                        <AddProduct rows=rows/>
                    </Show>
                </fieldset>
                <p class="form-error" role="alert">{move || message.get()}</p>
                <p class="form-ok" role="status">{move || saved.get().then(|| i18n.t(ProductText::Saved))}</p>
                <Show when=move || keeper fallback=|| ()>
                    <button class="btn primary block" type="submit" data-testid="price-list-save" prop:disabled=move || save.pending().get()>{move || i18n.t(T::Save)}</button>
                </Show>
            </form>
        </section>
    }
}

/// Search the catalogue's products on sale and add one to the list at its list price.
#[component]
fn AddProduct(rows: RwSignal<Vec<Row>>) -> impl IntoView {
    let i18n = use_i18n();
    let text = RwSignal::new(String::new());
    let found = RwSignal::new(Vec::<kaidan_shared::product::Product>::new());
    let search = Action::new_local(move |q: &String| {
        let q = ProductListQuery {
            q: Some(q.clone()).filter(|s| !s.trim().is_empty()),
            active: Some(true),
            limit: Some(20),
            ..Default::default()
        };
        async move { api::product::list(&q).await }
    });
    Effect::new(move |_| {
        if let Some(Ok(page)) = search.value().get() {
            found.set(page.items);
        }
    });
    view! {
        <div class="add-product" data-testid="price-add">
            // Inside the list's form, so no form of its own: Enter searches instead of saving.
            <div class="searchbar" role="search">
                <input type="search" aria-label=move || i18n.t(ProductText::PickProduct)
                    placeholder=move || i18n.t(ProductText::SearchHint) data-testid="price-add-search"
                    prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))
                    on:keydown=move |ev| if ev.key() == "Enter" { ev.prevent_default(); search.dispatch(text.get_untracked()); }/>
                <button class="btn" type="button" data-testid="price-add-go"
                    on:click=move |_| { search.dispatch(text.get_untracked()); }>{move || i18n.t(ProductText::AddProduct)}</button>
            </div>
            <ul class="list">
                {move || found.get().into_iter().filter(|p| rows.with(|rs| rs.iter().all(|r| r.entry.product_id != p.id))).map(|p| {
                    let entry = PriceListEntry {
                        product_id: p.id,
                        product_code: p.code.clone(),
                        product_name: p.name.clone(),
                        list_price: p.list_price,
                        price: p.list_price,
                    };
                    view! {
                        <li class="row">
                            <button class="btn row-main" type="button" data-testid="price-add-pick"
                                on:click=move |_| rows.update(|rs| rs.push(row(entry.clone())))>
                                {format!("{} {} · {}", p.code, p.name, format_yuan(p.list_price))}
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </div>
    }
}
