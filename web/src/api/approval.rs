//! Approvals: `/api/v1/approvals`.

use kaidan_shared::approval::{
    Approval, ApprovalCounts, ApprovalDecision, ApprovalListQuery, ApprovalTemplate,
    ApprovalTemplateInput,
};
use kaidan_shared::page::Page;
use uuid::Uuid;

use super::{query, send, ApiResult, Method, Reply};

pub async fn list(q: &ApprovalListQuery) -> ApiResult<Page<Approval>> {
    Ok(super::get(&format!("/api/v1/approvals{}", query(q)))
        .await?
        .body)
}

pub async fn counts() -> ApiResult<ApprovalCounts> {
    Ok(super::get("/api/v1/approvals/counts").await?.body)
}

pub async fn get(id: Uuid) -> ApiResult<Reply<Approval>> {
    super::get(&format!("/api/v1/approvals/{id}")).await
}

pub async fn decide(
    id: Uuid,
    approve: bool,
    body: &ApprovalDecision,
) -> ApiResult<Reply<Approval>> {
    let what = if approve { "approve" } else { "reject" };
    super::post(&format!("/api/v1/approvals/{id}/{what}"), body).await
}

pub async fn withdraw(id: Uuid) -> ApiResult<Reply<Approval>> {
    send::<(), _>(
        Method::POST,
        &format!("/api/v1/approvals/{id}/withdraw"),
        None,
        None,
    )
    .await
}

/// Every flow (admins), by subject and priority.
pub async fn templates() -> ApiResult<Vec<ApprovalTemplate>> {
    Ok(super::get("/api/v1/approval-templates").await?.body)
}

pub async fn create_template(body: &ApprovalTemplateInput) -> ApiResult<Reply<ApprovalTemplate>> {
    super::post("/api/v1/approval-templates", body).await
}

/// Replaces a flow as a whole under `If-Match`.
pub async fn update_template(
    id: Uuid,
    etag: &str,
    body: &ApprovalTemplateInput,
) -> ApiResult<Reply<ApprovalTemplate>> {
    send(
        Method::PUT,
        &format!("/api/v1/approval-templates/{id}"),
        Some(body),
        Some(etag),
    )
    .await
}
