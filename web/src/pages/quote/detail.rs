//! One quote: its lines and figures, the total in Chinese capitals (大写), and what may be done
//! with it now — edit or send a draft, revise a sent one, record the customer's answer. The page
//! prints as the quote document (the print style hides the app around it), so the browser's
//! "print to PDF" gives a proper quote.

use kaidan_shared::company::CompanyProfile;
use kaidan_shared::money::capitals;
use kaidan_shared::opportunity::format_yuan;
use kaidan_shared::option_list::builtin;
use kaidan_shared::quote::{Quote, QuoteDecision, QuoteStatus};
use kaidan_shared::{Action as Act, Resource};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use uuid::Uuid;

use crate::api;
use crate::app::use_auth;
use crate::components::{save_error_text, ErrorState, Loading};
use crate::i18n::quote::QuoteText;
use crate::i18n::{use_i18n, T};
use crate::options::use_catalog;

use super::status_label;

#[component]
pub fn QuoteDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|i| i.parse::<Uuid>().ok()));
    // The letterhead: the company's particulars as the admins set them (read once per page).
    let company = LocalResource::new(|| async { api::org::company().await.map(|r| r.body) });
    let data = LocalResource::new(move || {
        let id = id();
        async move {
            match id {
                Some(id) => api::quote::get(id).await.map(|r| r.body),
                None => Err(api::not_found()),
            }
        }
    });
    view! {
        <section class="page quote-page">
            <Transition fallback=|| view! { <Loading/> }>
                {move || data.get().map(|r| match r {
                    Ok(q) => view! { <QuoteView quote=q company=company reload=Callback::new(move |_| data.refetch())/> }.into_any(),
                    Err(e) => view! { <ErrorState error=e on_retry=move |_| data.refetch()/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[derive(Clone)]
enum Op {
    Send,
    Revise,
    Decide(bool, Option<String>),
}

#[component]
fn QuoteView(
    quote: Quote,
    company: LocalResource<Result<CompanyProfile, api::ApiError>>,
    reload: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let catalog = use_catalog();
    let navigate = use_navigate();
    let id = quote.id;
    let status = quote.status;
    let may = auth.can(Resource::Quote, Act::Update);
    let error = RwSignal::new(None::<String>);
    let act = Action::new_local(move |op: &Op| {
        let op = op.clone();
        async move {
            match op {
                Op::Send => api::quote::send_quote(id).await.map(|r| r.body),
                Op::Revise => api::quote::revise(id).await.map(|r| r.body),
                Op::Decide(accept, note) => api::quote::decide(id, accept, &QuoteDecision { note })
                    .await
                    .map(|r| r.body),
            }
        }
    });
    Effect::new(move |_| {
        if let Some(r) = act.value().get() {
            match r {
                Ok(q) if q.id != id => {
                    navigate(&format!("/quotes/{}/edit", q.id), Default::default())
                }
                Ok(_) => reload.run(()),
                Err(e) => error.set(Some(save_error_text(&e, i18n.lang()))),
            }
        }
    });
    let reject = move |_| {
        if let Ok(Some(why)) = window().prompt_with_message(i18n.t(QuoteText::RejectReason)) {
            if !why.trim().is_empty() {
                act.dispatch(Op::Decide(false, Some(why)));
            }
        }
    };
    let lang = i18n.lang();
    let unit = move |u: &Option<String>| {
        u.as_deref()
            .map(|u| catalog.label(builtin::PRODUCT_UNIT, u, lang))
            .unwrap_or_default()
    };
    let label = status_label(status);
    let letterhead = move || {
        company
            .get()
            .and_then(Result::ok)
            .filter(|c| !c.name.is_empty())
            .map(|c| {
                let line = [c.address, c.phone, c.email]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" · ");
                let bank = match (c.bank_name, c.bank_account) {
                    (Some(b), Some(a)) => Some(format!("{b} {a}")),
                    (b, a) => b.or(a),
                };
                view! {
                    <div class="letterhead" data-testid="letterhead">
                        <h2>{c.name}</h2>
                        <p class="muted small">{line}</p>
                        {c.credit_code.map(|cc| view! { <p class="muted small">{cc}</p> })}
                        {bank.map(|b| view! { <p class="muted small">{b}</p> })}
                    </div>
                }
            })
    };
    view! {
        <div class="no-print">
            <A href=format!("/opportunities/{}", quote.opportunity_id) attr:class="back">"‹ " {move || i18n.t(QuoteText::Deal)}</A>
        </div>
        <article class="card quote-doc" data-testid="quote-detail">
            {letterhead}
            <header class="quote-head">
                <h1>{quote.title.clone()}</h1>
                <p><span class="badge" data-testid="quote-status">{move || i18n.t(label)}</span></p>
                <dl class="facts">
                    <div><dt>{move || i18n.t(QuoteText::Number)}</dt><dd data-testid="quote-number">{format!("{} (v{})", quote.number, quote.revision)}</dd></div>
                    <div><dt>{move || i18n.t(QuoteText::Customer)}</dt><dd>{quote.customer_name.clone().unwrap_or_default()}</dd></div>
                    <div><dt>{move || i18n.t(QuoteText::Deal)}</dt><dd>{quote.opportunity_name.clone().unwrap_or_default()}</dd></div>
                    <div><dt>{move || i18n.t(QuoteText::QuoteDate)}</dt><dd>{quote.quote_date.to_string()}</dd></div>
                    {quote.valid_until.map(|d| view! { <div><dt>{move || i18n.t(QuoteText::ValidUntil)}</dt><dd>{d.to_string()}</dd></div> })}
                    <div><dt>{move || i18n.t(QuoteText::Owner)}</dt><dd>{quote.owner_name.clone().unwrap_or_default()}</dd></div>
                </dl>
            </header>
            <table class="lines print-lines" data-testid="quote-doc-lines">
                <thead><tr>
                    <th>"#"</th>
                    <th>{move || i18n.t(QuoteText::Product)}</th>
                    <th>{move || i18n.t(QuoteText::Quantity)}</th>
                    <th>{move || i18n.t(QuoteText::UnitPrice)}</th>
                    <th>{move || i18n.t(QuoteText::Discount)}</th>
                    <th>{move || i18n.t(QuoteText::TaxRate)}</th>
                    <th>{move || i18n.t(QuoteText::LineTotal)}</th>
                </tr></thead>
                <tbody>
                    {quote.lines.iter().enumerate().map(|(i, l)| view! {
                        <tr>
                            <td data-label="#">{i + 1}</td>
                            <td data-label=i18n.t(QuoteText::Product)><strong>{l.product_name.clone()}</strong><br/>
                                <small class="muted">{l.product_code.clone()}{l.spec.clone().map(|s| format!(" · {s}")).unwrap_or_default()}</small></td>
                            <td data-label=i18n.t(QuoteText::Quantity)>{format!("{} {}", l.quantity, unit(&l.unit))}</td>
                            <td data-label=i18n.t(QuoteText::UnitPrice)>{format_yuan(l.unit_price)}</td>
                            <td data-label=i18n.t(QuoteText::Discount)>{format!("{}%", l.discount_percent)}</td>
                            <td data-label=i18n.t(QuoteText::TaxRate)>{format!("{}%", l.tax_rate)}</td>
                            <td data-label=i18n.t(QuoteText::LineTotal)>{format_yuan(l.figures.total)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <dl class="facts totals" data-testid="quote-doc-totals">
                <div><dt>{move || i18n.t(QuoteText::Subtotal)}</dt><dd>{format_yuan(quote.subtotal)}</dd></div>
                <div><dt>{move || i18n.t(QuoteText::DiscountAmount)}</dt><dd>{format_yuan(quote.discount)}</dd></div>
                <div><dt>{move || i18n.t(QuoteText::Tax)}</dt><dd>{format_yuan(quote.tax)}</dd></div>
                <div><dt>{move || i18n.t(QuoteText::Total)}</dt><dd><strong>{format_yuan(quote.total)}</strong></dd></div>
                <div><dt>{move || i18n.t(QuoteText::TotalCapitals)}</dt><dd data-testid="quote-capitals">{capitals(quote.total)}</dd></div>
            </dl>
            {quote.terms.clone().map(|t| view! { <section><h2>{move || i18n.t(QuoteText::Terms)}</h2><p class="pre">{t}</p></section> })}
            {quote.notes.clone().map(|t| view! { <section class="no-print"><h2>{move || i18n.t(QuoteText::Notes)}</h2><p class="pre">{t}</p></section> })}
            {quote.decision_note.clone().map(|t| view! { <p class="muted">{t}</p> })}
        </article>
        <div class="actions no-print" data-testid="quote-actions">
            {(may && status == QuoteStatus::Draft).then(|| view! {
                <A href=format!("/quotes/{id}/edit") attr:class="btn" attr:data-testid="quote-edit">{move || i18n.t(T::Edit)}</A>
                <button class="btn primary" data-testid="quote-send" prop:disabled=move || act.pending().get()
                    on:click=move |_| { act.dispatch(Op::Send); }>{move || i18n.t(QuoteText::Send)}</button>
            })}
            {(may && status == QuoteStatus::Sent).then(|| view! {
                <button class="btn primary" data-testid="quote-accept" prop:disabled=move || act.pending().get()
                    on:click=move |_| { act.dispatch(Op::Decide(true, None)); }>{move || i18n.t(QuoteText::Accept)}</button>
                <button class="btn" data-testid="quote-reject" prop:disabled=move || act.pending().get() on:click=reject>{move || i18n.t(QuoteText::Reject)}</button>
            })}
            {(may && matches!(status, QuoteStatus::Sent | QuoteStatus::Rejected)).then(|| view! {
                <button class="btn" data-testid="quote-revise" prop:disabled=move || act.pending().get()
                    on:click=move |_| { act.dispatch(Op::Revise); }>{move || i18n.t(QuoteText::Revise)}</button>
            })}
            {(status == QuoteStatus::Accepted && auth.can(Resource::Contract, Act::Create)).then(|| view! {
                <A href=format!("/contracts/new?quote={id}") attr:class="btn primary" attr:data-testid="quote-to-contract">{move || i18n.t(crate::i18n::contract::ContractText::FromQuote)}</A>
            })}
            <button class="btn" data-testid="quote-print" on:click=move |_| { let _ = window().print(); }>{move || i18n.t(QuoteText::Print)}</button>
        </div>
        <p class="form-error no-print" role="alert">{move || error.get()}</p>
    }
}
