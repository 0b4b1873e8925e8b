//! Contracts: the list (mine, my team's, by status), the form (from an accepted quote, or for a
//! customer), and one contract's page with its lines, the amount in 大写, what may be done now,
//! its documents, its collection and its approval timeline.

pub mod detail;
pub mod documents;
pub mod form;
pub mod list;
pub mod payments;
pub mod receivables;

crate::lazy_page!(
    /// The contract list, loaded when first opened.
    ContractsRoute => list::ContractsPage
);
crate::lazy_page!(
    /// A new contract or an edit, loaded when first opened.
    ContractFormRoute => form::ContractFormPage
);
crate::lazy_page!(
    /// The receivables, loaded when first opened.
    ReceivablesRoute => receivables::ReceivablesPage
);
crate::lazy_page!(
    /// One contract, loaded when first opened.
    ContractDetailRoute => detail::ContractDetailPage
);

use kaidan_shared::contract::ContractStatus;

use crate::i18n::contract::ContractText;
use crate::i18n::Label;

pub fn status_label(s: ContractStatus) -> Label {
    match s {
        ContractStatus::Draft => ContractText::Draft,
        ContractStatus::PendingApproval => ContractText::PendingApproval,
        ContractStatus::Approved => ContractText::Approved,
        ContractStatus::Signed => ContractText::Signed,
        ContractStatus::Completed => ContractText::Completed,
        ContractStatus::Terminated => ContractText::Terminated,
    }
    .into()
}
