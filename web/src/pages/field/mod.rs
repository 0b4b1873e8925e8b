//! Custom fields (自定义字段), for admins: a tab of the admin screen.

pub mod list;

use kaidan_shared::Resource;
use leptos::prelude::*;

use crate::i18n::field::FieldText;
use crate::i18n::use_i18n;

/// The record types with custom fields and layouts, as tabs (the fields and layouts tabs).
#[component]
pub fn RecordTypeTabs(resource: RwSignal<Resource>) -> impl IntoView {
    let i18n = use_i18n();
    let pick = move |r: Resource, label: FieldText| {
        view! {
            <button role="tab" aria-selected=move || (resource.get() == r).to_string()
                on:click=move |_| resource.set(r)>{move || i18n.t(label)}</button>
        }
    };
    view! {
        <div class="segmented" role="tablist" aria-label=move || i18n.t(FieldText::RecordType)>
            {pick(Resource::Customer, FieldText::Customers)}
            {pick(Resource::Contact, FieldText::Contacts)}
        </div>
    }
}
