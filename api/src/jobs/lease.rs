//! The lease on a job's row (DESIGN §6): one atomic conditional `UPDATE` takes a due job whose
//! lease is free or expired, so of several instances exactly one runs it; every batch of the run
//! checks in inside its own transaction (`checkpoint`), which both records where the run got to
//! and proves the lease is still held — a batch of an instance that lost its lease rolls back.
//! A crashed run leaves its cursor behind, and whoever takes the lease next resumes there.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter,
};
use uuid::Uuid;

use crate::entities::job;
use crate::error::{AppError, AppResult};
use crate::services::{is_unique_violation, new_id};

/// A held lease: this instance runs the job until it finishes or the lease runs out.
#[derive(Debug)]
pub struct Lease {
    pub name: &'static str,
    pub holder: String,
    /// The run's id (kept when a run resumes another's interrupted run).
    pub run_id: Uuid,
    /// Where an interrupted run stopped (`None`: a fresh run).
    pub cursor: Option<String>,
    ttl: Duration,
}

/// The error of a batch whose lease was taken over: the batch rolls back and the run stops.
pub fn lost() -> AppError {
    AppError::new(kaidan_shared::ErrorCode::Conflict).with_detail(LOST)
}

const LOST: &str = "the job's lease was taken over by another instance";

/// Whether `e` is [`lost`].
pub fn is_lost(e: &AppError) -> bool {
    e.detail.as_deref() == Some(LOST)
}

/// Takes the lease of `name` when the job is due at `now` and nobody holds it (or the holder's
/// lease ran out); `None` otherwise.
pub async fn acquire(
    db: &DatabaseConnection,
    name: &'static str,
    holder: &str,
    now: DateTime<Utc>,
    ttl: Duration,
) -> AppResult<Option<Lease>> {
    let row = match job::Entity::find_by_id(name).one(db).await? {
        Some(r) => r,
        None => {
            let am = job::ActiveModel {
                name: Set(name.into()),
                lease_holder: Set(None),
                lease_until: Set(None),
                run_id: Set(None),
                run_started_at: Set(None),
                cursor: Set(None),
                next_run_at: Set(now),
                last_finished_at: Set(None),
                last_error: Set(None),
                runs: Set(0),
            };
            match job::Entity::insert(am).exec_without_returning(db).await {
                Ok(_) => {}
                Err(e) if is_unique_violation(&e) => {}
                Err(e) => return Err(e.into()),
            }
            job::Entity::find_by_id(name)
                .one(db)
                .await?
                .ok_or_else(|| AppError::internal(anyhow::anyhow!("job row {name} vanished")))?
        }
    };
    if row.next_run_at > now || row.lease_until.is_some_and(|u| u >= now) {
        return Ok(None);
    }
    let resuming = row.cursor.is_some();
    let run_id = match (resuming, row.run_id) {
        (true, Some(id)) => id,
        _ => new_id(),
    };
    let mut update = job::Entity::update_many()
        .col_expr(job::Column::LeaseHolder, Expr::value(holder))
        .col_expr(job::Column::LeaseUntil, Expr::value(now + ttl))
        .col_expr(job::Column::RunId, Expr::value(run_id));
    if !resuming {
        update = update.col_expr(job::Column::RunStartedAt, Expr::value(now));
    }
    let taken = update
        .filter(job::Column::Name.eq(name))
        .filter(job::Column::NextRunAt.lte(now))
        .filter(
            Condition::any()
                .add(job::Column::LeaseUntil.is_null())
                .add(job::Column::LeaseUntil.lt(now)),
        )
        .exec(db)
        .await?;
    if taken.rows_affected == 0 {
        return Ok(None);
    }
    // Read back what the lease covers: a run that checked in between our read and our update
    // moved the cursor on.
    let row = job::Entity::find_by_id(name)
        .one(db)
        .await?
        .filter(|r| r.lease_holder.as_deref() == Some(holder))
        .ok_or_else(lost)?;
    Ok(Some(Lease {
        name,
        holder: holder.to_owned(),
        run_id: row.run_id.unwrap_or(run_id),
        cursor: row.cursor,
        ttl,
    }))
}

impl Lease {
    fn held(&self) -> Condition {
        Condition::all()
            .add(job::Column::Name.eq(self.name))
            .add(job::Column::LeaseHolder.eq(self.holder.as_str()))
            .add(job::Column::RunId.eq(self.run_id))
    }

    /// Records `cursor` and extends the lease, in the batch's own transaction; fails with
    /// [`lost`] (and so rolls the batch back) when another instance holds the lease now.
    pub async fn checkpoint<C: ConnectionTrait>(
        &self,
        txn: &C,
        cursor: &str,
        now: DateTime<Utc>,
    ) -> AppResult<()> {
        let r = job::Entity::update_many()
            .col_expr(job::Column::Cursor, Expr::value(cursor))
            .col_expr(job::Column::LeaseUntil, Expr::value(now + self.ttl))
            .filter(self.held())
            .exec(txn)
            .await?;
        if r.rows_affected == 0 {
            return Err(lost());
        }
        Ok(())
    }

    /// Ends the run: frees the lease and schedules the next at `next_run_at`. A failed run keeps
    /// its cursor, so the retry resumes instead of starting over.
    pub async fn finish<C: ConnectionTrait>(
        &self,
        txn: &C,
        now: DateTime<Utc>,
        next_run_at: DateTime<Utc>,
        error: Option<String>,
    ) -> AppResult<()> {
        let failed = error.is_some();
        let mut update = job::Entity::update_many()
            .col_expr(
                job::Column::LeaseHolder,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                job::Column::LeaseUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(job::Column::NextRunAt, Expr::value(next_run_at))
            .col_expr(job::Column::LastFinishedAt, Expr::value(now))
            .col_expr(job::Column::LastError, Expr::value(error))
            .col_expr(job::Column::Runs, Expr::col(job::Column::Runs).add(1));
        if !failed {
            update = update.col_expr(job::Column::Cursor, Expr::value(Option::<String>::None));
        }
        let r = update.filter(self.held()).exec(txn).await?;
        if r.rows_affected == 0 {
            return Err(lost());
        }
        Ok(())
    }
}
