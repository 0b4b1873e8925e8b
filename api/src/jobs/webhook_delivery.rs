//! Webhook delivery: turns outbox events into deliveries and sends those that are due.
//!
//! Not a [`super::Job`]: a job's batch runs inside a transaction, and a delivery waits up to 15 s
//! on someone else's server — no transaction may stay open that long (on SQLite it would hold
//! the one writer). So a run takes the same kind of lease (`webhook_delivery`, one instance at a
//! time), and then
//!
//! 1. **fans out**: for each outbox event, one delivery per active subscription that wants the
//!    event, whose client holds its scope and may read its record. The body is rendered here,
//!    once, by reading the record as the client (its place, its field rules), so every attempt
//!    sends the same signed bytes. The deliveries are written and the events removed in one
//!    transaction.
//! 2. **sends** the due deliveries, a few at once, outside any transaction; each answer is then
//!    written (attempt log, next attempt or the end) in a short transaction of its own.
//!
//! Runs are not audited (one a second would bury the trail); the deliveries are their own log,
//! and a subscription the job stops is audited and told to admins.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use futures_util::StreamExt;
use kaidan_shared::api_client::ApiScope;
use kaidan_shared::audit::AuditAction;
use kaidan_shared::notification::NotificationKind;
use kaidan_shared::webhook::{next_attempt, DeliveryStatus, EventType, Subject, WebhookPayload};
use kaidan_shared::{ErrorCode, Role};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{lease, Counts, JobContext};
use crate::auth::actor::ClientCall;
use crate::auth::Actor;
use crate::entities::{
    api_client, user, webhook, webhook_attempt, webhook_delivery, webhook_event,
};
use crate::error::{AppError, AppResult};
use crate::outbound::{Answer, Failure, Outbound};
use crate::services::notification::{self, Notice};
use crate::services::rules_cache::RulesCache;
use crate::services::webhook::{event_id, signatures};
use crate::services::{audit, begin_write, new_id, now};

pub const NAME: &str = "webhook_delivery";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookSettings {
    /// How often this instance looks for events and due deliveries.
    pub poll_ms: u64,
    /// Events fanned out, and deliveries sent, per run.
    pub batch: u64,
    /// Deliveries in flight at once.
    pub concurrency: usize,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            poll_ms: 1000,
            batch: 100,
            concurrency: 8,
        }
    }
}

/// The most of an answer the log keeps.
const LOG_BYTES: usize = 2048;
/// How long a claimed delivery is kept from other runs: longer than any call may take.
const CLAIM_SECS: i64 = 120;
/// A target's `Retry-After` is honoured up to this.
const MAX_RETRY_AFTER_SECS: i64 = 24 * 3600;

pub struct Deliverer {
    pub ctx: Arc<JobContext>,
    pub outbound: Outbound,
    pub settings: WebhookSettings,
    rules: RulesCache,
}

impl Deliverer {
    pub fn new(ctx: Arc<JobContext>, outbound: Outbound, settings: WebhookSettings) -> Self {
        Deliverer {
            ctx,
            outbound,
            settings,
            rules: RulesCache::default(),
        }
    }

