//! Fixed-window counters in the database, shared by every instance: sign-in throttling and the
//! cross-scope duplicate answers per user.
//!
//! `take` is atomic on SQLite, PostgreSQL and MySQL alike without locks or `RETURNING`: a unit is
//! taken by a conditional `UPDATE … WHERE count < max` (the engine serialises updates of one row),
//! a stale window is restarted by a conditional `UPDATE … WHERE window_started_at <= …`, and a
//! first use is an `INSERT` that only one caller can win on the primary key. So however many
//! requests arrive at once, at most `max` units are taken per window.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::entities::rate_counter::{self, Column};
use crate::error::{AppError, AppResult};
use crate::services::{is_unique_violation, now};

/// A counter's identity: what kind of thing is counted, against whom, from where.
#[derive(Clone, Debug)]
pub struct Key {
    pub key: String,
    pub subject: String,
    pub ip: String,
}

impl Key {
    /// `kind|subject|ip`, each part cut to what the columns hold.
    pub fn new(kind: &str, subject: &str, ip: &str) -> Key {
        // Control characters (a NUL in a guessed username) cannot be stored everywhere.
        let subject: String = subject
            .chars()
            .map(|c| if c.is_control() { '?' } else { c })
            .take(64)
            .collect();
        let ip: String = ip.chars().take(64).collect();
        Key {
            key: format!("{kind}|{subject}|{ip}"),
            subject,
            ip,
        }
    }
}

/// The result of `take`.
#[derive(Debug, PartialEq, Eq)]
pub enum Taken {
    Yes,
    /// The window is used up; it ends in this many seconds.
    Full {
        retry_after_secs: u64,
    },
}

/// Takes one unit of `key` if its window (`window_secs` long) has fewer than `max` taken.
pub async fn take<C: ConnectionTrait>(
    db: &C,
    k: &Key,
    max: i64,
    window_secs: i64,
) -> AppResult<Taken> {
    if max < 1 {
        return Ok(Taken::Full {
            retry_after_secs: Ord::max(window_secs, 1) as u64,
        });
    }
    // A few rounds cover every interleaving: a lost insert race means the row now exists, and
    // rows are zeroed rather than deleted while in use (`reset`), so churn stays rare.
    for _ in 0..5 {
        let t = now();
        let live_after = t - Duration::seconds(window_secs);
        let room = rate_counter::Entity::update_many()
            .col_expr(Column::Count, Expr::col(Column::Count).add(1))
            .filter(Column::Key.eq(&k.key))
            .filter(Column::WindowStartedAt.gt(live_after))
            .filter(Column::Count.lt(max))
            .exec(db)
            .await?;
        if room.rows_affected == 1 {
            return Ok(Taken::Yes);
        }
        let restarted = rate_counter::Entity::update_many()
            .col_expr(Column::Count, Expr::value(1i64))
            .col_expr(Column::WindowStartedAt, Expr::value(t))
            .col_expr(Column::LockedAt, Expr::value(Option::<DateTime<Utc>>::None))
            .filter(Column::Key.eq(&k.key))
            .filter(Column::WindowStartedAt.lte(live_after))
            .exec(db)
            .await?;
        if restarted.rows_affected == 1 {
            return Ok(Taken::Yes);
        }
        let first = rate_counter::Entity::insert(rate_counter::ActiveModel {
            key: Set(k.key.clone()),
            subject: Set(k.subject.clone()),
            ip: Set(k.ip.clone()),
            count: Set(1),
            window_started_at: Set(t),
            locked_at: Set(None),
        })
        .exec_without_returning(db)
        .await;
        match first {
            Ok(_) => return Ok(Taken::Yes),
            Err(e) if is_unique_violation(&e) => {}
            Err(e) => return Err(e.into()),
        }
        // The row exists: full, or changed between our statements (then try again).
        if let Some(row) = rate_counter::Entity::find_by_id(k.key.clone())
            .one(db)
            .await?
        {
            if row.count >= max && row.window_started_at > live_after {
                let ends = row.window_started_at + Duration::seconds(window_secs);
                return Ok(Taken::Full {
                    retry_after_secs: Ord::max((ends - now()).num_seconds(), 1) as u64,
                });
            }
        }
    }
    Err(AppError::too_many(1).with_detail("too much contention on a counter; try again"))
}

/// Gives back a unit taken by `take` (the attempt turned out not to count).
pub async fn give_back<C: ConnectionTrait>(db: &C, k: &Key) -> AppResult<()> {
    rate_counter::Entity::update_many()
        .col_expr(Column::Count, Expr::col(Column::Count).sub(1))
        .filter(Column::Key.eq(&k.key))
        .filter(Column::Count.gt(0))
        .exec(db)
        .await?;
    Ok(())
}

