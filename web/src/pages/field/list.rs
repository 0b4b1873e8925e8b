//! The custom fields of each record type: add a field (with a live preview at phone width),
//! edit one (labels, help, section, required, who sees and edits it), reorder by drag on a
//! desktop or with the up and down buttons (keyboard and touch alike), retire and bring back.

use kaidan_shared::field::{FieldDef, FieldDefCreate, FieldDefUpdate, FieldKind};
use kaidan_shared::{FieldError, Resource, Role};
use leptos::prelude::*;
use uuid::Uuid;

use super::RecordTypeTabs;
use crate::api;
use crate::components::custom_fields::CustomFieldPreview;
use crate::components::{on_save, ErrorState, Loading, TextField};
use crate::i18n::field::{kind_label, FieldText};
use crate::i18n::{use_i18n, Lang, T};
use crate::options::{use_catalog, Catalog};

#[component]
pub fn FieldsTab() -> impl IntoView {
    let i18n = use_i18n();
    let catalog = use_catalog();
    let resource = RwSignal::new(Resource::Customer);
    let data = LocalResource::new(move || {
        let r = resource.get();
        async move { api::field::list(r).await.map(|s| s.fields) }
    });
    let reload = Callback::new(move |_| {
        data.refetch();
        catalog.forget_fields();
        catalog.reload();
    });
    // After a move by button, that field's same button gets the focus back once the list is
    // drawn again, so a keyboard user can keep pressing it.
    let refocus = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if data.with(|d| d.is_some()) {
            if let Some(css) = refocus.get_untracked() {
                crate::components::focus_later(css);
                refocus.update_untracked(|r| *r = None);
            }
        }
    });
    view! {
        <RecordTypeTabs resource=resource/>
        <Transition fallback=|| view! { <Loading/> }>
            {move || data.get().map(|r| match r {
                Ok(fields) if fields.is_empty() => view! { <p class="state empty">{move || i18n.t(FieldText::NoFields)}</p> }.into_any(),
                Ok(fields) => {
                    let all = StoredValue::new(fields.clone());
                    let dragging = RwSignal::new(None::<usize>);
                    view! {
                        <ul class="list" data-testid="fields">
                            {fields.into_iter().enumerate().map(|(i, f)| view! { <FieldRow field=f index=i all=all dragging=dragging refocus=refocus reload=reload/> }).collect_view()}
                        </ul>
                    }.into_any()
                }
                Err(e) => view! { <ErrorState error=e on_retry=move |_| data.refetch()/> }.into_any(),
            })}
        </Transition>
        {move || { let r = resource.get(); view! { <NewField resource=r reload=reload/> } }}
    }
}

