//! The org: regions and teams (tabs of the admin screen).

pub mod list;
