//! Attachments of records: a visit's photos. The bytes go to the storage layer first (processed
//! on the bounded image pool), then the row and its audit entry on the record's history commit
//! together; a failed commit removes what was stored. Reading and removing ask the record: an
//! attachment is visible exactly when its record is.

use kaidan_shared::attachment::{Attachment, AttachmentKind, ContentSize, MAX_PHOTOS_PER_VISIT};
use kaidan_shared::audit::AuditAction;
use kaidan_shared::visit::VisitStatus;
use kaidan_shared::{Action, ErrorCode};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::auth::Actor;
use crate::entities::{attachment, visit};
use crate::error::{AppError, AppResult};
use crate::images::ImagePool;
use crate::services::{audit, begin_write, new_id, now, record};
use crate::storage::Storage;

const PHOTO_TYPE: &str = "image/jpeg";

pub fn to_dto(m: attachment::Model) -> Attachment {
    Attachment {
        id: m.id,
        content_url: format!("/api/v1/attachments/{}/content", m.id),
        thumb_url: m
            .thumb_key
            .as_ref()
            .map(|_| format!("/api/v1/attachments/{}/content?size=thumb", m.id)),
        resource: m.resource,
        record_id: m.record_id,
        kind: AttachmentKind::Photo,
        content_type: m.content_type,
        size_bytes: u64::try_from(m.size_bytes).unwrap_or(0),
        width: m.width.and_then(|w| u32::try_from(w).ok()),
        height: m.height.and_then(|h| u32::try_from(h).ok()),
        original_name: m.original_name,
        created_by: m.created_by,
        created_at: m.created_at,
    }
}

/// The record an attachment belongs to, looked up for `action` under the record's own policy.
async fn find_record(
    db: &DatabaseConnection,
    actor: &Actor,
    resource: &str,
    id: Uuid,
    action: Action,
) -> AppResult<visit::Model> {
    match resource {
        "visit" => record::find::<visit::Entity, _>(db, actor, action, id, Condition::all()).await,
        _ => Err(AppError::new(ErrorCode::NotFound)),
    }
}

async fn live(db: &DatabaseConnection, id: Uuid) -> AppResult<attachment::Model> {
    attachment::Entity::find_by_id(id)
        .filter(attachment::Column::ArchivedAt.is_null())
        .one(db)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))
}

async fn photo_count<C: sea_orm::ConnectionTrait>(db: &C, visit_id: Uuid) -> AppResult<u64> {
    Ok(attachment::Entity::find()
        .filter(attachment::Column::Resource.eq("visit"))
        .filter(attachment::Column::RecordId.eq(visit_id))
        .filter(attachment::Column::ArchivedAt.is_null())
        .count(db)
        .await?)
}

/// A visit's photos, oldest first.
pub async fn list_for_visit(
    db: &DatabaseConnection,
    actor: &Actor,
    visit_id: Uuid,
) -> AppResult<Vec<Attachment>> {
    find_record(db, actor, "visit", visit_id, Action::Read).await?;
    Ok(attachment::Entity::find()
        .filter(attachment::Column::Resource.eq("visit"))
        .filter(attachment::Column::RecordId.eq(visit_id))
        .filter(attachment::Column::ArchivedAt.is_null())
        .order_by_asc(attachment::Column::CreatedAt)
        .order_by_asc(attachment::Column::Id)
        .limit(MAX_PHOTOS_PER_VISIT as u64 * 2)
        .all(db)
        .await?
        .into_iter()
        .map(to_dto)
        .collect())
}

