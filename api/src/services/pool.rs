//! Public pools (公海): their rules, their customers (contacts masked), release and claim.
//!
//! A customer in a pool has no owner, so no rep's customer scope reaches it; it is reached
//! through its pool, whose scope is its region (a company-wide pool: every region). The claim
//! rules — the ex-owner's cool-down, the daily claim limit, the cap on customers held — are
//! checked inside the claim's transaction with the claimant's user row locked, so a rep's
//! parallel claims are counted one after the other; the claim itself is a conditional update,
//! so of two reps claiming one customer exactly one wins.

use chrono::{DateTime, Utc};
use kaidan_shared::audit::AuditAction;
use kaidan_shared::customer::{Customer, CustomerDetail, Level};
use kaidan_shared::normalize::search_key;
use kaidan_shared::page::Page;
use kaidan_shared::pool::{
    local_day_start, ClaimQuota, Pool, PoolCreate, PoolCustomerQuery, PoolRules, PoolUpdate,
    ReleaseRequest,
};
use kaidan_shared::{Action, ErrorCode, Resource, Role};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, UpdateMany,
};
use uuid::Uuid;

use crate::auth::policy::{self, Scoped};
use crate::auth::Actor;
use crate::entities::{customer, pool, pool_claim, region, user};
use crate::error::{AppError, AppResult};
use crate::services::customer::{shown, with_owner, CustomerRow};
use crate::services::record::{self, KeyKind, Keyset};
use crate::services::rules_cache::RulesCache;
use crate::services::{
    audit, begin_write, check_version, contact, field, like_contains, new_id, now, org, page_limit,
    stale, unique_violation,
};

/// The rules stored with a pool (the defaults if the stored JSON cannot be read).
pub fn rules_of(p: &pool::Model) -> PoolRules {
    serde_json::from_str(&p.rules).unwrap_or_default()
}

fn dto(p: pool::Model) -> Pool {
    Pool {
        rules: rules_of(&p),
        id: p.id,
        name: p.name,
        region_id: p.region_id,
        version: p.version,
        created_at: p.created_at,
        updated_at: p.updated_at,
    }
}

fn rules_json(r: &PoolRules) -> AppResult<String> {
    serde_json::to_string(r).map_err(AppError::internal)
}

/// The pools the caller uses (admins: all), company-wide first, then by name.
pub async fn list(db: &DatabaseConnection, actor: &Actor) -> AppResult<Vec<Pool>> {
    let scope = policy::require(actor, Resource::Pool, Action::Read)?;
    let mut rows = pool::Entity::find()
        .filter(pool::Entity::in_scope(actor, scope))
        .order_by_asc(pool::Column::Id)
        .limit(1000)
        .all(db)
        .await?;
    rows.sort_by(|a, b| (a.region_id.is_some(), &a.name).cmp(&(b.region_id.is_some(), &b.name)));
    Ok(rows.into_iter().map(dto).collect())
}

/// An update that takes customers into the pool `pool` (with `at` and `reason`): no owner, and
/// so no copies of an owner's place (`org::owner_place`).
pub(crate) fn into_pool(
    update: UpdateMany<customer::Entity>,
    pool: Uuid,
    at: DateTime<Utc>,
    reason: &str,
) -> UpdateMany<customer::Entity> {
    update
        .col_expr(customer::Column::OwnerId, Expr::value(Option::<Uuid>::None))
        .col_expr(
            customer::Column::OwnerTeamId,
            Expr::value(Option::<Uuid>::None),
        )
        .col_expr(
            customer::Column::OwnerRegionId,
            Expr::value(Option::<Uuid>::None),
        )
        .col_expr(customer::Column::PoolId, Expr::value(Some(pool)))
        .col_expr(customer::Column::PooledAt, Expr::value(Some(at)))
        .col_expr(customer::Column::PoolReason, Expr::value(Some(reason)))
}

