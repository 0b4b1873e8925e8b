//! A new deal for a customer (`/opportunities/new?customer=<id>`) or an edit
//! (`/opportunities/:id/edit`): the built-in fields where the layout places them — the amount
//! typed in yuan and read exactly into 分 — and the deal's custom fields.

use kaidan_shared::opportunity::{
    format_yuan, parse_yuan, Opportunity, OpportunityCreate, OpportunityUpdate,
};
use kaidan_shared::{FieldCode, FieldError, Resource};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use uuid::Uuid;

use crate::api;
use crate::components::custom_fields::CustomForm;
use crate::components::layout::FormSections;
use crate::components::{create_or_edit, on_save, TextArea, TextField};
use crate::i18n::opportunity::OpportunityText;
use crate::i18n::{use_i18n, T};
use crate::options::use_catalog;

fn opt(s: String) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

#[component]
pub fn OpportunityFormPage() -> impl IntoView {
    create_or_edit(
        |id| async move {
            api::opportunity::get(id).await.map(|r| api::Reply {
                body: r.body.opportunity,
                etag: r.etag,
            })
        },
        |existing| view! { <Editor existing=existing/> },
    )
}

#[component]
fn Editor(existing: Option<(Opportunity, String)>) -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let catalog = use_catalog();
    let deal = existing.as_ref().map(|(o, _)| o.clone());
    let customer = deal.as_ref().map(|d| d.customer_id).or_else(|| {
        use_query_map()
            .with_untracked(|q| q.get("customer"))
            .and_then(|c| c.parse::<Uuid>().ok())
    });
    let customer_name = deal.as_ref().and_then(|d| d.customer_name.clone());
    let s = |f: fn(&Opportunity) -> Option<String>| {
        RwSignal::new(deal.as_ref().and_then(f).unwrap_or_default())
    };
    let name = s(|d| Some(d.name.clone()));
    let amount = s(|d| Some(format_yuan(d.amount).trim_start_matches('¥').to_owned()));
    let probability = s(|d| Some(d.probability.to_string()));
    let close = s(|d| d.expected_close_date.map(|c| c.to_string()));
    let products = s(|d| d.products.clone());
    let competitors = s(|d| d.competitors.clone());
    let next = s(|d| d.next_step.clone());
    let custom = CustomForm::new(
        Resource::Opportunity,
        &deal.as_ref().map(|d| d.custom.clone()).unwrap_or_default(),
    );
    let editing_id = deal.as_ref().map(|d| d.id);
    let etag = existing.map(|(_, e)| e).unwrap_or_default();
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let message = RwSignal::new(None::<String>);
    let save = Action::new_local(move |fen: &i64| {
        let (fen, etag) = (*fen, etag.clone());
        let probability = probability.get_untracked().trim().parse::<u8>().ok();
        let close = close.get_untracked().parse().ok();
        async move {
            match editing_id {
                Some(id) => {
                    let body = OpportunityUpdate {
                        name: Some(name.get_untracked()),
                        amount: Some(fen),
                        probability,
                        expected_close_date: close.into(),
                        products: opt(products.get_untracked()).into(),
                        competitors: opt(competitors.get_untracked()).into(),
                        next_step: opt(next.get_untracked()).into(),
                        custom: custom.values(catalog, true),
                        ..Default::default()
                    };
                    api::opportunity::update(id, &etag, &body)
                        .await
                        .map(|r| r.body.id)
                }
                None => {
                    let body = OpportunityCreate {
                        customer_id: customer.unwrap_or_default(),
                        name: name.get_untracked(),
                        amount: fen,
                        probability,
                        expected_close_date: close,
                        products: opt(products.get_untracked()),
                        competitors: opt(competitors.get_untracked()),
                        next_step: opt(next.get_untracked()),
                        custom: custom.values(catalog, false),
                        ..Default::default()
                    };
                    api::opportunity::create(&body)
                        .await
                        .map(|r| r.body.opportunity.id)
                }
            }
        }
    });
    on_save(save, errors, message, move |id| {
        navigate(&format!("/opportunities/{id}"), Default::default())
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match parse_yuan(&amount.get_untracked()) {
            Some(fen) => {
                save.dispatch(fen);
            }
            None => {
                errors.set(vec![FieldError::new(
                    "amount",
                    FieldCode::InvalidFormat,
                    "",
                )]);
                message.set(Some(i18n.t(OpportunityText::BadAmount).to_owned()));
            }
        }
    };
    let errs = Signal::derive(move || errors.get());
    let builtin = move |key: &str| -> AnyView {
        match key {
            "name" => view! { <TextField label=OpportunityText::DealName field="name" value=name errors=errs required=true maxlength=200/> }.into_any(),
            "customer" => {
                let who = customer_name.clone();
                who.map(|n| view! {
                    <div class="field"><span class="label">{move || i18n.t(OpportunityText::Customer)}</span><p>{n}</p></div>
                }).into_any()
            }
            "amount" => view! { <TextField label=OpportunityText::Amount field="amount" value=amount errors=errs required=true inputmode="decimal"/> }.into_any(),
            "probability" => view! { <TextField label=OpportunityText::Probability field="probability" value=probability errors=errs inputmode="numeric"/> }.into_any(),
            "expected_close_date" => view! { <TextField label=OpportunityText::ExpectedClose field="expected_close_date" value=close errors=errs input_type="date"/> }.into_any(),
            "products" => view! { <TextArea label=OpportunityText::Products field="products" value=products errors=errs/> }.into_any(),
            "competitors" => view! { <TextArea label=OpportunityText::Competitors field="competitors" value=competitors errors=errs/> }.into_any(),
            "next_step" => view! { <TextField label=OpportunityText::NextStep field="next_step" value=next errors=errs maxlength=500/> }.into_any(),
            _ => ().into_any(),
        }
    };
    let back = match (editing_id, customer) {
        (Some(id), _) => format!("/opportunities/{id}"),
        (None, Some(c)) => format!("/customers/{c}"),
        (None, None) => "/opportunities".to_owned(),
    };
    view! {
        <section class="page narrow">
            <A href=back attr:class="back">"‹ " {move || i18n.t(T::Back)}</A>
            <h1>{move || if editing_id.is_some() { i18n.t(T::Edit) } else { i18n.t(OpportunityText::NewDeal) }}</h1>
            <form class="card form" data-testid="deal-form" novalidate on:submit=submit>
                <FormSections resource=Resource::Opportunity builtin=builtin custom=custom errors=errs/>
                <p class="form-error" role="alert">{move || message.get()}</p>
                <button class="btn primary block" type="submit" data-testid="deal-save" prop:disabled=move || save.pending().get()>{move || i18n.t(T::Save)}</button>
            </form>
        </section>
    }
}
