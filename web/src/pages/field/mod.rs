//! Custom fields (自定义字段), for admins: a tab of the admin screen.

pub mod list;
