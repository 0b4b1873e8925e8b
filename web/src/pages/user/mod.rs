//! Users and the org they sit in, for admins: users (create, role and team, deactivate, reset
//! password, sign-in locks), teams and regions.

pub mod list;

crate::lazy_page!(
    /// The admin screen (users, teams, regions), loaded when first opened.
    AdminRoute => list::AdminPage
);
