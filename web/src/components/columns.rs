//! Choosing a list's columns: tick the ones to show and order them with ↑/↓ (keyboard and touch
//! alike). Used for a user's own columns and for the layout's default ones.

use kaidan_shared::layout::MAX_COLUMNS;
use leptos::prelude::*;

/// `columns` holds the chosen references in order; `available` every column the person may
/// choose as (reference, label). At least one column stays, at most `MAX_COLUMNS`.
#[component]
pub fn ColumnPicker(
    columns: RwSignal<Vec<String>>,
    #[prop(into)] available: Signal<Vec<(String, String)>>,
) -> impl IntoView {
    let shift = move |i: usize, up: bool| {
        columns.update(|c| {
            let j = if up { i.wrapping_sub(1) } else { i + 1 };
            if j < c.len() {
                c.swap(i, j);
            }
        })
    };
    view! {
        <ul class="list column-list">
            {move || {
                let cols = columns.get();
                let n = cols.len();
                let all = available.get();
                let label_of = |k: &str| {
                    all.iter()
                        .find(|(a, _)| a == k)
                        .map(|(_, l)| l.clone())
                        .unwrap_or_else(|| k.to_owned())
                };
                let mut rows: Vec<AnyView> = cols.iter().enumerate().map(|(i, k)| {
                    let k2 = k.clone();
                    let label = label_of(k);
                    view! {
                        <li data-col=k.clone()>
                            <label class="check"><input type="checkbox" checked=true prop:disabled={n == 1}
                                on:change=move |_| { let k = k2.clone(); columns.update(|c| c.retain(|x| *x != k)) }/>{label.clone()}</label>
                            <button type="button" class="btn small" aria-label=format!("{label} ↑") prop:disabled={i == 0}
                                on:click=move |_| shift(i, true)>"↑"</button>
                            <button type="button" class="btn small" aria-label=format!("{label} ↓") prop:disabled={i + 1 == n}
                                on:click=move |_| shift(i, false)>"↓"</button>
                        </li>
                    }.into_any()
                }).collect();
                for (k, label) in all.iter().filter(|(k, _)| !cols.contains(k)) {
                    let k2 = k.clone();
                    rows.push(view! {
                        <li data-col=k.clone()>
                            <label class="check"><input type="checkbox" checked=false prop:disabled={n >= MAX_COLUMNS}
                                on:change=move |_| { let k = k2.clone(); columns.update(|c| c.push(k)) }/>{label.clone()}</label>
                        </li>
                    }.into_any());
                }
                rows
            }}
        </ul>
    }
}
