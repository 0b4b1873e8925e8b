//! The company's option lists (数据字典) and custom fields, loaded once per signed-in session and
//! shared by every screen: selects offer a list's active options, and every screen shows a
//! stored key by its label in the reader's language.

use std::collections::HashMap;

use gloo_storage::{LocalStorage, Storage};
use kaidan_shared::field::FieldDef;
use kaidan_shared::layout::{self, Resolved};
use kaidan_shared::option_list::OptionList;
use kaidan_shared::{FieldError, Resource};
use leptos::prelude::*;

use crate::api;
use crate::components::error_for;
use crate::i18n::{field_error_text, use_i18n, Label, Lang};

/// Where the last option lists are kept for offline use (company settings, no personal data).
const LISTS_KEY: &str = "kaidan.option_lists";

/// The lists and fields, once loaded (empty until then; screens show keys meanwhile).
#[derive(Clone, Copy)]
pub struct Catalog {
    lists: RwSignal<Vec<OptionList>>,
    fields: RwSignal<HashMap<&'static str, Vec<FieldDef>>>,
    /// Each record type's layout as the reader draws it (loaded with its fields).
    layouts: RwSignal<HashMap<&'static str, Resolved>>,
}

impl Catalog {
    /// Provides an empty catalog; the shell loads it once someone is signed in.
    pub fn provide() -> Catalog {
        let c = Catalog {
            lists: RwSignal::new(Vec::new()),
            fields: RwSignal::new(HashMap::new()),
            layouts: RwSignal::new(HashMap::new()),
        };
        provide_context(c);
        c
    }

    /// Loads the option lists again (the shell, at sign-in). The last lists are kept on the
    /// phone and shown at once while the fresh ones load, so that selects (a visit's outcome)
    /// offer their options on a slow network, without one, and when the network goes while the
    /// request is on its way.
    pub fn reload(self) {
        if self.lists.with_untracked(Vec::is_empty) {
            let kept = LocalStorage::raw()
                .get_item(LISTS_KEY)
                .ok()
                .flatten()
                .and_then(|j| serde_json::from_str::<Vec<OptionList>>(&j).ok());
            if let Some(lists) = kept {
                self.lists.set(lists);
            }
        }
        leptos::task::spawn_local(async move {
            if let Ok(lists) = api::option_list::list().await {
                if let Ok(json) = serde_json::to_string(&lists) {
                    let _ = LocalStorage::raw().set_item(LISTS_KEY, &json);
                }
                self.lists.set(lists);
            }
        });
    }

    /// Loads a record type's custom fields, once per page load. Called by the screens that show
    /// them (all lazy routes), so that reading definitions — JSON values and all — is not code
    /// of the first screen.
    pub fn load_fields(self, resource: Resource) {
        if self
            .fields
            .with_untracked(|f| f.contains_key(resource.as_str()))
        {
            return;
        }
        self.fields.update_untracked(|f| {
            f.insert(resource.as_str(), Vec::new());
        });
        leptos::task::spawn_local(async move {
            match api::field::list(resource).await {
                Ok(set) => {
                    self.layouts.update(|l| {
                        l.insert(resource.as_str(), set.layout);
                    });
                    self.fields.update(|f| {
                        f.insert(resource.as_str(), set.fields);
                    })
                }
                // Try again the next time a screen asks.
                Err(_) => self.fields.update_untracked(|f| {
                    f.remove(resource.as_str());
                }),
            }
        });
    }

    /// Forgets the loaded fields, so screens load them again (after an admin changed them).
    pub fn forget_fields(self) {
        self.layouts.update_untracked(HashMap::clear);
        self.fields.update(HashMap::clear);
    }

    /// Every list as (key, 中文名, English name).
    pub fn lists(self) -> Vec<(String, String, String)> {
        self.lists.with(|ls| {
            ls.iter()
                .map(|l| (l.key.clone(), l.name_zh.clone(), l.name_en.clone()))
                .collect()
        })
    }

    /// The options a select offers: the list's active ones, plus `current` if it is retired.
    pub fn choices(self, list: &str, current: &str) -> Vec<(String, String, String)> {
        self.lists.with(|ls| {
            ls.iter()
                .find(|l| l.key == list)
                .map(|l| {
                    l.options
                        .iter()
                        .filter(|o| o.active || o.key == current)
                        .map(|o| (o.key.clone(), o.label_zh.clone(), o.label_en.clone()))
                        .collect()
                })
                .unwrap_or_default()
        })
    }

    /// The label of `key` in `list` for `lang`, or the key itself while the lists load (or for
    /// a key no option has).
    pub fn label(self, list: &str, key: &str, lang: Lang) -> String {
        self.lists.with(|ls| {
            ls.iter()
                .find(|l| l.key == list)
                .and_then(|l| l.option(key))
                .map(|o| o.label(lang.code()).to_owned())
                .unwrap_or_else(|| key.to_owned())
        })
    }

    /// A record type's layout for the reader: the loaded one, else the default (every built-in
    /// field in one section) until it arrives.
    pub fn layout(self, resource: Resource) -> Resolved {
        self.layouts
            .with(|l| l.get(resource.as_str()).cloned())
            .unwrap_or_else(|| layout::resolve(&layout::default_layout(resource), &[], None))
    }

    /// Takes the reader's layout as the server answered it after a change (their columns).
    pub fn set_layout(self, resource: Resource, resolved: Resolved) {
        self.layouts.update(|l| {
            l.insert(resource.as_str(), resolved);
        });
    }

    /// The active custom fields of a record type the reader may see, in form order.
    pub fn fields(self, resource: Resource) -> Vec<FieldDef> {
        self.fields.with(|f| {
            f.get(resource.as_str())
                .map(|v| v.iter().filter(|d| d.active).cloned().collect())
                .unwrap_or_default()
        })
    }
}

/// The `<option>`s of a list for a select whose value is `current` (active options, and
/// `current` if it is retired), in the reader's language.
pub fn option_items(list: &str, current: &str) -> impl IntoView {
    let lang = use_i18n().lang();
    use_catalog()
        .choices(list, current)
        .into_iter()
        .map(|(key, zh, en)| {
            let selected = key == current;
            let text = if lang == Lang::En { en } else { zh };
            view! { <option value=key selected=selected>{text}</option> }
        })
        .collect_view()
}

pub fn use_catalog() -> Catalog {
    use_context::<Catalog>().unwrap_or_else(Catalog::provide)
}

/// A labelled select of one option list's choices; `value` holds the chosen key ("" for none).
#[component]
pub fn ChoiceField(
    #[prop(into)] label: Label,
    field: &'static str,
    list: &'static str,
    value: RwSignal<String>,
    #[prop(into)] errors: Signal<Vec<FieldError>>,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = format!("f-{field}");
    let err_id = format!("{id}-err");
    let err = move || errors.with(|e| error_for(e, field));
    view! {
        <div class="field" class:invalid=move || err().is_some()>
            <label for=id.clone()>{move || i18n.t(label)}{required.then_some(" *")}</label>
            <select
                id=id
                name=field
                on:change=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || err().is_some().to_string()
                aria-describedby=err_id.clone()
            >
                <option value="" selected=move || value.with(String::is_empty)>"—"</option>
                {move || option_items(list, &value.get())}
            </select>
            <p class="field-error" id=err_id role="alert">
                {move || err().map(|c| field_error_text(c, i18n.lang()))}
            </p>
        </div>
    }
}
