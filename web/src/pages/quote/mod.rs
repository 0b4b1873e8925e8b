//! Quotes: the editor with live totals (the same `shared::quote::totals` the server stores, run
//! here as the user types), one quote's page that prints as a proper document (totals in figures
//! and in Chinese capitals), and a deal's quotes.

pub mod detail;
pub mod editor;

crate::lazy_page!(
    /// A new quote or a draft's edit, loaded when first opened.
    QuoteEditorRoute => editor::QuoteEditorPage
);
crate::lazy_page!(
    /// One quote, loaded when first opened.
    QuoteDetailRoute => detail::QuoteDetailPage
);

use kaidan_shared::quote::{Quote, QuoteListQuery, QuoteStatus};
use leptos::prelude::*;
use leptos_router::components::A;
use uuid::Uuid;

use crate::api;
use crate::components::{ErrorState, Loading};
use crate::i18n::quote::QuoteText;
use crate::i18n::{use_i18n, Label};

pub fn status_label(s: QuoteStatus) -> Label {
    match s {
        QuoteStatus::Draft => QuoteText::Draft,
        QuoteStatus::PendingApproval => QuoteText::PendingApproval,
        QuoteStatus::Sent => QuoteText::Sent,
        QuoteStatus::Accepted => QuoteText::Accepted,
        QuoteStatus::Rejected => QuoteText::Rejected,
        QuoteStatus::Superseded => QuoteText::Superseded,
    }
    .into()
}

/// A deal's quotes, newest first, with "new quote" when the reader may make one.
#[component]
pub fn DealQuotes(deal: Uuid, #[prop(into)] can_create: bool) -> impl IntoView {
    let i18n = use_i18n();
    let data = LocalResource::new(move || async move {
        api::quote::list(&QuoteListQuery {
            opportunity_id: Some(deal),
            limit: Some(50),
            ..Default::default()
        })
        .await
    });
    let row = move |q: Quote| {
        let status = status_label(q.status);
        view! {
            <li class="row" data-testid="quote-row">
                <A href=format!("/quotes/{}", q.id) attr:class="row-main">
                    <span class="row-title">{q.title.clone()}" "<span class="badge">{move || i18n.t(status)}</span></span>
                    <span class="row-sub">{format!("{} · v{} · ", q.number, q.revision)}{kaidan_shared::opportunity::format_yuan(q.total)}</span>
                </A>
            </li>
        }
    };
    view! {
        <section class="card" data-testid="deal-quotes">
            <div class="page-head">
                <h2>{move || i18n.t(QuoteText::Quotes)}</h2>
                {can_create.then(|| view! {
                    <A href=format!("/quotes/new?deal={deal}") attr:class="btn small primary" attr:data-testid="new-quote">{move || i18n.t(QuoteText::NewQuote)}</A>
                })}
            </div>
            <Transition fallback=|| view! { <Loading/> }>
                {move || data.get().map(|r| match r {
                    Ok(page) if page.items.is_empty() => view! { <p class="muted">{move || i18n.t(QuoteText::NoQuotes)}</p> }.into_any(),
                    Ok(page) => view! { <ul class="list">{page.items.into_iter().map(row).collect_view()}</ul> }.into_any(),
                    Err(e) => view! { <ErrorState error=e on_retry=move |_| data.refetch()/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}
