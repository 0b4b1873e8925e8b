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

/// A `datetime-local` value (the phone's time) as UTC.
pub fn from_local_input(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let naive = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").ok()?;
    let offset = -js_sys::Date::new_0().get_timezone_offset() as i64;
    Some(naive.and_utc() - chrono::Duration::minutes(offset))
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
            customer_id: customer.unwrap_or_default(),
            purpose: Some(purpose.get_untracked()).filter(|p| !p.trim().is_empty()),
            planned_at: if *now {
                None
            } else {
                from_local_input(&planned.get_untracked())
            },
            ..Default::default()
        };
        async move { api::visit::create(&body).await }
    });
    Effect::new(move |_| {
        if let Some(r) = create.value().get() {
            match r {
                Ok(v) => navigate(&format!("/visits/{}", v.body.id), Default::default()),
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
