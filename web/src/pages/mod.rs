pub mod admin;
pub mod customer_detail;
pub mod customer_form;
pub mod customers;
pub mod login;
pub mod me;
