//! Leads: `/api/v1/leads`, their actions and the assignment rules.

use kaidan_shared::audit::{AuditEntry, HistoryQuery};
use kaidan_shared::lead::{
    Converted, Disqualify, Lead, LeadAssign, LeadConvert, LeadCreate, LeadListQuery, LeadRule,
    LeadRuleInput, LeadUpdate,
};
use kaidan_shared::page::Page;
use uuid::Uuid;

use super::{query, send, ApiResult, Method, Reply};

pub async fn list(q: &LeadListQuery) -> ApiResult<Page<Lead>> {
    Ok(super::get(&format!("/api/v1/leads{}", query(q)))
        .await?
        .body)
}

pub async fn get(id: Uuid) -> ApiResult<Reply<Lead>> {
    super::get(&format!("/api/v1/leads/{id}")).await
}

pub async fn create(body: &LeadCreate) -> ApiResult<Reply<Lead>> {
    super::post("/api/v1/leads", body).await
}

pub async fn update(id: Uuid, etag: &str, body: &LeadUpdate) -> ApiResult<Reply<Lead>> {
    super::patch(&format!("/api/v1/leads/{id}"), etag, body).await
}

/// One of the lead's actions (`assign`, `disqualify`, `convert`), sent with its version so a
/// change someone made meanwhile is not overwritten.
async fn act<B: serde::Serialize, T: serde::de::DeserializeOwned>(
    id: Uuid,
    action: &str,
    etag: &str,
    body: &B,
) -> ApiResult<T> {
    let r: Reply<T> = send(
        Method::POST,
        &format!("/api/v1/leads/{id}/{action}"),
        Some(body),
        Some(etag),
    )
    .await?;
    Ok(r.body)
}

pub async fn assign(id: Uuid, etag: &str, body: &LeadAssign) -> ApiResult<Lead> {
    act(id, "assign", etag, body).await
}

pub async fn disqualify(id: Uuid, etag: &str, body: &Disqualify) -> ApiResult<Lead> {
    act(id, "disqualify", etag, body).await
}

pub async fn convert(id: Uuid, etag: &str, body: &LeadConvert) -> ApiResult<Converted> {
    act(id, "convert", etag, body).await
}

pub async fn history(id: Uuid, q: &HistoryQuery) -> ApiResult<Page<AuditEntry>> {
    Ok(
        super::get(&format!("/api/v1/leads/{id}/history{}", query(q)))
            .await?
            .body,
    )
}

pub async fn rules() -> ApiResult<Vec<LeadRule>> {
    Ok(super::get("/api/v1/lead-rules").await?.body)
}

pub async fn create_rule(body: &LeadRuleInput) -> ApiResult<Reply<LeadRule>> {
    super::post("/api/v1/lead-rules", body).await
}

pub async fn update_rule(id: Uuid, etag: &str, body: &LeadRuleInput) -> ApiResult<LeadRule> {
    let r: Reply<LeadRule> = send(
        Method::PUT,
        &format!("/api/v1/lead-rules/{id}"),
        Some(body),
        Some(etag),
    )
    .await?;
    Ok(r.body)
}

pub async fn delete_rule(id: Uuid, etag: &str) -> ApiResult<()> {
    let _: Reply<serde_json::Value> =
        super::delete(&format!("/api/v1/lead-rules/{id}"), etag).await?;
    Ok(())
}
