//! The change history of a record (its audit rows), as a timeline: who did what, when, and which
//! fields changed. Every module's detail page shows it with its own history endpoint.

use std::future::Future;

use kaidan_shared::audit::AuditEntry;
use kaidan_shared::page::Page;
use leptos::prelude::*;

use crate::api::ApiResult;
use crate::components::{local_time, ErrorState, Loading};
use crate::i18n::{action_label, field_label, use_i18n, Lang, T};
use crate::options::use_catalog;
use kaidan_shared::Resource;

/// A record's change history, newest first, from `load` (the record's own history endpoint).
#[component]
pub fn History<F, Fut>(load: F) -> impl IntoView
where
    F: Fn() -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = ApiResult<Page<AuditEntry>>> + 'static,
{
    let i18n = use_i18n();
    let catalog = use_catalog();
    for resource in kaidan_shared::field::RESOURCES {
        catalog.load_fields(resource);
    }
    // A custom field's label comes from its definition; the others from the module's words.
    let label = move |entity: &str, key: &str, lang: Lang| match key.strip_prefix("custom.") {
        Some(custom) => Resource::parse(entity)
            .and_then(|r| catalog.fields(r).into_iter().find(|f| f.key == custom))
            .map(|f| f.label(lang.code()).to_owned())
            .unwrap_or_else(|| custom.to_owned()),
        None => field_label(entity, key, lang),
    };
    let data = LocalResource::new(move || async move { load().await.map(|p| p.items) });
    view! {
        <section class="card">
            <h2>{move || i18n.t(T::History)}</h2>
            <Transition fallback=|| view! { <Loading/> }>
                {move || data.get().map(|r| match r {
                    Ok(items) if items.is_empty() => view! { <p class="state empty">{move || i18n.t(T::NoHistory)}</p> }.into_any(),
                    Ok(items) => view! {
                        <ol class="history">
                            {items.into_iter().map(|e| {
                                // Changed fields, for edits (a creation lists everything, which says nothing).
                                let lang = i18n.lang();
                                let mut fields: Vec<String> = if e.before.is_some() {
                                    e.after.as_ref().and_then(|a| a.as_object())
                                        .map(|o| o.keys().map(|k| label(&e.entity, k, lang)).filter(|l| !l.is_empty()).collect())
                                        .unwrap_or_default()
                                } else {
                                    Vec::new()
                                };
                                fields.dedup();
                                let fields = fields.join("、");
                                let when = local_time(e.at);
                                view! {
                                    <li>
                                        <span class="muted">{when}</span>" "
                                        <strong>{e.actor_name.unwrap_or_default()}</strong>" "
                                        <span>{action_label(e.action, lang)}</span>
                                        {(!fields.is_empty()).then(|| view! { <span class="muted">{format!(" ({fields})")}</span> })}
                                    </li>
                                }
                            }).collect_view()}
                        </ol>
                    }.into_any(),
                    Err(e) => view! { <ErrorState error=e on_retry=move |_| data.refetch()/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}