#[component]
fn FieldRow(
    field: FieldDef,
    index: usize,
    all: StoredValue<Vec<FieldDef>>,
    /// The index of the row being dragged, if any.
    dragging: RwSignal<Option<usize>>,
    /// The button to focus once the list is drawn again.
    refocus: RwSignal<Option<String>>,
    reload: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let message = RwSignal::new(None::<String>);
    let editing = RwSignal::new(false);
    let f = StoredValue::new(field.clone());
    // A row dropped here takes this place: the fields between move by one, each edit with its
    // version; only the fields whose position changes are written.
    let drop_here = Action::new_local(move |from: &usize| {
        let from = *from;
        async move {
            let mut order = all.get_value();
            if from >= order.len() || from == index {
                return Ok(());
            }
            let moved = order.remove(from);
            order.insert(index.min(order.len()), moved);
            for (i, d) in order.iter().enumerate() {
                let position = i as i32;
                if d.position != position {
                    let body = FieldDefUpdate {
                        position: Some(position),
                        ..Default::default()
                    };
                    api::field::update(d.id, &api::etag(d.version), &body).await?;
                }
            }
            Ok(())
        }
    });
    // Swaps the field's position with its neighbour's (two edits, each with its version).
    let swap = Action::new_local(move |by: &isize| {
        let by = *by;
        async move {
            let fields = all.get_value();
            let j = index as isize + by;
            let Some(other) = usize::try_from(j).ok().and_then(|j| fields.get(j)).cloned() else {
                return Ok(());
            };
            let me = f.get_value();
            let (mine, theirs) = if me.position == other.position {
                (other.position + by as i32, me.position)
            } else {
                (other.position, me.position)
            };
            let to = |position| FieldDefUpdate {
                position: Some(position),
                ..Default::default()
            };
            api::field::update(me.id, &api::etag(me.version), &to(mine)).await?;
            api::field::update(other.id, &api::etag(other.version), &to(theirs)).await?;
            Ok(())
        }
    });
    let toggle = Action::new_local(move |_: &()| {
        let me = f.get_value();
        async move {
            let body = FieldDefUpdate {
                active: Some(!me.active),
                ..Default::default()
            };
            api::field::update(me.id, &api::etag(me.version), &body)
                .await
                .map(|_| ())
        }
    });
    let errors = RwSignal::new(Vec::<FieldError>::new());
    on_save(swap, errors, message, move |()| reload.run(()));
    on_save(toggle, errors, message, move |()| reload.run(()));
    on_save(drop_here, errors, message, move |()| reload.run(()));
    let label_zh = field.label_zh.clone();
    let label_en = field.label_en.clone();
    let last = all.with_value(Vec::len).saturating_sub(1);
    view! {
        <li class="row" class:inactive={!field.active} data-key=field.key.clone() draggable="true"
            class:dragging=move || dragging.get() == Some(index)
            on:dragstart=move |ev: web_sys::DragEvent| {
                if let Some(dt) = ev.data_transfer() { let _ = dt.set_data("text/plain", "field"); }
                dragging.set(Some(index));
            }
            on:dragend=move |_| dragging.set(None)
            on:dragover=move |ev: web_sys::DragEvent| ev.prevent_default()
            on:drop=move |ev: web_sys::DragEvent| {
                ev.prevent_default();
                if let Some(from) = dragging.get_untracked() { drop_here.dispatch(from); }
                dragging.set(None);
            }>
            <span class="drag-handle" aria-hidden="true">"⠿"</span>
            <div class="row-main">
                <span class="row-title">{move || if i18n.lang() == Lang::En { label_en.clone() } else { label_zh.clone() }}</span>
                <span class="row-sub">
                    {move || kind_label(field.kind, i18n.lang())}" · "{field.key.clone()}
                    {field.required.then(|| view! { " · " {move || i18n.t(FieldText::Required)} })}
                    {field.filterable.then(|| view! { " · " {move || i18n.t(FieldText::Filterable)} })}
                </span>
                <p class="form-error" role="alert">{move || message.get()}</p>
            </div>
            {(!field.active).then(|| view! { <span class="badge muted">{move || i18n.t(FieldText::Retired)}</span> })}
            <div class="actions">
                <button class="btn" data-dir="up" aria-label=move || i18n.t(FieldText::MoveUp) prop:disabled={index == 0}
                    on:click=move |_| {
                        refocus.set(Some(format!("[data-key='{}'] [data-dir=up]", f.with_value(|f| f.key.clone()))));
                        swap.dispatch(-1);
                    }>"↑"</button>
                <button class="btn" data-dir="down" aria-label=move || i18n.t(FieldText::MoveDown) prop:disabled={index >= last}
                    on:click=move |_| {
                        refocus.set(Some(format!("[data-key='{}'] [data-dir=down]", f.with_value(|f| f.key.clone()))));
                        swap.dispatch(1);
                    }>"↓"</button>
                <button class="btn" data-testid="edit-field" aria-expanded=move || editing.get().to_string()
                    on:click=move |_| editing.update(|e| *e = !*e)>{move || i18n.t(FieldText::Edit)}</button>
                <button class="btn" data-testid="toggle-field" on:click=move |_| { toggle.dispatch(()); }>
                    {move || if f.with_value(|f| f.active) { i18n.t(FieldText::Retire) } else { i18n.t(FieldText::Reactivate) }}
                </button>
            </div>
        </li>
        <Show when=move || editing.get() fallback=|| ()>
            <li><EditField field=f.get_value() reload=reload/></li>
        </Show>
    }
}

