//! What waits on the phone: each step of a visit not yet sent (待同步) and each the server
//! refused (a conflict — the customer went to someone else meanwhile, someone changed the
//! record), with the server's reason; the rep sends a refused step again or drops it.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::{local_time, save_error_text};
use crate::i18n::use_i18n;
use crate::i18n::visit::VisitText;
use crate::offline::queue::{self, Queued, Step};

fn step_text(s: &Step) -> VisitText {
    match s {
        Step::Create { .. } => VisitText::NewVisit,
        Step::CheckIn { .. } => VisitText::CheckIn,
        Step::Record { .. } => VisitText::Record,
        Step::Photo { .. } => VisitText::Photos,
        Step::CheckOut { .. } => VisitText::CheckOut,
    }
}

#[component]
pub fn SyncList(entries: Vec<Queued>, on_change: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let count = entries.len();
    let sync_now = move |_| {
        crate::offline::kick();
        // The list is read again once the send had a moment.
        leptos::task::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(1_500).await;
            on_change.try_run(());
        });
    };
    view! {
        <section class="card sync-list" data-testid="sync-list" aria-live="polite">
            <h2>{move || i18n.t(VisitText::WaitingToSync)}" ("{count}")"</h2>
            <ul>
                {entries.into_iter().map(|q| {
                    let e = q.entry.clone();
                    let conflict = e.conflict.clone();
                    let stuck = conflict.is_some();
                    let at = chrono::DateTime::from_timestamp_millis(e.at_ms as i64)
                        .map(local_time)
                        .unwrap_or_default();
                    let kind = step_text(&e.step);
                    let (retry_e, drop_id) = (e.clone(), e.id);
                    view! {
                        <li class:conflict=stuck data-testid="sync-entry">
                            <A href=format!("/visits/{}", e.visit)>{e.customer.clone()}</A>
                            " · "{move || i18n.t(kind)}" · "<span class="muted small">{at}</span>
                            {conflict.map(|c| {
                                let why = save_error_text(&c.error(), i18n.lang());
                                view! {
                                    <p class="form-error" role="alert" data-testid="sync-conflict">{why}</p>
                                    <div class="actions">
                                        <button class="btn" data-testid="sync-retry" on:click=move |_| {
                                            let e = retry_e.clone();
                                            leptos::task::spawn_local(async move {
                                                queue::retry_entry(e).await;
                                                on_change.try_run(());
                                            });
                                        }>{move || i18n.t(VisitText::SendAgain)}</button>
                                        <button class="btn danger" data-testid="sync-drop" on:click=move |_| {
                                            leptos::task::spawn_local(async move {
                                                queue::drop_entry(drop_id).await;
                                                on_change.try_run(());
                                            });
                                        }>{move || i18n.t(VisitText::DropStep)}</button>
                                    </div>
                                }
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            <button class="btn" data-testid="sync-now" on:click=sync_now>{move || i18n.t(VisitText::SyncNow)}</button>
        </section>
    }
}
