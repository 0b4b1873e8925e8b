//! sea-orm entities. They never leave the api crate: services map them to `kaidan_shared` DTOs.

pub mod audit_log;
pub mod contact;
pub mod custom_value;
pub mod customer;
pub mod customer_tag;
pub mod field_def;
pub mod idempotency_key;
pub mod job;
pub mod layout;
pub mod notification;
pub mod opportunity;
pub mod opportunity_stage;
pub mod opportunity_stage_change;
pub mod option_item;
pub mod option_list;
pub mod pool;
pub mod pool_claim;
pub mod rate_counter;
pub mod refresh_token;
pub mod region;
pub mod session;
pub mod team;
pub mod user;
pub mod user_column;
