//! The company's particulars (admins): the letterhead printed quotes and contracts carry.

use kaidan_shared::company::{CompanyProfile, CompanyProfileInput};
use kaidan_shared::FieldError;
use leptos::prelude::*;

use crate::api;
use crate::components::{on_save, ErrorState, Loading, TextField};
use crate::i18n::org::OrgText;
use crate::i18n::{use_i18n, T};

#[component]
pub fn CompanyTab() -> impl IntoView {
    let data = LocalResource::new(|| async { api::org::company().await });
    view! {
        <Transition fallback=|| view! { <Loading/> }>
            {move || data.get().map(|r| match r {
                Ok(reply) => view! { <CompanyForm profile=reply.body etag=reply.etag.unwrap_or_default()/> }.into_any(),
                Err(e) => view! { <ErrorState error=e on_retry=move |_| data.refetch()/> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn CompanyForm(profile: CompanyProfile, etag: String) -> impl IntoView {
    let i18n = use_i18n();
    let s = |v: Option<String>| RwSignal::new(v.unwrap_or_default());
    let name = RwSignal::new(profile.name.clone());
    let address = s(profile.address.clone());
    let phone = s(profile.phone.clone());
    let email = s(profile.email.clone());
    let credit_code = s(profile.credit_code.clone());
    let bank_name = s(profile.bank_name.clone());
    let bank_account = s(profile.bank_account.clone());
    let etag = RwSignal::new(etag);
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let message = RwSignal::new(None::<String>);
    let save = Action::new_local(move |_: &()| {
        let opt = |v: RwSignal<String>| {
            Some(v.get_untracked().trim().to_owned()).filter(|v| !v.is_empty())
        };
        let body = CompanyProfileInput {
            name: name.get_untracked(),
            address: opt(address),
            phone: opt(phone),
            email: opt(email),
            credit_code: opt(credit_code),
            bank_name: opt(bank_name),
            bank_account: opt(bank_account),
        };
        let tag = etag.get_untracked();
        async move { api::org::save_company(&tag, &body).await }
    });
    on_save(
        save,
        errors,
        message,
        move |r: api::Reply<CompanyProfile>| {
            etag.set(r.etag.unwrap_or_default());
            message.set(Some(i18n.t(OrgText::Saved).to_owned()));
        },
    );
    let errs = Signal::derive(move || errors.get());
    view! {
        <form class="card form" data-testid="company-form" novalidate on:submit=move |ev| { ev.prevent_default(); message.set(None); save.dispatch(()); }>
            <p class="muted">{move || i18n.t(OrgText::CompanyHint)}</p>
            <TextField label=OrgText::CompanyName field="name" value=name errors=errs required=true maxlength=200/>
            <TextField label=OrgText::Address field="address" value=address errors=errs maxlength=500/>
            <TextField label=OrgText::Phone field="phone" value=phone errors=errs input_type="tel" maxlength=32/>
            <TextField label=OrgText::Email field="email" value=email errors=errs input_type="email" maxlength=254/>
            <TextField label=OrgText::CreditCode field="credit_code" value=credit_code errors=errs maxlength=18/>
            <TextField label=OrgText::BankName field="bank_name" value=bank_name errors=errs maxlength=200/>
            <TextField label=OrgText::BankAccount field="bank_account" value=bank_account errors=errs maxlength=64/>
            <p class="form-error" role="status">{move || message.get()}</p>
            <button class="btn primary" type="submit" prop:disabled=move || save.pending().get()>{move || i18n.t(T::Save)}</button>
        </form>
    }
}
