//! A new quote for a deal (`/quotes/new?deal=<id>`) or a draft's edit (`/quotes/:id/edit`):
//! title, dates, price list, overall discount, terms, and the lines — products found by code or
//! name, quantities to four decimals, prices in yuan, discounts in percent. Every figure is
//! worked out here as the user types by `shared::quote::totals`, the function the server stores
//! with, so what the phone shows is what the quote will say. One markup: a table on a desktop,
//! each line a card on a phone (CSS).

use kaidan_shared::opportunity::{format_yuan, parse_yuan};
use kaidan_shared::product::{PriceListDetail, PriceListListQuery, Product, ProductListQuery};
use kaidan_shared::quote::{
    totals, LineInput, Quote, QuoteCreate, QuoteLineInput, QuoteUpdate, Totals,
};
use kaidan_shared::{FieldCode, FieldError, Patch};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::api;
use crate::components::{create_or_edit, on_save, TextArea, TextField};
use crate::i18n::quote::QuoteText;
use crate::i18n::{use_i18n, T};

/// A line as the editor holds it: the product as chosen and what was typed.
#[derive(Clone)]
struct EditLine {
    key: u32,
    product_id: Uuid,
    code: String,
    name: String,
    list_price: i64,
    tax_rate: Decimal,
    quantity: String,
    unit_price: String,
    discount: String,
}

fn decimal(s: &str) -> Option<Decimal> {
    let t = s.trim().trim_end_matches('%');
    if t.is_empty() {
        return Some(Decimal::ZERO);
    }
    t.parse::<Decimal>().ok()
}

/// The line's numbers, when they read.
fn input_of(l: &EditLine) -> Option<LineInput> {
    Some(LineInput {
        quantity: l.quantity.trim().parse::<Decimal>().ok()?,
        unit_price: parse_yuan(&l.unit_price)?,
        discount_percent: decimal(&l.discount)?,
        tax_rate_percent: l.tax_rate,
    })
}

fn yuan_text(fen: i64) -> String {
    format_yuan(fen).trim_start_matches('¥').to_owned()
}

#[component]
pub fn QuoteEditorPage() -> impl IntoView {
    create_or_edit(
        api::quote::get,
        |existing| view! { <Editor existing=existing/> },
    )
}

