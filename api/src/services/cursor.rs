//! Opaque keyset cursors: base64url of `{ s: sort, v: last sort value, id: last id }`.
//! A cursor from another sort order is refused rather than silently misread.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use kaidan_shared::ErrorCode;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

#[derive(Serialize, Deserialize)]
struct Raw {
    s: String,
    v: String,
    id: Uuid,
}

pub fn encode(sort: &str, value: &str, id: Uuid) -> String {
    let raw = Raw {
        s: sort.into(),
        v: value.into(),
        id,
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&raw).unwrap_or_default())
}

/// Returns the last value and id of the previous page.
pub fn decode(cursor: &str, sort: &str) -> AppResult<(String, Uuid)> {
    let bad = || AppError::new(ErrorCode::InvalidCursor);
    if cursor.len() > 1024 {
        return Err(bad());
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let raw: Raw = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    if raw.s != sort {
        return Err(bad().with_detail("the cursor belongs to another sort order"));
    }
    Ok((raw.v, raw.id))
}

/// Parses a timestamp value from a cursor.
pub fn time(value: &str) -> AppResult<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| AppError::new(ErrorCode::InvalidCursor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let id = Uuid::now_v7();
        let c = encode("name_asc", "杭州", id);
        assert_eq!(decode(&c, "name_asc").unwrap(), ("杭州".to_owned(), id));
        assert_eq!(
            decode(&c, "updated_desc").unwrap_err().code,
            ErrorCode::InvalidCursor
        );
        assert_eq!(
            decode("!!!", "name_asc").unwrap_err().code,
            ErrorCode::InvalidCursor
        );
        assert_eq!(
            decode("e30", "name_asc").unwrap_err().code,
            ErrorCode::InvalidCursor
        );
    }
}
