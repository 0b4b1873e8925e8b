//! The audit trail: one append-only row per mutation, written with the mutation's transaction.

use std::collections::HashMap;

use kaidan_shared::audit::{diff, AuditAction, AuditEntry, AuditQuery, HistoryQuery};
use kaidan_shared::page::Page;
use kaidan_shared::FieldCode;
use kaidan_shared::{Action, Resource};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::auth::{policy, Actor};
use crate::entities::{audit_log, user};
use crate::error::AppResult;
use crate::services::record::Keyset;
use crate::services::rules_cache::RulesCache;
use crate::services::{new_id, now, page_limit};

/// What changed, for one audit row.
pub struct Change<'a> {
    pub action: AuditAction,
    pub entity: &'a str,
    pub entity_id: Uuid,
    /// Whose history shows the row (the customer, for a contact change).
    pub subject_id: Uuid,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl<'a> Change<'a> {
    /// A created record: the whole new state.
    pub fn created(
        action: AuditAction,
        entity: &'a str,
        id: Uuid,
        subject: Uuid,
        after: &impl Serialize,
    ) -> Self {
        Change {
            action,
            entity,
            entity_id: id,
            subject_id: subject,
            before: None,
            after: serde_json::to_value(after).ok().map(flatten_custom),
        }
    }

    /// An updated record: only the fields that changed, before and after.
    pub fn updated(
        action: AuditAction,
        entity: &'a str,
        id: Uuid,
        subject: Uuid,
        before: &impl Serialize,
        after: &impl Serialize,
    ) -> Self {
        Self::updated_json(
            action,
            entity,
            id,
            subject,
            serde_json::to_value(before).unwrap_or(Value::Null),
            serde_json::to_value(after).unwrap_or(Value::Null),
        )
    }

    /// `updated` of snapshots already made (`quote::snapshot`): they are not copied again.
    pub fn updated_json(
        action: AuditAction,
        entity: &'a str,
        id: Uuid,
        subject: Uuid,
        before: Value,
        after: Value,
    ) -> Self {
        let (b, a) = diff(&flatten_custom(before), &flatten_custom(after));
        Change {
            action,
            entity,
            entity_id: id,
            subject_id: subject,
            before: Some(b),
            after: Some(a),
        }
    }
}

/// A record's custom values (`"custom": {"cycle": "month"}`) as fields of their own
/// (`"custom.cycle": "month"`), so the history names each changed custom field, and a reader's
/// history can leave out those their role may not see (`field::View::redact`).
fn flatten_custom(v: Value) -> Value {
    let Value::Object(mut map) = v else {
        return v;
    };
    if let Some(Value::Object(custom)) = map.remove("custom") {
        for (k, v) in custom {
            map.insert(format!("custom.{k}"), v);
        }
    }
    Value::Object(map)
}

pub async fn record<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    change: Change<'_>,
) -> AppResult<()> {
    record_all(conn, actor, vec![change]).await
}

/// Several audit rows with one statement (a job's batch).
pub async fn record_all<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    changes: Vec<Change<'_>>,
) -> AppResult<()> {
    if changes.is_empty() {
        return Ok(());
    }
    // The webhook outbox, in the same transaction: an audited change is an announced one.
    crate::services::webhook::enqueue(conn, &changes).await?;
    let at = now();
    let rows = changes.into_iter().map(|change| audit_log::ActiveModel {
        id: Set(new_id()),
        actor_id: Set(actor.audit_id()),
        action: Set(change.action.as_str().into()),
        entity: Set(change.entity.into()),
        entity_id: Set(change.entity_id),
        subject_id: Set(change.subject_id),
        before: Set(change.before.map(|v| v.to_string())),
        after: Set(change.after.map(|v| v.to_string())),
        request_id: Set(actor.request_id.clone()),
        ip: Set(actor.ip.clone()),
        at: Set(at),
    });
    audit_log::Entity::insert_many(rows)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// The last step of every mutation: the change's audit row, then the commit — so no change is
/// committed without its row.
pub async fn commit(
    txn: sea_orm::DatabaseTransaction,
    actor: &Actor,
    change: Change<'_>,
) -> AppResult<()> {
    record(&txn, actor, change).await?;
    txn.commit().await?;
    Ok(())
}

/// The audit rows of a transaction that writes several records (a lead's conversion makes a
/// customer, its contact and a deal), written with one statement just before the commit: the
/// same rows, in the same transaction, for one round-trip instead of one per record.
#[derive(Default)]
pub struct Trail(Vec<Change<'static>>);

impl Trail {
    pub fn add(&mut self, change: Change<'static>) {
        self.0.push(change);
    }

    /// Writes the rows, then commits — so no change is committed without its rows.
    pub async fn commit(self, txn: sea_orm::DatabaseTransaction, actor: &Actor) -> AppResult<()> {
        self.write(&txn, actor).await?;
        txn.commit().await?;
        Ok(())
    }

    /// The changes, for a caller that gathers them into its own trail.
    pub fn into_changes(self) -> Vec<Change<'static>> {
        self.0
    }

    /// Writes the rows for a transaction that still has a shared row to take just before its
    /// commit (`deal_totals::commit`).
    pub async fn write(self, txn: &sea_orm::DatabaseTransaction, actor: &Actor) -> AppResult<()> {
        record_all(txn, actor, self.0).await
    }
}

/// The audit log for administrators, newest first, with filters.
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    q: AuditQuery,
) -> AppResult<Page<AuditEntry>> {
    policy::require(actor, Resource::Audit, Action::Read)?;
    let limit = page_limit(q.limit)?;
    if q.entity
        .as_deref()
        .is_some_and(kaidan_shared::validate::has_nul)
    {
        return Err(crate::error::AppError::field(
            "entity",
            FieldCode::InvalidCharacters,
            "must not contain NUL characters",
        ));
    }
    let mut sel = audit_log::Entity::find();
    if let Some(e) = &q.entity {
        sel = sel.filter(audit_log::Column::Entity.eq(e.as_str()));
    }
    if let Some(id) = q.entity_id {
        sel = sel.filter(audit_log::Column::EntityId.eq(id));
    }
    if let Some(a) = q.actor_id {
        sel = sel.filter(audit_log::Column::ActorId.eq(a));
    }
    if let Some(a) = q.action.as_deref() {
        let action = AuditAction::parse(a);
        if action == AuditAction::Other {
            return Err(crate::error::AppError::field(
                "action",
                FieldCode::InvalidFormat,
                "not an audit action of this server",
            ));
        }
        sel = sel.filter(audit_log::Column::Action.eq(action.as_str()));
    }
    if let Some(t) = q.since {
        sel = sel.filter(audit_log::Column::At.gte(t));
    }
    if let Some(t) = q.until {
        sel = sel.filter(audit_log::Column::At.lt(t));
    }
    page(db, sel, limit, q.cursor.as_deref(), true).await
}

