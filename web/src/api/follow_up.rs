//! Follow-up tasks: `/api/v1/follow-ups`.

use kaidan_shared::follow_up::{
    FollowUp, FollowUpCreate, FollowUpDone, FollowUpListQuery, FollowUpSnooze, FollowUpUpdate,
};
use kaidan_shared::page::Page;
use uuid::Uuid;

use super::{query, send, ApiResult, Method, Reply};

pub async fn list(q: &FollowUpListQuery) -> ApiResult<Page<FollowUp>> {
    Ok(super::get(&format!("/api/v1/follow-ups{}", query(q)))
        .await?
        .body)
}

pub async fn create(body: &FollowUpCreate) -> ApiResult<Reply<FollowUp>> {
    super::post("/api/v1/follow-ups", body).await
}

pub async fn update(id: Uuid, etag: &str, body: &FollowUpUpdate) -> ApiResult<Reply<FollowUp>> {
    super::patch(&format!("/api/v1/follow-ups/{id}"), etag, body).await
}

pub async fn done(id: Uuid, body: &FollowUpDone) -> ApiResult<Reply<FollowUp>> {
    super::post(&format!("/api/v1/follow-ups/{id}/done"), body).await
}

pub async fn snooze(id: Uuid, body: &FollowUpSnooze) -> ApiResult<Reply<FollowUp>> {
    super::post(&format!("/api/v1/follow-ups/{id}/snooze"), body).await
}

pub async fn cancel(id: Uuid) -> ApiResult<Reply<FollowUp>> {
    send::<(), _>(
        Method::POST,
        &format!("/api/v1/follow-ups/{id}/cancel"),
        None,
        None,
    )
    .await
}
