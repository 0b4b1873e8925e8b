//! The layout of each record type, for admins: sections and the order of built-in and custom
//! fields in forms and details, and the list's default columns — reordered by drag on a desktop
//! or with the ↑/↓ buttons (keyboard and touch), with the form's look at phone width beside it.

use kaidan_shared::field::{FieldDef, FieldKind};
use kaidan_shared::layout::{self, builtins, custom_ref, Item, Layout, LayoutInput, Section};
use kaidan_shared::{FieldError, Resource};
use leptos::prelude::*;

use crate::pages::field::RecordTypeTabs;

use crate::api;
use crate::components::columns::ColumnPicker;
use crate::components::custom_fields::CustomFieldPreview;
use crate::components::{on_save, ErrorState, Loading};
use crate::i18n::field::FieldText;
use crate::i18n::{use_i18n, Lang, T};
use crate::options::use_catalog;

#[component]
pub fn LayoutsTab() -> impl IntoView {
    let resource = RwSignal::new(Resource::Customer);
    let data = LocalResource::new(move || {
        let r = resource.get();
        async move {
            let layout = api::layout::get(r).await?.body;
            let fields = api::field::list(r).await?.fields;
            Ok::<_, api::ApiError>((layout, fields))
        }
    });
    view! {
        <RecordTypeTabs resource=resource/>
        <Transition fallback=|| view! { <Loading/> }>
            {move || data.get().map(|r| match r {
                Ok((layout, fields)) => view! { <Editor layout=layout fields=fields/> }.into_any(),
                Err(e) => view! { <ErrorState error=e on_retry=move |_| data.refetch()/> }.into_any(),
            })}
        </Transition>
    }
}

/// Where a field sits while being dragged: (section, index in it).
type Spot = (usize, usize);

/// A section being edited. Its names are signals of their own, so typing one does not redraw
/// the editor (which would take the focus away).
#[derive(Clone)]
struct Sec {
    key: String,
    zh: RwSignal<String>,
    en: RwSignal<String>,
    fields: Vec<String>,
}

impl Sec {
    fn new(s: &Section) -> Sec {
        Sec {
            key: s.key.clone(),
            zh: RwSignal::new(s.label_zh.clone()),
            en: RwSignal::new(s.label_en.clone()),
            fields: s.fields.clone(),
        }
    }

    fn section(&self) -> Section {
        Section {
            key: self.key.clone(),
            label_zh: self.zh.get(),
            label_en: self.en.get(),
            fields: self.fields.clone(),
        }
    }
}

