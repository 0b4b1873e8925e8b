//! One contract: its facts, lines and amount (in figures and in 大写), what may be done now —
//! edit, submit for approval, withdraw, sign, complete, terminate, reopen — and the approval
//! timeline of every submission. It prints as the contract's summary.

use kaidan_shared::approval::{Approval, ApprovalStatus};
use kaidan_shared::contract::{Contract, ContractReason, ContractSign, ContractStatus};
use kaidan_shared::money::capitals;
use kaidan_shared::opportunity::format_yuan;
use kaidan_shared::{Action as Act, Resource};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use crate::api;
use crate::app::use_auth;
use crate::components::{save_error_text, ErrorState, Loading};
use crate::i18n::contract::ContractText;
use crate::i18n::{use_i18n, T};
use crate::pages::approval::{Lines, Timeline};

use super::status_label;

#[component]
pub fn ContractDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|i| i.parse::<Uuid>().ok()));
    let data = LocalResource::new(move || {
        let id = id();
        async move {
            let Some(id) = id else {
                return Err(api::not_found());
            };
            let c = api::contract::get(id).await?.body;
            let a = api::contract::approvals(id).await?;
            Ok((c, a))
        }
    });
    view! {
        <section class="page contract-page">
            <Transition fallback=|| view! { <Loading/> }>
                {move || data.get().map(|r| match r {
                    Ok((c, a)) => view! { <ContractView contract=c approvals=a reload=Callback::new(move |_| data.refetch())/> }.into_any(),
                    Err(e) => view! { <ErrorState error=e on_retry=move |_| data.refetch()/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[derive(Clone)]
enum Op {
    Act(&'static str),
    Sign,
    Reason(&'static str, String),
    Withdraw(Uuid),
}

#[component]
fn ContractView(
    contract: Contract,
    approvals: Vec<Approval>,
    reload: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let id = contract.id;
    let status = contract.status;
    let may = auth.can(Resource::Contract, Act::Update);
    let me = api::user_id();
    let error = RwSignal::new(None::<String>);
    let act = Action::new_local(move |op: &Op| {
        let op = op.clone();
        async move {
            match op {
                Op::Act(a) => api::contract::act(id, a).await.map(|_| ()),
                Op::Sign => api::contract::sign(id, &ContractSign::default())
                    .await
                    .map(|_| ()),
                Op::Reason(a, reason) => {
                    api::contract::with_reason(id, a, &ContractReason { reason })
                        .await
                        .map(|_| ())
                }
                Op::Withdraw(a) => api::approval::withdraw(a).await.map(|_| ()),
            }
        }
    });
    Effect::new(move |_| {
        if let Some(r) = act.value().get() {
            match r {
                Ok(()) => reload.run(()),
                Err(e) => error.set(Some(save_error_text(&e, i18n.lang()))),
            }
        }
    });
    let with_reason = move |what: &'static str| {
        move |_| {
            if let Ok(Some(why)) = window().prompt_with_message(i18n.t(ContractText::ReasonPrompt))
            {
                if !why.trim().is_empty() {
                    act.dispatch(Op::Reason(what, why));
                }
            }
        }
    };
    // The pending submission the reader made, which they may take back.
    let mine_pending = approvals
        .iter()
        .find(|a| a.status == ApprovalStatus::Pending && Some(a.submitter_id) == me)
        .map(|a| a.id);
    let label = status_label(status);
    let busy = move || act.pending().get();
    let fact = |k: ContractText, v: Option<String>| {
        v.map(|v| view! { <div><dt>{move || i18n.t(k)}</dt><dd>{v}</dd></div> })
    };
    view! {
        <div class="no-print">
            <A href="/contracts" attr:class="back">"‹ " {move || i18n.t(ContractText::Contracts)}</A>
        </div>
        <article class="card quote-doc" data-testid="contract-detail">
            <header class="quote-head">
                <h1>{contract.title.clone()}</h1>
                <p><span class="badge" data-testid="contract-status">{move || i18n.t(label)}</span></p>
                <dl class="facts">
                    {fact(ContractText::Number, Some(contract.number.clone()))}
                    {fact(ContractText::Customer, contract.customer_name.clone())}
                    {fact(ContractText::Deal, contract.opportunity_name.clone())}
                    {fact(ContractText::Quote, contract.quote_number.clone())}
                    {fact(ContractText::SignDate, contract.sign_date.map(|d| d.to_string()))}
                    {fact(ContractText::StartDate, contract.start_date.map(|d| d.to_string()))}
                    {fact(ContractText::EndDate, contract.end_date.map(|d| d.to_string()))}
                    {fact(ContractText::CustomerSignatory, contract.customer_signatory.clone())}
                    {fact(ContractText::OurSignatory, contract.our_signatory.clone())}
                    {fact(ContractText::Owner, contract.owner_name.clone())}
                </dl>
            </header>
            {(!contract.lines.is_empty()).then(|| view! { <Lines lines=contract.lines.clone()/> })}
            <dl class="facts totals">
                <div><dt>{move || i18n.t(ContractText::Amount)}</dt><dd><strong data-testid="contract-amount">{format_yuan(contract.amount)}</strong></dd></div>
                <div><dt>{move || i18n.t(ContractText::AmountCapitals)}</dt><dd>{capitals(contract.amount)}</dd></div>
            </dl>
            {contract.payment_terms.clone().map(|t| view! { <section><h2>{move || i18n.t(ContractText::PaymentTerms)}</h2><p class="pre">{t}</p></section> })}
            {contract.notes.clone().map(|t| view! { <section class="no-print"><h2>{move || i18n.t(ContractText::Notes)}</h2><p class="pre">{t}</p></section> })}
            {contract.end_reason.clone().map(|t| view! { <p class="muted">{t}</p> })}
        </article>
        <div class="actions no-print" data-testid="contract-actions">
            {(may && matches!(status, ContractStatus::Draft | ContractStatus::Approved | ContractStatus::Signed)).then(|| view! {
                <A href=format!("/contracts/{id}/edit") attr:class="btn" attr:data-testid="contract-edit">{move || i18n.t(T::Edit)}</A>
            })}
            {(may && status == ContractStatus::Draft).then(|| view! {
                <button class="btn primary" data-testid="contract-submit" prop:disabled=busy
                    on:click=move |_| { act.dispatch(Op::Act("submit")); }>{move || i18n.t(ContractText::Submit)}</button>
            })}
            {mine_pending.map(|a| view! {
                <button class="btn" data-testid="contract-withdraw" prop:disabled=busy
                    on:click=move |_| { act.dispatch(Op::Withdraw(a)); }>{move || i18n.t(ContractText::Withdraw)}</button>
            })}
            {(may && status == ContractStatus::Approved).then(|| view! {
                <button class="btn primary" data-testid="contract-sign" prop:disabled=busy
                    on:click=move |_| { act.dispatch(Op::Sign); }>{move || i18n.t(ContractText::Sign)}</button>
                <button class="btn" data-testid="contract-reopen" prop:disabled=busy on:click=with_reason("reopen")>{move || i18n.t(ContractText::Reopen)}</button>
            })}
            {(may && status == ContractStatus::Signed).then(|| view! {
                <button class="btn primary" data-testid="contract-complete" prop:disabled=busy
                    on:click=move |_| { act.dispatch(Op::Act("complete")); }>{move || i18n.t(ContractText::Complete)}</button>
            })}
            {(may && matches!(status, ContractStatus::Approved | ContractStatus::Signed)).then(|| view! {
                <button class="btn danger" data-testid="contract-terminate" prop:disabled=busy on:click=with_reason("terminate")>{move || i18n.t(ContractText::Terminate)}</button>
            })}
            <button class="btn" on:click=move |_| { let _ = window().print(); }>{move || i18n.t(crate::i18n::quote::QuoteText::Print)}</button>
        </div>
        <p class="form-error no-print" role="alert">{move || error.get()}</p>
        {matches!(status, ContractStatus::Approved | ContractStatus::Signed | ContractStatus::Completed | ContractStatus::Draft | ContractStatus::PendingApproval)
            .then(|| view! { <super::payments::Collection contract=contract.clone() may=may reload=reload/> })}
        <super::documents::Documents contract=contract.clone() may=may/>
        {(!approvals.is_empty()).then(|| view! {
            <section class="card no-print" data-testid="contract-timeline">
                <h2>{move || i18n.t(ContractText::Timeline)}</h2>
                {approvals.into_iter().map(|a| view! { <Timeline approval=a/> }).collect_view()}
            </section>
        })}
    }
}
