//! A keyset-paged list's state and its tail (error, loading, empty, "load more"), so a module's
//! list screen writes only its query and its rows.

use std::future::Future;

use kaidan_shared::page::Page;
use leptos::prelude::*;

use crate::api::{ApiError, ApiResult};
use crate::components::{ErrorState, Loading};
use crate::i18n::{use_i18n, Label, T as Text};

/// The rows so far, the next page's cursor, and whether a page is on its way or failed.
pub struct Paged<T: Send + Sync + 'static> {
    pub items: RwSignal<Vec<T>>,
    pub next: RwSignal<Option<String>>,
    pub loading: RwSignal<bool>,
    pub error: RwSignal<Option<ApiError>>,
    generation: StoredValue<u32>,
}

impl<T: Send + Sync + 'static> Clone for Paged<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: Send + Sync + 'static> Copy for Paged<T> {}

impl<T: Clone + Send + Sync + 'static> Default for Paged<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Clone + Send + Sync + 'static> Paged<T> {
    pub fn new() -> Self {
        Paged {
            items: RwSignal::new(Vec::new()),
            next: RwSignal::new(None),
            loading: RwSignal::new(false),
            error: RwSignal::new(None),
            generation: StoredValue::new(0),
        }
    }

    /// Fetches the first page again (`reset`) or the next one through `fetch(cursor)`; the
    /// answer of an older query that arrives after a newer one started is dropped.
    pub fn load<F, Fut>(self, reset: bool, fetch: F)
    where
        F: FnOnce(Option<String>) -> Fut + 'static,
        Fut: Future<Output = ApiResult<Page<T>>> + 'static,
    {
        let cursor = if reset {
            None
        } else {
            self.next.get_untracked()
        };
        if !reset && cursor.is_none() {
            return;
        }
        let gen = self.generation.get_value().wrapping_add(reset as u32);
        self.generation.set_value(gen);
        self.loading.set(true);
        self.error.set(None);
        leptos::task::spawn_local(async move {
            let r = fetch(cursor).await;
            if self.generation.get_value() != gen {
                return;
            }
            self.loading.set(false);
            match r {
                Ok(page) => {
                    self.next.set(page.next_cursor);
                    if reset {
                        self.items.set(page.items);
                    } else {
                        self.items.update(|v| v.extend(page.items));
                    }
                }
                Err(e) => self.error.set(Some(e)),
            }
        });
    }
}

/// Below the rows: the error with a retry, the loading line, the empty state, "load more".
#[component]
pub fn PageTail<R: Clone + Send + Sync + 'static>(
    paged: Paged<R>,
    #[prop(into)] empty: Label,
    #[prop(into)] on_retry: Callback<()>,
    #[prop(into)] on_more: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let p = paged;
    view! {
        {move || p.error.get().map(|e| view! { <ErrorState error=e on_retry=move |_| on_retry.run(())/> })}
        <Show when=move || p.loading.get() fallback=|| ()><Loading/></Show>
        <Show when=move || !p.loading.get() && p.error.with(Option::is_none) && p.items.with(Vec::is_empty) fallback=|| ()>
            <p class="state empty">{move || i18n.t(empty)}</p>
        </Show>
        <Show when=move || p.next.with(Option::is_some) && !p.loading.get() fallback=|| ()>
            <button class="btn block" on:click=move |_| on_more.run(())>{move || i18n.t(Text::LoadMore)}</button>
        </Show>
    }
}
