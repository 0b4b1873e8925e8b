//! Option lists (数据字典), for admins: a tab of the admin screen.

pub mod list;