#[component]
fn Editor(existing: Option<(Quote, String)>) -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let quote = existing.as_ref().map(|(q, _)| q.clone());
    let deal = quote.as_ref().map(|q| q.opportunity_id).or_else(|| {
        use_query_map()
            .with_untracked(|q| q.get("deal"))
            .and_then(|d| d.parse::<Uuid>().ok())
    });
    let s = |f: fn(&Quote) -> Option<String>| {
        RwSignal::new(quote.as_ref().and_then(f).unwrap_or_default())
    };
    let title = s(|q| Some(q.title.clone()));
    let quote_date = s(|q| Some(q.quote_date.to_string()));
    let valid_until = s(|q| q.valid_until.map(|d| d.to_string()));
    let price_list = s(|q| q.price_list_id.map(|p| p.to_string()));
    let overall = s(|q| Some(q.overall_discount_percent.to_string()));
    let terms = s(|q| q.terms.clone());
    let notes = s(|q| q.notes.clone());
    let next_key = StoredValue::new(0u32);
    let fresh_key = move || {
        next_key.update_value(|k| *k += 1);
        next_key.get_value()
    };
    let lines = RwSignal::new(
        quote
            .as_ref()
            .map(|q| {
                q.lines
                    .iter()
                    .map(|l| EditLine {
                        key: fresh_key(),
                        product_id: l.product_id,
                        code: l.product_code.clone(),
                        name: l.product_name.clone(),
                        list_price: l.list_price,
                        tax_rate: l.tax_rate,
                        quantity: l.quantity.to_string(),
                        unit_price: yuan_text(l.unit_price),
                        discount: l.discount_percent.to_string(),
                    })
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default(),
    );
    // Typing changes the lines without drawing them again (focus stays); this counts the
    // keystrokes, so the figures follow.
    let typed = RwSignal::new(0u32);
    let figures = Memo::new(move |_| {
        typed.get();
        let overall = decimal(&overall.get()).unwrap_or_default();
        lines.with(|ls| {
            let inputs: Option<Vec<LineInput>> = ls.iter().map(input_of).collect();
            inputs.map(|i| totals(&i, overall))
        })
    });
    let line_figure = move |key: u32| {
        typed.get();
        let at = lines.with_untracked(|ls| ls.iter().position(|l| l.key == key));
        figures
            .get()
            .and_then(|t: Totals| at.and_then(|i| t.lines.get(i).copied()))
            .map(|f| format_yuan(f.total))
            .unwrap_or_else(|| "—".to_owned())
    };
    let set = move |key: u32, f: fn(&mut EditLine, String), v: String| {
        lines.update_untracked(|ls| {
            if let Some(l) = ls.iter_mut().find(|l| l.key == key) {
                f(l, v);
            }
        });
        typed.update(|t| *t += 1);
    };
    // The price lists of the quote's day, for the select.
    let lists = LocalResource::new(move || {
        let day = quote_date.get().parse().ok();
        async move {
            api::product::price_lists(&PriceListListQuery {
                valid_on: day,
                limit: Some(50),
                ..Default::default()
            })
            .await
        }
    });
    // The chosen list's prices, for new lines.
    let chosen_list = LocalResource::new(move || {
        let id = price_list.get().parse::<Uuid>().ok();
        async move {
            match id {
                Some(id) => api::product::price_list(id).await.map(|r| Some(r.body)),
                None => Ok(None),
            }
        }
    });
    let price_for = move |p: &Product| -> i64 {
        chosen_list
            .get_untracked()
            .and_then(Result::ok)
            .flatten()
            .and_then(|l: PriceListDetail| {
                l.entries
                    .iter()
                    .find(|e| e.product_id == p.id)
                    .map(|e| e.price)
            })
            .unwrap_or(p.list_price)
    };
    // A list chosen anew prices every line from it (or from the list prices), once it is here.
    let reprice = RwSignal::new(false);
    Effect::new(move |_| {
        if !reprice.get() {
            return;
        }
        if let Some(Ok(list)) = chosen_list.get() {
            let price_of = |id: Uuid, list_price: i64| {
                list.as_ref()
                    .and_then(|l: &PriceListDetail| l.entries.iter().find(|e| e.product_id == id))
                    .map(|e| e.price)
                    .unwrap_or(list_price)
            };
            lines.update(|ls| {
                for l in ls.iter_mut() {
                    l.unit_price = yuan_text(price_of(l.product_id, l.list_price));
                }
            });
            reprice.set(false);
        }
    });
    let add = move |p: Product| {
        let price = price_for(&p);
        let key = fresh_key();
        lines.update(|ls| {
            ls.push(EditLine {
                key,
                product_id: p.id,
                code: p.code.clone(),
                name: p.name.clone(),
                list_price: p.list_price,
                tax_rate: p.tax_rate,
                quantity: "1".into(),
                unit_price: yuan_text(price),
                discount: String::new(),
            })
        });
    };

    let editing = quote.as_ref().map(|q| q.id);
    let etag = existing.map(|(_, e)| e).unwrap_or_default();
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let message = RwSignal::new(None::<String>);
    let save = Action::new_local(move |inputs: &Vec<QuoteLineInput>| {
        let (inputs, etag) = (inputs.clone(), etag.clone());
        let opt = |s: String| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let list = price_list.get_untracked().parse::<Uuid>().ok();
        let day = quote_date.get_untracked().parse().ok();
        let until = valid_until.get_untracked().parse().ok();
        let overall = decimal(&overall.get_untracked());
        async move {
            match editing {
                Some(id) => {
                    let body = QuoteUpdate {
                        title: Some(title.get_untracked()),
                        price_list_id: list.map(Patch::Value).unwrap_or(Patch::Null),
                        quote_date: day,
                        valid_until: until.map(Patch::Value).unwrap_or(Patch::Null),
                        overall_discount_percent: overall,
                        notes: opt(notes.get_untracked())
                            .map(Patch::Value)
                            .unwrap_or(Patch::Null),
                        terms: opt(terms.get_untracked())
                            .map(Patch::Value)
                            .unwrap_or(Patch::Null),
                        lines: Some(inputs),
                        custom: Default::default(),
                    };
                    api::quote::update(id, &etag, &body)
                        .await
                        .map(|r| r.body.id)
                }
                None => {
                    let body = QuoteCreate {
                        opportunity_id: deal.unwrap_or_default(),
                        title: title.get_untracked(),
                        price_list_id: list,
                        quote_date: day,
                        valid_until: until,
                        overall_discount_percent: overall,
                        notes: opt(notes.get_untracked()),
                        terms: opt(terms.get_untracked()),
                        lines: inputs,
                        custom: Default::default(),
                    };
                    api::quote::create(&body).await.map(|r| r.body.id)
                }
            }
        }
    });
    on_save(save, errors, message, move |id| {
        navigate(&format!("/quotes/{id}"), Default::default())
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut bad = Vec::new();
        let inputs: Vec<QuoteLineInput> = lines.with_untracked(|ls| {
            ls.iter()
                .enumerate()
                .filter_map(|(i, l)| match input_of(l) {
                    Some(n) => Some(QuoteLineInput {
                        product_id: l.product_id,
                        quantity: n.quantity,
                        unit_price: Some(n.unit_price),
                        discount_percent: Some(n.discount_percent),
                        note: None,
                    }),
                    None => {
                        bad.push(FieldError::new(
                            format!("lines[{i}].quantity"),
                            FieldCode::InvalidFormat,
                            "",
                        ));
                        None
                    }
                })
                .collect()
        });
        if decimal(&overall.get_untracked()).is_none() {
            bad.push(FieldError::new(
                "overall_discount_percent",
                FieldCode::InvalidFormat,
                "",
            ));
        }
        if bad.is_empty() {
            save.dispatch(inputs);
        } else {
            errors.set(bad);
            message.set(Some(i18n.t(QuoteText::BadNumber).to_owned()));
        }
    };
    let errs = Signal::derive(move || errors.get());
    let line_bad = move |i: usize| {
        errors.with(|e| {
            e.iter()
                .any(|e| e.field.starts_with(&format!("lines[{i}]")))
        })
    };
    let back = match (editing, deal) {
        (Some(id), _) => format!("/quotes/{id}"),
        (None, Some(d)) => format!("/opportunities/{d}"),
        (None, None) => "/opportunities".to_owned(),
    };
    view! {
        <section class="page">
            <A href=back attr:class="back">"‹ " {move || i18n.t(T::Back)}</A>
            <h1>{move || if editing.is_some() { i18n.t(T::Edit) } else { i18n.t(QuoteText::NewQuote) }}</h1>
            <form class="card form" data-testid="quote-form" novalidate on:submit=submit>
                <TextField label=QuoteText::Title field="title" value=title errors=errs required=true maxlength=200/>
                <div class="grid4">
                    <TextField label=QuoteText::QuoteDate field="quote_date" value=quote_date errors=errs input_type="date"/>
                    <TextField label=QuoteText::ValidUntil field="valid_until" value=valid_until errors=errs input_type="date"/>
                    <div class="field">
                        <label for="f-price_list_id">{move || i18n.t(QuoteText::PriceList)}</label>
                        <select id="f-price_list_id" on:change=move |ev| { price_list.set(event_target_value(&ev)); reprice.set(true); }>
                            <option value="">{move || i18n.t(QuoteText::NoPriceList)}</option>
                            {move || lists.get().and_then(Result::ok).map(|p| p.items.into_iter().map(|l| {
                                let v = l.id.to_string();
                                let sel = v == price_list.get_untracked();
                                view! { <option value=v selected=sel>{l.name}</option> }
                            }).collect_view())}
                        </select>
                    </div>
                    <TextField label=QuoteText::OverallDiscount field="overall_discount_percent" value=overall errors=errs inputmode="decimal"/>
                </div>
                <h2>{move || i18n.t(QuoteText::Lines)}</h2>
                <table class="lines" data-testid="quote-lines">
                    <thead><tr>
                        <th>{move || i18n.t(QuoteText::Product)}</th>
                        <th>{move || i18n.t(QuoteText::Quantity)}</th>
                        <th>{move || i18n.t(QuoteText::UnitPrice)}</th>
                        <th>{move || i18n.t(QuoteText::Discount)}</th>
                        <th>{move || i18n.t(QuoteText::TaxRate)}</th>
                        <th>{move || i18n.t(QuoteText::LineTotal)}</th>
                        <th></th>
                    </tr></thead>
                    <tbody>
                        {move || lines.get().into_iter().enumerate().map(|(i, l)| {
                            let key = l.key;
                            let q_label = i18n.t(QuoteText::Quantity);
                            let p_label = i18n.t(QuoteText::UnitPrice);
                            let d_label = i18n.t(QuoteText::Discount);
                            view! {
                                <tr data-testid="quote-line" data-code=l.code.clone() class:invalid=move || line_bad(i)>
                                    <td data-label=i18n.t(QuoteText::Product)><strong>{l.name.clone()}</strong><br/><small class="muted">{l.code.clone()}" · "{format_yuan(l.list_price)}</small></td>
                                    <td data-label=q_label><input aria-label=q_label inputmode="decimal" data-testid="line-quantity" prop:value=l.quantity.clone()
                                        on:input=move |ev| set(key, |l, v| l.quantity = v, event_target_value(&ev))/></td>
                                    <td data-label=p_label><input aria-label=p_label inputmode="decimal" data-testid="line-price" prop:value=l.unit_price.clone()
                                        on:input=move |ev| set(key, |l, v| l.unit_price = v, event_target_value(&ev))/></td>
                                    <td data-label=d_label><input aria-label=d_label inputmode="decimal" data-testid="line-discount" prop:value=l.discount.clone()
                                        on:input=move |ev| set(key, |l, v| l.discount = v, event_target_value(&ev))/></td>
                                    <td data-label=i18n.t(QuoteText::TaxRate)>{format!("{}%", l.tax_rate)}</td>
                                    <td data-label=i18n.t(QuoteText::LineTotal) data-testid="line-total">{move || line_figure(key)}</td>
                                    <td><button class="btn" type="button" aria-label=i18n.t(QuoteText::Remove)
                                        on:click=move |_| lines.update(|ls| ls.retain(|x| x.key != key))>"×"</button></td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                <Show when=move || lines.with(Vec::is_empty) fallback=|| ()>
                    <p class="muted">{move || i18n.t(QuoteText::NoLines)}</p>
                </Show>
                <ProductPicker on_pick=Callback::new(add)/>
                <dl class="facts totals" data-testid="quote-totals">
                    <div><dt>{move || i18n.t(QuoteText::Subtotal)}</dt><dd>{move || figures.get().map(|t| format_yuan(t.subtotal)).unwrap_or_else(|| "—".into())}</dd></div>
                    <div><dt>{move || i18n.t(QuoteText::DiscountAmount)}</dt><dd>{move || figures.get().map(|t| format_yuan(t.discount)).unwrap_or_else(|| "—".into())}</dd></div>
                    <div><dt>{move || i18n.t(QuoteText::Tax)}</dt><dd>{move || figures.get().map(|t| format_yuan(t.tax)).unwrap_or_else(|| "—".into())}</dd></div>
                    <div><dt>{move || i18n.t(QuoteText::Total)}</dt><dd data-testid="quote-total"><strong>{move || figures.get().map(|t| format_yuan(t.total)).unwrap_or_else(|| "—".into())}</strong></dd></div>
                </dl>
                <TextArea label=QuoteText::Terms field="terms" value=terms errors=errs/>
                <TextArea label=QuoteText::Notes field="notes" value=notes errors=errs/>
                <p class="form-error" role="alert">{move || message.get()}</p>
                <button class="btn primary block" type="submit" data-testid="quote-save" prop:disabled=move || save.pending().get()>{move || i18n.t(T::Save)}</button>
            </form>
        </section>
    }
}

/// Find a product on sale by code or name and pick it. No form of its own (it sits inside the
/// quote's): Enter searches.
#[component]
fn ProductPicker(on_pick: Callback<Product>) -> impl IntoView {
    let i18n = use_i18n();
    let text = RwSignal::new(String::new());
    let found = RwSignal::new(Vec::<Product>::new());
    let search = Action::new_local(move |q: &String| {
        let q = ProductListQuery {
            q: Some(q.clone()).filter(|s| !s.trim().is_empty()),
            active: Some(true),
            limit: Some(20),
            ..Default::default()
        };
        async move { api::product::list(&q).await }
    });
    Effect::new(move |_| {
        if let Some(Ok(page)) = search.value().get() {
            found.set(page.items);
        }
    });
    view! {
        <div class="add-product" data-testid="quote-add">
            <div class="searchbar" role="search">
                <input type="search" aria-label=move || i18n.t(QuoteText::SearchProduct)
                    placeholder=move || i18n.t(QuoteText::SearchProduct) data-testid="quote-add-search"
                    prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))
                    on:keydown=move |ev| if ev.key() == "Enter" { ev.prevent_default(); search.dispatch(text.get_untracked()); }/>
                <button class="btn" type="button" data-testid="quote-add-go"
                    on:click=move |_| { search.dispatch(text.get_untracked()); }>{move || i18n.t(QuoteText::AddLine)}</button>
            </div>
            <ul class="list">
                {move || found.get().into_iter().map(|p| {
                    let label = format!("{} {} · {} · {}%", p.code, p.name, format_yuan(p.list_price), p.tax_rate);
                    view! {
                        <li class="row">
                            <button class="btn row-main" type="button" data-testid="quote-add-pick" data-code=p.code.clone()
                                on:click=move |_| { on_pick.run(p.clone()); found.set(Vec::new()); }>{label}</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </div>
    }
}
