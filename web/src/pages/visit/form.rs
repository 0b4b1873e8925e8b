//! Planning a visit to a customer (`/visits/new?customer=<id>`): a time and a purpose; or "visit
//! now", which makes the visit and opens it at its check-in button.

use kaidan_shared::visit::VisitCreate;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use uuid::Uuid;

use crate::api;
use crate::components::save_error_text;
use crate::i18n::use_i18n;
use crate::i18n::visit::VisitText;
use crate::offline::queue;

/// A `datetime-local` value (the phone's time) as UTC.
pub fn from_local_input(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let naive = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").ok()?;
    let offset = -js_sys::Date::new_0().get_timezone_offset() as i64;
    Some(naive.and_utc() - chrono::Duration::minutes(offset))
}

/// Makes the visit; without a network it is queued (with a copy to open) and made when the
/// network returns, under the id made here.
async fn create_visit(body: VisitCreate) -> api::ApiResult<Uuid> {
    let key = body.id.map(|i| i.to_string()).unwrap_or_default();
    match api::send_keyed::<_, kaidan_shared::visit::Visit>("/api/v1/visits", Some(&body), &key)
        .await
    {
        Ok(r) => Ok(r.body.id),
        // The phone's clock is far off (its id is refused): online, the server makes the id.
        Err(e) if e.field_errors().iter().any(|f| f.field == "id") => {
            let body = VisitCreate { id: None, ..body };
            api::visit::create(&body).await.map(|r| r.body.id)
        }
        Err(e) if queue::retry_later(&e) && e.status != 401 => {
            let name = customer_name(body.customer_id).await;
            let copy = queue::planned_copy(&body, name).ok_or(e.clone())?;
            match queue::submit(&copy, queue::Step::Create { body }, None).await? {
                queue::Sent::Now => Ok(copy.id),
                queue::Sent::Queued => {
                    queue::remember_visit(&copy, None).await;
                    Ok(copy.id)
                }
            }
        }
        Err(e) => Err(e),
    }
}

/// The customer's name from the copies kept on the phone (a visit to them today), if any.
async fn customer_name(customer: Uuid) -> String {
    let today = super::today();
    let day: Vec<kaidan_shared::visit::Visit> = queue::recall(&queue::day_key(today, "mine"))
        .await
        .unwrap_or_default();
    day.into_iter()
        .find(|v| v.customer_id == customer)
        .and_then(|v| v.customer_name)
        .unwrap_or_default()
}

#[component]
pub fn VisitFormPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let navigate = use_navigate();
    let customer = query.with_untracked(|q| q.get("customer").and_then(|c| c.parse::<Uuid>().ok()));
    let planned = RwSignal::new(String::new());
    let purpose = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let create = Action::new_local(move |now: &bool| {
        let body = VisitCreate {
            // Made here, so the visit can be logged without a network and sent later, once.
            id: Some(queue::new_id()),
            customer_id: customer.unwrap_or_default(),
            purpose: Some(purpose.get_untracked()).filter(|p| !p.trim().is_empty()),
            planned_at: if *now {
                None
            } else {
                from_local_input(&planned.get_untracked())
            },
            ..Default::default()
        };
        async move { create_visit(body).await }
    });
    Effect::new(move |_| {
        if let Some(r) = create.value().get() {
            match r {
                Ok(id) => navigate(&format!("/visits/{id}"), Default::default()),
                Err(e) => error.set(Some(save_error_text(&e, i18n.lang()))),
            }
        }
    });
    let back = customer
        .map(|c| format!("/customers/{c}"))
        .unwrap_or_else(|| "/visits".into());
    view! {
        <section class="page narrow">
            <A href=back attr:class="back">"‹ " {move || i18n.t(crate::i18n::T::Back)}</A>
            <form class="card form" data-testid="visit-form" on:submit=move |ev| { ev.prevent_default(); create.dispatch(false); }>
                <h1>{move || i18n.t(VisitText::NewVisit)}</h1>
                <div class="field">
                    <label for="f-planned">{move || i18n.t(VisitText::PlannedAt)}" *"</label>
                    <input id="f-planned" type="datetime-local" required prop:value=move || planned.get()
                        on:input=move |ev| planned.set(event_target_value(&ev))/>
                </div>
                <div class="field">
                    <label for="f-purpose">{move || i18n.t(VisitText::Purpose)}</label>
                    <input id="f-purpose" maxlength="500" prop:value=move || purpose.get()
                        on:input=move |ev| purpose.set(event_target_value(&ev))/>
                </div>
                <button class="btn primary" type="submit" prop:disabled=move || create.pending().get()>
                    {move || i18n.t(VisitText::NewVisit)}</button>
                <button class="btn" type="button" data-testid="visit-now" prop:disabled=move || create.pending().get()
                    on:click=move |_| { create.dispatch(true); }>{move || i18n.t(VisitText::LogVisit)}</button>
                <p class="form-error" role="alert">{move || error.get()}</p>
            </form>
        </section>
    }
}
