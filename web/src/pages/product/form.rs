//! A new product (`/products/new`) or an edit (`/products/:id/edit`): the built-in fields where
//! the layout places them — the price typed in yuan and read exactly into 分, the tax rate as a
//! decimal percent — the custom fields, and retire / put back on sale.

use kaidan_shared::opportunity::{format_yuan, parse_yuan};
use kaidan_shared::option_list::builtin;
use kaidan_shared::product::{Product, ProductCreate, ProductUpdate};
use kaidan_shared::{FieldCode, FieldError, Patch, Resource};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use rust_decimal::Decimal;

use crate::api;
use crate::components::custom_fields::CustomForm;
use crate::components::layout::FormSections;
use crate::components::{create_or_edit, on_save, TextArea, TextField};
use crate::i18n::product::ProductText;
use crate::i18n::{use_i18n, T};
use crate::options::{use_catalog, ChoiceField};

fn opt(s: String) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

fn patch(s: String) -> Patch<String> {
    match opt(s) {
        Some(v) => Patch::Value(v),
        None => Patch::Null,
    }
}

#[component]
pub fn ProductFormPage() -> impl IntoView {
    create_or_edit(
        api::product::get,
        |existing| view! { <Editor existing=existing/> },
    )
}

/// What the form sends besides the custom fields: checked on the phone first, again on the server.
#[derive(Clone)]
struct Typed {
    price: i64,
    tax: Decimal,
    active: Option<bool>,
}

#[component]
fn Editor(existing: Option<(Product, String)>) -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let catalog = use_catalog();
    catalog.load_fields(Resource::Product);
    let product = existing.as_ref().map(|(p, _)| p.clone());
    let s = |f: fn(&Product) -> Option<String>| {
        RwSignal::new(product.as_ref().and_then(f).unwrap_or_default())
    };
    let code = s(|p| Some(p.code.clone()));
    let name = s(|p| Some(p.name.clone()));
    let category = s(|p| p.category.clone());
    let unit = s(|p| p.unit.clone());
    let spec = s(|p| p.spec.clone());
    let price = s(|p| Some(format_yuan(p.list_price).trim_start_matches('¥').to_owned()));
    let tax = RwSignal::new(
        product
            .as_ref()
            .map(|p| p.tax_rate.to_string())
            .unwrap_or_else(|| "13".to_owned()),
    );
    let description = s(|p| p.description.clone());
    let active = product.as_ref().map(|p| p.active);
    let custom = CustomForm::new(
        Resource::Product,
        &product
            .as_ref()
            .map(|p| p.custom.clone())
            .unwrap_or_default(),
    );
    let editing_id = product.as_ref().map(|p| p.id);
    let etag = existing.map(|(_, e)| e).unwrap_or_default();
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let message = RwSignal::new(None::<String>);
    let save = Action::new_local(move |t: &Typed| {
        let (t, etag) = (t.clone(), etag.clone());
        async move {
            match editing_id {
                Some(id) => {
                    let body = ProductUpdate {
                        code: Some(code.get_untracked().trim().to_owned()),
                        name: Some(name.get_untracked()),
                        category: patch(category.get_untracked()),
                        unit: patch(unit.get_untracked()),
                        spec: patch(spec.get_untracked()),
                        list_price: Some(t.price),
                        tax_rate: Some(t.tax),
                        description: patch(description.get_untracked()),
                        active: t.active,
                        custom: custom.values(catalog, true),
                    };
                    api::product::update(id, &etag, &body).await.map(|r| r.body)
                }
                None => {
                    let body = ProductCreate {
                        code: code.get_untracked().trim().to_owned(),
                        name: name.get_untracked(),
                        category: opt(category.get_untracked()),
                        unit: opt(unit.get_untracked()),
                        spec: opt(spec.get_untracked()),
                        list_price: t.price,
                        tax_rate: Some(t.tax),
                        description: opt(description.get_untracked()),
                        custom: custom.values(catalog, false),
                    };
                    api::product::create(&body).await.map(|r| r.body)
                }
            }
        }
    });
    on_save(save, errors, message, move |_| {
        navigate("/products", Default::default())
    });
    let typed = move |active: Option<bool>| -> Option<Typed> {
        let mut bad = Vec::new();
        let p = parse_yuan(&price.get_untracked());
        if p.is_none() {
            bad.push(FieldError::new("list_price", FieldCode::InvalidFormat, ""));
        }
        let t = tax
            .get_untracked()
            .trim()
            .trim_end_matches('%')
            .parse::<Decimal>()
            .ok()
            .filter(|d| kaidan_shared::product::bp_of_percent(*d).is_some());
        if t.is_none() {
            bad.push(FieldError::new("tax_rate", FieldCode::OutOfRange, ""));
        }
        match (p, t) {
            (Some(price), Some(tax)) => Some(Typed { price, tax, active }),
            _ => {
                errors.set(bad);
                message.set(Some(i18n.t(ProductText::BadPrice).to_owned()));
                None
            }
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(t) = typed(None) {
            save.dispatch(t);
        }
    };
    let errs = Signal::derive(move || errors.get());
    let builtin = move |key: &str| -> AnyView {
        match key {
            "code" => view! { <TextField label=ProductText::Code field="code" value=code errors=errs required=true maxlength=40 autocomplete="off"/> }.into_any(),
            "name" => view! { <TextField label=ProductText::Name field="name" value=name errors=errs required=true maxlength=200/> }.into_any(),
            "category" => view! { <ChoiceField label=ProductText::Category field="category" list=builtin::PRODUCT_CATEGORY value=category errors=errs/> }.into_any(),
            "unit" => view! { <ChoiceField label=ProductText::Unit field="unit" list=builtin::PRODUCT_UNIT value=unit errors=errs/> }.into_any(),
            "spec" => view! { <TextField label=ProductText::Spec field="spec" value=spec errors=errs maxlength=200/> }.into_any(),
            "list_price" => view! { <TextField label=ProductText::ListPrice field="list_price" value=price errors=errs required=true inputmode="decimal"/> }.into_any(),
            "tax_rate" => view! { <TextField label=ProductText::TaxRate field="tax_rate" value=tax errors=errs required=true inputmode="decimal"/> }.into_any(),
            "description" => view! { <TextArea label=ProductText::Description field="description" value=description errors=errs/> }.into_any(),
            _ => ().into_any(),
        }
    };
    view! {
        <section class="page narrow">
            <A href="/products" attr:class="back">"‹ " {move || i18n.t(T::Back)}</A>
            <h1>{move || if editing_id.is_some() { i18n.t(T::Edit) } else { i18n.t(ProductText::NewProduct) }}
                {(active == Some(false)).then(|| view! { " "<span class="badge muted">{move || i18n.t(ProductText::Retired)}</span> })}
            </h1>
            <form class="card form" data-testid="product-form" novalidate on:submit=submit>
                <FormSections resource=Resource::Product builtin=builtin custom=custom errors=errs/>
                <p class="form-error" role="alert">{move || message.get()}</p>
                <button class="btn primary block" type="submit" data-testid="product-save" prop:disabled=move || save.pending().get()>{move || i18n.t(T::Save)}</button>
                {active.map(|on| view! {
                    <button class="btn block" type="button" data-testid="product-retire" prop:disabled=move || save.pending().get()
                        on:click=move |_| { if let Some(t) = typed(Some(!on)) { save.dispatch(t); } }>
                        {move || if on { i18n.t(ProductText::Retire) } else { i18n.t(ProductText::Reactivate) }}
                    </button>
                })}
            </form>
        </section>
    }
}
