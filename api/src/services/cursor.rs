//! Keyset cursors for the services: `kaidan_shared::cursor` (pure, fuzzed) with its refusals
//! turned into the API's `invalid_cursor` problem.

use kaidan_shared::cursor::{self, CursorError};
use kaidan_shared::ErrorCode;
use uuid::Uuid;

use crate::error::{AppError, AppResult};

pub use cursor::encode;

fn refused(e: CursorError) -> AppError {
    let err = AppError::new(ErrorCode::InvalidCursor);
    match e {
        CursorError::Malformed => err,
        CursorError::OtherSort => err.with_detail("the cursor belongs to another sort order"),
    }
}

/// Returns the last value and id of the previous page.
pub fn decode(c: &str, sort: &str) -> AppResult<(String, Uuid)> {
    cursor::decode(c, sort).map_err(refused)
}

/// Parses a timestamp value from a cursor.
pub fn time(value: &str) -> AppResult<chrono::DateTime<chrono::Utc>> {
    cursor::time(value).map_err(refused)
}

/// Parses a calendar day value from a cursor (`2026-11-29`).
pub fn date(value: &str) -> AppResult<chrono::NaiveDate> {
    value
        .parse::<chrono::NaiveDate>()
        .map_err(|_| refused(CursorError::Malformed))
}
