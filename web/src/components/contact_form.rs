//! The contact form: add or edit one contact of a customer. Any screen that shows a customer's
//! people uses it (the customer's detail page now; visits and leads next).

use crate::components::custom_fields::CustomForm;
use crate::components::layout::FormSections;
use crate::i18n::customer::CustomerText;
use crate::options::use_catalog;
use kaidan_shared::contact::{Contact, ContactInput, ContactUpdate};
use kaidan_shared::FieldError;
use kaidan_shared::Resource;
use leptos::prelude::*;
use uuid::Uuid;

use crate::api;
use crate::components::{on_save, TextArea, TextField};
use crate::i18n::contact::ContactText;
use crate::i18n::{use_i18n, T};

fn split_list(s: &str) -> Vec<String> {
    s.split([',', '，', '、', ';', '；'])
        .map(|x| x.trim().to_owned())
        .filter(|x| !x.is_empty())
        .collect()
}

/// Add (contact = None) or edit a contact. Values stay in the form when saving fails.
#[component]
pub fn ContactForm(
    customer_id: Uuid,
    contact: Option<Contact>,
    on_done: Callback<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let c = contact.clone().unwrap_or_else(|| Contact {
        id: Uuid::nil(),
        customer_id,
        name: String::new(),
        title: None,
        phones: Vec::new(),
        email: None,
        wechat: None,
        is_primary: false,
        notes: None,
        custom: Default::default(),
        version: 0,
        created_at: Default::default(),
        updated_at: Default::default(),
    });
    let name = RwSignal::new(c.name.clone());
    let title = RwSignal::new(c.title.clone().unwrap_or_default());
    let phones = RwSignal::new(c.phones.join(", "));
    let email = RwSignal::new(c.email.clone().unwrap_or_default());
    let wechat = RwSignal::new(c.wechat.clone().unwrap_or_default());
    let notes = RwSignal::new(c.notes.clone().unwrap_or_default());
    let custom = CustomForm::new(Resource::Contact, &c.custom);
    let catalog = use_catalog();
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let message = RwSignal::new(None::<String>);
    let editing = contact.is_some();
    let opt = |s: String| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    let save = Action::new_local(move |_: &()| {
        let input = ContactInput {
            name: name.get_untracked(),
            title: opt(title.get_untracked()),
            phones: split_list(&phones.get_untracked()),
            email: opt(email.get_untracked()),
            wechat: opt(wechat.get_untracked()),
            is_primary: false,
            notes: opt(notes.get_untracked()),
            custom: custom.values(catalog, editing),
        };
        let version = c.version;
        let id = c.id;
        async move {
            if editing {
                let body = ContactUpdate {
                    name: Some(input.name),
                    title: input.title.into(),
                    phones: Some(input.phones),
                    email: input.email.into(),
                    wechat: input.wechat.into(),
                    notes: input.notes.into(),
                    custom: input.custom,
                    ..Default::default()
                };
                api::contact::update(id, &api::etag(version), &body)
                    .await
                    .map(|_| ())
            } else {
                api::contact::create(customer_id, &input).await.map(|_| ())
            }
        }
    });
    on_save(save, errors, message, move |()| on_done.run(true));
    let errs = Signal::derive(move || errors.get());
    // The built-in inputs, where the contact layout places them.
    let builtin = move |key: &str| -> AnyView {
        match key {
            "name" => view! { <TextField label=ContactText::ContactName field="name" value=name errors=errs required=true maxlength=64/> }.into_any(),
            "title" => view! { <TextField label=ContactText::Title field="title" value=title errors=errs maxlength=64/> }.into_any(),
            "phones" => view! { <TextField label=ContactText::Phones field="phones" value=phones errors=errs input_type="tel" inputmode="tel"/> }.into_any(),
            "email" => view! { <TextField label=ContactText::Email field="email" value=email errors=errs input_type="email"/> }.into_any(),
            "wechat" => view! { <TextField label=ContactText::Wechat field="wechat" value=wechat errors=errs maxlength=64/> }.into_any(),
            "notes" => view! { <TextArea label=CustomerText::Notes field="notes" value=notes errors=errs/> }.into_any(),
            _ => ().into_any(),
        }
    };
    view! {
        <form class="sheet" data-testid="contact-form" on:submit=move |ev| { ev.prevent_default(); save.dispatch(()); }>
            <h3>{move || if editing { i18n.t(ContactText::EditContact) } else { i18n.t(ContactText::AddContact) }}</h3>
            <FormSections resource=Resource::Contact builtin=builtin custom=custom errors=errs/>
            <p class="form-error" role="alert">{move || message.get()}</p>
            <div class="actions">
                <button class="btn primary" type="submit" prop:disabled=move || save.pending().get()>
                    {move || if save.pending().get() { i18n.t(T::Saving) } else { i18n.t(T::Save) }}
                </button>
                <button class="btn" type="button" on:click=move |_| on_done.run(false)>{move || i18n.t(T::Cancel)}</button>
            </div>
        </form>
    }
}
