//! The board's totals: per owner, stage and probability, how many open deals and their amount.
//!
//! A deal counts while it is open, not archived and owned. Every write that changes one of those
//! or its stage, probability or amount calls [`commit`] (which [`shift`]s, then commits) with the
//! row before and after as its transaction's last statement, so the totals never disagree with
//! the deals: a rolled-back write takes its shift with it. The board then sums the rows of the owners in the reader's scope (a few per
//! owner) instead of grouping every open deal of a team on each view. [`rebuild`] recomputes them
//! from the deals (the bench seed's bulk writes; the migration that made the table did the same).

use kaidan_shared::opportunity::Outcome;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait};
use uuid::Uuid;

use crate::entities::{opportunity, opportunity_total as total};
use crate::error::AppResult;

/// Where a deal's amount is counted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    owner: Uuid,
    stage: String,
    probability: i32,
}

/// What `m` adds to the totals: nothing unless it is open, unarchived and owned.
fn share(m: &opportunity::Model) -> Option<(Key, i64)> {
    let open = m.status == Outcome::Open.as_str() && m.archived_at.is_none();
    let owner = m.owner_id.filter(|_| open)?;
    Some((
        Key {
            owner,
            stage: m.stage.clone(),
            probability: m.probability,
        },
        m.amount,
    ))
}

/// Shifts the owner's totals (as [`shift`]) and commits at once. The totals row is shared by all
/// the owner's deals, so whoever writes it waits for the last writer's commit: taken as the
/// transaction's very last statement, its lock is held for the commit alone, not for the audit
/// rows as well (PostgreSQL at 1M: conversions by one rep from eight connections queued on it).
/// The audit rows are written before (`audit::record`, `audit::Trail::write`).
pub async fn commit(
    txn: sea_orm::DatabaseTransaction,
    before: Option<&opportunity::Model>,
    after: Option<&opportunity::Model>,
) -> AppResult<()> {
    shift(&txn, before, after).await?;
    txn.commit().await?;
    Ok(())
}

/// Moves a deal's share from `before` (None: a new deal) to `after` (None: a deleted one).
/// Rows are written in key order, so two transactions moving one owner's deals in opposite
/// directions lock the same rows in the same order and never deadlock.
pub async fn shift<C: ConnectionTrait>(
    db: &C,
    before: Option<&opportunity::Model>,
    after: Option<&opportunity::Model>,
) -> AppResult<()> {
    let old = before.and_then(share);
    let new = after.and_then(share);
    let mut deltas: Vec<(Key, i64, i64)> = Vec::with_capacity(2);
    match (old, new) {
        (Some((a, x)), Some((b, y))) if a == b => {
            if x != y {
                deltas.push((a, 0, y - x));
            }
        }
        (old, new) => {
            if let Some((k, x)) = old {
                deltas.push((k, -1, -x));
            }
            if let Some((k, y)) = new {
                deltas.push((k, 1, y));
            }
        }
    }
    deltas.sort_by(|a, b| a.0.cmp(&b.0));
    for (key, deals, amount) in deltas {
        add(db, key, deals, amount).await?;
    }
    Ok(())
}

/// Adds to one row, making it when it is not there yet.
async fn add<C: ConnectionTrait>(db: &C, key: Key, deals: i64, amount: i64) -> AppResult<()> {
    total::Entity::insert(total::ActiveModel {
        owner_id: Set(key.owner),
        stage: Set(key.stage),
        probability: Set(key.probability),
        deals: Set(deals),
        amount: Set(amount),
    })
    .on_conflict(
        OnConflict::columns([
            total::Column::OwnerId,
            total::Column::Stage,
            total::Column::Probability,
        ])
        .value(
            total::Column::Deals,
            Expr::col((total::Entity, total::Column::Deals)).add(deals),
        )
        .value(
            total::Column::Amount,
            Expr::col((total::Entity, total::Column::Amount)).add(amount),
        )
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Recomputes every row from the deals (after bulk writes that bypass [`shift`]).
pub async fn rebuild<C: ConnectionTrait>(db: &C) -> AppResult<()> {
    total::Entity::delete_many().exec(db).await?;
    let select = Query::select()
        .columns([
            opportunity::Column::OwnerId,
            opportunity::Column::Stage,
            opportunity::Column::Probability,
        ])
        .expr(Expr::col(opportunity::Column::Id).count())
        .expr(Expr::col(opportunity::Column::Amount).sum())
        .from(opportunity::Entity)
        .and_where(opportunity::Column::Status.eq(Outcome::Open.as_str()))
        .and_where(opportunity::Column::ArchivedAt.is_null())
        .and_where(opportunity::Column::OwnerId.is_not_null())
        .group_by_columns([
            opportunity::Column::OwnerId,
            opportunity::Column::Stage,
            opportunity::Column::Probability,
        ])
        .to_owned();
    let insert = Query::insert()
        .into_table(total::Entity)
        .columns([
            total::Column::OwnerId,
            total::Column::Stage,
            total::Column::Probability,
            total::Column::Deals,
            total::Column::Amount,
        ])
        .select_from(select)
        .map_err(|e| crate::error::AppError::internal(anyhow::anyhow!(e)))?
        .to_owned();
    db.execute(&insert).await?;
    Ok(())
}
