//! The deal list: every deal of the reader's scope, most recently changed first, filtered by
//! status (open, won, lost), stale only, or a name — the view beside the board for closed deals
//! and for finding one.

use kaidan_shared::opportunity::{format_yuan, Opportunity, OpportunityListQuery, Outcome};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::api;
use crate::components::paged::{PageTail, Paged};
use crate::i18n::opportunity::OpportunityText;
use crate::i18n::{use_i18n, T};

use super::stage_label;

#[component]
pub fn DealListPage() -> impl IntoView {
    let i18n = use_i18n();
    let stages = LocalResource::new(|| async { api::opportunity::stages().await });
    let search = RwSignal::new(String::new());
    let status = RwSignal::new("open".to_owned());
    let stale = RwSignal::new(false);
    let paged = Paged::<Opportunity>::new();
    let load = move |reset: bool| {
        let q = OpportunityListQuery {
            limit: Some(30),
            q: Some(search.get_untracked().trim().to_owned()).filter(|s| !s.is_empty()),
            status: Outcome::parse(&status.get_untracked()),
            stale: stale.get_untracked().then_some(true),
            ..Default::default()
        };
        paged.load(reset, move |cursor| {
            let q = OpportunityListQuery {
                cursor,
                ..q.clone()
            };
            async move { api::opportunity::list(&q).await }
        });
    };
    load(true);
    let label = move |key: &str| {
        stages
            .get()
            .and_then(Result::ok)
            .map(|s| stage_label(&s.stages, key, i18n.lang()))
            .unwrap_or_else(|| key.to_owned())
    };
    let outcome_label = move |o: Outcome| match o {
        Outcome::Open => i18n.t(OpportunityText::OpenDeals),
        Outcome::Won => i18n.t(OpportunityText::Won),
        Outcome::Lost => i18n.t(OpportunityText::Lost),
    };
    view! {
        <section class="page">
            <div class="page-head">
                <h1>{move || i18n.t(OpportunityText::Opportunities)}</h1>
                <A href="/opportunities" attr:class="btn small">{move || i18n.t(OpportunityText::Board)}</A>
            </div>
            <form class="searchbar" role="search" on:submit=move |ev| { ev.prevent_default(); load(true); }>
                <input type="search" enterkeyhint="search" aria-label=move || i18n.t(OpportunityText::DealName)
                    placeholder=move || i18n.t(OpportunityText::DealName)
                    prop:value=move || search.get() on:input=move |ev| search.set(event_target_value(&ev))/>
                <button class="btn" type="submit">{move || i18n.t(T::Search)}</button>
            </form>
            <div class="filters">
                <select aria-label=move || i18n.t(OpportunityText::Status) data-testid="deal-status-filter"
                    on:change=move |ev| { status.set(event_target_value(&ev)); load(true); }>
                    {[Outcome::Open, Outcome::Won, Outcome::Lost].into_iter().map(|o| view! {
                        <option value=o.as_str() selected=o == Outcome::Open>{move || outcome_label(o)}</option>
                    }).collect_view()}
                    <option value="">{move || i18n.t(OpportunityText::AllDeals)}</option>
                </select>
                <label class="check"><input type="checkbox" prop:checked=move || stale.get()
                    on:change=move |ev| { stale.set(event_target_checked(&ev)); load(true); }/>{move || i18n.t(OpportunityText::Stale)}</label>
            </div>
            <ul class="list" data-testid="deal-list">
                <For each=move || paged.items.get() key=|o| (o.id, o.version) let:o>
                    {
                        let stage = o.stage.clone();
                        view! {
                            <li class="row" data-testid="deal-row">
                                <A href=format!("/opportunities/{}", o.id) attr:class="row-main">
                                    <span class="row-title">{o.name.clone()}" "
                                        <span class="badge">{move || label(&stage)}</span>
                                        {o.stale.then(|| view! { " "<span class="badge muted">{move || i18n.t(OpportunityText::Stale)}</span> })}
                                    </span>
                                    <span class="row-sub">{o.customer_name.clone().unwrap_or_default()}" · "{format_yuan(o.amount)}</span>
                                    <span class="row-sub">{o.owner_name.clone().unwrap_or_default()}</span>
                                </A>
                            </li>
                        }
                    }
                </For>
            </ul>
            <PageTail paged=paged empty=OpportunityText::NoDeals on_retry=move |_| load(true) on_more=move |_| load(false)/>
        </section>
    }
}
