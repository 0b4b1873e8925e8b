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
