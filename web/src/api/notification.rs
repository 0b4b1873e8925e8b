//! Notifications: `/api/v1/notifications`.

use kaidan_shared::notification::{MarkedRead, Notification, NotificationListQuery, UnreadCount};
use kaidan_shared::page::Page;
use uuid::Uuid;

use super::{query, ApiResult};

pub async fn list(q: &NotificationListQuery) -> ApiResult<Page<Notification>> {
    Ok(super::get(&format!("/api/v1/notifications{}", query(q)))
        .await?
        .body)
}

pub async fn unread_count() -> ApiResult<u64> {
    let r: UnreadCount = super::get("/api/v1/notifications/unread-count").await?.body;
    Ok(r.count)
}

pub async fn read(id: Uuid) -> ApiResult<Notification> {
    let body = serde_json::json!({});
    Ok(
        super::post(&format!("/api/v1/notifications/{id}/read"), &body)
            .await?
            .body,
    )
}

pub async fn read_all() -> ApiResult<MarkedRead> {
    let body = serde_json::json!({});
    Ok(super::post("/api/v1/notifications/read-all", &body)
        .await?
        .body)
}
