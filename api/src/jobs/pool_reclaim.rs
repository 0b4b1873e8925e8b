//! The reclaim job (公海回收): customers whose owner has not followed them up for their pool's
//! number of days (per customer level) go back to the pool, and their owners are warned the
//! pool's number of days before. Runs hourly on one instance (leased), walking customers by their
//! follow-up time in batches that each commit on their own, so requests keep flowing while it
//! runs and a crash resumes at the last batch.
//!
//! Every change is conditional on the row still being what the batch read (same owner, same
//! follow-up time, not in a pool), so a customer followed up or transferred meanwhile is left
//! alone, and a customer is never reclaimed or warned twice.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Duration, Utc};
use kaidan_shared::audit::AuditAction;
use kaidan_shared::notification::NotificationKind;
use kaidan_shared::pool::{Due, PoolRules};
use kaidan_shared::Resource;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

use super::{BoxFuture, Counts, Job, Step};
use crate::auth::Actor;
use crate::entities::{customer, pool, user};
use crate::error::AppResult;
use crate::services::audit;
use crate::services::notification::{self, Notice};
use crate::services::pool::{into_pool, level_of, rules_of};

/// Customers looked at per batch (one transaction).
pub const BATCH: u64 = 500;

/// What a reclaimed customer's `pool_reason` says.
pub const REASON: &str = "reclaimed";

pub struct PoolReclaim;

/// The pools, by region (`None`: the company-wide pool customers of other regions go to).
struct Pools {
    by_region: HashMap<Uuid, (Uuid, PoolRules)>,
    fallback: Option<(Uuid, PoolRules)>,
}

impl Pools {
    async fn load(txn: &DatabaseTransaction) -> AppResult<Pools> {
        let mut by_region = HashMap::new();
        let mut fallback = None;
        for p in pool::Entity::find()
            .order_by_asc(pool::Column::Id)
            .all(txn)
            .await?
        {
            let rules = rules_of(&p);
            match p.region_id {
                Some(r) => {
                    by_region.insert(r, (p.id, rules));
                }
                None if fallback.is_none() => fallback = Some((p.id, rules)),
                None => {}
            }
        }
        Ok(Pools {
            by_region,
            fallback,
        })
    }

    fn for_region(&self, region: Option<Uuid>) -> Option<&(Uuid, PoolRules)> {
        region
            .and_then(|r| self.by_region.get(&r))
            .or(self.fallback.as_ref())
    }

    /// The latest follow-up time that may need a warning or a reclaim now: nothing followed up
    /// after it is due for anything under any pool's rules.
    fn horizon(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.by_region
            .values()
            .chain(self.fallback.iter())
            .flat_map(|(_, r)| {
                let d = &r.reclaim_days;
                [d.a, d.b, d.c, d.unrated]
                    .into_iter()
                    .flatten()
                    .map(move |days| days.saturating_sub(r.warn_days))
            })
            .min()
            .map(|days| now - Duration::days(days as i64))
    }
}

