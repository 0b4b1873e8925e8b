//! Receivables (应收款): the instalments not yet received in the reader's scope — a rep's own, a
//! supervisor's team's — earliest due first, overdue ones marked with their days; tapping one
//! opens its contract.

use kaidan_shared::opportunity::format_yuan;
use kaidan_shared::payment::{PlanStatus, Receivable, ReceivableListQuery};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::api;
use crate::components::paged::{PageTail, Paged};
use crate::i18n::contract::ContractText;
use crate::i18n::{use_i18n, T};

use super::payments::plan_label;

#[component]
pub fn ReceivablesPage() -> impl IntoView {
    let i18n = use_i18n();
    let overdue = RwSignal::new(false);
    let paged = Paged::<Receivable>::new();
    let load = move |reset: bool| {
        let q = ReceivableListQuery {
            limit: Some(50),
            overdue: overdue.get_untracked().then_some(true),
            ..Default::default()
        };
        paged.load(reset, move |cursor| {
            let q = ReceivableListQuery {
                cursor,
                ..q.clone()
            };
            async move { api::payment::receivables(&q).await }
        });
    };
    load(true);
    let row = move |r: Receivable| {
        let label = plan_label(r.status);
        let late = (r.status == PlanStatus::Overdue).then_some(r.days_overdue);
        view! {
            <li class="row" data-testid="receivable-row">
                <A href=format!("/contracts/{}", r.contract_id) attr:class="row-main">
                    <span class="row-title">{r.customer_name.clone().unwrap_or_default()}" "<span class="badge">{move || i18n.t(label)}</span></span>
                    <span class="row-sub">{format!("{} · {}", r.contract_number, r.contract_title)}</span>
                    <span class="row-sub">
                        {r.due_date.to_string()}" · "{move || i18n.t(ContractText::Outstanding)}" "<strong>{format_yuan(r.outstanding)}</strong>
                        {late.map(|d| view! { " · "<span class="warn">{move || i18n.t(ContractText::DaysOverdue).replace("{}", &d.to_string())}</span> })}
                        {r.owner_name.clone().map(|o| format!(" · {o}"))}
                    </span>
                </A>
            </li>
        }
    };
    view! {
        <section class="page">
            <A href="/me" attr:class="back">"‹ " {move || i18n.t(T::Back)}</A>
            <h1>{move || i18n.t(ContractText::Receivables)}</h1>
            <label class="check">
                <input type="checkbox" data-testid="only-overdue" prop:checked=move || overdue.get()
                    on:change=move |ev| { overdue.set(event_target_checked(&ev)); load(true); }/>
                {move || i18n.t(ContractText::OnlyOverdue)}
            </label>
            <ul class="list" data-testid="receivable-list">
                <For each=move || paged.items.get() key=|r| (r.plan_id, r.received) children=row/>
            </ul>
            <PageTail paged=paged empty=ContractText::NothingDue on_retry=move |_| load(true) on_more=move |_| load(false)/>
        </section>
    }
}
