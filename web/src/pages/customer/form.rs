//! Create or edit a customer. Server validation errors show at their fields; a duplicate warning
//! lists the look-alikes with "create anyway". Nothing typed is lost when a save fails.

use kaidan_shared::contact::ContactInput;
use kaidan_shared::customer::{Customer, CustomerCreate, CustomerKind, CustomerUpdate, Level};
use kaidan_shared::duplicate::DuplicateMatch;
use kaidan_shared::validate::limits;
use kaidan_shared::FieldError;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use uuid::Uuid;

use crate::api;
use crate::components::custom_fields::CustomForm;
use crate::components::duplicates::Duplicates;
use crate::components::layout::FormSections;
use crate::components::{create_or_edit, save_error_text, TextArea, TextField};
use crate::i18n::contact::ContactText;
use crate::i18n::customer::level_label;
use crate::i18n::customer::CustomerText;
use crate::i18n::{use_i18n, T};
use crate::options::{use_catalog, ChoiceField};
use kaidan_shared::option_list::builtin;
use kaidan_shared::Resource;

#[derive(Clone, Copy)]
struct Form {
    kind: RwSignal<CustomerKind>,
    name: RwSignal<String>,
    credit_code: RwSignal<String>,
    industry: RwSignal<String>,
    level: RwSignal<String>,
    tags: RwSignal<String>,
    phone: RwSignal<String>,
    address: RwSignal<String>,
    source: RwSignal<String>,
    notes: RwSignal<String>,
    contact_name: RwSignal<String>,
    contact_title: RwSignal<String>,
    contact_phone: RwSignal<String>,
    contact_wechat: RwSignal<String>,
}

fn opt(s: String) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

fn split_tags(s: &str) -> Vec<String> {
    s.split([',', '，', '、'])
        .map(|x| x.trim().to_owned())
        .filter(|x| !x.is_empty())
        .collect()
}

impl Form {
    fn new(c: Option<&Customer>) -> Form {
        let s = |v: Option<&String>| RwSignal::new(v.cloned().unwrap_or_default());
        Form {
            kind: RwSignal::new(c.map(|c| c.kind).unwrap_or_default()),
            name: RwSignal::new(c.map(|c| c.name.clone()).unwrap_or_default()),
            credit_code: s(c.and_then(|c| c.credit_code.as_ref())),
            industry: s(c.and_then(|c| c.industry.as_ref())),
            level: RwSignal::new(
                c.and_then(|c| c.level)
                    .map(|l| l.as_str().to_owned())
                    .unwrap_or_default(),
            ),
            tags: RwSignal::new(c.map(|c| c.tags.join(", ")).unwrap_or_default()),
            phone: s(c.and_then(|c| c.phone.as_ref())),
            address: s(c.and_then(|c| c.address.as_ref())),
            source: s(c.and_then(|c| c.source.as_ref())),
            notes: s(c.and_then(|c| c.notes.as_ref())),
            contact_name: RwSignal::new(String::new()),
            contact_title: RwSignal::new(String::new()),
            contact_phone: RwSignal::new(String::new()),
            contact_wechat: RwSignal::new(String::new()),
        }
    }

    fn create(&self, force: bool) -> CustomerCreate {
        let contacts = opt(self.contact_name.get_untracked())
            .map(|name| {
                vec![ContactInput {
                    name,
                    title: opt(self.contact_title.get_untracked()),
                    phones: opt(self.contact_phone.get_untracked())
                        .into_iter()
                        .collect(),
                    wechat: opt(self.contact_wechat.get_untracked()),
                    is_primary: true,
                    ..Default::default()
                }]
            })
            .unwrap_or_default();
        CustomerCreate {
            kind: self.kind.get_untracked(),
            name: self.name.get_untracked(),
            credit_code: opt(self.credit_code.get_untracked()),
            industry: opt(self.industry.get_untracked()),
            level: Level::parse(&self.level.get_untracked()),
            tags: split_tags(&self.tags.get_untracked()),
            phone: opt(self.phone.get_untracked()),
            address: opt(self.address.get_untracked()),
            source: opt(self.source.get_untracked()),
            notes: opt(self.notes.get_untracked()),
            contacts,
            force,
            ..Default::default()
        }
    }

