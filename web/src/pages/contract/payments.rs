//! A contract's collection on its page: the instalments with what was received against each
//! and their status, adding and removing instalments, recording a payment (signed contracts),
//! and the payments received.

use kaidan_shared::contract::{Contract, ContractStatus};
use kaidan_shared::opportunity::{format_yuan, parse_yuan};
use kaidan_shared::option_list::builtin;
use kaidan_shared::payment::{
    Payment, PaymentCreate, PaymentListQuery, PaymentPlan, PaymentPlanCreate, PlanStatus,
};
use kaidan_shared::{FieldCode, FieldError};
use leptos::prelude::*;
use uuid::Uuid;

use crate::api;
use crate::components::{save_error_text, ErrorState, Loading, TextField};
use crate::i18n::contract::ContractText;
use crate::i18n::{use_i18n, Label};
use crate::options::{use_catalog, ChoiceField};

pub fn plan_label(s: PlanStatus) -> Label {
    match s {
        PlanStatus::Pending => ContractText::PlanPending,
        PlanStatus::Partial => ContractText::PlanPartial,
        PlanStatus::Paid => ContractText::PlanPaid,
        PlanStatus::Overdue => ContractText::PlanOverdue,
    }
    .into()
}

#[component]
pub fn Collection(contract: Contract, may: bool, reload: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let catalog = use_catalog();
    let id = contract.id;
    let open = !matches!(
        contract.status,
        ContractStatus::Completed | ContractStatus::Terminated
    );
    let payable = matches!(
        contract.status,
        ContractStatus::Signed | ContractStatus::Completed
    );
    let data = LocalResource::new(move || async move {
        let plans = api::payment::plans(id).await?;
        let payments = api::payment::list(&PaymentListQuery {
            contract_id: Some(id),
            limit: Some(100),
            ..Default::default()
        })
        .await?;
        Ok::<_, api::ApiError>((plans, payments.items))
    });
    let error = RwSignal::new(None::<String>);
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let errs = Signal::derive(move || errors.get());
    // Adding an instalment.
    let due = RwSignal::new(String::new());
    let plan_amount = RwSignal::new(String::new());
    // Recording a payment.
    let amount = RwSignal::new(String::new());
    let received_on = RwSignal::new(crate::components::today_local());
    let method = RwSignal::new("bank_transfer".to_owned());
    let reference = RwSignal::new(String::new());
    let plan_for = RwSignal::new(String::new());
    let done = move |r: Result<(), api::ApiError>| match r {
        Ok(()) => {
            errors.set(Vec::new());
            error.set(None);
            // The next payment starts from the earliest instalment still open.
            plan_for.set(String::new());
            amount.set(String::new());
            reference.set(String::new());
            data.refetch();
            reload.run(());
        }
        Err(e) => {
            errors.set(e.field_errors());
            error.set(Some(save_error_text(&e, i18n.lang())));
        }
    };
    let add_plan = Action::new_local(move |body: &PaymentPlanCreate| {
        let body = body.clone();
        async move { api::payment::add_plan(id, &body).await.map(|_| ()) }
    });
    let remove = Action::new_local(move |plan: &Uuid| {
        let plan = *plan;
        async move { api::payment::remove_plan(plan).await.map(|_| ()) }
    });
    let record = Action::new_local(move |body: &PaymentCreate| {
        let body = body.clone();
        async move { api::payment::record(&body).await.map(|_| ()) }
    });
    for a in [add_plan.value(), remove.value(), record.value()] {
        Effect::new(move |_| {
            if let Some(r) = a.get() {
                done(r);
            }
        });
    }
    let bad_amount = move |field: &'static str| {
        errors.set(vec![FieldError::new(field, FieldCode::InvalidFormat, "")]);
        error.set(Some(i18n.t(ContractText::BadAmount).to_owned()));
    };
    let submit_plan = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(fen), Ok(day)) = (
            parse_yuan(&plan_amount.get_untracked()),
            due.get_untracked().parse(),
        ) else {
            bad_amount("amount");
            return;
        };
        add_plan.dispatch(PaymentPlanCreate {
            due_date: day,
            amount: fen,
            note: None,
        });
    };
    let submit_payment = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(fen), Ok(day)) = (
            parse_yuan(&amount.get_untracked()),
            received_on.get_untracked().parse(),
        ) else {
            bad_amount("amount");
            return;
        };
        record.dispatch(PaymentCreate {
            contract_id: id,
            plan_id: plan_for.get_untracked().parse().ok(),
            amount: fen,
            received_on: day,
            method: Some(method.get_untracked()).filter(|m| !m.is_empty()),
            reference: reference.get_untracked(),
            note: None,
        });
    };
    let plan_row = move |p: PaymentPlan| {
        let label = plan_label(p.status);
        let removable = may && p.received == 0;
        let pid = p.id;
        view! {
            <li class="row" data-testid="plan-row">
                <div class="row-main">
                    <span class="row-title">{p.due_date.to_string()}" · "{format_yuan(p.amount)}" "<span class="badge">{move || i18n.t(label)}</span></span>
                    <span class="row-sub">{move || i18n.t(ContractText::Received)}" "{format_yuan(p.received)}</span>
                </div>
                {removable.then(|| view! {
                    <button class="btn small" on:click=move |_| { remove.dispatch(pid); }>{move || i18n.t(ContractText::Remove)}</button>
                })}
            </li>
        }
    };
    let payment_row = move |p: Payment| {
        let m = p
            .method
            .clone()
            .map(|m| catalog.label(builtin::PAYMENT_METHOD, &m, i18n.lang()))
            .unwrap_or_default();
        view! {
            <li class="row" data-testid="payment-row">
                <div class="row-main">
                    <span class="row-title">{format_yuan(p.amount)}" · "{p.received_on.to_string()}</span>
                    <span class="row-sub">{m}" · "{p.reference.clone()}</span>
                </div>
            </li>
        }
    };
    view! {
        <section class="card no-print" data-testid="collection">
            <h2>{move || i18n.t(ContractText::Collection)}</h2>
            <dl class="facts">
                <div><dt>{move || i18n.t(ContractText::Received)}</dt><dd data-testid="contract-received">{format_yuan(contract.received)}</dd></div>
                <div><dt>{move || i18n.t(ContractText::Outstanding)}</dt><dd>{format_yuan(contract.amount - contract.received)}</dd></div>
            </dl>
            <Transition fallback=|| view! { <Loading/> }>
                {move || data.get().map(|r| match r {
                    Ok((plans, payments)) => {
                        let options = plans.iter().filter(|p| p.received < p.amount)
                            .map(|p| (p.id.to_string(), format!("{} · {}", p.due_date, format_yuan(p.amount - p.received))))
                            .collect::<Vec<_>>();
                        // A payment usually settles the earliest instalment still open.
                        if plan_for.get_untracked().is_empty() {
                            if let Some((first, _)) = options.first() {
                                plan_for.set(first.clone());
                            }
                        }
                        let chosen = plan_for.get_untracked();
                        view! {
                            <h3>{move || i18n.t(ContractText::Plan)}</h3>
                            {if plans.is_empty() {
                                view! { <p class="muted">{move || i18n.t(ContractText::NoPlans)}</p> }.into_any()
                            } else {
                                view! { <ul class="list">{plans.into_iter().map(plan_row).collect_view()}</ul> }.into_any()
                            }}
                            {(may && payable).then(|| view! {
                                <form class="form" data-testid="payment-form" novalidate on:submit=submit_payment>
                                    <h3>{move || i18n.t(ContractText::RecordPayment)}</h3>
                                    <TextField label=ContractText::PaymentAmount field="amount" value=amount errors=errs required=true inputmode="decimal" id="pay-amount"/>
                                    <TextField label=ContractText::ReceivedOn field="received_on" value=received_on errors=errs input_type="date" id="pay-date"/>
                                    <ChoiceField label=ContractText::Method field="method" list=builtin::PAYMENT_METHOD value=method errors=errs/>
                                    <TextField label=ContractText::Reference field="reference" value=reference errors=errs required=true maxlength=64 id="pay-reference"/>
                                    <div class="field">
                                        <label for="pay-plan">{move || i18n.t(ContractText::ForPlan)}</label>
                                        <select id="pay-plan" on:change=move |ev| plan_for.set(event_target_value(&ev))>
                                            <option value="">{move || i18n.t(ContractText::NoPlan)}</option>
                                            {options.into_iter().map(|(k, l)| { let sel = k == chosen; view! { <option value=k selected=sel>{l}</option> } }).collect_view()}
                                        </select>
                                    </div>
                                    <button class="btn primary block" type="submit" data-testid="payment-save" prop:disabled=move || record.pending().get()>{move || i18n.t(ContractText::RecordPayment)}</button>
                                </form>
                            })}
                            <h3>{move || i18n.t(ContractText::Payments)}</h3>
                            {if payments.is_empty() {
                                view! { <p class="muted">{move || i18n.t(ContractText::NoPayments)}</p> }.into_any()
                            } else {
                                view! { <ul class="list" data-testid="payment-list">{payments.into_iter().map(payment_row).collect_view()}</ul> }.into_any()
                            }}
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorState error=e on_retry=move |_| data.refetch()/> }.into_any(),
                })}
            </Transition>
            {(may && open).then(|| view! {
                <form class="form" data-testid="plan-form" novalidate on:submit=submit_plan>
                    <h3>{move || i18n.t(ContractText::AddPlan)}</h3>
                    <TextField label=ContractText::DueDate field="due_date" value=due errors=errs input_type="date" required=true id="plan-due"/>
                    <TextField label=ContractText::PlanAmount field="amount" value=plan_amount errors=errs required=true inputmode="decimal" id="plan-amount"/>
                    <button class="btn block" type="submit" data-testid="plan-save" prop:disabled=move || add_plan.pending().get()>{move || i18n.t(ContractText::AddPlan)}</button>
                </form>
            })}
            <p class="form-error" role="alert">{move || error.get()}</p>
        </section>
    }
}
