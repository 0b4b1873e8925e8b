//! Customers: the list (search, filters, endless scroll), the detail page (contacts, transfer,
//! archive, history) and the create/edit form.

pub mod detail;
pub mod form;
pub mod list;
pub mod timeline;

crate::lazy_page!(
    /// The detail page, loaded when first opened.
    CustomerDetailRoute => detail::CustomerDetailPage
);
crate::lazy_page!(
    /// The create/edit form, loaded when first opened.
    CustomerFormRoute => form::CustomerFormPage
);

use kaidan_shared::customer::{Customer, CustomerKind};
use kaidan_shared::layout::builtins;
use kaidan_shared::option_list::builtin;
use kaidan_shared::Resource;

use crate::components::local_time;
use crate::i18n::customer::{level_label, CustomerText};
use crate::i18n::Lang;
use crate::options::Catalog;

/// A built-in field's label as layouts name it, in the reader's language.
pub fn builtin_label(resource: Resource, key: &str, lang: Lang) -> String {
    builtins(resource)
        .iter()
        .find(|b| b.key == key)
        .map(|b| {
            if lang == Lang::En {
                b.label_en
            } else {
                b.label_zh
            }
        })
        .unwrap_or(key)
        .to_owned()
}

/// A customer's built-in field as a person reads it, for list columns and the detail view;
/// `None` when empty.
pub fn builtin_text(c: &Customer, key: &str, catalog: Catalog, lang: Lang) -> Option<String> {
    match key {
        "name" => Some(c.name.clone()),
        "kind" => Some(
            match c.kind {
                CustomerKind::Company => CustomerText::Company,
                CustomerKind::Individual => CustomerText::Individual,
            }
            .text(lang)
            .to_owned(),
        ),
        "level" => c.level.map(|l| level_label(l, lang).to_owned()),
        "industry" => c
            .industry
            .as_deref()
            .map(|k| catalog.label(builtin::CUSTOMER_INDUSTRY, k, lang)),
        "source" => c
            .source
            .as_deref()
            .map(|k| catalog.label(builtin::CUSTOMER_SOURCE, k, lang)),
        "phone" => c.phone.clone(),
        "credit_code" => c.credit_code.clone(),
        "address" => c.address.clone(),
        "tags" => (!c.tags.is_empty()).then(|| c.tags.join("、")),
        "notes" => c.notes.clone(),
        "owner" => c.owner_name.clone(),
        "updated_at" => Some(local_time(c.updated_at)),
        "created_at" => Some(local_time(c.created_at)),
        _ => None,
    }
}
