//! Admin → 审批流程: the approval flows of contracts and of quote discounts, in the order they are
//! tried, each with its conditions (amount, largest discount, customer level, submitter role) and
//! its steps (the submitter's supervisor, the regional manager, everyone with a role or named
//! people; 或签 or 会签); add one, edit one, switch one off. What routing does with them is
//! `kaidan_shared::approval::route`; the server checks every rule again.

use kaidan_shared::approval::{
    ApprovalSubject, ApprovalTemplate, ApprovalTemplateInput, Approvers, Conditions, StepMode,
    StepRule,
};
use kaidan_shared::customer::Level;
use kaidan_shared::opportunity::{format_yuan, parse_yuan};
use kaidan_shared::user::User;
use kaidan_shared::{FieldCode, FieldError, Role};
use leptos::prelude::*;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::api;
use crate::components::{save_error_text, ErrorState, Loading, TextField};
use crate::i18n::contract::ContractText;
use crate::i18n::{role_label, use_i18n, Lang, T};

use super::subject_label;

/// "¥100,000 < 金额 ≤ ¥500,000 · 折扣 > 10% · A/B · 销售代表", or "所有情况".
fn conditions_text(c: &Conditions, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    let mut parts = Vec::new();
    let amount = if zh { "金额" } else { "amount" };
    match (c.amount_over, c.amount_up_to) {
        (Some(a), Some(b)) => parts.push(format!(
            "{} < {amount} ≤ {}",
            format_yuan(a),
            format_yuan(b)
        )),
        (Some(a), None) => parts.push(format!("{amount} > {}", format_yuan(a))),
        (None, Some(b)) => parts.push(format!("{amount} ≤ {}", format_yuan(b))),
        (None, None) => {}
    }
    if let Some(d) = c.discount_over {
        parts.push(format!("{} > {d}%", if zh { "折扣" } else { "discount" }));
    }
    if !c.customer_levels.is_empty() {
        parts.push(format!(
            "{} {}",
            if zh { "客户等级" } else { "level" },
            c.customer_levels.join("/")
        ));
    }
    if !c.submitter_roles.is_empty() {
        let roles: Vec<&str> = c
            .submitter_roles
            .iter()
            .map(|r| role_label(*r, lang))
            .collect();
        parts.push(roles.join("/"));
    }
    if parts.is_empty() {
        ContractText::AnyCase.text(lang).to_owned()
    } else {
        parts.join(" · ")
    }
}

