//! Document numbers (`BJ-2026-000123`, `HT-2026-000123`): unique within their sequence on every
//! engine, however many writers take one at once.
//!
//! One upsert takes the next number: `INSERT (name, 1) … ON CONFLICT DO UPDATE SET value =
//! value + 1` (`ON DUPLICATE KEY UPDATE` on MySQL). The statement leaves the row write-locked
//! (PostgreSQL, MySQL; SQLite has one writer) until the caller's transaction ends, so a second
//! writer waits and then reads the next value; the value is read back inside the same
//! transaction. A number taken by a transaction that rolls back is given again.

use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ConnectionTrait, EntityTrait, Set};

use crate::entities::sequence;
use crate::error::AppResult;

/// The next value of the sequence `name` (1 for a new one), inside the caller's transaction.
pub async fn next<C: ConnectionTrait>(txn: &C, name: &str) -> AppResult<i64> {
    sequence::Entity::insert(sequence::ActiveModel {
        name: Set(name.to_owned()),
        value: Set(1),
    })
    .on_conflict(
        OnConflict::column(sequence::Column::Name)
            .value(
                sequence::Column::Value,
                Expr::col((sequence::Entity, sequence::Column::Value)).add(1),
            )
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    let row = sequence::Entity::find_by_id(name.to_owned())
        .one(txn)
        .await?
        .ok_or_else(crate::services::stale)?;
    Ok(row.value)
}

/// A document number: `prefix-year-000123` (six digits, more when a year needs them).
pub fn format(prefix: &str, year: i32, n: i64) -> String {
    format!("{prefix}-{year}-{n:06}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_read_as_people_expect() {
        assert_eq!(super::format("HT", 2026, 123), "HT-2026-000123");
        assert_eq!(super::format("BJ", 2027, 1_234_567), "BJ-2027-1234567");
    }
}
