//! Stale deals (停滞商机): an open deal with no activity for its stage's number of days is
//! marked stale and its owner told once (until the next activity, after which it may go stale
//! again). Leased and batched like every job; each change is conditional on the deal's last
//! activity being what the batch read.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use kaidan_shared::notification::NotificationKind;
use kaidan_shared::opportunity::Outcome;
use kaidan_shared::Resource;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;

use super::{BoxFuture, Counts, Job, Step};
use crate::entities::opportunity;
use crate::error::AppResult;
use crate::services::notification::{self, Notice};
use crate::services::opportunity::load_stages;

pub const BATCH: u64 = 500;

pub struct DealStale;

impl Job for DealStale {
    fn name(&self) -> &'static str {
        "deal_stale"
    }

    fn next_run(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + Duration::hours(1)
    }

    fn step<'a>(
        &'a self,
        txn: &'a DatabaseTransaction,
        after: Option<&'a str>,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, AppResult<Step>> {
        Box::pin(step(txn, after, now))
    }
}

async fn step(
    txn: &DatabaseTransaction,
    after: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<Step> {
    let mut counts = Counts::new();
    let days: HashMap<String, u32> = load_stages(txn)
        .await?
        .stages
        .into_iter()
        .filter(|s| s.outcome == Outcome::Open)
        .filter_map(|s| s.stale_days.map(|d| (s.key, d)))
        .collect();
    let Some(shortest) = days.values().min().copied() else {
        return Ok(Step { next: None, counts });
    };
    let mut sel = opportunity::Entity::find()
        .filter(opportunity::Column::Status.eq(Outcome::Open.as_str()))
        .filter(opportunity::Column::LastActivityAt.lt(now - Duration::days(shortest as i64)));
    sel = sel.filter(super::walk_after(
        opportunity::Column::LastActivityAt,
        opportunity::Column::Id,
        after,
        "activity",
    )?);
    let rows = sel
        .order_by_asc(opportunity::Column::LastActivityAt)
        .order_by_asc(opportunity::Column::Id)
        .limit(BATCH)
        .all(txn)
        .await?;
    let next = super::walk_next(
        "activity",
        rows.last().map(|o| (o.last_activity_at, o.id)),
        rows.len(),
        BATCH,
    );
    let mut notices = Vec::new();
    for o in &rows {
        let Some(d) = days.get(&o.stage) else {
            continue;
        };
        if o.archived_at.is_some()
            || o.last_activity_at >= now - Duration::days(*d as i64)
            || o.stale_at.is_some_and(|s| s >= o.last_activity_at)
        {
            continue;
        }
        let done = opportunity::Entity::update_many()
            .col_expr(opportunity::Column::StaleAt, Expr::value(Some(now)))
            .filter(opportunity::Column::Id.eq(o.id))
            .filter(opportunity::Column::LastActivityAt.eq(o.last_activity_at))
            .filter(opportunity::Column::Status.eq(Outcome::Open.as_str()))
            .exec(txn)
            .await?;
        if done.rows_affected == 1 {
            *counts.entry("stale".into()).or_default() += 1;
            if let Some(owner) = o.owner_id {
                notices.push(Notice {
                    user_id: owner,
                    kind: NotificationKind::DealStale,
                    resource: Some(Resource::Opportunity),
                    record_id: Some(o.id),
                    data: json!({"name": o.name, "stage": o.stage, "days": d}),
                });
            }
        }
    }
    notification::send_all(txn, notices).await?;
    *counts.entry("looked_at".into()).or_default() += rows.len() as u64;
    Ok(Step { next, counts })
}