/// A region's own pool, else the oldest company-wide pool: where its customers go back to.
pub async fn pool_for_region<C: ConnectionTrait>(
    db: &C,
    region: Option<Uuid>,
) -> AppResult<Option<pool::Model>> {
    if let Some(r) = region {
        if let Some(p) = pool::Entity::find()
            .filter(pool::Column::RegionId.eq(r))
            .one(db)
            .await?
        {
            return Ok(Some(p));
        }
    }
    Ok(pool::Entity::find()
        .filter(pool::Column::RegionId.is_null())
        .order_by_asc(pool::Column::Id)
        .one(db)
        .await?)
}

pub async fn create(db: &DatabaseConnection, actor: &Actor, input: PoolCreate) -> AppResult<Pool> {
    policy::require(actor, Resource::Pool, Action::Manage)?;
    input.validate().map_err(AppError::validation)?;
    if let Some(r) = input.region_id {
        if region::Entity::find_by_id(r).one(db).await?.is_none() {
            return Err(AppError::field(
                "region_id",
                kaidan_shared::FieldCode::UnknownReference,
                "no such region",
            ));
        }
    }
    let t = now();
    let m = pool::Model {
        id: new_id(),
        name: input.name.trim().into(),
        region_id: input.region_id,
        rules: rules_json(&input.rules.unwrap_or_default())?,
        version: 1,
        created_at: t,
        updated_at: t,
    };
    let txn = begin_write(db).await?;
    pool::Entity::insert(pool::ActiveModel::from(m.clone()))
        .exec_without_returning(&txn)
        .await
        .map_err(|e| unique_violation(e, "this region has a pool already"))?;
    let p = dto(m);
    let change = audit::Change::created(AuditAction::PoolCreate, "pool", p.id, p.id, &p);
    audit::commit(txn, actor, change).await?;
    Ok(p)
}

pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    expected: i64,
    input: PoolUpdate,
) -> AppResult<Pool> {
    let current =
        record::find::<pool::Entity, _>(db, actor, Action::Manage, id, Condition::all()).await?;
    input.validate().map_err(AppError::validation)?;
    check_version(Some(expected), current.version)?;
    let mut next = current.clone();
    if let Some(n) = &input.name {
        next.name = n.trim().into();
    }
    if let Some(r) = &input.rules {
        next.rules = rules_json(r)?;
    }
    next.version += 1;
    next.updated_at = now();
    let txn = begin_write(db).await?;
    record::save_versioned::<pool::Entity, _>(&txn, next.clone(), id, expected).await?;
    let (before, after) = (dto(current), dto(next));
    let change = audit::Change::updated(AuditAction::PoolUpdate, "pool", id, id, &before, &after);
    audit::commit(txn, actor, change).await?;
    Ok(after)
}

/// A pool's customers as the caller sees them (phones and e-mails masked), most recently
/// returned first.
pub async fn customers(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    pool_id: Uuid,
    q: PoolCustomerQuery,
) -> AppResult<Page<Customer>> {
    let limit = page_limit(q.limit)?;
    q.validate().map_err(AppError::validation)?;
    record::find::<pool::Entity, _>(db, actor, Action::Read, pool_id, Condition::all()).await?;
    let view = field::View::load(db, kept, actor).await?;
    let mut sel = with_owner()
        .filter(customer::Column::PoolId.eq(pool_id))
        .filter(customer::Column::ArchivedAt.is_null());
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        sel = sel.filter(customer::Column::SearchKey.like(like_contains(&search_key(text))));
    }
    if let Some(l) = q.level {
        sel = sel.filter(customer::Column::Level.eq(l.as_str()));
    }
    let keyset = Keyset {
        name: "pooled_desc",
        column: Some((customer::Column::PooledAt, KeyKind::Time)),
        id: customer::Column::Id,
        descending: true,
    };
    let page = keyset
        .page(db, sel, q.cursor.as_deref(), limit, |r: &CustomerRow| {
            let at = r.customer.pooled_at.unwrap_or(r.customer.created_at);
            (at.to_rfc3339(), r.customer.id)
        })
        .await?;
    Ok(shown(&view, page))
}

