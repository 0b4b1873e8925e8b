//! Layouts (布局), for admins: a tab of the admin screen.

pub mod editor;
