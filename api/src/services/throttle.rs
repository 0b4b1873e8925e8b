//! Sign-in throttling per account and per IP, counted in the database so that every instance
//! behind a load balancer sees the same numbers.

use chrono::Duration;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use crate::config::AuthSettings;
use crate::entities::login_attempt;
use crate::error::{AppError, AppResult};
use crate::services::{new_id, now};

/// 429 when the account or the IP has too many recent failures; `Retry-After` says when the
/// oldest counted failure leaves the window.
pub async fn check(
    db: &DatabaseConnection,
    s: &AuthSettings,
    username: &str,
    ip: &str,
) -> AppResult<()> {
    let since = now() - Duration::seconds(s.failure_window_secs);
    let by_account = login_attempt::Column::Username.eq(username);
    let by_ip = login_attempt::Column::Ip.eq(ip);
    for (cond, max) in [
        (by_account, s.max_failures_per_account),
        (by_ip, s.max_failures_per_ip),
    ] {
        let base = login_attempt::Entity::find()
            .filter(cond)
            .filter(login_attempt::Column::Succeeded.eq(false))
            .filter(login_attempt::Column::At.gt(since));
        // Attempts past `max` are refused before they are recorded, so this indexed count stays
        // around `max` rows even under attack.
        let n = base.clone().paginate(db, max).num_items().await?;
        if n >= max {
            let newest_allowed = base
                .order_by_desc(login_attempt::Column::At)
                .offset(max - 1)
                .one(db)
                .await?;
            let retry = newest_allowed
                .map(|a| (a.at + Duration::seconds(s.failure_window_secs) - now()).num_seconds())
                .unwrap_or(s.failure_window_secs)
                .max(1);
            return Err(AppError::too_many(retry as u64)
                .with_detail("too many failed sign-ins; wait before trying again"));
        }
    }
    Ok(())
}

/// Records an attempt. A success clears the account's failures (not the IP's).
pub async fn record(
    db: &DatabaseConnection,
    username: &str,
    ip: &str,
    succeeded: bool,
) -> AppResult<()> {
    let at = now();
    login_attempt::Entity::insert(login_attempt::ActiveModel {
        id: Set(new_id()),
        username: Set(username.chars().take(64).collect()),
        ip: Set(ip.chars().take(64).collect()),
        succeeded: Set(succeeded),
        at: Set(at),
    })
    .exec_without_returning(db)
    .await?;
    if succeeded {
        login_attempt::Entity::delete_many()
            .filter(login_attempt::Column::Username.eq(username))
            .filter(login_attempt::Column::Succeeded.eq(false))
            .exec(db)
            .await?;
    }
    // Keep the table small: a day is far beyond any window.
    login_attempt::Entity::delete_many()
        .filter(login_attempt::Column::At.lt(at - Duration::days(1)))
        .exec(db)
        .await?;
    Ok(())
}
