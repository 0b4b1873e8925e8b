//! Follow-up reminders: a task's owner is told 30 minutes before it is due and again when it is
//! past due, once each. Every write of a task sets `remind_at` (when its next reminder is due;
//! none once the last is sent or the task is closed), so a run reads only the reminders that are
//! due, over their own index. Each send is conditional on the task being as the batch read it,
//! so a task done or put off meanwhile is not reminded of its old time; a row sent leaves the
//! due set, so a step simply takes the next batch.

use chrono::{DateTime, Duration, Utc};
use kaidan_shared::follow_up::{reminder_at_run, FollowUpStatus, Reminder, DUE_SOON_MINUTES};
use kaidan_shared::notification::NotificationKind;
use kaidan_shared::Resource;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseTransaction, EntityTrait, FromQueryResult, JoinType, QueryFilter,
    QueryOrder, QuerySelect, RelationTrait,
};
use serde_json::json;

use super::{BoxFuture, Counts, Job, Step};
use crate::entities::{customer, follow_up};
use crate::error::AppResult;
use crate::services::notification::{self, Notice};

pub const BATCH: u64 = 500;

pub struct FollowUpRemind;

impl Job for FollowUpRemind {
    fn name(&self) -> &'static str {
        "follow_up_remind"
    }

    /// Often, so a reminder "due in 30 minutes" comes in time.
    fn next_run(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + Duration::minutes(2)
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

#[derive(FromQueryResult)]
struct Due {
    id: uuid::Uuid,
    owner_id: Option<uuid::Uuid>,
    title: String,
    kind: String,
    due_at: DateTime<Utc>,
    remind_at: Option<DateTime<Utc>>,
    remind_stage: i16,
    customer_name: String,
}

async fn step(
    txn: &DatabaseTransaction,
    _after: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<Step> {
    let mut counts = Counts::new();
    let lead = Duration::minutes(DUE_SOON_MINUTES);
    let rows: Vec<Due> = follow_up::Entity::find()
        .select_only()
        .columns([
            follow_up::Column::Id,
            follow_up::Column::OwnerId,
            follow_up::Column::Title,
            follow_up::Column::Kind,
            follow_up::Column::DueAt,
            follow_up::Column::RemindAt,
            follow_up::Column::RemindStage,
        ])
        .column_as(
            Expr::col((customer::Entity, customer::Column::Name)),
            "customer_name",
        )
        .join(JoinType::InnerJoin, follow_up::Relation::Customer.def())
        .filter(follow_up::Column::RemindAt.lte(now))
        .filter(follow_up::Column::Status.eq(FollowUpStatus::Open.as_str()))
        .order_by_asc(follow_up::Column::RemindAt)
        .order_by_asc(follow_up::Column::Id)
        .limit(BATCH)
        .into_model()
        .all(txn)
        .await?;
    let mut notices = Vec::new();
    for t in &rows {
        let sent = u8::try_from(t.remind_stage).unwrap_or(2);
        let which = reminder_at_run(t.due_at, sent, lead, now);
        // What is left after this one: the overdue notice at the due time, or nothing.
        let (stage, next_at) = match which {
            Some(Reminder::DueSoon) => (1i16, Some(t.due_at)),
            Some(Reminder::Overdue) | None => (2i16, None),
        };
        let done = follow_up::Entity::update_many()
            .col_expr(follow_up::Column::RemindStage, Expr::value(stage))
            .col_expr(follow_up::Column::RemindAt, Expr::value(next_at))
            .filter(follow_up::Column::Id.eq(t.id))
            .filter(follow_up::Column::RemindAt.eq(t.remind_at))
            .filter(follow_up::Column::RemindStage.eq(t.remind_stage))
            .filter(follow_up::Column::DueAt.eq(t.due_at))
            .filter(follow_up::Column::Status.eq(FollowUpStatus::Open.as_str()))
            .exec(txn)
            .await?;
        if done.rows_affected != 1 {
            continue;
        }
        let (Some(kind), Some(owner)) = (which, t.owner_id) else {
            continue;
        };
        let (nk, key) = match kind {
            Reminder::DueSoon => (NotificationKind::FollowUpDue, "due_soon"),
            Reminder::Overdue => (NotificationKind::FollowUpOverdue, "overdue"),
        };
        *counts.entry(key.into()).or_default() += 1;
        notices.push(Notice {
            user_id: owner,
            kind: nk,
            resource: Some(Resource::FollowUp),
            record_id: Some(t.id),
            data: json!({
                "title": t.title,
                "customer": t.customer_name,
                "kind": t.kind,
                "due_at": t.due_at,
            }),
        });
    }
    notification::send_all(txn, notices).await?;
    *counts.entry("looked_at".into()).or_default() += rows.len() as u64;
    // Every row read has left the due set (sent, or found changed and left to its new state);
    // a full batch means there may be more.
    let next = (rows.len() as u64 == BATCH).then(|| "more".to_owned());
    Ok(Step { next, counts })
}
