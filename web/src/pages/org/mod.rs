//! The org: regions and teams (tabs of the admin screen).

pub mod company;
pub mod list;
