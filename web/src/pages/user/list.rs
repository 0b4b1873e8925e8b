//! Admin: users (create, deactivate/activate, change role or team, reset password, sign-in
//! locks), with the org's tabs (`pages::org`) beside them.
//! Desktop-first tables that stack into cards on a phone.

use kaidan_shared::org::{Region, Team};
use kaidan_shared::policy::Grant;
use kaidan_shared::user::{ResetPasswordRequest, User, UserCreate, UserListQuery, UserUpdate};
use kaidan_shared::{FieldError, Role};
use leptos::prelude::*;

use crate::api;
use crate::components::{on_save, save_error_text, ErrorState, Loading, TextField};
use crate::i18n::field::FieldText;
use crate::i18n::org::OrgText;
use crate::i18n::pool::PoolText;
use crate::i18n::user::UserText;
use crate::i18n::{role_label, use_i18n, Label, T};
use crate::pages::field::list::FieldsTab;
use crate::pages::layout::editor::LayoutsTab;
use crate::pages::option_list::list::OptionListsTab;
use crate::pages::org::list::{name_of, RegionsTab, TeamsTab};
use crate::pages::pool::rules::PoolsTab;

#[derive(Clone, Copy, PartialEq)]
enum Tab {
    Users,
    Teams,
    Regions,
    Fields,
    Layouts,
    OptionLists,
    Pools,
    Flows,
    Company,
    ApiClients,
    Webhooks,
}

#[component]
pub fn AdminPage() -> impl IntoView {
    let i18n = use_i18n();
    let tab = RwSignal::new(Tab::Users);
    let regions = LocalResource::new(|| async { api::org::regions().await });
    let teams = LocalResource::new(|| async { api::org::teams().await });
    let users = LocalResource::new(|| async {
        api::user::list(&UserListQuery {
            limit: Some(200),
            include_inactive: Some(true),
            ..Default::default()
        })
        .await
        .map(|p| p.items)
    });
    let reload = Callback::new(move |_| {
        regions.refetch();
        teams.refetch();
        users.refetch();
    });
    let tab_button = move |t: Tab, label: Label| {
        view! {
            <button role="tab" aria-selected=move || (tab.get() == t).to_string() on:click=move |_| tab.set(t)>
                {move || i18n.t(label)}
            </button>
        }
    };
    view! {
        <section class="page">
            <h1>{move || i18n.t(T::Admin)}</h1>
            <div class="segmented" role="tablist">
                {tab_button(Tab::Users, UserText::Users.into())}
                {tab_button(Tab::Teams, OrgText::Teams.into())}
                {tab_button(Tab::Regions, OrgText::Regions.into())}
                {tab_button(Tab::Fields, FieldText::Fields.into())}
                {tab_button(Tab::Layouts, FieldText::Layouts.into())}
                {tab_button(Tab::OptionLists, FieldText::OptionLists.into())}
                {tab_button(Tab::Pools, PoolText::Pools.into())}
                {tab_button(Tab::Flows, crate::i18n::contract::ContractText::Flows.into())}
                {tab_button(Tab::Company, OrgText::Company.into())}
                {tab_button(Tab::ApiClients, crate::i18n::api_client::ApiClientText::ApiClients.into())}
                {tab_button(Tab::Webhooks, crate::i18n::webhook::WebhookText::Webhooks.into())}
            </div>
            <Transition fallback=|| view! { <Loading/> }>
                {move || {
                    let (r, t, u) = (regions.get(), teams.get(), users.get());
                    match (r, t, u) {
                        (Some(Ok(r)), Some(Ok(t)), Some(Ok(u))) => match tab.get() {
                            Tab::Users => view! { <UsersTab users=u teams=t regions=r reload=reload/> }.into_any(),
                            Tab::Teams => view! { <TeamsTab teams=t regions=r users=u reload=reload/> }.into_any(),
                            Tab::Regions => view! { <RegionsTab regions=r reload=reload/> }.into_any(),
                            Tab::Fields => view! { <FieldsTab/> }.into_any(),
                            Tab::Layouts => view! { <LayoutsTab/> }.into_any(),
                            Tab::OptionLists => view! { <OptionListsTab/> }.into_any(),
                            Tab::Pools => view! { <PoolsTab regions=r/> }.into_any(),
                            Tab::Flows => view! { <crate::pages::approval::flows::FlowsTab users=u/> }.into_any(),
                            Tab::Company => view! { <crate::pages::org::company::CompanyTab/> }.into_any(),
                            Tab::ApiClients => view! { <crate::pages::api_client::list::ApiClientsTab teams=t regions=r/> }.into_any(),
                            Tab::Webhooks => view! { <crate::pages::webhook::list::WebhooksTab/> }.into_any(),
                        },
                        (Some(Err(e)), _, _) | (_, Some(Err(e)), _) | (_, _, Some(Err(e))) => {
                            view! { <ErrorState error=e on_retry=move |_| reload.run(())/> }.into_any()
                        }
                        _ => view! { <Loading/> }.into_any(),
                    }
                }}
            </Transition>
        </section>
    }
}

