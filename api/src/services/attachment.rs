//! Attachments of records: a visit's photos, a contract's documents. The bytes go to the storage
//! layer first (images processed on the bounded image pool, PDFs kept as sent), then the row and
//! its audit entry on the record's history commit together; a failed commit removes what was
//! stored. Reading and removing ask the record: an attachment is visible exactly when its record
//! is.

use kaidan_shared::attachment::{
    contract_document_removable, sniff_document, Attachment, AttachmentKind, ContentSize, Sniffed,
    MAX_DOCUMENTS_PER_CONTRACT, MAX_PHOTOS_PER_VISIT,
};
use kaidan_shared::audit::AuditAction;
use kaidan_shared::contract::ContractStatus;
use kaidan_shared::visit::VisitStatus;
use kaidan_shared::{Action, ErrorCode, FieldCode};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::auth::Actor;
use crate::entities::{attachment, contract, visit};
use crate::error::{AppError, AppResult};
use crate::images::ImagePool;
use crate::services::contract as contract_service;
use crate::services::{audit, begin_write, new_id, now, record};
use crate::storage::Storage;

const PHOTO_TYPE: &str = "image/jpeg";
const PDF_TYPE: &str = "application/pdf";

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
        kind: AttachmentKind::parse(&m.kind),
        content_type: m.content_type,
        size_bytes: u64::try_from(m.size_bytes).unwrap_or(0),
        width: m.width.and_then(|w| u32::try_from(w).ok()),
        height: m.height.and_then(|h| u32::try_from(h).ok()),
        original_name: m.original_name,
        created_by: m.created_by,
        created_at: m.created_at,
    }
}

/// The record an attachment belongs to.
enum Owner {
    Visit(visit::Model),
    Contract(contract::Model),
}

/// The record an attachment belongs to, looked up for `action` under the record's own policy.
async fn find_record(
    db: &DatabaseConnection,
    actor: &Actor,
    resource: &str,
    id: Uuid,
    action: Action,
) -> AppResult<Owner> {
    match resource {
        "visit" => Ok(Owner::Visit(
            record::find::<visit::Entity, _>(db, actor, action, id, Condition::all()).await?,
        )),
        "contract" => Ok(Owner::Contract(
            record::find::<contract::Entity, _>(db, actor, action, id, Condition::all()).await?,
        )),
        _ => Err(AppError::new(ErrorCode::NotFound)),
    }
}

fn clean_name(name: Option<String>) -> Option<String> {
    name.map(|n| {
        n.chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect::<String>()
    })
    .filter(|n| !n.trim().is_empty())
}

/// Bytes put in the storage layer for a new attachment, before its row exists.
struct Stored {
    kind: AttachmentKind,
    content_type: &'static str,
    size: i64,
    width: Option<i32>,
    height: Option<i32>,
    key: String,
    thumb_key: Option<String>,
}

impl Stored {
    /// An image processed on the bounded pool (upright JPEG, no EXIF) with its thumbnail.
    async fn photo(
        storage: &Storage,
        images: &ImagePool,
        id: Uuid,
        bytes: Vec<u8>,
    ) -> AppResult<Stored> {
        let photo = images.process(bytes).await?;
        let key = format!("attachments/{id}.jpg");
        let thumb_key = format!("attachments/{id}.thumb.jpg");
        storage.put(&key, photo.display.clone()).await?;
        if let Err(e) = storage.put(&thumb_key, photo.thumb).await {
            let _ = storage.delete(&key).await;
            return Err(e);
        }
        Ok(Stored {
            kind: AttachmentKind::Photo,
            content_type: PHOTO_TYPE,
            size: photo.display.len() as i64,
            width: i32::try_from(photo.width).ok(),
            height: i32::try_from(photo.height).ok(),
            key,
            thumb_key: Some(thumb_key),
        })
    }

