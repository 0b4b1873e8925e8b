//! The periodic clean-up: remembered idempotent answers past their expiry, throttling counters
//! whose window ended long ago, refresh tokens that expired, notifications past 90 days, and
//! settled webhook deliveries (with their attempts) past 30 days.
//!
//! Every step is an idempotent `DELETE … WHERE <expired>`, so several instances running it at
//! once do no harm and need no lease (DESIGN §6 leases jobs that must run once; this one may run
//! any number of times).

use std::time::Duration;

use chrono::Duration as Age;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::entities::refresh_token;
use crate::error::AppResult;
use crate::services::{counters, idempotency, notification, now};

/// How often the clean-up runs.
pub const EVERY: Duration = Duration::from_secs(10 * 60);
/// Counters are kept a day past their window start: longer than any window.
const COUNTER_KEEP_SECS: i64 = 24 * 3600;

/// What one run removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Removed {
    pub idempotency_keys: u64,
    pub counters: u64,
    pub refresh_tokens: u64,
    pub notifications: u64,
    pub webhook_deliveries: u64,
}

/// One clean-up run.
pub async fn run_once(db: &DatabaseConnection) -> AppResult<Removed> {
    let idempotency_keys = idempotency::purge_expired(db).await?;
    let counters = counters::purge(db, COUNTER_KEEP_SECS).await?;
    let refresh_tokens = refresh_token::Entity::delete_many()
        .filter(refresh_token::Column::ExpiresAt.lt(now() - Age::days(1)))
        .exec(db)
        .await?
        .rows_affected;
    let notifications = notification::purge(db).await?;
    let webhook_deliveries = crate::services::webhook::purge(db).await?;
    Ok(Removed {
        idempotency_keys,
        counters,
        refresh_tokens,
        notifications,
        webhook_deliveries,
    })
}

/// Runs the clean-up every `EVERY` for as long as the server runs.
pub fn spawn(db: DatabaseConnection) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tick.tick().await;
            match run_once(&db).await {
                Ok(r) => tracing::debug!(?r, "clean-up done"),
                Err(e) => tracing::warn!(error = ?e, "clean-up failed; will retry"),
            }
        }
    });
}
