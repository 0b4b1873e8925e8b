//! Admin: each pool's rules (reclaim days per level, warning, cool-down, daily claims, cap on
//! customers held, exemptions), and a region's own pool added beside the company-wide one.

use kaidan_shared::org::Region;
use kaidan_shared::pool::{Pool, PoolCreate, PoolRules, PoolUpdate, ReclaimDays};
use kaidan_shared::FieldError;
use leptos::prelude::*;

use crate::api;
use crate::components::{error_for, on_save, ErrorState, Loading};
use crate::i18n::pool::PoolText;
use crate::i18n::{field_error_text, use_i18n, Label, T};

#[component]
pub fn PoolsTab(regions: Vec<Region>) -> impl IntoView {
    let i18n = use_i18n();
    let pools = LocalResource::new(|| async { api::pool::list().await });
    let reload = Callback::new(move |_| pools.refetch());
    let regions = StoredValue::new(regions);
    view! {
        <Transition fallback=|| view! { <Loading/> }>
            {move || pools.get().map(|r| match r {
                Ok(list) => {
                    let taken: Vec<_> = list.iter().filter_map(|p| p.region_id).collect();
                    let free: Vec<Region> = regions.get_value().into_iter().filter(|r| !taken.contains(&r.id)).collect();
                    view! {
                        {list.into_iter().map(|p| {
                            let region = p.region_id.and_then(|id| regions.with_value(|rs| rs.iter().find(|r| r.id == id).map(|r| r.name.clone())));
                            view! { <PoolCard pool=p region=region reload=reload/> }
                        }).collect_view()}
                        <NewPool free=free reload=reload/>
                    }.into_any()
                }
                Err(e) => view! { <ErrorState error=e on_retry=move |_| pools.refetch()/> }.into_any(),
            })}
        </Transition>
        <p class="muted small">{move || i18n.t(PoolText::Never)}</p>
    }
}

/// A number input for an optional count of days (empty: none).
#[component]
fn Days(
    #[prop(into)] label: Label,
    id: String,
    field: String,
    value: RwSignal<String>,
    errors: RwSignal<Vec<FieldError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let field = StoredValue::new(field);
    let err = move || errors.with(|e| field.with_value(|f| error_for(e, f)));
    view! {
        <div class="field" class:invalid=move || err().is_some()>
            <label for=id.clone()>{move || i18n.t(label)}</label>
            <input id=id type="number" min="0" inputmode="numeric" prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))/>
            <span class="error" role="alert">{move || err().map(|c| field_error_text(c, i18n.lang()))}</span>
        </div>
    }
}

fn num(s: &str) -> Option<u32> {
    s.trim().parse().ok()
}

