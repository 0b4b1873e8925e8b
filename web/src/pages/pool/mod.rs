//! The public pool (公海): customers without an owner, their contacts masked, that reps of the
//! pool's region claim; the claim quota on top; one customer's masked detail before claiming.

pub mod detail;
pub mod list;
pub mod rules;

crate::lazy_page!(
    /// The pool list, loaded when first opened.
    PoolRoute => list::PoolPage
);
crate::lazy_page!(
    /// One pooled customer, loaded when first opened.
    PoolCustomerRoute => detail::PoolCustomerPage
);

use kaidan_shared::pool::ClaimQuota;
use leptos::prelude::*;

use crate::i18n::pool::PoolText;
use crate::i18n::use_i18n;

/// Claims left today and customers held, as a line of two badges.
#[component]
pub fn QuotaLine(quota: ClaimQuota) -> impl IntoView {
    let i18n = use_i18n();
    let held = match quota.held_cap {
        Some(cap) => format!("{}/{cap}", quota.held),
        None => quota.held.to_string(),
    };
    let left = format!("{}/{}", quota.remaining_today, quota.daily_limit);
    view! {
        <p class="quota" data-testid="quota" aria-live="polite">
            <span>{move || i18n.t(PoolText::QuotaLeft)} " "<strong data-testid="quota-left">{left.clone()}</strong></span>
            <span>{move || i18n.t(PoolText::Held)} " "<strong>{held.clone()}</strong></span>
        </p>
    }
}
