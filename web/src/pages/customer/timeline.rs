//! A customer's follow-up timeline: their visits and follow-up tasks together, newest first —
//! what was done at the door and what is owed next (stage moves and edits are in the history
//! below it). Each list is read under its own permission, so a reader sees the visits and tasks
//! they may read.

use kaidan_shared::follow_up::FollowUpListQuery;
use kaidan_shared::visit::VisitListQuery;
use kaidan_shared::{Action as Act, Resource};
use leptos::prelude::*;
use leptos_router::components::A;
use uuid::Uuid;

use crate::api;
use crate::app::use_auth;
use crate::components::{local_time, ErrorState, Loading};
use crate::i18n::use_i18n;
use crate::i18n::visit::VisitText;
use crate::pages::visit::status_text;

/// One line of the timeline.
#[derive(Clone)]
struct Entry {
    at: chrono::DateTime<chrono::Utc>,
    href: String,
    title: String,
    badge: VisitText,
    detail: String,
}

#[component]
pub fn Timeline(customer: Uuid) -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let readable = auth.can(Resource::Visit, Act::Read) || auth.can(Resource::FollowUp, Act::Read);
    let entries = LocalResource::new(move || async move {
        let visits = api::visit::list(&VisitListQuery {
            customer_id: Some(customer),
            limit: Some(50),
            ..Default::default()
        })
        .await?
        .items;
        // What is still owed (done tasks are in the history below).
        let tasks = api::follow_up::list(&FollowUpListQuery {
            customer_id: Some(customer),
            status: Some(kaidan_shared::follow_up::FollowUpStatus::Open),
            limit: Some(50),
            ..Default::default()
        })
        .await?
        .items;
        let mut all: Vec<Entry> = visits
            .into_iter()
            .map(|v| Entry {
                at: v.visit_at,
                href: format!("/visits/{}", v.id),
                title: v.purpose.clone().unwrap_or_default(),
                badge: status_text(v.status),
                detail: [v.owner_name.clone(), v.notes.clone()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" · "),
            })
            .chain(tasks.into_iter().map(|t| {
                Entry {
                    at: t.done_at.unwrap_or(t.due_at),
                    href: "/follow-ups".into(),
                    title: t.title.clone(),
                    badge: if t.overdue {
                        VisitText::Overdue
                    } else {
                        VisitText::FollowUps
                    },
                    detail: [t.owner_name.clone(), t.result.clone()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" · "),
                }
            }))
            .collect();
        all.sort_by_key(|e| std::cmp::Reverse(e.at));
        Ok::<_, api::ApiError>(all)
    });
    readable.then(|| view! {
        <section class="card" data-testid="customer-timeline">
            <h2>{move || i18n.t(VisitText::Timeline)}</h2>
            <Transition fallback=|| view! { <Loading/> }>
                {move || entries.get().map(|r| match r {
                    Ok(list) => view! {
                        <ol class="timeline">
                            {list.into_iter().map(|e| view! {
                                <li>
                                    <A href=e.href>{local_time(e.at)}</A>" "
                                    <span class="badge">{move || i18n.t(e.badge)}</span>" "
                                    <strong>{e.title}</strong>
                                    <span class="muted small">" "{e.detail}</span>
                                </li>
                            }).collect_view()}
                        </ol>
                    }.into_any(),
                    Err(e) => view! { <ErrorState error=e on_retry=move |_| entries.refetch()/> }.into_any(),
                })}
            </Transition>
        </section>
    })
}
