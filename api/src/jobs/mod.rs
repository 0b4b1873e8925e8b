//! Background work of `kaidan serve`.
//!
//! `cleanup` may run anywhere any number of times. Everything else is a [`Job`]: leased in the
//! database (`lease`), done in batches that each commit with a checkpoint, resumable after a
//! crash, and audited once per run (`job.run`, with what the run did). The jobs read the time
//! from the app's [`Clock`], so tests move it instead of waiting.

pub mod approval_escalate;
pub mod cleanup;
pub mod daily_digest;
pub mod deal_stale;
pub mod follow_up_remind;
pub mod lease;
pub mod payment_overdue;
pub mod pool_reclaim;
pub mod webhook_delivery;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
pub use futures_util::future::BoxFuture;
use kaidan_shared::audit::AuditAction;
use sea_orm::{DatabaseConnection, DatabaseTransaction, TransactionTrait};
use serde::{Deserialize, Serialize};

use crate::auth::Actor;
use crate::clock::Clock;
use crate::error::AppResult;
use crate::services::{audit, begin_write};
use lease::Lease;

/// What jobs need: the database, the app's clock, and who this instance is.
pub struct JobContext {
    pub db: DatabaseConnection,
    pub clock: Arc<Clock>,
    /// This instance's name in leases (`host:pid:random`), unique per running app.
    pub holder: String,
    pub lease: Duration,
}

impl JobContext {
    pub fn new(db: DatabaseConnection, clock: Arc<Clock>, lease: Duration) -> JobContext {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "kaidan".into());
        let holder = format!(
            "{host}:{}:{}",
            std::process::id(),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        JobContext {
            db,
            clock,
            holder,
            lease,
        }
    }
}

/// How many of what one batch (and then one run) did: `{"reclaimed": 120, "warned": 3}`.
pub type Counts = BTreeMap<String, u64>;

/// What a batch answers: where the next batch starts (`None`: the run is complete).
pub struct Step {
    pub next: Option<String>,
    pub counts: Counts,
}

/// A leased job. `step` does one bounded batch inside the run's transaction for that batch and
/// must be safe to repeat after a rollback (the runner may retry a batch whose commit failed).
pub trait Job: Send + Sync {
    fn name(&self) -> &'static str;
    /// When the next run is due after a run that finished at `now`.
    fn next_run(&self, now: DateTime<Utc>) -> DateTime<Utc>;
    /// One batch after `cursor`, as of the run's `now`.
    fn step<'a>(
        &'a self,
        txn: &'a DatabaseTransaction,
        cursor: Option<&'a str>,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, AppResult<Step>>;
}

/// The checkpoint a run leaves in the job's row: the job's own cursor and the counts so far, so
/// a resumed run reports the whole run.
#[derive(Serialize, Deserialize, Default)]
struct Progress {
    at: Option<String>,
    counts: Counts,
}

/// What one run did (also the `after` of its audit row).
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct RunReport {
    pub job: String,
    pub run_id: uuid::Uuid,
    pub resumed: bool,
    pub batches: u64,
    pub counts: Counts,
}

/// Makes `job` due now (its next run moved to `now`; a run in progress keeps its lease), for a
/// run an operator asks for. A job that never ran is due already.
pub async fn make_due(db: &DatabaseConnection, job: &str, now: DateTime<Utc>) -> AppResult<()> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    crate::entities::job::Entity::update_many()
        .col_expr(
            crate::entities::job::Column::NextRunAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(crate::entities::job::Column::Name.eq(job))
        .exec(db)
        .await?;
    Ok(())
}

/// Runs `job` when it is due and no other instance runs it; `None` when it was not this
/// instance's to run.
pub async fn run_if_due(ctx: &JobContext, job: &dyn Job) -> AppResult<Option<RunReport>> {
    let now = ctx.clock.now();
    let Some(lease) = lease::acquire(&ctx.db, job.name(), &ctx.holder, now, ctx.lease).await?
    else {
        return Ok(None);
    };
    match run_leased(ctx, job, &lease, now).await {
        Ok(report) => Ok(Some(report)),
        Err(e) => {
            // Free the lease (keeping the cursor) and retry in a minute; a lost lease is the new
            // holder's to finish.
            if !lease::is_lost(&e) {
                let txn = begin_write(&ctx.db).await?;
                if lease
                    .finish(
                        &txn,
                        ctx.clock.now(),
                        ctx.clock.now() + Duration::minutes(1),
                        Some(e.to_string()),
                    )
                    .await
                    .is_ok()
                {
                    txn.commit().await?;
                }
            }
            Err(e)
        }
    }
}

