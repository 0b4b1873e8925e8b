//! Option lists (数据字典): add a list, add options, reorder them with the up and down buttons,
//! retire and bring back — an option is never removed, so old records keep their meaning.

use kaidan_shared::option_list::{OptionInput, OptionList, OptionListCreate, OptionListUpdate};
use kaidan_shared::FieldError;
use leptos::prelude::*;

use crate::api;
use crate::components::{on_save, ErrorState, Loading, TextField};
use crate::i18n::field::FieldText;
use crate::i18n::{use_i18n, Lang, T};
use crate::options::use_catalog;

#[component]
pub fn OptionListsTab() -> impl IntoView {
    let catalog = use_catalog();
    let data = LocalResource::new(|| async { api::option_list::list().await });
    let reload = Callback::new(move |_| {
        data.refetch();
        catalog.reload();
    });
    view! {
        <Transition fallback=|| view! { <Loading/> }>
            {move || data.get().map(|r| match r {
                Ok(lists) => lists.into_iter().map(|l| view! { <ListCard list=l reload=reload/> }).collect_view().into_any(),
                Err(e) => view! { <ErrorState error=e on_retry=move |_| data.refetch()/> }.into_any(),
            })}
        </Transition>
        <NewList reload=reload/>
    }
}

/// The options as an update sends them: all of them, in order.
fn inputs(list: &OptionList) -> Vec<OptionInput> {
    list.options
        .iter()
        .map(|o| OptionInput {
            key: o.key.clone(),
            label_zh: o.label_zh.clone(),
            label_en: o.label_en.clone(),
            active: o.active,
        })
        .collect()
}

#[component]
fn ListCard(list: OptionList, reload: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let l = StoredValue::new(list.clone());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let message = RwSignal::new(None::<String>);
    let save = Action::new_local(move |options: &Vec<OptionInput>| {
        let list = l.get_value();
        let body = OptionListUpdate {
            options: Some(options.clone()),
            ..Default::default()
        };
        async move { api::option_list::update(list.id, &api::etag(list.version), &body).await }
    });
    on_save(save, errors, message, move |_| reload.run(()));
    let key = RwSignal::new(String::new());
    let zh = RwSignal::new(String::new());
    let en = RwSignal::new(String::new());
    let errs = Signal::derive(move || {
        // Errors of the new option (the last one sent) show at the add form's fields.
        let n = l.with_value(|l| l.options.len());
        errors
            .get()
            .into_iter()
            .map(|mut e| {
                e.field = e.field.replace(&format!("options[{n}]."), "");
                e
            })
            .collect::<Vec<_>>()
    });
    let count = list.options.len();
    let prefix = format!("opt-{}", list.key);
    let (name_zh, name_en) = (list.name_zh.clone(), list.name_en.clone());
    view! {
        <section class="card" data-list=list.key.clone()>
            <h2>{move || if i18n.lang() == Lang::En { name_en.clone() } else { name_zh.clone() }}
                " " <small class="muted">{list.key.clone()}</small>
                {list.builtin.then(|| view! { " " <span class="badge muted">{move || i18n.t(FieldText::Builtin)}</span> })}
            </h2>
            <ul class="list">
                {list.options.iter().enumerate().map(|(i, o)| {
                    let active = o.active;
                    let label = format!("{} / {}", o.label_zh, o.label_en);
                    let move_by = move |by: isize| {
                        let mut opts = inputs(&l.get_value());
                        let j = i as isize + by;
                        if j >= 0 && (j as usize) < opts.len() {
                            opts.swap(i, j as usize);
                            save.dispatch(opts);
                        }
                    };
                    view! {
                        <li class="row" class:inactive={!active} data-option=o.key.clone()>
                            <div class="row-main">
                                <span class="row-title">{label}</span>
                                <span class="row-sub">{o.key.clone()}</span>
                            </div>
                            {(!active).then(|| view! { <span class="badge muted">{move || i18n.t(FieldText::Retired)}</span> })}
                            <div class="actions">
                                <button class="btn" aria-label=move || i18n.t(FieldText::MoveUp) prop:disabled={i == 0} on:click=move |_| move_by(-1)>"↑"</button>
                                <button class="btn" aria-label=move || i18n.t(FieldText::MoveDown) prop:disabled={i + 1 >= count} on:click=move |_| move_by(1)>"↓"</button>
                                <button class="btn" on:click=move |_| {
                                    let mut opts = inputs(&l.get_value());
                                    opts[i].active = !opts[i].active;
                                    save.dispatch(opts);
                                }>{move || if active { i18n.t(FieldText::Retire) } else { i18n.t(FieldText::Reactivate) }}</button>
                            </div>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <form class="inline-form" data-testid="new-option" on:submit=move |ev| {
                ev.prevent_default();
                let mut opts = inputs(&l.get_value());
                opts.push(OptionInput { key: key.get_untracked().trim().to_owned(), label_zh: zh.get_untracked(), label_en: en.get_untracked(), active: true });
                save.dispatch(opts);
            }>
                <h3>{move || i18n.t(FieldText::NewOption)}</h3>
                <TextField label=FieldText::LabelZh field="label_zh" id=format!("{prefix}-label_zh") value=zh errors=errs required=true maxlength=64/>
                <TextField label=FieldText::LabelEn field="label_en" id=format!("{prefix}-label_en") value=en errors=errs required=true maxlength=64/>
                <TextField label=FieldText::Key field="key" id=format!("{prefix}-key") value=key errors=errs required=true maxlength=40 autocomplete="off"/>
                <p class="form-error" role="alert">{move || message.get()}</p>
                <button class="btn" type="submit" prop:disabled=move || save.pending().get()>{move || i18n.t(T::Add)}</button>
            </form>
        </section>
    }
}

#[component]
fn NewList(reload: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let key = RwSignal::new(String::new());
    let zh = RwSignal::new(String::new());
    let en = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let message = RwSignal::new(None::<String>);
    let add = Action::new_local(move |_: &()| {
        let body = OptionListCreate {
            key: key.get_untracked().trim().to_owned(),
            name_zh: zh.get_untracked(),
            name_en: en.get_untracked(),
            options: Vec::new(),
        };
        async move { api::option_list::create(&body).await }
    });
    on_save(add, errors, message, move |_| {
        for s in [key, zh, en] {
            s.set(String::new());
        }
        message.set(None);
        reload.run(());
    });
    let errs = Signal::derive(move || {
        errors
            .get()
            .into_iter()
            .map(|mut e| {
                e.field = e.field.replace("name_", "label_");
                e
            })
            .collect::<Vec<_>>()
    });
    view! {
        <form class="card" data-testid="new-list" on:submit=move |ev| { ev.prevent_default(); add.dispatch(()); }>
            <h2>{move || i18n.t(FieldText::NewList)}</h2>
            <TextField label=FieldText::LabelZh field="label_zh" id="list-label_zh" value=zh errors=errs required=true maxlength=64/>
            <TextField label=FieldText::LabelEn field="label_en" id="list-label_en" value=en errors=errs required=true maxlength=64/>
            <TextField label=FieldText::Key field="key" id="list-key" value=key errors=errs required=true maxlength=40 autocomplete="off"/>
            <p class="form-error" role="alert">{move || message.get()}</p>
            <button class="btn primary" type="submit" prop:disabled=move || add.pending().get()>{move || i18n.t(T::Add)}</button>
        </form>
    }
}