#[component]
fn PoolCard(pool: Pool, region: Option<String>, reload: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let r = pool.rules.clone();
    let show = |v: Option<u32>| RwSignal::new(v.map(|d| d.to_string()).unwrap_or_default());
    let (a, b, c, u) = (
        show(r.reclaim_days.a),
        show(r.reclaim_days.b),
        show(r.reclaim_days.c),
        show(r.reclaim_days.unrated),
    );
    let warn = show(Some(r.warn_days));
    let cool = show(Some(r.cooldown_days));
    let daily = show(Some(r.daily_claim_limit));
    let cap = show(r.held_cap);
    let open_deal = RwSignal::new(r.exempt_open_opportunity);
    let contract = RwSignal::new(r.exempt_signed_contract);
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let message = RwSignal::new(None::<String>);
    let (id, version) = (pool.id, pool.version);
    let save = Action::new_local(move |rules: &PoolRules| {
        let body = PoolUpdate {
            name: None,
            rules: Some(rules.clone()),
        };
        async move { api::pool::update(id, &api::etag(version), &body).await }
    });
    on_save(save, errors, message, move |_| {
        message.set(Some(i18n.t(PoolText::RulesSaved).to_owned()));
        reload.run(());
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let rules = PoolRules {
            reclaim_days: ReclaimDays {
                a: num(&a.get_untracked()),
                b: num(&b.get_untracked()),
                c: num(&c.get_untracked()),
                unrated: num(&u.get_untracked()),
            },
            exempt_open_opportunity: open_deal.get_untracked(),
            exempt_signed_contract: contract.get_untracked(),
            warn_days: num(&warn.get_untracked()).unwrap_or(0),
            cooldown_days: num(&cool.get_untracked()).unwrap_or(0),
            daily_claim_limit: num(&daily.get_untracked()).unwrap_or(0),
            held_cap: num(&cap.get_untracked()),
        };
        save.dispatch(rules);
    };
    let p = format!("pool-{id}");
    let title = match region {
        Some(r) => format!("{} · {r}", pool.name),
        None => pool.name.clone(),
    };
    let field = |k: &str| format!("{p}-{k}");
    view! {
        <form class="card" data-testid="pool-rules" on:submit=submit>
            <h2>{title}{pool.region_id.is_none().then(|| view! { " "<span class="badge muted">{move || i18n.t(PoolText::CompanyWide)}</span> })}</h2>
            <fieldset>
                <legend>{move || i18n.t(PoolText::ReclaimDays)}</legend>
                <div class="grid4">
                    <Days label=Label { zh: "A 级", en: "Level A" } id=field("a") field="rules.reclaim_days.a".into() value=a errors=errors/>
                    <Days label=Label { zh: "B 级", en: "Level B" } id=field("b") field="rules.reclaim_days.b".into() value=b errors=errors/>
                    <Days label=Label { zh: "C 级", en: "Level C" } id=field("c") field="rules.reclaim_days.c".into() value=c errors=errors/>
                    <Days label=PoolText::Unrated id=field("u") field="rules.reclaim_days.unrated".into() value=u errors=errors/>
                </div>
            </fieldset>
            <Days label=PoolText::WarnDays id=field("warn") field="rules.warn_days".into() value=warn errors=errors/>
            <Days label=PoolText::CooldownDays id=field("cool") field="rules.cooldown_days".into() value=cool errors=errors/>
            <Days label=PoolText::DailyLimit id=field("daily") field="rules.daily_claim_limit".into() value=daily errors=errors/>
            <Days label=PoolText::HeldCap id=field("cap") field="rules.held_cap".into() value=cap errors=errors/>
            <label class="check"><input type="checkbox" prop:checked=move || open_deal.get()
                on:change=move |ev| open_deal.set(event_target_checked(&ev))/>{move || i18n.t(PoolText::ExemptOpenDeal)}</label>
            <label class="check"><input type="checkbox" prop:checked=move || contract.get()
                on:change=move |ev| contract.set(event_target_checked(&ev))/>{move || i18n.t(PoolText::ExemptContract)}</label>
            <p class="form-error" role="alert">{move || message.get()}</p>
            <button class="btn primary" type="submit" prop:disabled=move || save.pending().get()>{move || i18n.t(T::Save)}</button>
        </form>
    }
}

/// A region's own pool (regions without one use the company-wide pool).
#[component]
fn NewPool(free: Vec<Region>, reload: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let region = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let message = RwSignal::new(None::<String>);
    let names = StoredValue::new(free.clone());
    let save = Action::new_local(move |rid: &String| {
        let id = rid.parse().ok();
        let name = names.with_value(|rs| {
            rs.iter()
                .find(|r| Some(r.id) == id)
                .map(|r| format!("{}公海", r.name))
                .unwrap_or_default()
        });
        let body = PoolCreate {
            name,
            region_id: id,
            rules: None,
        };
        async move { api::pool::create(&body).await }
    });
    on_save(save, errors, message, move |_| reload.run(()));
    let empty = free.is_empty();
    view! {
        <Show when=move || !empty fallback=|| ()>
            <form class="card" on:submit=move |ev| { ev.prevent_default(); save.dispatch(region.get_untracked()); }>
                <div class="field">
                    <label for="new-pool-region">{move || i18n.t(PoolText::Pools)}" + "</label>
                    <select id="new-pool-region" on:change=move |ev| region.set(event_target_value(&ev))>
                        <option value="">"—"</option>
                        {free.iter().map(|r| view! { <option value=r.id.to_string()>{r.name.clone()}</option> }).collect_view()}
                    </select>
                </div>
                <p class="form-error" role="alert">{move || message.get()}</p>
                <button class="btn" type="submit" prop:disabled=move || save.pending().get() || region.with(String::is_empty)>{move || i18n.t(T::Add)}</button>
            </form>
        </Show>
    }
}
