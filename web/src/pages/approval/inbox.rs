//! The 审批 tab: three boxes with their counts; each row what is asked (contract or quote
//! discount), by whom, for how much, and its status. Tapping a row opens it.

use kaidan_shared::approval::{Approval, ApprovalBox, ApprovalCounts, ApprovalListQuery};
use kaidan_shared::opportunity::format_yuan;
use leptos::prelude::*;
use leptos_router::components::A;

use crate::api;
use crate::components::paged::{PageTail, Paged};
use crate::i18n::contract::ContractText;
use crate::i18n::use_i18n;

use super::{status_label, subject_label};

#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let i18n = use_i18n();
    let view_box = RwSignal::new(ApprovalBox::Pending);
    let counts = RwSignal::new(ApprovalCounts::default());
    let paged = Paged::<Approval>::new();
    let load = move |reset: bool| {
        let q = ApprovalListQuery {
            limit: Some(30),
            view: Some(view_box.get_untracked()),
            ..Default::default()
        };
        paged.load(reset, move |cursor| {
            let q = ApprovalListQuery {
                cursor,
                ..q.clone()
            };
            async move { api::approval::list(&q).await }
        });
        leptos::task::spawn_local(async move {
            if let Ok(c) = api::approval::counts().await {
                counts.set(c);
            }
        });
    };
    load(true);
    let tab = move |b: ApprovalBox, label: ContractText, testid: &'static str| {
        let count = move || match b {
            ApprovalBox::Pending => counts.get().pending,
            ApprovalBox::Submitted => counts.get().submitted_pending,
            ApprovalBox::Decided => 0,
        };
        view! {
            <button class="chip" data-testid=testid role="tab"
                aria-selected=move || (view_box.get() == b).to_string()
                on:click=move |_| { view_box.set(b); load(true); }>
                {move || i18n.t(label)}
                <Show when=move || { count() > 0 } fallback=|| ()>
                    <span class="count">{move || if count() > 99 { "99+".to_owned() } else { count().to_string() }}</span>
                </Show>
            </button>
        }
    };
    let row = move |a: Approval| {
        let label = status_label(a.status);
        let subject = subject_label(a.subject);
        let who = a.submitter_name.clone().unwrap_or_default();
        let cust = a.customer_name.clone().unwrap_or_default();
        let when = crate::components::local_time(a.created_at);
        view! {
            <li class="row" data-testid="approval-row">
                <A href=format!("/approvals/{}", a.id) attr:class="row-main">
                    <span class="row-title">{a.title.clone()}" "<span class="badge">{move || i18n.t(label)}</span></span>
                    <span class="row-sub">{move || i18n.t(subject)}" · "<strong>{format_yuan(a.amount)}</strong>" · "{cust.clone()}</span>
                    <span class="row-sub">{who.clone()}" · "{when.clone()}</span>
                </A>
            </li>
        }
    };
    view! {
        <section class="page">
            <h1>{move || i18n.t(ContractText::Approvals)}</h1>
            <div class="chips" role="tablist">
                {tab(ApprovalBox::Pending, ContractText::Waiting, "box-pending")}
                {tab(ApprovalBox::Decided, ContractText::Decided, "box-decided")}
                {tab(ApprovalBox::Submitted, ContractText::Submitted, "box-submitted")}
            </div>
            <ul class="list" data-testid="approval-list">
                <For each=move || paged.items.get() key=|a| (a.id, a.version) children=row/>
            </ul>
            <PageTail paged=paged empty=ContractText::NothingWaiting on_retry=move |_| load(true) on_more=move |_| load(false)/>
        </section>
    }
}