    fn update(&self) -> CustomerUpdate {
        CustomerUpdate {
            kind: Some(self.kind.get_untracked()),
            name: Some(self.name.get_untracked()),
            credit_code: opt(self.credit_code.get_untracked()).into(),
            industry: opt(self.industry.get_untracked()).into(),
            level: Level::parse(&self.level.get_untracked()).into(),
            tags: Some(split_tags(&self.tags.get_untracked())),
            phone: opt(self.phone.get_untracked()).into(),
            address: opt(self.address.get_untracked()).into(),
            source: opt(self.source.get_untracked()).into(),
            notes: opt(self.notes.get_untracked()).into(),
            ..Default::default()
        }
    }
}

#[component]
pub fn CustomerFormPage() -> impl IntoView {
    create_or_edit(
        |id| async move {
            api::customer::get(id).await.map(|r| api::Reply {
                body: r.body.customer,
                etag: r.etag,
            })
        },
        |existing| view! { <Editor existing=existing/> },
    )
}

#[component]
fn Editor(existing: Option<(Customer, String)>) -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let form = Form::new(existing.as_ref().map(|(c, _)| c));
    let catalog = use_catalog();
    let custom = CustomForm::new(
        Resource::Customer,
        &existing
            .as_ref()
            .map(|(c, _)| c.custom.clone())
            .unwrap_or_default(),
    );
    let editing_id: Option<Uuid> = existing.as_ref().map(|(c, _)| c.id);
    let etag = existing
        .as_ref()
        .map(|(_, e)| e.clone())
        .unwrap_or_default();
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let duplicates = RwSignal::new(Vec::<DuplicateMatch>::new());
    let message = RwSignal::new(None::<String>);

    let save = Action::new_local(move |force: &bool| {
        let force = *force;
        let etag = etag.clone();
        async move {
            match editing_id {
                Some(id) => {
                    let body = CustomerUpdate {
                        custom: custom.values(catalog, true),
                        ..form.update()
                    };
                    api::customer::update(id, &etag, &body)
                        .await
                        .map(|r| r.body.id)
                }
                None => {
                    let body = CustomerCreate {
                        custom: custom.values(catalog, false),
                        ..form.create(force)
                    };
                    api::customer::create(&body)
                        .await
                        .map(|r| r.body.customer.id)
                }
            }
        }
    });
    Effect::new(move |_| {
        if let Some(r) = save.value().get() {
            match r {
                Ok(id) => navigate(&format!("/customers/{id}"), Default::default()),
                Err(e) => {
                    errors.set(e.field_errors());
                    duplicates.set(
                        e.problem
                            .as_ref()
                            .map(|p| p.duplicates.clone())
                            .unwrap_or_default(),
                    );
                    message.set(Some(save_error_text(&e, i18n.lang())));
                }
            }
        }
    });
    // The first contact's errors come back as `contacts[0].…`; its fields are named `contacts.…`.
    let errs = Signal::derive(move || {
        errors
            .get()
            .into_iter()
            .map(|mut e| {
                e.field = e.field.replace("contacts[0].", "contacts.");
                e
            })
            .collect::<Vec<_>>()
    });
    // The built-in inputs, where the layout places them.
    let builtin = move |key: &str| -> AnyView {
        match key {
            "kind" => view! {
                <fieldset class="field">
                    <legend>{move || i18n.t(CustomerText::Kind)}</legend>
                    <label class="radio"><input type="radio" name="kind" prop:checked=move || form.kind.get() == CustomerKind::Company
                        on:change=move |_| form.kind.set(CustomerKind::Company)/>{move || i18n.t(CustomerText::Company)}</label>
                    <label class="radio"><input type="radio" name="kind" prop:checked=move || form.kind.get() == CustomerKind::Individual
                        on:change=move |_| form.kind.set(CustomerKind::Individual)/>{move || i18n.t(CustomerText::Individual)}</label>
                </fieldset>
            }.into_any(),
            "name" => view! { <TextField label=CustomerText::CustomerName field="name" value=form.name errors=errs required=true maxlength=limits::NAME/> }.into_any(),
            "phone" => view! { <TextField label=CustomerText::Phone field="phone" value=form.phone errors=errs input_type="tel" inputmode="tel" maxlength=limits::PHONE/> }.into_any(),
            "credit_code" => view! { <TextField label=CustomerText::CreditCode field="credit_code" value=form.credit_code errors=errs maxlength=18/> }.into_any(),
            "level" => view! {
                <div class="field">
                    <label for="f-level">{move || i18n.t(CustomerText::Level)}</label>
                    <select id="f-level" on:change=move |ev| form.level.set(event_target_value(&ev))>
                        <option value="" selected=move || form.level.with(String::is_empty)>"—"</option>
                        {[Level::A, Level::B, Level::C].into_iter().map(|l| view! {
                            <option value=l.as_str() selected=move || form.level.get() == l.as_str()>{move || level_label(l, i18n.lang())}</option>
                        }).collect_view()}
                    </select>
                </div>
            }.into_any(),
            "industry" => view! { <ChoiceField label=CustomerText::Industry field="industry" list=builtin::CUSTOMER_INDUSTRY value=form.industry errors=errs/> }.into_any(),
            "tags" => view! { <TextField label=CustomerText::Tags field="tags" value=form.tags errors=errs/> }.into_any(),
            "address" => view! { <TextField label=CustomerText::Address field="address" value=form.address errors=errs maxlength=limits::ADDRESS/> }.into_any(),
            "source" => view! { <ChoiceField label=CustomerText::Source field="source" list=builtin::CUSTOMER_SOURCE value=form.source errors=errs/> }.into_any(),
            "notes" => view! { <TextArea label=CustomerText::Notes field="notes" value=form.notes errors=errs/> }.into_any(),
            _ => ().into_any(),
        }
    };
    let pending = save.pending();
    let back = match editing_id {
        Some(id) => format!("/customers/{id}"),
        None => "/customers".to_owned(),
    };
    view! {
        <section class="page narrow">
            <A href=back attr:class="back">"‹ " {move || i18n.t(T::Back)}</A>
            <h1>{move || if editing_id.is_some() { i18n.t(CustomerText::EditCustomer) } else { i18n.t(CustomerText::NewCustomer) }}</h1>
            <form class="card form" data-testid="customer-form" novalidate on:submit=move |ev| {
                ev.prevent_default();
                duplicates.set(Vec::new());
                save.dispatch(false);
            }>
                <FormSections resource=Resource::Customer builtin=builtin custom=custom errors=errs/>
                <Show when=move || editing_id.is_none() fallback=|| ()>
                    <fieldset class="subform">
                        <legend>{move || i18n.t(ContactText::FirstContact)}</legend>
                        <TextField label=ContactText::ContactName field="contacts.name" value=form.contact_name errors=errs maxlength=limits::SHORT/>
                        <TextField label=ContactText::Title field="contacts.title" value=form.contact_title errors=errs maxlength=limits::SHORT/>
                        <TextField label=CustomerText::Phone field="contacts.phones" value=form.contact_phone errors=errs input_type="tel" inputmode="tel"/>
                        <TextField label=ContactText::Wechat field="contacts.wechat" value=form.contact_wechat errors=errs maxlength=limits::SHORT/>
                    </fieldset>
                </Show>
                <Duplicates duplicates=duplicates hint=CustomerText::DuplicateHint force_label=CustomerText::CreateAnyway
                    pending=pending on_force=move |_| { save.dispatch(true); }/>
                <p class="form-error" role="alert" data-testid="form-error">
                    {move || duplicates.with(Vec::is_empty).then(|| message.get()).flatten()}
                </p>
                <div class="actions sticky">
                    <button class="btn primary" type="submit" data-testid="save" prop:disabled=move || pending.get()>
                        {move || if pending.get() { i18n.t(T::Saving) } else { i18n.t(T::Save) }}
                    </button>
                </div>
            </form>
        </section>
    }
}
