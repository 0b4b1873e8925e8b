//! A record's custom fields (自定义字段) in forms and detail views, drawn from the definitions
//! (`options::Catalog`): any module shows its record type's fields with these two components and
//! no code of its own. The server checks every value again; its errors show at `custom.<key>`.

use std::collections::HashMap;

use kaidan_shared::field::{fen_to_yuan, yuan_to_fen, CustomValues, FieldDef, FieldKind};
use kaidan_shared::{FieldError, Resource};
use leptos::prelude::*;
use serde_json::Value;

use crate::app::use_auth;
use crate::components::error_for;
use crate::i18n::{field_error_text, use_i18n, Lang};
use crate::options::{option_items, use_catalog, Catalog};

/// The record's stored values and what the person has typed over them. A field's text is worked
/// out from the stored value when read, so it is right even when the definitions arrive after
/// the record.
#[derive(Clone, Copy)]
pub struct CustomForm {
    resource: Resource,
    stored: StoredValue<CustomValues>,
    edits: RwSignal<HashMap<String, String>>,
}

impl CustomForm {
    pub fn new(resource: Resource, values: &CustomValues) -> CustomForm {
        use_catalog().load_fields(resource);
        CustomForm {
            resource,
            stored: StoredValue::new(values.clone()),
            edits: RwSignal::new(HashMap::new()),
        }
    }

    fn kind(self, key: &str) -> FieldKind {
        use_catalog()
            .fields(self.resource)
            .into_iter()
            .find(|f| f.key == key)
            .map_or(FieldKind::Text, |f| f.kind)
    }

    /// The text the field held when the form opened.
    fn initial(self, key: &str, kind: FieldKind) -> String {
        self.stored
            .with_value(|v| v.get(key).map(|v| to_text(kind, v)))
            .unwrap_or_default()
    }

    fn text(self, key: &str) -> String {
        self.edits
            .with(|e| e.get(key).cloned())
            .unwrap_or_else(|| self.initial(key, self.kind(key)))
    }

    fn set(self, key: &str, text: String) {
        self.edits.update(|t| {
            t.insert(key.to_owned(), text);
        });
    }

    /// The values to send: every filled field on create, the changed ones (cleared as `null`)
    /// on update. A text that is not a valid value of its type goes as typed, for the server to
    /// name.
    pub fn values(self, catalog: Catalog, changed_only: bool) -> CustomValues {
        let mut out = CustomValues::new();
        for def in catalog.fields(self.resource) {
            let text = self.text(&def.key);
            if changed_only && text == self.initial(&def.key, def.kind) {
                continue;
            }
            if !changed_only && text.trim().is_empty() {
                continue;
            }
            out.insert(def.key.clone(), from_text(def.kind, &text));
        }
        out
    }
}

/// A stored value as an input holds it.
fn to_text(kind: FieldKind, v: &Value) -> String {
    match (kind, v) {
        (_, Value::Null) => String::new(),
        (FieldKind::Money, Value::Number(n)) => n
            .as_i64()
            .map(|f| fen_to_yuan(f).replace(',', ""))
            .unwrap_or_default(),
        (FieldKind::MultiChoice, Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(","),
        (FieldKind::DateTime, Value::String(s)) => local_input(s),
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    }
}

/// What an input holds as the value to send.
fn from_text(kind: FieldKind, text: &str) -> Value {
    let t = text.trim();
    if t.is_empty() {
        return Value::Null;
    }
    match kind {
        FieldKind::Integer => t
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(t.into())),
        FieldKind::Money => yuan_to_fen(t)
            .map(Value::from)
            .unwrap_or_else(|| Value::String(t.into())),
        FieldKind::Bool => Value::Bool(t == "true"),
        FieldKind::MultiChoice => Value::Array(
            t.split(',')
                .filter(|k| !k.is_empty())
                .map(|k| Value::String(k.into()))
                .collect(),
        ),
        FieldKind::DateTime => {
            // `datetime-local` is the phone's local time; the server keeps UTC.
            let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(t));
            if d.get_time().is_nan() {
                Value::String(t.into())
            } else {
                Value::String(String::from(d.to_iso_string()))
            }
        }
        _ => Value::String(t.into()),
    }
}

/// An RFC 3339 instant as `YYYY-MM-DDTHH:MM` in the browser's time zone.
fn local_input(rfc3339: &str) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(rfc3339));
    if d.get_time().is_nan() {
        return String::new();
    }
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes()
    )
}

