//! One lead: its facts, how it was assigned, and what the reader may do with it — mark it
//! contacted or qualified, disqualify it with a reason (or take it up again), hand it to a rep,
//! convert it into a customer (and a deal) or attach it to a customer the duplicate check found.
//! A converted lead shows what it became.

use kaidan_shared::audit::HistoryQuery;
use kaidan_shared::duplicate::DuplicateMatch;
use kaidan_shared::lead::{
    ConvertDeal, Disqualify, Lead, LeadAssign, LeadConvert, LeadStatus, LeadUpdate,
};
use kaidan_shared::opportunity::parse_yuan;
use kaidan_shared::option_list::builtin;
use kaidan_shared::user::UserListQuery;
use kaidan_shared::{Action as Act, ErrorCode, Resource, Role};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use uuid::Uuid;

use crate::api;
use crate::app::use_auth;
use crate::components::history::History;
use crate::components::layout::DetailSections;
use crate::components::{on_save, save_error_text, ErrorState, Loading};
use crate::i18n::customer::matched_label;
use crate::i18n::lead::{status_label, via_label, LeadText};
use crate::i18n::{use_i18n, T};
use crate::options::{option_items, use_catalog};
use crate::pages::customer::builtin_label;

#[component]
pub fn LeadDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let data = LocalResource::new(move || {
        let id = id();
        async move {
            let id = id.parse::<Uuid>().map_err(|_| api::not_found())?;
            api::lead::get(id).await
        }
    });
    let reload = Callback::new(move |_| data.refetch());
    let i18n = use_i18n();
    view! {
        <section class="page">
            <A href="/leads" attr:class="back">"‹ " {move || i18n.t(LeadText::Leads)}</A>
            <Transition fallback=|| view! { <Loading/> }>
                {move || data.get().map(|r| match r {
                    Ok(reply) => view! { <Detail lead=reply.body etag=reply.etag.unwrap_or_default() reload=reload/> }.into_any(),
                    Err(e) => view! { <ErrorState error=e on_retry=move |_| data.refetch()/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// Which sheet is open under the actions.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sheet {
    None,
    Disqualify,
    Convert,
    Assign,
}

#[component]
fn Detail(lead: Lead, etag: String, reload: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let catalog = use_catalog();
    let id = lead.id;
    let status = lead.status;
    let converted = status == LeadStatus::Converted;
    let sheet = RwSignal::new(Sheet::None);
    let message = RwSignal::new(None::<String>);
    let etag_for_status = etag.clone();
    let set_status = Action::new_local(move |to: &LeadStatus| {
        let body = LeadUpdate {
            status: Some(*to),
            ..Default::default()
        };
        let etag = etag_for_status.clone();
        async move { api::lead::update(id, &etag, &body).await }
    });
    on_save(set_status, RwSignal::new(Vec::new()), message, move |_| {
        reload.run(())
    });
    let fact_of = {
        let l = lead.clone();
        move |key: &str| -> Option<(String, String)> {
            let lang = i18n.lang();
            if key == "name" {
                return None;
            }
            super::builtin_text(&l, key, catalog, lang)
                .map(|v| (builtin_label(Resource::Lead, key, lang), v))
        }
    };
    let can_work = move || !converted && auth.can(Resource::Lead, Act::Update);
    let assigned = {
        let via = lead.assigned_via;
        let rule = lead.assigned_rule_name.clone();
        move || {
            let mut s = via_label(via, i18n.lang()).to_owned();
            if let Some(r) = &rule {
                s.push_str(&format!("（{r}）"));
            }
            s
        }
    };
    let who = match (&lead.owner_name, &lead.queue) {
        (Some(o), _) => Some(o.clone()),
        (None, Some(q)) => Some(format!(
            "{}{}",
            LeadText::InQueue.text(i18n.lang()),
            catalog.label(super::QUEUE, q, i18n.lang())
        )),
        _ => None,
    };
    let reason = lead
        .disqualify_reason
        .clone()
        .map(|k| catalog.label(builtin::DISQUALIFY_REASON, &k, i18n.lang()));
    let became = converted.then(|| {
        let customer = lead.customer_id;
        let deal = lead.opportunity_id;
        view! {
            <p class="notice" role="status" data-testid="lead-converted">{move || i18n.t(LeadText::ConvertedTo)}
                {customer.map(|c| view! { <A href=format!("/customers/{c}") attr:data-testid="converted-customer">{move || i18n.t(LeadText::ViewCustomer)}</A> })}
                {deal.map(|d| view! { " · "<A href=format!("/opportunities/{d}")>{move || i18n.t(LeadText::ViewDeal)}</A> })}
            </p>
        }
    });
    let phone = lead.phone.clone();
    let owner = lead.owner_id;
    let etag_d = etag.clone();
    let etag_c = etag.clone();
    let etag_a = etag.clone();
    let lead_for_convert = lead.clone();
    view! {
        <article class="card detail" data-testid="lead-detail">
            <h1>{lead.name.clone()}" "
                <span class=format!("badge status-{}", status.as_str()) data-testid="lead-status">{move || status_label(status, i18n.lang())}</span>
            </h1>
            <dl class="facts">
                {who.map(|w| view! { <div data-field="owner"><dt>{move || i18n.t(LeadText::Owner)}</dt><dd>{w}</dd></div> })}
                <div><dt>{move || i18n.t(LeadText::AssignedBy)}</dt><dd>{assigned}</dd></div>
                {reason.map(|r| view! { <div><dt>{move || i18n.t(LeadText::DisqualifyReason)}</dt><dd>{r}{lead.disqualify_note.clone().map(|n| format!("：{n}"))}</dd></div> })}
            </dl>
            <DetailSections resource=Resource::Lead builtin=fact_of values=lead.custom.clone()/>
            {became}
            <div class="actions">
                {phone.map(|p| view! { <a class="btn" href=format!("tel:{p}")>{move || i18n.t(crate::i18n::contact::ContactText::Call)}</a> })}
                <Show when=move || can_work() fallback=|| ()>
                    <A href=format!("/leads/{id}/edit") attr:class="btn">{move || i18n.t(T::Edit)}</A>
                    {(status == LeadStatus::New).then(|| view! {
                        <button class="btn" data-testid="mark-contacted" prop:disabled=move || set_status.pending().get()
                            on:click=move |_| { set_status.dispatch(LeadStatus::Contacted); }>{move || i18n.t(LeadText::MarkContacted)}</button>
                    })}
                    {matches!(status, LeadStatus::New | LeadStatus::Contacted).then(|| view! {
                        <button class="btn" data-testid="qualify" prop:disabled=move || set_status.pending().get()
                            on:click=move |_| { set_status.dispatch(LeadStatus::Qualified); }>{move || i18n.t(LeadText::Qualify)}</button>
                    })}
                    {(status == LeadStatus::Disqualified).then(|| view! {
                        <button class="btn" data-testid="take-up" prop:disabled=move || set_status.pending().get()
                            on:click=move |_| { set_status.dispatch(LeadStatus::Contacted); }>{move || i18n.t(LeadText::TakeUp)}</button>
                    })}
                    {(status != LeadStatus::Disqualified).then(|| view! {
                        <button class="btn primary" data-testid="convert-open" on:click=move |_| sheet.set(Sheet::Convert)>{move || i18n.t(LeadText::Convert)}</button>
                        <button class="btn danger" data-testid="disqualify-open" on:click=move |_| sheet.set(Sheet::Disqualify)>{move || i18n.t(LeadText::Disqualify)}</button>
                    })}
                </Show>
                <Show when=move || !converted && auth.can(Resource::Lead, Act::Transfer) fallback=|| ()>
                    <button class="btn" data-testid="assign-open" on:click=move |_| sheet.set(Sheet::Assign)>{move || i18n.t(LeadText::Assign)}</button>
                </Show>
            </div>
            <p class="form-error" role="alert">{move || message.get()}</p>
            <Show when=move || sheet.get() == Sheet::Disqualify fallback=|| ()>
                <DisqualifySheet id=id etag=etag_d.clone() sheet=sheet reload=reload/>
            </Show>
            <Show when=move || sheet.get() == Sheet::Convert fallback=|| ()>
                <ConvertSheet lead=lead_for_convert.clone() etag=etag_c.clone() sheet=sheet/>
            </Show>
            <Show when=move || sheet.get() == Sheet::Assign fallback=|| ()>
                <AssignSheet id=id etag=etag_a.clone() owner=owner sheet=sheet reload=reload/>
            </Show>
        </article>
        <History load=move || async move {
            api::lead::history(id, &HistoryQuery { limit: Some(50), ..Default::default() }).await
        }/>
    }
}

#[component]
fn DisqualifySheet(
    id: Uuid,
    etag: String,
    sheet: RwSignal<Sheet>,
    reload: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let reason = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let save = Action::new_local(move |body: &Disqualify| {
        let (body, etag) = (body.clone(), etag.clone());
        async move { api::lead::disqualify(id, &etag, &body).await }
    });
    on_save(save, RwSignal::new(Vec::new()), error, move |_| {
        sheet.set(Sheet::None);
        reload.run(());
    });
    view! {
        <form class="sheet" data-testid="disqualify-sheet" on:submit=move |ev| {
            ev.prevent_default();
            let n = note.get_untracked();
            save.dispatch(Disqualify { reason: reason.get_untracked(), note: (!n.trim().is_empty()).then_some(n) });
        }>
            <div class="field">
                <label for="dq-reason">{move || i18n.t(LeadText::DisqualifyReason)}" *"</label>
                <select id="dq-reason" required on:change=move |ev| reason.set(event_target_value(&ev))>
                    <option value="">"—"</option>
                    {option_items(builtin::DISQUALIFY_REASON, "")}
                </select>
            </div>
            <div class="field">
                <label for="dq-note">{move || i18n.t(LeadText::Notes)}</label>
                <input id="dq-note" maxlength="500" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))/>
            </div>
            <p class="form-error" role="alert">{move || error.get()}</p>
            <div class="actions">
                <button class="btn danger" type="submit" data-testid="disqualify-submit"
                    prop:disabled=move || save.pending().get() || reason.with(String::is_empty)>{move || i18n.t(LeadText::Disqualify)}</button>
                <button class="btn" type="button" on:click=move |_| sheet.set(Sheet::None)>{move || i18n.t(T::Cancel)}</button>
            </div>
        </form>
    }
}

#[component]
fn ConvertSheet(lead: Lead, etag: String, sheet: RwSignal<Sheet>) -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let id = lead.id;
    let with_deal = RwSignal::new(true);
    // The company's name to start from; the rep says what the deal is about.
    let deal_name = RwSignal::new(lead.company.clone().unwrap_or_else(|| lead.name.clone()));
    let amount = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let duplicates = RwSignal::new(Vec::<DuplicateMatch>::new());
    // (attach to this customer, create although it looks like one)
    let save = Action::new_local(move |(customer, force): &(Option<Uuid>, bool)| {
        let deal = with_deal.get_untracked().then(|| ConvertDeal {
            name: deal_name.get_untracked(),
            // An amount not known yet is 0; one that does not read as yuan is refused by the server.
            amount: {
                let a = amount.get_untracked();
                if a.trim().is_empty() {
                    0
                } else {
                    parse_yuan(&a).unwrap_or(-1)
                }
            },
            ..Default::default()
        });
        let body = LeadConvert {
            customer_id: *customer,
            force: *force,
            opportunity: deal,
        };
        let etag = etag.clone();
        async move { api::lead::convert(id, &etag, &body).await }
    });
    Effect::new(move |_| {
        if let Some(r) = save.value().get() {
            match r {
                Ok(c) => navigate(&format!("/customers/{}", c.customer_id), Default::default()),
                Err(e) => {
                    if e.code() == Some(ErrorCode::DuplicateSuspected) {
                        duplicates.set(
                            e.problem
                                .as_ref()
                                .map(|p| p.duplicates.clone())
                                .unwrap_or_default(),
                        );
                        error.set(Some(i18n.t(LeadText::DuplicateHint).to_owned()));
                    } else {
                        error.set(Some(save_error_text(&e, i18n.lang())));
                    }
                }
            }
        }
    });
    let pending = save.pending();
    view! {
        <form class="sheet" data-testid="convert-sheet" on:submit=move |ev| {
            ev.prevent_default();
            duplicates.set(Vec::new());
            save.dispatch((None, false));
        }>
            <h2>{move || i18n.t(LeadText::ConvertTitle)}</h2>
            <p class="muted small">{move || i18n.t(LeadText::ConvertHint)}</p>
            <label class="check"><input type="checkbox" data-testid="with-deal" prop:checked=move || with_deal.get()
                on:change=move |ev| with_deal.set(event_target_checked(&ev))/>{move || i18n.t(LeadText::WithDeal)}</label>
            <Show when=move || with_deal.get() fallback=|| ()>
                <div class="field">
                    <label for="cv-deal">{move || i18n.t(LeadText::DealName)}</label>
                    <input id="cv-deal" maxlength="200" prop:value=move || deal_name.get() on:input=move |ev| deal_name.set(event_target_value(&ev))/>
                </div>
                <div class="field">
                    <label for="cv-amount">{move || i18n.t(LeadText::DealAmount)}</label>
                    <input id="cv-amount" inputmode="decimal" prop:value=move || amount.get() on:input=move |ev| amount.set(event_target_value(&ev))/>
                </div>
            </Show>
            <p class="form-error" role="alert">{move || error.get()}</p>
            <Show when=move || duplicates.with(|d| !d.is_empty()) fallback=|| ()>
                <div class="duplicates" data-testid="convert-duplicates"><ul>
                    {move || duplicates.get().into_iter().map(|d| {
                        let why = d.matched_on.iter().map(|m| matched_label(*m, i18n.lang())).collect::<Vec<_>>().join("、");
                        let attach = d.id;
                        view! {
                            <li>
                                <strong>{d.name.clone()}</strong>
                                <span class="muted">{format!(" ({why})")}</span>
                                {d.owner_name.clone().map(|o| view! { <span class="muted">{format!(" · {o}")}</span> })}
                                {attach.map(|c| view! { " " <button type="button" class="btn small" data-testid="attach"
                                    prop:disabled=move || pending.get()
                                    on:click=move |_| { save.dispatch((Some(c), false)); }>{move || i18n.t(LeadText::AttachTo)}</button> })}
                            </li>
                        }
                    }).collect_view()}
                    </ul>
                    <button type="button" class="btn warn" data-testid="convert-anyway" prop:disabled=move || pending.get()
                        on:click=move |_| { save.dispatch((None, true)); }>{move || i18n.t(LeadText::CreateAnyway)}</button>
                </div>
            </Show>
            <div class="actions">
                <button class="btn primary" type="submit" data-testid="convert-submit" prop:disabled=move || pending.get()>{move || i18n.t(LeadText::Convert)}</button>
                <button class="btn" type="button" on:click=move |_| sheet.set(Sheet::None)>{move || i18n.t(T::Cancel)}</button>
            </div>
        </form>
    }
}

#[component]
fn AssignSheet(
    id: Uuid,
    etag: String,
    owner: Option<Uuid>,
    sheet: RwSignal<Sheet>,
    reload: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let users = LocalResource::new(|| async {
        api::user::list(&UserListQuery {
            limit: Some(200),
            role: Some(Role::SalesRep),
            ..Default::default()
        })
        .await
        .map(|p| p.items)
    });
    let target = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let save = Action::new_local(move |to: &String| {
        let (to, etag) = (to.clone(), etag.clone());
        async move {
            let owner_id = to.parse::<Uuid>().map_err(|_| api::not_found())?;
            api::lead::assign(id, &etag, &LeadAssign { owner_id }).await
        }
    });
    on_save(save, RwSignal::new(Vec::new()), error, move |_| {
        sheet.set(Sheet::None);
        reload.run(());
    });
    view! {
        <form class="sheet" data-testid="assign-sheet" on:submit=move |ev| {
            ev.prevent_default();
            save.dispatch(target.get_untracked());
        }>
            <div class="field">
                <label for="assign-to">{move || i18n.t(LeadText::AssignTo)}</label>
                <select id="assign-to" required on:change=move |ev| target.set(event_target_value(&ev))>
                    <option value="">"—"</option>
                    {move || users.get().and_then(Result::ok).unwrap_or_default().into_iter()
                        .filter(|u| Some(u.id) != owner)
                        .map(|u| view! { <option value=u.id.to_string()>{format!("{} ({})", u.display_name, u.username)}</option> })
                        .collect_view()}
                </select>
            </div>
            <p class="form-error" role="alert">{move || error.get()}</p>
            <div class="actions">
                <button class="btn primary" type="submit" data-testid="assign-submit"
                    prop:disabled=move || save.pending().get() || target.with(String::is_empty)>{move || i18n.t(LeadText::Assign)}</button>
                <button class="btn" type="button" on:click=move |_| sheet.set(Sheet::None)>{move || i18n.t(T::Cancel)}</button>
            </div>
        </form>
    }
}
