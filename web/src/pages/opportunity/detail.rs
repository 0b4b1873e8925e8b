//! One deal: its facts, "move to stage", reopen for supervisors, and the stage history.

use kaidan_shared::opportunity::{format_yuan, OpportunityDetail, Outcome, Reopen, Stages};
use kaidan_shared::{Action as Act, Resource};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use crate::api;
use crate::app::use_auth;
use crate::components::layout::DetailSections;
use crate::components::{local_time, save_error_text, ErrorState, Loading};
use crate::i18n::opportunity::OpportunityText;
use crate::i18n::{use_i18n, T};

use super::{stage_label, MoveTo};

#[component]
pub fn OpportunityDetailPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let deal = LocalResource::new(move || {
        let id = id();
        async move {
            let id = id.parse::<Uuid>().map_err(|_| api::not_found())?;
            api::opportunity::get(id).await.map(|r| r.body)
        }
    });
    let stages = LocalResource::new(|| async { api::opportunity::stages().await });
    let reload = Callback::new(move |_| deal.refetch());
    view! {
        <section class="page">
            <A href="/opportunities" attr:class="back">"‹ " {move || i18n.t(OpportunityText::Board)}</A>
            <Transition fallback=|| view! { <Loading/> }>
                {move || match (deal.get(), stages.get()) {
                    (Some(Ok(d)), Some(Ok(s))) => Some(view! { <Deal detail=d stages=s reload=reload/> }.into_any()),
                    (Some(Err(e)), _) | (_, Some(Err(e))) => Some(view! { <ErrorState error=e on_retry=move |_| deal.refetch()/> }.into_any()),
                    _ => None,
                }}
            </Transition>
        </section>
    }
}

#[component]
fn Deal(detail: OpportunityDetail, stages: Stages, reload: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let o = detail.opportunity.clone();
    let id = o.id;
    let open = o.status == Outcome::Open;
    let lang = i18n.lang();
    let stage = stage_label(&stages.stages, &o.stage, lang);
    let first_open = stages
        .stages
        .iter()
        .find(|s| s.active && s.outcome == Outcome::Open)
        .map(|s| s.key.clone())
        .unwrap_or_default();
    let error = RwSignal::new(None::<String>);
    let reopen = Action::new_local(move |stage: &String| {
        let body = Reopen {
            stage: stage.clone(),
            reason: i18n.t(OpportunityText::Reopen).to_owned(),
        };
        async move { api::opportunity::reopen(id, &body).await }
    });
    Effect::new(move |_| {
        if let Some(r) = reopen.value().get() {
            match r {
                Ok(_) => reload.run(()),
                Err(e) => error.set(Some(save_error_text(&e, i18n.lang()))),
            }
        }
    });
    // A built-in field's label as layouts name it, in the reader's language.
    let fact = move |key: &str, value: Option<String>| {
        let label = crate::pages::customer::builtin_label(Resource::Opportunity, key, lang);
        value.map(|v| view! { <div><dt>{label}</dt><dd>{v}</dd></div> })
    };
    let history = detail.stage_history.clone();
    let all = stages.stages.clone();
    view! {
        <article class="card detail" data-testid="deal-detail">
            <h1>{o.name.clone()}</h1>
            <p><span class="badge" data-testid="deal-stage">{stage}</span>
                {o.stale.then(|| view! { " "<span class="badge muted">{move || i18n.t(OpportunityText::Stale)}</span> })}</p>
            <dl class="facts">
                {fact("customer", o.customer_name.clone())}
                {fact("amount", Some(format_yuan(o.amount)))}
                <div><dt>{move || i18n.t(OpportunityText::Weighted)}</dt><dd>{format_yuan(o.weighted_amount)}</dd></div>
                {fact("probability", Some(format!("{}%", o.probability)))}
                {fact("expected_close_date", o.expected_close_date.map(|d| d.to_string()))}
                {fact("owner", o.owner_name.clone())}
                {fact("next_step", o.next_step.clone())}
                {fact("products", o.products.clone())}
                {fact("competitors", o.competitors.clone())}
            </dl>
            <DetailSections resource=Resource::Opportunity builtin=|_: &str| None values=o.custom.clone()/>
            {open.then(|| view! { <MoveTo id=id current=o.stage.clone() stages=stages.stages.clone() on_moved=reload/> })}
            <Show when=move || open && auth.can(Resource::Opportunity, Act::Update) fallback=|| ()>
                <A href=format!("/opportunities/{id}/edit") attr:class="btn" attr:data-testid="edit-deal">{move || i18n.t(T::Edit)}</A>
            </Show>
            <Show when=move || !open && auth.can(Resource::Opportunity, Act::Manage) fallback=|| ()>
                <button class="btn" data-testid="reopen" prop:disabled=move || reopen.pending().get()
                    on:click={
                        let s = first_open.clone();
                        move |_| { reopen.dispatch(s.clone()); }
                    }>{move || i18n.t(OpportunityText::Reopen)}</button>
            </Show>
            <p class="form-error" role="alert">{move || error.get()}</p>
        </article>
        <Show when=move || auth.can(Resource::Quote, Act::Read) fallback=|| ()>
            <crate::pages::quote::DealQuotes deal=id can_create=auth.can(Resource::Quote, Act::Create)/>
        </Show>
        <section class="card">
            <h2>{move || i18n.t(OpportunityText::StageHistory)}</h2>
            <ol class="timeline" data-testid="stage-history">
                {history.into_iter().rev().map(|h| {
                    let to = stage_label(&all, &h.to_stage, lang);
                    let from = h.from_stage.as_deref().map(|f| stage_label(&all, f, lang));
                    view! {
                        <li>
                            <strong>{from.map(|f| format!("{f} → ")).unwrap_or_default()}{to}</strong>
                            <span class="muted small">" "{format_yuan(h.amount)}" · "{h.probability}"% · "
                                {h.changed_by_name.clone().unwrap_or_default()}" · "{local_time(h.changed_at)}</span>
                        </li>
                    }
                }).collect_view()}
            </ol>
        </section>
        <p><A href="/opportunities">{move || i18n.t(T::Back)}</A></p>
    }
}
