//! Kaidan's shared vocabulary: the DTOs that cross the wire, the permission table, and the pure
//! domain rules that both the browser (instant feedback) and the server (the truth) run.
//!
//! This crate never sees a database, an HTTP framework or a token library, so that it compiles
//! for `wasm32-unknown-unknown`. The `openapi` feature adds utoipa derives for the api crate.

pub mod api_client;
pub mod approval;
pub mod attachment;
pub mod audit;
pub mod auth;
pub mod company;
pub mod contact;
pub mod contract;
pub mod cursor;
pub mod customer;
pub mod de;
pub mod duplicate;
pub mod error;
pub mod field;
pub mod follow_up;
pub mod geo;
pub mod layout;
pub mod lead;
pub mod money;
pub mod normalize;
pub mod notification;
pub mod opportunity;
pub mod option_list;
pub mod org;
pub mod page;
pub mod patch;
pub mod payment;
pub mod policy;
pub mod pool;
pub mod product;
pub mod quote;
pub mod user;
pub mod validate;
pub mod visit;
pub mod webhook;

pub use error::{ErrorCode, FieldCode, FieldError, Problem};
pub use patch::Patch;
pub use policy::{Action, Resource, Role, Scope};