fn role_options(selected: Role) -> impl IntoView {
    let i18n = use_i18n();
    Role::ALL
        .into_iter()
        .map(|r| view! { <option value=r.as_str() selected=r == selected>{move || role_label(r, i18n.lang())}</option> })
        .collect_view()
}

#[component]
fn UsersTab(
    users: Vec<User>,
    teams: Vec<Team>,
    regions: Vec<Region>,
    reload: Callback<()>,
) -> impl IntoView {
    let teams = StoredValue::new(teams);
    let regions = StoredValue::new(regions);
    let rows = users
        .into_iter()
        .map(|u| view! { <UserRow user=u teams=teams regions=regions reload=reload/> })
        .collect_view();
    view! {
        <ul class="list users">{rows}</ul>
        <NewUser teams=teams regions=regions reload=reload/>
    }
}

#[component]
fn UserRow(
    user: User,
    teams: StoredValue<Vec<Team>>,
    regions: StoredValue<Vec<Region>>,
    reload: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let editing = RwSignal::new(false);
    let message = RwSignal::new(None::<String>);
    let role = RwSignal::new(user.role);
    let team = RwSignal::new(user.team_id.map(|t| t.to_string()).unwrap_or_default());
    let region = RwSignal::new(user.region_id.map(|t| t.to_string()).unwrap_or_default());
    let product_manager = RwSignal::new(user.grants.contains(&Grant::ProductManager));
    let id = user.id;
    let etag = format!("\"{}\"", user.version);
    #[derive(Clone)]
    enum Op {
        Active(bool),
        Update(String),
        Reset(String),
        ClearLocks,
    }
    let act = Action::new_local(move |op: &Op| {
        let op = op.clone();
        async move {
            match op {
                Op::Active(on) => api::user::set_active(id, on).await.map(|_| ()),
                Op::Update(etag) => {
                    let r = role.get_untracked();
                    let body = UserUpdate {
                        role: Some(r),
                        team_id: if r.needs_team() {
                            team.get_untracked().parse().ok()
                        } else {
                            None
                        }
                        .into(),
                        region_id: if r.needs_region() {
                            region.get_untracked().parse().ok()
                        } else {
                            None
                        }
                        .into(),
                        grants: Some(if product_manager.get_untracked() {
                            vec![Grant::ProductManager]
                        } else {
                            Vec::new()
                        }),
                        ..Default::default()
                    };
                    api::user::update(id, &etag, &body).await.map(|_| ())
                }
                Op::Reset(pw) => {
                    api::user::reset_password(id, &ResetPasswordRequest { new_password: pw }).await
                }
                Op::ClearLocks => api::user::clear_sign_in_locks(id).await,
            }
        }
    });
    // Sign-in locks: read when the admin opens them, again after a clear.
    let locks_open = RwSignal::new(false);
    let locks = LocalResource::new(move || {
        let open = locks_open.get();
        act.version().get();
        async move {
            if !open {
                return Ok(None);
            }
            api::user::sign_in_locks(id).await.map(Some)
        }
    });
    Effect::new(move |_| {
        if let Some(r) = act.value().get() {
            match r {
                Ok(()) => {
                    editing.set(false);
                    message.set(Some(i18n.t(T::Done).to_owned()));
                    reload.run(());
                }
                Err(e) => message.set(Some(save_error_text(&e, i18n.lang()))),
            }
        }
    });
    let team_name = teams.with_value(|t| name_of(t, user.team_id, |x| (x.id, x.name.clone())));
    let active = user.active;
    let reset = move |_| {
        if let Ok(Some(pw)) = window().prompt_with_message(i18n.t(T::NewPassword)) {
            if !pw.is_empty() {
                act.dispatch(Op::Reset(pw));
            }
        }
    };
    view! {
        <li class="row user" class:inactive=!active data-username=user.username.clone()>
            <div class="row-main">
                <span class="row-title">{user.display_name.clone()} " " <small class="muted">{user.username.clone()}</small></span>
                <span class="row-sub">{move || role_label(user.role, i18n.lang())}{format!(" · {team_name}")}
                    {(!active).then(|| view! { " · " <span class="badge muted">{move || i18n.t(UserText::Inactive)}</span> })}</span>
            </div>
            <div class="actions">
                <button class="btn" on:click=move |_| editing.update(|e| *e = !*e)>{move || i18n.t(T::Edit)}</button>
                <button class="btn" prop:disabled=move || act.pending().get() on:click=move |_| { act.dispatch(Op::Active(!active)); }>
                    {move || if active { i18n.t(UserText::Deactivate) } else { i18n.t(UserText::Activate) }}
                </button>
                <button class="btn" prop:disabled=move || act.pending().get() on:click=reset>{move || i18n.t(UserText::ResetPassword)}</button>
                <button class="btn" data-testid="sign-in-locks" aria-expanded=move || locks_open.get().to_string()
                    on:click=move |_| locks_open.update(|o| *o = !*o)>{move || i18n.t(UserText::SignInLocks)}</button>
            </div>
            <Show when=move || locks_open.get() fallback=|| ()>
                <div class="sheet" data-testid="locks-sheet">
                    <Transition fallback=|| view! { <Loading/> }>
                        {move || locks.get().map(|r| match r {
                            Err(e) => view! { <p class="form-error" role="alert">{save_error_text(&e, i18n.lang())}</p> }.into_any(),
                            Ok(None) => ().into_any(),
                            Ok(Some(l)) => {
                                let any = l.failures_in_window > 0 || !l.locked_addresses.is_empty();
                                let rows = l.locked_addresses.iter().map(|a| {
                                    let until = crate::components::local_time(a.locked_until);
                                    view! { <li><code>{a.ip.clone()}</code>" · "{move || i18n.t(UserText::LockedUntil)}" "{until}</li> }
                                }).collect_view();
                                view! {
                                    <p>{move || i18n.t(UserText::FailedSignIns)}": "{l.failures_in_window}
                                       " · "{move || i18n.t(UserText::SignInDelay)}": "{l.slowdown_ms}</p>
                                    {if l.locked_addresses.is_empty() {
                                        view! { <p class="muted">{move || i18n.t(UserText::NoLocks)}</p> }.into_any()
                                    } else {
                                        view! { <ul data-testid="locked-addresses">{rows}</ul> }.into_any()
                                    }}
                                    <Show when=move || any fallback=|| ()>
                                        <button class="btn" data-testid="clear-locks" prop:disabled=move || act.pending().get()
                                            on:click=move |_| { act.dispatch(Op::ClearLocks); }>{move || i18n.t(UserText::ClearLocks)}</button>
                                    </Show>
                                }.into_any()
                            }
                        })}
                    </Transition>
                </div>
            </Show>
            <Show when=move || editing.get() fallback=|| ()>
                <form class="sheet" on:submit={
                    let etag = etag.clone();
                    move |ev| { ev.prevent_default(); act.dispatch(Op::Update(etag.clone())); }
                }>
                    <div class="field">
                        <label for=format!("role-{id}")>{move || i18n.t(T::Role)}</label>
                        <select id=format!("role-{id}") on:change=move |ev| { if let Some(r) = Role::parse(&event_target_value(&ev)) { role.set(r) } }>
                            {role_options(role.get_untracked())}
                        </select>
                    </div>
                    <Show when=move || role.get().needs_team() fallback=|| ()>
                        <div class="field">
                            <label for=format!("team-{id}")>{move || i18n.t(T::Team)}</label>
                            <select id=format!("team-{id}") on:change=move |ev| team.set(event_target_value(&ev))>
                                <option value="">"—"</option>
                                {teams.get_value().into_iter().map(|t| {
                                    let v = t.id.to_string();
                                    let sel = v == team.get_untracked();
                                    view! { <option value=v selected=sel>{t.name}</option> }
                                }).collect_view()}
                            </select>
                        </div>
                    </Show>
                    <Show when=move || role.get().needs_region() fallback=|| ()>
                        <div class="field">
                            <label for=format!("region-{id}")>{move || i18n.t(T::Region)}</label>
                            <select id=format!("region-{id}") on:change=move |ev| region.set(event_target_value(&ev))>
                                <option value="">"—"</option>
                                {regions.get_value().into_iter().map(|r| {
                                    let v = r.id.to_string();
                                    let sel = v == region.get_untracked();
                                    view! { <option value=v selected=sel>{r.name}</option> }
                                }).collect_view()}
                            </select>
                        </div>
                    </Show>
                    <label class="check"><input type="checkbox" data-testid="grant-product-manager"
                        prop:checked=move || product_manager.get()
                        on:change=move |ev| product_manager.set(event_target_checked(&ev))/>
                        {move || i18n.t(crate::i18n::product::ProductText::ProductManager)}</label>
                    <button class="btn primary" type="submit" prop:disabled=move || act.pending().get()>{move || i18n.t(T::Save)}</button>
                </form>
            </Show>
            <p class="form-error" role="status">{move || message.get()}</p>
        </li>
    }
}

