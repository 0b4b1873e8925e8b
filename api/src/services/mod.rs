//! Domain services: all database work and the business rules that need the database.
//! They take a connection and an `Actor`, never HTTP types, and return shared DTOs.

pub mod api_client;
pub mod approval;
pub mod attachment;
pub mod audit;
pub mod company;
pub mod contact;
pub mod contract;
pub mod counters;
pub mod cursor;
pub mod customer;
pub mod deal_totals;
pub mod duplicate;
pub mod field;
pub mod field_plan;
pub mod field_sort;
pub mod follow_up;
pub mod idempotency;
pub mod layout;
pub mod lead;
pub mod notification;
pub mod opportunity;
pub mod option_list;
pub mod org;
pub mod payment;
pub mod pool;
pub mod product;
pub mod quote;
pub mod record;
pub mod rules_cache;
pub mod sequence;
pub mod sessions;
pub mod throttle;
pub mod user;
pub mod visit;
pub mod webhook;

use chrono::{DateTime, SubsecRound, Utc};
use kaidan_shared::page::checked_limit;
use kaidan_shared::FieldCode;
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// The connections of a service that checks before it writes: `read` for the checks before its
/// transaction, `write` for the transaction. On SQLite `read` is the pool of readers beside the
/// one writer, so a conversion's dozen checks do not hold the writer that every other write waits
/// for (the transaction re-checks what could have changed: versions, locks); on PostgreSQL and
/// MySQL both are the one pool.
#[derive(Clone, Copy)]
pub struct Conns<'a> {
    pub write: &'a sea_orm::DatabaseConnection,
    pub read: &'a sea_orm::DatabaseConnection,
    /// The settings writes are checked against (`rules_cache`).
    pub rules: &'a rules_cache::RulesCache,
}

impl<'a> Conns<'a> {
    /// One connection for both (seeding, tools).
    pub fn one(db: &'a sea_orm::DatabaseConnection) -> Self {
        Conns {
            write: db,
            read: db,
            rules: &rules_cache::NONE,
        }
    }
}

/// The current time at the precision every engine stores (microseconds), so a value read back
/// equals the value written and keyset cursors compare exactly.
/// Starts a transaction that writes. On SQLite it takes the write lock at `BEGIN IMMEDIATE`, so a
/// transaction that reads before it writes waits its turn (busy timeout) instead of failing with
/// `SQLITE_BUSY` when a concurrent writer committed first; PostgreSQL and MySQL ignore the mode.
pub async fn begin_write<C: sea_orm::TransactionTrait>(
    db: &C,
) -> Result<C::Transaction, sea_orm::DbErr> {
    db.begin_with_options(sea_orm::TransactionOptions {
        sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// A new time-ordered id.
pub fn new_id() -> Uuid {
    Uuid::now_v7()
}

/// The page size, or 422 when it is outside 1..=200.
pub fn page_limit(limit: Option<u64>) -> AppResult<u64> {
    checked_limit(limit).ok_or_else(|| {
        AppError::field(
            "limit",
            FieldCode::OutOfRange,
            "limit must be between 1 and 200",
        )
    })
}

/// Escapes `%`, `_` and the escape character itself for a LIKE pattern using `!` as escape.
pub fn like_contains(text: &str) -> sea_orm::sea_query::LikeExpr {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '!') {
            p.push('!');
        }
        p.push(c);
    }
    p.push('%');
    sea_orm::sea_query::LikeExpr::new(p).escape('!')
}

/// A client's time at the precision every engine stores, so what is answered is what is kept.
pub fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::SubsecRound;
    t.trunc_subsecs(6)
}

/// Optional text as stored: trimmed, and nothing when nothing is left.
pub fn clean(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// Whether an insert lost to an existing row with the same unique key (every engine's code).
pub fn is_unique_violation(e: &sea_orm::DbErr) -> bool {
    matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

/// Maps a unique-constraint violation to 409 `conflict` with `detail`; other errors pass through.
pub fn unique_violation(e: sea_orm::DbErr, detail: &str) -> AppError {
    if is_unique_violation(&e) {
        AppError::new(kaidan_shared::ErrorCode::Conflict).with_detail(detail)
    } else {
        e.into()
    }
}

/// Checks an `If-Match` version against the record's; 412 when someone else changed it.
pub fn check_version(expected: Option<i64>, current: i64) -> AppResult<()> {
    match expected {
        Some(v) if v != current => Err(stale()),
        _ => Ok(()),
    }
}

/// 412: the record changed since the caller read it (lost the race of a conditional update).
pub fn stale() -> AppError {
    AppError::new(kaidan_shared::ErrorCode::VersionConflict)
        .with_detail("the record was changed by someone else; reload it and try again")
}