/// One customer in a pool the caller uses, with its contacts, masked: what a rep weighs before
/// claiming. A customer in no pool, or in a pool of another region, is not found.
pub async fn customer_in_any_pool(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
) -> AppResult<CustomerDetail> {
    policy::require(actor, Resource::Pool, Action::Read)?;
    let pool_id = customer::Entity::find_by_id(id)
        .one(db)
        .await?
        .and_then(|c| c.pool_id)
        .ok_or_else(AppError::not_found)?;
    record::find::<pool::Entity, _>(db, actor, Action::Read, pool_id, Condition::all()).await?;
    let row: CustomerRow = with_owner()
        .filter(customer::Column::Id.eq(id))
        .filter(customer::Column::PoolId.eq(pool_id))
        .filter(customer::Column::ArchivedAt.is_null())
        .into_model()
        .one(db)
        .await?
        .ok_or_else(AppError::not_found)?;
    let view = field::View::load(db, kept, actor).await?;
    let mut contacts = contact::for_customer(db, id).await?;
    for c in &mut contacts {
        c.custom = view.show(Resource::Contact, &c.custom);
    }
    let mut customer = Customer::from(row);
    customer.custom = view.show(Resource::Customer, &customer.custom);
    Ok(CustomerDetail { customer, contacts }.masked_if_pooled())
}

/// How many customers `user` claimed since the start of the local day of `now`, counted up to
/// `limit`.
async fn claims_today<C: ConnectionTrait>(
    db: &C,
    user: Uuid,
    now: DateTime<Utc>,
    limit: u32,
) -> AppResult<u32> {
    let ids: Vec<Uuid> = pool_claim::Entity::find()
        .select_only()
        .column(pool_claim::Column::Id)
        .filter(pool_claim::Column::UserId.eq(user))
        .filter(pool_claim::Column::ClaimedAt.gte(local_day_start(now)))
        .limit(limit as u64)
        .into_tuple()
        .all(db)
        .await?;
    Ok(ids.len() as u32)
}

/// How many active customers `user` owns, counted up to `cap`.
async fn held<C: ConnectionTrait>(db: &C, user: Uuid, cap: u32) -> AppResult<u32> {
    let ids: Vec<Uuid> = customer::Entity::find()
        .select_only()
        .column(customer::Column::Id)
        .filter(customer::Column::OwnerId.eq(user))
        .filter(customer::Column::ArchivedAt.is_null())
        .limit(cap as u64)
        .into_tuple()
        .all(db)
        .await?;
    Ok(ids.len() as u32)
}

/// The caller's claims left today and customers held, under the strictest rules of the pools
/// they use.
pub async fn quota(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
) -> AppResult<ClaimQuota> {
    let pools = list(db, actor).await?;
    let daily_limit = pools
        .iter()
        .map(|p| p.rules.daily_claim_limit)
        .min()
        .unwrap_or(0);
    let held_cap = pools.iter().filter_map(|p| p.rules.held_cap).min();
    let claimed_today = claims_today(db, actor.user_id, now, Ord::max(daily_limit, 1)).await?;
    let held = held(db, actor.user_id, held_cap.unwrap_or(1_000_000)).await?;
    Ok(ClaimQuota {
        claimed_today,
        daily_limit,
        remaining_today: daily_limit.saturating_sub(claimed_today),
        held,
        held_cap,
    })
}