/// The form for a new field, with its look at phone width beside it.
#[component]
fn NewField(resource: Resource, reload: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let catalog = use_catalog();
    let key = RwSignal::new(String::new());
    let label_zh = RwSignal::new(String::new());
    let label_en = RwSignal::new(String::new());
    let kind = RwSignal::new(FieldKind::Text);
    let list = RwSignal::new(String::new());
    let required = RwSignal::new(false);
    let filterable = RwSignal::new(false);
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let message = RwSignal::new(None::<String>);
    let draft = move || FieldDefCreate {
        resource,
        key: key.get().trim().to_owned(),
        label_zh: label_zh.get(),
        label_en: label_en.get(),
        kind: kind.get(),
        required: required.get(),
        default: None,
        help_zh: None,
        help_en: None,
        section: None,
        position: None,
        option_list: Some(list.get()).filter(|l| kind.get().has_options() && !l.is_empty()),
        visible_to: None,
        editable_by: None,
        filterable: filterable.get() && kind.get().filterable(),
    };
    let add = Action::new_local(move |body: &FieldDefCreate| {
        let body = body.clone();
        async move { api::field::create(&body).await }
    });
    on_save(add, errors, message, move |_| {
        for s in [key, label_zh, label_en, list] {
            s.set(String::new());
        }
        message.set(None);
        reload.run(());
    });
    let errs = Signal::derive(move || errors.get());
    let preview = move || {
        let d = draft();
        let def = FieldDef {
            id: Uuid::nil(),
            resource,
            key: if d.key.is_empty() {
                "preview".into()
            } else {
                d.key
            },
            label_zh: if d.label_zh.is_empty() {
                "字段".into()
            } else {
                d.label_zh
            },
            label_en: if d.label_en.is_empty() {
                "Field".into()
            } else {
                d.label_en
            },
            kind: d.kind,
            required: d.required,
            default: None,
            help_zh: None,
            help_en: None,
            section: None,
            position: 0,
            option_list: d.option_list,
            visible_to: Role::ALL.to_vec(),
            editable_by: Role::ALL.to_vec(),
            filterable: d.filterable,
            active: true,
            used: false,
            version: 0,
            updated_at: Default::default(),
        };
        view! { <CustomFieldPreview def=def/> }
    };
    view! {
        <div class="admin-editor">
            <form class="card" data-testid="new-field" on:submit=move |ev| { ev.prevent_default(); add.dispatch(draft()); }>
                <h2>{move || i18n.t(FieldText::NewField)}</h2>
                <TextField label=FieldText::LabelZh field="label_zh" value=label_zh errors=errs required=true maxlength=64/>
                <TextField label=FieldText::LabelEn field="label_en" value=label_en errors=errs required=true maxlength=64/>
                <TextField label=FieldText::Key field="key" value=key errors=errs required=true maxlength=40 autocomplete="off"/>
                <div class="field">
                    <label for="f-kind">{move || i18n.t(FieldText::Kind)}</label>
                    <select id="f-kind" on:change=move |ev| {
                        if let Some(k) = FieldKind::parse(&event_target_value(&ev)) { kind.set(k) }
                    }>
                        {FieldKind::ALL.into_iter().map(|k| view! {
                            <option value=k.as_str() selected=move || kind.get() == k>{move || kind_label(k, i18n.lang())}</option>
                        }).collect_view()}
                    </select>
                </div>
                <Show when=move || kind.get().has_options() fallback=|| ()>
                    <ListPicker catalog=catalog list=list errors=errs/>
                </Show>
                <label class="check"><input type="checkbox" prop:checked=move || required.get()
                    on:change=move |ev| required.set(event_target_checked(&ev))/>{move || i18n.t(FieldText::Required)}</label>
                <Show when=move || kind.get().filterable() fallback=|| ()>
                    <label class="check"><input id="f-filterable" type="checkbox" prop:checked=move || filterable.get()
                        on:change=move |ev| filterable.set(event_target_checked(&ev))/>{move || i18n.t(FieldText::Filterable)}</label>
                </Show>
                <p class="form-error" role="alert">{move || message.get()}</p>
                <button class="btn primary" type="submit" prop:disabled=move || add.pending().get()>{move || i18n.t(T::Add)}</button>
            </form>
            <aside class="card phone-preview" aria-label=move || i18n.t(FieldText::Preview)>
                <h2>{move || i18n.t(FieldText::Preview)}</h2>
                {preview}
            </aside>
        </div>
    }
}

#[component]
fn ListPicker(
    catalog: Catalog,
    list: RwSignal<String>,
    errors: Signal<Vec<FieldError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let err = move || errors.with(|e| crate::components::error_for(e, "option_list"));
    view! {
        <div class="field" class:invalid=move || err().is_some()>
            <label for="f-option_list">{move || i18n.t(FieldText::OptionList)}</label>
            <select id="f-option_list" on:change=move |ev| list.set(event_target_value(&ev))>
                <option value="">"—"</option>
                {move || catalog.lists().into_iter().map(|(k, zh, en)| {
                    let selected = list.get() == k;
                    let text = if i18n.lang() == Lang::En { en } else { zh };
                    view! { <option value=k selected=selected>{text}</option> }
                }).collect_view()}
            </select>
            <p class="field-error" role="alert">{move || err().map(|c| crate::i18n::field_error_text(c, i18n.lang()))}</p>
        </div>
    }
}

