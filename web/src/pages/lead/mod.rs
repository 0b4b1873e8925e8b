//! Leads (线索): the list (mine, or the queue waiting for a supervisor; status and source
//! filters; search), a lead's page (work it: contacted, qualified, disqualified with a reason;
//! hand it to a rep; convert it into a customer and a deal), the create/edit form and the
//! assignment rules of admins and regional managers.

pub mod detail;
pub mod form;
pub mod list;
pub mod rules;

crate::lazy_page!(
    /// The lead list, loaded when first opened.
    LeadsRoute => list::LeadsPage
);
crate::lazy_page!(
    /// One lead, loaded when first opened.
    LeadDetailRoute => detail::LeadDetailPage
);
crate::lazy_page!(
    /// The create/edit form, loaded when first opened.
    LeadFormRoute => form::LeadFormPage
);
crate::lazy_page!(
    /// The assignment rules, loaded when first opened.
    LeadRulesRoute => rules::LeadRulesPage
);

use kaidan_shared::lead::Lead;
use kaidan_shared::option_list::builtin;

use crate::components::local_time;
use crate::i18n::lead::status_label;
use crate::i18n::Lang;
use crate::options::Catalog;

/// The option list of provinces (territories of the assignment rules).
pub const PROVINCE: &str = "province";
/// The option list of lead queues.
pub const QUEUE: &str = "lead_queue";

/// A lead's built-in field as a person reads it (detail view, list rows); `None` when empty.
pub fn builtin_text(l: &Lead, key: &str, catalog: Catalog, lang: Lang) -> Option<String> {
    match key {
        "name" => Some(l.name.clone()),
        "company" => l.company.clone(),
        "phone" => l.phone.clone(),
        "email" => l.email.clone(),
        "source" => l
            .source
            .as_deref()
            .map(|k| catalog.label(builtin::LEAD_SOURCE, k, lang)),
        "province" => l
            .province
            .as_deref()
            .map(|k| catalog.label(PROVINCE, k, lang)),
        "status" => Some(status_label(l.status, lang).to_owned()),
        "notes" => l.notes.clone(),
        "owner" => l.owner_name.clone(),
        "updated_at" => Some(local_time(l.updated_at)),
        _ => None,
    }
}
