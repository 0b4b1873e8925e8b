//! A record type's forms and details drawn from its layout (`options::Catalog::layout`): the
//! sections and order an admin chose, with built-in fields drawn by the module (one function
//! from a field name to its input or fact) and custom fields drawn here. A module gets layouts
//! by handing its built-in fields to these two components.

use kaidan_shared::field::CustomValues;
use kaidan_shared::layout::Item;
use kaidan_shared::{FieldError, Resource};
use leptos::prelude::*;

use crate::components::custom_fields::{value_text, CustomField, CustomForm};
use crate::i18n::use_i18n;
use crate::options::use_catalog;

/// The form's sections. `builtin` draws a built-in field's input by name (nothing for a name
/// it does not know). The layout arrives with the field definitions; until then the default
/// one shows, and the inputs keep what was typed when it changes.
#[component]
pub fn FormSections<F>(
    resource: Resource,
    builtin: F,
    custom: CustomForm,
    #[prop(into)] errors: Signal<Vec<FieldError>>,
) -> impl IntoView
where
    F: Fn(&str) -> AnyView + Clone + Send + Sync + 'static,
{
    let catalog = use_catalog();
    let i18n = use_i18n();
    let layout = Memo::new(move |_| catalog.layout(resource));
    move || {
        let sections = layout.get().sections;
        let many = sections.len() > 1;
        sections
            .into_iter()
            .map(|s| {
                let label = s.label(i18n.lang().code()).to_owned();
                let builtin = builtin.clone();
                let items = s
                    .items
                    .into_iter()
                    .map(move |item| match item {
                        Item::Builtin(k) => builtin(&k),
                        Item::Custom(k) => {
                            view! { <CustomField form=custom key=k errors=errors/> }.into_any()
                        }
                    })
                    .collect_view();
                view! {
                    <fieldset class="section" data-section=s.key>
                        <legend class:sr-only={!many}>{label}</legend>
                        {items}
                    </fieldset>
                }
            })
            .collect_view()
    }
}

/// The detail view's facts by section. `builtin` gives a built-in field's (label, value) by
/// name, `None` when empty; sections with nothing to show are left out.
#[component]
pub fn DetailSections<F>(resource: Resource, builtin: F, values: CustomValues) -> impl IntoView
where
    F: Fn(&str) -> Option<(String, String)> + Clone + Send + Sync + 'static,
{
    let catalog = use_catalog();
    let i18n = use_i18n();
    catalog.load_fields(resource);
    move || {
        let lang = i18n.lang();
        let sections = catalog.layout(resource).sections;
        let many = sections.len() > 1;
        sections
            .into_iter()
            .filter_map(|s| {
                // (built-in name or None, custom key or None, label, value)
                type Fact = (Option<String>, Option<String>, String, String);
                let facts: Vec<Fact> = s
                    .items
                    .iter()
                    .filter_map(|item| match item {
                        Item::Builtin(k) => builtin(k).map(|(l, v)| (Some(k.clone()), None, l, v)),
                        Item::Custom(k) => value_text(catalog, resource, k, &values, lang)
                            .map(|(l, v)| (None, Some(k.clone()), l, v)),
                    })
                    .collect();
                if facts.is_empty() {
                    return None;
                }
                let heading = many.then(
                    || view! { <h2 class="facts-head">{s.label(lang.code()).to_owned()}</h2> },
                );
                Some(view! {
                    {heading}
                    <dl class="facts" data-section=s.key.clone()>
                        {facts.into_iter().map(|(b, c, l, v)| view! {
                            <div data-field=b data-custom=c><dt>{l}</dt><dd>{v}</dd></div>
                        }).collect_view()}
                    </dl>
                })
            })
            .collect_view()
    }
}
