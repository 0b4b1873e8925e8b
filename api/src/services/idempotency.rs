//! `Idempotency-Key` on POST: the first answer is remembered per caller and replayed for a retry
//! of the same request; the same key with a different request is refused (422).
//!
//! A row is claimed before the handler runs (so two concurrent retries cannot both execute) and
//! completed with the response after. Only successful answers are kept: a failed request may be
//! retried with the same key once the client has fixed it.

use chrono::Duration;
use kaidan_shared::ErrorCode;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::entities::idempotency_key;
use crate::error::{AppError, AppResult};
use crate::services::{is_unique_violation, now};

/// How long an answer is remembered.
const KEEP_HOURS: i64 = 24;
/// A claim older than this with no answer is taken to be from a crashed request.
const STALE_CLAIM_SECS: i64 = 60;

pub struct Stored {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

pub enum Begin {
    /// Run the request; call `complete` or `abandon` after.
    Fresh,
    /// The same request was answered before: send this.
    Replay(Stored),
}

/// Keys are 1–255 visible ASCII characters (UUIDs in practice).
pub fn key_is_valid(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

pub async fn begin(
    db: &DatabaseConnection,
    user_id: Uuid,
    key: &str,
    request_hash: &str,
) -> AppResult<Begin> {
    let claim = idempotency_key::ActiveModel {
        user_id: Set(user_id),
        idem_key: Set(key.to_owned()),
        request_hash: Set(request_hash.to_owned()),
        status_code: Set(None),
        response_headers: Set(None),
        response_body: Set(None),
        created_at: Set(now()),
    };
    match idempotency_key::Entity::insert(claim)
        .exec_without_returning(db)
        .await
    {
        Ok(_) => return Ok(Begin::Fresh),
        Err(e) if is_unique_violation(&e) => {}
        Err(e) => return Err(e.into()),
    }
    let row = idempotency_key::Entity::find_by_id((user_id, key.to_owned()))
        .one(db)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::IdempotencyInProgress))?;
    if row.created_at < now() - Duration::hours(KEEP_HOURS) {
        // Past its expiry (the periodic clean-up has not reached it yet): never replayed; the key
        // is taken afresh, by this request only.
        let res = idempotency_key::Entity::delete_many()
            .filter(idempotency_key::Column::UserId.eq(user_id))
            .filter(idempotency_key::Column::IdemKey.eq(key))
            .filter(idempotency_key::Column::CreatedAt.eq(row.created_at))
            .exec(db)
            .await?;
        if res.rows_affected == 1 {
            return Box::pin(begin(db, user_id, key, request_hash)).await;
        }
        return Err(AppError::new(ErrorCode::IdempotencyInProgress));
    }
    if row.request_hash != request_hash {
        return Err(AppError::new(ErrorCode::IdempotencyKeyReused)
            .with_detail("this Idempotency-Key was used for a different request"));
    }
    match (row.status_code, row.response_body) {
        (Some(status), Some(body)) => Ok(Begin::Replay(Stored {
            status: status as u16,
            headers: row
                .response_headers
                .and_then(|h| serde_json::from_str(&h).ok())
                .unwrap_or_default(),
            body,
        })),
        _ if row.created_at < now() - Duration::seconds(STALE_CLAIM_SECS) => {
            // The first attempt died mid-way; take the claim over.
            let res = idempotency_key::Entity::update_many()
                .col_expr(idempotency_key::Column::CreatedAt, Expr::value(now()))
                .filter(idempotency_key::Column::UserId.eq(user_id))
                .filter(idempotency_key::Column::IdemKey.eq(key))
                .filter(idempotency_key::Column::CreatedAt.eq(row.created_at))
                .exec(db)
                .await?;
            if res.rows_affected == 1 {
                Ok(Begin::Fresh)
            } else {
                Err(AppError::new(ErrorCode::IdempotencyInProgress))
            }
        }
        _ => Err(AppError::new(ErrorCode::IdempotencyInProgress)
            .with_detail("a request with this Idempotency-Key is still being processed")),
    }
}

pub async fn complete(
    db: &DatabaseConnection,
    user_id: Uuid,
    key: &str,
    stored: Stored,
) -> AppResult<()> {
    idempotency_key::Entity::update_many()
        .col_expr(
            idempotency_key::Column::StatusCode,
            Expr::value(Some(stored.status as i32)),
        )
        .col_expr(
            idempotency_key::Column::ResponseHeaders,
            Expr::value(Some(
                serde_json::to_string(&stored.headers).unwrap_or_default(),
            )),
        )
        .col_expr(
            idempotency_key::Column::ResponseBody,
            Expr::value(Some(stored.body)),
        )
        .filter(idempotency_key::Column::UserId.eq(user_id))
        .filter(idempotency_key::Column::IdemKey.eq(key))
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes remembered answers past their expiry (the periodic clean-up).
pub async fn purge_expired(db: &DatabaseConnection) -> AppResult<u64> {
    let r = idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::CreatedAt.lt(now() - Duration::hours(KEEP_HOURS)))
        .exec(db)
        .await?;
    Ok(r.rows_affected)
}

pub async fn abandon(db: &DatabaseConnection, user_id: Uuid, key: &str) -> AppResult<()> {
    idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::UserId.eq(user_id))
        .filter(idempotency_key::Column::IdemKey.eq(key))
        .filter(idempotency_key::Column::StatusCode.is_null())
        .exec(db)
        .await?;
    Ok(())
}