    /// A PDF as sent.
    async fn pdf(storage: &Storage, id: Uuid, bytes: Vec<u8>) -> AppResult<Stored> {
        let key = format!("attachments/{id}.pdf");
        let size = bytes.len() as i64;
        storage.put(&key, bytes).await?;
        Ok(Stored {
            kind: AttachmentKind::Document,
            content_type: PDF_TYPE,
            size,
            width: None,
            height: None,
            key,
            thumb_key: None,
        })
    }

    fn row(
        &self,
        id: Uuid,
        resource: &str,
        record_id: Uuid,
        actor: &Actor,
        original_name: Option<String>,
    ) -> attachment::Model {
        attachment::Model {
            id,
            resource: resource.into(),
            record_id,
            kind: self.kind.as_str().into(),
            content_type: self.content_type.into(),
            size_bytes: self.size,
            width: self.width,
            height: self.height,
            key: self.key.clone(),
            thumb_key: self.thumb_key.clone(),
            original_name: clean_name(original_name),
            created_by: actor.audit_id(),
            created_at: now(),
            archived_at: None,
        }
    }

    /// Removes the bytes again (the row's write failed).
    async fn discard(&self, storage: &Storage) {
        let _ = storage.delete(&self.key).await;
        if let Some(t) = &self.thumb_key {
            let _ = storage.delete(t).await;
        }
    }
}

async fn live(db: &DatabaseConnection, id: Uuid) -> AppResult<attachment::Model> {
    attachment::Entity::find_by_id(id)
        .filter(attachment::Column::ArchivedAt.is_null())
        .one(db)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))
}

