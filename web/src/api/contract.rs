//! Contracts: `/api/v1/contracts`.

use kaidan_shared::approval::Approval;
use kaidan_shared::contract::{
    Contract, ContractCreate, ContractListQuery, ContractReason, ContractSign, ContractUpdate,
};
use kaidan_shared::page::Page;
use uuid::Uuid;

use super::{query, send, ApiResult, Method, Reply};

pub async fn list(q: &ContractListQuery) -> ApiResult<Page<Contract>> {
    Ok(super::get(&format!("/api/v1/contracts{}", query(q)))
        .await?
        .body)
}

pub async fn get(id: Uuid) -> ApiResult<Reply<Contract>> {
    super::get(&format!("/api/v1/contracts/{id}")).await
}

pub async fn create(body: &ContractCreate) -> ApiResult<Reply<Contract>> {
    super::post("/api/v1/contracts", body).await
}

pub async fn update(id: Uuid, etag: &str, body: &ContractUpdate) -> ApiResult<Reply<Contract>> {
    super::patch(&format!("/api/v1/contracts/{id}"), etag, body).await
}

/// Submit, complete: actions without a body.
pub async fn act(id: Uuid, action: &str) -> ApiResult<Reply<Contract>> {
    send::<(), _>(
        Method::POST,
        &format!("/api/v1/contracts/{id}/{action}"),
        None,
        None,
    )
    .await
}

pub async fn sign(id: Uuid, body: &ContractSign) -> ApiResult<Reply<Contract>> {
    super::post(&format!("/api/v1/contracts/{id}/sign"), body).await
}

/// Terminate or reopen, with the reason.
pub async fn with_reason(
    id: Uuid,
    action: &str,
    body: &ContractReason,
) -> ApiResult<Reply<Contract>> {
    super::post(&format!("/api/v1/contracts/{id}/{action}"), body).await
}

pub async fn approvals(id: Uuid) -> ApiResult<Vec<Approval>> {
    Ok(super::get(&format!("/api/v1/contracts/{id}/approvals"))
        .await?
        .body)
}

/// A contract's documents, oldest first.
pub async fn documents(id: Uuid) -> ApiResult<Vec<kaidan_shared::attachment::Attachment>> {
    Ok(super::get(&format!("/api/v1/contracts/{id}/documents"))
        .await?
        .body)
}

/// Uploads a document (one `file` part); `key` makes a retried tap add it once.
pub async fn add_document(
    id: Uuid,
    form: web_sys::FormData,
    key: &str,
) -> ApiResult<Reply<kaidan_shared::attachment::Attachment>> {
    super::send_form(&format!("/api/v1/contracts/{id}/documents"), form, key).await
}

/// Removes an attachment.
pub async fn remove_document(attachment: Uuid) -> ApiResult<()> {
    send::<(), serde_json::Value>(
        Method::DELETE,
        &format!("/api/v1/attachments/{attachment}"),
        None,
        None,
    )
    .await
    .map(|_| ())
}