/// Edits a field's definition: labels, help, section, required, filterable, and which roles see
/// and edit it. (The key and type are fixed once records hold values; the server says so.)
#[component]
fn EditField(field: FieldDef, reload: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let text = |s: &Option<String>| RwSignal::new(s.clone().unwrap_or_default());
    let label_zh = RwSignal::new(field.label_zh.clone());
    let label_en = RwSignal::new(field.label_en.clone());
    let help_zh = text(&field.help_zh);
    let help_en = text(&field.help_en);
    let section = text(&field.section);
    let required = RwSignal::new(field.required);
    let filterable = RwSignal::new(field.filterable);
    let visible = RwSignal::new(field.visible_to.clone());
    let editable = RwSignal::new(field.editable_by.clone());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let message = RwSignal::new(None::<String>);
    let (id, version, kind) = (field.id, field.version, field.kind);
    let patch_text = |s: String| {
        let t = s.trim().to_owned();
        if t.is_empty() {
            kaidan_shared::Patch::Null
        } else {
            kaidan_shared::Patch::Value(t)
        }
    };
    let save = Action::new_local(move |_: &()| {
        let body = FieldDefUpdate {
            label_zh: kaidan_shared::Patch::Value(label_zh.get_untracked()),
            label_en: kaidan_shared::Patch::Value(label_en.get_untracked()),
            help_zh: patch_text(help_zh.get_untracked()),
            help_en: patch_text(help_en.get_untracked()),
            section: patch_text(section.get_untracked()),
            required: Some(required.get_untracked()),
            filterable: kind.filterable().then(|| filterable.get_untracked()),
            visible_to: Some(visible.get_untracked()),
            editable_by: Some(editable.get_untracked()),
            ..Default::default()
        };
        async move { api::field::update(id, &api::etag(version), &body).await }
    });
    on_save(save, errors, message, move |_| reload.run(()));
    let errs = Signal::derive(move || errors.get());
    let roles = move |set: RwSignal<Vec<Role>>, name: &'static str| {
        Role::ALL
            .into_iter()
            .map(|r| {
                view! {
                    <label class="check"><input type="checkbox" name=name prop:checked=move || set.with(|s| s.contains(&r))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            set.update(|s| {
                                s.retain(|x| *x != r);
                                if on { s.push(r) }
                            })
                        }/>{move || crate::i18n::user::role_label(r, i18n.lang())}</label>
                }
            })
            .collect_view()
    };
    view! {
        <form class="card" data-testid="edit-field-form" on:submit=move |ev| { ev.prevent_default(); save.dispatch(()); }>
            <TextField label=FieldText::LabelZh field="label_zh" value=label_zh errors=errs required=true maxlength=64 id="e-label_zh"/>
            <TextField label=FieldText::LabelEn field="label_en" value=label_en errors=errs required=true maxlength=64 id="e-label_en"/>
            <TextField label=FieldText::HelpZh field="help_zh" value=help_zh errors=errs maxlength=200 id="e-help_zh"/>
            <TextField label=FieldText::HelpEn field="help_en" value=help_en errors=errs maxlength=200 id="e-help_en"/>
            <TextField label=FieldText::Section field="section" value=section errors=errs maxlength=64 id="e-section"/>
            <label class="check"><input type="checkbox" prop:checked=move || required.get()
                on:change=move |ev| required.set(event_target_checked(&ev))/>{move || i18n.t(FieldText::Required)}</label>
            {kind.filterable().then(|| view! {
                <label class="check"><input type="checkbox" prop:checked=move || filterable.get()
                    on:change=move |ev| filterable.set(event_target_checked(&ev))/>{move || i18n.t(FieldText::Filterable)}</label>
            })}
            <fieldset class="field" data-testid="visible-to">
                <legend>{move || i18n.t(FieldText::VisibleTo)}</legend>
                {roles(visible, "visible_to")}
            </fieldset>
            <fieldset class="field" data-testid="editable-by">
                <legend>{move || i18n.t(FieldText::EditableBy)}</legend>
                {roles(editable, "editable_by")}
            </fieldset>
            <p class="form-error" role="alert">{move || message.get()}</p>
            <button class="btn primary" type="submit" data-testid="save-field" prop:disabled=move || save.pending().get()>{move || i18n.t(T::Save)}</button>
        </form>
    }
}
