//! The pipeline board. On a desktop the open stages stand side by side and a card is dragged
//! to another column; on a phone they stand one under another. Every card has its "move to
//! stage" select too (the keyboard's and the phone's way, and the only way to 赢单 or 输单).

use kaidan_shared::opportunity::{format_yuan, BoardQuery, Opportunity, StageMove};
use leptos::prelude::*;
use leptos_router::components::A;
use uuid::Uuid;

use crate::api;
use crate::components::{save_error_text, ErrorState, Loading};
use crate::i18n::opportunity::OpportunityText;
use crate::i18n::use_i18n;

use super::{stage_label, MoveTo};

#[component]
pub fn BoardPage() -> impl IntoView {
    let i18n = use_i18n();
    // Both at once: the board and the stages' names.
    let board =
        LocalResource::new(|| async { api::opportunity::board(&BoardQuery::default()).await });
    let stages = LocalResource::new(|| async { api::opportunity::stages().await });
    let data = Memo::new(move |_| match (board.get(), stages.get()) {
        (Some(Ok(b)), Some(Ok(s))) => Some(Ok((b, s))),
        (Some(Err(e)), _) | (_, Some(Err(e))) => Some(Err(e)),
        _ => None,
    });
    let refetch = move || {
        board.refetch();
        stages.refetch();
    };
    let reload = Callback::new(move |_| refetch());
    let error = RwSignal::new(None::<String>);
    let drop_move = Action::new_local(move |(id, stage): &(Uuid, String)| {
        let (id, stage) = (*id, stage.clone());
        async move {
            api::opportunity::move_stage(
                id,
                &StageMove {
                    stage,
                    ..Default::default()
                },
            )
            .await
        }
    });
    Effect::new(move |_| {
        if let Some(r) = drop_move.value().get() {
            match r {
                Ok(_) => refetch(),
                Err(e) => error.set(Some(save_error_text(&e, i18n.lang()))),
            }
        }
    });
    view! {
        <section class="page">
            <div class="page-head">
                <h1>{move || i18n.t(OpportunityText::Board)}</h1>
                <A href="/opportunities/list" attr:class="btn small" attr:data-testid="deal-list-link">{move || i18n.t(OpportunityText::List)}</A>
            </div>
            <p class="form-error" role="alert">{move || error.get()}</p>
            <Transition fallback=|| view! { <Loading/> }>
                {move || data.get().map(|r| match r {
                    Ok((board, stages)) => view! {
                        <div class="board" data-testid="board">
                            {board.columns.into_iter().map(|col| {
                                let key = col.stage.clone();
                                let stage_key = col.stage.clone();
                                let label = stage_label(&stages.stages, &col.stage, i18n.lang());
                                let aria = label.clone();
                                let stages = stages.stages.clone();
                                let empty = col.items.is_empty();
                                view! {
                                    <section class="column" data-stage=stage_key aria-label=aria
                                        on:dragover=|ev| ev.prevent_default()
                                        on:drop=move |ev| {
                                            ev.prevent_default();
                                            let id = ev.data_transfer().and_then(|d| d.get_data("text/plain").ok())
                                                .and_then(|s| s.parse::<Uuid>().ok());
                                            if let Some(id) = id {
                                                drop_move.dispatch((id, key.clone()));
                                            }
                                        }>
                                        <header class="column-head">
                                            <h2>{label}</h2>
                                            <p class="small muted">
                                                {col.count}{move || i18n.t(OpportunityText::Deals)}
                                                " · "{move || i18n.t(OpportunityText::Total)}" "{format_yuan(col.total)}
                                                " · "{move || i18n.t(OpportunityText::Weighted)}" "
                                                <span data-testid="weighted">{format_yuan(col.weighted_total)}</span>
                                            </p>
                                        </header>
                                        {empty.then(|| view! { <p class="state empty small">{move || i18n.t(OpportunityText::NoDeals)}</p> })}
                                        <ul class="cards">
                                            {col.items.into_iter().map(|o| view! { <Card deal=o stages=stages.clone() reload=reload/> }).collect_view()}
                                        </ul>
                                    </section>
                                }
                            }).collect_view()}
                        </div>
                    }.into_any(),
                    Err(e) => view! { <ErrorState error=e on_retry=move |_| refetch()/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Card(
    deal: Opportunity,
    stages: Vec<kaidan_shared::opportunity::Stage>,
    reload: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = deal.id;
    view! {
        <li class="card deal" draggable="true" data-testid="deal"
            on:dragstart=move |ev| {
                if let Some(d) = ev.data_transfer() {
                    let _ = d.set_data("text/plain", &id.to_string());
                }
            }>
            <A href=format!("/opportunities/{id}") attr:class="row-main">
                <span class="row-title">{deal.name.clone()}
                    {deal.stale.then(|| view! { " "<span class="badge muted">{move || i18n.t(OpportunityText::Stale)}</span> })}
                </span>
                <span class="row-sub">{deal.customer_name.clone().unwrap_or_default()}</span>
                <span class="row-sub">{format_yuan(deal.amount)}" · "{deal.probability}"% · "{deal.owner_name.clone().unwrap_or_default()}</span>
            </A>
            <MoveTo id=id current=deal.stage.clone() stages=stages on_moved=reload/>
        </li>
    }
}
