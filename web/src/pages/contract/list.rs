//! The contracts the reader may see, newest first, by status; each row its number, customer,
//! amount and status.

use kaidan_shared::contract::{Contract, ContractListQuery, ContractStatus};
use kaidan_shared::opportunity::format_yuan;
use leptos::prelude::*;
use leptos_router::components::A;

use crate::api;
use crate::components::paged::{PageTail, Paged};
use crate::i18n::contract::ContractText;
use crate::i18n::{use_i18n, T};

use super::status_label;

#[component]
pub fn ContractsPage() -> impl IntoView {
    let i18n = use_i18n();
    let status = RwSignal::new(String::new());
    let paged = Paged::<Contract>::new();
    let load = move |reset: bool| {
        let q = ContractListQuery {
            limit: Some(30),
            status: ContractStatus::parse(&status.get_untracked()),
            ..Default::default()
        };
        paged.load(reset, move |cursor| {
            let q = ContractListQuery {
                cursor,
                ..q.clone()
            };
            async move { api::contract::list(&q).await }
        });
    };
    load(true);
    let row = move |c: Contract| {
        let label = status_label(c.status);
        view! {
            <li class="row" data-testid="contract-row">
                <A href=format!("/contracts/{}", c.id) attr:class="row-main">
                    <span class="row-title">{c.title.clone()}" "<span class="badge">{move || i18n.t(label)}</span></span>
                    <span class="row-sub">{format!("{} · {} · {}", c.number, c.customer_name.clone().unwrap_or_default(), format_yuan(c.amount))}</span>
                </A>
            </li>
        }
    };
    view! {
        <section class="page">
            <A href="/me" attr:class="back">"‹ " {move || i18n.t(T::Back)}</A>
            <h1>{move || i18n.t(ContractText::Contracts)}</h1>
            <div class="field">
                <label for="contract-status" class="sr-only">{move || i18n.t(ContractText::AllStatuses)}</label>
                <select id="contract-status" data-testid="contract-status-filter"
                    on:change=move |ev| { status.set(event_target_value(&ev)); load(true); }>
                    <option value="">{move || i18n.t(ContractText::AllStatuses)}</option>
                    {ContractStatus::ALL.into_iter().map(|s| {
                        let label = status_label(s);
                        view! { <option value=s.as_str()>{move || i18n.t(label)}</option> }
                    }).collect_view()}
                </select>
            </div>
            <ul class="list" data-testid="contract-list">
                <For each=move || paged.items.get() key=|c| (c.id, c.version) children=row/>
            </ul>
            <PageTail paged=paged empty=ContractText::NoContracts on_retry=move |_| load(true) on_more=move |_| load(false)/>
        </section>
    }
}