/// One record's history (already authorised by the caller), newest first. Where a change came
/// from (address, request id) is for admins only: a rep reading a customer's history must not
/// learn colleagues' addresses.
pub async fn history(
    db: &DatabaseConnection,
    actor: &Actor,
    subject_id: Uuid,
    q: HistoryQuery,
) -> AppResult<Page<AuditEntry>> {
    let limit = page_limit(q.limit)?;
    let sel = audit_log::Entity::find().filter(audit_log::Column::SubjectId.eq(subject_id));
    let show_origin = actor.role == kaidan_shared::Role::Admin;
    page(db, sel, limit, q.cursor.as_deref(), show_origin).await
}

/// Ids are UUIDv7, so `id` descending is newest first and a keyset on `id` alone suffices.
async fn page(
    db: &DatabaseConnection,
    sel: sea_orm::Select<audit_log::Entity>,
    limit: u64,
    cursor: Option<&str>,
    show_origin: bool,
) -> AppResult<Page<AuditEntry>> {
    let keyset = Keyset {
        name: "id_desc",
        column: None,
        id: audit_log::Column::Id,
        descending: true,
    };
    let Page {
        items: rows,
        next_cursor,
    } = keyset
        .page(db, sel, cursor, limit, |r: &audit_log::Model| {
            (String::new(), r.id)
        })
        .await?;
    let actor_ids: Vec<Uuid> = rows.iter().filter_map(|r| r.actor_id).collect();
    let names: HashMap<Uuid, String> = if actor_ids.is_empty() {
        HashMap::new()
    } else {
        user::Entity::find()
            .filter(user::Column::Id.is_in(actor_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect()
    };
    let items = rows
        .into_iter()
        .map(|r| AuditEntry {
            id: r.id,
            actor_id: r.actor_id,
            actor_name: r.actor_id.and_then(|a| names.get(&a).cloned()),
            action: AuditAction::parse(&r.action),
            entity: r.entity,
            entity_id: r.entity_id,
            before: r.before.and_then(|s| serde_json::from_str(&s).ok()),
            after: r.after.and_then(|s| serde_json::from_str(&s).ok()),
            request_id: r.request_id.filter(|_| show_origin),
            ip: r.ip.filter(|_| show_origin),
            at: r.at,
        })
        .collect();
    Ok(Page { items, next_cursor })
}

/// A record's history for a reader who may read the record (404 otherwise, as every read), with
/// the custom values of fields hidden from them taken out: what every module's history endpoint
/// answers unless it masks more (a pooled customer's contacts).
pub async fn history_of<E>(
    db: &sea_orm::DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    q: HistoryQuery,
) -> AppResult<Page<AuditEntry>>
where
    E: crate::auth::policy::Scoped,
    E::PrimaryKey: sea_orm::PrimaryKeyTrait<ValueType = Uuid>,
{
    crate::services::record::find::<E, _>(db, actor, Action::Read, id, sea_orm::Condition::all())
        .await?;
    let mut page = history(db, actor, id, q).await?;
    let view = crate::services::field::View::load(db, kept, actor).await?;
    for entry in &mut page.items {
        view.redact(entry);
    }
    Ok(page)
}