impl Job for PoolReclaim {
    fn name(&self) -> &'static str {
        "pool_reclaim"
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
    let pools = Pools::load(txn).await?;
    let Some(horizon) = pools.horizon(now) else {
        return Ok(Step { next: None, counts });
    };
    let mut sel = customer::Entity::find()
        .filter(customer::Column::OwnerId.is_not_null())
        .filter(customer::Column::PoolId.is_null())
        .filter(customer::Column::ArchivedAt.is_null())
        .filter(customer::Column::FollowedUpAt.lt(horizon));
    sel = sel.filter(super::walk_after(
        customer::Column::FollowedUpAt,
        customer::Column::Id,
        after,
        "followed_up",
    )?);
    let rows = sel
        .order_by_asc(customer::Column::FollowedUpAt)
        .order_by_asc(customer::Column::Id)
        .limit(BATCH)
        .all(txn)
        .await?;
    let next = super::walk_next(
        "followed_up",
        rows.last()
            .map(|c| (c.followed_up_at.unwrap_or(c.created_at), c.id)),
        rows.len(),
        BATCH,
    );
    let owners: BTreeSet<Uuid> = rows.iter().filter_map(|r| r.owner_id).collect();
    // The owners' rows share-locked, in id order, before any customer is touched: moving a user
    // (or a team) locks those rows first and then rewrites their customers' copies of the
    // owner's place (org::owner_place), so the batch and a move wait for each other in one
    // order and never on each other's customers.
    let regions: HashMap<Uuid, Option<Uuid>> = if owners.is_empty() {
        HashMap::new()
    } else {
        user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .column(user::Column::RegionId)
            .filter(user::Column::Id.is_in(owners))
            .order_by_asc(user::Column::Id)
            .lock_shared()
            .into_tuple::<(Uuid, Option<Uuid>)>()
            .all(txn)
            .await?
            .into_iter()
            .collect()
    };
    let exempt = exempt(txn, &rows, &pools, &regions).await?;
    let system = Actor::system();
    let mut changes = Vec::new();
    let mut notices = Vec::new();
    for c in &rows {
        let (Some(owner), Some(followed)) = (c.owner_id, c.followed_up_at) else {
            continue;
        };
        let Some((pool_id, rules)) = pools.for_region(regions.get(&owner).copied().flatten())
        else {
            continue;
        };
        let Some(reclaim_at) = rules.reclaim_at(level_of(c), followed) else {
            continue;
        };
        if exempt.contains(&c.id) {
            continue;
        }
        // Only while the row is as read: no follow-up, transfer or claim in between.
        let unchanged = Condition::all()
            .add(customer::Column::Id.eq(c.id))
            .add(customer::Column::OwnerId.eq(owner))
            .add(customer::Column::FollowedUpAt.eq(followed))
            .add(customer::Column::PoolId.is_null());
        match rules.due(reclaim_at, followed, c.warned_at, now) {
            Due::Nothing => {}
            Due::Reclaim => {
                let done = into_pool(customer::Entity::update_many(), *pool_id, now, REASON)
                    .col_expr(customer::Column::PreviousOwnerId, Expr::value(Some(owner)))
                    .col_expr(
                        customer::Column::Version,
                        Expr::col(customer::Column::Version).add(1),
                    )
                    .col_expr(
                        customer::Column::UpdatedAt,
                        Expr::value(crate::services::now()),
                    )
                    .filter(unchanged)
                    .exec(txn)
                    .await?;
                if done.rows_affected == 1 {
                    *counts.entry("reclaimed".into()).or_default() += 1;
                    changes.push(audit::Change {
                        action: AuditAction::CustomerReclaim,
                        entity: "customer",
                        entity_id: c.id,
                        subject_id: c.id,
                        before: Some(json!({"owner_id": owner, "pool_id": null})),
                        after: Some(json!({"owner_id": null, "pool_id": pool_id,
                        "pool_reason": REASON, "followed_up_at": followed})),
                    });
                    notices.push(Notice {
                        user_id: owner,
                        kind: NotificationKind::PoolReclaimed,
                        resource: Some(Resource::Customer),
                        record_id: Some(c.id),
                        data: json!({"name": c.name, "pool_id": pool_id,
                        "days": rules.reclaim_days_for(level_of(c))}),
                    });
                }
            }
            Due::Warn => {
                let done = customer::Entity::update_many()
                    .col_expr(customer::Column::WarnedAt, Expr::value(Some(now)))
                    .filter(unchanged)
                    .filter(
                        Condition::any()
                            .add(customer::Column::WarnedAt.is_null())
                            .add(customer::Column::WarnedAt.lt(followed)),
                    )
                    .exec(txn)
                    .await?;
                if done.rows_affected == 1 {
                    *counts.entry("warned".into()).or_default() += 1;
                    notices.push(Notice {
                        user_id: owner,
                        kind: NotificationKind::PoolWarning,
                        resource: Some(Resource::Customer),
                        record_id: Some(c.id),
                        data: json!({"name": c.name, "reclaim_at": reclaim_at,
                        "days_left": Ord::max((reclaim_at - now).num_days(), 0)}),
                    });
                }
            }
        }
    }
    audit::record_all(txn, &system, changes).await?;
    notification::send_all(txn, notices).await?;
    *counts.entry("looked_at".into()).or_default() += rows.len() as u64;
    Ok(Step { next, counts })
}

/// The customers of `rows` that their pool's exemptions keep with their owner.
async fn exempt(
    txn: &DatabaseTransaction,
    rows: &[customer::Model],
    pools: &Pools,
    regions: &HashMap<Uuid, Option<Uuid>>,
) -> AppResult<BTreeSet<Uuid>> {
    let mut out = BTreeSet::new();
    let asks_open_deal: Vec<Uuid> = rows
        .iter()
        .filter(|c| {
            let region = c.owner_id.and_then(|o| regions.get(&o).copied().flatten());
            pools
                .for_region(region)
                .is_some_and(|(_, r)| r.exempt_open_opportunity)
        })
        .map(|c| c.id)
        .collect();
    if !asks_open_deal.is_empty() {
        out.extend(
            crate::services::opportunity::customers_with_open_deal(txn, asks_open_deal).await?,
        );
    }
    Ok(out)
}
