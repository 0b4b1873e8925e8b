//! One approval on a phone: the summary (amount in figures and 大写, customer, largest discount,
//! submitter, flow), the lines, the timeline, and — when a step waits for the reader — approve
//! with one tap or reject with a comment (required).

use kaidan_shared::approval::{Approval, ApprovalDecision, ApprovalStatus, ApprovalSubject};
use kaidan_shared::money::capitals;
use kaidan_shared::opportunity::format_yuan;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use crate::api;
use crate::components::{save_error_text, ErrorState, Loading};
use crate::i18n::contract::ContractText;
use crate::i18n::use_i18n;

use super::{status_label, subject_label, Lines, Timeline};

#[component]
pub fn ApprovalDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|i| i.parse::<Uuid>().ok()));
    let data = LocalResource::new(move || {
        let id = id();
        async move {
            match id {
                Some(id) => api::approval::get(id).await.map(|r| r.body),
                None => Err(api::not_found()),
            }
        }
    });
    view! {
        <section class="page narrow approval-page">
            <A href="/approvals" attr:class="back">"‹ " {move || use_i18n().t(ContractText::Approvals)}</A>
            <Transition fallback=|| view! { <Loading/> }>
                {move || data.get().map(|r| match r {
                    Ok(a) => view! { <ApprovalView approval=a reload=Callback::new(move |_| data.refetch())/> }.into_any(),
                    Err(e) => view! { <ErrorState error=e on_retry=move |_| data.refetch()/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn ApprovalView(approval: Approval, reload: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let id = approval.id;
    let task_id = approval.my_task_id;
    let comment = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let decide = Action::new_local(move |approve: &bool| {
        let approve = *approve;
        let c = comment.get_untracked().trim().to_owned();
        async move {
            api::approval::decide(
                id,
                approve,
                &ApprovalDecision {
                    task_id,
                    comment: (!c.is_empty()).then_some(c),
                },
            )
            .await
            .map(|_| ())
        }
    });
    Effect::new(move |_| {
        if let Some(r) = decide.value().get() {
            match r {
                Ok(()) => reload.run(()),
                Err(e) => error.set(Some(save_error_text(&e, i18n.lang()))),
            }
        }
    });
    let reject = move |_| {
        if comment.get_untracked().trim().is_empty() {
            error.set(Some(i18n.t(ContractText::CommentRequired).to_owned()));
        } else {
            decide.dispatch(false);
        }
    };
    let status = status_label(approval.status);
    let subject = subject_label(approval.subject);
    let mine = approval.my_task_id.is_some() && approval.status == ApprovalStatus::Pending;
    let record = match approval.subject {
        ApprovalSubject::Contract => format!("/contracts/{}", approval.record_id),
        ApprovalSubject::Quote => format!("/quotes/{}", approval.record_id),
    };
    let busy = move || decide.pending().get();
    view! {
        <article class="card" data-testid="approval-detail">
            <h1>{approval.title.clone()}</h1>
            <p><span class="badge" data-testid="approval-status">{move || i18n.t(status)}</span>" "{move || i18n.t(subject)}</p>
            <p class="big-amount" data-testid="approval-amount">{format_yuan(approval.amount)}</p>
            <p class="muted small">{capitals(approval.amount)}</p>
            <dl class="facts">
                {approval.customer_name.clone().map(|c| view! { <div><dt>{move || i18n.t(ContractText::Customer)}</dt><dd>{c}</dd></div> })}
                <div><dt>{move || i18n.t(ContractText::Submitter)}</dt><dd>{approval.submitter_name.clone().unwrap_or_default()}</dd></div>
                <div><dt>{move || i18n.t(ContractText::MaxDiscount)}</dt><dd>{format!("{}%", approval.max_discount_percent)}</dd></div>
                {approval.template_name.clone().map(|t| view! { <div><dt>{move || i18n.t(ContractText::Flow)}</dt><dd>{t}</dd></div> })}
            </dl>
            <A href=record attr:class="small">{move || i18n.t(ContractText::OpenRecord)}" ›"</A>
        </article>
        {(!approval.lines.is_empty()).then(|| view! { <section class="card"><Lines lines=approval.lines.clone()/></section> })}
        {mine.then(|| view! {
            <section class="card decide" data-testid="approval-decide">
                <div class="field">
                    <label for="approval-comment">{move || i18n.t(ContractText::Comment)}</label>
                    <textarea id="approval-comment" data-testid="approval-comment" rows="2" maxlength="500"
                        prop:value=move || comment.get() on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
                </div>
                <div class="actions">
                    <button class="btn primary" data-testid="approval-approve" prop:disabled=busy
                        on:click=move |_| { decide.dispatch(true); }>{move || i18n.t(ContractText::Approve)}</button>
                    <button class="btn danger" data-testid="approval-reject" prop:disabled=busy on:click=reject>{move || i18n.t(ContractText::Reject)}</button>
                </div>
            </section>
        })}
        <p class="form-error" role="alert">{move || error.get()}</p>
        <section class="card">
            <h2>{move || i18n.t(ContractText::Timeline)}</h2>
            <Timeline approval=approval/>
        </section>
    }
}
