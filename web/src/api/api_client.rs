//! API clients (开放平台 · 应用): `/api/v1/api-clients`.

use kaidan_shared::api_client::{
    ApiClient, ApiClientCreate, ApiClientRotate, ApiClientSecret, ApiClientUpdate,
};
use uuid::Uuid;

use super::{send, ApiResult, Method, Reply};

pub async fn list() -> ApiResult<Vec<ApiClient>> {
    Ok(super::get("/api/v1/api-clients").await?.body)
}

/// Registers a client; the answer carries its secret, once.
pub async fn create(body: &ApiClientCreate) -> ApiResult<Reply<ApiClientSecret>> {
    super::post("/api/v1/api-clients", body).await
}

pub async fn update(id: Uuid, etag: &str, body: &ApiClientUpdate) -> ApiResult<Reply<ApiClient>> {
    super::patch(&format!("/api/v1/api-clients/{id}"), etag, body).await
}

/// A new secret (answered once); the old one works for `grace_hours` more.
pub async fn rotate(id: Uuid, etag: &str, grace_hours: i64) -> ApiResult<Reply<ApiClientSecret>> {
    send(
        Method::POST,
        &format!("/api/v1/api-clients/{id}/rotate-secret"),
        Some(&ApiClientRotate { grace_hours }),
        Some(etag),
    )
    .await
}
