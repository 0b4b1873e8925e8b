//! Kaidan's web app (Leptos, client-side rendered, built by trunk).
//!
//! The screens arrive with the web-app milestone. Until then `kaidan serve` shows a placeholder
//! page at `/` linking to the API docs; this crate is in the workspace (excluded from
//! `default-members`) so that its place and its dependency on `kaidan-shared` are fixed.

pub use kaidan_shared as shared;
