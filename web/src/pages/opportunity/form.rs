//! A new deal for a customer (`/opportunities/new?customer=<id>`): name, amount in yuan (read
//! exactly into 分), expected close date, next step.

use kaidan_shared::opportunity::{parse_yuan, OpportunityCreate};
use kaidan_shared::{FieldCode, FieldError};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use uuid::Uuid;

use crate::api;
use crate::components::{on_save, TextField};
use crate::i18n::opportunity::OpportunityText;
use crate::i18n::{use_i18n, T};

#[component]
pub fn OpportunityFormPage() -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let customer = use_query_map()
        .with_untracked(|q| q.get("customer"))
        .and_then(|c| c.parse::<Uuid>().ok());
    let name = RwSignal::new(String::new());
    let amount = RwSignal::new(String::new());
    let close = RwSignal::new(String::new());
    let next = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let message = RwSignal::new(None::<String>);
    let save = Action::new_local(move |body: &OpportunityCreate| {
        let body = body.clone();
        async move { api::opportunity::create(&body).await.map(|r| r.body) }
    });
    on_save(save, errors, message, move |d| {
        navigate(
            &format!("/opportunities/{}", d.opportunity.id),
            Default::default(),
        )
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(fen) = parse_yuan(&amount.get_untracked()) else {
            errors.set(vec![FieldError::new(
                "amount",
                FieldCode::InvalidFormat,
                "",
            )]);
            message.set(Some(i18n.t(OpportunityText::BadAmount).to_owned()));
            return;
        };
        let body = OpportunityCreate {
            customer_id: customer.unwrap_or_default(),
            name: name.get_untracked(),
            amount: fen,
            expected_close_date: close.get_untracked().parse().ok(),
            next_step: Some(next.get_untracked()).filter(|s| !s.trim().is_empty()),
            ..Default::default()
        };
        save.dispatch(body);
    };
    view! {
        <section class="page narrow">
            <h1>{move || i18n.t(OpportunityText::NewDeal)}</h1>
            <form class="card" data-testid="deal-form" on:submit=submit>
                <TextField label=OpportunityText::DealName field="name" value=name errors=errors required=true maxlength=200/>
                <TextField label=OpportunityText::Amount field="amount" value=amount errors=errors required=true inputmode="decimal"/>
                <TextField label=OpportunityText::ExpectedClose field="expected_close_date" value=close errors=errors input_type="date"/>
                <TextField label=OpportunityText::NextStep field="next_step" value=next errors=errors maxlength=500/>
                <p class="form-error" role="alert">{move || message.get()}</p>
                <button class="btn primary block" type="submit" data-testid="deal-save" prop:disabled=move || save.pending().get()>{move || i18n.t(T::Save)}</button>
            </form>
        </section>
    }
}
