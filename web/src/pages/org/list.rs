//! Regions and teams, for admins: the org that users sit in.

use kaidan_shared::org::{Region, RegionInput, Team, TeamCreate};
use kaidan_shared::user::User;
use kaidan_shared::FieldError;
use leptos::prelude::*;
use uuid::Uuid;

use crate::api;
use crate::components::{on_save, TextField};
use crate::i18n::org::OrgText;
use crate::i18n::{use_i18n, T};

pub fn name_of<T>(items: &[T], id: Option<Uuid>, key: impl Fn(&T) -> (Uuid, String)) -> String {
    id.and_then(|id| {
        items
            .iter()
            .map(&key)
            .find(|(i, _)| *i == id)
            .map(|(_, n)| n)
    })
    .unwrap_or_else(|| "—".into())
}

#[component]
pub fn RegionsTab(regions: Vec<Region>, reload: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let name = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let message = RwSignal::new(None::<String>);
    let add = Action::new_local(move |_: &()| {
        let body = RegionInput {
            name: name.get_untracked(),
        };
        async move { api::org::create_region(&body).await }
    });
    on_save(add, errors, message, move |_| {
        name.set(String::new());
        message.set(None);
        reload.run(());
    });
    let errs = Signal::derive(move || errors.get());
    view! {
        <ul class="list">
            {regions.into_iter().map(|r| view! { <li class="row"><span class="row-title">{r.name}</span></li> }).collect_view()}
        </ul>
        <form class="card" on:submit=move |ev| { ev.prevent_default(); add.dispatch(()); }>
            <TextField label=T::Name field="name" value=name errors=errs required=true maxlength=64/>
            <p class="form-error" role="alert">{move || message.get()}</p>
            <button class="btn primary" type="submit" prop:disabled=move || add.pending().get()>{move || i18n.t(T::Add)}</button>
        </form>
    }
}

#[component]
pub fn TeamsTab(
    teams: Vec<Team>,
    regions: Vec<Region>,
    users: Vec<User>,
    reload: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let name = RwSignal::new(String::new());
    let region = RwSignal::new(
        regions
            .first()
            .map(|r| r.id.to_string())
            .unwrap_or_default(),
    );
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let message = RwSignal::new(None::<String>);
    let add = Action::new_local(move |_: &()| {
        let region_id = region.get_untracked().parse().unwrap_or_default();
        let body = TeamCreate {
            name: name.get_untracked(),
            region_id,
            supervisor_id: None,
        };
        async move { api::org::create_team(&body).await }
    });
    on_save(add, errors, message, move |_| {
        name.set(String::new());
        message.set(None);
        reload.run(());
    });
    let errs = Signal::derive(move || errors.get());
    let rows = teams
        .iter()
        .map(|t| {
            let region = name_of(&regions, Some(t.region_id), |r| (r.id, r.name.clone()));
            let sup = name_of(&users, t.supervisor_id, |u| (u.id, u.display_name.clone()));
            view! {
                <li class="row">
                    <div class="row-main">
                        <span class="row-title">{t.name.clone()}</span>
                        <span class="row-sub">{format!("{region} · ")}{move || i18n.t(OrgText::Supervisor)}{format!(": {sup}")}</span>
                    </div>
                </li>
            }
        })
        .collect_view();
    view! {
        <ul class="list">{rows}</ul>
        <form class="card" on:submit=move |ev| { ev.prevent_default(); add.dispatch(()); }>
            <TextField label=T::Name field="name" value=name errors=errs required=true maxlength=64/>
            <div class="field">
                <label for="team-region">{move || i18n.t(T::Region)}</label>
                <select id="team-region" on:change=move |ev| region.set(event_target_value(&ev))>
                    {regions.iter().map(|r| view! { <option value=r.id.to_string()>{r.name.clone()}</option> }).collect_view()}
                </select>
            </div>
            <p class="form-error" role="alert">{move || message.get()}</p>
            <button class="btn primary" type="submit" prop:disabled=move || add.pending().get()>{move || i18n.t(T::Add)}</button>
        </form>
    }
}