/// "主管（或签）→ 区域经理（或签）→ 管理员（会签）".
fn steps_text(steps: &[StepRule], users: &[User], lang: Lang) -> String {
    steps
        .iter()
        .map(|s| {
            let who = match &s.approvers {
                Approvers::Supervisor => ContractText::KindSupervisor.text(lang).to_owned(),
                Approvers::RegionalManager => {
                    ContractText::KindRegionalManager.text(lang).to_owned()
                }
                Approvers::Role { role } => role_label(*role, lang).to_owned(),
                Approvers::Users { ids } => ids
                    .iter()
                    .map(|id| {
                        users.iter().find(|u| u.id == *id).map_or_else(
                            || id.to_string()[..8].to_owned(),
                            |u| u.display_name.clone(),
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("、"),
            };
            let mode = match s.mode {
                StepMode::AnyOne => ContractText::AnyOne,
                StepMode::All => ContractText::Countersign,
            };
            if lang == Lang::Zh {
                format!("{who}（{}）", mode.text(lang))
            } else {
                format!("{who} ({})", mode.text(lang))
            }
        })
        .collect::<Vec<_>>()
        .join(" → ")
}

/// The flows tab of the admin screen. `users`: the org's people, for naming approvers.
#[component]
pub fn FlowsTab(users: Vec<User>) -> impl IntoView {
    let i18n = use_i18n();
    let flows = LocalResource::new(|| async { api::approval::templates().await });
    // The flow being edited (`Some(None)`: a new one).
    let editing = RwSignal::new(None::<Option<ApprovalTemplate>>);
    let users = StoredValue::new(users);
    let done = Callback::new(move |_| {
        editing.set(None);
        flows.refetch();
    });
    view! {
        <div data-testid="flows-tab">
            <div class="page-head">
                <h2>{move || i18n.t(ContractText::Flows)}</h2>
                <button class="btn primary" data-testid="new-flow" on:click=move |_| editing.set(Some(None))>"+ "{move || i18n.t(ContractText::NewFlow)}</button>
            </div>
            <p class="muted">{move || i18n.t(ContractText::FlowsHint)}</p>
            {move || editing.get().map(|f| view! { <FlowForm flow=f users=users.get_value() done=done/> })}
            <Transition fallback=|| view! { <Loading/> }>
                {move || flows.get().map(|r| match r {
                    Ok(list) => view! {
                        <ul class="list" data-testid="flow-list">
                            {list.into_iter().map(|f| {
                                let lang = i18n.lang();
                                let subject = subject_label(f.subject);
                                let when = conditions_text(&f.conditions, lang);
                                let steps = users.with_value(|u| steps_text(&f.steps, u, lang));
                                let hours = format!("{}h / {}h", f.remind_after_hours, f.escalate_after_hours);
                                let edit = f.clone();
                                view! {
                                    <li class="row" data-testid="flow-row">
                                        <div class="row-main">
                                            <span class="row-title">
                                                <span class="badge">{move || i18n.t(subject)}</span>" "
                                                {format!("{}. {}", f.priority, f.name)}
                                                {(!f.active).then(|| view! { " "<span class="badge muted">{move || i18n.t(ContractText::FlowInactive)}</span> })}
                                            </span>
                                            <span class="row-sub" data-testid="flow-conditions">{when}</span>
                                            <span class="row-sub" data-testid="flow-steps">{steps}</span>
                                            <span class="row-sub">{move || i18n.t(ContractText::RemindAfter)}" / "{move || i18n.t(ContractText::EscalateAfter)}": "{hours.clone()}</span>
                                        </div>
                                        <button class="btn small" data-testid="flow-edit"
                                            on:click=move |_| editing.set(Some(Some(edit.clone())))>{move || i18n.t(T::Edit)}</button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <ErrorState error=e on_retry=move |_| flows.refetch()/> }.into_any(),
                })}
            </Transition>
        </div>
    }
}

/// One step as the form holds it: the kind of approvers and what each kind needs.
#[derive(Clone, PartialEq)]
struct StepDraft {
    kind: &'static str,
    role: Role,
    ids: Vec<Uuid>,
    mode: StepMode,
}

impl StepDraft {
    fn new() -> StepDraft {
        StepDraft {
            kind: "supervisor",
            role: Role::Admin,
            ids: Vec::new(),
            mode: StepMode::AnyOne,
        }
    }

    fn of(rule: &StepRule) -> StepDraft {
        let mut d = StepDraft {
            mode: rule.mode,
            ..StepDraft::new()
        };
        match &rule.approvers {
            Approvers::Supervisor => d.kind = "supervisor",
            Approvers::RegionalManager => d.kind = "regional_manager",
            Approvers::Role { role } => {
                d.kind = "role";
                d.role = *role;
            }
            Approvers::Users { ids } => {
                d.kind = "users";
                d.ids = ids.clone();
            }
        }
        d
    }

    fn rule(&self) -> StepRule {
        let approvers = match self.kind {
            "regional_manager" => Approvers::RegionalManager,
            "role" => Approvers::Role { role: self.role },
            "users" => Approvers::Users {
                ids: self.ids.clone(),
            },
            _ => Approvers::Supervisor,
        };
        StepRule {
            approvers,
            mode: self.mode,
        }
    }
}

fn kind_of(v: &str) -> &'static str {
    match v {
        "regional_manager" => "regional_manager",
        "role" => "role",
        "users" => "users",
        _ => "supervisor",
    }
}

#[component]
fn FlowForm(flow: Option<ApprovalTemplate>, users: Vec<User>, done: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let f = flow.as_ref();
    let cond = f.map(|f| f.conditions.clone()).unwrap_or_default();
    let subject = RwSignal::new(f.map_or(ApprovalSubject::Contract, |f| f.subject));
    let name = RwSignal::new(f.map(|f| f.name.clone()).unwrap_or_default());
    let priority = RwSignal::new(f.map_or_else(|| "100".to_owned(), |f| f.priority.to_string()));
    let active = RwSignal::new(f.is_none_or(|f| f.active));
    let yuan = |v: Option<i64>| {
        v.map(|v| format_yuan(v).trim_start_matches('¥').to_owned())
            .unwrap_or_default()
    };
    let amount_over = RwSignal::new(yuan(cond.amount_over));
    let amount_up_to = RwSignal::new(yuan(cond.amount_up_to));
    let discount_over = RwSignal::new(
        cond.discount_over
            .map(|d| d.to_string())
            .unwrap_or_default(),
    );
    let levels = RwSignal::new(cond.customer_levels.clone());
    let roles = RwSignal::new(cond.submitter_roles.clone());
    let steps = RwSignal::new(
        f.map(|f| f.steps.iter().map(StepDraft::of).collect())
            .unwrap_or_else(|| vec![StepDraft::new()]),
    );
    let remind =
        RwSignal::new(f.map_or_else(|| "24".to_owned(), |f| f.remind_after_hours.to_string()));
    let escalate =
        RwSignal::new(f.map_or_else(|| "48".to_owned(), |f| f.escalate_after_hours.to_string()));
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let errs = Signal::derive(move || errors.get());
    let message = RwSignal::new(None::<String>);
    let existing = f.map(|f| (f.id, api::etag(f.version)));
    // Active people may be named; someone named before and since deactivated (or not among the
    // users loaded) stays listed, marked, so the admin can untick them.
    let people = StoredValue::new(users);
    let save = Action::new_local(move |body: &ApprovalTemplateInput| {
        let (body, existing) = (body.clone(), existing.clone());
        async move {
            match existing {
                Some((id, etag)) => api::approval::update_template(id, &etag, &body).await,
                None => api::approval::create_template(&body).await,
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
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut bad = Vec::new();
        let money = |field: &str, text: String, bad: &mut Vec<FieldError>| {
            let t = text.trim().to_owned();
            if t.is_empty() {
                return None;
            }
            let v = parse_yuan(&t);
            if v.is_none() {
                bad.push(FieldError::new(field, FieldCode::InvalidFormat, "¥"));
            }
            v
        };
        let over = money(
            "conditions.amount_over",
            amount_over.get_untracked(),
            &mut bad,
        );
        let up_to = money(
            "conditions.amount_up_to",
            amount_up_to.get_untracked(),
            &mut bad,
        );
        let discount = {
            let t = discount_over
                .get_untracked()
                .trim()
                .trim_end_matches('%')
                .to_owned();
            if t.is_empty() {
                None
            } else {
                let d = t.parse::<Decimal>().ok();
                if d.is_none() {
                    bad.push(FieldError::new(
                        "conditions.discount_over",
                        FieldCode::InvalidFormat,
                        "%",
                    ));
                }
                d
            }
        };
        let int = |field: &str, text: String, bad: &mut Vec<FieldError>| {
            text.trim().parse::<u32>().unwrap_or_else(|_| {
                bad.push(FieldError::new(field, FieldCode::InvalidFormat, "1–720"));
                0
            })
        };
        let prio = int("priority", priority.get_untracked(), &mut bad);
        let remind_h = int("remind_after_hours", remind.get_untracked(), &mut bad);
        let escalate_h = int("escalate_after_hours", escalate.get_untracked(), &mut bad);
        if !bad.is_empty() {
            errors.set(bad);
            return;
        }
        let body = ApprovalTemplateInput {
            subject: subject.get_untracked(),
            name: name.get_untracked(),
            priority: i32::try_from(prio).unwrap_or(i32::MAX),
            active: active.get_untracked(),
            conditions: Conditions {
                amount_over: over,
                amount_up_to: up_to,
                discount_over: discount,
                customer_levels: levels.get_untracked(),
                submitter_roles: roles.get_untracked(),
            },
            steps: steps.get_untracked().iter().map(StepDraft::rule).collect(),
            remind_after_hours: remind_h,
            escalate_after_hours: escalate_h,
        };
        save.dispatch(body);
    };
    let step_view = move |(i, st): (usize, StepDraft)| {
        let n = i + 1;
        let kind_id = format!("step-{i}-kind");
        let mode_id = format!("step-{i}-mode");
        let kinds = [
            ("supervisor", ContractText::KindSupervisor),
            ("regional_manager", ContractText::KindRegionalManager),
            ("role", ContractText::KindRole),
            ("users", ContractText::KindUsers),
        ];
        let current = st.kind;
        let chosen = st.ids.clone();
        let role_now = st.role;
        let mode_now = st.mode;
        view! {
            <fieldset class="card step-edit" data-testid="flow-step">
                <legend>{move || i18n.t(ContractText::Step).replace("{}", &n.to_string())}</legend>
                <div class="field">
                    <label for=kind_id.clone()>{move || i18n.t(ContractText::ApproverKind)}</label>
                    <select id=kind_id data-testid="step-kind"
                        on:change=move |ev| { let v = kind_of(&event_target_value(&ev)); steps.update(|s| s[i].kind = v); }>
                        {kinds.into_iter().map(|(k, label)| view! { <option value=k selected=k == current>{move || i18n.t(label)}</option> }).collect_view()}
                    </select>
                </div>
                {(current == "role").then(|| {
                    let id = format!("step-{i}-role");
                    view! {
                        <div class="field">
                            <label for=id.clone()>{move || i18n.t(ContractText::KindRole)}</label>
                            <select id=id on:change=move |ev| {
                                if let Some(r) = Role::parse(&event_target_value(&ev)) { steps.update(|s| s[i].role = r); }
                            }>
                                {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected=r == role_now>{move || role_label(r, i18n.lang())}</option> }).collect_view()}
                            </select>
                        </div>
                    }
                })}
                {(current == "users").then(|| view! {
                    <fieldset class="field checks scroll-box" data-testid="step-users">
                        <legend>{move || i18n.t(ContractText::KindUsers)}</legend>
                        {people.with_value(|all| {
                            let lang = i18n.lang();
                            let mut shown: Vec<(Uuid, String)> = all.iter().filter(|u| u.active)
                                .map(|u| (u.id, format!("{}（{}）", u.display_name, role_label(u.role, lang))))
                                .collect();
                            for id in &chosen {
                                if !shown.iter().any(|(s, _)| s == id) {
                                    let who = all.iter().find(|u| u.id == *id)
                                        .map_or_else(|| id.to_string(), |u| u.display_name.clone());
                                    shown.push((*id, format!("{who}（{}）", ContractText::FlowInactive.text(lang))));
                                }
                            }
                            shown
                        }).into_iter().map(|(uid, label)| {
                            let on = chosen.contains(&uid);
                            view! {
                                <label class="check"><input type="checkbox" value=uid.to_string() prop:checked=on
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        steps.update(|s| {
                                            s[i].ids.retain(|x| *x != uid);
                                            if on { s[i].ids.push(uid); }
                                        });
                                    }/>{label}</label>
                            }
                        }).collect_view()}
                    </fieldset>
                })}
                <div class="field">
                    <label for=mode_id.clone()>{move || i18n.t(ContractText::StepMode)}</label>
                    <select id=mode_id data-testid="step-mode" on:change=move |ev| {
                        let m = if event_target_value(&ev) == "all" { StepMode::All } else { StepMode::AnyOne };
                        steps.update(|s| s[i].mode = m);
                    }>
                        <option value="any_one" selected=mode_now == StepMode::AnyOne>{move || i18n.t(ContractText::AnyOne)}</option>
                        <option value="all" selected=mode_now == StepMode::All>{move || i18n.t(ContractText::Countersign)}</option>
                    </select>
                </div>
                {move || (steps.with(Vec::len) > 1).then(|| view! {
                    <button type="button" class="btn small danger" data-testid="step-remove"
                        on:click=move |_| steps.update(|s| { if s.len() > 1 { s.remove(i); } })>{move || i18n.t(ContractText::RemoveStep)}</button>
                })}
            </fieldset>
        }
    };
    view! {
        <form class="card form" data-testid="flow-form" on:submit=submit>
            <div class="field">
                <label for="flow-subject">{move || i18n.t(ContractText::FlowSubject)}</label>
                <select id="flow-subject" data-testid="flow-subject" on:change=move |ev| {
                    subject.set(if event_target_value(&ev) == "quote" { ApprovalSubject::Quote } else { ApprovalSubject::Contract });
                }>
                    {ApprovalSubject::ALL.into_iter().map(|s| {
                        let v = if s == ApprovalSubject::Quote { "quote" } else { "contract" };
                        view! { <option value=v selected=move || subject.get() == s>{move || i18n.t(subject_label(s))}</option> }
                    }).collect_view()}
                </select>
            </div>
            <TextField label=ContractText::FlowName field="name" value=name errors=errs required=true maxlength=100 id="flow-name"/>
            <TextField label=ContractText::Priority field="priority" value=priority errors=errs inputmode="numeric" id="flow-priority"/>
            <label class="check"><input type="checkbox" data-testid="flow-active" prop:checked=move || active.get()
                on:change=move |ev| active.set(event_target_checked(&ev))/>{move || i18n.t(ContractText::FlowActive)}</label>
            <fieldset class="field">
                <legend>{move || i18n.t(ContractText::FlowConditions)}</legend>
                <TextField label=ContractText::AmountOver field="conditions.amount_over" value=amount_over errors=errs inputmode="decimal" id="flow-amount-over"/>
                <TextField label=ContractText::AmountUpTo field="conditions.amount_up_to" value=amount_up_to errors=errs inputmode="decimal" id="flow-amount-up-to"/>
                <TextField label=ContractText::DiscountOver field="conditions.discount_over" value=discount_over errors=errs inputmode="decimal" id="flow-discount-over"/>
                <fieldset class="field checks">
                    <legend>{move || i18n.t(ContractText::CustomerLevels)}</legend>
                    {[Level::A, Level::B, Level::C].into_iter().map(|l| {
                        let key = l.as_str().to_owned();
                        let k2 = key.clone();
                        view! {
                            <label class="check"><input type="checkbox" data-testid=format!("level-{}", l.as_str()) prop:checked=move || levels.with(|v| v.contains(&key))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    levels.update(|v| { v.retain(|x| *x != k2); if on { v.push(k2.clone()); v.sort(); } });
                                }/>{l.as_str()}</label>
                        }
                    }).collect_view()}
                </fieldset>
                <fieldset class="field checks">
                    <legend>{move || i18n.t(ContractText::SubmitterRoles)}</legend>
                    {Role::ALL.into_iter().map(|r| view! {
                        <label class="check"><input type="checkbox" prop:checked=move || roles.with(|v| v.contains(&r))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                roles.update(|v| { v.retain(|x| *x != r); if on { v.push(r); } });
                            }/>{move || role_label(r, i18n.lang())}</label>
                    }).collect_view()}
                </fieldset>
            </fieldset>
            <h3>{move || i18n.t(ContractText::FlowSteps)}</h3>
            {move || steps.get().into_iter().enumerate().map(step_view).collect_view()}
            <p class="form-error" role="alert" data-testid="steps-error">{move || errors.with(|e| {
                e.iter().find(|f| f.field.starts_with("steps")).map(|f| match f.code {
                    FieldCode::UnknownReference => i18n.t(ContractText::StepsInactive),
                    _ => i18n.t(ContractText::StepsCount),
                })
            })}</p>
            <button type="button" class="btn" data-testid="step-add"
                prop:disabled=move || { steps.with(Vec::len) >= 10 }
                on:click=move |_| steps.update(|s| s.push(StepDraft::new()))>"+ "{move || i18n.t(ContractText::AddStep)}</button>
            <TextField label=ContractText::RemindAfter field="remind_after_hours" value=remind errors=errs inputmode="numeric" id="flow-remind"/>
            <TextField label=ContractText::EscalateAfter field="escalate_after_hours" value=escalate errors=errs inputmode="numeric" id="flow-escalate"/>
            <p class="form-error" role="alert">{move || message.get()}</p>
            <div class="actions">
                <button class="btn primary" type="submit" data-testid="flow-save" prop:disabled=move || save.pending().get()>{move || i18n.t(T::Save)}</button>
                <button class="btn" type="button" on:click=move |_| done.run(())>{move || i18n.t(T::Cancel)}</button>
            </div>
        </form>
    }
}
