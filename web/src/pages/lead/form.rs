//! A new lead (`/leads/new`) or an edit (`/leads/:id/edit`): the built-in fields where the
//! layout places them, custom fields, and the duplicate warning with "create anyway".

use kaidan_shared::duplicate::DuplicateMatch;
use kaidan_shared::lead::{Lead, LeadCreate, LeadUpdate};
use kaidan_shared::option_list::builtin;
use kaidan_shared::validate::limits;
use kaidan_shared::{FieldError, Resource};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use crate::api;
use crate::components::custom_fields::CustomForm;
use crate::components::duplicates::Duplicates;
use crate::components::layout::FormSections;
use crate::components::{create_or_edit, save_error_text, TextArea, TextField};
use crate::i18n::lead::LeadText;
use crate::i18n::{use_i18n, T};
use crate::options::{use_catalog, ChoiceField};

fn opt(s: String) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

#[component]
pub fn LeadFormPage() -> impl IntoView {
    create_or_edit(
        api::lead::get,
        |existing| view! { <Editor existing=existing/> },
    )
}

#[component]
fn Editor(existing: Option<(Lead, String)>) -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let catalog = use_catalog();
    let lead = existing.as_ref().map(|(l, _)| l.clone());
    let s = |f: fn(&Lead) -> Option<String>| {
        RwSignal::new(lead.as_ref().and_then(f).unwrap_or_default())
    };
    let name = RwSignal::new(lead.as_ref().map(|l| l.name.clone()).unwrap_or_default());
    let company = s(|l| l.company.clone());
    let phone = s(|l| l.phone.clone());
    let email = s(|l| l.email.clone());
    let source = s(|l| l.source.clone());
    let province = s(|l| l.province.clone());
    let notes = s(|l| l.notes.clone());
    let custom = CustomForm::new(
        Resource::Lead,
        &lead.as_ref().map(|l| l.custom.clone()).unwrap_or_default(),
    );
    let editing_id = lead.as_ref().map(|l| l.id);
    let etag = existing.map(|(_, e)| e).unwrap_or_default();
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let duplicates = RwSignal::new(Vec::<DuplicateMatch>::new());
    let message = RwSignal::new(None::<String>);
    let save = Action::new_local(move |force: &bool| {
        let force = *force;
        let etag = etag.clone();
        async move {
            match editing_id {
                Some(id) => {
                    let body = LeadUpdate {
                        name: Some(name.get_untracked()),
                        company: opt(company.get_untracked()).into(),
                        phone: opt(phone.get_untracked()).into(),
                        email: opt(email.get_untracked()).into(),
                        source: opt(source.get_untracked()).into(),
                        province: opt(province.get_untracked()).into(),
                        notes: opt(notes.get_untracked()).into(),
                        custom: custom.values(catalog, true),
                        ..Default::default()
                    };
                    api::lead::update(id, &etag, &body).await.map(|r| r.body.id)
                }
                None => {
                    let body = LeadCreate {
                        name: name.get_untracked(),
                        company: opt(company.get_untracked()),
                        phone: opt(phone.get_untracked()),
                        email: opt(email.get_untracked()),
                        source: opt(source.get_untracked()),
                        province: opt(province.get_untracked()),
                        notes: opt(notes.get_untracked()),
                        force,
                        custom: custom.values(catalog, false),
                        ..Default::default()
                    };
                    api::lead::create(&body).await.map(|r| r.body.id)
                }
            }
        }
    });
    Effect::new(move |_| {
        if let Some(r) = save.value().get() {
            match r {
                Ok(id) => navigate(&format!("/leads/{id}"), Default::default()),
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
    let errs = Signal::derive(move || errors.get());
    let builtin = move |key: &str| -> AnyView {
        match key {
            "name" => view! { <TextField label=LeadText::ContactName field="name" value=name errors=errs required=true maxlength=limits::NAME/> }.into_any(),
            "company" => view! { <TextField label=LeadText::Company field="company" value=company errors=errs maxlength=limits::NAME/> }.into_any(),
            "phone" => view! { <TextField label=LeadText::Phone field="phone" value=phone errors=errs input_type="tel" inputmode="tel" maxlength=limits::PHONE/> }.into_any(),
            "email" => view! { <TextField label=LeadText::Email field="email" value=email errors=errs input_type="email" inputmode="email" maxlength=limits::EMAIL/> }.into_any(),
            "source" => view! { <ChoiceField label=LeadText::Source field="source" list=builtin::LEAD_SOURCE value=source errors=errs/> }.into_any(),
            "province" => view! { <ChoiceField label=LeadText::Province field="province" list=super::PROVINCE value=province errors=errs/> }.into_any(),
            "notes" => view! { <TextArea label=LeadText::Notes field="notes" value=notes errors=errs/> }.into_any(),
            _ => ().into_any(),
        }
    };
    let pending = save.pending();
    let back = match editing_id {
        Some(id) => format!("/leads/{id}"),
        None => "/leads".to_owned(),
    };
    view! {
        <section class="page narrow">
            <A href=back attr:class="back">"‹ " {move || i18n.t(T::Back)}</A>
            <h1>{move || if editing_id.is_some() { i18n.t(LeadText::EditLead) } else { i18n.t(LeadText::NewLead) }}</h1>
            <form class="card form" data-testid="lead-form" novalidate on:submit=move |ev| {
                ev.prevent_default();
                duplicates.set(Vec::new());
                save.dispatch(false);
            }>
                <FormSections resource=Resource::Lead builtin=builtin custom=custom errors=errs/>
                <Duplicates duplicates=duplicates hint=LeadText::LeadDuplicateHint force_label=crate::i18n::customer::CustomerText::CreateAnyway
                    pending=pending on_force=move |_| { save.dispatch(true); }/>
                <p class="form-error" role="alert">{move || message.get()}</p>
                <button class="btn primary block" type="submit" data-testid="lead-save" prop:disabled=move || pending.get()>{move || i18n.t(T::Save)}</button>
            </form>
        </section>
    }
}