    /// Looks for work every `poll_ms` for as long as the server runs.
    pub fn spawn(self: Arc<Self>) {
        tokio::spawn(async move {
            let mut tick =
                tokio::time::interval(std::time::Duration::from_millis(self.settings.poll_ms));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = self.run().await {
                    tracing::warn!(job = NAME, error = %e, "webhook run failed; will retry");
                }
            }
        });
    }

    /// One run: fan out, then send what is due. `None` when there was nothing to do or another
    /// instance holds the lease.
    pub async fn run(&self) -> AppResult<Option<Counts>> {
        let db = &self.ctx.db;
        let now = self.ctx.clock.now();
        // Idle instances ask two indexed questions a second and write nothing.
        if !self.has_work(now).await? {
            return Ok(None);
        }
        let Some(lease) = lease::acquire(db, NAME, &self.ctx.holder, now, self.ctx.lease).await?
        else {
            return Ok(None);
        };
        let mut counts = Counts::new();
        let outcome = async {
            self.fan_out(&mut counts).await?;
            self.send_due(&mut counts).await
        }
        .await;
        let txn = db.begin().await?;
        let end = self.ctx.clock.now();
        lease
            .finish(
                &txn,
                end,
                end,
                outcome.as_ref().err().map(|e| e.to_string()),
            )
            .await?;
        txn.commit().await?;
        outcome.map(|_| Some(counts))
    }

    async fn has_work(&self, now: DateTime<Utc>) -> AppResult<bool> {
        let db = &self.ctx.db;
        let events = webhook_event::Entity::find()
            .select_only()
            .column(webhook_event::Column::Id)
            .limit(1)
            .into_tuple::<Uuid>()
            .one(db)
            .await?;
        if events.is_some() {
            return Ok(true);
        }
        Ok(due(now)
            .select_only()
            .column(webhook_delivery::Column::Id)
            .limit(1)
            .into_tuple::<Uuid>()
            .one(db)
            .await?
            .is_some())
    }

    /// Makes the deliveries of a batch of outbox events.
    async fn fan_out(&self, counts: &mut Counts) -> AppResult<()> {
        let db = &self.ctx.db;
        let events = webhook_event::Entity::find()
            .order_by_asc(webhook_event::Column::Id)
            .limit(self.settings.batch)
            .all(db)
            .await?;
        if events.is_empty() {
            return Ok(());
        }
        let subscribers = subscribers(db).await?;
        // Every client reads custom fields as its role (`integration`) does: one view for all.
        let view = match subscribers.first() {
            Some(s) => Some(crate::services::field::View::load(db, &self.rules, &s.actor).await?),
            None => None,
        };
        let mut rendered: HashMap<(Uuid, Uuid), Option<serde_json::Value>> = HashMap::new();
        let mut rows = Vec::new();
        let created = now();
        for ev in &events {
            let Some(ty) = EventType::parse(&ev.event_type) else {
                continue;
            };
            for s in &subscribers {
                if !s.events.contains(&ty) || !ty.scopes().iter().all(|x| s.scopes.contains(x)) {
                    continue;
                }
                let key = (s.actor.user_id, ev.subject_id);
                if let std::collections::hash_map::Entry::Vacant(slot) = rendered.entry(key) {
                    slot.insert(self.render(ty.subject(), ev.subject_id, &s.actor).await?);
                }
                // Not the client's to see (outside its place, or gone): not sent to it.
                let Some(data) = rendered.get(&key).cloned().flatten() else {
                    *counts.entry("not_visible".into()).or_default() += 1;
                    continue;
                };
                let id = event_id(ev.id);
                let payload = WebhookPayload {
                    id: id.clone(),
                    event_type: ty,
                    timestamp: ev.occurred_at,
                    object: ty.subject().as_str().into(),
                    data,
                    changes: {
                        let mut c = ev
                            .changes
                            .as_deref()
                            .and_then(|c| serde_json::from_str(c).ok())
                            .unwrap_or_else(|| serde_json::json!({}));
                        // Custom fields the client's role may not see leave the diff, as they
                        // leave the record's history for such a reader.
                        if let Some(v) = &view {
                            v.redact_changes(&ev.entity, &mut c);
                        }
                        c
                    },
                };
                let body = serde_json::to_string(&payload).map_err(AppError::internal)?;
                rows.push(webhook_delivery::ActiveModel {
                    id: Set(new_id()),
                    webhook_id: Set(s.id),
                    event_id: Set(id),
                    event_type: Set(ty.as_str().into()),
                    body: Set(body),
                    status: Set(DeliveryStatus::Pending.as_str().into()),
                    attempts: Set(0),
                    first_attempt_at: Set(None),
                    next_attempt_at: Set(Some(self.ctx.clock.now())),
                    created_at: Set(created),
                });
            }
        }
        *counts.entry("events".into()).or_default() += events.len() as u64;
        *counts.entry("deliveries_made".into()).or_default() += rows.len() as u64;
        let txn = begin_write(db).await?;
        for chunk in rows.chunks(200) {
            webhook_delivery::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await?;
        }
        webhook_event::Entity::delete_many()
            .filter(webhook_event::Column::Id.is_in(events.iter().map(|e| e.id)))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(())
    }

    /// The record as `actor` reads it, or `None` when it may not (or it is gone).
    async fn render(
        &self,
        subject: Subject,
        id: Uuid,
        actor: &Actor,
    ) -> AppResult<Option<serde_json::Value>> {
        use crate::services::{contract, customer, lead, opportunity, visit};
        let db = &self.ctx.db;
        let kept = &self.rules;
        let value = match subject {
            Subject::Customer => customer::get(db, kept, actor, id).await.map(json),
            Subject::Lead => lead::get(db, kept, actor, id).await.map(json),
            Subject::Opportunity => opportunity::get(db, kept, actor, id).await.map(json),
            Subject::Visit => visit::get(db, kept, actor, id).await.map(json),
            Subject::Contract => contract::get(db, kept, actor, id).await.map(json),
        };
        match value {
            Ok(v) => Ok(Some(v)),
            Err(e) if matches!(e.code, ErrorCode::NotFound | ErrorCode::Forbidden) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Sends the due deliveries of enabled subscriptions, a few at once. The rows are claimed
    /// first (their next attempt moved past the longest a call may take), so an instance that
    /// takes the lease over while these calls run does not send them again.
    async fn send_due(&self, counts: &mut Counts) -> AppResult<()> {
        let db = &self.ctx.db;
        let due_by = self.ctx.clock.now();
        let ids: Vec<Uuid> = due(due_by)
            .select_only()
            .column(webhook_delivery::Column::Id)
            .order_by_asc(webhook_delivery::Column::NextAttemptAt)
            .order_by_asc(webhook_delivery::Column::Id)
            .limit(self.settings.batch)
            .into_tuple()
            .all(db)
            .await?;
        if ids.is_empty() {
            return Ok(());
        }
        let claim = due_by + Duration::seconds(CLAIM_SECS);
        let txn = begin_write(db).await?;
        webhook_delivery::Entity::update_many()
            .col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(claim))
            .filter(webhook_delivery::Column::Id.is_in(ids.clone()))
            .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending.as_str()))
            .filter(webhook_delivery::Column::NextAttemptAt.lte(due_by))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        let rows = webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::Id.is_in(ids))
            .filter(webhook_delivery::Column::NextAttemptAt.eq(claim))
            .all(db)
            .await?;
        let hooks: HashMap<Uuid, (webhook::Model, Vec<ApiScope>)> = webhook::Entity::find()
            .filter(webhook::Column::Id.is_in(rows.iter().map(|d| d.webhook_id)))
            .find_also_related(api_client::Entity)
            .all(db)
            .await?
            .into_iter()
            .filter_map(|(w, c)| {
                let scopes = ApiScope::split(&c?.scopes).unwrap_or_default();
                Some((w.id, (w, scopes)))
            })
            .collect();
        let mut sends = Vec::new();
        for d in rows {
            let Some((hook, scopes)) = hooks.get(&d.webhook_id).cloned() else {
                continue;
            };
            // A scope taken from the client since the event: the delivery ends unsent.
            let missing = EventType::parse(&d.event_type)
                .and_then(|t| t.scopes().iter().find(|x| !scopes.contains(x)).copied());
            if let Some(missing) = missing {
                let failure = Failure {
                    refused: true,
                    message: format!(
                        "the client no longer holds the scope `{}`",
                        missing.as_str()
                    ),
                    duration: std::time::Duration::ZERO,
                };
                let outcome = self.settle(&d, &hook, Err(failure), true).await?;
                *counts.entry(outcome.into()).or_default() += 1;
                continue;
            }
            sends.push(async move {
                let sent_at = now();
                let ts = sent_at.timestamp();
                let headers = [
                    ("webhook-id", d.event_id.clone()),
                    ("webhook-timestamp", ts.to_string()),
                    (
                        "webhook-signature",
                        signatures(&hook, &d.event_id, ts, &d.body, sent_at),
                    ),
                ];
                let result = self
                    .outbound
                    .post_json(&hook.url, hook.allow_private, &headers, d.body.clone())
                    .await;
                (d, hook, result)
            });
        }
        let results: Vec<_> = futures_util::stream::iter(sends)
            .buffer_unordered(self.settings.concurrency.max(1))
            .collect()
            .await;
        for (d, hook, result) in results {
            let outcome = self.settle(&d, &hook, result, false).await?;
            *counts.entry(outcome.into()).or_default() += 1;
        }
        Ok(())
    }

    /// Writes one attempt's outcome: the log row, and the delivery's next attempt or its end;
    /// a 410, or the last retry failing, stops the subscription and tells the admins.
    async fn settle(
        &self,
        d: &webhook_delivery::Model,
        hook: &webhook::Model,
        result: Result<Answer, Failure>,
        last: bool,
    ) -> AppResult<&'static str> {
        let at = self.ctx.clock.now();
        let attempts = d.attempts + 1;
        let first = d.first_attempt_at.unwrap_or(at);
        let (status_code, duration, response, error, retry_after) = match &result {
            Ok(a) => (
                Some(i64::from(a.status)),
                a.duration,
                String::from_utf8_lossy(&a.body[..a.body.len().min(LOG_BYTES)]).into_owned(),
                (!(200..300).contains(&a.status)).then(|| format!("HTTP {}", a.status)),
                a.retry_after,
            ),
            Err(f) => (
                None,
                f.duration,
                String::new(),
                Some(f.message.clone()),
                None,
            ),
        };
        let delivered = matches!(&result, Ok(a) if (200..300).contains(&a.status));
        let gone = matches!(&result, Ok(a) if a.status == 410);
        let next = if delivered || gone || last {
            None
        } else {
            let jitter = rand::random::<f64>() * 2.0 - 1.0;
            next_attempt(attempts as usize, jitter, at).map(|n| match retry_after {
                Some(s) => n.max(at + Duration::seconds(s.min(MAX_RETRY_AFTER_SECS))),
                None => n,
            })
        };
        let (status, outcome) = match (delivered, next) {
            (true, _) => (DeliveryStatus::Delivered, "delivered"),
            (false, Some(_)) => (DeliveryStatus::Pending, "retrying"),
            (false, None) => (DeliveryStatus::Failed, "failed"),
        };
        let stop = match (gone, last, status) {
            (true, _, _) => Some("the target answered 410 Gone"),
            // A scope taken away ends this delivery, not the subscription.
            (false, true, _) => None,
            (false, false, DeliveryStatus::Failed) => {
                Some("every attempt to deliver an event failed for a day")
            }
            _ => None,
        };
        let db = &self.ctx.db;
        let txn = begin_write(db).await?;
        webhook_attempt::Entity::insert(webhook_attempt::ActiveModel {
            id: Set(new_id()),
            delivery_id: Set(d.id),
            at: Set(now()),
            status_code: Set(status_code),
            duration_ms: Set(i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)),
            response: Set(Some(response)),
            error: Set(error.map(|e| e.chars().take(500).collect())),
        })
        .exec_without_returning(&txn)
        .await?;
        // Only if nobody changed it meanwhile (an admin's redelivery resets it): the attempt
        // stays in the log either way.
        let moved = webhook_delivery::Entity::update_many()
            .col_expr(
                webhook_delivery::Column::Status,
                Expr::value(status.as_str()),
            )
            .col_expr(webhook_delivery::Column::Attempts, Expr::value(attempts))
            .col_expr(webhook_delivery::Column::FirstAttemptAt, Expr::value(first))
            .col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(next))
            .filter(webhook_delivery::Column::Id.eq(d.id))
            .filter(webhook_delivery::Column::Attempts.eq(d.attempts))
            .filter(webhook_delivery::Column::NextAttemptAt.eq(d.next_attempt_at))
            .exec(&txn)
            .await?
            .rows_affected
            > 0;
        if let Some(reason) = stop.filter(|_| moved) {
            stop_subscription(&txn, hook, reason).await?;
        }
        txn.commit().await?;
        Ok(outcome)
    }
}

