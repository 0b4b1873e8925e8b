//! Approvals (审批): the inbox of a phone's 审批 tab — waiting for me, decided by me, submitted
//! by me — and one approval's page: what is asked (amount in figures and 大写, customer, the
//! largest discount, the lines), its timeline, and one-tap approve or reject with a comment;
//! and the admins' flows (`flows`).

pub mod detail;
pub mod flows;
pub mod inbox;

crate::lazy_page!(
    /// The inbox, loaded when first opened.
    ApprovalsRoute => inbox::ApprovalsPage
);
crate::lazy_page!(
    /// One approval, loaded when first opened.
    ApprovalDetailRoute => detail::ApprovalDetailPage
);

use kaidan_shared::approval::{Approval, ApprovalStatus, ApprovalSubject, StepMode, TaskStatus};
use kaidan_shared::opportunity::format_yuan;
use kaidan_shared::quote::QuoteLine;
use leptos::prelude::*;

use crate::i18n::contract::ContractText;
use crate::i18n::quote::QuoteText;
use crate::i18n::{use_i18n, Label};

pub fn status_label(s: ApprovalStatus) -> Label {
    match s {
        ApprovalStatus::Pending => ContractText::StatusPending,
        ApprovalStatus::Approved => ContractText::StatusApproved,
        ApprovalStatus::Rejected => ContractText::StatusRejected,
        ApprovalStatus::Withdrawn => ContractText::StatusWithdrawn,
    }
    .into()
}

pub fn subject_label(s: ApprovalSubject) -> Label {
    match s {
        ApprovalSubject::Contract => ContractText::SubjectContract,
        ApprovalSubject::Quote => ContractText::SubjectQuote,
    }
    .into()
}

fn task_label(s: TaskStatus) -> Label {
    match s {
        TaskStatus::Pending => ContractText::TaskPending,
        TaskStatus::Approved => ContractText::TaskApproved,
        TaskStatus::Rejected => ContractText::TaskRejected,
        TaskStatus::Cancelled => ContractText::TaskCancelled,
    }
    .into()
}

/// A record's lines, readable at 360 px (each row a card on phones, a table on desktops).
#[component]
pub fn Lines(lines: Vec<QuoteLine>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <table class="lines print-lines" data-testid="record-lines">
            <thead><tr>
                <th>{move || i18n.t(QuoteText::Product)}</th>
                <th>{move || i18n.t(QuoteText::Quantity)}</th>
                <th>{move || i18n.t(QuoteText::UnitPrice)}</th>
                <th>{move || i18n.t(QuoteText::Discount)}</th>
                <th>{move || i18n.t(QuoteText::LineTotal)}</th>
            </tr></thead>
            <tbody>
                {lines.into_iter().map(|l| view! {
                    <tr>
                        <td data-label=i18n.t(QuoteText::Product)><strong>{l.product_name}</strong><br/><small class="muted">{l.product_code}</small></td>
                        <td data-label=i18n.t(QuoteText::Quantity)>{l.quantity.to_string()}</td>
                        <td data-label=i18n.t(QuoteText::UnitPrice)>{format_yuan(l.unit_price)}</td>
                        <td data-label=i18n.t(QuoteText::Discount)>{format!("{}%", l.discount_percent)}</td>
                        <td data-label=i18n.t(QuoteText::LineTotal)>{format_yuan(l.figures.total)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// One approval's steps: who decides each, how (或签 / 会签), and each approver's answer.
#[component]
pub fn Timeline(approval: Approval) -> impl IntoView {
    let i18n = use_i18n();
    let status = status_label(approval.status);
    let when = crate::components::local_time(approval.created_at);
    let steps = approval.steps.clone();
    let tasks = approval.tasks.clone();
    view! {
        <div class="timeline" data-testid="approval-timeline">
            <p class="row-sub">
                {approval.template_name.clone().unwrap_or_default()}" · "{when}" · "
                <span class="badge">{move || i18n.t(status)}</span>
            </p>
            <ol class="steps">
                {steps.into_iter().enumerate().map(|(n, step)| {
                    let mode = match step.mode { StepMode::AnyOne => ContractText::AnyOne, StepMode::All => ContractText::Countersign };
                    let fell_back = step.fell_back;
                    let these: Vec<_> = tasks.iter().filter(|t| t.step as usize == n).cloned().collect();
                    view! {
                        <li class="step" data-testid="approval-step">
                            <strong>{move || i18n.t(ContractText::Step).replace("{}", &(n + 1).to_string())}</strong>
                            " ("{move || i18n.t(mode)}")"
                            {fell_back.then(|| view! { <small class="muted">" · "{move || i18n.t(ContractText::FellBack)}</small> })}
                            <ul class="list">
                                {these.into_iter().map(|t| {
                                    let label = task_label(t.status);
                                    let at = t.decided_at.map(crate::components::local_time).unwrap_or_default();
                                    view! {
                                        <li class="row-sub" data-testid="approval-task">
                                            {t.approver_name.clone().unwrap_or_default()}" · "
                                            <span class="badge">{move || i18n.t(label)}</span>
                                            {t.escalated.then(|| view! { <small class="muted">" · "{move || i18n.t(ContractText::Escalated)}</small> })}
                                            " "{at}
                                            {t.comment.clone().map(|c| view! { <p class="pre">{c}</p> })}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        </li>
                    }
                }).collect_view()}
            </ol>
        </div>
    }
}
