//! Visits: `/api/v1/visits`, check-in and check-out, the visits' settings.

use kaidan_shared::page::Page;
use kaidan_shared::visit::{
    CheckIn, Visit, VisitCreate, VisitListQuery, VisitSettings, VisitUpdate,
};
use uuid::Uuid;

use super::{query, send, ApiResult, Method, Reply};

pub async fn list(q: &VisitListQuery) -> ApiResult<Page<Visit>> {
    Ok(super::get(&format!("/api/v1/visits{}", query(q)))
        .await?
        .body)
}

pub async fn get(id: Uuid) -> ApiResult<Reply<Visit>> {
    super::get(&format!("/api/v1/visits/{id}")).await
}

pub async fn create(body: &VisitCreate) -> ApiResult<Reply<Visit>> {
    super::post("/api/v1/visits", body).await
}

pub async fn update(id: Uuid, etag: &str, body: &VisitUpdate) -> ApiResult<Reply<Visit>> {
    super::patch(&format!("/api/v1/visits/{id}"), etag, body).await
}

pub async fn check_in(id: Uuid, body: &CheckIn) -> ApiResult<Reply<Visit>> {
    send(
        Method::POST,
        &format!("/api/v1/visits/{id}/check-in"),
        Some(body),
        None,
    )
    .await
}

pub async fn check_out(id: Uuid) -> ApiResult<Reply<Visit>> {
    send::<(), _>(
        Method::POST,
        &format!("/api/v1/visits/{id}/check-out"),
        None,
        None,
    )
    .await
}

pub async fn cancel(id: Uuid) -> ApiResult<Reply<Visit>> {
    send::<(), _>(
        Method::POST,
        &format!("/api/v1/visits/{id}/cancel"),
        None,
        None,
    )
    .await
}

pub async fn settings() -> ApiResult<VisitSettings> {
    Ok(super::get("/api/v1/visit-settings").await?.body)
}

pub async fn stats(
    q: &kaidan_shared::visit::VisitStatsQuery,
) -> ApiResult<kaidan_shared::visit::VisitStats> {
    Ok(super::get(&format!("/api/v1/visit-stats{}", query(q)))
        .await?
        .body)
}

pub async fn photos(id: Uuid) -> ApiResult<Vec<kaidan_shared::attachment::Attachment>> {
    Ok(super::get(&format!("/api/v1/visits/{id}/photos"))
        .await?
        .body)
}

/// Uploads a photo (already resized on the phone) with the queue's key, so a retry adds it once.
pub async fn add_photo(
    id: Uuid,
    form: web_sys::FormData,
    key: &str,
) -> ApiResult<Reply<kaidan_shared::attachment::Attachment>> {
    super::send_form(&format!("/api/v1/visits/{id}/photos"), form, key).await
}