fn json<T: Serialize>(v: T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or_default()
}

/// Pending deliveries due by `now` of subscriptions that are not disabled.
fn due(now: DateTime<Utc>) -> sea_orm::Select<webhook_delivery::Entity> {
    webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending.as_str()))
        .filter(webhook_delivery::Column::NextAttemptAt.lte(now))
        .filter(
            Condition::all().add(
                webhook_delivery::Column::WebhookId.in_subquery(
                    Query::select()
                        .column(webhook::Column::Id)
                        .from(webhook::Entity)
                        .and_where(webhook::Column::DisabledAt.is_null())
                        // A disabled client is sent nothing, whatever was queued for it.
                        .and_where(
                            webhook::Column::ApiClientId.in_subquery(
                                Query::select()
                                    .column(api_client::Column::Id)
                                    .from(api_client::Entity)
                                    .and_where(api_client::Column::DisabledAt.is_null())
                                    .to_owned(),
                            ),
                        )
                        .to_owned(),
                ),
            ),
        )
}

/// An active subscription, with what its client may be sent.
struct Subscriber {
    id: Uuid,
    events: Vec<EventType>,
    scopes: Vec<ApiScope>,
    /// Its client's service identity, as its token would present it.
    actor: Actor,
}

async fn subscribers(db: &DatabaseConnection) -> AppResult<Vec<Subscriber>> {
    let hooks = webhook::Entity::find()
        .filter(webhook::Column::DisabledAt.is_null())
        .find_also_related(api_client::Entity)
        .all(db)
        .await?;
    let user_ids: Vec<Uuid> = hooks
        .iter()
        .filter_map(|(_, c)| c.as_ref().map(|c| c.user_id))
        .collect();
    let users: HashMap<Uuid, user::Model> = if user_ids.is_empty() {
        HashMap::new()
    } else {
        user::Entity::find()
            .filter(user::Column::Id.is_in(user_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect()
    };
    Ok(hooks
        .into_iter()
        .filter_map(|(w, c)| {
            // A disabled client is sent nothing, as its tokens reach nothing.
            let c = c.filter(|c| c.disabled_at.is_none())?;
            let u = users.get(&c.user_id).filter(|u| u.active)?;
            let scopes = ApiScope::split(&c.scopes).unwrap_or_default();
            Some(Subscriber {
                id: w.id,
                events: w.events.split(' ').filter_map(EventType::parse).collect(),
                actor: Actor {
                    user_id: u.id,
                    username: u.username.clone(),
                    role: Role::Integration,
                    grants: Vec::new(),
                    team_id: u.team_id,
                    region_id: u.region_id,
                    request_id: None,
                    ip: None,
                    session_id: None,
                    client: Some(ClientCall {
                        client_id: c.id,
                        scopes: scopes.clone(),
                    }),
                },
                scopes,
            })
        })
        .collect())
}

/// Disables `hook` (once: a subscription already stopped stays as it was), audits it as the
/// system, and tells every active admin.
async fn stop_subscription(
    txn: &sea_orm::DatabaseTransaction,
    hook: &webhook::Model,
    reason: &str,
) -> AppResult<()> {
    let t = now();
    let stopped = webhook::Entity::update_many()
        .col_expr(webhook::Column::DisabledAt, Expr::value(t))
        .col_expr(webhook::Column::DisabledReason, Expr::value(reason))
        .col_expr(
            webhook::Column::Version,
            sea_orm::sea_query::ExprTrait::add(Expr::col(webhook::Column::Version), 1),
        )
        .col_expr(webhook::Column::UpdatedAt, Expr::value(t))
        .filter(webhook::Column::Id.eq(hook.id))
        .filter(webhook::Column::DisabledAt.is_null())
        .exec(txn)
        .await?;
    if stopped.rows_affected == 0 {
        return Ok(());
    }
    let client = api_client::Entity::find_by_id(hook.api_client_id)
        .one(txn)
        .await?
        .map(|c| c.name)
        .unwrap_or_default();
    let admins: Vec<Uuid> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::Role.eq(Role::Admin.as_str()))
        .filter(user::Column::Active.eq(true))
        .into_tuple()
        .all(txn)
        .await?;
    let data = serde_json::json!({ "url": hook.url, "client": client, "reason": reason });
    notification::send_all(
        txn,
        admins
            .into_iter()
            .map(|user_id| Notice {
                user_id,
                kind: NotificationKind::WebhookDisabled,
                resource: None,
                record_id: Some(hook.id),
                data: data.clone(),
            })
            .collect(),
    )
    .await?;
    audit::record(
        txn,
        &Actor::system(),
        audit::Change {
            action: AuditAction::WebhookDisable,
            entity: "webhook",
            entity_id: hook.id,
            subject_id: hook.id,
            before: None,
            after: Some(serde_json::json!({ "reason": reason })),
        },
    )
    .await?;
    tracing::warn!(webhook = %hook.id, reason, "webhook disabled");
    Ok(())
}
