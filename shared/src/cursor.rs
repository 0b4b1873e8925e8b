//! Opaque keyset cursors: base64url (no padding) of `{ s: sort, v: last sort value, id: last id }`.
//!
//! Pure, so the fuzz targets exercise exactly what the server runs. A cursor from another sort
//! order is refused rather than silently misread, and an oversized one is refused before any
//! decoding work.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The longest cursor accepted; real ones are far shorter (a sort name, a value, a UUID).
pub const MAX_CURSOR_LEN: usize = 1024;

/// Why a cursor was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CursorError {
    /// Not a cursor this API made: too long, not base64url, or not the expected JSON.
    Malformed,
    /// A cursor from a list sorted another way.
    OtherSort,
}

#[derive(Serialize, Deserialize)]
struct Raw {
    s: String,
    v: String,
    id: Uuid,
}

/// The cursor that continues after the row (`value`, `id`) in sort order `sort`.
pub fn encode(sort: &str, value: &str, id: Uuid) -> String {
    let raw = Raw {
        s: sort.into(),
        v: value.into(),
        id,
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&raw).unwrap_or_default())
}

/// The last sort value and id of the previous page.
pub fn decode(cursor: &str, sort: &str) -> Result<(String, Uuid), CursorError> {
    if cursor.len() > MAX_CURSOR_LEN {
        return Err(CursorError::Malformed);
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| CursorError::Malformed)?;
    let raw: Raw = serde_json::from_slice(&bytes).map_err(|_| CursorError::Malformed)?;
    if raw.s != sort {
        return Err(CursorError::OtherSort);
    }
    Ok((raw.v, raw.id))
}

/// A timestamp sort value from a cursor.
pub fn time(value: &str) -> Result<DateTime<Utc>, CursorError> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| CursorError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let id = Uuid::from_u128(0x0193_5a4e_7c00_7000_8000_0000_0000_0001);
        let c = encode("name_asc", "杭州", id);
        assert_eq!(decode(&c, "name_asc"), Ok(("杭州".to_owned(), id)));
        assert_eq!(decode(&c, "updated_desc"), Err(CursorError::OtherSort));
        assert_eq!(decode("!!!", "name_asc"), Err(CursorError::Malformed));
        assert_eq!(decode("e30", "name_asc"), Err(CursorError::Malformed));
        let long = "A".repeat(MAX_CURSOR_LEN + 1);
        assert_eq!(decode(&long, "name_asc"), Err(CursorError::Malformed));
        assert_eq!(
            time("2026-11-25T08:00:00+08:00").unwrap().to_rfc3339(),
            "2026-11-25T00:00:00+00:00"
        );
        assert_eq!(time("yesterday"), Err(CursorError::Malformed));
    }
}