/// Adds a photo to a visit the caller may edit (not cancelled, not archived, at most 20).
pub async fn add_visit_photo(
    db: &DatabaseConnection,
    storage: &Storage,
    images: &ImagePool,
    actor: &Actor,
    visit_id: Uuid,
    bytes: Vec<u8>,
    original_name: Option<String>,
) -> AppResult<Attachment> {
    let v = find_record(db, actor, "visit", visit_id, Action::Update).await?;
    if v.archived_at.is_some() {
        return Err(AppError::new(ErrorCode::Archived));
    }
    if v.status == VisitStatus::Cancelled.as_str() {
        return Err(AppError::new(ErrorCode::Conflict).with_detail("the visit was cancelled"));
    }
    if photo_count(db, visit_id).await? >= MAX_PHOTOS_PER_VISIT as u64 {
        return Err(
            AppError::new(ErrorCode::Conflict).with_detail("a visit keeps at most 20 photos")
        );
    }
    let photo = images.process(bytes).await?;
    let id = new_id();
    let key = format!("attachments/{id}.jpg");
    let thumb_key = format!("attachments/{id}.thumb.jpg");
    storage.put(&key, photo.display.clone()).await?;
    if let Err(e) = storage.put(&thumb_key, photo.thumb).await {
        let _ = storage.delete(&key).await;
        return Err(e);
    }
    let m = attachment::Model {
        id,
        resource: "visit".into(),
        record_id: visit_id,
        kind: AttachmentKind::Photo.as_str().into(),
        content_type: PHOTO_TYPE.into(),
        size_bytes: photo.display.len() as i64,
        width: i32::try_from(photo.width).ok(),
        height: i32::try_from(photo.height).ok(),
        key: key.clone(),
        thumb_key: Some(thumb_key.clone()),
        original_name: original_name
            .map(|n| {
                n.chars()
                    .filter(|c| !c.is_control())
                    .take(200)
                    .collect::<String>()
            })
            .filter(|n| !n.trim().is_empty()),
        created_by: actor.audit_id(),
        created_at: now(),
        archived_at: None,
    };
    let written = async {
        let txn = begin_write(db).await?;
        // Counted again inside the write: two uploads at once cannot pass the cap together
        // (SQLite takes one writer; elsewhere the visit's row lock orders them).
        visit::Entity::update_many()
            .col_expr(visit::Column::UpdatedAt, Expr::value(now()))
            .filter(visit::Column::Id.eq(visit_id))
            .exec(&txn)
            .await?;
        // And the visit read again under that lock: cancelled or archived while the photo was
        // being resized, it takes no more.
        let now_v = visit::Entity::find_by_id(visit_id)
            .one(&txn)
            .await?
            .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
        if now_v.archived_at.is_some() {
            return Err(AppError::new(ErrorCode::Archived));
        }
        if now_v.status == VisitStatus::Cancelled.as_str() {
            return Err(AppError::new(ErrorCode::Conflict).with_detail("the visit was cancelled"));
        }
        if photo_count(&txn, visit_id).await? >= MAX_PHOTOS_PER_VISIT as u64 {
            return Err(
                AppError::new(ErrorCode::Conflict).with_detail("a visit keeps at most 20 photos")
            );
        }
        attachment::Entity::insert(attachment::ActiveModel::from(m.clone()))
            .exec_without_returning(&txn)
            .await?;
        let dto = to_dto(m.clone());
        let change =
            audit::Change::created(AuditAction::AttachmentAdd, "attachment", id, visit_id, &dto);
        audit::commit(txn, actor, change).await?;
        Ok(dto)
    }
    .await;
    if written.is_err() {
        let _ = storage.delete(&key).await;
        let _ = storage.delete(&thumb_key).await;
    }
    written
}

/// Where the bytes of an attachment whose record the caller may read are kept, and their type.
/// Checked on every request (the browser revalidates), so access ends when the record's does.
pub struct Content {
    pub content_type: String,
    key: String,
    id: Uuid,
}

impl Content {
    /// The stored bytes.
    pub async fn bytes(&self, storage: &Storage) -> AppResult<actix_web::web::Bytes> {
        storage.get(&self.key).await?.ok_or_else(|| {
            AppError::internal(anyhow::anyhow!(
                "attachment {}: object {} is missing",
                self.id,
                self.key
            ))
        })
    }
}

/// Finds an attachment's content for a caller who may read its record.
pub async fn content(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    size: ContentSize,
) -> AppResult<Content> {
    let m = live(db, id).await?;
    find_record(db, actor, &m.resource, m.record_id, Action::Read).await?;
    let key = match size {
        ContentSize::Thumb => m.thumb_key.unwrap_or(m.key),
        ContentSize::Full => m.key,
    };
    Ok(Content {
        content_type: m.content_type,
        key,
        id,
    })
}

/// Removes an attachment of a record the caller may edit: the row is kept (archived) for the
/// history, the stored bytes go.
pub async fn remove(
    db: &DatabaseConnection,
    storage: &Storage,
    actor: &Actor,
    id: Uuid,
) -> AppResult<()> {
    let m = live(db, id).await?;
    find_record(db, actor, &m.resource, m.record_id, Action::Update).await?;
    let txn = begin_write(db).await?;
    let res = attachment::Entity::update_many()
        .col_expr(attachment::Column::ArchivedAt, Expr::value(Some(now())))
        .filter(attachment::Column::Id.eq(id))
        .filter(attachment::Column::ArchivedAt.is_null())
        .exec(&txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    let before = to_dto(m.clone());
    let change = audit::Change::updated(
        AuditAction::AttachmentRemove,
        "attachment",
        id,
        m.record_id,
        &before,
        &serde_json::json!({"removed": true}),
    );
    audit::commit(txn, actor, change).await?;
    storage.delete(&m.key).await?;
    if let Some(t) = &m.thumb_key {
        storage.delete(t).await?;
    }
    Ok(())
}
