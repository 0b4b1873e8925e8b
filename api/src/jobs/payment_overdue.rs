//! Overdue instalments (逾期回款): an instalment past its due date (China's day) with something
//! outstanding tells its contract's owner once. Leased and batched like every job; each change
//! is conditional on the instalment still being what the batch read.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use kaidan_shared::pool::LOCAL_OFFSET_SECS;

use super::{BoxFuture, Counts, Job, Step};
use crate::error::AppResult;
use crate::services::payment;

pub const BATCH: u64 = 500;

pub struct PaymentOverdue;

impl Job for PaymentOverdue {
    fn name(&self) -> &'static str {
        "payment_overdue"
    }

    fn next_run(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + Duration::hours(1)
    }

    fn step<'a>(
        &'a self,
        txn: &'a sea_orm::DatabaseTransaction,
        after: Option<&'a str>,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, AppResult<Step>> {
        Box::pin(step(txn, after, now))
    }
}

fn cursor(after: Option<&str>) -> Option<(NaiveDate, uuid::Uuid)> {
    let (d, id) = after?.split_once(' ')?;
    Some((d.parse().ok()?, id.parse().ok()?))
}

async fn step(
    txn: &sea_orm::DatabaseTransaction,
    after: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<Step> {
    let today = (now + Duration::seconds(i64::from(LOCAL_OFFSET_SECS))).date_naive();
    let (rows, told) = payment::remind_overdue(txn, cursor(after), today, now, BATCH).await?;
    let next = (rows.len() as u64 == BATCH)
        .then(|| rows.last().map(|p| format!("{} {}", p.due_date, p.id)))
        .flatten();
    let mut counts = Counts::new();
    counts.insert("looked_at".into(), rows.len() as u64);
    if told > 0 {
        counts.insert("reminded".into(), told);
    }
    Ok(Step { next, counts })
}
