//! The assignment rules (admins: the company's; regional managers: their region's), in the order
//! they are tried: which provinces, which team's reps take turns, the open-lead cap, the queue
//! when nobody can take a lead. Add, edit, switch off, delete.

use kaidan_shared::lead::{LeadRule, LeadRuleInput, DEFAULT_QUEUE};
use kaidan_shared::FieldError;
use leptos::prelude::*;
use leptos_router::components::A;
use uuid::Uuid;

use crate::api;
use crate::components::{save_error_text, ErrorState, Loading, TextField};
use crate::i18n::lead::LeadText;
use crate::i18n::{use_i18n, T};
use crate::options::{option_items, use_catalog};

#[component]
pub fn LeadRulesPage() -> impl IntoView {
    let i18n = use_i18n();
    let catalog = use_catalog();
    let rules = LocalResource::new(|| async { api::lead::rules().await });
    let teams = LocalResource::new(|| async { api::org::teams().await });
    // The rule being edited (`Some(None)`: a new one).
    let editing = RwSignal::new(None::<Option<LeadRule>>);
    let message = RwSignal::new(None::<String>);
    let remove = Action::new_local(move |r: &LeadRule| {
        let (id, etag) = (r.id, api::etag(r.version));
        async move { api::lead::delete_rule(id, &etag).await }
    });
    Effect::new(move |_| {
        if let Some(r) = remove.value().get() {
            match r {
                Ok(()) => rules.refetch(),
                Err(e) => message.set(Some(save_error_text(&e, i18n.lang()))),
            }
        }
    });
    let done = Callback::new(move |_| {
        editing.set(None);
        rules.refetch();
    });
    view! {
        <section class="page narrow">
            <A href="/leads" attr:class="back">"‹ " {move || i18n.t(LeadText::Leads)}</A>
            <div class="page-head">
                <h1>{move || i18n.t(LeadText::Rules)}</h1>
                <button class="btn primary" data-testid="new-rule" on:click=move |_| editing.set(Some(None))>"+ "{move || i18n.t(LeadText::NewRule)}</button>
            </div>
            <p class="form-error" role="alert">{move || message.get()}</p>
            {move || editing.get().map(|r| {
                let team_list = teams.get().and_then(Result::ok).unwrap_or_default();
                view! { <RuleForm rule=r teams=team_list done=done/> }
            })}
            <Transition fallback=|| view! { <Loading/> }>
                {move || rules.get().map(|r| match r {
                    Ok(list) if list.is_empty() => view! { <p class="state empty">{move || i18n.t(LeadText::NoRules)}</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="list" data-testid="rule-list">
                            {list.into_iter().map(|r| {
                                let lang = i18n.lang();
                                let provinces = if r.provinces.is_empty() {
                                    "*".to_owned()
                                } else {
                                    r.provinces.iter().map(|p| catalog.label(super::PROVINCE, p, lang)).collect::<Vec<_>>().join("、")
                                };
                                let target = [
                                    r.team_name.clone(),
                                    r.open_lead_cap.map(|c| format!("≤{c}")),
                                    r.queue.as_deref().map(|q| format!("→ {}", catalog.label(super::QUEUE, q, lang))),
                                ].into_iter().flatten().collect::<Vec<_>>().join(" ");
                                let (edit, del) = (r.clone(), r.clone());
                                view! {
                                    <li class="row" data-testid="rule-row">
                                        <div class="row-main">
                                            <span class="row-title">{format!("{}. {}", r.position, r.name)}
                                                {(!r.active).then(|| view! { " "<span class="badge muted">{move || i18n.t(LeadText::Active)}"✗"</span> })}</span>
                                            <span class="row-sub">{provinces}</span>
                                            <span class="row-sub">{target}</span>
                                        </div>
                                        <button class="btn small" on:click=move |_| editing.set(Some(Some(edit.clone())))>{move || i18n.t(T::Edit)}</button>
                                        <button class="btn small danger" prop:disabled=move || remove.pending().get()
                                            on:click=move |_| { remove.dispatch(del.clone()); }>{move || i18n.t(LeadText::DeleteRule)}</button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <ErrorState error=e on_retry=move |_| rules.refetch()/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn RuleForm(
    rule: Option<LeadRule>,
    teams: Vec<kaidan_shared::org::Team>,
    done: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let name = RwSignal::new(rule.as_ref().map(|r| r.name.clone()).unwrap_or_default());
    let position = RwSignal::new(
        rule.as_ref()
            .map(|r| r.position.to_string())
            .unwrap_or_else(|| "10".into()),
    );
    let provinces = RwSignal::new(
        rule.as_ref()
            .map(|r| r.provinces.clone())
            .unwrap_or_default(),
    );
    let team = RwSignal::new(
        rule.as_ref()
            .and_then(|r| r.team_id)
            .map(|t| t.to_string())
            .unwrap_or_default(),
    );
    let queue = RwSignal::new(
        rule.as_ref()
            .and_then(|r| r.queue.clone())
            .unwrap_or_else(|| DEFAULT_QUEUE.into()),
    );
    let cap = RwSignal::new(
        rule.as_ref()
            .and_then(|r| r.open_lead_cap)
            .map(|c| c.to_string())
            .unwrap_or_default(),
    );
    let active = RwSignal::new(rule.as_ref().is_none_or(|r| r.active));
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let message = RwSignal::new(None::<String>);
    let existing = rule.as_ref().map(|r| (r.id, api::etag(r.version)));
    let save = Action::new_local(move |body: &LeadRuleInput| {
        let (body, existing) = (body.clone(), existing.clone());
        async move {
            match existing {
                Some((id, etag)) => api::lead::update_rule(id, &etag, &body).await,
                None => api::lead::create_rule(&body).await.map(|r| r.body),
            }
        }
    });
    Effect::new(move |_| {
        if let Some(r) = save.value().get() {
            match r {
                Ok(_) => done.run(()),
                Err(e) => {
                    errors.set(e.field_errors());
                    message.set(Some(save_error_text(&e, i18n.lang())));
                }
            }
        }
    });
    let chosen = move |key: &str| provinces.with(|p| p.iter().any(|x| x == key));
    view! {
        <form class="card form" data-testid="rule-form" on:submit=move |ev| {
            ev.prevent_default();
            let body = LeadRuleInput {
                name: name.get_untracked(),
                position: position.get_untracked().trim().parse().unwrap_or(-1),
                provinces: provinces.get_untracked(),
                team_id: team.get_untracked().parse::<Uuid>().ok(),
                queue: Some(queue.get_untracked()).filter(|q| !q.is_empty()),
                open_lead_cap: cap.get_untracked().trim().parse().ok(),
                active: active.get_untracked(),
            };
            save.dispatch(body);
        }>
            <TextField label=LeadText::RuleName field="name" value=name errors=errors required=true maxlength=100/>
            <TextField label=LeadText::Position field="position" value=position errors=errors inputmode="numeric"/>
            <fieldset class="field checks" data-testid="rule-provinces">
                <legend>{move || i18n.t(LeadText::Provinces)}</legend>
                {move || use_catalog().choices(super::PROVINCE, "").into_iter().map(|(k, zh, en)| {
                    let label = if i18n.lang() == crate::i18n::Lang::En { en } else { zh };
                    let key = k.clone();
                    view! {
                        <label class="check"><input type="checkbox" value=k.clone() prop:checked=chosen(&k)
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                provinces.update(|p| {
                                    p.retain(|x| *x != key);
                                    if on { p.push(key.clone()); }
                                });
                            }/>{label}</label>
                    }
                }).collect_view()}
            </fieldset>
            <div class="field">
                <label for="rule-team">{move || i18n.t(LeadText::Team)}</label>
                <select id="rule-team" data-testid="rule-team" on:change=move |ev| team.set(event_target_value(&ev))>
                    <option value="" selected=move || team.with(String::is_empty)>"—"</option>
                    {teams.into_iter().map(|t| {
                        let v = t.id.to_string();
                        let sel = team.get_untracked() == v;
                        view! { <option value=v selected=sel>{t.name}</option> }
                    }).collect_view()}
                </select>
            </div>
            <TextField label=LeadText::Cap field="open_lead_cap" value=cap errors=errors inputmode="numeric"/>
            <div class="field">
                <label for="rule-queue">{move || i18n.t(LeadText::QueueName)}</label>
                <select id="rule-queue" on:change=move |ev| queue.set(event_target_value(&ev))>
                    {move || option_items(super::QUEUE, &queue.get_untracked())}
                </select>
            </div>
            <label class="check"><input type="checkbox" prop:checked=move || active.get()
                on:change=move |ev| active.set(event_target_checked(&ev))/>{move || i18n.t(LeadText::Active)}</label>
            <p class="form-error" role="alert">{move || message.get()}</p>
            <div class="actions">
                <button class="btn primary" type="submit" data-testid="rule-save" prop:disabled=move || save.pending().get()>{move || i18n.t(T::Save)}</button>
                <button class="btn" type="button" on:click=move |_| done.run(())>{move || i18n.t(T::Cancel)}</button>
            </div>
        </form>
    }
}
