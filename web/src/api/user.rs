//! Users: `/api/v1/users`.

use kaidan_shared::page::Page;
use kaidan_shared::user::{
    ResetPasswordRequest, SignInLocks, User, UserCreate, UserListQuery, UserUpdate,
};
use uuid::Uuid;

use super::{query, send, ApiResult, Method, Reply};

pub async fn list(q: &UserListQuery) -> ApiResult<Page<User>> {
    Ok(super::get(&format!("/api/v1/users{}", query(q)))
        .await?
        .body)
}

pub async fn create(body: &UserCreate) -> ApiResult<Reply<User>> {
    super::post("/api/v1/users", body).await
}

pub async fn update(id: Uuid, etag: &str, body: &UserUpdate) -> ApiResult<Reply<User>> {
    super::patch(&format!("/api/v1/users/{id}"), etag, body).await
}

/// Deactivates (`false`) or reactivates (`true`) the user.
pub async fn set_active(id: Uuid, active: bool) -> ApiResult<Reply<User>> {
    let action = if active { "activate" } else { "deactivate" };
    super::post(
        &format!("/api/v1/users/{id}/{action}"),
        &serde_json::json!({}),
    )
    .await
}

pub async fn reset_password(id: Uuid, body: &ResetPasswordRequest) -> ApiResult<()> {
    super::post::<_, serde_json::Value>(&format!("/api/v1/users/{id}/reset-password"), body)
        .await
        .map(|_| ())
}

pub async fn sign_in_locks(id: Uuid) -> ApiResult<SignInLocks> {
    Ok(super::get(&format!("/api/v1/users/{id}/sign-in-locks"))
        .await?
        .body)
}

pub async fn clear_sign_in_locks(id: Uuid) -> ApiResult<()> {
    send::<(), serde_json::Value>(
        Method::DELETE,
        &format!("/api/v1/users/{id}/sign-in-locks"),
        None,
        None,
    )
    .await
    .map(|_| ())
}
