//! A new contract — from an accepted quote (`/contracts/new?quote=<id>`: its customer, deal and
//! lines are the quote's) or for a customer (`?customer=<id>`, an amount typed in yuan, read
//! exactly into 分) — or an edit (`/contracts/:id/edit`). Once approved, the amount and payment
//! terms are shown but not editable: the server keeps them locked until the contract is reopened.

use kaidan_shared::contract::{Contract, ContractCreate, ContractStatus, ContractUpdate};
use kaidan_shared::opportunity::{format_yuan, parse_yuan};
use kaidan_shared::{FieldCode, FieldError, Resource};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use uuid::Uuid;

use crate::api;
use crate::components::custom_fields::CustomForm;
use crate::components::layout::FormSections;
use crate::components::{create_or_edit, on_save, TextArea, TextField};
use crate::i18n::contract::ContractText;
use crate::i18n::{use_i18n, T};
use crate::options::use_catalog;

fn opt(s: String) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

#[component]
pub fn ContractFormPage() -> impl IntoView {
    create_or_edit(
        api::contract::get,
        |existing| view! { <Editor existing=existing/> },
    )
}

#[component]
fn Editor(existing: Option<(Contract, String)>) -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let catalog = use_catalog();
    catalog.load_fields(Resource::Contract);
    let current = existing.as_ref().map(|(c, _)| c.clone());
    let param = |k: &str| {
        use_query_map()
            .with_untracked(|q| q.get(k))
            .and_then(|c| c.parse::<Uuid>().ok())
    };
    let quote = current
        .as_ref()
        .map_or_else(|| param("quote"), |c| c.quote_id);
    let customer = current
        .as_ref()
        .map(|c| c.customer_id)
        .or_else(|| param("customer"));
    let customer_name = current.as_ref().and_then(|c| c.customer_name.clone());
    let locked = current
        .as_ref()
        .is_some_and(|c| c.status != ContractStatus::Draft);
    // The amount follows the lines when there are any (a quote's contract, or lines given).
    let from_lines = quote.is_some() || current.as_ref().is_some_and(|c| !c.lines.is_empty());
    let s = |f: fn(&Contract) -> Option<String>| {
        RwSignal::new(current.as_ref().and_then(f).unwrap_or_default())
    };
    let title = s(|c| Some(c.title.clone()));
    let amount = s(|c| Some(format_yuan(c.amount).trim_start_matches('¥').to_owned()));
    let sign_date = s(|c| c.sign_date.map(|d| d.to_string()));
    let start = s(|c| c.start_date.map(|d| d.to_string()));
    let end = s(|c| c.end_date.map(|d| d.to_string()));
    let terms = s(|c| c.payment_terms.clone());
    let theirs = s(|c| c.customer_signatory.clone());
    let ours = s(|c| c.our_signatory.clone());
    let notes = s(|c| c.notes.clone());
    let custom = CustomForm::new(
        Resource::Contract,
        &current
            .as_ref()
            .map(|c| c.custom.clone())
            .unwrap_or_default(),
    );
    let editing = current
        .as_ref()
        .map(|c| (c.id, c.amount, c.payment_terms.clone()));
    let etag = existing.map(|(_, e)| e).unwrap_or_default();
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let message = RwSignal::new(None::<String>);
    let editing_id = editing.as_ref().map(|e| e.0);
    let save = Action::new_local(move |fen: &Option<i64>| {
        let (fen, etag, editing) = (*fen, etag.clone(), editing.clone());
        let day = |s: RwSignal<String>| s.get_untracked().parse().ok();
        async move {
            match editing {
                Some((id, was, was_terms)) => {
                    let new_terms = opt(terms.get_untracked());
                    let body = ContractUpdate {
                        title: Some(title.get_untracked()),
                        // Only what changed: an approved contract refuses the locked fields.
                        amount: fen.filter(|f| !from_lines && *f != was),
                        sign_date: day(sign_date).into(),
                        start_date: day(start).into(),
                        end_date: day(end).into(),
                        payment_terms: if new_terms == was_terms {
                            Default::default()
                        } else {
                            new_terms.into()
                        },
                        customer_signatory: opt(theirs.get_untracked()).into(),
                        our_signatory: opt(ours.get_untracked()).into(),
                        notes: opt(notes.get_untracked()).into(),
                        custom: custom.values(catalog, true),
                        ..Default::default()
                    };
                    api::contract::update(id, &etag, &body)
                        .await
                        .map(|r| r.body.id)
                }
                None => {
                    let body = ContractCreate {
                        customer_id: if quote.is_some() { None } else { customer },
                        quote_id: quote,
                        title: title.get_untracked(),
                        amount: if quote.is_some() { None } else { fen },
                        sign_date: day(sign_date),
                        start_date: day(start),
                        end_date: day(end),
                        payment_terms: opt(terms.get_untracked()),
                        customer_signatory: opt(theirs.get_untracked()),
                        our_signatory: opt(ours.get_untracked()),
                        notes: opt(notes.get_untracked()),
                        custom: custom.values(catalog, false),
                        ..Default::default()
                    };
                    api::contract::create(&body).await.map(|r| r.body.id)
                }
            }
        }
    });
    on_save(save, errors, message, move |id| {
        navigate(&format!("/contracts/{id}"), Default::default())
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if from_lines {
            save.dispatch(None);
            return;
        }
        match parse_yuan(&amount.get_untracked()) {
            Some(fen) if fen > 0 => {
                save.dispatch(Some(fen));
            }
            _ => {
                errors.set(vec![FieldError::new(
                    "amount",
                    FieldCode::InvalidFormat,
                    "",
                )]);
                message.set(Some(i18n.t(ContractText::BadAmount).to_owned()));
            }
        }
    };
    let errs = Signal::derive(move || errors.get());
    let builtin = move |key: &str| -> AnyView {
        match key {
            "title" => view! { <TextField label=ContractText::Title field="title" value=title errors=errs required=true maxlength=200/> }.into_any(),
            "customer" => customer_name.clone().map(|n| view! {
                <div class="field"><span class="label">{move || i18n.t(ContractText::Customer)}</span><p>{n}</p></div>
            }).into_any(),
            "amount" if from_lines => current.as_ref().map(|c| {
                let a = format_yuan(c.amount);
                view! { <div class="field"><span class="label">{move || i18n.t(ContractText::Amount)}</span><p>{a}</p></div> }
            }).into_any(),
            "amount" if locked => view! {
                <div class="field"><span class="label">{move || i18n.t(ContractText::Amount)}</span><p>{move || amount.get()}</p>
                <p class="muted small">{move || i18n.t(ContractText::LockedAmount)}</p></div>
            }.into_any(),
            "amount" => view! { <TextField label=ContractText::Amount field="amount" value=amount errors=errs required=true inputmode="decimal"/> }.into_any(),
            "sign_date" => view! { <TextField label=ContractText::SignDate field="sign_date" value=sign_date errors=errs input_type="date"/> }.into_any(),
            "start_date" => view! { <TextField label=ContractText::StartDate field="start_date" value=start errors=errs input_type="date"/> }.into_any(),
            "end_date" => view! { <TextField label=ContractText::EndDate field="end_date" value=end errors=errs input_type="date"/> }.into_any(),
            "payment_terms" if locked => view! {
                <div class="field"><span class="label">{move || i18n.t(ContractText::PaymentTerms)}</span><p class="pre">{move || terms.get()}</p></div>
            }.into_any(),
            "payment_terms" => view! { <TextArea label=ContractText::PaymentTerms field="payment_terms" value=terms errors=errs/> }.into_any(),
            "customer_signatory" => view! { <TextField label=ContractText::CustomerSignatory field="customer_signatory" value=theirs errors=errs maxlength=200/> }.into_any(),
            "our_signatory" => view! { <TextField label=ContractText::OurSignatory field="our_signatory" value=ours errors=errs maxlength=200/> }.into_any(),
            "notes" => view! { <TextArea label=ContractText::Notes field="notes" value=notes errors=errs/> }.into_any(),
            _ => ().into_any(),
        }
    };
    let back = match (editing_id, quote, customer) {
        (Some(id), _, _) => format!("/contracts/{id}"),
        (None, Some(q), _) => format!("/quotes/{q}"),
        (None, None, Some(c)) => format!("/customers/{c}"),
        _ => "/contracts".to_owned(),
    };
    let editing_now = editing_id.is_some();
    view! {
        <section class="page narrow">
            <A href=back attr:class="back">"‹ " {move || i18n.t(T::Back)}</A>
            <h1>{move || if editing_now { i18n.t(T::Edit) } else { i18n.t(ContractText::NewContract) }}</h1>
            <form class="card form" data-testid="contract-form" novalidate on:submit=submit>
                <FormSections resource=Resource::Contract builtin=builtin custom=custom errors=errs/>
                <p class="form-error" role="alert">{move || message.get()}</p>
                <button class="btn primary block" type="submit" data-testid="contract-save" prop:disabled=move || save.pending().get()>{move || i18n.t(T::Save)}</button>
            </form>
        </section>
    }
}