#[component]
fn NewUser(
    teams: StoredValue<Vec<Team>>,
    regions: StoredValue<Vec<Region>>,
    reload: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let username = RwSignal::new(String::new());
    let display = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let role = RwSignal::new(Role::SalesRep);
    let team = RwSignal::new(
        teams.with_value(|t| t.first().map(|t| t.id.to_string()).unwrap_or_default()),
    );
    let region = RwSignal::new(
        regions.with_value(|r| r.first().map(|r| r.id.to_string()).unwrap_or_default()),
    );
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let message = RwSignal::new(None::<String>);
    let add = Action::new_local(move |_: &()| {
        let r = role.get_untracked();
        let body = UserCreate {
            grants: Vec::new(),
            username: username.get_untracked().trim().to_lowercase(),
            display_name: display.get_untracked(),
            password: password.get_untracked(),
            role: r,
            team_id: if r.needs_team() {
                team.get_untracked().parse().ok()
            } else {
                None
            },
            region_id: if r.needs_region() {
                region.get_untracked().parse().ok()
            } else {
                None
            },
            email: None,
            phone: None,
        };
        async move { api::user::create(&body).await }
    });
    on_save(add, errors, message, move |_| {
        username.set(String::new());
        display.set(String::new());
        password.set(String::new());
        message.set(None);
        reload.run(());
    });
    let errs = Signal::derive(move || errors.get());
    view! {
        <form class="card" data-testid="new-user" on:submit=move |ev| { ev.prevent_default(); add.dispatch(()); }>
            <h2>{move || i18n.t(T::Add)}" · "{move || i18n.t(UserText::Users)}</h2>
            <TextField label=T::Username field="username" value=username errors=errs required=true maxlength=32 autocomplete="off"/>
            <TextField label=T::DisplayName field="display_name" value=display errors=errs required=true maxlength=64/>
            <TextField label=T::NewPassword field="password" value=password errors=errs input_type="password" required=true autocomplete="new-password"/>
            <div class="field">
                <label for="new-role">{move || i18n.t(T::Role)}</label>
                <select id="new-role" on:change=move |ev| { if let Some(r) = Role::parse(&event_target_value(&ev)) { role.set(r) } }>
                    {role_options(Role::SalesRep)}
                </select>
            </div>
            <Show when=move || role.get().needs_team() fallback=|| ()>
                <div class="field">
                    <label for="new-team">{move || i18n.t(T::Team)}</label>
                    <select id="new-team" on:change=move |ev| team.set(event_target_value(&ev))>
                        {teams.get_value().into_iter().map(|t| view! { <option value=t.id.to_string()>{t.name}</option> }).collect_view()}
                    </select>
                </div>
            </Show>
            <Show when=move || role.get().needs_region() fallback=|| ()>
                <div class="field">
                    <label for="new-region">{move || i18n.t(T::Region)}</label>
                    <select id="new-region" on:change=move |ev| region.set(event_target_value(&ev))>
                        {regions.get_value().into_iter().map(|r| view! { <option value=r.id.to_string()>{r.name}</option> }).collect_view()}
                    </select>
                </div>
            </Show>
            <p class="form-error" role="alert">{move || message.get()}</p>
            <button class="btn primary" type="submit" prop:disabled=move || add.pending().get()>{move || i18n.t(T::Add)}</button>
        </form>
    }
}
