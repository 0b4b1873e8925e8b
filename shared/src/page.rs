//! Keyset pagination: `?limit=50&cursor=…` → `{ items, next_cursor }`.

use serde::{Deserialize, Serialize};

/// Page size when the client names none.
pub const DEFAULT_LIMIT: u64 = 50;
/// The largest page a client may ask for.
pub const MAX_LIMIT: u64 = 200;

/// One page of a list. `next_cursor` is absent on the last page.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    /// The rows (the spec names their schema: `openapi::name_page_items`).
    pub items: Vec<T>,
    /// Opaque; pass it back as `cursor` to get the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Clamps a requested page size into `1..=MAX_LIMIT`, or `None` when it is out of range
/// (the server answers 422 rather than silently returning something else).
pub fn checked_limit(limit: Option<u64>) -> Option<u64> {
    match limit {
        None => Some(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Some(n),
        Some(_) => None,
    }
}

/// Declares a list's query parameters with the paging pair every list takes (`limit`, `cursor`)
/// written once, documented once and bounded once: a module's list query names only its filters.
///
/// (Not `#[serde(flatten)]`: flattening breaks both `deny_unknown_fields` and the typed values of
/// a query string.)
#[macro_export]
macro_rules! list_query {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
        #[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            /// Page size, 1–200 (default 50).
            #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 200))]
            pub limit: Option<u64>,
            /// From the previous page's `next_cursor`.
            #[cfg_attr(feature = "openapi", param(max_length = 1024))]
            pub cursor: Option<String>,
            $( $(#[$fmeta])* pub $field : $ty, )*
        }
    };
}
