//! The likely duplicates a create was stopped by (409 `duplicate_suspected`), as every module's
//! form shows them: why each looks alike, whose it is, a link to those the reader may open, and
//! the way to save anyway. On a phone the warning is below the fold, so it scrolls into view.

use kaidan_shared::duplicate::DuplicateMatch;
use kaidan_shared::Resource;
use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::customer::{matched_label, CustomerText};
use crate::i18n::{use_i18n, Label, T};

/// Where a match opens.
fn href(d: &DuplicateMatch) -> Option<String> {
    let id = d.id?;
    Some(match d.resource {
        Resource::Lead => format!("/leads/{id}"),
        _ => format!("/customers/{id}"),
    })
}

#[component]
pub fn Duplicates(
    duplicates: RwSignal<Vec<DuplicateMatch>>,
    /// What the reader should weigh.
    #[prop(into)]
    hint: Label,
    /// The "save anyway" button's words.
    #[prop(into)]
    force_label: Label,
    #[prop(into)] pending: Signal<bool>,
    #[prop(into)] on_force: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let node = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if duplicates.with(|d| !d.is_empty()) {
            if let Some(el) = node.get() {
                el.scroll_into_view();
            }
        }
    });
    view! {
        <Show when=move || duplicates.with(|d| !d.is_empty()) fallback=|| ()>
            <div class="duplicates" role="alert" data-testid="duplicates" node_ref=node>
                <h2>{move || i18n.t(T::Duplicates)}</h2>
                <p>{move || i18n.t(hint)}</p>
                <ul>
                    {move || duplicates.get().into_iter().map(|d| {
                        let why = d.matched_on.iter().map(|m| matched_label(*m, i18n.lang())).collect::<Vec<_>>().join("、");
                        let link = href(&d);
                        view! {
                            <li>
                                <strong>{d.name.clone()}</strong>
                                <span class="muted">{format!(" ({why})")}</span>
                                {d.owner_name.clone().map(|o| view! { <span class="muted">{format!(" · {}{o}", i18n.t(CustomerText::OwnedBy))}</span> })}
                                {link.map(|h| view! { " " <A href=h>{move || i18n.t(T::Open)}</A> })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <button type="button" class="btn warn" data-testid="create-anyway" prop:disabled=move || pending.get()
                    on:click=move |_| on_force.run(())>{move || i18n.t(force_label)}</button>
            </div>
        </Show>
    }
}
