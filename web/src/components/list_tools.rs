//! What every record list offers besides its own filters (recipe row 20): a select per
//! filterable custom field, the sort order with the custom fields the reader sees, the reader's
//! own columns, and a row's cells drawn from those columns. Customers, leads and deals use the
//! same pieces with their `Resource`.

use std::collections::BTreeMap;

use kaidan_shared::field::{CustomValues, FieldKind};
use kaidan_shared::Resource;
use leptos::prelude::*;

use crate::api;
use crate::app::use_auth;
use crate::components::columns::ColumnPicker;
use crate::components::custom_fields::value_text;
use crate::i18n::{use_i18n, Lang, T};
use crate::options::{option_items, use_catalog};
use crate::pages::customer::builtin_label;

/// The list query's `custom`: `key:value,…` of the chosen filters, `None` when none is chosen.
pub fn custom_query(chosen: &BTreeMap<String, String>) -> Option<String> {
    Some(
        chosen
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}:{v}"))
            .collect::<Vec<_>>()
            .join(","),
    )
    .filter(|c| !c.is_empty())
}

/// The list query's `custom_sort` from a sort select's value (`custom:<key>` or
/// `custom:-<key>`); `None` for a built-in order.
pub fn custom_sort(sort: &str) -> Option<String> {
    sort.strip_prefix("custom:").map(str::to_owned)
}

/// A select per filterable custom field of `resource` the reader sees (choices and yes/no);
/// `chosen` holds field key → value ("" for any).
#[component]
pub fn CustomFilters(
    resource: Resource,
    chosen: RwSignal<BTreeMap<String, String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let catalog = use_catalog();
    let auth = use_auth();
    catalog.load_fields(resource);
    move || {
        let role = auth.role();
        catalog
            .fields(resource)
            .into_iter()
            .filter(|f| f.filterable && role.is_some_and(|r| f.visible_to.contains(&r)))
            .filter(|f| matches!(f.kind, FieldKind::Choice | FieldKind::MultiChoice | FieldKind::Bool))
            .map(|def| {
                let id = format!("flt-custom-{}", def.key);
                let key = def.key.clone();
                let current = {
                    let key = key.clone();
                    move || chosen.with(|c| c.get(&key).cloned().unwrap_or_default())
                };
                let label = def.label(i18n.lang().code()).to_owned();
                let list = def.option_list.clone().unwrap_or_default();
                let kind = def.kind;
                view! {
                    <div class="field">
                        <label for=id.clone()>{label}</label>
                        <select id=id on:change=move |ev| {
                            let v = event_target_value(&ev);
                            let key = key.clone();
                            chosen.update(|c| { c.insert(key, v); });
                        }>
                            <option value="">"—"</option>
                            {move || if kind == FieldKind::Bool {
                                let (yes, no) = if i18n.lang() == Lang::En { ("Yes", "No") } else { ("是", "否") };
                                let now = current();
                                view! {
                                    <option value="true" selected=now == "true">{yes}</option>
                                    <option value="false" selected=now == "false">{no}</option>
                                }.into_any()
                            } else {
                                option_items(&list, &current()).into_any()
                            }}
                        </select>
                    </div>
                }
            })
            .collect_view()
    }
}

/// The sort order: the list's own orders (`builtin`, value → label; "" is its default), then
/// each custom field of `resource` the reader sees whose kind sorts, either way.
#[component]
pub fn SortSelect(
    resource: Resource,
    sort: RwSignal<String>,
    #[prop(into)] builtin: Signal<Vec<(String, String)>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let catalog = use_catalog();
    let auth = use_auth();
    catalog.load_fields(resource);
    view! {
        <div class="field">
            <label for="flt-sort">{move || i18n.t(T::SortBy)}</label>
            <select id="flt-sort" on:change=move |ev| sort.set(event_target_value(&ev))>
                {move || {
                    let now = sort.get();
                    let mut opts = builtin.get();
                    let role = auth.role();
                    for f in catalog.fields(resource) {
                        if !f.kind.sortable() || !role.is_some_and(|r| f.visible_to.contains(&r)) {
                            continue;
                        }
                        let label = f.label(i18n.lang().code()).to_owned();
                        opts.push((format!("custom:{}", f.key), format!("{label} ↑")));
                        opts.push((format!("custom:-{}", f.key), format!("{label} ↓")));
                    }
                    opts.into_iter().map(|(v, text)| {
                        let selected = v == now;
                        view! { <option value=v selected=selected>{text}</option> }
                    }).collect_view()
                }}
            </select>
        </div>
    }
}

