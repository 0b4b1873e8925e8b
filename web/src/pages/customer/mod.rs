//! Customers: the list (search, filters, endless scroll), the detail page (contacts, transfer,
//! archive, history) and the create/edit form.

pub mod detail;
pub mod form;
pub mod list;
