//! Small serde helpers for PATCH bodies.

use serde::{Deserialize, Deserializer};

/// Distinguishes "field absent" (`None`) from "field set to null" (`Some(None)`) in PATCH bodies,
/// so a client can clear an optional field without touching the others.
/// Use with `#[serde(default, deserialize_with = "double_option")]`.
pub fn double_option<'de, T, D>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Deserialize::deserialize(de).map(Some)
}