#[component]
fn Editor(layout: Layout, fields: Vec<FieldDef>) -> impl IntoView {
    let i18n = use_i18n();
    let catalog = use_catalog();
    let resource = layout.resource;
    let sections = RwSignal::new(layout.sections.iter().map(Sec::new).collect::<Vec<_>>());
    // After a move by button, the same button of the moved field gets the focus back, so a
    // keyboard user can press it again.
    let refocus = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        sections.track();
        if let Some(css) = refocus.get_untracked() {
            refocus.update_untracked(|r| *r = None);
            crate::components::focus_later(css);
        }
    });
    let columns = RwSignal::new(layout.list_columns.clone());
    let version = RwSignal::new(layout.version);
    let fields = StoredValue::new(fields);
    let dragging = RwSignal::new(None::<Spot>);
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let message = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);

    let label_of = move |r: &str| -> String {
        let lang = i18n.lang();
        match r.strip_prefix("custom.") {
            Some(key) => fields.with_value(|fs| {
                fs.iter()
                    .find(|f| f.key == key)
                    .map(|f| {
                        let l = f.label(lang.code()).to_owned();
                        if f.active {
                            l
                        } else {
                            format!("{l}（{}）", i18n.t(FieldText::Retired))
                        }
                    })
                    .unwrap_or_else(|| key.to_owned())
            }),
            None => builtins(resource)
                .iter()
                .find(|b| b.key == r)
                .map(|b| {
                    if lang == Lang::En {
                        b.label_en
                    } else {
                        b.label_zh
                    }
                })
                .unwrap_or(r)
                .to_owned(),
        }
    };
    let required = move |r: &str| builtins(resource).iter().any(|b| b.key == r && b.required);
    // Form fields no section holds: built-in ones left out, custom ones the forms show at the
    // end (in the section named by the field).
    let unplaced = move || -> Vec<String> {
        let placed: Vec<String> =
            sections.with(|s| s.iter().flat_map(|s| s.fields.clone()).collect());
        let mut out: Vec<String> = builtins(resource)
            .iter()
            .filter(|b| b.form && !placed.iter().any(|p| p == b.key))
            .map(|b| b.key.to_owned())
            .collect();
        fields.with_value(|fs| {
            for f in fs.iter().filter(|f| f.active) {
                let r = custom_ref(&f.key);
                if !placed.contains(&r) {
                    out.push(r);
                }
            }
        });
        out
    };
    // Moves the field at `from` to `to` (the index counted before removal).
    let move_field = move |from: Spot, to: Spot| {
        sections.update(|s| {
            if from.0 >= s.len() || from.1 >= s[from.0].fields.len() || to.0 >= s.len() {
                return;
            }
            let r = s[from.0].fields.remove(from.1);
            let mut at = to.1;
            if from.0 == to.0 && from.1 < to.1 {
                at -= 1;
            }
            let at = at.min(s[to.0].fields.len());
            s[to.0].fields.insert(at, r);
        })
    };
    // One step up or down in the whole form: past the end of a section into the next one.
    let step = move |(si, fi): Spot, up: bool| {
        let n = sections.with(Vec::len);
        let len = |i: usize| sections.with(|s| s[i].fields.len());
        match (up, fi) {
            (true, 0) if si > 0 => move_field((si, 0), (si - 1, len(si - 1))),
            (true, 0) => {}
            (true, _) => move_field((si, fi), (si, fi - 1)),
            (false, _) if fi + 1 < len(si) => move_field((si, fi), (si, fi + 2)),
            (false, _) if si + 1 < n => move_field((si, fi), (si + 1, 0)),
            _ => {}
        }
    };
    let place = move |r: String, si: usize| {
        sections.update(|s| {
            if let Some(sec) = s.get_mut(si) {
                sec.fields.push(r);
            }
        })
    };
    let add_section = move |_| {
        sections.update(|s| {
            let mut n = s.len() + 1;
            while s.iter().any(|x| x.key == format!("s{n}")) {
                n += 1;
            }
            s.push(Sec {
                key: format!("s{n}"),
                zh: RwSignal::new(format!("分组{n}")),
                en: RwSignal::new(format!("Section {n}")),
                fields: Vec::new(),
            });
        })
    };
    // A removed section's fields join its neighbour, so no field is lost with it.
    let remove_section = move |si: usize| {
        sections.update(|s| {
            if s.len() <= 1 || si >= s.len() {
                return;
            }
            let gone = s.remove(si);
            let to = si.saturating_sub(1).min(s.len() - 1);
            s[to].fields.extend(gone.fields);
        })
    };
    let shift_section = move |si: usize, up: bool| {
        sections.update(|s| {
            let j = if up { si.wrapping_sub(1) } else { si + 1 };
            if j < s.len() {
                s.swap(si, j);
            }
        })
    };

    let save = Action::new_local(move |_: &()| {
        let body = LayoutInput {
            sections: sections.with_untracked(|s| s.iter().map(Sec::section).collect()),
            list_columns: columns.get_untracked(),
        };
        let v = version.get_untracked();
        async move { api::layout::save(resource, &api::etag(v), &body).await }
    });
    on_save(save, errors, message, move |r| {
        version.set(r.body.version);
        message.set(None);
        saved.set(true);
        // Forms and lists draw the new layout from the next screen on.
        catalog.forget_fields();
    });

    // The form as a rep will see it, at phone width.
    let preview = move || {
        let draft = Layout {
            resource,
            sections: sections.with(|s| s.iter().map(Sec::section).collect()),
            list_columns: columns.get(),
            version: 0,
            updated_at: None,
        };
        let active: Vec<FieldDef> =
            fields.with_value(|fs| fs.iter().filter(|f| f.active).cloned().collect());
        let resolved = layout::resolve(&draft, &active, None);
        let lang = i18n.lang();
        resolved
            .sections
            .into_iter()
            .map(|s| {
                let items = s
                    .items
                    .iter()
                    .map(|item| match item {
                        Item::Builtin(k) => {
                            let l = label_of(k);
                            view! { <div class="field"><label>{l}</label><input disabled=true/></div> }.into_any()
                        }
                        Item::Custom(k) => active
                            .iter()
                            .find(|f| &f.key == k)
                            .cloned()
                            .map(|def| view! { <CustomFieldPreview def=def/> }.into_any())
                            .unwrap_or_else(|| ().into_any()),
                    })
                    .collect_view();
                view! { <fieldset class="section"><legend>{s.label(lang.code()).to_owned()}</legend>{items}</fieldset> }
            })
            .collect_view()
    };

    let field_row = move |si: usize, fi: usize, r: String, last: bool| {
        let label = label_of(&r);
        let fixed = required(&r);
        let up_label = format!("{label} {}", i18n.t(FieldText::MoveUp));
        let down_label = format!("{label} {}", i18n.t(FieldText::MoveDown));
        let out_label = format!("{label} {}", i18n.t(FieldText::Unplace));
        let first = si == 0 && fi == 0;
        view! {
            <li class="row layout-field" draggable="true" data-ref=r.clone()
                class:dragging=move || dragging.get() == Some((si, fi))
                on:dragstart=move |ev: web_sys::DragEvent| {
                    if let Some(dt) = ev.data_transfer() { let _ = dt.set_data("text/plain", "field"); }
                    dragging.set(Some((si, fi)));
                }
                on:dragend=move |_| dragging.set(None)
                on:dragover=move |ev: web_sys::DragEvent| ev.prevent_default()
                on:drop=move |ev: web_sys::DragEvent| {
                    ev.prevent_default();
                    if let Some(from) = dragging.get_untracked() { move_field(from, (si, fi)); }
                    dragging.set(None);
                }>
                <span class="drag-handle" aria-hidden="true">"⠿"</span>
                <span class="row-main">{label.clone()}{fixed.then_some(" *")}</span>
                <div class="actions">
                    <button type="button" class="btn small" data-dir="up" aria-label=up_label prop:disabled=first
                        on:click={ let r = r.clone(); move |_| { refocus.set(Some(format!("[data-ref='{r}'] [data-dir=up]"))); step((si, fi), true) } }>"↑"</button>
                    <button type="button" class="btn small" data-dir="down" aria-label=down_label prop:disabled=last
                        on:click={ let r = r.clone(); move |_| { refocus.set(Some(format!("[data-ref='{r}'] [data-dir=down]"))); step((si, fi), false) } }>"↓"</button>
                    <button type="button" class="btn small" aria-label=out_label prop:disabled=fixed
                        on:click=move |_| sections.update(|s| { s[si].fields.remove(fi); })>"✕"</button>
                </div>
            </li>
        }
    };

    view! {
        <div class="admin-editor" data-testid="layout-editor">
            <div class="card">
                <h2>{move || i18n.t(FieldText::FormLayout)}</h2>
                <p class="muted">{move || i18n.t(FieldText::LayoutHint)}</p>
                {move || {
                    let all = sections.get();
                    let n = all.len();
                    all.into_iter().enumerate().map(|(si, s)| {
                        let count = s.fields.len();
                        let rows = s.fields.iter().enumerate().map(|(fi, r)| {
                            // ↓ past a section's end goes into the next one, even an empty one.
                            let last = si + 1 == n && fi + 1 == count;
                            field_row(si, fi, r.clone(), last)
                        }).collect_view();
                        let zh_id = format!("sec-{si}-zh");
                        let en_id = format!("sec-{si}-en");
                        view! {
                            <section class="layout-section" data-section=s.key.clone()
                                on:dragover=move |ev: web_sys::DragEvent| ev.prevent_default()
                                on:drop=move |ev: web_sys::DragEvent| {
                                    ev.prevent_default();
                                    if let Some(from) = dragging.get_untracked() { move_field(from, (si, usize::MAX)); }
                                    dragging.set(None);
                                }>
                                <div class="section-head">
                                    <label for=zh_id.clone() class="sr-only">{move || i18n.t(FieldText::SectionZh)}</label>
                                    <input id=zh_id prop:value=move || s.zh.get() maxlength="64"
                                        on:input=move |ev| s.zh.set(event_target_value(&ev))/>
                                    <label for=en_id.clone() class="sr-only">{move || i18n.t(FieldText::SectionEn)}</label>
                                    <input id=en_id prop:value=move || s.en.get() maxlength="64"
                                        on:input=move |ev| s.en.set(event_target_value(&ev))/>
                                    <button type="button" class="btn small" aria-label=move || i18n.t(FieldText::SectionUp) prop:disabled={si == 0}
                                        on:click=move |_| shift_section(si, true)>"↑"</button>
                                    <button type="button" class="btn small" aria-label=move || i18n.t(FieldText::SectionDown) prop:disabled={si + 1 == n}
                                        on:click=move |_| shift_section(si, false)>"↓"</button>
                                    <button type="button" class="btn small" aria-label=move || i18n.t(FieldText::RemoveSection) prop:disabled={n == 1}
                                        on:click=move |_| remove_section(si)>"✕"</button>
                                </div>
                                <ul class="list">{rows}</ul>
                            </section>
                        }
                    }).collect_view()
                }}
                <button type="button" class="btn" on:click=add_section>"+ " {move || i18n.t(FieldText::AddSection)}</button>
                <h3>{move || i18n.t(FieldText::Unplaced)}</h3>
                <ul class="list" data-testid="unplaced">
                    {move || {
                        unplaced().into_iter().map(|r| {
                            let label = label_of(&r);
                            let id = format!("place-{}", r.replace('.', "-"));
                            let r2 = r.clone();
                            view! {
                                <li class="row" data-ref=r.clone()>
                                    <label for=id.clone() class="row-main">{label}</label>
                                    <select id=id on:change=move |ev| {
                                        if let Ok(si) = event_target_value(&ev).parse::<usize>() { place(r2.clone(), si) }
                                    }>
                                        <option value="">{move || i18n.t(FieldText::PlaceIn)}</option>
                                        {sections.get_untracked().into_iter().enumerate().map(|(i, sec)| view! {
                                            <option value=i.to_string()>{move || if i18n.lang() == Lang::En { sec.en.get() } else { sec.zh.get() }}</option>
                                        }).collect_view()}
                                    </select>
                                </li>
                            }
                        }).collect_view()
                    }}
                </ul>
                <h2>{move || i18n.t(FieldText::ListColumns)}</h2>
                <div data-testid="default-columns">
                    <ColumnPicker columns=columns available=Signal::derive(move || fields.with_value(|fs| column_choices(resource, fs, i18n.lang())))/>
                </div>
                <p class="form-error" role="alert">{move || message.get()}</p>
                <p class="form-ok" role="status">{move || saved.get().then(|| i18n.t(FieldText::Saved))}</p>
                <button type="button" class="btn primary" data-testid="save-layout" prop:disabled=move || save.pending().get()
                    on:click=move |_| { saved.set(false); save.dispatch(()); }>{move || i18n.t(T::Save)}</button>
            </div>
            <aside class="card phone-preview" aria-label=move || i18n.t(FieldText::Preview)>
                <h2>{move || i18n.t(FieldText::Preview)}</h2>
                {preview}
            </aside>
        </div>
    }
}

/// Every column a list of `resource` can show, as (reference, label): built-in ones, then the
/// active custom fields that are not long texts.
pub fn column_choices(
    resource: Resource,
    fields: &[FieldDef],
    lang: Lang,
) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = builtins(resource)
        .iter()
        .filter(|b| b.list)
        .map(|b| {
            let l = if lang == Lang::En {
                b.label_en
            } else {
                b.label_zh
            };
            (b.key.to_owned(), l.to_owned())
        })
        .collect();
    for f in fields
        .iter()
        .filter(|f| f.active && f.kind != FieldKind::LongText)
    {
        all.push((custom_ref(&f.key), f.label(lang.code()).to_owned()));
    }
    all
}
