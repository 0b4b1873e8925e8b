//! Notifications: the bell's list.

pub mod list;

crate::lazy_page!(
    /// The notification list, loaded when first opened.
    NotificationsRoute => list::NotificationsPage
);
