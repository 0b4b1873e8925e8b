//! Webhook subscriptions (开放平台 · 事件推送), the outbox they are fed from, and their delivery
//! log. Delivery itself is the job `jobs::webhook_delivery`; the outbound calls are `outbound`.
//!
//! Admins manage subscriptions (`User`/`Manage`, as they manage the API clients they belong to).
//! The outbox is written by [`enqueue`], which the audit trail calls for every row it writes —
//! so an event exists exactly when its change does.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use kaidan_shared::api_client::ApiScope;
use kaidan_shared::audit::AuditAction;
use kaidan_shared::page::Page;
use kaidan_shared::webhook::{
    DeliveryStatus, EventType, Webhook, WebhookAttempt, WebhookCreate, WebhookDelivery,
    WebhookSecret, WebhookUpdate, MAX_WEBHOOKS,
};
use kaidan_shared::{Action, FieldCode, Resource};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use sha2::Sha256;
use uuid::Uuid;

use crate::auth::{policy, Actor};
use crate::entities::{api_client, webhook, webhook_attempt, webhook_delivery, webhook_event};
use crate::error::{AppError, AppResult};
use crate::services::audit::Change;
use crate::services::record::{self, Keyset};
use crate::services::{audit, begin_write, check_version, new_id, now, page_limit};

/// Secrets start with this (Standard Webhooks), so a leaked one is recognisable.
pub const SECRET_PREFIX: &str = "whsec_";
/// How long the secret before a rotation still signs (a second signature beside the new one).
pub const ROTATION_GRACE_HOURS: i64 = 24;
/// Deliveries kept in the log: the job removes older ones that are settled.
pub const KEEP_DAYS: i64 = 30;

fn words(s: &str) -> impl Iterator<Item = &str> {
    s.split(' ').filter(|w| !w.is_empty())
}

fn events_of(m: &webhook::Model) -> Vec<EventType> {
    words(&m.events).filter_map(EventType::parse).collect()
}

fn events_key(events: &[EventType]) -> String {
    let mut v = events.to_vec();
    v.sort();
    v.dedup();
    v.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(" ")
}

/// The wire id of an outbox row: `msg_` and its uuid, unhyphenated.
pub fn event_id(id: Uuid) -> String {
    format!("msg_{}", id.simple())
}

fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    format!(
        "{SECRET_PREFIX}{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// The `webhook-signature` value for one secret: `v1,` and the base64 HMAC-SHA256 of
/// `{id}.{timestamp}.{body}`, keyed by the base64-decoded part of the secret after `whsec_`
/// (Standard Webhooks). `None` for a secret that is not one of ours.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix(SECRET_PREFIX)?)
        .ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    Some(format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// Every signature a delivery carries at `at`: the current secret's, and during a rotation's
/// grace the previous one's too (space-separated), so a receiver may switch at its own pace.
pub fn signatures(
    m: &webhook::Model,
    id: &str,
    timestamp: i64,
    body: &str,
    at: DateTime<Utc>,
) -> String {
    let previous = m
        .previous_secret
        .as_deref()
        .filter(|_| m.previous_valid_until.is_some_and(|u| u > at));
    std::iter::once(m.secret.as_str())
        .chain(previous)
        .filter_map(|s| sign(s, id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Writes the outbox rows of `changes` (those whose action announces an event) in the caller's
/// transaction — called by the audit trail for every row it writes.
pub async fn enqueue<C: ConnectionTrait>(conn: &C, changes: &[Change<'_>]) -> AppResult<()> {
    let at = now();
    let mut rows = Vec::new();
    for c in changes {
        for ty in EventType::of_audit(c.action, c.after.as_ref()) {
            let mut diff = serde_json::Map::new();
            if let Some(b) = &c.before {
                diff.insert("before".into(), b.clone());
            }
            if let Some(a) = &c.after {
                let mut a = a.clone();
                // A payment's own id is the audit row's entity (its subject is the contract).
                if ty == EventType::PaymentReceived {
                    if let Some(o) = a.as_object_mut() {
                        o.insert("id".into(), json!(c.entity_id));
                    }
                }
                diff.insert("after".into(), a);
            }
            rows.push(webhook_event::ActiveModel {
                id: Set(new_id()),
                event_type: Set(ty.as_str().into()),
                entity: Set(c.entity.into()),
                entity_id: Set(c.entity_id),
                subject_id: Set(c.subject_id),
                changes: Set(Some(serde_json::Value::Object(diff).to_string())),
                occurred_at: Set(at),
            });
        }
    }
    if rows.is_empty() {
        return Ok(());
    }
    webhook_event::Entity::insert_many(rows)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

fn dto(m: &webhook::Model, client_name: &str) -> Webhook {
    Webhook {
        id: m.id,
        api_client_id: m.api_client_id,
        api_client_name: client_name.to_owned(),
        url: m.url.clone(),
        events: events_of(m),
        description: m.description.clone(),
        allow_private: m.allow_private,
        disabled: m.disabled_at.is_some(),
        disabled_reason: m.disabled_at.and(m.disabled_reason.clone()),
        previous_secret_valid_until: m.previous_valid_until.filter(|t| *t > now()),
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

/// One subscription and its client for an admin (403 for anyone else, 404 when there is none).
async fn find<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: Uuid,
) -> AppResult<(webhook::Model, api_client::Model)> {
    policy::find_for(actor, Resource::User, Action::Manage, |_| async move {
        Ok(webhook::Entity::find_by_id(id)
            .find_also_related(api_client::Entity)
            .one(db)
            .await?
            .and_then(|(w, c)| c.map(|c| (w, c))))
    })
    .await
}

/// A target on a literal address inside the network, refused at once unless it is allowed
/// (names are checked when they are resolved, on every attempt: `outbound`).
fn check_literal(url: &str, allow_private: bool) -> AppResult<()> {
    if allow_private {
        return Ok(());
    }
    // The URL parser writes any IPv4 spelling (`0x7f.1`) as dotted decimal, IPv6 in brackets.
    let ip = object_store_reqwest::Url::parse(url.trim())
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .and_then(|h| {
            h.trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .ok()
        });
    if let Some(why) = ip.and_then(crate::outbound::not_public) {
        return Err(AppError::field(
            "url",
            FieldCode::NotAllowed,
            &format!("the target is {why}; allow private targets for an on-premise system"),
        ));
    }
    Ok(())
}

fn require_admin(actor: &Actor) -> AppResult<()> {
    policy::require(actor, Resource::User, Action::Manage).map(|_| ())
}

/// The events `client` may not be sent: each needs the scope that reads its record.
fn check_scopes(client: &api_client::Model, events: &[EventType]) -> AppResult<()> {
    let scopes = ApiScope::split(&client.scopes).unwrap_or_default();
    for e in events {
        if let Some(missing) = e.scopes().iter().find(|s| !scopes.contains(s)) {
            return Err(AppError::field(
                "events",
                FieldCode::NotAllowed,
                &format!(
                    "the client cannot be sent `{}`: it lacks the scope `{}`",
                    e.as_str(),
                    missing.as_str()
                ),
            ));
        }
    }
    Ok(())
}

pub async fn list(db: &DatabaseConnection, actor: &Actor) -> AppResult<Vec<Webhook>> {
    require_admin(actor)?;
    let rows = webhook::Entity::find()
        .find_also_related(api_client::Entity)
        .order_by_asc(webhook::Column::CreatedAt)
        .order_by_asc(webhook::Column::Id)
        .limit(MAX_WEBHOOKS)
        .all(db)
        .await?;
    Ok(rows
        .iter()
        .filter_map(|(w, c)| c.as_ref().map(|c| dto(w, &c.name)))
        .collect())
}

pub async fn get(db: &DatabaseConnection, actor: &Actor, id: Uuid) -> AppResult<Webhook> {
    let (w, c) = find(db, actor, id).await?;
    Ok(dto(&w, &c.name))
}

/// Subscribes a client; the signing secret is answered once.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: WebhookCreate,
) -> AppResult<WebhookSecret> {
    require_admin(actor)?;
    input.validate().map_err(AppError::validation)?;
    check_literal(&input.url, input.allow_private)?;
    let client = api_client::Entity::find_by_id(input.api_client_id)
        .one(db)
        .await?
        .ok_or_else(|| {
            AppError::field(
                "api_client_id",
                FieldCode::UnknownReference,
                "no such API client",
            )
        })?;
    check_scopes(&client, &input.events)?;
    if webhook::Entity::find().count(db).await? >= MAX_WEBHOOKS {
        return Err(AppError::field(
            "api_client_id",
            FieldCode::NotAllowed,
            &format!("at most {MAX_WEBHOOKS} subscriptions"),
        ));
    }
    let t = now();
    let secret = new_secret();
    let m = webhook::Model {
        id: new_id(),
        api_client_id: client.id,
        url: input.url.trim().to_owned(),
        events: events_key(&input.events),
        description: input.description.trim().to_owned(),
        secret: secret.clone(),
        previous_secret: None,
        previous_valid_until: None,
        allow_private: input.allow_private,
        disabled_at: None,
        disabled_reason: None,
        version: 1,
        created_by: actor.audit_id(),
        created_at: t,
        updated_at: t,
    };
    let out = dto(&m, &client.name);
    let txn = begin_write(db).await?;
    webhook::Entity::insert(webhook::ActiveModel::from(m))
        .exec_without_returning(&txn)
        .await?;
    audit::commit(
        txn,
        actor,
        Change::created(AuditAction::WebhookCreate, "webhook", out.id, out.id, &out),
    )
    .await?;
    Ok(WebhookSecret {
        webhook: out,
        secret,
    })
}

/// Changes a subscription under `If-Match`. Enabling it again lets its waiting deliveries go.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    expected: i64,
    input: WebhookUpdate,
) -> AppResult<Webhook> {
    let (current, client) = find(db, actor, id).await?;
    let allow_private = input.allow_private.unwrap_or(current.allow_private);
    input
        .validate(allow_private)
        .map_err(AppError::validation)?;
    check_version(Some(expected), current.version)?;
    // A target that was only fine as a private one must be fine without it.
    if !allow_private {
        if let Some(why) =
            kaidan_shared::webhook::url_problem(input.url.as_deref().unwrap_or(&current.url), false)
        {
            return Err(AppError::field("url", FieldCode::InvalidFormat, why));
        }
    }
    check_literal(input.url.as_deref().unwrap_or(&current.url), allow_private)?;
    let mut next = current.clone();
    if let Some(u) = &input.url {
        next.url = u.trim().to_owned();
    }
    if let Some(e) = &input.events {
        check_scopes(&client, e)?;
        next.events = events_key(e);
    }
    if let Some(d) = &input.description {
        next.description = d.trim().to_owned();
    }
    next.allow_private = allow_private;
    if let Some(d) = input.disabled {
        match (d, current.disabled_at) {
            (true, None) => {
                next.disabled_at = Some(now());
                next.disabled_reason = Some("disabled by an administrator".into());
            }
            (false, Some(_)) => {
                next.disabled_at = None;
                next.disabled_reason = None;
            }
            _ => {}
        }
    }
    next.version = current.version + 1;
    next.updated_at = now();
    let before = dto(&current, &client.name);
    let after = dto(&next, &client.name);
    let txn = begin_write(db).await?;
    record::save_versioned::<webhook::Entity, _>(&txn, next, id, expected).await?;
    audit::commit(
        txn,
        actor,
        Change::updated(
            AuditAction::WebhookUpdate,
            "webhook",
            id,
            id,
            &before,
            &after,
        ),
    )
    .await?;
    Ok(after)
}

/// A new signing secret; the old one signs beside it for a day.
pub async fn rotate(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    expected: i64,
) -> AppResult<WebhookSecret> {
    let (current, client) = find(db, actor, id).await?;
    check_version(Some(expected), current.version)?;
    let t = now();
    let secret = new_secret();
    let mut next = current.clone();
    next.previous_secret = Some(current.secret.clone());
    next.previous_valid_until = Some(t + Duration::hours(ROTATION_GRACE_HOURS));
    next.secret = secret.clone();
    next.version = current.version + 1;
    next.updated_at = t;
    let out = dto(&next, &client.name);
    let txn = begin_write(db).await?;
    record::save_versioned::<webhook::Entity, _>(&txn, next, id, expected).await?;
    audit::commit(
        txn,
        actor,
        Change {
            action: AuditAction::WebhookRotateSecret,
            entity: "webhook",
            entity_id: id,
            subject_id: id,
            before: None,
            after: Some(json!({ "grace_hours": ROTATION_GRACE_HOURS })),
        },
    )
    .await?;
    Ok(WebhookSecret {
        webhook: out,
        secret,
    })
}

fn attempt_dto(a: &webhook_attempt::Model) -> WebhookAttempt {
    WebhookAttempt {
        at: a.at,
        status_code: a.status_code,
        duration_ms: a.duration_ms,
        response: a.response.clone().unwrap_or_default(),
        error: a.error.clone(),
    }
}

fn delivery_dto(d: &webhook_delivery::Model, log: Vec<WebhookAttempt>) -> WebhookDelivery {
    WebhookDelivery {
        id: d.id,
        webhook_id: d.webhook_id,
        event_id: d.event_id.clone(),
        event_type: EventType::parse(&d.event_type).unwrap_or(EventType::CustomerUpdated),
        status: DeliveryStatus::parse(&d.status),
        attempts: d.attempts,
        next_attempt_at: d.next_attempt_at.filter(|_| d.status == "pending"),
        body: d.body.clone(),
        created_at: d.created_at,
        log,
    }
}

/// A subscription's deliveries, newest first, each with its attempts (two queries a page).
pub async fn deliveries(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    cursor: Option<&str>,
    limit: Option<u64>,
) -> AppResult<Page<WebhookDelivery>> {
    let limit = page_limit(limit)?;
    find(db, actor, id).await?;
    let keyset = Keyset {
        name: "id_desc",
        column: None,
        id: webhook_delivery::Column::Id,
        descending: true,
    };
    let page = keyset
        .page::<webhook_delivery::Model, _>(
            db,
            webhook_delivery::Entity::find().filter(webhook_delivery::Column::WebhookId.eq(id)),
            cursor,
            limit,
            |d| (String::new(), d.id),
        )
        .await?;
    let ids: Vec<Uuid> = page.items.iter().map(|d| d.id).collect();
    let attempts = if ids.is_empty() {
        Vec::new()
    } else {
        webhook_attempt::Entity::find()
            .filter(webhook_attempt::Column::DeliveryId.is_in(ids))
            .order_by_desc(webhook_attempt::Column::At)
            .order_by_desc(webhook_attempt::Column::Id)
            .all(db)
            .await?
    };
    Ok(Page {
        items: page
            .items
            .iter()
            .map(|d| {
                let log = attempts
                    .iter()
                    .filter(|a| a.delivery_id == d.id)
                    .map(attempt_dto)
                    .collect();
                delivery_dto(d, log)
            })
            .collect(),
        next_cursor: page.next_cursor,
    })
}

/// Sends a delivery again (the same `webhook-id` and body): it is due at once and gets the whole
/// retry schedule again. A delivery still pending is only brought forward.
pub async fn redeliver(
    db: &DatabaseConnection,
    actor: &Actor,
    delivery_id: Uuid,
) -> AppResult<WebhookDelivery> {
    let d = policy::find_for(actor, Resource::User, Action::Manage, |_| async move {
        Ok(webhook_delivery::Entity::find_by_id(delivery_id)
            .one(db)
            .await?)
    })
    .await?;
    let id = d.webhook_id;
    let t = now();
    let txn = begin_write(db).await?;
    webhook_delivery::Entity::update_many()
        .col_expr(
            webhook_delivery::Column::Status,
            Expr::value(DeliveryStatus::Pending.as_str()),
        )
        .col_expr(webhook_delivery::Column::Attempts, Expr::value(0i64))
        .col_expr(
            webhook_delivery::Column::FirstAttemptAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(t))
        .filter(webhook_delivery::Column::Id.eq(d.id))
        .exec(&txn)
        .await?;
    audit::commit(
        txn,
        actor,
        Change {
            action: AuditAction::WebhookRedeliver,
            entity: "webhook",
            entity_id: id,
            subject_id: id,
            before: None,
            after: Some(json!({ "delivery_id": d.id, "event_id": d.event_id })),
        },
    )
    .await?;
    let d = webhook_delivery::Entity::find_by_id(delivery_id)
        .one(db)
        .await?
        .ok_or_else(AppError::not_found)?;
    let log = webhook_attempt::Entity::find()
        .filter(webhook_attempt::Column::DeliveryId.eq(d.id))
        .order_by_desc(webhook_attempt::Column::At)
        .all(db)
        .await?;
    Ok(delivery_dto(&d, log.iter().map(attempt_dto).collect()))
}

/// Removes delivered and failed deliveries older than [`KEEP_DAYS`], their attempts first
/// (the clean-up, which may run anywhere any number of times).
pub async fn purge(db: &DatabaseConnection) -> AppResult<u64> {
    // A bounded batch a run: MySQL takes no LIMIT inside an IN subquery, so the ids come first.
    let ids: Vec<Uuid> = webhook_delivery::Entity::find()
        .select_only()
        .column(webhook_delivery::Column::Id)
        .filter(webhook_delivery::Column::Status.ne(DeliveryStatus::Pending.as_str()))
        .filter(webhook_delivery::Column::CreatedAt.lt(now() - Duration::days(KEEP_DAYS)))
        .limit(1_000)
        .into_tuple()
        .all(db)
        .await?;
    if ids.is_empty() {
        return Ok(0);
    }
    let txn = begin_write(db).await?;
    webhook_attempt::Entity::delete_many()
        .filter(webhook_attempt::Column::DeliveryId.is_in(ids.clone()))
        .exec(&txn)
        .await?;
    let removed = webhook_delivery::Entity::delete_many()
        .filter(webhook_delivery::Column::Id.is_in(ids))
        .exec(&txn)
        .await?
        .rows_affected;
    txn.commit().await?;
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Standard Webhooks reference vector.
    #[test]
    fn signs_the_standard_webhooks_test_vector() {
        let sig = sign(
            "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
            "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
            1649367553,
            r#"{"email":"test@example.com","username":"test_user"}"#,
        );
        assert_eq!(
            sig.as_deref(),
            Some("v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=")
        );
        assert_eq!(sign("not-ours", "id", 1, "{}"), None);
    }

    #[test]
    fn a_new_secret_is_32_random_bytes_behind_the_prefix() {
        let s = new_secret();
        let raw = base64::engine::general_purpose::STANDARD
            .decode(s.strip_prefix(SECRET_PREFIX).unwrap())
            .unwrap();
        assert_eq!(raw.len(), 32);
        assert_ne!(s, new_secret());
    }
}