/// How many units are taken in the live window (0 when none or the window is over).
pub async fn current<C: ConnectionTrait>(db: &C, k: &Key, window_secs: i64) -> AppResult<i64> {
    let live_after = now() - Duration::seconds(window_secs);
    Ok(rate_counter::Entity::find_by_id(k.key.clone())
        .one(db)
        .await?
        .filter(|r| r.window_started_at > live_after)
        .map_or(0, |r| r.count))
}

/// Marks the live window of `key` locked if it is used up and not marked yet. True for exactly
/// one caller per window, so the lock is reported once however many requests see it.
pub async fn mark_locked<C: ConnectionTrait>(
    db: &C,
    k: &Key,
    max: i64,
    window_secs: i64,
) -> AppResult<bool> {
    let live_after = now() - Duration::seconds(window_secs);
    let r = rate_counter::Entity::update_many()
        .col_expr(Column::LockedAt, Expr::value(now()))
        .filter(Column::Key.eq(&k.key))
        .filter(Column::WindowStartedAt.gt(live_after))
        .filter(Column::Count.gte(max))
        .filter(Column::LockedAt.is_null())
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}

/// For a failures counter that spaces checks out: claims the next check if `spacing` has passed
/// since the last claim (kept in `locked_at`), atomically, so of many concurrent callers one wins.
/// `Err` carries how long until the next check is due.
pub async fn claim_slot<C: ConnectionTrait>(
    db: &C,
    k: &Key,
    spacing: std::time::Duration,
) -> AppResult<Result<(), std::time::Duration>> {
    let t = now();
    let spacing_ch = Duration::from_std(spacing).unwrap_or(Duration::seconds(60));
    let claimed = rate_counter::Entity::update_many()
        .col_expr(Column::LockedAt, Expr::value(t))
        .filter(Column::Key.eq(&k.key))
        .filter(
            sea_orm::Condition::any()
                .add(Column::LockedAt.is_null())
                .add(Column::LockedAt.lte(t - spacing_ch)),
        )
        .exec(db)
        .await?;
    if claimed.rows_affected == 1 {
        return Ok(Ok(()));
    }
    let last = rate_counter::Entity::find_by_id(k.key.clone())
        .one(db)
        .await?
        .and_then(|r| r.locked_at);
    Ok(match last {
        // The row vanished (a success cleared it): nothing to wait for.
        None => Ok(()),
        Some(last) => Err((last + spacing_ch - now())
            .to_std()
            .unwrap_or(std::time::Duration::ZERO)),
    })
}

/// Zeroes a counter (a success forgives the failures before it) without deleting its row, so
/// concurrent `take`s keep finding it and never fall back to the insert race.
pub async fn reset<C: ConnectionTrait>(db: &C, k: &Key) -> AppResult<()> {
    rate_counter::Entity::update_many()
        .col_expr(Column::Count, Expr::value(0i64))
        .col_expr(Column::LockedAt, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(Column::Key.eq(&k.key))
        .exec(db)
        .await?;
    Ok(())
}

/// Forgets a counter.
pub async fn clear<C: ConnectionTrait>(db: &C, k: &Key) -> AppResult<()> {
    rate_counter::Entity::delete_by_id(k.key.clone())
        .exec(db)
        .await?;
    Ok(())
}

/// The live counters of `kind` against `subject`.
pub async fn live_for_subject<C: ConnectionTrait>(
    db: &C,
    kind: &str,
    subject: &str,
    window_secs: i64,
) -> AppResult<Vec<rate_counter::Model>> {
    let live_after = now() - Duration::seconds(window_secs);
    let prefix = format!("{kind}|");
    Ok(rate_counter::Entity::find()
        .filter(Column::Subject.eq(subject))
        .filter(Column::WindowStartedAt.gt(live_after))
        .all(db)
        .await?
        .into_iter()
        .filter(|r| r.key.starts_with(&prefix))
        .collect())
}

/// Deletes every counter of `subject` whose key starts with one of `kinds`.
pub async fn clear_subject<C: ConnectionTrait>(
    db: &C,
    kinds: &[&str],
    subject: &str,
) -> AppResult<u64> {
    let rows = rate_counter::Entity::find()
        .filter(Column::Subject.eq(subject))
        .all(db)
        .await?;
    let keys: Vec<String> = rows
        .into_iter()
        .filter(|r| kinds.iter().any(|k| r.key.starts_with(&format!("{k}|"))))
        .map(|r| r.key)
        .collect();
    if keys.is_empty() {
        return Ok(0);
    }
    let n = keys.len() as u64;
    rate_counter::Entity::delete_many()
        .filter(Column::Key.is_in(keys))
        .exec(db)
        .await?;
    Ok(n)
}

/// Deletes counters whose window ended more than `older_than_secs` ago (the periodic clean-up).
pub async fn purge<C: ConnectionTrait>(db: &C, older_than_secs: i64) -> AppResult<u64> {
    let r = rate_counter::Entity::delete_many()
        .filter(Column::WindowStartedAt.lt(now() - Duration::seconds(older_than_secs)))
        .exec(db)
        .await?;
    Ok(r.rows_affected)
}