/// The reader's own columns of `resource`'s list: tick the columns to show, move them up or
/// down, save (kept for them on every device) or go back to the company's default.
#[component]
pub fn ColumnChooser(resource: Resource, on_close: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let catalog = use_catalog();
    let auth = use_auth();
    let chosen = RwSignal::new(catalog.layout(resource).columns);
    let error = RwSignal::new(None::<String>);
    // Every column the reader may show: built-in ones, then the custom fields they see (not
    // long texts).
    let available = Signal::derive(move || {
        let lang = i18n.lang();
        let role = auth.role();
        let mut all: Vec<(String, String)> = kaidan_shared::layout::builtins(resource)
            .iter()
            .filter(|b| b.list)
            .map(|b| (b.key.to_owned(), builtin_label(resource, b.key, lang)))
            .collect();
        for f in catalog.fields(resource) {
            if f.kind != FieldKind::LongText && role.is_some_and(|r| f.visible_to.contains(&r)) {
                all.push((format!("custom.{}", f.key), f.label(lang.code()).to_owned()));
            }
        }
        all
    });
    let save = Action::new_local(move |cols: &Option<Vec<String>>| {
        let cols = cols.clone();
        async move { api::layout::set_columns(resource, cols).await }
    });
    Effect::new(move |_| {
        if let Some(r) = save.value().get() {
            match r {
                Ok(resolved) => {
                    catalog.set_layout(resource, resolved);
                    on_close.run(());
                }
                Err(e) => error.set(Some(crate::components::save_error_text(&e, i18n.lang()))),
            }
        }
    });
    view! {
        <div class="filters columns" data-testid="columns" role="group" aria-label=move || i18n.t(T::Columns)>
            <ColumnPicker columns=chosen available=available/>
            <p class="form-error" role="alert">{move || error.get()}</p>
            <div class="actions">
                <button type="button" class="btn primary" data-testid="columns-save" prop:disabled=move || save.pending().get()
                    on:click=move |_| { save.dispatch(Some(chosen.get_untracked())); }>{move || i18n.t(T::Save)}</button>
                <button type="button" class="btn" prop:disabled=move || save.pending().get()
                    on:click=move |_| { save.dispatch(None); }>{move || i18n.t(T::DefaultColumns)}</button>
                <button type="button" class="btn" on:click=move |_| on_close.run(())>{move || i18n.t(T::Cancel)}</button>
            </div>
        </div>
    }
}

/// A row's cells: the reader's columns of `resource` except those the row shows itself
/// (`skip`), each a built-in field's text (`builtin`, `None` when empty) or a custom value.
pub fn cells(
    resource: Resource,
    skip: &'static [&'static str],
    custom: CustomValues,
    builtin: impl Fn(&str, Lang) -> Option<String> + Send + Sync + 'static,
) -> impl Fn() -> AnyView + Send + Sync + 'static {
    let catalog = use_catalog();
    let i18n = use_i18n();
    move || {
        let lang = i18n.lang();
        catalog
            .layout(resource)
            .columns
            .into_iter()
            .filter(|k| !skip.contains(&k.as_str()))
            .filter_map(|k| {
                let text = match k.strip_prefix("custom.") {
                    Some(key) => value_text(catalog, resource, key, &custom, lang).map(|(_, v)| v),
                    None => builtin(&k, lang),
                }?;
                Some(view! { <span class="cell" data-col=k>{text}</span> })
            })
            .collect_view()
            .into_any()
    }
}