/// Puts one of the caller's customers back into its owner's region's pool, with a reason.
pub async fn release(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    expected: Option<i64>,
    req: ReleaseRequest,
    now: DateTime<Utc>,
) -> AppResult<Customer> {
    let current =
        record::find::<customer::Entity, _>(db, actor, Action::Update, id, Condition::all())
            .await?;
    req.validate().map_err(AppError::validation)?;
    if current.archived_at.is_some() {
        return Err(AppError::new(ErrorCode::Archived)
            .with_detail("restore the customer before releasing it"));
    }
    let Some(owner) = current.owner_id else {
        return Err(
            AppError::new(ErrorCode::Conflict).with_detail("the customer is in a pool already")
        );
    };
    check_version(expected, current.version)?;
    let region = user::Entity::find_by_id(owner)
        .one(db)
        .await?
        .and_then(|u| u.region_id);
    let target = pool_for_region(db, region).await?.ok_or_else(|| {
        AppError::new(ErrorCode::Conflict).with_detail("no public pool is set up for this region")
    })?;
    let t = crate::services::now();
    let before = Customer::from(row_of(db, current.clone()).await?);
    let mut next = current.clone();
    next.owner_id = None;
    next.owner_team_id = None;
    next.owner_region_id = None;
    next.previous_owner_id = Some(owner);
    next.pool_id = Some(target.id);
    next.pooled_at = Some(now);
    next.pool_reason = Some(req.reason.trim().into());
    next.warned_at = None;
    next.version += 1;
    next.updated_at = t;
    let txn = begin_write(db).await?;
    record::save_versioned::<customer::Entity, _>(&txn, next.clone(), id, current.version).await?;
    let after = Customer::from(CustomerRow {
        customer: next,
        owner_name: None,
    });
    finish(
        db,
        kept,
        txn,
        actor,
        AuditAction::CustomerRelease,
        before,
        after,
    )
    .await
}

/// The end of a release or claim: the audit row and the commit, then the customer as the caller
/// sees it.
async fn finish(
    db: &DatabaseConnection,
    kept: &RulesCache,
    txn: sea_orm::DatabaseTransaction,
    actor: &Actor,
    action: AuditAction,
    before: Customer,
    after: Customer,
) -> AppResult<Customer> {
    let id = after.id;
    let change = audit::Change::updated(action, "customer", id, id, &before, &after);
    audit::commit(txn, actor, change).await?;
    let view = field::View::load(db, kept, actor).await?;
    let mut after = after.masked_if_pooled();
    after.custom = view.show(Resource::Customer, &after.custom);
    Ok(after)
}

async fn row_of<C: ConnectionTrait>(db: &C, m: customer::Model) -> AppResult<CustomerRow> {
    let owner_name = match m.owner_id {
        Some(o) => user::Entity::find_by_id(o)
            .one(db)
            .await?
            .map(|u| u.display_name),
        None => None,
    };
    Ok(CustomerRow {
        customer: m,
        owner_name,
    })
}

