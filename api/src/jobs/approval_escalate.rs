//! Waiting approvals (审批催办): a step pending past its flow's reminder time reminds its
//! approvers once; past its escalation time the next level up the submitter's line is added to
//! it (`shared::approval::escalation`) and told. Both once per step (a new step starts the
//! clock again). Leased and batched like every job; each change is conditional on the approval
//! still being at the version the batch read.

use chrono::{DateTime, Duration, Utc};
use kaidan_shared::approval::ApprovalStatus;
use sea_orm::{
    ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::{BoxFuture, Counts, Job, Step};
use crate::auth::Actor;
use crate::entities::approval;
use crate::error::AppResult;
use crate::services::{approval as engine, audit};

pub const BATCH: u64 = 200;

/// The shortest wait a flow may set (`ApprovalTemplateInput`: at least one hour).
const SHORTEST: i64 = 1;

pub struct ApprovalEscalate;

impl Job for ApprovalEscalate {
    fn name(&self) -> &'static str {
        "approval_escalate"
    }

    fn next_run(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + Duration::minutes(15)
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
    let rows = approval::Entity::find()
        .filter(approval::Column::Status.eq(ApprovalStatus::Pending.as_str()))
        .filter(approval::Column::StepStartedAt.lte(now - Duration::hours(SHORTEST)))
        .filter(approval::Column::EscalatedAt.is_null())
        .filter(super::walk_after(
            approval::Column::StepStartedAt,
            approval::Column::Id,
            after,
            "waiting",
        )?)
        .order_by_asc(approval::Column::StepStartedAt)
        .order_by_asc(approval::Column::Id)
        .limit(BATCH)
        .all(txn)
        .await?;
    let next = super::walk_next(
        "waiting",
        rows.last().map(|a| (a.step_started_at, a.id)),
        rows.len(),
        BATCH,
    );
    let mut trail = audit::Trail::default();
    for a in &rows {
        let waited = now - a.step_started_at;
        if waited >= Duration::hours(i64::from(a.escalate_after_hours)) {
            if engine::escalate(txn, a, now, &mut trail).await? {
                *counts.entry("escalated".into()).or_default() += 1;
            }
        } else if a.reminded_at.is_none()
            && waited >= Duration::hours(i64::from(a.remind_after_hours))
            && engine::remind(txn, a, now).await?
        {
            *counts.entry("reminded".into()).or_default() += 1;
        }
    }
    trail.write(txn, &Actor::system()).await?;
    *counts.entry("looked_at".into()).or_default() += rows.len() as u64;
    Ok(Step { next, counts })
}
