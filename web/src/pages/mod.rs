//! The screens, one folder per module (`list`, `detail`, `form`), plus sign-in and the user's own
//! page.

pub mod api_client;
pub mod approval;
pub mod contract;
pub mod customer;
pub mod field;
pub mod layout;
pub mod lead;
pub mod login;
pub mod me;
pub mod notification;
pub mod opportunity;
pub mod option_list;
pub mod org;
pub mod pool;
pub mod product;
pub mod quote;
pub mod user;
pub mod visit;
pub mod webhook;

crate::lazy_page!(
    /// The user's own page, loaded when first opened.
    MeRoute => me::MePage
);