fn label(def: &FieldDef, lang: Lang) -> String {
    def.label(lang.code()).to_owned()
}

/// The inputs of a record type's custom fields the signed-in role may see (read-only where it
/// may not edit), grouped by section in definition order.
#[component]
pub fn CustomFields(
    form: CustomForm,
    #[prop(into)] errors: Signal<Vec<FieldError>>,
) -> impl IntoView {
    let catalog = use_catalog();
    let auth = use_auth();
    move || {
        let Some(role) = auth.role() else {
            return ().into_any();
        };
        catalog
            .fields(form.resource)
            .into_iter()
            .filter(|d| d.visible_to.contains(&role))
            .map(|def| {
                let editable = def.editable_by.contains(&role);
                view! { <CustomInput def=def form=form errors=errors editable=editable/> }
            })
            .collect_view()
            .into_any()
    }
}

/// One custom field's input by key, where a layout places it: nothing when the reader may not
/// see it (or it is retired), read-only where they may not edit it.
#[component]
pub fn CustomField(
    form: CustomForm,
    key: String,
    #[prop(into)] errors: Signal<Vec<FieldError>>,
) -> impl IntoView {
    let catalog = use_catalog();
    let auth = use_auth();
    move || {
        let role = auth.role()?;
        let def = catalog
            .fields(form.resource)
            .into_iter()
            .find(|d| d.key == key && d.visible_to.contains(&role))?;
        let editable = def.editable_by.contains(&role);
        Some(view! { <CustomInput def=def form=form errors=errors editable=editable/> })
    }
}

/// How a field definition will look in a form (the admin screen's live preview): its input,
/// label, help and options, editable.
#[component]
pub fn CustomFieldPreview(def: FieldDef) -> impl IntoView {
    let form = CustomForm::new(def.resource, &CustomValues::new());
    let errors = Signal::derive(Vec::new);
    view! { <CustomInput def=def form=form errors=errors editable=true/> }
}

#[component]
fn CustomInput(
    def: FieldDef,
    form: CustomForm,
    errors: Signal<Vec<FieldError>>,
    editable: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let catalog = use_catalog();
    let key = def.key.clone();
    let id = format!("f-custom-{key}");
    let err_field = format!("custom.{key}");
    let err_id = format!("{id}-err");
    let err = {
        let f = StoredValue::new(err_field.clone());
        move || f.with_value(|f| errors.with(|e| error_for(e, f)))
    };
    let label_text = {
        let def = def.clone();
        move || label(&def, i18n.lang())
    };
    let help = {
        let def = def.clone();
        move || {
            let h = if i18n.lang() == Lang::En {
                def.help_en.clone()
            } else {
                def.help_zh.clone()
            };
            h.map(|h| view! { <small class="help">{h}</small> })
        }
    };
    let value = {
        let key = key.clone();
        move || form.text(&key)
    };
    let on_input = {
        let key = key.clone();
        move |ev| form.set(&key, event_target_value(&ev))
    };
    let list = def.option_list.clone().unwrap_or_default();
    let input = match def.kind {
        FieldKind::LongText => view! {
            <textarea id=id.clone() rows="3" disabled=!editable prop:value=value on:input=on_input
                aria-describedby=err_id.clone()></textarea>
        }
        .into_any(),
        FieldKind::Choice => {
            let value = value.clone();
            view! {
                <select id=id.clone() disabled=!editable on:change=on_input aria-describedby=err_id.clone()>
                    <option value="" selected={ let v = value.clone(); move || v().is_empty() }>"—"</option>
                    {move || option_items(&list, &value())}
                </select>
            }
            .into_any()
        }
        FieldKind::MultiChoice => {
            let key = key.clone();
            view! {
                <div class="checks" id=id.clone() role="group" aria-describedby=err_id.clone()>
                    {move || {
                        let current = form.text(&key);
                        let chosen: Vec<String> = current.split(',').filter(|k| !k.is_empty()).map(str::to_owned).collect();
                        catalog.choices(&list, "").into_iter().map(|(k, zh, en)| {
                            let checked = chosen.contains(&k);
                            let text = if i18n.lang() == Lang::En { en } else { zh };
                            let key = key.clone();
                            let toggle = move |_| {
                                let mut now: Vec<String> = form.text(&key).split(',').filter(|x| !x.is_empty()).map(str::to_owned).collect();
                                if let Some(i) = now.iter().position(|x| *x == k) { now.remove(i); } else { now.push(k.clone()); }
                                form.set(&key, now.join(","));
                            };
                            view! { <label class="check"><input type="checkbox" disabled=!editable checked=checked on:change=toggle/>{text}</label> }
                        }).collect_view()
                    }}
                </div>
            }
            .into_any()
        }
        FieldKind::Bool => {
            let key = key.clone();
            let key2 = key.clone();
            view! {
                <input id=id.clone() type="checkbox" disabled=!editable
                    prop:checked=move || form.text(&key2) == "true"
                    on:change=move |ev| form.set(&key, if event_target_checked(&ev) { "true".into() } else { "false".into() })
                    aria-describedby=err_id.clone()/>
            }
            .into_any()
        }
        kind => {
            let (input_type, inputmode) = match kind {
                FieldKind::Integer => ("text", Some("numeric")),
                FieldKind::Decimal | FieldKind::Money => ("text", Some("decimal")),
                FieldKind::Date => ("date", None),
                FieldKind::DateTime => ("datetime-local", None),
                FieldKind::Phone => ("tel", Some("tel")),
                FieldKind::Email => ("email", Some("email")),
                FieldKind::Url => ("url", Some("url")),
                _ => ("text", None),
            };
            view! {
                <input id=id.clone() type=input_type inputmode=inputmode disabled=!editable
                    prop:value=value on:input=on_input
                    aria-invalid=move || err().is_some().to_string()
                    aria-describedby=err_id.clone()/>
            }
            .into_any()
        }
    };
    let money = (def.kind == FieldKind::Money).then_some(" (¥)");
    view! {
        <div class="field" class:invalid=move || err().is_some() data-custom=key.clone()>
            <label for=id>{label_text}{money}{def.required.then_some(" *")}</label>
            {input}
            {help}
            <p class="field-error" id=err_id role="alert">
                {move || err().map(|c| field_error_text(c, i18n.lang()))}
            </p>
        </div>
    }
}