async fn run_leased(
    ctx: &JobContext,
    job: &dyn Job,
    lease: &Lease,
    now: DateTime<Utc>,
) -> AppResult<RunReport> {
    let resumed = lease.cursor.is_some();
    let mut progress: Progress = lease
        .cursor
        .as_deref()
        .and_then(|c| serde_json::from_str(c).ok())
        .unwrap_or_default();
    let mut batches = 0;
    // A resumed run whose last batch had already finished the work goes straight to the end.
    let finished_before = resumed && progress.at.is_none();
    if !finished_before {
        loop {
            let txn = begin_write(&ctx.db).await?;
            let step = job.step(&txn, progress.at.as_deref(), now).await?;
            let mut next = Progress {
                at: step.next.clone(),
                counts: progress.counts.clone(),
            };
            for (k, v) in step.counts {
                *next.counts.entry(k).or_default() += v;
            }
            let blob = serde_json::to_string(&next).map_err(crate::error::AppError::internal)?;
            lease.checkpoint(&txn, &blob, ctx.clock.now()).await?;
            txn.commit().await?;
            batches += 1;
            progress = next;
            if progress.at.is_none() {
                break;
            }
        }
    }
    let report = RunReport {
        job: job.name().into(),
        run_id: lease.run_id,
        resumed,
        batches,
        counts: progress.counts,
    };
    let txn = ctx.db.begin().await?;
    let end = ctx.clock.now();
    lease.finish(&txn, end, job.next_run(end), None).await?;
    let change = audit::Change::created(
        AuditAction::JobRun,
        "job",
        lease.run_id,
        lease.run_id,
        &report,
    );
    audit::commit(txn, &Actor::system(), change).await?;
    tracing::info!(job = job.name(), run = %lease.run_id, counts = ?report.counts, "job run finished");
    Ok(report)
}

/// A job's walk over rows in (time, id) order: the rows after the step's `cursor` (named
/// `name`, so a cursor of another walk is refused).
pub fn walk_after<C: sea_orm::ColumnTrait>(
    time: C,
    id: C,
    cursor: Option<&str>,
    name: &str,
) -> AppResult<sea_orm::Condition> {
    use sea_orm::Condition;
    let Some(c) = cursor else {
        return Ok(Condition::all());
    };
    let (at, after) = crate::services::cursor::decode(c, name)?;
    let at = crate::services::cursor::time(&at)?;
    Ok(Condition::any()
        .add(time.gt(at))
        .add(Condition::all().add(time.eq(at)).add(id.gt(after))))
}

/// Where the next step of a walk starts: after the last row of a full batch, or nowhere (done).
pub fn walk_next(
    name: &str,
    last: Option<(DateTime<Utc>, uuid::Uuid)>,
    rows: usize,
    batch: u64,
) -> Option<String> {
    match last {
        Some((at, id)) if rows as u64 == batch => {
            Some(crate::services::cursor::encode(name, &at.to_rfc3339(), id))
        }
        _ => None,
    }
}

/// Every leased job of the app.
pub fn all(settings: &crate::config::JobSettings) -> Vec<Arc<dyn Job>> {
    vec![
        Arc::new(pool_reclaim::PoolReclaim),
        Arc::new(deal_stale::DealStale),
        Arc::new(follow_up_remind::FollowUpRemind),
        Arc::new(approval_escalate::ApprovalEscalate),
        Arc::new(payment_overdue::PaymentOverdue),
        Arc::new(daily_digest::DailyDigest {
            tz: settings.tz().unwrap_or(chrono_tz::Asia::Shanghai),
            at: settings
                .digest_time()
                .unwrap_or_else(|| chrono::NaiveTime::from_hms_opt(8, 30, 0).unwrap_or_default()),
        }),
    ]
}

/// Looks for due jobs every `poll` for as long as the server runs.
pub fn spawn(ctx: Arc<JobContext>, jobs: Vec<Arc<dyn Job>>, poll: std::time::Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(poll);
        loop {
            tick.tick().await;
            for job in &jobs {
                if let Err(e) = run_if_due(&ctx, job.as_ref()).await {
                    tracing::warn!(job = job.name(), error = %e, "job run failed; will retry");
                }
            }
        }
    });
}
