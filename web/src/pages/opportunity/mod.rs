//! Opportunities: the board (columns by stage on a desktop, one stage under another on a phone,
//! each card movable by dragging or with its "move to stage" select), a deal's detail with its
//! stage history, and the form for a new deal.

pub mod board;
pub mod detail;
pub mod form;
pub mod list;

crate::lazy_page!(
    /// The board, loaded when first opened.
    OpportunitiesRoute => board::BoardPage
);
crate::lazy_page!(
    /// One deal, loaded when first opened.
    OpportunityDetailRoute => detail::OpportunityDetailPage
);
crate::lazy_page!(
    /// The deal list, loaded when first opened.
    DealListRoute => list::DealListPage
);
crate::lazy_page!(
    /// A new deal or an edit, loaded when first opened.
    OpportunityFormRoute => form::OpportunityFormPage
);

use kaidan_shared::opportunity::{format_yuan, Opportunity, Outcome, Stage, StageMove};
use kaidan_shared::option_list::builtin;
use leptos::prelude::*;
use uuid::Uuid;

use crate::api;
use crate::components::{local_time, save_error_text};
use crate::i18n::opportunity::OpportunityText;
use crate::i18n::use_i18n;
use crate::options::option_items;

/// A stage's label in the reader's language.
pub fn stage_label(stages: &[Stage], key: &str, lang: crate::i18n::Lang) -> String {
    stages
        .iter()
        .find(|s| s.key == key)
        .map(|s| s.label(lang.code()).to_owned())
        .unwrap_or_else(|| key.to_owned())
}

/// A deal's built-in field as a person reads it (list columns); `None` when empty.
pub fn builtin_text(
    o: &Opportunity,
    key: &str,
    stages: &[Stage],
    lang: crate::i18n::Lang,
) -> Option<String> {
    match key {
        "name" => Some(o.name.clone()),
        "customer" => o.customer_name.clone(),
        "amount" => Some(format_yuan(o.amount)),
        "stage" => Some(stage_label(stages, &o.stage, lang)),
        "probability" => Some(format!("{}%", o.probability)),
        "expected_close_date" => o.expected_close_date.map(|d| d.to_string()),
        "products" => o.products.clone(),
        "competitors" => o.competitors.clone(),
        "next_step" => o.next_step.clone(),
        "owner" => o.owner_name.clone(),
        "updated_at" => Some(local_time(o.updated_at)),
        _ => None,
    }
}

/// "Move to stage": a select of the active stages (the keyboard's and the phone's way to move a
/// deal); a lost stage asks for the reason before it moves. Calls `on_moved` after the move.
#[component]
pub fn MoveTo(
    id: Uuid,
    current: String,
    stages: Vec<Stage>,
    #[prop(into)] on_moved: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let lost_pending = RwSignal::new(None::<String>);
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let mv = Action::new_local(move |body: &StageMove| {
        let body = body.clone();
        async move { api::opportunity::move_stage(id, &body).await }
    });
    Effect::new(move |_| {
        if let Some(r) = mv.value().get() {
            match r {
                Ok(_) => {
                    lost_pending.set(None);
                    on_moved.run(());
                }
                Err(e) => error.set(Some(save_error_text(&e, i18n.lang()))),
            }
        }
    });
    let lost_keys: Vec<String> = stages
        .iter()
        .filter(|s| s.outcome == Outcome::Lost)
        .map(|s| s.key.clone())
        .collect();
    let select_id = format!("move-{id}");
    let options = stages
        .iter()
        .filter(|s| s.active)
        .map(|s| {
            let selected = s.key == current;
            view! { <option value=s.key.clone() selected=selected>{s.label(i18n.lang().code()).to_owned()}</option> }
        })
        .collect_view();
    view! {
        <div class="move-to">
            <label for=select_id.clone() class="sr-only">{move || i18n.t(OpportunityText::MoveTo)}</label>
            <select id=select_id data-testid="move-to" aria-label=move || i18n.t(OpportunityText::MoveTo)
                prop:disabled=move || mv.pending().get()
                on:change=move |ev| {
                    let to = event_target_value(&ev);
                    error.set(None);
                    if lost_keys.contains(&to) {
                        lost_pending.set(Some(to));
                    } else {
                        mv.dispatch(StageMove { stage: to, ..Default::default() });
                    }
                }>
                {options}
            </select>
            <Show when=move || lost_pending.with(Option::is_some) fallback=|| ()>
                <div class="sheet" data-testid="lost-sheet">
                    <label for=format!("lost-{id}")>{move || i18n.t(OpportunityText::LostReason)}</label>
                    <select id=format!("lost-{id}") on:change=move |ev| reason.set(event_target_value(&ev))>
                        <option value="">"—"</option>
                        {option_items(builtin::LOST_REASON, "")}
                    </select>
                    <button class="btn primary" prop:disabled=move || reason.with(String::is_empty) || mv.pending().get()
                        on:click=move |_| {
                            let stage = lost_pending.get_untracked().unwrap_or_default();
                            mv.dispatch(StageMove { stage, lost_reason: Some(reason.get_untracked()), lost_note: None });
                        }>{move || i18n.t(OpportunityText::Confirm)}</button>
                </div>
            </Show>
            <p class="form-error" role="alert">{move || error.get()}</p>
        </div>
    }
}
