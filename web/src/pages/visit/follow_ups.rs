//! Follow-up tasks: the reader's open ones by due time (overdue first, in red), done or put off
//! with one tap; supervisors switch to their team's overdue ones. `?customer=<id>` opens the
//! form for a new task for that customer.

use kaidan_shared::follow_up::{
    FollowUp, FollowUpCreate, FollowUpDone, FollowUpListQuery, FollowUpSnooze, FollowUpStatus,
};
use kaidan_shared::option_list::builtin;
use kaidan_shared::Role;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

use crate::api;
use crate::app::use_auth;
use crate::components::{local_time, save_error_text, ErrorState, Loading};
use crate::i18n::use_i18n;
use crate::i18n::visit::VisitText;
use crate::options::{option_items, use_catalog};

use super::form::from_local_input;

#[component]
pub fn FollowUpsPage() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let query = use_query_map();
    let customer = query.with_untracked(|q| q.get("customer").and_then(|c| c.parse::<Uuid>().ok()));
    let team = RwSignal::new(false);
    let supervises = move || auth.role().is_some_and(|r| r != Role::SalesRep);
    let tasks = LocalResource::new(move || {
        let team = team.get();
        let me = auth.0.with(|m| m.as_ref().map(|m| m.id));
        async move {
            let q = FollowUpListQuery {
                status: Some(FollowUpStatus::Open),
                owner_id: if team { None } else { me },
                overdue: team.then_some(true),
                limit: Some(100),
                ..Default::default()
            };
            api::follow_up::list(&q).await.map(|p| p.items)
        }
    });
    let reload = Callback::new(move |_| tasks.refetch());
    view! {
        <section class="page narrow">
            <A href="/visits" attr:class="back">"‹ " {move || i18n.t(VisitText::Visits)}</A>
            <h1>{move || i18n.t(VisitText::FollowUps)}</h1>
            {customer.map(|c| view! { <NewTask customer=c on_done=reload/> })}
            <Show when=supervises fallback=|| ()>
                <div class="segmented" role="group">
                    <button class="btn" aria-pressed=move || (!team.get()).to_string()
                        on:click=move |_| team.set(false)>{move || i18n.t(VisitText::MyTasks)}</button>
                    <button class="btn" data-testid="team-overdue" aria-pressed=move || team.get().to_string()
                        on:click=move |_| team.set(true)>{move || i18n.t(VisitText::TeamOverdue)}</button>
                </div>
            </Show>
            <Transition fallback=|| view! { <Loading/> }>
                {move || tasks.get().map(|r| match r {
                    Ok(v) if v.is_empty() => view! { <p class="empty">{move || i18n.t(VisitText::NoTasks)}</p> }.into_any(),
                    Ok(v) => view! {
                        <ol class="cards" data-testid="task-list">
                            {v.into_iter().map(|t| view! { <TaskCard task=t on_change=reload/> }).collect_view()}
                        </ol>
                    }.into_any(),
                    Err(e) => view! { <ErrorState error=e on_retry=move |_| tasks.refetch()/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn TaskCard(task: FollowUp, on_change: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let catalog = use_catalog();
    let id = task.id;
    let result = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let act = Action::new_local(move |snooze: &bool| {
        let snooze = *snooze;
        let r = result.get_untracked();
        async move {
            if snooze {
                let until = super::now() + chrono::Duration::days(1);
                api::follow_up::snooze(id, &FollowUpSnooze { until }).await
            } else {
                let body = FollowUpDone {
                    result: Some(r).filter(|r| !r.trim().is_empty()),
                };
                api::follow_up::done(id, &body).await
            }
        }
    });
    Effect::new(move |_| {
        if let Some(r) = act.value().get() {
            match r {
                Ok(_) => on_change.run(()),
                Err(e) => error.set(Some(save_error_text(&e, i18n.lang()))),
            }
        }
    });
    let kind = task.kind.clone();
    let overdue = task.overdue;
    let result_id = format!("result-{id}");
    view! {
        <li class="card task-card" class:overdue=overdue data-testid="task-card">
            <strong>{task.title.clone()}</strong>
            <span class="badge">{move || catalog.label(builtin::FOLLOWUP_TYPE, &kind, i18n.lang())}</span>
            {overdue.then(|| view! { " "<span class="badge warn" data-testid="task-overdue">{move || i18n.t(VisitText::Overdue)}</span> })}
            <p class="muted small">
                <A href=format!("/customers/{}", task.customer_id)>{task.customer_name.clone().unwrap_or_default()}</A>
                " · "{move || i18n.t(VisitText::Due)}" "{local_time(task.due_at)}
                {task.owner_name.clone().map(|o| format!(" · {o}"))}
            </p>
            <label for=result_id.clone() class="sr-only">{move || i18n.t(VisitText::Result)}</label>
            <input id=result_id placeholder=move || i18n.t(VisitText::Result) maxlength="500"
                prop:value=move || result.get() on:input=move |ev| result.set(event_target_value(&ev))/>
            <div class="actions">
                <button class="btn primary" data-testid="task-done" prop:disabled=move || act.pending().get()
                    on:click=move |_| { act.dispatch(false); }>{move || i18n.t(VisitText::MarkDone)}</button>
                <button class="btn" data-testid="task-snooze" prop:disabled=move || act.pending().get()
                    on:click=move |_| { act.dispatch(true); }>{move || i18n.t(VisitText::Tomorrow)}</button>
            </div>
            <p class="form-error" role="alert">{move || error.get()}</p>
        </li>
    }
}

#[component]
fn NewTask(customer: Uuid, on_done: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let title = RwSignal::new(String::new());
    // The first active type of the company's list (电话 unless an admin changed the list), also
    // when the lists arrive after the form.
    let catalog = use_catalog();
    let first_kind = move || {
        catalog
            .choices(builtin::FOLLOWUP_TYPE, "")
            .into_iter()
            .next()
            .map(|(k, _, _)| k)
            .unwrap_or_default()
    };
    let first = first_kind();
    let kind = RwSignal::new(first.clone());
    let due = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let create = Action::new_local(move |_: &()| {
        let body = FollowUpCreate {
            customer_id: customer,
            kind: Some(kind.get_untracked())
                .filter(|k| !k.is_empty())
                .unwrap_or_else(first_kind),
            title: title.get_untracked(),
            due_at: from_local_input(&due.get_untracked()).unwrap_or_default(),
            ..Default::default()
        };
        async move { api::follow_up::create(&body).await }
    });
    Effect::new(move |_| {
        if let Some(r) = create.value().get() {
            match r {
                Ok(_) => {
                    title.set(String::new());
                    on_done.run(());
                }
                Err(e) => error.set(Some(save_error_text(&e, i18n.lang()))),
            }
        }
    });
    view! {
        <form class="card form" data-testid="task-form" on:submit=move |ev| { ev.prevent_default(); create.dispatch(()); }>
            <h2>{move || i18n.t(VisitText::NewTask)}</h2>
            <div class="field">
                <label for="f-task-title">{move || i18n.t(VisitText::TaskTitle)}" *"</label>
                <input id="f-task-title" required maxlength="200" prop:value=move || title.get()
                    on:input=move |ev| title.set(event_target_value(&ev))/>
            </div>
            <div class="field">
                <label for="f-task-kind">{move || i18n.t(VisitText::TaskKind)}</label>
                <select id="f-task-kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                    {option_items(builtin::FOLLOWUP_TYPE, &first)}
                </select>
            </div>
            <div class="field">
                <label for="f-task-due">{move || i18n.t(VisitText::DueAt)}" *"</label>
                <input id="f-task-due" type="datetime-local" required prop:value=move || due.get()
                    on:input=move |ev| due.set(event_target_value(&ev))/>
            </div>
            <button class="btn primary" type="submit" prop:disabled=move || create.pending().get()>{move || i18n.t(VisitText::Create)}</button>
            <p class="form-error" role="alert">{move || error.get()}</p>
        </form>
    }
}
