//! Who is calling and what they may do: passwords, tokens, the `AuthUser` extractor and the one
//! data-scope policy every service goes through.

pub mod actor;
pub mod cache;
pub mod extractor;
pub mod keys;
pub mod password;
pub mod policy;
pub mod tokens;

pub use actor::Actor;
pub use extractor::AuthUser;
