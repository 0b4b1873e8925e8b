//! Webhooks (开放平台 · 事件推送): `/api/v1/webhooks` and their delivery log.

use kaidan_shared::page::Page;
use kaidan_shared::webhook::{
    Webhook, WebhookCreate, WebhookDelivery, WebhookDeliveryQuery, WebhookSecret, WebhookUpdate,
};
use uuid::Uuid;

use super::{send, ApiResult, Method, Reply};

pub async fn list() -> ApiResult<Vec<Webhook>> {
    Ok(super::get("/api/v1/webhooks").await?.body)
}

/// Subscribes a client; the answer carries the signing secret, once.
pub async fn create(body: &WebhookCreate) -> ApiResult<Reply<WebhookSecret>> {
    super::post("/api/v1/webhooks", body).await
}

pub async fn update(id: Uuid, etag: &str, body: &WebhookUpdate) -> ApiResult<Reply<Webhook>> {
    super::patch(&format!("/api/v1/webhooks/{id}"), etag, body).await
}

/// A new signing secret (answered once); the old one signs beside it for a day.
pub async fn rotate(id: Uuid, etag: &str) -> ApiResult<Reply<WebhookSecret>> {
    send::<(), _>(
        Method::POST,
        &format!("/api/v1/webhooks/{id}/rotate-secret"),
        None,
        Some(etag),
    )
    .await
}

/// A page of a subscription's deliveries, newest first.
pub async fn deliveries(id: Uuid, cursor: Option<String>) -> ApiResult<Page<WebhookDelivery>> {
    let q = WebhookDeliveryQuery {
        limit: Some(20),
        cursor,
    };
    Ok(super::get(&format!(
        "/api/v1/webhooks/{id}/deliveries{}",
        super::query(&q)
    ))
    .await?
    .body)
}

/// Sends a delivery again: due at once, the same id and body.
pub async fn redeliver(delivery_id: Uuid) -> ApiResult<WebhookDelivery> {
    Ok(super::post(
        &format!("/api/v1/webhook-deliveries/{delivery_id}/redeliver"),
        &serde_json::json!({}),
    )
    .await?
    .body)
}