async fn count_of<C: sea_orm::ConnectionTrait>(
    db: &C,
    resource: &str,
    record_id: Uuid,
) -> AppResult<u64> {
    Ok(attachment::Entity::find()
        .filter(attachment::Column::Resource.eq(resource))
        .filter(attachment::Column::RecordId.eq(record_id))
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
    list_of(db, actor, "visit", visit_id, MAX_PHOTOS_PER_VISIT).await
}

/// A contract's documents, oldest first.
pub async fn list_for_contract(
    db: &DatabaseConnection,
    actor: &Actor,
    contract_id: Uuid,
) -> AppResult<Vec<Attachment>> {
    list_of(
        db,
        actor,
        "contract",
        contract_id,
        MAX_DOCUMENTS_PER_CONTRACT,
    )
    .await
}

async fn list_of(
    db: &DatabaseConnection,
    actor: &Actor,
    resource: &str,
    record_id: Uuid,
    cap: usize,
) -> AppResult<Vec<Attachment>> {
    find_record(db, actor, resource, record_id, Action::Read).await?;
    Ok(attachment::Entity::find()
        .filter(attachment::Column::Resource.eq(resource))
        .filter(attachment::Column::RecordId.eq(record_id))
        .filter(attachment::Column::ArchivedAt.is_null())
        .order_by_asc(attachment::Column::CreatedAt)
        .order_by_asc(attachment::Column::Id)
        .limit(cap as u64 * 2)
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
    let Owner::Visit(v) = find_record(db, actor, "visit", visit_id, Action::Update).await? else {
        return Err(AppError::not_found());
    };
    if v.archived_at.is_some() {
        return Err(AppError::new(ErrorCode::Archived));
    }
    if v.status == VisitStatus::Cancelled.as_str() {
        return Err(AppError::new(ErrorCode::Conflict).with_detail("the visit was cancelled"));
    }
    if count_of(db, "visit", visit_id).await? >= MAX_PHOTOS_PER_VISIT as u64 {
        return Err(
            AppError::new(ErrorCode::Conflict).with_detail("a visit keeps at most 20 photos")
        );
    }
    let id = new_id();
    let stored = Stored::photo(storage, images, id, bytes).await?;
    let m = stored.row(id, "visit", visit_id, actor, original_name);
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
        if count_of(&txn, "visit", visit_id).await? >= MAX_PHOTOS_PER_VISIT as u64 {
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
        stored.discard(storage).await;
    }
    written
}

/// Adds a document to a contract the caller may change: a PDF kept as sent, or a scan sent as an
/// image (kept like a photo: upright, no EXIF, with a preview). Documents are added in every
/// status but terminated (the signed copy comes after approval); at most 30 a contract.
pub async fn add_contract_document(
    db: &DatabaseConnection,
    storage: &Storage,
    images: &ImagePool,
    actor: &Actor,
    contract_id: Uuid,
    bytes: Vec<u8>,
    original_name: Option<String>,
) -> AppResult<Attachment> {
    let Owner::Contract(seen) =
        find_record(db, actor, "contract", contract_id, Action::Update).await?
    else {
        return Err(AppError::not_found());
    };
    let open = |c: &contract::Model| -> AppResult<()> {
        if ContractStatus::parse(&c.status) == Some(ContractStatus::Terminated) {
            return Err(AppError::new(ErrorCode::InvalidState)
                .with_detail("the contract was terminated: it takes no more documents"));
        }
        Ok(())
    };
    let full =
        || AppError::new(ErrorCode::Conflict).with_detail("a contract keeps at most 30 documents");
    open(&seen)?;
    if count_of(db, "contract", contract_id).await? >= MAX_DOCUMENTS_PER_CONTRACT as u64 {
        return Err(full());
    }
    let id = new_id();
    let stored = match sniff_document(&bytes) {
        Some(Sniffed::Pdf) => Stored::pdf(storage, id, bytes).await?,
        Some(Sniffed::Image) => Stored::photo(storage, images, id, bytes).await?,
        None => {
            return Err(AppError::field(
                "file",
                FieldCode::InvalidFormat,
                "send a PDF, or a scan as a JPEG, PNG or WebP image",
            ))
        }
    };
    let m = stored.row(id, "contract", contract_id, actor, original_name);
    let written = async {
        let txn = begin_write(db).await?;
        // Under the contract's row lock: terminated meanwhile, or two uploads racing for the
        // last place, and it takes no more.
        let (c, _) = contract_service::lock(&txn, &seen).await?;
        open(&c)?;
        if count_of(&txn, "contract", contract_id).await? >= MAX_DOCUMENTS_PER_CONTRACT as u64 {
            return Err(full());
        }
        attachment::Entity::insert(attachment::ActiveModel::from(m.clone()))
            .exec_without_returning(&txn)
            .await?;
        let dto = to_dto(m.clone());
        let change = audit::Change::created(
            AuditAction::AttachmentAdd,
            "attachment",
            id,
            contract_id,
            &dto,
        );
        audit::commit(txn, actor, change).await?;
        Ok(dto)
    }
    .await;
    if written.is_err() {
        stored.discard(storage).await;
    }
    written
}

/// Refuses removing a document the approvers saw (`contract_document_removable`).
fn removable(c: &contract::Model, doc: &attachment::Model) -> AppResult<()> {
    let status = ContractStatus::parse(&c.status).unwrap_or(ContractStatus::Draft);
    if contract_document_removable(status, c.approved_at, doc.created_at) {
        return Ok(());
    }
    Err(AppError::new(ErrorCode::InvalidState).with_detail(
        "the document went to approval with the contract: it stays (reopen the contract to change it)",
    ))
}

/// Where the bytes of an attachment whose record the caller may read are kept, and their type.
/// Checked on every request (the browser revalidates), so access ends when the record's does.
pub struct Content {
    pub content_type: String,
    pub kind: AttachmentKind,
    pub original_name: Option<String>,
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
        kind: AttachmentKind::parse(&m.kind),
        original_name: m.original_name,
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
    let owner = find_record(db, actor, &m.resource, m.record_id, Action::Update).await?;
    let txn = begin_write(db).await?;
    if let Owner::Contract(seen) = &owner {
        removable(seen, &m)?;
        // Again under the row lock: submitted meanwhile, the document stays.
        let (c, _) = contract_service::lock(&txn, seen).await?;
        removable(&c, &m)?;
    }
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
