//! In-app notifications: written by modules and jobs inside the transaction of what they are
//! about (`send`), read and marked by their one reader.
//!
//! Delivery to other channels (DingTalk, Feishu robots) will read the same rows after commit —
//! an outbox: a channel job keeps its own cursor over `notifications` by id, so a channel that is
//! down loses nothing and a rolled-back change never notifies anyone.

use kaidan_shared::audit::AuditAction;
use kaidan_shared::notification::{
    MarkedRead, Notification, NotificationKind, NotificationListQuery, UnreadCount, KEEP_DAYS,
    UNREAD_CAP,
};
use kaidan_shared::page::Page;
use kaidan_shared::{Action, Resource};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QuerySelect,
};
use serde_json::Value;
use uuid::Uuid;

use crate::auth::{policy, Actor};
use crate::entities::notification;
use crate::error::AppResult;
use crate::services::record::{self, Keyset};
use crate::services::{audit, begin_write, new_id, now, page_limit};

/// A notification to send.
pub struct Notice {
    pub user_id: Uuid,
    pub kind: NotificationKind,
    pub resource: Option<Resource>,
    pub record_id: Option<Uuid>,
    /// The facts of the kind, as a JSON object.
    pub data: Value,
}

/// Writes `notice` in the caller's transaction, so it exists exactly when the change does.
pub async fn send<C: ConnectionTrait>(conn: &C, notice: Notice) -> AppResult<()> {
    send_all(conn, vec![notice]).await
}

/// Writes several notifications with one statement.
pub async fn send_all<C: ConnectionTrait>(conn: &C, notices: Vec<Notice>) -> AppResult<()> {
    if notices.is_empty() {
        return Ok(());
    }
    let at = now();
    let rows = notices.into_iter().map(|n| notification::ActiveModel {
        id: Set(new_id()),
        user_id: Set(n.user_id),
        kind: Set(n.kind.as_str().into()),
        resource: Set(n.resource.map(|r| r.as_str().into())),
        record_id: Set(n.record_id),
        data: Set(n.data.to_string()),
        read_at: Set(None),
        created_at: Set(at),
    });
    notification::Entity::insert_many(rows)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

fn dto(m: notification::Model) -> Notification {
    Notification {
        id: m.id,
        kind: NotificationKind::parse(&m.kind),
        resource: m.resource,
        record_id: m.record_id,
        data: serde_json::from_str(&m.data).unwrap_or(Value::Null),
        read: m.read_at.is_some(),
        created_at: m.created_at,
    }
}

fn mine(actor: &Actor, action: Action) -> AppResult<Condition> {
    let scope = policy::require(actor, Resource::Notification, action)?;
    Ok(<notification::Entity as policy::Scoped>::in_scope(
        actor, scope,
    ))
}

/// The caller's notifications, newest first.
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    q: NotificationListQuery,
) -> AppResult<Page<Notification>> {
    let limit = page_limit(q.limit)?;
    let mut sel = notification::Entity::find().filter(mine(actor, Action::Read)?);
    if q.unread == Some(true) {
        sel = sel.filter(notification::Column::ReadAt.is_null());
    }
    let keyset = Keyset {
        name: "id_desc",
        column: None,
        id: notification::Column::Id,
        descending: true,
    };
    let page = keyset
        .page(
            db,
            sel,
            q.cursor.as_deref(),
            limit,
            |r: &notification::Model| (String::new(), r.id),
        )
        .await?;
    Ok(Page {
        items: page.items.into_iter().map(dto).collect(),
        next_cursor: page.next_cursor,
    })
}

/// How many of the caller's notifications are unread, up to [`UNREAD_CAP`] (an index range of
/// at most that many entries, however many there are).
pub async fn unread_count(db: &DatabaseConnection, actor: &Actor) -> AppResult<UnreadCount> {
    let ids: Vec<Uuid> = notification::Entity::find()
        .select_only()
        .column(notification::Column::Id)
        .filter(mine(actor, Action::Read)?)
        .filter(notification::Column::ReadAt.is_null())
        .limit(UNREAD_CAP)
        .into_tuple()
        .all(db)
        .await?;
    Ok(UnreadCount {
        count: ids.len() as u64,
    })
}

/// Marks one of the caller's notifications read (once: marking it again changes nothing).
pub async fn mark_read(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
) -> AppResult<Notification> {
    let n =
        record::find::<notification::Entity, _>(db, actor, Action::Update, id, Condition::all())
            .await?;
    if n.read_at.is_some() {
        return Ok(dto(n));
    }
    let at = now();
    let txn = begin_write(db).await?;
    let r = notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(at))
        .filter(notification::Column::Id.eq(id))
        .filter(notification::Column::ReadAt.is_null())
        .exec(&txn)
        .await?;
    let mut after = n.clone();
    after.read_at = Some(at);
    if r.rows_affected == 1 {
        let change = audit::Change::updated(
            AuditAction::NotificationRead,
            "notification",
            id,
            actor.user_id,
            &dto(n),
            &dto(after.clone()),
        );
        audit::commit(txn, actor, change).await?;
    }
    Ok(dto(after))
}

/// Marks every unread notification of the caller read.
pub async fn mark_all_read(db: &DatabaseConnection, actor: &Actor) -> AppResult<MarkedRead> {
    let cond = mine(actor, Action::Update)?;
    let txn = begin_write(db).await?;
    let r = notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(now()))
        .filter(cond)
        .filter(notification::Column::ReadAt.is_null())
        .exec(&txn)
        .await?;
    let marked = MarkedRead {
        marked: r.rows_affected,
    };
    if marked.marked == 0 {
        return Ok(marked);
    }
    let change = audit::Change::created(
        AuditAction::NotificationReadAll,
        "notification",
        actor.user_id,
        actor.user_id,
        &marked,
    );
    audit::commit(txn, actor, change).await?;
    Ok(marked)
}

/// Removes notifications older than [`KEEP_DAYS`] (the clean-up job).
pub async fn purge(db: &DatabaseConnection) -> AppResult<u64> {
    Ok(notification::Entity::delete_many()
        .filter(notification::Column::CreatedAt.lt(now() - chrono::Duration::days(KEEP_DAYS)))
        .exec(db)
        .await?
        .rows_affected)
}