/// Takes a customer from a pool the caller may claim from; the caller becomes its owner and its
/// reclaim clock starts again.
pub async fn claim(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Customer> {
    let current = customer::Entity::find_by_id(id)
        .filter(customer::Column::ArchivedAt.is_null())
        .one(db)
        .await?
        .ok_or_else(AppError::not_found)?;
    let Some(pool_id) = current.pool_id else {
        // Someone has it. Say so to a caller who could see it in a pool (it was claimed from
        // one of theirs) or who may see whose it is; to anyone else it does not exist.
        let last_pool: Option<Uuid> = pool_claim::Entity::find()
            .select_only()
            .column(pool_claim::Column::PoolId)
            .filter(pool_claim::Column::CustomerId.eq(id))
            .order_by_desc(pool_claim::Column::Id)
            .into_tuple()
            .one(db)
            .await?;
        let scope = policy::require(actor, Resource::Pool, Action::Read)?;
        let was_theirs = match last_pool {
            Some(p) => pool::Entity::find_by_id(p)
                .filter(pool::Entity::in_scope(actor, scope))
                .one(db)
                .await?
                .is_some(),
            None => false,
        };
        if !was_theirs {
            record::find::<customer::Entity, _>(db, actor, Action::Read, id, Condition::all())
                .await?;
        }
        return Err(not_in_pool());
    };
    let p = record::find::<pool::Entity, _>(db, actor, Action::Claim, pool_id, Condition::all())
        .await?;
    if !Role::can_own_customers(actor.role) {
        return Err(AppError::forbidden());
    }
    let rules = rules_of(&p);
    if current.previous_owner_id == Some(actor.user_id) {
        let until = rules.cooldown_until(current.pooled_at.unwrap_or(now));
        if now < until {
            return Err(AppError::new(ErrorCode::ClaimCooldown).with_detail(format!(
                "you may claim this customer back from {}",
                until.to_rfc3339()
            )));
        }
    }
    let txn = begin_write(db).await?;
    // One claim of this rep at a time (PostgreSQL and MySQL lock the row; SQLite's writer
    // lock already serialises), so the counts below cannot both pass for two parallel claims.
    user::Entity::update_many()
        .col_expr(user::Column::Version, Expr::col(user::Column::Version))
        .filter(user::Column::Id.eq(actor.user_id))
        .exec(&txn)
        .await?;
    if claims_today(&txn, actor.user_id, now, rules.daily_claim_limit).await?
        >= rules.daily_claim_limit
    {
        return Err(
            AppError::new(ErrorCode::ClaimLimitReached).with_detail(format!(
                "{} claims a day; try again tomorrow",
                rules.daily_claim_limit
            )),
        );
    }
    if let Some(cap) = rules.held_cap {
        if held(&txn, actor.user_id, cap).await? >= cap {
            return Err(
                AppError::new(ErrorCode::HeldCapReached).with_detail(format!(
                    "you hold {cap} customers already; release some first"
                )),
            );
        }
    }
    // The claimer's row is locked above, first, as `org::owner_place` needs.
    let place = org::owner_place(&txn, Some(actor.user_id)).await?;
    let t = crate::services::now();
    let taken = customer::Entity::update_many()
        .col_expr(customer::Column::OwnerId, Expr::value(Some(actor.user_id)))
        .col_expr(customer::Column::OwnerTeamId, Expr::value(place.team_id))
        .col_expr(
            customer::Column::OwnerRegionId,
            Expr::value(place.region_id),
        )
        .col_expr(customer::Column::PoolId, Expr::value(Option::<Uuid>::None))
        .col_expr(
            customer::Column::PooledAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            customer::Column::PoolReason,
            Expr::value(Option::<String>::None),
        )
        .col_expr(customer::Column::FollowedUpAt, Expr::value(Some(now)))
        .col_expr(
            customer::Column::WarnedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            customer::Column::Version,
            Expr::col(customer::Column::Version).add(1),
        )
        .col_expr(customer::Column::UpdatedAt, Expr::value(t))
        .filter(customer::Column::Id.eq(id))
        .filter(customer::Column::PoolId.eq(pool_id))
        .exec(&txn)
        .await?;
    if taken.rows_affected == 0 {
        return Err(not_in_pool());
    }
    pool_claim::Entity::insert(pool_claim::ActiveModel {
        id: Set(new_id()),
        user_id: Set(actor.user_id),
        customer_id: Set(id),
        pool_id: Set(pool_id),
        claimed_at: Set(now),
    })
    .exec_without_returning(&txn)
    .await?;
    let before = Customer::from(row_of(&txn, current).await?);
    let after_row = customer::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(stale)?;
    let after = Customer::from(row_of(&txn, after_row).await?);
    finish(
        db,
        kept,
        txn,
        actor,
        AuditAction::CustomerClaim,
        before,
        after,
    )
    .await
}

fn not_in_pool() -> AppError {
    AppError::new(ErrorCode::NotInPool).with_detail("someone claimed this customer first")
}

/// The level column as the rules read it.
pub fn level_of(m: &customer::Model) -> Option<Level> {
    m.level.as_deref().and_then(Level::parse)
}