/// The custom values of a record as facts (`<dt>`/`<dd>` pairs), labels and options in the
/// reader's language; fields without a value are left out.
#[component]
pub fn CustomFacts(resource: Resource, values: CustomValues) -> impl IntoView {
    let i18n = use_i18n();
    let catalog = use_catalog();
    catalog.load_fields(resource);
    move || {
        let lang = i18n.lang();
        catalog
            .fields(resource)
            .into_iter()
            .filter_map(|def| {
                let v = values.get(&def.key)?;
                let shown = show(catalog, &def, v, lang);
                let l = label(&def, lang);
                Some(view! { <div data-custom=def.key.clone()><dt>{l}</dt><dd>{shown}</dd></div> })
            })
            .collect_view()
    }
}

/// A record's custom value of `key` as a person reads it, with the field's label; `None` when
/// it holds none or the reader does not see the field.
pub fn value_text(
    catalog: Catalog,
    resource: Resource,
    key: &str,
    values: &CustomValues,
    lang: Lang,
) -> Option<(String, String)> {
    let v = values.get(key)?;
    let def = catalog
        .fields(resource)
        .into_iter()
        .find(|d| d.key == key)?;
    Some((label(&def, lang), show(catalog, &def, v, lang)))
}

/// A stored value as a person reads it.
fn show(catalog: Catalog, def: &FieldDef, v: &Value, lang: Lang) -> String {
    let list = def.option_list.as_deref().unwrap_or("");
    match (def.kind, v) {
        (FieldKind::Choice, Value::String(k)) => catalog.label(list, k, lang),
        (FieldKind::MultiChoice, Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(|k| catalog.label(list, k, lang))
            .collect::<Vec<_>>()
            .join("、"),
        (FieldKind::Money, Value::Number(n)) => n
            .as_i64()
            .map(|f| format!("¥{}", fen_to_yuan(f)))
            .unwrap_or_default(),
        (FieldKind::Bool, Value::Bool(b)) => match (b, lang) {
            (true, Lang::En) => "Yes".into(),
            (false, Lang::En) => "No".into(),
            (true, _) => "是".into(),
            (false, _) => "否".into(),
        },
        (FieldKind::DateTime, Value::String(s)) => local_input(s).replace('T', " "),
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    }
}
