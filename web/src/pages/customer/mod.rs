//! Customers: the list (search, filters, endless scroll), the detail page (contacts, transfer,
//! archive, history) and the create/edit form.

pub mod detail;
pub mod form;
pub mod list;

crate::lazy_page!(
    /// The detail page, loaded when first opened.
    CustomerDetailRoute => detail::CustomerDetailPage
);
crate::lazy_page!(
    /// The create/edit form, loaded when first opened.
    CustomerFormRoute => form::CustomerFormPage
);
